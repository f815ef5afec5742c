"""The rate limit per client address: new conversation ids do not reset it.

One private assistant behind a "reverse proxy" on loopback (TRUSTED_PROXIES=127.0.0.1):
each request says through X-Forwarded-For which client the proxy saw. A client that
starts a new conversation for every message is turned away politely after the address
allowance, an emergency from it is still answered, and what the client itself claims in
X-Forwarded-For (to the left of what the proxy saw) changes nothing.
"""

from __future__ import annotations

import ipaddress
import json
import urllib.request
import uuid

import pytest

from bot.content import text as response_text
from bot.safety.rate_limit import RATE_LIMITED
from tests.integration.conftest import running_assistant

EMERGENCY = "I can't breathe and my chest hurts"
GUIDANCE = "call emergency services now"
QUESTION = "What does it cost?"
ANSWER = "7,000"
ADDRESS_BURST = 4
CLIENT = "203.0.113.9"  # what the proxy saw (documentation range)


@pytest.fixture(scope="module")
def behind_proxy(tmp_path_factory):
    with running_assistant(
        tmp_path_factory,
        f"address-limit-{uuid.uuid4().hex[:6]}",
        rate_limit_burst=5,
        rate_limit_per_minute=60,
        # One more message per minute: no refill while the test runs.
        rate_limit_address_burst=ADDRESS_BURST,
        rate_limit_address_per_minute=1,
        trusted_proxies=(ipaddress.ip_network("127.0.0.1/32"),),
    ) as running:
        yield running


def _texts(assistant, sender: str, message: str, forwarded_for: str | None) -> str:
    headers = {"Content-Type": "application/json"}
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    request = urllib.request.Request(
        f"{assistant.base_url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": message}).encode(),
        method="POST",
        headers=headers,
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200
        return "\n".join(r.get("text", "") for r in json.loads(response.read()))


def _fresh() -> str:
    return f"rotating-{uuid.uuid4().hex[:10]}"


def test_a_client_rotating_conversation_ids_is_limited_per_address(behind_proxy) -> None:
    limited = response_text(RATE_LIMITED)
    # Every message in a new conversation: each sender's own allowance is untouched.
    answers = [_texts(behind_proxy, _fresh(), QUESTION, CLIENT) for _ in range(ADDRESS_BURST)]
    assert all(ANSWER in answer for answer in answers), answers
    assert _texts(behind_proxy, _fresh(), QUESTION, CLIENT) == limited

    # An emergency from the same client is answered all the same.
    assert GUIDANCE in _texts(behind_proxy, _fresh(), EMERGENCY, CLIENT)

    # The client claims another address itself (the proxy appends the one it saw): the
    # claim is not believed, the message still counts against the client's real address.
    spoofed = f"198.51.100.77, {CLIENT}"
    assert _texts(behind_proxy, _fresh(), QUESTION, spoofed) == limited
    # A request that reaches the proxy with many claimed hops changes nothing either.
    assert _texts(behind_proxy, _fresh(), QUESTION, f"10.9.9.9, 198.51.100.78, {CLIENT}") == (
        limited
    )

    # Another client behind the same proxy is served meanwhile.
    assert ANSWER in _texts(behind_proxy, _fresh(), QUESTION, "198.51.100.20")

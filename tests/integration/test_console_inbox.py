"""The advisor inbox end to end: a patient asks for a person in the chat widget's channel
(socket.io), an advisor signs in to the running console process, reads the transcript,
replies and hands back, and the patient reads it all in their chat.

A private stack (Rasa, actions, worker, console) on loopback ports; the console is driven
over HTTP like a browser (cookies, CSRF tokens from its forms).
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
import requests

from bot.content import text as response_text
from bot.handoff.advisor import ADVISOR_JOINED, HANDED_BACK
from tests.console.conftest import PASSWORD, add_staff
from tests.integration.chat_client import ChatClient
from tests.integration.conftest import (
    ADVISORS_ALWAYS_ON,
    LEAD_FORM_ANSWERS,
    Assistant,
    running_assistant,
)

ADVISOR_NAME = "Dr. Weber"


@pytest.fixture(scope="module")
def clinic(tmp_path_factory) -> Iterator[Assistant]:
    with running_assistant(
        tmp_path_factory,
        f"console-inbox-{uuid.uuid4().hex[:6]}",
        ADVISORS_ALWAYS_ON,
    ) as running:
        yield running


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.3)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def signed_in(console_url: str, email: str) -> requests.Session:
    """A browser-like client signed in to the console (an advisor without a second factor)."""
    browser = requests.Session()
    page = browser.get(f"{console_url}/login", timeout=10)
    response = browser.post(
        f"{console_url}/login",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        timeout=10,
    )
    assert response.status_code == 200 and "Sign in" not in response.text, response.text[:500]
    return browser


def test_an_advisor_answers_from_the_console_in_the_patients_chat(clinic: Assistant) -> None:
    assert clinic.console_url, "the private stack runs no console"
    add_staff(clinic.database_url, "weber@clinic.test", "advisor", name=ADVISOR_NAME)
    chat = ChatClient(clinic.base_url)
    try:
        for answer in LEAD_FORM_ANSWERS[:-1]:
            chat.say(answer)
        assert "advisor has been notified" in chat.say(LEAD_FORM_ANSWERS[-1])

        console = signed_in(clinic.console_url, "weber@clinic.test")
        inbox = console.get(f"{clinic.console_url}/inbox/", timeout=10).text
        assert "Anna Test" in inbox and "Web chat" in inbox
        [handoff_id] = re.findall(r'href="/inbox/(\d+)"', inbox)
        page_url = f"{clinic.console_url}/inbox/{handoff_id}"
        page = console.get(page_url, timeout=10).text
        # The transcript comes from the tracker store: the patient's own words are there.
        assert "talk to a person" in page and "Waiting for an advisor" in page
        token = csrf_of(page)

        # The reply arrives in the patient's chat, under the advisor's name.
        reply = "Hello Anna, this is Dr. Weber from the clinic. How can I help?"
        pushed = chat.after(
            lambda: console.post(
                f"{page_url}/reply", data={"text": reply, "csrf_token": token}, timeout=60
            )
        )
        assert response_text(ADVISOR_JOINED) in pushed and reply in pushed
        [written] = [m for m in chat.received if m.get("text") == reply]
        assert written["advisor"] == ADVISOR_NAME
        assert "Live with <strong>Dr. Weber</strong>" in console.get(page_url, timeout=10).text

        # The patient answers; the assistant stays quiet and the page's fragment shows it.
        assert chat.say_unanswered("Thank you! Could we talk tomorrow morning?") == []
        live = f"{page_url}/live"

        def fragment() -> str:
            return console.get(live, headers={"X-Requested-With": "fetch"}, timeout=10).text

        wait_until(lambda: "Could we talk tomorrow morning?" in fragment())

        # Hand back: the patient is told, and the assistant answers again.
        pushed = chat.after(
            lambda: console.post(
                f"{page_url}/handback",
                data={"note": "Call booked for tomorrow 9:00", "csrf_token": token},
                timeout=60,
            )
        )
        assert response_text(HANDED_BACK) in pushed
        assert "7,000" in chat.say("What does it cost?")
        assert "Nobody is waiting" in console.get(f"{clinic.console_url}/inbox/", timeout=10).text
    finally:
        chat.close()

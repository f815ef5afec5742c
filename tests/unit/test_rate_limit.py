"""Per-sender token bucket: bursts pass, floods are refused, buckets refill and stay bounded."""

import pytest

import bot.safety.rate_limit
from bot.safety.rate_limit import RateLimiter


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_a_burst_is_allowed_then_refused(clock: FakeClock) -> None:
    limiter = RateLimiter(burst=3, per_minute=30, clock=clock)
    assert [limiter.allow("anna") for _ in range(3)] == [True, True, True]
    assert limiter.allow("anna") is False
    assert limiter.allow("anna") is False


def test_refill_at_the_given_rate(clock: FakeClock) -> None:
    # 30 per minute: one message every 2 seconds.
    limiter = RateLimiter(burst=3, per_minute=30, clock=clock)
    for _ in range(3):
        limiter.allow("anna")
    clock.advance(1.5)
    assert limiter.allow("anna") is False
    clock.advance(0.5)
    assert limiter.allow("anna") is True
    assert limiter.allow("anna") is False
    clock.advance(2.0)
    assert limiter.allow("anna") is True
    assert limiter.allow("anna") is False


def test_refill_never_exceeds_the_burst(clock: FakeClock) -> None:
    limiter = RateLimiter(burst=3, per_minute=30, clock=clock)
    for _ in range(3):
        limiter.allow("anna")
    clock.advance(3600)
    assert [limiter.allow("anna") for _ in range(4)] == [True, True, True, False]


def test_senders_are_independent(clock: FakeClock) -> None:
    limiter = RateLimiter(burst=2, per_minute=1, clock=clock)
    assert limiter.allow("anna") and limiter.allow("anna")
    assert limiter.allow("anna") is False
    assert limiter.allow("ben") is True
    assert limiter.allow("ben") is True
    assert limiter.allow("ben") is False
    assert limiter.retry_after("carla") == 0.0


def test_retry_after_is_zero_while_allowed(clock: FakeClock) -> None:
    limiter = RateLimiter(burst=2, per_minute=30, clock=clock)
    assert limiter.retry_after("anna") == 0.0
    limiter.allow("anna")
    assert limiter.retry_after("anna") == 0.0


def test_retry_after_says_when_the_next_message_fits(clock: FakeClock) -> None:
    limiter = RateLimiter(burst=1, per_minute=30, clock=clock)
    limiter.allow("anna")
    assert limiter.allow("anna") is False
    assert limiter.retry_after("anna") == pytest.approx(2.0)
    clock.advance(1.5)
    assert limiter.allow("anna") is False
    wait = limiter.retry_after("anna")
    assert wait == pytest.approx(0.5)
    clock.advance(wait)
    assert limiter.allow("anna") is True


def test_tracked_senders_stay_bounded(clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot.safety.rate_limit, "_MAX_SENDERS", 3)
    limiter = RateLimiter(burst=1, per_minute=1, clock=clock)
    for n in range(10):
        limiter.allow(f"sender-{n}")
        assert len(limiter) <= 3
    assert len(limiter) == 3


def test_least_recently_active_sender_is_forgotten(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.safety.rate_limit, "_MAX_SENDERS", 2)
    limiter = RateLimiter(burst=1, per_minute=1, clock=clock)
    assert limiter.allow("anna") is True
    assert limiter.allow("ben") is True
    # Anna is active again (even a refused message counts), so Ben is now the oldest.
    assert limiter.allow("anna") is False
    assert limiter.allow("carla") is True
    assert len(limiter) == 2
    # Anna is still remembered with an empty bucket; Ben was forgotten and starts afresh.
    assert limiter.retry_after("anna") > 0
    assert limiter.allow("ben") is True


@pytest.mark.parametrize(
    ("burst", "per_minute"),
    [(0, 30), (-1, 30), (3, 0), (3, -5), (0, 0)],
)
def test_invalid_arguments_are_refused(burst: int, per_minute: int) -> None:
    with pytest.raises(ValueError):
        RateLimiter(burst=burst, per_minute=per_minute)


def test_the_real_clock_is_the_default() -> None:
    limiter = RateLimiter(burst=1, per_minute=1)
    assert limiter.allow("anna") is True
    assert limiter.allow("anna") is False


# --- The channels' limit: per sender and per client address --------------------------


class _Output:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send_text_message(self, recipient_id: str, text: str, **kwargs) -> None:
        self.sent.append((recipient_id, text))


def _message(sender: str, output: _Output, metadata: dict | None = None):
    from rasa.core.channels.channel import UserMessage

    return UserMessage("hello", output, sender, input_channel="rest", metadata=metadata)


async def _through(
    messages: list[tuple[str | None, str]], clock: FakeClock, address_burst: int = 5
) -> list[bool]:
    """Which of the ``(address, sender id)`` messages reach the assistant."""
    from bot.channels.limits import limit_per_sender, remember_client_address, with_client_address

    reached: list[str] = []

    async def on_new_message(message) -> None:
        reached.append(message.sender_id)

    handle = with_client_address(
        limit_per_sender(
            on_new_message,
            RateLimiter(burst=3, per_minute=60, clock=clock),
            RateLimiter(burst=address_burst, per_minute=60, clock=clock),
        )
    )
    outcome = []
    for address, sender in messages:
        with remember_client_address(address):
            await handle(_message(sender, _Output()))
        outcome.append(bool(reached) and reached[-1] == sender)
        reached.clear()
    return outcome


async def test_rotating_conversation_ids_from_one_address_is_limited(clock: FakeClock) -> None:
    messages = [("198.51.100.1", f"rotating-{n}") for n in range(8)]
    assert await _through(messages, clock) == [True] * 5 + [False] * 3


async def test_without_an_address_only_the_sender_counts(clock: FakeClock) -> None:
    assert await _through([(None, f"rotating-{n}") for n in range(8)], clock) == [True] * 8
    assert await _through([(None, "anna")] * 4, clock) == [True, True, True, False]


async def test_ipv6_addresses_of_one_64_share_an_allowance(clock: FakeClock) -> None:
    one_64 = ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2::3"]
    messages = [(address, f"s{n}") for n, address in enumerate(one_64)]
    messages.append(("2001:db8:1:3::1", "other"))
    assert await _through(messages, clock, address_burst=2) == [True, True, False, True]


async def test_a_client_over_its_address_allowance_hears_the_polite_reply(
    clock: FakeClock,
) -> None:
    from bot.channels.limits import limit_per_sender, remember_client_address, with_client_address
    from bot.content import text
    from bot.safety.rate_limit import RATE_LIMITED

    async def on_new_message(message) -> None:
        raise AssertionError("a limited message must not reach the assistant")

    address_limiter = RateLimiter(burst=1, per_minute=60, clock=clock)
    assert address_limiter.allow("198.51.100.1")  # the address's allowance is used up
    handle = with_client_address(
        limit_per_sender(
            on_new_message, RateLimiter(burst=3, per_minute=60, clock=clock), address_limiter
        )
    )
    output = _Output()
    with remember_client_address("198.51.100.1"):
        assert await handle(_message("fresh-id", output)) is None
    assert output.sent == [("fresh-id", text(RATE_LIMITED))]


async def test_the_address_travels_on_the_message_never_in_its_metadata(clock: FakeClock) -> None:
    from bot.channels.limits import (
        CLIENT_ADDRESS,
        client_address_of,
        remember_client_address,
        with_client_address,
    )

    seen = []

    async def on_new_message(message) -> None:
        seen.append(message)

    handle = with_client_address(on_new_message)
    with remember_client_address("198.51.100.1"):
        await handle(_message("anna", _Output(), metadata={"page": "faq"}))
    message = seen[0]
    assert client_address_of(message) == "198.51.100.1"
    assert getattr(message, CLIENT_ADDRESS) == "198.51.100.1"
    assert message.metadata == {"page": "faq"}
    assert "198.51.100.1" not in repr(message.metadata)
    # Outside the block nothing is remembered.
    await handle(_message("ben", _Output()))
    assert client_address_of(seen[1]) is None


async def test_this_machine_is_limited_per_sender_only(clock: FakeClock) -> None:
    messages = [("127.0.0.1", f"rotating-{n}") for n in range(8)]
    assert await _through(messages, clock) == [True] * 8
    assert await _through([("::1", "anna")] * 4, clock) == [True, True, True, False]

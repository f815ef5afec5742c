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

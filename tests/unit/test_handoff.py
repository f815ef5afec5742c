"""Business hours, what the patient is told, and the advisors' handoff queue."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.content import render, text
from bot.handoff.emergencies import guidance_while_handed_off
from bot.handoff.hours import parse_business_hours, what_happens_next
from bot.handoff.queue import (
    close_handoff,
    current_handoff,
    open_handoff,
    open_handoffs,
    take_handoff,
)
from bot.safety.flags import flags_of
from bot.store.db import session_scope
from bot.store.models import Handoff

ZURICH = ZoneInfo("Europe/Zurich")
UTC = timezone.utc
SPEC = "Mon-Fri 09:00-17:00"


def zurich(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZURICH)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def weekdays():
    return parse_business_hours(SPEC, "Europe/Zurich")


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'handoff.db'}"


# --- parse_business_hours ---------------------------------------------------------------


def test_weekday_range_parses_to_monday_to_friday(weekdays) -> None:
    assert weekdays.days == frozenset({0, 1, 2, 3, 4})
    assert (weekdays.start, weekdays.end) == (time(9, 0), time(17, 0))
    assert weekdays.zone.key == "Europe/Zurich"


def test_spec_is_case_insensitive_and_accepts_one_digit_hours(weekdays) -> None:
    assert parse_business_hours("MON-FRI 9:00-17:00", "Europe/Zurich") == weekdays


def test_single_day() -> None:
    hours = parse_business_hours("Sat 10:00-12:00", "Europe/Zurich")
    assert hours.days == frozenset({5})
    assert (hours.start, hours.end) == (time(10, 0), time(12, 0))


def test_day_range_wraps_around_the_weekend() -> None:
    hours = parse_business_hours("Fri-Mon 08:00-12:00", "Europe/Zurich")
    assert hours.days == frozenset({4, 5, 6, 0})


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("Mon-Fri", "must look like"),
        ("Xyz 09:00-10:00", "must look like"),
        ("Mon-Xyz 09:00-10:00", "must look like"),
        ("Mon-Fri 17:00-09:00", "open before it closes"),
        ("Mon 09:00-09:00", "open before it closes"),
    ],
)
def test_invalid_spec_is_refused_with_a_clear_message(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as error:
        parse_business_hours(spec, "Europe/Zurich")
    # The operator sees the setting's name and what they wrote.
    assert "BUSINESS_HOURS" in str(error.value)
    assert repr(spec) in str(error.value)


# --- is_open ------------------------------------------------------------------------------


def test_open_exactly_at_start_and_closed_exactly_at_end(weekdays) -> None:
    assert weekdays.is_open(zurich(2024, 7, 15, 9, 0))  # a Monday
    assert weekdays.is_open(zurich(2024, 7, 15, 16, 59))
    assert not weekdays.is_open(zurich(2024, 7, 15, 17, 0))
    assert not weekdays.is_open(zurich(2024, 7, 15, 8, 59))


def test_closed_on_the_weekend(weekdays) -> None:
    assert not weekdays.is_open(zurich(2024, 7, 13, 11))  # Saturday
    assert not weekdays.is_open(zurich(2024, 7, 14, 11))  # Sunday
    assert weekdays.is_open(zurich(2024, 7, 12, 11))  # Friday


def test_utc_instants_are_read_in_the_clinic_zone_with_daylight_saving(weekdays) -> None:
    # July: Zurich is UTC+2, so 08:30 UTC is 10:30 and 07:30 UTC is 09:30 (open).
    assert weekdays.is_open(utc(2024, 7, 15, 8, 30))
    assert weekdays.is_open(utc(2024, 7, 15, 7, 30))
    assert not weekdays.is_open(utc(2024, 7, 15, 15, 0))  # 17:00 local
    # January: UTC+1, so 07:30 UTC is 08:30 (closed) and 15:30 UTC is 16:30 (open).
    assert not weekdays.is_open(utc(2024, 1, 15, 7, 30))
    assert weekdays.is_open(utc(2024, 1, 15, 15, 30))


def test_wrap_around_hours_are_open_on_sunday_and_closed_midweek() -> None:
    hours = parse_business_hours("Fri-Mon 08:00-12:00", "Europe/Zurich")
    assert hours.is_open(zurich(2024, 7, 14, 10))  # Sunday
    assert hours.is_open(zurich(2024, 7, 15, 10))  # Monday
    assert not hours.is_open(zurich(2024, 7, 16, 10))  # Tuesday
    assert not hours.is_open(zurich(2024, 7, 14, 12))  # Sunday, at closing time


# --- next_opening -------------------------------------------------------------------------


def test_next_opening_is_now_while_open(weekdays) -> None:
    now = utc(2024, 7, 15, 10, 0)
    assert weekdays.next_opening(now) == now


def test_next_opening_before_opening_is_the_same_morning(weekdays) -> None:
    assert weekdays.next_opening(zurich(2024, 7, 16, 7, 15)) == zurich(2024, 7, 16, 9)


def test_next_opening_after_closing_is_the_next_morning(weekdays) -> None:
    assert weekdays.next_opening(zurich(2024, 7, 16, 17, 0)) == zurich(2024, 7, 17, 9)


@pytest.mark.parametrize(
    "now",
    [
        zurich(2024, 7, 12, 17, 0),  # Friday, closing time
        zurich(2024, 7, 13, 0, 0),  # Saturday midnight
        zurich(2024, 7, 14, 23, 59),  # Sunday night
        utc(2024, 7, 14, 22, 30),  # Monday 00:30 in Zurich, still Sunday in UTC
    ],
)
def test_next_opening_across_the_weekend_is_monday_morning(weekdays, now: datetime) -> None:
    assert weekdays.next_opening(now) == zurich(2024, 7, 15, 9)


def test_next_opening_across_a_daylight_saving_change(weekdays) -> None:
    # Summer time starts on Sunday 31 March 2024: Monday 09:00 is 07:00 UTC, not 08:00.
    opening = weekdays.next_opening(zurich(2024, 3, 30, 12))
    assert opening == utc(2024, 4, 1, 7, 0)
    # Winter time starts on Sunday 27 October 2024: Monday 09:00 is 08:00 UTC.
    assert weekdays.next_opening(zurich(2024, 10, 26, 12)) == utc(2024, 10, 28, 8, 0)


def test_single_day_hours_reopen_a_week_later() -> None:
    hours = parse_business_hours("Sat 10:00-12:00", "Europe/Zurich")
    assert hours.next_opening(zurich(2024, 7, 13, 12, 0)) == zurich(2024, 7, 20, 10)
    assert hours.next_opening(zurich(2024, 7, 13, 9, 0)) == zurich(2024, 7, 13, 10)


def test_wrap_around_hours_reopen_on_friday() -> None:
    hours = parse_business_hours("Fri-Mon 08:00-12:00", "Europe/Zurich")
    assert hours.next_opening(zurich(2024, 7, 16, 10)) == zurich(2024, 7, 19, 8)  # Tue -> Fri
    assert hours.next_opening(zurich(2024, 7, 13, 13)) == zurich(2024, 7, 14, 8)  # Sat -> Sun


# --- what_happens_next --------------------------------------------------------------------


def test_while_open_the_patient_hears_shortly_and_the_channel(weekdays) -> None:
    text = render(what_happens_next(weekdays, SPEC, "whatsapp", now=utc(2024, 7, 15, 8, 30)))
    assert "shortly" in text
    assert "by WhatsApp" in text
    assert "112" in text and "911" in text
    assert "outside" not in text


def test_outside_hours_the_patient_hears_the_next_opening_and_zone(weekdays) -> None:
    text = render(what_happens_next(weekdays, SPEC, "email", now=zurich(2024, 7, 12, 18, 0)))
    assert "Monday 09:00" in text
    assert "Europe/Zurich" in text
    assert SPEC in text
    assert "by email" in text
    assert "112" in text and "911" in text
    assert "shortly" not in text


def test_the_next_opening_is_told_in_clinic_time_not_utc(weekdays) -> None:
    # Saturday in UTC; Monday's opening is 07:00 UTC in summer but 09:00 for the clinic.
    text = render(what_happens_next(weekdays, SPEC, "phone", now=utc(2024, 7, 13, 12, 0)))
    assert "Monday 09:00" in text
    assert "07:00" not in text
    assert "by phone" in text


def test_before_opening_the_patient_hears_this_mornings_opening(weekdays) -> None:
    text = render(what_happens_next(weekdays, SPEC, "email", now=zurich(2024, 1, 17, 7, 0)))
    assert "Wednesday 09:00" in text


# --- the handoff queue --------------------------------------------------------------------


def _handoff_count(url: str, conversation_id: str) -> int:
    with session_scope(url) as session:
        return session.execute(
            select(func.count())
            .select_from(Handoff)
            .where(Handoff.conversation_id == conversation_id)
        ).scalar_one()


def test_open_handoff_queues_a_waiting_handoff(url: str) -> None:
    handoff_id = open_handoff(url, "conv-1", "rest", "lead")
    handoff = current_handoff(url, "conv-1")
    assert handoff is not None
    assert handoff.id == handoff_id
    assert (handoff.status, handoff.channel, handoff.reason) == ("waiting", "rest", "lead")
    assert handoff.advisor is None


def test_an_open_handoff_is_reused_not_doubled(url: str) -> None:
    first = open_handoff(url, "conv-1", "rest", "lead")
    again = open_handoff(url, "conv-1", "socketio", "request_human")
    assert again == first
    assert _handoff_count(url, "conv-1") == 1
    # Another conversation gets its own.
    assert open_handoff(url, "conv-2", "rest", "lead") != first


def test_an_active_handoff_is_reused_too(url: str) -> None:
    first = open_handoff(url, "conv-1", "rest", "lead")
    take_handoff(url, "conv-1", "dr.keller")
    assert open_handoff(url, "conv-1", "rest", "lead") == first
    assert _handoff_count(url, "conv-1") == 1


def test_take_handoff_makes_it_active_with_the_advisor(url: str) -> None:
    open_handoff(url, "conv-1", "rest", "lead")
    take_handoff(url, "conv-1", "dr.keller")
    handoff = current_handoff(url, "conv-1")
    assert handoff is not None
    assert (handoff.status, handoff.advisor) == ("active", "dr.keller")
    assert handoff.taken_at is not None


def test_close_handoff_stores_the_note_and_ends_it(url: str) -> None:
    first = open_handoff(url, "conv-1", "rest", "lead")
    take_handoff(url, "conv-1", "dr.keller")
    close_handoff(url, "conv-1", "Called back, appointment on Monday.")
    assert current_handoff(url, "conv-1") is None
    with session_scope(url) as session:
        closed = session.get(Handoff, first)
        assert closed.status == "closed"
        assert closed.note == "Called back, appointment on Monday."
        assert closed.closed_at is not None
    # A later request starts a new handoff.
    second = open_handoff(url, "conv-1", "rest", "request_human")
    assert second != first
    assert current_handoff(url, "conv-1").id == second
    assert _handoff_count(url, "conv-1") == 2


def test_a_waiting_handoff_can_be_closed_without_being_taken(url: str) -> None:
    open_handoff(url, "conv-1", "rest", "lead")
    close_handoff(url, "conv-1", "duplicate")
    assert current_handoff(url, "conv-1") is None


def test_a_very_long_note_is_cut_to_the_column_size(url: str) -> None:
    handoff_id = open_handoff(url, "conv-1", "rest", "lead")
    close_handoff(url, "conv-1", "x" * 5000)
    with session_scope(url) as session:
        assert len(session.get(Handoff, handoff_id).note) == 2000


@pytest.mark.parametrize("operation", ["take", "close"])
def test_without_an_open_handoff_take_and_close_raise_lookup_error(url: str, operation) -> None:
    def act(conversation_id: str) -> None:
        if operation == "take":
            take_handoff(url, conversation_id, "dr.keller")
        else:
            close_handoff(url, conversation_id, "note")

    with pytest.raises(LookupError, match="conv-unknown"):
        act("conv-unknown")
    # Nor after the conversation's handoff was closed.
    open_handoff(url, "conv-1", "rest", "lead")
    close_handoff(url, "conv-1", "done")
    with pytest.raises(LookupError):
        act("conv-1")


def test_open_handoffs_lists_waiting_and_active_oldest_first(url: str) -> None:
    for conversation_id in ("conv-a", "conv-b", "conv-c", "conv-d"):
        open_handoff(url, conversation_id, "rest", "lead")
    close_handoff(url, "conv-a", "done")
    take_handoff(url, "conv-c", "dr.keller")
    queue = open_handoffs(url)
    assert [(h.conversation_id, h.status) for h in queue] == [
        ("conv-b", "waiting"),
        ("conv-c", "active"),
        ("conv-d", "waiting"),
    ]
    assert [h.id for h in queue] == sorted(h.id for h in queue)


def test_open_handoffs_is_empty_without_handoffs(url: str) -> None:
    assert open_handoffs(url) == []


def test_handoff_timestamps_are_recent(url: str) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    open_handoff(url, "conv-1", "rest", "lead")
    take_handoff(url, "conv-1", "dr.keller")
    taken_at = current_handoff(url, "conv-1").taken_at
    # SQLite returns naive UTC datetimes.
    taken_at = taken_at if taken_at.tzinfo else taken_at.replace(tzinfo=UTC)
    assert before <= taken_at <= datetime.now(UTC)


# --- one open handoff per conversation, enforced by the database --------------------------


def open_concurrently(url: str, conversation_id: str) -> list[int]:
    """Two ``open_handoff`` calls that both read "no open handoff" before either inserts."""
    import contextlib
    import threading

    from sqlalchemy import event
    from sqlalchemy.orm import Session

    both_read = threading.Barrier(2)

    def wait_for_the_other(session: Session, *_args: object) -> None:
        if any(isinstance(obj, Handoff) for obj in session.new):
            with contextlib.suppress(threading.BrokenBarrierError):
                both_read.wait(timeout=5)

    ids: list[int] = []
    errors: list[BaseException] = []

    def request(channel: str) -> None:
        try:
            ids.append(open_handoff(url, conversation_id, channel, "lead"))
        except Exception as exc:  # noqa: BLE001 - reported by the caller's assertion
            errors.append(exc)

    event.listen(Session, "before_flush", wait_for_the_other)
    try:
        threads = [threading.Thread(target=request, args=(c,)) for c in ("rest", "socketio")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        event.remove(Session, "before_flush", wait_for_the_other)
    assert errors == []
    return ids


def test_concurrent_requests_open_one_handoff_and_both_get_its_id(url: str) -> None:
    open_handoff(url, "conv-0", "rest", "lead")  # migrates before the threads race
    ids = open_concurrently(url, "conv-1")
    handoff = current_handoff(url, "conv-1")
    assert handoff is not None
    assert ids == [handoff.id, handoff.id]
    assert _handoff_count(url, "conv-1") == 1


def test_the_database_refuses_a_second_open_handoff(url: str) -> None:
    from sqlalchemy.exc import IntegrityError

    open_handoff(url, "conv-1", "rest", "lead")
    with pytest.raises(IntegrityError), session_scope(url) as session:
        session.add(Handoff(conversation_id="conv-1", status="active", reason="lead"))
    # Closed ones do not count: history may hold many.
    close_handoff(url, "conv-1", "done")
    with session_scope(url) as session:
        session.add(Handoff(conversation_id="conv-1", status="closed", reason="lead"))
    assert open_handoff(url, "conv-1", "rest", "lead") == current_handoff(url, "conv-1").id
    assert _handoff_count(url, "conv-1") == 3


def test_a_red_flag_during_a_live_handoff_gets_its_level_and_language(url: str) -> None:
    open_handoff(url, "conv-1", "email", "lead")
    # While the handoff only waits, the assistant itself answers (and flags) it.
    assert guidance_while_handed_off(url, "conv-1", "je veux mourir") is None
    take_handoff(url, "conv-1", "dr.keller")
    assert guidance_while_handed_off(url, "conv-1", "what does it cost?") is None
    assert guidance_while_handed_off(url, "conv-1", "je veux mourir") == text("utter_crisis_fr")
    assert [flag.category for flag in flags_of(url, "conv-1")] == ["suicidal"]

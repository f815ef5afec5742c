"""WhatsApp's 24-hour window for advisors' replies, and the record of their deliveries."""

from __future__ import annotations

import time
from typing import Any

import pytest

from bot.handoff import advisor
from bot.handoff.advisor import AdvisorError, reply
from bot.handoff.delivery_window import (
    OUTSIDE_WINDOW,
    error_text,
    failed_deliveries,
    last_user_message,
    main,
    outside_window,
    record_advisor_message,
    record_status,
)
from bot.handoff.queue import open_handoff
from bot.settings import load_settings

HOUR = 3600.0
NOW = 1_750_000_000.0


@pytest.mark.parametrize(
    ("hours_ago", "outside"),
    [(0, False), (1, False), (23.9, False), (24, True), (24.1, True), (24 * 30, True)],
)
def test_whatsapp_allows_free_messages_for_24_hours_after_the_patients_last(
    hours_ago: float, outside: bool
) -> None:
    assert outside_window("whatsapp", NOW - hours_ago * HOUR, NOW) is outside


@pytest.mark.parametrize("channel", ["socketio", "rest", "telegram", None, ""])
def test_other_channels_have_no_window(channel: str | None) -> None:
    assert not outside_window(channel, NOW - 1000 * HOUR, NOW)
    assert not outside_window(channel, None, NOW)


def test_whatsapp_without_a_known_message_from_the_patient_is_outside() -> None:
    assert outside_window("whatsapp", None, NOW)


def test_the_latest_user_event_gives_the_channel_and_time() -> None:
    events: list[dict[str, Any]] = [
        {"event": "action", "name": "action_session_start", "timestamp": 1.0},
        {"event": "user", "text": "hi", "timestamp": 10.0, "input_channel": "socketio"},
        {"event": "bot", "text": "hello", "timestamp": 11.0},
        {"event": "user", "text": "price?", "timestamp": 20, "input_channel": "whatsapp"},
        {"event": "bot", "text": "EUR", "timestamp": 30.0},
    ]
    assert last_user_message(events) == ("whatsapp", 20.0)
    assert last_user_message(events[:3]) == ("socketio", 10.0)
    assert last_user_message([]) == (None, None)
    assert last_user_message([{"event": "user", "text": "x"}]) == (None, None)


def _tracker_api(monkeypatch, events: list[dict[str, Any]], appended: list) -> None:
    """Rasa's HTTP API as the advisor's tools see it, at the edge (no Rasa server here)."""

    class FakeRasaApi:
        def __init__(self, settings: Any) -> None:
            pass

        def tracker(self, conversation_id: str) -> dict[str, Any]:
            return {"sender_id": conversation_id, "events": events}

        def append(self, conversation_id: str, new: list[dict[str, Any]]) -> dict[str, Any]:
            appended.append((conversation_id, new))
            return {}

    monkeypatch.setattr(advisor, "RasaApi", FakeRasaApi)


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'window.db'}")
    monkeypatch.setenv("RASA_API_TOKEN", "t" * 32)
    return load_settings()


def test_an_advisor_reply_outside_the_window_is_refused_with_the_reason(
    settings, monkeypatch
) -> None:
    open_handoff(settings.database_url, "+41791234567", "whatsapp", "lead")
    old = time.time() - 25 * HOUR
    appended: list = []
    _tracker_api(
        monkeypatch,
        [{"event": "user", "text": "hi", "timestamp": old, "input_channel": "whatsapp"}],
        appended,
    )
    with pytest.raises(AdvisorError) as refused:
        reply(settings, "+41791234567", "Hello Anna", "Dr. Weber")
    assert str(refused.value) == OUTSIDE_WINDOW
    assert "24 hours" in OUTSIDE_WINDOW and "see the lead" in OUTSIDE_WINDOW
    assert appended == []  # nothing was sent, the conversation was not taken


def test_an_advisor_reply_inside_the_window_or_on_the_web_goes_out(settings, monkeypatch) -> None:
    for conversation, channel, hours in (
        ("+41791234567", "whatsapp", 23),
        ("web-1", "socketio", 99),
    ):
        open_handoff(settings.database_url, conversation, channel, "lead")
        appended: list = []
        stamp = time.time() - hours * HOUR
        _tracker_api(
            monkeypatch,
            [{"event": "user", "text": "hi", "timestamp": stamp, "input_channel": channel}],
            appended,
        )
        reply(settings, conversation, "Hello", "Dr. Weber")
        [(to, events)] = appended
        assert to == conversation and events[-1]["text"] == "Hello"


def test_deliveries_move_forward_and_failures_are_listed_for_staff(tmp_path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'deliveries.db'}"
    record_advisor_message(url, "+41791234567", "whatsapp", "Dr. Weber", "wamid.A")
    record_advisor_message(url, "+41791234567", "whatsapp", "Dr. Weber", "wamid.B")
    record_advisor_message(url, "+41797654321", "whatsapp", "Dr. Roth", None, "HTTP 500")
    assert record_status(url, "wamid.A", "read").status == "read"
    # Out of order: a late "delivered" does not undo "read".
    assert record_status(url, "wamid.A", "delivered").status == "read"
    assert (
        record_status(url, "wamid.B", "failed", "131047 Re-engagement message").status == "failed"
    )
    assert record_status(url, "wamid.B", "read").status == "failed"  # final
    assert record_status(url, "wamid.other", "failed") is None  # not an advisor's
    assert record_status(url, "wamid.A", "deleted") is None

    assert [(d.conversation_id, d.error) for d in failed_deliveries(url)] == [
        ("+41791234567", "131047 Re-engagement message"),
        ("+41797654321", "HTTP 500"),
    ]
    assert len(failed_deliveries(url, "+41797654321")) == 1


def test_the_staff_command_lists_the_failed_deliveries(tmp_path, monkeypatch, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'command.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main([]) == 0
    assert "every advisor message was delivered" in capsys.readouterr().out
    record_advisor_message(url, "+41791234567", "whatsapp", "Dr. Weber", None, "190 Invalid token")
    assert main(["+41791234567"]) == 0
    out = capsys.readouterr().out
    assert "+41791234567" in out and "Dr. Weber" in out and "190 Invalid token" in out


def test_error_text_is_code_and_title_within_the_column() -> None:
    assert error_text(131047, "Re-engagement message") == "131047 Re-engagement message"
    assert error_text(None, None) == "unknown error"
    assert len(error_text(1, "x" * 500)) == 200

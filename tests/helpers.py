"""Builders for Rasa SDK trackers in action tests (one conversation, its events)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker


def user_event(text: str, intent: str, confidence: float = 0.9) -> dict[str, Any]:
    """A `user` event as the Rasa server sends it to the action server."""
    return {
        "event": "user",
        "text": text,
        "parse_data": {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "entities": [],
        },
    }


def make_tracker(
    events: list[dict[str, Any]],
    slots: dict[str, Any] | None = None,
    sender_id: str = "test-user",
) -> Tracker:
    """A tracker whose latest message is the last `user` event in ``events``."""
    latest = next((e for e in reversed(events) if e["event"] == "user"), None)
    latest_message = dict(latest["parse_data"]) if latest else {}
    return Tracker(
        sender_id=sender_id,
        slots=slots or {},
        latest_message=latest_message,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )

"""Builders for Rasa SDK trackers in action tests (one conversation, its events)."""

from __future__ import annotations

from typing import Any

import yaml
from rasa_sdk import Tracker

from bot.content import responses, text
from bot.settings import PROJECT_ROOT


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
    active_loop: str | None = None,
) -> Tracker:
    """A tracker whose latest message is the last `user` event in ``events``, inside the
    form ``active_loop`` if given."""
    latest = next((e for e in reversed(events) if e["event"] == "user"), None)
    latest_message = dict(latest["parse_data"]) if latest else {}
    return Tracker(
        sender_id=sender_id,
        slots=slots or {},
        latest_message=latest_message,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


# Keys that rasa_sdk's CollectingDispatcher puts in every message; the rest are the
# response's variables.
_DISPATCHER_KEYS = {
    "text",
    "buttons",
    "elements",
    "custom",
    "template",
    "response",
    "image",
    "attachment",
}


def rendered(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Dispatcher messages as the user sees them: responses filled in, with their buttons."""
    shown = []
    for message in messages:
        name = message.get("response")
        if not name:
            shown.append(message)
            continue
        variables = {k: v for k, v in message.items() if k not in _DISPATCHER_KEYS}
        variant = next(v for v in responses()[name] if not v.get("condition"))
        shown.append(
            {
                **message,
                "text": text(name, **variables),
                "buttons": variant.get("buttons", []),
            }
        )
    return shown


def project_domain() -> dict[str, Any]:
    """The domain as the action server receives it: forms and slots from domain.yml."""
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {"forms": domain["forms"], "slots": domain["slots"], "responses": responses()}

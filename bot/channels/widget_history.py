"""The conversation so far, for a widget that reconnects (a reload, a second tab).

Rasa does not replay a conversation to a client that comes back, so the widget would
show an empty chat after every reload. The history is read from the tracker store and
sent once, right after the session is confirmed; nothing of it is kept in the browser.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.handoff.advisor import ADVISOR_METADATA, HANDOFF_METADATA

# Enough to pick the thread up again; the whole session stays in the tracker store.
MAX_HISTORY_MESSAGES = 60
# What the widget showed for a tapped button (its title), sent with the payload.
SHOWN_METADATA = "shown"


def quick_replies(buttons: Iterable[dict[str, Any]] | None) -> list[dict[str, str]]:
    """Buttons in the shape Rasa's socket.io channel sends them."""
    return [
        {
            "content_type": "text",
            "title": str(b.get("title", "")),
            "payload": str(b.get("payload", "")),
        }
        for b in buttons or ()
        if isinstance(b, dict)
    ]


def _bot_message(event: dict[str, Any]) -> dict[str, Any] | None:
    text = event.get("text") or ""
    data = event.get("data") or {}
    buttons = data.get("buttons") or data.get("quick_replies")
    if not text and not buttons:
        return None
    message: dict[str, Any] = {"sender": "bot", "text": text}
    if buttons:
        message["quick_replies"] = quick_replies(buttons)
    metadata = event.get("metadata") or {}
    for key in (ADVISOR_METADATA, HANDOFF_METADATA):
        if metadata.get(key):
            message[key] = str(metadata[key])
    return message


def _user_message(event: dict[str, Any]) -> dict[str, Any] | None:
    text = event.get("text") or ""
    if not text:
        return None
    # A tapped button arrives as its payload ("yes", "/help"); the widget sends the
    # title it showed along with it (metadata "shown"), which the history shows again.
    shown = (event.get("metadata") or {}).get(SHOWN_METADATA)
    return {"sender": "user", "text": shown if isinstance(shown, str) and shown else text}


def history_messages(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """User and bot messages of the current session, oldest first, at most the last
    ``MAX_HISTORY_MESSAGES``."""
    readers = {"user": _user_message, "bot": _bot_message}
    messages: list[dict[str, Any]] = []
    for event in events:
        kind = event.get("event")
        if kind == "session_started" or (
            kind == "action" and event.get("name") == "action_restart"
        ):
            messages = []
            continue
        reader = readers.get(kind)
        message = reader(event) if reader else None
        if message is not None:
            messages.append(message)
    return messages[-MAX_HISTORY_MESSAGES:]

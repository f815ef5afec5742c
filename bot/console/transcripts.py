"""A conversation's events as a transcript staff can read.

Patient messages with the model's intent and confidence and the FAQ it chose, the
assistant's answers, advisors' messages under their name, form steps and slots; the
technical events (actions, listens, featurisation) are kept beside the message they
follow, for a collapsed "details" view.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.parse_data import faq_key
from bot.store.rasa_events import events as events_table
from bot.store.rasa_events import events_table_exists
from bot.store.summaries import FALLBACK_INTENT, UnsureMessage, faq_confidence, scan

# A transcript longer than this is cut (a runaway client); the rest stays in the table.
MAX_EVENTS = 5000
FORMS = {"precheck_form": "Pre-check", "lead_form": "Lead form"}
# Metadata keys of advisor messages (bot/handoff/advisor.py): who wrote, and the
# joined / handed-back notices.
ADVISOR_METADATA, HANDOFF_METADATA = "advisor", "handoff"
SYSTEM_EVENTS = {
    "pause": "Handed to an advisor: the assistant is paused",
    "resume": "Handed back to the assistant",
    "session_started": "New session",
    "restart": "Conversation restarted",
    "rewind": "Message taken back",
    "reset_slots": "All slots reset",
}
QUIET_ACTIONS = frozenset({"action_listen", "action_session_start"})


@dataclass
class Row:
    """One line of the transcript.

    ``kind``: patient, assistant, advisor, form (a form step), slot, system.
    """

    kind: str
    at: datetime | None
    text: str = ""
    who: str = ""
    event_id: int = 0
    intent: str | None = None
    confidence: float | None = None
    faq: str | None = None
    faq_confidence: float | None = None
    red_flag: str | None = None
    unsure: list[str] = field(default_factory=list)
    buttons: list[str] = field(default_factory=list)
    channel: str | None = None
    # Technical events after this row, for the collapsed view: (time, description).
    details: list[tuple[datetime | None, str]] = field(default_factory=list)


def _at(stamp: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(stamp), tz=timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _value(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def load_all(session: Session, conversation_id: str) -> list[tuple[int, dict[str, Any]]]:
    """All of the conversation's events, oldest first, with their ids."""
    if not events_table_exists(session):
        return []
    rows = session.execute(
        select(events_table.c.id, events_table.c.data)
        .where(events_table.c.sender_id == conversation_id)
        .order_by(events_table.c.id)
        .limit(MAX_EVENTS)
    )
    result = []
    for event_id, data in rows:
        try:
            event = json.loads(data)
        except (TypeError, ValueError):
            continue
        if isinstance(event, dict):
            result.append((event_id, event))
    return result


def transcript(events: Iterable[tuple[int, dict[str, Any]]]) -> list[Row]:
    """Rows for the events (as ``load_all`` returns them)."""
    events = list(events)
    unsure: dict[int, UnsureMessage] = {m.event_id: m for m in scan(events).unsure}
    rows: list[Row] = []
    active_form: str | None = None

    def detail(event: dict[str, Any], text: str) -> None:
        if rows:
            rows[-1].details.append((_at(event.get("timestamp")), text))
        else:
            rows.append(Row("system", _at(event.get("timestamp")), "Conversation start"))
            rows[-1].details.append((_at(event.get("timestamp")), text))

    for event_id, event in events:
        kind = event.get("event")
        at = _at(event.get("timestamp"))
        if kind == "user":
            rows.append(_patient(event_id, event, at, unsure.get(event_id)))
        elif kind == "bot":
            rows.append(_bot(event_id, event, at))
        elif kind == "action":
            name = event.get("name") or ""
            policy = event.get("policy")
            confidence = event.get("confidence")
            text = f"action {name}"
            if policy:
                text += f" ({policy}"
                text += f", {confidence:.2f})" if isinstance(confidence, (int, float)) else ")"
            detail(event, text)
        elif kind == "active_loop":
            name = event.get("name")
            if name:
                active_form = name
                rows.append(Row("form", at, f"{FORMS.get(name, name)} started", event_id=event_id))
            else:
                label = FORMS.get(active_form or "", "Form")
                rows.append(Row("form", at, f"{label} ended", event_id=event_id))
                active_form = None
        elif kind == "slot":
            name, value = event.get("name") or "", event.get("value")
            if name == "requested_slot":
                if value:
                    rows.append(Row("form", at, f"asks for {value}", event_id=event_id))
                else:
                    detail(event, "requested_slot cleared")
            elif active_form:
                rows.append(
                    Row("form", at, f"{name} = {_value(value)}", event_id=event_id, who=name)
                )
            else:
                rows.append(
                    Row("slot", at, f"{name} = {_value(value)}", event_id=event_id, who=name)
                )
        elif kind in SYSTEM_EVENTS:
            if kind in ("session_started", "restart"):
                active_form = None
            rows.append(Row("system", at, SYSTEM_EVENTS[kind], event_id=event_id))
        else:
            detail(event, _value({k: v for k, v in event.items() if k != "metadata"}))
    return rows


def _patient(
    event_id: int, event: dict[str, Any], at: datetime | None, unsure: UnsureMessage | None
) -> Row:
    parse_data = event.get("parse_data") or {}
    intent = parse_data.get("intent") or {}
    name = intent.get("name")
    topic = faq_key(parse_data) if name == "faq" else None
    row = Row(
        "patient",
        at,
        event.get("text") or "",
        who="Patient",
        event_id=event_id,
        intent=name,
        confidence=intent.get("confidence"),
        faq=topic,
        faq_confidence=faq_confidence(parse_data) if topic else None,
        red_flag=(parse_data.get("red_flag") or {}).get("category"),
        unsure=list(unsure.reasons) if unsure else [],
        channel=event.get("input_channel"),
    )
    if name == FALLBACK_INTENT:
        ranking = [r for r in parse_data.get("intent_ranking") or [] if r.get("name") != name]
        if ranking:
            row.details.append((at, f"best guess {ranking[0].get('name')}"))
    return row


def _bot(event_id: int, event: dict[str, Any], at: datetime | None) -> Row:
    metadata = event.get("metadata") or {}
    data = event.get("data") or {}
    buttons = [
        str(button.get("title") or button.get("payload") or "")
        for button in data.get("buttons") or []
        if isinstance(button, dict)
    ]
    advisor = metadata.get(ADVISOR_METADATA)
    if advisor and not metadata.get(HANDOFF_METADATA):
        return Row(
            "advisor",
            at,
            event.get("text") or "",
            who=f"Advisor {advisor}",
            event_id=event_id,
            buttons=buttons,
        )
    row = Row(
        "assistant",
        at,
        event.get("text") or "",
        who="Assistant",
        event_id=event_id,
        buttons=buttons,
    )
    if metadata.get("utter_action"):
        row.details.append((at, f"response {metadata['utter_action']}"))
    return row

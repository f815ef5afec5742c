"""The safety queue: emergency flags for staff to check, with the message behind each.

A flag holds the category only (``bot/safety/flags.py``); the patient's words stay in
the conversation's events. The message shown is the patient's last message saved at
or before the flag (the action that flags runs in the turn of that message).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.store.models import SafetyFlag
from bot.store.rasa_events import events as events_table
from bot.store.summaries import refresh_links

PAGE_SIZE = 50
RULE, MODEL = "rule", "model"
# The flag is written by the action server during the turn, a moment after the message
# was received; clocks of two processes may differ a little.
CLOCK_SLACK_SECONDS = 5.0
EMERGENCY_INTENT = "emergency"
# How far back a message is looked for (a flag far from any message has none shown).
LOOKBACK = timedelta(days=1)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Message:
    text: str
    at: datetime


@dataclass(frozen=True)
class QueueItem:
    flag: SafetyFlag
    message: Message | None

    @property
    def open(self) -> bool:
        return self.flag.acknowledged_at is None


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueItem]
    page: int
    has_more: bool
    open_count: int


def open_count(session: Session) -> int:
    """Flags nobody has acknowledged yet."""
    return session.execute(
        select(func.count()).select_from(SafetyFlag).where(SafetyFlag.acknowledged_at.is_(None))
    ).scalar_one()


def queue_page(
    session: Session, page: int = 1, *, open_only: bool = False, size: int = PAGE_SIZE
) -> QueuePage:
    """Flags not yet acknowledged first, then the others; newest first within each."""
    page = max(1, page)
    query = select(SafetyFlag)
    if open_only:
        query = query.where(SafetyFlag.acknowledged_at.is_(None))
    flags = list(
        session.execute(
            query.order_by(
                case((SafetyFlag.acknowledged_at.is_(None), 0), else_=1),
                SafetyFlag.created_at.desc(),
                SafetyFlag.id.desc(),
            )
            .offset((page - 1) * size)
            .limit(size + 1)
        ).scalars()
    )
    has_more = len(flags) > size
    flags = flags[:size]
    messages = triggering_messages(session, flags)
    return QueuePage(
        items=[QueueItem(flag, messages.get(flag.id)) for flag in flags],
        page=page,
        has_more=has_more,
        open_count=open_count(session),
    )


def triggering_messages(session: Session, flags: Sequence[SafetyFlag]) -> dict[int, Message]:
    """For each flag, the patient's last message at or before it (one query)."""
    if not flags:
        return {}
    times = [_aware(flag.created_at) for flag in flags]
    latest = max(times).timestamp() + CLOCK_SLACK_SECONDS
    earliest = (min(times) - LOOKBACK).timestamp()
    by_conversation: dict[str, list[tuple[float, str, str | None]]] = defaultdict(list)
    rows = session.execute(
        select(
            events_table.c.sender_id,
            events_table.c.timestamp,
            events_table.c.data,
            events_table.c.intent_name,
        )
        .where(
            events_table.c.sender_id.in_({flag.conversation_id for flag in flags}),
            events_table.c.type_name == "user",
            events_table.c.timestamp.between(earliest, latest),
        )
        .order_by(events_table.c.timestamp)
    )
    for sender_id, stamp, data, intent in rows:
        try:
            text = json.loads(data).get("text") or ""
        except (TypeError, ValueError, AttributeError):
            continue
        by_conversation[sender_id].append((stamp, text, intent))
    found: dict[int, Message] = {}
    for flag in flags:
        flagged_at = _aware(flag.created_at).timestamp()
        messages = by_conversation.get(flag.conversation_id, [])
        # The message read as an emergency, within the clock slack (the flag is written
        # just after the message's event); a patient who writes on quickly must not
        # have a later message shown. Otherwise the last message before the flag.
        emergencies = [
            m
            for m in messages
            if m[2] == EMERGENCY_INTENT and m[0] <= flagged_at + CLOCK_SLACK_SECONDS
        ]
        before = emergencies or [m for m in messages if m[0] <= flagged_at]
        if before:
            stamp, text, _intent = before[-1]
            found[flag.id] = Message(text, datetime.fromtimestamp(stamp, tz=timezone.utc))
    return found


def acknowledge(flag: SafetyFlag, staff_email: str) -> bool:
    """Staff checked the flag; whether it changed (an acknowledged flag stays as it was)."""
    if flag.acknowledged_at is not None:
        return False
    flag.acknowledged_at = datetime.now(timezone.utc)
    flag.acknowledged_by = staff_email
    return True


def mark_false_alarm(session: Session, flag: SafetyFlag, staff_email: str) -> None:
    """A model's flag was no emergency: acknowledged, marked, and the conversation no
    longer listed as flagged (unless another flag stands). A rule's flag stands."""
    if flag.detected_by != MODEL:
        raise ValueError("only a flag of the model alone can be a false alarm")
    acknowledge(flag, staff_email)
    flag.false_alarm = True
    session.flush()
    refresh_links(session, flag.conversation_id)

"""Handing a conversation to a human advisor: hours, what the patient hears, the queue.

The Rasa side is thin: ``action_submit_lead`` stores the lead (``bot.leads.store``), opens a
handoff here and pauses the conversation (ConversationPaused); the advisor CLI
(``bot.handoff.advisor``) replies through Rasa's HTTP API and hands back (ConversationResumed).
While paused, Rasa records the user's messages without answering them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.db import session_scope
from bot.store.models import Handoff

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
OPEN_STATUSES = ("waiting", "active")
_SPEC = re.compile(
    r"^\s*(?P<first>[a-z]{3})(?:\s*-\s*(?P<last>[a-z]{3}))?\s+"
    r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*$"
)


@dataclass(frozen=True)
class BusinessHours:
    """Opening days (0 = Monday) and hours in a time zone."""

    days: frozenset[int]
    start: time
    end: time
    zone: ZoneInfo

    def is_open(self, now: datetime) -> bool:
        """True when ``now`` (aware) is within the hours."""
        local = now.astimezone(self.zone)
        return local.weekday() in self.days and self.start <= local.time() < self.end

    def next_opening(self, now: datetime) -> datetime:
        """The next moment the advisors are there (``now`` itself when open)."""
        if self.is_open(now):
            return now
        local = now.astimezone(self.zone)
        for offset in range(8):
            day = local.date() + timedelta(days=offset)
            opening = datetime.combine(day, self.start, tzinfo=self.zone)
            if day.weekday() in self.days and opening > local:
                return opening
        raise ValueError("business hours have no opening day")


def parse_business_hours(spec: str, zone: str) -> BusinessHours:
    """``"Mon-Fri 09:00-17:00"`` (or ``"Sat 10:00-12:00"``) in ``zone``."""
    match = _SPEC.match(spec.lower())
    if not match or match["first"] not in DAYS or (match["last"] and match["last"] not in DAYS):
        raise ValueError(f'BUSINESS_HOURS must look like "Mon-Fri 09:00-17:00", got {spec!r}')
    first = DAYS.index(match["first"])
    last = DAYS.index(match["last"]) if match["last"] else first
    days = (
        frozenset(range(first, last + 1))
        if first <= last
        else frozenset([*range(first, 7), *range(0, last + 1)])
    )
    try:
        start, end = (time.fromisoformat(match[k].zfill(5)) for k in ("start", "end"))
    except ValueError:
        raise ValueError(f"BUSINESS_HOURS has an impossible time: {spec!r}") from None
    if start >= end:
        raise ValueError(f"BUSINESS_HOURS must open before it closes, got {spec!r}")
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"BUSINESS_TIMEZONE is not a known time zone: {zone!r}") from None
    return BusinessHours(days, start, end, tz)


CHANNEL_WORDS = {"email": "email", "phone": "phone", "whatsapp": "WhatsApp"}


def what_happens_next(
    hours: BusinessHours, spec: str, channel: str, now: datetime | None = None
) -> str:
    """What the patient is told once the handoff is queued."""
    now = now or datetime.now(timezone.utc)
    by = CHANNEL_WORDS.get(channel, channel)
    if hours.is_open(now):
        return (
            "Thank you. A medical advisor has been notified and will reply in this chat "
            f"shortly, or contact you by {by}. Until then I'll stay quiet; anything you "
            "write here is kept for the advisor. If it's an emergency, call 112 or 911."
        )
    opening = hours.next_opening(now)
    return (
        f"Thank you. Our medical advisors are available {spec} ({hours.zone.key}); it is "
        f"outside those hours now. An advisor will contact you by {by} from "
        f"{opening:%A %H:%M}. Until then I'll stay quiet; anything you write here is kept "
        "for the advisor. If it's an emergency, call 112 or 911."
    )


def _open_row(session: Session, conversation_id: str) -> Handoff | None:
    return session.execute(
        select(Handoff).where(
            Handoff.conversation_id == conversation_id, Handoff.status.in_(OPEN_STATUSES)
        )
    ).scalar_one_or_none()


def open_handoff(database_url: str, conversation_id: str, channel: str | None, reason: str) -> int:
    """Queue the conversation for an advisor; an open handoff is reused, not doubled."""
    with session_scope(database_url) as session:
        existing = _open_row(session, conversation_id)
        if existing is not None:
            return existing.id
        handoff = Handoff(conversation_id=conversation_id, channel=channel, reason=reason)
        session.add(handoff)
        session.flush()
        return handoff.id


def open_handoffs(database_url: str) -> list[Handoff]:
    """Waiting and active handoffs, oldest first (the advisors' queue)."""
    with session_scope(database_url) as session:
        return list(
            session.execute(
                select(Handoff).where(Handoff.status.in_(OPEN_STATUSES)).order_by(Handoff.id)
            ).scalars()
        )


def current_handoff(database_url: str, conversation_id: str) -> Handoff | None:
    """The conversation's open handoff, if any."""
    with session_scope(database_url) as session:
        return _open_row(session, conversation_id)


def take_handoff(database_url: str, conversation_id: str, advisor: str) -> None:
    """An advisor has answered: the handoff is active."""
    with session_scope(database_url) as session:
        handoff = _open_row(session, conversation_id)
        if handoff is None:
            raise LookupError(f"no open handoff for {conversation_id}")
        if handoff.status == "waiting":
            handoff.status = "active"
            handoff.taken_at = datetime.now(timezone.utc)
        handoff.advisor = advisor


def close_handoff(database_url: str, conversation_id: str, note: str) -> None:
    """The advisor handed back to the assistant."""
    with session_scope(database_url) as session:
        handoff = _open_row(session, conversation_id)
        if handoff is None:
            raise LookupError(f"no open handoff for {conversation_id}")
        handoff.status = "closed"
        handoff.closed_at = datetime.now(timezone.utc)
        handoff.note = note[:2000]

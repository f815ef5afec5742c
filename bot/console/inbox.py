"""The advisor inbox: the queue of handoffs, a handoff's transcript, and the advisor's
actions (claim, reply, hand back) as thin adapters over ``bot.handoff.advisor``.

Flask-free. The actions go through Rasa's HTTP API exactly as the advisor's command line
does (the patient's channel delivers the message, under the advisor's display name);
this module adds what a web page needs around them: who may reply, a readable reason
when a reply cannot be delivered, and the transcript read from the tracker store's
``events`` table in our own database (no HTTP round trip for every poll of the page,
and the transcript stays readable while Rasa is down).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.handoff import advisor
from bot.handoff.advisor import ADVISOR_METADATA, HANDOFF_METADATA, AdvisorError
from bot.handoff.delivery_window import failed_deliveries
from bot.handoff.queue import ACTIVE, OPEN_STATUSES, WAITING
from bot.settings import Settings
from bot.store.models import AdvisorDelivery, Handoff, Lead
from bot.store.rasa_events import events as _EVENTS
from bot.store.rasa_events import events_table_exists

CANNED_REPLIES_FILE = Path(__file__).with_name("canned_replies.yml")
# The transcript shows the conversation's latest messages; older ones are in the
# conversation view. Bounded so that a poll stays one small query.
TRANSCRIPT_LIMIT = 300
MAX_REPLY_CHARS = 4000
MAX_NOTE_CHARS = 2000

# Rasa's SQL tracker store table (rasa/core/tracker_store.py, SQLEvent); read only.
_SHOWN_EVENTS = ("user", "bot", "pause", "resume")


class InboxError(RuntimeError):
    """An action that did not happen; the message is for the advisor."""


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes for timezone-aware columns (stored as UTC).
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def duration_text(delta: timedelta) -> str:
    """A short human duration: "4 min", "2 h 05 min", "3 d 4 h"."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


# The input channels' names as staff know them.
CHANNEL_LABELS = {
    "socketio": "Web chat",
    "rest": "REST",
    "telegram": "Telegram",
    "whatsapp": "WhatsApp",
}


def channel_label(channel: str | None) -> str:
    """A channel's name for staff ("Web chat" for socket.io); a dash when unknown."""
    if not channel:
        return "—"
    return CHANNEL_LABELS.get(channel, channel)


def clinic_time(moment: datetime | None, timezone_name: str) -> str:
    """``moment`` as staff read it: the clinic's local time (``BUSINESS_TIMEZONE``)."""
    if moment is None:
        return ""
    try:
        zone: Any = ZoneInfo(timezone_name)
    except (ZoneInfoNotFoundError, ValueError):
        zone = timezone.utc
    return _aware(moment).astimezone(zone).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class QueueRow:
    """A waiting or live handoff in the inbox list."""

    handoff_id: int
    conversation_id: str
    status: str  # waiting / active
    reason: str
    channel: str | None
    lead_id: int | None
    lead_name: str | None
    warmth: str | None
    created_at: datetime
    advisor: str | None
    # Waiting: time so far. Live: time until the first response (claim or reply).
    waited: timedelta
    overdue: bool

    @property
    def waited_text(self) -> str:
        return duration_text(self.waited)

    @property
    def is_open(self) -> bool:
        """Waiting or live (a closed handoff is shown read only)."""
        return self.status in OPEN_STATUSES


def _row(handoff: Handoff, lead: Lead | None, now: datetime, target: timedelta) -> QueueRow:
    created = _aware(handoff.created_at)
    # The wait ends with the first response (claim or reply), or when the handoff closed
    # without one (the patient left).
    ended = handoff.taken_at or handoff.closed_at
    waited = (_aware(ended) if ended else now) - created
    return QueueRow(
        handoff_id=handoff.id,
        conversation_id=handoff.conversation_id,
        status=handoff.status,
        reason=handoff.reason,
        channel=handoff.channel,
        lead_id=lead.id if lead else None,
        lead_name=lead.name if lead else None,
        warmth=lead.warmth if lead else None,
        created_at=created,
        advisor=handoff.advisor,
        waited=waited,
        overdue=waited > target,
    )


# Rows shown per part of the queue: a campaign can leave thousands waiting, and a page
# of them all would take seconds to build and to read. The counts stay exact.
QUEUE_LIMIT = 100


@dataclass(frozen=True)
class Queue:
    """The oldest waiting and live handoffs, and how many there are in all."""

    waiting: list[QueueRow]
    live: list[QueueRow]
    waiting_total: int
    live_total: int


def queue(
    session: Session,
    first_response_minutes: int,
    now: datetime | None = None,
    limit: int = QUEUE_LIMIT,
) -> Queue:
    """Waiting and live handoffs, each oldest first (at most ``limit``), with their
    waiting time."""
    now = now or datetime.now(timezone.utc)
    target = timedelta(minutes=first_response_minutes)

    def part(status: str) -> tuple[list[QueueRow], int]:
        found = session.execute(
            select(Handoff, Lead)
            .outerjoin(Lead, Lead.conversation_id == Handoff.conversation_id)
            .where(Handoff.status == status)
            .order_by(Handoff.created_at, Handoff.id)
            .limit(limit)
        ).all()
        total = session.execute(
            select(func.count()).select_from(Handoff).where(Handoff.status == status)
        ).scalar_one()
        return [_row(handoff, lead, now, target) for handoff, lead in found], total

    waiting, waiting_total = part(WAITING)
    live, live_total = part(ACTIVE)
    return Queue(waiting, live, waiting_total, live_total)


def handoff_row(session: Session, handoff_id: int, first_response_minutes: int) -> QueueRow | None:
    """One handoff (open or closed) as a row, with its lead."""
    found = session.execute(
        select(Handoff, Lead)
        .outerjoin(Lead, Lead.conversation_id == Handoff.conversation_id)
        .where(Handoff.id == handoff_id)
    ).first()
    if found is None:
        return None
    handoff, lead = found
    return _row(
        handoff, lead, datetime.now(timezone.utc), timedelta(minutes=first_response_minutes)
    )


# --- The transcript ------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One message (or pause/resume) of the transcript."""

    event_id: int
    at: datetime
    kind: str  # patient / assistant / advisor / notice
    who: str
    text: str
    channel: str | None = None


def _line(event_id: int, event: dict[str, Any]) -> Line | None:
    kind = event.get("event")
    stamp = datetime.fromtimestamp(float(event.get("timestamp") or 0), tz=timezone.utc)
    metadata = event.get("metadata") or {}
    if kind == "user":
        return Line(
            event_id,
            stamp,
            "patient",
            "Patient",
            event.get("text") or "",
            event.get("input_channel"),
        )
    if kind == "bot":
        text = event.get("text") or "(a message without text: buttons or media)"
        name = metadata.get(ADVISOR_METADATA)
        if metadata.get(HANDOFF_METADATA) is not None:
            return Line(event_id, stamp, "notice", "Assistant (handoff notice)", text)
        if name:
            return Line(event_id, stamp, "advisor", f"Advisor {name}", text)
        return Line(event_id, stamp, "assistant", "Assistant", text)
    if kind == "pause":
        return Line(
            event_id,
            stamp,
            "notice",
            "Console",
            "The assistant paused: an advisor has the conversation.",
        )
    if kind == "resume":
        return Line(event_id, stamp, "notice", "Console", "The assistant resumed.")
    return None


def transcript(session: Session, conversation_id: str, limit: int = TRANSCRIPT_LIMIT) -> list[Line]:
    """The conversation's latest messages, oldest first, from the tracker store."""
    if not events_table_exists(session):
        return []
    newest = session.execute(
        select(_EVENTS.c.id, _EVENTS.c.data)
        .where(_EVENTS.c.sender_id == conversation_id, _EVENTS.c.type_name.in_(_SHOWN_EVENTS))
        .order_by(_EVENTS.c.id.desc())
        .limit(limit)
    ).all()
    lines = []
    for event_id, data in reversed(newest):
        try:
            event = json.loads(data or "{}")
        except ValueError:
            continue
        line = _line(event_id, event)
        if line is not None:
            lines.append(line)
    return lines


# --- The advisor's actions -------------------------------------------------------------


def may_reply(row: QueueRow, display_name: str) -> bool:
    """Whether this advisor may write now: the handoff waits, or it is theirs.

    A colleague's live conversation must be taken over first (a deliberate click), so
    that two people never write to the patient at once without knowing it.
    """
    return row.status == WAITING or (row.status == ACTIVE and row.advisor == display_name)


def _run(action: Any, *args: Any) -> None:
    try:
        action(*args)
    except AdvisorError as exc:
        raise InboxError(failure_text(exc)) from None
    except LookupError:
        # The handoff was closed (handed back, or the patient left) between page and click.
        raise InboxError("This conversation is no longer handed off.") from None


def claim(settings: Settings, conversation_id: str, display_name: str) -> None:
    """Take the conversation (or take it over): the assistant pauses, the patient is told."""
    _run(advisor.claim, settings, conversation_id, display_name)


def send_reply(settings: Settings, conversation_id: str, text: str, display_name: str) -> None:
    """Send ``text`` to the patient under ``display_name`` (claiming the handoff if waiting)."""
    text = text.strip()
    if not text:
        raise InboxError("The reply is empty: nothing was sent.")
    if len(text) > MAX_REPLY_CHARS:
        raise InboxError(f"The reply is too long (at most {MAX_REPLY_CHARS} characters).")
    _run(advisor.reply, settings, conversation_id, text, display_name)


def hand_back(settings: Settings, conversation_id: str, note: str) -> None:
    """Resume the assistant, tell the patient, close the handoff with ``note``."""
    note = note.strip()
    if len(note) > MAX_NOTE_CHARS:
        raise InboxError(f"The note is too long (at most {MAX_NOTE_CHARS} characters).")
    _run(advisor.handback, settings, conversation_id, note)


def failure_text(exc: Exception) -> str:
    """Why an action failed, in words for the advisor."""
    reason = str(exc).strip() or type(exc).__name__
    if reason.lower().startswith("not delivered"):
        return reason[0].upper() + reason[1:]
    if reason.startswith("cannot reach Rasa") or reason.startswith("Rasa answered"):
        return (
            f"Not delivered: the assistant's server did not take the message ({reason})."
            " The patient has not received it; try again shortly or use their contact details."
        )
    return f"Not delivered: {reason}."


def delivery_problems(settings: Settings, conversation_id: str) -> list[AdvisorDelivery]:
    """Advisor messages of this conversation that the channel reported as not delivered."""
    return failed_deliveries(settings.database_url, conversation_id)


# --- Canned replies -------------------------------------------------------------------


@dataclass(frozen=True)
class CannedReply:
    """A ready reply the advisor can send as is or edit first."""

    key: str
    title: str
    text: str


@lru_cache(maxsize=1)
def canned_replies(path: Path = CANNED_REPLIES_FILE) -> tuple[CannedReply, ...]:
    """The canned replies (``canned_replies.yml``), in file order."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return tuple(
        CannedReply(str(item["key"]), str(item["title"]), str(item["text"]).strip())
        for item in data.get("replies", [])
    )


def canned_reply(key: str) -> CannedReply | None:
    """The canned reply named ``key``, if there is one."""
    return next((reply for reply in canned_replies() if reply.key == key), None)

"""The privacy page's work: erase a conversation on request, and the retention purge.

An erasure removes, in the request's one transaction, every personal row of the
conversation (``bot.privacy.erasure``: pre-check, flags, lead and its workflow,
consents, handoffs, notifications, summary, corrections ...), Rasa's ``events`` of that
sender, and any other table's row that names the conversation (a table added later and
not yet listed in ``PERSONAL_TABLES`` must not keep data the patient asked us to
delete). What stays is the ``Erasure`` record, the proof that it happened, and the
audit entry.

A conversation that is being written right now is not erased: Rasa holds a
conversation's events in memory during a turn and, when it saves, writes back every
event it does not find in the table (``components/erasing_tracker_store.py``). An
erasure from the console would then be undone by the patient's next reply. So a
conversation with an event in the last ``ACTIVE_SECONDS`` is refused with a message
to try again a little later.

Flask-free: the view passes the request's session.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import MetaData, Table, delete, func, inspect, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from bot.privacy.erasure import PERSONAL_TABLES, erase_conversation, mark_events_erased
from bot.privacy.retention import PurgeReport, purge_expired
from bot.store.models import ConversationSummary, Erasure, Handoff, Lead, PurgeRun
from bot.store.rasa_events import events

# A turn (message, NLU, actions, save) takes seconds; two minutes leave a wide margin.
ACTIVE_SECONDS = 120
# Columns that name a conversation: ours, and Rasa's.
CONVERSATION_COLUMNS = ("conversation_id", "sender_id")
# The one table that keeps the conversation id after an erasure: the proof of it.
KEPT_TABLES = frozenset({Erasure.__tablename__})
MAX_ID_LENGTH = 255


class ErasureRefused(Exception):
    """The conversation cannot be erased now; the message says why (for staff)."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes for timezone-aware columns (stored as UTC).
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def clean_conversation_id(text: str | None) -> str:
    """The conversation id as typed or linked, without surrounding blanks ('' if none)."""
    return (text or "").strip()[:MAX_ID_LENGTH]


def conversation_tables(connection: Connection) -> dict[str, str]:
    """Every table in the database with a column naming a conversation: table -> column.

    Read from the database itself, not from our models, so that Rasa's ``events`` and
    tables we do not model are included.
    """
    inspector = inspect(connection)
    found: dict[str, str] = {}
    for name in sorted(inspector.get_table_names()):
        columns = {column["name"] for column in inspector.get_columns(name)}
        for candidate in CONVERSATION_COLUMNS:
            if candidate in columns:
                found[name] = candidate
                break
    return found


def rows_of(connection: Connection, conversation_id: str) -> dict[str, int]:
    """How many rows of each table name the conversation (tables with none left out)."""
    counts: dict[str, int] = {}
    for name, column in conversation_tables(connection).items():
        table = Table(name, MetaData(), autoload_with=connection)
        count = connection.execute(
            select(func.count()).select_from(table).where(table.c[column] == conversation_id)
        ).scalar_one()
        if count:
            counts[name] = int(count)
    return counts


@dataclass(frozen=True)
class ErasurePreview:
    """What an erasure of the conversation would remove, for the confirmation step."""

    conversation_id: str
    rows: dict[str, int]
    channel: str | None = None
    started_at: datetime | None = None
    last_activity: datetime | None = None
    lead_status: str | None = None
    open_handoff: str | None = None
    earlier_erasures: list[datetime] = field(default_factory=list)

    @property
    def to_remove(self) -> dict[str, int]:
        """Rows the erasure removes (the earlier erasure records stay)."""
        return {name: n for name, n in self.rows.items() if name not in KEPT_TABLES}

    @property
    def total(self) -> int:
        """All rows the erasure removes."""
        return sum(self.to_remove.values())

    def active(self, now: datetime | None = None) -> bool:
        """Whether the conversation had an event so recently that a turn may be running."""
        if self.last_activity is None:
            return False
        return (now or _now()) - self.last_activity < timedelta(seconds=ACTIVE_SECONDS)


def _last_event(connection: Connection, conversation_id: str) -> datetime | None:
    if not inspect(connection).has_table(events.name):
        return None
    stamp = connection.execute(
        select(func.max(events.c.timestamp)).where(events.c.sender_id == conversation_id)
    ).scalar_one()
    return datetime.fromtimestamp(stamp, tz=timezone.utc) if stamp is not None else None


def preview_erasure(session: Session, conversation_id: str) -> ErasurePreview:
    """What is stored about the conversation, counted in every table that names it."""
    connection = session.connection()
    summary = session.get(ConversationSummary, conversation_id)
    lead = session.execute(
        select(Lead.status).where(Lead.conversation_id == conversation_id)
    ).scalar_one_or_none()
    handoff = session.execute(
        select(Handoff.status).where(
            Handoff.conversation_id == conversation_id, Handoff.status.in_(("waiting", "active"))
        )
    ).scalar_one_or_none()
    earlier = session.execute(
        select(Erasure.requested_at)
        .where(Erasure.conversation_id == conversation_id)
        .order_by(Erasure.requested_at)
    ).scalars()
    last_event = _last_event(connection, conversation_id)
    last_summary = _aware(summary.last_message_at) if summary is not None else None
    return ErasurePreview(
        conversation_id=conversation_id,
        rows=rows_of(connection, conversation_id),
        channel=summary.channel if summary is not None else None,
        started_at=_aware(summary.started_at) if summary is not None else None,
        last_activity=max(filter(None, (last_event, last_summary)), default=None),
        lead_status=lead,
        open_handoff=handoff,
        earlier_erasures=[_aware(moment) for moment in earlier],
    )


@dataclass(frozen=True)
class ErasureResult:
    """What an erasure removed, table by table (Rasa's events included)."""

    removed: dict[str, int]

    @property
    def total(self) -> int:
        """All removed rows."""
        return sum(self.removed.values())


def erase(session: Session, conversation_id: str, now: datetime | None = None) -> ErasureResult:
    """Erase the conversation in ``session``'s transaction (the caller commits).

    Raises ``ErasureRefused`` when nothing is stored about it, or when it is active.
    """
    now = now or _now()
    preview = preview_erasure(session, conversation_id)
    if preview.total == 0:
        raise ErasureRefused("Nothing is stored about this conversation.")
    if preview.active(now):
        raise ErasureRefused(
            "This conversation had a message in the last two minutes: a reply being "
            "processed now would write it back. Try again in a few minutes."
        )
    connection = session.connection()
    removed = {name: n for name, n in erase_conversation(session, conversation_id).removed.items()}
    if inspect(connection).has_table(events.name):
        removed[events.name] = (
            session.execute(delete(events).where(events.c.sender_id == conversation_id)).rowcount
            or 0
        )
    # The events are gone already: the tracker store has nothing left to do.
    session.flush()
    mark_events_erased(session, conversation_id)
    # Tables nobody listed in PERSONAL_TABLES: the patient asked for everything.
    listed = {model.__tablename__ for model in PERSONAL_TABLES} | {events.name} | KEPT_TABLES
    for name, column in conversation_tables(connection).items():
        if name in listed:
            continue
        table = Table(name, MetaData(), autoload_with=connection)
        count = session.execute(delete(table).where(table.c[column] == conversation_id)).rowcount
        if count:
            removed[name] = count
    return ErasureResult({name: n for name, n in removed.items() if n})


# --- retention ----------------------------------------------------------------------


@dataclass(frozen=True)
class PurgeStatus:
    """The retention purge as staff see it."""

    retention_days: int
    cutoff: datetime  # conversations whose last message is older go at the next run
    last_run: PurgeRun | None
    recent_runs: list[PurgeRun]
    due_now: int  # conversations past the cutoff, still stored
    due_within_week: int  # conversations that reach the cutoff within seven days

    @property
    def last_run_age(self) -> timedelta | None:
        """How long ago the last run started."""
        if self.last_run is None:
            return None
        return _now() - _aware(self.last_run.started_at)

    @property
    def overdue(self) -> bool:
        """Whether the daily purge has not run for more than two days."""
        age = self.last_run_age
        return age is None or age > timedelta(days=2)


def purge_status(session: Session, retention_days: int, now: datetime | None = None) -> PurgeStatus:
    """The last purge runs, and what the next run will remove."""
    now = now or _now()
    cutoff = now - timedelta(days=retention_days)
    runs = list(
        session.execute(
            select(PurgeRun).order_by(PurgeRun.started_at.desc(), PurgeRun.id.desc()).limit(10)
        ).scalars()
    )
    last_message = ConversationSummary.last_message_at

    def count_before(moment: datetime) -> int:
        return int(
            session.execute(
                select(func.count()).select_from(ConversationSummary).where(last_message < moment)
            ).scalar_one()
        )

    due_now = count_before(cutoff)
    return PurgeStatus(
        retention_days=retention_days,
        cutoff=cutoff,
        last_run=runs[0] if runs else None,
        recent_runs=runs,
        due_now=due_now,
        due_within_week=count_before(cutoff + timedelta(days=7)) - due_now,
    )


def run_purge(engine: Engine, retention_days: int) -> PurgeReport:
    """Purge now (its own transaction; it records a ``PurgeRun``)."""
    return purge_expired(engine, retention_days)


def purge_detail(report: PurgeReport) -> dict[str, Any]:
    """The audit entry's detail of a purge: counts only, never a conversation id."""
    return {
        "conversations": report.conversations,
        "rows": {"events": report.events, **{k: v for k, v in report.records.items() if v}},
    }

"""The conversation list: filters, text search, keyset pagination, bulk changes and
saved filters, all on the summary table (``conversation_summaries``).

Never the events: at 100,000 conversations the list reads one page of summary rows
(newest first, by the index on ``started_at, conversation_id``) and one count.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import String, and_, cast, delete, false, func, or_, select, true
from sqlalchemy.orm import Session, defer
from sqlalchemy.sql.elements import ColumnElement

from bot.store.models import ConversationSummary, SavedFilter

PAGE_SIZE = 50
CHANNELS = {
    "socketio": "Web chat",
    "rest": "REST",
    "telegram": "Telegram",
    "whatsapp": "WhatsApp",
}
OUTCOMES = {
    "clear": "Clear",
    "review": "Advisor review",
    "contraindicated": "Contraindication reported",
    "none": "Not finished",
}
YES_NO = ("yes", "no")
MAX_SEARCH_TERMS = 5
MAX_TAGS = 20
TAG = re.compile(r"^[\w][\w .-]{0,31}$")
MAX_FILTER_NAME = 100

S = ConversationSummary


def channel_label(channel: str | None) -> str:
    """How staff read a channel name."""
    return CHANNELS.get(channel or "", channel or "unknown")


def normalise_tag(text: str) -> str | None:
    """A tag as stored (trimmed, lower-case, 1-32 word characters), or None if invalid."""
    tag = " ".join((text or "").split()).lower()
    return tag if TAG.match(tag) else None


def _yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get((value or "").strip().lower())


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip()) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Filters:
    """What staff filter the list by; every field optional."""

    date_from: date | None = None
    date_to: date | None = None
    channel: str | None = None
    outcome: str | None = None
    fallback: bool | None = None
    lead: bool | None = None
    flagged: bool | None = None
    reviewed: bool | None = None
    tag: str | None = None
    text: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        """Filters from a query string's arguments; unknown or malformed values are
        dropped (a bookmarked or saved query never fails)."""
        channel = args.get("channel") or None
        outcome = args.get("outcome") or None
        tag = normalise_tag(args.get("tag") or "")
        return cls(
            date_from=_date(args.get("from")),
            date_to=_date(args.get("to")),
            channel=channel if channel in CHANNELS else None,
            outcome=outcome if outcome in OUTCOMES else None,
            fallback=_yes_no(args.get("fallback")),
            lead=_yes_no(args.get("lead")),
            flagged=_yes_no(args.get("flagged")),
            reviewed=_yes_no(args.get("reviewed")),
            tag=tag,
            text=" ".join((args.get("q") or "").split())[:200],
        )

    def to_args(self) -> dict[str, str]:
        """The query string's arguments (only those set)."""
        names = {"date_from": "from", "date_to": "to", "text": "q"}
        result: dict[str, str] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                value = "yes" if value else "no"
            result[names.get(item.name, item.name)] = str(value)
        return result

    def query_string(self) -> str:
        return urlencode(self.to_args())

    @property
    def active(self) -> bool:
        return bool(self.to_args())

    def conditions(self) -> list[ColumnElement]:
        """The WHERE clauses."""
        where: list[ColumnElement] = []
        if self.date_from:
            where.append(S.started_at >= _start_of(self.date_from))
        if self.date_to:
            where.append(S.started_at < _start_of(self.date_to + timedelta(days=1)))
        if self.channel:
            where.append(S.channel == self.channel)
        if self.outcome == "none":
            where.append(S.precheck_outcome.is_(None))
        elif self.outcome:
            where.append(S.precheck_outcome == self.outcome)
        if self.fallback is not None:
            where.append(S.fallbacks > 0 if self.fallback else S.fallbacks == 0)
        if self.lead is not None:
            where.append(S.lead_warmth.is_not(None) if self.lead else S.lead_warmth.is_(None))
        for column, wanted in ((S.flagged, self.flagged), (S.reviewed, self.reviewed)):
            if wanted is not None:
                where.append(column == (true() if wanted else false()))
        if self.tag:
            # Tags are a JSON list: the quoted tag in its text (tags are word characters).
            where.append(cast(S.tags, String).like(f'%"{_like(self.tag)}"%', escape="\\"))
        for term in search_terms(self.text):
            where.append(S.search_text.like(f"%{_like(term)}%", escape="\\"))
        return where


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_terms(text: str) -> list[str]:
    """The words every listed conversation must contain (lower-case, as stored)."""
    return [term for term in text.lower().split() if term][:MAX_SEARCH_TERMS]


@dataclass(frozen=True)
class Cursor:
    """A position in the list: the start time and id of a row (keyset pagination)."""

    started_at: datetime
    conversation_id: str

    def encode(self) -> str:
        return f"{_aware(self.started_at).isoformat()}|{self.conversation_id}"

    @classmethod
    def decode(cls, text: str | None) -> Cursor | None:
        if not text or "|" not in text:
            return None
        stamp, conversation_id = text.split("|", 1)
        try:
            return cls(_aware(datetime.fromisoformat(stamp)), conversation_id)
        except ValueError:
            return None

    @classmethod
    def of(cls, row: ConversationSummary) -> Cursor:
        return cls(_aware(row.started_at), row.conversation_id)


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes; every stored time is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _stored(moment: datetime) -> datetime:
    """The time as the column stores it (UTC), for comparisons on both databases."""
    return moment.astimezone(timezone.utc)


@dataclass(frozen=True)
class Page:
    """One page of the list."""

    rows: list[ConversationSummary]
    total: int
    older: Cursor | None  # the cursor for the next (older) page, if there is one
    newer: Cursor | None  # the cursor for the previous (newer) page, if there is one


def list_page(
    session: Session,
    filters: Filters,
    *,
    after: Cursor | None = None,
    before: Cursor | None = None,
    size: int = PAGE_SIZE,
    count: bool = True,
) -> Page:
    """Newest first: the page after ``after`` (older rows) or before ``before`` (newer)."""
    where = filters.conditions()
    query = select(S).options(defer(S.search_text)).where(*where)
    if before is not None:
        moment = _stored(before.started_at)
        query = query.where(
            or_(
                S.started_at > moment,
                and_(S.started_at == moment, S.conversation_id > before.conversation_id),
            )
        ).order_by(S.started_at, S.conversation_id)
    else:
        if after is not None:
            moment = _stored(after.started_at)
            query = query.where(
                or_(
                    S.started_at < moment,
                    and_(S.started_at == moment, S.conversation_id < after.conversation_id),
                )
            )
        query = query.order_by(S.started_at.desc(), S.conversation_id.desc())
    rows = list(session.execute(query.limit(size + 1)).scalars())
    more = len(rows) > size
    rows = rows[:size]
    if before is not None:
        rows.reverse()
        older = Cursor.of(rows[-1]) if rows else None
        newer = Cursor.of(rows[0]) if rows and more else None
    else:
        older = Cursor.of(rows[-1]) if rows and more else None
        newer = Cursor.of(rows[0]) if rows and after is not None else None
    total = (
        session.execute(select(func.count()).select_from(S).where(*where)).scalar_one()
        if count
        else len(rows)
    )
    return Page(rows=rows, total=total, older=older, newer=newer)


# --- changes -------------------------------------------------------------------------


def summaries_of(session: Session, ids: Sequence[str]) -> list[ConversationSummary]:
    """The summary rows of ``ids`` that exist (unknown ids are ignored)."""
    wanted = [i for i in dict.fromkeys(ids) if i][:500]
    if not wanted:
        return []
    return list(session.execute(select(S).where(S.conversation_id.in_(wanted))).scalars())


def mark_reviewed(row: ConversationSummary, staff_email: str, reviewed: bool = True) -> bool:
    """Set the review mark; whether it changed."""
    if bool(row.reviewed) == reviewed:
        return False
    row.reviewed = reviewed
    row.reviewed_by = staff_email if reviewed else None
    return True


def add_tag(row: ConversationSummary, tag: str) -> bool:
    """Add a (normalised) tag; whether it changed."""
    tags = list(row.tags or [])
    if tag in tags or len(tags) >= MAX_TAGS:
        return False
    row.tags = [*tags, tag]
    return True


def remove_tag(row: ConversationSummary, tag: str) -> bool:
    tags = list(row.tags or [])
    if tag not in tags:
        return False
    row.tags = [t for t in tags if t != tag] or None
    return True


def set_note(row: ConversationSummary, note: str) -> bool:
    text = (note or "").strip()[:2000] or None
    if text == row.note:
        return False
    row.note = text
    return True


# --- saved filters -------------------------------------------------------------------


def canonical_query(query: str) -> str:
    """A saved filter's query string: its filters only (no page position)."""
    return Filters.from_args(dict(parse_qsl(query.lstrip("?")))).query_string()


def saved_filters(session: Session, staff_id: int) -> list[SavedFilter]:
    return list(
        session.execute(
            select(SavedFilter).where(SavedFilter.staff_id == staff_id).order_by(SavedFilter.name)
        ).scalars()
    )


def save_filter(session: Session, staff_id: int, name: str, filters: Filters) -> SavedFilter | None:
    """Save (or replace, by name) a staff member's filter; None without a name or filters."""
    name = " ".join((name or "").split())[:MAX_FILTER_NAME]
    if not name or not filters.active:
        return None
    existing = session.execute(
        select(SavedFilter).where(SavedFilter.staff_id == staff_id, SavedFilter.name == name)
    ).scalar_one_or_none()
    if existing is not None:
        existing.query = filters.query_string()
        return existing
    saved = SavedFilter(staff_id=staff_id, name=name, query=filters.query_string())
    session.add(saved)
    return saved


def delete_filter(session: Session, staff_id: int, filter_id: int) -> bool:
    """Delete one of the staff member's own filters."""
    result = session.execute(
        delete(SavedFilter).where(SavedFilter.id == filter_id, SavedFilter.staff_id == staff_id)
    )
    return bool(result.rowcount)

"""The dashboard's numbers for a period: conversations per day, the funnel, the most
asked FAQ topics, the fallback rate, and what needs attention now.

Everything comes from ``conversation_summaries`` (one row per conversation, kept up to
date as turns are saved), aggregated in SQL: a handful of grouped queries whatever the
number of conversations, on SQLite and PostgreSQL alike. Flask-free, so that tests and
the benchmark call it directly.

Days are the clinic's days (``BUSINESS_TIMEZONE``), not UTC's: the database groups by
hour (a bucket every time zone with whole-hour offsets agrees on) and Python moves each
hour to its local day. A year is at most 8,784 hour rows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, literal_column, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression

from bot.store.models import ConversationSummary, Handoff, Lead, SafetyFlag

S = ConversationSummary

DEFAULT_DAYS = 30
# Longer periods are refused: the chart and its table would stop being readable, and
# retention deletes older conversations anyway.
MAX_DAYS = 5 * 366
# Up to a year, one bar per day; beyond it, one per week (Monday to Sunday).
DAILY_UP_TO_DAYS = 366
TOP_TOPICS = 10
# SQLite keeps no statistics unless someone runs ANALYZE, so it reads any period through
# the started_at index, row by row, even one that covers most of the table: then a
# plain scan is several times faster (15 instead of 130 ms for 100,000 rows). Above this
# share of all rows the queries scan.
SCAN_SHARE = 0.2

# The funnel's steps in the order a patient goes through them: (key, label).
FUNNEL_STEPS = (
    ("conversations", "Conversations"),
    ("faq_answered", "FAQ answered"),
    ("precheck_started", "Pre-check started"),
    ("precheck_finished", "Pre-check finished"),
    ("lead", "Lead"),
    ("handoff", "Handoff"),
    ("consultation_booked", "Consultation booked"),
)


@dataclass(frozen=True)
class Period:
    """The days shown, both included, in the clinic's time zone."""

    start: date
    end: date
    zone: ZoneInfo

    @property
    def days(self) -> int:
        """How many days the period has."""
        return (self.end - self.start).days + 1

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """[start of the first day, start of the day after the last) in UTC."""
        first = datetime.combine(self.start, time.min, tzinfo=self.zone)
        after = datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=self.zone)
        return first.astimezone(timezone.utc), after.astimezone(timezone.utc)


def parse_period(
    start_text: str | None,
    end_text: str | None,
    zone: ZoneInfo,
    today: date | None = None,
) -> tuple[Period, list[str]]:
    """The period a GET form asked for (``YYYY-MM-DD`` dates), and what was wrong with it.

    Missing dates default to the last 30 days up to today; a wrong one falls back to the
    default with a message, so that the page always shows something.
    """
    today = today or datetime.now(zone).date()
    errors: list[str] = []
    end = _parse_date(end_text, "end", errors) or today
    start = _parse_date(start_text, "start", errors) or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        errors.append("The start date is after the end date: showing the last 30 days.")
        start, end = today - timedelta(days=DEFAULT_DAYS - 1), today
    elif (end - start).days + 1 > MAX_DAYS:
        errors.append(f"A period can be at most {MAX_DAYS} days: showing the last {MAX_DAYS}.")
        start = end - timedelta(days=MAX_DAYS - 1)
    return Period(start, end, zone), errors


def _parse_date(text: str | None, which: str, errors: list[str]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        errors.append(f"The {which} date is not a date (YYYY-MM-DD).")
        return None


@dataclass(frozen=True)
class Bucket:
    """Conversations started in one day (or week, from ``first`` to ``last``)."""

    first: date
    last: date
    count: int


@dataclass(frozen=True)
class FunnelStep:
    """Conversations that reached a step, with its share of all conversations and of the
    step before (the steps are not strictly nested: a patient can ask for an advisor
    without a pre-check, so a share can pass 100 % of the step before)."""

    key: str
    label: str
    count: int
    percent: float
    percent_of_previous: float | None


@dataclass(frozen=True)
class TopicCount:
    """A FAQ topic and how many conversations asked it."""

    topic: str
    count: int
    percent: float


@dataclass(frozen=True)
class FallbackRate:
    """How often the assistant did not understand."""

    conversations: int
    with_fallback: int
    fallbacks: int
    turns: int

    @property
    def conversation_rate(self) -> float:
        """Share of conversations with at least one fallback, in %."""
        return _percent(self.with_fallback, self.conversations)

    @property
    def per_turn(self) -> float:
        """Fallbacks per patient turn, in %."""
        return _percent(self.fallbacks, self.turns)


@dataclass(frozen=True)
class ChannelCount:
    """Conversations of one channel (``None``: not known)."""

    channel: str | None
    count: int
    percent: float


@dataclass(frozen=True)
class Attention:
    """What staff should look at now, whatever the period."""

    unacknowledged_flags: int
    waiting_handoffs: int
    new_leads: int


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard shows."""

    period: Period
    bucket: str  # "day" or "week"
    buckets: list[Bucket]
    funnel: list[FunnelStep]
    topics: list[TopicCount]
    fallback: FallbackRate
    channels: list[ChannelCount]
    attention: Attention

    @property
    def conversations(self) -> int:
        """Conversations started in the period."""
        return self.funnel[0].count


def _percent(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 0.0


def build_dashboard(session: Session, period: Period) -> Dashboard:
    """The dashboard of ``period``."""
    low, high = period.utc_bounds()
    # The per-day counts need started_at only: the index alone answers them.
    by_index = (S.started_at >= low, S.started_at < high)
    started = _started_at_column(session, low, high)
    in_period = (started >= low, started < high)
    funnel, fallback = _funnel(session, in_period)
    total = funnel[0].count
    return Dashboard(
        period=period,
        bucket="day" if period.days <= DAILY_UP_TO_DAYS else "week",
        buckets=_buckets(session, period, by_index),
        funnel=funnel,
        topics=_topics(session, in_period, total),
        fallback=fallback,
        channels=_channels(session, in_period, total),
        attention=attention(session),
    )


def _started_at_column(session: Session, low: datetime, high: datetime) -> ColumnElement:
    """``started_at`` for the period's filter: on SQLite, hidden from the planner (the
    unary ``+`` of SQLite's documentation) when the period holds most rows."""
    if session.get_bind().dialect.name != "sqlite":
        return S.started_at
    # Both counts read the index only: a few milliseconds for 100,000 rows.
    in_range = session.execute(
        select(func.count()).where(S.started_at >= low, S.started_at < high)
    ).scalar_one()
    total = session.execute(select(func.count()).select_from(S)).scalar_one()
    if total and in_range > SCAN_SHARE * total:
        return UnaryExpression(
            S.started_at, operator=operators.custom_op("+"), type_=S.started_at.type
        )
    return S.started_at


def _funnel(
    session: Session, in_period: tuple[ColumnElement, ...]
) -> tuple[list[FunnelStep], FallbackRate]:
    # One pass over the period's rows for every step and the fallback numbers.
    def count_if(condition: ColumnElement) -> ColumnElement:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = session.execute(
        select(
            func.count(),
            count_if(S.faq_answered > 0),
            count_if(S.precheck_started),
            count_if(S.precheck_outcome.is_not(None)),
            count_if(S.lead_warmth.is_not(None)),
            count_if(S.handoff_state.is_not(None)),
            count_if(S.consultation_booked),
            count_if(S.fallbacks > 0),
            func.coalesce(func.sum(S.fallbacks), 0),
            func.coalesce(func.sum(S.turns), 0),
        ).where(*in_period)
    ).one()
    counts = [int(value) for value in row[:7]]
    total = counts[0]
    steps = [
        FunnelStep(
            key=key,
            label=label,
            count=count,
            percent=_percent(count, total),
            percent_of_previous=None if index == 0 else _percent(count, counts[index - 1]),
        )
        for index, ((key, label), count) in enumerate(zip(FUNNEL_STEPS, counts, strict=True))
    ]
    fallback = FallbackRate(
        conversations=total, with_fallback=int(row[7]), fallbacks=int(row[8]), turns=int(row[9])
    )
    return steps, fallback


def _hour_bucket(session: Session) -> ColumnElement | None:
    """An SQL expression for the UTC hour a conversation started in, where known."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        # SQLAlchemy stores SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC here).
        return func.substr(S.started_at, 1, 13)
    if dialect == "postgresql":
        return func.date_trunc("hour", S.started_at)
    return None


def _as_utc_hour(value: object) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    # fromisoformat is C: a year's 8,784 hours in a few ms (strptime takes 40).
    return datetime.fromisoformat(f"{str(value)[:13]}:00").replace(tzinfo=timezone.utc)


def _buckets(
    session: Session, period: Period, in_period: tuple[ColumnElement, ...]
) -> list[Bucket]:
    hour = _hour_bucket(session)
    per_day: Counter[date] = Counter()
    if hour is None:
        # Another database: one row per conversation, still correct, only slower.
        for (started,) in session.execute(select(S.started_at).where(*in_period)):
            per_day[_as_utc_hour(started).astimezone(period.zone).date()] += 1
    else:
        rows = session.execute(select(hour, func.count()).where(*in_period).group_by(hour))
        for value, count in rows:
            per_day[_as_utc_hour(value).astimezone(period.zone).date()] += int(count)
    days = [period.start + timedelta(days=offset) for offset in range(period.days)]
    if period.days <= DAILY_UP_TO_DAYS:
        return [Bucket(day, day, per_day[day]) for day in days]
    buckets: list[Bucket] = []
    for day in days:
        if not buckets or day.weekday() == 0:
            buckets.append(Bucket(day, day, 0))
        last = buckets[-1]
        buckets[-1] = Bucket(last.first, day, last.count + per_day[day])
    return buckets


def _topic_values(session: Session) -> tuple[ColumnElement, ColumnElement | None, object] | None:
    """The FAQ topics of each row as a table-valued function: (value column, filter,
    the function to join), or None where the database has none."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        each = func.json_each(S.faq_topics).table_valued("value", "type")
        # A JSON null or a stray number is not a topic.
        return each.c.value, each.c.type == "text", each
    if dialect == "postgresql":
        # json_array_elements_text fails on anything but an array (a JSON null, say).
        topics = case(
            (func.json_typeof(S.faq_topics) == "array", S.faq_topics),
            else_=literal_column("'[]'::json"),
        )
        each = func.json_array_elements_text(topics).table_valued("value")
        return each.c.value, None, each
    return None


def _topics(session: Session, in_period: tuple[ColumnElement, ...], total: int) -> list[TopicCount]:
    # faq_topics lists each topic once per conversation: a count is of conversations.
    values = _topic_values(session)
    if values is None:
        counter: Counter[str] = Counter()
        for (topics,) in session.execute(select(S.faq_topics).where(*in_period)):
            counter.update(t for t in topics or () if isinstance(t, str))
        ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:TOP_TOPICS]
    else:
        value, condition, each = values
        count = func.count()
        query = (
            select(value, count)
            .select_from(S)
            .join(each, true())
            .where(*in_period)
            .group_by(value)
            .order_by(count.desc(), value)
            .limit(TOP_TOPICS)
        )
        if condition is not None:
            query = query.where(condition)
        ranked = [(str(topic), int(n)) for topic, n in session.execute(query)]
    # The summaries keep the retrieval intent's key ("faq/cost"); staff read the topic.
    return [TopicCount(topic_label(topic), n, _percent(n, total)) for topic, n in ranked]


def topic_label(key: str) -> str:
    """A FAQ topic as staff read it: ``faq/cost`` -> ``cost``."""
    return key.removeprefix("faq/")


def _channels(
    session: Session, in_period: tuple[ColumnElement, ...], total: int
) -> list[ChannelCount]:
    count = func.count()
    rows = session.execute(
        select(S.channel, count)
        .where(*in_period)
        .group_by(S.channel)
        .order_by(count.desc(), S.channel)
    )
    return [ChannelCount(channel, int(n), _percent(int(n), total)) for channel, n in rows]


def attention(session: Session) -> Attention:
    """Open work: emergency flags nobody acknowledged, handoffs waiting for an advisor,
    leads nobody has contacted yet."""
    flags = session.execute(
        select(func.count())
        .select_from(SafetyFlag)
        .where(SafetyFlag.acknowledged_at.is_(None), SafetyFlag.false_alarm.is_not(True))
    ).scalar_one()
    handoffs = session.execute(
        select(func.count()).select_from(Handoff).where(Handoff.status == "waiting")
    ).scalar_one()
    leads = session.execute(
        select(func.count()).select_from(Lead).where(Lead.status == "new")
    ).scalar_one()
    return Attention(int(flags), int(handoffs), int(leads))

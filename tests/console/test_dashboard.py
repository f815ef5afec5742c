"""The dashboard: exact numbers on hand-built summaries (SQLite, and PostgreSQL where
one answers), period filtering in the clinic's time zone, the funnel's order, the top
topics, the fallback rate, escaping, and the charts' geometry."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.console.charts import column_chart, nice_ceiling, row_chart, short_label
from bot.console.dashboard import (
    FUNNEL_STEPS,
    MAX_DAYS,
    TOP_TOPICS,
    Period,
    _started_at_column,
    build_dashboard,
    parse_period,
)
from bot.store.db import engine_for, session_scope
from bot.store.models import ConversationSummary, Handoff, Lead, SafetyFlag

ZURICH = ZoneInfo("Europe/Zurich")
UTC = timezone.utc
PG_SERVER = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _pg_answers() -> bool:
    try:
        with sa.create_engine(PG_SERVER).connect():
            return True
    except OperationalError:
        return False


def summary(conversation_id: str, started: datetime, **fields) -> ConversationSummary:
    """A summary row started at ``started`` (UTC), with ``fields`` as given."""
    fields.setdefault("channel", "rest")
    fields.setdefault("turns", 2)
    return ConversationSummary(
        conversation_id=conversation_id,
        started_at=started,
        last_message_at=started + timedelta(minutes=5),
        **fields,
    )


def at(day: int, hour: int = 12, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2024, month, day, hour, minute, tzinfo=UTC)


# Ten days of March 2024 (Zurich was on UTC+1 then), plus rows just outside.
PERIOD = Period(date(2024, 3, 1), date(2024, 3, 10), ZURICH)


def the_set() -> list[ConversationSummary]:
    """Hand-built conversations: the expected numbers are in the tests below."""
    return [
        # 00:30 on 1 March in Zurich, still 29 February in UTC: inside.
        summary(
            "c1",
            at(29, 23, 30, month=2),
            turns=4,
            fallbacks=2,
            faq_answered=2,
            faq_topics=["faq/cost", "faq/safety"],
        ),
        summary("c2", at(1, 10), faq_answered=1, faq_topics=["faq/cost"], precheck_started=True),
        summary(
            "c3",
            at(1, 11),
            turns=6,
            fallbacks=1,
            faq_answered=3,
            faq_topics=["faq/cost", "faq/approval", "faq/safety"],
            precheck_started=True,
            precheck_outcome="clear",
            lead_warmth="hot",
            handoff_state="closed",
            consultation_booked=True,
        ),
        summary(
            "c4",
            at(5),
            channel="telegram",
            precheck_started=True,
            precheck_outcome="review",
            lead_warmth="warm",
        ),
        summary(
            "c5",
            at(5),
            channel="whatsapp",
            lead_warmth="cold",
            handoff_state="waiting",
            faq_topics=None,
        ),
        # 23:30 UTC on 10 March is 00:30 on 11 March in Zurich: outside.
        summary("out-late", at(10, 23, 30), faq_answered=1, faq_topics=["faq/cost"], fallbacks=5),
        summary("out-early", at(29, 22, 30, month=2), faq_topics=["faq/cost"]),
        summary("out-april", at(2, month=4), faq_topics=["faq/cost"]),
    ]


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request, tmp_path) -> Iterator[str]:
    """A migrated database URL: SQLite, and PostgreSQL where a server answers."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'dash.db'}"
        return
    if not _pg_answers():
        pytest.skip(f"no PostgreSQL at {PG_SERVER}")
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = PG_SERVER.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        engine_for(url).dispose()
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))


def dashboard_of(url: str, rows: list, period: Period = PERIOD):
    with session_scope(url) as session:
        session.add_all(rows)
    with Session(engine_for(url), future=True) as session:
        return build_dashboard(session, period)


def test_exact_numbers_of_a_hand_built_set(any_db: str) -> None:
    data = dashboard_of(any_db, the_set())
    assert data.conversations == 5
    # Days in the clinic's time zone: c1 counts on 1 March, not on 29 February.
    per_day = {b.first: b.count for b in data.buckets}
    assert data.bucket == "day" and len(data.buckets) == 10
    assert per_day[date(2024, 3, 1)] == 3 and per_day[date(2024, 3, 5)] == 2
    assert sum(per_day.values()) == 5
    assert [(s.key, s.count) for s in data.funnel] == [
        ("conversations", 5),
        ("faq_answered", 3),
        ("precheck_started", 3),
        ("precheck_finished", 2),
        ("lead", 3),
        ("handoff", 2),
        ("consultation_booked", 1),
    ]
    assert data.funnel[1].percent == pytest.approx(60.0)
    assert data.funnel[4].percent_of_previous == pytest.approx(150.0)  # steps can be skipped
    assert [(t.topic, t.count) for t in data.topics] == [
        ("cost", 3),
        ("safety", 2),
        ("approval", 1),
    ]
    fb = data.fallback
    assert (fb.with_fallback, fb.conversations, fb.fallbacks, fb.turns) == (2, 5, 3, 16)
    assert fb.conversation_rate == pytest.approx(40.0)
    assert fb.per_turn == pytest.approx(100 * 3 / 16)
    assert [(c.channel, c.count) for c in data.channels] == [
        ("rest", 3),
        ("telegram", 1),
        ("whatsapp", 1),
    ]


def test_sqlite_scans_instead_of_the_index_for_a_period_with_most_rows(database_url) -> None:
    with session_scope(database_url) as session:
        session.add_all(the_set())
    with Session(engine_for(database_url), future=True) as session:
        wide = _started_at_column(session, *PERIOD.utc_bounds())
        narrow = _started_at_column(
            session, *Period(date(2023, 1, 1), date(2023, 1, 2), ZURICH).utc_bounds()
        )
    assert str(wide).startswith("+") and narrow is ConversationSummary.started_at


def test_an_empty_period_has_zeros_not_errors(any_db: str) -> None:
    data = dashboard_of(any_db, the_set(), Period(date(2023, 1, 1), date(2023, 1, 7), ZURICH))
    assert data.conversations == 0 and data.topics == [] and data.channels == []
    assert [b.count for b in data.buckets] == [0] * 7
    assert data.fallback.conversation_rate == 0.0 and data.fallback.per_turn == 0.0


def test_top_topics_are_ten_by_conversations_then_name(any_db: str) -> None:
    rows = []
    # topic_k is asked in k conversations (k = 1..12); "a_tie" ties with topic_03.
    for k in range(1, 13):
        for n in range(k):
            rows.append(summary(f"t{k}-{n}", at(3), faq_topics=[f"topic_{k:02d}"]))
    rows += [summary(f"tie-{n}", at(4), faq_topics=["a_tie"]) for n in range(3)]
    data = dashboard_of(any_db, rows)
    names = [t.topic for t in data.topics]
    assert len(names) == TOP_TOPICS
    assert names[:3] == ["topic_12", "topic_11", "topic_10"]
    assert names[-1] == "a_tie" and "topic_03" not in names  # ties: by name
    assert data.topics[0].count == 12


def test_long_periods_are_shown_by_week(any_db: str) -> None:
    rows = [summary("w1", at(4)), summary("w2", at(10, 22)), summary("w3", at(11, 1))]
    period = Period(date(2023, 6, 1), date(2024, 6, 30), ZURICH)
    data = dashboard_of(any_db, rows, period)
    assert data.bucket == "week"
    assert data.buckets[0].first == period.start and data.buckets[-1].last == period.end
    assert all(b.first.weekday() == 0 for b in data.buckets[1:])
    # 4 to 10 March 2024 is one week (Monday to Sunday); 11 March starts the next.
    week = next(b for b in data.buckets if b.first == date(2024, 3, 4))
    assert week.last == date(2024, 3, 10) and week.count == 2
    assert sum(b.count for b in data.buckets) == 3


def test_attention_counts_open_work_only(database_url: str) -> None:
    now = datetime.now(UTC)
    with session_scope(database_url) as session:
        session.add_all(
            [
                SafetyFlag(conversation_id="f1", category="chest_pain", detected_by="rule"),
                SafetyFlag(
                    conversation_id="f2",
                    category="self_harm",
                    detected_by="model",
                    acknowledged_at=now,
                    acknowledged_by="a@clinic.test",
                ),
                SafetyFlag(
                    conversation_id="f3",
                    category="self_harm",
                    detected_by="model",
                    false_alarm=True,
                ),
                Handoff(conversation_id="h1", status="waiting", reason="asked"),
                Handoff(conversation_id="h2", status="active", reason="asked"),
                _lead("l1", "new"),
                _lead("l2", "contacted"),
            ]
        )
    with Session(engine_for(database_url), future=True) as session:
        data = build_dashboard(session, PERIOD)
    assert (
        data.attention.unacknowledged_flags,
        data.attention.waiting_handoffs,
        data.attention.new_leads,
    ) == (1, 1, 1)


def _lead(conversation_id: str, status: str) -> Lead:
    return Lead(
        conversation_id=conversation_id,
        name="Anna",
        email="anna@example.com",
        preferred_channel="email",
        contact_window="any",
        country="CH",
        warmth="warm",
        warmth_reasons=[],
        status=status,
    )


# --- the period form ---------------------------------------------------------------


def test_parse_period_defaults_to_the_last_30_days() -> None:
    period, errors = parse_period(None, None, ZURICH, today=date(2024, 3, 31))
    assert (period.start, period.end, period.days, errors) == (
        date(2024, 3, 2),
        date(2024, 3, 31),
        30,
        [],
    )


def test_parse_period_reports_wrong_input() -> None:
    today = date(2024, 3, 31)
    period, errors = parse_period("yesterday", "2024-03-31", ZURICH, today=today)
    assert errors and period.days == 30
    period, errors = parse_period("2024-03-20", "2024-03-01", ZURICH, today=today)
    assert errors and (period.start, period.end) == (date(2024, 3, 2), today)
    period, errors = parse_period("2000-01-01", "2024-03-31", ZURICH, today=today)
    assert errors and period.days == MAX_DAYS


def test_utc_bounds_follow_the_clinic_days() -> None:
    low, high = Period(date(2024, 3, 31), date(2024, 3, 31), ZURICH).utc_bounds()
    # The night the clocks go forward: a 23-hour day.
    assert low == datetime(2024, 3, 30, 23, tzinfo=UTC)
    assert high == datetime(2024, 3, 31, 22, tzinfo=UTC)


# --- the page ------------------------------------------------------------------------


def test_the_dashboard_needs_a_login(client) -> None:
    response = client.get("/?start=2024-03-01&end=2024-03-10")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_page_shows_the_numbers_in_funnel_order(advisor, database_url: str) -> None:
    with session_scope(database_url) as session:
        session.add_all(the_set())
    html = advisor.get("/?start=2024-03-01&end=2024-03-10").get_data(as_text=True)
    words = " ".join(html.split())
    assert "<strong>5</strong> conversations started from 2024-03-01 to 2024-03-10" in words
    funnel_table = html.split('id="funnel-heading"')[1].split("</table>")[0]
    positions = [funnel_table.index(f'<th scope="row">{label}</th>') for _, label in FUNNEL_STEPS]
    assert positions == sorted(positions)
    assert '<th scope="row">Lead</th> <td class="num">3</td>' in " ".join(funnel_table.split())
    assert "40.0 %" in html  # conversations with a fallback
    assert '<th scope="row">cost</th><td class="num">3</td>' in html
    assert re.search(r"<svg class=\"chart\"[^>]*role=\"img\"[^>]*aria-labelledby=", html)
    assert html.count('role="img"') == 3
    # The CSP allows no inline styles or scripts: none are written.
    assert 'style="' not in html and "<script>" not in html


def test_topic_and_channel_names_are_escaped(advisor, database_url: str) -> None:
    evil = "<script>alert(1)</script>"
    with session_scope(database_url) as session:
        session.add(summary("x1", at(3), channel=evil, faq_answered=1, faq_topics=[evil]))
    html = advisor.get("/?start=2024-03-01&end=2024-03-10").get_data(as_text=True)
    assert evil not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_wrong_dates_still_show_a_page(advisor) -> None:
    response = advisor.get("/?start=soon&end=2024-03-10")
    assert response.status_code == 200
    assert "The start date is not a date" in response.get_data(as_text=True)


def test_attention_counts_link_only_to_pages_that_exist(advisor, app) -> None:
    html = advisor.get("/").get_data(as_text=True)
    assert "emergency flags not acknowledged" in html
    for endpoint, path_part in (("safety.queue", "safety"), ("leads.index", "leads")):
        if endpoint not in app.view_functions:
            assert (
                f'href="/{path_part}'
                not in html.split('id="attention-heading"')[1].split("</section>")[0]
            )


def test_the_default_period_is_the_last_30_days(advisor) -> None:
    html = advisor.get("/").get_data(as_text=True)
    assert "(30 days)" in html and "Last 365 days" in html


# --- chart geometry ------------------------------------------------------------------


def test_nice_ceiling() -> None:
    assert [nice_ceiling(v) for v in (0, 1, 3, 7, 10, 11, 180, 4500)] == [
        1,
        1,
        5,
        10,
        10,
        20,
        200,
        5000,
    ]


def test_columns_fit_the_plot_and_scale_to_the_top_tick() -> None:
    values = [0, 5, 10, 3]
    chart = column_chart(values, list("abcd"), [f"{v}" for v in values])
    assert [t.label for t in chart.y_ticks] == ["0", "5", "10"]
    tallest = chart.columns[2]
    assert tallest.y == pytest.approx(chart.top) and tallest.height == pytest.approx(
        chart.bottom - chart.top
    )
    assert chart.columns[0].height == 0
    for column in chart.columns:
        assert chart.left <= column.x and column.x + column.width <= chart.right + 0.01
    # A year of days: thin columns, a few date labels only.
    year = column_chart([1] * 365, [str(i) for i in range(365)], ["t"] * 365)
    assert (
        len(year.x_labels) <= 8 and year.columns[-1].x + year.columns[-1].width <= year.right + 0.01
    )


def test_row_chart_scales_to_the_given_full_value() -> None:
    chart = row_chart([("all", 200, ""), ("some", 50, ""), ("few", 1, ""), ("none", 0, "")], 200)
    widths = [row.bar_width for row in chart.rows]
    assert widths[1] == pytest.approx(widths[0] / 4)
    assert widths[2] >= 2 and widths[3] == 0
    assert short_label("x" * 40).endswith("…") and len(short_label("x" * 40)) == 26

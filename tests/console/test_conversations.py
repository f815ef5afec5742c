"""The conversation list: from the summary table only, filters, search, pages, saved
filters and bulk actions."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, text

from bot.console.conversations import Cursor, Filters, canonical_query
from bot.store.db import session_scope
from bot.store.models import AuditEntry, ConversationSummary, SafetyFlag, SavedFilter
from tests.console.conftest import add_staff, csrf, sign_in
from tests.console.seed import conversation, engine_of, insert_events, seed_conversations

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


def stamp(days_ago: float) -> float:
    return (NOW - timedelta(days=days_ago)).timestamp()


@pytest.fixture
def some(database_url: str) -> dict[str, str]:
    """Six conversations, one of each kind that matters to the filters."""
    engine = engine_of(database_url)
    made = {
        "faq-web": ("faq", 1, "socketio", "clear"),
        "fallback-tg": ("fallback", 2, "telegram", "clear"),
        "precheck-wa": ("precheck", 3, "whatsapp", "contraindicated"),
        "lead-web": ("lead", 4, "socketio", "review"),
        "emergency-rest": ("emergency", 5, "rest", "clear"),
        "complaint-web": ("complaint", 40, "socketio", "clear"),
    }
    for conversation_id, (kind, days, channel, outcome) in made.items():
        events = conversation(kind, stamp(days), channel=channel, outcome=outcome)
        insert_events(engine, conversation_id, events)
    with session_scope(database_url) as session:
        session.get(ConversationSummary, "lead-web").lead_warmth = "warm"
        session.get(ConversationSummary, "faq-web").reviewed = True
        session.add(SafetyFlag(conversation_id="emergency-rest", category="cardiac",
                               detected_by="rule"))  # fmt: skip
    return {k: v[0] for k, v in made.items()}


def listed(client: FlaskClient, query: str = "") -> list[str]:
    page = client.get(f"/conversations{query}")
    assert page.status_code == 200
    return re.findall(r'name="ids" value="([^"]+)"', page.get_data(as_text=True))


def test_no_list_without_login(client: FlaskClient, some) -> None:
    page = client.get("/conversations")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    assert client.get("/conversations", headers={"X-Requested-With": "fetch"}).status_code == 401


def test_the_list_shows_every_conversation_newest_first(advisor: FlaskClient, some) -> None:
    assert listed(advisor) == [
        "faq-web", "fallback-tg", "precheck-wa", "lead-web", "emergency-rest", "complaint-web",
    ]  # fmt: skip
    html = advisor.get("/conversations").get_data(as_text=True)
    assert "6 conversations" in html
    assert "WhatsApp" in html and "Contraindication reported" in html
    assert 'class="badge flag"' in html and 'class="badge warmth-warm"' in html


# query -> the conversations listed (None: all of them).
FILTER_CASES: list[tuple[str, list[str] | None]] = [
    ("?channel=socketio", ["faq-web", "lead-web", "complaint-web"]),
    ("?outcome=contraindicated", ["precheck-wa"]),
    ("?outcome=none", ["faq-web", "fallback-tg", "emergency-rest", "complaint-web"]),
    ("?fallback=yes", ["fallback-tg"]),
    ("?lead=yes", ["lead-web"]),
    ("?lead=no&channel=socketio", ["faq-web", "complaint-web"]),
    ("?flagged=yes", ["emergency-rest"]),
    ("?reviewed=yes", ["faq-web"]),
    ("?reviewed=no&flagged=no&fallback=no&lead=no", ["precheck-wa", "complaint-web"]),
    ("?from=2026-11-27&to=2026-11-29", ["fallback-tg", "precheck-wa", "lead-web"]),
    ("?from=2026-11-30", ["faq-web"]),
    ("?to=2026-11-01", ["complaint-web"]),
    ("?q=CHEST+pain", ["emergency-rest"]),
    ("?q=husband+bring", ["complaint-web"]),
    ("?q=blorp", ["fallback-tg"]),
    ("?q=100%25", []),  # a LIKE wildcard is a character like any other
    ("?q=%25", []),
    ("?channel=nonsense&outcome=<script>", None),  # unknown values are ignored
]


def test_filters(advisor: FlaskClient, some) -> None:
    # One sign-in for all cases (each sign-in hashes a password).
    everyone = listed(advisor)
    for query, expected in FILTER_CASES:
        assert listed(advisor, query) == (everyone if expected is None else expected), query


def test_pages_follow_each_other_without_gaps(advisor: FlaskClient, database_url: str) -> None:
    ids = seed_conversations(database_url, 120, seed=3, batch=60)
    seen: list[str] = []
    html = advisor.get("/conversations").get_data(as_text=True)
    first = re.findall(r'name="ids" value="([^"]+)"', html)
    assert len(first) == 50 and "Newer" not in html
    seen += first
    for expected in (50, 20):
        link = re.search(r'href="([^"]+)" rel="next"', html).group(1).replace("&amp;", "&")
        html = advisor.get(link).get_data(as_text=True)
        rows = re.findall(r'name="ids" value="([^"]+)"', html)
        assert len(rows) == expected
        seen += rows
    assert 'rel="next"' not in html
    assert sorted(seen) == sorted(ids) and len(set(seen)) == 120
    # And back: the newer page of the last one is the middle one.
    link = re.search(r'href="([^"]+)" rel="prev"', html).group(1).replace("&amp;", "&")
    middle = re.findall(r'name="ids" value="([^"]+)"', advisor.get(link).get_data(as_text=True))
    assert middle == seen[50:100]


def test_pages_keep_the_filters(advisor: FlaskClient, database_url: str) -> None:
    seed_conversations(database_url, 150, seed=5)
    html = advisor.get("/conversations?channel=socketio").get_data(as_text=True)
    link = re.search(r'href="([^"]+)" rel="next"', html).group(1)
    assert "channel=socketio" in link


def test_the_list_reads_no_events(advisor: FlaskClient, some, database_url: str) -> None:
    # The list and its count come from the summaries alone (100,000 conversations).
    with engine_of(database_url).begin() as connection:
        connection.execute(text("DROP TABLE events"))
    assert len(listed(advisor, "?q=pain")) == 1


def test_a_cursor_survives_its_round_trip() -> None:
    cursor = Cursor(datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc), "a|b~c")
    assert Cursor.decode(cursor.encode()) == cursor
    assert Cursor.decode("garbage") is None and Cursor.decode("x|y") is None


def test_filters_round_trip_their_query_string() -> None:
    filters = Filters.from_args(
        {"q": "  chest   pain ", "flagged": "yes", "from": "2026-01-01", "tag": " Follow Up "}
    )
    assert filters.to_args() == {
        "from": "2026-01-01", "flagged": "yes", "tag": "follow up", "q": "chest pain",
    }  # fmt: skip
    assert Filters.from_args(filters.to_args()) == filters
    assert canonical_query("?after=x&channel=rest&evil=1") == "channel=rest"


# --- bulk actions --------------------------------------------------------------------


def test_bulk_mark_reviewed(advisor: FlaskClient, some, database_url: str) -> None:
    response = advisor.post(
        "/conversations/bulk",
        data={
            "csrf_token": csrf(advisor),
            "action": "review",
            "ids": ["lead-web", "precheck-wa", "faq-web", "unknown"],
            "query": "channel=socketio",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/conversations?channel=socketio")
    with session_scope(database_url) as session:
        rows = {
            r.conversation_id: r for r in session.execute(select(ConversationSummary)).scalars()
        }
        assert rows["lead-web"].reviewed and rows["lead-web"].reviewed_by == "advisor@clinic.test"
        assert rows["precheck-wa"].reviewed and not rows["fallback-tg"].reviewed
        audited = session.execute(
            select(AuditEntry.target_id).where(AuditEntry.action == "conversation.review")
        ).scalars()
        # faq-web was reviewed already: no change, no entry.
        assert sorted(audited) == ["lead-web", "precheck-wa"]
    assert listed(advisor, "?reviewed=no") == ["fallback-tg", "emergency-rest", "complaint-web"]


def test_bulk_tag(advisor: FlaskClient, some, database_url: str) -> None:
    token = csrf(advisor)
    for _ in range(2):  # twice: the tag is added once
        advisor.post(
            "/conversations/bulk",
            data={"csrf_token": token, "action": "tag", "tag": "Wrong FAQ",
                  "ids": ["fallback-tg", "complaint-web"]},
        )  # fmt: skip
    with session_scope(database_url) as session:
        assert session.get(ConversationSummary, "complaint-web").tags == ["wrong faq"]
        entries = session.execute(
            select(AuditEntry).where(AuditEntry.action == "conversation.tag")
        ).scalars()
        assert [e.detail["tag"] for e in entries] == ["wrong faq", "wrong faq"]
    assert listed(advisor, "?tag=wrong+faq") == ["fallback-tg", "complaint-web"]
    assert listed(advisor, "?tag=wrong") == []  # whole tags, not parts


def test_bulk_refuses_a_bad_tag_and_an_empty_selection(
    advisor: FlaskClient, some, database_url: str
) -> None:
    token = csrf(advisor)
    advisor.post(
        "/conversations/bulk",
        data={"csrf_token": token, "action": "tag", "tag": "<script>", "ids": ["faq-web"]},
    )
    page = advisor.post(
        "/conversations/bulk", data={"csrf_token": token, "action": "review"},
        follow_redirects=True,
    )  # fmt: skip
    assert "No conversation was selected" in page.get_data(as_text=True)
    with session_scope(database_url) as session:
        assert session.get(ConversationSummary, "faq-web").tags is None


def test_bulk_needs_the_csrf_token(advisor: FlaskClient, some, database_url: str) -> None:
    for token in (None, "wrong"):
        data = {"action": "review", "ids": ["lead-web"]}
        if token:
            data["csrf_token"] = token
        assert advisor.post("/conversations/bulk", data=data).status_code == 400
    with session_scope(database_url) as session:
        assert not session.get(ConversationSummary, "lead-web").reviewed


def test_bulk_needs_a_login(client: FlaskClient, some) -> None:
    client.get("/login")  # the pre-login CSRF cookie
    response = client.post("/conversations/bulk", data={"action": "review", "ids": ["lead-web"]})
    assert response.status_code in (302, 400, 401)
    assert "/conversations" not in response.headers.get("Location", "/login")


# --- saved filters -------------------------------------------------------------------


def test_saved_filters_belong_to_their_owner(
    advisor: FlaskClient, app, some, database_url: str
) -> None:
    response = advisor.post(
        "/conversations/filters",
        data={"csrf_token": csrf(advisor), "name": "<b>Unreviewed web</b>",
              "query": "channel=socketio&reviewed=no&after=2026-01-01T00:00:00+00:00|x"},
    )  # fmt: skip
    assert response.headers["Location"].endswith("/conversations?channel=socketio&reviewed=no")
    html = advisor.get("/conversations").get_data(as_text=True)
    assert "&lt;b&gt;Unreviewed web&lt;/b&gt;" in html and "<b>Unreviewed" not in html
    assert "/conversations?channel=socketio&amp;reviewed=no" in html
    with session_scope(database_url) as session:
        saved = session.execute(select(SavedFilter)).scalar_one()
        assert saved.query == "channel=socketio&reviewed=no"
        filter_id = saved.id
    # A colleague neither sees nor deletes it.
    other = app.test_client()
    add_staff(database_url, "colleague@clinic.test")
    sign_in(other, "colleague@clinic.test")
    assert "Unreviewed web" not in other.get("/conversations").get_data(as_text=True)
    gone = other.post(
        f"/conversations/filters/{filter_id}/delete", data={"csrf_token": csrf(other)}
    )
    assert gone.status_code == 404
    # Its owner deletes it.
    advisor.post(f"/conversations/filters/{filter_id}/delete", data={"csrf_token": csrf(advisor)})
    with session_scope(database_url) as session:
        assert session.execute(select(SavedFilter)).first() is None
        actions = session.execute(select(AuditEntry.action)).scalars().all()
        assert "saved_filter.save" in actions and "saved_filter.delete" in actions


def test_a_filter_without_name_or_filters_is_not_saved(advisor: FlaskClient, some, database_url):
    token = csrf(advisor)
    advisor.post("/conversations/filters", data={"csrf_token": token, "name": "", "query": "q=x"})
    advisor.post("/conversations/filters", data={"csrf_token": token, "name": "All", "query": ""})
    with session_scope(database_url) as session:
        assert session.execute(select(SavedFilter)).first() is None

"""The privacy page: erasure on request (admin, CSRF, confirmation, every row gone,
audited) and the retention purge (status, run now, audited)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, inspect, select

from bot.privacy.erasure import PERSONAL_TABLES
from bot.store.db import engine_for, session_scope
from bot.store.models import (
    AdvisorDelivery,
    AuditEntry,
    Base,
    Consent,
    ConversationSummary,
    Correction,
    Erasure,
    Handoff,
    Lead,
    LeadStatusChange,
    OutboxMessage,
    PrecheckResult,
    PurgeRun,
    SafetyFlag,
    TrackerCheckpoint,
)
from bot.store.rasa_events import events, rasa_metadata
from tests.console.conftest import csrf

UTC = timezone.utc
TARGET = "+41791234567"  # a WhatsApp sender id: the patient's number
OTHER = "widget-other-session"


def _rows(conversation_id: str, when: datetime) -> list:
    """One row in every personal table for ``conversation_id``."""
    return [
        PrecheckResult(
            conversation_id=conversation_id,
            answers={"infection": "no"},
            outcome="clear",
            reasons=[],
            consent_text_version="v1",
            consented_at=when,
        ),
        SafetyFlag(conversation_id=conversation_id, category="chest_pain", detected_by="rule"),
        Lead(
            conversation_id=conversation_id,
            name="Anna Meier",
            email="anna@example.com",
            phone="+41791234567",
            preferred_channel="whatsapp",
            contact_window="any",
            country="Switzerland",
            warmth="hot",
            warmth_reasons=["asked for a person"],
        ),
        Consent(
            conversation_id=conversation_id, purpose="contact_and_health_data", text_version="v1"
        ),
        Handoff(
            conversation_id=conversation_id, channel="whatsapp", status="closed", reason="asked"
        ),
        OutboxMessage(conversation_id=conversation_id, kind="webhook", payload={"name": "Anna"}),
        AdvisorDelivery(
            conversation_id=conversation_id, channel="whatsapp", advisor="Dr. Weber", status="sent"
        ),
        ConversationSummary(
            conversation_id=conversation_id,
            channel="whatsapp",
            started_at=when,
            last_message_at=when,
            turns=3,
            search_text="i want my data deleted",
        ),
        LeadStatusChange(
            conversation_id=conversation_id,
            status="contacted",
            staff_email="advisor@clinic.test",
            note="called her",
        ),
        Correction(
            conversation_id=conversation_id,
            message="what does it cost",
            predicted="nlu_fallback",
            corrected="faq/cost",
            staff_email="advisor@clinic.test",
        ),
        # A long conversation's checkpoint holds slot values (the contact details).
        TrackerCheckpoint(
            conversation_id=conversation_id,
            event_id=1,
            events=[{"event": "slot", "name": "lead_email", "value": "anna@example.com"}],
            last_message_at=when,
        ),
    ]


def _events(conversation_id: str, when: datetime, n: int = 4) -> list[dict]:
    stamp = when.timestamp()
    return [
        {
            "sender_id": conversation_id,
            "type_name": "user" if i % 2 == 0 else "bot",
            "timestamp": stamp + i,
            "intent_name": "greet" if i % 2 == 0 else None,
            "action_name": None,
            "data": json.dumps(
                {"event": "user", "text": "hello, I am Anna", "timestamp": stamp + i}
            ),
        }
        for i in range(n)
    ]


def fill(database_url: str, conversation_id: str, when: datetime) -> None:
    """Every table holding the conversation, Rasa's events included."""
    engine = engine_for(database_url)
    rasa_metadata.create_all(engine)
    with session_scope(database_url) as session:
        session.add_all(_rows(conversation_id, when))
    with engine.begin() as connection:
        connection.execute(insert(events), _events(conversation_id, when))


def remaining(database_url: str, conversation_id: str) -> dict[str, int]:
    """Rows naming the conversation in every table of the database (read from the
    database's own catalogue, not from the code under test)."""
    engine = engine_for(database_url)
    counts = {}
    with engine.connect() as connection:
        inspector = inspect(connection)
        for name in inspector.get_table_names():
            columns = {c["name"] for c in inspector.get_columns(name)}
            for column in ("conversation_id", "sender_id"):
                if column in columns:
                    table = Table(name, MetaData(), autoload_with=connection)
                    counts[name] = connection.execute(
                        select(func.count())
                        .select_from(table)
                        .where(table.c[column] == conversation_id)
                    ).scalar_one()
    return counts


def audit_entries(database_url: str, action: str) -> list[AuditEntry]:
    with session_scope(database_url) as session:
        return list(
            session.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars()
        )


@pytest.fixture
def stored(database_url: str, app) -> None:
    """The target conversation and another one, a day old."""
    day_ago = datetime.now(UTC) - timedelta(days=1)
    fill(database_url, TARGET, day_ago)
    fill(database_url, OTHER, day_ago)


def test_every_personal_table_is_filled_by_the_fixture(database_url, stored) -> None:
    counts = remaining(database_url, TARGET)
    for model in PERSONAL_TABLES:
        assert counts[model.__tablename__] >= 1, model.__tablename__
    assert counts["events"] == 4


# --- who may -------------------------------------------------------------------------


def test_no_privacy_page_without_login(client) -> None:
    response = client.get("/privacy")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_advisor_can_neither_see_nor_erase_nor_purge(advisor, database_url, stored) -> None:
    token = csrf(advisor)
    assert advisor.get("/privacy").status_code == 403
    assert advisor.get("/privacy", query_string={"conversation": TARGET}).status_code == 403
    response = advisor.post(
        "/privacy/erase",
        data={"csrf_token": token, "conversation_id": TARGET, "confirm": "erase"},
    )
    assert response.status_code == 403
    assert advisor.post("/privacy/purge", data={"csrf_token": token}).status_code == 403
    assert remaining(database_url, TARGET)["leads"] == 1
    with session_scope(database_url) as session:
        assert session.execute(select(func.count()).select_from(PurgeRun)).scalar_one() == 0
    assert "Privacy" not in advisor.get("/").get_data(as_text=True).split("</nav>")[0]


def test_erasure_needs_the_csrf_token(admin, database_url, stored) -> None:
    for token in (None, "wrong"):
        data = {"conversation_id": TARGET, "confirm": "erase"}
        if token:
            data["csrf_token"] = token
        assert admin.post("/privacy/erase", data=data).status_code == 400
    assert admin.post("/privacy/purge", data={}).status_code == 400
    assert remaining(database_url, TARGET)["events"] == 4


def test_erasure_needs_the_confirmation(admin, database_url, stored) -> None:
    page = admin.get("/privacy", query_string={"conversation": TARGET})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'name="confirm" value="erase"' in html and "Erase this conversation" in html
    assert '<th scope="row">events</th><td class="num">4</td>' in html
    response = admin.post(
        "/privacy/erase", data={"csrf_token": csrf(admin), "conversation_id": TARGET}
    )
    assert response.status_code == 400
    assert "Tick the confirmation box" in response.get_data(as_text=True)
    assert remaining(database_url, TARGET)["leads"] == 1
    assert audit_entries(database_url, "conversation.erase") == []


# --- the erasure ---------------------------------------------------------------------


def test_erasure_removes_every_row_of_the_conversation(admin, database_url, stored) -> None:
    before_other = remaining(database_url, OTHER)
    response = admin.post(
        "/privacy/erase",
        data={"csrf_token": csrf(admin), "conversation_id": f"  {TARGET} ", "confirm": "erase"},
    )
    assert response.status_code == 303
    left = remaining(database_url, TARGET)
    # Only the proof of the erasure names the conversation now.
    assert {name: n for name, n in left.items() if n} == {"erasures": 1}
    # Every table of our models that names a conversation was looked at, and Rasa's.
    modelled = {t.name for t in Base.metadata.sorted_tables if "conversation_id" in t.c}
    assert set(left) >= {"events"} | modelled | {m.__tablename__ for m in PERSONAL_TABLES}
    assert remaining(database_url, OTHER) == before_other  # nobody else's rows
    with session_scope(database_url) as session:
        erasure = session.execute(select(Erasure)).scalar_one()
        # The events are gone already: the tracker store has nothing pending.
        assert erasure.conversation_id == TARGET and erasure.events_erased_at is not None
    [entry] = audit_entries(database_url, "conversation.erase")
    assert entry.staff_email == "admin@clinic.test"
    assert (entry.target_type, entry.target_id) == ("conversation", TARGET)
    assert entry.detail["rows"]["events"] == 4 and entry.detail["rows"]["leads"] == 1
    assert entry.detail["total"] == 4 + len(PERSONAL_TABLES)
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{4 + len(PERSONAL_TABLES)} rows removed" in page
    assert TARGET not in page


def test_a_table_not_listed_for_erasure_is_erased_too(admin, database_url, stored) -> None:
    extra = Table(
        "extra_notes",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("conversation_id", String(255)),
    )
    engine = engine_for(database_url)
    extra.create(engine)
    with engine.begin() as connection:
        connection.execute(insert(extra), [{"conversation_id": TARGET}, {"conversation_id": OTHER}])
    admin.post(
        "/privacy/erase",
        data={"csrf_token": csrf(admin), "conversation_id": TARGET, "confirm": "erase"},
    )
    assert remaining(database_url, TARGET)["extra_notes"] == 0
    assert remaining(database_url, OTHER)["extra_notes"] == 1


def test_an_active_conversation_is_not_erased(admin, database_url, app) -> None:
    fill(database_url, TARGET, datetime.now(UTC) - timedelta(seconds=20))
    page = admin.get("/privacy", query_string={"conversation": TARGET}).get_data(as_text=True)
    assert "in the last two minutes" in page
    response = admin.post(
        "/privacy/erase",
        data={"csrf_token": csrf(admin), "conversation_id": TARGET, "confirm": "erase"},
    )
    assert response.status_code == 409
    assert remaining(database_url, TARGET)["events"] == 4
    assert audit_entries(database_url, "conversation.erase") == []


def test_an_unknown_conversation_has_nothing_to_erase(admin, database_url, app) -> None:
    page = admin.get("/privacy?conversation=nobody").get_data(as_text=True)
    assert "Nothing is stored about this conversation" in page
    assert "Erase this conversation" not in page
    response = admin.post(
        "/privacy/erase",
        data={"csrf_token": csrf(admin), "conversation_id": "nobody", "confirm": "erase"},
    )
    assert response.status_code == 409
    with session_scope(database_url) as session:
        assert session.execute(select(func.count()).select_from(Erasure)).scalar_one() == 0


def test_a_conversation_id_is_escaped(admin, app) -> None:
    html = admin.get("/privacy?conversation=<script>alert(1)</script>").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- retention -----------------------------------------------------------------------


def test_the_page_shows_the_last_purge(admin, database_url, app) -> None:
    with session_scope(database_url) as session:
        session.add(
            PurgeRun(
                started_at=datetime(2024, 1, 1, 3, 0, tzinfo=UTC),
                conversations=1,
                rows={"events": 99},
            )
        )
        session.add(
            PurgeRun(
                started_at=datetime(2024, 1, 2, 3, 0, tzinfo=UTC),
                finished_at=datetime(2024, 1, 2, 3, 1, tzinfo=UTC),
                conversations=7,
                rows={"events": 120, "leads": 2, "conversation_summaries": 7},
            )
        )
    html = " ".join(admin.get("/privacy").get_data(as_text=True).split())
    assert "<strong>180 days</strong>" in html
    last = html.split("<h3>Last run</h3>")[1]
    assert "2024-01-02 03:00 UTC" in last and "<dd>7</dd>" in last
    assert '<th scope="row">events</th><td class="num">120</td>' in last
    assert '<th scope="row">leads</th><td class="num">2</td>' in last
    assert "has not run for more than two days" in html
    assert "Recent runs" in html


def test_the_page_says_when_the_purge_never_ran(admin, app) -> None:
    assert "has not run on this database yet" in admin.get("/privacy").get_data(as_text=True)


def test_purge_now_removes_expired_conversations_and_is_audited(admin, database_url, app) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=400)
    fill(database_url, TARGET, long_ago)
    fill(database_url, OTHER, datetime.now(UTC) - timedelta(days=1))
    before = " ".join(admin.get("/privacy").get_data(as_text=True).split())
    assert "Past the cutoff and still stored: <strong>1</strong>" in before
    response = admin.post("/privacy/purge", data={"csrf_token": csrf(admin)})
    assert response.status_code == 303
    assert not any(remaining(database_url, TARGET).values())
    assert remaining(database_url, OTHER)["events"] == 4
    with session_scope(database_url) as session:
        run = session.execute(select(PurgeRun)).scalar_one()
        assert run.conversations == 1 and run.rows["events"] == 4
    [entry] = audit_entries(database_url, "retention.purge")
    assert entry.staff_email == "admin@clinic.test"
    assert entry.detail["conversations"] == 1 and entry.detail["retention_days"] == 180
    assert TARGET not in json.dumps(entry.detail)
    page = admin.get("/privacy").get_data(as_text=True)
    assert "The purge ran: 1 conversations" in page
    assert "has not run on this database yet" not in page

"""The safety queue: flags with the message behind them, acknowledged by staff; a flag of
the model alone can be a false alarm."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.store.db import session_scope
from bot.store.models import AuditEntry, ConversationSummary, SafetyFlag
from tests.console.conftest import csrf
from tests.console.seed import action, bot, engine_of, insert_events, user

T0 = 1_795_000_000.0
XSS = "<script>alert(1)</script>"


def at(stamp: float) -> datetime:
    return datetime.fromtimestamp(stamp, tz=timezone.utc)


@pytest.fixture
def flags(database_url: str) -> dict[str, int]:
    """Three flags: an old acknowledged one, a rule's and a model's open ones."""
    engine = engine_of(database_url)
    red = {"category": "cardiac", "response": "utter_emergency_cardiac"}
    insert_events(
        engine,
        "chest",
        [
            user("what is RA?", "faq", T0, faq="faq/what_is_ra"),
            user(f"chest pain {XSS}", "emergency", T0 + 60, confidence=1.0, red_flag=red),
            action("action_triage_guidance", T0 + 61),
            bot("Call 112 now.", T0 + 61, "utter_emergency_cardiac"),
            user("it is better now", "affirm", T0 + 600),  # after the flag
        ],
    )
    insert_events(
        engine,
        "sleepy",
        [user("I want to sleep and never wake up", "emergency", T0 + 100, confidence=0.8)],
    )
    with session_scope(database_url) as session:
        rows = {
            "rule": SafetyFlag(conversation_id="chest", category="cardiac", detected_by="rule",
                               created_at=at(T0 + 61.5)),
            "model": SafetyFlag(conversation_id="sleepy", category="model", detected_by="model",
                                created_at=at(T0 + 100.2)),
            "old": SafetyFlag(conversation_id="chest", category="cardiac", detected_by="rule",
                              created_at=at(T0 - 86400), acknowledged_at=at(T0 - 80000),
                              acknowledged_by="someone@clinic.test"),
        }  # fmt: skip
        session.add_all(rows.values())
        session.flush()
        return {name: row.id for name, row in rows.items()}


def test_no_queue_without_login(client: FlaskClient, flags) -> None:
    response = client.get("/safety")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_open_flags_first_with_the_message_that_raised_them(
    advisor: FlaskClient, flags: dict[str, int]
) -> None:
    html = advisor.get("/safety").get_data(as_text=True)
    order = [int(i) for i in re.findall(r'name="flag" value="(\d+)"', html)]
    assert order == [flags["model"], flags["rule"]]  # open ones, newest first
    assert html.index("sleep and never wake up") < html.index("chest pain")
    assert html.index("chest pain") < html.index("someone@clinic.test")  # acknowledged last
    # The message before the flag, not the one after it; escaped.
    assert "chest pain &lt;script&gt;alert(1)&lt;/script&gt;" in html and XSS not in html
    assert "it is better now" not in html
    assert "2</strong> flags not yet acknowledged" in html
    assert 'href="/conversations/chest"' in html
    # Only the model's flag offers "false alarm".
    assert html.count("False alarm<span") == 1
    assert f"/safety/{flags['model']}/false-alarm" in html


def test_acknowledging_records_who_and_when(
    advisor: FlaskClient, flags: dict[str, int], database_url: str
) -> None:
    response = advisor.post(
        "/safety/acknowledge", data={"csrf_token": csrf(advisor), "flag": flags["rule"],
                                     "ids": [flags["model"]]},
    )  # fmt: skip
    assert response.status_code == 302
    with session_scope(database_url) as session:
        rule = session.get(SafetyFlag, flags["rule"])
        assert rule.acknowledged_by == "advisor@clinic.test" and rule.acknowledged_at
        # The clicked row's button wins over the checked boxes.
        assert session.get(SafetyFlag, flags["model"]).acknowledged_at is None
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "safety_flag.acknowledge")
        ).scalar_one()
        assert entry.target_id == str(flags["rule"])
        assert entry.detail == {"conversation_id": "chest"}
    assert "1</strong> flag not yet acknowledged" in advisor.get("/safety").get_data(as_text=True)


def test_acknowledging_the_selected_flags(
    advisor: FlaskClient, flags: dict[str, int], database_url: str
) -> None:
    advisor.post(
        "/safety/acknowledge",
        data={"csrf_token": csrf(advisor), "ids": [flags["rule"], flags["model"], flags["old"]]},
    )
    with session_scope(database_url) as session:
        assert all(session.get(SafetyFlag, i).acknowledged_at for i in flags.values())
        # The old one kept its first acknowledgement.
        assert session.get(SafetyFlag, flags["old"]).acknowledged_by == "someone@clinic.test"
        entries = session.execute(
            select(AuditEntry).where(AuditEntry.action == "safety_flag.acknowledge")
        ).all()
        assert len(entries) == 2
    html = advisor.get("/safety?show=open").get_data(as_text=True)
    assert "No flags." in html


def test_a_model_flag_can_be_a_false_alarm(
    advisor: FlaskClient, flags: dict[str, int], database_url: str
) -> None:
    with session_scope(database_url) as session:
        assert session.get(ConversationSummary, "sleepy").flagged is False  # no table flag yet
    # The summary reads the flags on the next save; here, on demand:
    from bot.store.summaries import refresh_links

    with session_scope(database_url) as session:
        refresh_links(session, "sleepy")
        assert session.get(ConversationSummary, "sleepy").flagged
    response = advisor.post(
        f"/safety/{flags['model']}/false-alarm", data={"csrf_token": csrf(advisor)}
    )
    assert response.status_code == 302
    with session_scope(database_url) as session:
        flag = session.get(SafetyFlag, flags["model"])
        assert flag.false_alarm and flag.acknowledged_by == "advisor@clinic.test"
        assert not session.get(ConversationSummary, "sleepy").flagged
        assert session.execute(
            select(AuditEntry).where(AuditEntry.action == "safety_flag.false_alarm")
        ).scalar_one().target_id == str(flags["model"])
    assert "false alarm</span>" in advisor.get("/safety").get_data(as_text=True)


def test_a_rule_flag_is_never_a_false_alarm(
    advisor: FlaskClient, flags: dict[str, int], database_url: str
) -> None:
    response = advisor.post(
        f"/safety/{flags['rule']}/false-alarm", data={"csrf_token": csrf(advisor)}
    )
    assert response.status_code == 400
    assert (
        advisor.post("/safety/999/false-alarm", data={"csrf_token": csrf(advisor)}).status_code
        == 404
    )
    with session_scope(database_url) as session:
        rule = session.get(SafetyFlag, flags["rule"])
        assert not rule.false_alarm and rule.acknowledged_at is None
        assert session.get(ConversationSummary, "chest").flagged


def test_queue_changes_need_the_csrf_token(
    advisor: FlaskClient, flags: dict[str, int], database_url: str
) -> None:
    assert advisor.post("/safety/acknowledge", data={"flag": flags["rule"]}).status_code == 400
    assert advisor.post(f"/safety/{flags['model']}/false-alarm").status_code == 400
    with session_scope(database_url) as session:
        assert session.get(SafetyFlag, flags["rule"]).acknowledged_at is None
        assert not session.get(SafetyFlag, flags["model"]).false_alarm


def test_a_flag_whose_messages_are_gone(advisor: FlaskClient, database_url: str) -> None:
    engine_of(database_url)
    with session_scope(database_url) as session:
        session.add(SafetyFlag(conversation_id="erased", category="model", detected_by="model"))
    html = advisor.get("/safety").get_data(as_text=True)
    assert "not found (erased or expired)" in html


def test_a_patient_who_writes_on_quickly_still_shows_the_emergency_message(
    database_url: str,
) -> None:
    from bot.console.safety_queue import triggering_messages

    insert_events(
        engine_of(database_url),
        "quick",
        [
            user("I have crushing chest pain", "emergency", T0, confidence=1.0),
            user("anna@example.com", "nlu_fallback", T0 + 1.0),  # within the clock slack
        ],
    )
    with session_scope(database_url) as session:
        flag = SafetyFlag(
            conversation_id="quick",
            category="chest_pain",
            detected_by="rule",
            created_at=at(T0 + 0.5),
        )
        session.add(flag)
        session.flush()
        assert triggering_messages(session, [flag])[flag.id].text == "I have crushing chest pain"

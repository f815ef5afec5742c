"""The transcript: what staff read, what they change, and the test story export."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
import yaml
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.console.stories import as_test_story, story_name
from bot.console.transcripts import transcript
from bot.store.db import session_scope
from bot.store.models import AuditEntry, ConversationSummary, Lead
from tests.console.conftest import csrf
from tests.console.seed import (
    action,
    bot,
    conversation,
    engine_of,
    insert_events,
    simple,
    slot,
    user,
)

T0 = 1_795_000_000.0
XSS = "<script>alert(1)</script>"
WA = "+41791112233"  # a WhatsApp conversation id: a phone number


def patient_story() -> list[dict]:
    """A WhatsApp conversation: greeting, a question with markup, a misunderstanding,
    the pre-check, the lead form, an advisor, and the hand-back."""
    events = conversation("handoff", T0, channel="whatsapp", name="Anna Meier")
    at = T0 + 100
    extra = [
        user(f"{XSS} how much is it?", "faq", at, faq="faq/cost", confidence=0.55,
             channel="whatsapp"),
        action("utter_faq", at + 1),
        bot("It costs ...", at + 1, "utter_faq/cost", buttons=[("What affects the price?", "x")]),
        action("action_listen", at + 1),
    ]  # fmt: skip
    greeting_end = next(
        i for i, e in enumerate(events) if e.get("name") == "action_listen" and i > 5
    )
    return events[: greeting_end + 1] + extra + events[greeting_end + 1 :]


@pytest.fixture
def stored(database_url: str) -> str:
    engine = engine_of(database_url)
    insert_events(engine, WA, patient_story())
    with session_scope(database_url) as session:
        session.add(
            Lead(conversation_id=WA, name="Anna Meier", email="anna@example.com",
                 preferred_channel="email", contact_window="any", country="CH",
                 warmth="hot", warmth_reasons=[])
        )  # fmt: skip
    return WA


def test_no_transcript_without_login(client: FlaskClient, stored: str) -> None:
    response = client.get(f"/conversations/{stored}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_conversations_are_not_found(advisor: FlaskClient, stored: str) -> None:
    assert advisor.get("/conversations/nobody").status_code == 404
    assert (
        advisor.post("/conversations/nobody/review", data={"csrf_token": csrf(advisor)}).status_code
        == 404
    )


def test_the_transcript_shows_messages_nlu_forms_and_advisors(
    advisor: FlaskClient, stored: str
) -> None:
    page = advisor.get(f"/conversations/{stored}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # The patient's message, escaped, with the intent, its confidence and the FAQ.
    assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; how much is it?" in html
    assert "intent <code>faq</code> 55 %" in html and "FAQ <code>faq/cost</code>" in html
    assert "unsure: low confidence" in html
    assert "It costs ..." in html and "What affects the price?" in html
    # Form steps and slots.
    assert "Pre-check started" in html and "asks for active_infection" in html
    assert "precheck_outcome = clear" in html and "Lead form ended" in html
    # The advisor under their name; the hand-over as events.
    assert "Advisor Anna Meier" in html and "Hello, I&#39;m here to help." in html
    assert "Handed to an advisor" in html and "Handed back to the assistant" in html
    # Technical events collapsed.
    assert "<details>" in html and "action utter_faq (RulePolicy, 1.00)" in html


def test_viewing_is_audited(advisor: FlaskClient, stored: str, database_url: str) -> None:
    advisor.get(f"/conversations/{stored}")
    with session_scope(database_url) as session:
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "conversation.view")
        ).scalar_one()
        assert (entry.staff_email, entry.target_id) == ("advisor@clinic.test", WA)


def test_review_tags_and_note(advisor: FlaskClient, stored: str, database_url: str) -> None:
    token = csrf(advisor)
    base = f"/conversations/{stored}"
    assert advisor.post(f"{base}/review", data={"csrf_token": token}).status_code == 302
    advisor.post(f"{base}/tags", data={"csrf_token": token, "tag": "price"})
    advisor.post(f"{base}/tags", data={"csrf_token": token, "tag": "follow-up"})
    advisor.post(f"{base}/tags", data={"csrf_token": token, "tag": "price", "remove": "1"})
    advisor.post(f"{base}/note", data={"csrf_token": token, "note": f"Called back {XSS}"})
    with session_scope(database_url) as session:
        row = session.get(ConversationSummary, stored)
        assert row.reviewed and row.reviewed_by == "advisor@clinic.test"
        assert row.tags == ["follow-up"] and row.note == f"Called back {XSS}"
        entries = [
            (e.action, e.detail)
            for e in session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
            if e.action.startswith("conversation.") and e.action != "conversation.view"
        ]
    assert entries == [
        ("conversation.review", None),
        ("conversation.tag", {"tag": "price"}),
        ("conversation.tag", {"tag": "follow-up"}),
        ("conversation.untag", {"tag": "price"}),
        ("conversation.note", {"length": len(f"Called back {XSS}")}),  # not the text
    ]
    html = advisor.get(base).get_data(as_text=True)
    assert XSS not in html and "Called back &lt;script&gt;" in html
    assert "Remove the review mark" in html
    advisor.post(f"{base}/review", data={"csrf_token": token, "reviewed": "no"})
    with session_scope(database_url) as session:
        assert not session.get(ConversationSummary, stored).reviewed


def test_changes_need_the_csrf_token(advisor: FlaskClient, stored: str, database_url) -> None:
    assert advisor.post(f"/conversations/{stored}/review").status_code == 400
    assert advisor.post(f"/conversations/{stored}/note", data={"note": "x"}).status_code == 400
    with session_scope(database_url) as session:
        row = session.get(ConversationSummary, stored)
        assert not row.reviewed and row.note is None


def test_a_conversation_without_summary_gets_one_when_reviewed(
    advisor: FlaskClient, database_url: str
) -> None:
    insert_events(database_url, "old", conversation("faq", T0), summary=False)
    assert advisor.get("/conversations/old").status_code == 200
    advisor.post("/conversations/old/review", data={"csrf_token": csrf(advisor)})
    with session_scope(database_url) as session:
        row = session.get(ConversationSummary, "old")
        assert row.reviewed and row.turns >= 3


def test_slashes_in_conversation_ids(advisor: FlaskClient, database_url: str) -> None:
    insert_events(database_url, "rest/user 1", conversation("faq", T0))
    assert advisor.get("/conversations/rest/user%201").status_code == 200
    advisor.post("/conversations/rest/user%201/review", data={"csrf_token": csrf(advisor)})
    with session_scope(database_url) as session:
        assert session.get(ConversationSummary, "rest/user 1").reviewed


# --- rows (pure) ---------------------------------------------------------------------


def test_transcript_rows() -> None:
    events = [
        simple("session_started", T0),
        user("blorp", "nlu_fallback", T0 + 1, confidence=0.35, ranking=[("faq", 0.2)]),
        action("action_fallback", T0 + 2),
        bot("Sorry?", T0 + 2, "utter_default"),
        slot("minor", True, T0 + 3),
        bot("A person has joined.", T0 + 4, advisor="Dr. W")
        | {"metadata": {"advisor": "Dr. W", "handoff": "joined"}},
        {"event": "followup", "timestamp": T0 + 5, "name": "x"},
    ]
    rows = transcript(enumerate(events, start=1))
    assert [r.kind for r in rows] == ["system", "patient", "assistant", "slot", "assistant"]
    patient = rows[1]
    assert patient.unsure == ["fallback"] and ("best guess faq" in patient.details[0][1])
    assert "action action_fallback (RulePolicy, 1.00)" in patient.details[1][1]
    assert rows[3].text == "minor = true"
    # The joined notice is the assistant's, not an advisor's message.
    assert rows[4].who == "Assistant" and "followup" in rows[4].details[-1][1]


# --- the test story ------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


def read_story(text: str, tmp_path: Path) -> list:
    """Rasa's own reader, as `rasa test` reads tests/stories/test_*.yml."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader

    path = tmp_path / "test_reviewed.yml"
    path.write_text(text, encoding="utf-8")
    domain = Domain.load(str(ROOT / "domain.yml"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        steps = YAMLStoryReader(domain, source_name=str(path)).read_from_file(path)
    issues = [str(w.message) for w in caught if "Issue found" in str(w.message)]
    assert issues == []
    return steps


def test_only_admins_export_test_stories(advisor: FlaskClient, stored: str) -> None:
    assert (
        advisor.post(
            f"/conversations/{stored}/story", data={"csrf_token": csrf(advisor)}
        ).status_code
        == 403
    )
    assert "Save as test story" not in advisor.get(f"/conversations/{stored}").get_data(
        as_text=True
    )


def test_save_as_test_story(
    admin: FlaskClient, stored: str, database_url: str, tmp_path: Path
) -> None:
    response = admin.post(f"/conversations/{stored}/story", data={"csrf_token": csrf(admin)})
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert re.search(r'attachment; filename="test_reviewed_conversation_\w+\.yml"', disposition)
    assert WA not in disposition
    story = response.get_data(as_text=True)
    document = yaml.safe_load(story)
    assert document["version"] == "3.1"
    [entry] = document["stories"]
    assert entry["story"] == story_name(WA) and WA not in story
    steps = entry["steps"]
    intents = [s["intent"] for s in steps if "intent" in s]
    assert intents[:2] == ["greet", "faq/cost"]  # the full retrieval intent (rasa#9668)
    assert {"action": "utter_faq"} in steps and {"active_loop": "precheck_form"} in steps
    assert {"slot_was_set": [{"precheck_outcome": "clear"}]} in steps
    assert not any(s.get("action") in ("action_listen", "action_session_start") for s in steps)
    # Personal details masked: texts and contact slots.
    assert "anna@example.com" not in story and "Anna" not in story and "Meier" not in story
    assert {"user": "my name is [name]\n", "intent": "nlu_fallback"} in steps
    assert {"slot_was_set": [{"lead_name": "[name]"}]} in steps
    # What the patient wrote to the advisor is left out (the assistant was paused).
    assert "thank you!" not in story and "left out (assistant paused)" in story
    # The patient's markup stays text in YAML.
    assert f"{XSS} how much is it?" in story
    # Rasa reads it as a test story.
    [step] = read_story(story, tmp_path)
    names = [type(e).__name__ for e in step.events]
    assert names.count("UserUttered") == sum(1 for s in steps if "intent" in s)
    with session_scope(database_url) as session:
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "conversation.story_export")
        ).scalar_one()
        assert entry.target_id == WA and entry.staff_email == "admin@clinic.test"


def test_button_payloads_become_intent_only_steps(tmp_path: Path) -> None:
    events = [
        user("/start_precheck", "start_precheck", T0, confidence=1.0),
        action("utter_precheck_intro", T0 + 1),
        user("line one  \nline two: [x](y)", "out_of_scope", T0 + 2),
    ]
    story = as_test_story("c", events)
    steps = yaml.safe_load(story)["stories"][0]["steps"]
    assert steps[0] == {"intent": "start_precheck"}
    # Not an entity annotation: Rasa would read "[x](y)" as entity y.
    assert steps[2]["user"] == "line one  \nline two: [x] (y)"
    read_story(story, tmp_path)


def test_before_rasa_created_its_table_a_transcript_is_not_found_not_an_error(admin) -> None:
    # The console starts before Rasa, which creates the events table when it starts.
    assert admin.get("/conversations/web-unknown").status_code == 404

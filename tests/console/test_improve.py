"""The improvement loop: unsure messages, corrections, the masked NLU export, and
corrections erased with their conversation."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from flask.testing import FlaskClient
from sqlalchemy import create_engine, select

from bot.console.corrections import NAME_MASK, load_choices, mask_text
from bot.privacy.erasure import PERSONAL_TABLES, erase_conversation
from bot.privacy.retention import purge_expired
from bot.store.db import session_scope
from bot.store.models import AuditEntry, ConversationSummary, Correction, Lead
from bot.store.rasa_events import events as events_table
from tests.console.conftest import csrf
from tests.console.seed import action, bot, conversation, engine_of, insert_events, user

T0 = 1_795_000_000.0
XSS = "<script>alert(1)</script>"


@pytest.fixture
def unsure(database_url: str) -> dict[str, int]:
    """Conversations with a fallback, a low-confidence message and a complaint; the
    event ids of the unsure messages."""
    engine = engine_of(database_url)
    insert_events(
        engine,
        "fb",
        [
            user(f"my name is Anna Meier, {XSS} email anna@example.com", "nlu_fallback", T0,
                 confidence=0.35, ranking=[("request_human", 0.3)]),
            action("action_fallback", T0 + 1),
            bot("Sorry, I didn't get that.", T0 + 1, "utter_default"),
            user("what is RA?", "faq", T0 + 5, faq="faq/what_is_ra", confidence=0.99),
            action("utter_faq", T0 + 6),
        ],
    )  # fmt: skip
    insert_events(engine, "cp", conversation("complaint", T0 + 100))
    insert_events(
        engine,
        "low",
        [user("I'm Peter, call me on +41 79 123 45 67", "greet", T0 + 200, confidence=0.41)],
    )
    insert_events(engine, "fine", conversation("faq", T0 + 300))
    with engine.connect() as connection:
        ids = dict(
            connection.execute(
                select(events_table.c.sender_id, events_table.c.id).where(
                    events_table.c.type_name == "user",
                    events_table.c.data.like('%"text": "my name is%')
                    | events_table.c.data.like('%"text": "can I bring%')
                    | events_table.c.data.like('%"text": "I\'m Peter%'),
                )
            ).all()
        )
    with session_scope(database_url) as session:
        session.add(
            Lead(conversation_id="fb", name="Anna Meier", preferred_channel="email",
                 contact_window="any", country="CH", warmth="warm", warmth_reasons=[])
        )  # fmt: skip
    return ids


def listed(client: FlaskClient, query: str = "") -> list[str]:
    html = client.get(f"/improve{query}").get_data(as_text=True)
    return re.findall(r'name="event_id" value="(\d+)"', html)


def correct(client: FlaskClient, conversation_id: str, event_id: int, meant: str) -> int:
    return client.post(
        "/improve/corrections",
        data={"csrf_token": csrf(client), "conversation_id": conversation_id,
              "event_id": str(event_id), "corrected": meant},
    ).status_code  # fmt: skip


def test_no_improvement_page_without_login(client: FlaskClient, unsure) -> None:
    assert client.get("/improve").status_code == 302
    assert client.get("/improve", headers={"X-Requested-With": "fetch"}).status_code == 401


def test_unsure_messages_are_listed_with_the_prediction(
    advisor: FlaskClient, unsure: dict[str, int]
) -> None:
    html = advisor.get("/improve").get_data(as_text=True)
    assert sorted(map(int, listed(advisor))) == sorted(unsure.values())
    assert XSS not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<code>request_human</code>" in html  # the best guess under the fallback
    assert "<code>faq/medical_evaluation</code>" in html
    assert "complaint after the answer" in html and ">fallback<" in html
    assert "what is RA?" not in html  # a confident answer is not listed
    # The choices: FAQ topics and intents of the domain, the prediction preselected.
    assert '<option value="faq/cost"' in html and '<option value="greet"' in html
    assert '<option value="nlu_fallback"' not in html
    assert '<option value="faq/medical_evaluation" selected>' in html


def test_a_correction_is_saved_from_the_stored_message(
    advisor: FlaskClient, unsure: dict[str, int], database_url: str
) -> None:
    assert correct(advisor, "cp", unsure["cp"], "faq/consultation") == 302
    with session_scope(database_url) as session:
        row = session.execute(select(Correction)).scalar_one()
        assert (row.conversation_id, row.message) == ("cp", "can I bring my husband")
        assert (row.predicted, row.corrected) == ("faq/medical_evaluation", "faq/consultation")
        assert row.staff_email == "advisor@clinic.test"
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "correction.save")
        ).scalar_one()
        assert entry.detail["corrected"] == "faq/consultation"
    # Corrected messages leave the pending list, and show under "all".
    assert str(unsure["cp"]) not in listed(advisor)
    assert str(unsure["cp"]) in listed(advisor, "?show=all")
    # Correcting again changes the same row.
    assert correct(advisor, "cp", unsure["cp"], "faq/procedure") == 302
    with session_scope(database_url) as session:
        assert session.execute(select(Correction.corrected)).scalars().all() == ["faq/procedure"]


def test_corrections_are_checked(
    advisor: FlaskClient, unsure: dict[str, int], database_url: str
) -> None:
    assert correct(advisor, "cp", unsure["cp"], "not_an_intent") == 302  # refused, flashed
    assert correct(advisor, "cp", unsure["fb"], "greet") == 404  # another conversation's event
    assert correct(advisor, "fine", 1, "greet") == 404  # not an unsure message
    assert correct(advisor, "cp", 999_999, "greet") == 404
    assert (
        advisor.post(
            "/improve/corrections",
            data={"conversation_id": "cp", "event_id": unsure["cp"], "corrected": "greet"},
        ).status_code
        == 400
    )  # no CSRF token
    with session_scope(database_url) as session:
        assert session.execute(select(Correction)).first() is None


def test_a_correction_can_be_deleted(
    advisor: FlaskClient, unsure: dict[str, int], database_url: str
) -> None:
    correct(advisor, "low", unsure["low"], "greet")
    with session_scope(database_url) as session:
        correction_id = session.execute(select(Correction.id)).scalar_one()
    advisor.post(f"/improve/corrections/{correction_id}/delete", data={"csrf_token": csrf(advisor)})
    with session_scope(database_url) as session:
        assert session.execute(select(Correction)).first() is None
        assert session.execute(
            select(AuditEntry).where(AuditEntry.action == "correction.delete")
        ).scalar_one()


def test_only_admins_export(advisor: FlaskClient, unsure) -> None:
    assert advisor.post("/improve/export", data={"csrf_token": csrf(advisor)}).status_code == 403
    assert "Export corrections" not in advisor.get("/improve").get_data(as_text=True)


def test_the_export_is_masked_rasa_nlu_yaml(
    admin: FlaskClient, unsure: dict[str, int], database_url: str, tmp_path: Path
) -> None:
    for conversation_id, meant in (("fb", "request_human"), ("cp", "faq/consultation"),
                                   ("low", "request_human")):  # fmt: skip
        assert correct(admin, conversation_id, unsure[conversation_id], meant) == 302
    response = admin.post("/improve/export", data={"csrf_token": csrf(admin)})
    assert response.status_code == 200
    assert re.match(
        r'attachment; filename="nlu_corrections_\d{8}\.yml"',
        response.headers["Content-Disposition"],
    )
    text = response.get_data(as_text=True)
    assert 'version: "3.1"' in text and "examples: |" in text
    document = yaml.safe_load(text)
    examples = {item["intent"]: item["examples"] for item in document["nlu"]}
    assert examples == {
        "faq/consultation": "- can I bring my husband\n",
        "request_human": (
            f"- my name is {NAME_MASK}, {XSS} email [email]\n"
            f"- I'm {NAME_MASK}, call me on [phone]\n"
        ),
    }
    for secret in ("Anna", "Meier", "anna@example.com", "Peter", "79 123"):
        assert secret not in text
    # Rasa reads it as NLU training data.
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    data = RasaYAMLReader().reads(text)
    assert sorted({m.get("intent") for m in data.training_examples}) == ["faq", "request_human"]
    assert len(data.training_examples) == 3
    with session_scope(database_url) as session:
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "corrections.export")
        ).scalar_one()
        assert entry.staff_email == "admin@clinic.test" and entry.detail == {"examples": 3}


def test_corrections_are_erased_with_their_conversation(
    advisor: FlaskClient, unsure: dict[str, int], database_url: str
) -> None:
    assert Correction in PERSONAL_TABLES
    correct(advisor, "cp", unsure["cp"], "faq/consultation")
    correct(advisor, "fb", unsure["fb"], "request_human")
    with session_scope(database_url) as session:
        report = erase_conversation(session, "cp")
        assert report.removed["corrections"] == 1
    with session_scope(database_url) as session:
        left = session.execute(select(Correction.conversation_id)).scalars().all()
        assert left == ["fb"]
        assert session.get(ConversationSummary, "cp") is None


def test_corrections_expire_with_their_conversation(
    advisor: FlaskClient, unsure: dict[str, int], database_url: str
) -> None:
    correct(advisor, "cp", unsure["cp"], "faq/consultation")
    now = datetime.fromtimestamp(T0, tz=timezone.utc) + timedelta(days=200)
    report = purge_expired(create_engine(database_url, future=True), 180, now=now)
    assert report.records["corrections"] == 1
    with session_scope(database_url) as session:
        assert session.execute(select(Correction)).first() is None


# --- masking and choices (pure) ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("my name is anna meier", f"my name is {NAME_MASK}"),
        ("Hi, I'm Luca Rossi and I have RA", f"Hi, I'm {NAME_MASK} and I have RA"),
        ("I am Claire. Is it safe?", f"I am {NAME_MASK}. Is it safe?"),
        ("call me Jonas please", f"call me {NAME_MASK} please"),
        ("I'm tired of the pain", "I'm tired of the pain"),
        ("I'm Sorry, what?", "I'm Sorry, what?"),
        ("this is my first question", "this is my first question"),
        ("this is Maria from Bern", f"this is {NAME_MASK} from Bern"),
        ("write to a.b+c@mail.example.ch", "write to [email]"),
        ("my number: 079 123 45 67", "my number: [phone]"),
        ("my name is [x](y)", "my name is [x] (y)"),  # no entity annotation for Rasa
    ],
)
def test_masking(text: str, masked: str) -> None:
    assert mask_text(text) == masked


def test_known_names_are_masked_anywhere() -> None:
    assert mask_text("Anna here, Meier is my surname", ["Anna Meier"]) == (
        f"{NAME_MASK} here, {NAME_MASK} is my surname"
    )
    # A mask never reads as a Rasa entity annotation.
    assert mask_text("[Anna](x)", ["Anna"]) == f"[{NAME_MASK}] (x)"


def test_the_choices_come_from_the_domain() -> None:
    choices = load_choices()
    assert "faq/cost" in choices and "faq/what_is_ra" in choices and "deny" in choices
    assert "faq" not in choices and "nlu_fallback" not in choices
    assert len(choices.faqs) >= 30 and all(c.startswith("faq/") for c in choices.faqs)

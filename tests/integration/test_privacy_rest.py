"""The patient's rights over REST: privacy notice, erasure after confirmation, withdrawal."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from bot.precheck.store import prechecks_of
from bot.store.db import engine_for

EMAIL = "anna.meier@example.com"


def new_sender() -> str:
    return f"privacy-{uuid.uuid4().hex[:12]}"


def stored_texts(database_url: str, sender: str) -> list[str]:
    """Every stored event row of the conversation, raw (what an erasure must remove)."""
    with engine_for(database_url).connect() as connection:
        rows = connection.execute(
            sa.text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
        )
        return [row[0] for row in rows]


def complete_precheck(assistant, sender: str) -> None:
    for message in ("/start_precheck", "yes", "no", "no", "no", "no"):
        assistant.say(sender, message)


def test_the_privacy_notice_says_what_why_how_long_and_who(assistant) -> None:
    replies = assistant.say(new_sender(), "how long do you keep my data?")
    text = replies[0]["text"]
    assert text.startswith("Privacy notice")
    assert "180 days" in text and "Who sees it" in text
    assert {"title": "Delete my data", "payload": "/delete_data"} in replies[0]["buttons"]


def test_delete_my_data_asks_first_then_erases_everything(assistant) -> None:
    sender = new_sender()
    assistant.say(sender, f"my email is {EMAIL}, what does it cost?")
    complete_precheck(assistant, sender)
    assert len(prechecks_of(assistant.database_url, sender)) == 1
    assert any(EMAIL in row for row in stored_texts(assistant.database_url, sender))

    confirm = assistant.say(sender, "please delete my data")
    assert "can't be undone" in confirm[0]["text"]
    # Asking is not yet erasing.
    assert len(prechecks_of(assistant.database_url, sender)) == 1

    done = assistant.texts(sender, "yes")
    assert "deleted this conversation" in done and "pre-check answers" in done
    assert prechecks_of(assistant.database_url, sender) == []
    rows = stored_texts(assistant.database_url, sender)
    assert not any(EMAIL in row or "what does it cost" in row for row in rows)
    status, tracker = assistant.request(
        "GET", f"/conversations/{sender}/tracker", token=assistant.token
    )
    assert status == 200
    # Only the confirmation and what followed it in that turn remain.
    assert [e["event"] for e in tracker["events"]] == ["bot", "reset_slots", "action"]
    assert tracker["slots"]["precheck_consent"] is None

    # The conversation can start again from scratch.
    assert "automated assistant" in assistant.texts(sender, "hello")


def test_saying_no_to_the_confirmation_keeps_everything(assistant) -> None:
    sender = new_sender()
    complete_precheck(assistant, sender)
    assistant.say(sender, "delete my data")
    assert "nothing was deleted" in assistant.texts(sender, "no")
    assert len(prechecks_of(assistant.database_url, sender)) == 1
    assert stored_texts(assistant.database_url, sender)


def test_withdrawing_consent_deletes_the_answers_but_not_the_chat(assistant) -> None:
    sender = new_sender()
    complete_precheck(assistant, sender)
    text = assistant.texts(sender, "I withdraw my consent")
    assert "consent is withdrawn" in text
    assert prechecks_of(assistant.database_url, sender) == []
    assert stored_texts(assistant.database_url, sender)
    # A new pre-check asks for consent again.
    assert "May the clinic store your answers" in assistant.texts(sender, "/start_precheck")

"""Warm leads reach a human advisor: consent, lead, signed notification, live handoff.

A private assistant with its notification relays on loopback: a webhook receiver
(http.server) and an SMTP server (aiosmtpd). The patient side is a socket.io client
(the widget's channel, which can receive the advisor's pushed messages); the advisor
side is ``bot.handoff.advisor`` against Rasa's HTTP API.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from bot.content import text as response_text
from bot.handoff.advisor import ADVISOR_JOINED, HANDED_BACK, handback, reply
from bot.notify.transports import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from bot.processes.stack import free_port
from bot.settings import load_settings
from bot.store.db import engine_for
from tests.integration.chat_client import ChatClient
from tests.integration.conftest import ADVISORS_ALWAYS_ON, running_assistant

SECRET = "test-secret-" + uuid.uuid4().hex


class Receiver:
    """The advisors' webhook endpoint: records requests, answers with ``status``."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if receiver.status == 200:
                    receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/leads"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class Mailbox:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802, ANN001
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture(scope="module")
def relays() -> Iterator[tuple[Receiver, Mailbox, int]]:
    receiver, mailbox = Receiver(), Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield receiver, mailbox, port
    finally:
        controller.stop()
        receiver.server.shutdown()


@pytest.fixture(scope="module")
def clinic(tmp_path_factory, relays):
    receiver, _mailbox, smtp_port = relays
    extra_env = {
        "NOTIFY_WEBHOOK_URL": receiver.url,
        "NOTIFY_WEBHOOK_SECRET": SECRET,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "SMTP_TO": "advisors@clinic.test",
        "OUTBOX_RETRY_SECONDS": "1",
        **ADVISORS_ALWAYS_ON,
        "CONSOLE_URL": "http://console.test",
        "CLINIC_CONTACT": "+41 00 000 00 00",
    }
    with running_assistant(
        tmp_path_factory, f"handoff-{uuid.uuid4().hex[:6]}", extra_env
    ) as running:
        yield running


def rows(database_url: str, table: str, conversation_id: str) -> list[dict]:
    with engine_for(database_url).connect() as connection:
        result = connection.execute(
            sa.text(f"SELECT * FROM {table} WHERE conversation_id = :c ORDER BY id"),  # noqa: S608
            {"c": conversation_id},
        )
        return [dict(r._mapping) for r in result]


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.2)


def fill_lead_form(chat: ChatClient, contact: str, channel: str) -> str:
    assert "Do you agree?" in chat.say("I'd like to talk to a real person")
    assert "What name" in chat.say("yes")
    assert "How can the advisor reach you" in chat.say("my name is Anna Meier")
    assert "How would you prefer" in chat.say(contact)
    assert "best time" in chat.say(channel)
    assert "which country" in chat.say("mornings")
    return chat.say("Switzerland")


def test_a_lead_is_handed_to_an_advisor_and_back(clinic, relays) -> None:
    receiver, mailbox, _ = relays
    settings = load_settings(clinic.env)
    chat = ChatClient(clinic.base_url)
    sid = chat.session_id
    try:
        done = fill_lead_form(chat, "anna.meier@example.com or +41 79 123 45 67", "whatsapp")
        assert "advisor has been notified" in done and "keep asking me" in done

        # Stored before anything is sent, with the consent behind it.
        [lead] = rows(clinic.database_url, "leads", sid)
        assert (lead["name"], lead["email"], lead["phone"]) == (
            "Anna Meier",
            "anna.meier@example.com",
            "+41791234567",
        )
        assert (lead["preferred_channel"], lead["contact_window"], lead["country"]) == (
            "whatsapp",
            "morning",
            "Switzerland",
        )
        assert lead["warmth"] == "warm" and "asked for a person" in lead["warmth_reasons"]
        [consent] = rows(clinic.database_url, "consents", sid)
        assert consent["text_version"] == "lead-consent-v1" and consent["withdrawn_at"] is None
        [handoff] = rows(clinic.database_url, "handoffs", sid)
        assert (handoff["status"], handoff["channel"]) == ("waiting", "socketio")

        # The webhook is signed; the email reaches the advisors' inbox.
        wait_until(lambda: all(r["delivered_at"] for r in rows(clinic.database_url, "outbox", sid)))
        [(headers, body)] = [(h, b) for h, b in receiver.requests if sid.encode() in b]
        assert verify(SECRET, headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])
        payload = json.loads(body)
        assert payload["lead"]["name"] == "Anna Meier"
        assert payload["conversation_url"] == f"http://console.test/conversations/{sid}"
        [mail] = [m for m in mailbox.messages if sid in m.get_content()]
        # The patient-typed name stays out of the headers.
        assert mail["Subject"] == f"New warm lead ({sid[:8]})"
        assert mail["To"] == "advisors@clinic.test"

        # Waiting is not live: the assistant keeps answering, emergencies included ...
        assert "7,000" in chat.say("What does it cost?")
        assert "112" in chat.say("I have crushing chest pain")
        assert rows(clinic.database_url, "safety_flags", sid)[0]["category"] == "chest_pain"
        # ... and says where a second request for a person stands.
        pending = chat.say("can I talk to a person?")
        assert "already with the clinic's medical advisors" in pending and "WhatsApp" in pending
        assert len(rows(clinic.database_url, "handoffs", sid)) == 1

        # The advisor replies in the patient's chat: a person has joined, the bot pauses.
        pushed = chat.after(
            lambda: reply(
                settings, sid, "Hello Anna, this is Dr. Weber from the clinic.", "Dr. Weber"
            )
        )
        assert response_text(ADVISOR_JOINED) in pushed and "this is Dr. Weber" in pushed
        # The widget is told who joined and who writes, to show it.
        joined = [m for m in chat.received if m.get("handoff") == "joined"]
        assert joined and all(m["advisor"] == "Dr. Weber" for m in joined)
        [written] = [m for m in chat.received if "this is Dr. Weber" in m.get("text", "")]
        assert written["advisor"] == "Dr. Weber" and "handoff" not in written
        assert rows(clinic.database_url, "handoffs", sid)[0]["status"] == "active"

        # Live: the assistant stays quiet, the message is kept for the advisor ...
        assert chat.say_unanswered("hello? is anyone there?") == []
        # ... but an emergency is still answered at once, and flagged.
        assert "112" in "\n".join(chat.say_unanswered("I can't breathe properly", wait=3.0))
        assert rows(clinic.database_url, "safety_flags", sid)[-1]["category"] == "breathing"
        # A restart does not hand the patient back to the bot behind the advisor's back.
        chat.say_unanswered("/restart", wait=1.0)
        assert chat.say_unanswered("are you still there?") == []
        status, tracker = clinic.request(
            "GET", f"/conversations/{sid}/tracker?include_events=ALL", token=clinic.token
        )
        user_texts = [e["text"] for e in tracker["events"] if e["event"] == "user"]
        assert "hello? is anyone there?" in user_texts and "are you still there?" in user_texts

        # Handed back: the assistant answers again.
        back = chat.after(lambda: handback(settings, sid, "called her, consultation booked"))
        assert response_text(HANDED_BACK) in back
        closed = rows(clinic.database_url, "handoffs", sid)[-1]
        assert (closed["status"], closed["note"]) == ("closed", "called her, consultation booked")
        assert "7,000" in chat.say("What does it cost?")

        # Asking again: the stored details are confirmed, not reused unseen, and the new
        # request reaches the advisors like the first one.
        confirm = chat.say("can I talk to a person again please")
        assert "Anna Meier" in confirm and "+41791234567" in confirm
        assert "advisor has been notified" in chat.say("yes")
        assert len(rows(clinic.database_url, "leads", sid)) == 1
        assert len(rows(clinic.database_url, "consents", sid)) == 1
        assert [h["status"] for h in rows(clinic.database_url, "handoffs", sid)] == [
            "closed",
            "waiting",
        ]
        events = [
            json.loads(r["payload"])["event"]
            if isinstance(r["payload"], str)
            else r["payload"]["event"]
            for r in rows(clinic.database_url, "outbox", sid)
        ]
        assert sorted(events) == ["lead.created"] * 2 + ["lead.returned"] * 2
    finally:
        chat.close()


def test_a_relay_that_is_down_delays_the_notification_and_loses_nothing(clinic, relays) -> None:
    receiver, _mailbox, _ = relays
    receiver.status = 503
    chat = ChatClient(clinic.base_url)
    sid = chat.session_id
    try:
        fill_lead_form(chat, "+44 20 7946 0958", "phone")

        def webhook() -> dict:
            outbox = rows(clinic.database_url, "outbox", sid)
            return next(r for r in outbox if r["kind"] == "webhook")

        wait_until(lambda: webhook()["attempts"] >= 2)
        assert webhook()["delivered_at"] is None and webhook()["last_error"] == "HTTP 503"
        assert rows(clinic.database_url, "leads", sid)[0]["phone"] == "+442079460958"
        receiver.status = 200
        wait_until(lambda: webhook()["delivered_at"] is not None, timeout=60)
        assert any(sid.encode() in body for _h, body in receiver.requests)
    finally:
        receiver.status = 200
        chat.close()


def test_without_consent_nothing_personal_is_stored(clinic) -> None:
    chat = ChatClient(clinic.base_url)
    sid = chat.session_id
    try:
        assert "Do you agree?" in chat.say("I want to speak to an advisor")
        answer = chat.say("no")
        assert "nothing has been stored" in answer and "+41 00 000 00 00" in answer
        # The assistant goes on answering; nothing about the person was asked or kept.
        assert "7,000" in chat.say("What does it cost?")
    finally:
        chat.close()
    for table in ("leads", "consents", "outbox", "handoffs"):
        assert rows(clinic.database_url, table, sid) == [], table


def test_a_patient_who_stops_waiting_is_back_with_the_assistant(clinic, relays) -> None:
    settings = load_settings(clinic.env)
    for live in (False, True):
        chat = ChatClient(clinic.base_url)
        sid = chat.session_id
        try:
            fill_lead_form(chat, "anna.meier@example.com", "email")
            if live:
                chat.after(lambda sid=sid: reply(settings, sid, "Hello, Dr. Weber here.", "Dr. W"))
                assert chat.say_unanswered("hm, actually") == []
            said = chat.say("stop waiting, I'd rather talk to the bot")
            assert "you're back with the automated assistant" in said
            [handoff] = rows(clinic.database_url, "handoffs", sid)
            assert handoff["status"] == "left"
            # The advisors are told, and the assistant answers again.
            wait_until(
                lambda sid=sid: any(
                    "handoff.left" in str(r["payload"]) and r["delivered_at"]
                    for r in rows(clinic.database_url, "outbox", sid)
                )
            )
            assert "7,000" in chat.say("What does it cost?")
        finally:
            chat.close()
        status, tracker = clinic.request(
            "GET", f"/conversations/{sid}/tracker?include_events=ALL", token=clinic.token
        )
        user_texts = [e["text"] for e in tracker["events"] if e["event"] == "user"]
        assert "stop waiting, I'd rather talk to the bot" in user_texts, live

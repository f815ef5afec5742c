"""Advisor notifications: signatures, the outbox, delivery to real local servers."""

from __future__ import annotations

import json
import logging
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from bot.leads.store import lead_json
from bot.notify.outbox import enqueue
from bot.notify.transports import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    email_text,
    send_email,
    sign,
    verify,
)
from bot.notify.worker import MAX_RETRY_SECONDS, deliver_due, retry_delay
from bot.settings import NotifySettings
from bot.store.db import session_scope
from bot.store.models import Lead, OutboxMessage

UTC = timezone.utc
SECRET = "a-long-shared-secret-0123456789"
RETRY = 5


def lead_payload(conversation_id: str = "conv-1") -> dict[str, Any]:
    """Shaped like ``bot.leads.store.save_lead`` builds it."""
    return {
        "event": "lead.created",
        "conversation_id": conversation_id,
        "conversation_url": f"http://console.example/conversations/{conversation_id}",
        "lead": {
            "id": 7,
            "name": "José Pérez",
            "email": "jose@example.com",
            "phone": "+41791234567",
            "preferred_channel": "phone",
            "contact_window": "morning",
            "country": "Switzerland",
            "warmth": "hot",
            "warmth_reasons": ["pre-check clear", "asked for a person"],
            "precheck_outcome": "clear",
            "untrusted": ["name", "country"],
        },
        "precheck_summary": "nothing reported",
    }


def free_port() -> int:
    """A port nobody listens on (right now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite gives back naive UTC datetimes."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


# --- local servers ------------------------------------------------------------------------


class Receiver:
    """A webhook receiver on 127.0.0.1 that records requests and answers ``status``."""

    def __init__(self) -> None:
        # An HTTP status, or a function of the request body giving one.
        self.status: int | Callable[[bytes], int] = 200
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers.items()), body))
                status = receiver.status
                self.send_response(status(body) if callable(status) else status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class Inbox:
    """aiosmtpd handler: keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[tuple[Any, EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope, parsed))
        return "250 OK"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def start_relay(port: int) -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox


@pytest.fixture
def relay() -> Iterator[tuple[int, Inbox]]:
    port = free_port()
    controller, inbox = start_relay(port)
    try:
        yield port, inbox
    finally:
        controller.stop()


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'outbox.db'}"


def webhook_settings(webhook_url: str) -> NotifySettings:
    return NotifySettings(webhook_url=webhook_url, webhook_secret=SECRET, retry_seconds=RETRY)


def email_settings(port: int) -> NotifySettings:
    return NotifySettings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_from="assistant@clinic.example",
        smtp_to="advisors@clinic.example",
        retry_seconds=RETRY,
    )


def queue(url: str, settings: NotifySettings, conversation_id: str = "conv-1") -> int:
    with session_scope(url) as session:
        return enqueue(session, conversation_id, lead_payload(conversation_id), settings)


def rows(url: str) -> list[OutboxMessage]:
    with session_scope(url) as session:
        return list(session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


# --- sign / verify ------------------------------------------------------------------------


def test_signature_has_a_fixed_format() -> None:
    signature = sign(SECRET, "1700000000", b'{"a": 1}')
    assert re.fullmatch(r"sha256=[0-9a-f]{64}", signature)
    assert sign(SECRET, "1700000000", b"") != signature


def test_verify_accepts_the_untouched_request() -> None:
    body = json.dumps(lead_payload()).encode()
    assert verify(SECRET, "1700000000", body, sign(SECRET, "1700000000", body))


@pytest.mark.parametrize(
    ("secret", "timestamp", "body"),
    [
        ("another-secret-of-16+chars", "1700000000", b'{"lead": "Anna"}'),  # wrong secret
        (SECRET, "1700000001", b'{"lead": "Anna"}'),  # replayed with a new timestamp
        (SECRET, "1700000000", b'{"lead": "Anne"}'),  # tampered body
    ],
)
def test_verify_refuses_any_change(secret: str, timestamp: str, body: bytes) -> None:
    signature = sign(SECRET, "1700000000", b'{"lead": "Anna"}')
    assert not verify(secret, timestamp, body, signature)


def test_verify_refuses_a_malformed_signature() -> None:
    body = b"{}"
    good = sign(SECRET, "1", body)
    assert not verify(SECRET, "1", body, good.removeprefix("sha256="))
    assert not verify(SECRET, "1", body, "")


# --- retry_delay --------------------------------------------------------------------------


def test_retry_delay_doubles_from_the_base() -> None:
    assert [retry_delay(n, 30).total_seconds() for n in range(1, 6)] == [30, 60, 120, 240, 480]


def test_retry_delay_is_capped_at_an_hour() -> None:
    assert MAX_RETRY_SECONDS == 3600
    assert retry_delay(7, 30) == timedelta(seconds=1920)
    assert retry_delay(8, 30) == timedelta(seconds=3600)
    assert retry_delay(50, 30) == timedelta(seconds=3600)


def test_retry_delay_before_any_failure_is_the_base() -> None:
    assert retry_delay(0, 30) == timedelta(seconds=30)


# --- enqueue ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "kinds"),
    [
        (NotifySettings(webhook_url="http://127.0.0.1:9/hook", webhook_secret=SECRET), ["webhook"]),
        (NotifySettings(smtp_host="127.0.0.1", smtp_to="advisors@clinic.example"), ["email"]),
        (
            NotifySettings(
                webhook_url="http://127.0.0.1:9/hook",
                webhook_secret=SECRET,
                smtp_host="127.0.0.1",
                smtp_to="advisors@clinic.example",
            ),
            ["webhook", "email"],
        ),
    ],
)
def test_enqueue_adds_one_row_per_configured_transport(url, settings, kinds) -> None:
    assert queue(url, settings) == len(kinds)
    stored = rows(url)
    assert [row.kind for row in stored] == kinds
    for row in stored:
        assert row.payload == lead_payload()
        assert row.conversation_id == "conv-1"
        assert (row.attempts, row.delivered_at) == (0, None)


def test_enqueue_without_transports_adds_nothing_and_warns(url, caplog) -> None:
    # An SMTP host without a recipient is not a transport either.
    settings = NotifySettings(smtp_host="127.0.0.1")
    with caplog.at_level(logging.WARNING, logger="bot.notify.outbox"):
        assert queue(url, settings) == 0
    assert rows(url) == []
    assert any(
        r.levelno == logging.WARNING and "no notification transport" in r.getMessage()
        for r in caplog.records
    )


# --- webhook delivery ---------------------------------------------------------------------


def test_webhook_delivers_the_signed_payload(url, receiver: Receiver) -> None:
    settings = webhook_settings(receiver.url)
    queue(url, settings)
    report = deliver_due(url, settings)
    assert (report.delivered, report.failed) == (1, 0)

    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    assert json.loads(body) == lead_payload()
    assert headers["Content-Type"] == "application/json"
    timestamp = headers[TIMESTAMP_HEADER]
    assert abs(int(timestamp) - time.time()) < 60
    assert verify(SECRET, timestamp, body, headers[SIGNATURE_HEADER])
    assert not verify("not-the-shared-secret", timestamp, body, headers[SIGNATURE_HEADER])

    (row,) = rows(url)
    assert row.delivered_at is not None
    assert row.attempts == 1
    assert row.last_error is None


def test_a_delivered_row_is_not_sent_again(url, receiver: Receiver) -> None:
    settings = webhook_settings(receiver.url)
    queue(url, settings)
    deliver_due(url, settings)
    report = deliver_due(url, settings, now=datetime.now(UTC) + timedelta(days=1))
    assert (report.delivered, report.failed) == (0, 0)
    assert len(receiver.requests) == 1


def test_a_failing_receiver_is_retried_after_the_pause(url, receiver: Receiver) -> None:
    settings = webhook_settings(receiver.url)
    queue(url, settings)
    receiver.status = 500
    now = datetime.now(UTC)

    report = deliver_due(url, settings, now=now)
    assert (report.delivered, report.failed) == (0, 1)
    (row,) = rows(url)
    assert row.delivered_at is None
    assert row.attempts == 1
    assert row.last_error == "HTTP 500"
    assert as_utc(row.next_attempt_at) == now + timedelta(seconds=RETRY)

    # Not due yet: nothing is sent.
    early = deliver_due(url, settings, now=now + timedelta(seconds=RETRY - 1))
    assert (early.delivered, early.failed) == (0, 0)
    assert len(receiver.requests) == 1

    # Due and still failing: the pause doubles.
    later = now + timedelta(seconds=RETRY + 1)
    assert deliver_due(url, settings, now=later).failed == 1
    (row,) = rows(url)
    assert row.attempts == 2
    assert as_utc(row.next_attempt_at) == later + timedelta(seconds=2 * RETRY)

    # The receiver is back.
    receiver.status = 200
    final = deliver_due(url, settings, now=later + timedelta(seconds=2 * RETRY))
    assert (final.delivered, final.failed) == (1, 0)
    (row,) = rows(url)
    assert row.delivered_at is not None
    assert row.attempts == 3
    assert len(receiver.requests) == 3
    # Every try carried the same payload.
    assert all(json.loads(body) == lead_payload() for _, body in receiver.requests)


def test_a_receiver_that_is_down_records_an_error_without_raising(url) -> None:
    settings = webhook_settings(f"http://127.0.0.1:{free_port()}/hook")
    queue(url, settings)
    now = datetime.now(UTC)
    report = deliver_due(url, settings, now=now)
    assert (report.delivered, report.failed) == (0, 1)
    (row,) = rows(url)
    assert row.delivered_at is None
    assert row.attempts == 1
    assert row.last_error  # the exception type, e.g. "URLError"
    assert as_utc(row.next_attempt_at) == now + timedelta(seconds=RETRY)


def test_one_failing_row_does_not_stop_the_others(url, receiver: Receiver) -> None:
    settings = webhook_settings(receiver.url)
    queue(url, settings, "conv-1")
    queue(url, settings, "conv-2")
    receiver.status = lambda body: 500 if json.loads(body)["conversation_id"] == "conv-1" else 200
    report = deliver_due(url, settings)
    assert (report.delivered, report.failed) == (1, 1)
    first, second = rows(url)
    assert (first.conversation_id, first.delivered_at, first.attempts) == ("conv-1", None, 1)
    assert second.conversation_id == "conv-2" and second.delivered_at is not None


# --- email delivery -----------------------------------------------------------------------


def test_email_reaches_the_advisors_inbox(url, relay) -> None:
    port, inbox = relay
    settings = email_settings(port)
    queue(url, settings)
    report = deliver_due(url, settings)
    assert (report.delivered, report.failed) == (1, 0)

    assert len(inbox.messages) == 1
    envelope, message = inbox.messages[0]
    assert envelope.mail_from == "assistant@clinic.example"
    assert envelope.rcpt_tos == ["advisors@clinic.example"]
    assert message["From"] == "assistant@clinic.example"
    assert message["To"] == "advisors@clinic.example"
    assert message["Subject"] == "New hot lead (conv-1)"
    body = message.get_content()
    assert "+41791234567" in body
    assert "jose@example.com" in body
    assert "Pre-check: nothing reported" in body
    assert "http://console.example/conversations/conv-1" in body
    assert "pre-check clear; asked for a person" in body

    (row,) = rows(url)
    assert row.delivered_at is not None
    assert row.attempts == 1


def test_email_without_precheck_or_phone_says_so(url, relay) -> None:
    port, inbox = relay
    settings = email_settings(port)
    payload = lead_payload()
    payload["lead"] = {**payload["lead"], "phone": None, "preferred_channel": "email"}
    payload["precheck_summary"] = None
    with session_scope(url) as session:
        enqueue(session, "conv-1", payload, settings)
    deliver_due(url, settings)
    body = inbox.messages[0][1].get_content()
    assert "Phone: -" in body
    assert "Pre-check: not done" in body


def test_a_relay_that_is_down_delays_the_email(url) -> None:
    port = free_port()
    settings = email_settings(port)
    queue(url, settings)
    now = datetime.now(UTC)

    report = deliver_due(url, settings, now=now)
    assert (report.delivered, report.failed) == (0, 1)
    (row,) = rows(url)
    assert row.delivered_at is None
    assert row.attempts == 1
    assert row.last_error  # e.g. "ConnectionRefusedError"
    assert as_utc(row.next_attempt_at) == now + timedelta(seconds=RETRY)

    controller, inbox = start_relay(port)
    try:
        # The relay is up, but the row waits for its pause.
        assert deliver_due(url, settings, now=now + timedelta(seconds=1)).delivered == 0
        assert inbox.messages == []
        report = deliver_due(url, settings, now=now + timedelta(seconds=RETRY))
        assert report.delivered == 1
        assert len(inbox.messages) == 1
    finally:
        controller.stop()
    (row,) = rows(url)
    assert row.delivered_at is not None
    assert row.attempts == 2


def test_webhook_and_email_are_delivered_independently(url, receiver: Receiver, relay) -> None:
    port, inbox = relay
    settings = NotifySettings(
        webhook_url=receiver.url,
        webhook_secret=SECRET,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_to="advisors@clinic.example",
        retry_seconds=RETRY,
    )
    queue(url, settings)
    receiver.status = 503
    report = deliver_due(url, settings)
    assert (report.delivered, report.failed) == (1, 1)
    assert len(inbox.messages) == 1
    webhook, email = rows(url)
    assert (webhook.kind, webhook.delivered_at, webhook.last_error) == ("webhook", None, "HTTP 503")
    assert email.kind == "email" and email.delivered_at is not None


def test_a_malformed_webhook_url_does_not_block_the_email(url, relay) -> None:
    port, inbox = relay
    settings = NotifySettings(
        webhook_url="hooks.clinic.example/lead",  # the scheme was forgotten
        webhook_secret=SECRET,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_to="advisors@clinic.example",
        retry_seconds=RETRY,
    )
    queue(url, settings)
    report = deliver_due(url, settings)
    assert (report.delivered, report.failed) == (1, 1)
    assert len(inbox.messages) == 1
    webhook, _ = rows(url)
    assert webhook.attempts == 1 and webhook.last_error


# --- leases: each row is sent by one pass at a time -------------------------------------

DELIVERY_HEADER = "X-Assistant-Delivery"


class Crash(BaseException):
    """A worker process that dies mid-send (killed, power cut): nothing in it runs on."""


def lease_seconds() -> int:
    import bot.notify.worker as worker

    return worker.LEASE_SECONDS


def sent_conversations(receiver: Receiver) -> list[str]:
    return [json.loads(body)["conversation_id"] for _, body in receiver.requests]


def test_two_concurrent_passes_deliver_each_row_exactly_once(url, receiver: Receiver) -> None:
    settings = webhook_settings(receiver.url)
    conversations = [f"conv-{n:02d}" for n in range(12)]
    for conversation_id in conversations:
        queue(url, settings, conversation_id)

    def slow(_body: bytes) -> int:
        # A receiver that takes its time keeps the window between read and send open.
        time.sleep(0.05)
        return 200

    receiver.status = slow
    start = threading.Barrier(2)
    reports: list[Any] = []
    errors: list[BaseException] = []

    def one_pass() -> None:
        start.wait(timeout=10)
        try:
            reports.append(deliver_due(url, settings))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=one_pass) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(sent_conversations(receiver)) == conversations
    assert sum(report.delivered for report in reports) == len(conversations)
    for row in rows(url):
        assert (row.status, row.attempts) == ("delivered", 1)
        assert row.delivered_at is not None


def test_a_row_another_pass_is_sending_is_not_sent_again(url, receiver: Receiver) -> None:
    settings = webhook_settings(receiver.url)
    queue(url, settings)
    arrived, release = threading.Event(), threading.Event()

    def hold(_body: bytes) -> int:
        arrived.set()
        release.wait(timeout=10)
        return 200

    receiver.status = hold
    first: list[Any] = []
    sending = threading.Thread(target=lambda: first.append(deliver_due(url, settings)))
    sending.start()
    try:
        assert arrived.wait(timeout=10)
        second = deliver_due(url, settings)
        assert (second.delivered, second.failed) == (0, 0)
        assert len(receiver.requests) == 1
    finally:
        release.set()
        sending.join(timeout=30)
    assert first[0].delivered == 1
    (row,) = rows(url)
    assert (row.status, row.attempts) == ("delivered", 1)


def test_a_row_whose_worker_died_mid_send_is_retried_when_the_lease_expires(
    url, receiver: Receiver, monkeypatch
) -> None:
    from bot.notify.transports import SENDERS

    settings = webhook_settings(receiver.url)
    queue(url, settings)

    def die(*_args: Any) -> None:
        raise Crash

    monkeypatch.setitem(SENDERS, "webhook", die)
    now = datetime.now(UTC)
    with pytest.raises(Crash):
        deliver_due(url, settings, now=now)
    monkeypatch.undo()

    # The next pass comes while the dead worker's lease still runs: it might be sending.
    early = deliver_due(url, settings, now=now + timedelta(seconds=30))
    assert (early.delivered, early.failed) == (0, 0)
    assert receiver.requests == []

    late = deliver_due(url, settings, now=now + timedelta(seconds=lease_seconds() + 1))
    assert (late.delivered, late.failed) == (1, 0)
    assert len(receiver.requests) == 1
    (row,) = rows(url)
    assert (row.status, row.attempts) == ("delivered", 1)


def test_a_lost_result_after_a_successful_send_does_not_resend_at_once(
    url, receiver: Receiver
) -> None:
    import contextlib

    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    settings = webhook_settings(receiver.url)
    queue(url, settings, "conv-1")
    queue(url, settings, "conv-2")
    failed_commits: list[bool] = []

    def fail_first_commit_after_a_send(_session: Session) -> None:
        if receiver.requests and not failed_commits:
            failed_commits.append(True)
            raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    now = datetime.now(UTC)
    event.listen(Session, "before_commit", fail_first_commit_after_a_send)
    try:
        # A pass may give up on the error; the next one must still not send twice.
        with contextlib.suppress(OperationalError):
            deliver_due(url, settings, now=now)
        deliver_due(url, settings, now=now + timedelta(seconds=2))
    finally:
        event.remove(Session, "before_commit", fail_first_commit_after_a_send)
    assert failed_commits == [True]
    assert sorted(sent_conversations(receiver)) == ["conv-1", "conv-2"]

    # Once the lease is over the row is sent again, under the same delivery id.
    deliver_due(url, settings, now=now + timedelta(seconds=lease_seconds() + 1))
    assert sent_conversations(receiver) == ["conv-1", "conv-2", "conv-1"]
    first, _, again = receiver.requests
    assert again[0][DELIVERY_HEADER] == first[0][DELIVERY_HEADER]
    assert [row.status for row in rows(url)] == ["delivered", "delivered"]


# --- delivery ids: receivers can drop a repeated notification ---------------------------


def test_every_try_of_a_webhook_carries_the_rows_delivery_id(url, receiver: Receiver) -> None:
    settings = webhook_settings(receiver.url)
    queue(url, settings, "conv-1")
    queue(url, settings, "conv-2")
    receiver.status = lambda body: 500 if json.loads(body)["conversation_id"] == "conv-1" else 200
    now = datetime.now(UTC)
    deliver_due(url, settings, now=now)
    receiver.status = 200
    assert deliver_due(url, settings, now=now + timedelta(seconds=RETRY)).delivered == 1

    assert sent_conversations(receiver) == ["conv-1", "conv-2", "conv-1"]
    ids = [headers[DELIVERY_HEADER] for headers, _ in receiver.requests]
    first, second = rows(url)
    assert ids == [first.delivery_id, second.delivery_id, first.delivery_id]
    assert first.delivery_id and first.delivery_id != second.delivery_id
    # The header is outside the signed string: the signature format stays as documented.
    headers, body = receiver.requests[2]
    assert verify(SECRET, headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])


class FlakyInbox(Inbox):
    """Refuses the first message with a temporary error (after reading it), then accepts."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await super().handle_DATA(server, session, envelope)
        return "250 OK" if len(self.messages) > 1 else "451 4.3.0 try again later"


@pytest.mark.parametrize(
    ("smtp_from", "domain"),
    [
        ("assistant@clinic.example", "clinic.example"),
        ("Clinic Assistant <assistant@mail.clinic.example>", "mail.clinic.example"),
        ("assistant", "localhost"),
    ],
)
def test_every_try_of_an_email_has_the_same_message_id(url, smtp_from: str, domain: str) -> None:
    port = free_port()
    inbox = FlakyInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = NotifySettings(
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_from=smtp_from,
            smtp_to="advisors@clinic.example",
            retry_seconds=RETRY,
        )
        queue(url, settings)
        now = datetime.now(UTC)
        assert deliver_due(url, settings, now=now).failed == 1
        assert deliver_due(url, settings, now=now + timedelta(seconds=RETRY)).delivered == 1
    finally:
        controller.stop()
    (row,) = rows(url)
    assert [message["Message-ID"] for _, message in inbox.messages] == [
        f"<outbox-{row.delivery_id}@{domain}>"
    ] * 2


# --- retry limit and dead letters -------------------------------------------------------

PERSONAL = ("José", "Pérez", "jose@example.com", "+41791234567", "Switzerland")


def worker_errors(caplog) -> list[logging.LogRecord]:
    return [
        r for r in caplog.records if r.name == "bot.notify.worker" and r.levelno == logging.ERROR
    ]


def test_outbox_max_attempts_is_read_from_the_environment() -> None:
    from bot.settings import load_settings

    assert load_settings({}).notify.max_attempts == 8
    assert load_settings({"OUTBOX_MAX_ATTEMPTS": "3"}).notify.max_attempts == 3
    for bad in ("0", "-1", "three"):
        with pytest.raises(ValueError, match="OUTBOX_MAX_ATTEMPTS"):
            load_settings({"OUTBOX_MAX_ATTEMPTS": bad})


def test_a_row_is_dead_lettered_after_its_last_attempt(url, receiver: Receiver, caplog) -> None:
    settings = NotifySettings(
        webhook_url=receiver.url, webhook_secret=SECRET, retry_seconds=RETRY, max_attempts=3
    )
    queue(url, settings)
    receiver.status = 500
    now = datetime.now(UTC)
    with caplog.at_level(logging.INFO):
        for attempt in range(3):
            report = deliver_due(url, settings, now=now + timedelta(hours=attempt))
            assert (report.delivered, report.failed) == (0, 1)
        assert report.dead == 1
        # Dead rows stay for staff to see, and are never tried again.
        later = deliver_due(url, settings, now=now + timedelta(days=30))
    assert (later.delivered, later.failed, later.dead) == (0, 0, 0)
    assert len(receiver.requests) == 3
    (row,) = rows(url)
    assert (row.status, row.attempts, row.delivered_at) == ("dead", 3, None)
    assert row.last_error == "HTTP 500"

    (error,) = worker_errors(caplog)
    message = error.getMessage()
    assert str(row.id) in message and "webhook" in message and "DeliveryError" in message
    assert not any(word in r.getMessage() for r in caplog.records for word in PERSONAL)


@pytest.mark.parametrize(
    ("broken", "error_class"),
    [
        ({"lead": None}, "TypeError"),  # formatter indexes None
        ({"conversation_url": None, "lead": {"name": "José Pérez"}}, "KeyError"),
        (
            {"lead": {**lead_payload()["lead"], "warmth_reasons": None}},
            "TypeError",
        ),
    ],
)
def test_a_payload_the_email_cannot_render_is_dead_lettered_at_once(
    url, relay, caplog, broken: dict[str, Any], error_class: str
) -> None:
    port, inbox = relay
    settings = email_settings(port)
    with session_scope(url) as session:
        enqueue(session, "conv-1", {**lead_payload(), **broken}, settings)
    now = datetime.now(UTC)
    with caplog.at_level(logging.INFO):
        report = deliver_due(url, settings, now=now)
        assert (report.delivered, report.failed, report.dead) == (0, 1, 1)
        later = deliver_due(url, settings, now=now + timedelta(days=1))
    assert (later.delivered, later.failed) == (0, 0)
    assert inbox.messages == []
    (row,) = rows(url)
    assert (row.status, row.attempts, row.last_error) == ("dead", 1, error_class)

    (error,) = worker_errors(caplog)
    message = error.getMessage()
    assert str(row.id) in message and "email" in message and error_class in message
    assert not any(word in r.getMessage() for r in caplog.records for word in PERSONAL)


# --- one worker per SQLite file ---------------------------------------------------------


def _start_worker(database_url: str) -> Any:
    import os
    import subprocess
    import sys

    from bot.settings import PROJECT_ROOT

    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "DATABASE_URL": database_url,
        "NOTIFY_WEBHOOK_URL": "",
        "SMTP_HOST": "",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot.notify.worker", "--interval", "0.5"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for_line(process: Any, needle: str, timeout: float) -> str:
    import selectors

    seen = ""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if selector.select(timeout=0.2):
                line = process.stdout.readline()
                if not line:
                    break
                seen += line
                if needle in line:
                    return seen
    raise AssertionError(f"no {needle!r} within {timeout} s; output: {seen!r}")


def test_a_second_worker_on_the_same_sqlite_file_exits_at_once(tmp_path) -> None:
    database = tmp_path / "assistant.db"
    lock = f"{database.resolve()}.worker.lock"  # next to the database file
    first = _start_worker(f"sqlite:///{database}")
    second = None
    try:
        _wait_for_line(first, "outbox worker running", timeout=30)
        started = time.monotonic()
        second = _start_worker(f"sqlite:///{database}")
        output, _ = second.communicate(timeout=30)
        assert second.returncode != 0
        assert lock in output
        assert "another outbox worker" in output
        assert time.monotonic() - started < 15
        assert first.poll() is None  # the first one keeps working
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=10)
            if process is not None and process.stdout is not None:
                process.stdout.close()
    assert first.returncode == 0  # SIGTERM ends it cleanly


# --- transport security and patient-typed text ---------------------------------------------


class RecordingSMTP:
    """Stands in for ``smtplib.SMTP``: records the calls instead of talking to a relay."""

    calls: list[tuple[str, Any]] = []

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.calls.append(("connect", (host, port)))

    def __enter__(self) -> RecordingSMTP:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def starttls(self, context: Any = None) -> None:
        self.calls.append(("starttls", context))

    def login(self, user: str, password: str) -> None:
        self.calls.append(("login", user))

    def send_message(self, message: EmailMessage) -> None:
        self.calls.append(("send", message))


@pytest.fixture
def recording_smtp(monkeypatch) -> list[tuple[str, Any]]:
    calls: list[tuple[str, Any]] = []
    monkeypatch.setattr(RecordingSMTP, "calls", calls)
    monkeypatch.setattr("bot.notify.transports.smtplib.SMTP", RecordingSMTP)
    return calls


def test_starttls_verifies_the_relays_certificate_and_name(recording_smtp) -> None:
    settings = NotifySettings(
        smtp_host="mail.clinic.example",
        smtp_port=587,
        smtp_starttls=True,
        smtp_user="assistant",
        smtp_password="secret",
        smtp_to="advisors@clinic.example",
    )
    send_email(lead_payload(), settings, "delivery-1")
    steps = [name for name, _ in recording_smtp]
    # The password goes out only inside the verified TLS session.
    assert steps == ["connect", "starttls", "login", "send"]
    context = recording_smtp[1][1]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname


def test_the_lead_says_which_of_its_fields_the_patient_typed() -> None:
    lead = Lead(
        id=7,
        conversation_id="conv-1",
        name="<img src=x onerror=alert(1)> Anna",
        email="anna@example.com",
        phone=None,
        preferred_channel="email",
        contact_window="morning",
        country="Switzerland</td>",
        warmth="warm",
        warmth_reasons=["asked for a person"],
        precheck_outcome=None,
    )
    data = lead_json(lead)
    assert data["untrusted"] == ["name", "country"]
    # Kept as typed: escaping is each renderer's job, for its own format.
    assert data["name"] == "<img src=x onerror=alert(1)> Anna"
    assert data["country"] == "Switzerland</td>"
    assert all(field in data for field in data["untrusted"])
    assert json.loads(json.dumps(data)) == data


def test_the_email_subject_names_no_patient_typed_text(url, relay) -> None:
    port, inbox = relay
    settings = email_settings(port)
    payload = lead_payload("3f2b1c9e-8d3e-4f21-a1b2-0c9d8e7f6a5b")
    payload["lead"] = {**payload["lead"], "name": "Anna =?utf-8?q?Bcc=3A?= Meier"}
    with session_scope(url) as session:
        enqueue(session, payload["conversation_id"], payload, settings)
    assert deliver_due(url, settings).delivered == 1
    (_envelope, message) = inbox.messages[0]
    assert message["Subject"] == "New hot lead (3f2b1c9e)"
    for header, value in message.items():
        assert "Anna" not in value and "Switzerland" not in value, header
    body = message.get_content()
    assert "Name: Anna =?utf-8?q?Bcc=3A?= Meier" in body
    assert "Country: Switzerland" in body


@pytest.mark.parametrize(
    "conversation_id", ["evil\r\nBcc: someone@example.com", "\n\n", "Ä😀<x>"]
)
def test_a_strange_conversation_id_cannot_shape_the_subject(conversation_id: str) -> None:
    subject, _body = email_text(lead_payload(conversation_id))
    assert re.fullmatch(r"New hot lead \((?:[A-Za-z0-9_-]{1,8}|-)\)", subject), subject

"""Advisor notifications through the outbox: a signed JSON webhook and/or an email.

The lead and its outbox rows are committed in one transaction before anything is sent
(``bot.leads.store``); a worker (``python -m bot.notify.worker``, started by ``make run``) then
delivers due rows and retries failures with a doubling pause. A relay that is down
delays a notification; it never loses the lead.

Webhook requests carry ``X-Assistant-Timestamp`` and ``X-Assistant-Signature:
sha256=<hex>``, the HMAC-SHA256 of ``"<timestamp>.<body>"`` with the shared secret, so
the receiver can check origin, integrity and freshness.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import logging
import signal
import smtplib
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.privacy.log_redaction import install as install_log_redaction
from bot.settings import NotifySettings, load_settings
from bot.store.db import session_scope
from bot.store.models import OutboxMessage

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Assistant-Signature"
TIMESTAMP_HEADER = "X-Assistant-Timestamp"
MAX_RETRY_SECONDS = 3600
SEND_TIMEOUT_SECONDS = 10
BATCH = 50


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does: recompute and compare in constant time."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def retry_delay(attempts: int, base_seconds: int) -> timedelta:
    """Pause before the next try after ``attempts`` failed ones."""
    return timedelta(seconds=min(MAX_RETRY_SECONDS, base_seconds * 2 ** max(0, attempts - 1)))


def enqueue(
    session: Session, conversation_id: str, payload: dict[str, Any], settings: NotifySettings
) -> int:
    """Add one outbox row per configured transport; returns how many."""
    kinds = [
        k
        for k, on in (("webhook", settings.webhook_enabled), ("email", settings.email_enabled))
        if on
    ]
    if not kinds:
        # The lead is stored and visible to staff; only the push is missing.
        logger.warning("no notification transport configured (NOTIFY_WEBHOOK_URL / SMTP_HOST)")
    for kind in kinds:
        session.add(OutboxMessage(conversation_id=conversation_id, kind=kind, payload=payload))
    return len(kinds)


class DeliveryError(Exception):
    """A notification could not be delivered this time (the text is safe to log)."""


def _send_webhook(payload: dict[str, Any], settings: NotifySettings) -> None:
    body = json.dumps(payload, sort_keys=True).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        settings.webhook_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(settings.webhook_secret, timestamp, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=SEND_TIMEOUT_SECONDS) as response:
            if not 200 <= response.status < 300:
                raise DeliveryError(f"HTTP {response.status}")
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        # ValueError: a malformed URL; it must not stop the other notifications.
        raise DeliveryError(type(exc).__name__) from None


def email_text(payload: dict[str, Any]) -> tuple[str, str]:
    """Subject and body of the advisors' email."""
    lead = payload["lead"]
    subject = f"New {lead['warmth']} lead: {lead['name']}"
    lines = [
        f"A patient asked to be contacted ({lead['warmth']}: {'; '.join(lead['warmth_reasons'])}).",
        "",
        f"Name: {lead['name']}",
        f"Email: {lead.get('email') or '-'}",
        f"Phone: {lead.get('phone') or '-'}",
        f"Preferred channel: {lead['preferred_channel']}, {lead['contact_window']}",
        f"Country: {lead['country']}",
        "",
        f"Pre-check: {payload.get('precheck_summary') or 'not done'}",
        "",
        f"Conversation: {payload['conversation_url']}",
    ]
    return subject, "\n".join(lines)


def _send_email(payload: dict[str, Any], settings: NotifySettings) -> None:
    subject, text = email_text(payload)
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = settings.smtp_to
    message["Subject"] = subject
    message.set_content(text)
    try:
        with smtplib.SMTP(
            settings.smtp_host, settings.smtp_port, timeout=SEND_TIMEOUT_SECONDS
        ) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(type(exc).__name__) from None


_SENDERS = {"webhook": _send_webhook, "email": _send_email}


@dataclass(frozen=True)
class DeliveryReport:
    """One pass of the worker."""

    delivered: int
    failed: int


def deliver_due(
    database_url: str, settings: NotifySettings, now: datetime | None = None
) -> DeliveryReport:
    """Try every due notification once; each row in its own transaction."""
    now = now or datetime.now(timezone.utc)
    with session_scope(database_url) as session:
        due = list(
            session.execute(
                select(OutboxMessage.id)
                .where(OutboxMessage.delivered_at.is_(None), OutboxMessage.next_attempt_at <= now)
                .order_by(OutboxMessage.id)
                .limit(BATCH)
            ).scalars()
        )
    delivered = failed = 0
    for row_id in due:
        with session_scope(database_url) as session:
            row = session.get(OutboxMessage, row_id, with_for_update={"skip_locked": True})
            if row is None or row.delivered_at is not None:
                continue
            try:
                _SENDERS[row.kind](row.payload, settings)
            except Exception as exc:  # noqa: BLE001 - one bad row must not block the rest
                if not isinstance(exc, DeliveryError):
                    exc = DeliveryError(type(exc).__name__)
                row.attempts += 1
                row.last_error = str(exc)[:200]
                row.next_attempt_at = now + retry_delay(row.attempts, settings.retry_seconds)
                failed += 1
                logger.warning("notification %d (%s) failed: %s", row.id, row.kind, exc)
            else:
                row.attempts += 1
                row.delivered_at = datetime.now(timezone.utc)
                delivered += 1
    return DeliveryReport(delivered, failed)


def main(argv: list[str] | None = None) -> int:
    """``python -m bot.notify.worker [--once]``: deliver due notifications, every few seconds."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--once", action="store_true", help="one pass, then exit")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between passes")
    args = parser.parse_args(argv)
    install_log_redaction()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = load_settings()
    stopping = False

    def _stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    while True:
        try:
            deliver_due(settings.database_url, settings.notify)
        except Exception as exc:  # noqa: BLE001 - the worker must outlive a bad pass
            logger.error("outbox pass failed: %s", type(exc).__name__)
        if args.once or stopping:
            return 0
        deadline = time.monotonic() + args.interval
        while not stopping and time.monotonic() < deadline:
            time.sleep(0.2)


if __name__ == "__main__":
    raise SystemExit(main())

"""How a notification reaches the advisors: a signed JSON webhook or an email over SMTP.

Webhook requests carry ``X-Assistant-Timestamp`` and ``X-Assistant-Signature:
sha256=<hex>``, the HMAC-SHA256 of ``"<timestamp>.<body>"`` with the shared secret, so
the receiver can check origin, integrity and freshness.

The lead's ``untrusted`` list names the fields the patient typed (name, country): a
renderer escapes them, and the email keeps them out of its headers.

Every try of one outbox row carries the same delivery id (``X-Assistant-Delivery`` on
the webhook, the email's ``Message-ID``): delivery is at least once, so a receiver that
already has that id can drop the repeat.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

from bot.settings import NotifySettings

SIGNATURE_HEADER = "X-Assistant-Signature"
TIMESTAMP_HEADER = "X-Assistant-Timestamp"
DELIVERY_HEADER = "X-Assistant-Delivery"
SEND_TIMEOUT_SECONDS = 10
# How much of the conversation id the subject shows: enough to tell leads apart.
SUBJECT_ID_CHARS = 8


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does: recompute and compare in constant time."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


class DeliveryError(Exception):
    """A notification could not be delivered this time (the text is safe to log)."""


def send_webhook(payload: dict[str, Any], settings: NotifySettings, delivery_id: str) -> None:
    """POST the signed payload; DeliveryError if the receiver did not take it."""
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
            DELIVERY_HEADER: delivery_id,
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
    # Clients choose conversation ids, so only plain characters of it reach the header.
    conversation = re.sub(r"[^A-Za-z0-9_-]", "", str(payload["conversation_id"]))
    if payload.get("event") == "handoff.left":
        return _left_text(payload, lead, conversation[:SUBJECT_ID_CHARS] or "-")
    subject = f"New {lead['warmth']} lead ({conversation[:SUBJECT_ID_CHARS] or '-'})"
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


def _left_text(
    payload: dict[str, Any], lead: dict[str, Any] | None, conversation: str
) -> tuple[str, str]:
    lines = [
        "The patient no longer waits for an advisor and went back to the automated "
        f"assistant (the handoff was {payload.get('handoff_status', 'open')}).",
        "",
        f"Name: {lead['name'] if lead else '-'}",
        "",
        f"Conversation: {payload['conversation_url']}",
    ]
    return f"Patient left the advisor queue ({conversation})", "\n".join(lines)


def message_id(delivery_id: str, smtp_from: str) -> str:
    """The email's Message-ID: the same on every try, in the sender's domain."""
    _, address = parseaddr(smtp_from)
    domain = address.rpartition("@")[2] if "@" in address else ""
    return f"<outbox-{delivery_id}@{domain or 'localhost'}>"


def send_email(payload: dict[str, Any], settings: NotifySettings, delivery_id: str) -> None:
    """Mail the advisors; DeliveryError if the relay did not take it.

    A payload the text cannot be made from raises KeyError/TypeError: a bug, not a
    delivery problem, so the worker gives that row up instead of retrying it.
    """
    subject, text = email_text(payload)
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = settings.smtp_to
    message["Subject"] = subject
    message["Message-ID"] = message_id(delivery_id, settings.smtp_from)
    message.set_content(text)
    try:
        with smtplib.SMTP(
            settings.smtp_host, settings.smtp_port, timeout=SEND_TIMEOUT_SECONDS
        ) as smtp:
            if settings.smtp_starttls:
                # smtplib's default context checks neither certificate nor host name.
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(type(exc).__name__) from None


Sender = Callable[[dict[str, Any], NotifySettings, str], None]

# Senders raise DeliveryError for whatever a later try may not meet (relay down, HTTP
# error, bad URL); any other exception is a bug in the row or the code.
SENDERS: dict[str, Sender] = {"webhook": send_webhook, "email": send_email}

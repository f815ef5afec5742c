"""How a notification reaches the advisors: a signed JSON webhook or an email over SMTP.

Webhook requests carry ``X-Assistant-Timestamp`` and ``X-Assistant-Signature:
sha256=<hex>``, the HMAC-SHA256 of ``"<timestamp>.<body>"`` with the shared secret, so
the receiver can check origin, integrity and freshness.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import time
import urllib.error
import urllib.request
from email.message import EmailMessage
from typing import Any

from bot.settings import NotifySettings

SIGNATURE_HEADER = "X-Assistant-Signature"
TIMESTAMP_HEADER = "X-Assistant-Timestamp"
SEND_TIMEOUT_SECONDS = 10


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does: recompute and compare in constant time."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


class DeliveryError(Exception):
    """A notification could not be delivered this time (the text is safe to log)."""


def send_webhook(payload: dict[str, Any], settings: NotifySettings) -> None:
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


def send_email(payload: dict[str, Any], settings: NotifySettings) -> None:
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


SENDERS = {"webhook": send_webhook, "email": send_email}

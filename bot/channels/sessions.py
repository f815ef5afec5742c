"""Server-issued, signed session ids for the web widget.

Rasa's socket.io channel takes whatever ``session_id`` a browser sends as the
conversation id, so anyone who guesses or copies an id could continue, read or erase
another patient's chat. Here the server issues the id: the browser holds a token
``<conversation id>.<HMAC of it>`` and a token that does not verify (invented, altered,
signed with another key) gets a fresh conversation instead.

The key comes from WIDGET_SESSION_SECRET. Without it a random key is created once
under var/ (readable by its owner only), so that a restart keeps visitors'
conversations; several Rasa servers behind a load balancer need the same secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from bot.settings import PROJECT_ROOT

KEY_FILE = PROJECT_ROOT / "var" / "secrets" / "widget-session.key"
# Web conversations are recognisable in the logs and the console by this prefix.
CONVERSATION_PREFIX = "web-"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class SessionSigner:
    """Issues and verifies the widget's session tokens."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("the session key must be at least 32 bytes")
        self._key = key

    def _signature(self, conversation_id: str) -> str:
        return _b64(hmac.new(self._key, conversation_id.encode(), hashlib.sha256).digest())

    def issue(self) -> tuple[str, str]:
        """A new conversation id and the token that proves it."""
        conversation_id = CONVERSATION_PREFIX + secrets.token_urlsafe(18)
        return conversation_id, f"{conversation_id}.{self._signature(conversation_id)}"

    def verify(self, token: object) -> str | None:
        """The conversation id a token proves, or None for anything else."""
        if not isinstance(token, str) or len(token) > 200:
            return None
        conversation_id, dot, signature = token.rpartition(".")
        if not dot or not conversation_id.startswith(CONVERSATION_PREFIX):
            return None
        # compare_digest: the time taken must not tell how much of a forgery was right.
        if hmac.compare_digest(signature.encode(), self._signature(conversation_id).encode()):
            return conversation_id
        return None


def session_key(configured: str, key_file: Path = KEY_FILE) -> bytes:
    """The configured secret, or the key kept in ``key_file`` (created on first use)."""
    if configured:
        return configured.encode()
    try:
        return bytes.fromhex(key_file.read_text().strip())
    except FileNotFoundError:
        pass
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    # O_EXCL: two servers starting at once must not write two different keys.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(key_file.read_text().strip())
    with os.fdopen(fd, "w") as handle:
        handle.write(key.hex())
    return key

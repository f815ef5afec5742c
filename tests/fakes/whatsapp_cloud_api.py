"""A fake of Meta's WhatsApp Business Cloud API on loopback, for the channel's tests.

It speaks the real API's HTTP shape (developers.facebook.com/docs/whatsapp/cloud-api):
``POST /{version}/{phone_number_id}/messages`` with ``Authorization: Bearer <token>``
and a JSON message, answered ``{"messaging_product": "whatsapp", "contacts": [{"input",
"wa_id"}], "messages": [{"id": "wamid..."}]}``; a wrong token gets 401 with Meta's
error shape (``OAuthException``, code 190), a message breaking the documented limits
400 (code 100), and the tests can make the next calls fail (``fail_next``), e.g. with
131047 "Re-engagement message" or a 500. Every accepted call is recorded, thread-safely.

``signed(app_secret, payload)`` and the ``*_notification`` builders make webhook bodies
exactly as Meta sends them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DISPLAY_NUMBER = "41445550000"


@dataclass(frozen=True)
class Call:
    """One message the fake accepted (or was told to fail)."""

    path: str
    body: dict[str, Any]
    message_id: str | None  # the wamid answered, None for a failed call

    @property
    def to(self) -> str:
        return str(self.body.get("to"))

    @property
    def kind(self) -> str:
        """text, or the interactive type (button, list), or another message type."""
        if self.body.get("type") == "interactive":
            return str(self.body["interactive"].get("type"))
        return str(self.body.get("type"))

    @property
    def text(self) -> str:
        """What the patient reads first: the text, or an interactive message's body."""
        if self.body.get("type") == "text":
            return str(self.body["text"]["body"])
        if self.body.get("type") == "interactive":
            return str(self.body["interactive"]["body"]["text"])
        return ""

    @property
    def options(self) -> list[dict[str, str]]:
        """An interactive message's buttons (``reply``) or list rows."""
        if self.body.get("type") != "interactive":
            return []
        action = self.body["interactive"]["action"]
        if "buttons" in action:
            return [button["reply"] for button in action["buttons"]]
        return [row for section in action["sections"] for row in section["rows"]]


def _error(message: str, code: int, kind: str = "OAuthException", **extra: Any) -> dict:
    return {
        "error": {
            "message": message,
            "type": kind,
            "code": code,
            **extra,
            "fbtrace_id": secrets.token_urlsafe(12),
        }
    }


# The failures a test can ask for: HTTP status and Meta's error body.
FAILURES: dict[str, tuple[int, dict[str, Any]]] = {
    "re-engagement": (
        400,
        _error(
            "(#131047) Re-engagement message",
            131047,
            error_data={
                "messaging_product": "whatsapp",
                "details": "Message failed to send because more than 24 hours have passed"
                " since the customer last replied to this number.",
            },
        ),
    ),
    "server": (500, _error("An unexpected error has occurred.", 2, "OAuthException")),
}


class FakeCloudApi:
    """The Cloud API for one phone number id and access token; ``url`` is the API base."""

    def __init__(self, access_token: str, phone_number_id: str, version: str = "v21.0") -> None:
        self.access_token = access_token
        self.phone_number_id = phone_number_id
        self.version = version
        self.calls: list[Call] = []
        self.refused: list[tuple[int, dict[str, Any]]] = []  # (status, body) of 401/400s
        self._failures: list[str] = []
        self._lock = threading.Condition()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = fake._answer(
                    self.path, self.headers.get("Authorization") or "", raw
                )
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> FakeCloudApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> FakeCloudApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- What the tests control and read --------------------------------------------------

    def fail_next(self, failure: str = "server", times: int = 1) -> None:
        """The next ``times`` messages fail (a key of ``FAILURES``)."""
        with self._lock:
            self._failures.extend([failure] * times)

    def sent_to(self, to: str) -> list[Call]:
        """The accepted calls to ``to`` (a number, with or without "+"), in order."""
        number = to.lstrip("+")
        with self._lock:
            return [c for c in self.calls if c.to == number and c.message_id]

    def wait_for(
        self,
        to: str,
        count: int = 1,
        where: Callable[[Call], bool] | None = None,
        timeout: float = 30.0,
    ) -> list[Call]:
        """At least ``count`` accepted calls to ``to`` (matching ``where``), waiting for them."""
        deadline = time.monotonic() + timeout
        number = to.lstrip("+")
        with self._lock:
            while True:
                found = [
                    c
                    for c in self.calls
                    if c.to == number and c.message_id and (where is None or where(c))
                ]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"{len(found)} of {count} messages to the patient after {timeout}s;"
                        f" received: {[(c.kind, c.text[:40]) for c in self.calls]}"
                    )
                self._lock.wait(left)

    def settled(self, quiet: float = 1.0) -> None:
        """Wait until no call has come for ``quiet`` seconds."""
        seen = -1
        while True:
            with self._lock:
                if len(self.calls) == seen:
                    return
                seen = len(self.calls)
            time.sleep(quiet)

    # -- The API -----------------------------------------------------------------------

    def _answer(self, path: str, authorization: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        if path.split("?", 1)[0] != f"/{self.version}/{self.phone_number_id}/messages":
            return 400, _error(
                "Unsupported post request. Object does not exist.", 100, "GraphMethodException"
            )
        scheme, _, token = authorization.partition(" ")
        if scheme != "Bearer" or not hmac.compare_digest(
            token.encode(), self.access_token.encode()
        ):
            answer = (401, _error("Invalid OAuth access token - Cannot parse access token", 190))
            with self._lock:
                self.refused.append(answer)
            return answer
        try:
            body = json.loads(raw)
        except ValueError:
            return 400, _error("(#100) Invalid parameter", 100)
        problem = _problem(body) if isinstance(body, dict) else "not an object"
        if problem:
            answer = (400, _error(f"(#100) Invalid parameter: {problem}", 100))
            with self._lock:
                self.refused.append(answer)
            return answer
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
            message_id = None if failure else "wamid." + secrets.token_urlsafe(24)
            self.calls.append(Call(path, body, message_id))
            self._lock.notify_all()
        if failure:
            return FAILURES[failure]
        return 200, {
            "messaging_product": "whatsapp",
            "contacts": [{"input": body["to"], "wa_id": body["to"]}],
            "messages": [{"id": message_id}],
        }


def _problem(body: dict[str, Any]) -> str | None:
    """What breaks the documented message limits, or None."""
    if body.get("messaging_product") != "whatsapp" or not str(body.get("to", "")).isdigit():
        return "messaging_product and to"
    kind = body.get("type")
    if kind == "text":
        text = body.get("text") or {}
        if not 0 < len(text.get("body") or "") <= 4096:
            return "text.body must have 1-4096 characters"
        return None
    if kind == "image":
        return None if (body.get("image") or {}).get("link") else "image.link"
    if kind != "interactive":
        return f"unsupported type {kind}"
    interactive = body["interactive"]
    if not 0 < len(interactive["body"]["text"]) <= 1024:
        return "interactive.body.text must have 1-1024 characters"
    action = interactive["action"]
    if interactive["type"] == "button":
        replies = [b["reply"] for b in action["buttons"]]
        if not 0 < len(replies) <= 3:
            return "1-3 buttons"
        if any(not 0 < len(r["title"]) <= 20 or not 0 < len(r["id"]) <= 256 for r in replies):
            return "button title 1-20, id 1-256 characters"
        if len({r["title"] for r in replies}) < len(replies):
            return "button titles must be unique"
        return None
    if interactive["type"] == "list":
        rows = [row for section in action["sections"] for row in section["rows"]]
        if not 0 < len(action["button"]) <= 20 or not 0 < len(rows) <= 10:
            return "list button 1-20 characters, 1-10 rows"
        for row in rows:
            if not 0 < len(row["title"]) <= 24 or len(row.get("description", "")) > 72:
                return "row title 1-24, description up to 72 characters"
            if not 0 < len(row["id"]) <= 200:
                return "row id 1-200 characters"
        return None
    return f"unsupported interactive type {interactive['type']}"


# -- Webhook bodies as Meta sends them ----------------------------------------------------


def signature(app_secret: str, body: bytes) -> str:
    """``X-Hub-Signature-256`` as Meta computes it: HMAC-SHA256 of the raw bytes."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def signed(app_secret: str, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """The raw body and headers of a webhook POST, as Meta sends it."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    return body, {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": signature(app_secret, body),
    }


def notification(phone_number_id: str, value: dict[str, Any]) -> dict[str, Any]:
    """A ``messages`` change for ``phone_number_id`` with ``value``'s messages/statuses."""
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": DISPLAY_NUMBER,
                                "phone_number_id": phone_number_id,
                            },
                            **value,
                        },
                    }
                ],
            }
        ],
    }


def new_message_id() -> str:
    return "wamid." + secrets.token_urlsafe(24)


def inbound(
    phone_number_id: str, wa_id: str, kind: str, content: dict[str, Any], message_id: str = ""
) -> dict[str, Any]:
    """A notification of one patient message of type ``kind`` (``content`` its object)."""
    return notification(
        phone_number_id,
        {
            "contacts": [{"profile": {"name": "Anna Test"}, "wa_id": wa_id}],
            "messages": [
                {
                    "from": wa_id,
                    "id": message_id or new_message_id(),
                    "timestamp": str(int(time.time())),
                    "type": kind,
                    kind: content,
                }
            ],
        },
    )


def text_notification(phone_number_id: str, wa_id: str, text: str, message_id: str = "") -> dict:
    return inbound(phone_number_id, wa_id, "text", {"body": text}, message_id)


def button_reply(phone_number_id: str, wa_id: str, reply_id: str, title: str) -> dict:
    return inbound(
        phone_number_id,
        wa_id,
        "interactive",
        {"type": "button_reply", "button_reply": {"id": reply_id, "title": title}},
    )


def list_reply(phone_number_id: str, wa_id: str, reply_id: str, title: str) -> dict:
    return inbound(
        phone_number_id,
        wa_id,
        "interactive",
        {"type": "list_reply", "list_reply": {"id": reply_id, "title": title, "description": ""}},
    )


def status_notification(
    phone_number_id: str, wa_id: str, message_id: str, status: str, error_code: int | None = None
) -> dict:
    """A status callback; ``failed`` ones carry Meta's error (131047 unless told)."""
    entry: dict[str, Any] = {
        "id": message_id,
        "status": status,
        "timestamp": str(int(time.time())),
        "recipient_id": wa_id,
    }
    if status == "failed":
        code = error_code or 131047
        entry["errors"] = [
            {
                "code": code,
                "title": "Re-engagement message" if code == 131047 else "Message failed",
                "message": "Re-engagement message",
                "error_data": {"details": "Message failed to send."},
            }
        ]
    return notification(phone_number_id, {"statuses": [entry]})

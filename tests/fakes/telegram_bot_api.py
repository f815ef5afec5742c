"""A fake of Telegram's Bot API on loopback, for the channel's tests.

It speaks the real API's HTTP shape (https://core.telegram.org/bots/api): ``POST
/bot<token>/<method>`` with a JSON body, answered ``{"ok": true, "result": ...}`` with
the documented result types (``sendMessage``: a Message; ``setWebhook``,
``answerCallbackQuery``: true), or ``{"ok": false, "error_code": ..., "description":
...}`` as Telegram does for a wrong token (401), an unknown method (404) and the
checks the channel must respect (an empty or over-long text, callback_data over 64
bytes: 400). Every call is recorded (method, JSON body), thread-safely.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

BOT_ID = 7_000_000_001
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Clinic Assistant", "username": "ClinicBot"}


@dataclass(frozen=True)
class Call:
    """One Bot API call the fake received."""

    method: str
    body: dict[str, Any]


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class FakeBotApi:
    """The Bot API for one bot token; ``url`` is the API base (TELEGRAM_API_BASE)."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[Call] = []
        # method -> HTTP status to answer with instead of success (a failing Telegram).
        self.failures: dict[str, int] = {}
        self._lock = threading.Condition()
        self._message_id = 100
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                status, answer = fake._answer(self.path, raw)
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
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def start(self) -> FakeBotApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- What the tests read ------------------------------------------------------------

    def calls_to(
        self, method: str, where: Callable[[dict[str, Any]], bool] | None = None
    ) -> list[Call]:
        """The calls of ``method`` so far (whose body satisfies ``where``), in order."""
        with self._lock:
            return [
                c for c in self.calls if c.method == method and (where is None or where(c.body))
            ]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        where: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 30.0,
    ) -> list[Call]:
        """At least ``count`` calls of ``method`` (matching ``where``), waiting for them."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [
                    c for c in self.calls if c.method == method and (where is None or where(c.body))
                ]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"{len(found)} of {count} {method} calls after {timeout}s;"
                        f" received: {[c.method for c in self.calls]}"
                    )
                self._lock.wait(left)

    def sent_to(self, chat_id: int | str) -> list[dict[str, Any]]:
        """The bodies of the sendMessage calls to ``chat_id``."""
        return [
            c.body
            for c in self.calls_to("sendMessage", lambda b: str(b.get("chat_id")) == str(chat_id))
        ]

    def texts_to(self, chat_id: int | str) -> list[str]:
        """The texts sent to ``chat_id``, in order."""
        return [str(body.get("text")) for body in self.sent_to(chat_id)]

    # -- The API ------------------------------------------------------------------------

    def _answer(self, path: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        prefix = f"/bot{self.token}/"
        if not path.startswith("/bot"):
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        if not path.startswith(prefix):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = path[len(prefix) :].split("?", 1)[0]
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return 400, _error(400, "Bad Request: can't parse JSON")
        if not isinstance(body, dict):
            return 400, _error(400, "Bad Request: parameters must be an object")
        with self._lock:
            self.calls.append(Call(method, body))
            self._lock.notify_all()
            failure = self.failures.get(method)
        if failure is not None:
            return failure, _error(
                failure, "Internal Server Error" if failure >= 500 else "Bad Request"
            )
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            return 404, _error(404, "Not Found: method not found")
        return handler(body)

    def _setWebhook(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:  # noqa: N802
        if not str(body.get("url", "")).strip():
            return 400, _error(400, "Bad Request: bad webhook: URL must be set")
        return 200, {"ok": True, "result": True, "description": "Webhook was set"}

    def _deleteWebhook(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:  # noqa: N802
        return 200, {"ok": True, "result": True, "description": "Webhook was deleted"}

    def _getMe(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:  # noqa: N802
        return 200, {"ok": True, "result": {**BOT_USER, "can_join_groups": False}}

    def _answerCallbackQuery(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:  # noqa: N802
        if not body.get("callback_query_id"):
            return 400, _error(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        return 200, {"ok": True, "result": True}

    def _sendMessage(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:  # noqa: N802
        chat_id, text = body.get("chat_id"), body.get("text")
        if chat_id is None or chat_id == "":
            return 400, _error(400, "Bad Request: chat_id is empty")
        if not isinstance(text, str) or not text.strip():
            return 400, _error(400, "Bad Request: message text is empty")
        if _utf16_length(text) > 4096:
            return 400, _error(400, "Bad Request: message is too long")
        markup = body.get("reply_markup")
        if markup is not None:
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    data = button.get("callback_data")
                    if data is not None and not 1 <= len(data.encode()) <= 64:
                        return 400, _error(400, "Bad Request: BUTTON_DATA_INVALID")
        with self._lock:
            self._message_id += 1
            message_id = self._message_id
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": BOT_USER,
            "chat": {"id": int(chat_id), "type": "private", "first_name": "Patient"},
            "date": int(time.time()),
            "text": text,
        }
        if markup is not None:
            message["reply_markup"] = markup
        return 200, {"ok": True, "result": message}


def _error(code: int, description: str) -> dict[str, Any]:
    return {"ok": False, "error_code": code, "description": description}


# -- Updates in the Bot API's shapes, as Telegram posts them to the webhook -------------


def user(chat_id: int) -> dict[str, Any]:
    """The patient as a Telegram User (in a private chat, the user id is the chat id)."""
    return {"id": chat_id, "is_bot": False, "first_name": "Pat", "language_code": "en"}


def private_chat(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "type": "private", "first_name": "Pat"}


def message(chat_id: int, message_id: int = 1, **content: Any) -> dict[str, Any]:
    """A Message from the patient; ``content`` is e.g. text=..., sticker=..., photo=..."""
    return {
        "message_id": message_id,
        "from": user(chat_id),
        "chat": private_chat(chat_id),
        "date": int(time.time()),
        **content,
    }


def text_update(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    """An Update with a text message."""
    return {"update_id": update_id, "message": message(chat_id, update_id, text=text)}


def callback_update(
    update_id: int,
    chat_id: int,
    data: str,
    bot_message: dict[str, Any],
    query_id: str | None = None,
) -> dict[str, Any]:
    """An Update for a tap on a button of ``bot_message`` (the Message the bot sent)."""
    return {
        "update_id": update_id,
        "callback_query": {
            "id": query_id or f"{chat_id}{update_id}",
            "from": user(chat_id),
            "message": bot_message,
            "chat_instance": f"-{chat_id}77",
            "data": data,
        },
    }


STICKER = {
    "file_id": "CAACAgIAAxkBAAEBsticker",
    "file_unique_id": "AgADsticker",
    "type": "regular",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
    "emoji": "👍",
}
PHOTO = [
    {
        "file_id": "AgACAgQAAxkBAAIBphoto-s",
        "file_unique_id": "AQADs",
        "file_size": 1401,
        "width": 90,
        "height": 67,
    },
    {
        "file_id": "AgACAgQAAxkBAAIBphoto-m",
        "file_unique_id": "AQADm",
        "file_size": 20412,
        "width": 320,
        "height": 240,
    },
]
VOICE = {
    "file_id": "AwACAgQAAxkBvoice",
    "file_unique_id": "AgADvoice",
    "duration": 3,
    "mime_type": "audio/ogg",
}
LOCATION = {"latitude": 47.3769, "longitude": 8.5417}

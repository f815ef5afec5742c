"""A socket.io chat client for tests: the web widget's side of a conversation.

Long-polling transport: the async websocket client of python-engineio needs a newer
aiohttp than Rasa 3.6 pins.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import socketio

SETTLE_SECONDS = 0.8


class ChatClient:
    """Connects, gets a session from the server (or continues the one ``token`` proves),
    and collects everything the bot utters.

    ``token`` is what the server confirmed (the widget keeps it); ``session_id`` the
    conversation id it stands for (the tracker's sender id).
    """

    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.received: list[dict[str, Any]] = []
        self.history: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._client = socketio.Client(reconnection=False)
        confirmed = threading.Event()
        tokens: list[str] = []
        self._client.on("bot_uttered", self._on_bot_uttered)
        self._client.on("history", lambda data: self.history.extend(data["messages"]))
        self._client.on("session_confirm", lambda data: (tokens.append(data), confirmed.set()))
        self._client.connect(base_url, socketio_path="/socket.io", transports=["polling"])
        self._client.emit("session_request", {"session_id": token})
        if not confirmed.wait(20):
            raise AssertionError("no session_confirm")
        self.token = tokens[0]
        self.session_id = self.token.rpartition(".")[0]

    def _on_bot_uttered(self, data: dict[str, Any]) -> None:
        with self._lock:
            self.received.append(data)

    def _count(self) -> int:
        with self._lock:
            return len(self.received)

    def send(self, text: str) -> None:
        self._client.emit("user_uttered", {"message": text, "session_id": self.token})

    def wait_for_new(self, since: int, timeout: float = 30.0) -> list[str]:
        """Texts uttered after ``since`` messages, once the bot has gone quiet."""
        deadline = time.monotonic() + timeout
        while self._count() <= since:
            if time.monotonic() > deadline:
                raise AssertionError("no reply from the bot")
            time.sleep(0.05)
        last = self._count()
        while True:
            time.sleep(SETTLE_SECONDS)
            if self._count() == last:
                break
            last = self._count()
        with self._lock:
            return [m.get("text", "") for m in self.received[since:]]

    def say(self, text: str, timeout: float = 30.0) -> str:
        """Send ``text``; the bot's reply texts, joined."""
        before = self._count()
        self.send(text)
        return "\n".join(self.wait_for_new(before, timeout))

    def say_unanswered(self, text: str, wait: float = 2.5) -> list[str]:
        """Send ``text`` and return whatever came back within ``wait`` seconds."""
        before = self._count()
        self.send(text)
        time.sleep(wait)
        with self._lock:
            return [m.get("text", "") for m in self.received[before:]]

    def after(self, action: Callable[[], object], timeout: float = 30.0) -> str:
        """Run ``action`` (e.g. an advisor's reply) and return what the bot then uttered."""
        before = self._count()
        action()
        return "\n".join(self.wait_for_new(before, timeout))

    def close(self) -> None:
        self._client.disconnect()

"""A loopback imitation of the few Rasa HTTP API calls the advisor's tools make.

``bot.handoff.advisor.RasaApi`` calls ``GET /conversations/<id>/tracker`` and
``POST /conversations/<id>/tracker/events`` with the API token in the query string. This
server answers both like Rasa does, keeps every request for the test to inspect, and
(like Rasa's SQL tracker store) writes the events into the ``events`` table of the
test's database, where the console reads transcripts.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import sqlalchemy as sa

from bot.store.db import engine_for

_METADATA = sa.MetaData()
# The columns of Rasa's SQLEvent (rasa/core/tracker_store.py).
EVENTS = sa.Table(
    "events",
    _METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)


@dataclass
class Call:
    """One request the fake received."""

    method: str
    conversation_id: str
    path: str
    query: dict[str, str]
    body: Any
    status: int = 200


@dataclass
class FakeRasaApi:
    """The fake server; ``url`` is its base, ``calls`` what it received."""

    database_url: str
    token: str
    calls: list[Call] = field(default_factory=list)
    # When set, every call is answered with this HTTP status (Rasa failing).
    fail_with: int | None = None

    def __post_init__(self) -> None:
        _METADATA.create_all(engine_for(self.database_url))
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, method: str) -> None:
                parts = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parts.query))
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                path = parts.path
                prefix, suffix = "/conversations/", ""
                for ending in ("/tracker/events", "/tracker"):
                    if path.endswith(ending):
                        suffix = ending
                        break
                if not path.startswith(prefix) or not suffix:
                    self._answer(404, {"status": "failure"})
                    return
                # Rasa does not unquote its route parameters; the client keeps "+".
                conversation_id = urllib.parse.unquote(path[len(prefix) : -len(suffix)])
                call = Call(method, conversation_id, suffix, query, body)
                fake.calls.append(call)
                if query.get("token") != fake.token:
                    call.status = 401
                    self._answer(401, {"status": "failure", "reason": "NotAuthenticated"})
                    return
                if fake.fail_with is not None:
                    call.status = fake.fail_with
                    self._answer(fake.fail_with, {"status": "failure"})
                    return
                if method == "POST" and suffix == "/tracker/events":
                    events = body if isinstance(body, list) else [body]
                    fake.store(conversation_id, events)
                self._answer(200, fake.tracker(conversation_id))

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                self._handle("GET")

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                self._handle("POST")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- The tracker store ------------------------------------------------------

    def store(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        """Append events as Rasa's tracker store would (timestamps added)."""
        with engine_for(self.database_url).begin() as connection:
            for event in events:
                event = {"timestamp": time.time(), **event}
                connection.execute(
                    EVENTS.insert().values(
                        sender_id=conversation_id,
                        type_name=event["event"],
                        timestamp=event["timestamp"],
                        intent_name=(event.get("parse_data") or {}).get("intent", {}).get("name"),
                        action_name=event.get("name") if event["event"] == "action" else None,
                        data=json.dumps(event),
                    )
                )

    def events(self, conversation_id: str) -> list[dict[str, Any]]:
        with engine_for(self.database_url).connect() as connection:
            rows = connection.execute(
                sa.select(EVENTS.c.data)
                .where(EVENTS.c.sender_id == conversation_id)
                .order_by(EVENTS.c.id)
            )
            return [json.loads(data) for (data,) in rows]

    def tracker(self, conversation_id: str) -> dict[str, Any]:
        events = self.events(conversation_id)
        paused = False
        for event in events:
            if event["event"] in ("pause", "resume"):
                paused = event["event"] == "pause"
        return {"sender_id": conversation_id, "events": events, "paused": paused}

    def patient_says(
        self, conversation_id: str, text: str, channel: str = "socketio", at: float | None = None
    ) -> None:
        """A message from the patient, as the channel would have recorded it."""
        self.store(
            conversation_id,
            [
                {
                    "event": "user",
                    "text": text,
                    "input_channel": channel,
                    "timestamp": at if at is not None else time.time(),
                    "parse_data": {"intent": {"name": "chitchat", "confidence": 0.9}},
                }
            ],
        )

    def appended(self, conversation_id: str) -> list[dict[str, Any]]:
        """Every event the console appended to the conversation, in order."""
        return [
            event
            for call in self.calls
            if call.method == "POST"
            and call.status == 200
            and call.conversation_id == conversation_id
            for event in call.body
        ]

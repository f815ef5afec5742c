"""The socket.io channel (the web widget), with checked events and the rate limit.

Rasa's SocketIOInput trusts the client: a `user_uttered` whose data is not an object,
whose message is not text or whose session id is a list raises inside the handler
(the user hears nothing and the tracker store may get a non-string key). The checks
here run first and answer the client with a short error instead.

Rasa also builds its socket.io server without an Origin check, so any website could
open the chat in its visitors' browsers. Here only ALLOWED_ORIGINS may (engine.io
answers others with 400); clients that send no Origin, which are not browsers, still
connect.
"""

from __future__ import annotations

from typing import Any

from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput

from bot.channels.checks import BadInput, checked_message, checked_metadata, checked_sender
from bot.channels.guards import guarded
from bot.channels.limits import OnNewMessage
from bot.content import text
from bot.settings import load_settings

UNREADABLE = "utter_unreadable_message"


class ValidatedSocketIOInput(SocketIOInput):
    """`socketio` with the same name and settings as Rasa's, plus input checks."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: OnNewMessage) -> SocketBlueprint:
        webhook = super().blueprint(guarded(on_new_message))
        sio = self.sio
        origins = load_settings().allowed_origins
        # engine.io reads "*" as any origin, but a list holding "*" as that literal one.
        sio.eio.cors_allowed_origins = "*" if origins == ("*",) else list(origins)
        # Sanic-CORS (Rasa's --cors, the same origins) already adds the CORS headers to
        # these responses; engine.io's would double them, and browsers refuse a doubled
        # Access-Control-Allow-Origin. engine.io keeps checking the Origin all the same.
        sio.eio._cors_headers = lambda environ: []
        namespace = self.namespace or "/"
        handlers = sio.handlers[namespace]
        original_message = handlers[self.user_message_evt]
        original_session = handlers["session_request"]

        async def handle_message(sid: str, data: Any = None) -> None:
            try:
                data = self._checked(data)
            except BadInput:
                await sio.emit(
                    self.bot_message_evt, {"text": text(UNREADABLE)}, room=sid, namespace=namespace
                )
                return
            await original_message(sid, data)

        async def session_request(sid: str, data: Any = None) -> None:
            if data is not None and not isinstance(data, dict):
                data = None
            if data and data.get("session_id") is not None:
                try:
                    checked_sender(data["session_id"], "session_id")
                except BadInput:
                    data = None  # a fresh session instead of a broken one
            await original_session(sid, data)

        sio.on(self.user_message_evt, handle_message, namespace=namespace)
        sio.on("session_request", session_request, namespace=namespace)
        return webhook

    def _checked(self, data: Any) -> dict[str, Any]:
        """The event data, its message checked (an over-long emergency: its excerpt)."""
        if not isinstance(data, dict):
            raise BadInput("the event data must be an object")
        data = {**data, "message": checked_message(data.get("message", ""))}
        if self.session_persistence or data.get("session_id") is not None:
            checked_sender(data.get("session_id"), "session_id")
        checked_metadata(data.get(self.metadata_key), self.metadata_key)
        return data

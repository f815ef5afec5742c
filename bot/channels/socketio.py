"""The socket.io channel (the web widget), with checked events and the rate limit.

Rasa's SocketIOInput trusts the client: a `user_uttered` whose data is not an object,
whose message is not text or whose session id is a list raises inside the handler
(the user hears nothing and the tracker store may get a non-string key). The checks
here run first and answer the client with a short error instead.

Rasa also builds its socket.io server without an Origin check, so any website could
open the chat in its visitors' browsers. Here only ALLOWED_ORIGINS may (engine.io
answers others with 400); clients that send no Origin, which are not browsers, still
connect.

The rate limit counts per client address too: the address is read from the connection
(the peer, or behind a trusted proxy what it forwards) and kept, in memory only, while
the connection lasts.
"""

from __future__ import annotations

from typing import Any

from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput

from bot.channels.checks import BadInput, checked_message, checked_metadata, checked_sender
from bot.channels.client_address import IPNetwork, client_address
from bot.channels.guards import guarded
from bot.channels.limits import OnNewMessage, remember_client_address, with_client_address
from bot.content import text
from bot.settings import load_settings

UNREADABLE = "utter_unreadable_message"


def environ_address(environ: dict[str, Any], trusted_proxies: tuple[IPNetwork, ...]) -> str | None:
    """The client's address from a socket.io connection's WSGI-style environ."""
    # engine.io's Sanic driver writes REMOTE_ADDR as 127.0.0.1 whoever connects: the
    # real peer is on the Sanic request it keeps.
    request = environ.get("sanic.request")
    peer = getattr(request, "ip", None) or environ.get("REMOTE_ADDR")
    return client_address(peer, environ.get("HTTP_X_FORWARDED_FOR"), trusted_proxies)


class ValidatedSocketIOInput(SocketIOInput):
    """`socketio` with the same name and settings as Rasa's, plus input checks."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: OnNewMessage) -> SocketBlueprint:
        webhook = super().blueprint(with_client_address(guarded(on_new_message)))
        sio = self.sio
        settings = load_settings()
        origins = settings.allowed_origins
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
        original_connect = handlers["connect"]
        original_disconnect = handlers["disconnect"]
        # sid -> client address, for the rate limit; an entry lives as long as its
        # connection (added once accepted, removed on disconnect).
        addresses: dict[str, str | None] = {}
        self.client_addresses = addresses

        async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> Any:
            accepted = await original_connect(sid, environ, auth)
            if accepted is not False:
                addresses[sid] = environ_address(environ, settings.trusted_proxies)
            return accepted

        async def disconnect(sid: str) -> None:
            addresses.pop(sid, None)
            await original_disconnect(sid)

        def address_of(sid: str) -> str | None:
            if sid in addresses:
                return addresses[sid]
            environ = sio.get_environ(sid, namespace=namespace)
            return environ_address(environ, settings.trusted_proxies) if environ else None

        async def handle_message(sid: str, data: Any = None) -> None:
            try:
                data = self._checked(data)
            except BadInput:
                await sio.emit(
                    self.bot_message_evt, {"text": text(UNREADABLE)}, room=sid, namespace=namespace
                )
                return
            with remember_client_address(address_of(sid)):
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

        sio.on("connect", connect, namespace=namespace)
        sio.on("disconnect", disconnect, namespace=namespace)
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

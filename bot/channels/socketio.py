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

Session ids are issued by the server and signed (``bot.channels.sessions``): a
connection is bound to the conversation its token proves, and a message can only go to
that conversation, whatever ``session_id`` it claims. A client that comes back with a
valid token gets the conversation so far (``history``), since Rasa replays nothing.

With several Rasa servers (``make run-scaled``) SOCKETIO_REDIS_URL is set: every emit
goes through Redis (python-socketio's ``AsyncRedisManager``), and each server delivers
it to the rooms of its own connections, so that an advisor's reply sent through one
server reaches a widget connected to another. A connection's own state (its address,
its conversation) stays with the server it is connected to: socket.io needs sticky
sessions anyway.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.channels.channel import OutputChannel
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from socketio import AsyncRedisManager, AsyncServer

from bot.channels.checks import BadInput, checked_message, checked_metadata
from bot.channels.guards import guarded
from bot.channels.limits import OnNewMessage, remember_client_address, with_client_address
from bot.channels.sessions import SessionSigner, session_key
from bot.channels.widget_history import history_messages
from bot.client_address import IPNetwork, client_address
from bot.content import text
from bot.handoff.advisor import ADVISOR_METADATA, HANDOFF_METADATA
from bot.settings import load_settings

logger = logging.getLogger(__name__)

UNREADABLE = "utter_unreadable_message"
HISTORY_EVENT = "history"
SESSION_CONFIRM_EVENT = "session_confirm"


def environ_address(environ: dict[str, Any], trusted_proxies: tuple[IPNetwork, ...]) -> str | None:
    """The client's address from a socket.io connection's WSGI-style environ."""
    # engine.io's Sanic driver writes REMOTE_ADDR as 127.0.0.1 whoever connects: the
    # real peer is on the Sanic request it keeps.
    request = environ.get("sanic.request")
    peer = getattr(request, "ip", None) or environ.get("REMOTE_ADDR")
    return client_address(peer, environ.get("HTTP_X_FORWARDED_FOR"), trusted_proxies)


class WidgetOutput(SocketIOOutput):
    """Rasa's socket.io output, also telling the widget who wrote a message.

    An advisor's message and the handoff notices carry ``advisor`` (the display name)
    and ``handoff`` ("joined", "ended") in their metadata, which Rasa hands to the
    output channel as keyword arguments; the widget shows the name and the status.
    """

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        extra = {
            key: str(kwargs[key]) for key in (ADVISOR_METADATA, HANDOFF_METADATA) if kwargs.get(key)
        }
        for part in text.strip().split("\n\n"):
            await self._send_message(recipient_id, {"text": part, **extra})


def share_rooms_through_redis(
    sio: AsyncServer, webhook: SocketBlueprint, url: str, channel: str
) -> None:
    """Send ``sio``'s emits through Redis (``url``, pub/sub ``channel``).

    The manager's listener normally starts with the first connection, and a message
    published before it has subscribed is lost: here it starts with the server.
    """
    manager = AsyncRedisManager(url, channel=channel)
    manager.set_server(sio)
    sio.manager = manager

    @webhook.listener("after_server_start")
    async def start_listening(_app: Any, _loop: Any) -> None:
        if not sio.manager_initialized:
            sio.manager_initialized = True
            manager.initialize()


async def _tracker_events(
    environ: dict[str, Any] | None, conversation_id: str
) -> list[dict[str, Any]]:
    """A conversation's events, read from Rasa's tracker store.

    All of them, not the checkpoint's window a turn reads (a long conversation's earlier
    messages are not in it): once per connection, not per turn.
    """
    request = (environ or {}).get("sanic.request")
    agent = getattr(getattr(getattr(request, "app", None), "ctx", None), "agent", None)
    if agent is None or agent.tracker_store is None:
        return []
    tracker = await agent.tracker_store.retrieve_full_tracker(conversation_id)
    # history_messages() keeps the latest session's messages.
    return [event.as_dict() for event in tracker.events] if tracker else []


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
        if settings.socketio_redis_url:
            share_rooms_through_redis(
                sio, webhook, settings.socketio_redis_url, settings.socketio_redis_channel
            )
        namespace = self.namespace or "/"
        handlers = sio.handlers[namespace]
        original_message = handlers[self.user_message_evt]
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

        signer = SessionSigner(session_key(settings.widget_session_secret))
        # sid -> the conversation its token proved; lives as long as the connection.
        sessions: dict[str, str] = {}
        self.sessions = sessions

        async def bind(sid: str, token: Any) -> tuple[str, bool]:
            """Join ``sid`` to the conversation ``token`` proves, or to a new one; tell
            the client its token. Whether an existing conversation continues."""
            conversation_id = signer.verify(token)
            continuing = conversation_id is not None
            if conversation_id is None:
                conversation_id, token = signer.issue()
            previous = sessions.get(sid)
            if previous is not None and previous != conversation_id:
                sio.leave_room(sid, previous, namespace=namespace)
            sessions[sid] = conversation_id
            # python-socketio 5.9: enter_room is not a coroutine (requirements.txt).
            sio.enter_room(sid, conversation_id, namespace=namespace)
            await sio.emit(SESSION_CONFIRM_EVENT, token, room=sid, namespace=namespace)
            return conversation_id, continuing

        async def session_request(sid: str, data: Any = None) -> None:
            token = data.get("session_id") if isinstance(data, dict) else None
            conversation_id, continuing = await bind(sid, token)
            if not continuing:
                return
            try:
                events = await _tracker_events(
                    sio.get_environ(sid, namespace=namespace), conversation_id
                )
            except Exception as exc:  # noqa: BLE001 - the chat goes on without its history
                logger.error("reading a widget's history failed: %s", type(exc).__name__)
                return
            await sio.emit(
                HISTORY_EVENT, {"messages": history_messages(events)}, room=sid, namespace=namespace
            )

        async def handle_message(sid: str, data: Any = None) -> None:
            try:
                data = self._checked(data)
            except BadInput:
                await sio.emit(
                    self.bot_message_evt, {"text": text(UNREADABLE)}, room=sid, namespace=namespace
                )
                return
            conversation_id = sessions.get(sid)
            if conversation_id is None:
                # A message before any session_request: its token must prove itself too.
                conversation_id, _ = await bind(sid, data.get("session_id"))
            with remember_client_address(address_of(sid)):
                await original_message(sid, {**data, "session_id": conversation_id})

        async def disconnect_session(sid: str) -> None:
            sessions.pop(sid, None)
            await disconnect(sid)

        sio.on("connect", connect, namespace=namespace)
        sio.on("disconnect", disconnect_session, namespace=namespace)
        sio.on(self.user_message_evt, handle_message, namespace=namespace)
        sio.on("session_request", session_request, namespace=namespace)
        return webhook

    def get_output_channel(self) -> OutputChannel | None:
        """The output for messages sent through Rasa's HTTP API (an advisor's reply)."""
        if self.sio is None:
            return super().get_output_channel()
        return WidgetOutput(self.sio, self.bot_message_evt)

    def _checked(self, data: Any) -> dict[str, Any]:
        """The event data, its message checked (an over-long emergency: its excerpt)."""
        if not isinstance(data, dict):
            raise BadInput("the event data must be an object")
        data = {**data, "message": checked_message(data.get("message", ""))}
        checked_metadata(data.get(self.metadata_key), self.metadata_key)
        return data

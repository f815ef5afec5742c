"""The REST channel, answering malformed requests with 400 instead of a server error.

Rasa's own RestInput answers an empty, `null` or array body with a 500, files messages
without a sender under the shared id "default" (mixing strangers' conversations), and
silently drops a non-text message. This subclass checks the body first, and applies
the rate limits (per sender, and per client address: the peer, or behind a trusted
proxy the address it forwards; kept in memory, never stored with the conversation).

Beyond loopback the channel needs ``Authorization: Bearer <REST_CHANNEL_TOKEN>``: it
is meant for the clinic's own services, and anyone else could use it to run
conversations under any sender id. Without a token it is off there.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage, PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.checks import BadInput, checked_message, checked_metadata, checked_sender
from bot.channels.guards import guarded
from bot.channels.limits import OnNewMessage, set_client_address, with_client_address
from bot.client_address import IPNetwork, client_address
from bot.settings import Settings, load_settings


def _body(request: Request) -> dict[str, Any]:
    body = request.json
    if not isinstance(body, dict):
        raise InvalidUsage('The body must be a JSON object: {"sender": "...", "message": "..."}')
    return body


def _field(request: Request, name: str, check: Callable[[Any], Any]) -> Any:
    try:
        return check(_body(request).get(name))
    except BadInput as exc:
        raise (PayloadTooLarge if exc.too_large else InvalidUsage)(str(exc)) from None


def _error(status: int, description: str, message: str, **headers: str) -> HTTPResponse:
    # Sanic's own error shape, as for a 400; built here because Sanic 21.12's JSON error
    # page drops an exception's headers (WWW-Authenticate).
    body = {"description": description, "status": status, "message": message}
    return response.json(body, status=status, headers=headers)


def access_refusal(settings: Settings, authorization: str | None) -> HTTPResponse | None:
    """The answer to a request that may not use the channel, or None if it may."""
    if settings.on_loopback:
        return None
    if not settings.rest_channel_token:
        return _error(
            403,
            "Forbidden",
            "REST channel is off: the server listens beyond loopback and "
            "REST_CHANNEL_TOKEN is not set",
        )
    scheme, _, presented = (authorization or "").strip().partition(" ")
    # compare_digest: the time taken must not tell how much of a guess was right.
    if scheme.lower() == "bearer" and hmac.compare_digest(
        presented.strip().encode(), settings.rest_channel_token.encode()
    ):
        return None
    return _error(
        401,
        "Unauthorized",
        "a valid 'Authorization: Bearer <token>' is required",
        **{"WWW-Authenticate": "Bearer"},
    )


def _access_middleware(settings: Settings) -> Callable[[Request], Awaitable[HTTPResponse | None]]:
    async def require_access(request: Request) -> HTTPResponse | None:
        # Only POST /webhook takes messages; GET / stays open as the health check.
        if request.method != "POST":
            return None
        return access_refusal(settings, request.headers.get("authorization"))

    return require_access


def request_address(request: Request, trusted_proxies: tuple[IPNetwork, ...]) -> str | None:
    """The client's address: the peer, or what a trusted proxy forwarded."""
    return client_address(
        request.ip, request.headers.getall("x-forwarded-for", []), trusted_proxies
    )


def _address_middleware(settings: Settings) -> Callable[[Request], None]:
    def remember_address(request: Request) -> None:
        # Request middleware runs in the handler's task: the handler's UserMessage gets
        # it (with_client_address), in memory only.
        set_client_address(request_address(request, settings.trusted_proxies))

    return remember_address


class ValidatedRestInput(RestInput):
    """`POST /webhooks/rest/webhook` with checked `sender`, `message` and `metadata`."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = super().blueprint(with_client_address(guarded(on_new_message)))
        # Read once at start: a settings error stops the server instead of each request.
        settings = load_settings()
        webhook.middleware(_access_middleware(settings), "request")
        webhook.middleware(_address_middleware(settings), "request")
        return webhook

    async def _extract_sender(self, req: Request) -> str:
        return _field(req, "sender", checked_sender)

    def _extract_message(self, req: Request) -> str:
        return _field(req, "message", checked_message)

    def _extract_input_channel(self, req: Request) -> str:
        # A client must not be able to pose as another channel (e.g. "telegram").
        return self.name()

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        return _field(request, "metadata", checked_metadata)

"""The REST channel, answering malformed requests with 400 instead of a server error.

Rasa's own RestInput answers an empty, `null` or array body with a 500, files messages
without a sender under the shared id "default" (mixing strangers' conversations), and
silently drops a non-text message. This subclass checks the body first, and applies
the per-sender rate limit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.exceptions import InvalidUsage, PayloadTooLarge
from sanic.request import Request

from bot.channels.checks import BadInput, checked_message, checked_metadata, checked_sender
from bot.channels.guards import guarded
from bot.channels.limits import OnNewMessage


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


class ValidatedRestInput(RestInput):
    """`POST /webhooks/rest/webhook` with checked `sender`, `message` and `metadata`."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        return super().blueprint(guarded(on_new_message))

    async def _extract_sender(self, req: Request) -> str:
        return _field(req, "sender", checked_sender)

    def _extract_message(self, req: Request) -> str:
        return _field(req, "message", checked_message)

    def _extract_input_channel(self, req: Request) -> str:
        # A client must not be able to pose as another channel (e.g. "telegram").
        return self.name()

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        return _field(request, "metadata", checked_metadata)

"""The REST channel, answering malformed requests with 400 instead of a server error.

Rasa's own RestInput answers an empty, `null` or array body with a 500, files messages
without a sender under the shared id "default" (mixing strangers' conversations), and
silently drops a non-text message. This subclass checks the body first.
"""

from __future__ import annotations

from typing import Any

from rasa.core.channels.rest import RestInput
from sanic.exceptions import InvalidUsage, PayloadTooLarge
from sanic.request import Request

MAX_SENDER_CHARS = 128
# Long enough for a patient's whole story (the assistant then asks for the main
# question); anything bigger is not a chat message.
MAX_MESSAGE_CHARS = 20_000


def _body(request: Request) -> dict[str, Any]:
    body = request.json
    if not isinstance(body, dict):
        raise InvalidUsage('The body must be a JSON object: {"sender": "...", "message": "..."}')
    return body


class ValidatedRestInput(RestInput):
    """`POST /webhooks/rest/webhook` with checked `sender`, `message` and `metadata`."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    async def _extract_sender(self, req: Request) -> str:
        sender = _body(req).get("sender")
        if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
            raise InvalidUsage(
                f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters"
            )
        return sender

    def _extract_message(self, req: Request) -> str:
        message = _body(req).get("message")
        if not isinstance(message, str):
            raise InvalidUsage("'message' must be a string")
        if len(message) > MAX_MESSAGE_CHARS:
            raise PayloadTooLarge(f"'message' is longer than {MAX_MESSAGE_CHARS} characters")
        return message

    def _extract_input_channel(self, req: Request) -> str:
        # A client must not be able to pose as another channel (e.g. "telegram").
        return self.name()

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        metadata = _body(request).get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise InvalidUsage("'metadata' must be a JSON object")
        return metadata

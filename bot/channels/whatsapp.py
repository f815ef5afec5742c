"""The WhatsApp channel: Meta's WhatsApp Business Cloud API, webhook in, messages out.

Rasa's ``twilio`` connector checks no signature and Twilio's WhatsApp has no native
buttons (rasa#6773); Meta's Cloud API has both. This channel speaks it directly:

- ``GET /webhooks/whatsapp/webhook`` answers Meta's verification handshake: with
  ``hub.mode=subscribe`` and the right ``hub.verify_token`` it returns ``hub.challenge``
  as plain text, otherwise 403.
- ``POST /webhooks/whatsapp/webhook`` takes Meta's notifications. Without a valid
  ``X-Hub-Signature-256`` (HMAC-SHA256 of the raw body with the app secret) it is
  refused with 403 before anything is read; a body that is not a JSON object gets
  400. A valid one is answered 200 at once and handled afterwards: Meta redelivers a
  notification that is not acknowledged quickly, and a redelivered message (the same
  id) is handled once.
- The conversation id is the patient's number in E.164 ("+41791234567"). Each text,
  tapped button or list row goes through ``guarded()`` like every channel's
  (emergencies first, rate limit, payload check, handoff pause), one message of a
  conversation after the other. Images, voice, stickers, locations, reactions and the
  like get a short polite reply (a caption that holds a red flag is answered as the
  emergency it is). Entries for another phone number are ignored.
- Status callbacks (sent, delivered, read, failed) are logged and answer nothing; for
  an advisor's message they update its row in ``advisor_deliveries``
  (``bot.handoff.delivery_window``), where a failed one waits for staff.
- Out: text split at WhatsApp's 4096 characters; buttons as reply buttons (up to 3), a
  list (up to 10) or numbered lines answered by typing the number
  (``bot.channels.whatsapp_messages``). An advisor's message starts with their name. A
  failed send is logged with its status and never breaks the conversation.

Nothing is logged of what patients write, their numbers, message ids (which encode
the number) or the access token: message kinds, statuses and error codes only.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError

from bot.channels.checks import BadInput, checked_message
from bot.channels.guards import guarded
from bot.channels.limits import OnNewMessage, shared_limiter
from bot.channels.whatsapp_messages import (
    CHANNEL,
    SIGNATURE_HEADER,
    BadPayload,
    Inbound,
    OfferedOptions,
    SeenMessages,
    Status,
    answer_text,
    image_message,
    parse_update,
    recipient,
    split_text,
    text_message,
    valid_signature,
    with_buttons,
)
from bot.content import text as response_text
from bot.handoff.advisor import ADVISOR_METADATA, HANDOFF_METADATA
from bot.handoff.delivery_window import (
    FAILED,
    error_text,
    record_advisor_message,
    record_status,
)
from bot.safety.red_flags import detect_red_flag
from bot.settings import WhatsAppSettings, load_settings

logger = logging.getLogger(__name__)

UNREADABLE = "utter_unreadable_message"
# Notifications about the account rather than from the patient: no reply.
SILENT_KINDS = frozenset({"system", "ephemeral", "request_welcome"})
# The Cloud API answers within a second or two; a hung call must not hold a turn.
SEND_TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class Sent:
    """The Cloud API's answer to one message: its id, or the error."""

    message_id: str | None
    error: str | None = None


def _advisor_of(kwargs: dict[str, Any]) -> str | None:
    """The advisor who wrote the message, if an advisor did (not a join/hand-back notice)."""
    advisor = kwargs.get(ADVISOR_METADATA)
    if not isinstance(advisor, str) or not advisor.strip() or kwargs.get(HANDOFF_METADATA):
        return None
    return advisor.strip()


def _signed(text: str, advisor: str | None) -> str:
    """An advisor's message starts with their name (bold), so the patient knows who writes."""
    if advisor is None:
        return text
    # WhatsApp reads *...* as bold: markup characters in the name would break it.
    name = "".join(c for c in advisor if c not in "*_~`").strip()
    return f"*{name}*\n{text}" if name else text


class WhatsAppOutput(OutputChannel):
    """Sends to one WhatsApp Business phone number's patients through the Cloud API."""

    def __init__(
        self, settings: WhatsAppSettings, database_url: str, offers: OfferedOptions
    ) -> None:
        self.settings = settings
        self.database_url = database_url
        self.offers = offers

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        to = self._to(recipient_id)
        if to is None:
            return
        advisor = _advisor_of(kwargs)
        pieces = split_text(_signed(text, advisor))
        await self._send(recipient_id, [text_message(to, p) for p in pieces], advisor)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        to = self._to(recipient_id)
        if to is None:
            return
        advisor = _advisor_of(kwargs)
        messages, offer = with_buttons(to, _signed(text or "", advisor), buttons)
        self.offers.remember(recipient_id, offer)
        await self._send(recipient_id, messages, advisor)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        to = self._to(recipient_id)
        if to is not None:
            await self._send(recipient_id, [image_message(to, image)], _advisor_of(kwargs))

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        """A response's ``custom`` part, taken as a Cloud API message (e.g. a template)."""
        to = self._to(recipient_id)
        if to is None:
            return
        if not isinstance(json_message, dict) or not isinstance(json_message.get("type"), str):
            logger.warning("whatsapp: a custom message without a 'type' was not sent")
            return
        message = {"messaging_product": "whatsapp", "recipient_type": "individual"}
        message.update(json_message)
        message["to"] = to
        await self._send(recipient_id, [message], _advisor_of(kwargs))

    def _to(self, recipient_id: str) -> str | None:
        to = recipient(recipient_id)
        if to is None:
            # Only conversations that came in over WhatsApp have a number as their id.
            logger.error("whatsapp: a conversation id that is not a phone number; nothing sent")
        return to

    async def _send(
        self, recipient_id: str, messages: list[dict[str, Any]], advisor: str | None
    ) -> None:
        for message in messages:
            sent = await self.post(message)
            if advisor is not None:
                self._record(recipient_id, advisor, sent)
            if sent.error is not None:
                # The rest would arrive without its beginning; one failure is enough.
                return

    def _record(self, conversation_id: str, advisor: str, sent: Sent) -> None:
        try:
            record_advisor_message(
                self.database_url, conversation_id, CHANNEL, advisor, sent.message_id, sent.error
            )
        except SQLAlchemyError as exc:
            logger.error("whatsapp: recording an advisor's message failed: %s", type(exc).__name__)

    async def post(self, message: dict[str, Any]) -> Sent:
        """POST one message to the Cloud API; never raises (a failure is logged)."""
        kind = message.get("type")
        headers = {"Authorization": f"Bearer {self.settings.access_token}"}
        timeout = aiohttp.ClientTimeout(total=SEND_TIMEOUT_SECONDS)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.post(self.settings.messages_url, json=message, headers=headers) as answer,
            ):
                status = answer.status
                try:
                    body = await answer.json(content_type=None)
                except ValueError:
                    body = None
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            logger.error("whatsapp: sending a %s message failed: %s", kind, type(exc).__name__)
            return Sent(None, error_text(None, type(exc).__name__))
        body = body if isinstance(body, dict) else {}
        if 200 <= status < 300:
            ids = [m.get("id") for m in body.get("messages") or [] if isinstance(m, dict)]
            return Sent(ids[0] if ids and isinstance(ids[0], str) else None)
        error = body.get("error") if isinstance(body.get("error"), dict) else {}
        code = error.get("code")
        logger.error("whatsapp: sending a %s message failed: HTTP %d, error %s", kind, status, code)
        return Sent(
            None, error_text(code if code is not None else f"HTTP {status}", error.get("message"))
        )


class WhatsAppInput(InputChannel):
    """``/webhooks/whatsapp/webhook``: Meta's handshake and signed notifications."""

    def __init__(self, settings: WhatsAppSettings, database_url: str) -> None:
        self.settings = settings
        self.database_url = database_url
        # Shared with every output channel this one makes (replies and advisors' messages).
        self.offers = OfferedOptions()
        self.seen = SeenMessages()
        # Handling runs after the 200; the tasks are kept so they are not collected.
        self._tasks: set[asyncio.Task[None]] = set()
        # One message of a conversation after the other, in the order Meta sent them.
        self._turns: dict[str, asyncio.Lock] = {}
        self._waiting: Counter[str] = Counter()

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WhatsAppInput:
        # The secrets come from the environment (bot.settings), never credentials.yml.
        settings = load_settings()
        if settings.whatsapp is None:
            raise RasaException(
                "WhatsApp is not configured: set WHATSAPP_ACCESS_TOKEN, "
                "WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_APP_SECRET and WHATSAPP_VERIFY_TOKEN"
            )
        return cls(settings.whatsapp, settings.database_url)

    def get_output_channel(self) -> WhatsAppOutput:
        return WhatsAppOutput(self.settings, self.database_url, self.offers)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        handle = guarded(on_new_message)
        webhook = Blueprint("whatsapp_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            return self.handshake(
                request.args.get("hub.mode"),
                request.args.get("hub.verify_token"),
                request.args.get("hub.challenge"),
            )

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return self.receive(request.body or b"", request.headers.get(SIGNATURE_HEADER), handle)

        return webhook

    def handshake(
        self, mode: str | None, verify_token: str | None, challenge: str | None
    ) -> HTTPResponse:
        """Meta's subscription check: the challenge back, for the right verify token only."""
        # compare_digest: the time taken must not tell how much of a guess was right.
        right = hmac.compare_digest(
            (verify_token or "").encode(), self.settings.verify_token.encode()
        )
        if mode == "subscribe" and challenge is not None and right:
            return response.text(challenge)
        logger.warning("whatsapp: a verification request with a wrong token was refused (403)")
        return response.text("forbidden", status=403)

    def receive(self, body: bytes, signature: str | None, handle: OnNewMessage) -> HTTPResponse:
        """Check a notification and schedule its handling; the answer Meta gets at once."""
        if not valid_signature(self.settings.app_secret, body, signature):
            logger.warning("whatsapp: a notification without a valid signature was refused (403)")
            return response.json({"error": "invalid signature"}, status=403)
        try:
            update = parse_update(json.loads(body), self.settings.phone_number_id)
        except (ValueError, BadPayload):
            logger.warning("whatsapp: a signed notification that is not a JSON object (400)")
            return response.json({"error": "the body must be a JSON object"}, status=400)
        if update.error_codes:
            logger.error("whatsapp: Meta reported errors %s", update.error_codes)
        for status in update.statuses:
            self._spawn(self._take_status(status))
        for message in update.messages:
            if not self.seen.first_time(message.message_id):
                logger.info("whatsapp: a redelivered message (%s) was skipped", message.kind)
                continue
            self._spawn(self._in_turn(message.sender, lambda m=message: self._take(m, handle)))
        return response.json({"status": "ok"})

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(self._logged(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _logged(work: Awaitable[None]) -> None:
        try:
            await work
        except Exception as exc:  # noqa: BLE001 - Meta has its 200; log for the operators
            logger.error("whatsapp: handling a notification failed: %s", type(exc).__name__)

    async def _in_turn(self, sender: str, work: Callable[[], Awaitable[None]]) -> None:
        # asyncio.Lock wakes its waiters in order, and tasks start in the order they
        # were created: a conversation's messages are handled as Meta sent them.
        lock = self._turns.setdefault(sender, asyncio.Lock())
        self._waiting[sender] += 1
        try:
            async with lock:
                await work()
        finally:
            self._waiting[sender] -= 1
            if not self._waiting[sender]:
                del self._waiting[sender]
                self._turns.pop(sender, None)

    async def _take(self, message: Inbound, handle: OnNewMessage) -> None:
        output = self.get_output_channel()
        said = answer_text(message, self.offers.take(message.sender))
        if said is None and message.caption and detect_red_flag(message.caption):
            said = message.caption
        try:
            said = checked_message(said) if said and said.strip() else None
        except BadInput:
            said = None
        if said is None:
            if message.kind in SILENT_KINDS:
                return
            logger.info("whatsapp: a message of type %s got the unreadable reply", message.kind)
            # Counted like text, so that a flood of stickers gets no flood of replies.
            if shared_limiter().allow(message.sender):
                await output.send_text_message(message.sender, response_text(UNREADABLE))
            return
        await handle(
            UserMessage(
                said,
                output,
                message.sender,
                input_channel=CHANNEL,
                message_id=message.message_id,
            )
        )

    async def _take_status(self, status: Status) -> None:
        codes = [code for code, _ in status.errors]
        if status.status == FAILED:
            logger.warning("whatsapp: a message failed (errors %s)", codes)
        else:
            logger.debug("whatsapp: status %s", status.status)
        error = error_text(*status.errors[0]) if status.errors else None
        try:
            delivery = record_status(self.database_url, status.message_id, status.status, error)
        except SQLAlchemyError as exc:
            logger.error("whatsapp: recording a status failed: %s", type(exc).__name__)
            return
        if delivery is not None and status.status == FAILED:
            logger.error(
                "whatsapp: an advisor's message was not delivered (errors %s);"
                " recorded in advisor_deliveries for staff",
                codes,
            )

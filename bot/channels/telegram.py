"""The Telegram channel: the Bot API's webhook in, its HTTP methods out.

Rasa 3.6's own connector (aiogram 2.15) cannot check the webhook's secret token, has
no configurable API base and calls ``setWebhook`` whenever Rasa asks for an output
channel (rasa#10666). This one is small and our own:

- ``POST /webhooks/telegram/webhook`` takes Telegram's updates. A request without the
  right ``X-Telegram-Bot-Api-Secret-Token`` gets 403 before its body is read; a body
  that is not a JSON object gets 400. Everything else is answered 200 once handled,
  errors included: Telegram redelivers an update until it gets a 2xx, so a 500 would
  repeat a failing update forever. Redeliveries (the same ``update_id``) are handled
  once.
- A text message, or the payload of a tapped button, goes through ``guarded()`` like
  every channel's (emergencies first, rate limit, payload check, handoff pause). The
  conversation id is the chat id; only private chats are served, so that nobody's
  health questions end up in a group's shared conversation.
- Stickers, photos, voice, locations and edited messages get a short polite reply
  (an edit or a caption that holds a red flag is answered as the emergency it is).
- Out: ``sendMessage`` in plain text (no parse_mode: nothing a patient, the bot or an
  advisor wrote is read as markup), split at Telegram's 4096-character limit; buttons
  as an inline keyboard, one per row. An advisor's message starts with their name.
- ``setWebhook`` (with the secret) is called once when the server has started, if
  TELEGRAM_WEBHOOK_URL is set; polling is not supported.

The bot token is in every API URL: it is never logged (``bot.channels.telegram_api``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.checks import BadInput, checked_message
from bot.channels.guards import guarded
from bot.channels.limits import OnNewMessage, shared_limiter
from bot.channels.telegram_api import TelegramApi
from bot.content import responses
from bot.content import text as response_text
from bot.handoff.advisor import ADVISOR_METADATA, HANDOFF_METADATA
from bot.safety.red_flags import detect_red_flag
from bot.settings import TelegramSettings, load_settings

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# The update types the webhook asks for; the others (channel posts, polls, ...) are
# never sent, so the bot's permissions stay as narrow as its use.
ALLOWED_UPDATES = ("message", "edited_message", "callback_query")
# Telegram's limits: a message's text in UTF-16 code units, a button's callback_data
# in bytes.
MAX_TEXT_UNITS = 4096
MAX_CALLBACK_BYTES = 64
# A payload too long for callback_data travels as this key: deterministic, so that a
# button sent before a restart still maps back (``ButtonPayloads``).
_KEY_PREFIX = "b:"
_KEY = re.compile(r"^b:[0-9a-f]{16}$")
# Telegram's first message in every chat is the command /start: the patient opened
# the bot and should be greeted, as they would be by typing hello.
START_COMMAND = "/start"
START_TEXT = "hello"
# An advisor's display name is staff-entered; a long one would bury the message.
MAX_ADVISOR_NAME = 64
RECENT_UPDATES = 1024

UNREADABLE = "utter_unreadable_message"
TOO_LONG = "utter_fallback_too_long"
UNAVAILABLE = "utter_service_unavailable"


# -- Pure parts: texts, buttons, updates ---------------------------------------------


def _units(char: str) -> int:
    # Characters beyond the Basic Multilingual Plane (most emoji) take two UTF-16 units.
    return 2 if ord(char) > 0xFFFF else 1


def utf16_length(text: str) -> int:
    """The length Telegram counts: UTF-16 code units."""
    return sum(_units(char) for char in text)


def _prefix_end(text: str, limit: int) -> int:
    """The index after the longest prefix of ``text`` within ``limit`` units."""
    used = 0
    for index, char in enumerate(text):
        used += _units(char)
        if used > limit:
            return index
    return len(text)


def split_text(text: str, limit: int = MAX_TEXT_UNITS) -> list[str]:
    """``text`` in parts of at most ``limit`` UTF-16 units, cut after a paragraph, a
    line or a word where one ends in the second half of a part (else anywhere)."""
    parts: list[str] = []
    rest = text.strip()
    while rest:
        if utf16_length(rest) <= limit:
            parts.append(rest)
            break
        end = _prefix_end(rest, limit)
        window = rest[:end]
        cut = end
        for separator in ("\n\n", "\n", " "):
            at = window.rfind(separator)
            if at >= end // 2:
                cut = at
                break
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return parts


def payload_key(payload: str) -> str:
    """The callback_data for ``payload``: itself if it fits, else a short hash key."""
    if len(payload.encode("utf-8")) <= MAX_CALLBACK_BYTES:
        return payload
    return _KEY_PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def _button_payloads(variants: Iterable[dict[str, Any]]) -> Iterable[str]:
    for variant in variants:
        for button in [*(variant.get("buttons") or ()), *(variant.get("quick_replies") or ())]:
            payload = button.get("payload") if isinstance(button, dict) else None
            if isinstance(payload, str):
                yield payload


@lru_cache(maxsize=1)
def _domain_keys() -> dict[str, str]:
    """Key -> payload for the domain's buttons whose payloads need a key."""
    return {
        payload_key(payload): payload
        for variants in responses().values()
        for payload in _button_payloads(variants)
        if payload_key(payload) != payload
    }


class ButtonPayloads:
    """Maps the keys of long payloads back to the payloads.

    Three sources, so that a tap still works after a restart or on another instance:
    the keys this process sent recently, the domain's own buttons (the same key for
    the same payload every time), and the tapped button's title, which Telegram sends
    back with the message and which reads as what the patient chose.
    """

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self._sent: OrderedDict[str, str] = OrderedDict()

    def key_for(self, payload: str) -> str:
        """The callback_data for ``payload``, remembered when it is a key."""
        key = payload_key(payload)
        if key != payload:
            self._sent[key] = payload
            self._sent.move_to_end(key)
            while len(self._sent) > self.size:
                self._sent.popitem(last=False)
        return key

    def payload_for(self, data: str, keyboard: Any = None) -> str | None:
        """The payload of a tapped button's ``data``; None if it cannot be known."""
        if not _KEY.match(data):
            return data
        known = self._sent.get(data) or _domain_keys().get(data)
        if known is not None:
            return known
        return _button_title(keyboard, data)


def _button_title(keyboard: Any, data: str) -> str | None:
    """The title of the button with ``data`` in an inline keyboard, if it is there."""
    rows = keyboard.get("inline_keyboard") if isinstance(keyboard, dict) else None
    for row in rows if isinstance(rows, list) else ():
        for button in row if isinstance(row, list) else ():
            if isinstance(button, dict) and button.get("callback_data") == data:
                title = button.get("text")
                return title if isinstance(title, str) and title.strip() else None
    return None


# The process's payload keys; output channels are created per update, so they share it.
BUTTON_PAYLOADS = ButtonPayloads()


def inline_keyboard(
    buttons: Iterable[dict[str, Any]], payloads: ButtonPayloads = BUTTON_PAYLOADS
) -> dict[str, Any]:
    """An ``InlineKeyboardMarkup`` with one button per row (readable on a phone)."""
    rows = []
    for button in buttons:
        title = str(button.get("title") or button.get("payload") or "").strip()
        if not title:
            continue
        if button.get("url"):
            rows.append([{"text": title, "url": str(button["url"])}])
            continue
        payload = str(button.get("payload") or title)
        rows.append([{"text": title, "callback_data": payloads.key_for(payload)}])
    return {"inline_keyboard": rows}


def secret_matches(presented: str | None, secret: str) -> bool:
    """Whether the webhook request carries the secret token Telegram was given."""
    if not presented or not secret:
        return False
    # compare_digest: the time taken must not tell how much of a guess was right.
    return hmac.compare_digest(presented.encode(), secret.encode())


TEXT = "text"
BUTTON = "button"
OTHER = "other"


@dataclass(frozen=True)
class Incoming:
    """What an update asks of the channel."""

    kind: str  # TEXT, BUTTON or OTHER (anything the assistant cannot read)
    chat_id: str
    # TEXT: the message; BUTTON: the callback_data; OTHER: an edit's text or a
    # caption, read only for red flags.
    text: str | None = None
    callback_query_id: str | None = None
    # BUTTON: the tapped message's inline keyboard (its titles, for long payloads).
    keyboard: Any = field(default=None, compare=False)


def _chat_id(chat: Any) -> str | None:
    """The private chat's id as a string; None for a group, a channel or a bad shape."""
    if not isinstance(chat, dict) or chat.get("type") != "private":
        return None
    chat_id = chat.get("id")
    if isinstance(chat_id, bool) or not isinstance(chat_id, int):
        return None
    return str(chat_id)


def parse_update(update: dict[str, Any]) -> Incoming | None:
    """What ``update`` asks for; None when there is nothing to answer."""
    query = update.get("callback_query")
    if isinstance(query, dict):
        query_id = query.get("id")
        data = query.get("data")
        message = query.get("message") if isinstance(query.get("message"), dict) else {}
        chat = message.get("chat")
        if chat is None and isinstance(query.get("from"), dict):
            # The message may be gone (too old); in a private chat the chat is the user.
            chat = {"type": "private", "id": query["from"].get("id")}
        chat_id = _chat_id(chat)
        if chat_id is None or not isinstance(query_id, str):
            return None
        return Incoming(
            BUTTON,
            chat_id,
            data if isinstance(data, str) else None,
            callback_query_id=query_id,
            keyboard=message.get("reply_markup"),
        )
    for kind in ("message", "edited_message"):
        message = update.get(kind)
        if not isinstance(message, dict):
            continue
        chat_id = _chat_id(message.get("chat"))
        if chat_id is None:
            return None
        text = message.get("text")
        if kind == "message" and isinstance(text, str):
            return Incoming(TEXT, chat_id, text)
        hint = text if isinstance(text, str) else message.get("caption")
        return Incoming(OTHER, chat_id, hint if isinstance(hint, str) else None)
    return None


def as_user_text(text: str) -> str:
    """A typed message as the assistant should read it: /start is a greeting, and a
    command's "@botname" (Telegram adds it in menus) is dropped."""
    if not text.startswith("/"):
        return text
    command, separator, rest = text.partition(" ")
    command = command.split("@", 1)[0]
    if command == START_COMMAND:
        return START_TEXT
    return command + separator + rest


class RecentUpdates:
    """The last ``size`` update ids seen, to handle each redelivered update once."""

    def __init__(self, size: int = RECENT_UPDATES) -> None:
        self.size = size
        self._ids: OrderedDict[int, None] = OrderedDict()

    def first_time(self, update_id: int) -> bool:
        """Whether ``update_id`` is new (it is remembered from now on)."""
        if update_id in self._ids:
            return False
        self._ids[update_id] = None
        while len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return True


# -- Output ----------------------------------------------------------------------------


def _chat(recipient_id: str) -> int | str:
    # Telegram's chat ids are integers; the conversation id is their text.
    try:
        return int(recipient_id)
    except ValueError:
        return recipient_id


def _advisor_name(kwargs: dict[str, Any]) -> str | None:
    """The advisor who wrote this message; None for the assistant's own messages and
    the handoff notices (which say themselves who joined)."""
    advisor = kwargs.get(ADVISOR_METADATA)
    if not advisor or kwargs.get(HANDOFF_METADATA):
        return None
    return " ".join(str(advisor).split())[:MAX_ADVISOR_NAME] or None


class TelegramOutput(OutputChannel):
    """Sends the assistant's messages with the Bot API (plain text, inline keyboards)."""

    def __init__(self, api: TelegramApi, payloads: ButtonPayloads = BUTTON_PAYLOADS) -> None:
        self.api = api
        self.payloads = payloads

    @classmethod
    def name(cls) -> str:
        return "telegram"

    async def _send(
        self, recipient_id: str, text: str, reply_markup: dict[str, Any] | None = None
    ) -> None:
        parts = split_text(text)
        if not parts:
            return  # Telegram refuses an empty message
        for index, part in enumerate(parts):
            body: dict[str, Any] = {"chat_id": _chat(recipient_id), "text": part}
            if reply_markup is not None and index == len(parts) - 1:
                # The buttons belong under the end of the text.
                body["reply_markup"] = reply_markup
            await self.api.call("sendMessage", body)

    def _labelled(self, text: str, kwargs: dict[str, Any]) -> str:
        advisor = _advisor_name(kwargs)
        # The name on a line of its own, as a chat shows who wrote: the patient must
        # know a person, not the automated assistant, is writing.
        return f"{advisor}:\n{text}" if advisor and text else text

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(recipient_id, self._labelled(text or "", kwargs))

    async def send_text_with_buttons(
        self,
        recipient_id: str,
        text: str,
        buttons: list[dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        keyboard = inline_keyboard(buttons or (), self.payloads)
        markup = keyboard if keyboard["inline_keyboard"] else None
        await self._send(recipient_id, self._labelled(text or "", kwargs), markup)

    async def send_quick_replies(
        self,
        recipient_id: str,
        text: str,
        quick_replies: list[dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        # The link alone: Telegram shows its preview. The assistant sends no images today.
        if isinstance(image, str) and image.startswith(("https://", "http://")):
            await self._send(recipient_id, image)

    async def send_attachment(self, recipient_id: str, attachment: Any, **kwargs: Any) -> None:
        if isinstance(attachment, str) and attachment.startswith(("https://", "http://")):
            await self._send(recipient_id, attachment)

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        # Custom payloads are for the web widget; raw JSON would mean nothing here.
        logger.debug("Telegram: a custom message was skipped")

    async def send_named(self, recipient_id: str, name: str, **variables: Any) -> None:
        """Send the domain's response ``name`` with its buttons (channel notices)."""
        variants = responses()[name]
        plain = next((v for v in variants if not v.get("condition")), variants[0])
        buttons = [*(plain.get("buttons") or ()), *(plain.get("quick_replies") or ())]
        await self.send_text_with_buttons(recipient_id, response_text(name, **variables), buttons)

    async def answer_callback_query(self, callback_query_id: str) -> None:
        """Stop the spinner on the tapped button."""
        await self.api.call("answerCallbackQuery", {"callback_query_id": callback_query_id})


# -- Input -----------------------------------------------------------------------------


class TelegramInput(InputChannel):
    """``/webhooks/telegram/webhook`` for the bot configured by TELEGRAM_* settings."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        # The secrets come from the environment (bot.settings), never from the
        # credentials file, which only names the channel.
        settings = load_settings().telegram
        if settings is None:
            raise ValueError(
                "The Telegram channel is listed in Rasa's credentials but not configured:"
                " set TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET"
            )
        return cls(settings)

    def __init__(self, settings: TelegramSettings) -> None:
        self.settings = settings
        self.recent_updates = RecentUpdates()
        self.payloads = BUTTON_PAYLOADS

    def api(self) -> TelegramApi:
        return TelegramApi(self.settings.bot_token, self.settings.api_base)

    def get_output_channel(self) -> TelegramOutput:
        """The output for this bot (also for messages sent through Rasa's HTTP API)."""
        return TelegramOutput(self.api(), self.payloads)

    async def register_webhook(self) -> bool:
        """``setWebhook`` with the secret, if a webhook URL is configured."""
        if not self.settings.webhook_url:
            logger.info("Telegram: TELEGRAM_WEBHOOK_URL is not set; no webhook registered")
            return False
        result = await self.api().call(
            "setWebhook",
            {
                "url": self.settings.webhook_url,
                "secret_token": self.settings.webhook_secret,
                "allowed_updates": list(ALLOWED_UPDATES),
                # Messages sent while the server was down are still answered.
                "drop_pending_updates": False,
            },
        )
        if result is True:
            logger.info("Telegram: webhook registered")
            return True
        logger.error("Telegram: the webhook could not be registered")
        return False

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        # No client address for the rate limit: every update comes from Telegram's
        # servers, so the per-address allowance would be shared by all patients. The
        # per-sender (per-chat) limit applies.
        handle = guarded(on_new_message)
        webhook = Blueprint("telegram_webhook", __name__)

        @webhook.listener("after_server_start")
        async def register(_app: Any, _loop: Any) -> None:
            await self.register_webhook()

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not secret_matches(request.headers.get(SECRET_HEADER), self.settings.webhook_secret):
                logger.warning("Telegram: a webhook request without the right secret was refused")
                return response.json({"ok": False, "description": "Forbidden"}, status=403)
            try:
                update = json.loads(request.body or b"")
            except ValueError:
                update = None
            if not isinstance(update, dict):
                return response.json(
                    {"ok": False, "description": "the body must be a JSON object (an Update)"},
                    status=400,
                )
            update_id = update.get("update_id")
            if isinstance(update_id, int) and not self.recent_updates.first_time(update_id):
                logger.info("Telegram: a redelivered update was skipped")
                return response.json({"ok": True})
            incoming = parse_update(update)
            if incoming is None:
                return response.json({"ok": True})
            output = self.get_output_channel()
            try:
                await self._handle(incoming, output, handle)
            except Exception as exc:  # noqa: BLE001 - answered 200 all the same (see above)
                logger.error("Telegram: handling an update failed: %s", type(exc).__name__)
                await self._tell_failure(output, incoming.chat_id)
            return response.json({"ok": True})

        return webhook

    async def _handle(
        self, incoming: Incoming, output: TelegramOutput, handle: OnNewMessage
    ) -> None:
        if incoming.kind == BUTTON:
            if incoming.callback_query_id:
                await output.answer_callback_query(incoming.callback_query_id)
            payload = (
                self.payloads.payload_for(incoming.text, incoming.keyboard)
                if incoming.text
                else None
            )
            if payload is None:
                await self._unreadable(output, incoming.chat_id)
                return
            await self._process(payload, incoming.chat_id, output, handle)
        elif incoming.kind == TEXT:
            await self._process(as_user_text(incoming.text or ""), incoming.chat_id, output, handle)
        elif incoming.text and detect_red_flag(incoming.text) is not None:
            # An emergency written in an edit or a photo's caption is still answered.
            await self._process(incoming.text, incoming.chat_id, output, handle)
        else:
            await self._unreadable(output, incoming.chat_id)

    async def _process(
        self, text: str, chat_id: str, output: TelegramOutput, handle: OnNewMessage
    ) -> None:
        try:
            text = checked_message(text)
        except BadInput as exc:
            if exc.too_large and shared_limiter().allow(chat_id):
                await output.send_named(chat_id, TOO_LONG)
            return
        await handle(UserMessage(text, output, chat_id, input_channel=self.name()))

    async def _unreadable(self, output: TelegramOutput, chat_id: str) -> None:
        # The per-chat limit: a burst of stickers gets a few replies, not one each.
        if shared_limiter().allow(chat_id):
            await output.send_named(chat_id, UNREADABLE)

    async def _tell_failure(self, output: TelegramOutput, chat_id: str) -> None:
        try:
            contact = load_settings().handoff.clinic_contact
            await output.send_named(chat_id, UNAVAILABLE, clinic_contact=contact)
        except Exception as exc:  # noqa: BLE001 - nothing more to do than log it
            logger.error("Telegram: the failure notice failed too: %s", type(exc).__name__)

"""The WhatsApp Cloud API's messages, read and built: no Rasa, no HTTP, testable alone.

Shapes and limits from Meta's documentation (developers.facebook.com/docs/whatsapp/
cloud-api): webhooks (``entry[].changes[].value`` with ``messages`` and ``statuses``),
the signature (``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body>``), and
the messages endpoint's text and interactive (reply buttons, list) bodies.

Buttons go out natively where WhatsApp can show them: up to 3 as reply buttons, up to
10 as a list, more as numbered lines in the text, answered by typing the number. The
options offered last are remembered per conversation (``OfferedOptions``), so that
the number, or a button whose payload was too long to be its id, finds its payload.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

SIGNATURE_HEADER = "X-Hub-Signature-256"
CHANNEL = "whatsapp"

# Meta's limits, in characters.
MAX_TEXT = 4096
MAX_BODY = 1024  # interactive messages' body
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_LIST_BUTTON = 20
MAX_ID = 256
# The label of the button that opens a list. A symbol, not a word: every text the
# assistant says lives in the domain's responses, and WhatsApp requires some label.
LIST_BUTTON = "☰"
# The id of a button whose payload cannot be its id (too long, or repeated).
_MAPPED_ID = "option:{}"
ELLIPSIS = "…"

# WhatsApp ids are phone numbers in international format without the "+".
_WA_ID = re.compile(r"^[1-9]\d{5,14}$")
_TYPED_NUMBER = re.compile(r"^\s*(\d{1,3})\s*[.)]?\s*$")


# -- Signature ---------------------------------------------------------------------------


def signature(app_secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value Meta sends with ``body``."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def valid_signature(app_secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``header`` signs exactly these raw bytes with the app secret."""
    if not header:
        return False
    # compare_digest: the time taken must not tell how much of a guess was right.
    return hmac.compare_digest(
        header.strip().lower().encode(), signature(app_secret, body).encode()
    )


# -- Webhook payloads --------------------------------------------------------------------


class BadPayload(ValueError):
    """The webhook's body is not the object Meta sends."""


@dataclass(frozen=True)
class Inbound:
    """A message from a patient.

    ``text`` is typed text; ``reply_id`` and ``reply_title`` are a tapped button's or
    list row's id and title (or a template quick reply's payload and text); for other
    kinds (image, audio, sticker, location, reaction, ...) both are None, and
    ``caption`` holds a media caption if there is one.
    """

    message_id: str
    sender: str  # E.164: "+" and the WhatsApp id
    kind: str  # Meta's message type
    text: str | None = None
    reply_id: str | None = None
    reply_title: str | None = None
    caption: str | None = None


@dataclass(frozen=True)
class Status:
    """A status callback of a message the business sent."""

    message_id: str
    status: str  # sent / delivered / read / failed (and others Meta may add)
    recipient: str | None  # E.164
    errors: tuple[tuple[Any, Any], ...] = ()  # (code, title) each


@dataclass(frozen=True)
class Update:
    """What one webhook POST holds for this phone number."""

    messages: list[Inbound] = field(default_factory=list)
    statuses: list[Status] = field(default_factory=list)
    # Changes for another phone number, other fields, and unreadable parts.
    skipped: int = 0
    error_codes: list[Any] = field(default_factory=list)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _e164(wa_id: Any) -> str | None:
    return f"+{wa_id}" if isinstance(wa_id, str) and _WA_ID.match(wa_id) else None


def _inbound(message: dict[str, Any]) -> Inbound | None:
    message_id, sender = message.get("id"), _e164(message.get("from"))
    kind = message.get("type")
    if not isinstance(message_id, str) or not message_id or sender is None:
        return None
    if not isinstance(kind, str):
        kind = "unsupported"
    if kind == "text":
        body = _dict(message.get("text")).get("body")
        return Inbound(message_id, sender, kind, text=body if isinstance(body, str) else None)
    if kind == "interactive":
        interactive = _dict(message.get("interactive"))
        reply = _dict(interactive.get(str(interactive.get("type"))))
        if interactive.get("type") in ("button_reply", "list_reply"):
            return _reply(message_id, sender, kind, reply.get("id"), reply.get("title"))
        return Inbound(message_id, sender, kind)
    if kind == "button":  # a template's quick-reply button
        button = _dict(message.get("button"))
        return _reply(message_id, sender, kind, button.get("payload"), button.get("text"))
    caption = _dict(message.get(kind)).get("caption")
    return Inbound(message_id, sender, kind, caption=caption if isinstance(caption, str) else None)


def _reply(message_id: str, sender: str, kind: str, reply_id: Any, title: Any) -> Inbound:
    return Inbound(
        message_id,
        sender,
        kind,
        reply_id=reply_id if isinstance(reply_id, str) and reply_id else None,
        reply_title=title if isinstance(title, str) and title else None,
    )


def _status(status: dict[str, Any]) -> Status | None:
    message_id, state = status.get("id"), status.get("status")
    if not isinstance(message_id, str) or not isinstance(state, str):
        return None
    errors = tuple(
        (_dict(error).get("code"), _dict(error).get("title"))
        for error in _list(status.get("errors"))
    )
    return Status(message_id, state, _e164(status.get("recipient_id")), errors)


def parse_update(payload: Any, phone_number_id: str) -> Update:
    """The messages and statuses of a webhook body meant for ``phone_number_id``.

    Raises BadPayload when the body is not an object; inside it, whatever cannot be
    read is skipped (and counted), so one odd part never loses the others.
    """
    if not isinstance(payload, dict):
        raise BadPayload("the body must be a JSON object")
    messages: list[Inbound] = []
    statuses: list[Status] = []
    error_codes: list[Any] = []
    skipped = 0
    for entry in _list(payload.get("entry")):
        for change in _list(_dict(entry).get("changes")):
            change = _dict(change)
            value = _dict(change.get("value"))
            number = _dict(value.get("metadata")).get("phone_number_id")
            if change.get("field") != "messages" or str(number) != phone_number_id:
                skipped += 1
                continue
            for message in _list(value.get("messages")):
                inbound = _inbound(_dict(message))
                skipped += inbound is None
                messages += [inbound] if inbound is not None else []
            for status in _list(value.get("statuses")):
                read = _status(_dict(status))
                skipped += read is None
                statuses += [read] if read is not None else []
            error_codes += [_dict(error).get("code") for error in _list(value.get("errors"))]
    return Update(messages, statuses, skipped, error_codes)


# -- Outgoing messages -------------------------------------------------------------------


def recipient(conversation_id: str) -> str | None:
    """The ``to`` of a conversation: its E.164 number without the "+"."""
    number = conversation_id[1:] if conversation_id.startswith("+") else ""
    return number if _WA_ID.match(number) else None


def shorten(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, cut at a word where one is near."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + ELLIPSIS


def _cut(text: str, limit: int) -> int:
    """Where to end a piece of at most ``limit`` characters: at a paragraph or line in
    its second half, else at the last space, else right at the limit."""
    for separator, earliest in (("\n\n", limit // 2), ("\n", limit // 2), (" ", 1)):
        found = text.rfind(separator, 0, limit + 1)
        if found >= earliest:
            return found
    return limit


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, split at paragraphs, lines
    or words where possible."""
    pieces = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _cut(rest, limit)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].strip()
    if rest:
        pieces.append(rest)
    return pieces


def split_for_body(text: str, limit: int = MAX_BODY) -> tuple[list[str], str]:
    """Texts to send first, and a last part of at most ``limit`` characters that the
    interactive message carries as its body (its buttons answer the end of the text)."""
    text = text.strip()
    if len(text) <= limit:
        return [], text
    start = len(text) - limit
    cut = start
    for separator in ("\n\n", "\n", " "):
        found = text.find(separator, start)
        if found != -1:
            cut = found
            break
    head, body = text[:cut].strip(), text[cut:].strip()
    if len(body) > limit or not body:  # no boundary: cut inside a word
        head, body = text[:start].strip(), text[start:].strip()
    return split_text(head), body


@dataclass(frozen=True)
class Option:
    """A button as WhatsApp shows it, and the payload it stands for."""

    id: str
    title: str
    payload: str


def options_of(buttons: list[dict[str, Any]]) -> list[Option]:
    """Rasa's buttons (``title``, ``payload``) as options with WhatsApp ids.

    The id is the payload itself where it fits and is unique, so that a reply is
    understood even after a restart; otherwise a numbered id that ``OfferedOptions``
    maps back.
    """
    options: list[Option] = []
    seen: set[str] = set()
    for number, button in enumerate(buttons, start=1):
        title = str(button.get("title") or button.get("payload") or "").strip()
        payload = str(button.get("payload") or title).strip()
        if not title or not payload:
            continue
        own_id = len(payload) <= MAX_ID and payload not in seen and not _is_mapped(payload)
        option_id = payload if own_id else _MAPPED_ID.format(number)
        seen.add(option_id)
        options.append(Option(option_id, title, payload))
    return options


def _is_mapped(option_id: str) -> bool:
    return re.fullmatch(_MAPPED_ID.format(r"\d+"), option_id) is not None


def _distinct(titles: list[str]) -> bool:
    return len(set(titles)) == len(titles)


def _envelope(to: str, kind: str, content: dict[str, Any]) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": kind,
        kind: content,
    }


def text_message(to: str, body: str) -> dict[str, Any]:
    """A plain text message (at most MAX_TEXT characters: see ``split_text``)."""
    return _envelope(to, "text", {"preview_url": False, "body": body})


def image_message(to: str, link: str) -> dict[str, Any]:
    """An image by URL."""
    return _envelope(to, "image", {"link": link})


def button_message(to: str, body: str, options: list[Option]) -> dict[str, Any]:
    """Interactive reply buttons (up to 3)."""
    buttons = [
        {"type": "reply", "reply": {"id": o.id, "title": shorten(o.title, MAX_BUTTON_TITLE)}}
        for o in options
    ]
    return _envelope(
        to,
        "interactive",
        {"type": "button", "body": {"text": body}, "action": {"buttons": buttons}},
    )


def _row(option: Option) -> dict[str, Any]:
    row = {"id": option.id, "title": shorten(option.title, MAX_ROW_TITLE)}
    if row["title"] != " ".join(option.title.split()):
        # The whole title, where the row's own had to be cut.
        row["description"] = shorten(option.title, MAX_ROW_DESCRIPTION)
    return row


def list_message(to: str, body: str, options: list[Option]) -> dict[str, Any]:
    """An interactive list (up to 10 rows), opened by the LIST_BUTTON."""
    action = {
        "button": LIST_BUTTON[:MAX_LIST_BUTTON],
        "sections": [{"rows": [_row(o) for o in options]}],
    }
    return _envelope(to, "interactive", {"type": "list", "body": {"text": body}, "action": action})


def numbered(text: str, options: list[Option]) -> str:
    """``text`` followed by the options as numbered lines ("1. Yes")."""
    lines = "\n".join(f"{number}. {o.title}" for number, o in enumerate(options, start=1))
    return f"{text.strip()}\n\n{lines}" if text.strip() else lines


@dataclass(frozen=True)
class Offer:
    """Options sent to a patient, and whether they were numbered lines in the text."""

    options: tuple[Option, ...]
    numbered: bool = False


def with_buttons(to: str, text: str, buttons: list[dict[str, Any]]) -> tuple[list[dict], Offer]:
    """The messages that show ``text`` with ``buttons``, and the offer to remember.

    Reply buttons for up to 3, a list for up to 10, numbered lines beyond (or when the
    shortened titles would no longer tell the options apart).
    """
    options = options_of(buttons)
    if not options:
        return [text_message(to, piece) for piece in split_text(text)], Offer(())
    button_titles = [shorten(o.title, MAX_BUTTON_TITLE) for o in options]
    row_titles = [shorten(o.title, MAX_ROW_DESCRIPTION) for o in options]
    if text.strip() and len(options) <= MAX_BUTTONS and _distinct(button_titles):
        before, body = split_for_body(text)
        messages = [*(text_message(to, p) for p in before), button_message(to, body, options)]
        return messages, Offer(tuple(options))
    if text.strip() and len(options) <= MAX_ROWS and _distinct(row_titles):
        before, body = split_for_body(text)
        messages = [*(text_message(to, p) for p in before), list_message(to, body, options)]
        return messages, Offer(tuple(options))
    pieces = split_text(numbered(text, options))
    return [text_message(to, p) for p in pieces], Offer(tuple(options), numbered=True)


class OfferedOptions:
    """The options last offered in each conversation (bounded, in memory).

    A patient's next message takes them (``take``): a typed number then answers a
    numbered offer, and a tapped button finds its payload. Older offers are gone, so a
    "2" typed later is read as text again.
    """

    def __init__(self, max_conversations: int = 10_000) -> None:
        self._offers: OrderedDict[str, Offer] = OrderedDict()
        self._max = max_conversations

    def remember(self, conversation_id: str, offer: Offer) -> None:
        self._offers.pop(conversation_id, None)
        if offer.options:
            self._offers[conversation_id] = offer
            while len(self._offers) > self._max:
                self._offers.popitem(last=False)

    def take(self, conversation_id: str) -> Offer | None:
        return self._offers.pop(conversation_id, None)


def answer_text(message: Inbound, offer: Offer | None) -> str | None:
    """What the patient said, as Rasa should read it; None for a message without text.

    A tapped button or row is its payload (through ``offer`` where its id is a mapped
    one; unknown mapped ids fall back to the title the patient saw). A typed number
    answers a numbered offer.
    """
    if message.reply_id is not None or message.reply_title is not None:
        options = {o.id: o.payload for o in offer.options} if offer else {}
        if message.reply_id in options:
            return options[message.reply_id]
        if message.reply_id is not None and not _is_mapped(message.reply_id):
            return message.reply_id
        return message.reply_title
    if message.text is None:
        return None
    if offer is not None and offer.numbered:
        typed = _TYPED_NUMBER.match(message.text)
        if typed and 1 <= int(typed.group(1)) <= len(offer.options):
            return offer.options[int(typed.group(1)) - 1].payload
    return message.text


class SeenMessages:
    """Message ids already taken (bounded, in memory): Meta redelivers a webhook it
    thinks was not received, and a message must be answered once."""

    def __init__(self, size: int = 10_000) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size

    def first_time(self, message_id: str) -> bool:
        """True the first time ``message_id`` is seen, then False."""
        if message_id in self._ids:
            return False
        self._ids[message_id] = None
        while len(self._ids) > self._size:
            self._ids.popitem(last=False)
        return True

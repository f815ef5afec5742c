"""The Telegram channel's parts: updates, buttons, long payloads, splitting, the secret.

The pure functions directly; the output and the webhook against the fake Bot API on
loopback (``tests.fakes.telegram_bot_api``), the webhook served by a real Sanic server
on a free loopback port with a recording ``on_new_message`` in place of Rasa.
"""

from __future__ import annotations

import json
import logging
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from bot.channels import telegram
from bot.channels.telegram import (
    BUTTON,
    OTHER,
    SECRET_HEADER,
    TEXT,
    ButtonPayloads,
    Incoming,
    RecentUpdates,
    TelegramInput,
    TelegramOutput,
    as_user_text,
    inline_keyboard,
    parse_update,
    payload_key,
    secret_matches,
    split_text,
    utf16_length,
)
from bot.channels.telegram_api import MASK, TelegramApi, masked
from bot.content import text as response_text
from bot.processes.stack import free_port
from bot.settings import TelegramSettings
from tests.fakes.telegram_bot_api import (
    LOCATION,
    PHOTO,
    STICKER,
    FakeBotApi,
    callback_update,
    message,
    text_update,
)

TOKEN = "123456:" + "A" * 35
SECRET = secrets.token_urlsafe(24)
CHAT = 424242
# A readable payload (as the domain's buttons have) too long for callback_data.
LONG_PAYLOAD = "What do the randomised controlled trials of MSC therapy in RA say about safety?"


@pytest.fixture
def fake() -> Iterator[FakeBotApi]:
    with FakeBotApi(TOKEN) as api:
        yield api


def _output(fake: FakeBotApi, payloads: ButtonPayloads | None = None) -> TelegramOutput:
    return TelegramOutput(TelegramApi(TOKEN, fake.url), payloads or ButtonPayloads())


# -- Texts -----------------------------------------------------------------------------


def test_a_short_text_is_one_part() -> None:
    assert split_text("  What is RA?  ") == ["What is RA?"]
    assert split_text("   ") == []


def test_a_long_text_is_cut_after_a_paragraph_and_keeps_every_word() -> None:
    first = "word " * 700  # 3,500 characters
    second = "other " * 300  # 1,800 characters
    parts = split_text(f"{first.strip()}\n\n{second.strip()}")
    assert parts == [first.strip(), second.strip()]
    text = "x" * 9000  # no place to cut: cut anywhere
    assert [len(p) for p in split_text(text)] == [4096, 4096, 808]


def test_the_limit_counts_utf16_units_as_telegram_does() -> None:
    emoji = "😀" * 3000  # 6,000 UTF-16 units
    parts = split_text(emoji)
    assert all(utf16_length(p) <= 4096 for p in parts)
    assert "".join(parts) == emoji
    assert utf16_length("é😀") == 3


def test_words_are_not_cut_when_a_space_is_near() -> None:
    text = " ".join(f"w{i:04d}" for i in range(2000))
    parts = split_text(text)
    assert len(parts) > 1
    assert all(len(p) <= 4096 for p in parts)
    assert " ".join(parts).split() == text.split()


# -- Buttons ---------------------------------------------------------------------------


def test_buttons_become_an_inline_keyboard_one_per_row() -> None:
    keyboard = inline_keyboard(
        [
            {"title": "Yes, store my answers", "payload": "yes"},
            {"title": "Talk to an advisor", "payload": "/request_human"},
            {"title": "Clinic website", "url": "https://clinic.example"},
        ],
        ButtonPayloads(),
    )
    assert keyboard == {
        "inline_keyboard": [
            [{"text": "Yes, store my answers", "callback_data": "yes"}],
            [{"text": "Talk to an advisor", "callback_data": "/request_human"}],
            [{"text": "Clinic website", "url": "https://clinic.example"}],
        ]
    }


def test_a_long_payload_travels_as_a_short_deterministic_key() -> None:
    key = payload_key(LONG_PAYLOAD)
    assert key.startswith("b:") and len(key.encode()) <= 64
    assert key == payload_key(LONG_PAYLOAD)  # the same after a restart
    assert payload_key("yes") == "yes"
    # Bytes count, not characters: 40 "é" are 80 bytes.
    assert payload_key("é" * 32) == "é" * 32
    assert payload_key("é" * 40).startswith("b:")


def test_a_tapped_key_maps_back_to_its_payload() -> None:
    payloads = ButtonPayloads()
    [[button]] = inline_keyboard([{"title": "Tell more", "payload": LONG_PAYLOAD}], payloads)[
        "inline_keyboard"
    ]
    assert button["callback_data"] == payload_key(LONG_PAYLOAD)
    assert payloads.payload_for(button["callback_data"]) == LONG_PAYLOAD
    assert payloads.payload_for("yes") == "yes"


def test_after_a_restart_a_domain_button_still_maps_back(monkeypatch) -> None:
    domain = {"utter_x": [{"text": "Pick", "buttons": [{"title": "T", "payload": LONG_PAYLOAD}]}]}
    monkeypatch.setattr(telegram, "responses", lambda: domain)
    telegram._domain_keys.cache_clear()
    try:
        fresh = ButtonPayloads()  # a new process: nothing sent yet
        assert fresh.payload_for(payload_key(LONG_PAYLOAD)) == LONG_PAYLOAD
    finally:
        telegram._domain_keys.cache_clear()


def test_an_unknown_key_falls_back_to_the_tapped_buttons_title() -> None:
    key = payload_key("x" * 100)
    keyboard = {
        "inline_keyboard": [
            [{"text": "Yes", "callback_data": "yes"}],
            [{"text": "Tell me about the costs", "callback_data": key}],
        ]
    }
    payloads = ButtonPayloads()
    assert payloads.payload_for(key, keyboard) == "Tell me about the costs"
    assert payloads.payload_for(key, None) is None
    assert payloads.payload_for(key, {"inline_keyboard": "broken"}) is None


def test_remembered_keys_are_bounded() -> None:
    payloads = ButtonPayloads(size=3)
    for i in range(10):
        payloads.key_for(f"{i}" + "p" * 80)
    assert payloads.payload_for(payload_key("9" + "p" * 80)) == "9" + "p" * 80
    assert payloads.payload_for(payload_key("0" + "p" * 80)) is None


# -- Updates ---------------------------------------------------------------------------


def test_a_text_message_is_a_message_of_the_chat() -> None:
    assert parse_update(text_update(1, CHAT, "What is RA?")) == Incoming(
        TEXT, str(CHAT), "What is RA?"
    )


def test_a_button_tap_is_its_data_in_the_chat_of_the_message() -> None:
    bot_message = {"message_id": 9, "chat": {"id": CHAT, "type": "private"}, "text": "Agree?"}
    update = callback_update(2, CHAT, "yes", bot_message, query_id="4382bfdwdsb323b2d9")
    assert parse_update(update) == Incoming(
        BUTTON, str(CHAT), "yes", callback_query_id="4382bfdwdsb323b2d9"
    )
    # Without the message (too old), the chat is the user's own.
    del update["callback_query"]["message"]
    assert parse_update(update) == Incoming(
        BUTTON, str(CHAT), "yes", callback_query_id=update["callback_query"]["id"]
    )


@pytest.mark.parametrize(
    ("content", "hint"),
    [
        ({"sticker": STICKER}, None),
        ({"photo": PHOTO}, None),
        ({"photo": PHOTO, "caption": "my hands"}, "my hands"),
        ({"location": LOCATION}, None),
        ({"voice": {"file_id": "v", "file_unique_id": "u", "duration": 2}}, None),
    ],
)
def test_anything_but_text_is_other(content: dict[str, Any], hint: str | None) -> None:
    update = {"update_id": 3, "message": message(CHAT, **content)}
    assert parse_update(update) == Incoming(OTHER, str(CHAT), hint)


def test_an_edited_message_is_other_with_its_text_for_the_red_flag_check() -> None:
    update = {"update_id": 4, "edited_message": message(CHAT, text="I meant RA", edit_date=1)}
    assert parse_update(update) == Incoming(OTHER, str(CHAT), "I meant RA")


@pytest.mark.parametrize(
    "update",
    [
        {"update_id": 5},
        {"update_id": 6, "message": "text"},
        {"update_id": 7, "message": {"text": "no chat"}},
        {
            "update_id": 8,
            "message": {**message(CHAT, text="hi"), "chat": {"id": "1", "type": "private"}},
        },
        {
            "update_id": 9,
            "message": {**message(CHAT, text="hi"), "chat": {"id": -100, "type": "group"}},
        },
        {"update_id": 10, "callback_query": {"id": 5, "data": "yes"}},
        {"update_id": 11, "poll": {"id": "1"}},
    ],
)
def test_groups_and_malformed_updates_ask_for_nothing(update: dict[str, Any]) -> None:
    assert parse_update(update) is None


def test_start_is_a_greeting_and_bot_names_are_dropped_from_commands() -> None:
    assert as_user_text("/start") == "hello"
    assert as_user_text("/start@ClinicBot") == "hello"
    assert as_user_text("/start campaign42") == "hello"
    assert as_user_text("/help@ClinicBot") == "/help"
    assert as_user_text("What is RA?") == "What is RA?"


def test_the_secret_is_compared_exactly() -> None:
    assert secret_matches(SECRET, SECRET)
    assert not secret_matches(None, SECRET)
    assert not secret_matches("", SECRET)
    assert not secret_matches(SECRET[:-1], SECRET)
    assert not secret_matches(SECRET + "x", SECRET)
    assert not secret_matches("anything", "")


def test_recent_updates_remember_a_bounded_number() -> None:
    recent = RecentUpdates(size=2)
    assert recent.first_time(1) and not recent.first_time(1)
    assert recent.first_time(2) and recent.first_time(3)
    assert recent.first_time(1)  # forgotten after two newer ones


# -- Output against the fake Bot API ---------------------------------------------------


async def test_a_text_is_sent_as_plain_text_to_the_chat(fake: FakeBotApi) -> None:
    await _output(fake).send_text_message(str(CHAT), "<b>Hello</b> *there*")
    [call] = fake.calls_to("sendMessage")
    # No parse_mode: what anyone wrote is never read as markup.
    assert call.body == {"chat_id": CHAT, "text": "<b>Hello</b> *there*"}


async def test_a_long_text_is_sent_in_parts(fake: FakeBotApi) -> None:
    text = ("A sentence of the answer. " * 120 + "\n\n") * 2
    await _output(fake).send_text_message(str(CHAT), text)
    texts = fake.texts_to(CHAT)
    assert len(texts) == 2 and all(len(t) <= 4096 for t in texts)
    assert " ".join(texts).split() == text.split()


async def test_buttons_are_sent_under_the_last_part(fake: FakeBotApi) -> None:
    payloads = ButtonPayloads()
    text = "word " * 1000
    buttons = [{"title": "Yes", "payload": "yes"}, {"title": "More", "payload": LONG_PAYLOAD}]
    await _output(fake, payloads).send_text_with_buttons(str(CHAT), text, buttons)
    first, last = fake.sent_to(CHAT)
    assert "reply_markup" not in first
    rows = last["reply_markup"]["inline_keyboard"]
    assert rows == [
        [{"text": "Yes", "callback_data": "yes"}],
        [{"text": "More", "callback_data": payload_key(LONG_PAYLOAD)}],
    ]
    # The fake accepted every button (callback_data within 64 bytes), and a tap maps back.
    assert all(c.method == "sendMessage" for c in fake.calls)
    assert payloads.payload_for(rows[1][0]["callback_data"]) == LONG_PAYLOAD


async def test_quick_replies_are_buttons_too(fake: FakeBotApi) -> None:
    await _output(fake).send_quick_replies(
        str(CHAT), "Agree?", [{"title": "Yes", "payload": "yes"}]
    )
    [body] = fake.sent_to(CHAT)
    assert body["reply_markup"] == {"inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}]]}


async def test_an_advisors_message_starts_with_their_name(fake: FakeBotApi) -> None:
    output = _output(fake)
    await output.send_response(
        str(CHAT), {"text": "Hello, I'm Anna from the clinic", "advisor": "Anna Meier"}
    )
    await output.send_response(
        str(CHAT),
        {
            "text": response_text("utter_advisor_joined"),
            "advisor": "Anna Meier",
            "handoff": "joined",
        },
    )
    await output.send_response(str(CHAT), {"text": "An answer of the assistant"})
    assert fake.texts_to(CHAT) == [
        "Anna Meier:\nHello, I'm Anna from the clinic",
        response_text("utter_advisor_joined"),
        "An answer of the assistant",
    ]


async def test_images_custom_json_and_attachments_never_crash(fake: FakeBotApi) -> None:
    output = _output(fake)
    await output.send_response(
        str(CHAT),
        {
            "text": None,
            "custom": {"widget": "calendar"},
            "image": "https://clinic.example/a.png",
            "attachment": {"type": "file"},
        },
    )
    await output.send_attachment(str(CHAT), "https://clinic.example/leaflet.pdf")
    await output.send_text_message(str(CHAT), "")
    assert fake.texts_to(CHAT) == [
        "https://clinic.example/a.png",
        "https://clinic.example/leaflet.pdf",
    ]


async def test_a_failing_api_is_logged_without_the_token(fake: FakeBotApi, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.channels")
    fake.failures["sendMessage"] = 500
    await _output(fake).send_text_message(str(CHAT), "a private question about my health")
    wrong = TelegramOutput(TelegramApi("999:" + "B" * 35, fake.url), ButtonPayloads())
    await wrong.send_text_message(str(CHAT), "hello")
    nowhere = TelegramOutput(
        TelegramApi(TOKEN, f"http://127.0.0.1:{free_port()}"), ButtonPayloads()
    )
    await nowhere.send_text_message(str(CHAT), "hello")
    logged = caplog.text
    assert "sendMessage failed: HTTP 500" in logged
    assert "sendMessage failed: HTTP 401 (error_code 401)" in logged
    assert "sendMessage failed: ClientConnectorError" in logged
    assert TOKEN not in logged and "B" * 35 not in logged
    assert "private question" not in logged


def test_a_url_is_masked() -> None:
    api = TelegramApi(TOKEN, "https://api.telegram.org")
    assert masked(api.method_url("getMe"), TOKEN) == f"https://api.telegram.org/bot{MASK}/getMe"


async def test_the_webhook_is_registered_with_the_secret(fake: FakeBotApi) -> None:
    settings = TelegramSettings(
        TOKEN, SECRET, "https://bot.clinic.example/webhooks/telegram/webhook", fake.url
    )
    assert await TelegramInput(settings).register_webhook()
    [call] = fake.calls_to("setWebhook")
    assert call.body == {
        "url": "https://bot.clinic.example/webhooks/telegram/webhook",
        "secret_token": SECRET,
        "allowed_updates": ["message", "edited_message", "callback_query"],
        "drop_pending_updates": False,
    }
    unset = TelegramSettings(TOKEN, SECRET, "", fake.url)
    assert not await TelegramInput(unset).register_webhook()
    assert len(fake.calls_to("setWebhook")) == 1


def test_from_credentials_reads_the_settings(monkeypatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("TELEGRAM_API_BASE", "http://127.0.0.1:9")
    channel = TelegramInput.from_credentials(None)
    assert isinstance(channel, TelegramInput)
    assert channel.settings.bot_token == TOKEN and channel.name() == "telegram"
    assert channel.url_prefix() == "telegram"
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "")
    with pytest.raises(ValueError, match="TELEGRAM_BOT_TOKEN"):
        TelegramInput.from_credentials({"access_token": "ignored"})


# -- The webhook on a Sanic server -----------------------------------------------------


class Webhook:
    """The channel's blueprint served on loopback, Rasa replaced by a recorder."""

    def __init__(self, fake: FakeBotApi) -> None:
        self.fake = fake
        self.received: list[UserMessage] = []
        self.fail = False
        self.channel = TelegramInput(
            TelegramSettings(TOKEN, SECRET, "https://bot.clinic.example/hook", fake.url)
        )
        self.url = ""

    async def on_new_message(self, message: UserMessage) -> None:
        self.received.append(message)
        if self.fail:
            raise RuntimeError("the model broke")
        await message.output_channel.send_text_message(message.sender_id, f"echo: {message.text}")

    async def post(self, body: Any, secret: str | None = SECRET, raw: bytes | None = None) -> int:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        data = raw if raw is not None else json.dumps(body).encode()
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{self.url}/webhooks/telegram/webhook", data=data, headers=headers) as r,
        ):
            await r.read()
            return r.status


async def _always() -> bool:
    return True


@pytest.fixture
async def webhook(fake: FakeBotApi, monkeypatch, tmp_path) -> AsyncIterator[Webhook]:
    # No action server runs here; its health check is not what these tests are about.
    monkeypatch.setattr("bot.channels.guards.action_server_answers", _always)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'assistant.db'}")
    monkeypatch.setattr(Sanic, "test_mode", True)
    hook = Webhook(fake)
    app = Sanic(f"telegram_{uuid.uuid4().hex}")
    app.blueprint(hook.channel.blueprint(hook.on_new_message), url_prefix="/webhooks/telegram")
    port = free_port()
    server = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
    )
    await server.startup()
    await server.after_start()
    hook.url = f"http://127.0.0.1:{port}"
    yield hook
    server.close()
    await server.wait_closed()


async def test_the_server_start_registers_the_webhook(webhook: Webhook) -> None:
    [call] = webhook.fake.wait_for("setWebhook", timeout=5)
    assert call.body["secret_token"] == SECRET
    assert call.body["url"] == "https://bot.clinic.example/hook"
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{webhook.url}/webhooks/telegram/") as r,
    ):
        assert r.status == 200 and await r.json() == {"status": "ok"}


@pytest.mark.parametrize("secret", [None, "", "wrong-secret-0123456789", SECRET[:-1]])
async def test_a_request_without_the_secret_is_refused(
    webhook: Webhook, secret: str | None
) -> None:
    assert await webhook.post(text_update(1, CHAT, "What is RA?"), secret=secret) == 403
    assert webhook.received == []
    assert webhook.fake.calls_to("sendMessage") == []


@pytest.mark.parametrize("raw", [b"{not json", b"", b"[1, 2]", b"null", b'"text"', b"\xff\xfe"])
async def test_a_body_that_is_not_an_update_object_is_400(webhook: Webhook, raw: bytes) -> None:
    assert await webhook.post(None, raw=raw) == 400
    assert webhook.received == []


async def test_a_text_message_goes_to_the_assistant_as_the_chat(webhook: Webhook) -> None:
    assert await webhook.post(text_update(10, CHAT, "What is RA?")) == 200
    [message_in] = webhook.received
    assert (message_in.sender_id, message_in.text, message_in.input_channel) == (
        str(CHAT),
        "What is RA?",
        "telegram",
    )
    assert message_in.metadata is None  # nothing of the Telegram profile is stored
    assert webhook.fake.texts_to(CHAT) == ["echo: What is RA?"]


async def test_start_greets(webhook: Webhook) -> None:
    assert await webhook.post(text_update(11, CHAT, "/start")) == 200
    assert [m.text for m in webhook.received] == ["hello"]


async def test_a_redelivered_update_is_handled_once(webhook: Webhook) -> None:
    update = text_update(12, CHAT, "What is RA?")
    assert await webhook.post(update) == 200
    assert await webhook.post(update) == 200
    assert len(webhook.received) == 1
    assert len(webhook.fake.texts_to(CHAT)) == 1


async def test_a_tap_is_answered_and_its_payload_handled(webhook: Webhook) -> None:
    await webhook.channel.get_output_channel().send_text_with_buttons(
        str(CHAT), "More?", [{"title": "Tell me more", "payload": LONG_PAYLOAD}]
    )
    [sent] = webhook.fake.calls_to("sendMessage")
    key = sent.body["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    bot_message = {
        "message_id": 5,
        "from": {"id": 1, "is_bot": True, "first_name": "Bot"},
        "chat": {"id": CHAT, "type": "private"},
        "date": 0,
        "text": "More?",
        "reply_markup": sent.body["reply_markup"],
    }
    assert await webhook.post(callback_update(13, CHAT, key, bot_message, "q-13")) == 200
    [answered] = webhook.fake.calls_to("answerCallbackQuery")
    assert answered.body == {"callback_query_id": "q-13"}
    assert [m.text for m in webhook.received] == [LONG_PAYLOAD]


async def test_a_tap_on_an_unknown_key_uses_the_buttons_title(webhook: Webhook) -> None:
    key = payload_key("z" * 90)  # sent by another process, not in the domain
    markup = {"inline_keyboard": [[{"text": "What affects the price?", "callback_data": key}]]}
    bot_message = {
        "message_id": 6,
        "chat": {"id": CHAT, "type": "private"},
        "date": 0,
        "text": "?",
        "reply_markup": markup,
    }
    assert await webhook.post(callback_update(14, CHAT, key, bot_message, "q-14")) == 200
    assert [m.text for m in webhook.received] == ["What affects the price?"]


@pytest.mark.parametrize(
    "update",
    [
        {"update_id": 20, "message": message(CHAT, sticker=STICKER)},
        {"update_id": 21, "message": message(CHAT, photo=PHOTO)},
        {"update_id": 22, "message": message(CHAT, location=LOCATION)},
        {"update_id": 23, "edited_message": message(CHAT, text="What is MSC?", edit_date=2)},
    ],
)
async def test_what_it_cannot_read_gets_a_polite_reply(webhook: Webhook, update: dict) -> None:
    assert await webhook.post(update) == 200
    assert webhook.received == []
    assert webhook.fake.texts_to(CHAT) == [response_text("utter_unreadable_message")]


async def test_an_emergency_in_an_edit_is_still_answered(webhook: Webhook) -> None:
    update = {
        "update_id": 24,
        "edited_message": message(CHAT, text="I have crushing chest pain", edit_date=2),
    }
    assert await webhook.post(update) == 200
    assert [m.text for m in webhook.received] == ["I have crushing chest pain"]


async def test_a_message_too_long_gets_a_polite_reply(webhook: Webhook) -> None:
    assert await webhook.post(text_update(25, CHAT, "my story " * 3000)) == 200
    assert webhook.received == []
    [body] = webhook.fake.sent_to(CHAT)
    assert body["text"] == response_text("utter_fallback_too_long")
    assert body["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "/request_human"


async def test_a_failure_is_answered_200_and_the_patient_told(webhook: Webhook, caplog) -> None:
    webhook.fail = True
    assert await webhook.post(text_update(26, CHAT, "my secret symptom")) == 200
    [notice] = webhook.fake.texts_to(CHAT)
    assert "technical problem" in notice and "112" in notice
    assert "Telegram: handling an update failed: RuntimeError" in caplog.text
    assert "my secret symptom" not in caplog.text and "the model broke" not in caplog.text


async def test_updates_of_groups_are_not_answered(webhook: Webhook) -> None:
    update = text_update(27, CHAT, "hi")
    update["message"]["chat"] = {"id": -1001234, "type": "supergroup", "title": "RA group"}
    assert await webhook.post(update) == 200
    assert webhook.received == [] and webhook.fake.calls == [
        c for c in webhook.fake.calls if c.method == "setWebhook"
    ]

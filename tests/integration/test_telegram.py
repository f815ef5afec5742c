"""The Telegram channel end to end: a private stack whose Bot API is a loopback fake.

Updates are posted to the Rasa server's webhook in the Bot API's own shapes, as
Telegram would post them, and the assertions read what the fake API received: the
webhook registration, the answers with their inline keyboards, the button taps, the
emergency guidance, the polite replies to stickers and photos, an advisor's reply
through Rasa's HTTP API. Forged requests must reach no conversation: the tracker
store's ``events`` table is read to be sure.
"""

from __future__ import annotations

import itertools
import json
import random
import secrets
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from bot.channels.telegram import SECRET_HEADER
from bot.content import text as response_text
from bot.handoff.advisor import ADVISOR_JOINED, reply
from bot.settings import TelegramSettings, load_settings
from bot.store.db import engine_for
from tests.fakes.telegram_bot_api import (
    PHOTO,
    STICKER,
    FakeBotApi,
    callback_update,
    message,
    text_update,
)
from tests.integration.conftest import ADVISORS_ALWAYS_ON, Assistant, running_assistant

TOKEN = "123456:" + secrets.token_hex(18)[:35]
SECRET = secrets.token_hex(16)
_update_ids = itertools.count(random.randint(10_000_000, 20_000_000))


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeBotApi]:
    with FakeBotApi(TOKEN) as api:
        yield api


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, fake: FakeBotApi) -> Iterator[Assistant]:
    settings = TelegramSettings(
        bot_token=TOKEN,
        webhook_secret=SECRET,
        # Registered at start; Telegram would call it, the tests post to the server.
        webhook_url=f"{fake.url}/hook-not-called",
        api_base=fake.url,
    )
    with running_assistant(
        tmp_path_factory, "telegram", ADVISORS_ALWAYS_ON, telegram=settings
    ) as running:
        yield running


def post(
    assistant: Assistant, update: Any, secret: str | None = SECRET, raw: bytes | None = None
) -> int:
    """POST an update to the webhook as Telegram does; the HTTP status."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    request = urllib.request.Request(
        f"{assistant.base_url}/webhooks/telegram/webhook",
        data=raw if raw is not None else json.dumps(update).encode(),
        method="POST",
        headers=headers,
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class Patient:
    """A Telegram user in a private chat with the bot."""

    def __init__(self, assistant: Assistant, fake: FakeBotApi) -> None:
        self.assistant = assistant
        self.fake = fake
        self.chat_id = random.randint(100_000_000, 999_999_999)

    def _new_messages(self, update: dict[str, Any]) -> list[dict[str, Any]]:
        before = len(self.fake.sent_to(self.chat_id))
        assert post(self.assistant, update) == 200
        # The webhook answers once the update is handled, so the replies have been sent.
        return self.fake.sent_to(self.chat_id)[before:]

    def say(self, text: str) -> list[dict[str, Any]]:
        """Send ``text``; the sendMessage bodies the bot sent in reply."""
        return self._new_messages(text_update(next(_update_ids), self.chat_id, text))

    def tap(self, bot_message: dict[str, Any], title: str) -> list[dict[str, Any]]:
        """Tap the button ``title`` under ``bot_message`` (a sendMessage body)."""
        [data] = [
            button["callback_data"]
            for row in bot_message["reply_markup"]["inline_keyboard"]
            for button in row
            if button["text"] == title
        ]
        shown = {
            "message_id": 1,
            "from": {"id": 7, "is_bot": True, "first_name": "Clinic Assistant"},
            "chat": {"id": self.chat_id, "type": "private", "first_name": "Pat"},
            "date": 0,
            "text": bot_message["text"],
            "reply_markup": bot_message["reply_markup"],
        }
        query_id = secrets.token_hex(8)
        replies = self._new_messages(
            callback_update(next(_update_ids), self.chat_id, data, shown, query_id)
        )
        assert self.fake.calls_to(
            "answerCallbackQuery", lambda b: b["callback_query_id"] == query_id
        )
        return replies


def texts(bodies: list[dict[str, Any]]) -> str:
    return "\n".join(body["text"] for body in bodies)


def with_buttons(bodies: list[dict[str, Any]]) -> dict[str, Any]:
    """The (last) message that carries an inline keyboard."""
    return [body for body in bodies if "reply_markup" in body][-1]


def events_of(assistant: Assistant, chat_id: int) -> list[str]:
    """The types of the events stored for the chat's conversation."""
    with engine_for(assistant.database_url).connect() as connection:
        rows = connection.execute(
            sa.text("SELECT type_name FROM events WHERE sender_id = :s ORDER BY id"),
            {"s": str(chat_id)},
        )
        return [row[0] for row in rows]


def test_the_webhook_is_registered_at_start_with_the_secret(stack, fake) -> None:
    [call] = fake.wait_for("setWebhook", timeout=10)
    assert call.body == {
        "url": f"{fake.url}/hook-not-called",
        "secret_token": SECRET,
        "allowed_updates": ["message", "edited_message", "callback_query"],
        "drop_pending_updates": False,
    }
    status, health = stack.request("GET", "/webhooks/telegram/")
    assert (status, health) == (200, {"status": "ok"})


def test_start_greets_the_patient(stack, fake) -> None:
    patient = Patient(stack, fake)
    assert "automated assistant" in texts(patient.say("/start"))


def test_a_question_gets_the_price_range_with_buttons(stack, fake) -> None:
    patient = Patient(stack, fake)
    replies = patient.say("how much does it cost")
    assert "between €7,000 and €25,000" in texts(replies)
    assert all(body["chat_id"] == patient.chat_id and "parse_mode" not in body for body in replies)
    keyboard = with_buttons(replies)["reply_markup"]["inline_keyboard"]
    assert [row[0]["text"] for row in keyboard] == [
        "Does insurance pay?",
        "Book a free consultation",
    ]
    assert all(len(row) == 1 for row in keyboard)


def test_the_precheck_is_completed_with_taps(stack, fake) -> None:
    patient = Patient(stack, fake)
    consent = with_buttons(patient.say("can I get this treatment?"))
    assert "May the clinic store your answers" in consent["text"]
    question = with_buttons(patient.tap(consent, "Yes, store my answers"))
    assert question["text"].startswith("1/4")
    for number in (2, 3, 4):
        question = with_buttons(patient.tap(question, "No"))
        assert question["text"].startswith(f"{number}/4")
    summary = texts(patient.tap(question, "No"))
    assert "none of the four" in summary
    status, tracker = stack.request(
        "GET", f"/conversations/{patient.chat_id}/tracker", token=stack.token
    )
    assert status == 200
    assert tracker["slots"]["precheck_consent"] is not None
    assert tracker["latest_input_channel"] == "telegram"


def test_an_emergency_gets_the_guidance_first(stack, fake) -> None:
    patient = Patient(stack, fake)
    replies = patient.say("I have crushing chest pain")
    first_line = response_text("utter_emergency").splitlines()[0]
    assert replies and replies[0]["text"].startswith(first_line)
    assert "112" in replies[0]["text"]


@pytest.mark.parametrize(
    "content",
    [{"sticker": STICKER}, {"photo": PHOTO}, "edited"],
    ids=["sticker", "photo", "edited_message"],
)
def test_what_the_bot_cannot_read_gets_a_polite_reply(stack, fake, content) -> None:
    patient = Patient(stack, fake)
    update_id = next(_update_ids)
    if content == "edited":
        update = {
            "update_id": update_id,
            "edited_message": message(patient.chat_id, text="What is RA?", edit_date=1),
        }
    else:
        update = {"update_id": update_id, "message": message(patient.chat_id, **content)}
    assert post(stack, update) == 200
    assert fake.texts_to(patient.chat_id) == [response_text("utter_unreadable_message")]
    assert events_of(stack, patient.chat_id) == []


def test_forged_and_malformed_requests_reach_no_conversation(stack, fake) -> None:
    patient = Patient(stack, fake)
    update = text_update(next(_update_ids), patient.chat_id, "What is RA?")
    assert post(stack, update, secret=None) == 403
    assert post(stack, update, secret="wrong-" + SECRET[6:]) == 403
    assert post(stack, None, raw=b'{"update_id": 1, "message": ') == 400
    assert post(stack, None, raw=b"[]") == 400
    assert events_of(stack, patient.chat_id) == []
    assert fake.sent_to(patient.chat_id) == []
    # The refused update was not remembered as handled: the real one still goes through.
    assert "rheumatoid" in texts(patient.say("What is RA?")).lower()


def test_a_redelivered_update_is_handled_once(stack, fake) -> None:
    patient = Patient(stack, fake)
    update = text_update(next(_update_ids), patient.chat_id, "What are stem cells?")
    assert post(stack, update) == 200
    sent = len(fake.sent_to(patient.chat_id))
    assert sent > 0
    assert post(stack, update) == 200
    assert len(fake.sent_to(patient.chat_id)) == sent
    assert events_of(stack, patient.chat_id).count("user") == 1


def test_an_advisor_replies_in_the_patients_telegram_chat(stack, fake) -> None:
    patient = Patient(stack, fake)
    consent = with_buttons(patient.say("I'd like to talk to a real person"))
    assert "Do you agree?" in consent["text"]
    assert "What name" in texts(patient.tap(consent, "Yes, I agree"))
    assert "How can the advisor reach you" in texts(patient.say("my name is Anna Test"))
    assert "How would you prefer" in texts(patient.say("anna.test@example.com"))
    assert "best time" in texts(patient.say("email"))
    assert "which country" in texts(patient.say("mornings"))
    assert "advisor has been notified" in texts(patient.say("Switzerland"))

    before = len(fake.sent_to(patient.chat_id))
    settings = load_settings(stack.env)
    reply(settings, str(patient.chat_id), "Hello, I'm Anna from the clinic", "Anna Meier")
    fake.wait_for(
        "sendMessage",
        where=lambda b: b["chat_id"] == patient.chat_id and "Anna from the clinic" in b["text"],
        timeout=10,
    )
    pushed = fake.texts_to(patient.chat_id)[before:]
    assert pushed == [response_text(ADVISOR_JOINED), "Anna Meier:\nHello, I'm Anna from the clinic"]
    # Live: the assistant stays quiet, the advisor reads the message in the console.
    assert patient.say("thank you, when can we talk?") == []

"""The same conversations on every channel: REST, the widget's socket.io, Telegram and
WhatsApp (the last two against local servers that speak their APIs).

Emergencies first, the pre-check in free text, "delete my data" with its confirmation,
and the order of a conversation's messages must not depend on where a patient writes.
"""

from __future__ import annotations

import itertools
import json
import random
import secrets
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator

import pytest

from bot.channels.telegram import SECRET_HEADER
from bot.precheck.store import prechecks_of
from bot.settings import TelegramSettings, WhatsAppSettings
from tests.fakes import telegram_bot_api as telegram
from tests.fakes import whatsapp_cloud_api as meta
from tests.fakes.telegram_bot_api import FakeBotApi
from tests.fakes.whatsapp_cloud_api import FakeCloudApi
from tests.integration.chat_client import ChatClient
from tests.integration.conftest import Assistant, running_assistant

TELEGRAM_TOKEN = "123456:" + secrets.token_hex(18)[:35]
TELEGRAM_SECRET = secrets.token_hex(16)
WHATSAPP_TOKEN = "test-token-" + secrets.token_hex(8)
PHONE_ID = "1234567890"
APP_SECRET = secrets.token_hex(16)
SETTLE_SECONDS = 1.0
CHANNELS = ("rest", "socketio", "telegram", "whatsapp")
_update_ids = itertools.count(random.randint(10_000_000, 20_000_000))

START = "can I get this treatment?"
PRECHECK_IN_WORDS = (
    (START, "store your answers"),
    ("yes, you can store them", "1/4"),
    ("no infections", "2/4"),
    ("never had cancer", "3/4"),
    ("no", "4/4"),
    ("nope, nothing like that", "none of the four"),
)


@pytest.fixture(scope="module")
def apis() -> Iterator[tuple[FakeBotApi, FakeCloudApi]]:
    with (
        FakeBotApi(TELEGRAM_TOKEN) as bot_api,
        FakeCloudApi(WHATSAPP_TOKEN, PHONE_ID, "v21.0") as cloud_api,
    ):
        yield bot_api, cloud_api


@pytest.fixture(scope="module")
def everywhere(tmp_path_factory, apis) -> Iterator[Assistant]:
    """One assistant with every channel on."""
    bot_api, cloud_api = apis
    with running_assistant(
        tmp_path_factory,
        "channels",
        telegram=TelegramSettings(TELEGRAM_TOKEN, TELEGRAM_SECRET, api_base=bot_api.url),
        whatsapp=WhatsAppSettings(
            WHATSAPP_TOKEN, PHONE_ID, APP_SECRET, "verify", api_base=cloud_api.url
        ),
    ) as running:
        yield running


def _post(url: str, body: bytes, headers: dict[str, str]) -> None:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    with urllib.request.urlopen(request, timeout=60) as answer:
        assert answer.status == 200


def _settled(count: Callable[[], int], before: int, timeout: float = 45.0) -> None:
    """Wait for a first new message after ``before``, then until none follows."""
    deadline = time.monotonic() + timeout
    while count() <= before:
        assert time.monotonic() < deadline, "no reply"
        time.sleep(0.05)
    last = count()
    while True:
        time.sleep(SETTLE_SECONDS)
        if count() == last:
            return
        last = count()


class Patient:
    """One patient on one channel: ``say`` returns the replies' texts, joined."""

    def __init__(self, channel: str, assistant: Assistant, apis) -> None:
        self.channel, self.assistant = channel, assistant
        self.bot_api, self.cloud_api = apis
        self._chat: ChatClient | None = None
        if channel == "rest":
            self.conversation_id = "rest-" + uuid.uuid4().hex
        elif channel == "socketio":
            self._chat = ChatClient(assistant.base_url)
            self.conversation_id = self._chat.session_id
        elif channel == "telegram":
            self.chat_id = random.randint(10**8, 10**9)
            self.conversation_id = str(self.chat_id)
        else:
            self.wa_id = "4179" + str(secrets.randbelow(10**7)).zfill(7)
            self.conversation_id = "+" + self.wa_id

    def send(self, text: str) -> None:
        """Send without waiting for the answer."""
        if self.channel == "socketio":
            self._chat.send(text)
        elif self.channel == "telegram":
            update = telegram.text_update(next(_update_ids), self.chat_id, text)
            headers = {"Content-Type": "application/json", SECRET_HEADER: TELEGRAM_SECRET}
            _post(
                f"{self.assistant.base_url}/webhooks/telegram/webhook",
                json.dumps(update).encode(),
                headers,
            )
        elif self.channel == "whatsapp":
            body, headers = meta.signed(
                APP_SECRET, meta.text_notification(PHONE_ID, self.wa_id, text)
            )
            _post(f"{self.assistant.base_url}/webhooks/whatsapp/webhook", body, headers)
        else:
            self.assistant.say(self.conversation_id, text)

    def _texts(self) -> list[str]:
        if self.channel == "socketio":
            return [m.get("text", "") for m in list(self._chat.received)]
        if self.channel == "telegram":
            return self.bot_api.texts_to(self.chat_id)
        return [call.text for call in self.cloud_api.sent_to(self.wa_id)]

    def say(self, text: str) -> str:
        if self.channel == "rest":
            return self.assistant.texts(self.conversation_id, text)
        before = len(self._texts())
        self.send(text)
        _settled(lambda: len(self._texts()), before)
        return "\n".join(self._texts()[before:])

    def user_texts(self) -> list[str]:
        status, tracker = self.assistant.request(
            "GET", f"/conversations/{self.conversation_id}/tracker", token=self.assistant.token
        )
        assert status == 200
        return [e["text"] for e in tracker["events"] if e["event"] == "user"]

    def close(self) -> None:
        if self._chat is not None:
            self._chat.close()


@pytest.fixture
def patient(request, everywhere, apis) -> Iterator[Patient]:
    patient = Patient(request.param, everywhere, apis)
    yield patient
    patient.close()


@pytest.mark.parametrize("patient", CHANNELS, indirect=True)
def test_the_precheck_in_free_text_then_delete_my_data(patient, everywhere) -> None:
    for message, expected in PRECHECK_IN_WORDS:
        assert expected in patient.say(message), (patient.channel, message)
    assert len(prechecks_of(everywhere.database_url, patient.conversation_id)) == 1
    assert "can't be undone" in patient.say("please delete my data")
    done = patient.say("yes")
    assert "deleted this conversation" in done, patient.channel
    assert prechecks_of(everywhere.database_url, patient.conversation_id) == []


@pytest.mark.parametrize("patient", CHANNELS, indirect=True)
def test_an_emergency_mid_precheck_is_answered_first(patient) -> None:
    patient.say(START)
    replies = patient.say("I have crushing chest pain right now")
    first_line = replies.splitlines()[0]
    assert "could be an emergency" in first_line and "112" in first_line, replies


# REST answers each request before its client sends the next: ordered by design.
@pytest.mark.parametrize("patient", ("socketio", "telegram", "whatsapp"), indirect=True)
def test_a_conversations_messages_are_kept_in_order(patient) -> None:
    sent = ["hello", "What are MSCs?", "What does it cost?", "How long does it take?"]
    # Sent back to back, without waiting for answers, as a patient typing fast does.
    threads = []
    for text in sent:
        thread = threading.Thread(target=patient.send, args=(text,))
        thread.start()
        threads.append(thread)
        thread.join(timeout=0.05 if patient.channel != "telegram" else 60)
    for thread in threads:
        thread.join(timeout=60)
    deadline = time.monotonic() + 60
    while len(patient.user_texts()) < len(sent):
        assert time.monotonic() < deadline, patient.user_texts()
        time.sleep(0.2)
    assert patient.user_texts() == sent

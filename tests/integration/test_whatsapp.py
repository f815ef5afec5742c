"""The WhatsApp channel end to end: a private assistant whose Cloud API is a fake on
loopback (tests/fakes/whatsapp_cloud_api.py), the only mock, at the internet's edge.

The patient's side is Meta's: signed webhook POSTs of text, tapped buttons and list
rows, media and status callbacks. The advisor's side is ``bot.handoff.advisor``
against Rasa's HTTP API, whose messages Rasa delivers on the patient's latest channel.
"""

from __future__ import annotations

import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from bot.content import text as response_text
from bot.handoff.advisor import ADVISOR_JOINED, AdvisorError, reply
from bot.handoff.delivery_window import OUTSIDE_WINDOW, failed_deliveries
from bot.handoff.queue import current_handoff, open_handoff
from bot.precheck.store import prechecks_of
from bot.settings import WhatsAppSettings, load_settings
from tests.fakes import whatsapp_cloud_api as meta
from tests.fakes.whatsapp_cloud_api import Call, FakeCloudApi
from tests.integration.conftest import (
    ADVISORS_ALWAYS_ON,
    LEAD_FORM_ANSWERS,
    Assistant,
    running_assistant,
)

PHONE_ID = "1234567890"
TOKEN = "test-token-" + secrets.token_hex(12)
APP_SECRET = secrets.token_hex(16)
VERIFY_TOKEN = secrets.token_urlsafe(24)
# The bot has gone quiet when nothing more came for this long.
SETTLE_SECONDS = 0.8


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeCloudApi]:
    with FakeCloudApi(TOKEN, PHONE_ID, "v21.0") as running:
        yield running


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, fake) -> Iterator[Assistant]:
    whatsapp = WhatsAppSettings(
        access_token=TOKEN,
        phone_number_id=PHONE_ID,
        app_secret=APP_SECRET,
        verify_token=VERIFY_TOKEN,
        api_base=fake.url,
        api_version="v21.0",
    )
    with running_assistant(
        tmp_path_factory, f"whatsapp-{uuid.uuid4().hex[:6]}", ADVISORS_ALWAYS_ON, whatsapp=whatsapp
    ) as running:
        yield running


def post(assistant: Assistant, body: bytes, headers: dict[str, str]) -> int:
    """POST to the WhatsApp webhook as Meta would; the status code."""
    request = urllib.request.Request(
        f"{assistant.base_url}/webhooks/whatsapp/webhook", data=body, method="POST", headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def notify(assistant: Assistant, payload: dict) -> None:
    """A notification signed with the app secret; Meta gets 200 at once."""
    assert post(assistant, *meta.signed(APP_SECRET, payload)) == 200


@dataclass
class Patient:
    """One WhatsApp user talking to the clinic's number."""

    assistant: Assistant
    fake: FakeCloudApi
    wa_id: str

    @property
    def conversation_id(self) -> str:
        return f"+{self.wa_id}"

    def _after(self, send: Callable[[], None], timeout: float = 45.0) -> list[Call]:
        """Run ``send``; the messages the patient then gets, once the bot is quiet."""
        before = len(self.fake.sent_to(self.wa_id))
        send()
        self.fake.wait_for(self.wa_id, before + 1, timeout=timeout)
        count = len(self.fake.sent_to(self.wa_id))
        while True:
            time.sleep(SETTLE_SECONDS)
            now = len(self.fake.sent_to(self.wa_id))
            if now == count:
                return self.fake.sent_to(self.wa_id)[before:]
            count = now

    def says(self, text: str) -> list[Call]:
        payload = meta.text_notification(PHONE_ID, self.wa_id, text)
        return self._after(lambda: notify(self.assistant, payload))

    def taps(self, option: dict[str, str], kind: str = "button") -> list[Call]:
        build = meta.button_reply if kind == "button" else meta.list_reply
        payload = build(PHONE_ID, self.wa_id, option["id"], option["title"])
        return self._after(lambda: notify(self.assistant, payload))

    def after(self, action: Callable[[], None]) -> list[Call]:
        return self._after(action)


def texts(calls: list[Call]) -> str:
    return "\n".join(call.text for call in calls)


def option(call: Call, option_id: str) -> dict[str, str]:
    return next(o for o in call.options if o["id"] == option_id)


@pytest.fixture
def patient(assistant, fake) -> Patient:
    return Patient(assistant, fake, "4179" + str(secrets.randbelow(10**7)).zfill(7))


def event_count(assistant: Assistant) -> int:
    engine = sa.create_engine(assistant.database_url, future=True)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT count(*) FROM events")).scalar_one()
    finally:
        engine.dispose()


def test_the_verification_handshake(assistant) -> None:
    def get(query: dict[str, str]) -> tuple[int, str]:
        url = f"{assistant.base_url}/webhooks/whatsapp/webhook?{urllib.parse.urlencode(query)}"
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, ""

    challenge = {"hub.mode": "subscribe", "hub.challenge": "1158201444"}
    assert get({**challenge, "hub.verify_token": VERIFY_TOKEN}) == (200, "1158201444")
    assert get({**challenge, "hub.verify_token": "forged"})[0] == 403


def test_a_price_question_gets_the_clinics_range(patient) -> None:
    answer = texts(patient.says("How much does the treatment cost?"))
    assert "€7,000" in answer and "€25,000" in answer


def test_the_precheck_with_native_buttons(assistant, patient) -> None:
    *_, consent = patient.says("can I get this treatment?")
    assert consent.kind == "button" and "May the clinic store your answers" in consent.text
    assert [o["id"] for o in consent.options] == ["yes", "no"]
    assert all(len(o["title"]) <= 20 for o in consent.options)
    replies = patient.taps(option(consent, "yes"))
    for number in range(1, 5):
        question = replies[-1]
        assert question.text.startswith(f"{number}/4") and question.kind == "button"
        assert [o["title"] for o in question.options] == ["Yes", "No", "Not sure"]
        replies = patient.taps(option(question, "no"))
    assert "none of the four" in texts(replies)
    [stored] = prechecks_of(assistant.database_url, patient.conversation_id)
    assert stored.outcome == "clear"


def test_the_precheck_with_typed_answers(assistant, patient) -> None:
    assert "May the clinic store your answers" in texts(patient.says("can I get this treatment?"))
    patient.says("yes, you can store them")
    for answer in ("no infections", "never had cancer", "no"):
        patient.says(answer)
    assert "none of the four" in texts(patient.says("nope, nothing like that"))
    assert len(prechecks_of(assistant.database_url, patient.conversation_id)) == 1


def test_an_emergency_gets_the_emergency_guidance_first(patient) -> None:
    first, *_ = patient.says("I have crushing chest pain")
    assert "112" in first.text and "144" in first.text


def test_a_photo_gets_a_polite_reply(patient) -> None:
    photo = meta.inbound(PHONE_ID, patient.wa_id, "image", {"id": "1", "mime_type": "image/jpeg"})
    [answer] = patient.after(lambda: notify(patient.assistant, photo))
    assert answer.text == response_text("utter_unreadable_message")


def test_status_callbacks_are_accepted_and_answer_nothing(assistant, fake, patient) -> None:
    before = len(fake.calls)
    for status in ("sent", "delivered", "read", "failed"):
        notify(assistant, meta.status_notification(PHONE_ID, patient.wa_id, "wamid.X", status))
    fake.settled(SETTLE_SECONDS)
    assert len(fake.calls) == before


def test_forged_or_unsigned_posts_are_refused_and_touch_no_conversation(
    assistant, fake, patient
) -> None:
    before = event_count(assistant)
    calls = len(fake.calls)
    payload = meta.text_notification(PHONE_ID, patient.wa_id, "What does it cost?")
    body, headers = meta.signed(APP_SECRET, payload)
    forged = {**headers, "X-Hub-Signature-256": meta.signature("a-guessed-app-secret-0000", body)}
    unsigned = {"Content-Type": "application/json"}
    assert post(assistant, body, forged) == 403
    assert post(assistant, body, unsigned) == 403
    assert post(assistant, body.replace(b"cost", b"kost"), headers) == 403
    broken = b"{not json"
    assert (
        post(assistant, broken, {"X-Hub-Signature-256": meta.signature(APP_SECRET, broken)}) == 400
    )
    fake.settled(SETTLE_SECONDS)
    assert event_count(assistant) == before and len(fake.calls) == calls
    status, _ = assistant.request(
        "GET",
        # Raw: Rasa's routes do not unquote, "%2B41..." would be another conversation.
        f"/conversations/{patient.conversation_id}/tracker",
        token=assistant.token,
    )
    assert status == 200  # Rasa answers with an empty tracker: nothing was recorded
    assert event_count(assistant) == before


def test_an_advisor_reply_reaches_whatsapp_and_its_failure_is_recorded(
    assistant, fake, patient
) -> None:
    settings = load_settings(assistant.env)
    replies: list[Call] = []
    for answer in LEAD_FORM_ANSWERS:
        replies = patient.says(answer)
    assert "advisor has been notified" in texts(replies)
    handoff = current_handoff(assistant.database_url, patient.conversation_id)
    assert handoff is not None and handoff.channel == "whatsapp"

    pushed = patient.after(
        lambda: reply(settings, patient.conversation_id, "Hello Anna, Dr. Weber here.", "Dr. Weber")
    )
    assert [call.text for call in pushed] == [
        response_text(ADVISOR_JOINED),
        "*Dr. Weber*\nHello Anna, Dr. Weber here.",
    ]
    advisor_message = pushed[-1]

    # WhatsApp reports later that the message did not arrive: recorded for staff.
    notify(
        assistant,
        meta.status_notification(PHONE_ID, patient.wa_id, advisor_message.message_id, "failed"),
    )
    deadline = time.monotonic() + 10
    while not failed_deliveries(assistant.database_url, patient.conversation_id):
        assert time.monotonic() < deadline, "the failed delivery was not recorded"
        time.sleep(0.1)
    [failed] = failed_deliveries(assistant.database_url, patient.conversation_id)
    assert (failed.message_id, failed.advisor, failed.error) == (
        advisor_message.message_id,
        "Dr. Weber",
        "131047 Re-engagement message",
    )


def test_an_advisor_reply_after_24_hours_is_refused_with_the_reason(assistant, fake) -> None:
    """A conversation whose patient last wrote 25 hours ago, then 23 hours ago: the
    advisor's reply is refused, then sent."""
    settings = load_settings(assistant.env)
    conversation = "+4179" + str(secrets.randbelow(10**7)).zfill(7)
    path = f"/conversations/{conversation}/tracker/events"
    started = time.time() - 26 * 3600
    # The session starts before the old messages: Rasa's tracker store loads the events
    # of the latest session by their timestamps.
    session_start = [
        {"event": "action", "name": "action_session_start", "timestamp": started},
        {"event": "session_started", "timestamp": started},
        {"event": "action", "name": "action_listen", "timestamp": started},
    ]
    for hours_ago, expected in ((25, "refused"), (23, "sent")):
        user_event = {
            "event": "user",
            "text": "hello",
            "timestamp": time.time() - hours_ago * 3600,
            "input_channel": "whatsapp",
            "parse_data": {"intent": {"name": "greet", "confidence": 1.0}, "entities": []},
        }
        events = [*session_start, user_event] if expected == "refused" else [user_event]
        status, _ = assistant.request("POST", path, events, token=assistant.token)
        assert status == 200
        open_handoff(assistant.database_url, conversation, "whatsapp", "request")
        if expected == "refused":
            with pytest.raises(AdvisorError) as refused:
                reply(settings, conversation, "Hello again", "Dr. Weber")
            assert str(refused.value) == OUTSIDE_WINDOW
            assert fake.sent_to(conversation) == []
        else:
            reply(settings, conversation, "Hello again", "Dr. Weber")
            sent = fake.wait_for(conversation, 2)
            assert sent[-1].text == "*Dr. Weber*\nHello again"


def test_the_lead_form_offers_the_number_the_patient_writes_from(assistant, fake, patient) -> None:
    patient.says("I'd like to talk to a person")
    patient.says("yes")
    [asked] = [c for c in patient.says("Anna Test") if c.options]
    assert "number you are writing from" in asked.text
    [this_number] = [o for o in asked.options if o["title"] == "Yes, this number"]
    assert "How would you prefer" in texts(patient.taps(this_number))
    for answer in ("WhatsApp", "morning", "Switzerland"):
        replies = patient.says(answer)
    assert "advisor has been notified" in texts(replies)
    engine = sa.create_engine(assistant.database_url, future=True)
    try:
        with engine.connect() as connection:
            phone, channel = connection.execute(
                sa.text("SELECT phone, preferred_channel FROM leads WHERE conversation_id = :c"),
                {"c": patient.conversation_id},
            ).one()
    finally:
        engine.dispose()
    assert (phone, channel) == (patient.conversation_id, "whatsapp")

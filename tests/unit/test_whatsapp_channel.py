"""The WhatsApp channel: signatures, Meta's payloads, message building, and the channel
itself over a real Sanic server against the fake Cloud API (tests/fakes).

No Rasa server runs here: ``on_new_message`` is a stand-in that records what Rasa
would get and answers through the channel's output, as Rasa would.
"""

from __future__ import annotations

import asyncio
import secrets
import urllib.error
import urllib.request
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from bot.channels.whatsapp import WhatsAppInput, WhatsAppOutput
from bot.channels.whatsapp_messages import (
    LIST_BUTTON,
    MAX_BODY,
    MAX_TEXT,
    BadPayload,
    Inbound,
    Offer,
    OfferedOptions,
    SeenMessages,
    answer_text,
    options_of,
    parse_update,
    recipient,
    shorten,
    signature,
    split_text,
    valid_signature,
    with_buttons,
)
from bot.content import text as response_text
from bot.handoff.delivery_window import failed_deliveries
from bot.processes.stack import free_port
from bot.settings import WhatsAppSettings
from bot.store.db import session_scope
from bot.store.models import AdvisorDelivery
from tests.fakes import whatsapp_cloud_api as meta
from tests.fakes.whatsapp_cloud_api import FakeCloudApi

PHONE_ID = "1234567890"
SECRET = secrets.token_hex(16)
VERIFY = secrets.token_urlsafe(16)
TOKEN = "test-token-" + secrets.token_hex(8)
YES_NO = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


def new_wa_id() -> str:
    """A fresh Swiss mobile number (WhatsApp id), so tests never share a rate limit."""
    return "4179" + str(secrets.randbelow(10**7)).zfill(7)


# -- Signatures ------------------------------------------------------------------------


def test_a_body_signed_like_meta_is_valid() -> None:
    body, headers = meta.signed(SECRET, {"object": "whatsapp_business_account", "entry": []})
    assert valid_signature(SECRET, body, headers["X-Hub-Signature-256"])
    assert signature(SECRET, body) == headers["X-Hub-Signature-256"]


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha256=",
        "sha256=" + "0" * 64,
        "sha1=abc",
        "garbage",
    ],
)
def test_missing_or_wrong_signatures_are_invalid(header: str | None) -> None:
    assert not valid_signature(SECRET, b'{"entry": []}', header)


def test_a_signature_covers_the_exact_raw_bytes_and_the_secret() -> None:
    body, headers = meta.signed(SECRET, {"entry": []})
    assert not valid_signature(SECRET, body + b" ", headers["X-Hub-Signature-256"])
    # Same JSON, other bytes: Meta signs the bytes, so re-serialised JSON is not valid.
    assert not valid_signature(SECRET, b'{"entry": [] }', headers["X-Hub-Signature-256"])
    assert not valid_signature("another-secret-0123456789", body, headers["X-Hub-Signature-256"])


# -- Reading Meta's payloads -----------------------------------------------------------


def test_a_text_message_is_read_with_the_number_in_e164() -> None:
    update = parse_update(meta.text_notification(PHONE_ID, "41791234567", "Hello"), PHONE_ID)
    [message] = update.messages
    assert (message.sender, message.kind, message.text) == ("+41791234567", "text", "Hello")
    assert message.message_id.startswith("wamid.")
    assert update.statuses == [] and update.skipped == 0


def test_button_and_list_replies_and_template_buttons_are_read() -> None:
    [button] = parse_update(
        meta.button_reply(PHONE_ID, "41791234567", "/affirm", "Yes"), PHONE_ID
    ).messages
    assert (button.kind, button.reply_id, button.reply_title, button.text) == (
        "interactive",
        "/affirm",
        "Yes",
        None,
    )
    [row] = parse_update(
        meta.list_reply(PHONE_ID, "41791234567", "/help", "Topics"), PHONE_ID
    ).messages
    assert (row.reply_id, row.reply_title) == ("/help", "Topics")
    template = meta.inbound(
        PHONE_ID, "41791234567", "button", {"payload": "/request_human", "text": "Advisor"}
    )
    [quick] = parse_update(template, PHONE_ID).messages
    assert (quick.kind, quick.reply_id, quick.reply_title) == (
        "button",
        "/request_human",
        "Advisor",
    )


def test_statuses_are_read_with_their_errors() -> None:
    payload = meta.status_notification(PHONE_ID, "41791234567", "wamid.X", "failed")
    update = parse_update(payload, PHONE_ID)
    assert update.messages == []
    [status] = update.statuses
    assert (status.message_id, status.status, status.recipient) == (
        "wamid.X",
        "failed",
        "+41791234567",
    )
    assert status.errors == ((131047, "Re-engagement message"),)
    [read] = parse_update(
        meta.status_notification(PHONE_ID, "41791234567", "wamid.X", "read"), PHONE_ID
    ).statuses
    assert (read.status, read.errors) == ("read", ())


def test_changes_for_another_number_or_field_are_skipped() -> None:
    other = meta.text_notification("999999999", "41791234567", "Hello")
    assert parse_update(other, PHONE_ID).messages == []
    assert parse_update(other, PHONE_ID).skipped == 1
    account = meta.text_notification(PHONE_ID, "41791234567", "Hello")
    account["entry"][0]["changes"][0]["field"] = "account_update"
    assert parse_update(account, PHONE_ID).messages == []


def test_unreadable_parts_are_skipped_and_the_rest_kept() -> None:
    payload = meta.text_notification(PHONE_ID, "41791234567", "Hello")
    messages = payload["entry"][0]["changes"][0]["value"]["messages"]
    messages.insert(0, {"from": "not-a-number", "id": "wamid.A", "type": "text"})
    messages.insert(0, "a string")
    update = parse_update(payload, PHONE_ID)
    assert [m.text for m in update.messages] == ["Hello"] and update.skipped == 2
    for odd in ({}, {"entry": "x"}, {"entry": [{"changes": [None]}]}):
        assert parse_update(odd, PHONE_ID).messages == []


@pytest.mark.parametrize("payload", [[], "text", 3, None])
def test_a_body_that_is_not_an_object_is_refused(payload: Any) -> None:
    with pytest.raises(BadPayload):
        parse_update(payload, PHONE_ID)


def test_media_are_read_as_their_kind_with_a_caption() -> None:
    image = meta.inbound(PHONE_ID, "41791234567", "image", {"id": "1", "caption": "my knee"})
    [message] = parse_update(image, PHONE_ID).messages
    assert (message.kind, message.text, message.caption) == ("image", None, "my knee")


# -- Building messages -----------------------------------------------------------------


def test_recipient_is_the_number_without_the_plus() -> None:
    assert recipient("+41791234567") == "41791234567"
    for conversation in ("41791234567", "anna", "+41 79", "+0123456", ""):
        assert recipient(conversation) is None


def test_up_to_three_buttons_are_native_reply_buttons_with_short_titles() -> None:
    buttons = [
        {"title": "Yes, store my answers", "payload": "yes"},
        {"title": "No, don't store them", "payload": "no"},
    ]
    [message], offer = with_buttons("41791234567", "May the clinic store them?", buttons)
    interactive = message["interactive"]
    assert message["type"] == "interactive" and interactive["type"] == "button"
    assert interactive["body"] == {"text": "May the clinic store them?"}
    replies = [b["reply"] for b in interactive["action"]["buttons"]]
    assert [r["id"] for r in replies] == ["yes", "no"]
    # 21 characters: cut at a word, with an ellipsis, within WhatsApp's 20.
    assert [r["title"] for r in replies] == ["Yes, store my…", "No, don't store them"]
    assert all(len(r["title"]) <= 20 for r in replies)
    assert not offer.numbered and [o.payload for o in offer.options] == ["yes", "no"]


def test_four_to_ten_buttons_are_a_list_with_full_titles_in_the_description() -> None:
    buttons = [
        {"title": f"Topic number {i} with a long name", "payload": f"/t{i}"} for i in range(7)
    ]
    [message], offer = with_buttons("41791234567", "Pick a topic.", buttons)
    interactive = message["interactive"]
    assert interactive["type"] == "list"
    assert interactive["action"]["button"] == LIST_BUTTON
    rows = interactive["action"]["sections"][0]["rows"]
    assert [r["id"] for r in rows] == [f"/t{i}" for i in range(7)]
    assert all(len(r["title"]) <= 24 for r in rows)
    assert rows[0]["description"] == "Topic number 0 with a long name"
    short = with_buttons("1", "x", [{"title": f"T{i}", "payload": f"{i}"} for i in range(4)])[0]
    assert all(
        "description" not in r for r in short[0]["interactive"]["action"]["sections"][0]["rows"]
    )
    assert not offer.numbered


def test_more_than_ten_buttons_are_numbered_lines_and_a_typed_number_answers() -> None:
    buttons = [{"title": f"Option {i}", "payload": f"/choice{i}"} for i in range(1, 13)]
    [message], offer = with_buttons("41791234567", "Which one?", buttons)
    assert message["type"] == "text"
    body = message["text"]["body"]
    assert body.startswith("Which one?\n\n1. Option 1\n2. Option 2\n")
    assert body.endswith("12. Option 12")
    assert offer.numbered
    typed = Inbound("wamid.1", "+41791234567", "text", text="2")
    assert answer_text(typed, offer) == "/choice2"
    assert answer_text(Inbound("w", "+4179", "text", text=" 12. "), offer) == "/choice12"
    # Out of range, or more than a number: the text as typed.
    assert answer_text(Inbound("w", "+4179", "text", text="13"), offer) == "13"
    assert answer_text(Inbound("w", "+4179", "text", text="2 years"), offer) == "2 years"


def test_a_typed_number_is_text_unless_numbered_options_were_offered() -> None:
    _, native = with_buttons("41791234567", "Yes or no?", YES_NO)
    typed = Inbound("wamid.1", "+41791234567", "text", text="2")
    assert answer_text(typed, native) == "2"
    assert answer_text(typed, None) == "2"


def test_a_long_or_repeated_payload_gets_a_mapped_id_that_finds_it_again() -> None:
    long_payload = '/inform{"note": "' + "x" * 300 + '"}'
    options = options_of(
        [
            {"title": "Long", "payload": long_payload},
            {"title": "Again", "payload": "/affirm"},
            {"title": "Twice", "payload": "/affirm"},
        ]
    )
    assert [o.id for o in options] == ["option:1", "/affirm", "option:3"]
    offer = Offer(tuple(options))
    tapped = Inbound("w", "+4179", "interactive", reply_id="option:1", reply_title="Long")
    assert answer_text(tapped, offer) == long_payload
    # Forgotten (another message came first): the title the patient saw is read.
    assert answer_text(tapped, None) == "Long"
    # A payload that is its own id needs no memory.
    own = Inbound("w", "+4179", "interactive", reply_id="/affirm", reply_title="Again")
    assert answer_text(own, None) == "/affirm"


def test_titles_that_shortening_would_make_equal_go_to_a_list() -> None:
    buttons = [
        {"title": "Less than 5 years ago exactly", "payload": "less"},
        {"title": "Less than 5 years ago roughly", "payload": "roughly"},
    ]
    [message], _ = with_buttons("41791234567", "When?", buttons)
    assert message["interactive"]["type"] == "list"


def test_a_long_text_with_buttons_sends_its_start_first_and_the_end_as_the_body() -> None:
    paragraphs = [f"Paragraph {i}. " + "word " * 60 for i in range(8)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    messages, _ = with_buttons("41791234567", text, YES_NO)
    *before, interactive = messages
    assert before and all(m["type"] == "text" for m in before)
    body = interactive["interactive"]["body"]["text"]
    assert len(body) <= MAX_BODY and body.startswith("Paragraph") and text.endswith(body)
    sent = " ".join([*(m["text"]["body"] for m in before), body])
    assert sent.split() == text.split()


def test_texts_over_the_limit_are_split_at_paragraphs_or_words() -> None:
    text = "\n\n".join("para " * 500 for _ in range(3))
    pieces = split_text(text)
    assert len(pieces) > 1 and all(len(p) <= MAX_TEXT for p in pieces)
    assert " ".join(pieces).split() == text.split()
    unbroken = "x" * (MAX_TEXT + 10)
    assert [len(p) for p in split_text(unbroken)] == [MAX_TEXT, 10]
    assert split_text("short") == ["short"]


def test_shorten_cuts_at_a_word_with_an_ellipsis() -> None:
    assert shorten("What checks come first?", 20) == "What checks come…"
    assert shorten("Privacy", 20) == "Privacy"
    assert shorten("Supercalifragilisticexpialidocious", 10) == "Supercali…"


def test_remembered_offers_and_seen_ids_are_bounded() -> None:
    offers = OfferedOptions(max_conversations=2)
    offer = Offer(tuple(options_of(YES_NO)))
    for conversation in ("a", "b", "c"):
        offers.remember(conversation, offer)
    assert offers.take("a") is None and offers.take("c") == offer
    assert offers.take("c") is None  # taken by the next message
    seen = SeenMessages(size=2)
    assert seen.first_time("1") and not seen.first_time("1")
    assert seen.first_time("2") and seen.first_time("3")
    assert seen.first_time("1")  # forgotten after 2 newer ones


# -- The channel over HTTP, against the fake Cloud API -----------------------------------


@dataclass
class Channel:
    """The running channel, what Rasa received, and the fake Cloud API."""

    port: int
    fake: FakeCloudApi
    received: list[UserMessage]
    input: WhatsAppInput
    database_url: str

    def call(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, str]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/webhooks/whatsapp{path}",
            data=body,
            method=method,
            headers=headers or {},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    async def post(self, payload: Any, headers: dict | None = None, raw: bytes | None = None):
        body, signed_headers = meta.signed(SECRET, payload)
        body = raw if raw is not None else body
        return await asyncio.to_thread(
            self.call, "POST", "/webhook", body, headers if headers is not None else signed_headers
        )

    async def get(self, query: str) -> tuple[int, str]:
        return await asyncio.to_thread(self.call, "GET", f"/webhook?{query}")

    async def wait_for(self, to: str, count: int = 1, **kwargs: Any) -> list[meta.Call]:
        return await asyncio.to_thread(self.fake.wait_for, to, count, **kwargs)

    async def received_by(self, sender: str, count: int = 1) -> list[UserMessage]:
        for _ in range(200):
            found = [m for m in self.received if m.sender_id == sender]
            if len(found) >= count:
                return found
            await asyncio.sleep(0.02)
        raise AssertionError(f"Rasa got {len(found)} of {count} messages")


async def _always() -> bool:
    return True


@pytest.fixture
def fake() -> Iterator[FakeCloudApi]:
    with FakeCloudApi(TOKEN, PHONE_ID) as running:
        yield running


@pytest.fixture
async def channel(monkeypatch, tmp_path, fake) -> AsyncIterator[Channel]:
    # No action server runs here; its health check is not what these tests are about.
    monkeypatch.setattr("bot.channels.guards.action_server_answers", _always)
    # Sanic 21.12 rewrites its request handling at each start; test mode keeps the
    # original, so that more than one app can start in this process.
    monkeypatch.setattr(Sanic, "test_mode", True)
    database_url = f"sqlite:///{tmp_path / 'channel.db'}"
    settings = WhatsAppSettings(TOKEN, PHONE_ID, SECRET, VERIFY, api_base=fake.url)
    whatsapp = WhatsAppInput(settings, database_url)
    received: list[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message)
        await message.output_channel.send_text_with_buttons(
            message.sender_id, f"you said: {message.text}", YES_NO
        )

    app = Sanic(f"whatsapp_{uuid.uuid4().hex}")
    app.blueprint(whatsapp.blueprint(on_new_message), url_prefix="/webhooks/whatsapp")
    port = free_port()
    server = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
    )
    await server.startup()
    yield Channel(port, fake, received, whatsapp, database_url)
    server.close()
    await server.wait_closed()


async def test_the_verification_handshake_returns_the_challenge_for_the_right_token(
    channel: Channel,
) -> None:
    status, body = await channel.get(
        f"hub.mode=subscribe&hub.verify_token={VERIFY}&hub.challenge=1158201444"
    )
    assert (status, body) == (200, "1158201444")
    for query in (
        "hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1",
        f"hub.mode=unsubscribe&hub.verify_token={VERIFY}&hub.challenge=1",
        "hub.mode=subscribe&hub.challenge=1",
    ):
        assert (await channel.get(query))[0] == 403


async def test_posts_without_a_valid_signature_are_refused_and_reach_nobody(
    channel: Channel,
) -> None:
    wa_id = new_wa_id()
    payload = meta.text_notification(PHONE_ID, wa_id, "Hello")
    body, headers = meta.signed(SECRET, payload)
    forged = {**headers, "X-Hub-Signature-256": meta.signature("not-the-app-secret-123", body)}
    assert (await channel.post(payload, headers={"Content-Type": "application/json"}))[0] == 403
    assert (await channel.post(payload, headers=forged))[0] == 403
    tampered = body.replace(b"Hello", b"Hallo")
    assert (await channel.post(payload, headers=headers, raw=tampered))[0] == 403
    await asyncio.sleep(0.3)
    assert channel.received == [] and channel.fake.calls == []


async def test_a_signed_body_that_is_not_json_is_a_bad_request(channel: Channel) -> None:
    for raw in (b"{not json", b"[1, 2]", b"\xff\xfe"):
        headers = {"X-Hub-Signature-256": meta.signature(SECRET, raw)}
        status, _ = await asyncio.to_thread(channel.call, "POST", "/webhook", raw, headers)
        assert status == 400


async def test_a_text_reaches_rasa_and_the_reply_goes_out_as_buttons(channel: Channel) -> None:
    wa_id = new_wa_id()
    status, _ = await channel.post(meta.text_notification(PHONE_ID, wa_id, "What does it cost?"))
    assert status == 200
    [message] = await channel.received_by(f"+{wa_id}")
    assert (message.text, message.input_channel) == ("What does it cost?", "whatsapp")
    assert message.message_id.startswith("wamid.")
    [reply] = await channel.wait_for(wa_id)
    assert reply.kind == "button" and reply.text == "you said: What does it cost?"
    assert [o["id"] for o in reply.options] == ["/affirm", "/deny"]


async def test_a_tapped_button_is_its_payload(channel: Channel) -> None:
    wa_id = new_wa_id()
    await channel.post(meta.button_reply(PHONE_ID, wa_id, "/affirm", "Yes"))
    await channel.post(meta.list_reply(PHONE_ID, wa_id, "/deny", "No"))
    assert [m.text for m in await channel.received_by(f"+{wa_id}", 2)] == ["/affirm", "/deny"]


async def test_a_redelivered_message_is_handled_once(channel: Channel) -> None:
    wa_id = new_wa_id()
    payload = meta.text_notification(PHONE_ID, wa_id, "Hello")
    for _ in range(3):
        assert (await channel.post(payload))[0] == 200
    await channel.wait_for(wa_id)
    await asyncio.sleep(0.3)
    assert len([m for m in channel.received if m.sender_id == f"+{wa_id}"]) == 1


async def test_a_conversations_messages_are_handled_in_order(channel: Channel) -> None:
    wa_id = new_wa_id()
    for number in range(6):
        await channel.post(meta.text_notification(PHONE_ID, wa_id, f"message {number}"))
    received = await channel.received_by(f"+{wa_id}", 6)
    assert [m.text for m in received] == [f"message {n}" for n in range(6)]


async def test_another_numbers_messages_are_ignored(channel: Channel) -> None:
    wa_id = new_wa_id()
    assert (await channel.post(meta.text_notification("555", wa_id, "Hello")))[0] == 200
    await asyncio.sleep(0.3)
    assert channel.received == [] and channel.fake.calls == []


@pytest.mark.parametrize(
    ("kind", "content"),
    [
        ("image", {"id": "1", "mime_type": "image/jpeg"}),
        ("audio", {"id": "2", "voice": True}),
        ("sticker", {"id": "3"}),
        ("location", {"latitude": 47.37, "longitude": 8.54}),
        ("reaction", {"message_id": "wamid.X", "emoji": "👍"}),
        ("unsupported", {}),
    ],
)
async def test_non_text_messages_get_a_polite_reply_and_reach_no_one(
    channel: Channel, kind: str, content: dict
) -> None:
    wa_id = new_wa_id()
    assert (await channel.post(meta.inbound(PHONE_ID, wa_id, kind, content)))[0] == 200
    [reply] = await channel.wait_for(wa_id)
    assert reply.text == response_text("utter_unreadable_message")
    assert channel.received == []


async def test_a_caption_with_a_red_flag_is_read_as_the_emergency(channel: Channel) -> None:
    wa_id = new_wa_id()
    caption = "I have crushing chest pain"
    await channel.post(meta.inbound(PHONE_ID, wa_id, "image", {"id": "1", "caption": caption}))
    [message] = await channel.received_by(f"+{wa_id}")
    assert message.text == caption


async def test_a_typed_number_answers_numbered_options(channel: Channel) -> None:
    wa_id = new_wa_id()
    output = channel.input.get_output_channel()
    buttons = [{"title": f"Choice {i}", "payload": f"choice {i}"} for i in range(1, 12)]
    await output.send_text_with_buttons(f"+{wa_id}", "Pick one", buttons)
    [offer] = await channel.wait_for(wa_id)
    assert offer.kind == "text" and "11. Choice 11" in offer.text
    await channel.post(meta.text_notification(PHONE_ID, wa_id, "3"))
    await channel.post(meta.text_notification(PHONE_ID, wa_id, "3"))
    # The first "3" answers the options; the second comes after another message.
    assert [m.text for m in await channel.received_by(f"+{wa_id}", 2)] == ["choice 3", "3"]


async def test_status_callbacks_are_accepted_without_a_reply(channel: Channel) -> None:
    wa_id = new_wa_id()
    for status in ("sent", "delivered", "read", "failed"):
        payload = meta.status_notification(PHONE_ID, wa_id, meta.new_message_id(), status)
        assert (await channel.post(payload))[0] == 200
    await asyncio.sleep(0.3)
    assert channel.received == [] and channel.fake.calls == []
    assert failed_deliveries(channel.database_url) == []  # none was an advisor's


async def test_an_advisors_message_carries_their_name_and_its_failure_is_recorded(
    channel: Channel,
) -> None:
    wa_id = new_wa_id()
    conversation = f"+{wa_id}"
    output = channel.input.get_output_channel()
    await output.send_text_message(conversation, "Hello Anna", advisor="Dr. *Weber*")
    await output.send_text_message(
        conversation, response_text("utter_advisor_joined"), advisor="Dr. Weber", handoff="joined"
    )
    advisor_message, joined = await channel.wait_for(wa_id, 2)
    assert advisor_message.text == "*Dr. Weber*\nHello Anna"
    assert joined.text == response_text("utter_advisor_joined")
    with session_scope(channel.database_url) as session:
        [row] = session.query(AdvisorDelivery).filter_by(conversation_id=conversation).all()
    assert (row.status, row.message_id, row.advisor) == (
        "sent",
        advisor_message.message_id,
        "Dr. *Weber*",
    )

    for status in ("delivered", "read"):
        payload = meta.status_notification(PHONE_ID, wa_id, row.message_id, status)
        await channel.post(payload)
    await _until(lambda: _status_of(channel, row.message_id) == "read")
    failed = meta.status_notification(PHONE_ID, wa_id, row.message_id, "failed")
    await channel.post(failed)
    await _until(lambda: _status_of(channel, row.message_id) == "failed")
    [recorded] = failed_deliveries(channel.database_url, conversation)
    assert recorded.error == "131047 Re-engagement message"


async def test_a_send_the_api_refuses_is_logged_recorded_and_never_raises(
    channel: Channel, fake: FakeCloudApi, caplog
) -> None:
    wa_id = new_wa_id()
    conversation = f"+{wa_id}"
    output = channel.input.get_output_channel()
    fake.fail_next("server")
    await output.send_text_message(conversation, "first try", advisor="Dr. Weber")
    fake.fail_next("re-engagement")
    await output.send_text_message(conversation, "second try", advisor="Dr. Weber")
    wrong = WhatsAppOutput(
        WhatsAppSettings("wrong-token", PHONE_ID, SECRET, VERIFY, api_base=fake.url),
        channel.database_url,
        OfferedOptions(),
    )
    await wrong.send_text_message(conversation, "third try", advisor="Dr. Weber")
    errors = [d.error for d in failed_deliveries(channel.database_url, conversation)]
    assert errors == [
        "2 An unexpected error has occurred.",
        "131047 (#131047) Re-engagement message",
        "190 Invalid OAuth access token - Cannot parse access token",
    ]
    assert fake.refused[-1][1]["error"]["type"] == "OAuthException"
    # Nothing the patient or advisor wrote, no number, no token in the log.
    logged = caplog.text
    for secret in ("first try", wa_id, TOKEN, "wrong-token"):
        assert secret not in logged


async def test_a_reply_to_a_conversation_that_is_no_phone_number_is_not_sent(
    channel: Channel, fake: FakeCloudApi
) -> None:
    await channel.input.get_output_channel().send_text_message("web-visitor-1", "Hello")
    assert fake.calls == []


def _status_of(channel: Channel, message_id: str) -> str | None:
    with session_scope(channel.database_url) as session:
        row = session.query(AdvisorDelivery).filter_by(message_id=message_id).one_or_none()
        return row.status if row else None


async def _until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")


def test_from_credentials_reads_the_settings(monkeypatch) -> None:
    monkeypatch.setenv("WHATSAPP_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("WHATSAPP_PHONE_NUMBER_ID", PHONE_ID)
    monkeypatch.setenv("WHATSAPP_APP_SECRET", SECRET)
    monkeypatch.setenv("WHATSAPP_VERIFY_TOKEN", VERIFY)
    channel = WhatsAppInput.from_credentials(None)
    assert WhatsAppInput.name() == "whatsapp" and channel.url_prefix() == "whatsapp"
    assert channel.settings.phone_number_id == PHONE_ID
    assert channel.get_output_channel().name() == "whatsapp"
    for key in ("WHATSAPP_ACCESS_TOKEN", "WHATSAPP_PHONE_NUMBER_ID"):
        monkeypatch.delenv(key)
    monkeypatch.delenv("WHATSAPP_APP_SECRET")
    monkeypatch.delenv("WHATSAPP_VERIFY_TOKEN")
    with pytest.raises(Exception, match="WhatsApp is not configured"):
        WhatsAppInput.from_credentials(None)

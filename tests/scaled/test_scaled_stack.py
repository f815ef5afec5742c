"""Two Rasa servers behind nginx, one PostgreSQL, one Redis (``make run-scaled``).

Conversations are sent to both servers directly and through nginx, read back from
PostgreSQL's events table, and must lose, repeat and reorder nothing; the turns of one
conversation arriving at both servers at once must take turns (Redis lock store); an
advisor's reply sent through one server reaches a widget connected to the other (Redis
socket.io queue); two outbox workers deliver each lead once; and when one server is
killed, the other continues every conversation where it was.

The last test kills a server: it stays last in this module (one stack per module).
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import aiohttp
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from bot.handoff.advisor import reply
from bot.settings import load_settings
from tests.integration.chat_client import ChatClient
from tests.integration.conftest import LEAD_FORM_ANSWERS, Assistant
from tests.scaled.conftest import Scaled, wait_until

# The buttons' payloads start the forms: what is tested here is the deployment, not how
# the model reads a sentence.
PRECHECK_START = "/start_precheck"
LEAD_FORM = ("/request_human", *LEAD_FORM_ANSWERS[1:])
PRECHECK_STORE = "yes, you can store them"
PRECHECK_ANSWERS = ["no infections", "never had cancer", "no", "nope, nothing like that"]

SCRIPTS = [
    ["hello", "What is RA?", "What does it cost?", "What are MSCs?", "is it safe?", "thanks"],
    [PRECHECK_START, PRECHECK_STORE, *PRECHECK_ANSWERS],
    ["What are the side effects?", "How long does it take?", PRECHECK_START, PRECHECK_STORE,
     "no infections", "never had cancer"],
    ["hi there", "is this approved?", "what does the evidence say?", "where is the clinic?",
     "What does it cost?", "bye"],
    [PRECHECK_START, "no, please don't store anything", "I have a cold right now", "no", "no",
     "no"],
    ["What is RA?", "can I stop my methotrexate?", "What are MSCs?", "thank you", "hello",
     "What does it cost?"],
]


def joined(texts: list[str]) -> str:
    """Bot texts as one string: the REST channel splits a text at blank lines (Rasa's
    CollectingOutputChannel), the events table keeps it whole."""
    return "\n\n".join(text.strip() for text in texts)


def turns(database_url: str, sender: str) -> list[tuple[str, str]]:
    """The conversation as stored: each user message with the bot texts that follow it."""
    engine = sa.create_engine(database_url, poolclass=NullPool)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"),
            {"s": sender},
        ).all()
    result: list[tuple[str, list[str]]] = []
    for type_name, data in rows:
        event = json.loads(data)
        if type_name == "user":
            result.append((event["text"], []))
        elif type_name == "bot" and result and event.get("text"):
            result[-1][1].append(event["text"])
    return [(message, joined(bot)) for message, bot in result]


def user_message_ids(database_url: str, sender: str) -> list[str]:
    engine = sa.create_engine(database_url, poolclass=NullPool)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT data FROM events WHERE sender_id = :s AND type_name = 'user'"),
            {"s": sender},
        ).all()
    return [json.loads(data)["message_id"] for (data,) in rows]


def reply_texts(replies: list[dict[str, Any]]) -> str:
    return joined([r["text"] for r in replies if r.get("text")])


def tracker(server: Assistant, sender: str) -> dict[str, Any]:
    status, body = server.request("GET", f"/conversations/{sender}/tracker", token=server.token)
    assert status == 200, (status, body)
    return body


def test_conversations_interleaved_over_both_servers_lose_and_reorder_nothing(
    scaled: Scaled,
) -> None:
    # Consecutive messages of a conversation go to different ways in; at each step all
    # conversations are sent at once.
    ways_in = [scaled.servers[0], scaled.servers[1], scaled.front]
    senders = [f"scaled-{n}-{uuid.uuid4().hex[:8]}" for n in range(len(SCRIPTS))]
    answered: dict[str, list[str]] = {sender: [] for sender in senders}
    with ThreadPoolExecutor(len(SCRIPTS)) as pool:
        for step in range(len(SCRIPTS[0])):
            jobs = {
                sender: pool.submit(ways_in[(n + step) % 3].say, sender, SCRIPTS[n][step])
                for n, sender in enumerate(senders)
            }
            for sender, job in jobs.items():
                answered[sender].append(reply_texts(job.result()))

    for n, sender in enumerate(senders):
        stored = turns(scaled.database_url, sender)
        # Every message once, in the order sent, each followed by the very reply its
        # sender got, whichever server answered it.
        assert [message for message, _ in stored] == SCRIPTS[n]
        assert [bot for _, bot in stored] == answered[sender]
        assert all(answered[sender]), "every message got a reply"
        ids = user_message_ids(scaled.database_url, sender)
        assert len(ids) == len(set(ids)) == len(SCRIPTS[n])
    # The pre-check went on across servers: its slots are all there.
    slots = tracker(scaled.servers[0], senders[1])["slots"]
    assert slots["precheck_outcome"] == "clear"
    assert slots["active_infection"] == slots["severe_immunodeficiency"] == "no"


def test_one_conversations_messages_at_both_servers_at_once_take_turns(scaled: Scaled) -> None:
    """Rasa's lock, shared in Redis: two servers never run one conversation's turns side
    by side (the later save would drop the earlier turn's events)."""
    first, second = scaled.servers
    rounds = [
        ("What is RA?", "What does it cost?"),
        ("What are MSCs?", "is it safe?"),
        ("How long does it take?", "is this approved?"),
    ]
    senders = [f"race-{n}-{uuid.uuid4().hex[:8]}" for n in range(4)]
    answers: dict[str, dict[str, str]] = {sender: {} for sender in senders}

    def send(
        start: threading.Barrier, server: Assistant, sender: str, message: str
    ) -> tuple[str, str]:
        start.wait(timeout=30)
        return message, reply_texts(server.say(sender, message))

    with ThreadPoolExecutor(2 * len(senders)) as pool:
        for one, other in rounds:
            start = threading.Barrier(2 * len(senders))
            jobs = [
                (sender, pool.submit(send, start, server, sender, message))
                for sender in senders
                for server, message in ((first, one), (second, other))
            ]
            for sender, job in jobs:
                message, texts = job.result()
                answers[sender][message] = texts

    sent = [message for pair in rounds for message in pair]
    for sender in senders:
        stored = turns(scaled.database_url, sender)
        # Each message once (which of a simultaneous pair came first is the lock's call),
        # and each turn whole: the user message, then exactly the reply it got.
        assert sorted(message for message, _ in stored) == sorted(sent)
        for message, bot in stored:
            assert bot == answers[sender][message], (message, stored)
        for number, (one, other) in enumerate(rounds):
            assert {message for message, _ in stored[2 * number : 2 * number + 2]} == {one, other}


def test_an_advisor_reply_sent_through_one_server_reaches_a_widget_on_the_other(
    scaled: Scaled,
) -> None:
    first, second = scaled.servers
    chat = ChatClient(second.base_url)
    try:
        sid = chat.session_id
        for message in LEAD_FORM:
            assert chat.say(message)
        # The advisor's tools call the first server's HTTP API.
        via_first = load_settings(
            {**scaled.env, "RASA_PORT": first.base_url.rsplit(":", 1)[1]}
        )
        assert via_first.rasa_url == first.base_url
        pushed = chat.after(
            lambda: reply(via_first, sid, "Hello, Dr. Weber here, from the clinic.", "Dr. Weber")
        )
        assert "Dr. Weber here" in pushed
        [written] = [m for m in chat.received if "Dr. Weber here" in m.get("text", "")]
        assert written["advisor"] == "Dr. Weber"
    finally:
        chat.close()


def test_two_outbox_workers_deliver_each_lead_once(scaled: Scaled) -> None:
    senders = [f"lead-{n}-{uuid.uuid4().hex[:8]}" for n in range(4)]
    ways_in = [*scaled.servers, scaled.front]

    def fill(n: int, sender: str) -> None:
        for step, message in enumerate(LEAD_FORM):
            ways_in[(n + step) % 3].say(sender, message)

    with ThreadPoolExecutor(len(senders)) as pool:
        for job in [pool.submit(fill, n, sender) for n, sender in enumerate(senders)]:
            job.result()

    def delivered() -> list[str]:
        return [
            p["conversation_id"]
            for p in scaled.receiver.payloads()
            if p.get("conversation_id") in senders
        ]

    wait_until(lambda: set(delivered()) == set(senders))
    # Both workers keep polling: a row delivered twice would show up within a few passes.
    time.sleep(5)
    assert sorted(delivered()) == sorted(senders)
    engine = sa.create_engine(scaled.database_url, poolclass=NullPool)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT status, attempts FROM outbox WHERE conversation_id = ANY(:s)"),
            {"s": senders},
        ).all()
    assert sorted(rows) == [("delivered", 1)] * len(senders)


async def test_the_widgets_websocket_passes_through_nginx(scaled: Scaled) -> None:
    """Browsers upgrade to a WebSocket: nginx must pass the upgrade on (the test client
    elsewhere uses long-polling)."""
    url = f"{scaled.front.base_url}/socket.io/?EIO=4&transport=websocket"
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as socket:
        opened = await socket.receive_str(timeout=20)
        assert opened.startswith("0") and '"sid"' in opened  # engine.io's open packet
        await socket.send_str("40")  # socket.io: connect to the default namespace
        connected = await socket.receive_str(timeout=20)
        assert connected.startswith("40")


def test_a_killed_server_loses_no_conversation_and_the_other_continues_it(
    scaled: Scaled,
) -> None:
    first, second = scaled.servers
    senders = [f"kill-{n}-{uuid.uuid4().hex[:8]}" for n in range(4)]
    ways_in = [first, second, scaled.front]
    before = [PRECHECK_START, PRECHECK_STORE, PRECHECK_ANSWERS[0]]
    for step, message in enumerate(before):
        for n, sender in enumerate(senders):
            ways_in[(n + step) % 3].say(sender, message)
    # A widget through nginx, mid pre-check too.
    widget = ChatClient(scaled.front.base_url)
    token = widget.token
    try:
        for message in before:
            assert widget.say(message)
    finally:
        widget.close()

    pid = scaled.stack.pid("rasa-1")
    assert pid is not None
    os.killpg(pid, signal.SIGKILL)
    wait_until(lambda: scaled.stack.pid("rasa-1") is None)

    # The other server has each conversation where it was: in the form, first answer kept.
    for sender in senders:
        state = tracker(second, sender)
        assert state["active_loop"].get("name") == "precheck_form"
        assert state["slots"]["active_infection"] == "no"
        assert state["slots"]["precheck_consent"] == "given"

    # The rest of the check, on the surviving server and through nginx, which now
    # passes everything to it.
    for step, message in enumerate(PRECHECK_ANSWERS[1:]):
        for n, sender in enumerate(senders):
            assert (second, scaled.front)[(n + step) % 2].say(sender, message)
    for sender in senders:
        stored = turns(scaled.database_url, sender)
        assert [message for message, _ in stored] == [*before, *PRECHECK_ANSWERS[1:]]
        assert all(bot for _, bot in stored)
        slots = tracker(second, sender)["slots"]
        assert slots["precheck_outcome"] == "clear"
        assert slots["active_infection"] == slots["cancer_last_5_years"] == "no"

    # The widget comes back (a new socket.io session, on the surviving server) with its
    # token: the same conversation, its history, and the check goes on.
    widget = ChatClient(scaled.front.base_url, token)
    try:
        assert widget.session_id == token.rpartition(".")[0]
        wait_until(lambda: bool(widget.history))
        assert [m["text"] for m in widget.history if m["sender"] == "user"] == before
        assert widget.say(PRECHECK_ANSWERS[1])
    finally:
        widget.close()
    slots = tracker(second, widget.session_id)["slots"]
    assert slots["active_infection"] == slots["cancer_last_5_years"] == "no"

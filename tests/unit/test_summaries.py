"""Conversation summaries: read from Rasa's events as turns are saved, incrementally."""

from __future__ import annotations

import logging

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import select

from bot.privacy.erasure import erase_conversation
from bot.store.db import session_scope
from bot.store.models import ConversationSummary, Handoff, Lead, SafetyFlag
from bot.store.summaries import (
    COMPLAINED,
    FALLBACK,
    LOW,
    SEARCH_TEXT_CAP,
    handoff_state,
    main,
    rebuild_all,
    refresh_links,
    scan,
    update_summary,
)
from components.erasing_tracker_store import ErasingSQLTrackerStore
from tests.console import seed
from tests.console.seed import action, bot, conversation, engine_of, insert_events, user
from tests.unit.test_postgresql import _server_answers as _pg_answers
from tests.unit.test_postgresql import pg_url  # noqa: F401 - a fixture

T0 = 1_790_000_000.0


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'summaries.db'}"


def summary_of(url: str, conversation_id: str) -> ConversationSummary | None:
    with session_scope(url) as session:
        return session.get(ConversationSummary, conversation_id)


# --- reading events (pure) -----------------------------------------------------------


def test_an_faq_conversation() -> None:
    events = conversation("faq", T0, channel="telegram")
    result = scan(events)
    assert result.channel == "telegram"
    assert result.turns == 1 + result.faq_answered  # the greeting and the questions
    assert result.faq_answered in (2, 3) and len(result.faq_topics) == result.faq_answered
    assert all(topic.startswith("faq/") for topic in result.faq_topics)
    assert result.fallbacks == 0 and result.unsure == [] and not result.precheck_started
    assert result.started_at == pytest.approx(T0, abs=1)
    assert result.last_message_at > result.started_at
    assert result.texts[0] == "hello"


def test_a_fallback_counts_once_per_message_and_is_unsure() -> None:
    result = scan(conversation("fallback", T0))
    assert result.fallbacks == 1  # nlu_fallback, then action_fallback: one message
    [unsure] = result.unsure
    assert unsure.text == "blorp florp" and unsure.reasons == [FALLBACK]
    # The model's best guess under the fallback, not the fallback itself.
    assert unsure.predicted == "out_of_scope" and unsure.confidence == pytest.approx(0.21)


def test_free_text_answers_in_a_form_are_not_fallbacks() -> None:
    # "chemo finished 3 years ago" is read by the form; its intent is nlu_fallback.
    result = scan(conversation("lead", T0, outcome="contraindicated"))
    assert result.fallbacks == 0 and result.unsure == []
    assert result.precheck_started and result.precheck_outcome == "contraindicated"


def test_a_fallback_action_inside_a_form_counts() -> None:
    events = conversation("precheck", T0)
    form_message = next(
        i for i, e in enumerate(events) if e["event"] == "user" and e["text"] == "yes"
    )
    events.insert(form_message + 2, action("action_fallback", T0 + 500))
    result = scan(events)
    assert result.fallbacks == 1 and [u.text for u in result.unsure] == ["yes"]


def test_a_complaint_after_an_faq_answer_marks_the_question() -> None:
    result = scan(conversation("complaint", T0))
    [unsure] = result.unsure
    assert unsure.text == "can I bring my husband"
    assert unsure.predicted == "faq/medical_evaluation"
    # Doubtful topic (0.32) and the complaint: one message, counted once, two reasons.
    assert unsure.reasons == [LOW, COMPLAINED] and result.unsure_count == 1


@pytest.mark.parametrize(
    "complaint",
    ["That’s not what I asked!", "you didn't understand", "wrong answer", "not my question"],
)
def test_complaints_in_other_words(complaint: str) -> None:
    events = [
        user("What does it cost?", "faq", T0, faq="faq/cost", confidence=0.99),
        action("utter_faq", T0 + 1),
        bot("It costs ...", T0 + 1, "utter_faq/cost"),
        action("action_listen", T0 + 1),
        user(complaint, "out_of_scope", T0 + 10, confidence=0.95),
    ]
    [unsure] = scan(events).unsure
    assert unsure.text == "What does it cost?" and unsure.reasons == [COMPLAINED]


def test_a_no_after_a_greeting_is_no_complaint() -> None:
    events = [
        user("hello", "greet", T0, confidence=1.0),
        action("utter_greet", T0 + 1),
        user("no", "deny", T0 + 5, confidence=1.0),
    ]
    assert scan(events).unsure == []


def test_low_confidence_and_doubtful_faq_topics_are_unsure() -> None:
    events = [
        user(
            "what about dogs", "faq", T0, confidence=0.61, faq="faq/stem_cells", faq_confidence=0.11
        ),
        user("hmm maybe", "affirm", T0 + 5, confidence=0.5),
        user("price?", "faq", T0 + 9, confidence=1.0, faq="faq/cost", faq_confidence=0.5),
        user("/start_precheck", "start_precheck", T0 + 12, confidence=0.2),
    ]
    result = scan(events)
    assert [u.text for u in result.unsure] == ["what about dogs", "hmm maybe"]
    assert result.texts == ["what about dogs", "hmm maybe", "price?"]  # not the payload


def test_a_rule_decided_emergency_is_flagged_and_not_unsure() -> None:
    result = scan(conversation("emergency", T0))
    assert result.red_flag and result.unsure == []


def test_the_handoff_state_follows_the_table_unless_events_are_ahead() -> None:
    assert handoff_state("waiting", "active") == "active"  # claim: pause appended first
    assert handoff_state("active", "closed") == "closed"  # hand-back: resume first
    assert handoff_state("left", "closed") == "left"
    assert handoff_state("waiting", None) == "waiting"
    assert handoff_state(None, None) is None


# --- the table, incrementally --------------------------------------------------------


def test_summaries_are_updated_incrementally(url: str) -> None:
    events = conversation("complaint", T0, channel="whatsapp")
    split = next(i for i, e in enumerate(events) if e.get("text") == "that's not what I asked")
    engine = engine_of(url)
    insert_events(engine, "c1", events[:split])
    first = summary_of(url, "c1")
    assert first.turns == scan(events[:split]).turns and first.unsure == 1  # doubtful topic
    insert_events(engine, "c1", events[split:])
    second = summary_of(url, "c1")
    whole = scan(events)
    assert second.turns == whole.turns == first.turns + 1
    assert second.unsure == 1  # the complaint names a message counted before
    assert second.faq_answered == whole.faq_answered == 2
    assert second.faq_topics == whole.faq_topics
    assert second.channel == "whatsapp"
    assert second.last_event_id > first.last_event_id
    assert "that's not what i asked" in second.search_text
    # Nothing new: nothing changes.
    with session_scope(url) as session:
        assert update_summary(session, "c1").turns == whole.turns


def test_a_complaint_in_a_later_save_finds_the_answer_before_it(url: str) -> None:
    events = [
        user("What does it cost?", "faq", T0, faq="faq/cost", confidence=0.99),
        action("utter_faq", T0 + 1),
        bot("It costs ...", T0 + 1, "utter_faq/cost"),
        action("action_listen", T0 + 1),
    ]
    engine = engine_of(url)
    insert_events(engine, "c1", events)
    assert summary_of(url, "c1").unsure == 0
    insert_events(engine, "c1", [user("that's not what I asked", "deny", T0 + 9)])
    assert summary_of(url, "c1").unsure == 1


def test_no_row_before_the_patient_wrote(url: str) -> None:
    insert_events(url, "c1", conversation("faq", T0)[:3])  # the session start only
    assert summary_of(url, "c1") is None


def test_the_tables_say_lead_handoff_and_flags(url: str) -> None:
    engine = engine_of(url)
    with session_scope(url) as session:
        session.add(
            Lead(
                conversation_id="c1",
                name="Anna",
                preferred_channel="email",
                contact_window="any",
                country="CH",
                warmth="hot",
                warmth_reasons=[],
                status="consultation_booked",
            )
        )
        session.add(Handoff(conversation_id="c1", status="waiting", reason="lead"))
        session.add(SafetyFlag(conversation_id="c1", category="model", detected_by="model"))
    insert_events(engine, "c1", conversation("faq", T0))
    row = summary_of(url, "c1")
    assert (row.lead_warmth, row.consultation_booked) == ("hot", True)
    assert row.handoff_state == "waiting" and row.flagged
    # An advisor claims it: the pause is saved before the table changes.
    insert_events(engine, "c1", [seed.simple("pause", T0 + 900)])
    assert summary_of(url, "c1").handoff_state == "active"
    # Staff mark the model's flag a false alarm: the summary follows.
    with session_scope(url) as session:
        for flag in session.execute(select(SafetyFlag)).scalars():
            flag.false_alarm = True
        refresh_links(session, "c1")
    assert not summary_of(url, "c1").flagged


def test_the_search_text_is_lower_case_and_capped(url: str) -> None:
    long = "Ö" + "x" * 3000
    events = [user(long, "out_of_scope", T0 + i, confidence=0.99) for i in range(4)]
    insert_events(url, "c1", events)
    text = summary_of(url, "c1").search_text
    assert len(text) == SEARCH_TEXT_CAP and text.startswith("öxxx")


def test_rebuild_summarises_conversations_from_before_the_summaries(url: str) -> None:
    engine = engine_of(url)
    insert_events(engine, "old-1", conversation("fallback", T0), summary=False)
    insert_events(engine, "old-2", conversation("precheck", T0), summary=False)
    with session_scope(url) as session:
        assert rebuild_all(session) == 2
        assert rebuild_all(session) == 0
    assert summary_of(url, "old-1").fallbacks == 1
    assert summary_of(url, "old-2").precheck_outcome == "clear"


def test_the_rebuild_command(url: str, capsys) -> None:
    insert_events(url, "old", conversation("faq", T0), summary=False)
    assert main(["--url", url]) == 0
    assert capsys.readouterr().out.strip() == "1 conversation summaries added"
    assert summary_of(url, "old").turns >= 3


def test_seeded_summaries_equal_what_the_tracker_store_computes(url: str) -> None:
    ids = seed.seed_conversations(url, 60, seed=7, batch=25)
    fields = (
        "turns",
        "fallbacks",
        "faq_answered",
        "faq_topics",
        "precheck_started",
        "precheck_outcome",
        "unsure",
        "search_text",
        "channel",
        "last_event_id",
        "lead_warmth",
        "flagged",
        "handoff_state",
    )
    with session_scope(url) as session:
        seeded = {
            row.conversation_id: {f: getattr(row, f) for f in fields}
            for row in session.execute(select(ConversationSummary)).scalars()
        }
        assert sorted(seeded) == ids
        for row in session.execute(select(ConversationSummary)).scalars():
            session.delete(row)
    with session_scope(url) as session:
        for conversation_id in ids:
            again = update_summary(session, conversation_id)
            assert {f: getattr(again, f) for f in fields} == seeded[conversation_id]


# --- the tracker store's hook --------------------------------------------------------

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [greet, affirm, faq]
"""
)


def tracker_of(sender: str, events: list[Event]) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender, events, DOMAIN.slots)


def turn(text: str, intent: str = "greet") -> list[Event]:
    return [
        UserUttered(text, {"name": intent, "confidence": 0.99}, input_channel="socketio"),
        ActionExecuted("utter_greet"),
        BotUttered("Hello!", metadata={"utter_action": "utter_greet"}),
        ActionExecuted("action_listen"),
    ]


@pytest.fixture
def store(url: str) -> ErasingSQLTrackerStore:
    return ErasingSQLTrackerStore(domain=DOMAIN, dialect="sqlite", host=url)


async def test_every_save_updates_the_summary(store: ErasingSQLTrackerStore, url: str) -> None:
    tracker = tracker_of("alice", [ActionExecuted("action_listen"), *turn("Hello there")])
    await store.save(tracker)
    assert summary_of(url, "alice").turns == 1
    for event in turn("And again"):
        tracker.update(event)
    await store.save(tracker)
    row = summary_of(url, "alice")
    assert row.turns == 2 and row.channel == "socketio"
    assert row.search_text == "hello there\nand again"


async def test_a_failing_summary_never_loses_the_turn(
    store: ErasingSQLTrackerStore, url: str, monkeypatch, caplog
) -> None:
    def broken(session, conversation_id):  # noqa: ANN001, ANN202
        raise RuntimeError("my email is anna@example.com")

    monkeypatch.setattr("components.erasing_tracker_store.update_summary", broken)
    with caplog.at_level(logging.ERROR):
        await store.save(tracker_of("alice", turn("hello")))
    saved = await store.retrieve_full_tracker("alice")
    assert saved is not None and len(saved.events) == 4
    assert "summarising a conversation failed: RuntimeError" in caplog.text
    assert "anna@example.com" not in caplog.text
    assert summary_of(url, "alice") is None
    # The next save catches up with what the failed one missed.
    monkeypatch.undo()
    tracker = await store.retrieve("alice")
    for event in turn("hello again"):
        tracker.update(event)
    await store.save(tracker)
    assert summary_of(url, "alice").turns == 2


async def test_an_erased_conversation_leaves_no_summary(
    store: ErasingSQLTrackerStore, url: str
) -> None:
    tracker = tracker_of("alice", turn("my email is anna@example.com"))
    await store.save(tracker)
    assert summary_of(url, "alice") is not None
    with session_scope(url) as session:
        erase_conversation(session, "alice")  # what action_erase_data does
    for event in (
        UserUttered("yes", {"name": "affirm"}),
        ActionExecuted("action_erase_data"),
        BotUttered("Done: I've deleted this conversation."),
        ActionExecuted("action_listen"),
    ):
        tracker.update(event)
    await store.save(tracker)
    assert summary_of(url, "alice") is None
    # The conversation goes on: a new summary, without the erased messages.
    tracker = await store.retrieve("alice")
    for event in turn("hello again"):
        tracker.update(event)
    await store.save(tracker)
    row = summary_of(url, "alice")
    assert row.turns == 1 and row.search_text == "hello again"


# --- PostgreSQL (the scale-out path) -------------------------------------------------


@pytest.mark.skipif(not _pg_answers(), reason="no PostgreSQL server")
def test_summaries_and_the_list_on_postgresql(pg_url: str) -> None:  # noqa: F811
    from bot.console.conversations import Filters, list_page
    from bot.console.safety_queue import triggering_messages

    ids = seed.seed_conversations(pg_url, 150, seed=11, batch=40)
    # Incremental updates after the bulk load.
    insert_events(pg_url, ids[0], conversation("fallback", T0 + 10**7))
    with session_scope(pg_url) as session:
        row = session.get(ConversationSummary, ids[0])
        assert row.fallbacks >= 1 and row.last_event_id > 0
        row.tags = ["follow up"]
        everyone = list_page(session, Filters(), size=200)
        assert everyone.total == 150 and len(everyone.rows) == 150
        first = list_page(session, Filters(), size=60)
        second = list_page(session, Filters(), after=first.older, size=60)
        back = list_page(session, Filters(), before=second.newer, size=60)
        assert [r.conversation_id for r in back.rows] == [r.conversation_id for r in first.rows]
        assert not {r.conversation_id for r in first.rows} & {
            r.conversation_id for r in second.rows
        }
    with session_scope(pg_url) as session:
        for args, check in (
            ({"tag": "follow up"}, lambda r: r.tags == ["follow up"]),
            ({"q": "chest pain"}, lambda r: r.flagged),
            ({"flagged": "yes"}, lambda r: r.flagged),
            ({"fallback": "yes", "reviewed": "no"}, lambda r: r.fallbacks > 0),
            ({"from": "2020-01-01", "channel": "whatsapp"}, lambda r: r.channel == "whatsapp"),
        ):
            page = list_page(session, Filters.from_args(args), size=200)
            assert page.rows and all(check(r) for r in page.rows), args
        flags = list(session.execute(select(SafetyFlag)).scalars())
        messages = triggering_messages(session, flags)
        assert flags and all("chest pain" in messages[f.id].text for f in flags)


async def test_a_lone_surrogate_is_stored_as_a_question_mark(
    store: ErasingSQLTrackerStore, url: str
) -> None:
    # A hostile client's JSON can carry half an emoji; SQLite refuses to store it.
    tracker = tracker_of("eve", [ActionExecuted("action_listen"), *turn("hi \ud83d there")])
    await store.save(tracker)
    assert summary_of(url, "eve").search_text == "hi ? there"


async def test_a_database_error_in_the_summary_does_not_stop_the_server(
    store: ErasingSQLTrackerStore, url: str, monkeypatch
) -> None:
    from sqlalchemy.exc import OperationalError

    def failing(session, conversation_id):  # noqa: ANN001, ANN202
        raise OperationalError("INSERT", {}, Exception("disk I/O error"))

    monkeypatch.setattr("components.erasing_tracker_store.update_summary", failing)
    # Rasa's own session_scope() would sys.exit() here, ending the server.
    await store.save(tracker_of("dave", [ActionExecuted("action_listen"), *turn("Hello")]))

"""Realistic conversations in the database, fast: Rasa's ``events`` rows and our
``conversation_summaries`` (plus leads, handoffs and safety flags where the story has
them).

The event dicts have the shapes Rasa 3.6 writes (``Event.as_dict()``; compare a row of
a real tracker store: ``user`` with ``parse_data`` and ``input_channel``, ``action``,
``bot`` with ``metadata.utter_action``, ``slot``, ``active_loop``, ``pause`` ...).

    from tests.console.seed import seed_conversations, conversation, insert_events
    ids = seed_conversations(database_url, 100_000)          # bulk, about a minute
    insert_events(database_url, "c1", conversation("faq", start))  # one, for a test

The summaries are computed from the same events by ``bot.store.summaries.scan``, so
list, dashboard and transcript agree. Used by the console tests, the dashboard's tests
and the console benchmark.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import create_engine, event, func, insert, select
from sqlalchemy.engine import Connection, Engine

from bot.store.migrate import upgrade
from bot.store.models import ConversationSummary, Handoff, Lead, SafetyFlag
from bot.store.rasa_events import events as events_table
from bot.store.rasa_events import rasa_metadata
from bot.store.summaries import append_search_text, new_summary, scan

Event = dict[str, Any]
META = {"model_id": "8c9fb4cf48de48b2ad3eb34061117333", "assistant_id": "ra-msc-assistant"}
CHANNELS = ("socketio", "rest", "telegram", "whatsapp")

# --- single events, in Rasa's JSON ---------------------------------------------------


def action(name: str, at: float, policy: str | None = "RulePolicy") -> Event:
    return {
        "event": "action",
        "timestamp": at,
        "metadata": dict(META),
        "name": name,
        "policy": policy,
        "confidence": 1.0 if policy else None,
        "action_text": None,
        "hide_rule_turn": False,
    }


def user(
    text: str,
    intent: str,
    at: float,
    *,
    confidence: float = 0.97,
    channel: str = "socketio",
    faq: str | None = None,
    faq_confidence: float = 0.91,
    ranking: Sequence[tuple[str, float]] = (),
    red_flag: dict[str, Any] | None = None,
) -> Event:
    """A patient's message as the NLU pipeline parsed it (``faq`` = ``faq/<topic>``)."""
    intent_ranking = [{"name": intent, "confidence": confidence}] + [
        {"name": name, "confidence": value} for name, value in ranking
    ]
    parse_data: dict[str, Any] = {
        "intent": {"name": intent, "confidence": confidence},
        "entities": [],
        "text": text,
        "message_id": f"m{int(at * 1000)}",
        "metadata": {},
        "text_tokens": [],
        "intent_ranking": intent_ranking,
        "response_selector": {
            "all_retrieval_intents": ["faq"],
            "faq": {
                "response": {
                    "responses": [{"text": "..."}],
                    "confidence": faq_confidence if faq else 0.08,
                    "intent_response_key": faq or "faq/effectiveness",
                    "utter_action": f"utter_{faq or 'faq/effectiveness'}",
                },
                "ranking": [],
            },
        },
    }
    if red_flag:
        parse_data["red_flag"] = red_flag
    return {
        "event": "user",
        "timestamp": at,
        "metadata": dict(META),
        "text": text,
        "parse_data": parse_data,
        "input_channel": channel,
        "message_id": parse_data["message_id"],
    }


def bot(
    text: str,
    at: float,
    utter_action: str | None = None,
    *,
    advisor: str | None = None,
    buttons: Sequence[tuple[str, str]] = (),
) -> Event:
    metadata: dict[str, Any] = dict(META)
    if utter_action:
        metadata["utter_action"] = utter_action
    if advisor:
        metadata["advisor"] = advisor
    return {
        "event": "bot",
        "timestamp": at,
        "metadata": metadata,
        "text": text,
        "data": {
            "elements": None,
            "quick_replies": None,
            "buttons": [{"title": t, "payload": p} for t, p in buttons] or None,
            "attachment": None,
            "image": None,
            "custom": None,
        },
    }


def slot(name: str, value: Any, at: float) -> Event:
    return {"event": "slot", "timestamp": at, "metadata": dict(META), "name": name, "value": value}


def active_loop(name: str | None, at: float) -> Event:
    return {"event": "active_loop", "timestamp": at, "metadata": dict(META), "name": name}


def simple(kind: str, at: float) -> Event:
    """``session_started``, ``pause``, ``resume``, ``restart``, ``user_featurization``."""
    result: Event = {"event": kind, "timestamp": at, "metadata": dict(META)}
    if kind == "user_featurization":
        result["use_text_for_featurization"] = False
    return result


# --- whole conversations -------------------------------------------------------------


class _Clock:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self, seconds: float = 0.4) -> float:
        self.now += seconds
        return self.now


def _start(clock: _Clock) -> list[Event]:
    return [
        action("action_session_start", clock(0), policy=None),
        simple("session_started", clock(0.01)),
        action("action_listen", clock(0.01), policy=None),
    ]


def _turn(clock: _Clock, message: Event, *answers: Event) -> list[Event]:
    return [message, simple("user_featurization", clock(0.01)), *answers]


def _faq(clock: _Clock, text: str, topic: str, channel: str, **parse: Any) -> list[Event]:
    return _turn(
        clock,
        user(text, "faq", clock(20), faq=f"faq/{topic}", channel=channel, **parse),
        action("utter_faq", clock()),
        bot(f"(the {topic} answer)", clock(0.01), f"utter_faq/{topic}"),
        action("action_treatment_disclaimer", clock()),
        action("action_listen", clock()),
    )


def _greet(clock: _Clock, channel: str) -> list[Event]:
    return _turn(
        clock,
        user("hello", "greet", clock(2), confidence=1.0, channel=channel),
        action("utter_greet", clock()),
        bot("Hello! I'm the clinic's automated assistant ...", clock(0.01), "utter_greet"),
        action("action_listen", clock()),
    )


PRECHECK_QUESTIONS = (
    "active_infection",
    "cancer_last_5_years",
    "uncontrolled_condition",
    "severe_immunodeficiency",
)


def _precheck(clock: _Clock, channel: str, answers: Sequence[str], outcome: str) -> list[Event]:
    events = _turn(
        clock,
        user("am I a candidate for this?", "start_precheck", clock(15), channel=channel),
        action("utter_precheck_intro", clock()),
        bot("A short pre-check ...", clock(0.01), "utter_precheck_intro"),
        action("precheck_form", clock()),
        active_loop("precheck_form", clock(0.01)),
        slot("requested_slot", "precheck_consent", clock(0.01)),
        bot("May I store your answers?", clock(0.01), "utter_ask_precheck_consent"),
        action("action_listen", clock()),
    )
    words = {
        "no": ("no", "deny"),
        "yes": ("chemo finished 3 years ago", "nlu_fallback"),
        "unsure": ("I'm not sure", "nlu_fallback"),
    }
    replies = [("yes", "affirm", "precheck_consent", "given")] + [
        (*words[value], question, value)
        for question, value in zip(PRECHECK_QUESTIONS, answers, strict=True)
    ]
    for index, (text, intent, name, value) in enumerate(replies):
        following = PRECHECK_QUESTIONS[index] if index < len(PRECHECK_QUESTIONS) else None
        steps = [action("precheck_form", clock()), slot(name, value, clock(0.01))]
        if following:
            steps += [
                slot("requested_slot", following, clock(0.01)),
                bot(f"Question about {following}", clock(0.01), f"utter_ask_{following}"),
                action("action_listen", clock()),
            ]
        else:
            steps += [
                slot("requested_slot", None, clock(0.01)),
                active_loop(None, clock(0.01)),
                action("action_precheck_summary", clock()),
                bot("Thank you. You reported ...", clock(0.01), "utter_precheck_summary"),
                slot("precheck_outcome", outcome, clock(0.01)),
                slot("precheck_reasons", [], clock(0.01)),
                action("action_listen", clock()),
            ]
        confidence = 0.35 if intent == "nlu_fallback" else 1.0
        events += _turn(
            clock,
            user(text, intent, clock(8), confidence=confidence, channel=channel),
            *steps,
        )
    return events


def _lead(clock: _Clock, channel: str, name: str) -> list[Event]:
    events = _turn(
        clock,
        user("I want to talk to a person", "request_human", clock(10), channel=channel),
        action("lead_form", clock()),
        active_loop("lead_form", clock(0.01)),
        slot("requested_slot", "lead_consent", clock(0.01)),
        bot("May we store your contact details?", clock(0.01), "utter_ask_lead_consent"),
        action("action_listen", clock()),
    )
    for text, intent, name_slot, value, following in (
        ("yes", "affirm", "lead_consent", "given", "lead_name"),
        (f"my name is {name}", "nlu_fallback", "lead_name", name, "lead_contact"),
        ("anna@example.com", "nlu_fallback", "lead_contact", "anna@example.com", None),
    ):
        steps = [action("lead_form", clock()), slot(name_slot, value, clock(0.01))]
        if following:
            steps += [
                slot("requested_slot", following, clock(0.01)),
                bot(f"Question {following}", clock(0.01), f"utter_ask_{following}"),
                action("action_listen", clock()),
            ]
        else:
            steps += [
                slot("requested_slot", None, clock(0.01)),
                active_loop(None, clock(0.01)),
                action("action_submit_lead", clock()),
                bot("An advisor will contact you ...", clock(0.01), "utter_handoff_queued"),
                slot("handoff_open", True, clock(0.01)),
                action("action_listen", clock()),
            ]
        confidence = 0.3 if intent == "nlu_fallback" else 1.0
        events += _turn(
            clock, user(text, intent, clock(6), confidence=confidence, channel=channel), *steps
        )
    return events


def _fallback(clock: _Clock, channel: str, text: str = "blorp florp") -> list[Event]:
    return _turn(
        clock,
        user(
            text,
            "nlu_fallback",
            clock(9),
            confidence=0.35,
            channel=channel,
            ranking=[("out_of_scope", 0.21), ("faq", 0.12)],
        ),
        action("action_fallback", clock()),
        bot("Sorry, I didn't understand that.", clock(0.01), "utter_default"),
        action("action_listen", clock()),
    )


def _complaint(clock: _Clock, channel: str) -> list[Event]:
    return _faq(
        clock, "can I bring my husband", "medical_evaluation", channel, faq_confidence=0.32
    ) + _turn(
        clock,
        user("that's not what I asked", "deny", clock(7), confidence=0.73, channel=channel),
        action("utter_ask_rephrase", clock()),
        bot("Could you say it in other words?", clock(0.01), "utter_ask_rephrase"),
        action("action_listen", clock()),
    )


def _emergency(clock: _Clock, channel: str) -> list[Event]:
    flag = {"category": "cardiac", "level": "emergency", "response": "utter_emergency_cardiac"}
    return _turn(
        clock,
        user(
            "I have crushing chest pain and I can't breathe",
            "emergency",
            clock(12),
            confidence=1.0,
            channel=channel,
            red_flag=flag,
        ),
        action("action_triage_guidance", clock()),
        bot("Call 112 or 144 now.", clock(0.01), "utter_emergency_cardiac"),
        action("action_flag_emergency", clock()),
        action("action_listen", clock()),
    )


def _advisor(clock: _Clock, channel: str, advisor: str) -> list[Event]:
    return [
        simple("pause", clock(60)),
        bot(
            "A person has joined.", clock(0.01), advisor=advisor
        ),  # the joined notice carries metadata
        bot("Hello, I'm here to help.", clock(5), advisor=advisor),
        *_turn(clock, user("thank you!", "thanks", clock(30), channel=channel)),
        simple("resume", clock(120)),
        slot("handoff_open", None, clock(0.01)),
        bot("You're talking to the assistant again.", clock(0.01)),
        action("action_listen", clock()),
    ]


TOPICS = (
    "what_is_ra",
    "stem_cells",
    "effectiveness",
    "cost",
    "safety",
    "insurance",
    "procedure",
    "evidence",
    "cure",
    "consultation",
)
QUESTIONS = {
    "what_is_ra": "What is rheumatoid arthritis?",
    "stem_cells": "What are stem cells?",
    "effectiveness": "Does stem cell therapy work for RA?",
    "cost": "How much does it cost?",
    "safety": "Is it safe?",
    "insurance": "Does health insurance pay for it?",
    "procedure": "How is the treatment done?",
    "evidence": "Is it approved?",
    "cure": "Can it cure RA?",
    "consultation": "How do I book a consultation?",
}
KINDS = ("faq", "precheck", "lead", "fallback", "complaint", "emergency", "handoff")


def conversation(
    kind: str,
    start: float,
    *,
    channel: str = "socketio",
    rng: random.Random | None = None,
    name: str = "Anna Meier",
    advisor: str = "Anna Meier",
    outcome: str = "clear",
) -> list[Event]:
    """One conversation of ``kind`` (one of ``KINDS``) starting at ``start`` (epoch s).

    - faq: greeting and two or three FAQ questions;
    - precheck: a question, then the pre-check to ``outcome`` (clear / review /
      contraindicated);
    - lead: a question, the pre-check, then the lead form (consent, name, email);
    - fallback: a question and a message the assistant did not understand;
    - complaint: an FAQ answer to a doubtful question, then "that's not what I asked";
    - emergency: a question, then chest pain (a rule's red flag);
    - handoff: the lead story, then an advisor joins and hands back.
    """
    rng = rng or random.Random(start)
    clock = _Clock(start)
    events = _start(clock) + _greet(clock, channel)
    topics = rng.sample(TOPICS, 3)
    asked = topics[: 2 if kind == "faq" else 1]
    if kind == "faq" and rng.random() < 0.5:
        asked = topics
    for topic in asked:
        events += _faq(clock, QUESTIONS[topic], topic, channel)
    answers = {
        "clear": ("no", "no", "no", "no"),
        "review": ("no", "unsure", "no", "no"),
        "contraindicated": ("no", "yes", "no", "no"),
    }[outcome]
    if kind == "precheck":
        events += _precheck(clock, channel, answers, outcome)
    elif kind in ("lead", "handoff"):
        events += _precheck(clock, channel, answers, outcome) + _lead(clock, channel, name)
        if kind == "handoff":
            events += _advisor(clock, channel, advisor)
    elif kind == "fallback":
        events += _fallback(clock, channel)
    elif kind == "complaint":
        events += _complaint(clock, channel)
    elif kind == "emergency":
        events += _emergency(clock, channel)
    elif kind != "faq":
        raise ValueError(f"unknown kind {kind!r}")
    return events


# --- writing -------------------------------------------------------------------------


def engine_of(database_url: str) -> Engine:
    """An engine on a migrated database with Rasa's ``events`` table."""
    upgrade(database_url)
    engine = create_engine(database_url, future=True)
    if engine.dialect.name == "sqlite":
        # Bulk loading: no fsync per transaction (a test database, rebuilt at will).
        @event.listens_for(engine, "connect")
        def _fast(connection: Any, _record: Any) -> None:
            connection.execute("PRAGMA synchronous=OFF")
            connection.execute("PRAGMA cache_size=-262144")  # 256 MB for the indexes

    rasa_metadata.create_all(engine)
    return engine


EVENT_COLUMNS = ("sender_id", "type_name", "timestamp", "intent_name", "action_name", "data")


def _event_row(sender_id: str, data: Event) -> dict[str, Any]:
    # The columns Rasa's SQLTrackerStore.save fills.
    return dict(zip(EVENT_COLUMNS, _event_values(sender_id, data), strict=True))


def _event_values(sender_id: str, data: Event) -> tuple[Any, ...]:
    return (
        sender_id,
        data["event"],
        data.get("timestamp"),
        (data.get("parse_data") or {}).get("intent", {}).get("name"),
        data.get("name"),
        json.dumps(data),
    )


def _insert_events_fast(connection: Connection, rows: list[tuple[Any, ...]]) -> None:
    """A plain DB-API executemany: SQLAlchemy's per-row parameter handling would take
    longer than the database does for a million rows."""
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    connection.exec_driver_sql(
        f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES ({', '.join([mark] * 6)})",
        rows,
    )


def insert_events(
    target: str | Engine, sender_id: str, events: Iterable[Event], *, summary: bool = True
) -> None:
    """Write one conversation's events (as the tracker store would) and, when
    ``summary``, bring its summary up to date as the tracker store's save does."""
    from sqlalchemy.orm import Session

    from bot.store.summaries import update_summary

    engine = engine_of(target) if isinstance(target, str) else target
    with engine.begin() as connection:
        connection.execute(insert(events_table), [_event_row(sender_id, e) for e in events])
    if summary:
        with Session(engine, future=True) as session, session.begin():
            update_summary(session, sender_id)


def _summary_row(conversation_id: str, events: list[Event]) -> dict[str, Any]:
    result = scan(events)
    row = new_summary(conversation_id)
    values = {column.name: getattr(row, column.name) for column in row.__table__.columns}
    values.update(
        channel=result.channel,
        started_at=datetime.fromtimestamp(result.started_at or 0, tz=timezone.utc),
        last_message_at=datetime.fromtimestamp(
            result.last_message_at or result.started_at or 0, tz=timezone.utc
        ),
        turns=result.turns,
        fallbacks=result.fallbacks,
        faq_answered=result.faq_answered,
        faq_topics=result.faq_topics or None,
        precheck_started=result.precheck_started,
        precheck_outcome=result.precheck_outcome,
        handoff_state=result.handoff_event,
        flagged=result.red_flag,
        unsure=result.unsure_count,
        search_text=append_search_text("", result.texts),
        last_event_id=0,  # set from the inserted rows' ids
        updated_at=datetime.now(timezone.utc),
    )
    return values


NAMES = ("Anna Meier", "Luca Rossi", "Claire Dubois", "Jonas Weber", "Maria Keller", "Tom Brun")


def seed_conversations(
    database_url: str,
    count: int,
    *,
    seed: int = 1,
    end: datetime | None = None,
    days: int = 90,
    prefix: str = "seed-",
    kinds: Sequence[str] = KINDS,
    weights: Sequence[float] | None = None,
    with_records: bool = True,
    batch: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> list[str]:
    """Write ``count`` conversations (events, summaries; leads, handoffs and safety
    flags when ``with_records``) started over the ``days`` before ``end``.

    Returns the conversation ids (``prefix`` + a zero-padded number). Deterministic for
    a ``seed``. About 20 events per conversation, bulk-inserted ``batch`` conversations
    per transaction.
    """
    rng = random.Random(seed)
    end_at = (end or datetime.now(timezone.utc)).timestamp()
    span = days * 86400
    weights = weights or [0.45, 0.15, 0.08, 0.12, 0.08, 0.04, 0.08][: len(kinds)]
    engine = engine_of(database_url)
    ids: list[str] = []
    width = max(6, len(str(count)))
    for offset in range(0, count, batch):
        event_rows: list[tuple[Any, ...]] = []
        summaries: list[dict[str, Any]] = []
        leads: list[dict[str, Any]] = []
        handoffs: list[dict[str, Any]] = []
        flags: list[dict[str, Any]] = []
        for number in range(offset, min(count, offset + batch)):
            conversation_id = f"{prefix}{number:0{width}d}"
            kind = rng.choices(kinds, weights)[0]
            channel = rng.choices(CHANNELS, (0.6, 0.1, 0.15, 0.15))[0]
            outcome = rng.choice(("clear", "clear", "review", "contraindicated"))
            name = rng.choice(NAMES)
            start = end_at - span * rng.random() - 3600
            events = conversation(kind, start, channel=channel, rng=rng, name=name, outcome=outcome)
            event_rows += [_event_values(conversation_id, e) for e in events]
            summary = _summary_row(conversation_id, events)
            created = summary["last_message_at"]
            if with_records and kind in ("lead", "handoff"):
                warmth = {"clear": "hot", "review": "warm"}.get(outcome, "cold")
                leads.append(
                    {
                        "conversation_id": conversation_id,
                        "name": name,
                        "email": "anna@example.com",
                        "phone": None,
                        "preferred_channel": "email",
                        "contact_window": "any",
                        "country": "Switzerland",
                        "warmth": warmth,
                        "warmth_reasons": [f"pre-check {outcome}"],
                        "precheck_outcome": outcome,
                        "status": "new",
                        "created_at": created,
                        "updated_at": created,
                    }
                )
                state = "closed" if kind == "handoff" else "waiting"
                handoffs.append(
                    {
                        "conversation_id": conversation_id,
                        "channel": channel,
                        "status": state,
                        "reason": "lead",
                        "advisor": "Anna Meier" if kind == "handoff" else None,
                        "created_at": created,
                    }
                )
                summary.update(lead_warmth=warmth, handoff_state=state)
            if with_records and kind == "emergency":
                flags.append(
                    {
                        "conversation_id": conversation_id,
                        "category": "cardiac",
                        "detected_by": "rule",
                        "created_at": created,
                        "false_alarm": False,
                    }
                )
            summaries.append(summary)
            ids.append(conversation_id)
        with engine.begin() as connection:
            before = _max_event_id(connection)
            _insert_events_fast(connection, event_rows)
            # The ids the database gave: the summaries have read up to there.
            last_ids = dict(
                connection.execute(
                    select(events_table.c.sender_id, func.max(events_table.c.id))
                    .where(events_table.c.id > before)
                    .group_by(events_table.c.sender_id)
                ).all()
            )
            for summary in summaries:
                summary["last_event_id"] = last_ids[summary["conversation_id"]]
            connection.execute(insert(ConversationSummary.__table__), summaries)
            for model, rows in ((Lead, leads), (Handoff, handoffs), (SafetyFlag, flags)):
                if rows:
                    connection.execute(insert(model.__table__), rows)
        if progress:
            progress(len(ids))
    engine.dispose()
    return ids


def _max_event_id(connection: Connection) -> int:
    return connection.execute(select(func.max(events_table.c.id))).scalar() or 0


def at(days_ago: float = 0, now: datetime | None = None) -> float:
    """An epoch timestamp ``days_ago`` before ``now`` (for ``conversation``)."""
    return ((now or datetime.now(timezone.utc)) - timedelta(days=days_ago)).timestamp()


if __name__ == "__main__":  # a quick timing: python -m tests.console.seed sqlite:///x.db 10000
    import sys

    started = time.perf_counter()
    seeded = seed_conversations(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10000)
    print(f"{len(seeded)} conversations in {time.perf_counter() - started:.1f} s")

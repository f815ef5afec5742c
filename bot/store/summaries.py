"""Conversation summaries: one row per conversation, kept up to date as turns are saved.

The console lists 100,000 conversations; parsing their events on every page would not
do. The tracker store (``components/erasing_tracker_store.py``) calls
``update_summary`` after every save: it reads only the events the summary has not
seen yet (``last_event_id``), folds them into the row, and reads the project's own
tables for what only they know (the lead's warmth, the handoff, safety flags).

The reading of events is pure (``scan``) so that the improvement loop, the seeding
helper of the tests and a rebuild use the very same rules.

Events are Rasa's JSON (``Event.as_dict()``): ``user`` with ``parse_data`` (intent,
``intent_ranking``, ``response_selector``, and our guard's ``red_flag``), ``action``,
``bot``, ``slot``, ``active_loop``, ``pause``/``resume`` ...
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import false, func, inspect, select
from sqlalchemy.orm import Session

from bot.parse_data import faq_key
from bot.store.db import storable_text
from bot.store.models import ConversationSummary, Handoff, Lead, SafetyFlag
from bot.store.rasa_events import events as events_table

logger = logging.getLogger(__name__)

# The names below are the domain's (domain.yml, config.yml, actions/); the store may not
# import the capability packages that define them, so they are repeated here.
FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ACTIONS = frozenset(
    {"action_fallback", "action_default_fallback", "action_two_stage_fallback"}
)
FAQ_INTENT = "faq"
FAQ_ACTION = "utter_faq"
# action_answer_faq sets it to the topic it answered (None after "Did you mean …?").
FAQ_TOPIC_SLOT = "faq_topic"
PRECHECK_FORM = "precheck_form"
LEAD_FORM = "lead_form"
OUTCOME_SLOT = "precheck_outcome"
CONSULTATION_BOOKED = "consultation_booked"
# Handoff states the events can show before the handoffs table does: the advisor's
# tools append the pause (claim) or resume (hand-back) first, then update the table.
WAITING, ACTIVE, CLOSED = "waiting", "active", "closed"

# Below this, the model's guess is worth a human look (the improvement loop).
LOW_CONFIDENCE = 0.6
# The response selector spreads its confidence over 31 topics: right answers to terse
# questions ("price?", "what are the risks") score 0.44-0.5 with the trained model,
# unrelated ones ("can I bring my husband") about 0.3. Below this, the topic is doubtful.
FAQ_LOW_CONFIDENCE = 0.4
# Intents a complaint after an FAQ answer is usually read as ("that's not what I meant"
# is a `deny` example in data/nlu/basics.yml).
COMPLAINT_INTENTS = frozenset({"deny"})
COMPLAINT = re.compile(
    r"\bnot what i (?:asked|meant|wanted|was asking)"
    r"|\b(?:that|this|it)(?: i|')?s? (?:not|wasn'?t) (?:it|my question|the question|what i)"
    r"|\bnot my question\b"
    r"|\bwrong (?:answer|topic|question)\b"
    r"|\b(?:that|this|it|you) (?:doesn'?t|does not|didn'?t|did not) answer\b"
    r"|\byou (?:didn'?t|did not|don'?t|do not) (?:understand|get it)\b"
    r"|\bi (?:didn'?t|did not) ask (?:about )?(?:that|this)\b"
    r"|\bthat'?s not (?:relevant|helpful)\b"
)
# Reasons shown in the improvement loop.
FALLBACK, LOW, COMPLAINED = "fallback", "low confidence", "complaint after the answer"

SEARCH_TEXT_CAP = 8000
# Messages that are button payloads ("/start_precheck") are not the patient's words.
_PAYLOAD = re.compile(r"^/\w")


def _stamp(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, tz=timezone.utc) if value is not None else None


def predicted_intent(parse_data: dict[str, Any]) -> tuple[str | None, float | None]:
    """The model's guess: under a fallback, the best intent that is not the fallback."""
    intent = parse_data.get("intent") or {}
    name, confidence = intent.get("name"), intent.get("confidence")
    if name == FALLBACK_INTENT:
        for ranked in parse_data.get("intent_ranking") or []:
            if ranked.get("name") != FALLBACK_INTENT:
                return ranked.get("name"), ranked.get("confidence")
        return None, None
    return name, confidence


def faq_confidence(parse_data: dict[str, Any]) -> float | None:
    """How sure the response selector was of its FAQ topic."""
    selector = (parse_data.get("response_selector") or {}).get(FAQ_INTENT) or {}
    return (selector.get("response") or {}).get("confidence")


@dataclass
class UnsureMessage:
    """A patient's message the assistant may have misunderstood."""

    event_id: int
    text: str
    timestamp: float | None
    intent: str | None  # what the model predicted (the best guess under a fallback)
    confidence: float | None
    faq: str | None  # faq/<topic> when the predicted intent was an FAQ
    faq_confidence: float | None
    reasons: list[str] = field(default_factory=list)

    @property
    def predicted(self) -> str | None:
        """The intent or ``faq/<topic>`` the assistant answered as."""
        return self.faq if self.intent == FAQ_INTENT and self.faq else self.intent

    @property
    def at(self) -> datetime | None:
        return _stamp(self.timestamp)


@dataclass
class _Turn:
    message: UnsureMessage | None = None  # None for payloads and empty texts
    unsure: bool = False
    faq_answered: bool = False
    fallback_counted: bool = False


@dataclass
class Scan:
    """What a conversation's events show; counters only for events after ``since_id``.

    Earlier events may be given as context (the previous turn, for a complaint about
    its answer); they change no counter.
    """

    since_id: int = 0
    channel: str | None = None
    started_at: float | None = None
    last_message_at: float | None = None
    turns: int = 0
    fallbacks: int = 0
    faq_answered: int = 0
    faq_topics: list[str] = field(default_factory=list)
    precheck_started: bool = False
    precheck_outcome: str | None = None
    # The last pause ("active") or resume ("closed") among the new events.
    handoff_event: str | None = None
    red_flag: bool = False
    texts: list[str] = field(default_factory=list)  # the patient's new messages
    unsure_count: int = 0  # newly found unsure messages
    unsure: list[UnsureMessage] = field(default_factory=list)  # all found, in order
    last_event_id: int = 0
    _turn: _Turn = field(default_factory=_Turn)
    _active_loop: str | None = None

    def feed(self, event_id: int, event: dict[str, Any]) -> None:
        """Fold one event in."""
        new = event_id > self.since_id
        kind = event.get("event")
        stamp = event.get("timestamp")
        if new:
            self.last_event_id = max(self.last_event_id, event_id)
            if stamp is not None and self.started_at is None:
                self.started_at = stamp
        if kind == "user":
            self._user(event_id, event, new)
        elif kind == "action":
            self._action(event.get("name"), new)
        elif kind == "active_loop":
            self._active_loop = event.get("name")
            if self._active_loop == PRECHECK_FORM:
                self.precheck_started = True
        elif kind == "slot":
            if event.get("name") == OUTCOME_SLOT and event.get("value"):
                # A restarted pre-check clears the slot; the finished one still counts.
                self.precheck_outcome = str(event["value"])
            elif event.get("name") == FAQ_TOPIC_SLOT and event.get("value"):
                self._faq_answered(str(event["value"]), new)
        elif kind in ("pause", "resume") and new:
            self.handoff_event = ACTIVE if kind == "pause" else CLOSED
        elif kind in ("restart", "session_started"):
            self._active_loop = None
        if kind in ("user", "bot") and new and stamp is not None:
            self.last_message_at = max(self.last_message_at or stamp, stamp)

    def _user(self, event_id: int, event: dict[str, Any], new: bool) -> None:
        parse_data = event.get("parse_data") or {}
        text = (event.get("text") or "").strip()
        is_payload = bool(_PAYLOAD.match(text))
        intent, confidence = predicted_intent(parse_data)
        topic = faq_key(parse_data) if intent == FAQ_INTENT else None
        message = (
            UnsureMessage(
                event_id=event_id,
                text=text,
                timestamp=event.get("timestamp"),
                intent=intent,
                confidence=confidence,
                faq=topic,
                faq_confidence=faq_confidence(parse_data) if topic else None,
            )
            if text and not is_payload
            else None
        )
        previous, self._turn = self._turn, _Turn(message)
        if new:
            self.turns += 1
            if event.get("input_channel") and not self.channel:
                self.channel = event["input_channel"]
            if message is not None:
                self.texts.append(text.lower())
            if parse_data.get("red_flag"):
                self.red_flag = True
        if message is None:
            return
        # The safety rules decided these: the model's confidence says nothing.
        decided_by_rule = bool(parse_data.get("red_flag") or parse_data.get("concern"))
        in_form = self._active_loop is not None
        # In a form, free-text answers are read by the form, not by the intent: there
        # only a fallback action that followed says the message was not understood.
        if (parse_data.get("intent") or {}).get("name") == FALLBACK_INTENT and not in_form:
            self._mark(self._turn, FALLBACK, new)
            if new:
                self.fallbacks += 1
                self._turn.fallback_counted = True
        elif not decided_by_rule and not in_form:
            low = confidence is not None and confidence < LOW_CONFIDENCE
            faq_low = (
                message.faq_confidence is not None and message.faq_confidence < FAQ_LOW_CONFIDENCE
            )
            if low or faq_low:
                self._mark(self._turn, LOW, new)
        if previous.faq_answered and (
            COMPLAINT.search(text.lower().replace("’", "'")) or intent in COMPLAINT_INTENTS
        ):
            self._mark(previous, COMPLAINED, new)

    def _action(self, name: str | None, new: bool) -> None:
        if name == FAQ_ACTION:  # conversations from before action_answer_faq
            self._faq_answered(self._turn.message.faq if self._turn.message else None, new)
        elif name in FALLBACK_ACTIONS:
            if new and not self._turn.fallback_counted:
                self.fallbacks += 1
                self._turn.fallback_counted = True
            self._mark(self._turn, FALLBACK, new)
        elif name == PRECHECK_FORM:
            self.precheck_started = True

    def _faq_answered(self, topic: str | None, new: bool) -> None:
        self._turn.faq_answered = True
        if new:
            self.faq_answered += 1
            if topic and topic not in self.faq_topics:
                self.faq_topics.append(topic)

    def _mark(self, turn: _Turn, reason: str, new: bool) -> None:
        if turn.message is None:
            return
        if reason not in turn.message.reasons:
            turn.message.reasons.append(reason)
        if not turn.unsure:
            turn.unsure = True
            self.unsure.append(turn.message)
            if new:
                self.unsure_count += 1


def scan(events: Iterable[dict[str, Any] | tuple[int, dict[str, Any]]], since_id: int = 0) -> Scan:
    """Read events (dicts, or ``(event id, dict)`` pairs; plain dicts count from 1)."""
    result = Scan(since_id=since_id)
    for index, item in enumerate(events, start=1):
        event_id, event = item if isinstance(item, tuple) else (index, item)
        result.feed(event_id, event)
    return result


# --- the database ------------------------------------------------------------------

# Events whose JSON the summary needs; the others are read from their columns.
_JSON_TYPES = ("user", "slot", "active_loop", "bot")


def load_events(
    session: Session, conversation_id: str, after_id: int = 0
) -> Iterator[tuple[int, dict[str, Any]]]:
    """The conversation's events after ``after_id``, oldest first, as Rasa's dicts.

    Actions, pauses and the like are rebuilt from the table's columns without parsing
    their JSON; what the summary never reads is left out.
    """
    rows = session.execute(
        select(
            events_table.c.id,
            events_table.c.type_name,
            events_table.c.timestamp,
            events_table.c.action_name,
            events_table.c.data,
        )
        .where(events_table.c.sender_id == conversation_id, events_table.c.id > after_id)
        .order_by(events_table.c.id)
    )
    for event_id, type_name, stamp, action_name, data in rows:
        if type_name in _JSON_TYPES:
            try:
                yield event_id, json.loads(data)
            except (TypeError, ValueError):
                continue
        else:
            yield event_id, {"event": type_name, "timestamp": stamp, "name": action_name}


def _context_start(session: Session, conversation_id: str, last_event_id: int) -> int:
    """Where to start reading: just before the last patient message already summarised,
    so that a complaint in the new events finds the answer it complains about."""
    if not last_event_id:
        return 0
    previous = session.execute(
        select(func.max(events_table.c.id)).where(
            events_table.c.sender_id == conversation_id,
            events_table.c.type_name == "user",
            events_table.c.id <= last_event_id,
        )
    ).scalar()
    return (previous - 1) if previous else last_event_id


def handoff_state(table_status: str | None, event: str | None) -> str | None:
    """The handoff's state: the table's, unless the newest events are ahead of it.

    The advisor's tools append the pause (claim) or resume (hand-back) before they
    update the table, so during that save the table still says waiting / active.
    """
    if event == ACTIVE and table_status in (None, WAITING):
        return ACTIVE
    if event == CLOSED and table_status in (WAITING, ACTIVE):
        return CLOSED
    return table_status


@dataclass(frozen=True)
class Links:
    """What the project's tables say about a conversation."""

    lead_warmth: str | None
    consultation_booked: bool
    handoff_status: str | None
    flagged: bool


def read_links(session: Session, conversation_id: str) -> Links:
    """The lead, the newest handoff and the open safety flags of a conversation."""
    lead = session.execute(
        select(Lead.warmth, Lead.status).where(Lead.conversation_id == conversation_id)
    ).first()
    handoff = session.execute(
        select(Handoff.status)
        .where(Handoff.conversation_id == conversation_id)
        .order_by(Handoff.id.desc())
        .limit(1)
    ).scalar()
    flagged = session.execute(
        select(SafetyFlag.id)
        .where(SafetyFlag.conversation_id == conversation_id, SafetyFlag.false_alarm == false())
        .limit(1)
    ).scalar()
    return Links(
        lead_warmth=lead.warmth if lead else None,
        consultation_booked=bool(lead and lead.status == CONSULTATION_BOOKED),
        handoff_status=handoff,
        flagged=flagged is not None,
    )


def apply_links(
    row: ConversationSummary,
    links: Links,
    handoff_event: str | None = None,
    red_flag: bool = False,
) -> None:
    """Copy the tables' view onto the summary (the tables are the truth).

    A rule's red flag in the new events counts even if writing its flag failed;
    staff's "false alarm" on a model's flag clears it (the flags are read again).
    """
    row.lead_warmth = links.lead_warmth
    row.consultation_booked = links.consultation_booked
    row.handoff_state = handoff_state(links.handoff_status, handoff_event)
    row.flagged = links.flagged or red_flag


def fold(row: ConversationSummary, result: Scan) -> None:
    """Add a scan of new events to the summary ``row`` (its counters and texts)."""
    if result.started_at is not None and row.started_at is None:
        row.started_at = _stamp(result.started_at)
    last = _stamp(result.last_message_at) or row.last_message_at or row.started_at
    row.last_message_at = last
    row.channel = row.channel or result.channel
    row.turns = (row.turns or 0) + result.turns
    row.fallbacks = (row.fallbacks or 0) + result.fallbacks
    row.faq_answered = (row.faq_answered or 0) + result.faq_answered
    topics = list(row.faq_topics or [])
    topics += [topic for topic in result.faq_topics if topic not in topics]
    row.faq_topics = topics or None
    row.precheck_started = bool(row.precheck_started or result.precheck_started)
    row.precheck_outcome = result.precheck_outcome or row.precheck_outcome
    row.unsure = (row.unsure or 0) + result.unsure_count
    row.search_text = append_search_text(row.search_text or "", result.texts)
    row.last_event_id = max(row.last_event_id or 0, result.last_event_id)


def append_search_text(current: str, texts: Sequence[str]) -> str:
    """The search text with ``texts`` appended, one per line, capped."""
    joined = "\n".join(t for t in (current, *texts) if t)
    return storable_text(joined[:SEARCH_TEXT_CAP])


def new_summary(conversation_id: str) -> ConversationSummary:
    """An empty summary row (counters at zero)."""
    return ConversationSummary(
        conversation_id=conversation_id,
        turns=0,
        fallbacks=0,
        faq_answered=0,
        unsure=0,
        precheck_started=False,
        consultation_booked=False,
        flagged=False,
        reviewed=False,
        search_text="",
        last_event_id=0,
    )


def update_summary(session: Session, conversation_id: str) -> ConversationSummary | None:
    """Bring the conversation's summary up to date with its events, in ``session``.

    Reads only events the summary has not seen. A conversation without a patient
    message yet (a session start, or what is left after an erasure) gets no row. The
    caller commits.
    """
    row = session.get(ConversationSummary, conversation_id)
    seen = row.last_event_id if row is not None else 0
    start = _context_start(session, conversation_id, seen)
    result = Scan(since_id=seen)
    for event_id, event in load_events(session, conversation_id, start):
        result.feed(event_id, event)
    if row is None:
        if result.turns == 0:
            return None
        row = new_summary(conversation_id)
        session.add(row)
    elif result.last_event_id <= seen:
        return row
    fold(row, result)
    apply_links(row, read_links(session, conversation_id), result.handoff_event, result.red_flag)
    return row


def refresh_links(session: Session, conversation_id: str) -> None:
    """Re-read the lead, handoff and flags into the summary (after a change made
    outside a tracker save: a lead's status, a flag marked as false alarm)."""
    row = session.get(ConversationSummary, conversation_id)
    if row is None:
        return
    apply_links(row, read_links(session, conversation_id))


def rebuild_all(session: Session, batch: int = 500) -> int:
    """Summarise every conversation in the events table that has no summary yet (a
    database from before the summaries). Returns how many were added."""
    if not inspect(session.connection()).has_table(events_table.name):
        return 0
    missing = (
        session.execute(
            select(events_table.c.sender_id)
            .distinct()
            .where(events_table.c.sender_id.not_in(select(ConversationSummary.conversation_id)))
        )
        .scalars()
        .all()
    )
    added = 0
    for index, conversation_id in enumerate(missing, start=1):
        if update_summary(session, conversation_id) is not None:
            added += 1
        if index % batch == 0:
            session.flush()
    return added


def main(argv: list[str] | None = None) -> int:
    """``python -m bot.store.summaries``: summarise the conversations that have no
    summary yet (a database from before the console), in ``DATABASE_URL`` or --url."""
    import argparse

    from bot.settings import load_settings
    from bot.store.db import session_scope

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--url", help="SQLAlchemy URL; default: DATABASE_URL")
    args = parser.parse_args(argv)
    with session_scope(args.url or load_settings().database_url) as session:
        added = rebuild_all(session)
    print(f"{added} conversation summaries added")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

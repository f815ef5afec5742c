"""SQLAlchemy models of the project's tables."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    false,
    text,
)
from sqlalchemy.orm import declarative_base

Base = declarative_base()


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _new_delivery_id() -> str:
    return uuid.uuid4().hex


def _partial_unique_index(name: str, *columns: str, where: str) -> Index:
    """A unique index over the rows matching ``where``, on SQLite and PostgreSQL alike."""
    return Index(
        name, *columns, unique=True, sqlite_where=text(where), postgresql_where=text(where)
    )


# Migration 0004 creates these with the same names and conditions.
OPEN_HANDOFF_WHERE = "status IN ('waiting', 'active')"
ACTIVE_CONSENT_WHERE = "withdrawn_at IS NULL"


class PrecheckResult(Base):
    """A completed contraindication pre-check, stored only with the patient's consent."""

    __tablename__ = "precheck_results"

    id = Column(Integer, primary_key=True)
    # Rasa's sender id: the key for erasure requests and for linking a lead.
    conversation_id = Column(String(255), nullable=False, index=True)
    answers = Column(JSON, nullable=False)  # slot name -> yes / no / unsure
    outcome = Column(String(32), nullable=False)
    reasons = Column(JSON, nullable=False)  # slot names behind the outcome
    consent_text_version = Column(String(64), nullable=False)
    consented_at = Column(DateTime(timezone=True), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=_now)


class SafetyFlag(Base):
    """An emergency message, flagged so staff can check that the patient got help.

    Holds the category only: the message itself stays in the conversation log.
    """

    __tablename__ = "safety_flags"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    category = Column(String(64), nullable=False)
    # "rule" (bot/safety/red_flags.py matched) or "model" (the NLU model alone predicted it).
    detected_by = Column(String(16), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=_now)
    # Staff's review in the console's safety queue.
    acknowledged_at = Column(DateTime(timezone=True))
    acknowledged_by = Column(String(254))
    # Only a model's flag can be a false alarm; the rules' flags stand.
    false_alarm = Column(Boolean, nullable=False, default=False, server_default=false())


class Erasure(Base):
    """An erasure request that was carried out: the proof that it happened.

    The project's own rows go in the same transaction that adds this record; the
    conversation's events are Rasa's, so the tracker store removes them when it next
    saves this conversation and then sets ``events_erased_at``.
    """

    __tablename__ = "erasures"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    requested_at = Column(DateTime(timezone=True), nullable=False, default=_now)
    events_erased_at = Column(DateTime(timezone=True))


class Lead(Base):
    """A patient who asked to be contacted by an advisor, with consent.

    One per conversation: a repeated submission updates this row.
    """

    __tablename__ = "leads"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, unique=True)
    name = Column(String(100), nullable=False)
    email = Column(String(254))
    phone = Column(String(20))  # E.164
    preferred_channel = Column(String(16), nullable=False)  # email / phone / whatsapp
    contact_window = Column(String(32), nullable=False)  # morning / afternoon / evening / any
    country = Column(String(64), nullable=False)
    warmth = Column(String(8), nullable=False)  # hot / warm / cold
    warmth_reasons = Column(JSON, nullable=False)
    precheck_outcome = Column(String(32))
    # new / contacted / consultation_booked / not_suitable / no_answer (the console).
    status = Column(String(32), nullable=False, default="new", server_default="new")
    created_at = Column(DateTime(timezone=True), nullable=False, default=_now)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=_now, onupdate=_now)


class Consent(Base):
    """What a patient agreed to, when, and to which wording (and if they withdrew it)."""

    __tablename__ = "consents"
    # Two concurrent submissions must not both record the same consent as active.
    __table_args__ = (
        _partial_unique_index(
            "uq_consents_active_purpose", "conversation_id", "purpose", where=ACTIVE_CONSENT_WHERE
        ),
    )

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    purpose = Column(String(32), nullable=False)  # e.g. "contact_and_health_data"
    text_version = Column(String(64), nullable=False)
    given_at = Column(DateTime(timezone=True), nullable=False, default=_now)
    withdrawn_at = Column(DateTime(timezone=True))
    created_at = Column(DateTime(timezone=True), nullable=False, default=_now)


class Handoff(Base):
    """A conversation waiting for, or being handled by, a human advisor."""

    __tablename__ = "handoffs"
    # Two concurrent requests must not queue the same conversation twice.
    __table_args__ = (
        _partial_unique_index(
            "uq_handoffs_open_conversation", "conversation_id", where=OPEN_HANDOFF_WHERE
        ),
    )

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(32))  # the user's input channel, for the advisor's replies
    status = Column(String(16), nullable=False, default="waiting")  # waiting / active / closed
    reason = Column(String(64), nullable=False)
    advisor = Column(String(100))
    note = Column(String(2000))  # the advisor's note when handing back
    created_at = Column(DateTime(timezone=True), nullable=False, default=_now)
    taken_at = Column(DateTime(timezone=True))
    closed_at = Column(DateTime(timezone=True))


class OutboxMessage(Base):
    """A notification to deliver (webhook or email), written with the lead it is about.

    Delivery happens later, with retries (``bot.notify.worker``); the row stays after it
    is delivered or given up ("dead"), for staff to see.
    """

    __tablename__ = "outbox"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    kind = Column(String(16), nullable=False)  # webhook / email
    payload = Column(JSON, nullable=False)
    # Sent with every try (webhook header, email Message-ID) so receivers can drop
    # repeats. Not the row id: SQLite reuses the ids of deleted (erased) rows.
    delivery_id = Column(String(32), nullable=False, default=_new_delivery_id)
    # pending -> sending (a worker holds the lease) -> pending (retry) / delivered / dead
    status = Column(String(16), nullable=False, default="pending", server_default="pending")
    # While a worker sends, nobody else may; after it, the worker is taken to have died.
    lease_until = Column(DateTime(timezone=True))
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime(timezone=True), nullable=False, default=_now)
    delivered_at = Column(DateTime(timezone=True))
    last_error = Column(String(200))
    created_at = Column(DateTime(timezone=True), nullable=False, default=_now)


class AdvisorDelivery(Base):
    """An advisor's message sent on a messaging channel (WhatsApp), and whether it arrived.

    The channel adds the row when it sends the message and updates it from the
    provider's status callbacks; a ``failed`` one is for staff to follow up on another
    way (the lead's contact details). Holds ids and the error only, never the text,
    which stays in the conversation log.
    """

    __tablename__ = "advisor_deliveries"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(16), nullable=False)
    # The provider's message id (WhatsApp's "wamid..."); empty when the send was refused
    # at once.
    message_id = Column(String(255), index=True)
    advisor = Column(String(100), nullable=False)
    status = Column(String(16), nullable=False)  # sent / delivered / read / failed
    error = Column(
        String(200)
    )  # the provider's code and title, e.g. "131047 Re-engagement message"
    created_at = Column(DateTime(timezone=True), nullable=False, default=_now)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=_now, onupdate=_now)


# --- The staff console (bot/console/) ------------------------------------------------


class StaffUser(Base):
    """A clinic employee who signs in to the console: an advisor or an admin."""

    __tablename__ = "staff_users"

    id = Column(Integer, primary_key=True)
    email = Column(String(254), nullable=False, unique=True)
    display_name = Column(String(100), nullable=False)  # what patients see on replies
    role = Column(String(16), nullable=False)  # advisor / admin
    password_hash = Column(String(255), nullable=False)  # argon2id
    # Base32 TOTP secret; set at enrolment, in force once confirmed with a first code.
    totp_secret = Column(String(64))
    totp_confirmed = Column(Boolean, nullable=False, default=False, server_default=false())
    # The last time step a code was accepted: a code is good once.
    totp_last_step = Column(Integer)
    failed_logins = Column(Integer, nullable=False, default=0, server_default="0")
    locked_until = Column(DateTime(timezone=True))
    disabled = Column(Boolean, nullable=False, default=False, server_default=false())
    last_login_at = Column(DateTime(timezone=True))
    created_at = Column(DateTime(timezone=True), nullable=False, default=_now)


class StaffSession(Base):
    """A signed-in browser: the cookie holds a random token, the table its hash.

    Server-side, so that logging out, an idle timeout or a disabled account ends it at
    once, whatever copy of the cookie exists.
    """

    __tablename__ = "staff_sessions"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    staff_id = Column(Integer, ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False)
    csrf_token = Column(String(64), nullable=False)
    # Password checked, second factor still to come (or to be enrolled).
    second_factor_done = Column(Boolean, nullable=False, default=False, server_default=false())
    created_at = Column(DateTime(timezone=True), nullable=False, default=_now)
    last_seen_at = Column(DateTime(timezone=True), nullable=False, default=_now)


class AuditEntry(Base):
    """Who viewed, exported, changed or erased what, and when (admins read it)."""

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime(timezone=True), nullable=False, default=_now, index=True)
    # The email, not a key: the entry outlives a deleted account.
    staff_email = Column(String(254), nullable=False)
    action = Column(String(64), nullable=False)  # e.g. "lead.export", "conversation.erase"
    target_type = Column(String(32))
    target_id = Column(String(255))
    detail = Column(JSON)


class ConversationSummary(Base):
    """One row per conversation, kept up to date as the tracker store saves turns, so
    that the console's list and dashboard never parse events (100,000 conversations)."""

    __tablename__ = "conversation_summaries"
    # The console's list: newest first with a stable tie-break (keyset pagination), and
    # the filters that select few rows (migration 0007).
    __table_args__ = (
        Index("ix_conversation_summaries_started_id", "started_at", "conversation_id"),
        Index("ix_conversation_summaries_flagged_started", "flagged", "started_at"),
        Index("ix_conversation_summaries_reviewed_started", "reviewed", "started_at"),
    )

    conversation_id = Column(String(255), primary_key=True)
    channel = Column(String(32))
    started_at = Column(DateTime(timezone=True), nullable=False, index=True)
    last_message_at = Column(DateTime(timezone=True), nullable=False, index=True)
    turns = Column(Integer, nullable=False, default=0, server_default="0")
    fallbacks = Column(Integer, nullable=False, default=0, server_default="0")
    faq_answered = Column(Integer, nullable=False, default=0, server_default="0")
    # The FAQ topics asked, in order of first asking (for the dashboard's top topics).
    faq_topics = Column(JSON)
    precheck_started = Column(Boolean, nullable=False, default=False, server_default=false())
    precheck_outcome = Column(String(32))  # clear / review / contraindicated, when finished
    lead_warmth = Column(String(8))  # hot / warm / cold
    handoff_state = Column(String(16))  # waiting / active / closed / left
    consultation_booked = Column(Boolean, nullable=False, default=False, server_default=false())
    flagged = Column(Boolean, nullable=False, default=False, server_default=false())
    reviewed = Column(Boolean, nullable=False, default=False, server_default=false())
    reviewed_by = Column(String(254))
    tags = Column(JSON)  # list of short strings
    note = Column(String(2000))
    # The patient's messages, lower-cased and capped, for the console's text search.
    search_text = Column(String(8000), nullable=False, default="", server_default="")
    # Messages the assistant was unsure about (fallback, low confidence, a complaint
    # after an FAQ answer): the improvement loop lists these conversations.
    unsure = Column(Integer, nullable=False, default=0, server_default="0")
    # The last row of Rasa's `events` read into this summary: a save reads only newer ones.
    last_event_id = Column(Integer, nullable=False, default=0, server_default="0")
    updated_at = Column(DateTime(timezone=True), nullable=False, default=_now, onupdate=_now)


class LeadStatusChange(Base):
    """The lead's workflow (new -> contacted -> consultation booked / not suitable / no
    answer) with who changed it and their note."""

    __tablename__ = "lead_status_changes"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    status = Column(String(32), nullable=False)
    note = Column(String(2000))
    staff_email = Column(String(254), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=_now)


class Correction(Base):
    """A message the assistant was unsure about, with the intent or FAQ topic staff say
    it meant: exported as NLU examples (masked). Erased with its conversation."""

    __tablename__ = "corrections"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    message = Column(String(2000), nullable=False)
    predicted = Column(String(128))
    corrected = Column(String(128), nullable=False)  # an intent, or faq/<topic>
    staff_email = Column(String(254), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=_now)


class PurgeRun(Base):
    """One run of the retention purge: when, and how much it removed."""

    __tablename__ = "purge_runs"

    id = Column(Integer, primary_key=True)
    started_at = Column(DateTime(timezone=True), nullable=False, default=_now)
    finished_at = Column(DateTime(timezone=True))
    conversations = Column(Integer, nullable=False, default=0, server_default="0")
    rows = Column(JSON)  # table -> rows removed
    error = Column(String(200))


class SavedFilter(Base):
    """A staff member's named conversation filter (the list's query string)."""

    __tablename__ = "saved_filters"

    id = Column(Integer, primary_key=True)
    staff_id = Column(Integer, ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False)
    name = Column(String(100), nullable=False)
    query = Column(String(2000), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=_now)


class TrackerCheckpoint(Base):
    """Where the tracker store starts reading a long conversation (issue 15).

    ``events`` (JSON list of Rasa event dicts) restores the conversation's state as it
    was after Rasa's event ``event_id``: its slots, active form and pause. A turn then
    reads this and the events after ``event_id`` instead of the whole session, so its
    cost does not grow with the conversation. Holds slot values (personal data): erased
    and expired with the conversation.
    """

    __tablename__ = "tracker_checkpoints"

    conversation_id = Column(String(255), primary_key=True)
    event_id = Column(Integer, nullable=False)
    events = Column(JSON, nullable=False)
    last_message_at = Column(DateTime(timezone=True), nullable=False, index=True)

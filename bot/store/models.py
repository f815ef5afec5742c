"""SQLAlchemy models of the project's tables."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy import JSON, Column, DateTime, Index, Integer, String, text
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

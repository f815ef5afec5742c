"""SQLAlchemy models of the project's tables."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, Column, DateTime, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


def _now() -> datetime:
    return datetime.now(timezone.utc)


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

    Delivery happens later, with retries; the row stays until it is delivered.
    """

    __tablename__ = "outbox"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    kind = Column(String(16), nullable=False)  # webhook / email
    payload = Column(JSON, nullable=False)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime(timezone=True), nullable=False, default=_now)
    delivered_at = Column(DateTime(timezone=True))
    last_error = Column(String(200))
    created_at = Column(DateTime(timezone=True), nullable=False, default=_now)

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
    # "rule" (bot/red_flags.py matched) or "model" (the NLU model alone predicted it).
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

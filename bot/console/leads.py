"""Leads for the console: the list and its filters, one lead's record, the status workflow.

Flask-free (the views in ``bot.console.views.leads`` stay thin): every function takes
the request's SQLAlchemy session, and the caller's transaction commits the change with
its audit entry.

The workflow is the clinic's follow-up of a patient who asked to be contacted::

    new -> contacted -> consultation_booked / not_suitable / no_answer

plus the moves a real follow-up needs (a call nobody answered before any contact, a
second try after no answer, a consultation after which the doctor finds the therapy
unsuitable). Every change is a ``LeadStatusChange`` row: who, when, and their note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from bot.precheck.rules import LABELS as PRECHECK_LABELS
from bot.precheck.summary import advisor_summary
from bot.store.models import (
    Consent,
    ConversationSummary,
    Handoff,
    Lead,
    LeadStatusChange,
    PrecheckResult,
)
from bot.store.summaries import refresh_links

NEW, CONTACTED, BOOKED, NOT_SUITABLE, NO_ANSWER = (
    "new",
    "contacted",
    "consultation_booked",
    "not_suitable",
    "no_answer",
)
STATUSES = (NEW, CONTACTED, BOOKED, NOT_SUITABLE, NO_ANSWER)
STATUS_LABELS = {
    NEW: "New",
    CONTACTED: "Contacted",
    BOOKED: "Consultation booked",
    NOT_SUITABLE: "Not suitable",
    NO_ANSWER: "No answer",
}
# Where a lead may go from each status. Not a free choice: a lead is not booked before
# anybody spoke to the patient, and "not suitable" is a finding after contact.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    NEW: (CONTACTED, NO_ANSWER),
    CONTACTED: (BOOKED, NOT_SUITABLE, NO_ANSWER),
    # Tried again and reached the patient.
    NO_ANSWER: (CONTACTED,),
    # The consultation may show that the therapy is not for this patient.
    BOOKED: (NOT_SUITABLE,),
    NOT_SUITABLE: (),
}
WARMTHS = ("hot", "warm", "cold")
MAX_NOTE_CHARS = 2000
PAGE_SIZE = 50


class WorkflowError(ValueError):
    """A status change that is refused; the message is for the staff member."""


@dataclass(frozen=True)
class LeadFilters:
    """The list's filters (empty strings: no filter). Unknown values are dropped."""

    status: str = ""
    warmth: str = ""

    @classmethod
    def parse(cls, args: Any) -> LeadFilters:
        """From a query string (``request.args``); values outside the lists are ignored."""
        status = (args.get("status") or "").strip()
        warmth = (args.get("warmth") or "").strip()
        return cls(
            status=status if status in STATUSES else "",
            warmth=warmth if warmth in WARMTHS else "",
        )

    def as_dict(self) -> dict[str, str]:
        """The active filters, for URLs and audit entries."""
        return {
            key: value for key, value in (("status", self.status), ("warmth", self.warmth)) if value
        }


@dataclass(frozen=True)
class LeadRow:
    """One line of the list."""

    id: int
    name: str
    warmth: str
    status: str
    created_at: datetime
    precheck_outcome: str | None
    channel: str | None  # where the patient wrote from (widget, Telegram, WhatsApp ...)
    preferred_channel: str  # how the patient wants to be contacted


@dataclass(frozen=True)
class LeadPage:
    """A page of the list and how many leads match in all."""

    rows: list[LeadRow]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class PrecheckView:
    """The conversation's latest stored pre-check, readable for staff."""

    outcome: str
    summary: str | None
    answers: list[tuple[str, str]]  # (question label, yes / no / unsure)
    consented_at: datetime
    created_at: datetime


@dataclass
class LeadDetail:
    """Everything the lead page shows."""

    lead: Lead
    channel: str | None
    consents: list[Consent]
    precheck: PrecheckView | None
    history: list[LeadStatusChange]
    handoff_id: int | None = None  # the conversation's latest handoff (the inbox page)
    next_statuses: tuple[str, ...] = field(default_factory=tuple)

    @property
    def consent_active(self) -> bool:
        """Whether a consent for the lead's data is in force."""
        return any(consent.withdrawn_at is None for consent in self.consents)


def _active_consent() -> Any:
    """SQL condition: the lead's conversation has a consent that is not withdrawn."""
    return exists().where(
        Consent.conversation_id == Lead.conversation_id, Consent.withdrawn_at.is_(None)
    )


def _channel_of() -> Any:
    """SQL expression: the conversation's channel (summary first, else its latest handoff)."""
    summary_channel = (
        select(ConversationSummary.channel)
        .where(ConversationSummary.conversation_id == Lead.conversation_id)
        .scalar_subquery()
    )
    handoff_channel = (
        select(Handoff.channel)
        .where(Handoff.conversation_id == Lead.conversation_id)
        .order_by(Handoff.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(summary_channel, handoff_channel)


def _filtered(query: Select, filters: LeadFilters) -> Select:
    if filters.status:
        query = query.where(Lead.status == filters.status)
    if filters.warmth:
        query = query.where(Lead.warmth == filters.warmth)
    return query


def list_leads(session: Session, filters: LeadFilters, page: int = 1) -> LeadPage:
    """Leads matching ``filters``, newest first, ``PAGE_SIZE`` a page."""
    total = session.execute(_filtered(select(func.count(Lead.id)), filters)).scalar_one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    query = _filtered(
        select(
            Lead.id,
            Lead.name,
            Lead.warmth,
            Lead.status,
            Lead.created_at,
            Lead.precheck_outcome,
            _channel_of().label("channel"),
            Lead.preferred_channel,
        ),
        filters,
    )
    result = session.execute(
        query.order_by(Lead.created_at.desc(), Lead.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return LeadPage([LeadRow(*row) for row in result], total, page, pages)


def _precheck(session: Session, conversation_id: str) -> PrecheckView | None:
    result = session.execute(
        select(PrecheckResult)
        .where(PrecheckResult.conversation_id == conversation_id)
        .order_by(PrecheckResult.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if result is None:
        return None
    answers = [
        (PRECHECK_LABELS.get(question, question), str(answer))
        for question, answer in (result.answers or {}).items()
    ]
    return PrecheckView(
        outcome=result.outcome,
        summary=advisor_summary(result.outcome, result.reasons),
        answers=answers,
        consented_at=result.consented_at,
        created_at=result.created_at,
    )


def lead_detail(session: Session, lead_id: int) -> LeadDetail | None:
    """The lead with its consent record, pre-check, history and next statuses."""
    lead = session.get(Lead, lead_id)
    if lead is None:
        return None
    conversation_id = lead.conversation_id
    channel = session.execute(select(_channel_of()).where(Lead.id == lead_id)).scalar_one_or_none()
    consents = list(
        session.execute(
            select(Consent).where(Consent.conversation_id == conversation_id).order_by(Consent.id)
        ).scalars()
    )
    history = list(
        session.execute(
            select(LeadStatusChange)
            .where(LeadStatusChange.conversation_id == conversation_id)
            .order_by(LeadStatusChange.id.desc())
        ).scalars()
    )
    handoff_id = session.execute(
        select(Handoff.id)
        .where(Handoff.conversation_id == conversation_id)
        .order_by(Handoff.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return LeadDetail(
        lead=lead,
        handoff_id=handoff_id,
        channel=channel,
        consents=consents,
        precheck=_precheck(session, conversation_id),
        history=history,
        next_statuses=TRANSITIONS.get(lead.status, ()),
    )


def change_status(
    session: Session,
    lead_id: int,
    expected: str,
    new_status: str,
    note: str,
    staff_email: str,
) -> Lead:
    """Move the lead from ``expected`` (the status the staff member saw) to ``new_status``.

    Refused (``WorkflowError``) when the move is not in ``TRANSITIONS`` or when somebody
    else changed the lead meanwhile: the conditional UPDATE makes the check and the
    change one step, so two advisors on the same lead cannot both move it.
    A booked consultation is also marked on the conversation's summary (the dashboard's
    funnel counts it).
    """
    lead = session.get(Lead, lead_id)
    if lead is None:
        raise LookupError(f"no lead {lead_id}")
    if new_status not in STATUSES:
        raise WorkflowError("Unknown status.")
    if lead.status != expected:
        raise WorkflowError(
            f"This lead was changed meanwhile (now: {STATUS_LABELS.get(lead.status, lead.status)})."
            " Please check and try again."
        )
    if new_status not in TRANSITIONS.get(expected, ()):
        raise WorkflowError(
            f"A lead cannot go from {STATUS_LABELS.get(expected, expected)}"
            f" to {STATUS_LABELS[new_status]}."
        )
    note = note.strip()
    if len(note) > MAX_NOTE_CHARS:
        raise WorkflowError(f"The note is too long (at most {MAX_NOTE_CHARS} characters).")
    moved = session.execute(
        update(Lead)
        .where(Lead.id == lead_id, Lead.status == expected)
        .values(status=new_status)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise WorkflowError("This lead was changed meanwhile. Please check and try again.")
    session.add(
        LeadStatusChange(
            conversation_id=lead.conversation_id,
            status=new_status,
            note=note or None,
            staff_email=staff_email,
        )
    )
    session.refresh(lead)
    # The dashboard's funnel reads "consultation booked" from the summary (both ways:
    # a booked consultation can turn out not suitable).
    refresh_links(session, lead.conversation_id)
    return lead


@dataclass(frozen=True)
class ExportRow:
    """A lead for the CSV with the consent it is exported under."""

    lead: Lead
    consent_version: str
    consent_given_at: datetime


def exportable_leads(session: Session, filters: LeadFilters | None = None) -> list[ExportRow]:
    """Leads whose consent is active (optionally filtered), oldest first, for the CSV.

    Withdrawing consent deletes the lead (``bot.privacy.erasure``); the consent check
    here also covers a lead left behind by any other path, so a withdrawn consent
    keeps a lead out of every export. One query, however many leads.
    """

    def latest_active(column: Any) -> Any:
        return (
            select(column)
            .where(Consent.conversation_id == Lead.conversation_id, Consent.withdrawn_at.is_(None))
            .order_by(Consent.id.desc())
            .limit(1)
            .scalar_subquery()
        )

    query = select(
        Lead, latest_active(Consent.text_version), latest_active(Consent.given_at)
    ).where(_active_consent())
    if filters is not None:
        query = _filtered(query, filters)
    result = session.execute(query.order_by(Lead.created_at, Lead.id))
    return [ExportRow(lead, version, given_at) for lead, version, given_at in result]


def lead_for_conversation(session: Session, conversation_id: str) -> Lead | None:
    """The conversation's lead, if it has one (the inbox links to it)."""
    return session.execute(
        select(Lead).where(Lead.conversation_id == conversation_id)
    ).scalar_one_or_none()

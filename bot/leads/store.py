"""Stores a consented lead with its consent record and its advisor notification.

All in one transaction, so a lead never exists without its notification queued, and a
notification is never sent for a lead that was not stored. A repeated submission from
the same conversation updates the lead (no duplicate, no second notification).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from bot.leads.form import LeadDetails
from bot.leads.scoring import LeadScore
from bot.notify.outbox import enqueue
from bot.settings import Settings
from bot.store.db import session_scope
from bot.store.models import Consent, Lead

# Bump when the consent question's wording changes (utter_ask_lead_consent).
LEAD_CONSENT_VERSION = "lead-consent-v1"
LEAD_CONSENT_PURPOSE = "contact_and_health_data"


@dataclass(frozen=True)
class SavedLead:
    """The stored lead's id and whether this submission created it."""

    lead_id: int
    created: bool


def lead_json(lead: Lead) -> dict[str, Any]:
    # Name and country are kept as the patient typed them; "untrusted" tells every
    # renderer (console, email, chat tools) to escape them for its own format. The other
    # fields are normalised (contact details) or chosen from a fixed list.
    return {
        "untrusted": ["name", "country"],
        "id": lead.id,
        "name": lead.name,
        "email": lead.email,
        "phone": lead.phone,
        "preferred_channel": lead.preferred_channel,
        "contact_window": lead.contact_window,
        "country": lead.country,
        "warmth": lead.warmth,
        "warmth_reasons": list(lead.warmth_reasons),
        "precheck_outcome": lead.precheck_outcome,
    }


def stored_lead(database_url: str, conversation_id: str) -> LeadDetails | None:
    """The details the conversation's lead was last stored with, if it has one."""
    with session_scope(database_url) as session:
        lead = session.execute(
            select(Lead).where(Lead.conversation_id == conversation_id)
        ).scalar_one_or_none()
        if lead is None:
            return None
        return LeadDetails(
            name=lead.name,
            email=lead.email,
            phone=lead.phone,
            preferred_channel=lead.preferred_channel,
            contact_window=lead.contact_window,
            country=lead.country,
        )


def save_lead(
    settings: Settings,
    conversation_id: str,
    details: LeadDetails,
    score: LeadScore,
    precheck_outcome: str | None,
    precheck_summary: str | None,
) -> SavedLead:
    """Create or update the conversation's lead and queue the advisors' notification.

    Called once per new handoff (``action_submit_lead`` checks that none is open), so
    every call notifies: a patient who asks again after a hand-back is a new request,
    ``lead.returned`` rather than ``lead.created``.
    """
    with session_scope(settings.database_url) as session:
        lead = session.execute(
            select(Lead).where(Lead.conversation_id == conversation_id)
        ).scalar_one_or_none()
        created = lead is None
        if created:
            lead = Lead(conversation_id=conversation_id)
            session.add(lead)
        lead.name = details.name
        lead.email = details.email
        lead.phone = details.phone
        lead.preferred_channel = details.preferred_channel
        lead.contact_window = details.contact_window
        lead.country = details.country
        lead.warmth = score.warmth.value
        lead.warmth_reasons = list(score.reasons)
        lead.precheck_outcome = precheck_outcome
        _record_consent(session, conversation_id)
        session.flush()
        payload = {
            "event": "lead.created" if created else "lead.returned",
            "conversation_id": conversation_id,
            "conversation_url": f"{settings.handoff.console_url}/conversations/{conversation_id}",
            "lead": lead_json(lead),
            "precheck_summary": precheck_summary,
        }
        enqueue(session, conversation_id, payload, settings.notify)
        return SavedLead(lead.id, created)


def _record_consent(session: Any, conversation_id: str) -> None:
    """Record the consent unless one is active: an upsert, so that the database decides.

    A read before the insert would let two concurrent submissions both insert; the
    partial unique index (one active consent per conversation and purpose) is the
    conflict target, and the second insert does nothing.
    """
    dialect = session.get_bind().dialect.name
    inserts = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
    if dialect not in inserts:
        raise NotImplementedError(f"consents on {dialect}: SQLite and PostgreSQL only")
    session.execute(
        inserts[dialect](Consent)
        .values(
            conversation_id=conversation_id,
            purpose=LEAD_CONSENT_PURPOSE,
            text_version=LEAD_CONSENT_VERSION,
        )
        .on_conflict_do_nothing(
            index_elements=[Consent.conversation_id, Consent.purpose],
            index_where=Consent.withdrawn_at.is_(None),
        )
    )

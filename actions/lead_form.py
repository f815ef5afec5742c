"""validate_lead_form: contact details for the advisor, read from free text."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions.explaining_form import ExplainingFormValidationAction
from bot.leads.form import CONSENT, EMAIL, EXPLANATIONS, PHONE, read_lead_answer


class ValidateLeadForm(ExplainingFormValidationAction):
    """Consent first; without it the form ends before anything personal is asked."""

    explanations = EXPLANATIONS
    answers_before_commands = {CONSENT: frozenset({"withdraw_consent", "delete_data"})}

    def name(self) -> str:
        return "validate_lead_form"

    def read(self, asked: str, text: str, tracker: Tracker) -> dict[str, Any] | None:
        return read_lead_answer(asked, text, tracker.get_slot(EMAIL), tracker.get_slot(PHONE))

    def finished(self, slots: dict[str, Any]) -> bool:
        return slots.get(CONSENT) == "declined"

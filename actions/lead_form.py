"""validate_lead_form: contact details for the advisor, read from free text."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.free_text_form import FreeTextFormValidationAction, latest_intent
from actions.utter import utter
from bot.form_commands import COMMAND_INTENTS
from bot.leads.contact import attempts_contact, normalise_phone
from bot.leads.form import (
    CHANNEL,
    CONSENT,
    CONTACT,
    COUNTRY,
    EMAIL,
    NAME,
    PHONE,
    PHONE_CANDIDATE,
    PHONE_CONFIRM,
    PROBLEM_RESPONSES,
    REASK,
    REUSE,
    WINDOW,
    problem_with,
    read_lead_answer,
    reask_after,
)
from bot.leads.store import LeadDetails, stored_lead
from bot.precheck.reader import is_question
from bot.safety.red_flags import detect_red_flag
from bot.settings import load_settings

ATTEMPTS_SLOT = "form_attempts"
PAYLOAD_PREFIX = "/"
WHATSAPP_CHANNEL = "whatsapp"


def whatsapp_number(tracker: Tracker) -> str | None:
    """The patient's own number when they write on WhatsApp (the conversation id, E.164)."""
    if tracker.get_latest_input_channel() != WHATSAPP_CHANNEL:
        return None
    return normalise_phone(tracker.sender_id)


# Questions and requests the rules answer before the form resumes, unless the message
# also reads as an answer (a country may look like a question to the model).
INTERRUPTING_INTENTS = COMMAND_INTENTS | {
    "emergency",
    "medical_advice",
    "faq",
    "bot_challenge",
    "privacy",
    "help",
}
# At the consent question, "no, don't store anything" is an answer, even when the model
# hears a withdrawal or an erasure request in it.
ANSWERS_BEFORE_COMMANDS = {CONSENT: frozenset({"withdraw_consent", "delete_data"})}

Slots = dict[str, Any]


class ValidateLeadForm(FreeTextFormValidationAction):
    """Consent first; without it the form ends before anything personal is asked.

    An unusable answer is told what was wrong with it, and the question comes back in
    other words (the ``lead_reask`` slot picks its variation): never the same question
    twice in a row. A number typed in national format is confirmed as Swiss first.
    """

    def name(self) -> str:
        return "validate_lead_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        # A declined consent ends the form: nothing personal is asked.
        if tracker.get_slot(CONSENT) == "declined":
            return [CONSENT]
        # A returning patient first confirms the stored details ("yes" fills the rest)
        # or gives new ones ("no": the usual questions follow).
        slots = list(domain_slots)
        # "079 123 45 67": "Is that a Swiss number?" before the contact is given.
        if tracker.get_slot(PHONE_CANDIDATE) and CONTACT in slots:
            slots.insert(slots.index(CONTACT), PHONE_CONFIRM)
        if self._stored(tracker) is not None:
            return [REUSE, *slots]
        return slots

    def _stored(self, tracker: Tracker) -> LeadDetails | None:
        try:
            return stored_lead(load_settings().database_url, tracker.sender_id)
        except SQLAlchemyError:
            # Without the stored details the form simply asks for them anew.
            return None

    def interrupts(self, asked: str, text: str, tracker: Tracker) -> bool:
        # A button's payload (the channels keep the slash only on real payloads), such as
        # a "Did you mean …?" topic tapped mid-form, is never a name or a country.
        if text.startswith(PAYLOAD_PREFIX):
            return True
        intent = latest_intent(tracker)
        if intent in COMMAND_INTENTS - ANSWERS_BEFORE_COMMANDS.get(asked, frozenset()):
            return True
        if detect_red_flag(text):
            return True
        if self._read(asked, text, tracker) is not None:
            return False
        # "anna@" or "079 123 45" at the contact question is a wrong answer, whatever
        # the model makes of it: the form says what is wrong with it.
        if asked in (CONTACT, PHONE_CONFIRM) and attempts_contact(text) and not is_question(text):
            return False
        return is_question(text) or intent in INTERRUPTING_INTENTS

    def _read(self, asked: str, text: str, tracker: Tracker) -> Slots | None:
        return read_lead_answer(
            asked,
            text,
            tracker.get_slot(EMAIL),
            tracker.get_slot(PHONE),
            whatsapp_number(tracker),
            tracker.get_slot(PHONE_CANDIDATE),
        )

    def _validated(
        self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Slots:
        values = self._read(slot, str(value or ""), tracker)
        if values is not None and values.get(REUSE) == "yes":
            values = {**values, **self._stored_slots(tracker)}
        if values is not None:
            # The next question in its own words (unless the answer asks for a variation).
            return {**values, ATTEMPTS_SLOT: None, REASK: values.get(REASK)}
        attempts = dict(tracker.get_slot(ATTEMPTS_SLOT) or {})
        attempts[slot] = attempts.get(slot, 0) + 1
        utter(dispatcher, PROBLEM_RESPONSES[problem_with(slot, str(value or ""))])
        # The slot stays empty, so the form asks again: in other words than last time.
        return {slot: None, ATTEMPTS_SLOT: attempts, REASK: reask_after(attempts[slot])}

    def _stored_slots(self, tracker: Tracker) -> Slots:
        """The form's answers from the stored lead, confirmed by the patient."""
        stored = self._stored(tracker)
        if stored is None:  # erased in the meantime: ask anew
            return {REUSE: "no"}
        return {
            CONSENT: "given",
            NAME: stored.name,
            CONTACT: "given",
            EMAIL: stored.email,
            PHONE: stored.phone,
            CHANNEL: stored.preferred_channel,
            WINDOW: stored.contact_window,
            COUNTRY: stored.country,
        }

    async def extract_lead_reuse(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self.candidate(REUSE, tracker)

    async def validate_lead_reuse(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self._validated(REUSE, value, dispatcher, tracker)

    async def extract_lead_consent(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self.candidate(CONSENT, tracker)

    async def validate_lead_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self._validated(CONSENT, value, dispatcher, tracker)

    async def extract_lead_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self.candidate(NAME, tracker)

    async def validate_lead_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self._validated(NAME, value, dispatcher, tracker)

    async def extract_lead_contact(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self.candidate(CONTACT, tracker)

    async def validate_lead_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self._validated(CONTACT, value, dispatcher, tracker)

    async def extract_lead_phone_confirm(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self.candidate(PHONE_CONFIRM, tracker)

    async def validate_lead_phone_confirm(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self._validated(PHONE_CONFIRM, value, dispatcher, tracker)

    async def extract_lead_channel(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self.candidate(CHANNEL, tracker)

    async def validate_lead_channel(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self._validated(CHANNEL, value, dispatcher, tracker)

    async def extract_lead_contact_window(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self.candidate(WINDOW, tracker)

    async def validate_lead_contact_window(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self._validated(WINDOW, value, dispatcher, tracker)

    async def extract_lead_country(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self.candidate(COUNTRY, tracker)

    async def validate_lead_country(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self._validated(COUNTRY, value, dispatcher, tracker)

"""validate_precheck_form: reads free-text answers to the pre-check questions."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions.free_text_form import FreeTextFormValidationAction, latest_intent, latest_text
from actions.utter import utter
from bot.precheck.dialogue import CLARIFYING, CONSENT, Turn, interpret_turn
from bot.precheck.rules import QUESTIONS
from bot.precheck.vocabulary import CANCER, IMMUNODEFICIENCY, INFECTION, UNCONTROLLED

Slots = dict[str, Any]


def _turn(tracker: Tracker) -> Turn:
    """What the latest message means for the question asked (see bot.precheck.dialogue)."""
    asked = tracker.get_slot(REQUESTED_SLOT)
    return interpret_turn(
        asked=asked,
        text=latest_text(tracker),
        intent=latest_intent(tracker),
        clarifying=tracker.get_slot(CLARIFYING),
        # The asked slot holds this message's candidate by now, not an earlier answer.
        current={q: tracker.get_slot(q) for q in QUESTIONS if q != asked},
    )


class ValidatePrecheckForm(FreeTextFormValidationAction):
    """Fills the pre-check slots from one message at a time.

    One message may answer the question asked and correct an earlier one ("no, but
    actually I do have diabetes"); an unclear answer gets one clarifying re-ask, keyed
    on the ``precheck_clarifying`` slot that the re-ask's response variation reads.
    """

    def name(self) -> str:
        return "validate_precheck_form"

    def interrupts(self, asked: str, text: str, tracker: Tracker) -> bool:
        return _turn(tracker).interrupts

    def _validated(self, slot: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> Slots:
        turn = _turn(tracker)
        for note in turn.notes:
            utter(dispatcher, note)
        # Without a value for the asked slot, the form asks it again (re-ask or plain).
        return {slot: None, **turn.slots}

    async def extract_precheck_consent(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self.candidate(CONSENT, tracker)

    async def validate_precheck_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self._validated(CONSENT, dispatcher, tracker)

    async def extract_active_infection(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self.candidate(INFECTION, tracker)

    async def validate_active_infection(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self._validated(INFECTION, dispatcher, tracker)

    async def extract_cancer_last_5_years(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self.candidate(CANCER, tracker)

    async def validate_cancer_last_5_years(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self._validated(CANCER, dispatcher, tracker)

    async def extract_uncontrolled_condition(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self.candidate(UNCONTROLLED, tracker)

    async def validate_uncontrolled_condition(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self._validated(UNCONTROLLED, dispatcher, tracker)

    async def extract_severe_immunodeficiency(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self.candidate(IMMUNODEFICIENCY, tracker)

    async def validate_severe_immunodeficiency(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        return self._validated(IMMUNODEFICIENCY, dispatcher, tracker)

"""A form validation base that explains a question after repeated unusable answers.

The pattern of RasaHQ's financial-demo: instead of re-asking the same question over and
over, the second unusable answer gets a short explanation of what is needed. Questions
and interruptions (stop, emergencies, requests for a person ...) are left unread, so the
form rejects and the dialogue rules answer them before the form resumes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction

from bot.form_commands import COMMAND_INTENTS
from bot.precheck.reader import is_question
from bot.safety.red_flags import detect_red_flag

ATTEMPTS_SLOT = "form_attempts"
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


class ExplainingFormValidationAction(FormValidationAction, ABC):
    """Subclasses read answers (``read``) and say how to answer (``explanations``).

    Abstract, so the action server does not register the base itself as an action.
    """

    explanations: dict[str, str] = {}
    explain_after = 2
    # Per question, command intents that are read as an answer first ("no, don't store
    # anything" at a consent question is a no, not a withdrawal).
    answers_before_commands: dict[str, frozenset[str]] = {}

    @abstractmethod
    def name(self) -> str:
        """The form's validation action name (``validate_<form>``)."""

    @abstractmethod
    def read(self, asked: str, text: str, tracker: Tracker) -> dict[str, Any] | None:
        """The slot values ``text`` gives for the question ``asked``, or None."""

    def finished(self, slots: dict[str, Any]) -> bool:
        """True when these answers end the form early (e.g. a declined consent)."""
        return False

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        asked = tracker.get_slot(REQUESTED_SLOT)
        text = tracker.latest_message.get("text") or ""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        commands = COMMAND_INTENTS - self.answers_before_commands.get(asked, frozenset())
        if asked is None or intent in commands or detect_red_flag(text):
            return []
        values = self.read(asked, text, tracker)
        if values is None:
            if is_question(text) or intent in INTERRUPTING_INTENTS:
                return []
            return self._unusable(asked, dispatcher, tracker)
        events: list[EventType] = [SlotSet(slot, value) for slot, value in values.items()]
        events.append(SlotSet(ATTEMPTS_SLOT, None))
        if self.finished({**tracker.slots, **values}):
            events.append(SlotSet(REQUESTED_SLOT, None))
        return events

    def _unusable(
        self, asked: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        attempts = dict(tracker.get_slot(ATTEMPTS_SLOT) or {})
        attempts[asked] = attempts.get(asked, 0) + 1
        if attempts[asked] >= self.explain_after and asked in self.explanations:
            dispatcher.utter_message(text=self.explanations[asked])
        # Setting a slot keeps the form active: it asks the same question again.
        return [SlotSet(ATTEMPTS_SLOT, attempts)]

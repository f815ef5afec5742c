"""A form validation base for questions answered in free text, one at a time.

The SDK's own split (rasa_sdk ``FormValidationAction``): ``extract_<slot>`` decides
whether the latest message answers the question being asked, and passes its text on
as the slot's candidate; ``validate_<slot>`` reads the candidate and returns the slot
values it gives. A message that is no answer (a question, "stop", an emergency ...) is
not extracted: the form rejects it, the dialogue rules answer it, and the form then
asks its question again.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction


def latest_text(tracker: Tracker) -> str:
    """The text of the user's latest message."""
    return tracker.latest_message.get("text") or ""


def latest_intent(tracker: Tracker) -> str | None:
    """The intent of the user's latest message."""
    return (tracker.latest_message.get("intent") or {}).get("name")


class FreeTextFormValidationAction(FormValidationAction, ABC):
    """Subclasses say what interrupts (``interrupts``) and define ``extract_<slot>`` /
    ``validate_<slot>`` for their slots, delegating to ``candidate`` and their readers.

    Abstract, so the action server does not register the base itself as an action.
    """

    @abstractmethod
    def name(self) -> str:
        """The form's validation action name (``validate_<form>``)."""

    @abstractmethod
    def interrupts(self, asked: str, text: str, tracker: Tracker) -> bool:
        """True when ``text`` is no answer to ``asked`` and the rules should handle it."""

    def candidate(self, slot: str, tracker: Tracker) -> dict[str, Any]:
        """``{slot: text}`` when the latest message answers ``slot``, the question asked."""
        text = latest_text(tracker)
        if tracker.get_slot(REQUESTED_SLOT) != slot or self.interrupts(slot, text, tracker):
            return {}
        return {slot: text}

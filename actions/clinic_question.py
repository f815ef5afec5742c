"""action_answer_clinic_question: the clinic's practical facts, from clinic.yml."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.utter import utter
from bot.clinic.answers import AdvisorHours, answer_clinic_question
from bot.clinic.facts import ClinicFacts, ClinicFileError, configured_clinic
from bot.settings import load_settings

logger = logging.getLogger(__name__)


class ActionAnswerClinicQuestion(Action):
    """Answers where the clinic is, how to reach it, its hours, languages, payment, travel."""

    def name(self) -> str:
        return "action_answer_clinic_question"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        settings = load_settings()
        try:
            # Read on every question: a clinic's edit shows without a restart.
            facts = configured_clinic(settings)
        except ClinicFileError as exc:
            # `make run` refuses a malformed file; one broken while running is answered
            # as "not here" (true for now) rather than with a guess.
            logger.error("clinic facts unavailable: %s", exc)
            facts = ClinicFacts()
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        utter(
            dispatcher,
            *answer_clinic_question(
                intent,
                tracker.latest_message.get("text") or "",
                facts,
                AdvisorHours(settings.handoff.business_hours, settings.handoff.timezone),
                settings.handoff.clinic_contact,
            ),
        )
        return []

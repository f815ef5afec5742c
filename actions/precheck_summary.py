"""action_precheck_summary: computes the outcome, stores it with consent, explains it."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from bot.precheck import QUESTIONS, PrecheckResult, evaluate
from bot.precheck_dialogue import CONSENT
from bot.precheck_store import save_precheck
from bot.precheck_summary import summary
from bot.settings import load_settings

logger = logging.getLogger(__name__)

# A database that is briefly down gets a few more chances before we give up.
SAVE_ATTEMPTS = 3
RETRY_DELAY_SECONDS = 0.5


async def _save_with_retry(
    tracker: Tracker, answers: dict[str, str], result: PrecheckResult
) -> bool:
    database_url = load_settings().database_url
    for attempt in range(1, SAVE_ATTEMPTS + 1):
        try:
            save_precheck(database_url, tracker.sender_id, answers, result)
            return True
        except SQLAlchemyError as exc:
            # The exception type only: its message may hold the answers.
            logger.error("saving a pre-check failed (attempt %d): %s", attempt, type(exc).__name__)
            if attempt < SAVE_ATTEMPTS:
                await asyncio.sleep(RETRY_DELAY_SECONDS * attempt)
    return False


class ActionPrecheckSummary(Action):
    """Ends the pre-check: outcome and reasons into slots, the record into the database."""

    def name(self) -> str:
        return "action_precheck_summary"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        answers = {q: tracker.get_slot(q) for q in QUESTIONS}
        try:
            result = evaluate(answers)
        except ValueError:
            # An incomplete form must never read as "clear".
            dispatcher.utter_message(
                text="Sorry, some answers are missing, so I can't summarise the pre-check. "
                'You can start it again with "restart the check".'
            )
            return []
        if tracker.get_slot(CONSENT) == "given":
            stored: bool | None = await _save_with_retry(tracker, answers, result) or None
        else:
            stored = False
        reply = summary(result, stored)
        dispatcher.utter_message(text=reply.text, buttons=reply.buttons)
        return [
            SlotSet("precheck_outcome", result.outcome.value),
            SlotSet("precheck_reasons", result.reasons),
        ]

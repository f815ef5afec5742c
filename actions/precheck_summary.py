"""action_precheck_summary: computes the outcome, stores it with consent, explains it."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.utter import utter
from bot.leads.scoring import Warmth, score_lead, signals_from_events
from bot.precheck.dialogue import CONSENT
from bot.precheck.rules import QUESTIONS, PrecheckResult, evaluate
from bot.precheck.store import save_precheck
from bot.precheck.summary import HOT_LEAD_OFFER, summary
from bot.settings import load_settings
from bot.store.db import with_retries

INCOMPLETE = "utter_precheck_incomplete"


async def _save(tracker: Tracker, answers: dict[str, str], result: PrecheckResult) -> bool:
    database_url = load_settings().database_url
    saved = await with_retries(
        lambda: save_precheck(database_url, tracker.sender_id, answers, result),
        "saving a pre-check",
    )
    return saved is not None


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
            utter(dispatcher, INCOMPLETE)
            return []
        if tracker.get_slot(CONSENT) == "given":
            stored: bool | None = await _save(tracker, answers, result) or None
        else:
            stored = False
        utter(dispatcher, summary(result, stored))
        score = score_lead(signals_from_events(tracker.events, result.outcome.value))
        if score.warmth is Warmth.HOT:
            # Clear and clearly interested: say plainly that a person can take it from here.
            utter(dispatcher, HOT_LEAD_OFFER)
        return [
            SlotSet("precheck_outcome", result.outcome.value),
            SlotSet("precheck_reasons", result.reasons),
        ]

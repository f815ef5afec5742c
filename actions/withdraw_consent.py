"""action_withdraw_consent: deletes what was stored with consent, and stores no more."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.utter import utter
from bot.leads.form import LEAD_SLOTS
from bot.precheck.dialogue import CONSENT
from bot.privacy.erasure import withdraw_consent
from bot.privacy.notice import RIGHTS_FAILED, consent_withdrawn
from bot.settings import load_settings
from bot.store.db import session_scope, with_retries


class ActionWithdrawConsent(Action):
    """Removes the consented records and sets the consent to declined."""

    def name(self) -> str:
        return "action_withdraw_consent"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        settings = load_settings()

        def withdraw() -> Any:
            with session_scope(settings.database_url) as session:
                return withdraw_consent(session, tracker.sender_id)

        report = await with_retries(withdraw, "withdrawing consent")
        if report is None:
            utter(dispatcher, RIGHTS_FAILED)
            return []
        utter(dispatcher, consent_withdrawn(report, settings.retention_days))
        # A later pre-check or advisor request asks for consent again instead of
        # storing on the old yes; the contact details go with it.
        cleared = (CONSENT, *LEAD_SLOTS)
        return [SlotSet(slot, None) for slot in cleared]

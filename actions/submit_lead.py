"""action_submit_lead: stores the consented lead, queues the advisor, pauses the bot."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.utter import utter
from bot.content import Utterance
from bot.handoff.hours import parse_business_hours, what_happens_next
from bot.handoff.queue import open_handoff
from bot.leads.form import CHANNEL, CONSENT, COUNTRY, EMAIL, LEAD_SLOTS, NAME, PHONE, WINDOW
from bot.leads.scoring import score_lead, signals_from_events
from bot.leads.store import LeadDetails, save_lead
from bot.precheck.summary import advisor_summary
from bot.settings import load_settings
from bot.store.db import with_retries


class ActionSubmitLead(Action):
    """Ends the lead form: store and hand off with consent, only advice without it."""

    def name(self) -> str:
        return "action_submit_lead"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        settings = load_settings()
        contact = {"clinic_contact": settings.handoff.clinic_contact}
        clear_form = [SlotSet(slot, None) for slot in LEAD_SLOTS]
        if tracker.get_slot(CONSENT) != "given":
            utter(dispatcher, Utterance("utter_lead_not_stored", contact))
            return clear_form
        details = LeadDetails(
            name=tracker.get_slot(NAME),
            email=tracker.get_slot(EMAIL),
            phone=tracker.get_slot(PHONE),
            preferred_channel=tracker.get_slot(CHANNEL),
            contact_window=tracker.get_slot(WINDOW),
            country=tracker.get_slot(COUNTRY),
        )
        outcome = tracker.get_slot("precheck_outcome")
        score = score_lead(signals_from_events(tracker.events, outcome))
        summary = advisor_summary(outcome, tracker.get_slot("precheck_reasons"))
        saved = await with_retries(
            lambda: save_lead(settings, tracker.sender_id, details, score, outcome, summary),
            "saving a lead",
        )
        if saved is None:
            utter(dispatcher, Utterance("utter_lead_save_failed", contact))
            return []
        channel = tracker.get_latest_input_channel()
        opened = await with_retries(
            lambda: open_handoff(settings.database_url, tracker.sender_id, channel, "lead"),
            "opening a handoff",
        )
        hours = parse_business_hours(settings.handoff.business_hours, settings.handoff.timezone)
        utter(
            dispatcher,
            what_happens_next(hours, settings.handoff.business_hours, details.preferred_channel),
        )
        # Without a queued handoff nobody would answer a paused conversation.
        return [ConversationPaused()] if opened is not None else []

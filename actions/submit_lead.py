"""action_submit_lead: stores the consented lead and queues it for the advisors."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.utter import utter
from bot.content import Utterance
from bot.handoff.hours import CHANNEL_WORDS, parse_business_hours, what_happens_next
from bot.handoff.queue import (
    HANDOFF_CHANNEL_SLOT,
    HANDOFF_OPEN_SLOT,
    current_handoff,
    open_handoff,
)
from bot.leads.form import CHANNEL, CONSENT, COUNTRY, EMAIL, LEAD_SLOTS, NAME, PHONE, WINDOW
from bot.leads.scoring import score_lead, signals_from_events
from bot.leads.store import LeadDetails, save_lead
from bot.precheck.summary import advisor_summary
from bot.settings import load_settings
from bot.store.db import with_retries


class ActionSubmitLead(Action):
    """Ends the lead form: store and queue with consent, only advice without it."""

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
        # The details are stored with the lead; the slots are cleared, so that a later
        # request asks again instead of passing on old answers unseen.
        clear_form = [SlotSet(slot, None) for slot in LEAD_SLOTS]
        if tracker.get_slot(CONSENT) != "given":
            utter(dispatcher, Utterance("utter_lead_not_stored", contact))
            return clear_form
        by = CHANNEL_WORDS.get(tracker.get_slot(CHANNEL), tracker.get_slot(CHANNEL))
        waiting = await with_retries(
            lambda: current_handoff(settings.database_url, tracker.sender_id),
            "reading the handoff",
        )
        if waiting is not None:
            # One request at a time: the advisors already have this conversation.
            utter(dispatcher, Utterance("utter_handoff_pending", {"handoff_channel": by}))
            return [*clear_form, SlotSet(HANDOFF_OPEN_SLOT, True)]
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
        if opened is None:
            # The lead and its notification are kept; the patient hears how the advisor
            # will make contact, and no promise of a chat that nobody would answer.
            utter(dispatcher, Utterance("utter_handoff_not_queued", {"channel": by}))
            return clear_form
        hours = parse_business_hours(settings.handoff.business_hours, settings.handoff.timezone)
        utter(
            dispatcher,
            what_happens_next(hours, settings.handoff.business_hours, details.preferred_channel),
        )
        # Waiting, not live: the assistant goes on answering until an advisor takes it.
        return [*clear_form, SlotSet(HANDOFF_OPEN_SLOT, True), SlotSet(HANDOFF_CHANNEL_SLOT, by)]

"""action_ask_lead_reuse: asks a returning patient whether the stored details still hold."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.utter import utter
from bot.content import Utterance
from bot.leads.form import how_to_contact
from bot.leads.store import stored_lead
from bot.settings import load_settings


class ActionAskLeadReuse(Action):
    """The lead form's first question when the conversation has a stored lead."""

    def name(self) -> str:
        return "action_ask_lead_reuse"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        stored = stored_lead(load_settings().database_url, tracker.sender_id)
        if stored is None:  # erased since the form decided to ask: the form asks anew
            utter(dispatcher, "utter_ask_lead_consent")
            return []
        utter(
            dispatcher,
            Utterance("utter_ask_lead_reuse", {"name": stored.name, "contact": how_to_contact(stored)}),
        )
        return []

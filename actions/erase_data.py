"""action_erase_data: "delete my data", after the user confirmed it."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset, EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.utter import utter
from bot.privacy.erasure import erase_conversation
from bot.privacy.notice import RIGHTS_FAILED, erased
from bot.settings import load_settings
from bot.store.db import session_scope, with_retries


class ActionEraseData(Action):
    """Erases the conversation's own rows now; the tracker store then erases its events."""

    def name(self) -> str:
        return "action_erase_data"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        database_url = load_settings().database_url

        def erase() -> Any:
            with session_scope(database_url) as session:
                return erase_conversation(session, tracker.sender_id)

        report = await with_retries(erase, "erasing a conversation")
        if report is None:
            utter(dispatcher, RIGHTS_FAILED)
            return []
        utter(dispatcher, erased(report))
        return [AllSlotsReset()]

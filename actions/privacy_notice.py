"""action_privacy_notice: the privacy notice, with the configured retention."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.utter import utter
from bot.privacy.notice import privacy_notice
from bot.settings import load_settings


class ActionPrivacyNotice(Action):
    """Sends the privacy notice."""

    def name(self) -> str:
        return "action_privacy_notice"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        utter(dispatcher, privacy_notice(load_settings().retention_days))
        return []

"""Sends the domain's responses from an action: every text lives in the domain."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from bot.content import Utterance


def utter(dispatcher: CollectingDispatcher, *utterances: Utterance | str) -> None:
    """Send each response (a name, or an ``Utterance`` with its variables)."""
    for item in utterances:
        if isinstance(item, str):
            item = Utterance(item)
        dispatcher.utter_message(response=item.response, **item.variables)

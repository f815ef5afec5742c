"""NLU component that lets safety rules and input checks overrule the classifier.

It runs last in the pipeline so that its decision is final: a red flag always becomes
the ``emergency`` intent (DESIGN.md: emergencies are checked before the model's guess),
and messages the model cannot interpret become ``nlu_fallback`` so the fallback action
can explain what to do instead of answering a random FAQ.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.message_checks import find_problem
from bot.red_flags import detect_red_flag

EMERGENCY_INTENT = "emergency"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class MessageGuard(GraphComponent, IntentClassifier):
    """Overrides the predicted intent for red flags and uninterpretable input."""

    @classmethod
    def required_components(cls) -> list[type]:
        """Runs after the trained classifiers it may overrule."""
        return [IntentClassifier]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """No options: the rules live in ``bot``."""
        return {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MessageGuard:
        """Creates the component (see ``GraphComponent.create``)."""
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        """Sets the final intent of each message."""
        for message in messages:
            text = message.get(TEXT) or ""
            flag = detect_red_flag(text)
            if flag is not None:
                _override(message, EMERGENCY_INTENT)
                message.set("red_flag", {"category": flag.category}, add_to_output=True)
                continue
            problem = find_problem(text)
            if problem is not None:
                _override(message, DEFAULT_NLU_FALLBACK_INTENT_NAME)
                message.set("input_problem", problem.value, add_to_output=True)
        return messages


def _override(message: Message, intent_name: str) -> None:
    intent = {INTENT_NAME_KEY: intent_name, PREDICTED_CONFIDENCE_KEY: 1.0}
    ranking = [
        item
        for item in message.get(INTENT_RANKING_KEY) or []
        if item.get(INTENT_NAME_KEY) != intent_name
    ]
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)

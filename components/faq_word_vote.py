"""NLU component that gives a linear n-gram model a vote in the FAQ answer.

It runs right after the ResponseSelector and replaces its choice and ranking with the
mix of the selector's probabilities and those of ``bot.faq_words.FaqWordModel``, trained
on the same examples. Everything downstream (the ``utter_faq`` retrieval action, the
"Did you mean …?" choice of ``bot.faq_choice``, ``rasa test nlu``) reads the mixed result
in the selector's own format.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.faq_words import FaqWordModel, mix

RESPONSES_FILE = "responses.json"
RETRIEVAL_INTENT_KEY = "retrieval_intent"
SELECTOR_WEIGHT_KEY = "selector_weight"
RANKING_LENGTH_KEY = "ranking_length"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FaqWordVote(GraphComponent):
    """Mixes a linear n-gram model into the ResponseSelector's FAQ choice."""

    @classmethod
    def required_components(cls) -> List[type]:
        """None: it needs only the text; config order puts it after the selector."""
        return []

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """``retrieval_intent``: the selector's key; ``selector_weight``: the selector's
        share of the mix (the n-gram model has the rest); ``ranking_length``: as in
        the ResponseSelector."""
        return {RETRIEVAL_INTENT_KEY: "faq", SELECTOR_WEIGHT_KEY: 0.3, RANKING_LENGTH_KEY: 10}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[FaqWordModel] = None,
        responses: Optional[Dict[str, Any]] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.model = model
        self.responses = responses or {}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "FaqWordVote":
        """Creates an untrained component (see ``GraphComponent.create``)."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Fits the n-gram model on the retrieval intent's examples.

        With fewer than two topics there is nothing to choose between, and the
        selector's answer stands.
        """
        intent = self._config[RETRIEVAL_INTENT_KEY]
        examples = [
            ex
            for ex in training_data.training_examples
            if ex.get(INTENT) == intent and ex.get(INTENT_RESPONSE_KEY) and ex.get(TEXT)
        ]
        topics = [ex.get(INTENT_RESPONSE_KEY) for ex in examples]
        if len(set(topics)) >= 2:
            self.model = FaqWordModel.fit([ex.get(TEXT) for ex in examples], topics)
        self.responses = {
            key: value
            for key, value in training_data.responses.items()
            if key.startswith(f"utter_{intent}/")
        }
        with self._model_storage.write_to(self._resource) as directory:
            if self.model is not None:
                self.model.save(directory)
            (directory / RESPONSES_FILE).write_text(json.dumps(self.responses), encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "FaqWordVote":
        """Loads what ``train`` saved."""
        with model_storage.read_from(resource) as directory:
            model = FaqWordModel.load(directory)
            responses = json.loads((directory / RESPONSES_FILE).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, model, responses)

    def process(self, messages: List[Message]) -> List[Message]:
        """Replaces the selector's choice and ranking with the mixed ones."""
        if self.model is None:
            return messages
        intent = self._config[RETRIEVAL_INTENT_KEY]
        for message in messages:
            properties = message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}
            selected = properties.get(intent)
            if not selected:
                continue
            ranking = selected.get(RESPONSE_SELECTOR_RANKING_KEY) or []
            ids = {item[INTENT_RESPONSE_KEY]: item.get("id") for item in ranking}
            selector = {
                item[INTENT_RESPONSE_KEY]: float(item[PREDICTED_CONFIDENCE_KEY]) for item in ranking
            }
            words = self.model.probabilities(message.get(TEXT) or "")
            mixed = mix(selector, words, float(self._config[SELECTOR_WEIGHT_KEY]))
            mixed = mixed[: int(self._config[RANKING_LENGTH_KEY])]
            best, confidence = mixed[0]
            template = f"utter_{best}"
            properties[intent] = {
                RESPONSE_SELECTOR_PREDICTION_KEY: {
                    RESPONSE_SELECTOR_RESPONSES_KEY: self.responses.get(template, []),
                    PREDICTED_CONFIDENCE_KEY: confidence,
                    INTENT_RESPONSE_KEY: best,
                    RESPONSE_SELECTOR_UTTER_ACTION_KEY: template,
                },
                RESPONSE_SELECTOR_RANKING_KEY: [
                    {"id": ids.get(key), PREDICTED_CONFIDENCE_KEY: p, INTENT_RESPONSE_KEY: key}
                    for key, p in mixed
                ],
            }
            message.set(RESPONSE_SELECTOR_PROPERTY_NAME, properties, add_to_output=True)
        return messages

"""The linear n-gram model of the FAQ topics, and the component that mixes it into the
ResponseSelector's choice."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.faq_words import FaqWordModel, mix
from components.faq_word_vote import FaqWordVote

EXAMPLES = {
    "faq/cost": [
        "how much does the treatment cost",
        "what is the price",
        "is it expensive",
        "what do you charge for the therapy",
        "how much money do I need for it",
        "price of the stem cell treatment",
    ],
    "faq/safety": [
        "is the therapy safe",
        "what are the risks",
        "can it cause side effects",
        "is it dangerous",
        "what complications can happen",
        "any risk of infection",
    ],
    "faq/procedure": [
        "how is the treatment done",
        "what happens on the day of the injection",
        "where are the cells injected",
        "describe the procedure step by step",
        "do I need an operation",
        "how are the cells given",
    ],
}
TEXTS = [text for texts in EXAMPLES.values() for text in texts]
TOPICS = [topic for topic, texts in EXAMPLES.items() for _ in texts]


@pytest.fixture(scope="module")
def model() -> FaqWordModel:
    return FaqWordModel.fit(TEXTS, TOPICS)


def test_new_phrasings_and_typos_get_their_topic(model: FaqWordModel) -> None:
    for text, topic in [
        ("what's the pricing", "faq/cost"),
        ("how expensiv is it", "faq/cost"),
        ("are there any dangers or side-effects", "faq/safety"),
        ("what is done on the injection day", "faq/procedure"),
    ]:
        probabilities = model.probabilities(text)
        assert max(probabilities, key=probabilities.get) == topic, text


def test_the_probabilities_cover_every_topic_and_sum_to_one(model: FaqWordModel) -> None:
    probabilities = model.probabilities("")
    assert set(probabilities) == set(EXAMPLES)
    assert sum(probabilities.values()) == pytest.approx(1.0)


def test_a_saved_model_loads_with_the_same_answers(model: FaqWordModel, tmp_path: Path) -> None:
    model.save(tmp_path)
    loaded = FaqWordModel.load(tmp_path)
    assert loaded is not None
    assert loaded.probabilities("is it risky") == model.probabilities("is it risky")
    assert FaqWordModel.load(tmp_path / "elsewhere") is None


def test_one_topic_is_not_a_choice() -> None:
    with pytest.raises(ValueError):
        FaqWordModel.fit(["what is the price", "how much"], ["faq/cost", "faq/cost"])


def test_the_mix_weighs_both_sides_and_counts_a_missing_topic_as_zero() -> None:
    ranked = mix({"faq/a": 0.9, "faq/b": 0.1}, {"faq/b": 0.6, "faq/c": 0.4}, selector_weight=0.3)
    assert [key for key, _ in ranked] == ["faq/b", "faq/c", "faq/a"]
    assert dict(ranked) == pytest.approx({"faq/a": 0.27, "faq/b": 0.45, "faq/c": 0.28})


# --- the component --------------------------------------------------------------------


def _training_data(examples: dict[str, list[str]]) -> TrainingData:
    messages = [
        Message(data={"text": text, "intent": "faq", "intent_response_key": topic})
        for topic, texts in examples.items()
        for text in texts
    ]
    messages.append(Message(data={"text": "hello there", "intent": "greet"}))
    responses = {f"utter_{topic}": [{"text": f"answer on {topic}"}] for topic in examples}
    responses["utter_greet"] = [{"text": "hi"}]
    return TrainingData(training_examples=messages, responses=responses)


def _trained(tmp_path: Path, examples: dict[str, list[str]]) -> FaqWordVote:
    """Trains, then loads from the model storage as a served model would."""
    storage = LocalModelStorage(tmp_path)
    resource = Resource("faq_word_vote")
    FaqWordVote.create({}, storage, resource, None).train(_training_data(examples))  # type: ignore[arg-type]
    return FaqWordVote.load({}, storage, resource, None)  # type: ignore[arg-type]


def _selected(text: str, *ranking: tuple[str, float]) -> Message:
    message = Message(data={"text": text})
    best, confidence = ranking[0]
    message.set(
        "response_selector",
        {
            "all_retrieval_intents": ["faq"],
            "faq": {
                "response": {"intent_response_key": best, "confidence": confidence},
                "ranking": [
                    {"id": i, "confidence": c, "intent_response_key": key}
                    for i, (key, c) in enumerate(ranking)
                ],
            },
        },
    )
    return message


def test_a_clear_wording_overrules_a_selector_that_leaned_the_wrong_way(tmp_path: Path) -> None:
    vote = _trained(tmp_path, EXAMPLES)
    message = _selected("how much does the therapy cost", ("faq/safety", 0.55), ("faq/cost", 0.45))
    [processed] = vote.process([message])
    selector = processed.get("response_selector")
    response = selector["faq"]["response"]
    assert response["intent_response_key"] == "faq/cost"
    assert response["utter_action"] == "utter_faq/cost"
    assert response["responses"] == [{"text": "answer on faq/cost"}]
    ranking = selector["faq"]["ranking"]
    assert [item["intent_response_key"] for item in ranking][:2] == ["faq/cost", "faq/safety"]
    assert response["confidence"] == ranking[0]["confidence"]
    assert sum(item["confidence"] for item in ranking) == pytest.approx(1.0)
    assert ranking[0]["id"] == 1  # the selector's id of the label is kept
    assert selector["all_retrieval_intents"] == ["faq"]
    assert processed.as_dict(only_output_properties=True)["response_selector"] == selector


def test_an_agreeing_selector_keeps_its_answer(tmp_path: Path) -> None:
    vote = _trained(tmp_path, EXAMPLES)
    [processed] = vote.process([_selected("is it dangerous", ("faq/safety", 0.95))])
    assert processed.get("response_selector")["faq"]["response"]["intent_response_key"] == (
        "faq/safety"
    )


def test_a_message_without_a_selector_answer_is_left_alone(tmp_path: Path) -> None:
    vote = _trained(tmp_path, EXAMPLES)
    [processed] = vote.process([Message(data={"text": "hello there"})])
    assert processed.get("response_selector") is None


def test_with_a_single_topic_the_selector_answer_stands(tmp_path: Path) -> None:
    vote = _trained(tmp_path, {"faq/cost": EXAMPLES["faq/cost"]})
    assert vote.model is None
    message = _selected("is it dangerous", ("faq/cost", 0.9))
    [processed] = vote.process([message])
    assert processed.get("response_selector")["faq"]["response"]["confidence"] == 0.9

"""Questions that merely contain an alarming word are no emergency (issue 14).

"A question about a medicine's maximum dose that mentions the word 'overdose' gets the
emergency guidance" was seen in real use: the rules found no red flag, but the NLU
model's own "emergency" (0.8 and more) stood. These questions ask for information; the
model's guess gives way to the next intent. Messages that look alike but tell of an
emergency keep the guidance: red flags stay 100 %.
"""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.safety.red_flags import detect_red_flag
from bot.safety.triage.engine import explained_away
from components.message_guard import MessageGuard

INFORMATION_QUESTIONS = [
    "what is the maximum dose of ibuprofen before it counts as an overdose?",
    "how many paracetamol tablets count as an overdose?",
    "What is the maximum daily dose of paracetamol?",
    "when is it considered an overdose of methotrexate?",
    "what does an overdose of prednisone look like?",
    "what heart rate is normal?",
    "what is a normal resting heart rate for adults?",
    "my ECG showed a heart rate of 52 at rest, is that bad?",
    "my smartwatch says my resting pulse is 58, is that normal?",
    "is a pulse of 90 normal when you have RA?",
    "what are the signs of a stroke?",
    "does rheumatoid arthritis raise the risk of stroke?",
    "what is the risk of heart attack with RA?",
    "does RA increase the chance of a heart attack or chest problems?",
    "what are the warning signs of internal bleeding on NSAIDs?",
    "how much bleeding is too much after the liposuction?",
    "what is the risk of bleeding with the injection?",
    "what is the suicide rate among RA patients?",
    "are suicide rates higher in people with chronic pain?",
    "how would I recognise a heart attack?",
    "what is a normal blood pressure for someone on steroids?",
]

# Alike in words, but an emergency now: the rules find a red flag in each.
EMERGENCIES_ALIKE = [
    ("I took 20 ibuprofen, is that more than the maximum dose?", "poisoning"),
    ("I think I took an overdose of my methotrexate", "self_harm_act"),
    # "overdosed" was once mended to "overdose" as a typo, and the rule never saw it.
    ("I overdosed on my painkillers, what is the maximum dose?", "self_harm_act"),
    ("she overdosed on her meds", "self_harm_act"),
    # "took too many" had no rule: an overdose taken is a poisoning whatever the question.
    ("what is the maximum dose, I took too many of my tablets just now", "poisoning"),
    ("I took too many pills", "poisoning"),
    ("my heart rate is racing and I have crushing chest pain", "chest_pain"),
    ("what are the signs of a stroke? my dad's face is drooping and his speech is slurred", "stroke"),
    ("the bleeding won't stop, how much bleeding is too much?", "bleeding"),
    ("what is the suicide rate, I keep thinking about suicide", "suicidal"),
    ("I want to kill myself, what is the maximum dose of paracetamol?", "suicidal"),
    ("how many paracetamol would it take to not wake up", "suicidal"),
]

# No red flag in the words, but something happening now: the model's "emergency" stands.
ACUTE_WITHOUT_A_RULE = [
    "my heart rate is 190 right now, what is normal?",
    "help me, what is a normal heart rate, mine is pounding",
    "my pulse is 32, is that normal?",
]


@pytest.mark.parametrize("text", INFORMATION_QUESTIONS)
def test_an_information_question_is_no_red_flag_and_explains_the_model_away(text: str) -> None:
    assert detect_red_flag(text) is None
    assert explained_away(text)


@pytest.mark.parametrize(("text", "category"), EMERGENCIES_ALIKE)
def test_an_emergency_that_looks_alike_keeps_its_red_flag(text: str, category: str) -> None:
    flag = detect_red_flag(text)
    assert flag is not None and flag.category == category
    assert not explained_away(text)


@pytest.mark.parametrize("text", ACUTE_WITHOUT_A_RULE)
def test_an_acute_message_is_not_explained_away_as_a_question(text: str) -> None:
    assert not explained_away(text)


def _guarded(text: str) -> str:
    message = Message(data={"text": text})
    ranking = [{"name": "emergency", "confidence": 0.96}, {"name": "medical_other", "confidence": 0.03}]
    message.set("intent", ranking[0])
    message.set("intent_ranking", ranking)
    guard = MessageGuard({}, None, None, vocabulary=None, exact={})  # type: ignore[arg-type]
    return guard.process([message])[0].get("intent")["name"]


def test_the_models_sure_emergency_gives_way_on_an_information_question() -> None:
    assert _guarded("what is the maximum dose of ibuprofen before it counts as an overdose?") == (
        "medical_other"
    )
    assert _guarded("what heart rate is normal?") == "medical_other"


def test_the_models_sure_emergency_stands_on_an_acute_message() -> None:
    assert _guarded("my heart rate is 190 right now, what is normal?") == "emergency"

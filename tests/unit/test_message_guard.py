"""The NLU pipeline's last word: red flags, careful topics, and the model's own
"emergency" as a second opinion."""

from __future__ import annotations

from rasa.shared.nlu.training_data.message import Message

from components.message_guard import MODEL_EMERGENCY_MIN_CONFIDENCE, MessageGuard


def _guarded(text: str, *ranking: tuple[str, float], faq_choice: dict | None = None) -> Message:
    message = Message(data={"text": text})
    items = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    if items:
        message.set("intent", items[0])
        message.set("intent_ranking", items)
    if faq_choice:
        message.set("response_selector", {"faq": {"response": faq_choice}})
    guard = MessageGuard({}, None, None, vocabulary=None, exact={})  # type: ignore[arg-type]
    return guard.process([message])[0]


def _intent(message: Message) -> str:
    return message.get("intent")["name"]


def test_a_red_flag_carries_its_level_language_and_guidance() -> None:
    message = _guarded("mi hijo se ha tragado mis pastillas", ("faq", 0.7))
    assert _intent(message) == "emergency"
    flag = message.get("red_flag")
    assert (flag["level"], flag["language"], flag["response"]) == (
        "poison",
        "es",
        "utter_poison_es",
    )


def test_a_careful_topic_becomes_safeguarding_with_its_answer() -> None:
    message = _guarded("I'm 15, can I get stem cells?", ("faq", 0.9))
    assert _intent(message) == "safeguarding"
    assert message.get("concern")["response"] == "utter_minor"
    assert message.get("concern")["minor"] is True


def test_an_unsure_model_emergency_gives_way_to_the_next_intent() -> None:
    message = _guarded(
        "the waiting list is killing me, when can i start",
        ("emergency", MODEL_EMERGENCY_MIN_CONFIDENCE - 0.3),
        ("faq", 0.3),
    )
    assert _intent(message) == "faq"
    assert [item["name"] for item in message.get("intent_ranking")] == ["faq"]


def test_a_sure_model_emergency_on_words_the_rules_explain_away_gives_way() -> None:
    message = _guarded("can the injection cause chest pain?", ("emergency", 0.97), ("faq", 0.02))
    assert _intent(message) == "faq"


def test_a_sure_model_emergency_the_rules_cannot_read_stands() -> None:
    message = _guarded(
        "something is terribly wrong with my dad", ("emergency", 0.95), ("faq", 0.05)
    )
    assert _intent(message) == "emergency"
    assert message.get("red_flag") is None


def _guarded_faq(text: str, topic: str) -> Message:
    return _guarded(text, ("faq", 0.9), faq_choice={"intent_response_key": topic})


def test_an_answer_that_declines_that_kind_of_advice_may_stand() -> None:
    # Both answers refer to one's own doctor and give no verdict or dose.
    assert (
        _intent(_guarded_faq("I have lupus, could stem cells help me?", "faq/other_diseases"))
        == "faq"
    )
    assert _intent(_guarded_faq("should I stop my methotrexate?", "faq/medication")) == "faq"


def test_other_answers_give_way_to_the_refusal() -> None:
    message = _guarded_faq("I have lupus, could stem cells help me?", "faq/effectiveness")
    assert _intent(message) == "medical_advice"
    assert message.get("advice_request") == {"kind": "suitability"}
    # The other-diseases answer declines a verdict, not a dose.
    assert (
        _intent(_guarded_faq("what prednisone dose is usual?", "faq/other_diseases"))
        == "medical_advice"
    )


# --- a hesitation between two intents of one family -----------------------------------


def _after_fallback(text: str, *ranking: tuple[str, float]) -> Message:
    """As the FallbackClassifier leaves a message: its own entry first, then the model's."""
    fallback = {"name": "nlu_fallback", "confidence": 0.35}
    items = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    message = Message(data={"text": text})
    message.set("intent", fallback)
    message.set("intent_ranking", [fallback, *items])
    guard = MessageGuard({}, None, None, vocabulary=None, exact={})  # type: ignore[arg-type]
    return guard.process([message])[0]


def test_torn_between_the_advisor_and_the_contact_details_it_offers_the_advisor() -> None:
    message = _after_fallback(
        "how can i get in touch with the medical advisor",
        ("request_human", 0.34),
        ("clinic_contact", 0.33),
        ("faq", 0.2),
    )
    assert _intent(message) == "request_human"
    assert [item["name"] for item in message.get("intent_ranking")] == [
        "request_human",
        "clinic_contact",
        "faq",
    ]


def test_torn_between_two_clinic_facts_it_answers_the_likelier() -> None:
    message = _after_fallback(
        "what's the clinic called and where is it", ("clinic_name", 0.3), ("clinic_location", 0.28)
    )
    assert _intent(message) == "clinic_name"


def test_torn_between_different_needs_it_still_asks_to_rephrase() -> None:
    message = _after_fallback("talk to me about it", ("request_human", 0.34), ("faq", 0.32))
    assert _intent(message) == "nlu_fallback"


def test_a_family_pair_the_model_barely_believes_is_still_a_misunderstanding() -> None:
    message = _after_fallback(
        "blue", ("clinic_name", 0.2), ("clinic_hours", 0.19), ("greet", 0.18), ("faq", 0.17)
    )
    assert _intent(message) == "nlu_fallback"


def test_unreadable_input_stays_a_fallback_whatever_the_model_guessed() -> None:
    message = _after_fallback("", ("request_human", 0.34), ("clinic_contact", 0.33))
    assert _intent(message) == "nlu_fallback"
    assert message.get("input_problem") is not None


def _demoted(text: str, faq_confidence: float, *ranking: tuple[str, float]) -> Message:
    choice = {"intent_response_key": "faq/injection_pain", "confidence": faq_confidence}
    return _guarded(text, *ranking, faq_choice=choice)


def test_after_an_unsure_emergency_a_weak_runner_up_gives_way_to_a_sure_faq_answer() -> None:
    message = _demoted(
        "how swollen should the knee get after the shot",
        0.7,
        ("emergency", 0.6),
        ("request_human", 0.15),
        ("out_of_scope", 0.05),
    )
    assert _intent(message) == "faq"
    assert [item["name"] for item in message.get("intent_ranking")] == [
        "faq",
        "request_human",
        "out_of_scope",
    ]


def test_after_an_unsure_emergency_with_nothing_sure_left_it_asks_to_rephrase() -> None:
    message = _demoted("something about my knee", 0.3, ("emergency", 0.6), ("request_human", 0.15))
    assert _intent(message) == "nlu_fallback"

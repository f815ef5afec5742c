"""Answering the FAQ or asking "Did you mean …?" (issue 14)."""

from __future__ import annotations

import json

import pytest

from bot.channels.payloads import is_payload
from bot.content import responses, text
from bot.faq_choice import (
    MIN_CONFIDENCE,
    MIN_MARGIN,
    SOMETHING_ELSE,
    TITLES,
    Ranked,
    choice_payload,
    chosen_topic,
    decide,
    is_unsure,
    ranking_of,
)

# WhatsApp cuts a reply button's title at 20 characters.
MAX_TITLE = 20


def _ranking(*pairs: tuple[str, float]) -> list[Ranked]:
    return [Ranked(key, confidence) for key, confidence in pairs]


def test_a_clear_best_answer_is_given() -> None:
    ranking = _ranking(("faq/cost", 0.9), ("faq/insurance", 0.05))
    assert decide(ranking).answer == "faq/cost"


def test_a_short_question_answered_right_with_a_modest_confidence_is_still_answered() -> None:
    # "price?" scores about 0.45 for the right answer, far ahead of the next one.
    ranking = _ranking(("faq/cost", 0.46), ("faq/insurance", 0.08))
    assert decide(ranking).answer == "faq/cost"


def test_a_low_confidence_offers_the_two_best_topics() -> None:
    ranking = _ranking(("faq/safety", MIN_CONFIDENCE - 0.02), ("faq/evidence", 0.05))
    decision = decide(ranking)
    assert decision.answer is None
    assert decision.options == ("faq/safety", "faq/evidence")


def test_two_answers_close_together_offer_both() -> None:
    ranking = _ranking(("faq/cost", 0.45), ("faq/insurance", 0.45 - MIN_MARGIN / 2))
    assert decide(ranking).options == ("faq/cost", "faq/insurance")


def test_a_topic_without_a_title_is_answered_not_offered() -> None:
    ranking = _ranking(("faq/new_topic", 0.2), ("faq/cost", 0.19))
    assert decide(ranking).answer == "faq/new_topic"


def test_a_request_for_medication_advice_gets_the_medication_answer_never_a_question() -> None:
    # The NLU pipeline lets this answer stand for such requests: it refuses them.
    ranking = _ranking(("faq/medication", 0.3), ("faq/safety", 0.295))
    decision = decide(ranking, "should I stop my methotrexate before the injection?")
    assert decision.answer == "faq/medication"
    assert decide(ranking, "what about my usual medicines?").answer is None


@pytest.mark.parametrize(
    ("best", "second", "unsure"),
    [(0.9, 0.05, False), (0.2, 0.01, True), (0.5, 0.46, True), (0.5, 0.3, False)],
)
def test_unsure_is_low_or_close(best: float, second: float, unsure: bool) -> None:
    ranking = _ranking(("faq/a", best), ("faq/b", second))
    assert is_unsure(ranking, 0.3, 0.1) is unsure


def test_the_ranking_is_read_from_the_parse_data_best_first() -> None:
    parse = {
        "response_selector": {
            "faq": {
                "ranking": [
                    {"intent_response_key": "faq/cost", "confidence": 0.2},
                    {"intent_response_key": "faq/safety", "confidence": 0.7},
                ],
                "response": {"intent_response_key": "faq/safety", "confidence": 0.7},
            }
        }
    }
    assert [r.key for r in ranking_of(parse)] == ["faq/safety", "faq/cost"]
    assert ranking_of({}) == []


@pytest.mark.parametrize("topic", [*TITLES, SOMETHING_ELSE])
def test_a_choice_button_is_a_payload_the_channels_pass_and_rasa_reads(topic: str) -> None:
    payload = choice_payload(topic)
    assert is_payload(payload)
    # What Rasa's RegexMessageHandler makes of it: intent faq with the topic entity.
    assert payload.startswith("/faq{")
    assert json.loads(payload[len("/faq") :]) == {"faq_topic": topic}


def test_the_tapped_topic_is_read_from_the_entity() -> None:
    parse = {"intent": {"name": "faq"}, "entities": [{"entity": "faq_topic", "value": "faq/cost"}]}
    assert chosen_topic(parse) == "faq/cost"
    assert chosen_topic({"intent": {"name": "faq"}, "entities": []}) is None


def test_every_topic_has_a_short_title_and_every_title_a_topic() -> None:
    answers = {k.removeprefix("utter_") for k in responses() if k.startswith("utter_faq/")}
    assert set(TITLES) == answers
    for topic, name in TITLES.items():
        assert 0 < len(text(name)) <= MAX_TITLE, (topic, text(name))
    titles = [text(name) for name in TITLES.values()]
    assert len(set(titles)) == len(titles)


def test_thresholds_leave_a_right_answer_to_a_short_question_alone() -> None:
    # Right answers to terse questions score 0.44-0.5 (bot/store/summaries.py).
    assert MIN_CONFIDENCE < 0.44


# --- what the conversation records --------------------------------------------------


def _user(text: str, topic: str | None = None) -> dict:
    parse = {"intent": {"name": "faq", "confidence": 0.9}, "entities": []}
    if topic:
        parse["response_selector"] = {"faq": {"response": {"intent_response_key": topic}}}
    return {"event": "user", "text": text, "parse_data": parse, "timestamp": 1.0}


def _answered(topic: str | None) -> list[dict]:
    return [
        {"event": "action", "name": "action_answer_faq", "timestamp": 1.0},
        {"event": "slot", "name": "faq_topic", "value": topic, "timestamp": 1.0},
    ]


def test_the_summary_counts_answers_not_did_you_mean_and_the_tapped_topic() -> None:
    from bot.store.summaries import scan

    events = [
        _user("what does it cost?", "faq/cost"),
        *_answered("faq/cost"),
        _user("and the risk side?", "faq/safety"),
        *_answered(None),  # "Did you mean …?"
        _user('/faq{"faq_topic": "faq/evidence"}'),
        *_answered("faq/evidence"),
    ]
    result = scan(events)
    assert result.faq_answered == 2
    assert result.faq_topics == ["faq/cost", "faq/evidence"]


def test_the_leads_context_holds_the_tapped_topic() -> None:
    from bot.leads.scoring import signals_from_events

    events = [_user('/faq{"faq_topic": "faq/cost"}'), *_answered("faq/cost")]
    assert "faq/cost" in signals_from_events(iter(events), None).asked_topics


# --- the buttons on every channel ----------------------------------------------------


def _choice_buttons() -> list[dict[str, str]]:
    return [
        {"title": text(TITLES["faq/autologous_allogeneic"]), "payload": choice_payload("faq/autologous_allogeneic")},
        {"title": text(TITLES["faq/evidence"]), "payload": choice_payload("faq/evidence")},
        {"title": text("utter_faq_choice_something_else_title"), "payload": choice_payload(SOMETHING_ELSE)},
    ]


def test_telegram_sends_each_choice_as_its_own_callback_data() -> None:
    from bot.channels.telegram import payload_key

    for button in _choice_buttons():
        # Short enough for callback_data (64 bytes): the tap comes back as the payload.
        assert payload_key(button["payload"]) == button["payload"]


def test_whatsapp_shows_the_choices_as_reply_buttons_that_come_back_as_payloads() -> None:
    from bot.channels.whatsapp_messages import (
        MAX_BUTTON_TITLE,
        Inbound,
        answer_text,
        button_message,
        options_of,
    )

    options = options_of(_choice_buttons())
    sent = button_message("+41790000000", text("utter_faq_choice"), options)
    shown = sent["interactive"]["action"]["buttons"]
    assert [b["reply"]["title"] for b in shown] == [b["title"] for b in _choice_buttons()]
    assert all(len(b["reply"]["title"]) <= MAX_BUTTON_TITLE for b in shown)
    tapped = Inbound("w", "+41790000000", "interactive", reply_id=shown[1]["reply"]["id"])
    assert answer_text(tapped, None) == choice_payload("faq/evidence")

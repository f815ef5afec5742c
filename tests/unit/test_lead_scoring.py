"""Lead warmth: explainable, and a contraindication is never a hot lead."""

from __future__ import annotations

from bot.leads.scoring import LeadSignals, Warmth, score_lead, topics_asked


def test_a_clear_pre_check_and_a_wish_to_talk_is_hot() -> None:
    score = score_lead(LeadSignals(precheck_outcome="clear", asked_for_human=True))
    assert score.warmth is Warmth.HOT
    assert score.reasons == ("pre-check clear", "asked for a person")


def test_a_clear_pre_check_and_questions_about_cost_and_booking_is_hot() -> None:
    signals = LeadSignals("clear", frozenset({"faq/cost", "faq/consultation", "faq/what_is_ra"}))
    score = score_lead(signals)
    assert score.warmth is Warmth.HOT
    assert "asked about consultation, cost" in score.reasons


def test_a_contraindication_is_cold_whatever_else_happened() -> None:
    signals = LeadSignals("contraindicated", frozenset({"faq/cost"}), True, frozenset({"x"}))
    score = score_lead(signals)
    assert score.warmth is Warmth.COLD
    assert score.reasons == ("the pre-check reported a contraindication",)


def test_interest_without_a_pre_check_is_warm() -> None:
    assert score_lead(LeadSignals(asked_for_human=True)).warmth is Warmth.WARM
    assert (
        score_lead(LeadSignals(asked_topics=frozenset({"faq/cost", "faq/duration"}))).warmth
        is Warmth.WARM
    )


def test_an_unsure_pre_check_alone_is_cold_and_says_why() -> None:
    score = score_lead(LeadSignals(precheck_outcome="review"))
    assert score.warmth is Warmth.COLD
    assert score.reasons == ("pre-check needs the advisor's review",)


def test_nothing_at_all_is_cold_with_a_reason() -> None:
    score = score_lead(LeadSignals())
    assert score.warmth is Warmth.COLD and score.reasons


def test_indications_add_to_the_score() -> None:
    base = LeadSignals(precheck_outcome="clear", asked_topics=frozenset({"faq/cost"}))
    with_indication = LeadSignals(
        "clear", frozenset({"faq/cost"}), False, frozenset({"inadequate_response"})
    )
    assert score_lead(base).warmth is Warmth.WARM
    assert score_lead(with_indication).warmth is Warmth.HOT


def test_topics_asked_keeps_faq_keys_only() -> None:
    assert topics_asked(["faq/cost", None, "", "chitchat/x", "faq/cost"]) == frozenset({"faq/cost"})


def _user(intent: str, key: str | None = None) -> dict:
    parse = {"intent": {"name": intent}}
    if key:
        parse["response_selector"] = {"faq": {"response": {"intent_response_key": key}}}
    return {"event": "user", "parse_data": parse}


def test_signals_count_only_questions_answered_as_faqs() -> None:
    from bot.leads.scoring import signals_from_events

    events = [
        _user("faq", "faq/cost"),
        # A form answer ("morning") also carries a response-selector guess: not a question.
        _user("affirm", "faq/consultation"),
        {"event": "bot", "text": "..."},
        _user("request_human"),
    ]
    signals = signals_from_events(events, "clear")
    assert signals.asked_topics == frozenset({"faq/cost"})
    assert signals.asked_for_human and signals.precheck_outcome == "clear"

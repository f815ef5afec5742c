"""One turn of the pre-check: answers, corrections, one re-ask, interruptions."""

from datetime import date

from bot.content import text
from bot.precheck.dialogue import CLARIFYING, CONSENT, interpret_turn

TODAY = date(2026, 11, 25)
NONE_YET = {
    "active_infection": None,
    "cancer_last_5_years": None,
    "uncontrolled_condition": None,
    "severe_immunodeficiency": None,
}


def turn(asked, text, intent="inform", clarifying=None, current=None):
    return interpret_turn(asked, text, intent, clarifying, current or dict(NONE_YET), TODAY)


def test_nothing_is_read_before_the_first_question() -> None:
    assert turn(None, "can I get this treatment?").interrupts


def test_consent_yes_and_no() -> None:
    assert turn(CONSENT, "yes").slots == {CONSENT: "given", CLARIFYING: None}
    assert turn(CONSENT, "no thanks").slots[CONSENT] == "declined"


def test_consent_needs_a_clear_yes() -> None:
    assert turn(CONSENT, "not sure").slots[CONSENT] == "declined"
    first = turn(CONSENT, "purple")
    assert first.slots == {CLARIFYING: f"{CONSENT}:unclear"}
    second = turn(CONSENT, "purple", clarifying=f"{CONSENT}:unclear")
    assert second.slots[CONSENT] == "declined"


def test_a_free_text_answer_fills_the_asked_question() -> None:
    result = turn("cancer_last_5_years", "I had breast cancer in 2019")
    assert result.slots == {"cancer_last_5_years": "no", CLARIFYING: None}


def test_an_incomplete_answer_is_clarified_once_then_unsure() -> None:
    first = turn("cancer_last_5_years", "I had cancer")
    assert first.slots == {CLARIFYING: "cancer_last_5_years:cancer_when"}
    assert not first.interrupts
    second = turn(
        "cancer_last_5_years", "3 years ago", clarifying="cancer_last_5_years:cancer_when"
    )
    assert second.slots == {"cancer_last_5_years": "yes", CLARIFYING: None}
    third = turn("cancer_last_5_years", "hmm", clarifying="cancer_last_5_years:cancer_when")
    assert third.slots["cancer_last_5_years"] == "unsure"
    assert "not sure" in text(third.notes[0])


def test_the_control_clarification_reads_yes_as_controlled() -> None:
    first = turn("uncontrolled_condition", "I have diabetes")
    assert first.slots == {CLARIFYING: "uncontrolled_condition:controlled"}
    ok = turn("uncontrolled_condition", "yes", clarifying="uncontrolled_condition:controlled")
    assert ok.slots["uncontrolled_condition"] == "no"
    bad = turn(
        "uncontrolled_condition", "not controlled", clarifying="uncontrolled_condition:controlled"
    )
    assert bad.slots["uncontrolled_condition"] == "yes"


def test_gibberish_is_re_asked_once_then_unsure() -> None:
    first = turn("active_infection", "purple monkey")
    assert first.slots == {CLARIFYING: "active_infection:unclear"}
    second = turn("active_infection", "purple monkey", clarifying="active_infection:unclear")
    assert second.slots["active_infection"] == "unsure"


def test_a_question_interrupts_so_the_faq_can_answer() -> None:
    assert turn("active_infection", "what does the treatment cost?", intent="faq").interrupts


def test_stop_restart_and_human_always_interrupt() -> None:
    for intent in ("stop", "restart_precheck", "request_human"):
        assert turn("active_infection", "no", intent=intent).interrupts


def test_a_correction_updates_the_earlier_answer_and_re_asks_plainly() -> None:
    current = dict(
        NONE_YET, active_infection="no", cancer_last_5_years="no", uncontrolled_condition="no"
    )
    result = turn("severe_immunodeficiency", "actually, I do have diabetes", current=current)
    assert result.slots == {"uncontrolled_condition": "unsure"}
    assert [text(n) for n in result.notes] == ["Thanks, I've updated that earlier answer."]


def test_one_message_can_answer_two_questions() -> None:
    result = turn("active_infection", "no infections, but I had a heart attack last month")
    assert result.slots["active_infection"] == "no"
    assert result.slots["uncontrolled_condition"] == "yes"
    assert [text(n) for n in result.notes] == ["Thanks, I've noted that too."]


def test_a_red_flag_always_interrupts_even_inside_an_answer() -> None:
    assert turn("active_infection", "no, but I have crushing chest pain right now").interrupts


def test_the_model_alone_saying_emergency_does_not_swallow_a_clear_answer() -> None:
    result = turn(CONSENT, "no, please don't store anything", intent="emergency")
    assert result.slots[CONSENT] == "declined"
    assert turn("active_infection", "purple monkey", intent="emergency").interrupts


def test_a_no_at_the_consent_question_is_an_answer_even_if_it_sounds_like_a_withdrawal() -> None:
    turn = interpret_turn(
        asked=CONSENT,
        text="no, please don't store anything",
        intent="withdraw_consent",
        clarifying=None,
        current={},
    )
    assert turn.slots.get(CONSENT) == "declined"
    # Later in the check, the same intent interrupts so the rules can withdraw.
    later = interpret_turn(
        asked="active_infection",
        text="I withdraw my consent",
        intent="withdraw_consent",
        clarifying=None,
        current={},
    )
    assert later.interrupts

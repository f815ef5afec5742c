"""The pure pre-check outcome logic, over every combination of answers."""

import itertools

import pytest

from bot.precheck.rules import LABELS, QUESTIONS, Answer, Outcome, evaluate


@pytest.mark.parametrize(
    "combination", list(itertools.product(list(Answer), repeat=len(QUESTIONS)))
)
def test_every_combination_of_answers(combination: tuple[Answer, ...]) -> None:
    answers = dict(zip(QUESTIONS, combination, strict=True))
    result = evaluate({q: a.value for q, a in answers.items()})
    yes = [q for q in QUESTIONS if answers[q] is Answer.YES]
    unsure = [q for q in QUESTIONS if answers[q] is Answer.UNSURE]
    if yes:
        assert result.outcome is Outcome.CONTRAINDICATED
        assert result.reasons == yes
    elif unsure:
        assert result.outcome is Outcome.REVIEW
        assert result.reasons == unsure
    else:
        assert result.outcome is Outcome.CLEAR
        assert result.reasons == []
    assert list(result.unsure) == unsure


def test_there_are_81_combinations_and_four_questions() -> None:
    assert len(QUESTIONS) == 4 and set(LABELS) == set(QUESTIONS)


@pytest.mark.parametrize("missing", QUESTIONS)
def test_an_incomplete_form_is_never_clear(missing: str) -> None:
    answers = {q: "no" for q in QUESTIONS if q != missing}
    with pytest.raises(ValueError, match=missing):
        evaluate(answers)


@pytest.mark.parametrize("bad", ["maybe", "", "YES", True, 1])
def test_an_invalid_answer_is_rejected(bad) -> None:
    answers = {q: "no" for q in QUESTIONS}
    answers["active_infection"] = bad
    with pytest.raises(ValueError, match="active_infection"):
        evaluate(answers)


def test_answers_may_be_enum_members() -> None:
    assert evaluate({q: Answer.NO for q in QUESTIONS}).outcome is Outcome.CLEAR

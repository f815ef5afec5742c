"""The free-text reader of pre-check answers (bot/precheck/reader.py), over many phrasings."""

import json
from datetime import date

import pytest

from bot.precheck.reader import (
    CANCER,
    CONDITION_LABELS,
    IMMUNODEFICIENCY,
    INFECTION,
    PATTERNS_PATH,
    UNCONTROLLED,
    _years_ago,
    is_question,
    nlp,
    read_answer,
)
from bot.precheck.rules import Answer

TODAY = date(2026, 11, 25)
YES, NO, UNSURE = Answer.YES, Answer.NO, Answer.UNSURE

CASES = [
    # --- bare answers, applied to the question asked
    ("yes", INFECTION, YES),
    ("Yeah", CANCER, YES),
    ("yep unfortunately", IMMUNODEFICIENCY, YES),
    ("no", INFECTION, NO),
    ("Nope", CANCER, NO),
    ("none", UNCONTROLLED, NO),
    ("never", CANCER, NO),
    ("I don't", INFECTION, NO),
    ("No I do not", CANCER, NO),
    # Soft answers go to the advisor as unsure, whatever negation they contain.
    ("I DON'T THINK SO", INFECTION, UNSURE),
    ("Not that I know of", INFECTION, UNSURE),
    ("nothing like that", IMMUNODEFICIENCY, NO),
    ("not sure", CANCER, UNSURE),
    ("I don't know", INFECTION, UNSURE),
    ("maybe?", UNCONTROLLED, UNSURE),
    ("no idea honestly", IMMUNODEFICIENCY, UNSURE),
    ("can't remember", CANCER, UNSURE),
    # --- infection
    ("no infections", INFECTION, NO),
    ("I have a cold right now", INFECTION, YES),
    ("currently on antibiotics for a chest infection", INFECTION, YES),
    ("I've got the flu", INFECTION, YES),
    ("there's a UTI I'm being treated for", INFECTION, YES),
    ("had the flu last month but fine now", INFECTION, NO),
    ("I had covid in 2022", INFECTION, NO),
    ("I think I might have a UTI", INFECTION, UNSURE),
    ("no fever, no infection", INFECTION, NO),
    ("I am not sick with anything", INFECTION, NO),
    # --- cancer and the 5-year window (today: 2026-11-25)
    ("I had breast cancer in 2019", CANCER, NO),
    ("chemo finished 3 years ago", CANCER, YES),
    ("I'm currently having chemo", CANCER, YES),
    ("Diagnosed with lymphoma last year", CANCER, YES),
    ("I had skin cancer ten years ago", CANCER, NO),
    ("prostate cancer 2 years ago, now in remission", CANCER, YES),
    ("I'm cancer free since 2010", CANCER, NO),
    ("cancer-free for 8 years", CANCER, NO),
    ("I had a melanoma removed 6 months ago", CANCER, YES),
    ("radiotherapy in 2023", CANCER, YES),
    ("had cancer in 2021", CANCER, UNSURE),  # straddles the 5-year line
    ("a tumour several years ago", CANCER, UNSURE),
    ("I've never had cancer", CANCER, NO),
    ("no cancer", CANCER, NO),
    ("leukaemia as a child, 30 years ago", CANCER, NO),
    ("maybe, they removed something but I'm not sure it was cancer", CANCER, UNSURE),
    # --- uncontrolled diabetes / cardiovascular disease
    ("my diabetes is well controlled with metformin", UNCONTROLLED, NO),
    ("type 2 diabetes, under control", UNCONTROLLED, NO),
    ("my blood sugar is all over the place", UNCONTROLLED, YES),
    ("uncontrolled diabetes", UNCONTROLLED, YES),
    ("I had a heart attack last month", UNCONTROLLED, YES),
    ("I had a stroke 3 weeks ago", UNCONTROLLED, YES),
    ("i had a heart attack in 2015, stable since", UNCONTROLLED, UNSURE),
    ("my blood pressure is out of control", UNCONTROLLED, YES),
    ("high blood pressure but it's well managed", UNCONTROLLED, NO),
    ("I don't have diabetes or heart problems", UNCONTROLLED, NO),
    ("I don't have diabetes but my blood pressure is out of control", UNCONTROLLED, YES),
    ("heart failure, not stable at the moment", UNCONTROLLED, YES),
    ("my doctor thinks my heart is probably fine", UNCONTROLLED, UNSURE),
    # --- severe immunodeficiency
    ("I'm on immunosuppressants after a transplant", IMMUNODEFICIENCY, YES),
    ("kidney transplant in 2018, on tacrolimus", IMMUNODEFICIENCY, YES),
    ("I have CVID", IMMUNODEFICIENCY, YES),
    ("my immune system is not weak", IMMUNODEFICIENCY, NO),
    ("I only take methotrexate for my RA", IMMUNODEFICIENCY, NO),
    ("I have HIV", IMMUNODEFICIENCY, UNSURE),
    ("no immune deficiency", IMMUNODEFICIENCY, NO),
    ("I might be immunocompromised, not sure", IMMUNODEFICIENCY, UNSURE),
    # --- found by probing after the first round
    ("I've had a sore throat since Monday", INFECTION, YES),
    ("my mother had breast cancer, not me", CANCER, NO),
    ("in remission for 6 years", CANCER, NO),
    ("in remission for 2 years", CANCER, YES),
    ("I take insulin and it's fine", UNCONTROLLED, NO),
    ("yes but it's under control", UNCONTROLLED, NO),
    ("absolutely not", CANCER, NO),
    ("I don't think I have any of those", INFECTION, NO),
]


@pytest.mark.parametrize(("text", "asked", "expected"), CASES)
def test_reads_the_answer_to_the_question_asked(text: str, asked: str, expected: Answer) -> None:
    assert read_answer(text, asked, TODAY).value is expected


def test_there_are_at_least_sixty_phrasings() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize(
    ("text", "asked", "clarify"),
    [
        ("I had cancer", CANCER, "cancer_when"),
        ("I have diabetes", UNCONTROLLED, "controlled"),
        ("heart disease", UNCONTROLLED, "controlled"),
    ],
)
def test_incomplete_answers_ask_for_what_is_missing(text: str, asked: str, clarify: str) -> None:
    reading = read_answer(text, asked, TODAY)
    assert reading.value is None
    assert reading.clarify == clarify


@pytest.mark.parametrize(
    "text", ["blue", "what?", "my cat is called Bob", "", "I have lupus as well as RA"]
)
def test_text_without_an_answer_reads_as_none(text: str) -> None:
    reading = read_answer(text, INFECTION, TODAY)
    assert reading.value is None and reading.findings == {}


def test_a_mention_of_another_question_is_a_correction_not_an_answer() -> None:
    reading = read_answer("actually, I do have diabetes", IMMUNODEFICIENCY, TODAY)
    assert reading.value is None
    assert reading.findings == {UNCONTROLLED: UNSURE}


def test_one_answer_can_speak_to_several_questions() -> None:
    reading = read_answer("no infections, but I had a heart attack last month", INFECTION, TODAY)
    assert reading.value is NO
    assert reading.findings[UNCONTROLLED] is YES


def test_the_window_moves_with_today() -> None:
    text = "chemo finished in 2022"
    assert read_answer(text, CANCER, date(2026, 11, 25)).value is YES
    assert read_answer(text, CANCER, date(2029, 1, 2)).value is NO


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3 years ago", (3.0, 3.0)),
        ("three years ago", (3.0, 3.0)),
        ("6 months ago", (0.5, 0.5)),
        ("a decade ago", (10.0, 10.0)),
        ("last month", (0.0, 1.0)),
        ("in 2030", None),
    ],
)
def test_time_expressions(text: str, expected) -> None:
    result = _years_ago(text, TODAY)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected)


def test_years_are_ranges_against_today() -> None:
    low, high = _years_ago("in 2019", TODAY)
    assert 6.8 < low < 7.0 and 7.8 < high < 8.0


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("what does it cost?", True),
        ("How long does it take", True),
        ("is a cold an infection?", True),
        ("no", False),
        ("yes, what happens next?", False),
        ("I had cancer in 2019", False),
    ],
)
def test_questions_are_told_from_answers(text: str, question: bool) -> None:
    assert is_question(text) is question


def test_the_pipeline_is_built_once_and_needs_no_download() -> None:
    assert nlp() is nlp()
    assert nlp().pipe_names == ["entity_ruler", "negation"]


def test_the_ruler_patterns_come_from_the_jsonl_file() -> None:
    lines = PATTERNS_PATH.read_text(encoding="utf-8").splitlines()
    from_file = [json.loads(line) for line in lines]
    # Labels the reader acts on: conditions, and the context and answer words around them.
    known = set(CONDITION_LABELS) | {
        "OTHER_PERSON",
        "RA_MEDICATION",
        "CONTROLLED",
        "UNCONTROLLED",
        "CURRENT",
        "PAST",
        "HEDGE",
        "TIME",
        "YES",
        "NO",
    }
    assert {p["label"] for p in from_file} == known
    ruler = nlp().get_pipe("entity_ruler")
    assert len(ruler.patterns) == len(lines)

    def canonical(patterns: list[dict]) -> list[str]:
        return sorted(json.dumps(p, sort_keys=True) for p in patterns)

    assert canonical(ruler.patterns) == canonical(from_file)
    assert ruler.overwrite and ruler.phrase_matcher_attr == "LOWER"


# Every way of not knowing or hedging is "unsure", never "no": the advisor clarifies it
# (a soft "no" read as a plain no would report an unchecked condition as absent).
HEDGES = [
    "I really don't know",
    "I don't know",
    "dunno, I don't know",
    "no clue",
    "not a clue",
    "no idea",
    "I have no idea honestly",
    "can't say for sure",
    "I cannot say for sure",
    "I can't tell",
    "I'd need to check my records",
    "I would need to check",
    "I have to check with my doctor",
    "I'd have to ask my doctor",
    "not as far as I know",
    "as far as I know, no",
    "not to my knowledge",
    "not that I know of",
    "not that I'm aware of",
    "I doubt it",
    "doubtful",
    "I don't think so",
    "don't think so",
    "I do not think so",
    "I don't believe so",
    "probably not",
    "likely not",
    "unlikely",
    "I'm not sure",
    "not sure",
    "not really sure",
    "I'm not 100% sure",
    "not entirely sure",
    "not completely sure",
    "uncertain",
    "it's unclear",
    "I can't remember",
    "I don't remember",
    "I can't recall",
    "I forget",
    "maybe",
    "possibly",
    "perhaps",
    "who knows",
    "hard to say",
    "no, I don't know",
    "Not as far as I know, but I haven't been tested",
]


@pytest.mark.parametrize("question", [INFECTION, CANCER, UNCONTROLLED, IMMUNODEFICIENCY])
@pytest.mark.parametrize("text", HEDGES)
def test_not_knowing_or_hedging_is_unsure_never_no(text: str, question: str) -> None:
    assert read_answer(text, question, TODAY).value is UNSURE, (text, question)


def test_there_are_enough_hedging_phrasings() -> None:
    assert len(set(HEDGES)) >= 40

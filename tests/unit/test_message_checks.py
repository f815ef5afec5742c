"""Messages the model cannot interpret are recognised before it guesses."""

import pytest

from bot.safety.message_checks import MAX_QUESTION_CHARS, MessageProblem, find_problem


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", MessageProblem.EMPTY),
        (None, MessageProblem.EMPTY),
        ("   \n\t ", MessageProblem.EMPTY),
        ("😀👍🙏", MessageProblem.NO_WORDS),
        ("?!?! ...", MessageProblem.NO_WORDS),
        ("12345", MessageProblem.NO_WORDS),
        ("a" * (MAX_QUESTION_CHARS + 1), MessageProblem.TOO_LONG),
        ("Was kostet die Behandlung mit Stammzellen?", MessageProblem.NOT_ENGLISH),
        ("Combien coûte le traitement pour la polyarthrite?", MessageProblem.NOT_ENGLISH),
        ("¿Qué es la artritis reumatoide?", MessageProblem.NOT_ENGLISH),
        ("Quanto costa il trattamento con cellule staminali?", MessageProblem.NOT_ENGLISH),
        ("Что такое ревматоидный артрит?", MessageProblem.NOT_ENGLISH),
        ("类风湿关节炎是什么？", MessageProblem.NOT_ENGLISH),
    ],
)
def test_problems_are_recognised(text: str | None, problem: MessageProblem) -> None:
    assert find_problem(text) is problem


@pytest.mark.parametrize(
    "text",
    [
        "What is RA?",
        "price?",
        "hi",
        "how much in euros 😀",
        "is the therapy offered in Zürich?",
        "Does the die-hard methotrexate regime need to continue?",
        "my doctor said la la la about my joints",
        "a" * MAX_QUESTION_CHARS,
    ],
)
def test_ordinary_messages_pass(text: str) -> None:
    assert find_problem(text) is None


VOCABULARY = frozenset("what is rheumatoid arthritis how much does it cost the therapy".split())


@pytest.mark.parametrize(
    "text",
    ["xq zvv plorkt", "blemf quozzle frip zing", "asdf jkl"],
)
def test_mostly_unknown_words_are_flagged(text: str) -> None:
    assert find_problem(text, VOCABULARY) is MessageProblem.UNKNOWN_WORDS


@pytest.mark.parametrize(
    "text",
    ["what is rheumatiod arthritis", "how much does it cots", "Humira", "what is xq"],
)
def test_typos_and_single_unknown_words_pass(text: str) -> None:
    assert find_problem(text, VOCABULARY) is None


def test_without_a_vocabulary_the_check_is_skipped() -> None:
    assert find_problem("xq zvv plorkt") is None


@pytest.mark.parametrize(
    "text",
    [
        "'; DROP TABLE events; --",
        "<script>alert(1)</script> what is RA",
        "<img src=x onerror=alert(1)>",
        "{{7*7}} how much does it cost",
        "${jndi:ldap://example/a}",
        '" OR 1=1 --',
        "SELECT * FROM events",
    ],
)
def test_code_and_markup_are_not_questions(text: str) -> None:
    assert find_problem(text) is MessageProblem.CODE


@pytest.mark.parametrize(
    "text",
    [
        "please delete from your system my number",
        "select the best option from the menu for me",
        "I'm 5'6; what does it cost",
        "my knee -- it hurts after the injection",
    ],
)
def test_ordinary_sentences_with_those_words_are_not_code(text: str) -> None:
    assert find_problem(text) is None

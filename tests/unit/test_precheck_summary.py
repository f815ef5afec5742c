"""The closing message reports, never decides (DESIGN.md content rules)."""

import pytest

from bot.content import render, responses
from bot.precheck.rules import QUESTIONS, evaluate
from bot.precheck.summary import summary

FORBIDDEN = [
    "you are eligible",
    "you are contraindicated",
    "you qualify",
    "not eligible",
    "guarantee",
    "cure",
]


def result_for(**answers):
    return evaluate({q: answers.get(q, "no") for q in QUESTIONS})


@pytest.mark.parametrize(
    "answers",
    [
        {},
        {"active_infection": "unsure"},
        {"cancer_last_5_years": "yes"},
        {"active_infection": "yes", "severe_immunodeficiency": "yes"},
    ],
)
@pytest.mark.parametrize("stored", [True, False, None])
def test_no_summary_states_a_verdict(answers, stored) -> None:
    text = render(summary(result_for(**answers), stored)).lower()
    for phrase in FORBIDDEN:
        assert phrase not in text
    assert "only a doctor" in text


def test_clear_offers_the_advisor() -> None:
    reply = summary(result_for(), True)
    assert responses()[reply.response][0]["buttons"][0]["payload"] == "/request_human"
    assert "none of the four" in render(reply)


def test_review_names_what_was_unsure() -> None:
    text = render(summary(result_for(uncontrolled_condition="unsure"), False))
    assert "uncontrolled diabetes or heart/cardiovascular disease" in text


def test_an_infection_may_only_postpone() -> None:
    text = render(summary(result_for(active_infection="yes"), True))
    assert "an active infection" in text and "waiting until it has cleared" in text


def test_storage_is_reported_honestly() -> None:
    assert "are stored" in render(summary(result_for(), True))
    assert "were not stored" in render(summary(result_for(), False))
    assert "couldn't save" in render(summary(result_for(), None))

"""Contraindication pre-check: answers -> outcome and reasons. Pure logic, no I/O.

The four questions follow the clinic's article. The outcome is a screening for the
medical advisor, never a verdict for the patient (DESIGN.md): the assistant reports
what was said and that a doctor decides.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from bot.precheck.vocabulary import (
    CANCER,
    IMMUNODEFICIENCY,
    INFECTION,
    QUESTIONS,
    UNCONTROLLED,
    Answer,
)

# Answer and QUESTIONS live in the vocabulary (shared with the reader); callers
# keep importing them from here.
__all__ = ["LABELS", "QUESTIONS", "Answer", "Outcome", "PrecheckResult", "evaluate"]


class Outcome(str, enum.Enum):
    """What the advisor sees."""

    CLEAR = "clear"  # nothing reported
    REVIEW = "review"  # something unsure: the advisor clarifies
    CONTRAINDICATED = "contraindicated"  # at least one contraindication reported


# How each contraindication is named to the patient and the advisor.
LABELS: Mapping[str, str] = {
    INFECTION: "an active infection",
    CANCER: "cancer during the last 5 years",
    UNCONTROLLED: "uncontrolled diabetes or heart/cardiovascular disease",
    IMMUNODEFICIENCY: "a severe immunodeficiency",
}


@dataclass(frozen=True)
class PrecheckResult:
    """The screening result: an outcome and the questions behind it."""

    outcome: Outcome
    reported: tuple[str, ...]  # answered yes
    unsure: tuple[str, ...]  # answered not sure

    @property
    def reasons(self) -> list[str]:
        """Slot names that made the outcome: the reported ones, else the unsure ones."""
        return list(self.reported or self.unsure)


def evaluate(answers: Mapping[str, str | Answer | None]) -> PrecheckResult:
    """Screen a complete set of answers.

    Raises ``ValueError`` when a question is missing or an answer is not yes/no/unsure,
    so that an incomplete form can never be stored as "clear".
    """
    parsed: dict[str, Answer] = {}
    for question in QUESTIONS:
        raw = answers.get(question)
        if raw is None:
            raise ValueError(f"missing answer: {question}")
        try:
            parsed[question] = Answer(raw)
        except ValueError as exc:
            raise ValueError(f"invalid answer for {question}: {raw!r}") from exc
    reported = tuple(q for q in QUESTIONS if parsed[q] is Answer.YES)
    unsure = tuple(q for q in QUESTIONS if parsed[q] is Answer.UNSURE)
    if reported:
        outcome = Outcome.CONTRAINDICATED
    elif unsure:
        outcome = Outcome.REVIEW
    else:
        outcome = Outcome.CLEAR
    return PrecheckResult(outcome=outcome, reported=reported, unsure=unsure)

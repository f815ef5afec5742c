"""Names the pre-check shares between its rules and its reader: answers and question slots.

A leaf module: it imports nothing of the project, so the clinical reader and the
outcome rules can both depend on it without depending on each other.
"""

from __future__ import annotations

import enum


class Answer(str, enum.Enum):
    """A patient's answer to one screening question."""

    YES = "yes"
    NO = "no"
    UNSURE = "unsure"


# Slot names are a contract with staff tools and evaluations (issue: pre-check).
INFECTION = "active_infection"
CANCER = "cancer_last_5_years"
UNCONTROLLED = "uncontrolled_condition"
IMMUNODEFICIENCY = "severe_immunodeficiency"

# The four questions, in the order the clinic's article asks them.
QUESTIONS: tuple[str, ...] = (INFECTION, CANCER, UNCONTROLLED, IMMUNODEFICIENCY)

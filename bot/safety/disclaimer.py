"""The short disclaimer shown with the first treatment answer of each session.

Once per session, not after every answer: a patient who hears it each time stops
reading it (issue 4: "don't nag"). The ``disclaimer_shown`` slot remembers it; a new
session starts without it (``action_session_start``).
"""

from __future__ import annotations

DISCLAIMER = "utter_treatment_disclaimer"
SHOWN_SLOT = "disclaimer_shown"

# FAQ topics about what the therapy may do for someone; facts about RA, costs or
# sources need no medical disclaimer.
TREATMENT_TOPICS = frozenset(
    {
        "faq/mechanism",
        "faq/effectiveness",
        "faq/cure",
        "faq/evidence",
        "faq/advantages",
        "faq/safety",
        "faq/improvements",
        "faq/indications",
        "faq/contraindications",
        "faq/cancer_history",
        "faq/autologous_allogeneic",
        "faq/procedure",
        "faq/injection_pain",
        "faq/recovery",
        "faq/personalised",
        "faq/medication",
        "faq/duration",
    }
)


def disclaimer_due(topic: str | None, shown_this_session: bool) -> bool:
    """True when ``topic`` is a treatment answer and this session has not had the disclaimer."""
    return topic in TREATMENT_TOPICS and not shown_this_session

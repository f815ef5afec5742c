"""The short disclaimer shown with the first treatment answer of each session.

Once per session, not after every answer: a patient who hears it each time stops
reading it (issue 4: "don't nag").
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.reply import Reply

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
        "faq/side_effects",
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

DISCLAIMER = Reply(
    "Please note: this is general information, not medical advice for you. Stem cell "
    "therapy is not approved for RA by the FDA or the EMA, results vary from person to "
    "person, and it does not replace your usual treatment. Please talk to your "
    "rheumatologist before any decision."
)


def disclaimer_due(topic: str | None, bot_texts_this_session: Iterable[str]) -> bool:
    """True when ``topic`` is a treatment answer and this session has not had the disclaimer."""
    if topic not in TREATMENT_TOPICS:
        return False
    return DISCLAIMER.text not in bot_texts_this_session

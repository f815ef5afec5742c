"""Intents whose answers serve one need, so that a hesitation between two of them is not
a misunderstanding.

"How can I get in touch with the medical advisor?" splits the model between asking for a
person and asking for the clinic's contact details (0.34 and 0.33); the fallback then
said "Sorry, I didn't understand" to a patient who wanted to reach the clinic, the
worst miss there is (issue 14). When the two best intents belong to one family and
together hold most of the model's confidence, the better of them is answered instead.
"""

from __future__ import annotations

from collections.abc import Sequence

# Reaching a person: the advisor, the next step, the clinic's phone or email.
REACHING_THE_CLINIC = frozenset({"request_human", "next_step", "clinic_contact"})
# The clinic's practical facts (answered from clinic.yml).
CLINIC_FACTS = frozenset(
    {
        "clinic_name",
        "clinic_location",
        "clinic_contact",
        "clinic_hours",
        "clinic_travel",
        "clinic_languages",
        "clinic_payment",
    }
)
FAMILIES = (REACHING_THE_CLINIC, CLINIC_FACTS)
# Together the two must hold at least this share of the model's confidence: a model
# that spreads its guesses over many intents has not understood.
MIN_SHARE = 0.5


def settle_within_family(
    ranking: Sequence[tuple[str, float]], min_share: float = MIN_SHARE
) -> str | None:
    """The best intent if it and the runner-up share a family and ``min_share``.

    ``ranking`` holds the model's intents and confidences, best first, without the
    fallback's own entry. None when the hesitation is between different needs.
    """
    if len(ranking) < 2:
        return None
    (best, best_confidence), (second, second_confidence) = ranking[0], ranking[1]
    if best_confidence + second_confidence < min_share:
        return None
    if any(best in family and second in family for family in FAMILIES):
        return best
    return None

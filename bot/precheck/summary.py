"""The message the patient reads at the end of the pre-check, and the advisor's line.

Never a verdict (DESIGN.md): it repeats what was reported, says that only a doctor can
decide, and what the patient can do next. The texts are the ``utter_precheck_summary_*``
responses (data/responses/precheck.yml), filled in here.
"""

from __future__ import annotations

from bot.content import Utterance, text
from bot.precheck.rules import LABELS, Outcome, PrecheckResult
from bot.precheck.vocabulary import CANCER, IMMUNODEFICIENCY, INFECTION, UNCONTROLLED

# What each reported condition usually means for the next step, in the article's terms.
NEXT_STEPS = {
    INFECTION: "utter_precheck_next_step_active_infection",
    CANCER: "utter_precheck_next_step_cancer_last_5_years",
    UNCONTROLLED: "utter_precheck_next_step_uncontrolled_condition",
    IMMUNODEFICIENCY: "utter_precheck_next_step_severe_immunodeficiency",
}
# Whether the answers were stored: True saved, False declined, None saving failed.
STORAGE_NOTES = {
    True: "utter_precheck_answers_stored",
    False: "utter_precheck_answers_not_stored",
    None: "utter_precheck_answers_not_saved",
}
HOT_LEAD_OFFER = Utterance("utter_offer_advisor")


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def summary(result: PrecheckResult, stored: bool | None) -> Utterance:
    """The closing message. ``stored``: True saved, False declined, None saving failed."""
    storage_note = text(STORAGE_NOTES[stored])
    if result.outcome is Outcome.CLEAR:
        return Utterance("utter_precheck_summary_clear", {"storage_note": storage_note})
    if result.outcome is Outcome.REVIEW:
        return Utterance(
            "utter_precheck_summary_review",
            {"unsure": _join([LABELS[q] for q in result.unsure]), "storage_note": storage_note},
        )
    return Utterance(
        "utter_precheck_summary_contraindicated",
        {
            "reported": _join([LABELS[q] for q in result.reported]),
            "next_steps": "\n".join(text(NEXT_STEPS[q]) for q in result.reported),
            "storage_note": storage_note,
        },
    )


def advisor_summary(outcome: str | None, reasons: list[str] | None) -> str | None:
    """One line about the pre-check for the advisor's notification (None if not done)."""
    if not outcome:
        return None
    named = ", ".join(LABELS.get(r, r) for r in reasons or [])
    if outcome == "contraindicated":
        return f"contraindication reported: {named}"
    if outcome == "review":
        return f"to review with the patient (unsure): {named}"
    return "nothing reported"

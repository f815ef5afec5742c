"""The words the patient reads at the end of the pre-check.

Never a verdict (DESIGN.md): it repeats what was reported, says that only a doctor can
decide, and what the patient can do next.
"""

from __future__ import annotations

from bot.precheck.rules import LABELS, Outcome, PrecheckResult
from bot.reply import ADVISOR, Reply

MORE_QUESTIONS = {"title": "Ask another question", "payload": "/help"}

# What each reported condition usually means for the next step, in the article's terms.
NEXT_STEP = {
    "active_infection": "An active infection usually only means waiting until it has cleared.",
    "cancer_last_5_years": "The clinic lists cancer during the last 5 years as a reason not to give the therapy; your oncologist and the clinic's doctors would look at your history together.",
    "uncontrolled_condition": "Once diabetes or a heart condition is well controlled, the situation can look different; your own doctor is the best person to talk to about that.",
    "severe_immunodeficiency": "A severe immune deficiency needs an individual medical assessment.",
}


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def summary(result: PrecheckResult, stored: bool | None) -> Reply:
    """The closing message. ``stored``: True saved, False declined, None saving failed."""
    if result.outcome is Outcome.CLEAR:
        lines = [
            "Thank you. You reported none of the four conditions that usually rule out the "
            "therapy (an active infection, cancer during the last 5 years, uncontrolled "
            "diabetes or heart disease, a severe immune deficiency).",
            "This is not a diagnosis or a promise that the treatment suits you: only a doctor "
            "can decide, after a full medical evaluation. A medical advisor can go through "
            "the next steps with you.",
        ]
        buttons = [
            ADVISOR,
            {"title": "What checks come first?", "payload": "What checks come first?"},
        ]
    elif result.outcome is Outcome.REVIEW:
        unsure = [LABELS[q] for q in result.unsure]
        lines = [
            f"Thank you. You weren't sure about {_join(unsure)}. That's completely fine: a "
            "medical advisor can go through this with you.",
            "Only a doctor can decide whether the treatment is possible, after a full medical "
            "evaluation.",
        ]
        buttons = [ADVISOR, MORE_QUESTIONS]
    else:
        reported = [LABELS[q] for q in result.reported]
        lines = [
            f"Thank you for your answers. You mentioned {_join(reported)}. The clinic lists "
            "this among the situations in which the therapy is usually not given.",
            *[NEXT_STEP[q] for q in result.reported],
            "Only a doctor can assess your situation, and your own doctor or rheumatologist "
            "can talk with you about your treatment options. If you have questions, a medical "
            "advisor is also happy to talk with you.",
        ]
        buttons = [
            {"title": "Ask an advisor a question", "payload": "/request_human"},
            MORE_QUESTIONS,
        ]
    if stored is True:
        lines.append("As you agreed, your answers are stored for the medical advisor.")
    elif stored is False:
        lines.append("As you asked, your answers were not stored.")
    else:
        lines.append(
            "Because of a technical problem I couldn't save your answers just now. Please "
            "try the pre-check again later, or mention your answers to the medical advisor."
        )
    return Reply("\n".join(lines), buttons)


HOT_LEAD_OFFER = Reply(
    "You seem to have a clear picture of what you want to know. Would you like one of the "
    "clinic's medical advisors to contact you? They can go through your answers, the "
    "next steps and the cost with you.",
    [ADVISOR],
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

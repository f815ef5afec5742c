"""One turn of the pre-check conversation: what a user message means for the form.

Kept free of Rasa so that the form's behaviour (answers, corrections, one clarifying
re-ask, interruptions) can be tested exhaustively; the form validation action only
adapts it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.form_commands import COMMAND_INTENTS
from bot.precheck.reader import is_question, read_answer, read_clarification
from bot.precheck.rules import QUESTIONS, Answer
from bot.safety.red_flags import detect_red_flag

CONSENT = "precheck_consent"
CLARIFYING = "precheck_clarifying"

# Notes shown while reading an answer (data/responses/precheck.yml).
NOTED_TOO = "utter_precheck_noted_too"
UPDATED = "utter_precheck_updated"
NOTED_UNSURE = "utter_precheck_noted_unsure"

EMERGENCY_INTENT = "emergency"
WITHDRAW_INTENT = "withdraw_consent"


@dataclass(frozen=True)
class Turn:
    """Slot values to set (``None`` clears) and short notes (response names) for the user."""

    slots: dict[str, str | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def interrupts(self) -> bool:
        """Nothing was read: the form rejects and a rule handles the message."""
        return not self.slots


def _consent(text: str) -> str | None:
    value = read_answer(text, CONSENT).value
    if value is Answer.YES:
        return "given"
    if value in (Answer.NO, Answer.UNSURE):
        # Storing health data needs a clear yes (GDPR Art. 9): anything else is a no.
        return "declined"
    return None


def interpret_turn(
    asked: str | None,
    text: str,
    intent: str | None,
    clarifying: str | None,
    current: dict[str, str | None],
    today: date | None = None,
) -> Turn:
    """What the latest message says, while the form asks ``asked``.

    ``clarifying`` is the pending "<slot>:<kind>" marker, ``current`` the answers given
    so far.
    """
    # At the consent question, "no, don't store anything" is an answer, even when the
    # model hears a withdrawal of consent in it.
    interrupting = COMMAND_INTENTS - ({WITHDRAW_INTENT} if asked == CONSENT else set())
    if asked is None or intent in interrupting or detect_red_flag(text):
        return Turn()
    # The model alone guessing "emergency" (no red-flag rule fired) interrupts only when
    # the message is no answer: "no, please don't store anything" once scored as one.
    turn = _read_turn(asked, text, clarifying, current, today)
    if intent == EMERGENCY_INTENT and not _answers_something(turn):
        return Turn()
    return turn


def _answers_something(turn: Turn) -> bool:
    return any(slot != CLARIFYING for slot in turn.slots)


def _read_turn(
    asked: str,
    text: str,
    clarifying: str | None,
    current: dict[str, str | None],
    today: date | None,
) -> Turn:
    pending_kind = None
    if clarifying and clarifying.startswith(f"{asked}:"):
        pending_kind = clarifying.split(":", 1)[1]

    if asked == CONSENT:
        value = _consent(text)
        if value is None:
            if is_question(text):
                return Turn()
            if pending_kind:
                value = "declined"
            else:
                return Turn({CLARIFYING: f"{CONSENT}:unclear"})
        return Turn({CONSENT: value, CLARIFYING: None})

    reading = read_answer(text, asked, today)
    if pending_kind in ("cancer_when", "controlled"):
        # The clarifying question changes what a bare "yes" means ("Is it well
        # controlled?"), so its own reading wins.
        value = read_clarification(pending_kind, text, today)
    else:
        value = reading.value
    if value is None and is_question(text) and not reading.findings:
        return Turn()

    slots: dict[str, str | None] = {}
    notes: list[str] = []
    for question, found in reading.findings.items():
        if question == asked or question not in QUESTIONS:
            continue
        previous = current.get(question)
        if previous is None:
            notes.append(NOTED_TOO)
        elif previous != found.value:
            notes.append(UPDATED)
        slots[question] = found.value

    if value is None:
        if slots and not pending_kind:
            # A correction of another answer: ask the current question again, plainly.
            return Turn(slots, notes)
        if pending_kind:
            # Asked twice: the advisor clarifies instead.
            slots[asked] = Answer.UNSURE.value
            slots[CLARIFYING] = None
            notes.append(NOTED_UNSURE)
        else:
            slots[CLARIFYING] = f"{asked}:{reading.clarify or 'unclear'}"
        return Turn(slots, notes)

    slots[asked] = value.value
    slots[CLARIFYING] = None
    return Turn(slots, notes)

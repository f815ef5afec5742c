"""What the simulated users say: one conversation each, turn by turn.

Our assistant's script walks the real funnel, as ``tests/integration/test_precheck_rest.py``
and the lead form's answers in ``tests/integration/conftest.py`` do: a greeting, FAQ
questions, the free-text pre-check with consent to store, one more question, the lead
form with consent, thanks. Users differ (by their index, deterministically) in which
questions they ask and which pre-check answers they give, so that the server does not
see one conversation fifty times.

The stock starter's script is twelve turns of its own intents (greet, moods, affirm,
deny, bot challenge, goodbye), as in the earlier measurement.

``expect`` lists phrases one of which the joined reply must contain, ``avoid`` phrases
it must not (our fallbacks): a reply that breaks either is counted as off-script (the
model or the flow changed, and the rest of that conversation measures something else),
not as an error. Errors are failed turns: no reply, an HTTP error, a timeout, or a
channel's "try again later".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Turn:
    """One message and what its reply should contain (any of, case-insensitive)."""

    text: str
    expect: tuple[str, ...] = ()
    avoid: tuple[str, ...] = ()

    def on_script(self, reply: str) -> bool:
        """Whether ``reply`` (the bot's texts, joined) is what the script expected."""
        lowered = reply.lower()
        if any(phrase.lower() in lowered for phrase in self.avoid):
            return False
        return not self.expect or any(phrase.lower() in lowered for phrase in self.expect)


Script = Callable[[int], list[Turn]]

# Our fallbacks ("not understood", "did you mean ...?"): off-script wherever they come.
FALLBACKS = ("not sure i understood", "still didn't understand", "did you mean")

# FAQ questions a patient asks (shared/eval/faq_dev.yml's topics), in three groups so
# that each user asks a different mix before, between and after the forms.
FAQ_OPENERS = (
    "What is rheumatoid arthritis?",
    "What is stem cell therapy?",
    "can you explain RA to me in simple words",
    "What are mesenchymal stem cells?",
    "How does stem cell therapy help with RA?",
)
FAQ_FOLLOW_UPS = (
    "how much would the stem cell treatment cost me?",
    "Is stem cell therapy safe?",
    "Does stem cell therapy work for rheumatoid arthritis?",
    "Is stem cell therapy for RA approved?",
    "Where do the stem cells come from?",
    "Who cannot get stem cell therapy?",
)
FAQ_LATER = (
    "What side effects can stem cell therapy have?",
    "How is the treatment done, is it surgery?",
    "What improvements can I expect after the treatment?",
    "does the injection hurt?",
    "Why does the price vary so much?",
)

# The four answers in free text (tests/integration/test_precheck_rest.py's scripts).
PRECHECK_ANSWERS = (
    ("no infections", "never had cancer", "no", "nope, nothing like that"),
    ("no", "no", "my diabetes is well controlled with metformin", "no"),
    ("no", "chemo finished 3 years ago", "no", "no"),
    ("no", "no", "I had a heart attack last month", "no"),
    ("no", "I had breast cancer in 2019", "no", "no"),
    ("no", "no", "no", "I'm on immunosuppressants after a transplant"),
)


def faq(question: str) -> Turn:
    """A FAQ question: answered, whatever the answer, but not with a fallback."""
    return Turn(question, avoid=FALLBACKS)


def precheck(answers: tuple[str, str, str, str]) -> list[Turn]:
    """The pre-check with consent to store, each answer expecting the next question."""
    return [
        Turn("can I get this treatment?", ("pre-check",)),
        Turn("yes, you can store them", ("1/4",)),
        Turn(answers[0], ("2/4",)),
        Turn(answers[1], ("3/4",)),
        Turn(answers[2], ("4/4",)),
        Turn(answers[3], ("thank you",)),
    ]


# Made-up names (a name with digits is refused, as it should be): 100 combinations.
FIRST_NAMES = ("Anna", "Ben", "Clara", "David", "Eva", "Felix", "Greta", "Hugo", "Ida", "Jonas")
LAST_NAMES = ("Test", "Muster", "Beispiel", "Probe", "Bench", "Sample", "Demo", "Example")


def lead_form(user: int) -> list[Turn]:
    """The lead form with consent, as in the integration tests (made-up contact)."""
    name = f"{FIRST_NAMES[user % len(FIRST_NAMES)]} {LAST_NAMES[user // len(FIRST_NAMES) % len(LAST_NAMES)]}"
    return [
        Turn("I'd like to talk to a person", ("do you agree",)),
        Turn("yes", ("what name",)),
        Turn(name, ("how can the advisor reach you",)),
        Turn(f"bench.patient{user}@example.com", ("how would you prefer",)),
        Turn("email", ("best time",)),
        Turn("morning", ("which country",)),
        # In business hours, after hours, or stored without a queued handoff.
        Turn("Switzerland", ("has been notified", "will contact you by")),
    ]


def assistant_script(user: int) -> list[Turn]:
    """One patient's conversation with our assistant: 19 turns."""
    return [
        Turn("hello", ("automated assistant",)),
        faq(FAQ_OPENERS[user % len(FAQ_OPENERS)]),
        faq(FAQ_FOLLOW_UPS[user % len(FAQ_FOLLOW_UPS)]),
        *precheck(PRECHECK_ANSWERS[user % len(PRECHECK_ANSWERS)]),
        faq(FAQ_LATER[user % len(FAQ_LATER)]),
        *lead_form(user),
        Turn("thanks", avoid=FALLBACKS),
        Turn("goodbye", avoid=FALLBACKS),
    ]


def starter_script(user: int) -> list[Turn]:
    """One conversation with the stock starter (``rasa init``): its 12 turns."""
    return [
        Turn("hello", ("how are you",)),
        Turn("I am feeling great", ("carry on",)),
        Turn("hi", ("how are you",)),
        Turn("I am sad", ("cheer you up",)),
        Turn("yes", ("carry on",)),
        Turn("good morning", ("how are you",)),
        Turn("my day was horrible", ("cheer you up",)),
        Turn("no", ("bye",)),
        Turn("are you a bot?", ("i am a bot",)),
        Turn("hey there", ("how are you",)),
        Turn("amazing", ("carry on",)),
        Turn("goodbye", ("bye",)),
    ]


def long_conversation(turns: int) -> list[Turn]:
    """``turns`` FAQ questions in one conversation, the question list over and over: a
    patient who keeps asking (no form, so every turn does the same kind of work)."""
    questions = [faq(q) for q in (*FAQ_OPENERS, *FAQ_FOLLOW_UPS, *FAQ_LATER)]
    return [questions[i % len(questions)] for i in range(turns)]

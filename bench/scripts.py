"""What the simulated users say: one conversation each, turn by turn.

Our assistant's script walks the real funnel, as ``tests/integration/test_precheck_rest.py``
and the lead form's answers in ``tests/integration/conftest.py`` do: a greeting, FAQ
questions, the free-text pre-check with consent to store, one more question, the lead
form with consent, thanks. Users differ (by their index, deterministically) in which
questions they ask and which pre-check answers they give, so that the server does not
see one conversation fifty times.

The stock starter's script is twelve turns of its own intents (greet, moods, affirm,
deny, bot challenge, goodbye), as in the earlier measurement.

``expect`` lists phrases one of which the joined reply must contain: a reply without
any is counted as off-script (the flow changed), not as an error. Errors are failed
turns: no reply, an HTTP error, a timeout, or a channel's "try again later".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Turn:
    """One message and what its reply should contain (any of, case-insensitive)."""

    text: str
    expect: tuple[str, ...] = ()

    def on_script(self, reply: str) -> bool:
        """Whether ``reply`` (the bot's texts, joined) is what the script expected."""
        lowered = reply.lower()
        return not self.expect or any(phrase.lower() in lowered for phrase in self.expect)


Script = Callable[[int], list[Turn]]

# FAQ questions a patient asks (shared/eval/faq_dev.yml's topics), in three groups so
# that each user asks a different mix before, between and after the forms.
FAQ_OPENERS = (
    Turn("What is rheumatoid arthritis?"),
    Turn("What is stem cell therapy?"),
    Turn("can you explain RA to me in simple words"),
    Turn("What are mesenchymal stem cells?"),
    Turn("How does stem cell therapy help with RA?"),
)
FAQ_FOLLOW_UPS = (
    Turn("how much would the stem cell treatment cost me?", ("7,000",)),
    Turn("Is stem cell therapy safe?"),
    Turn("Does stem cell therapy work for rheumatoid arthritis?"),
    Turn("Is stem cell therapy for RA approved?"),
    Turn("Where do the stem cells come from?"),
    Turn("Who cannot get stem cell therapy?"),
)
FAQ_LATER = (
    Turn("What side effects can stem cell therapy have?"),
    Turn("How is the treatment done, is it surgery?"),
    Turn("What improvements can I expect after the treatment?"),
    Turn("does the injection hurt?"),
    Turn("Why does the price vary so much?"),
)

PRECHECK_START = Turn("can I get this treatment?")
PRECHECK_CONSENT = Turn("yes, you can store them")
# The four answers in free text (tests/integration/test_precheck_rest.py's scripts).
PRECHECK_ANSWERS = (
    (
        Turn("no infections"),
        Turn("never had cancer"),
        Turn("no"),
        Turn("nope, nothing like that", ("none of the four",)),
    ),
    (Turn("no"), Turn("no"), Turn("my diabetes is well controlled with metformin"), Turn("no")),
    (Turn("no"), Turn("chemo finished 3 years ago"), Turn("no"), Turn("no")),
    (Turn("no"), Turn("no"), Turn("I had a heart attack last month"), Turn("no")),
    (Turn("no"), Turn("I had breast cancer in 2019"), Turn("no"), Turn("no")),
    (Turn("no"), Turn("no"), Turn("no"), Turn("I'm on immunosuppressants after a transplant")),
)


def lead_form(user: int) -> list[Turn]:
    """The lead form with consent, as in the integration tests (made-up contact)."""
    return [
        Turn("I'd like to talk to a person"),
        Turn("yes"),
        Turn(f"Bench Patient {user}"),
        Turn(f"bench.patient{user}@example.com"),
        Turn("email"),
        Turn("morning"),
        Turn("Switzerland", ("advisor has been notified",)),
    ]


def assistant_script(user: int) -> list[Turn]:
    """One patient's conversation with our assistant: 20 turns."""
    return [
        Turn("hello", ("automated assistant",)),
        FAQ_OPENERS[user % len(FAQ_OPENERS)],
        FAQ_FOLLOW_UPS[user % len(FAQ_FOLLOW_UPS)],
        PRECHECK_START,
        PRECHECK_CONSENT,
        *PRECHECK_ANSWERS[user % len(PRECHECK_ANSWERS)],
        FAQ_LATER[user % len(FAQ_LATER)],
        *lead_form(user),
        Turn("thanks"),
        Turn("goodbye"),
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
    questions = [*FAQ_OPENERS, *FAQ_FOLLOW_UPS, *FAQ_LATER]
    return [questions[i % len(questions)] for i in range(turns)]

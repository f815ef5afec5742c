"""The pre-check driven end to end through the REST channel with free-text answers.

Each scripted conversation checks the slots in the tracker (the contract staff tools
rely on) and, with consent, the stored record; without consent, that nothing is stored.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import pytest

from bot.precheck.store import prechecks_of

START = "can I get this treatment?"
STORE = "yes, you can store them"
NO_STORE = "no, please don't store anything"
ALL_NO = ["no infections", "never had cancer", "no", "nope, nothing like that"]


@dataclass
class Script:
    name: str
    messages: list[str]
    outcome: str | None
    reasons: list[str] = field(default_factory=list)
    answers: dict[str, str] = field(default_factory=dict)
    reply_contains: list[str] = field(default_factory=list)


SCRIPTS = [
    Script(
        "all no in words",
        [START, STORE, *ALL_NO],
        "clear",
        answers={
            "active_infection": "no",
            "cancer_last_5_years": "no",
            "uncontrolled_condition": "no",
            "severe_immunodeficiency": "no",
        },
        reply_contains=["none of the four", "only a doctor"],
    ),
    Script(
        "well controlled diabetes is no",
        [START, STORE, "no", "no", "my diabetes is well controlled with metformin", "no"],
        "clear",
        answers={"uncontrolled_condition": "no"},
    ),
    Script(
        "a cold right now",
        [START, NO_STORE, "I have a cold right now", "no", "no", "no"],
        "contraindicated",
        ["active_infection"],
        reply_contains=["waiting until it has cleared", "were not stored"],
    ),
    Script(
        "cancer in 2019 is outside the window",
        [START, STORE, "no", "I had breast cancer in 2019", "no", "no"],
        "clear",
        answers={"cancer_last_5_years": "no"},
    ),
    Script(
        "chemo 3 years ago",
        [START, STORE, "no", "chemo finished 3 years ago", "no", "no"],
        "contraindicated",
        ["cancer_last_5_years"],
    ),
    Script(
        "skin cancer ten years ago",
        [START, STORE, "no", "I had skin cancer ten years ago", "no", "no"],
        "clear",
    ),
    Script(
        "heart attack last month",
        [START, STORE, "no", "no", "I had a heart attack last month", "no"],
        "contraindicated",
        ["uncontrolled_condition"],
    ),
    Script(
        "transplant",
        [START, STORE, "no", "no", "no", "I'm on immunosuppressants after a transplant"],
        "contraindicated",
        ["severe_immunodeficiency"],
    ),
    Script(
        "not sure needs review",
        [START, STORE, "no", "not sure", "no", "no"],
        "review",
        ["cancer_last_5_years"],
        reply_contains=["weren't sure about cancer"],
    ),
    Script(
        "cancer clarified by a year",
        [START, STORE, "no", "I had cancer", "in 2023", "no", "no"],
        "contraindicated",
        ["cancer_last_5_years"],
        reply_contains=["When was the cancer diagnosed"],
    ),
    Script(
        "cancer clarified as unknown",
        [START, STORE, "no", "I had cancer", "no idea", "no", "no"],
        "review",
        ["cancer_last_5_years"],
    ),
    Script(
        "diabetes clarified as controlled",
        [START, STORE, "no", "no", "I have diabetes", "yes, it's stable", "no"],
        "clear",
        reply_contains=["Is it well controlled"],
    ),
    Script(
        "gibberish twice counts as unsure",
        [START, STORE, "purple monkey dishwasher", "purple monkey dishwasher", "no", "no", "no"],
        "review",
        ["active_infection"],
        reply_contains=["didn't quite get that", 'noted this as "not sure"'],
    ),
    Script(
        "a question in between",
        [START, STORE, "no", "what does the treatment cost?", "no", "no", "no"],
        "clear",
        reply_contains=["7,000"],
    ),
    Script(
        "stop ends the check",
        [START, STORE, "no", "stop"],
        None,
        reply_contains=["stopped the pre-check"],
    ),
    Script(
        "restart starts over",
        [START, STORE, "yes", "restart the check", *ALL_NO],
        "clear",
        reply_contains=["start the pre-check again"],
    ),
    Script(
        "correction of an earlier answer",
        [START, STORE, "no", "no", "no", "actually, I do have diabetes", "no"],
        "review",
        ["uncontrolled_condition"],
        reply_contains=["updated that earlier answer"],
    ),
    Script(
        "emergency ends the check",
        [START, STORE, "no", "I have crushing chest pain right now"],
        None,
        reply_contains=["112"],
    ),
    Script(
        "one answer for two questions",
        [START, STORE, "no infections, but I had a heart attack last month", "no", "no"],
        "contraindicated",
        ["uncontrolled_condition"],
        reply_contains=["noted that too"],
    ),
    Script(
        "sugar all over the place",
        [START, STORE, "no", "no", "my blood sugar is all over the place", "no"],
        "contraindicated",
        ["uncontrolled_condition"],
    ),
    Script(
        "HIV needs review",
        [START, STORE, "no", "no", "no", "I have HIV"],
        "review",
        ["severe_immunodeficiency"],
    ),
    Script("started by the menu button", ["/start_precheck", STORE, *ALL_NO], "clear"),
    Script(
        "unclear consent is asked again",
        [START, "hmm", "yes", *ALL_NO],
        "clear",
        reply_contains=["I need a clear yes or no"],
    ),
    Script(
        "two contraindications",
        [START, STORE, "I've got the flu", "no", "no", "kidney transplant, on tacrolimus"],
        "contraindicated",
        ["active_infection", "severe_immunodeficiency"],
    ),
]


def test_there_are_at_least_twenty_scripted_conversations() -> None:
    assert len(SCRIPTS) >= 20


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_scripted_precheck_conversation(assistant, script: Script) -> None:
    sender = f"precheck-{uuid.uuid4().hex[:10]}"
    replies = []
    for message in script.messages:
        replies.append(assistant.texts(sender, message))
    transcript = "\n".join(replies)

    status, tracker = assistant.request(
        "GET", f"/conversations/{sender}/tracker", token=assistant.token
    )
    assert status == 200
    slots = tracker["slots"]
    assert slots["precheck_outcome"] == script.outcome, transcript
    assert tracker["active_loop"].get("name") is None, "the form has ended"
    if script.outcome is not None:
        assert slots["precheck_reasons"] == script.reasons, transcript
    for slot, value in script.answers.items():
        assert slots[slot] == value, (slot, transcript)
    for phrase in script.reply_contains:
        assert phrase in transcript, transcript

    stored = prechecks_of(assistant.database_url, sender)
    if script.outcome is not None and slots["precheck_consent"] == "given":
        assert len(stored) == 1
        assert stored[0].outcome == script.outcome
        assert stored[0].reasons == script.reasons
        assert stored[0].consent_text_version == "precheck-consent-v1"
    else:
        assert stored == [], "nothing is stored without consent or a finished check"


def test_the_summary_never_states_a_verdict(assistant) -> None:
    sender = f"precheck-{uuid.uuid4().hex[:10]}"
    transcript = " ".join(
        assistant.texts(sender, m)
        for m in [START, STORE, "I have a cold right now", "yes", "yes", "yes"]
    ).lower()
    for phrase in ("you are eligible", "you are contraindicated", "you qualify", "not eligible"):
        assert phrase not in transcript

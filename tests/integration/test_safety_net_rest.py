"""The safety net end to end through the REST channel: a red flag given as a form's
answer, a minor asking to be contacted, guidance in the message's language.

The assertions read the tracker (what the form stored) and the database (what was
kept), not only the replies.
"""

from __future__ import annotations

import uuid

from bot.content import text
from bot.leads.store import stored_lead

START = "/start_precheck"
FEVER_AS_ANSWER = "high fever with shaking chills and I feel faint since the injection"


def _sender(name: str) -> str:
    return f"safety-{name}-{uuid.uuid4().hex[:8]}"


def _slots(assistant, sender: str) -> dict:
    status, tracker = assistant.request(
        "GET", f"/conversations/{sender}/tracker", token=assistant.token
    )
    assert status == 200
    return tracker["slots"]


def _first_line(name: str) -> str:
    return text(name).splitlines()[0]


def test_a_red_flag_given_as_an_answer_pauses_the_form_without_storing_it(assistant) -> None:
    sender = _sender("precheck")
    assistant.texts(sender, START)
    assistant.texts(sender, "yes, you can store them")
    reply = assistant.texts(sender, FEVER_AS_ANSWER)
    assert reply.startswith(_first_line("utter_emergency")), reply
    slots = _slots(assistant, sender)
    assert slots["active_infection"] is None
    assert slots["requested_slot"] is None
    # Paused, not resumed on its own: the next message is answered as usual ...
    assert "1/4" not in assistant.texts(sender, "what does it cost?")
    # ... and the check starts again when the patient asks, consent first (the
    # situation may have changed since the red flag).
    assert "May the clinic store your answers" in assistant.texts(sender, START)
    assert "1/4 Do you currently have an active infection" in assistant.texts(sender, "yes")


def test_a_red_flag_in_the_lead_form_is_not_stored_as_contact_details(assistant) -> None:
    sender = _sender("lead")
    for message in ("I'd like to talk to a person", "yes", "Anna Test"):
        assistant.texts(sender, message)
    reply = assistant.texts(sender, "my child swallowed my methotrexate tablets")
    assert reply.startswith(_first_line("utter_poison")), reply
    assert _slots(assistant, sender)["lead_contact"] is None


def test_an_emergency_in_german_gets_the_german_guidance(assistant) -> None:
    reply = assistant.texts(_sender("de"), "ich krieg keine luft mehr und hab starke schmerzen in der brust")
    assert reply.startswith(_first_line("utter_emergency_de")), reply


def test_a_plain_german_question_is_no_emergency(assistant) -> None:
    reply = assistant.texts(_sender("de-question"), "Was kostet die Behandlung?")
    assert "144" not in reply, reply


def test_a_minor_is_never_asked_for_contact_details(assistant) -> None:
    sender = _sender("minor")
    assert assistant.texts(sender, "im 15, how do the stem cells work?").startswith(
        _first_line("utter_minor")
    )
    for request in ("I'd like to talk to a person", START):
        reply = assistant.texts(sender, request)
        assert reply.startswith(_first_line("utter_minor_no_data")), reply
    assert _slots(assistant, sender)["lead_consent"] is None
    assert stored_lead(assistant.database_url, sender) is None


def test_saying_one_is_a_minor_inside_the_lead_form_ends_it(assistant) -> None:
    sender = _sender("minor-in-form")
    for message in ("I'd like to talk to a person", "yes"):
        assistant.texts(sender, message)
    reply = assistant.texts(sender, "wait, I'm only 16")
    assert reply.startswith(_first_line("utter_minor_no_data")), reply
    slots = _slots(assistant, sender)
    assert slots["requested_slot"] is None and slots["minor"] is True
    assert stored_lead(assistant.database_url, sender) is None

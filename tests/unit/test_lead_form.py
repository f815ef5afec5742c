"""Reading the lead form's free-text answers."""

from __future__ import annotations

import pytest

from bot.leads.form import (
    CHANNEL,
    CONSENT,
    CONTACT,
    COUNTRY,
    EMAIL,
    FORM_SLOTS,
    NAME,
    PHONE,
    PHONE_CANDIDATE,
    PHONE_CONFIRM,
    PROBLEM_RESPONSES,
    QUESTIONS,
    REASK,
    WINDOW,
    problem_with,
    read_channel,
    read_consent,
    read_contact,
    read_country,
    read_lead_answer,
    read_name,
    read_phone_confirm,
    read_window,
    reask_after,
)

MAIL = "anna@example.com"
MOBILE = "+41791234567"

# --- consent ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["yes please", "yes", "Yes, I agree", "yeah sure"])
def test_consent_given(text: str) -> None:
    assert read_consent(text) == {CONSENT: "given"}


@pytest.mark.parametrize("text", ["no thanks", "no", "nope", "No, don't store anything"])
def test_consent_declined(text: str) -> None:
    assert read_consent(text) == {CONSENT: "declined"}


@pytest.mark.parametrize(
    "text", ["maybe", "what happens with my data?", "not sure", "I don't know", "hmm"]
)
def test_unclear_consent_is_asked_again(text: str) -> None:
    assert read_consent(text) is None


@pytest.mark.parametrize("text", ["sure", "I agree"])
def test_plain_agreement_is_consent(text: str) -> None:
    assert read_consent(text) == {CONSENT: "given"}


# --- name ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Anna Meier", "Anna Meier"),
        ("my name is José Pérez", "José Pérez"),
        ("I'm Lea", "Lea"),
        ("Call me Tom.", "Tom"),
        ("  Anna   Meier-Müller ", "Anna Meier-Müller"),
    ],
)
def test_name_is_read_without_its_lead_in(text: str, name: str) -> None:
    assert read_name(text) == {NAME: name}


@pytest.mark.parametrize(
    "text",
    [
        "what is this for?",  # a question
        "why do you need my name",
        "Anna 2",  # digits
        "anna@example.com",  # an email
        "my name is Anna Meier and I would like to know the price",  # too many words
        "A" * 120,  # longer than the column
        "...",
        "",
    ],
)
def test_unusable_name_is_refused(text: str) -> None:
    assert read_name(text) is None


# --- contact ------------------------------------------------------------------------------


def test_contact_email_only() -> None:
    assert read_contact("anna@Example.COM") == {CONTACT: "given", EMAIL: MAIL, PHONE: None}


def test_contact_phone_only_in_international_format() -> None:
    expected = {CONTACT: "given", EMAIL: None, PHONE: MOBILE}
    assert read_contact("+41 79 123 45 67") == expected
    assert read_contact("0041 79 123 45 67") == expected


def test_contact_email_and_phone() -> None:
    assert read_contact(f"{MAIL}, or call +41 79 123 45 67") == {
        CONTACT: "given",
        EMAIL: MAIL,
        PHONE: MOBILE,
    }


@pytest.mark.parametrize("text", ["call me", "anna at example dot com", "079 123 45", ""])
def test_contact_without_usable_details_is_refused(text: str) -> None:
    assert read_contact(text) is None


@pytest.mark.parametrize(
    ("text", "candidate"),
    [
        ("079 123 45 67", "+41 79 123 45 67"),
        ("0791234567", "+41 79 123 45 67"),
        ("044 668 18 00", "+41 44 668 18 00"),
        ("my mobile is 079/123.45.67", "+41 79 123 45 67"),
        ("79 123 45 67", "+41 79 123 45 67"),  # the mobile without its 0
    ],
)
def test_a_number_in_national_format_is_offered_as_swiss_not_refused(text, candidate) -> None:
    # Not given yet: the patient confirms the country first (the advisor may call from abroad).
    assert read_contact(text) == {CONTACT: None, EMAIL: None, PHONE: None, PHONE_CANDIDATE: candidate}


def test_an_email_beside_a_national_number_is_kept_while_the_number_is_confirmed() -> None:
    assert read_contact(f"{MAIL} or 079 123 45 67") == {
        CONTACT: None,
        EMAIL: MAIL,
        PHONE: None,
        PHONE_CANDIDATE: "+41 79 123 45 67",
    }


@pytest.mark.parametrize("text", ["yes", "yes it is", "Yes, Swiss", "correct", "yeah"])
def test_yes_it_is_swiss_stores_the_number_in_e164(text: str) -> None:
    assert read_phone_confirm(text, "+41 79 123 45 67") == {
        PHONE_CONFIRM: "yes",
        PHONE: MOBILE,
        CONTACT: "given",
        PHONE_CANDIDATE: None,
    }


@pytest.mark.parametrize("text", ["no", "No, another country", "nope, it's German"])
def test_no_asks_for_the_number_with_its_country_code(text: str) -> None:
    assert read_phone_confirm(text, "+41 79 123 45 67") == {
        PHONE_CONFIRM: None,
        PHONE_CANDIDATE: None,
        REASK: "country_code",
    }


def test_the_number_typed_again_with_its_code_answers_the_swiss_question() -> None:
    assert read_phone_confirm("no, it's +49 171 1234567", "+41 17 112 34 56")[PHONE] == (
        "+491711234567"
    )


@pytest.mark.parametrize("text", ["maybe", "what do you mean?", "hmm"])
def test_an_unclear_answer_to_the_swiss_question_is_asked_again(text: str) -> None:
    assert read_phone_confirm(text, "+41 79 123 45 67") is None


# --- channel ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "channel"),
    [
        ("email", "email"),  # the buttons' payloads
        ("phone", "phone"),
        ("whatsapp", "whatsapp"),
        ("by e-mail please", "email"),
        ("please call me", "phone"),
        ("WhatsApp", "whatsapp"),
        ("a message on whats app", "whatsapp"),
    ],
)
def test_channel_words_and_buttons(text: str, channel: str) -> None:
    assert read_channel(text, MAIL, MOBILE) == {CHANNEL: channel}


@pytest.mark.parametrize("text", ["phone", "please call me", "whatsapp"])
def test_phone_channels_need_a_phone_number(text: str) -> None:
    assert read_channel(text, MAIL, None) is None


def test_email_channel_needs_an_email() -> None:
    assert read_channel("email", None, MOBILE) is None
    assert read_channel("email", MAIL, None) == {CHANNEL: "email"}


def test_unknown_channel_is_refused() -> None:
    assert read_channel("carrier pigeon", MAIL, MOBILE) is None


# --- contact window -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("morning", "morning"),
        ("in the afternoon please", "afternoon"),
        ("evening", "evening"),
        ("any time", "any"),  # the button's payload
        ("whenever", "any"),
        ("mornings are best", "morning"),
        ("morning or afternoon", "any"),  # two windows: any
    ],
)
def test_window(text: str, window: str) -> None:
    assert read_window(text) == {WINDOW: window}


@pytest.mark.parametrize("text", ["tomorrow", "at 3", "yes"])
def test_unusable_window_is_refused(text: str) -> None:
    assert read_window(text) is None


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("I am only free in the evening", "evening"),
        ("I am at work until the afternoon", "afternoon"),
    ],
)
def test_i_am_is_not_a_morning(text: str, window: str) -> None:
    assert read_window(text) == {WINDOW: window}


# --- country ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("Switzerland", "Switzerland"),
        ("i live in germany", "Germany"),
        ("United Kingdom", "United Kingdom"),
        ("Côte d'Ivoire", "Côte d'Ivoire"),
        ("I'm from Austria.", "Austria"),
        ("Guinea-Bissau", "Guinea-Bissau"),
    ],
)
def test_country(text: str, country: str) -> None:
    assert read_country(text) == {COUNTRY: country}


@pytest.mark.parametrize(
    "text",
    ["8001", "Zurich 8001", "why do you need that?", "is it available in Spain", "", "x" * 60],
)
def test_unusable_country_is_refused(text: str) -> None:
    assert read_country(text) is None


@pytest.mark.parametrize(
    ("reader", "text"),
    [
        (read_country, "no"),
        (read_country, "I'd rather not say"),
        (read_country, "stop"),
        (read_name, "I'd rather not say"),
        (read_name, "stop"),
    ],
)
def test_a_refusal_is_not_a_name_or_country(reader, text: str) -> None:
    assert reader(text) is None


# --- dispatch and explanations ------------------------------------------------------------


def test_read_lead_answer_dispatches_by_slot() -> None:
    assert read_lead_answer(CONSENT, "yes") == {CONSENT: "given"}
    assert read_lead_answer(NAME, "I'm Lea") == {NAME: "Lea"}
    assert read_lead_answer(CONTACT, MAIL) == {CONTACT: "given", EMAIL: MAIL, PHONE: None}
    assert read_lead_answer(WINDOW, "evening") == {WINDOW: "evening"}
    assert read_lead_answer(COUNTRY, "switzerland") == {COUNTRY: "Switzerland"}


def test_read_lead_answer_passes_the_given_details_to_the_channel_reader() -> None:
    assert read_lead_answer(CHANNEL, "phone", email=None, phone=MOBILE) == {CHANNEL: "phone"}
    assert read_lead_answer(CHANNEL, "phone", email=MAIL, phone=None) is None
    assert read_lead_answer(CHANNEL, "email", email=MAIL, phone=None) == {CHANNEL: "email"}


@pytest.mark.parametrize("asked", ["unknown_slot", EMAIL, PHONE, "precheck_consent"])
def test_read_lead_answer_reads_nothing_for_other_slots(asked: str) -> None:
    assert read_lead_answer(asked, "yes") is None


def test_every_form_question_comes_back_in_other_words_and_never_twice_alike() -> None:
    from bot.content import responses
    from bot.leads.form import REUSE

    assert set(QUESTIONS) == {REUSE, PHONE_CONFIRM, *FORM_SLOTS}
    for name in QUESTIONS.values():
        plain = {}
        for variant in responses()[name]:
            condition = (variant.get("condition") or [{}])[0]
            if condition.get("name") in (None, REASK):
                plain.setdefault(variant.get("channel"), {})[condition.get("value")] = variant["text"]
        for texts in plain.values():
            # The question, "again" and "explain": three different texts.
            assert {None, "again", "explain"} <= set(texts), name
            assert len({texts[None], texts["again"], texts["explain"]}) == 3, name
    # Unusable answers in a row alternate between the two, starting with "again".
    assert [reask_after(n) for n in (1, 2, 3, 4)] == ["again", "explain", "again", "explain"]


def test_every_problem_has_its_own_words() -> None:
    from bot.content import text

    said = [text(name) for name in PROBLEM_RESPONSES.values()]
    assert all(said) and len(set(said)) == len(said)


@pytest.mark.parametrize(
    ("asked", "answer", "problem", "said"),
    [
        (CONTACT, "anna@", "email_incomplete", "after the @"),
        (CONTACT, "anna@gmail", "email_incomplete", "after the @"),
        (CONTACT, "anna.meier.gmail.com", "email_no_at", "without its @"),
        (CONTACT, "079 123 45", "phone_too_short", "10 digits"),
        (CONTACT, "+41 79 123", "phone_too_short", "too short"),
        (CONTACT, "+41 79 123 45 67 89 01 23", "phone_too_long", "more digits"),
        (CONTACT, "0171 1234567", "phone_no_country", "doesn't look like a Swiss number"),
        (CONTACT, "call me", "nothing", "couldn't find an email address or a phone number"),
        (NAME, "Anna 2", "name_has_digits", "digits"),
        (NAME, "anna@example.com", "name_is_email", "email address"),
        (NAME, "no", "refused", "stop"),
        (CHANNEL, "phone", "channel_needs_phone", "phone number"),
        (CHANNEL, "carrier pigeon", "channel_unknown", "way of contact"),
        (WINDOW, "tomorrow", "window_unknown", "time of day"),
        (COUNTRY, "8001", "country_has_digits", "postcode"),
        (CONSENT, "maybe", "not_yes_or_no", "yes or a no"),
        (PHONE_CONFIRM, "hmm", "not_yes_or_no", "yes or a no"),
    ],
)
def test_an_unusable_answer_is_told_what_was_wrong(asked, answer, problem, said) -> None:
    from bot.content import text

    assert problem_with(asked, answer) == problem
    assert said in text(PROBLEM_RESPONSES[problem])


@pytest.mark.parametrize(
    ("said", "value"),
    [("yes", "yes"), ("sure, same details", "yes"), ("no", "no"), ("no, new ones", "no")],
)
def test_a_returning_patient_confirms_or_replaces_the_stored_details(said, value) -> None:
    from bot.leads.form import REUSE

    assert read_lead_answer(REUSE, said) == {REUSE: value}


def test_an_unclear_answer_to_the_reuse_question_is_asked_again() -> None:
    from bot.leads.form import REUSE

    assert read_lead_answer(REUSE, "what details?") is None


WHATSAPP_NUMBER = "+41791234567"


@pytest.mark.parametrize("text", ["yes", "Yes, this number", "sure, that one is fine", "ok"])
def test_on_whatsapp_a_yes_takes_the_number_the_patient_writes_from(text: str) -> None:
    assert read_contact(text, WHATSAPP_NUMBER) == {
        CONTACT: "given",
        EMAIL: None,
        PHONE: WHATSAPP_NUMBER,
    }


def test_on_whatsapp_a_typed_email_keeps_the_number_and_another_number_wins() -> None:
    assert read_contact(MAIL, WHATSAPP_NUMBER)[PHONE] == WHATSAPP_NUMBER
    assert read_contact("+44 20 7946 0958", WHATSAPP_NUMBER)[PHONE] == "+442079460958"


@pytest.mark.parametrize("text", ["no", "not this one", "hm"])
def test_on_whatsapp_a_no_or_an_unclear_answer_asks_again(text: str) -> None:
    assert read_contact(text, WHATSAPP_NUMBER) is None


def test_elsewhere_a_yes_is_no_contact() -> None:
    assert read_contact("yes") is None

"""Reads the answers of the lead form (contact details for an advisor) from free text.

Pure: the form validation action (``actions/lead_form.py``) adapts it. Each reader
returns the slot values the answer gives, or ``None`` when it gives nothing usable.
An unusable answer is never met with the same question in the same words (issue 14):
``problem_with`` says what was wrong (sent first), and the question comes back as
another of its variations (``REASK`` slot: ``again`` after the first unusable answer,
``explain`` with examples after the second, and so on in turn).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.leads.contact import (
    ContactProblem,
    normalise_name,
    normalise_phone,
    read_contact_details,
    readable_number,
)
from bot.precheck.reader import is_question, read_answer
from bot.precheck.rules import Answer

CONSENT = "lead_consent"
NAME = "lead_name"
CONTACT = "lead_contact"
EMAIL = "lead_email"
PHONE = "lead_phone"
CHANNEL = "lead_channel"
WINDOW = "lead_contact_window"
COUNTRY = "lead_country"
# Asked first when the conversation already has a stored lead (a returning patient):
# "Shall the advisor use these details again?"
REUSE = "lead_reuse"
# A number typed in national format ("079 123 45 67"), as +41 79 123 45 67, waiting
# for the patient to confirm that it is Swiss (PHONE_CONFIRM, asked before CONTACT).
PHONE_CANDIDATE = "lead_phone_candidate"
PHONE_CONFIRM = "lead_phone_confirm"
# Which variation of the question comes next: None (the question), "again" or
# "explain" after an unusable answer, "country_code" after "no, not a Swiss number".
REASK = "lead_reask"
FORM_SLOTS = (CONSENT, NAME, CONTACT, CHANNEL, WINDOW, COUNTRY)
LEAD_SLOTS = (REUSE, *FORM_SLOTS, EMAIL, PHONE, PHONE_CANDIDATE, PHONE_CONFIRM, REASK)
AGAIN = "again"
EXPLAIN = "explain"
COUNTRY_CODE = "country_code"

# What was wrong with an unusable answer, said before the question comes back
# (data/responses/leads.yml: utter_lead_problem_<code>).
NOT_YES_OR_NO = "not_yes_or_no"
REFUSED = "refused"
NAME_HAS_DIGITS = "name_has_digits"
NAME_IS_EMAIL = "name_is_email"
NAME_TOO_LONG = "name_too_long"
NAME_UNREADABLE = "name_unreadable"
CHANNEL_NEEDS_PHONE = "channel_needs_phone"
CHANNEL_NEEDS_EMAIL = "channel_needs_email"
CHANNEL_UNKNOWN = "channel_unknown"
WINDOW_UNKNOWN = "window_unknown"
COUNTRY_HAS_DIGITS = "country_has_digits"
COUNTRY_UNREADABLE = "country_unreadable"
# Written out (not built from the codes) so that the data validation sees them sent.
PROBLEM_RESPONSES = {
    NOT_YES_OR_NO: "utter_lead_problem_not_yes_or_no",
    REFUSED: "utter_lead_problem_refused",
    NAME_HAS_DIGITS: "utter_lead_problem_name_has_digits",
    NAME_IS_EMAIL: "utter_lead_problem_name_is_email",
    NAME_TOO_LONG: "utter_lead_problem_name_too_long",
    NAME_UNREADABLE: "utter_lead_problem_name_unreadable",
    CHANNEL_NEEDS_PHONE: "utter_lead_problem_channel_needs_phone",
    CHANNEL_NEEDS_EMAIL: "utter_lead_problem_channel_needs_email",
    CHANNEL_UNKNOWN: "utter_lead_problem_channel_unknown",
    WINDOW_UNKNOWN: "utter_lead_problem_window_unknown",
    COUNTRY_HAS_DIGITS: "utter_lead_problem_country_has_digits",
    COUNTRY_UNREADABLE: "utter_lead_problem_country_unreadable",
    ContactProblem.NOTHING.value: "utter_lead_problem_nothing",
    ContactProblem.EMAIL_INCOMPLETE.value: "utter_lead_problem_email_incomplete",
    ContactProblem.EMAIL_NO_AT.value: "utter_lead_problem_email_no_at",
    ContactProblem.PHONE_TOO_SHORT.value: "utter_lead_problem_phone_too_short",
    ContactProblem.PHONE_TOO_LONG.value: "utter_lead_problem_phone_too_long",
    ContactProblem.PHONE_NO_COUNTRY.value: "utter_lead_problem_phone_no_country",
    ContactProblem.PHONE_INVALID.value: "utter_lead_problem_phone_invalid",
}
# The form's questions; each has `again` and `explain` variations (conditions on the
# REASK slot), and the contact question a `country_code` one.
QUESTIONS = {
    REUSE: "utter_ask_lead_reuse",
    CONSENT: "utter_ask_lead_consent",
    NAME: "utter_ask_lead_name",
    CONTACT: "utter_ask_lead_contact",
    PHONE_CONFIRM: "utter_ask_lead_phone_confirm",
    CHANNEL: "utter_ask_lead_channel",
    WINDOW: "utter_ask_lead_contact_window",
    COUNTRY: "utter_ask_lead_country",
}


def reask_after(attempts: int) -> str:
    """The question's variation after ``attempts`` unusable answers in a row: the
    rephrased question and the explained one in turn, never the same twice running."""
    return AGAIN if attempts % 2 == 1 else EXPLAIN


_NAME_PREFIX = re.compile(
    r"^(?:my name is|my name's|name:|i am|i'm|im|it's|it is|call me|this is)\s+", re.I
)
_CHANNELS = {
    "whatsapp": re.compile(r"\b(whats ?app|wa)\b", re.I),
    "phone": re.compile(r"\b(phone|call|ring|telephone|mobile)\b", re.I),
    "email": re.compile(r"\b(e-?mail|mail)\b", re.I),
}
_WINDOWS = {
    "any": re.compile(
        r"\b(any ?time|whenever|any time|doesn'?t matter|don'?t mind|all day|flexible)\b", re.I
    ),
    "morning": re.compile(r"\b(morning|mornings|before noon)\b", re.I),
    "afternoon": re.compile(r"\b(afternoon|afternoons|lunch|midday)\b", re.I),
    "evening": re.compile(r"\b(evening|evenings|night|after work)\b", re.I),
}
_COUNTRY = re.compile(r"^[^\W\d_][^\W\d_ .'()-]*(?:[ .'()-]+[^\W\d_]+)*\.?$")
_COUNTRY_PREFIX = re.compile(
    r"^(?:i live in|i'm in|im in|i am in|in|from|i'm from|i am from)\s+", re.I
)


_AGREE = re.compile(
    r"^\s*(sure|i agree|agreed?|ok(ay)?|of course|fine|go ahead|that'?s fine)\b", re.I
)
_DISAGREE = re.compile(r"\b(i (do not|don'?t) agree|disagree|no way)\b", re.I)
# Refusals and commands are never a name or a country.
_NON_ANSWER = re.compile(
    r"^\s*(no|nope|yes|yeah|stop|skip|cancel|quit|none|n/?a|why|i'?d rather not|rather not|"
    r"prefer not|i prefer not|not telling|i won'?t say|never mind|forget it)\b",
    re.I,
)
# Words of a sentence, not of a name ("I want to talk to a person").
_SENTENCE_WORDS = frozenset(
    "i you he she we they it to the a an want wanna talk speak please is are am can could "
    "would my me your with about and or not what how why when where this that".split()
)
_NEGATED = re.compile(r"\b(not|no|don'?t|never)\s+(by\s+|via\s+|a\s+)?\w+", re.I)


def read_consent(text: str) -> dict[str, str] | None:
    """A clear yes or no to storing contact details; anything unclear is asked again."""
    if _DISAGREE.search(text):
        return {CONSENT: "declined"}
    if _AGREE.match(text):
        return {CONSENT: "given"}
    value = read_answer(text, "precheck_consent").value
    if value is Answer.YES:
        return {CONSENT: "given"}
    if value is Answer.NO:
        return {CONSENT: "declined"}
    return None


def read_reuse(text: str) -> dict[str, str] | None:
    """Yes (use the stored details again) or no (ask for them anew)."""
    read = read_consent(text)
    if read is None:
        return None
    return {REUSE: "yes" if read[CONSENT] == "given" else "no"}


def read_name(text: str) -> dict[str, str] | None:
    """A name, with "my name is" and the like removed."""
    if is_question(text) or len(text.split()) > 8 or _NON_ANSWER.match(text):
        return None
    name = normalise_name(_NAME_PREFIX.sub("", text.strip()).strip(" .!"))
    if not name or len(name.split()) > 5 or _SENTENCE_WORDS & set(name.lower().split()):
        return None
    return {NAME: name}


def read_contact(text: str, offered_phone: str | None = None) -> dict[str, str | None] | None:
    """An email address and/or an international phone number, or a number in national
    format to confirm as Swiss (``PHONE_CANDIDATE``; the contact is given once confirmed).

    On WhatsApp the patient's own number (``offered_phone``) is offered: a "yes" takes
    it, and it stays beside an email address typed instead of asking for it again.
    """
    reading = read_contact_details(text)
    if not reading.usable:
        if offered_phone and read_consent(text) == {CONSENT: "given"}:
            return {CONTACT: "given", EMAIL: None, PHONE: offered_phone}
        return None
    if reading.home_candidate and not reading.phone:
        return {
            CONTACT: None,
            EMAIL: reading.email,
            PHONE: None,
            PHONE_CANDIDATE: readable_number(reading.home_candidate),
        }
    return {CONTACT: "given", EMAIL: reading.email, PHONE: reading.phone or offered_phone}


def read_phone_confirm(text: str, candidate: str | None) -> dict[str, str | None] | None:
    """Yes (the number is Swiss: it becomes the phone number), no (it is asked for with
    its country code), or the number typed again with its country code."""
    typed = normalise_phone(text)
    if typed:
        return {PHONE_CONFIRM: "yes", PHONE: typed, CONTACT: "given", PHONE_CANDIDATE: None}
    read = read_consent(text)
    if read is None:
        return None
    if read[CONSENT] == "given":
        phone = normalise_phone(candidate or "")
        return {PHONE_CONFIRM: "yes", PHONE: phone, CONTACT: "given", PHONE_CANDIDATE: None}
    return {PHONE_CONFIRM: None, PHONE_CANDIDATE: None, REASK: COUNTRY_CODE}


def read_channel(text: str, email: str | None, phone: str | None) -> dict[str, str] | None:
    """The preferred channel, among those the given details allow."""
    text = _NEGATED.sub(" ", text)  # "email please, not phone"
    for channel, pattern in _CHANNELS.items():
        if pattern.search(text):
            needs_phone = channel in ("phone", "whatsapp")
            if (needs_phone and not phone) or (channel == "email" and not email):
                return None
            return {CHANNEL: channel}
    return None


def read_window(text: str) -> dict[str, str] | None:
    """Morning, afternoon, evening or any time."""
    found = [window for window, pattern in _WINDOWS.items() if pattern.search(text)]
    if not found:
        return None
    return {WINDOW: found[0] if len(found) == 1 else "any"}


def read_country(text: str) -> dict[str, str] | None:
    """A country name as typed (letters, spaces, hyphens), title-cased."""
    if is_question(text) or _NON_ANSWER.match(text):
        return None
    country = _COUNTRY_PREFIX.sub("", text.strip()).strip(" .!")
    if not country or len(country) > 56 or not _COUNTRY.match(country):
        return None
    return {COUNTRY: country if any(c.isupper() for c in country) else country.title()}


def read_lead_answer(
    asked: str,
    text: str,
    email: str | None = None,
    phone: str | None = None,
    offered_phone: str | None = None,
    candidate: str | None = None,
) -> dict[str, str | None] | None:
    """The slot values ``text`` gives for the question ``asked`` (``offered_phone``: the
    number the patient writes from, on WhatsApp; ``candidate``: the number to confirm)."""
    readers = {
        REUSE: read_reuse,
        CONSENT: read_consent,
        NAME: read_name,
        CONTACT: lambda t: read_contact(t, offered_phone),
        PHONE_CONFIRM: lambda t: read_phone_confirm(t, candidate),
        CHANNEL: lambda t: read_channel(t, email, phone),
        WINDOW: read_window,
        COUNTRY: read_country,
    }
    reader = readers.get(asked)
    return reader(text) if reader else None


_DIGIT = re.compile(r"\d")


def _name_problem(text: str) -> str:
    if _NON_ANSWER.match(text):
        return REFUSED
    if "@" in text:
        return NAME_IS_EMAIL
    if _DIGIT.search(text):
        return NAME_HAS_DIGITS
    if len(text.split()) > 5 or _SENTENCE_WORDS & set(text.lower().split()):
        return NAME_TOO_LONG
    return NAME_UNREADABLE


def _channel_problem(text: str) -> str:
    # Which channel was asked for, whatever details were given.
    wanted = read_channel(text, "a@b.ch", "+41000000000")
    if wanted is None:
        return CHANNEL_UNKNOWN
    return CHANNEL_NEEDS_EMAIL if wanted[CHANNEL] == "email" else CHANNEL_NEEDS_PHONE


def _country_problem(text: str) -> str:
    if _NON_ANSWER.match(text):
        return REFUSED
    return COUNTRY_HAS_DIGITS if _DIGIT.search(text) else COUNTRY_UNREADABLE


def problem_with(asked: str, text: str) -> str:
    """What was wrong with ``text``, an unusable answer to ``asked`` (a key of
    ``PROBLEM_RESPONSES``)."""
    text = text.strip()
    if asked == NAME:
        return _name_problem(text)
    if asked == CONTACT:
        return (read_contact_details(text).problem or ContactProblem.NOTHING).value
    if asked == CHANNEL:
        return _channel_problem(text)
    if asked == WINDOW:
        return WINDOW_UNKNOWN
    if asked == COUNTRY:
        return _country_problem(text)
    return NOT_YES_OR_NO


@dataclass(frozen=True)
class LeadDetails:
    """What the lead form collected (already validated)."""

    name: str
    email: str | None
    phone: str | None
    preferred_channel: str
    contact_window: str
    country: str


_CHANNEL_WORDS = {"email": "by email", "phone": "by phone", "whatsapp": "on WhatsApp"}


def how_to_contact(details: LeadDetails) -> str:
    """How the advisor would make contact, as the patient reads it ("by email at ...")."""
    address = details.email if details.preferred_channel == "email" else details.phone
    return (
        f"{_CHANNEL_WORDS.get(details.preferred_channel, details.preferred_channel)} at {address}"
    )

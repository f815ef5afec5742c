"""Reads the answers of the lead form (contact details for an advisor) from free text.

Pure: the form validation action (``actions/lead_form.py``) adapts it. Each reader
returns the slot values the answer gives, or ``None`` when it gives nothing usable;
after repeated unusable answers the form sends the response in ``EXPLANATIONS`` (the pattern of
RasaHQ's financial-demo).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.leads.contact import normalise_email, normalise_name, normalise_phone
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
FORM_SLOTS = (CONSENT, NAME, CONTACT, CHANNEL, WINDOW, COUNTRY)
LEAD_SLOTS = (REUSE, *FORM_SLOTS, EMAIL, PHONE)
# After this many unusable answers to one question, the form explains it.
EXPLAIN_AFTER = 2

# What each question needs, said after repeated unusable answers (data/responses/leads.yml).
EXPLANATIONS = {
    REUSE: "utter_explain_lead_reuse",
    CONSENT: "utter_explain_lead_consent",
    NAME: "utter_explain_lead_name",
    CONTACT: "utter_explain_lead_contact",
    CHANNEL: "utter_explain_lead_channel",
    WINDOW: "utter_explain_lead_contact_window",
    COUNTRY: "utter_explain_lead_country",
}

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
    """An email address and/or an international phone number.

    On WhatsApp the patient's own number (``offered_phone``) is offered: a "yes" takes
    it, and it stays beside an email address typed instead of asking for it again.
    """
    email, phone = normalise_email(text), normalise_phone(text)
    if not email and not phone:
        if offered_phone and read_consent(text) == {CONSENT: "given"}:
            return {CONTACT: "given", EMAIL: None, PHONE: offered_phone}
        return None
    return {CONTACT: "given", EMAIL: email, PHONE: phone or offered_phone}


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
) -> dict[str, str | None] | None:
    """The slot values ``text`` gives for the question ``asked`` (``offered_phone``: the
    number the patient writes from, on WhatsApp)."""
    readers = {
        REUSE: read_reuse,
        CONSENT: read_consent,
        NAME: read_name,
        CONTACT: lambda t: read_contact(t, offered_phone),
        CHANNEL: lambda t: read_channel(t, email, phone),
        WINDOW: read_window,
        COUNTRY: read_country,
    }
    reader = readers.get(asked)
    return reader(text) if reader else None


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

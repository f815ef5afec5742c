"""Which responses answer a question about the clinic, from the configured facts.

Each question kind is an NLU intent (``clinic_location``, ``clinic_contact`` ...). A
configured fact is said as it is written in ``clinic.yml``; an unset one gets its
"I don't have that here; the clinic's advisor can tell you" response with the advisor
button. The texts live in ``data/responses/clinic.yml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.clinic.facts import ClinicFacts
from bot.content import Utterance

NAME = "clinic_name"
LOCATION = "clinic_location"
CONTACT = "clinic_contact"
HOURS = "clinic_hours"
LANGUAGES = "clinic_languages"
PAYMENT = "clinic_payment"
TRAVEL = "clinic_travel"
CLINIC_INTENTS = frozenset({NAME, LOCATION, CONTACT, HOURS, LANGUAGES, PAYMENT, TRAVEL})

# The ways of reaching the clinic, each with its answer and its honest "not here".
PHONE, EMAIL, WEBSITE = "phone", "email", "website"
_CONTACT_RESPONSES = {
    PHONE: ("utter_clinic_phone", "utter_clinic_phone_unknown"),
    EMAIL: ("utter_clinic_email", "utter_clinic_email_unknown"),
    WEBSITE: ("utter_clinic_website", "utter_clinic_website_unknown"),
}
# Which of them a question names; a question naming none ("how do I reach you?") asks
# for all of them.
_CONTACT_WORDS = {
    PHONE: re.compile(
        r"\b(phone|tel|telephone|call|ring|number|mobile|hotline|whats ?app)\b", re.IGNORECASE
    ),
    EMAIL: re.compile(r"\b(e-?mail|mail|email address)\b", re.IGNORECASE),
    WEBSITE: re.compile(r"\b(web ?site|web ?page|site|homepage|url|internet|online)\b", re.I),
}


@dataclass(frozen=True)
class AdvisorHours:
    """When the advisors answer in the chat (``BUSINESS_HOURS`` / ``BUSINESS_TIMEZONE``)."""

    hours: str
    zone: str


def answer_clinic_question(
    intent: str,
    text: str,
    facts: ClinicFacts,
    advisor_hours: AdvisorHours,
    clinic_contact: str,
) -> list[Utterance]:
    """The responses that answer ``text`` (classified as ``intent``); any other intent
    gets the ways of reaching the clinic."""
    if intent == NAME:
        return [_known_or_not("utter_clinic_name", "utter_clinic_name_unknown", name=facts.name)]
    if intent == LOCATION:
        return [
            _known_or_not(
                "utter_clinic_address", "utter_clinic_address_unknown", address=facts.address
            )
        ]
    if intent == HOURS:
        if facts.opening_hours:
            return [Utterance("utter_clinic_hours", {"opening_hours": facts.opening_hours})]
        return [
            Utterance(
                "utter_clinic_hours_unknown",
                {"hours": advisor_hours.hours, "zone": advisor_hours.zone},
            )
        ]
    if intent == LANGUAGES:
        return [
            _known_or_not(
                "utter_clinic_languages",
                "utter_clinic_languages_unknown",
                languages=", ".join(facts.languages),
            )
        ]
    if intent == PAYMENT:
        return [
            _known_or_not(
                "utter_clinic_payment",
                "utter_clinic_payment_unknown",
                payment_options=", ".join(facts.payment_options),
            )
        ]
    if intent == TRAVEL:
        return [_travel(facts)]
    return _contact(text, facts, clinic_contact)


def _known_or_not(known: str, unknown: str, **value: str | None) -> Utterance:
    """``known`` with the fact filled in, or ``unknown`` when it is not configured."""
    ((key, fact),) = value.items()
    return Utterance(known, {key: fact}) if fact else Utterance(unknown)


def _travel(facts: ClinicFacts) -> Utterance:
    if facts.travel_help is None:
        return Utterance("utter_clinic_travel_unknown")
    if not facts.travel_help:
        return Utterance("utter_clinic_no_travel_help")
    if facts.travel_help_details:
        return Utterance("utter_clinic_travel_help_details", {"details": facts.travel_help_details})
    return Utterance("utter_clinic_travel_help")


def asked_contact_ways(text: str) -> tuple[str, ...]:
    """The ways of contact ``text`` names (phone, email, website); all when it names none."""
    named = tuple(way for way, words in _CONTACT_WORDS.items() if words.search(text or ""))
    return named or tuple(_CONTACT_WORDS)


def _contact(text: str, facts: ClinicFacts, clinic_contact: str) -> list[Utterance]:
    configured = {PHONE: facts.phone, EMAIL: facts.email, WEBSITE: facts.website}
    asked = asked_contact_ways(text)
    known = [way for way in asked if configured[way]]
    missing = [way for way in asked if not configured[way]]
    if not any(configured.values()):
        return [Utterance("utter_clinic_contact_unknown", {"clinic_contact": clinic_contact})]
    said = [Utterance(_CONTACT_RESPONSES[way][0], {way: configured[way]}) for way in known]
    if len(asked) == len(_CONTACT_WORDS):
        # A general question: the ways that are configured are the answer.
        return said
    # A question about one way: an honest "not here" for it, and the ways there are.
    unknown = [Utterance(_CONTACT_RESPONSES[way][1]) for way in missing]
    others = [
        Utterance(_CONTACT_RESPONSES[way][0], {way: configured[way]})
        for way in _CONTACT_WORDS
        if way not in asked and configured[way]
    ]
    return [*said, *unknown, *(others if not said else [])]

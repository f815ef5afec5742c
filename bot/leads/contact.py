"""Validation of the contact details a patient types into the lead form.

Pure functions: each returns the normalised value, or ``None`` when the input cannot
be used; ``read_contact_details`` also says what was wrong with an unusable answer, so
the form can say it instead of asking the same question again (issue 14).

Phone numbers are read with ``phonenumbers`` (Google's libphonenumber metadata): the
number of digits a country's numbers have is the library's, not a guess of ours.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

# Pragmatic, not RFC 5322: one @, a dot in the domain, no spaces; what mail relays take.
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
_EMAIL_IN_TEXT = re.compile(r"[^\s<>()\[\],;:\"']+@[^\s<>()\[\],;:\"']+")
# Something typed where an address was meant: a word with an @ that is no address.
_AT_WORD = re.compile(r"[^\s<>()\[\],;:\"']*@[^\s<>()\[\],;:\"']*")
# An address without its @: "anna.meier.gmail.com", "anna at example dot com".
_MAIL_DOMAIN = re.compile(
    r"\b(?:g ?mail|gmx|hotmail|outlook|yahoo|bluewin|icloud|proton(?:mail)?|web\.de|"
    r"sunrise|hispeed)\b|\b\w+ (?:at|\(at\)) \w+(?: dot |\.)\w+\b|\b[\w.-]+\.(?:com|ch|de|fr|it|"
    r"at|net|org|co\.uk|uk|li|es)\b",
    re.I,
)
_PHONE_SEPARATORS = re.compile(r"[\s().\-/]")
# E.164: a country code and at most 15 digits in all.
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_PHONE_IN_TEXT = re.compile(r"(?:\+|00)[\d\s().\-/]{7,24}\d")
# A country code with too few digits after it: "+123", "+41 79".
_SHORT_INTERNATIONAL = re.compile(r"(?:\+|(?<!\d)00)\d[\d\s().\-/]{0,6}(?!\d)")
# Digits typed as a number (with the separators people use), not part of a word.
_DIGITS_IN_TEXT = re.compile(r"(?<![\w+])\d[\d\s().\-/]{1,24}\d|(?<![\w+])\d(?![\w])")

MAX_NAME_CHARS = 100
# The clinic is in Switzerland: a number in national format (0...) is most likely Swiss,
# and the patient is asked whether it is.
HOME_REGION = "CH"
# Digits of a number in Swiss national format: 0 and nine more (079 123 45 67).
HOME_NATIONAL_DIGITS = 10


class ContactProblem(str, enum.Enum):
    """Why an answer to "how can the advisor reach you?" cannot be used."""

    NOTHING = "nothing"  # neither an email address nor a phone number
    EMAIL_INCOMPLETE = "email_incomplete"  # "anna@" or "anna@gmail": the part after @
    EMAIL_NO_AT = "email_no_at"  # "anna.meier.gmail.com", "anna at example dot com"
    PHONE_TOO_SHORT = "phone_too_short"
    PHONE_TOO_LONG = "phone_too_long"
    PHONE_NO_COUNTRY = "phone_no_country"  # national format, not a Swiss number
    PHONE_INVALID = "phone_invalid"  # a country code, but no number of that country


@dataclass(frozen=True)
class ContactReading:
    """What an answer gives: an email address, a phone number (E.164), a number in
    national format that would be Swiss (``home_candidate``, E.164, to confirm), and
    what was wrong when nothing is usable."""

    email: str | None = None
    phone: str | None = None
    home_candidate: str | None = None
    problem: ContactProblem | None = None

    @property
    def usable(self) -> bool:
        """Something the advisor can use, or a number to confirm."""
        return bool(self.email or self.phone or self.home_candidate)


def normalise_email(text: str) -> str | None:
    """The email address in ``text`` (lower-cased domain), or None."""
    found = _EMAIL_IN_TEXT.search(text or "")
    if not found:
        return None
    address = found.group(0).rstrip(".")
    if len(address) > 254 or not _EMAIL.match(address):
        return None
    local, domain = address.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def _parsed(number: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(number, region)
    except NumberParseException:
        return None


def _e164(parsed: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


def _international_problem(digits: str) -> ContactProblem | None:
    """None when ``digits`` (+ and digits) is a possible number, else what is wrong."""
    if digits.startswith("+0"):
        return ContactProblem.PHONE_INVALID  # no country code starts with 0
    if not _E164.match(digits):
        return ContactProblem.PHONE_TOO_LONG if len(digits) > 16 else ContactProblem.PHONE_TOO_SHORT
    parsed = _parsed(digits, None)
    if parsed is None:
        return ContactProblem.PHONE_INVALID
    reason = phonenumbers.is_possible_number_with_reason(parsed)
    if reason == ValidationResult.IS_POSSIBLE:
        return None
    if reason == ValidationResult.TOO_LONG:
        return ContactProblem.PHONE_TOO_LONG
    if reason in (ValidationResult.TOO_SHORT, ValidationResult.IS_POSSIBLE_LOCAL_ONLY):
        return ContactProblem.PHONE_TOO_SHORT
    return ContactProblem.PHONE_INVALID


def _international(text: str) -> tuple[str | None, ContactProblem | None]:
    """The first international number in ``text`` (E.164), or what was wrong with it."""
    found = _PHONE_IN_TEXT.search(text or "")
    if not found:
        short = _SHORT_INTERNATIONAL.search(text or "")
        return None, (ContactProblem.PHONE_TOO_SHORT if short else None)
    digits = _PHONE_SEPARATORS.sub("", found.group(0))
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    problem = _international_problem(digits)
    return (None, problem) if problem else (digits, None)


def normalise_phone(text: str) -> str | None:
    """The phone number in ``text`` in international format (+41791234567), or None.

    A number without a country code is not taken here: ``home_number`` reads it, and
    the patient confirms the country (the advisor may call from abroad).
    """
    return _international(text)[0]


def home_number(text: str) -> tuple[str | None, ContactProblem | None]:
    """A number typed in national format read as Swiss (E.164), or what was wrong.

    "079 123 45 67", "0791234567", "044 668 18 00" and the mobile without its 0
    ("79 123 45 67") are Swiss numbers; "079 123 45" is too short; eleven digits
    starting with 0 are no Swiss number (another country's, without its code).
    """
    for found in _DIGITS_IN_TEXT.finditer(text or ""):
        digits = _PHONE_SEPARATORS.sub("", found.group(0))
        if len(digits) < 3:
            continue  # "3 kids", "at 9": not a number someone dials
        national = digits if digits.startswith("0") else "0" + digits
        if digits.startswith("00"):
            continue  # an international prefix: _international reads it
        if len(national) < HOME_NATIONAL_DIGITS:
            return None, ContactProblem.PHONE_TOO_SHORT
        if len(national) > HOME_NATIONAL_DIGITS:
            return None, ContactProblem.PHONE_NO_COUNTRY
        parsed = _parsed(national, HOME_REGION)
        if parsed is not None and phonenumbers.is_valid_number(parsed):
            return _e164(parsed), None
        return None, ContactProblem.PHONE_NO_COUNTRY
    return None, None


_DIGIT = re.compile(r"\d")
# Digits enough to be meant as (part of) a phone number.
MIN_DIGITS_OF_AN_ATTEMPT = 3


def attempts_contact(text: str) -> bool:
    """True when ``text`` tries to give an email address or a phone number ("anna@",
    "079 123"), however wrong: the form says what is wrong instead of reading it as a
    question for the rules."""
    text = text or ""
    return "@" in text or len(_DIGIT.findall(text)) >= MIN_DIGITS_OF_AN_ATTEMPT


def readable_number(e164: str) -> str:
    """``e164`` as people write it: +41 79 123 45 67."""
    parsed = _parsed(e164, None)
    return phonenumbers.format_number(parsed, PhoneNumberFormat.INTERNATIONAL) if parsed else e164


def _email_problem(text: str) -> ContactProblem | None:
    if _AT_WORD.search(text):
        return ContactProblem.EMAIL_INCOMPLETE
    if _MAIL_DOMAIN.search(text):
        return ContactProblem.EMAIL_NO_AT
    return None


def read_contact_details(text: str) -> ContactReading:
    """Everything ``text`` gives for the contact question, or what was wrong with it.

    A usable email address is kept even when a number beside it is not (the advisor
    can write); a number is then simply not taken.
    """
    text = text or ""
    email = normalise_email(text)
    phone, phone_problem = _international(text)
    # Digits of the international number are not read again as a national one.
    rest = _PHONE_IN_TEXT.sub(" ", text)
    rest = _EMAIL_IN_TEXT.sub(" ", rest)
    home, home_problem = (None, None) if phone else home_number(rest)
    if email or phone or home:
        return ContactReading(email=email, phone=phone, home_candidate=home)
    problem = phone_problem or home_problem or _email_problem(text) or ContactProblem.NOTHING
    return ContactReading(problem=problem)


def normalise_name(text: str) -> str | None:
    """A plausible name: letters, at most ``MAX_NAME_CHARS``, no digits or @."""
    name = " ".join((text or "").split())
    if not name or len(name) > MAX_NAME_CHARS:
        return None
    if any(ch.isdigit() for ch in name) or "@" in name:
        return None
    if not any(ch.isalpha() for ch in name):
        return None
    return name

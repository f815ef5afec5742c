"""Validation of the contact details a patient types into the lead form.

Pure functions: each returns the normalised value, or ``None`` when the input cannot
be used (the form then explains what it needs).
"""

from __future__ import annotations

import re

# Pragmatic, not RFC 5322: one @, a dot in the domain, no spaces; what mail relays take.
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
_EMAIL_IN_TEXT = re.compile(r"[^\s<>()\[\],;:\"']+@[^\s<>()\[\],;:\"']+")
_PHONE_SEPARATORS = re.compile(r"[\s().\-/]")
# E.164: a country code and at most 15 digits in all.
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_PHONE_IN_TEXT = re.compile(r"(?:\+|00)[\d\s().\-/]{7,24}\d")

MAX_NAME_CHARS = 100


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


def normalise_phone(text: str) -> str | None:
    """The phone number in ``text`` in international format (+41791234567), or None.

    A number without a country code is refused: the advisor may call from abroad.
    """
    found = _PHONE_IN_TEXT.search(text or "")
    if not found:
        return None
    digits = _PHONE_SEPARATORS.sub("", found.group(0))
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    return digits if _E164.match(digits) else None


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

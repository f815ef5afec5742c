"""Contact details from free text: usable or refused, never half-read."""

from __future__ import annotations

import pytest

from bot.leads.contact import normalise_email, normalise_name, normalise_phone


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("anna.meier@Example.COM", "anna.meier@example.com"),
        ("you can write to lea+ra@clinic-mail.ch, thanks", "lea+ra@clinic-mail.ch"),
        ("x@y.ch.", "x@y.ch"),
    ],
)
def test_an_email_address_is_found_and_normalised(text: str, expected: str) -> None:
    assert normalise_email(text) == expected


@pytest.mark.parametrize(
    "text", ["", "anna", "a@b", "anna@", "@example.com", "a@-x.com", "no email"]
)
def test_unusable_email_addresses_are_refused(text: str) -> None:
    assert normalise_email(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+41 79 123 45 67", "+41791234567"),
        ("0041 79 123 45 67", "+41791234567"),
        ("+1 (202) 555-0143", "+12025550143"),
        ("call me on +44 20 7946 0958 please", "+442079460958"),
        ("+49/30/1234567", "+49301234567"),
    ],
)
def test_an_international_number_is_normalised_to_e164(text: str, expected: str) -> None:
    assert normalise_phone(text) == expected


@pytest.mark.parametrize(
    "text", ["079 123 45 67", "+123", "+0 79 123 45 67", "+41 79 123 45 67 89 01 23", "call me"]
)
def test_numbers_without_a_country_code_or_of_the_wrong_length_are_refused(text: str) -> None:
    assert normalise_phone(text) is None


def test_names_are_trimmed_and_implausible_ones_refused() -> None:
    assert normalise_name("  Anna   Meier ") == "Anna Meier"
    assert normalise_name("José-María O'Neill") == "José-María O'Neill"
    for bad in ("", "   ", "12345", "anna@example.com", "x" * 101, "!!!"):
        assert normalise_name(bad) is None

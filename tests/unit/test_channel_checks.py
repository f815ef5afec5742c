"""Channel input checks: good values pass unchanged, bad ones raise a clear BadInput."""

from typing import Any

import pytest

from bot.channels.checks import (
    MAX_MESSAGE_CHARS,
    MAX_SENDER_CHARS,
    BadInput,
    checked_message,
    checked_metadata,
    checked_sender,
)


@pytest.mark.parametrize(
    "sender",
    ["anna", "3f2b1c9e-8d3e-4f21-a1b2-0c9d8e7f6a5b", "x", " padded ", "s" * MAX_SENDER_CHARS],
)
def test_valid_senders_pass_unchanged(sender: str) -> None:
    assert checked_sender(sender) == sender


@pytest.mark.parametrize(
    "sender",
    [
        None,
        42,
        3.5,
        True,
        ["anna"],
        {"id": "anna"},
        "",
        "   ",
        "\n\t",
        "s" * (MAX_SENDER_CHARS + 1),
    ],
)
def test_bad_senders_are_rejected(sender: Any) -> None:
    with pytest.raises(BadInput) as error:
        checked_sender(sender)
    assert error.value.too_large is False
    assert "'sender'" in str(error.value)


def test_sender_error_names_the_field() -> None:
    with pytest.raises(BadInput, match="'user'"):
        checked_sender(None, field="user")


def test_bad_input_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        checked_sender(None)


@pytest.mark.parametrize(
    "message",
    ["hello", "", "   ", "what does it cost?", "ü" * 100, "m" * MAX_MESSAGE_CHARS],
)
def test_valid_messages_pass_unchanged(message: str) -> None:
    assert checked_message(message) == message


def test_the_message_limit_is_twenty_thousand_characters() -> None:
    assert checked_message("m" * 20_000) == "m" * 20_000
    with pytest.raises(BadInput):
        checked_message("m" * 20_001)


@pytest.mark.parametrize("message", [None, 42, ["hi"], {"text": "hi"}, b"hello"])
def test_non_string_messages_are_rejected(message: Any) -> None:
    with pytest.raises(BadInput) as error:
        checked_message(message)
    assert error.value.too_large is False


def test_oversized_message_is_rejected_as_too_large() -> None:
    with pytest.raises(BadInput) as error:
        checked_message("m" * (MAX_MESSAGE_CHARS + 1))
    assert error.value.too_large is True


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        (None, None),
        ({}, {}),
        ({"lang": "en", "nested": {"a": [1, 2]}}, {"lang": "en", "nested": {"a": [1, 2]}}),
        ('{"lang": "en"}', {"lang": "en"}),
        ("{}", {}),
    ],
)
def test_valid_metadata_is_accepted(metadata: Any, expected: dict[str, Any] | None) -> None:
    assert checked_metadata(metadata) == expected


@pytest.mark.parametrize(
    "metadata",
    [
        ["lang", "en"],
        42,
        1.5,
        True,
        '["lang", "en"]',
        '"just a string"',
        "42",
        "{not json",
        "{'a': 1}",
    ],
)
def test_bad_metadata_is_rejected(metadata: Any) -> None:
    with pytest.raises(BadInput) as error:
        checked_metadata(metadata)
    assert error.value.too_large is False
    assert "'metadata' must be a JSON object" in str(error.value)


def test_metadata_error_names_the_field() -> None:
    with pytest.raises(BadInput, match="'customData'"):
        checked_metadata("[]", field="customData")


def test_an_oversized_message_with_an_emergency_goes_on_as_its_excerpt() -> None:
    filler = "m " * MAX_MESSAGE_CHARS
    excerpt = checked_message(filler + "I can't breathe")
    assert len(excerpt) <= MAX_MESSAGE_CHARS and "can't breathe" in excerpt

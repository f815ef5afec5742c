"""Log masking: contact details vanish from every log line; ordinary numbers stay readable."""

import io
import logging
from collections.abc import Iterator

import pytest

import bot.privacy.log_redaction
from bot.privacy.log_redaction import EMAIL_MASK, PHONE_MASK, RedactingFilter, install, redact

PHONE_NUMBERS = [
    "+41 79 123 45 67",
    "0041791234567",
    "079 123 45 67",
    "0791234567",
    "079/123 45 67",
    "079.123.45.67",
    "(555) 123-4567",
    "(555)123-4567",
    "555-123-4567",
    "+1-202-555-0143",
    "+44 (0)20 7946 0958",
]

EMAILS = [
    "anna@example.ch",
    "a@b.ch",
    "anna.muster@example.ch",
    "first.last+tag@mail.co.uk",
    "A.B@Sub.Example.com",
    "x_y-z@my-host.org",
]

UNTOUCHED = [
    "what does the therapy cost?",
    "I am 54 years old",
    "diagnosed in 1998",
    "the appointment is on 2026-11-26",
    "on 26.11.2026 at 12:30",
    "26/11/2026",
    "server listening on 127.0.0.1:5005",
    "rasa 3.6.21",
    "I take 15 mg methotrexate weekly",
    "room 12345",
    "1234 5678",
    "CRP 40, ESR 50",
    "http://localhost:5005/webhooks/rest/webhook",
    "sender 3f2b1c-8d3e",
    "at sign @ alone",
]


@pytest.mark.parametrize("number", PHONE_NUMBERS)
def test_phone_numbers_are_masked(number: str) -> None:
    assert redact(f"call me on {number} please") == f"call me on {PHONE_MASK} please"


@pytest.mark.parametrize("email", EMAILS)
def test_emails_are_masked(email: str) -> None:
    assert redact(f"write to {email}, thanks") == f"write to {EMAIL_MASK}, thanks"


@pytest.mark.parametrize("text", UNTOUCHED)
def test_ordinary_text_and_numbers_are_left_alone(text: str) -> None:
    assert redact(text) == text


def test_several_details_in_one_message_are_all_masked() -> None:
    text = "I'm Anna, 54, mail a@b.ch or anna@work.ch, call 079 123 45 67 or +41 79 765 43 21."
    assert redact(text) == ("I'm Anna, 54, mail [email] or [email], call [phone] or [phone].")


def test_sentence_punctuation_after_a_number_is_kept() -> None:
    assert redact("my number: +41 79 123 45 67.") == "my number: [phone]."


@pytest.fixture
def fresh_install(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Lets a test call ``install``; restores the record factory afterwards."""
    original = logging.getLogRecordFactory()
    monkeypatch.setattr(bot.privacy.log_redaction, "_installed", False)
    try:
        yield
    finally:
        logging.setLogRecordFactory(original)


def _captured_logger(name: str) -> tuple[logging.Logger, io.StringIO]:
    """A fresh DEBUG logger with its own handler, attached after ``install``."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger(name)
    logger.handlers = [handler]
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    return logger, stream


@pytest.mark.usefixtures("fresh_install")
def test_install_masks_messages_for_handlers_added_later() -> None:
    install()
    logger, stream = _captured_logger("tests.redaction.later")
    logger.debug("user said %s", "mail me at a@b.ch or +41 79 123 45 67")
    output = stream.getvalue()
    assert "a@b.ch" not in output
    assert "123 45 67" not in output
    assert output == "DEBUG user said mail me at [email] or [phone]\n"


@pytest.mark.usefixtures("fresh_install")
def test_install_masks_exception_messages_in_tracebacks() -> None:
    install()
    logger, stream = _captured_logger("tests.redaction.exception")
    try:
        raise ValueError("could not parse anna.muster@example.ch")
    except ValueError:
        logger.exception("failed for %s", "079 123 45 67")
    output = stream.getvalue()
    assert "Traceback" in output
    assert "anna.muster@example.ch" not in output
    assert "079 123 45 67" not in output
    assert "ValueError: could not parse [email]" in output
    assert output.startswith("ERROR failed for [phone]\n")


@pytest.mark.usefixtures("fresh_install")
def test_install_leaves_plain_messages_and_their_args_readable() -> None:
    install()
    logger, stream = _captured_logger("tests.redaction.plain")
    logger.info("listening on %s:%d (rasa %s)", "127.0.0.1", 5005, "3.6.21")
    assert stream.getvalue() == "INFO listening on 127.0.0.1:5005 (rasa 3.6.21)\n"


@pytest.mark.usefixtures("fresh_install")
def test_a_malformed_log_call_does_not_break_record_creation() -> None:
    install()
    record = logging.getLogRecordFactory()(
        "tests.redaction.bad", logging.INFO, __file__, 1, "%s and %s", ("only one",), None
    )
    assert record.msg == "%s and %s"
    assert record.args == ("only one",)


@pytest.mark.usefixtures("fresh_install")
def test_installing_twice_wraps_the_factory_once() -> None:
    original = logging.getLogRecordFactory()
    first = install()
    installed = logging.getLogRecordFactory()
    assert installed is not original
    second = install()
    assert logging.getLogRecordFactory() is installed
    assert isinstance(first, RedactingFilter)
    assert isinstance(second, RedactingFilter)

    logger, stream = _captured_logger("tests.redaction.twice")
    logger.debug("reach me at %s", "a@b.ch, 079 123 45 67")
    assert stream.getvalue() == "DEBUG reach me at [email], [phone]\n"


@pytest.mark.usefixtures("fresh_install")
def test_install_keeps_the_factory_it_replaces() -> None:
    previous = logging.getLogRecordFactory()

    def tagging_factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.tag = "kept"
        return record

    logging.setLogRecordFactory(tagging_factory)
    install()
    logger, stream = _captured_logger("tests.redaction.chain")
    logger.handlers[0].setFormatter(logging.Formatter("%(tag)s %(message)s"))
    logger.info("mail %s", "a@b.ch")
    assert stream.getvalue() == "kept mail [email]\n"


def test_redacting_filter_masks_without_install() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(RedactingFilter())
    record = logging.LogRecord(
        "tests.redaction.filter", logging.INFO, __file__, 1, "call %s", ("079 123 45 67",), None
    )
    handler.handle(record)
    assert stream.getvalue() == "call [phone]\n"

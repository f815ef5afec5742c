"""Masks email addresses and phone numbers in every log line of our processes.

Patients type contact details into the chat, and Rasa logs message texts at DEBUG
(and in some error reports at any level). Handler filters are not enough: Rasa and
its libraries add their own handlers after start-up. So ``install`` replaces the log
record factory, and every record is masked when it is created, whoever handles it.
``logging.yml`` calls ``install`` in both servers (``--logging-config-file``).
"""

from __future__ import annotations

import logging
import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# An international number (+41 ..., 0041 ...) or any run of 9+ digits with the usual
# separators. Longer digit runs (timestamps, ids) are masked too: better too much.
PHONE = re.compile(
    r"(?<![\w.])(?:(?:\+|00)\d[\d ()./-]{5,}\d|\(?\d(?:[ ()./-]{0,2}\d){8,})(?![\w])"
)
EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"


def redact(text: str) -> str:
    """``text`` with email addresses and phone numbers masked."""
    return PHONE.sub(PHONE_MASK, EMAIL.sub(EMAIL_MASK, text))


def _redact_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a malformed log call must still be logged
        return
    masked = redact(message)
    if masked != message or record.args:
        record.msg, record.args = masked, None
    if record.exc_info and not record.exc_text:
        # Exception messages can quote user input too.
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))


class RedactingFilter(logging.Filter):
    """A filter for handlers that should mask on their own as well."""

    def filter(self, record: logging.LogRecord) -> bool:
        _redact_record(record)
        return True


_installed = False


def install() -> RedactingFilter:
    """Mask every log record from now on; returns a filter (dictConfig's ``()`` hook)."""
    global _installed
    if not _installed:
        previous = logging.getLogRecordFactory()

        def factory(*args: object, **kwargs: object) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _redact_record(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True
    return RedactingFilter()

"""CSV of leads that spreadsheets open safely (no formula injection).

A patient types their name and country; a name like ``=HYPERLINK("http://evil","x")``
would run as a formula when an advisor opens the export in Excel or LibreOffice
(OWASP "CSV Injection"). Every cell that a spreadsheet would read as a formula, i.e.
starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, gets a leading
apostrophe, which spreadsheets show as text. E.164 phone numbers start with ``+`` and
are therefore quoted too, which also keeps their leading zeros and plus sign intact.
Every cell is in double quotes as well (``QUOTE_ALL``), so separators and line breaks
inside a value stay in their cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from bot.console.leads import STATUS_LABELS, ExportRow

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel reads a UTF-8 file as the local code page unless it starts with a BOM:
# "Zürich" would come out garbled.
BOM = "\ufeff"

COLUMNS = (
    "lead_id",
    "created_at",
    "name",
    "email",
    "phone",
    "preferred_channel",
    "contact_window",
    "country",
    "warmth",
    "warmth_reasons",
    "precheck_outcome",
    "status",
    "conversation_id",
    "consent_text_version",
    "consent_given_at",
)


def safe_cell(value: Any) -> str:
    """The value as spreadsheet-safe text: formulas are neutralised with a ``'``."""
    if value is None:
        return ""
    text = value.isoformat(timespec="seconds") if isinstance(value, datetime) else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _row(item: ExportRow) -> list[Any]:
    lead = item.lead
    return [
        lead.id,
        lead.created_at,
        lead.name,
        lead.email,
        lead.phone,
        lead.preferred_channel,
        lead.contact_window,
        lead.country,
        lead.warmth,
        "; ".join(str(reason) for reason in lead.warmth_reasons or []),
        lead.precheck_outcome,
        STATUS_LABELS.get(lead.status, lead.status),
        lead.conversation_id,
        item.consent_version,
        item.consent_given_at,
    ]


def write_rows(rows: Iterable[Sequence[Any]], header: Sequence[str]) -> str:
    """A CSV document (with BOM) of ``rows`` under ``header``, every cell made safe."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return buffer.getvalue()


def leads_csv(items: Iterable[ExportRow]) -> str:
    """The leads export: one line per lead with its active consent."""
    return write_rows((_row(item) for item in items), COLUMNS)

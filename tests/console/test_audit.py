"""The audit log page: admins only, newest first, filters, pages, escaped."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from flask.testing import FlaskClient

from bot.console.views.audit import PAGE_SIZE
from bot.store.db import session_scope
from bot.store.models import AuditEntry

# Noon in Zurich on 1 March 2025 (UTC+1).
NOON = datetime(2025, 3, 1, 11, 0, tzinfo=timezone.utc)


def _add(database_url: str, *entries: tuple[datetime, str, str, dict | None]) -> None:
    with session_scope(database_url) as session:
        for at, email, action, detail in entries:
            session.add(
                AuditEntry(
                    at=at,
                    staff_email=email,
                    action=action,
                    target_type="lead",
                    target_id="7",
                    detail=detail,
                )
            )


def _actions(html: str) -> list[str]:
    return re.findall(r"<td><code>([^<]+)</code></td>", html)


def test_newest_first_with_the_clinics_time(admin: FlaskClient, database_url: str) -> None:
    _add(
        database_url,
        (NOON - timedelta(days=1), "anna@clinic.test", "lead.status", None),
        (NOON, "anna@clinic.test", "lead.export", {"rows": 3}),
    )
    html = admin.get("/audit?email=anna").get_data(as_text=True)
    assert _actions(html) == ["lead.export", "lead.status"]
    assert "2025-03-01 12:00:00" in html  # Europe/Zurich
    assert "Europe/Zurich" in html


def test_filters(admin: FlaskClient, database_url: str) -> None:
    _add(
        database_url,
        (NOON - timedelta(days=2), "anna@clinic.test", "conversation.erase", None),
        (NOON, "ben@clinic.test", "login.failed", None),
        (NOON + timedelta(hours=1), "ben@clinic.test", "lead.export", None),
    )
    assert _actions(admin.get("/audit?email=BEN").get_data(as_text=True)) == [
        "lead.export",
        "login.failed",
    ]
    # "login" finds login.failed (and the admin's own sign-in), not lead.export.
    found = _actions(admin.get("/audit?action=login").get_data(as_text=True))
    assert "login.failed" in found and "lead.export" not in found
    # A date range in the clinic's days, the "to" day included.
    ranged = admin.get("/audit?from=2025-02-27&to=2025-02-27").get_data(as_text=True)
    assert _actions(ranged) == ["conversation.erase"]
    ranged = admin.get("/audit?from=2025-02-28&to=2025-03-01").get_data(as_text=True)
    assert _actions(ranged) == ["lead.export", "login.failed"]
    # Wildcards typed in a filter are plain characters.
    assert _actions(admin.get("/audit?email=%25").get_data(as_text=True)) == []
    bad = admin.get("/audit?from=yesterday").get_data(as_text=True)
    assert "could not be read" in bad


def test_pages(admin: FlaskClient, database_url: str) -> None:
    _add(
        database_url,
        *[
            (NOON + timedelta(minutes=i), "anna@clinic.test", f"bulk.{i:03d}", None)
            for i in range(PAGE_SIZE + 5)
        ],
    )
    first = admin.get("/audit?email=anna").get_data(as_text=True)
    assert len(_actions(first)) == PAGE_SIZE and _actions(first)[0] == f"bulk.{PAGE_SIZE + 4:03d}"
    assert 'href="/audit?page=2&amp;email=anna"' in first
    second = admin.get("/audit?email=anna&page=2").get_data(as_text=True)
    assert _actions(second) == [f"bulk.{i:03d}" for i in range(4, -1, -1)]
    assert "page 2 of 2" in second
    # A page beyond the last shows the last; nonsense shows the first.
    assert _actions(admin.get("/audit?email=anna&page=99").get_data(as_text=True)) == _actions(
        second
    )
    assert _actions(admin.get("/audit?email=anna&page=x").get_data(as_text=True)) == _actions(first)


def test_text_is_escaped(admin: FlaskClient, database_url: str) -> None:
    _add(database_url, (NOON, "<script>alert(1)</script>", "lead.note", {"note": "<b>x</b>"}))
    html = admin.get("/audit").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "<b>x</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_reading_the_log_adds_no_entry(admin: FlaskClient, database_url: str) -> None:
    admin.get("/audit")
    before = admin.get("/audit").get_data(as_text=True).count("<tr>")
    assert admin.get("/audit").get_data(as_text=True).count("<tr>") == before


def test_advisors_cannot_read_it(advisor: FlaskClient) -> None:
    assert advisor.get("/audit").status_code == 403

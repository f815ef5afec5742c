"""Notifications (admins): failed and dead outbox rows with their error, and a retry
that the worker then picks up."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bot.store.db import session_scope
from bot.store.models import AuditEntry, OutboxMessage
from tests.console.conftest import csrf
from tests.console.test_leads import XSS, seed_lead


def outbox_row(database_url: str, conversation_id: str = "c-1", **values) -> int:
    defaults = {
        "kind": "webhook",
        "payload": {"event": "lead.created", "lead": {"name": "Anna"}},
        "status": "pending",
        "attempts": 0,
    }
    with session_scope(database_url) as session:
        row = OutboxMessage(conversation_id=conversation_id, **{**defaults, **values})
        session.add(row)
        session.flush()
        return row.id


def row_of(database_url: str, message_id: int) -> OutboxMessage:
    with session_scope(database_url) as session:
        return session.get(OutboxMessage, message_id)


def test_advisors_see_no_notifications_page_and_cannot_retry(advisor, database_url) -> None:
    dead = outbox_row(database_url, status="dead", attempts=8, last_error="HTTP 500")
    assert advisor.get("/notifications/").status_code == 403
    response = advisor.post(f"/notifications/{dead}/retry", data={"csrf_token": csrf(advisor)})
    assert response.status_code == 403
    assert row_of(database_url, dead).status == "dead"
    assert 'href="/notifications/"' not in advisor.get("/").get_data(as_text=True)


def test_no_notifications_page_without_login(client, database_url) -> None:
    assert client.get("/notifications/").status_code == 302
    assert client.get("/notifications/", headers={"X-Requested-With": "fetch"}).status_code == 401


def test_failed_and_dead_rows_are_listed_with_their_error(admin, database_url) -> None:
    lead_id = seed_lead(database_url, "c-1")
    later = datetime.now(timezone.utc) + timedelta(minutes=5)
    failed = outbox_row(
        database_url,
        kind="email",
        attempts=2,
        last_error="SMTP relay refused: 451 try later",
        next_attempt_at=later,
    )
    dead = outbox_row(database_url, status="dead", attempts=8, last_error=XSS)
    delivered = outbox_row(database_url, "c-2", status="delivered", attempts=1, last_error="old")
    fresh = outbox_row(database_url, "c-3")  # not tried yet: not a problem
    html = admin.get("/notifications/").get_data(as_text=True)
    assert f"#{failed} email (lead.created)" in html and "SMTP relay refused" in html
    assert "Failed, will retry" in html and "Given up" in html
    assert f"#{dead} webhook" in html and "&lt;script&gt;" in html and XSS not in html
    assert f"#{delivered} " not in html and f"#{fresh} " not in html
    assert f'href="/leads/{lead_id}"' in html
    assert "Delivered: 1" in html and "Given up: 1" in html and "Pending: 2" in html
    # The payload (the lead's contact details) is not shown.
    assert "Anna" not in html


def test_an_admin_retries_a_dead_notification(admin, database_url) -> None:
    dead = outbox_row(
        database_url,
        status="dead",
        attempts=8,
        last_error="HTTP 503",
        next_attempt_at=datetime.now(timezone.utc) - timedelta(days=1),
    )
    before = datetime.now(timezone.utc)
    response = admin.post(f"/notifications/{dead}/retry", data={"csrf_token": csrf(admin)})
    assert response.status_code == 302
    row = row_of(database_url, dead)
    assert (row.status, row.attempts, row.lease_until) == ("pending", 0, None)
    due = row.next_attempt_at.replace(tzinfo=timezone.utc)
    assert before - timedelta(seconds=1) <= due <= datetime.now(timezone.utc)
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "queued again" in page and "Retry queued" in page
    with session_scope(database_url) as session:
        [entry] = session.execute(
            select(AuditEntry).where(AuditEntry.action == "outbox.retry")
        ).scalars()
        assert (entry.staff_email, entry.target_type, entry.target_id) == (
            "admin@clinic.test",
            "outbox",
            str(dead),
        )
        assert entry.detail == {
            "kind": "webhook",
            "previous_status": "dead",
            "previous_attempts": 8,
            "previous_error": "HTTP 503",
        }


def test_the_worker_takes_a_retried_row(admin, database_url) -> None:
    """A retried row is due at once for the worker's claim query."""
    from bot.notify import worker  # the test may import the worker; the console does not

    dead = outbox_row(database_url, status="dead", attempts=8, last_error="HTTP 503")
    admin.post(f"/notifications/{dead}/retry", data={"csrf_token": csrf(admin)})
    claim = worker._claim_next(
        database_url, datetime.now(timezone.utc), timedelta(seconds=60), set()
    )
    assert claim is not None and claim.id == dead and claim.attempts == 0


def test_delivered_or_leased_rows_are_not_retried(admin, database_url) -> None:
    delivered = outbox_row(database_url, status="delivered", attempts=1)
    sending = outbox_row(
        database_url,
        status="sending",
        lease_until=datetime.now(timezone.utc) + timedelta(seconds=60),
    )
    for message_id, status in ((delivered, "delivered"), (sending, "sending")):
        response = admin.post(
            f"/notifications/{message_id}/retry", data={"csrf_token": csrf(admin)}
        )
        assert "only failed or dead ones" in admin.get(response.headers["Location"]).get_data(
            as_text=True
        )
        assert row_of(database_url, message_id).status == status
    assert admin.post("/notifications/999/retry", data={"csrf_token": csrf(admin)}).status_code == (
        404
    )


def test_a_retry_needs_the_csrf_token(admin, database_url) -> None:
    dead = outbox_row(database_url, status="dead", attempts=8, last_error="HTTP 503")
    assert admin.post(f"/notifications/{dead}/retry").status_code == 400
    assert admin.post(f"/notifications/{dead}/retry", data={"csrf_token": "x"}).status_code == 400
    assert row_of(database_url, dead).status == "dead"

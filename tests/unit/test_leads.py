"""Storing a consented lead with its consent record and its queued notifications."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.leads.scoring import LeadSignals, score_lead
from bot.leads.store import (
    LEAD_CONSENT_PURPOSE,
    LEAD_CONSENT_VERSION,
    LeadDetails,
    save_lead,
)
from bot.settings import Settings, load_settings
from bot.store.db import session_scope
from bot.store.models import Consent, Lead, OutboxMessage

SECRET = "a-long-shared-secret-0123456789"
HOT = score_lead(LeadSignals(precheck_outcome="clear", asked_for_human=True))
COLD = score_lead(LeadSignals(precheck_outcome="contraindicated"))

ANNA = LeadDetails(
    name="Anna Meier",
    email="anna@example.com",
    phone="+41791234567",
    preferred_channel="phone",
    contact_window="morning",
    country="Switzerland",
)


def make_settings(tmp_path, **extra: str) -> Settings:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'leads.db'}",
        "NOTIFY_WEBHOOK_URL": "http://127.0.0.1:9/hook",
        "NOTIFY_WEBHOOK_SECRET": SECRET,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_TO": "advisors@clinic.example",
        "CONSOLE_URL": "https://console.clinic.example/",
        **extra,
    }
    return load_settings({k: v for k, v in env.items() if v})


@pytest.fixture
def settings(tmp_path) -> Settings:
    return make_settings(tmp_path)


def rows(url: str, model: type) -> list:
    with session_scope(url) as session:
        return list(session.execute(select(model).order_by(model.id)).scalars())


def test_save_lead_stores_the_lead(settings: Settings) -> None:
    saved = save_lead(settings, "conv-1", ANNA, HOT, "clear", "nothing reported")
    assert saved.created is True
    (lead,) = rows(settings.database_url, Lead)
    assert lead.id == saved.lead_id
    assert lead.conversation_id == "conv-1"
    assert (lead.name, lead.email, lead.phone) == ("Anna Meier", "anna@example.com", "+41791234567")
    assert (lead.preferred_channel, lead.contact_window, lead.country) == (
        "phone",
        "morning",
        "Switzerland",
    )
    assert lead.warmth == "hot"
    assert lead.warmth_reasons == list(HOT.reasons)
    assert lead.precheck_outcome == "clear"


def test_save_lead_records_the_consent_given(settings: Settings) -> None:
    save_lead(settings, "conv-1", ANNA, HOT, "clear", None)
    (consent,) = rows(settings.database_url, Consent)
    assert consent.conversation_id == "conv-1"
    assert consent.purpose == LEAD_CONSENT_PURPOSE == "contact_and_health_data"
    assert consent.text_version == LEAD_CONSENT_VERSION
    assert consent.given_at is not None
    assert consent.withdrawn_at is None


def test_save_lead_queues_one_notification_per_transport(settings: Settings) -> None:
    saved = save_lead(settings, "conv-1", ANNA, HOT, "clear", "nothing reported")
    outbox = rows(settings.database_url, OutboxMessage)
    assert sorted(row.kind for row in outbox) == ["email", "webhook"]
    for row in outbox:
        assert row.conversation_id == "conv-1"
        assert row.delivered_at is None
        payload = row.payload
        assert payload["event"] == "lead.created"
        assert payload["conversation_id"] == "conv-1"
        # CONSOLE_URL's trailing slash does not double.
        assert payload["conversation_url"] == "https://console.clinic.example/conversations/conv-1"
        assert payload["precheck_summary"] == "nothing reported"
        assert payload["lead"] == {
            "id": saved.lead_id,
            "name": "Anna Meier",
            "email": "anna@example.com",
            "phone": "+41791234567",
            "preferred_channel": "phone",
            "contact_window": "morning",
            "country": "Switzerland",
            "warmth": "hot",
            "warmth_reasons": list(HOT.reasons),
            "precheck_outcome": "clear",
            "untrusted": ["name", "country"],
        }


@pytest.mark.parametrize(
    ("extra", "kinds"),
    [
        ({"SMTP_HOST": ""}, ["webhook"]),
        ({"NOTIFY_WEBHOOK_URL": "", "NOTIFY_WEBHOOK_SECRET": ""}, ["email"]),
        ({"NOTIFY_WEBHOOK_URL": "", "NOTIFY_WEBHOOK_SECRET": "", "SMTP_HOST": ""}, []),
    ],
)
def test_only_configured_transports_are_queued(tmp_path, extra, kinds) -> None:
    settings = make_settings(tmp_path, **extra)
    saved = save_lead(settings, "conv-1", ANNA, HOT, None, None)
    assert [row.kind for row in rows(settings.database_url, OutboxMessage)] == kinds
    # Without any transport the lead is still stored (staff see it in the console).
    assert saved.created
    assert len(rows(settings.database_url, Lead)) == 1


def test_a_second_submission_updates_the_lead(settings: Settings) -> None:
    first = save_lead(settings, "conv-1", ANNA, HOT, "clear", "nothing reported")
    changed = LeadDetails(
        name="Anna Meier-Keller",
        email=None,
        phone="+41797654321",
        preferred_channel="whatsapp",
        contact_window="evening",
        country="Germany",
    )
    second = save_lead(settings, "conv-1", changed, COLD, "contraindicated", "a reason")
    assert second.created is False
    assert second.lead_id == first.lead_id

    (lead,) = rows(settings.database_url, Lead)
    assert (lead.name, lead.email, lead.phone) == ("Anna Meier-Keller", None, "+41797654321")
    assert (lead.preferred_channel, lead.contact_window, lead.country) == (
        "whatsapp",
        "evening",
        "Germany",
    )
    assert lead.warmth == "cold"
    assert lead.warmth_reasons == list(COLD.reasons)
    assert lead.precheck_outcome == "contraindicated"

    # No second consent record; the new request notifies the advisors again, with the
    # details as they are now.
    assert len(rows(settings.database_url, Consent)) == 1
    outbox = rows(settings.database_url, OutboxMessage)
    assert [row.payload["event"] for row in outbox] == ["lead.created"] * 2 + ["lead.returned"] * 2
    assert [row.payload["lead"]["name"] for row in outbox[2:]] == ["Anna Meier-Keller"] * 2


def test_different_conversations_get_different_leads(settings: Settings) -> None:
    first = save_lead(settings, "conv-1", ANNA, HOT, None, None)
    second = save_lead(settings, "conv-2", ANNA, HOT, None, None)
    assert first.created and second.created
    assert first.lead_id != second.lead_id
    assert [lead.conversation_id for lead in rows(settings.database_url, Lead)] == [
        "conv-1",
        "conv-2",
    ]
    assert len(rows(settings.database_url, Consent)) == 2
    by_conversation = sorted(
        (row.conversation_id, row.kind) for row in rows(settings.database_url, OutboxMessage)
    )
    assert by_conversation == [
        ("conv-1", "email"),
        ("conv-1", "webhook"),
        ("conv-2", "email"),
        ("conv-2", "webhook"),
    ]
    urls = {row.payload["conversation_url"] for row in rows(settings.database_url, OutboxMessage)}
    assert urls == {
        "https://console.clinic.example/conversations/conv-1",
        "https://console.clinic.example/conversations/conv-2",
    }


# --- one active consent per conversation and purpose, enforced by the database -------------


def add_active_consent(url: str, conversation_id: str) -> None:
    with session_scope(url) as session:
        session.add(
            Consent(
                conversation_id=conversation_id,
                purpose=LEAD_CONSENT_PURPOSE,
                text_version=LEAD_CONSENT_VERSION,
            )
        )


def test_the_database_refuses_a_second_active_consent(settings: Settings) -> None:
    from datetime import datetime, timezone

    from sqlalchemy.exc import IntegrityError

    url = settings.database_url
    save_lead(settings, "conv-1", ANNA, HOT, None, None)
    with pytest.raises(IntegrityError):
        add_active_consent(url, "conv-1")
    # A withdrawn consent does not count: consent may be given again later.
    with session_scope(url) as session:
        (consent,) = session.execute(select(Consent)).scalars()
        consent.withdrawn_at = datetime.now(timezone.utc)
    add_active_consent(url, "conv-1")
    add_active_consent(url, "conv-2")
    assert len(rows(url, Consent)) == 3


def test_concurrent_consent_records_leave_one_active_consent(settings: Settings) -> None:
    import contextlib
    import threading

    from sqlalchemy import event

    from bot.leads.store import _record_consent
    from bot.store.db import engine_for

    url = settings.database_url
    engine = engine_for(url)
    both_read = threading.Barrier(2)

    def wait_before_inserting(_conn, _cursor, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO CONSENTS"):
            with contextlib.suppress(threading.BrokenBarrierError):
                both_read.wait(timeout=5)

    errors: list[BaseException] = []

    def record() -> None:
        try:
            with session_scope(url) as session:
                _record_consent(session, "conv-1")
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    event.listen(engine, "before_cursor_execute", wait_before_inserting)
    try:
        threads = [threading.Thread(target=record) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        event.remove(engine, "before_cursor_execute", wait_before_inserting)
    assert errors == []
    (consent,) = rows(url, Consent)
    assert (consent.conversation_id, consent.withdrawn_at) == ("conv-1", None)
    assert consent.text_version == LEAD_CONSENT_VERSION

"""The scale-out path: the same migrations, leads and erasure on PostgreSQL.

Runs where a PostgreSQL server answers (TEST_POSTGRES_URL, default the local trust-auth
server on 127.0.0.1:5432), each test in a database of its own; skipped elsewhere, e.g.
on a laptop with only the embedded SQLite.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from bot.leads.scoring import LeadSignals, score_lead
from bot.leads.store import (
    LEAD_CONSENT_PURPOSE,
    LEAD_CONSENT_VERSION,
    LeadDetails,
    save_lead,
)
from bot.privacy.erasure import erase_conversation
from bot.settings import load_settings
from bot.store.db import session_scope
from bot.store.migrate import upgrade
from bot.store.models import Consent, Handoff
from tests.unit.test_migrations import _diffs

SERVER = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _server_answers() -> bool:
    try:
        with sa.create_engine(SERVER).connect():
            return True
    except OperationalError:
        return False


pytestmark = pytest.mark.skipif(not _server_answers(), reason=f"no PostgreSQL at {SERVER}")


@pytest.fixture
def pg_url() -> Iterator[str]:
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = SERVER.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        sa.create_engine(url).dispose()
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))


def test_the_migrations_build_the_models_schema_on_postgresql(pg_url: str) -> None:
    upgrade(pg_url)
    assert _diffs(pg_url) == []


def test_a_lead_is_stored_once_and_erased_on_postgresql(pg_url: str) -> None:
    settings = load_settings(
        {
            "DATABASE_URL": pg_url,
            "NOTIFY_WEBHOOK_URL": "http://127.0.0.1:9/leads",
            "NOTIFY_WEBHOOK_SECRET": "s" * 32,
        }
    )
    details = LeadDetails("Anna Meier", "anna@example.com", None, "email", "any", "Switzerland")
    score = score_lead(LeadSignals(asked_for_human=True))
    first = save_lead(settings, "conv-pg", details, score, None, None)
    again = save_lead(settings, "conv-pg", details, score, None, None)
    assert first.created and not again.created and first.lead_id == again.lead_id
    with session_scope(pg_url) as session:
        report = erase_conversation(session, "conv-pg")
    # One lead; each submission queued its notification (a new request notifies again).
    assert report.removed["leads"] == 1 and report.removed["outbox"] == 2


def test_one_open_handoff_per_conversation_on_postgresql(pg_url: str) -> None:
    from bot.handoff.queue import current_handoff, open_handoff
    from tests.unit.test_handoff import open_concurrently

    # The engine (and its one-time migration) first: engine_for is not meant to race.
    assert current_handoff(pg_url, "conv-pg") is None
    ids = open_concurrently(pg_url, "conv-pg")
    handoff = current_handoff(pg_url, "conv-pg")
    assert handoff is not None and ids == [handoff.id, handoff.id]
    with pytest.raises(sa.exc.IntegrityError), session_scope(pg_url) as session:
        session.add(Handoff(conversation_id="conv-pg", status="waiting", reason="lead"))
    assert open_handoff(pg_url, "conv-pg", "rest", "lead") == handoff.id


def test_one_active_consent_per_conversation_and_purpose_on_postgresql(pg_url: str) -> None:
    settings = load_settings({"DATABASE_URL": pg_url})
    details = LeadDetails("Anna Meier", "anna@example.com", None, "email", "any", "Switzerland")
    score = score_lead(LeadSignals(asked_for_human=True))
    save_lead(settings, "conv-pg", details, score, None, None)
    save_lead(settings, "conv-pg", details, score, None, None)
    with pytest.raises(sa.exc.IntegrityError), session_scope(pg_url) as session:
        session.add(
            Consent(
                conversation_id="conv-pg",
                purpose=LEAD_CONSENT_PURPOSE,
                text_version=LEAD_CONSENT_VERSION,
            )
        )
    with session_scope(pg_url) as session:
        consents = list(session.execute(sa.select(Consent)).scalars())
    assert [c.withdrawn_at for c in consents] == [None]


def test_concurrent_workers_deliver_each_row_once_on_postgresql(pg_url: str) -> None:
    """Several workers may run on PostgreSQL: the claim skips rows another one locked."""
    import json
    import threading

    from bot.notify.worker import deliver_due
    from tests.unit.test_notify import Receiver, queue, rows, webhook_settings

    with Receiver() as receiver:
        settings = webhook_settings(receiver.url)
        conversations = [f"conv-{n:02d}" for n in range(12)]
        for conversation_id in conversations:
            queue(pg_url, settings, conversation_id)
        receiver.status = lambda _body: (threading.Event().wait(0.05), 200)[1]
        start = threading.Barrier(3)
        errors: list[BaseException] = []

        def one_pass() -> None:
            start.wait(timeout=10)
            try:
                deliver_due(pg_url, settings)
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=one_pass) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        sent = sorted(json.loads(body)["conversation_id"] for _, body in receiver.requests)
    assert errors == []
    assert sent == conversations
    assert {(row.status, row.attempts) for row in rows(pg_url)} == {("delivered", 1)}


async def test_a_long_conversation_reads_its_checkpoint_on_postgresql(pg_url: str) -> None:
    from components.erasing_tracker_store import ErasingSQLTrackerStore
    from components.tracker_window import CHECKPOINT_AFTER, window_of
    from tests.unit.test_tracker_window import DOMAIN, converse

    store = ErasingSQLTrackerStore(domain=DOMAIN, dialect="postgresql", host=pg_url)
    try:
        await converse(store, "long", range(150))
        windowed = await store.retrieve("long")
        full = await store.retrieve_full_tracker("long")
        assert window_of(windowed).prefix > 0
        assert len(windowed.events) <= CHECKPOINT_AFTER + 10
        assert windowed.current_slot_values() == full.current_slot_values()
        users = [e.text for e in full.events if getattr(e, "text", None) and e.type_name == "user"]
        assert users == [f"question {n}" for n in range(150)]
    finally:
        store.engine.dispose()

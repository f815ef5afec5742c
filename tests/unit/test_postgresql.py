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
from bot.leads.store import LeadDetails, save_lead
from bot.privacy.erasure import erase_conversation
from bot.settings import load_settings
from bot.store.db import session_scope
from bot.store.migrate import upgrade
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
    assert report.removed["leads"] == 1 and report.removed["outbox"] == 1

"""Processes that start together on one PostgreSQL database migrate it once: the
others wait on the advisory lock and find the schema current (``bot.store.migrate``)."""

from __future__ import annotations

import subprocess
import sys

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from bot.settings import PROJECT_ROOT
from bot.store.migrate import upgrade


def test_three_processes_migrating_a_fresh_database_at_once_all_succeed(
    pg_database: str,
) -> None:
    fresh_database = pg_database
    command = [sys.executable, "-m", "bot.store.migrate", "--url", fresh_database]
    processes = [
        subprocess.Popen(
            command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        for _ in range(3)
    ]
    outputs = [process.communicate(timeout=180)[0].decode() for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0], outputs
    engine = sa.create_engine(fresh_database, poolclass=NullPool)
    with engine.connect() as connection:
        versions = connection.execute(sa.text("SELECT version_num FROM alembic_version")).all()
    assert len(versions) == 1
    # And a later start has nothing left to do.
    upgrade(fresh_database)

"""Brings a database's project tables to the newest schema (Alembic migrations).

``make migrate`` runs it, ``make run`` and the test stacks run it before the servers
start, and ``engine_for`` runs it once per process as a safety net (a no-op when the
schema is current). On PostgreSQL several processes may start at once (``make
run-scaled``): a transaction-level advisory lock lets one of them migrate while the
others wait, and then find the schema current.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, text

MIGRATIONS = Path(__file__).with_name("migrations")
# Databases from before the migrations (issue 3) have this table and no version.
BASELINE = "0001"
# The advisory lock's key ("raassist" in ASCII): any constant that nothing else in the
# database uses. PostgreSQL scopes advisory locks to one database.
MIGRATION_LOCK_KEY = 0x7261617373697374


def alembic_config(url: str) -> Config:
    """An Alembic configuration for ``url`` without an ini file."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` to ``revision``."""
    engine = create_engine(url, future=True)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Held until this transaction ends: a second process blocks here, then
                # sees the first one's committed schema and has nothing to do.
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
            config = alembic_config(url)
            config.attributes["connection"] = connection
            tables = set(inspect(connection).get_table_names())
            if "precheck_results" in tables and "alembic_version" not in tables:
                command.stamp(config, BASELINE)
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """``python -m bot.store.migrate``: migrate ``DATABASE_URL`` (or --url) to the newest schema."""
    from bot.settings import load_settings

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--url", help="SQLAlchemy URL; default: DATABASE_URL or the embedded SQLite"
    )
    args = parser.parse_args(argv)
    url = args.url or load_settings().database_url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    upgrade(url)
    print("database schema is up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

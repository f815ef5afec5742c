"""Alembic environment: the project's tables (``bot.store.models``), never Rasa's ``events``.

``bot.store.migrate.upgrade`` passes an open connection; the ``alembic`` command line
(alembic.ini) uses the URL from ``DATABASE_URL``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from bot.settings import load_settings
from bot.store.models import Base

config = context.config
target_metadata = Base.metadata


def _include_object(obj, name, type_, reflected, compare_to):  # noqa: ANN001 - Alembic hook
    # Rasa owns `events`; autogenerate must not try to drop it.
    return not (type_ == "table" and reflected and compare_to is None)


def _configure(connection) -> None:  # noqa: ANN001
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=_include_object,
        # SQLite cannot ALTER most things; batch mode rebuilds tables instead.
        render_as_batch=True,
    )


def run_migrations() -> None:
    """Run against the connection given by the caller, or a new one."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url") or load_settings().database_url
    engine = create_engine(url, poolclass=pool.NullPool, future=True)
    with engine.connect() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run `make migrate`")
run_migrations()

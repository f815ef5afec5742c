"""Connection settings for the embedded SQLite database, shared by every process.

Five processes use the one SQLite file (the Rasa server, the action server, the outbox
worker, the console and the tools). In SQLite's default rollback-journal mode every
commit waits for two fsyncs and a writer blocks all readers; a turn commits twice (the
tracker store's events, then the console's summary). Write-ahead logging lets readers
go on during a write, and ``synchronous=NORMAL`` — safe in WAL mode, where a power cut
can lose the last commits but never corrupts the file — leaves one fsync per checkpoint.
``busy_timeout`` makes a writer wait for another's lock instead of failing at once.

SQLAlchemy 1.4 opens and closes a new SQLite connection for every session of a file
database (NullPool); closing the last connection of a WAL database checkpoints it, and
under load that open-and-close was a fifth of the Rasa server's time. ``engine_options``
keeps a small pool instead.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import QueuePool

BUSY_TIMEOUT_MS = 5000


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


def engine_options(url: str) -> dict[str, Any]:
    """``create_engine`` arguments for the pool of ``url``'s connections.

    A server database pre-pings pooled connections, which it may have dropped while
    idle (rasa#4284); a SQLite file cannot drop them, so it skips that query.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return {"pool_pre_ping": True}
    if parsed.database in (None, "", ":memory:"):
        return {}
    # A pooled connection may be checked out by another thread later (the console's
    # worker threads); each is used by one thread at a time.
    return {
        "poolclass": QueuePool,
        "pool_size": 5,
        "max_overflow": 10,
        "connect_args": {"check_same_thread": False},
    }


def tune(engine: Engine) -> Engine:
    """Apply the settings to every new connection of ``engine`` if it is SQLite."""
    if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _on_connect):
        event.listen(engine, "connect", _on_connect)
    return engine

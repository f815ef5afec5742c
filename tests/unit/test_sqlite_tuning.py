"""The embedded SQLite database runs in WAL mode: readers are not blocked by a writer."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from bot.store import sqlite_tuning
from bot.store.db import engine_for


def test_project_engine_uses_wal_and_waits_for_locks(tmp_path) -> None:
    engine = engine_for(f"sqlite:///{tmp_path}/tuned.db")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def test_a_writer_commits_while_a_reader_is_mid_transaction(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/concurrent.db"
    writer_engine = sqlite_tuning.tune(create_engine(url, future=True))
    reader_engine = sqlite_tuning.tune(create_engine(url, future=True))
    with writer_engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
    with reader_engine.connect() as reader:
        # The console reading a page: an open read transaction.
        reader.execute(text("BEGIN"))
        assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 1
        # A turn being saved meanwhile. With a rollback journal this commit would wait
        # for the reader and fail with "database is locked" after the busy timeout.
        with writer_engine.begin() as writer:
            writer.execute(text("INSERT INTO t VALUES (2)"))
        # The reader keeps its snapshot until its transaction ends.
        assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 1
        reader.execute(text("COMMIT"))
        assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 2


def test_other_databases_are_left_alone() -> None:
    engine = sqlite_tuning.tune(create_engine("postgresql://nobody@127.0.0.1:1/none", future=True))
    from sqlalchemy import event

    assert not event.contains(engine, "connect", sqlite_tuning._on_connect)


def test_sqlite_files_get_a_connection_pool_and_memory_databases_do_not() -> None:
    from sqlalchemy.pool import QueuePool

    assert sqlite_tuning.engine_options("sqlite:////tmp/x.db")["poolclass"] is QueuePool
    assert sqlite_tuning.engine_options("sqlite://") == {}
    assert sqlite_tuning.engine_options("sqlite:///:memory:") == {}
    assert sqlite_tuning.engine_options("postgresql://u@h/db") == {"pool_pre_ping": True}
    assert "pool_pre_ping" not in sqlite_tuning.engine_options("sqlite:////tmp/x.db")


def test_a_session_reuses_the_pooled_connection(tmp_path) -> None:
    engine = engine_for(f"sqlite:///{tmp_path}/pooled.db")
    with engine.connect() as first:
        first_id = first.connection.dbapi_connection
    with engine.connect() as second:
        # NullPool, SQLAlchemy 1.4's default for files, would open a new one.
        assert second.connection.dbapi_connection is first_id

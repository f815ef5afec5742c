"""Engine and sessions for the project database (the same URL as the tracker store)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TypeVar

from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.store import sqlite_tuning
from bot.store.migrate import upgrade

logger = logging.getLogger(__name__)

M = TypeVar("M")


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One engine per database URL, its schema migrated on first use.

    Pooled as ``sqlite_tuning.engine_options`` says: PostgreSQL's connections are
    pre-pinged, so that one the server dropped while idle is replaced (rasa#4284).
    """
    # Normally already done by `make migrate`/the runner; then this only checks.
    upgrade(url)
    engine = create_engine(url, future=True, **sqlite_tuning.engine_options(url))
    return sqlite_tuning.tune(engine)


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A transaction: committed when the block ends, rolled back on error."""
    factory = sessionmaker(bind=engine_for(url), future=True, expire_on_commit=False)
    with factory() as session, session.begin():
        yield session


def conversation_rows(url: str, model: type[M], conversation_id: str) -> list[M]:
    """Rows of a table keyed by ``conversation_id`` (Rasa's sender id), oldest first."""
    with session_scope(url) as session:
        rows = session.execute(
            select(model).where(model.conversation_id == conversation_id).order_by(model.id)
        )
        return list(rows.scalars())


# A database that is briefly down gets a few more chances before we give up.
ATTEMPTS = 3
RETRY_DELAY_SECONDS = 0.5

T = TypeVar("T")


async def with_retries(operation: Callable[[], T], what: str, attempts: int = ATTEMPTS) -> T | None:
    """``operation()``, retried with a growing pause on database errors; None if it kept failing.

    Logs the exception type only: its message may quote personal data.
    """
    for attempt in range(1, attempts + 1):
        try:
            return operation()
        except SQLAlchemyError as exc:
            logger.error("%s failed (attempt %d): %s", what, attempt, type(exc).__name__)
            if attempt < attempts:
                await asyncio.sleep(RETRY_DELAY_SECONDS * attempt)
    return None


def storable_text(text: str) -> str:
    """``text`` as every database can store it: a lone surrogate (which JSON and
    Python allow, and a hostile client sends) becomes "?" instead of failing the row."""
    return text.encode("utf-8", "replace").decode("utf-8")

"""Engine and sessions for the project database (the same URL as the tracker store)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.store.models import Base


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One engine per database URL; tables are created on first use.

    ``pool_pre_ping`` replaces connections the server dropped while idle (rasa#4284).
    """
    engine = create_engine(url, future=True, pool_pre_ping=True)
    # Until Alembic migrations exist (lead store issue), the schema is created here.
    Base.metadata.create_all(engine)
    return engine


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A transaction: committed when the block ends, rolled back on error."""
    factory = sessionmaker(bind=engine_for(url), future=True, expire_on_commit=False)
    with factory() as session, session.begin():
        yield session

"""Rasa's own ``events`` table (the SQL tracker store), as far as erasure and retention
need it.

Rasa creates and owns this table; it lives in separate metadata so that our
``create_all`` never touches it.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, inspect
from sqlalchemy.orm import Session

rasa_metadata = MetaData()

events = Table(
    "events",
    rasa_metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


# Databases known to have the events table: once Rasa created it, it stays.
_WITH_EVENTS_TABLE: set[str] = set()


def events_table_exists(session: Session) -> bool:
    """Whether Rasa has created its table yet (it does when it first starts, which may
    be after the console); asked of the database until the answer is yes."""
    bind = session.get_bind()
    url = str(bind.url)
    if url not in _WITH_EVENTS_TABLE and inspect(bind).has_table(events.name):
        _WITH_EVENTS_TABLE.add(url)
    return url in _WITH_EVENTS_TABLE

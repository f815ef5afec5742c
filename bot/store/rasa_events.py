"""Rasa's own ``events`` table (the SQL tracker store), as far as erasure and retention
need it.

Rasa creates and owns this table; it lives in separate metadata so that our
``create_all`` never touches it.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text

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

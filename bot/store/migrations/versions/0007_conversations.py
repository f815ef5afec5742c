"""Conversation summaries kept up to date incrementally, and listed fast.

- ``last_event_id``: the last row of Rasa's ``events`` the summary has read, so that a
  save reads only the turn's new events;
- ``unsure``: how many of the patient's messages the assistant was unsure about (the
  improvement loop lists those conversations without parsing every event);
- indexes for the console's list: newest first with a stable tie-break (keyset
  pagination), and the two filters that select few rows (flagged, not reviewed).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_conversation_summaries_started_id": ("started_at", "conversation_id"),
    "ix_conversation_summaries_flagged_started": ("flagged", "started_at"),
    "ix_conversation_summaries_reviewed_started": ("reviewed", "started_at"),
}


def upgrade() -> None:
    with op.batch_alter_table("conversation_summaries") as batch:
        batch.add_column(
            sa.Column("last_event_id", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("unsure", sa.Integer(), nullable=False, server_default="0"))
    for name, columns in INDEXES.items():
        op.create_index(name, "conversation_summaries", list(columns))


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="conversation_summaries")
    with op.batch_alter_table("conversation_summaries") as batch:
        batch.drop_column("unsure")
        batch.drop_column("last_event_id")

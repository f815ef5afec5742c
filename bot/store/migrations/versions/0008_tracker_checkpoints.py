"""Tracker checkpoints: a long conversation's state at an event, so that a turn reads
only the events after it (components/erasing_tracker_store.py).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tracker_checkpoints",
        sa.Column("conversation_id", sa.String(255), primary_key=True),
        sa.Column("event_id", sa.Integer, nullable=False),
        sa.Column("events", sa.JSON, nullable=False),
        sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_tracker_checkpoints_last_message_at", "tracker_checkpoints", ["last_message_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_tracker_checkpoints_last_message_at", "tracker_checkpoints")
    op.drop_table("tracker_checkpoints")

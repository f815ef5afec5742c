"""Outbox leases, delivery ids and dead letters; one open handoff and one active consent.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

Rows from before this revision are kept: delivered ones get ``status='delivered'``, the
others ``pending``, each its own delivery id. Duplicates that the new unique indexes
would refuse (possible under the old check-then-insert code) are resolved first: of a
conversation's open handoffs the one an advisor took (else the oldest) stays open and
the others are closed with a note; of identical active consents the oldest stays.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Frozen copies of the models' conditions: a migration must not follow later edits.
OPEN_HANDOFF_WHERE = "status IN ('waiting', 'active')"
ACTIVE_CONSENT_WHERE = "withdrawn_at IS NULL"


def _partial_unique_index(name: str, table: str, columns: list[str], where: str) -> None:
    op.create_index(
        name,
        table,
        columns,
        unique=True,
        sqlite_where=sa.text(where),
        postgresql_where=sa.text(where),
    )


def _add_outbox_columns(connection: sa.engine.Connection) -> None:
    op.add_column(
        "outbox",
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
    )
    op.add_column("outbox", sa.Column("lease_until", sa.DateTime(timezone=True)))
    op.add_column("outbox", sa.Column("delivery_id", sa.String(32)))
    connection.execute(
        sa.text("UPDATE outbox SET status = 'delivered' WHERE delivered_at IS NOT NULL")
    )
    # Generated here, not in SQL: SQLite and PostgreSQL share no uuid function.
    for (row_id,) in connection.execute(sa.text("SELECT id FROM outbox")).all():
        connection.execute(
            sa.text("UPDATE outbox SET delivery_id = :delivery_id WHERE id = :id"),
            {"delivery_id": uuid.uuid4().hex, "id": row_id},
        )
    # SQLite cannot make a column NOT NULL in place: batch mode rebuilds the table.
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("delivery_id", existing_type=sa.String(32), nullable=False)


def _close_duplicate_open_handoffs(connection: sa.engine.Connection) -> None:
    open_rows = connection.execute(
        sa.text(
            f"SELECT id, conversation_id, status FROM handoffs WHERE {OPEN_HANDOFF_WHERE} "
            "ORDER BY conversation_id, id"
        )
    ).all()
    keep: dict[str, tuple[int, str]] = {}
    for row_id, conversation_id, status in open_rows:
        kept = keep.get(conversation_id)
        if kept is None or (status == "active" and kept[1] != "active"):
            keep[conversation_id] = (row_id, status)
    kept_ids = {row_id for row_id, _ in keep.values()}
    now = datetime.now(timezone.utc)
    for row_id, _, _ in open_rows:
        if row_id not in kept_ids:
            connection.execute(
                sa.text(
                    "UPDATE handoffs SET status = 'closed', closed_at = :now, "
                    "note = 'closed as a duplicate by migration 0004' WHERE id = :id"
                ),
                {"now": now, "id": row_id},
            )


def _remove_duplicate_active_consents(connection: sa.engine.Connection) -> None:
    # Only the race between two submissions made these: same wording, same moment. The
    # oldest is the record of when consent was given; a later copy adds nothing.
    active = connection.execute(
        sa.text(
            f"SELECT id, conversation_id, purpose FROM consents WHERE {ACTIVE_CONSENT_WHERE} "
            "ORDER BY id"
        )
    ).all()
    seen: set[tuple[str, str]] = set()
    for row_id, conversation_id, purpose in active:
        if (conversation_id, purpose) in seen:
            connection.execute(sa.text("DELETE FROM consents WHERE id = :id"), {"id": row_id})
        seen.add((conversation_id, purpose))


def upgrade() -> None:
    connection = op.get_bind()
    _add_outbox_columns(connection)
    _close_duplicate_open_handoffs(connection)
    _remove_duplicate_active_consents(connection)
    _partial_unique_index(
        "uq_handoffs_open_conversation", "handoffs", ["conversation_id"], OPEN_HANDOFF_WHERE
    )
    _partial_unique_index(
        "uq_consents_active_purpose",
        "consents",
        ["conversation_id", "purpose"],
        ACTIVE_CONSENT_WHERE,
    )


def downgrade() -> None:
    op.drop_index("uq_consents_active_purpose", table_name="consents")
    op.drop_index("uq_handoffs_open_conversation", table_name="handoffs")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("delivery_id")
        batch.drop_column("lease_until")
        batch.drop_column("status")

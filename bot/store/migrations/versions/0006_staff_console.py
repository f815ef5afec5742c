"""The staff console: accounts, sessions, audit log, conversation summaries, the lead
workflow, corrections, purge runs, saved filters; review columns on flags and leads.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_FALSE = sa.false()


def upgrade() -> None:
    op.create_table(
        "staff_users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("totp_secret", sa.String(64)),
        sa.Column("totp_confirmed", sa.Boolean(), nullable=False, server_default=_FALSE),
        sa.Column("totp_last_step", sa.Integer()),
        sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.Column("disabled", sa.Boolean(), nullable=False, server_default=_FALSE),
        sa.Column("last_login_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "staff_id",
            sa.Integer(),
            sa.ForeignKey("staff_users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("second_factor_done", sa.Boolean(), nullable=False, server_default=_FALSE),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("staff_email", sa.String(254), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target_type", sa.String(32)),
        sa.Column("target_id", sa.String(255)),
        sa.Column("detail", sa.JSON()),
    )
    op.create_table(
        "conversation_summaries",
        sa.Column("conversation_id", sa.String(255), primary_key=True),
        sa.Column("channel", sa.String(32)),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("turns", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("fallbacks", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("faq_answered", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("faq_topics", sa.JSON()),
        sa.Column("precheck_started", sa.Boolean(), nullable=False, server_default=_FALSE),
        sa.Column("precheck_outcome", sa.String(32)),
        sa.Column("lead_warmth", sa.String(8)),
        sa.Column("handoff_state", sa.String(16)),
        sa.Column("consultation_booked", sa.Boolean(), nullable=False, server_default=_FALSE),
        sa.Column("flagged", sa.Boolean(), nullable=False, server_default=_FALSE),
        sa.Column("reviewed", sa.Boolean(), nullable=False, server_default=_FALSE),
        sa.Column("reviewed_by", sa.String(254)),
        sa.Column("tags", sa.JSON()),
        sa.Column("note", sa.String(2000)),
        sa.Column("search_text", sa.String(8000), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "lead_status_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("note", sa.String(2000)),
        sa.Column("staff_email", sa.String(254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
        sa.Column("message", sa.String(2000), nullable=False),
        sa.Column("predicted", sa.String(128)),
        sa.Column("corrected", sa.String(128), nullable=False),
        sa.Column("staff_email", sa.String(254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "purge_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("conversations", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("rows", sa.JSON()),
        sa.Column("error", sa.String(200)),
    )
    op.create_table(
        "saved_filters",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "staff_id",
            sa.Integer(),
            sa.ForeignKey("staff_users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("query", sa.String(2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("safety_flags") as batch:
        batch.add_column(sa.Column("acknowledged_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("acknowledged_by", sa.String(254)))
        batch.add_column(
            sa.Column("false_alarm", sa.Boolean(), nullable=False, server_default=_FALSE)
        )
    with op.batch_alter_table("leads") as batch:
        batch.add_column(sa.Column("status", sa.String(32), nullable=False, server_default="new"))


def downgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("status")
    with op.batch_alter_table("safety_flags") as batch:
        batch.drop_column("false_alarm")
        batch.drop_column("acknowledged_by")
        batch.drop_column("acknowledged_at")
    for table in (
        "saved_filters",
        "purge_runs",
        "corrections",
        "lead_status_changes",
        "conversation_summaries",
        "audit_log",
        "staff_sessions",
        "staff_users",
    ):
        op.drop_table(table)

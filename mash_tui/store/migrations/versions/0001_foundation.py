"""Foundation: users, audit trail, outbox, client state.

Revision ID: 0001_foundation
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_foundation"
down_revision = None
branch_labels = None
depends_on = None

UTC_TEXT = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("username", sa.String, nullable=False, unique=True, index=True),
        sa.Column("display_name", sa.String, nullable=False),
        sa.Column("role", sa.String, nullable=False),
        sa.Column("agency", sa.String),
        sa.Column("password_hash", sa.String, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("failed_attempts", sa.Integer, nullable=False),
        sa.Column("locked_until", UTC_TEXT),
        sa.Column("created_at", UTC_TEXT, nullable=False),
    )
    op.create_table(
        "audit_event",
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("id", sa.String, nullable=False, unique=True),
        sa.Column("occurred_at", UTC_TEXT, nullable=False),
        sa.Column("actor", sa.String, nullable=False),
        sa.Column("role", sa.String, nullable=False),
        sa.Column("action", sa.String, nullable=False, index=True),
        sa.Column("entity", sa.String, nullable=False),
        sa.Column("entity_id", sa.String),
        sa.Column("subject_ref", sa.String, index=True),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("prev_hash", sa.String, nullable=False),
        sa.Column("hash", sa.String, nullable=False),
    )
    op.create_table(
        "outbox",
        sa.Column("mutation_id", sa.String, primary_key=True),
        sa.Column("client_seq", sa.Integer, nullable=False, unique=True),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("client_time", UTC_TEXT, nullable=False),
        sa.Column("status", sa.String, nullable=False, index=True),
        sa.Column("result", sa.JSON),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.String),
    )
    op.create_table(
        "client_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("client_id", sa.String, nullable=False),
        sa.Column("machine_prefix", sa.String, nullable=False),
        sa.Column("next_client_seq", sa.Integer, nullable=False),
        sa.Column("next_reference_number", sa.Integer, nullable=False),
        sa.Column("pull_cursor", sa.Integer, nullable=False),
        sa.Column("last_sync_at", UTC_TEXT),
    )
    # Insert-only means insert-only, even for someone with the file and the sqlite3 shell.
    op.execute(
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit events are insert-only'); END"
    )
    op.execute(
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit events are insert-only'); END"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER audit_event_no_delete")
    op.execute("DROP TRIGGER audit_event_no_update")
    op.drop_table("client_state")
    op.drop_table("outbox")
    op.drop_table("audit_event")
    op.drop_table("app_user")

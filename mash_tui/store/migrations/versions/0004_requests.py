"""Information requests to partner agencies, their answers and MASH discussions.

Revision ID: 0004_requests
Revises: 0003_casework
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_requests"
down_revision = "0003_casework"
branch_labels = None
depends_on = None

UTC_TEXT = sa.String(32)
INSERT_ONLY = ("request_answer", "mash_discussion")


def upgrade() -> None:
    op.create_table(
        "information_request",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("request_ref", sa.String, nullable=False, unique=True, index=True),
        sa.Column("item_id", sa.String, sa.ForeignKey("work_item.id"), nullable=False, index=True),
        sa.Column("reference", sa.String, nullable=False, index=True),
        sa.Column("agency", sa.String, nullable=False, index=True),
        sa.Column("question", sa.String),
        sa.Column("summary", sa.String, nullable=False),
        sa.Column("people", sa.JSON, nullable=False),
        sa.Column("rag", sa.String, nullable=False),
        sa.Column("clock_id", sa.String, sa.ForeignKey("item_clock.id"), nullable=False),
        sa.Column("due_at", UTC_TEXT, nullable=False, index=True),
        sa.Column("sent_by", sa.String, nullable=False),
        sa.Column("sent_at", UTC_TEXT, nullable=False),
        sa.Column("state", sa.String, nullable=False, index=True),
        sa.Column("seen_by", sa.String),
        sa.Column("seen_at", UTC_TEXT),
        sa.Column("answered_by", sa.String),
        sa.Column("answered_at", UTC_TEXT),
        sa.Column("withdrawn_by", sa.String),
        sa.Column("withdrawn_at", UTC_TEXT),
        sa.Column("withdrawn_reason", sa.String),
        sa.Column("chase_count", sa.Integer, nullable=False),
        sa.Column("last_chased_at", UTC_TEXT),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "request_answer",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("request_id", sa.String, sa.ForeignKey("information_request.id"), nullable=False, index=True),
        sa.Column("agency", sa.String, nullable=False),
        sa.Column("findings", sa.JSON, nullable=False),
        sa.Column("free_text", sa.String),
        sa.Column("supersedes_id", sa.String),
        sa.Column("answered_by", sa.String, nullable=False),
        sa.Column("answered_at", UTC_TEXT, nullable=False),
    )
    op.create_table(
        "mash_discussion",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("item_id", sa.String, sa.ForeignKey("work_item.id"), nullable=False, index=True),
        sa.Column("reference", sa.String, nullable=False, index=True),
        sa.Column("participants", sa.JSON, nullable=False),
        sa.Column("summary", sa.String, nullable=False),
        sa.Column("agreed_actions", sa.String),
        sa.Column("recorded_by", sa.String, nullable=False),
        sa.Column("recorded_at", UTC_TEXT, nullable=False),
    )
    for table in INSERT_ONLY:
        op.execute(
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} rows are insert-only'); END"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} rows are insert-only'); END"
        )


def downgrade() -> None:
    for table in INSERT_ONLY:
        op.execute(f"DROP TRIGGER {table}_no_delete")
        op.execute(f"DROP TRIGGER {table}_no_update")
    for table in ("mash_discussion", "request_answer", "information_request"):
        op.drop_table(table)

"""Case work: drafts, contacts, queue items, ratings, decisions, clocks, breaches, match decisions.

Revision ID: 0003_casework
Revises: 0002_known_persons
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_casework"
down_revision = "0002_known_persons"
branch_labels = None
depends_on = None

UTC_TEXT = sa.String(32)
INSERT_ONLY = ("contact", "rating", "decision", "breach", "match_decision")


def upgrade() -> None:
    op.create_table(
        "contact_draft",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("reference", sa.String, nullable=False, unique=True, index=True),
        sa.Column("author", sa.String, nullable=False, index=True),
        sa.Column("status", sa.String, nullable=False, index=True),
        sa.Column("form", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", UTC_TEXT, nullable=False),
        sa.Column("updated_at", UTC_TEXT, nullable=False),
    )
    op.create_table(
        "contact",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("reference", sa.String, nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("supersedes_id", sa.String),
        sa.Column("author", sa.String, nullable=False),
        sa.Column("received_at", UTC_TEXT, nullable=False, index=True),
        sa.Column("submitted_at", UTC_TEXT, nullable=False),
        sa.Column("record", sa.JSON, nullable=False),
        sa.Column("children", sa.String, nullable=False),
        sa.Column("recommended_rag", sa.String, nullable=False),
        sa.Column("rules", sa.JSON, nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("flags", sa.JSON, nullable=False),
        sa.Column("repeat_contact", sa.Boolean, nullable=False),
        sa.UniqueConstraint("reference", "version"),
    )
    op.create_table(
        "work_item",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("reference", sa.String, nullable=False, unique=True, index=True),
        sa.Column("contact_id", sa.String, sa.ForeignKey("contact.id")),
        sa.Column("draft_id", sa.String),
        sa.Column("state", sa.String, nullable=False, index=True),
        sa.Column("rag", sa.String, nullable=False),
        sa.Column("rag_rated_at", UTC_TEXT),
        sa.Column("claimed_by", sa.String, index=True),
        sa.Column("claimed_at", UTC_TEXT),
        sa.Column("children", sa.String, nullable=False),
        sa.Column("note", sa.String),
        sa.Column("outcome", sa.String),
        sa.Column("immediate_danger", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", UTC_TEXT, nullable=False),
        sa.Column("updated_at", UTC_TEXT, nullable=False),
    )
    op.create_table(
        "rating",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("item_id", sa.String, sa.ForeignKey("work_item.id"), nullable=False, index=True),
        sa.Column("rag", sa.String, nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("reason", sa.String),
        sa.Column("rated_by", sa.String, nullable=False),
        sa.Column("rated_at", UTC_TEXT, nullable=False),
    )
    op.create_table(
        "decision",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("item_id", sa.String, sa.ForeignKey("work_item.id"), nullable=False, index=True),
        sa.Column("rag", sa.String, nullable=False),
        sa.Column("outcome", sa.String, nullable=False),
        sa.Column("flags", sa.JSON, nullable=False),
        sa.Column("reason", sa.String),
        sa.Column("decided_by", sa.String, nullable=False),
        sa.Column("decided_at", UTC_TEXT, nullable=False),
    )
    op.create_table(
        "item_clock",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("item_id", sa.String, sa.ForeignKey("work_item.id"), nullable=False, index=True),
        sa.Column("clock", sa.String, nullable=False),
        sa.Column("started_at", UTC_TEXT, nullable=False),
        sa.Column("due_at", UTC_TEXT, nullable=False, index=True),
        sa.Column("met_at", UTC_TEXT),
        sa.Column("superseded_at", UTC_TEXT),
        sa.Column("breached_at", UTC_TEXT),
        sa.Column("label", sa.String),
    )
    op.create_table(
        "breach",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("clock_id", sa.String, sa.ForeignKey("item_clock.id"), nullable=False, unique=True),
        sa.Column("item_id", sa.String, sa.ForeignKey("work_item.id"), nullable=False, index=True),
        sa.Column("reference", sa.String, nullable=False, index=True),
        sa.Column("clock", sa.String, nullable=False),
        sa.Column("due_at", UTC_TEXT, nullable=False),
        sa.Column("recorded_at", UTC_TEXT, nullable=False),
    )
    op.create_table(
        "item_event",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("item_id", sa.String, sa.ForeignKey("work_item.id"), nullable=False, index=True),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("actor", sa.String, nullable=False),
        sa.Column("occurred_at", UTC_TEXT, nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
    )
    op.create_table(
        "match_decision",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("reference", sa.String, nullable=False, index=True),
        sa.Column("person_role", sa.String, nullable=False),
        sa.Column("person_index", sa.Integer, nullable=False),
        sa.Column("candidate_id", sa.String, nullable=False),
        sa.Column("decision", sa.String, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("decided_by", sa.String, nullable=False),
        sa.Column("decided_at", UTC_TEXT, nullable=False),
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
    for table in (
        "match_decision", "item_event", "breach", "item_clock", "decision", "rating", "work_item", "contact",
        "contact_draft",
    ):
        op.drop_table(table)

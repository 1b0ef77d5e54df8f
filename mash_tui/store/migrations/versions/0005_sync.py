"""Sync: one pull cursor per set of scopes the machine has pulled with.

A machine first synced by its owner pulls only users; when an officer then syncs on it the
cursor of the wider scope set starts at 0, so case work that went by earlier is not skipped.

Revision ID: 0005_sync
Revises: 0004_requests
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_sync"
down_revision = "0004_requests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_cursor",
        sa.Column("scopes", sa.String, primary_key=True),
        sa.Column("cursor", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.String(32)),
    )


def downgrade() -> None:
    op.drop_table("sync_cursor")

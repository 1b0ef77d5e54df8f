"""Known persons: the case system's people and involvements, and the matching index.

`match_key` indexes records of two sources (0 = case system `known_person`, 1 = `contact_person`)
under 32-bit hashes of blocking keys. It is a WITHOUT ROWID table whose primary key is the whole
row, so a lookup is a handful of index seeks and the index costs about 15 bytes a key.

Revision ID: 0002_known_persons
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_known_persons"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "known_person",
        # The rowid: `match_key.record` points here, and stays the same when a person is re-imported.
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.String, nullable=False, unique=True),
        sa.Column("first_name", sa.String),
        sa.Column("last_name", sa.String),
        sa.Column("dob", sa.String(10)),
        sa.Column("sex", sa.String(1)),
        sa.Column("address", sa.String),
        sa.Column("postcode", sa.String),
    )
    op.create_table(
        "involvement",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.String, nullable=False, index=True),
        sa.Column("service", sa.String, nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("start_date", sa.String(10)),
        sa.Column("end_date", sa.String(10)),
        sa.Column("allocated_worker", sa.String),
        sa.Column("team", sa.String),
        sa.Column("phone", sa.String),
    )
    op.create_table(
        "contact_person",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("contact_ref", sa.String, nullable=False),
        sa.Column("role", sa.String, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("first_name", sa.String),
        sa.Column("last_name", sa.String),
        sa.Column("dob", sa.String(10)),
        sa.Column("sex", sa.String(1)),
        sa.Column("address", sa.String),
        sa.Column("postcode", sa.String),
        sa.UniqueConstraint("contact_ref", "role", "position", name="uq_contact_person_place"),
    )
    op.create_table(
        "match_key",
        sa.Column("key", sa.Integer, nullable=False),
        sa.Column("source", sa.Integer, nullable=False),
        sa.Column("record", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("key", "source", "record", name="pk_match_key"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("match_key")
    op.drop_table("contact_person")
    op.drop_table("involvement")
    op.drop_table("known_person")

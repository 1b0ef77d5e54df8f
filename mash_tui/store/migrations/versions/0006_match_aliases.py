"""Matching: aliases and earlier names of known people, and a DOB + postcode key for everyone.

`known_person.aliases` and `contact_person.aliases` hold a person's other names, joined by `;`
(see `mash_tui.domain.matching.alias_names`). Every record is now indexed under DOB + postcode as
well, not only those without names, so the index is rebuilt here from the stored rows.

Revision ID: 0006_match_aliases
Revises: 0005_sync
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_match_aliases"
down_revision = "0005_sync"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("known_person", sa.Column("aliases", sa.String))
    op.add_column("contact_person", sa.Column("aliases", sa.String))
    from mash_tui.store.known_persons import rebuild_match_keys

    rebuild_match_keys(op.get_bind().connection.dbapi_connection)


def downgrade() -> None:
    op.drop_column("contact_person", "aliases")
    op.drop_column("known_person", "aliases")

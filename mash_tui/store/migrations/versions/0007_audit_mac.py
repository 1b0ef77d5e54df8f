"""A keyed MAC for each audit event from here on (see `mash_tui.store.audit_chain`).

`audit_mac` holds HMAC-SHA256 under the store's key (`HOME/audit.key`) over each new event's
`seq` and `hash`; `audit_key_start` marks the first event that has one. Events written before
this revision keep their plain hash chain and verify as they always have.

Revision ID: 0007_audit_mac
Revises: 0006_match_aliases
"""

from alembic import op

revision = "0007_audit_mac"
down_revision = "0006_match_aliases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE TABLE audit_mac (seq INTEGER PRIMARY KEY, mac TEXT NOT NULL)")
    op.execute("CREATE TABLE audit_key_start (id INTEGER PRIMARY KEY CHECK (id = 1), "
               "keyed_from_seq INTEGER NOT NULL)")
    op.execute("INSERT INTO audit_key_start (id, keyed_from_seq) "
               "SELECT 1, coalesce(max(seq), 0) + 1 FROM audit_event")
    for table in ("audit_mac", "audit_key_start"):
        op.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                   "BEGIN SELECT RAISE(ABORT, 'the audit trail is insert-only'); END")
        op.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                   "BEGIN SELECT RAISE(ABORT, 'the audit trail is insert-only'); END")


def downgrade() -> None:
    op.execute("DROP TABLE audit_key_start")
    op.execute("DROP TABLE audit_mac")

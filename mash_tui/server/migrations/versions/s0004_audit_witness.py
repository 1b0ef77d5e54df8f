"""The audit trail witnessed: each client's chain head kept here, and the server's own trail chained.

`audit_witness` keeps, append-only, the head (sequence and hash) of a client's local audit chain
as the client reported it at each sync. A client that later cuts its trail, or rewrites an event
and recomputes the chain after it, no longer holds a head the server witnessed, and `mash audit
verify --shared URL` says which. A client login may insert witnesses for its own client ids and
read them; nobody updates or deletes them (the same trigger as `audit_event`).

The server's `audit_event` gets a chain of its own, gapless and in insert order: a BEFORE INSERT
trigger numbers each row (`chain_seq`) and hashes its content with the hash before it
(`chain_prev`, `chain_hash`), under a lock on the one-row `audit_chain_head`, so concurrent pushes
chain in the order they commit their inserts. `mash server audit-verify` walks it. The owner can
still disable the triggers and rewrite rows *and* recompute the chain; what it catches is an
edit or a deletion made without recomputing, by hand or by a tool that knows nothing of the chain.
Rows already present are chained by this migration in the order they arrived.

Revision ID: s0004_audit_witness
Revises: s0003_client_roles
"""

from alembic import op

revision = "s0004_audit_witness"
down_revision = "s0003_client_roles"
branch_labels = None
depends_on = None

_CLIENT_GROUPS = "mash_hub_client, mash_partner_client"
_OWN_CLIENT = ("(SELECT login_read_scopes()) IS NULL OR client_id IN "
               "(SELECT s.client_id FROM sync_client s WHERE s.login_role = session_user)")

# The text a server audit row's chain hash covers; `server.audit_chain` selects the same expression.
CHAIN_TEXT = """jsonb_build_array(
    {r}.id, {r}.client_id, {r}.client_audit_seq, {r}.mutation_id,
    to_char({r}.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    {r}.actor, {r}.role, {r}.action, {r}.entity, {r}.entity_id, {r}.subject_ref, {r}.details,
    {r}.prev_hash, {r}.hash,
    to_char({r}.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text"""

UPGRADE = f"""
CREATE TABLE audit_witness (
    id bigserial PRIMARY KEY,
    client_id text NOT NULL,
    seq bigint NOT NULL,
    hash text NOT NULL,
    witnessed_at timestamptz NOT NULL DEFAULT now(),
    login_role text NOT NULL DEFAULT session_user
);
CREATE INDEX audit_witness_client ON audit_witness (client_id, id);
CREATE TRIGGER audit_witness_insert_only BEFORE UPDATE OR DELETE ON audit_witness
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
CREATE TRIGGER audit_witness_no_truncate BEFORE TRUNCATE ON audit_witness
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();
REVOKE UPDATE, DELETE, TRUNCATE ON audit_witness FROM PUBLIC;
GRANT SELECT, INSERT ON audit_witness TO {_CLIENT_GROUPS};
GRANT USAGE ON SEQUENCE audit_witness_id_seq TO {_CLIENT_GROUPS};
ALTER TABLE audit_witness ENABLE ROW LEVEL SECURITY;
CREATE POLICY audit_witness_read ON audit_witness FOR SELECT USING ({_OWN_CLIENT});
CREATE POLICY audit_witness_add ON audit_witness FOR INSERT
    WITH CHECK (({_OWN_CLIENT}) AND login_role = session_user);

-- Each store's audit key (mash_tui.store.audit_chain), registered at its first sync after it has
-- one: an investigator with the owner's connection can check a store's keyed MACs against it, and
-- a client reads back only its fingerprint, to tell a key replaced or deleted on the machine.
CREATE TABLE audit_key (
    client_id text PRIMARY KEY,
    key text NOT NULL,
    fingerprint text NOT NULL,
    keyed_from_seq bigint NOT NULL,
    registered_at timestamptz NOT NULL DEFAULT now(),
    login_role text NOT NULL DEFAULT session_user
);
CREATE TRIGGER audit_key_insert_only BEFORE UPDATE OR DELETE ON audit_key
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
CREATE TRIGGER audit_key_no_truncate BEFORE TRUNCATE ON audit_key
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();
REVOKE ALL ON audit_key FROM PUBLIC;
GRANT INSERT ON audit_key TO {_CLIENT_GROUPS};
GRANT SELECT (client_id, fingerprint, keyed_from_seq, registered_at) ON audit_key TO {_CLIENT_GROUPS};
ALTER TABLE audit_key ENABLE ROW LEVEL SECURITY;
CREATE POLICY audit_key_read ON audit_key FOR SELECT USING ({_OWN_CLIENT});
CREATE POLICY audit_key_add ON audit_key FOR INSERT WITH CHECK (({_OWN_CLIENT}) AND login_role = session_user);

CREATE TABLE audit_chain_head (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    seq bigint NOT NULL,
    hash text NOT NULL
);
INSERT INTO audit_chain_head (seq, hash) VALUES (0, repeat('0', 64));
REVOKE ALL ON audit_chain_head FROM PUBLIC;

ALTER TABLE audit_event ADD COLUMN chain_seq bigint UNIQUE;
ALTER TABLE audit_event ADD COLUMN chain_prev text;
ALTER TABLE audit_event ADD COLUMN chain_hash text;

CREATE FUNCTION chain_audit_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_seq bigint;
    v_hash text;
BEGIN
    SELECT h.seq, h.hash INTO v_seq, v_hash FROM audit_chain_head h WHERE h.one FOR UPDATE;
    NEW.chain_seq := v_seq + 1;
    NEW.chain_prev := v_hash;
    NEW.chain_hash := encode(sha256(convert_to(v_hash || E'\\n' || {CHAIN_TEXT.format(r='NEW')}, 'UTF8')), 'hex');
    UPDATE audit_chain_head SET seq = NEW.chain_seq, hash = NEW.chain_hash WHERE one;
    RETURN NEW;
END $$;

-- Chain what is already there, in the order it arrived, before the trigger takes over.
ALTER TABLE audit_event DISABLE TRIGGER audit_event_insert_only;
DO $$
DECLARE
    v_row record;
    v_seq bigint := 0;
    v_hash text := repeat('0', 64);
BEGIN
    FOR v_row IN SELECT a.id, {CHAIN_TEXT.format(r='a')} AS body FROM audit_event a
                  ORDER BY a.received_at, a.client_id, a.client_audit_seq NULLS LAST, a.id LOOP
        v_seq := v_seq + 1;
        UPDATE audit_event SET chain_seq = v_seq, chain_prev = v_hash,
               chain_hash = encode(sha256(convert_to(v_hash || E'\\n' || v_row.body, 'UTF8')), 'hex')
         WHERE id = v_row.id
        RETURNING chain_hash INTO v_hash;
    END LOOP;
    UPDATE audit_chain_head SET seq = v_seq, hash = v_hash WHERE one;
END $$;
ALTER TABLE audit_event ENABLE TRIGGER audit_event_insert_only;

CREATE TRIGGER audit_event_chained BEFORE INSERT ON audit_event
    FOR EACH ROW EXECUTE FUNCTION chain_audit_event();
"""

DOWNGRADE = f"""
DROP TRIGGER audit_event_chained ON audit_event;
DROP FUNCTION chain_audit_event();
ALTER TABLE audit_event DROP COLUMN chain_hash;
ALTER TABLE audit_event DROP COLUMN chain_prev;
ALTER TABLE audit_event DROP COLUMN chain_seq;
DROP TABLE audit_chain_head;
DROP TABLE audit_key;
REVOKE ALL ON audit_witness FROM {_CLIENT_GROUPS};
DROP TABLE audit_witness;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)

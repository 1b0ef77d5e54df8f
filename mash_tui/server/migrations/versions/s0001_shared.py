"""The shared database: registered clients, applied mutations, the change log, entities, conflicts, audit.

Revision ID: s0001_shared
Revises:
"""

from alembic import op

revision = "s0001_shared"
down_revision = None
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE sync_client (
    client_id text PRIMARY KEY,
    username text NOT NULL,
    role text NOT NULL,
    agency text,
    scopes text[] NOT NULL,
    last_client_seq bigint NOT NULL DEFAULT 0,
    registered_at timestamptz NOT NULL DEFAULT now(),
    seen_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE applied_mutation (
    mutation_id text PRIMARY KEY,
    client_id text NOT NULL,
    client_seq bigint NOT NULL,
    name text NOT NULL,
    actor text,
    status text NOT NULL CHECK (status IN ('applied', 'rejected')),
    result jsonb NOT NULL DEFAULT '{}'::jsonb,
    reason text,
    applied_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX applied_mutation_client ON applied_mutation (client_id, client_seq);

-- seq is max+1 under a transaction-level advisory lock, never a sequence: a bigserial can commit
-- out of order and a reader asking for seq > cursor would skip the row that committed late.
CREATE TABLE change_log (
    seq bigint PRIMARY KEY,
    kind text NOT NULL,
    entity_id text NOT NULL,
    op text NOT NULL,
    scopes text[] NOT NULL,
    data jsonb NOT NULL,
    mutation_id text,
    committed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX change_log_scopes ON change_log USING gin (scopes);

CREATE TABLE entity (
    kind text NOT NULL,
    id text NOT NULL,
    version integer NOT NULL DEFAULT 1,
    scopes text[] NOT NULL,
    data jsonb NOT NULL,
    -- Which client wrote the current value, and the version it believed it wrote: its next edit
    -- from that version is no conflict even where the server renumbered (a claim stamped here).
    last_client_id text,
    last_client_version integer,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, id)
);
CREATE INDEX entity_username ON entity ((data->>'username')) WHERE kind = 'app_user';

CREATE TABLE sync_conflict (
    id bigserial PRIMARY KEY,
    kind text NOT NULL,
    entity_id text NOT NULL,
    server_data jsonb NOT NULL,
    client_data jsonb NOT NULL,
    mutation_id text NOT NULL,
    mutation_name text NOT NULL,
    author text,
    raised_at timestamptz NOT NULL DEFAULT now(),
    resolved_by text,
    resolved_at timestamptz,
    resolution text CHECK (resolution IN ('server', 'client'))
);
CREATE INDEX sync_conflict_open ON sync_conflict (raised_at) WHERE resolved_at IS NULL;

CREATE TABLE audit_event (
    id text PRIMARY KEY,
    client_id text NOT NULL,
    client_audit_seq bigint,
    mutation_id text,
    occurred_at timestamptz NOT NULL,
    actor text NOT NULL,
    role text NOT NULL,
    action text NOT NULL,
    entity text NOT NULL,
    entity_id text,
    subject_ref text,
    details jsonb NOT NULL,
    prev_hash text,
    hash text,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_event_action ON audit_event (action, entity_id);

CREATE FUNCTION refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are insert-only';
END $$;
CREATE TRIGGER audit_event_insert_only BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();
REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM PUBLIC;

-- The scopes a user's role may pull, from the server's own copy of the users.
CREATE FUNCTION scopes_of_role(p_role text, p_agency text) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN p_role IN ('officer', 'decision_maker', 'supervisor') THEN ARRAY['users', 'casework']
        WHEN p_role = 'partner' AND p_agency IS NOT NULL THEN ARRAY['users', 'agency:' || p_agency]
        ELSE ARRAY['users']
    END
$$;

-- A client says who is syncing; the server, not the client, decides what that user may pull.
CREATE FUNCTION register_client(p_client text, p_username text) RETURNS text[]
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_role text := 'system';
    v_agency text;
    v_scopes text[];
BEGIN
    SELECT data->>'role', data->>'agency' INTO v_role, v_agency
      FROM entity WHERE kind = 'app_user' AND data->>'username' = p_username
       AND coalesce((data->>'active')::boolean, true);
    IF NOT FOUND THEN
        v_role := 'system';
        v_agency := NULL;
    END IF;
    v_scopes := scopes_of_role(v_role, v_agency);
    INSERT INTO sync_client (client_id, username, role, agency, scopes)
    VALUES (p_client, p_username, v_role, v_agency, v_scopes)
    ON CONFLICT (client_id) DO UPDATE
       SET username = excluded.username, role = excluded.role, agency = excluded.agency,
           scopes = excluded.scopes, seen_at = now();
    RETURN v_scopes;
END $$;

-- The only way to read the change log: rows within the registered client's scopes.
CREATE FUNCTION pull_changes(p_client text, p_cursor bigint, p_limit integer)
RETURNS TABLE (seq bigint, kind text, entity_id text, op text, data jsonb)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT c.seq, c.kind, c.entity_id, c.op, c.data
      FROM change_log c JOIN sync_client s ON s.client_id = p_client
     WHERE c.seq > p_cursor AND c.scopes && s.scopes
     ORDER BY c.seq
     LIMIT p_limit
$$;

CREATE FUNCTION change_log_head() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT coalesce(max(seq), 0) FROM change_log
$$;
"""

DOWNGRADE = """
DROP FUNCTION change_log_head();
DROP FUNCTION pull_changes(text, bigint, integer);
DROP FUNCTION register_client(text, text);
DROP FUNCTION scopes_of_role(text, text);
DROP TABLE audit_event;
DROP FUNCTION refuse_audit_change();
DROP TABLE sync_conflict;
DROP TABLE entity;
DROP TABLE change_log;
DROP TABLE applied_mutation;
DROP TABLE sync_client;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)

"""Client logins: what each machine's database login may read and write, enforced by the server.

Two group roles, `mash_hub_client` (hub staff machines) and `mash_partner_client` (partner agency
machines), hold the privileges; `mash server grant` makes a login a member of one and records it in
`client_login` (a partner's agency with it). A login's *cap* is what it may ever see:

    hub login      users, casework, reference
    partner login  users and its own agency:X (it writes only agency:X rows)
    anyone else    uncapped: the owner, a superuser, an administrator (as before this revision)

`register_client` caps the scopes of the user's role by the login's cap and binds the client id to
the login; `pull_changes` and `pull_reference` answer only through client ids the session's own
login registered. Row-level security on `change_log` and `entity` (rows whose scopes overlap the
cap), on `sync_client`, `applied_mutation` and `reference_batch` (the login's own clients) holds
even for a client that skips the functions and queries the tables. Owners and superusers are not
subject to it (RLS is enabled, not forced), so the SECURITY DEFINER functions see every row.

Roles are cluster-wide and a cluster holds many databases: they are created only where missing and
never dropped by a downgrade.

Revision ID: s0003_client_roles
Revises: s0002_reference
"""

from alembic import op

revision = "s0003_client_roles"
down_revision = "s0002_reference"
branch_labels = None
depends_on = None

# Whether a policy lets a row through: uncapped logins see everything, capped ones what overlaps.
_READABLE = "(SELECT login_read_scopes()) IS NULL OR scopes && (SELECT login_read_scopes())"
_WRITABLE = "(SELECT login_write_scopes()) IS NULL OR scopes && (SELECT login_write_scopes())"
_OWN_CLIENT = ("(SELECT login_read_scopes()) IS NULL OR client_id IN "
               "(SELECT s.client_id FROM sync_client s WHERE s.login_role = session_user)")
_CLIENT_GROUPS = "mash_hub_client, mash_partner_client"

UPGRADE = f"""
DO $$
DECLARE
    v_group text;
BEGIN
    FOREACH v_group IN ARRAY ARRAY['mash_hub_client', 'mash_partner_client'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_group) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', v_group);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;  -- another database of this cluster was migrated at the same moment
            END;
        END IF;
    END LOOP;
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO {_CLIENT_GROUPS}', current_database());
END $$;

CREATE TABLE client_login (
    login_role text PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('hub', 'partner')),
    agency text,
    granted_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'partner') = (agency IS NOT NULL))
);

-- The login that registered the client: NULL for clients registered before logins were recorded.
ALTER TABLE sync_client ADD COLUMN login_role text;

-- A login's cap, for reading or for writing; NULL when the login is not capped. A superuser or a
-- BYPASSRLS role is never capped: row-level security cannot bind it, so a cap would be a pretence.
-- A member of a group not listed in client_login (granted by hand) is capped all the same; a
-- partner whose agency is unknown sees only the users.
CREATE FUNCTION login_scopes_of(p_login text, p_writing boolean) RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_kind text;
    v_agency text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_login AND NOT rolsuper AND NOT rolbypassrls) THEN
        RETURN NULL;
    END IF;
    SELECT l.kind, l.agency INTO v_kind, v_agency FROM client_login l WHERE l.login_role = p_login;
    IF NOT FOUND THEN
        IF pg_has_role(p_login, 'mash_partner_client', 'MEMBER') THEN
            v_kind := 'partner';
        ELSIF pg_has_role(p_login, 'mash_hub_client', 'MEMBER') THEN
            v_kind := 'hub';
        ELSE
            RETURN NULL;
        END IF;
    END IF;
    IF v_kind = 'hub' THEN
        RETURN ARRAY['casework', 'reference', 'users'];
    END IF;
    -- A partner machine never writes a user: a user row carries a password hash hub staff sign in with.
    IF p_writing THEN
        RETURN CASE WHEN v_agency IS NULL THEN '{{}}'::text[] ELSE ARRAY['agency:' || v_agency] END;
    END IF;
    RETURN CASE WHEN v_agency IS NULL THEN ARRAY['users'] ELSE ARRAY['agency:' || v_agency, 'users'] END;
END $$;
REVOKE EXECUTE ON FUNCTION login_scopes_of(text, boolean) FROM PUBLIC;

-- The session's own caps: session_user, not current_user, so neither SET ROLE to a group nor a
-- SECURITY DEFINER function in between changes whose cap applies.
CREATE FUNCTION login_read_scopes() RETURNS text[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT login_scopes_of(session_user, false)
$$;
CREATE FUNCTION login_write_scopes() RETURNS text[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT login_scopes_of(session_user, true)
$$;

-- A client says who is syncing; the server decides what that user may pull, and the login the
-- client connects as caps it. Rows tagged with an agency are always case work too (kinds.scopes_for),
-- so a case worker at a partner machine sees that agency's rows, and a partner user at a hub machine
-- their own agency's; a supervisor's name typed at a partner machine reaches no other case work.
-- A client id stays with the login that registered it; one registered by an uncapped login (a
-- machine moving from the owner's credentials to its own login) passes to the next login to register.
CREATE OR REPLACE FUNCTION register_client(p_client text, p_username text) RETURNS text[]
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_role text := 'system';
    v_agency text;
    v_scopes text[];
    v_cap text[] := login_read_scopes();
BEGIN
    SELECT data->>'role', data->>'agency' INTO v_role, v_agency
      FROM entity WHERE kind = 'app_user' AND data->>'username' = p_username
       AND coalesce((data->>'active')::boolean, true);
    IF NOT FOUND THEN
        v_role := 'system';
        v_agency := NULL;
    END IF;
    v_scopes := scopes_of_role(v_role, v_agency);
    IF v_cap IS NOT NULL THEN
        v_scopes := ARRAY(
            SELECT c FROM unnest(v_cap) AS c
             WHERE c = ANY(v_scopes) OR (c LIKE 'agency:%' AND 'casework' = ANY(v_scopes))
            UNION
            SELECT s FROM unnest(v_scopes) AS s
             WHERE s LIKE 'agency:%' AND 'casework' = ANY(v_cap)
            ORDER BY 1
        );
    END IF;
    INSERT INTO sync_client (client_id, username, role, agency, scopes, login_role)
    VALUES (p_client, p_username, v_role, v_agency, v_scopes, session_user)
    ON CONFLICT (client_id) DO UPDATE
       SET username = excluded.username, role = excluded.role, agency = excluded.agency,
           scopes = excluded.scopes, login_role = excluded.login_role, seen_at = now()
     WHERE sync_client.login_role IS NOT DISTINCT FROM excluded.login_role
        OR login_scopes_of(sync_client.login_role, false) IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'client % is registered under another database login', p_client
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'each machine keeps the login it first synced with';
    END IF;
    RETURN v_scopes;
END $$;

-- The only way to read the change log: rows within the client's scopes, through a client id the
-- session's own login registered, and never past the login's cap (a client registered before its
-- login's grant changed keeps its old scopes until it registers again).
CREATE OR REPLACE FUNCTION pull_changes(p_client text, p_cursor bigint, p_limit integer)
RETURNS TABLE (seq bigint, kind text, entity_id text, op text, data jsonb)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT c.seq, c.kind, c.entity_id, c.op, c.data
      FROM change_log c JOIN sync_client s ON s.client_id = p_client AND s.login_role = session_user
     WHERE c.seq > p_cursor AND c.scopes && s.scopes
       AND ((SELECT login_read_scopes()) IS NULL OR c.scopes && (SELECT login_read_scopes()))
     ORDER BY c.seq
     LIMIT p_limit
$$;

CREATE OR REPLACE FUNCTION pull_reference(p_client text, p_after bigint, p_limit integer)
RETURNS TABLE (seq bigint, kind text, file_name text, body bytea, sha256 text, uploaded_by text,
               uploaded_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT b.seq, b.kind, b.file_name, b.body, b.sha256, b.uploaded_by, b.uploaded_at
      FROM reference_batch b JOIN sync_client s ON s.client_id = p_client AND s.login_role = session_user
     WHERE b.seq > p_after
       AND (b.kind IN ('policy', 'rag_rules') OR 'reference' = ANY(s.scopes))
     ORDER BY b.seq
     LIMIT p_limit
$$;

-- A push that finds two edits from one version keeps both for a supervisor. Partner logins may not
-- touch sync_conflict, so the push records its conflicts here, and only on rows it may write.
CREATE FUNCTION record_sync_conflict(p_kind text, p_entity_id text, p_server_data jsonb, p_client_data jsonb,
                                     p_mutation_id text, p_mutation_name text, p_author text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_cap text[] := login_write_scopes();
    v_id bigint;
BEGIN
    IF v_cap IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM entity e WHERE e.kind = p_kind AND e.id = p_entity_id AND e.scopes && v_cap
    ) THEN
        RAISE EXCEPTION '% % is not a row this login may write', p_kind, p_entity_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    INSERT INTO sync_conflict (kind, entity_id, server_data, client_data, mutation_id, mutation_name, author)
    VALUES (p_kind, p_entity_id, p_server_data, p_client_data, p_mutation_id, p_mutation_name, p_author)
    RETURNING id INTO v_id;
    RETURN v_id;
END $$;

-- Functions are executable by PUBLIC unless revoked: a role with no grant must not pull through them.
REVOKE EXECUTE ON FUNCTION register_client(text, text), pull_changes(text, bigint, integer),
    pull_reference(text, bigint, integer), change_log_head(), reference_head(),
    record_sync_conflict(text, text, jsonb, jsonb, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION register_client(text, text), pull_changes(text, bigint, integer),
    pull_reference(text, bigint, integer), change_log_head(), reference_head(),
    record_sync_conflict(text, text, jsonb, jsonb, text, text, text),
    login_read_scopes(), login_write_scopes() TO {_CLIENT_GROUPS};

-- What a push needs (mash_tui/server/apply.py), and no more.
GRANT USAGE ON SCHEMA public TO {_CLIENT_GROUPS};
GRANT SELECT, UPDATE (last_client_seq, seen_at) ON sync_client TO {_CLIENT_GROUPS};
GRANT SELECT, INSERT ON applied_mutation TO {_CLIENT_GROUPS};
GRANT SELECT, INSERT ON change_log TO {_CLIENT_GROUPS};
GRANT SELECT, INSERT, UPDATE ON entity TO {_CLIENT_GROUPS};
GRANT INSERT ON audit_event TO {_CLIENT_GROUPS};
-- Hub staff resolve conflicts and load reference data; reference batches are read through pull_reference.
GRANT SELECT, UPDATE (resolved_by, resolved_at, resolution) ON sync_conflict TO mash_hub_client;
GRANT INSERT ON reference_batch TO mash_hub_client;

ALTER TABLE change_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY change_log_read ON change_log FOR SELECT USING ({_READABLE});
CREATE POLICY change_log_append ON change_log FOR INSERT WITH CHECK ({_WRITABLE});

ALTER TABLE entity ENABLE ROW LEVEL SECURITY;
CREATE POLICY entity_read ON entity FOR SELECT USING ({_READABLE});
CREATE POLICY entity_insert ON entity FOR INSERT WITH CHECK ({_WRITABLE});
CREATE POLICY entity_update ON entity FOR UPDATE USING ({_WRITABLE}) WITH CHECK ({_WRITABLE});

ALTER TABLE sync_client ENABLE ROW LEVEL SECURITY;
CREATE POLICY sync_client_own ON sync_client
    USING ((SELECT login_read_scopes()) IS NULL OR login_role = session_user)
    WITH CHECK ((SELECT login_read_scopes()) IS NULL OR login_role = session_user);

ALTER TABLE applied_mutation ENABLE ROW LEVEL SECURITY;
CREATE POLICY applied_mutation_own ON applied_mutation USING ({_OWN_CLIENT}) WITH CHECK ({_OWN_CLIENT});

ALTER TABLE reference_batch ENABLE ROW LEVEL SECURITY;
CREATE POLICY reference_batch_read ON reference_batch FOR SELECT USING ((SELECT login_read_scopes()) IS NULL);
CREATE POLICY reference_batch_load ON reference_batch FOR INSERT WITH CHECK ({_OWN_CLIENT});
"""

DOWNGRADE = f"""
DROP POLICY reference_batch_load ON reference_batch;
DROP POLICY reference_batch_read ON reference_batch;
ALTER TABLE reference_batch DISABLE ROW LEVEL SECURITY;
DROP POLICY applied_mutation_own ON applied_mutation;
ALTER TABLE applied_mutation DISABLE ROW LEVEL SECURITY;
DROP POLICY sync_client_own ON sync_client;
ALTER TABLE sync_client DISABLE ROW LEVEL SECURITY;
DROP POLICY entity_update ON entity;
DROP POLICY entity_insert ON entity;
DROP POLICY entity_read ON entity;
ALTER TABLE entity DISABLE ROW LEVEL SECURITY;
DROP POLICY change_log_append ON change_log;
DROP POLICY change_log_read ON change_log;
ALTER TABLE change_log DISABLE ROW LEVEL SECURITY;

REVOKE ALL ON sync_client, applied_mutation, change_log, entity, audit_event, sync_conflict, reference_batch
    FROM {_CLIENT_GROUPS};
REVOKE USAGE ON SCHEMA public FROM {_CLIENT_GROUPS};
REVOKE EXECUTE ON FUNCTION register_client(text, text), pull_changes(text, bigint, integer),
    pull_reference(text, bigint, integer), change_log_head(), reference_head() FROM {_CLIENT_GROUPS};
GRANT EXECUTE ON FUNCTION register_client(text, text), pull_changes(text, bigint, integer),
    pull_reference(text, bigint, integer), change_log_head(), reference_head() TO PUBLIC;
DO $$
BEGIN
    EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM {_CLIENT_GROUPS}', current_database());
END $$;

DROP FUNCTION record_sync_conflict(text, text, jsonb, jsonb, text, text, text);

CREATE OR REPLACE FUNCTION pull_reference(p_client text, p_after bigint, p_limit integer)
RETURNS TABLE (seq bigint, kind text, file_name text, body bytea, sha256 text, uploaded_by text,
               uploaded_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT b.seq, b.kind, b.file_name, b.body, b.sha256, b.uploaded_by, b.uploaded_at
      FROM reference_batch b JOIN sync_client s ON s.client_id = p_client
     WHERE b.seq > p_after
       AND (b.kind IN ('policy', 'rag_rules') OR 'reference' = ANY(s.scopes))
     ORDER BY b.seq
     LIMIT p_limit
$$;

CREATE OR REPLACE FUNCTION pull_changes(p_client text, p_cursor bigint, p_limit integer)
RETURNS TABLE (seq bigint, kind text, entity_id text, op text, data jsonb)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT c.seq, c.kind, c.entity_id, c.op, c.data
      FROM change_log c JOIN sync_client s ON s.client_id = p_client
     WHERE c.seq > p_cursor AND c.scopes && s.scopes
     ORDER BY c.seq
     LIMIT p_limit
$$;

CREATE OR REPLACE FUNCTION register_client(p_client text, p_username text) RETURNS text[]
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

DROP FUNCTION login_write_scopes();
DROP FUNCTION login_read_scopes();
DROP FUNCTION login_scopes_of(text, boolean);
ALTER TABLE sync_client DROP COLUMN login_role;
DROP TABLE client_login;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)

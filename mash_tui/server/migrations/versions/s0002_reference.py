"""Reference data and policy in the shared database: each load a numbered batch every machine applies.

A batch is the file as it was loaded (zlib-compressed), so every machine runs the same loader on
the same bytes and ends with the same persons, involvements or policy. Batches are numbered under
an advisory lock, like the change log, so a reader asking for `seq > cursor` never skips one.

Revision ID: s0002_reference
Revises: s0001_shared
"""

from alembic import op

revision = "s0002_reference"
down_revision = "s0001_shared"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE reference_batch (
    seq bigint PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('persons', 'involvements', 'policy', 'rag_rules')),
    file_name text NOT NULL,
    body bytea NOT NULL,
    sha256 text NOT NULL,
    rows bigint,
    uploaded_by text NOT NULL,
    client_id text NOT NULL,
    uploaded_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION refuse_reference_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'reference batches are insert-only: load a new file instead';
END $$;
CREATE TRIGGER reference_batch_insert_only BEFORE UPDATE OR DELETE ON reference_batch
    FOR EACH ROW EXECUTE FUNCTION refuse_reference_change();

-- Who may pull what: case workers and the machine's owner (who loads reference data) get the
-- people known to the case system; every registered machine gets the policy.
CREATE OR REPLACE FUNCTION scopes_of_role(p_role text, p_agency text) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN p_role IN ('officer', 'decision_maker', 'supervisor') THEN ARRAY['users', 'casework', 'reference']
        WHEN p_role = 'partner' AND p_agency IS NOT NULL THEN ARRAY['users', 'agency:' || p_agency]
        WHEN p_role = 'system' THEN ARRAY['users', 'reference']
        ELSE ARRAY['users']
    END
$$;

CREATE FUNCTION pull_reference(p_client text, p_after bigint, p_limit integer)
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

CREATE FUNCTION reference_head() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT coalesce(max(seq), 0) FROM reference_batch
$$;
"""

DOWNGRADE = """
DROP FUNCTION reference_head();
DROP FUNCTION pull_reference(text, bigint, integer);
CREATE OR REPLACE FUNCTION scopes_of_role(p_role text, p_agency text) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN p_role IN ('officer', 'decision_maker', 'supervisor') THEN ARRAY['users', 'casework']
        WHEN p_role = 'partner' AND p_agency IS NOT NULL THEN ARRAY['users', 'agency:' || p_agency]
        ELSE ARRAY['users']
    END
$$;
DROP TABLE reference_batch;
DROP FUNCTION refuse_reference_change();
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)

//! The schema: versioned, migrated forward under an advisory lock so that several hosts may
//! start at once, refused when a newer library wrote it.
//!
//! It holds the invariants the rules rely on, as the SQLite schema does: composite foreign
//! keys `(tenant, id)` so that no row of one tenant points at another tenant's row; emails
//! unique per tenant (by the folded key the library computes); names unique per tenant (role
//! names per namespace); one Owner per agreement (a column, and no level row for the owner);
//! an append-only audit log (triggers refuse `UPDATE`, `DELETE` and `TRUNCATE`).
//!
//! `meta` holds the schema version, the head row (`revision`: the revision of the last
//! commit, updated inside each commit's transaction under `SELECT ... FOR UPDATE`, so that
//! revisions are dense and in commit order across hosts) and the next id of each kind.

use super::conn::Session;
use super::{fnv1a, quote_ident};
use crate::Error;

/// The schema version this library writes.
pub(super) const SCHEMA_VERSION: i64 = 5;

/// Version 1: every table.
const SCHEMA_V1: &str = r#"
CREATE TABLE meta (key text PRIMARY KEY, value bigint NOT NULL);
INSERT INTO meta (key, value) VALUES
    ('revision', 0), ('next_tenant', 1), ('next_user', 1), ('next_role', 1),
    ('next_group', 1), ('next_scope', 1), ('next_agreement', 1),
    -- This store's identity, for revision tokens (a token of another store is refused).
    ('store_id', (random() * 9.2e18)::bigint);
CREATE TABLE tenants (
    id bigint PRIMARY KEY,
    name text NOT NULL,
    superadmin bigint NOT NULL,
    created_at bigint NOT NULL,
    policy text,
    settings text
);
CREATE TABLE users (
    id bigint PRIMARY KEY,
    tenant bigint NOT NULL REFERENCES tenants (id),
    first_name text NOT NULL,
    last_name text NOT NULL,
    email text NOT NULL,
    email_key text NOT NULL,
    phone text,
    active boolean NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    last_login bigint,
    stamp bigint NOT NULL DEFAULT 0,
    UNIQUE (tenant, email_key),
    UNIQUE (tenant, id)
);
ALTER TABLE tenants ADD FOREIGN KEY (id, superadmin) REFERENCES users (tenant, id)
    DEFERRABLE INITIALLY DEFERRED;
CREATE TABLE roles (
    id bigint PRIMARY KEY,
    tenant bigint NOT NULL REFERENCES tenants (id),
    name text NOT NULL,
    name_key text NOT NULL,
    permissions text NOT NULL,
    scoped boolean NOT NULL,
    admin_tier boolean NOT NULL,
    namespace text NOT NULL,
    description text NOT NULL,
    created_at bigint NOT NULL,
    UNIQUE (tenant, namespace, name_key),
    UNIQUE (tenant, id)
);
CREATE TABLE scopes (
    id bigint PRIMARY KEY,
    tenant bigint NOT NULL REFERENCES tenants (id),
    kind text NOT NULL CHECK (kind IN ('call_group', 'ivr')),
    name text NOT NULL,
    name_key text NOT NULL,
    UNIQUE (tenant, kind, name_key),
    UNIQUE (tenant, id)
);
CREATE TABLE groups (
    id bigint PRIMARY KEY,
    tenant bigint NOT NULL REFERENCES tenants (id),
    name text NOT NULL,
    name_key text NOT NULL,
    created_at bigint NOT NULL,
    UNIQUE (tenant, name_key),
    UNIQUE (tenant, id)
);
CREATE TABLE user_roles (
    tenant bigint NOT NULL,
    user_id bigint NOT NULL,
    role_id bigint NOT NULL,
    PRIMARY KEY (user_id, role_id),
    FOREIGN KEY (tenant, user_id) REFERENCES users (tenant, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, role_id) REFERENCES roles (tenant, id) ON DELETE CASCADE
);
CREATE INDEX user_roles_role ON user_roles (role_id);
CREATE TABLE user_scopes (
    tenant bigint NOT NULL,
    user_id bigint NOT NULL,
    scope_id bigint NOT NULL,
    PRIMARY KEY (user_id, scope_id),
    FOREIGN KEY (tenant, user_id) REFERENCES users (tenant, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, scope_id) REFERENCES scopes (tenant, id) ON DELETE CASCADE
);
CREATE INDEX user_scopes_scope ON user_scopes (scope_id);
CREATE TABLE group_roles (
    tenant bigint NOT NULL,
    group_id bigint NOT NULL,
    role_id bigint NOT NULL,
    PRIMARY KEY (group_id, role_id),
    FOREIGN KEY (tenant, group_id) REFERENCES groups (tenant, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, role_id) REFERENCES roles (tenant, id) ON DELETE CASCADE
);
CREATE INDEX group_roles_role ON group_roles (role_id);
CREATE TABLE group_members (
    tenant bigint NOT NULL,
    group_id bigint NOT NULL,
    user_id bigint NOT NULL,
    PRIMARY KEY (group_id, user_id),
    FOREIGN KEY (tenant, group_id) REFERENCES groups (tenant, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, user_id) REFERENCES users (tenant, id) ON DELETE CASCADE
);
CREATE INDEX group_members_user ON group_members (user_id);
CREATE TABLE agreements (
    id bigint PRIMARY KEY,
    tenant bigint NOT NULL REFERENCES tenants (id),
    name text NOT NULL,
    name_key text NOT NULL,
    owner bigint NOT NULL,
    created_at bigint NOT NULL,
    UNIQUE (tenant, name_key),
    UNIQUE (tenant, id),
    FOREIGN KEY (tenant, owner) REFERENCES users (tenant, id)
);
CREATE TABLE levels (
    tenant bigint NOT NULL,
    agreement_id bigint NOT NULL,
    user_id bigint NOT NULL,
    product bigint NOT NULL CHECK (product BETWEEN 0 AND 6),
    level bigint NOT NULL CHECK (level BETWEEN 0 AND 2),
    PRIMARY KEY (agreement_id, user_id, product),
    FOREIGN KEY (tenant, agreement_id) REFERENCES agreements (tenant, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, user_id) REFERENCES users (tenant, id) ON DELETE CASCADE
);
CREATE INDEX levels_user ON levels (user_id);
CREATE TABLE pbx_links (
    tenant bigint NOT NULL,
    agreement_id bigint NOT NULL,
    user_id bigint NOT NULL,
    subscriber text NOT NULL,
    PRIMARY KEY (agreement_id, user_id),
    FOREIGN KEY (tenant, agreement_id) REFERENCES agreements (tenant, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, user_id) REFERENCES users (tenant, id) ON DELETE CASCADE
);
CREATE INDEX pbx_links_user ON pbx_links (user_id);
CREATE TABLE credentials (
    user_id bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    hash text NOT NULL,
    must_change boolean NOT NULL,
    changed_at bigint NOT NULL,
    failed_logins bigint NOT NULL CHECK (failed_logins >= 0),
    locked_until bigint
);
CREATE TABLE reset_tokens (
    hash text PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    issued_at bigint NOT NULL,
    expires_at bigint NOT NULL
);
CREATE INDEX reset_tokens_user ON reset_tokens (user_id);
CREATE TABLE commits (
    revision bigint PRIMARY KEY,
    at bigint NOT NULL,
    actor bigint,
    changes text NOT NULL
);
CREATE TABLE audit (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at bigint NOT NULL,
    tenant bigint NOT NULL,
    actor bigint,
    action text NOT NULL,
    outcome text NOT NULL,
    target_kind text,
    target_id bigint,
    detail text,
    revision bigint,
    before text,
    after text
);
CREATE INDEX audit_tenant_at ON audit (tenant, at);
CREATE INDEX audit_actor ON audit (actor, seq);
CREATE INDEX audit_target ON audit (target_kind, target_id, seq);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
"#;

/// Version 2: audit retention, as in SQLite. The audit log stays append-only, except below a
/// retention mark: `audit_retention.pruned_through` is the seq up to which events may be
/// deleted, and only [`Store::prune_audit`](crate::Store::prune_audit) raises it, deleting
/// those events in the same transaction (so no row at or below the mark is left to delete). The
/// mark only moves forward, is one row, and cannot be deleted or truncated; updating an event
/// and truncating the log stay refused. The triggers read the mark in the table's own schema,
/// whatever the deleting session's `search_path`.
const SCHEMA_V2: &str = r#"
CREATE TABLE audit_retention (
    id integer PRIMARY KEY CHECK (id = 1),
    pruned_through bigint NOT NULL
);
INSERT INTO audit_retention (id, pruned_through) VALUES (1, 0);
CREATE FUNCTION audit_retention_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.pruned_through >= OLD.pruned_through THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit retention mark is one row that only moves forward'
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_retention_forward BEFORE INSERT OR UPDATE OR DELETE ON audit_retention
    FOR EACH ROW EXECUTE FUNCTION audit_retention_forward();
CREATE TRIGGER audit_retention_no_truncate BEFORE TRUNCATE ON audit_retention
    FOR EACH STATEMENT EXECUTE FUNCTION audit_retention_forward();
CREATE FUNCTION audit_delete_below_mark() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    mark bigint;
BEGIN
    EXECUTE format('SELECT pruned_through FROM %I.audit_retention', TG_TABLE_SCHEMA) INTO mark;
    IF OLD.seq <= mark THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
DROP TRIGGER audit_no_change ON audit;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_delete_below_mark();
"#;

/// Version 3: contact-center scopes (issue 15), as SQLite's version 6. The check limiting
/// `scopes.kind` to call groups and IVRs goes (a kind is any name the library accepts: built-in
/// or tenant-defined); `scopes.parent` is a scope of the same tenant or NULL (a root), checked
/// by a deferred foreign key that does not cascade (a scope that still has children cannot be
/// deleted); every existing scope becomes a root. Two link tables: `user_grants` (a role
/// granted to a user for one scope) and `user_teams` (the teams a user is a member of),
/// cascading on the deletion of the user, role or scope as `user_scopes` does, which is left
/// as it is. Idempotent (a schema whose version was set back keeps its parents, grants and
/// teams).
const SCHEMA_V3: &str = r#"
DO $$
DECLARE
    c text;
BEGIN
    FOR c IN SELECT conname FROM pg_catalog.pg_constraint
             WHERE conrelid = 'scopes'::regclass AND contype = 'c'
    LOOP
        EXECUTE format('ALTER TABLE scopes DROP CONSTRAINT %I', c);
    END LOOP;
END
$$;
ALTER TABLE scopes ADD COLUMN IF NOT EXISTS parent bigint;
ALTER TABLE scopes DROP CONSTRAINT IF EXISTS scopes_parent_fkey;
ALTER TABLE scopes ADD CONSTRAINT scopes_parent_fkey FOREIGN KEY (tenant, parent)
    REFERENCES scopes (tenant, id) DEFERRABLE INITIALLY DEFERRED;
CREATE INDEX IF NOT EXISTS scopes_parent ON scopes (tenant, parent);
CREATE TABLE IF NOT EXISTS user_grants (
    tenant bigint NOT NULL,
    user_id bigint NOT NULL,
    role_id bigint NOT NULL,
    scope_id bigint NOT NULL,
    PRIMARY KEY (user_id, role_id, scope_id),
    FOREIGN KEY (tenant, user_id) REFERENCES users (tenant, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, role_id) REFERENCES roles (tenant, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, scope_id) REFERENCES scopes (tenant, id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS user_grants_role ON user_grants (role_id);
CREATE INDEX IF NOT EXISTS user_grants_scope ON user_grants (scope_id);
CREATE TABLE IF NOT EXISTS user_teams (
    tenant bigint NOT NULL,
    user_id bigint NOT NULL,
    scope_id bigint NOT NULL,
    PRIMARY KEY (user_id, scope_id),
    FOREIGN KEY (tenant, user_id) REFERENCES users (tenant, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, scope_id) REFERENCES scopes (tenant, id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS user_teams_scope ON user_teams (scope_id);
"#;

// ---- Version 4 -------------------------------------------------------------------------
// Issue 16, as SQLite's version 7. One step; each part idempotent (a schema whose version was
// set back re-runs it harmlessly). Later parts of version 4 go inside this constant, each in
// its own delimited block.

/// Version 4. Explicit deny: `roles.denied`, the permissions a role denies, in the encoding of
/// `roles.permissions` (dotted names separated by spaces); '' denies nothing. Time-bound
/// grants: `user_windows` holds the validity window of each time-bound assignment of a user
/// (`assignment` is the [`Assignment`](crate::Assignment) as JSON; `valid_from` /
/// `valid_until` ms since the Unix epoch, NULL when open), cascading on the deletion of the
/// user; `user_eligibility` the roles a user may activate (`scope_id` 0: held directly);
/// `users.break_glass` marks emergency accounts.
const SCHEMA_V4: &str = r#"
-- explicit deny: roles.denied
ALTER TABLE roles ADD COLUMN IF NOT EXISTS denied text NOT NULL DEFAULT '';
-- end explicit deny
-- time-bound grants, eligibility, break-glass
CREATE TABLE IF NOT EXISTS user_windows (
    tenant bigint NOT NULL,
    user_id bigint NOT NULL,
    assignment text NOT NULL,
    valid_from bigint,
    valid_until bigint,
    PRIMARY KEY (user_id, assignment),
    FOREIGN KEY (tenant, user_id) REFERENCES users (tenant, id) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS user_eligibility (
    tenant bigint NOT NULL,
    user_id bigint NOT NULL,
    role_id bigint NOT NULL,
    scope_id bigint NOT NULL,
    max_ms bigint NOT NULL CHECK (max_ms > 0),
    PRIMARY KEY (user_id, role_id, scope_id),
    FOREIGN KEY (tenant, user_id) REFERENCES users (tenant, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, role_id) REFERENCES roles (tenant, id) ON DELETE CASCADE
);
ALTER TABLE users ADD COLUMN IF NOT EXISTS break_glass boolean NOT NULL DEFAULT false;
-- end time-bound grants
"#;
// ---- end of version 4 ------------------------------------------------------------------

/// Version 5 (issue 17), as SQLite's version 8: `users.external_id`, the user's id in the
/// system it is provisioned from, unique per tenant when present. Idempotent.
const SCHEMA_V5: &str = r#"
ALTER TABLE users ADD COLUMN IF NOT EXISTS external_id text;
CREATE UNIQUE INDEX IF NOT EXISTS users_external_id ON users (tenant, external_id)
    WHERE external_id IS NOT NULL;
"#;

/// The migrations, in order: `MIGRATIONS[v - 1]` takes a schema from version `v - 1` to `v`.
const MIGRATIONS: &[&str] = &[SCHEMA_V1, SCHEMA_V2, SCHEMA_V3, SCHEMA_V4, SCHEMA_V5];

/// The advisory lock key of `schema`: migrations of one schema never run concurrently, while
/// stores in other schemas of the same database start freely.
pub(super) fn lock_key(schema: &str) -> i64 {
    i64::from_ne_bytes(fnv1a(format!("rolecall schema {schema}").as_bytes()).to_ne_bytes())
}

/// Creates or migrates the schema, or refuses it: [`Error::SchemaTooNew`] for a schema a newer
/// library wrote (nothing is changed), [`Error::Storage`] for a schema that holds tables of
/// something else.
pub(super) fn prepare(s: &mut Session) -> Result<(), Error> {
    let key = lock_key(&s.schema);
    s.begin("")?;
    let r = (|| {
        // Every host starting at once queues here; the first migrates, the others find the
        // schema current.
        s.client()?
            .execute("SELECT pg_advisory_xact_lock($1)", &[&key])
            .map_err(super::pg_error)?;
        let schema = s.schema.clone();
        s.batch(&format!(
            "CREATE SCHEMA IF NOT EXISTS {}",
            quote_ident(&schema)
        ))?;
        let version = stored_version(s)?;
        if version > SCHEMA_VERSION {
            return Err(Error::SchemaTooNew {
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate() {
            let target = i as i64 + 1;
            if version < target {
                s.batch(sql)?;
                s.client()?
                    .execute(
                        "INSERT INTO meta (key, value) VALUES ('schema_version', $1)
                         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                        &[&target],
                    )
                    .map_err(super::pg_error)?;
            }
        }
        Ok(())
    })();
    match r {
        Ok(()) => s.commit(),
        Err(e) => {
            s.rollback();
            Err(e)
        }
    }
}

/// The schema version stored in the schema: 0 when the schema is empty.
fn stored_version(s: &mut Session) -> Result<i64, Error> {
    let schema = s.schema.clone();
    let c = s.client()?;
    let tables: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = $1",
            &[&schema],
        )
        .map_err(super::pg_error)?
        .get(0);
    if tables == 0 {
        return Ok(0);
    }
    let has_meta: bool = c
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = $1 AND tablename = 'meta')",
            &[&schema],
        )
        .map_err(super::pg_error)?
        .get(0);
    let version = if has_meta {
        c.query_opt("SELECT value FROM meta WHERE key = 'schema_version'", &[])
            .map_err(super::pg_error)?
            .map(|r| r.get::<_, i64>(0))
    } else {
        None
    };
    version.ok_or_else(|| {
        Error::Storage(format!(
            "PostgreSQL schema {schema:?} holds tables that are not rolecall's: give the store \
             a schema of its own (PostgresOptions::schema); nothing was changed"
        ))
    })
}

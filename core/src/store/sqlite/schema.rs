//! The schema, one constant per version, and the migrations that are more than DDL.

use rusqlite::{params, Connection};

use super::storage;
use crate::Error;

pub(super) const SCHEMA_V1: &str = r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('revision', 0);
CREATE TABLE tenants (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    superadmin INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    FOREIGN KEY (id, superadmin) REFERENCES users (tenant, id) DEFERRABLE INITIALLY DEFERRED
);
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    tenant INTEGER NOT NULL REFERENCES tenants (id),
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL,
    phone TEXT,
    active INTEGER NOT NULL CHECK (active IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    last_login INTEGER,
    UNIQUE (tenant, email_key),
    UNIQUE (tenant, id)
);
CREATE TABLE roles (
    id INTEGER PRIMARY KEY,
    tenant INTEGER NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    permissions TEXT NOT NULL,
    scoped INTEGER NOT NULL CHECK (scoped IN (0, 1)),
    admin_tier INTEGER NOT NULL CHECK (admin_tier IN (0, 1)),
    preset TEXT,
    description TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (tenant, name_key),
    UNIQUE (tenant, id)
);
CREATE TABLE scopes (
    id INTEGER PRIMARY KEY,
    tenant INTEGER NOT NULL REFERENCES tenants (id),
    kind TEXT NOT NULL CHECK (kind IN ('call_group', 'ivr')),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    UNIQUE (tenant, kind, name_key),
    UNIQUE (tenant, id)
);
CREATE TABLE groups (
    id INTEGER PRIMARY KEY,
    tenant INTEGER NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (tenant, name_key),
    UNIQUE (tenant, id)
);
CREATE TABLE user_roles (
    tenant INTEGER NOT NULL,
    user INTEGER NOT NULL,
    role INTEGER NOT NULL,
    PRIMARY KEY (user, role),
    FOREIGN KEY (tenant, user) REFERENCES users (tenant, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, role) REFERENCES roles (tenant, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX user_roles_role ON user_roles (role);
CREATE TABLE user_scopes (
    tenant INTEGER NOT NULL,
    user INTEGER NOT NULL,
    scope INTEGER NOT NULL,
    PRIMARY KEY (user, scope),
    FOREIGN KEY (tenant, user) REFERENCES users (tenant, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, scope) REFERENCES scopes (tenant, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX user_scopes_scope ON user_scopes (scope);
CREATE TABLE group_roles (
    tenant INTEGER NOT NULL,
    grp INTEGER NOT NULL,
    role INTEGER NOT NULL,
    PRIMARY KEY (grp, role),
    FOREIGN KEY (tenant, grp) REFERENCES groups (tenant, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, role) REFERENCES roles (tenant, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX group_roles_role ON group_roles (role);
CREATE TABLE group_members (
    tenant INTEGER NOT NULL,
    grp INTEGER NOT NULL,
    user INTEGER NOT NULL,
    PRIMARY KEY (grp, user),
    FOREIGN KEY (tenant, grp) REFERENCES groups (tenant, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, user) REFERENCES users (tenant, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX group_members_user ON group_members (user);
CREATE TABLE agreements (
    id INTEGER PRIMARY KEY,
    tenant INTEGER NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    owner INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (tenant, name_key),
    UNIQUE (tenant, id),
    FOREIGN KEY (tenant, owner) REFERENCES users (tenant, id)
);
CREATE TABLE levels (
    tenant INTEGER NOT NULL,
    agreement INTEGER NOT NULL,
    user INTEGER NOT NULL,
    product INTEGER NOT NULL CHECK (product BETWEEN 0 AND 6),
    level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 2),
    PRIMARY KEY (agreement, user, product),
    FOREIGN KEY (tenant, agreement) REFERENCES agreements (tenant, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, user) REFERENCES users (tenant, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX levels_user ON levels (user);
CREATE TABLE pbx_links (
    tenant INTEGER NOT NULL,
    agreement INTEGER NOT NULL,
    user INTEGER NOT NULL,
    subscriber TEXT NOT NULL,
    PRIMARY KEY (agreement, user),
    FOREIGN KEY (tenant, agreement) REFERENCES agreements (tenant, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, user) REFERENCES users (tenant, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX pbx_links_user ON pbx_links (user);
CREATE TABLE commits (
    revision INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor INTEGER,
    changes TEXT NOT NULL
);
"#;

/// Version 2: credentials, recovery tokens, security stamps, password policies, audit log.
pub(super) const SCHEMA_V2: &str = r#"
ALTER TABLE users ADD COLUMN stamp INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tenants ADD COLUMN policy TEXT;
CREATE TABLE credentials (
    user INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    hash TEXT NOT NULL,
    must_change INTEGER NOT NULL CHECK (must_change IN (0, 1)),
    changed_at INTEGER NOT NULL,
    failed_logins INTEGER NOT NULL,
    locked_until INTEGER
);
CREATE TABLE reset_tokens (
    hash TEXT PRIMARY KEY,
    user INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    issued_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX reset_tokens_user ON reset_tokens (user);
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    tenant INTEGER NOT NULL,
    actor INTEGER,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    target_kind TEXT,
    target_id INTEGER,
    detail TEXT,
    revision INTEGER,
    before TEXT,
    after TEXT
);
INSERT INTO meta (key, value) SELECT 'next_tenant', coalesce(max(id), 0) + 1 FROM tenants;
INSERT INTO meta (key, value) SELECT 'next_user', coalesce(max(id), 0) + 1 FROM users;
INSERT INTO meta (key, value) SELECT 'next_role', coalesce(max(id), 0) + 1 FROM roles;
INSERT INTO meta (key, value) SELECT 'next_group', coalesce(max(id), 0) + 1 FROM groups;
INSERT INTO meta (key, value) SELECT 'next_scope', coalesce(max(id), 0) + 1 FROM scopes;
INSERT INTO meta (key, value) SELECT 'next_agreement', coalesce(max(id), 0) + 1 FROM agreements;
CREATE INDEX audit_tenant_at ON audit (tenant, at);
CREATE INDEX audit_actor ON audit (actor, seq);
CREATE INDEX audit_target ON audit (target_kind, target_id, seq);
CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"#;

pub(super) const SCHEMA_V3: &str = r#"
ALTER TABLE tenants ADD COLUMN settings TEXT;
-- Role names are unique per namespace (the preset a built-in role comes from, or 'custom'):
-- rebuild roles with UNIQUE (tenant, namespace, name_key). Runs with foreign keys off (see
-- `migrate`), so dropping the old table cascades nothing; user_roles and group_roles keep
-- referencing "roles" by name.
CREATE TABLE roles_v3 (
    id INTEGER PRIMARY KEY,
    tenant INTEGER NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    permissions TEXT NOT NULL,
    scoped INTEGER NOT NULL CHECK (scoped IN (0, 1)),
    admin_tier INTEGER NOT NULL CHECK (admin_tier IN (0, 1)),
    namespace TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (tenant, namespace, name_key),
    UNIQUE (tenant, id)
);
INSERT INTO roles_v3 (id, tenant, name, name_key, permissions, scoped, admin_tier, namespace, description, created_at)
    SELECT id, tenant, name, name_key, permissions, scoped, admin_tier, coalesce(preset, 'custom'), description, created_at
    FROM roles;
DROP TABLE roles;
ALTER TABLE roles_v3 RENAME TO roles;
-- Logged changes hold roles in the old shape: drop them, so an instance catching up reloads.
DELETE FROM commits;
"#;

/// Version 5: audit retention. The audit log stays append-only, except below a retention
/// mark: `audit_retention.pruned_through` is the seq up to which events may be deleted, and
/// only [`Store::prune_audit`](crate::Store::prune_audit) raises it, deleting those events in
/// the same transaction (so no row at or below the mark is left to delete). The mark only
/// moves forward and cannot be deleted; any other delete of an event is refused, as before.
pub(super) const SCHEMA_V5: &str = r#"
-- Idempotent: a file whose user_version was set back re-runs it harmlessly.
CREATE TABLE IF NOT EXISTS audit_retention (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    pruned_through INTEGER NOT NULL
);
INSERT INTO audit_retention (id, pruned_through)
    SELECT 1, 0 WHERE NOT EXISTS (SELECT 1 FROM audit_retention);
CREATE TRIGGER IF NOT EXISTS audit_retention_forward BEFORE UPDATE ON audit_retention
    WHEN NEW.pruned_through < OLD.pruned_through OR NEW.id IS NOT OLD.id
    BEGIN SELECT RAISE(ABORT, 'the audit retention mark only moves forward'); END;
CREATE TRIGGER IF NOT EXISTS audit_retention_kept BEFORE DELETE ON audit_retention
    BEGIN SELECT RAISE(ABORT, 'the audit retention mark cannot be deleted'); END;
CREATE TRIGGER IF NOT EXISTS audit_retention_single BEFORE INSERT ON audit_retention
    BEGIN SELECT RAISE(ABORT, 'the audit log has one retention mark'); END;
DROP TRIGGER IF EXISTS audit_append_only_delete;
CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
    WHEN OLD.seq > (SELECT pruned_through FROM audit_retention)
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"#;

/// Version 6: contact-center scopes (issue 15). `scopes` is rebuilt without the
/// `CHECK (kind IN ('call_group', 'ivr'))` (a kind is any name the library accepts: built-in or
/// tenant-defined) and with a `parent` column: a scope of the same tenant or NULL (a root),
/// checked by a deferred foreign key that does not cascade (a scope that still has children
/// cannot be deleted). Every scope becomes a root. Two link tables: `user_grants` (a role
/// granted to a user for one scope) and `user_teams` (the teams a user is a member of),
/// cascading on the deletion of the user, role or scope as `user_scopes` does. `user_scopes`
/// is left as it is. Runs with foreign keys off (see `migrate`): dropping the old `scopes`
/// cascades nothing, and the link tables keep referencing "scopes" by name.
///
/// Idempotent, as version 5: the rebuild ([`SCHEMA_V6_SCOPES`]) runs only on a `scopes` table
/// without a `parent` column, and the rest ([`SCHEMA_V6`]) creates only what is missing, so a
/// file whose user_version was set back keeps its parents, grants and teams.
pub(super) const SCHEMA_V6_SCOPES: &str = r#"
CREATE TABLE scopes_v6 (
    id INTEGER PRIMARY KEY,
    tenant INTEGER NOT NULL REFERENCES tenants (id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    parent INTEGER,
    UNIQUE (tenant, kind, name_key),
    UNIQUE (tenant, id),
    FOREIGN KEY (tenant, parent) REFERENCES scopes (tenant, id) DEFERRABLE INITIALLY DEFERRED
);
INSERT INTO scopes_v6 (id, tenant, kind, name, name_key, parent)
    SELECT id, tenant, kind, name, name_key, NULL FROM scopes;
DROP TABLE scopes;
ALTER TABLE scopes_v6 RENAME TO scopes;
"#;

/// Version 6, after [`SCHEMA_V6_SCOPES`]: the index of parents and the two link tables.
pub(super) const SCHEMA_V6: &str = r#"
CREATE INDEX IF NOT EXISTS scopes_parent ON scopes (tenant, parent);
CREATE TABLE IF NOT EXISTS user_grants (
    tenant INTEGER NOT NULL,
    user INTEGER NOT NULL,
    role INTEGER NOT NULL,
    scope INTEGER NOT NULL,
    PRIMARY KEY (user, role, scope),
    FOREIGN KEY (tenant, user) REFERENCES users (tenant, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, role) REFERENCES roles (tenant, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, scope) REFERENCES scopes (tenant, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS user_grants_role ON user_grants (role);
CREATE INDEX IF NOT EXISTS user_grants_scope ON user_grants (scope);
CREATE TABLE IF NOT EXISTS user_teams (
    tenant INTEGER NOT NULL,
    user INTEGER NOT NULL,
    scope INTEGER NOT NULL,
    PRIMARY KEY (user, scope),
    FOREIGN KEY (tenant, user) REFERENCES users (tenant, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, scope) REFERENCES scopes (tenant, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS user_teams_scope ON user_teams (scope);
"#;

// ---- Version 7 -------------------------------------------------------------------------
// Issue 16. One step, run when user_version < 7; each part idempotent (a file whose
// user_version was set back re-runs it harmlessly). Later parts of version 7 go inside this
// step, each in its own delimited block.

/// Version 7, explicit deny: `roles.denied`, the permissions a role denies, in the encoding of
/// `roles.permissions` (dotted names separated by spaces); '' denies nothing. Added only when
/// missing.
pub(super) fn migrate_v7(tx: &Connection, path: &str) -> Result<(), Error> {
    let st = |e| storage(path, e);
    // -- explicit deny: roles.denied --
    let has_denied: i64 = tx
        .query_row(
            "SELECT count(*) FROM pragma_table_info('roles') WHERE name = 'denied'",
            [],
            |r| r.get(0),
        )
        .map_err(st)?;
    if has_denied == 0 {
        tx.execute_batch("ALTER TABLE roles ADD COLUMN denied TEXT NOT NULL DEFAULT '';")
            .map_err(st)?;
    }
    // -- end explicit deny --
    // -- time-bound grants, eligibility, break-glass --
    tx.execute_batch(SCHEMA_V7_WINDOWS).map_err(st)?;
    let has_flag: i64 = tx
        .query_row(
            "SELECT count(*) FROM pragma_table_info('users') WHERE name = 'break_glass'",
            [],
            |r| r.get(0),
        )
        .map_err(st)?;
    if has_flag == 0 {
        tx.execute_batch(SCHEMA_V7_BREAK_GLASS).map_err(st)?;
    }
    // -- end time-bound grants --
    Ok(())
}
// ---- end of version 7 ------------------------------------------------------------------

// ---- Version 8 -------------------------------------------------------------------------
// Issue 17. One step, run when user_version < 8; idempotent.

/// Version 8: `users.external_id`, the user's id in the system it is provisioned from,
/// unique per tenant when present. Added only when missing.
pub(super) fn migrate_v8(tx: &Connection, path: &str) -> Result<(), Error> {
    let st = |e| storage(path, e);
    let has: i64 = tx
        .query_row(
            "SELECT count(*) FROM pragma_table_info('users') WHERE name = 'external_id'",
            [],
            |r| r.get(0),
        )
        .map_err(st)?;
    if has == 0 {
        tx.execute_batch("ALTER TABLE users ADD COLUMN external_id TEXT;")
            .map_err(st)?;
    }
    tx.execute_batch(
        "CREATE UNIQUE INDEX IF NOT EXISTS users_external_id ON users (tenant, external_id)
           WHERE external_id IS NOT NULL;",
    )
    .map_err(st)?;
    Ok(())
}
// ---- end of version 8 ------------------------------------------------------------------

/// Version 7: time-bound grants (issue 16). `user_windows` holds the validity window of each
/// time-bound assignment of a user: `assignment` is the [`Assignment`](crate::Assignment) as
/// JSON, `valid_from` / `valid_until` ms since the Unix epoch (NULL: open).
/// `user_eligibility` holds the roles a user may activate (`scope` 0: held directly), and
/// `users.break_glass` ([`SCHEMA_V7_BREAK_GLASS`], added when missing) marks emergency
/// accounts. Rows cascade on the deletion of the user (and of the role, for eligibility).
/// Idempotent (creates only what is missing).
pub(super) const SCHEMA_V7_WINDOWS: &str = r#"
CREATE TABLE IF NOT EXISTS user_windows (
    tenant INTEGER NOT NULL,
    user INTEGER NOT NULL,
    assignment TEXT NOT NULL,
    valid_from INTEGER,
    valid_until INTEGER,
    PRIMARY KEY (user, assignment),
    FOREIGN KEY (tenant, user) REFERENCES users (tenant, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS user_eligibility (
    tenant INTEGER NOT NULL,
    user INTEGER NOT NULL,
    role INTEGER NOT NULL,
    scope INTEGER NOT NULL,
    max_ms INTEGER NOT NULL CHECK (max_ms > 0),
    PRIMARY KEY (user, role, scope),
    FOREIGN KEY (tenant, user) REFERENCES users (tenant, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, role) REFERENCES roles (tenant, id) ON DELETE CASCADE
) WITHOUT ROWID;
"#;

/// Version 7, when `users` has no `break_glass` column yet.
pub(super) const SCHEMA_V7_BREAK_GLASS: &str =
    "ALTER TABLE users ADD COLUMN break_glass INTEGER NOT NULL DEFAULT 0 CHECK (break_glass IN (0, 1));";

/// Version 4: login emails compare by Unicode NFKC and full case folding
/// ([`validate::email_key`](crate::domain::validate::email_key)) instead of `to_lowercase`.
/// Every user's `email_key` is recomputed in Rust; two users of one tenant whose emails now
/// give the same key stop the migration with [`Error::Corrupt`] naming both (the file is left
/// as it was: change one of the two emails with the previous version, then open it again).
pub(super) fn migrate_v4_email_keys(tx: &Connection, path: &str) -> Result<(), Error> {
    let st = |e| storage(path, e);
    let mut rows: Vec<(i64, i64, String, String)> = Vec::new();
    {
        let mut q = tx
            .prepare("SELECT id, tenant, email, email_key FROM users ORDER BY id")
            .map_err(st)?;
        let mut it = q.query([]).map_err(st)?;
        while let Some(r) = it.next().map_err(st)? {
            rows.push((
                r.get(0).map_err(st)?,
                r.get(1).map_err(st)?,
                r.get(2).map_err(st)?,
                r.get(3).map_err(st)?,
            ));
        }
    }
    let mut seen: std::collections::HashMap<(i64, String), (i64, &str)> =
        std::collections::HashMap::with_capacity(rows.len());
    let mut changed = Vec::new();
    for (id, tenant, email, old_key) in &rows {
        let key = crate::domain::validate::email_key(email);
        if let Some((other, other_email)) = seen.insert((*tenant, key.clone()), (*id, email)) {
            return Err(Error::Corrupt(format!(
                "{path}: users #{other} ({other_email:?}) and #{id} ({email:?}) of tenant \
                 #{tenant} have the same login once emails compare by Unicode normalisation \
                 and full case folding; change one of the two emails with the previous \
                 version of rolecall, then open the file again (it was left unchanged)"
            )));
        }
        if key != *old_key {
            changed.push((*id, key));
        }
    }
    // Two passes, so that no intermediate state collides with a key about to change.
    for (id, _) in &changed {
        tx.execute(
            "UPDATE users SET email_key = ?2 WHERE id = ?1",
            params![id, format!("\u{1}migrating {id}")],
        )
        .map_err(st)?;
    }
    for (id, key) in &changed {
        tx.execute(
            "UPDATE users SET email_key = ?2 WHERE id = ?1",
            params![id, key],
        )
        .map_err(st)?;
    }
    Ok(())
}

//! Writing a commit into the tables: the write transaction's body, then one function per kind of
//! record.

use std::collections::BTreeMap;

use rusqlite::types::ToSql;
use rusqlite::{params, Connection, ErrorCode, OptionalExtension};

use super::{storage, SqliteStore, LOG_KEEP};

use crate::credentials::Credential;
use crate::domain::{
    AccessLevel, Agreement, AgreementId, Change, Commit, Group, ObjectKind, Permission, Product,
    Role, Scope, Tenant, TenantId, User, UserId,
};
use crate::Error;

use super::audit::insert_audit;
use super::read::stored_revision;

impl SqliteStore {
    /// Writes `commit` (its log entry `json`) in the open write transaction.
    pub(super) fn write_commit(&self, commit: &Commit, json: &str) -> Result<(), Error> {
        let path = &self.path;
        let tx = &self.conn;
        let st = |e| storage(path, e);
        let stored = stored_revision(tx).map_err(st)?;
        if stored + 1 != commit.revision {
            return Err(Error::RevisionConflict {
                stored,
                expected: commit.revision - 1,
            });
        }
        // Without the counter, no user is taken for new.
        let new_users: Option<i64> = tx
            .query_row("SELECT value FROM meta WHERE key = 'next_user'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(st)?;
        let new_users = new_users.map_or(u64::MAX, |n| u64::try_from(n).unwrap_or(u64::MAX));
        for c in &commit.changes {
            apply_change(tx, c, new_users).map_err(|e| match e.sqlite_error_code() {
                Some(ErrorCode::ConstraintViolation) => Error::Corrupt(format!(
                    "{path}: change {c:?} breaks a schema constraint: {e}"
                )),
                _ => storage(path, e),
            })?;
        }
        tx.execute(
            "INSERT INTO commits (revision, at, actor, changes) VALUES (?1, ?2, ?3, ?4)",
            params![commit.revision as i64, commit.at, commit.actor, json],
        )
        .map_err(st)?;
        if commit.revision > LOG_KEEP {
            tx.execute(
                "DELETE FROM commits WHERE revision <= ?1",
                [(commit.revision - LOG_KEEP) as i64],
            )
            .map_err(st)?;
        }
        // One update per kind: a bulk import allocates many ids.
        let mut next: BTreeMap<ObjectKind, u64> = BTreeMap::new();
        for (kind, id) in commit.changes.iter().filter_map(Change::allocated_id) {
            let n = next.entry(kind).or_default();
            *n = (*n).max(id);
        }
        for (kind, id) in next {
            tx.execute(
                "UPDATE meta SET value = max(value, ?2) WHERE key = ?1",
                params![format!("next_{kind}"), id as i64 + 1],
            )
            .map_err(st)?;
        }
        insert_audit(tx, &commit.audit).map_err(st)?;
        tx.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'revision'",
            [commit.revision as i64],
        )
        .map_err(st)?;
        Ok(())
    }
}

pub(super) fn fold(s: &str) -> String {
    crate::domain::validate::fold(s)
}

pub(super) fn perms_text(p: Permission) -> String {
    p.names().join(" ")
}

/// Writes one change. `new_users` is the first user id no stored row can have (the stored next
/// user id): a user record from there on is new, with no link rows to replace.
pub(super) fn apply_change(tx: &Connection, c: &Change, new_users: u64) -> rusqlite::Result<()> {
    match c {
        Change::TenantPut(t) => put_tenant(tx, t),
        Change::UserPut(u) => put_user(tx, u, u.id.0 >= new_users),
        Change::UserDeleted { id } => exec(tx, "DELETE FROM users WHERE id = ?1", [id]),
        Change::LoginRecorded { user, at } => exec(
            tx,
            "UPDATE users SET last_login = ?2 WHERE id = ?1",
            params![user, at],
        ),
        Change::StampSet { users, stamp } => set_stamps(tx, users, *stamp),
        Change::RolePut(r) => put_role(tx, r),
        Change::RoleDeleted { id } => exec(tx, "DELETE FROM roles WHERE id = ?1", [id]),
        Change::GroupPut(g) => put_group(tx, g),
        Change::GroupDeleted { id } => exec(tx, "DELETE FROM groups WHERE id = ?1", [id]),
        Change::MemberAdded { group, user } => exec(
            tx,
            "INSERT OR IGNORE INTO group_members (tenant, grp, user)
             SELECT tenant, id, ?2 FROM groups WHERE id = ?1",
            params![group, user],
        ),
        Change::MemberRemoved { group, user } => exec(
            tx,
            "DELETE FROM group_members WHERE grp = ?1 AND user = ?2",
            params![group, user],
        ),
        Change::ScopePut(s) => put_scope(tx, s),
        Change::ScopeDeleted { id } => exec(tx, "DELETE FROM scopes WHERE id = ?1", [id]),
        Change::AgreementPut(a) => put_agreement(tx, a),
        Change::LevelSet {
            agreement,
            user,
            product,
            level,
        } => set_level(tx, *agreement, *user, *product, *level),
        Change::PbxLinkSet {
            agreement,
            user,
            subscriber,
        } => set_pbx_link(tx, *agreement, *user, subscriber.as_deref()),
        Change::CredentialPut(c) => put_credential(tx, c),
        Change::ResetTokenPut(t) => exec(
            tx,
            "INSERT OR REPLACE INTO reset_tokens (hash, user, issued_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![t.hash, t.user, t.issued_at, t.expires_at],
        ),
        Change::ResetTokensCleared { user } => {
            exec(tx, "DELETE FROM reset_tokens WHERE user = ?1", [user])
        }
    }
}

/// Runs one statement (prepared once per connection), whatever the number of rows it changes.
pub(super) fn exec(tx: &Connection, sql: &str, p: impl rusqlite::Params) -> rusqlite::Result<()> {
    tx.prepare_cached(sql)?.execute(p).map(drop)
}

/// Replaces the link rows of `owner` (its roles, its scopes) with `items`: `delete` takes the
/// owner, `insert` the tenant, the owner and one item.
pub(super) fn replace_links<O: ToSql, I: ToSql>(
    tx: &Connection,
    (delete, insert): (&str, &str),
    tenant: TenantId,
    owner: O,
    items: impl IntoIterator<Item = I>,
) -> rusqlite::Result<()> {
    exec(tx, delete, [&owner])?;
    insert_links(tx, insert, tenant, owner, items)
}

/// Inserts the link rows of `owner` (which has none yet).
fn insert_links<O: ToSql, I: ToSql>(
    tx: &Connection,
    insert: &str,
    tenant: TenantId,
    owner: O,
    items: impl IntoIterator<Item = I>,
) -> rusqlite::Result<()> {
    let mut items = items.into_iter().peekable();
    if items.peek().is_none() {
        return Ok(());
    }
    let mut ins = tx.prepare_cached(insert)?;
    for item in items {
        ins.execute(params![tenant, owner, item])?;
    }
    Ok(())
}

pub(super) fn put_tenant(tx: &Connection, t: &Tenant) -> rusqlite::Result<()> {
    exec(
        tx,
        "INSERT INTO tenants (id, name, superadmin, created_at, policy, settings)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET name = ?2, superadmin = ?3, policy = ?5, settings = ?6",
        params![
            t.id,
            t.name,
            t.superadmin,
            t.created_at,
            serde_json::to_string(&t.policy).unwrap_or_default(),
            serde_json::to_string(&t.settings).unwrap_or_default()
        ],
    )
}

/// Writes a user's record and its link rows; a `fresh` user (never stored) has no link rows to
/// delete first.
pub(super) fn put_user(tx: &Connection, u: &User, fresh: bool) -> rusqlite::Result<()> {
    exec(
        tx,
        "INSERT INTO users (id, tenant, first_name, last_name, email, email_key, phone, active, created_at, updated_at, last_login, stamp, break_glass, external_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT (id) DO UPDATE SET first_name = ?3, last_name = ?4, email = ?5, email_key = ?6,
           phone = ?7, active = ?8, updated_at = ?10, last_login = ?11, stamp = ?12, break_glass = ?13,
           external_id = ?14",
        params![
            u.id,
            u.tenant,
            u.first_name,
            u.last_name,
            u.email,
            crate::domain::validate::email_key(&u.email),
            u.phone,
            u.active,
            u.created_at,
            u.updated_at,
            u.last_login,
            u.stamp as i64,
            u.break_glass,
            u.external_id
        ],
    )?;
    if !fresh {
        for table in [
            "DELETE FROM user_roles WHERE user = ?1",
            "DELETE FROM user_scopes WHERE user = ?1",
            "DELETE FROM user_grants WHERE user = ?1",
            "DELETE FROM user_teams WHERE user = ?1",
            "DELETE FROM user_windows WHERE user = ?1",
            "DELETE FROM user_eligibility WHERE user = ?1",
        ] {
            exec(tx, table, [u.id])?;
        }
    }
    insert_links(
        tx,
        "INSERT INTO user_roles (tenant, user, role) VALUES (?1, ?2, ?3)",
        u.tenant,
        u.id,
        &u.roles,
    )?;
    insert_links(
        tx,
        "INSERT INTO user_scopes (tenant, user, scope) VALUES (?1, ?2, ?3)",
        u.tenant,
        u.id,
        &u.scopes,
    )?;
    if !u.grants.is_empty() {
        let mut ins = tx.prepare_cached(
            "INSERT INTO user_grants (tenant, user, role, scope) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for g in &u.grants {
            ins.execute(params![u.tenant, u.id, g.role, g.scope])?;
        }
    }
    insert_links(
        tx,
        "INSERT INTO user_teams (tenant, user, scope) VALUES (?1, ?2, ?3)",
        u.tenant,
        u.id,
        &u.teams,
    )?;
    if u.windows.is_empty() && u.eligible.is_empty() {
        return Ok(());
    }
    let mut ins = tx.prepare_cached(
        "INSERT INTO user_windows (tenant, user, assignment, valid_from, valid_until)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (a, w) in &u.windows {
        let key = serde_json::to_string(a)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?;
        ins.execute(params![u.tenant, u.id, key, w.from, w.until])?;
    }
    let mut ins = tx.prepare_cached(
        "INSERT INTO user_eligibility (tenant, user, role, scope, max_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for e in &u.eligible {
        ins.execute(params![
            u.tenant,
            u.id,
            e.role,
            e.scope.map_or(0, |s| s.0 as i64),
            e.max_ms
        ])?;
    }
    Ok(())
}

pub(super) fn set_stamps(tx: &Connection, users: &[UserId], stamp: u64) -> rusqlite::Result<()> {
    let mut up = tx.prepare_cached("UPDATE users SET stamp = ?2 WHERE id = ?1")?;
    for u in users {
        up.execute(params![u, stamp as i64])?;
    }
    Ok(())
}

pub(super) fn put_role(tx: &Connection, r: &Role) -> rusqlite::Result<()> {
    exec(
        tx,
        "INSERT INTO roles (id, tenant, name, name_key, permissions, scoped, admin_tier, namespace, description, created_at, denied)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (id) DO UPDATE SET name = ?3, name_key = ?4, permissions = ?5, scoped = ?6,
           admin_tier = ?7, namespace = ?8, description = ?9, denied = ?11",
        params![
            r.id,
            r.tenant,
            r.name,
            fold(&r.name),
            perms_text(r.permissions),
            r.scoped,
            r.admin_tier,
            r.namespace.name(),
            r.description,
            r.created_at,
            perms_text(r.denied)
        ],
    )
}

pub(super) fn put_group(tx: &Connection, g: &Group) -> rusqlite::Result<()> {
    exec(
        tx,
        "INSERT INTO groups (id, tenant, name, name_key, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET name = ?3, name_key = ?4",
        params![g.id, g.tenant, g.name, fold(&g.name), g.created_at],
    )?;
    replace_links(
        tx,
        (
            "DELETE FROM group_roles WHERE grp = ?1",
            "INSERT INTO group_roles (tenant, grp, role) VALUES (?1, ?2, ?3)",
        ),
        g.tenant,
        g.id,
        &g.roles,
    )
}

pub(super) fn put_scope(tx: &Connection, s: &Scope) -> rusqlite::Result<()> {
    exec(
        tx,
        "INSERT INTO scopes (id, tenant, kind, name, name_key, parent) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET kind = ?3, name = ?4, name_key = ?5, parent = ?6",
        params![s.id, s.tenant, s.kind.name(), s.name, fold(&s.name), s.parent],
    )
}

pub(super) fn put_agreement(tx: &Connection, a: &Agreement) -> rusqlite::Result<()> {
    exec(
        tx,
        "INSERT INTO agreements (id, tenant, name, name_key, owner, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET name = ?3, name_key = ?4, owner = ?5",
        params![a.id, a.tenant, a.name, fold(&a.name), a.owner, a.created_at],
    )?;
    exec(
        tx,
        "DELETE FROM levels WHERE agreement = ?1 AND user = ?2",
        params![a.id, a.owner],
    )
}

pub(super) fn set_level(
    tx: &Connection,
    agreement: AgreementId,
    user: UserId,
    product: Product,
    level: AccessLevel,
) -> rusqlite::Result<()> {
    if level == AccessLevel::Owner {
        return Ok(());
    }
    exec(
        tx,
        "INSERT INTO levels (tenant, agreement, user, product, level)
         SELECT tenant, id, ?2, ?3, ?4 FROM agreements WHERE id = ?1 AND owner != ?2
         ON CONFLICT (agreement, user, product) DO UPDATE SET level = excluded.level",
        params![agreement, user, product as i64, level as i64],
    )
}

pub(super) fn set_pbx_link(
    tx: &Connection,
    agreement: AgreementId,
    user: UserId,
    subscriber: Option<&str>,
) -> rusqlite::Result<()> {
    match subscriber {
        Some(s) => exec(
            tx,
            "INSERT INTO pbx_links (tenant, agreement, user, subscriber)
             SELECT tenant, id, ?2, ?3 FROM agreements WHERE id = ?1
             ON CONFLICT (agreement, user) DO UPDATE SET subscriber = excluded.subscriber",
            params![agreement, user, s],
        ),
        None => exec(
            tx,
            "DELETE FROM pbx_links WHERE agreement = ?1 AND user = ?2",
            params![agreement, user],
        ),
    }
}

pub(super) fn put_credential(tx: &Connection, c: &Credential) -> rusqlite::Result<()> {
    exec(
        tx,
        "INSERT INTO credentials (user, hash, must_change, changed_at, failed_logins, locked_until)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (user) DO UPDATE SET hash = ?2, must_change = ?3, changed_at = ?4,
           failed_logins = ?5, locked_until = ?6",
        params![
            c.user,
            c.hash,
            c.must_change,
            c.changed_at,
            c.failed_logins,
            c.locked_until
        ],
    )
}

//! Commits: the typed changes written to the tables, the head row, the commit log and the
//! next ids, all in one transaction; and the log read back for incremental catch-up.

use postgres::types::ToSql;

use super::conn::Session;
use super::{credentials, db};
use crate::domain::{
    AccessLevel, Agreement, AgreementId, Change, Commit, Group, NextIds, Permission, Product, Role,
    Scope, Tenant, User, UserId,
};
use crate::Error;

/// The head row's revision, read in the current transaction.
pub(super) fn stored_revision(s: &mut Session) -> Result<u64, Error> {
    let r = s.query_one("SELECT value FROM meta WHERE key = 'revision'", &[])?;
    Ok(r.get::<_, i64>(0) as u64)
}

/// How much of the log to keep: the last `commits`, none older than `max_age_ms`.
#[derive(Clone, Copy, Debug)]
pub(super) struct LogKeep {
    pub(super) commits: u64,
    pub(super) max_age_ms: i64,
}

/// How often (in revisions) commits past their age are pruned: a scan of the log, not worth
/// running at every commit.
const AGE_PRUNE_EVERY: u64 = 64;

/// Writes `commit` (its log entry `json`, empty for a commit too large to log) in the open
/// write transaction, which holds the head row's lock.
pub(super) fn write_commit(
    s: &mut Session,
    commit: &Commit,
    json: &str,
    keep: LogKeep,
) -> Result<(), Error> {
    let stored = stored_revision(s)?;
    if stored + 1 != commit.revision {
        return Err(Error::RevisionConflict {
            stored,
            expected: commit.revision - 1,
        });
    }
    for c in &commit.changes {
        apply_change(s, c).map_err(|e| match e {
            Error::Corrupt(m) => Error::Corrupt(format!("change {c:?}: {m}")),
            e => e,
        })?;
    }
    let revision = db(commit.revision);
    s.exec(
        "INSERT INTO commits (revision, at, actor, changes) VALUES ($1, $2, $3, $4)",
        &[&revision, &commit.at, &commit.actor.map(|a| db(a.0)), &json],
    )?;
    if commit.revision > keep.commits {
        s.exec(
            "DELETE FROM commits WHERE revision <= $1",
            &[&db(commit.revision - keep.commits)],
        )?;
    }
    if commit.revision % AGE_PRUNE_EVERY == 0 {
        s.exec(
            "DELETE FROM commits WHERE at < $1 AND revision < $2",
            &[&commit.at.saturating_sub(keep.max_age_ms), &revision],
        )?;
    }
    // One UPDATE per kind, not per record: every UPDATE of a row in this transaction leaves a
    // version that later ones walk, which made a bulk import quadratic.
    let mut next = NextIds::default();
    for (k, id) in commit.changes.iter().filter_map(Change::allocated_id) {
        next[k] = next[k].max(id + 1);
    }
    for (k, id) in next.iter().filter(|(_, id)| *id > 0) {
        s.exec(
            "UPDATE meta SET value = greatest(value, $2) WHERE key = $1",
            &[&format!("next_{}", k.name()), &db(id)],
        )?;
    }
    super::audit::insert(s, &commit.audit)?;
    s.exec(
        "UPDATE meta SET value = $1 WHERE key = 'revision'",
        &[&revision],
    )?;
    // The nudge for other instances (delivered at commit, dropped on rollback).
    let channel = s.channel.clone();
    s.exec(
        "SELECT pg_notify($1, $2)",
        &[&channel, &commit.revision.to_string()],
    )?;
    Ok(())
}

/// The commits after `revision` in the current transaction, or `None` when the log no longer
/// holds them all (pruned, or a commit logged without its changes).
pub(super) fn commits_since(s: &mut Session, revision: u64) -> Result<Option<Vec<Commit>>, Error> {
    let stored = stored_revision(s)?;
    if stored <= revision {
        return Ok(Some(Vec::new()));
    }
    let oldest: Option<i64> = s
        .query_one("SELECT min(revision) FROM commits", &[])?
        .get(0);
    if oldest.is_none_or(|o| o as u64 > revision + 1) {
        return Ok(None);
    }
    let rows = s.query(
        "SELECT revision, at, actor, changes FROM commits WHERE revision > $1 ORDER BY revision",
        &[&db(revision)],
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let json: &str = r.get(3);
        if json.is_empty() {
            return Ok(None);
        }
        out.push(Commit {
            revision: r.get::<_, i64>(0) as u64,
            at: r.get(1),
            actor: r.get::<_, Option<i64>>(2).map(|a| UserId(a as u64)),
            changes: serde_json::from_str(json)
                .map_err(|e| Error::Corrupt(format!("commit log: {e}")))?,
            audit: Vec::new(),
        });
    }
    Ok(Some(out))
}

fn fold(s: &str) -> String {
    crate::domain::validate::fold(s)
}

fn perms_text(p: Permission) -> String {
    p.names().join(" ")
}

/// Writes one change to the tables it touches.
fn apply_change(s: &mut Session, c: &Change) -> Result<(), Error> {
    let one = |s: &mut Session, sql: &'static str, p: &[&(dyn ToSql + Sync)]| s.exec(sql, p);
    match c {
        Change::TenantPut(t) => put_tenant(s, t),
        Change::UserPut(u) => put_user(s, u),
        Change::UserDeleted { id } => {
            one(s, "DELETE FROM users WHERE id = $1", &[&db(id.0)]).map(drop)
        }
        Change::LoginRecorded { user, at } => one(
            s,
            "UPDATE users SET last_login = $2 WHERE id = $1",
            &[&db(user.0), at],
        )
        .map(drop),
        Change::StampSet { users, stamp } => {
            for u in users {
                one(
                    s,
                    "UPDATE users SET stamp = $2 WHERE id = $1",
                    &[&db(u.0), &db(*stamp)],
                )?;
            }
            Ok(())
        }
        Change::RolePut(r) => put_role(s, r),
        Change::RoleDeleted { id } => {
            one(s, "DELETE FROM roles WHERE id = $1", &[&db(id.0)]).map(drop)
        }
        Change::GroupPut(g) => put_group(s, g),
        Change::GroupDeleted { id } => {
            one(s, "DELETE FROM groups WHERE id = $1", &[&db(id.0)]).map(drop)
        }
        Change::MemberAdded { group, user } => one(
            s,
            "INSERT INTO group_members (tenant, group_id, user_id)
             SELECT tenant, id, $2 FROM groups WHERE id = $1
             ON CONFLICT DO NOTHING",
            &[&db(group.0), &db(user.0)],
        )
        .map(drop),
        Change::MemberRemoved { group, user } => one(
            s,
            "DELETE FROM group_members WHERE group_id = $1 AND user_id = $2",
            &[&db(group.0), &db(user.0)],
        )
        .map(drop),
        Change::ScopePut(sc) => put_scope(s, sc),
        Change::ScopeDeleted { id } => {
            one(s, "DELETE FROM scopes WHERE id = $1", &[&db(id.0)]).map(drop)
        }
        Change::AgreementPut(a) => put_agreement(s, a),
        Change::LevelSet {
            agreement,
            user,
            product,
            level,
        } => set_level(s, *agreement, *user, *product, *level),
        Change::PbxLinkSet {
            agreement,
            user,
            subscriber,
        } => set_pbx_link(s, *agreement, *user, subscriber.as_deref()),
        Change::CredentialPut(c) => credentials::put_credential(s, c),
        Change::ResetTokenPut(t) => credentials::put_reset_token(s, t),
        Change::ResetTokensCleared { user } => credentials::clear_reset_tokens(s, *user),
    }
}

/// Replaces the link rows of `owner` (its roles, its scopes) with `items`: `delete` takes the
/// owner, `insert` the tenant, the owner and one item.
fn replace_links(
    s: &mut Session,
    (delete, insert): (&'static str, &'static str),
    tenant: i64,
    owner: i64,
    items: impl IntoIterator<Item = u64>,
) -> Result<(), Error> {
    s.exec(delete, &[&owner])?;
    for item in items {
        s.exec(insert, &[&tenant, &owner, &db(item)])?;
    }
    Ok(())
}

fn put_tenant(s: &mut Session, t: &Tenant) -> Result<(), Error> {
    let json = |v: Result<String, serde_json::Error>| v.unwrap_or_default();
    s.exec(
        "INSERT INTO tenants (id, name, superadmin, created_at, policy, settings)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET name = $2, superadmin = $3, policy = $5, settings = $6",
        &[
            &db(t.id.0),
            &t.name,
            &db(t.superadmin.0),
            &t.created_at,
            &json(serde_json::to_string(&t.policy)),
            &json(serde_json::to_string(&t.settings)),
        ],
    )
    .map(drop)
}

fn put_user(s: &mut Session, u: &User) -> Result<(), Error> {
    let (id, tenant) = (db(u.id.0), db(u.tenant.0));
    s.exec(
        "INSERT INTO users (id, tenant, first_name, last_name, email, email_key, phone, active,
                            created_at, updated_at, last_login, stamp, break_glass, external_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         ON CONFLICT (id) DO UPDATE SET first_name = $3, last_name = $4, email = $5,
           email_key = $6, phone = $7, active = $8, updated_at = $10, last_login = $11,
           stamp = $12, break_glass = $13, external_id = $14",
        &[
            &id,
            &tenant,
            &u.first_name,
            &u.last_name,
            &u.email,
            &crate::domain::validate::email_key(&u.email),
            &u.phone,
            &u.active,
            &u.created_at,
            &u.updated_at,
            &u.last_login,
            &db(u.stamp),
            &u.break_glass,
            &u.external_id,
        ],
    )?;
    replace_links(
        s,
        (
            "DELETE FROM user_roles WHERE user_id = $1",
            "INSERT INTO user_roles (tenant, user_id, role_id) VALUES ($1, $2, $3)",
        ),
        tenant,
        id,
        u.roles.iter().map(|r| r.0),
    )?;
    replace_links(
        s,
        (
            "DELETE FROM user_scopes WHERE user_id = $1",
            "INSERT INTO user_scopes (tenant, user_id, scope_id) VALUES ($1, $2, $3)",
        ),
        tenant,
        id,
        u.scopes.iter().map(|x| x.0),
    )?;
    s.exec("DELETE FROM user_grants WHERE user_id = $1", &[&id])?;
    for g in &u.grants {
        s.exec(
            "INSERT INTO user_grants (tenant, user_id, role_id, scope_id) VALUES ($1, $2, $3, $4)",
            &[&tenant, &id, &db(g.role.0), &db(g.scope.0)],
        )?;
    }
    replace_links(
        s,
        (
            "DELETE FROM user_teams WHERE user_id = $1",
            "INSERT INTO user_teams (tenant, user_id, scope_id) VALUES ($1, $2, $3)",
        ),
        tenant,
        id,
        u.teams.iter().map(|x| x.0),
    )?;
    s.exec("DELETE FROM user_windows WHERE user_id = $1", &[&id])?;
    for (a, w) in &u.windows {
        let key = serde_json::to_string(a).map_err(|e| Error::Storage(e.to_string()))?;
        s.exec(
            "INSERT INTO user_windows (tenant, user_id, assignment, valid_from, valid_until)
             VALUES ($1, $2, $3, $4, $5)",
            &[&tenant, &id, &key, &w.from, &w.until],
        )?;
    }
    s.exec("DELETE FROM user_eligibility WHERE user_id = $1", &[&id])?;
    for e in &u.eligible {
        s.exec(
            "INSERT INTO user_eligibility (tenant, user_id, role_id, scope_id, max_ms)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &tenant,
                &id,
                &db(e.role.0),
                &db(e.scope.map_or(0, |s| s.0)),
                &e.max_ms,
            ],
        )?;
    }
    Ok(())
}

fn put_role(s: &mut Session, r: &Role) -> Result<(), Error> {
    s.exec(
        "INSERT INTO roles (id, tenant, name, name_key, permissions, scoped, admin_tier,
                            namespace, description, created_at, denied)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (id) DO UPDATE SET name = $3, name_key = $4, permissions = $5, scoped = $6,
           admin_tier = $7, namespace = $8, description = $9, denied = $11",
        &[
            &db(r.id.0),
            &db(r.tenant.0),
            &r.name,
            &fold(&r.name),
            &perms_text(r.permissions),
            &r.scoped,
            &r.admin_tier,
            &r.namespace.name(),
            &r.description,
            &r.created_at,
            &perms_text(r.denied),
        ],
    )
    .map(drop)
}

fn put_group(s: &mut Session, g: &Group) -> Result<(), Error> {
    let (id, tenant) = (db(g.id.0), db(g.tenant.0));
    s.exec(
        "INSERT INTO groups (id, tenant, name, name_key, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO UPDATE SET name = $3, name_key = $4",
        &[&id, &tenant, &g.name, &fold(&g.name), &g.created_at],
    )?;
    replace_links(
        s,
        (
            "DELETE FROM group_roles WHERE group_id = $1",
            "INSERT INTO group_roles (tenant, group_id, role_id) VALUES ($1, $2, $3)",
        ),
        tenant,
        id,
        g.roles.iter().map(|r| r.0),
    )
}

fn put_scope(s: &mut Session, sc: &Scope) -> Result<(), Error> {
    s.exec(
        "INSERT INTO scopes (id, tenant, kind, name, name_key, parent)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET kind = $3, name = $4, name_key = $5, parent = $6",
        &[
            &db(sc.id.0),
            &db(sc.tenant.0),
            &sc.kind.name(),
            &sc.name,
            &fold(&sc.name),
            &sc.parent.map(|p| db(p.0)),
        ],
    )
    .map(drop)
}

fn put_agreement(s: &mut Session, a: &Agreement) -> Result<(), Error> {
    let (id, owner) = (db(a.id.0), db(a.owner.0));
    s.exec(
        "INSERT INTO agreements (id, tenant, name, name_key, owner, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET name = $3, name_key = $4, owner = $5",
        &[
            &id,
            &db(a.tenant.0),
            &a.name,
            &fold(&a.name),
            &owner,
            &a.created_at,
        ],
    )?;
    // The owner holds every product as Owner through the column, never through a level row.
    s.exec(
        "DELETE FROM levels WHERE agreement_id = $1 AND user_id = $2",
        &[&id, &owner],
    )
    .map(drop)
}

fn set_level(
    s: &mut Session,
    agreement: AgreementId,
    user: UserId,
    product: Product,
    level: AccessLevel,
) -> Result<(), Error> {
    if level == AccessLevel::Owner {
        return Ok(());
    }
    s.exec(
        "INSERT INTO levels (tenant, agreement_id, user_id, product, level)
         SELECT tenant, id, $2, $3, $4 FROM agreements WHERE id = $1 AND owner <> $2
         ON CONFLICT (agreement_id, user_id, product) DO UPDATE SET level = EXCLUDED.level",
        &[
            &db(agreement.0),
            &db(user.0),
            &(product as i64),
            &(level as i64),
        ],
    )
    .map(drop)
}

fn set_pbx_link(
    s: &mut Session,
    agreement: AgreementId,
    user: UserId,
    subscriber: Option<&str>,
) -> Result<(), Error> {
    let (a, u) = (db(agreement.0), db(user.0));
    match subscriber {
        Some(sub) => s.exec(
            "INSERT INTO pbx_links (tenant, agreement_id, user_id, subscriber)
             SELECT tenant, id, $2, $3 FROM agreements WHERE id = $1
             ON CONFLICT (agreement_id, user_id) DO UPDATE SET subscriber = EXCLUDED.subscriber",
            &[&a, &u, &sub],
        ),
        None => s.exec(
            "DELETE FROM pbx_links WHERE agreement_id = $1 AND user_id = $2",
            &[&a, &u],
        ),
    }
    .map(drop)
}

//! Reading the whole state back as changes, one function per table family.

use rusqlite::types::FromSql;
use rusqlite::{Connection, OptionalExtension};

use super::{corrupt, storage};
use crate::credentials::{Credential, PasswordPolicy, ResetToken};
use crate::domain::{
    AccessLevel, Agreement, Assignment, Change, Eligibility, Group, GroupId, NextIds, ObjectKind,
    Permission, Product, Role, RoleId, RoleNamespace, Scope, ScopeGrant, ScopeId, ScopeKind,
    Tenant, TenantId, TenantSettings, User, UserId, Window,
};
use crate::Error;

/// The revision the file holds (`meta.revision`).
pub(super) fn stored_revision(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row("SELECT value FROM meta WHERE key = 'revision'", [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|v| v as u64)
}

/// The u64 stored as the integer with the same 64 bits (stamps, revisions, sequence numbers).
pub(super) fn unsigned(v: i64) -> u64 {
    v as u64
}

/// The next id of each kind, as stored in `meta` (0 when missing; unchecked, so signed).
pub(super) fn read_next_ids(conn: &Connection) -> rusqlite::Result<Vec<(ObjectKind, i64)>> {
    ObjectKind::ALL
        .into_iter()
        .map(|kind| {
            let next = conn
                .query_row(
                    "SELECT value FROM meta WHERE key = ?1",
                    [format!("next_{kind}")],
                    |r| r.get::<_, i64>(0),
                )
                .optional()?;
            Ok((kind, next.unwrap_or(0)))
        })
        .collect()
}

/// `next_ids` as [`NextIds`], negatives as 0 (after [`check_ids`], there are none).
pub(super) fn next_ids_of(next_ids: &[(ObjectKind, i64)]) -> NextIds {
    let mut out = NextIds::default();
    next_ids
        .iter()
        .for_each(|&(kind, next)| out[kind] = next.max(0) as u64);
    out
}

/// Runs `row` on every row of `sql`.
pub(super) fn each_row(
    tx: &Connection,
    path: &str,
    sql: &str,
    mut row: impl FnMut(&rusqlite::Row<'_>) -> Result<(), Error>,
) -> Result<(), Error> {
    let st = |e| storage(path, e);
    let mut q = tx.prepare(sql).map_err(st)?;
    let mut rows = q.query([]).map_err(st)?;
    while let Some(r) = rows.next().map_err(st)? {
        row(r)?;
    }
    Ok(())
}

/// `(owner, item)` pairs ordered by owner, for a merge with the owners' rows.
pub(super) type Pairs<O, T> = std::iter::Peekable<std::vec::IntoIter<(O, T)>>;

/// Reads `(owner, item)` pairs ordered by owner, for a merge with the owners' rows.
pub(super) fn read_pairs<O: FromSql, T: FromSql>(
    tx: &Connection,
    path: &str,
    sql: &str,
) -> Result<Pairs<O, T>, Error> {
    let st = |e| storage(path, e);
    let mut out = Vec::new();
    each_row(tx, path, sql, |r| {
        out.push((r.get(0).map_err(st)?, r.get(1).map_err(st)?));
        Ok(())
    })?;
    Ok(out.into_iter().peekable())
}

/// The items of `owner` from pairs ordered by owner; pairs of owners that have no row (which
/// foreign keys rule out) are skipped.
pub(super) fn take_pairs<O: Ord, T: Ord>(
    pairs: &mut Pairs<O, T>,
    owner: O,
) -> std::collections::BTreeSet<T> {
    while pairs.next_if(|(o, _)| *o < owner).is_some() {}
    std::iter::from_fn(|| pairs.next_if(|(o, _)| *o == owner).map(|(_, t)| t)).collect()
}

/// Reads the whole state as changes, in an order that rebuilds it (parents before children).
pub(super) fn read_state(
    tx: &Connection,
    path: &str,
    sink: &mut dyn FnMut(Change),
) -> Result<u64, Error> {
    let revision = stored_revision(tx).map_err(|e| storage(path, e))?;
    read_tenants(tx, path, sink)?;
    read_roles(tx, path, sink)?;
    read_scopes(tx, path, sink)?;
    read_users(tx, path, sink)?;
    read_groups(tx, path, sink)?;
    read_agreements(tx, path, sink)?;
    read_credentials(tx, path, sink)?;
    Ok(revision)
}

/// Tenants, with their password policy and settings.
pub(super) fn read_tenants(
    tx: &Connection,
    path: &str,
    sink: &mut dyn FnMut(Change),
) -> Result<(), Error> {
    let st = |e| storage(path, e);
    each_row(
        tx,
        path,
        "SELECT id, name, superadmin, created_at, policy, settings FROM tenants ORDER BY id",
        |r| {
            let tid: TenantId = r.get(0).map_err(st)?;
            let policy: Option<String> = r.get(4).map_err(st)?;
            let settings: Option<String> = r.get(5).map_err(st)?;
            sink(Change::TenantPut(Tenant {
                id: tid,
                name: r.get(1).map_err(st)?,
                superadmin: r.get(2).map_err(st)?,
                created_at: r.get(3).map_err(st)?,
                policy: match policy {
                    None => PasswordPolicy::default(),
                    Some(p) => serde_json::from_str(&p)
                        .map_err(|e| corrupt(format!("{tid} password policy: {e}")))?,
                },
                settings: match settings {
                    None => TenantSettings::default(),
                    Some(s) => serde_json::from_str(&s)
                        .map_err(|e| corrupt(format!("{tid} settings: {e}")))?,
                },
            }));
            Ok(())
        },
    )
}

/// Roles; a permission the catalogue no longer knows is damage.
pub(super) fn read_roles(
    tx: &Connection,
    path: &str,
    sink: &mut dyn FnMut(Change),
) -> Result<(), Error> {
    let st = |e| storage(path, e);
    each_row(tx, path, "SELECT id, tenant, name, permissions, scoped, admin_tier, namespace, description, created_at, denied FROM roles ORDER BY id", |r| {
        let rid: RoleId = r.get(0).map_err(st)?;
        let perms = |text: String| {
            let mut out = Permission::empty();
            for n in text.split_whitespace() {
                out |= Permission::by_name(n).map_err(|_| {
                    corrupt(format!("{rid} holds permission {n:?}, which this version of the catalogue does not know"))
                })?;
            }
            Ok::<_, Error>(out)
        };
        let permissions = perms(r.get(3).map_err(st)?)?;
        let denied = perms(r.get(9).map_err(st)?)?;
        let namespace: String = r.get(6).map_err(st)?;
        sink(Change::RolePut(Role {
            id: rid,
            tenant: r.get(1).map_err(st)?,
            name: r.get(2).map_err(st)?,
            permissions,
            denied,
            scoped: r.get(4).map_err(st)?,
            admin_tier: r.get(5).map_err(st)?,
            namespace: namespace
                .parse::<RoleNamespace>()
                .map_err(|_| corrupt(format!("{rid} has unknown namespace {namespace:?}")))?,
            description: r.get(7).map_err(st)?,
            created_at: r.get(8).map_err(st)?,
        }));
        Ok(())
    })
}

/// Scopes, parents before children; a parent that is missing, of another tenant, or a cycle
/// is damage.
pub(super) fn read_scopes(
    tx: &Connection,
    path: &str,
    sink: &mut dyn FnMut(Change),
) -> Result<(), Error> {
    let st = |e| storage(path, e);
    let mut scopes = Vec::new();
    each_row(
        tx,
        path,
        "SELECT id, tenant, kind, name, parent FROM scopes ORDER BY id",
        |r| {
            let kind: String = r.get(2).map_err(st)?;
            scopes.push(Scope {
                id: r.get(0).map_err(st)?,
                tenant: r.get(1).map_err(st)?,
                kind: kind
                    .parse::<ScopeKind>()
                    .map_err(|_| corrupt(format!("unknown scope kind {kind:?}")))?,
                name: r.get(3).map_err(st)?,
                parent: r.get(4).map_err(st)?,
            });
            Ok(())
        },
    )?;
    for s in crate::store::order_scopes(scopes)? {
        sink(Change::ScopePut(s));
    }
    Ok(())
}

/// The first link row of a user naming a role or scope of another tenant than the user's
/// (or a missing one), which the foreign keys rule out in an undamaged file.
const FOREIGN_LINKS: &[(&str, &str)] = &[
    (
        "holds a grant of role",
        "SELECT g.user, g.role FROM user_grants g JOIN users u ON u.id = g.user
         LEFT JOIN roles x ON x.id = g.role
         WHERE x.tenant IS NOT u.tenant OR g.tenant IS NOT u.tenant LIMIT 1",
    ),
    (
        "holds a grant for scope",
        "SELECT g.user, g.scope FROM user_grants g JOIN users u ON u.id = g.user
         LEFT JOIN scopes x ON x.id = g.scope
         WHERE x.tenant IS NOT u.tenant OR g.tenant IS NOT u.tenant LIMIT 1",
    ),
    (
        "is a member of team",
        "SELECT t.user, t.scope FROM user_teams t JOIN users u ON u.id = t.user
         LEFT JOIN scopes x ON x.id = t.scope
         WHERE x.tenant IS NOT u.tenant OR t.tenant IS NOT u.tenant LIMIT 1",
    ),
];

/// Users, with the roles and scopes they hold directly, their grants and their teams; a
/// grant or team membership naming a role or scope of another tenant is damage.
pub(super) fn read_users(
    tx: &Connection,
    path: &str,
    sink: &mut dyn FnMut(Change),
) -> Result<(), Error> {
    let st = |e| storage(path, e);
    let mut user_roles = read_pairs::<UserId, RoleId>(
        tx,
        path,
        "SELECT user, role FROM user_roles ORDER BY user, role",
    )?;
    let mut user_scopes = read_pairs::<UserId, ScopeId>(
        tx,
        path,
        "SELECT user, scope FROM user_scopes ORDER BY user, scope",
    )?;
    for (what, sql) in FOREIGN_LINKS {
        each_row(tx, path, sql, |r| {
            let (user, item): (i64, i64) = (r.get(0).map_err(st)?, r.get(1).map_err(st)?);
            Err(corrupt(format!(
                "user #{user} {what} #{item} that is missing or of another tenant: the file is damaged"
            )))
        })?;
    }
    let mut user_grants: Pairs<UserId, (RoleId, ScopeId)> = {
        let mut out = Vec::new();
        each_row(
            tx,
            path,
            "SELECT user, role, scope FROM user_grants ORDER BY user, role, scope",
            |r| {
                out.push((
                    r.get(0).map_err(st)?,
                    (r.get(1).map_err(st)?, r.get(2).map_err(st)?),
                ));
                Ok(())
            },
        )?;
        out.into_iter().peekable()
    };
    let mut user_teams = read_pairs::<UserId, ScopeId>(
        tx,
        path,
        "SELECT user, scope FROM user_teams ORDER BY user, scope",
    )?;
    let mut user_windows: Pairs<UserId, (Assignment, Window)> = {
        let mut out = Vec::new();
        each_row(
            tx,
            path,
            "SELECT user, assignment, valid_from, valid_until FROM user_windows ORDER BY user, assignment",
            |r| {
                let user: UserId = r.get(0).map_err(st)?;
                let text: String = r.get(1).map_err(st)?;
                let a: Assignment = serde_json::from_str(&text).map_err(|e| {
                    corrupt(format!(
                        "user {user} has a validity window for {:?}, not an assignment ({e}): the file is damaged",
                        crate::domain::truncate_for_message(&text)
                    ))
                })?;
                let w = Window {
                    from: r.get(2).map_err(st)?,
                    until: r.get(3).map_err(st)?,
                };
                out.push((user, (a, w)));
                Ok(())
            },
        )?;
        out.into_iter().peekable()
    };
    let mut user_eligibility: Pairs<UserId, Eligibility> = {
        let mut out = Vec::new();
        each_row(
            tx,
            path,
            "SELECT user, role, scope, max_ms FROM user_eligibility ORDER BY user, role, scope",
            |r| {
                let scope: i64 = r.get(2).map_err(st)?;
                out.push((
                    r.get(0).map_err(st)?,
                    Eligibility {
                        role: r.get(1).map_err(st)?,
                        scope: (scope != 0).then_some(ScopeId(scope as u64)),
                        max_ms: r.get(3).map_err(st)?,
                    },
                ));
                Ok(())
            },
        )?;
        out.into_iter().peekable()
    };
    each_row(tx, path, "SELECT id, tenant, first_name, last_name, email, phone, active, created_at, updated_at, last_login, stamp, break_glass, external_id FROM users ORDER BY id", |r| {
        let uid: UserId = r.get(0).map_err(st)?;
        sink(Change::UserPut(User {
            id: uid,
            tenant: r.get(1).map_err(st)?,
            first_name: r.get(2).map_err(st)?,
            last_name: r.get(3).map_err(st)?,
            email: r.get(4).map_err(st)?,
            phone: r.get(5).map_err(st)?,
            external_id: r.get(12).map_err(st)?,
            active: r.get(6).map_err(st)?,
            roles: take_pairs(&mut user_roles, uid),
            scopes: take_pairs(&mut user_scopes, uid),
            grants: take_pairs(&mut user_grants, uid)
                .into_iter()
                .map(|(role, scope)| ScopeGrant { role, scope })
                .collect(),
            teams: take_pairs(&mut user_teams, uid),
            windows: take_pairs(&mut user_windows, uid).into_iter().collect(),
            eligible: take_pairs(&mut user_eligibility, uid),
            break_glass: r.get(11).map_err(st)?,
            created_at: r.get(7).map_err(st)?,
            updated_at: r.get(8).map_err(st)?,
            last_login: r.get(9).map_err(st)?,
            stamp: unsigned(r.get(10).map_err(st)?),
        }));
        Ok(())
    })
}

/// Groups, with the roles they grant, then their members.
pub(super) fn read_groups(
    tx: &Connection,
    path: &str,
    sink: &mut dyn FnMut(Change),
) -> Result<(), Error> {
    let st = |e| storage(path, e);
    let mut group_roles = read_pairs::<GroupId, RoleId>(
        tx,
        path,
        "SELECT grp, role FROM group_roles ORDER BY grp, role",
    )?;
    each_row(
        tx,
        path,
        "SELECT id, tenant, name, created_at FROM groups ORDER BY id",
        |r| {
            let gid: GroupId = r.get(0).map_err(st)?;
            sink(Change::GroupPut(Group {
                id: gid,
                tenant: r.get(1).map_err(st)?,
                name: r.get(2).map_err(st)?,
                roles: take_pairs(&mut group_roles, gid),
                created_at: r.get(3).map_err(st)?,
            }));
            Ok(())
        },
    )?;
    each_row(tx, path, "SELECT grp, user FROM group_members", |r| {
        sink(Change::MemberAdded {
            group: r.get(0).map_err(st)?,
            user: r.get(1).map_err(st)?,
        });
        Ok(())
    })
}

/// Agreements, then their access levels and PBX subscriber links.
pub(super) fn read_agreements(
    tx: &Connection,
    path: &str,
    sink: &mut dyn FnMut(Change),
) -> Result<(), Error> {
    let st = |e| storage(path, e);
    each_row(
        tx,
        path,
        "SELECT id, tenant, name, owner, created_at FROM agreements ORDER BY id",
        |r| {
            sink(Change::AgreementPut(Agreement {
                id: r.get(0).map_err(st)?,
                tenant: r.get(1).map_err(st)?,
                name: r.get(2).map_err(st)?,
                owner: r.get(3).map_err(st)?,
                created_at: r.get(4).map_err(st)?,
            }));
            Ok(())
        },
    )?;
    each_row(
        tx,
        path,
        "SELECT agreement, user, product, level FROM levels ORDER BY agreement, user, product",
        |r| {
            let product: i64 = r.get(2).map_err(st)?;
            let level: i64 = r.get(3).map_err(st)?;
            sink(Change::LevelSet {
                agreement: r.get(0).map_err(st)?,
                user: r.get(1).map_err(st)?,
                product: Product::from_index(product as u32)
                    .map_err(|_| corrupt(format!("unknown product {product}")))?,
                level: AccessLevel::from_index(level as u32)
                    .map_err(|_| corrupt(format!("unknown level {level}")))?,
            });
            Ok(())
        },
    )?;
    each_row(
        tx,
        path,
        "SELECT agreement, user, subscriber FROM pbx_links ORDER BY agreement, user",
        |r| {
            sink(Change::PbxLinkSet {
                agreement: r.get(0).map_err(st)?,
                user: r.get(1).map_err(st)?,
                subscriber: Some(r.get(2).map_err(st)?),
            });
            Ok(())
        },
    )
}

/// Passwords, then pending recovery tokens.
pub(super) fn read_credentials(
    tx: &Connection,
    path: &str,
    sink: &mut dyn FnMut(Change),
) -> Result<(), Error> {
    let st = |e| storage(path, e);
    each_row(tx, path, "SELECT user, hash, must_change, changed_at, failed_logins, locked_until FROM credentials ORDER BY user", |r| {
        sink(Change::CredentialPut(Credential {
            user: r.get(0).map_err(st)?,
            hash: r.get(1).map_err(st)?,
            must_change: r.get(2).map_err(st)?,
            changed_at: r.get(3).map_err(st)?,
            failed_logins: r.get(4).map_err(st)?,
            locked_until: r.get(5).map_err(st)?,
        }));
        Ok(())
    })?;
    each_row(
        tx,
        path,
        "SELECT hash, user, issued_at, expires_at FROM reset_tokens ORDER BY hash",
        |r| {
            sink(Change::ResetTokenPut(ResetToken {
                hash: r.get(0).map_err(st)?,
                user: r.get(1).map_err(st)?,
                issued_at: r.get(2).map_err(st)?,
                expires_at: r.get(3).map_err(st)?,
            }));
            Ok(())
        },
    )
}

//! Loading: the whole state as changes (parents before children), after the ids are checked
//! against what the model would size its tables for.

use std::collections::BTreeSet;

use super::conn::Session;
use super::credentials;
use crate::credentials::PasswordPolicy;
use crate::domain::{
    AccessLevel, Agreement, AgreementId, Change, Group, GroupId, ObjectKind, Permission, Product,
    Role, RoleId, RoleNamespace, Scope, ScopeGrant, ScopeId, ScopeKind, Tenant, TenantId,
    TenantSettings, User, UserId,
};
use crate::Error;

fn corrupt(what: impl std::fmt::Display) -> Error {
    Error::Corrupt(what.to_string())
}

/// The largest id (or next id) of a kind not indexed densely the store may hold.
const MAX_ID: i64 = 1 << 53;

/// One value per id kind.
pub(super) struct PerKind<T>([T; 6]);

impl<T> std::ops::Index<ObjectKind> for PerKind<T> {
    type Output = T;
    fn index(&self, k: ObjectKind) -> &T {
        &self.0[k as usize]
    }
}

impl<T> std::ops::IndexMut<ObjectKind> for PerKind<T> {
    fn index_mut(&mut self, k: ObjectKind) -> &mut T {
        &mut self.0[k as usize]
    }
}

/// The columns holding ids, with their kind.
const ID_COLUMNS: &[(ObjectKind, &str, &str)] = &[
    (ObjectKind::Tenant, "tenants", "id"),
    (ObjectKind::User, "users", "id"),
    (ObjectKind::User, "tenants", "superadmin"),
    (ObjectKind::User, "user_roles", "user_id"),
    (ObjectKind::User, "user_scopes", "user_id"),
    (ObjectKind::User, "user_grants", "user_id"),
    (ObjectKind::User, "user_teams", "user_id"),
    (ObjectKind::User, "group_members", "user_id"),
    (ObjectKind::User, "agreements", "owner"),
    (ObjectKind::User, "levels", "user_id"),
    (ObjectKind::User, "pbx_links", "user_id"),
    (ObjectKind::User, "credentials", "user_id"),
    (ObjectKind::User, "reset_tokens", "user_id"),
    (ObjectKind::Role, "roles", "id"),
    (ObjectKind::Role, "user_roles", "role_id"),
    (ObjectKind::Role, "group_roles", "role_id"),
    (ObjectKind::Role, "user_grants", "role_id"),
    (ObjectKind::Group, "groups", "id"),
    (ObjectKind::Group, "group_roles", "group_id"),
    (ObjectKind::Group, "group_members", "group_id"),
    (ObjectKind::Scope, "scopes", "id"),
    (ObjectKind::Scope, "user_scopes", "scope_id"),
    (ObjectKind::Scope, "scopes", "parent"),
    (ObjectKind::Scope, "user_grants", "scope_id"),
    (ObjectKind::Scope, "user_teams", "scope_id"),
    (ObjectKind::Agreement, "agreements", "id"),
    (ObjectKind::Agreement, "levels", "agreement_id"),
    (ObjectKind::Agreement, "pbx_links", "agreement_id"),
];

/// The next id of each kind, as stored in `meta` (0 when missing).
pub(super) fn next_ids(s: &mut Session) -> Result<PerKind<i64>, Error> {
    let mut out = PerKind([0; 6]);
    for k in ObjectKind::ALL {
        out[k] = s
            .query(
                "SELECT value FROM meta WHERE key = $1",
                &[&format!("next_{}", k.name())],
            )?
            .first()
            .map_or(0, |r| r.get(0));
    }
    Ok(out)
}

/// The largest id of each kind the store may hold given its rows, with those rows:
/// [`dense_id_limit`](crate::store::dense_id_limit) for users and scopes, [`MAX_ID`] for the
/// rest.
pub(super) fn id_limits(s: &mut Session) -> Result<PerKind<(u64, i64)>, Error> {
    let mut limits = PerKind([(MAX_ID as u64, 0); 6]);
    for (k, table) in [(ObjectKind::User, "users"), (ObjectKind::Scope, "scopes")] {
        debug_assert!(k.is_dense());
        let c = s.client()?;
        let rows: i64 = c
            .query_one(&format!("SELECT count(*) FROM {table}"), &[])
            .map_err(super::pg_error)?
            .get(0);
        limits[k] = (crate::store::dense_id_limit(rows as u64), rows);
    }
    Ok(limits)
}

/// Reports ids a damaged store holds that no directory allocates and the model would size
/// tables for, as the SQLite store does.
pub(super) fn check_ids(s: &mut Session, next_ids: &PerKind<i64>) -> Result<(), Error> {
    let revision: i64 = s
        .query_one("SELECT value FROM meta WHERE key = 'revision'", &[])?
        .get(0);
    if !(0..=MAX_ID).contains(&revision) {
        return Err(corrupt(format!(
            "the revision is {revision}, outside 0..={MAX_ID}: the store is damaged"
        )));
    }
    let limits = id_limits(s)?;
    let beyond = |k: ObjectKind, what: String, v: i64| {
        let (limit, rows) = limits[k];
        let kind = k.name();
        if k.is_dense() {
            corrupt(format!(
                "{what} is {v}, absurd for {rows} {kind}s (at most {limit}): the store is damaged"
            ))
        } else {
            corrupt(format!("{what} is {v}, past {limit}: the store is damaged"))
        }
    };
    for k in ObjectKind::ALL {
        let next = next_ids[k];
        if next < 0 || (next as u64).saturating_sub(1) > limits[k].0 {
            return Err(beyond(k, format!("next_{}", k.name()), next));
        }
    }
    let c = s.client()?;
    for &(k, table, column) in ID_COLUMNS {
        let r = c
            .query_one(
                &format!("SELECT min({column}), max({column}) FROM {table}"),
                &[],
            )
            .map_err(super::pg_error)?;
        let (min, max): (Option<i64>, Option<i64>) = (r.get(0), r.get(1));
        if let Some(min) = min.filter(|m| *m < 1) {
            return Err(corrupt(format!(
                "{table}.{column} holds id {min}, below 1: the store is damaged"
            )));
        }
        if let Some(max) = max.filter(|m| *m as u64 > limits[k].0) {
            return Err(beyond(k, format!("{table}.{column} holds an id that"), max));
        }
    }
    Ok(())
}

/// Reads the whole state as changes, in an order that rebuilds it; returns the revision.
pub(super) fn read_state(s: &mut Session, sink: &mut dyn FnMut(Change)) -> Result<u64, Error> {
    let revision = super::commit::stored_revision(s)?;
    read_tenants(s, sink)?;
    read_roles(s, sink)?;
    read_scopes(s, sink)?;
    read_users(s, sink)?;
    read_groups(s, sink)?;
    read_agreements(s, sink)?;
    credentials::read(s, sink)?;
    Ok(revision)
}

fn tid(v: i64) -> TenantId {
    TenantId(v as u64)
}
fn uid(v: i64) -> UserId {
    UserId(v as u64)
}

fn read_tenants(s: &mut Session, sink: &mut dyn FnMut(Change)) -> Result<(), Error> {
    for r in s.query(
        "SELECT id, name, superadmin, created_at, policy, settings FROM tenants ORDER BY id",
        &[],
    )? {
        let id = tid(r.get(0));
        let policy: Option<&str> = r.get(4);
        let settings: Option<&str> = r.get(5);
        sink(Change::TenantPut(Tenant {
            id,
            name: r.get(1),
            superadmin: uid(r.get(2)),
            created_at: r.get(3),
            policy: match policy {
                None => PasswordPolicy::default(),
                Some(p) => serde_json::from_str(p)
                    .map_err(|e| corrupt(format!("{id} password policy: {e}")))?,
            },
            settings: match settings {
                None => TenantSettings::default(),
                Some(x) => {
                    serde_json::from_str(x).map_err(|e| corrupt(format!("{id} settings: {e}")))?
                }
            },
        }));
    }
    Ok(())
}

fn read_roles(s: &mut Session, sink: &mut dyn FnMut(Change)) -> Result<(), Error> {
    for r in s.query(
        "SELECT id, tenant, name, permissions, scoped, admin_tier, namespace, description,
                created_at, denied
         FROM roles ORDER BY id",
        &[],
    )? {
        let rid = RoleId(r.get::<_, i64>(0) as u64);
        let perms = |text: &str| {
            let mut out = Permission::empty();
            for n in text.split_whitespace() {
                out |= Permission::by_name(n).map_err(|_| {
                    corrupt(format!(
                        "{rid} holds permission {n:?}, which this version of the catalogue does not know"
                    ))
                })?;
            }
            Ok::<_, Error>(out)
        };
        let permissions = perms(r.get(3))?;
        let denied = perms(r.get(9))?;
        let namespace: &str = r.get(6);
        sink(Change::RolePut(Role {
            id: rid,
            tenant: tid(r.get(1)),
            name: r.get(2),
            permissions,
            denied,
            scoped: r.get(4),
            admin_tier: r.get(5),
            namespace: namespace
                .parse::<RoleNamespace>()
                .map_err(|_| corrupt(format!("{rid} has unknown namespace {namespace:?}")))?,
            description: r.get(7),
            created_at: r.get(8),
        }));
    }
    Ok(())
}

/// Scopes, parents before children; a parent that is missing, of another tenant, or a cycle
/// is damage.
fn read_scopes(s: &mut Session, sink: &mut dyn FnMut(Change)) -> Result<(), Error> {
    let mut scopes = Vec::new();
    for r in s.query(
        "SELECT id, tenant, kind, name, parent FROM scopes ORDER BY id",
        &[],
    )? {
        let kind: &str = r.get(2);
        scopes.push(Scope {
            id: ScopeId(r.get::<_, i64>(0) as u64),
            tenant: tid(r.get(1)),
            kind: kind
                .parse::<ScopeKind>()
                .map_err(|_| corrupt(format!("unknown scope kind {kind:?}")))?,
            name: r.get(3),
            parent: r.get::<_, Option<i64>>(4).map(|p| ScopeId(p as u64)),
        });
    }
    for sc in crate::store::order_scopes(scopes)? {
        sink(Change::ScopePut(sc));
    }
    Ok(())
}

/// The first link row of a user naming a role or scope of another tenant than the user's
/// (or a missing one), which the foreign keys rule out in an undamaged store.
const FOREIGN_LINKS: &[(&str, &str)] = &[
    (
        "holds a grant of role",
        "SELECT g.user_id, g.role_id FROM user_grants g JOIN users u ON u.id = g.user_id
         LEFT JOIN roles x ON x.id = g.role_id
         WHERE x.tenant IS DISTINCT FROM u.tenant OR g.tenant IS DISTINCT FROM u.tenant LIMIT 1",
    ),
    (
        "holds a grant for scope",
        "SELECT g.user_id, g.scope_id FROM user_grants g JOIN users u ON u.id = g.user_id
         LEFT JOIN scopes x ON x.id = g.scope_id
         WHERE x.tenant IS DISTINCT FROM u.tenant OR g.tenant IS DISTINCT FROM u.tenant LIMIT 1",
    ),
    (
        "is a member of team",
        "SELECT t.user_id, t.scope_id FROM user_teams t JOIN users u ON u.id = t.user_id
         LEFT JOIN scopes x ON x.id = t.scope_id
         WHERE x.tenant IS DISTINCT FROM u.tenant OR t.tenant IS DISTINCT FROM u.tenant LIMIT 1",
    ),
];

/// `(owner, item)` pairs ordered by owner, for a merge with the owners' rows.
type Pairs = std::iter::Peekable<std::vec::IntoIter<(u64, u64)>>;

fn read_pairs(s: &mut Session, sql: &'static str) -> Result<Pairs, Error> {
    Ok(s.query(sql, &[])?
        .iter()
        .map(|r| (r.get::<_, i64>(0) as u64, r.get::<_, i64>(1) as u64))
        .collect::<Vec<_>>()
        .into_iter()
        .peekable())
}

/// The items of `owner` from pairs ordered by owner; pairs of owners that have no row (which
/// foreign keys rule out) are skipped.
fn take_pairs<T: Ord>(pairs: &mut Pairs, owner: u64, wrap: fn(u64) -> T) -> BTreeSet<T> {
    while pairs.next_if(|(o, _)| *o < owner).is_some() {}
    std::iter::from_fn(|| pairs.next_if(|(o, _)| *o == owner).map(|(_, t)| wrap(t))).collect()
}

fn read_users(s: &mut Session, sink: &mut dyn FnMut(Change)) -> Result<(), Error> {
    for (what, sql) in FOREIGN_LINKS {
        if let Some(r) = s.query(sql, &[])?.first() {
            let (user, item): (i64, i64) = (r.get(0), r.get(1));
            return Err(corrupt(format!(
                "user #{user} {what} #{item} that is missing or of another tenant: the store is damaged"
            )));
        }
    }
    let mut grants = s
        .query(
            "SELECT user_id, role_id, scope_id FROM user_grants ORDER BY user_id, role_id, scope_id",
            &[],
        )?
        .iter()
        .map(|r| {
            (
                r.get::<_, i64>(0) as u64,
                ScopeGrant {
                    role: RoleId(r.get::<_, i64>(1) as u64),
                    scope: ScopeId(r.get::<_, i64>(2) as u64),
                },
            )
        })
        .collect::<Vec<_>>()
        .into_iter()
        .peekable();
    let mut teams = read_pairs(
        s,
        "SELECT user_id, scope_id FROM user_teams ORDER BY user_id, scope_id",
    )?;
    let mut windows = Vec::new();
    for r in s.query(
        "SELECT user_id, assignment, valid_from, valid_until FROM user_windows
         ORDER BY user_id, assignment",
        &[],
    )? {
        let user = r.get::<_, i64>(0) as u64;
        let text: String = r.get(1);
        let a: crate::Assignment = serde_json::from_str(&text).map_err(|e| {
            corrupt(format!(
                "user #{user} has a validity window for {:?}, not an assignment ({e}): the store is damaged",
                crate::domain::truncate_for_message(&text)
            ))
        })?;
        let w = crate::Window {
            from: r.get(2),
            until: r.get(3),
        };
        windows.push((user, (a, w)));
    }
    let mut windows = windows.into_iter().peekable();
    let mut eligible = s
        .query(
            "SELECT user_id, role_id, scope_id, max_ms FROM user_eligibility
             ORDER BY user_id, role_id, scope_id",
            &[],
        )?
        .iter()
        .map(|r| {
            let scope = r.get::<_, i64>(2) as u64;
            (
                r.get::<_, i64>(0) as u64,
                crate::Eligibility {
                    role: RoleId(r.get::<_, i64>(1) as u64),
                    scope: (scope != 0).then_some(ScopeId(scope)),
                    max_ms: r.get(3),
                },
            )
        })
        .collect::<Vec<_>>()
        .into_iter()
        .peekable();
    let mut roles = read_pairs(
        s,
        "SELECT user_id, role_id FROM user_roles ORDER BY user_id, role_id",
    )?;
    let mut scopes = read_pairs(
        s,
        "SELECT user_id, scope_id FROM user_scopes ORDER BY user_id, scope_id",
    )?;
    for r in s.query(
        "SELECT id, tenant, first_name, last_name, email, phone, active, created_at, updated_at,
                last_login, stamp, break_glass, external_id
         FROM users ORDER BY id",
        &[],
    )? {
        let id = r.get::<_, i64>(0) as u64;
        sink(Change::UserPut(User {
            id: UserId(id),
            tenant: tid(r.get(1)),
            first_name: r.get(2),
            last_name: r.get(3),
            email: r.get(4),
            phone: r.get(5),
            external_id: r.get(12),
            active: r.get(6),
            roles: take_pairs(&mut roles, id, RoleId),
            scopes: take_pairs(&mut scopes, id, ScopeId),
            grants: {
                while grants.next_if(|(o, _)| *o < id).is_some() {}
                std::iter::from_fn(|| grants.next_if(|(o, _)| *o == id).map(|(_, g)| g)).collect()
            },
            teams: take_pairs(&mut teams, id, ScopeId),
            windows: {
                while windows.next_if(|(o, _)| *o < id).is_some() {}
                std::iter::from_fn(|| windows.next_if(|(o, _)| *o == id).map(|(_, w)| w)).collect()
            },
            eligible: {
                while eligible.next_if(|(o, _)| *o < id).is_some() {}
                std::iter::from_fn(|| eligible.next_if(|(o, _)| *o == id).map(|(_, e)| e)).collect()
            },
            break_glass: r.get(11),
            created_at: r.get(7),
            updated_at: r.get(8),
            last_login: r.get(9),
            stamp: r.get::<_, i64>(10) as u64,
        }));
    }
    Ok(())
}

fn read_groups(s: &mut Session, sink: &mut dyn FnMut(Change)) -> Result<(), Error> {
    let mut roles = read_pairs(
        s,
        "SELECT group_id, role_id FROM group_roles ORDER BY group_id, role_id",
    )?;
    for r in s.query(
        "SELECT id, tenant, name, created_at FROM groups ORDER BY id",
        &[],
    )? {
        let id = r.get::<_, i64>(0) as u64;
        sink(Change::GroupPut(Group {
            id: GroupId(id),
            tenant: tid(r.get(1)),
            name: r.get(2),
            roles: take_pairs(&mut roles, id, RoleId),
            created_at: r.get(3),
        }));
    }
    for r in s.query(
        "SELECT group_id, user_id FROM group_members ORDER BY group_id, user_id",
        &[],
    )? {
        sink(Change::MemberAdded {
            group: GroupId(r.get::<_, i64>(0) as u64),
            user: uid(r.get(1)),
        });
    }
    Ok(())
}

fn read_agreements(s: &mut Session, sink: &mut dyn FnMut(Change)) -> Result<(), Error> {
    for r in s.query(
        "SELECT id, tenant, name, owner, created_at FROM agreements ORDER BY id",
        &[],
    )? {
        sink(Change::AgreementPut(Agreement {
            id: AgreementId(r.get::<_, i64>(0) as u64),
            tenant: tid(r.get(1)),
            name: r.get(2),
            owner: uid(r.get(3)),
            created_at: r.get(4),
        }));
    }
    for r in s.query(
        "SELECT agreement_id, user_id, product, level FROM levels
         ORDER BY agreement_id, user_id, product",
        &[],
    )? {
        let product: i64 = r.get(2);
        let level: i64 = r.get(3);
        sink(Change::LevelSet {
            agreement: AgreementId(r.get::<_, i64>(0) as u64),
            user: uid(r.get(1)),
            product: u32::try_from(product)
                .ok()
                .and_then(|p| Product::from_index(p).ok())
                .ok_or_else(|| corrupt(format!("unknown product {product}")))?,
            level: u32::try_from(level)
                .ok()
                .and_then(|l| AccessLevel::from_index(l).ok())
                .ok_or_else(|| corrupt(format!("unknown level {level}")))?,
        });
    }
    for r in s.query(
        "SELECT agreement_id, user_id, subscriber FROM pbx_links ORDER BY agreement_id, user_id",
        &[],
    )? {
        sink(Change::PbxLinkSet {
            agreement: AgreementId(r.get::<_, i64>(0) as u64),
            user: uid(r.get(1)),
            subscriber: Some(r.get(2)),
        });
    }
    Ok(())
}

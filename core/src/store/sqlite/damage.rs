//! Refusing a damaged file before the model sizes anything by it: ids and counters checked
//! against the rows that justify them.

use rusqlite::Connection;

use super::storage;
use crate::domain::ObjectKind;
use crate::Error;

pub(super) fn corrupt(what: impl std::fmt::Display) -> Error {
    Error::Corrupt(what.to_string())
}

/// The largest id (or next id) of a kind not indexed densely a file may hold: far more than
/// a directory allocates, and room left to add to it without overflow.
pub(super) const MAX_ID: i64 = 1 << 53;

/// The columns holding ids, with their kind.
pub(super) const ID_COLUMNS: &[(ObjectKind, &str, &str)] = &[
    (ObjectKind::Tenant, "tenants", "id"),
    (ObjectKind::User, "users", "id"),
    (ObjectKind::User, "tenants", "superadmin"),
    (ObjectKind::User, "user_roles", "user"),
    (ObjectKind::User, "user_scopes", "user"),
    (ObjectKind::User, "user_grants", "user"),
    (ObjectKind::User, "user_teams", "user"),
    (ObjectKind::User, "group_members", "user"),
    (ObjectKind::User, "agreements", "owner"),
    (ObjectKind::User, "levels", "user"),
    (ObjectKind::User, "pbx_links", "user"),
    (ObjectKind::User, "credentials", "user"),
    (ObjectKind::User, "reset_tokens", "user"),
    (ObjectKind::Role, "roles", "id"),
    (ObjectKind::Role, "user_roles", "role"),
    (ObjectKind::Role, "group_roles", "role"),
    (ObjectKind::Role, "user_grants", "role"),
    (ObjectKind::Group, "groups", "id"),
    (ObjectKind::Group, "group_roles", "grp"),
    (ObjectKind::Group, "group_members", "grp"),
    (ObjectKind::Scope, "scopes", "id"),
    (ObjectKind::Scope, "user_scopes", "scope"),
    (ObjectKind::Scope, "scopes", "parent"),
    (ObjectKind::Scope, "user_grants", "scope"),
    (ObjectKind::Scope, "user_teams", "scope"),
    (ObjectKind::Agreement, "agreements", "id"),
    (ObjectKind::Agreement, "levels", "agreement"),
    (ObjectKind::Agreement, "pbx_links", "agreement"),
];

/// The largest id of each kind the file may hold given its rows: [`crate::store::dense_id_limit`] for
/// users and scopes, [`MAX_ID`] for the rest.
/// Each kind's limit comes with its rows (0 for the kinds not indexed densely).
pub(super) fn id_limits(conn: &Connection) -> rusqlite::Result<impl Fn(ObjectKind) -> (u64, i64)> {
    let rows = |table: &str| -> rusqlite::Result<i64> {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
    };
    let (users, scopes) = (rows("users")?, rows("scopes")?);
    Ok(move |kind| match kind {
        ObjectKind::User => (crate::store::dense_id_limit(users as u64), users),
        ObjectKind::Scope => (crate::store::dense_id_limit(scopes as u64), scopes),
        _ => (MAX_ID as u64, 0),
    })
}

/// Reports ids a damaged file holds that no directory allocates and the model would size
/// tables for: ids below 1, ids or next ids of users and scopes past
/// [`crate::store::dense_id_limit`] of their rows, ids of other kinds and the revision past
/// [`MAX_ID`] (where adding to them could overflow).
pub(super) fn check_ids(
    tx: &Connection,
    path: &str,
    next_ids: &[(ObjectKind, i64)],
) -> Result<(), Error> {
    let st = |e| storage(path, e);
    let revision: i64 = tx
        .query_row("SELECT value FROM meta WHERE key = 'revision'", [], |r| {
            r.get(0)
        })
        .map_err(st)?;
    if !(0..=MAX_ID).contains(&revision) {
        return Err(corrupt(format!(
            "the revision is {revision}, outside 0..={MAX_ID}: the file is damaged"
        )));
    }
    let limits = id_limits(tx).map_err(st)?;
    let beyond = |kind: ObjectKind, what: String, v: i64| {
        let (limit, rows) = limits(kind);
        if kind.is_dense() {
            corrupt(format!(
                "{what} is {v}, absurd for {rows} {kind}s (at most {limit}): the file is damaged"
            ))
        } else {
            corrupt(format!("{what} is {v}, past {limit}: the file is damaged"))
        }
    };
    for &(kind, next) in next_ids {
        // The next id is one past the largest id ever allocated.
        if next < 0 || (next as u64).saturating_sub(1) > limits(kind).0 {
            return Err(beyond(kind, format!("next_{kind}"), next));
        }
    }
    for &(kind, table, column) in ID_COLUMNS {
        // Two subqueries, so that each is answered from an index end, not a scan.
        let (min, max): (Option<i64>, Option<i64>) = tx
            .query_row(
                &format!(
                    "SELECT (SELECT min({column}) FROM {table}), (SELECT max({column}) FROM {table})"
                ),
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(st)?;
        if let Some(min) = min.filter(|m| *m < 1) {
            return Err(corrupt(format!(
                "{table}.{column} holds id {min}, below 1: the file is damaged"
            )));
        }
        if let Some(max) = max.filter(|m| *m as u64 > limits(kind).0) {
            return Err(beyond(
                kind,
                format!("{table}.{column} holds an id that"),
                max,
            ));
        }
    }
    Ok(())
}

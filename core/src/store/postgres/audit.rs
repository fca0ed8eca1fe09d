//! The audit log: append-only (the schema's triggers refuse `UPDATE`, `TRUNCATE`, and `DELETE`
//! but below the retention mark that only [`prune`] raises), queried by page.

use postgres::types::ToSql;

use super::conn::Session;
use super::db;
use crate::audit::{AuditAction, AuditEvent, AuditQuery};
use crate::domain::{ObjectKind, TenantId, UserId};
use crate::Error;

/// Appends `events` in the current transaction.
pub(super) fn insert(s: &mut Session, events: &[AuditEvent]) -> Result<(), Error> {
    for e in events {
        s.exec(
            "INSERT INTO audit (at, tenant, actor, action, outcome, target_kind, target_id,
                                detail, revision, before, after)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            &[
                &e.at,
                &db(e.tenant.0),
                &e.actor.map(|a| db(a.0)),
                &e.action.name(),
                &e.outcome,
                &e.target_kind.map(ObjectKind::name),
                &e.target_id.map(db),
                &e.detail,
                &e.revision.map(db),
                &e.before,
                &e.after,
            ],
        )?;
    }
    Ok(())
}

/// The `WHERE` clause of an audit query and its arguments, numbered from `$1`.
fn filter(q: &AuditQuery) -> (String, Vec<Box<dyn ToSql + Sync + Send>>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut args: Vec<Box<dyn ToSql + Sync + Send>> = Vec::new();
    let mut add = |column: &str, op: &str, v: Box<dyn ToSql + Sync + Send>| {
        args.push(v);
        clauses.push(format!("{column} {op} ${}", args.len()));
    };
    if let Some(t) = q.tenant {
        add("tenant", "=", Box::new(db(t.0)));
    }
    if let Some(a) = q.actor {
        add("actor", "=", Box::new(db(a.0)));
    }
    if let Some(k) = q.target_kind {
        add("target_kind", "=", Box::new(k.name()));
    }
    if let Some(i) = q.target_id {
        add("target_id", "=", Box::new(db(i)));
    }
    if let Some(a) = q.action {
        add("action", "=", Box::new(a.name()));
    }
    if let Some(o) = &q.outcome {
        add("outcome", "=", Box::new(o.clone()));
    }
    if let Some(t) = q.since {
        add("at", ">=", Box::new(t));
    }
    if let Some(t) = q.until {
        add("at", "<", Box::new(t));
    }
    let clause = if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    };
    (clause, args)
}

fn refs(args: &[Box<dyn ToSql + Sync + Send>]) -> Vec<&(dyn ToSql + Sync)> {
    args.iter().map(|a| &**a as &(dyn ToSql + Sync)).collect()
}

/// The page of events matching `q`, oldest first, and how many match in all.
pub(super) fn query(s: &mut Session, q: &AuditQuery) -> Result<(Vec<AuditEvent>, usize), Error> {
    let (clause, mut args) = filter(q);
    let c = s.client()?;
    let total: i64 = c
        .query_one(&format!("SELECT count(*) FROM audit{clause}"), &refs(&args))
        .map_err(super::pg_error)?
        .get(0);
    let n = args.len();
    args.push(Box::new(i64::try_from(q.limit).unwrap_or(i64::MAX)));
    args.push(Box::new(i64::try_from(q.offset).unwrap_or(i64::MAX)));
    let rows = c
        .query(
            &format!(
                "SELECT {COLUMNS} FROM audit{clause} ORDER BY seq LIMIT ${} OFFSET ${}",
                n + 1,
                n + 2
            ),
            &refs(&args),
        )
        .map_err(super::pg_error)?;
    let items = rows.iter().map(event).collect::<Result<Vec<_>, Error>>()?;
    Ok((items, usize::try_from(total).unwrap_or(usize::MAX)))
}

/// Up to `limit` events with a seq above `after`, oldest first (by the primary key).
///
/// Seqs are handed out when a row is inserted, not when its transaction commits: a reader
/// could see seq 11 committed while seq 10 is still on its way, move its cursor past 10 and
/// never see it. So the page first takes a SHARE lock on the table, which waits for the
/// transactions appending to it to end and holds new appends back until this page is read
/// (one short query): every seq below the highest one read has then committed or is gone for
/// good. Commits wait for one page at most, never for a whole export.
pub(super) fn after(s: &mut Session, after: u64, limit: usize) -> Result<Vec<AuditEvent>, Error> {
    s.batch("LOCK TABLE audit IN SHARE MODE")?;
    let after = i64::try_from(after).unwrap_or(i64::MAX);
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = s
        .client()?
        .query(
            &format!("SELECT {COLUMNS} FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2"),
            &[&after, &limit],
        )
        .map_err(super::pg_error)?;
    rows.iter().map(event).collect()
}

/// The columns [`event`] reads, in its order.
const COLUMNS: &str =
    "seq, at, tenant, actor, action, outcome, target_kind, target_id, detail, revision, before, after";

/// The event in a row of [`COLUMNS`].
fn event(r: &postgres::Row) -> Result<AuditEvent, Error> {
    let action: &str = r.get(4);
    let kind: Option<&str> = r.get(6);
    Ok(AuditEvent {
        seq: r.get::<_, i64>(0) as u64,
        at: r.get(1),
        tenant: TenantId(r.get::<_, i64>(2) as u64),
        actor: r.get::<_, Option<i64>>(3).map(|a| UserId(a as u64)),
        action: action
            .parse::<AuditAction>()
            .map_err(|_| Error::Corrupt(format!("audit: unknown action {action:?}")))?,
        outcome: r.get(5),
        target_kind: kind
            .map(|k| {
                k.parse::<ObjectKind>()
                    .map_err(|_| Error::Corrupt(format!("audit: unknown kind {k:?}")))
            })
            .transpose()?,
        target_id: r.get::<_, Option<i64>>(7).map(|v| v as u64),
        detail: r.get(8),
        revision: r.get::<_, Option<i64>>(9).map(|v| v as u64),
        before: r.get(10),
        after: r.get(11),
    })
}

/// How many events a page of [`prune`]'s export holds.
const PRUNE_PAGE: i64 = 1000;

/// Retention, inside the open transaction (under the write lock): blocks other hosts' appends
/// until the transaction ends (so that no event below the cut commits late, unexported), then
/// returns the seq of the longest prefix of the log stamped before `before_ms` (0: none).
pub(super) fn prune_start(s: &mut Session, before_ms: i64) -> Result<i64, Error> {
    s.batch("LOCK TABLE audit IN EXCLUSIVE MODE")?;
    Ok(s.query_one(
        "SELECT coalesce((SELECT min(seq) FROM audit WHERE at >= $1) - 1,
                             (SELECT max(seq) FROM audit), 0)",
        &[&before_ms],
    )?
    .get(0))
}

/// The next page of events after seq `after`, up to seq `through`, oldest first.
pub(super) fn prune_page(
    s: &mut Session,
    after: i64,
    through: i64,
) -> Result<Vec<AuditEvent>, Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM audit WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT {PRUNE_PAGE}"
    );
    let rows = s
        .client()?
        .query(&sql, &[&after, &through])
        .map_err(super::pg_error)?;
    rows.iter().map(event).collect()
}

/// Raises the retention mark to `through` and deletes the events up to it; returns how many.
pub(super) fn prune(s: &mut Session, through: i64) -> Result<u64, Error> {
    s.exec(
        "UPDATE audit_retention SET pruned_through = greatest(pruned_through, $1)",
        &[&through],
    )?;
    s.exec("DELETE FROM audit WHERE seq <= $1", &[&through])
}

//! The audit log's table: appending events and filtering them.

use rusqlite::types::ToSql;
use rusqlite::{params, Connection, Row};

use super::unsigned;
use crate::audit::{AuditEvent, AuditQuery};

/// The columns [`event_of`] reads, in order.
pub(super) const AUDIT_COLUMNS: &str =
    "seq, at, tenant, actor, action, outcome, target_kind, target_id, detail, revision, before, after";

/// An event from a row of [`AUDIT_COLUMNS`].
pub(super) fn event_of(r: &Row<'_>) -> rusqlite::Result<AuditEvent> {
    Ok(AuditEvent {
        seq: unsigned(r.get(0)?),
        at: r.get(1)?,
        tenant: r.get(2)?,
        actor: r.get(3)?,
        action: r.get(4)?,
        outcome: r.get(5)?,
        target_kind: r.get(6)?,
        target_id: r.get::<_, Option<i64>>(7)?.map(unsigned),
        detail: r.get(8)?,
        revision: r.get::<_, Option<i64>>(9)?.map(unsigned),
        before: r.get(10)?,
        after: r.get(11)?,
    })
}

pub(super) fn insert_audit(tx: &Connection, events: &[AuditEvent]) -> rusqlite::Result<()> {
    let mut ins = tx.prepare_cached(
        "INSERT INTO audit (at, tenant, actor, action, outcome, target_kind, target_id, detail, revision, before, after)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    for e in events {
        ins.execute(params![
            e.at,
            e.tenant,
            e.actor,
            e.action,
            e.outcome,
            e.target_kind,
            e.target_id.map(|i| i as i64),
            e.detail,
            e.revision.map(|r| r as i64),
            e.before,
            e.after
        ])?;
    }
    Ok(())
}

/// The `WHERE` clause of an audit query and its arguments, in order.
pub(super) fn audit_filter(q: &AuditQuery) -> (String, Vec<Box<dyn ToSql>>) {
    let mut clauses: Vec<&str> = Vec::new();
    let mut args: Vec<Box<dyn ToSql>> = Vec::new();
    let mut add = |clause: &'static str, v: Box<dyn ToSql>| {
        clauses.push(clause);
        args.push(v);
    };
    if let Some(t) = q.tenant {
        add("tenant = ?", Box::new(t));
    }
    if let Some(a) = q.actor {
        add("actor = ?", Box::new(a));
    }
    if let Some(k) = q.target_kind {
        add("target_kind = ?", Box::new(k));
    }
    if let Some(i) = q.target_id {
        add("target_id = ?", Box::new(i as i64));
    }
    if let Some(a) = q.action {
        add("action = ?", Box::new(a));
    }
    if let Some(o) = &q.outcome {
        add("outcome = ?", Box::new(o.clone()));
    }
    if let Some(t) = q.since {
        add("at >= ?", Box::new(t));
    }
    if let Some(t) = q.until {
        add("at < ?", Box::new(t));
    }
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    };
    (filter, args)
}

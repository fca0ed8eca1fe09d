//! The audit log.

use pyo3::prelude::*;
use rolecall::{AuditQuery, Error};

use crate::convert::{TenantArg, UserArg};
use crate::credentials::PyAuditEvent;
use crate::errors::OrRaise;
use crate::records::PyPage;

use super::PyDirectory;

#[pymethods]
impl PyDirectory {
    // ======================= audit =======================

    /// Audit events matching every given filter, oldest first, one page (`limit` 1 to 1000):
    /// by tenant, actor, target (`target_kind` such as "user", `target_id`), `action`
    /// ("login", "create_user", ...; an unknown kind or action raises `InvalidArgumentError`),
    /// `outcome` ("ok" or an error kind), and time range
    /// (`since` inclusive, `until` exclusive, ms since the Unix epoch).
    #[pyo3(signature = (*, tenant = None, actor = None, target_kind = None, target_id = None, action = None, outcome = None, since = None, until = None, offset = 0, limit = 100))]
    #[allow(clippy::too_many_arguments)]
    fn audit_events(
        &self,
        py: Python<'_>,
        tenant: Option<TenantArg>,
        actor: Option<UserArg>,
        target_kind: Option<String>,
        target_id: Option<u64>,
        action: Option<String>,
        outcome: Option<String>,
        since: Option<i64>,
        until: Option<i64>,
        offset: usize,
        limit: usize,
    ) -> PyResult<PyPage> {
        let q = AuditQuery {
            tenant: tenant.map(|t| t.0),
            actor: actor.map(|a| a.0),
            target_kind: target_kind
                .as_deref()
                .map(str::parse)
                .transpose()
                .or_raise()?,
            target_id,
            action: action.as_deref().map(str::parse).transpose().or_raise()?,
            outcome,
            since,
            until,
            offset,
            limit,
            ..AuditQuery::default()
        };
        self.write(py, |d| d.audit_events(&q)).map(PyPage::from)
    }

    /// One page of the audit log from a cursor: up to `limit` events (1 to 10,000) whose seq
    /// is above `after_seq`, oldest first, every tenant. Pass the last event's seq back for
    /// the next page; an empty list means caught up. Each page is read on its own, so commits
    /// go on between pages.
    fn audit_after(
        &self,
        py: Python<'_>,
        after_seq: u64,
        limit: usize,
    ) -> PyResult<Vec<PyAuditEvent>> {
        let page = self.write(py, |d| d.audit_after(after_seq, limit))?;
        Ok(page.into_iter().map(PyAuditEvent).collect())
    }

    /// Audit retention: removes the audit events stamped before `before` (ms since the Unix
    /// epoch), refusals and failed logins included; returns how many. One transaction,
    /// audited as `prune_audit` (one event per tenant).
    fn prune_audit(&self, py: Python<'_>, before: i64) -> PyResult<u64> {
        self.write(py, |d| d.prune_audit(before))
    }

    /// Export-then-prune: calls `export(event)` for every audit event stamped before
    /// `before`, oldest first, then removes them, in one transaction. If `export` raises,
    /// nothing is removed and its exception propagates. Returns how many were removed.
    fn export_audit(&self, py: Python<'_>, before: i64, export: Bound<'_, PyAny>) -> PyResult<u64> {
        let dir = self.d()?;
        let mut raised: Option<PyErr> = None;
        let result = dir.export_audit(before, |e| {
            export
                .call1((PyAuditEvent(e.clone()),))
                .map(|_| ())
                .map_err(|err| {
                    raised = Some(err);
                    Error::InvalidArgument {
                        what: "export",
                        reason: "the export callback raised".into(),
                    }
                })
        });
        self.dispatch(py);
        if let Some(err) = raised {
            return Err(err);
        }
        result.or_raise()
    }
}

//! The audit log and inactivity queries.

use crate::audit::{AuditAction, AuditEvent, AuditQuery};
use crate::domain::{TenantId, User};
use crate::Error;

use super::{lock, Directory, Page, WriteLock};

impl Directory {
    /// Audit events matching `query`, oldest first.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a bad query (a `limit` out of range, ...); [`Error::Closed`]
    /// after [`close`](Directory::close); [`Error::Storage`] when the store cannot read its log.
    pub fn audit_events(&self, query: &AuditQuery) -> Result<Page<AuditEvent>, Error> {
        query.validate()?;
        let (items, total) = lock(&self.shared.store).query_audit(query)?;
        Ok(Page {
            items,
            total,
            offset: query.offset,
        })
    }

    /// Most events [`audit_after`](Self::audit_after) returns in one page.
    pub const MAX_AUDIT_PAGE: usize = 10_000;

    /// One page of the audit log read from a cursor: up to `limit` events whose seq is above
    /// `after_seq`, oldest first, of every tenant. Start from 0 and pass the last event's
    /// `seq` back to read the next page; an empty page means the reader has caught up (call
    /// again later to follow the log, as `tail -f` does). Seqs only grow and retention removes
    /// only the oldest events, so a cursor never skips an event still in the log.
    ///
    /// Each page is read under the store's lock for that page only: commits go on between
    /// pages, so an export of millions of events never holds writers back for longer than one
    /// page. Write each event out with [`AuditEvent::to_json_line`] (JSON Lines, schema
    /// `rolecall.audit/1`) or [`AuditEvent::to_cef`] (CEF, for a SIEM).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a `limit` of 0 or above
    /// [`MAX_AUDIT_PAGE`](Self::MAX_AUDIT_PAGE); [`Error::Closed`] after
    /// [`close`](Directory::close); [`Error::Storage`] when the store cannot read its log.
    ///
    /// # Examples
    ///
    /// ```
    /// use rolecall::{Directory, NewUser};
    /// let dir = Directory::in_memory();
    /// dir.create_tenant("Acme", &NewUser::new("Ada", "Root", "ada@acme.test"), &[])?;
    /// let mut cursor = 0;
    /// let mut lines = Vec::new();
    /// loop {
    ///     let page = dir.audit_after(cursor, 500)?;
    ///     let Some(last) = page.last() else { break };
    ///     cursor = last.seq;
    ///     lines.extend(page.iter().map(|e| e.to_json_line()));
    /// }
    /// assert!(lines[0].starts_with(r#"{"schema":"rolecall.audit/1","seq":1,"#));
    /// # Ok::<(), rolecall::Error>(())
    /// ```
    pub fn audit_after(&self, after_seq: u64, limit: usize) -> Result<Vec<AuditEvent>, Error> {
        if limit == 0 || limit > Self::MAX_AUDIT_PAGE {
            return Err(Error::InvalidArgument {
                what: "limit",
                reason: format!("must be 1 to {}", Self::MAX_AUDIT_PAGE),
            });
        }
        lock(&self.shared.store).audit_after(after_seq, limit)
    }

    /// Audit retention: removes the audit events stamped before `before_ms` (ms since the
    /// Unix epoch), oldest first, and returns how many. A host runs it on its own schedule
    /// (keep a year, say): it is a decision of whoever runs the directory, not of a tenant's
    /// user, so it names no actor. Refused operations and failed logins are audit events like
    /// any other, so retention bounds them too.
    ///
    /// The pruning is itself audited: one `prune_audit` event per tenant, in the same
    /// transaction, with the detail `{"before":…,"removed":…}`. Events go in log order,
    /// stopping at the first one stamped at or after `before_ms` (see
    /// [`Store::prune_audit`](crate::Store::prune_audit)). Nothing else removes an event:
    /// the SQLite schema refuses any other delete. [`export_audit`](Self::export_audit)
    /// hands each event to the caller before removing it.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a store without retention (a custom [`Store`](crate::Store)
    /// keeping the default); [`Error::Closed`] after [`close`](Directory::close);
    /// [`Error::ReadOnly`], [`Error::Busy`], [`Error::Storage`] from the store.
    ///
    /// # Examples
    ///
    /// ```
    /// use rolecall::{AuditAction, AuditQuery, Directory, NewUser};
    /// let dir = Directory::in_memory();
    /// dir.create_tenant("Acme", &NewUser::new("Ada", "Root", "ada@acme.test"), &[])?;
    /// let removed = dir.prune_audit(i64::MAX)?; // everything logged so far
    /// assert_eq!(removed, 1);
    /// let left = dir.audit_events(&AuditQuery::default())?;
    /// assert_eq!(left.items[0].action, AuditAction::PruneAudit);
    /// # Ok::<(), rolecall::Error>(())
    /// ```
    pub fn prune_audit(&self, before_ms: i64) -> Result<u64, Error> {
        self.export_audit(before_ms, |_| Ok(()))
    }

    /// Export-then-prune: hands every audit event stamped before `before_ms` to `export`,
    /// oldest first, then removes them, in one transaction of the store (under its write
    /// lock, so no event slips in between). When `export` returns an error, nothing is removed
    /// and the error is returned. Otherwise as [`prune_audit`](Self::prune_audit).
    ///
    /// # Errors
    /// The error `export` returned; as [`prune_audit`](Self::prune_audit).
    pub fn export_audit(
        &self,
        before_ms: i64,
        mut export: impl FnMut(&AuditEvent) -> Result<(), Error>,
    ) -> Result<u64, Error> {
        let now = self.shared.clock.now_ms();
        let mut guard = lock(&self.shared.store);
        let store = WriteLock::take(&mut **guard)?;
        // The tenants as the store has them now (under its lock).
        self.catch_up(store.0)?;
        let mut tenants: Vec<TenantId> = self.read().tenants.keys().copied().collect();
        if tenants.is_empty() {
            tenants.push(TenantId(0));
        }
        let record = |removed: u64| -> Vec<AuditEvent> {
            tenants
                .iter()
                .map(|&tenant| AuditEvent {
                    seq: 0,
                    at: now,
                    tenant,
                    actor: None,
                    action: AuditAction::PruneAudit,
                    outcome: "ok".into(),
                    target_kind: None,
                    target_id: None,
                    detail: Some(format!("{{\"before\":{before_ms},\"removed\":{removed}}}")),
                    revision: None,
                    before: None,
                    after: None,
                })
                .collect()
        };
        let removed = store.0.prune_audit(before_ms, &mut export, &record)?;
        store.release()?;
        Ok(removed)
    }

    /// Users of `tenant` who have not logged in for `days` days (never-logged-in users count
    /// from their creation), for removing inactive accounts.
    ///
    /// # Errors
    /// [`Error::UnknownTenant`]; [`Error::Closed`] after [`close`](Directory::close).
    pub fn users_inactive_for(&self, tenant: TenantId, days: u32) -> Result<Vec<User>, Error> {
        let cutoff = self.shared.clock.now_ms() - i64::from(days) * 86_400_000;
        self.with_tenant(tenant, |m| {
            m.tenant_users
                .get(&tenant)
                .into_iter()
                .flatten()
                .filter_map(|id| m.users.get(id))
                .filter(|u| u.last_login.unwrap_or(u.created_at) < cutoff)
                .cloned()
                .collect()
        })
    }
}

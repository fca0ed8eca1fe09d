//! The audit log and inactivity queries.

use crate::audit::{AuditEvent, AuditQuery};
use crate::domain::{TenantId, User};
use crate::Error;

use super::{lock, Directory, Page};

impl Directory {
    /// Audit events matching `query`, oldest first.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a bad query (a `limit` out of range, ...); [`Error::Closed`]
    /// after [`close`](Directory::close); [`Error::Storage`] when the store cannot read its log.
    pub fn audit_events(&self, query: &AuditQuery) -> Result<Page<AuditEvent>, Error> {
        query.validate()?;
        let (items, total) = lock(&self.store).query_audit(query)?;
        Ok(Page {
            items,
            total,
            offset: query.offset,
        })
    }

    /// Users of `tenant` who have not logged in for `days` days (never-logged-in users count
    /// from their creation), for removing inactive accounts.
    ///
    /// # Errors
    /// [`Error::UnknownTenant`]; [`Error::Closed`] after [`close`](Directory::close).
    pub fn users_inactive_for(&self, tenant: TenantId, days: u32) -> Result<Vec<User>, Error> {
        let cutoff = self.clock.now_ms() - i64::from(days) * 86_400_000;
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

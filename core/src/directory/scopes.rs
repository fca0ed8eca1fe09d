//! Scopes: call groups and IVRs, and who is authorised for them.

use crate::audit::AuditAction;
use crate::domain::{Scope, ScopeId, ScopeKind, TenantId, UserId};
use crate::Error;

use super::Directory;

impl Directory {
    /// Creates a call group or IVR. Needs `scopes.manage`.
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] without `scopes.manage`; [`Error::InvalidName`];
    /// [`Error::DuplicateName`] when a scope of that kind has that name; and the errors of [every
    /// change](Directory#errors-of-every-change).
    pub fn create_scope(
        &self,
        actor: UserId,
        kind: ScopeKind,
        name: &str,
    ) -> Result<ScopeId, Error> {
        self.write(Some(actor), AuditAction::CreateScope, |p| {
            p.create_scope(actor, kind, name)
        })
    }

    /// Deletes a call group or IVR, unassigning it from everyone.
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] without `scopes.manage`; [`Error::UnknownScope`]; and the errors
    /// of [every change](Directory#errors-of-every-change).
    pub fn delete_scope(&self, actor: UserId, scope: ScopeId) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::DeleteScope, |p| {
            p.delete_scope(actor, scope)
        })
    }

    /// Authorises a user for a call group / IVR (a grant of its scoped rights there).
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] without `users.manage`; [`Error::UnknownUser`],
    /// [`Error::UnknownScope`]; [`Error::SuperadminProtected`] or [`Error::AdministratorProtected`]
    /// for the superadministrator's or (unless the actor is the superadministrator) an
    /// administrator's account; [`Error::Escalation`] when the actor lacks the user's scoped rights
    /// in that call group / IVR; and the errors of [every
    /// change](Directory#errors-of-every-change).
    pub fn assign_scope(&self, actor: UserId, user: UserId, scope: ScopeId) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::AssignScope, |p| {
            p.assign_scope(actor, user, scope)
        })
    }

    /// Withdraws a call group / IVR from a user.
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] without `users.manage`; [`Error::UnknownUser`],
    /// [`Error::UnknownScope`]; [`Error::SuperadminProtected`] or [`Error::AdministratorProtected`]
    /// for the superadministrator's or (unless the actor is the superadministrator) an
    /// administrator's account; and the errors of [every change](Directory#errors-of-every-change).
    pub fn unassign_scope(&self, actor: UserId, user: UserId, scope: ScopeId) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::UnassignScope, |p| {
            p.unassign_scope(actor, user, scope)
        })
    }

    /// Replaces the call groups / IVRs assigned to a user.
    ///
    /// # Errors
    /// As [`assign_scope`](Self::assign_scope) for each scope added and
    /// [`unassign_scope`](Self::unassign_scope) for each taken away.
    pub fn set_user_scopes(
        &self,
        actor: UserId,
        user: UserId,
        scopes: &[ScopeId],
    ) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::SetUserScopes, |p| {
            p.set_user_scopes(actor, user, scopes)
        })
    }

    /// A scope resource.
    ///
    /// # Errors
    /// [`Error::UnknownScope`].
    pub fn scope(&self, id: ScopeId) -> Result<Scope, Error> {
        self.read()
            .scopes
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::UnknownScope(id.to_string()))
    }

    /// Every call group and IVR of a tenant, in id order.
    ///
    /// # Errors
    /// [`Error::UnknownTenant`]; [`Error::Closed`] after [`close`](Directory::close).
    pub fn scopes(&self, tenant: TenantId) -> Result<Vec<Scope>, Error> {
        self.with_tenant(tenant, |m| {
            m.scopes
                .values()
                .filter(|s| s.tenant == tenant)
                .cloned()
                .collect()
        })
    }
}

//! Roles: custom roles and lookups by name and namespace.

use crate::audit::AuditAction;
use crate::domain::{Role, RoleId, RoleNamespace, TenantId, UserId};
use crate::ops::{NewRole, RolePatch};
use crate::Error;

use super::Directory;

impl Directory {
    /// Creates a custom role. Needs `roles.manage`; the actor must hold its rights.
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] without `roles.manage`; [`Error::InvalidName`] for a bad name or
    /// description; [`Error::DuplicateName`] when a role of the tenant (custom or built-in) has
    /// that name; [`Error::SuperadminOnly`] for an administrator-tier role; [`Error::Escalation`]
    /// for rights the actor lacks; and the errors of [every
    /// change](Directory#errors-of-every-change).
    pub fn create_role(&self, actor: UserId, role: &NewRole) -> Result<RoleId, Error> {
        self.write(Some(actor), AuditAction::CreateRole, |p| {
            p.create_role(actor, role)
        })
    }

    /// Edits a custom role; added rights are a grant to every holder.
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] without `roles.manage`; [`Error::UnknownRole`];
    /// [`Error::BuiltinRole`] for a preset's role; [`Error::SuperadminOnly`] for an
    /// administrator-tier role; [`Error::InvalidName`], [`Error::DuplicateName`] for the new name;
    /// [`Error::Escalation`] for added rights the actor lacks (in each holder's call groups /
    /// IVRs); [`Error::AdministratorProtected`] when an administrator holds it; and the errors of
    /// [every change](Directory#errors-of-every-change).
    pub fn update_role(&self, actor: UserId, role: RoleId, patch: &RolePatch) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::UpdateRole, |p| {
            p.update_role(actor, role, patch)
        })
    }

    /// Deletes a custom role, removing it from every user and group.
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] without `roles.manage`; [`Error::UnknownRole`];
    /// [`Error::BuiltinRole`] for a preset's role; [`Error::SuperadminOnly`] for an
    /// administrator-tier role; [`Error::AdministratorProtected`] when an administrator holds it;
    /// and the errors of [every change](Directory#errors-of-every-change).
    pub fn delete_role(&self, actor: UserId, role: RoleId) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::DeleteRole, |p| {
            p.delete_role(actor, role)
        })
    }

    /// A role.
    ///
    /// # Errors
    /// [`Error::UnknownRole`].
    pub fn role(&self, id: RoleId) -> Result<Role, Error> {
        self.read()
            .roles
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::UnknownRole(id.to_string()))
    }

    /// The role of `tenant` with this name (case-insensitive).
    ///
    /// Role names are unique per [namespace](RoleNamespace), so a name is resolved as follows:
    /// - `namespace/name` (`dashboard/Admin`, `custom/Night shift`): the role `name` of that
    ///   namespace, when the part before the first `/` is a namespace and such a role exists;
    /// - otherwise the whole text is a bare name, which must be held in exactly one namespace
    ///   of the tenant. A bare name held in several (`Admin` with both `managers` and
    ///   `dashboard` installed, or a custom role named like a preset role) is never guessed:
    ///   it fails with [`Error::AmbiguousName`], which lists the namespaces.
    ///
    /// # Errors
    /// [`Error::UnknownTenant`], [`Error::UnknownRole`] when nothing matches,
    /// [`Error::AmbiguousName`] as above; [`Error::Closed`] after [`close`](Directory::close).
    pub fn role_by_name(&self, tenant: TenantId, name: &str) -> Result<Role, Error> {
        self.with_tenant(tenant, |m| m.role_named(tenant, name).cloned())?
    }

    /// The role of `tenant` named `name` (case-insensitive) in `namespace`: `custom` for the
    /// tenant's own roles, a preset for its built-in roles.
    ///
    /// # Errors
    /// [`Error::UnknownTenant`], or [`Error::UnknownRole`] when that namespace holds no role of
    /// that name; [`Error::Closed`] after [`close`](Directory::close).
    pub fn role_in_namespace(
        &self,
        tenant: TenantId,
        namespace: RoleNamespace,
        name: &str,
    ) -> Result<Role, Error> {
        self.with_tenant(tenant, |m| {
            m.role_in_namespace(tenant, namespace, name)
                .cloned()
                .ok_or_else(|| {
                    Error::UnknownRole(crate::domain::truncate_for_message(&format!(
                        "{namespace}/{}",
                        name.trim()
                    )))
                })
        })?
    }

    /// Every role of a tenant, in id order.
    ///
    /// # Errors
    /// [`Error::UnknownTenant`]; [`Error::Closed`] after [`close`](Directory::close).
    pub fn roles(&self, tenant: TenantId) -> Result<Vec<Role>, Error> {
        self.with_tenant(tenant, |m| {
            m.roles
                .values()
                .filter(|r| r.tenant == tenant)
                .cloned()
                .collect()
        })
    }
}

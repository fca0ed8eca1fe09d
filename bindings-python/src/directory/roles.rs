//! Roles.

use pyo3::prelude::*;
use rolecall::RolePatch;

use crate::convert::{PermSet, PresetArg, RoleArg, TenantArg, UserArg};
use crate::errors::OrRaise;
use crate::records::PyRole;

use super::PyDirectory;

#[pymethods]
impl PyDirectory {
    // ======================= roles =======================

    /// Creates a custom role; returns its id. Needs `roles.manage`, and the actor must hold
    /// its rights; an `admin_tier` role only the superadministrator may create. `denied`: the
    /// rights it denies to every holder (explicit deny; needs no right; must not overlap
    /// `permissions`).
    #[pyo3(
        signature = (actor, *, name, permissions = PermSet::default(), scoped = false, admin_tier = false, description = String::new(), denied = PermSet::default()),
        text_signature = "($self, actor, *, name, permissions=(), scoped=False, admin_tier=False, description='', denied=())"
    )]
    #[allow(clippy::too_many_arguments)]
    fn create_role(
        &self,
        py: Python<'_>,
        actor: UserArg,
        name: String,
        permissions: PermSet,
        scoped: bool,
        admin_tier: bool,
        description: String,
        denied: PermSet,
    ) -> PyResult<u64> {
        let mut role = rolecall::NewRole::new(name, permissions.0).deny(denied.0);
        role.scoped = scoped;
        role.admin_tier = admin_tier;
        role.description = description;
        self.write(py, |d| d.create_role(actor.0, &role))
            .map(|id| id.0)
    }

    /// Edits a custom role; an argument left out is unchanged. `permissions` replaces the set
    /// (added rights are a grant to every holder); `denied` replaces the denied set (denials
    /// removed are a grant to every holder, denials added need no right).
    #[pyo3(signature = (actor, role, *, name = None, permissions = None, description = None, denied = None))]
    #[allow(clippy::too_many_arguments)]
    fn update_role(
        &self,
        py: Python<'_>,
        actor: UserArg,
        role: RoleArg,
        name: Option<String>,
        permissions: Option<PermSet>,
        description: Option<String>,
        denied: Option<PermSet>,
    ) -> PyResult<()> {
        let patch = RolePatch {
            name,
            permissions: permissions.map(|p| p.0),
            denied: denied.map(|p| p.0),
            description,
            ..RolePatch::default()
        };
        self.write(py, |d| d.update_role(actor.0, role.0, &patch))
    }

    /// Deletes a custom role, removing it from every user and group.
    fn delete_role(&self, py: Python<'_>, actor: UserArg, role: RoleArg) -> PyResult<()> {
        self.write(py, |d| d.delete_role(actor.0, role.0))
    }

    /// A role.
    fn role(&self, id: RoleArg) -> PyResult<PyRole> {
        self.d()?.role(id.0).map(PyRole).or_raise()
    }

    /// The role of `tenant` with this name (case-insensitive). `"namespace/name"`
    /// (`"dashboard/Admin"`) names the namespace; a bare name held in several namespaces raises
    /// `ConflictError` of kind `ambiguous_name` (its `namespaces` lists them).
    fn role_by_name(&self, tenant: TenantArg, name: &str) -> PyResult<PyRole> {
        self.d()?
            .role_by_name(tenant.0, name)
            .map(PyRole)
            .or_raise()
    }

    /// The role of `tenant` named `name` (case-insensitive) in `namespace` (`"custom"` or a
    /// preset, as `Preset` or its name).
    fn role_in_namespace(
        &self,
        tenant: TenantArg,
        namespace: &Bound<'_, PyAny>,
        name: &str,
    ) -> PyResult<PyRole> {
        let ns = match namespace.extract::<PresetArg>() {
            Ok(p) => rolecall::RoleNamespace::Preset(p.0),
            Err(_) => namespace
                .extract::<String>()?
                .parse::<rolecall::RoleNamespace>()
                .or_raise()?,
        };
        self.d()?
            .role_in_namespace(tenant.0, ns, name)
            .map(PyRole)
            .or_raise()
    }

    /// Every role of a tenant, in id order.
    fn roles(&self, tenant: TenantArg) -> PyResult<Vec<PyRole>> {
        let roles = self.d()?.roles(tenant.0).or_raise()?;
        Ok(roles.into_iter().map(PyRole).collect())
    }
}

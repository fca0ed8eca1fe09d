//! Tenants, presets and tenant settings.

use pyo3::prelude::*;

use crate::convert::{PresetArg, TenantArg, UserArg};
use crate::errors::OrRaise;
use crate::records::{NewUserArg, PyTenant, PyTenantCreated, PyTenantSettings};

use super::PyDirectory;

#[pymethods]
impl PyDirectory {
    // ======================= tenants =======================

    /// Creates a tenant with its superadministrator (a `NewUser`, or a dict of its fields) and
    /// the built-in roles of `presets`. The host's own operation: no acting user. A password
    /// given for the superadministrator is temporary unless `temporary=False` (a sign-up where
    /// the person chose it).
    #[pyo3(
        signature = (name, superadmin, *, presets = Vec::new()),
        text_signature = "($self, name, superadmin, *, presets=())"
    )]
    fn create_tenant(
        &self,
        py: Python<'_>,
        name: String,
        superadmin: NewUserArg,
        presets: Vec<PresetArg>,
    ) -> PyResult<PyTenantCreated> {
        let presets: Vec<_> = presets.into_iter().map(|p| p.0).collect();
        self.write(py, |d| d.create_tenant(&name, &superadmin.0, &presets))
            .map(PyTenantCreated)
    }

    /// Installs a preset's roles into the actor's tenant (superadministrator only); returns
    /// the new role ids.
    fn install_preset(
        &self,
        py: Python<'_>,
        actor: UserArg,
        preset: PresetArg,
    ) -> PyResult<Vec<u64>> {
        let ids = self.write(py, |d| d.install_preset(actor.0, preset.0))?;
        Ok(ids.into_iter().map(|r| r.0).collect())
    }

    /// A tenant.
    fn tenant(&self, id: TenantArg) -> PyResult<PyTenant> {
        self.d()?.tenant(id.0).map(PyTenant).or_raise()
    }

    /// Every tenant, in id order.
    fn tenants(&self) -> PyResult<Vec<PyTenant>> {
        Ok(self.d()?.tenants().into_iter().map(PyTenant).collect())
    }

    /// The superadministrator sets its tenant's options (`TenantSettings`). Raises
    /// `PermissionDeniedError` (kind `superadmin_only`) for anyone else and `InvalidInputError`
    /// for a malformed value; nothing changes then.
    fn set_tenant_settings(
        &self,
        py: Python<'_>,
        actor: UserArg,
        settings: PyRef<'_, PyTenantSettings>,
    ) -> PyResult<()> {
        let settings = settings.0.clone();
        // A `TenantSettings` carries no separation-of-duty rules here: the tenant's own are
        // kept, in the same change (they change with add_sod_rule / remove_sod_rule).
        self.write(py, |d| d.set_tenant_options(actor.0, &settings))
    }

    /// A tenant's options.
    fn tenant_settings(&self, tenant: TenantArg) -> PyResult<PyTenantSettings> {
        self.inner
            .tenant_settings(tenant.0)
            .map(|mut s| {
                // Rules are read with sod_rules (see set_tenant_settings).
                s.separation_of_duty.clear();
                PyTenantSettings(s)
            })
            .or_raise()
    }
}

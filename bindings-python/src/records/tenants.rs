//! Tenants.

use pyo3::prelude::*;
use pyo3::types::PyTuple;
use rolecall::{Tenant, TenantCreated};

use super::{hash_of, repr_str};

// ============================ Tenant ============================

/// A tenant: one customer account. Every other object belongs to exactly one tenant.
#[pyclass(frozen, eq, module = "rolecall", name = "Tenant")]
#[derive(PartialEq)]
pub struct PyTenant(pub Tenant);

#[pymethods]
impl PyTenant {
    /// Its id.
    #[getter]
    fn id(&self) -> u64 {
        self.0.id.0
    }
    /// Its display name.
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }
    /// The id of its superadministrator (the tenant's root user).
    #[getter]
    fn superadmin(&self) -> u64 {
        self.0.superadmin.0
    }
    /// Creation time, ms since the Unix epoch.
    #[getter]
    fn created_at(&self) -> i64 {
        self.0.created_at
    }
    fn __hash__(&self) -> u64 {
        hash_of("tenant", self.0.id.0)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Tenant(id={}, name={}, superadmin={}, created_at={})",
            self.0.id.0,
            repr_str(py, &self.0.name)?,
            self.0.superadmin.0,
            self.0.created_at
        ))
    }
}

/// What `Directory.create_tenant` created: the tenant, its superadministrator and the built-in
/// roles installed from the presets (in preset order).
#[pyclass(frozen, eq, module = "rolecall", name = "TenantCreated")]
#[derive(PartialEq)]
pub struct PyTenantCreated(pub TenantCreated);

#[pymethods]
impl PyTenantCreated {
    /// The new tenant's id.
    #[getter]
    fn tenant(&self) -> u64 {
        self.0.tenant.0
    }
    /// The id of its superadministrator.
    #[getter]
    fn superadmin(&self) -> u64 {
        self.0.superadmin.0
    }
    /// The ids of the built-in roles installed from the presets, in preset order.
    #[getter]
    fn roles<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.0.roles.iter().map(|r| r.0))
    }
    fn __hash__(&self) -> u64 {
        hash_of("tenant", self.0.tenant.0)
    }
    fn __repr__(&self) -> String {
        let roles: Vec<String> = self.0.roles.iter().map(|r| r.0.to_string()).collect();
        format!(
            "TenantCreated(tenant={}, superadmin={}, roles=({}{}))",
            self.0.tenant.0,
            self.0.superadmin.0,
            roles.join(", "),
            if roles.len() == 1 { "," } else { "" }
        )
    }
}

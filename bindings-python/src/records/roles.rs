//! Roles and groups.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use pyo3::prelude::*;
use pyo3::types::PyFrozenSet;
use rolecall::{Group, PresetRole, Role};

use super::{frozenset, hash_of, py_bool, repr_any, repr_str};
use crate::convert::{enum_to_py, permission_to_py, PRESET};

// ============================ Role ============================

/// A named permission set. Built-in roles come from a preset (`preset` is set, and `namespace`
/// is the preset's name) and cannot be edited or deleted; custom roles are in the `"custom"`
/// namespace. Names are unique per namespace (case-insensitively); `scoped` roles apply only to the holder's call groups / IVRs;
/// `admin_tier` roles are granted and changed by the superadministrator only.
#[pyclass(frozen, eq, module = "rolecall", name = "Role")]
#[derive(PartialEq)]
pub struct PyRole(pub Role);

#[pymethods]
impl PyRole {
    /// Its id.
    #[getter]
    fn id(&self) -> u64 {
        self.0.id.0
    }
    /// The id of its tenant.
    #[getter]
    fn tenant(&self) -> u64 {
        self.0.tenant.0
    }
    /// Its name, unique within its namespace (case-insensitively).
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }
    /// The namespace its name is unique in: `"custom"` for the tenant's own roles, else the
    /// name of the preset it was installed from (`"managers"`, `"role_model"`, `"dashboard"`).
    #[getter]
    fn namespace(&self) -> &'static str {
        self.0.namespace.name()
    }
    /// `namespace/name` (`"dashboard/Admin"`): unambiguous in the tenant, accepted by
    /// `Directory.role_by_name`.
    #[getter]
    fn qualified_name(&self) -> String {
        self.0.qualified_name()
    }
    /// What it grants.
    #[getter]
    fn permissions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        permission_to_py(py, self.0.permissions)
    }
    /// What it denies (explicit deny): whoever holds it loses these rights tenant-wide,
    /// whatever grants them. Empty for built-in roles.
    #[getter]
    fn denied<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        permission_to_py(py, self.0.denied)
    }
    /// Whether its permissions apply only to the holder's assigned call groups / IVRs.
    #[getter]
    fn scoped(&self) -> bool {
        self.0.scoped
    }
    /// Whether it is administrator-tier.
    #[getter]
    fn admin_tier(&self) -> bool {
        self.0.admin_tier
    }
    /// The preset it was installed from (a built-in role), or None for a custom role.
    #[getter]
    fn preset<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.0
            .preset()
            .map(|p| enum_to_py(py, &PRESET, p.name()))
            .transpose()
    }
    /// Free text.
    #[getter]
    fn description(&self) -> &str {
        &self.0.description
    }
    /// Creation time, ms since the Unix epoch.
    #[getter]
    fn created_at(&self) -> i64 {
        self.0.created_at
    }
    fn __hash__(&self) -> u64 {
        hash_of("role", self.0.id.0)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let r = &self.0;
        Ok(format!(
            "Role(id={}, tenant={}, namespace={}, name={}, permissions={}, scoped={}, admin_tier={}, preset={})",
            r.id.0,
            r.tenant.0,
            repr_str(py, r.namespace.name())?,
            repr_str(py, &r.name)?,
            repr_any(&self.permissions(py)?)?,
            py_bool(r.scoped),
            py_bool(r.admin_tier),
            match self.preset(py)? {
                Some(p) => repr_any(&p)?,
                None => "None".to_owned(),
            },
        ))
    }
}

/// One role of a preset's catalogue, as the source spells it.
#[pyclass(frozen, eq, module = "rolecall", name = "PresetRole")]
#[derive(PartialEq)]
pub struct PyPresetRole(pub PresetRole);

#[pymethods]
impl PyPresetRole {
    /// The role's name.
    #[getter]
    fn name(&self) -> &'static str {
        self.0.name
    }
    /// Its exact permission set.
    #[getter]
    fn permissions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        permission_to_py(py, self.0.permissions)
    }
    /// Whether its permissions apply only to the holder's call groups / IVRs.
    #[getter]
    fn scoped(&self) -> bool {
        self.0.scoped
    }
    /// Whether it is administrator-tier.
    #[getter]
    fn admin_tier(&self) -> bool {
        self.0.admin_tier
    }
    /// The source's description.
    #[getter]
    fn description(&self) -> &'static str {
        self.0.description
    }
    fn __hash__(&self) -> u64 {
        let mut h = DefaultHasher::new();
        self.0.name.hash(&mut h);
        h.finish()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "PresetRole(name={}, permissions={}, scoped={}, admin_tier={})",
            repr_str(py, self.0.name)?,
            repr_any(&self.permissions(py)?)?,
            py_bool(self.0.scoped),
            py_bool(self.0.admin_tier),
        ))
    }
}

// ============================ Group ============================

/// A user group (004): a named set of roles that its members inherit.
#[pyclass(frozen, eq, module = "rolecall", name = "Group")]
#[derive(PartialEq)]
pub struct PyGroup(pub Group);

#[pymethods]
impl PyGroup {
    /// Its id.
    #[getter]
    fn id(&self) -> u64 {
        self.0.id.0
    }
    /// The id of its tenant.
    #[getter]
    fn tenant(&self) -> u64 {
        self.0.tenant.0
    }
    /// Its name, unique per tenant (case-insensitively).
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }
    /// Ids of the roles every member inherits.
    #[getter]
    fn roles<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyFrozenSet>> {
        frozenset(py, self.0.roles.iter().map(|r| r.0))
    }
    /// Creation time, ms since the Unix epoch.
    #[getter]
    fn created_at(&self) -> i64 {
        self.0.created_at
    }
    fn __hash__(&self) -> u64 {
        hash_of("group", self.0.id.0)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Group(id={}, tenant={}, name={}, roles={})",
            self.0.id.0,
            self.0.tenant.0,
            repr_str(py, &self.0.name)?,
            repr_any(&self.roles(py)?)?,
        ))
    }
}

//! Explanations: why a user holds a permission.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use pyo3::prelude::*;
use pyo3::types::PyTuple;
use rolecall::{Explanation, Grant};

use super::{opt_int, py_bool, repr_any, repr_str};
use crate::convert::permission_to_py;

// ============================ explain ============================

/// One reason a user holds (part of) a permission: a role, held directly or through a group.
#[pyclass(frozen, eq, module = "rolecall", name = "Grant")]
#[derive(PartialEq)]
pub struct PyGrant(pub Grant);

#[pymethods]
impl PyGrant {
    /// The id of the granting role.
    #[getter]
    fn role(&self) -> u64 {
        self.0.role.0
    }
    /// The role's name.
    #[getter]
    fn role_name(&self) -> &str {
        &self.0.role_name
    }
    /// The role's namespace (`"custom"` or its preset's name).
    #[getter]
    fn role_namespace(&self) -> &'static str {
        self.0.role_namespace.name()
    }
    /// The id of the group through which the user holds the role, or None when held directly.
    #[getter]
    fn via_group(&self) -> Option<u64> {
        self.0.via_group.map(|g| g.0)
    }
    /// Whether the role is scope-restricted.
    #[getter]
    fn scoped(&self) -> bool {
        self.0.scoped
    }
    /// The id of the scope the role is granted for (`grant_role_in_scope`; it applies below
    /// it too), or None for a role held for the whole tenant (or, when `scoped`, for the
    /// user's assigned call groups / IVRs).
    #[getter]
    fn scope(&self) -> Option<u64> {
        self.0.scope.map(|s| s.0)
    }
    /// The part of the asked permission this role grants.
    #[getter]
    fn grants<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        permission_to_py(py, self.0.grants)
    }
    fn __hash__(&self) -> u64 {
        let mut h = DefaultHasher::new();
        (
            self.0.role.0,
            self.0.via_group.map(|g| g.0),
            self.0.scope.map(|s| s.0),
        )
            .hash(&mut h);
        h.finish()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Grant(role={}, role_namespace={}, role_name={}, via_group={}, scoped={}, scope={}, grants={})",
            self.0.role.0,
            repr_str(py, self.0.role_namespace.name())?,
            repr_str(py, &self.0.role_name)?,
            opt_int(self.0.via_group.map(|g| g.0)),
            py_bool(self.0.scoped),
            opt_int(self.0.scope.map(|s| s.0)),
            repr_any(&self.grants(py)?)?,
        ))
    }
}

/// Why a check answers as it does: the decision, and every role (held directly or through a
/// group) granting part of the permission.
#[pyclass(frozen, eq, module = "rolecall", name = "Explanation")]
#[derive(PartialEq)]
pub struct PyExplanation(pub Explanation);

#[pymethods]
impl PyExplanation {
    /// The user asked about.
    #[getter]
    fn user(&self) -> u64 {
        self.0.user.0
    }
    /// The permission asked about.
    #[getter]
    fn permission<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        permission_to_py(py, self.0.permission)
    }
    /// The answer of `Directory.check`.
    #[getter]
    fn allowed(&self) -> bool {
        self.0.allowed
    }
    /// The user is the superadministrator (holds every right).
    #[getter]
    fn superadmin(&self) -> bool {
        self.0.superadmin
    }
    /// The user is inactive (holds nothing).
    #[getter]
    fn inactive(&self) -> bool {
        self.0.inactive
    }
    /// The roles granting part of the permission.
    #[getter]
    fn grants<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.0.grants.iter().cloned().map(PyGrant))
    }
    /// The roles denying part of the permission (explicit deny; a denial wins over every
    /// grant): each `Grant`'s `grants` is the part of the permission the role denies.
    #[getter]
    fn denied_by<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.0.denied_by.iter().cloned().map(PyGrant))
    }
    fn __bool__(&self) -> bool {
        self.0.allowed
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Explanation(user={}, permission={}, allowed={}, superadmin={}, inactive={}, grants={})",
            self.0.user.0,
            repr_any(&self.permission(py)?)?,
            py_bool(self.0.allowed),
            py_bool(self.0.superadmin),
            py_bool(self.0.inactive),
            repr_any(&self.grants(py)?)?,
        ))
    }
}

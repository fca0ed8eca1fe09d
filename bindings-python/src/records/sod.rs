//! Separation-of-duty rules and violations.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use pyo3::prelude::*;
use rolecall::{SodRule, SodViolation};

use super::{repr_any, repr_str};
use crate::convert::{permission_to_py, PermSet};

// ============================ SodRule ============================

/// A separation-of-duty rule: no user may hold both sides. A user holds a side when it holds
/// any permission of it (directly, through groups, for a scope). `SodRule(name, first, second)`:
/// each side a `Permission`, a dotted name or an iterable of them; both non-empty and disjoint
/// (checked when declared with `Directory.add_sod_rule`). The superadministrator is exempt.
#[pyclass(frozen, eq, module = "rolecall", name = "SodRule")]
#[derive(PartialEq)]
pub struct PySodRule(pub SodRule);

#[pymethods]
impl PySodRule {
    #[new]
    #[pyo3(signature = (name, first, second))]
    fn new(name: String, first: PermSet, second: PermSet) -> Self {
        PySodRule(SodRule::new(name, first.0, second.0))
    }
    /// Its name, unique in the tenant (case-insensitively).
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }
    /// One side.
    #[getter]
    fn first<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        permission_to_py(py, self.0.first)
    }
    /// The other side.
    #[getter]
    fn second<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        permission_to_py(py, self.0.second)
    }
    fn __hash__(&self) -> u64 {
        let mut h = DefaultHasher::new();
        (&self.0.name, self.0.first.bits(), self.0.second.bits()).hash(&mut h);
        h.finish()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "SodRule(name={}, first={}, second={})",
            repr_str(py, &self.0.name)?,
            repr_any(&permission_to_py(py, self.0.first)?)?,
            repr_any(&permission_to_py(py, self.0.second)?)?
        ))
    }
}

// ============================ SodViolation ============================

/// A user holding both sides of a rule (`Directory.sod_violations`): possible only for users
/// that did when the rule was declared.
#[pyclass(frozen, eq, module = "rolecall", name = "SodViolation")]
#[derive(PartialEq)]
pub struct PySodViolation(pub SodViolation);

#[pymethods]
impl PySodViolation {
    /// The rule's name.
    #[getter]
    fn rule(&self) -> &str {
        &self.0.rule
    }
    /// The id of the user holding both sides.
    #[getter]
    fn user(&self) -> u64 {
        self.0.user.0
    }
    fn __hash__(&self) -> u64 {
        let mut h = DefaultHasher::new();
        (&self.0.rule, self.0.user.0).hash(&mut h);
        h.finish()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "SodViolation(rule={}, user={})",
            repr_str(py, &self.0.rule)?,
            self.0.user.0
        ))
    }
}

//! Scopes and agreements.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use pyo3::prelude::*;
use pyo3::types::PyFrozenSet;
use rolecall::{Agreement, Scope, ScopeAccess};

use crate::errors::OrRaise;

use super::{frozenset, hash_of, opt_int, repr_any, repr_str};
use crate::convert::{kind_to_py, ScopeList};

// ============================ Scope ============================

/// A scope resource: a call group or an IVR (003), a queue, a campaign, a number (DID), a team
/// (a unit of users), or a kind the tenant defined. Scopes form a hierarchy per tenant
/// (`parent`): a right held for a scope applies to everything below it.
#[pyclass(frozen, eq, module = "rolecall", name = "Scope")]
#[derive(PartialEq)]
pub struct PyScope(pub Scope);

#[pymethods]
impl PyScope {
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
    /// Its kind: a `ScopeKind` member for a built-in kind, the plain str name of a
    /// tenant-defined kind (`"brand"`).
    #[getter]
    fn kind<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        kind_to_py(py, self.0.kind)
    }
    /// Its name (unique per tenant and kind).
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }
    /// The id of its parent scope, or None for a root.
    #[getter]
    fn parent(&self) -> Option<u64> {
        self.0.parent.map(|p| p.0)
    }
    fn __hash__(&self) -> u64 {
        hash_of("scope", self.0.id.0)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Scope(id={}, tenant={}, kind={}, name={}, parent={})",
            self.0.id.0,
            self.0.tenant.0,
            repr_any(&self.kind(py)?)?,
            repr_str(py, &self.0.name)?,
            opt_int(self.0.parent.map(|p| p.0)),
        ))
    }
}

/// Which scopes a user may see for a permission (003; of one kind with
/// `allowed_scopes(..., kind=...)`): all of them
/// (`ScopeAccess.ALL`, `is_all` true) or an explicit, possibly empty set
/// (`ScopeAccess.only(ids)`, `scopes` a frozenset; `is_none` true when empty). Test `is_all`
/// first, then push `scopes` into your own SQL filter: `scopes` of `ScopeAccess.ALL` raises
/// `InvalidInputError` (a None there would read as "no scopes"). The same shape as Rust's and
/// C's (`all` / `scopes`).
#[pyclass(frozen, eq, module = "rolecall", name = "ScopeAccess")]
#[derive(PartialEq)]
pub struct PyScopeAccess(pub ScopeAccess);

#[pymethods]
impl PyScopeAccess {
    /// Access to every call group and IVR of the tenant.
    #[classattr]
    #[pyo3(name = "ALL")]
    fn all() -> PyScopeAccess {
        PyScopeAccess(ScopeAccess::All)
    }
    /// Access to exactly these call groups / IVRs (ids or `Scope`s).
    #[staticmethod]
    fn only(scopes: ScopeList) -> PyScopeAccess {
        let mut v = scopes.0;
        v.sort();
        v.dedup();
        PyScopeAccess(ScopeAccess::Only(v))
    }
    /// True when every call group and IVR is visible.
    #[getter]
    fn is_all(&self) -> bool {
        self.0.is_all()
    }
    /// True when nothing is visible (an empty explicit set).
    #[getter]
    fn is_none(&self) -> bool {
        self.0.is_none()
    }
    /// The visible scope ids (a frozenset, empty when none). Raises `InvalidInputError` for
    /// `ScopeAccess.ALL`, which has no explicit set: test `is_all` first.
    #[getter]
    fn scopes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyFrozenSet>> {
        match self.0.scopes() {
            Some(v) => frozenset(py, v.iter().map(|s| s.0)),
            None => Err(rolecall::Error::InvalidArgument {
                what: "scopes",
                reason: "ScopeAccess.ALL allows every call group and IVR and has no explicit set: test is_all first".into(),
            })
            .or_raise(),
        }
    }
    /// Whether this access includes the call group / IVR `scope`.
    fn allows(&self, scope: crate::convert::ScopeArg) -> bool {
        self.0.allows(scope.0)
    }
    fn __contains__(&self, scope: crate::convert::ScopeArg) -> bool {
        self.0.allows(scope.0)
    }
    fn __hash__(&self) -> u64 {
        let mut h = DefaultHasher::new();
        match &self.0 {
            ScopeAccess::All => None::<&[rolecall::ScopeId]>.hash(&mut h),
            ScopeAccess::Only(v) => Some(v.as_slice()).hash(&mut h),
        }
        h.finish()
    }
    fn __repr__(&self) -> String {
        match &self.0 {
            ScopeAccess::All => "ScopeAccess.ALL".to_owned(),
            ScopeAccess::Only(v) => {
                let ids: Vec<String> = v.iter().map(|s| s.0.to_string()).collect();
                format!("ScopeAccess.only([{}])", ids.join(", "))
            }
        }
    }
}

// ============================ Agreement ============================

/// An agreement (contract) of a tenant (002), with its one Owner.
#[pyclass(frozen, eq, module = "rolecall", name = "Agreement")]
#[derive(PartialEq)]
pub struct PyAgreement(pub Agreement);

#[pymethods]
impl PyAgreement {
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
    /// Its name or number.
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }
    /// The id of its Owner.
    #[getter]
    fn owner(&self) -> u64 {
        self.0.owner.0
    }
    /// Creation time, ms since the Unix epoch.
    #[getter]
    fn created_at(&self) -> i64 {
        self.0.created_at
    }
    fn __hash__(&self) -> u64 {
        hash_of("agreement", self.0.id.0)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Agreement(id={}, tenant={}, name={}, owner={})",
            self.0.id.0,
            self.0.tenant.0,
            repr_str(py, &self.0.name)?,
            self.0.owner.0,
        ))
    }
}

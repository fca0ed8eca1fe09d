//! Dry runs: the `Simulation`, `Impact` and `UserImpact` records `Directory.simulate`,
//! `Directory.impact` return (`directory/simulate.rs`). Conversions only: the fork, the rules
//! and the impact are the core's (`rolecall::Directory::simulate`).

use pyo3::prelude::*;
use pyo3::types::PyList;
use rolecall::{Impact, Lifecycle, UserImpact};

use crate::convert::{enum_to_py, UserArg, ACCESS_LEVEL, PRODUCT};
use crate::errors::OrRaise;

/// What `Directory.simulate(fn)` returns: what `fn` returned, and the impact of what it did.
#[pyclass(frozen, module = "rolecall", name = "Simulation")]
pub struct PySimulation {
    pub(crate) value: Py<PyAny>,
    pub(crate) impact: Py<PyImpact>,
}

#[pymethods]
impl PySimulation {
    /// What the simulated function returned (ids it created are those a real run would get).
    #[getter]
    fn value(&self, py: Python<'_>) -> Py<PyAny> {
        self.value.clone_ref(py)
    }
    /// Who would gain and who would lose what (`Impact`).
    #[getter]
    fn impact(&self, py: Python<'_>) -> Py<PyImpact> {
        self.impact.clone_ref(py)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Simulation(value={}, impact={})",
            self.value.bind(py).repr()?,
            self.impact.bind(py).repr()?
        ))
    }
}

/// The impact of a planned change: one `UserImpact` per user whose access would differ, by
/// id. `str(impact)` is the readable report the CLI prints; `to_json()` the documented JSON.
/// Truthy when someone's access would differ.
#[pyclass(frozen, eq, module = "rolecall", name = "Impact")]
#[derive(PartialEq)]
pub struct PyImpact(pub Impact);

#[pymethods]
impl PyImpact {
    /// The revision of the directory the plan starts from.
    #[getter]
    fn revision(&self) -> u64 {
        self.0.revision
    }
    /// How many commits the simulated operations made (a refused or no-op one makes none).
    #[getter]
    fn commits(&self) -> usize {
        self.0.commits
    }
    /// How many records those commits changed.
    #[getter]
    fn changes(&self) -> usize {
        self.0.changes
    }
    /// Whether anything at all would change (a rename changes no one's access).
    #[getter]
    fn changed(&self) -> bool {
        self.0.changed
    }
    /// The users whose access would differ, by id (a list of `UserImpact`).
    #[getter]
    fn users(&self) -> Vec<PyUserImpact> {
        self.0.users.iter().cloned().map(PyUserImpact).collect()
    }
    /// The entry of `user`, or None when its access would not differ.
    fn user(&self, user: UserArg) -> Option<PyUserImpact> {
        self.0.user(user.0).cloned().map(PyUserImpact)
    }
    /// The impact as JSON text (the shape the README documents, as the C API returns it).
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.0)
            .map_err(|e| rolecall::Error::InvalidArgument {
                what: "impact",
                reason: e.to_string(),
            })
            .or_raise()
    }
    fn __bool__(&self) -> bool {
        !self.0.is_empty()
    }
    fn __len__(&self) -> usize {
        self.0.users.len()
    }
    fn __str__(&self) -> String {
        self.0.to_string()
    }
    fn __repr__(&self) -> String {
        format!(
            "Impact(revision={}, commits={}, changes={}, changed={}, users={})",
            self.0.revision,
            self.0.commits,
            self.0.changes,
            if self.0.changed { "True" } else { "False" },
            self.0.users.len()
        )
    }
}

/// How one user's effective access would differ. Rights are `(permission, scope)` pairs:
/// the permission's dotted name, and the id of the topmost scope it is held on when held for
/// some scopes only (None: everywhere). Scope and team lists are scope ids; `levels` are
/// `(agreement, Product, before, after)`; PBX links `(agreement, subscriber)`. Names are in
/// `str()` and `Impact.to_json()`.
#[pyclass(frozen, eq, module = "rolecall", name = "UserImpact")]
#[derive(PartialEq)]
pub struct PyUserImpact(pub UserImpact);

type RightTuple = (String, Option<u64>);

fn rights(r: &[rolecall::Right]) -> Vec<RightTuple> {
    r.iter()
        .map(|r| (r.permission.clone(), r.scope.as_ref().map(|s| s.id.0)))
        .collect()
}

fn scopes(s: &[rolecall::ScopeRef]) -> Vec<u64> {
    s.iter().map(|s| s.id.0).collect()
}

fn links(l: &[rolecall::PbxLink]) -> Vec<(u64, String)> {
    l.iter()
        .map(|l| (l.agreement.0, l.subscriber.clone()))
        .collect()
}

#[pymethods]
impl PyUserImpact {
    /// The user's id.
    #[getter]
    fn user(&self) -> u64 {
        self.0.user.0
    }
    /// Its email (as it was, for a deletion).
    #[getter]
    fn email(&self) -> &str {
        &self.0.email
    }
    /// `"unchanged"`, `"created"`, `"deleted"`, `"activated"` or `"deactivated"`.
    #[getter]
    fn lifecycle(&self) -> &'static str {
        match self.0.lifecycle {
            Lifecycle::Created => "created",
            Lifecycle::Deleted => "deleted",
            Lifecycle::Activated => "activated",
            Lifecycle::Deactivated => "deactivated",
            _ => "unchanged",
        }
    }
    /// Rights it would gain: `(permission, scope id or None)`.
    #[getter]
    fn rights_gained(&self) -> Vec<RightTuple> {
        rights(&self.0.rights_gained)
    }
    /// Rights it would lose.
    #[getter]
    fn rights_lost(&self) -> Vec<RightTuple> {
        rights(&self.0.rights_lost)
    }
    /// Scopes (call groups / IVRs) it would be assigned.
    #[getter]
    fn scopes_gained(&self) -> Vec<u64> {
        scopes(&self.0.scopes_gained)
    }
    /// Scopes it would no longer be assigned.
    #[getter]
    fn scopes_lost(&self) -> Vec<u64> {
        scopes(&self.0.scopes_lost)
    }
    /// Teams it would join.
    #[getter]
    fn teams_gained(&self) -> Vec<u64> {
        scopes(&self.0.teams_gained)
    }
    /// Teams it would leave.
    #[getter]
    fn teams_lost(&self) -> Vec<u64> {
        scopes(&self.0.teams_lost)
    }
    /// Agreement levels that would change: `(agreement, Product, before, after)`.
    #[getter]
    fn levels<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let rows = self
            .0
            .levels
            .iter()
            .map(|l| {
                Ok((
                    l.agreement.0,
                    enum_to_py(py, &PRODUCT, l.product.name())?,
                    enum_to_py(py, &ACCESS_LEVEL, l.before.name())?,
                    enum_to_py(py, &ACCESS_LEVEL, l.after.name())?,
                ))
            })
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, rows)
    }
    /// PBX subscriber links it would gain: `(agreement, subscriber)`.
    #[getter]
    fn pbx_gained(&self) -> Vec<(u64, String)> {
        links(&self.0.pbx_gained)
    }
    /// PBX subscriber links it would lose.
    #[getter]
    fn pbx_lost(&self) -> Vec<(u64, String)> {
        links(&self.0.pbx_lost)
    }
    fn __str__(&self) -> String {
        self.0.to_string()
    }
    fn __repr__(&self) -> String {
        format!("UserImpact({})", self.0)
    }
}

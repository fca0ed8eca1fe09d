//! Dry runs: `Directory.simulate(fn)`, `Directory.fork()`, `Directory.impact()`.

use pyo3::prelude::*;

use super::PyDirectory;
use crate::errors::OrRaise;
use crate::records::{PyImpact, PySimulation};

#[pymethods]
impl PyDirectory {
    // ======================= dry runs =======================

    /// Plans changes without committing them: calls `fn(fork)` with a throwaway fork of this
    /// directory (a `Directory` holding a copy of its current state, on a clock frozen at its
    /// now), and returns a `Simulation`: what `fn` returned, and the `Impact` of everything it
    /// did on the fork (who would gain and lose which rights, scopes, levels and PBX links).
    /// Nothing reaches this directory: not a commit, not an audit event, not a notification.
    ///
    /// The fork is an ordinary, independent in-memory `Directory`: `fn` may make any number of
    /// changes through it (with the GIL released, as on any directory), and may keep it, but
    /// what is done on it after `fn` returns is not part of this impact (`fork.impact()` tells
    /// it). An exception `fn` raises propagates as is (for a refused change, its
    /// `RolecallError`): nothing was committed.
    #[pyo3(name = "simulate")]
    fn py_simulate(&self, py: Python<'_>, r#fn: Bound<'_, PyAny>) -> PyResult<PySimulation> {
        let fork = self.py_fork(py)?;
        let fork = Bound::new(py, fork)?;
        let value = r#fn.call1((fork.clone(),))?;
        let impact = fork.get().py_impact(py)?;
        Ok(PySimulation {
            value: value.unbind(),
            impact: Py::new(py, impact)?,
        })
    }

    /// A throwaway fork of this directory, as `simulate` gives its function: an independent
    /// in-memory `Directory` holding a copy of this one's current state, on a clock frozen at
    /// its now. Its `impact()` tells what everything done on it would change here.
    #[pyo3(name = "fork")]
    fn py_fork(&self, py: Python<'_>) -> PyResult<PyDirectory> {
        let dir = self.d()?;
        let fork = py.detach(|| dir.fork()).or_raise()?;
        Ok(PyDirectory::wrap(fork, None))
    }

    /// On a fork (`fork()`, or the directory `simulate` gives its function): the `Impact` of
    /// everything done on it so far. Raises `InvalidInputError` on a directory that is not a
    /// fork.
    #[pyo3(name = "impact")]
    fn py_impact(&self, py: Python<'_>) -> PyResult<PyImpact> {
        let dir = self.d()?;
        py.detach(|| dir.impact()).map(PyImpact).or_raise()
    }
}

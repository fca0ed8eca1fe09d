//! Pages of results.

use pyo3::prelude::*;
use pyo3::types::{PyIterator, PyTuple};
use rolecall::{AuditEvent, Page, User};

use crate::credentials::PyAuditEvent;

use super::repr_any;
use super::PyUser;

// ============================ Page ============================

/// The items of a page: users (`search_users`) or audit events (`audit_events`).
#[derive(PartialEq)]
pub enum PageOf {
    Users(Page<User>),
    Audit(Page<AuditEvent>),
}

/// One page of results: `items` (iterate the page itself, or `len(page)`), `total` matches in
/// all, and the `offset` this page starts at. `Page[User]` from `search_users`,
/// `Page[AuditEvent]` from `audit_events`.
#[pyclass(frozen, eq, module = "rolecall", name = "Page")]
#[derive(PartialEq)]
pub struct PyPage(pub PageOf);

impl From<Page<User>> for PyPage {
    fn from(p: Page<User>) -> Self {
        PyPage(PageOf::Users(p))
    }
}

impl From<Page<AuditEvent>> for PyPage {
    fn from(p: Page<AuditEvent>) -> Self {
        PyPage(PageOf::Audit(p))
    }
}

impl PyPage {
    fn total_offset(&self) -> (usize, usize) {
        match &self.0 {
            PageOf::Users(p) => (p.total, p.offset),
            PageOf::Audit(p) => (p.total, p.offset),
        }
    }
}

#[pymethods]
impl PyPage {
    /// The records of this page.
    #[getter]
    fn items<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        match &self.0 {
            PageOf::Users(p) => PyTuple::new(py, p.items.iter().cloned().map(PyUser)),
            PageOf::Audit(p) => PyTuple::new(py, p.items.iter().cloned().map(PyAuditEvent)),
        }
    }
    /// How many records match in all.
    #[getter]
    fn total(&self) -> usize {
        self.total_offset().0
    }
    /// The offset this page starts at.
    #[getter]
    fn offset(&self) -> usize {
        self.total_offset().1
    }
    /// `Page[User]`, `Page[AuditEvent]`: the page type is generic for type checkers.
    #[classmethod]
    fn __class_getitem__<'py>(
        cls: &Bound<'py, pyo3::types::PyType>,
        item: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = cls.py();
        py.import("types")?
            .getattr("GenericAlias")?
            .call1((cls, item))
    }
    fn __len__(&self) -> usize {
        match &self.0 {
            PageOf::Users(p) => p.items.len(),
            PageOf::Audit(p) => p.items.len(),
        }
    }
    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyIterator>> {
        self.items(py)?.as_any().try_iter()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let (total, offset) = self.total_offset();
        Ok(format!(
            "Page(items={}, total={}, offset={})",
            repr_any(&self.items(py)?)?,
            total,
            offset
        ))
    }
}

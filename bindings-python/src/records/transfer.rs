//! What an import did.

use pyo3::prelude::*;
use rolecall::{ImportReport, KindReport};

// ============================ KindReport ============================

/// Created, updated and unchanged records of one kind in an `ImportReport`: `created` and
/// `updated` list their names (emails for users, `namespace/name` for roles, `kind/name` for
/// scopes) in document order; `unchanged` counts the rest.
#[pyclass(frozen, eq, module = "rolecall", name = "KindReport")]
#[derive(PartialEq)]
pub struct PyKindReport(pub KindReport);

#[pymethods]
impl PyKindReport {
    /// Names of the records created.
    #[getter]
    fn created(&self) -> Vec<String> {
        self.0.created.clone()
    }
    /// Names of the records updated.
    #[getter]
    fn updated(&self) -> Vec<String> {
        self.0.updated.clone()
    }
    /// How many records were already as the document says.
    #[getter]
    fn unchanged(&self) -> usize {
        self.0.unchanged
    }
    /// Created, updated and unchanged, in all.
    #[getter]
    fn total(&self) -> usize {
        self.0.total()
    }
    fn __repr__(&self) -> String {
        format!(
            "KindReport(created={}, updated={}, unchanged={})",
            self.0.created.len(),
            self.0.updated.len(),
            self.0.unchanged
        )
    }
}

// ============================ ImportReport ============================

/// What `Directory.import_tenant` or `import_users_csv` did: whether anything changed (one
/// commit; `False` when the directory already held the document), the revision after it,
/// whether the tenant's settings changed, and a `KindReport` per kind.
#[pyclass(frozen, eq, module = "rolecall", name = "ImportReport")]
#[derive(PartialEq)]
pub struct PyImportReport(pub ImportReport);

#[pymethods]
impl PyImportReport {
    /// Whether the import committed a change.
    #[getter]
    fn changed(&self) -> bool {
        self.0.changed
    }
    /// The directory revision after the import.
    #[getter]
    fn revision(&self) -> u64 {
        self.0.revision
    }
    /// Whether the tenant's settings or password policy changed.
    #[getter]
    fn tenant_updated(&self) -> bool {
        self.0.tenant_updated
    }
    /// Roles.
    #[getter]
    fn roles(&self) -> PyKindReport {
        PyKindReport(self.0.roles.clone())
    }
    /// Scopes.
    #[getter]
    fn scopes(&self) -> PyKindReport {
        PyKindReport(self.0.scopes.clone())
    }
    /// Groups.
    #[getter]
    fn groups(&self) -> PyKindReport {
        PyKindReport(self.0.groups.clone())
    }
    /// Users.
    #[getter]
    fn users(&self) -> PyKindReport {
        PyKindReport(self.0.users.clone())
    }
    /// Agreements.
    #[getter]
    fn agreements(&self) -> PyKindReport {
        PyKindReport(self.0.agreements.clone())
    }
    /// The report as JSON text (the same the C library returns).
    fn to_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_default()
    }
    fn __repr__(&self) -> String {
        format!(
            "ImportReport(changed={}, revision={}, users={}, roles={}, groups={}, scopes={}, agreements={})",
            if self.0.changed { "True" } else { "False" },
            self.0.revision,
            PyKindReport(self.0.users.clone()).__repr__(),
            PyKindReport(self.0.roles.clone()).__repr__(),
            PyKindReport(self.0.groups.clone()).__repr__(),
            PyKindReport(self.0.scopes.clone()).__repr__(),
            PyKindReport(self.0.agreements.clone()).__repr__(),
        )
    }
}

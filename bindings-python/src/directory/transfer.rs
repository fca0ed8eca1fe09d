//! Import and export of a tenant as one JSON document, and the CSV of users.

use pyo3::prelude::*;
use pyo3::types::PyString;
use rolecall::{ExportOptions, TenantDocument};

use crate::convert::UserArg;
use crate::errors::OrRaise;
use crate::records::{PyImpact, PyImportReport, PySimulation};

use super::PyDirectory;

#[pymethods]
impl PyDirectory {
    // ======================= import and export =======================

    /// The actor's tenant as one JSON document (`rolecall.tenant`, version 1; schema in
    /// `docs/schema/tenant-v1.schema.json`), every record referenced by name and email, in a
    /// deterministic order. Needs `users.view`, `roles.view` and `groups.view` held unscoped
    /// (or the superadministrator); `password_hashes=True` only for the superadministrator.
    #[pyo3(signature = (actor, password_hashes = false))]
    fn export_tenant(
        &self,
        py: Python<'_>,
        actor: UserArg,
        password_hashes: bool,
    ) -> PyResult<String> {
        let dir = self.d()?;
        let options = ExportOptions { password_hashes };
        py.detach(|| dir.export_tenant(actor.0, &options).map(|d| d.to_json()))
            .or_raise()
    }

    /// Imports a document (JSON text, or the `dict` `json.loads` gives) into the actor's
    /// tenant in one commit, through every rule. Missing records are created, differing ones
    /// updated, equal ones left alone (a second import changes nothing); nothing absent is
    /// deleted. Raises `InvalidImportError` with every problem (`.problems`: a list of
    /// `(location, field, reason)`) before anything is applied, or the rule's own error.
    fn import_tenant(
        &self,
        py: Python<'_>,
        actor: UserArg,
        document: &Bound<'_, PyAny>,
    ) -> PyResult<PyImportReport> {
        let text = document_text(py, document)?;
        let doc = py.detach(|| TenantDocument::from_json(&text)).or_raise()?;
        self.write(py, |d| d.import_tenant(actor.0, &doc))
            .map(PyImportReport)
    }

    /// Plans `import_tenant` without committing it: a `Simulation` whose `value` is the
    /// `ImportReport` the import would give and whose `impact` tells who would gain and lose
    /// what. Raises as `import_tenant` would; nothing is committed either way.
    fn plan_import(
        &self,
        py: Python<'_>,
        actor: UserArg,
        document: &Bound<'_, PyAny>,
    ) -> PyResult<PySimulation> {
        let text = document_text(py, document)?;
        let dir = self.d()?;
        let sim = py
            .detach(|| {
                let doc = TenantDocument::from_json(&text)?;
                dir.plan_import(actor.0, &doc)
            })
            .or_raise()?;
        simulation(py, sim)
    }

    /// Plans `import_users_csv` without committing it, as `plan_import`.
    fn plan_users_csv(
        &self,
        py: Python<'_>,
        actor: UserArg,
        text: String,
    ) -> PyResult<PySimulation> {
        let dir = self.d()?;
        let sim = py
            .detach(|| dir.plan_users_csv(actor.0, &text))
            .or_raise()?;
        simulation(py, sim)
    }

    /// Imports users from CSV text (header row; columns `email`, `first_name`, `last_name`,
    /// `phone`, `external_id`, `active`, `roles`, `groups`, `teams`, `scopes`, lists separated
    /// by `;`) as `import_tenant` imports a document of those users. Problems are located by
    /// line (`"line 3"`).
    fn import_users_csv(
        &self,
        py: Python<'_>,
        actor: UserArg,
        text: String,
    ) -> PyResult<PyImportReport> {
        self.write(py, |d| d.import_users_csv(actor.0, &text))
            .map(PyImportReport)
    }
}

/// The JSON text of a document argument: a `str` as it is, anything else (the `dict`
/// `json.loads` gives) through `json.dumps`.
fn document_text(py: Python<'_>, document: &Bound<'_, PyAny>) -> PyResult<String> {
    if document.is_instance_of::<PyString>() {
        document.extract()
    } else {
        py.import("json")?
            .call_method1("dumps", (document,))?
            .extract()
    }
}

fn simulation(
    py: Python<'_>,
    sim: rolecall::Simulation<rolecall::ImportReport>,
) -> PyResult<PySimulation> {
    Ok(PySimulation {
        value: Py::new(py, PyImportReport(sim.value))?.into_any(),
        impact: Py::new(py, PyImpact(sim.impact))?,
    })
}

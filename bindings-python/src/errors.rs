//! Core errors to Python exceptions.
//!
//! The exception classes live in `rolecall/_errors.py` (they need multiple inheritance:
//! `InvalidInputError` is also a `ValueError`, `NotFoundError` a `LookupError`). This module
//! only hands the core's message, stable code, kind and category to that module's factory;
//! the class is chosen by kind (for the few finer classes) or else by the core's category.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;
use rolecall::Error;

fn build(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    static FACTORY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let factory = FACTORY.import(py, "rolecall._errors", "_from_core")?;
    // The data some errors carry, as attributes of their exception.
    let extra = PyDict::new(py);
    match e {
        Error::WeakPassword { rule } => extra.set_item("rule", *rule)?,
        Error::AccountLocked { until } => extra.set_item("until", *until)?,
        Error::AmbiguousName { namespaces, .. } => extra.set_item("namespaces", namespaces)?,
        // Messages name things; the ids stay available to programs as attributes.
        Error::GroupIsOnlyGroup { group, user, .. } => {
            extra.set_item("group", group.0)?;
            extra.set_item("user", user.0)?;
        }
        Error::UserOwnsAgreement {
            user, agreement, ..
        } => {
            extra.set_item("user", user.0)?;
            extra.set_item("agreement", agreement.0)?;
        }
        Error::AdministratorProtected { user, .. }
        | Error::AgreementAdministratorProtected { user, .. }
        | Error::ActorInactive { user, .. }
        | Error::NoPassword { user, .. } => extra.set_item("user", user.0)?,
        Error::BuiltinRole { role, .. } => extra.set_item("role", role.0)?,
        Error::AgreementAdminRequired { agreement, .. } | Error::NotOwner { agreement, .. } => {
            extra.set_item("agreement", agreement.0)?
        }
        Error::NotATeam { scope, .. } => extra.set_item("scope", scope.0)?,
        Error::NotEligible { user, role, scope } => {
            extra.set_item("user", user.0)?;
            extra.set_item("role", role.0)?;
            extra.set_item("scope", scope.map(|s| s.0))?;
        }
        Error::ScopeCycle { scope, parent } => {
            extra.set_item("scope", scope.0)?;
            extra.set_item("parent", parent.0)?;
        }
        Error::ScopeNotEmpty {
            scope,
            children,
            members,
            ..
        } => {
            extra.set_item("scope", scope.0)?;
            extra.set_item("children", *children)?;
            extra.set_item("members", *members)?;
        }
        Error::OutsideTeams { user, .. } => extra.set_item("user", user.0)?,
        Error::SeparationOfDuty { rule, user } => {
            extra.set_item("rule", rule)?;
            extra.set_item("email", user)?;
        }
        Error::InvalidImport { problems } => {
            let list: Vec<(String, String, String)> = problems
                .iter()
                .map(|p| (p.location.clone(), p.field.clone(), p.reason.clone()))
                .collect();
            extra.set_item("problems", list)?;
        }
        Error::Stale { wanted, reached } => {
            extra.set_item("wanted", *wanted)?;
            extra.set_item("reached", *reached)?;
        }
        _ => {}
    }
    let exc = factory.call1((
        e.to_string(),
        e.code(),
        e.kind(),
        e.category().name(),
        extra,
    ))?;
    Ok(PyErr::from_value(exc))
}

/// Converts a core error into the matching `rolecall.RolecallError` subclass.
pub(crate) fn err(e: Error) -> PyErr {
    Python::attach(|py| build(py, &e).unwrap_or_else(|failure| failure))
}

/// `.map_err(err)` in one word.
pub(crate) trait OrRaise<T> {
    /// Converts a core error into its Python exception.
    fn or_raise(self) -> PyResult<T>;
}

impl<T> OrRaise<T> for Result<T, Error> {
    #[inline]
    fn or_raise(self) -> PyResult<T> {
        self.map_err(err)
    }
}

//! Separation of duty: declaring, removing and listing rules, and who violates them.

use pyo3::prelude::*;

use crate::convert::{TenantArg, UserArg};
use crate::errors::OrRaise;
use crate::records::{PySodRule, PySodViolation};

use super::PyDirectory;

#[pymethods]
impl PyDirectory {
    // ======================= separation of duty =======================

    /// Declares a separation-of-duty rule (a `SodRule`) in the actor's tenant
    /// (superadministrator only). Returns the ids of the users that already hold both sides,
    /// in id order: they keep their access, may lose rights, never gain one. From then on,
    /// every change that would leave a user holding both sides raises `SeparationOfDutyError`.
    fn add_sod_rule(
        &self,
        py: Python<'_>,
        actor: UserArg,
        rule: PyRef<'_, PySodRule>,
    ) -> PyResult<Vec<u64>> {
        let rule = rule.0.clone();
        self.write(py, |d| d.add_sod_rule(actor.0, &rule))
            .map(|ids| ids.into_iter().map(|u| u.0).collect())
    }

    /// Removes the actor's tenant's rule named `name` (case-insensitively; superadministrator
    /// only). Raises `NotFoundError` (kind `unknown_sod_rule`) when there is none.
    fn remove_sod_rule(&self, py: Python<'_>, actor: UserArg, name: String) -> PyResult<()> {
        self.write(py, |d| d.remove_sod_rule(actor.0, &name))
    }

    /// The tenant's separation-of-duty rules, in declaration order.
    fn sod_rules(&self, tenant: TenantArg) -> PyResult<Vec<PySodRule>> {
        self.d()?
            .sod_rules(tenant.0)
            .map(|rs| rs.into_iter().map(PySodRule).collect())
            .or_raise()
    }

    /// The active users holding both sides of a rule, by rule in declaration order, then by
    /// user id.
    fn sod_violations(&self, tenant: TenantArg) -> PyResult<Vec<PySodViolation>> {
        self.d()?
            .sod_violations(tenant.0)
            .map(|vs| vs.into_iter().map(PySodViolation).collect())
            .or_raise()
    }
}

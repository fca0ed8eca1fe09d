//! Agreements and their access levels.

use pyo3::prelude::*;

use crate::convert::{AgreementArg, LevelArg, ProductArg, TenantArg, UserArg};
use crate::errors::OrRaise;
use crate::records::PyAgreement;

use super::PyDirectory;

#[pymethods]
impl PyDirectory {
    // ======================= agreements =======================

    /// Creates an agreement and appoints its Owner; returns its id. Needs `agreements.manage`.
    fn create_agreement(
        &self,
        py: Python<'_>,
        actor: UserArg,
        name: String,
        owner: UserArg,
    ) -> PyResult<u64> {
        self.write(py, |d| d.create_agreement(actor.0, &name, owner.0))
            .map(|id| id.0)
    }

    /// Sets a user's access level on a product of an agreement, under the rules of 002.
    fn set_access_level(
        &self,
        py: Python<'_>,
        actor: UserArg,
        agreement: AgreementArg,
        user: UserArg,
        product: ProductArg,
        level: LevelArg,
    ) -> PyResult<()> {
        self.write(py, |d| {
            d.set_access_level(actor.0, agreement.0, user.0, product.0, level.0)
        })
    }

    /// Transfers ownership of an agreement (Owner only); the former Owner becomes Administrator.
    fn transfer_ownership(
        &self,
        py: Python<'_>,
        actor: UserArg,
        agreement: AgreementArg,
        new_owner: UserArg,
    ) -> PyResult<()> {
        self.write(py, |d| {
            d.transfer_ownership(actor.0, agreement.0, new_owner.0)
        })
    }

    /// Links a user to a virtual-PBX subscriber on an agreement; `subscriber=None` unlinks.
    fn link_pbx_subscriber(
        &self,
        py: Python<'_>,
        actor: UserArg,
        agreement: AgreementArg,
        user: UserArg,
        subscriber: Option<String>,
    ) -> PyResult<()> {
        self.write(py, |d| {
            d.link_pbx_subscriber(actor.0, agreement.0, user.0, subscriber.as_deref())
        })
    }

    /// An agreement.
    fn agreement(&self, id: AgreementArg) -> PyResult<PyAgreement> {
        self.d()?.agreement(id.0).map(PyAgreement).or_raise()
    }

    /// Every agreement of a tenant, in id order.
    fn agreements(&self, tenant: TenantArg) -> PyResult<Vec<PyAgreement>> {
        let list = self.d()?.agreements(tenant.0).or_raise()?;
        Ok(list.into_iter().map(PyAgreement).collect())
    }

    /// The PBX subscriber a user is linked to on an agreement, or None.
    fn pbx_subscriber(&self, agreement: AgreementArg, user: UserArg) -> PyResult<Option<String>> {
        self.d()?.pbx_subscriber(agreement.0, user.0).or_raise()
    }
}

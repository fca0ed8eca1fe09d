//! Agreements (002): owners, access levels, PBX subscribers.

use crate::audit::AuditAction;
use crate::domain::{AccessLevel, Agreement, AgreementId, Product, TenantId, UserId};
use crate::Error;

use super::Directory;

impl Directory {
    /// Creates an agreement and appoints its Owner. Needs `agreements.manage`.
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] without `agreements.manage`; [`Error::InvalidName`],
    /// [`Error::DuplicateName`]; [`Error::UnknownUser`] for the owner; [`Error::InactiveOwner`]
    /// when the owner is inactive (one active Owner per agreement); and the errors of [every
    /// change](Directory#errors-of-every-change).
    pub fn create_agreement(
        &self,
        actor: UserId,
        name: &str,
        owner: UserId,
    ) -> Result<AgreementId, Error> {
        self.write(Some(actor), AuditAction::CreateAgreement, |p| {
            p.create_agreement(actor, name, owner)
        })
    }

    /// Sets a user's access level on a product of an agreement, under the rules of 002: a CORE
    /// Administrator sets User or Administrator, the Owner (and the tenant's
    /// superadministrator) No access, User or Administrator, on every product; with the
    /// tenant's [`TenantSettings::strict_agreement_levels`], never above the actor's own level
    /// on that product.
    ///
    /// # Errors
    /// [`Error::UnknownAgreement`], [`Error::UnknownUser`]; [`Error::AgreementAdminRequired`]
    /// without Administrator or Owner on System (CORE); [`Error::OwnerProtected`] for the Owner's
    /// levels; [`Error::AgreementAdministratorProtected`] for another Administrator's;
    /// [`Error::LevelNotGrantable`] for a level the actor may not set; and the errors of [every
    /// change](Directory#errors-of-every-change).
    ///
    /// [`TenantSettings::strict_agreement_levels`]: crate::TenantSettings::strict_agreement_levels
    pub fn set_access_level(
        &self,
        actor: UserId,
        agreement: AgreementId,
        user: UserId,
        product: Product,
        level: AccessLevel,
    ) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::SetAccessLevel, |p| {
            p.set_access_level(actor, agreement, user, product, level)
        })
    }

    /// Transfers ownership of an agreement (its Owner, or the tenant's superadministrator); the
    /// former Owner becomes Administrator.
    ///
    /// # Errors
    /// [`Error::UnknownAgreement`], [`Error::UnknownUser`]; [`Error::NotOwner`] for anyone but the
    /// Owner or the superadministrator; [`Error::InactiveOwner`] when the new owner is inactive;
    /// and the errors of [every change](Directory#errors-of-every-change).
    pub fn transfer_ownership(
        &self,
        actor: UserId,
        agreement: AgreementId,
        new_owner: UserId,
    ) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::TransferOwnership, |p| {
            p.transfer_ownership(actor, agreement, new_owner)
        })
    }

    /// Links a user to a virtual-PBX subscriber on an agreement (`None` unlinks): a change of
    /// its Virtual PBX access, under the rules of [`set_access_level`](Self::set_access_level).
    ///
    /// # Errors
    /// As [`set_access_level`](Self::set_access_level): [`Error::UnknownAgreement`],
    /// [`Error::UnknownUser`], [`Error::AgreementAdminRequired`], [`Error::OwnerProtected`],
    /// [`Error::AgreementAdministratorProtected`], and [`Error::LevelNotGrantable`] when, under the
    /// strict reading, the actor has no Virtual PBX access itself; [`Error::InvalidName`] for a bad
    /// subscriber; and the errors of [every change](Directory#errors-of-every-change).
    pub fn link_pbx_subscriber(
        &self,
        actor: UserId,
        agreement: AgreementId,
        user: UserId,
        subscriber: Option<&str>,
    ) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::LinkPbxSubscriber, |p| {
            p.link_pbx_subscriber(actor, agreement, user, subscriber)
        })
    }

    /// An agreement.
    ///
    /// # Errors
    /// [`Error::UnknownAgreement`].
    pub fn agreement(&self, id: AgreementId) -> Result<Agreement, Error> {
        self.read()
            .agreements
            .get(&id)
            .and_then(|a| a.meta.clone())
            .ok_or_else(|| Error::UnknownAgreement(id.to_string()))
    }

    /// Every agreement of a tenant, in id order.
    ///
    /// # Errors
    /// [`Error::UnknownTenant`]; [`Error::Closed`] after [`close`](Directory::close).
    pub fn agreements(&self, tenant: TenantId) -> Result<Vec<Agreement>, Error> {
        self.with_tenant(tenant, |m| {
            m.agreements
                .values()
                .filter_map(|a| a.meta.clone())
                .filter(|a| a.tenant == tenant)
                .collect()
        })
    }

    /// The PBX subscriber a user is linked to on an agreement.
    ///
    /// # Errors
    /// [`Error::UnknownAgreement`].
    pub fn pbx_subscriber(
        &self,
        agreement: AgreementId,
        user: UserId,
    ) -> Result<Option<String>, Error> {
        let m = self.read();
        let st = m
            .agreements
            .get(&agreement)
            .ok_or_else(|| Error::UnknownAgreement(agreement.to_string()))?;
        Ok(st.pbx.get(&user).cloned())
    }
}

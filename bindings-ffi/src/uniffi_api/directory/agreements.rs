// The directory's agreements.
// (Included into `uniffi_api.rs`, one module, by `include!`: the imports are there.)

#[uniffi::export]
impl Directory {
    // ---- agreements

    /// Creates an agreement and appoints its Owner.
    pub fn create_agreement(&self, actor: UserId, name: &str, owner: UserId) -> R<AgreementId> {
        Ok(self.inner.create_agreement(actor, name, owner)?)
    }

    /// Sets a user's access level on a product of an agreement.
    pub fn set_access_level(
        &self,
        actor: UserId,
        agreement: AgreementId,
        user: UserId,
        product: Product,
        level: AccessLevel,
    ) -> R<()> {
        Ok(self
            .inner
            .set_access_level(actor, agreement, user, product, level)?)
    }

    /// Transfers ownership of an agreement.
    pub fn transfer_ownership(
        &self,
        actor: UserId,
        agreement: AgreementId,
        new_owner: UserId,
    ) -> R<()> {
        Ok(self.inner.transfer_ownership(actor, agreement, new_owner)?)
    }

    /// Links a user to a virtual-PBX subscriber (`None` unlinks).
    pub fn link_pbx_subscriber(
        &self,
        actor: UserId,
        agreement: AgreementId,
        user: UserId,
        subscriber: Option<String>,
    ) -> R<()> {
        let subscriber = subscriber.as_deref();
        Ok(self
            .inner
            .link_pbx_subscriber(actor, agreement, user, subscriber)?)
    }

    /// An agreement.
    pub fn agreement(&self, agreement: AgreementId) -> R<Agreement> {
        Ok(self.inner.agreement(agreement)?)
    }

    /// Every agreement of a tenant.
    pub fn agreements(&self, tenant: TenantId) -> R<Vec<Agreement>> {
        Ok(self.inner.agreements(tenant)?)
    }

    /// The PBX subscriber a user is linked to on an agreement.
    pub fn pbx_subscriber(&self, agreement: AgreementId, user: UserId) -> R<Option<String>> {
        Ok(self.inner.pbx_subscriber(agreement, user)?)
    }

}

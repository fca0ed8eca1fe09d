// Separation of duty: declaring, removing and listing a tenant's rules, and who violates them.
// (Included into `uniffi_api.rs`, one module, by `include!`: the imports are there.)

#[uniffi::export]
impl Directory {
    /// Declares a separation-of-duty rule in the actor's tenant (superadministrator only);
    /// returns the users that already hold both sides, in id order (they keep their access,
    /// may lose rights, never gain one).
    pub fn add_sod_rule(&self, actor: UserId, rule: &SodRule) -> R<Vec<UserId>> {
        Ok(self.inner.add_sod_rule(actor, rule)?)
    }

    /// Removes the actor's tenant's rule named `name` (case-insensitively).
    pub fn remove_sod_rule(&self, actor: UserId, name: &str) -> R<()> {
        Ok(self.inner.remove_sod_rule(actor, name)?)
    }

    /// The tenant's separation-of-duty rules, in declaration order.
    pub fn sod_rules(&self, tenant: TenantId) -> R<Vec<SodRule>> {
        Ok(self.inner.sod_rules(tenant)?)
    }

    /// The active users holding both sides of a rule, by rule, then by user id.
    pub fn sod_violations(&self, tenant: TenantId) -> R<Vec<SodViolation>> {
        Ok(self.inner.sod_violations(tenant)?)
    }
}

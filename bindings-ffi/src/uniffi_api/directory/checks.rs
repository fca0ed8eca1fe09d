// The directory's checks.
// (Included into `uniffi_api.rs`, one module, by `include!`: the imports are there.)

#[uniffi::export]
impl Directory {
    // ---- checks

    /// May `user` do `permission` (one dotted name)? False for an unknown or inactive user.
    pub fn check(&self, user: UserId, permission: &str) -> R<bool> {
        Ok(self.inner.check(user, perm(permission)?))
    }

    /// May `user` do `permission` on call group / IVR `scope`?
    pub fn check_scoped(&self, user: UserId, permission: &str, scope: ScopeId) -> R<bool> {
        Ok(self.inner.check_scoped(user, perm(permission)?, scope))
    }

    /// Checks `(users[i], permissions[i])` pairs at one revision.
    pub fn check_many(&self, users: Vec<UserId>, permissions: Vec<String>) -> R<Vec<bool>> {
        if users.len() != permissions.len() {
            return Err(rolecall::Error::InvalidArgument {
                what: "check_many",
                reason: "needs as many users as permissions".into(),
            }
            .into());
        }
        let pairs = users
            .into_iter()
            .zip(&permissions)
            .map(|(u, p)| Ok((u, perm(p)?)))
            .collect::<R<Vec<_>>>()?;
        Ok(self.inner.check_many(&pairs))
    }

    /// Which scopes `user` may see for `permission`.
    pub fn allowed_scopes(&self, user: UserId, permission: &str) -> R<ScopeAccess> {
        Ok(self.inner.allowed_scopes(user, perm(permission)?)?.into())
    }

    /// Which scopes of `kind` `user` may see for `permission` (`All`: every one of that kind).
    pub fn allowed_scopes_of_kind(
        &self,
        user: UserId,
        permission: &str,
        kind: ScopeKind,
    ) -> R<ScopeAccess> {
        Ok(self
            .inner
            .allowed_scopes_of_kind(user, perm(permission)?, kind.core()?)?
            .into())
    }

    /// May `actor` do `permission` on user `target` ("my team only")? Lock-free.
    pub fn check_user(&self, actor: UserId, permission: &str, target: UserId) -> R<bool> {
        Ok(self.inner.check_user(actor, perm(permission)?, target))
    }

    /// The effective permissions of a user.
    pub fn effective_permissions(&self, user: UserId) -> R<Permissions> {
        Ok(self.inner.effective_permissions(user)?)
    }

    /// Users of a tenant holding `permission` (within `scope` when given).
    pub fn users_with_permission(
        &self,
        tenant: TenantId,
        permission: &str,
        scope: Option<ScopeId>,
    ) -> R<Vec<UserId>> {
        let p = perm(permission)?;
        Ok(self.inner.users_with_permission(tenant, p, scope)?)
    }

    /// The access level of `user` on `product` of `agreement`.
    pub fn access_level(
        &self,
        agreement: AgreementId,
        user: UserId,
        product: Product,
    ) -> AccessLevel {
        self.inner.access_level(agreement, user, product)
    }

    /// May `user` listen to the recordings of PBX subscriber `subscriber`?
    pub fn may_listen_recordings(
        &self,
        agreement: AgreementId,
        user: UserId,
        subscriber: &str,
    ) -> bool {
        self.inner
            .may_listen_recordings(agreement, user, subscriber)
    }

    /// May `user` use click-to-call as PBX subscriber `subscriber`?
    pub fn may_click_to_call(
        &self,
        agreement: AgreementId,
        user: UserId,
        subscriber: &str,
    ) -> bool {
        self.inner.may_click_to_call(agreement, user, subscriber)
    }

    /// Why `check(user, permission)` answers as it does.
    pub fn explain(&self, user: UserId, permission: &str) -> R<Explanation> {
        Ok(self.inner.explain(user, perm(permission)?)?)
    }

}

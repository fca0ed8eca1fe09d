// The directory's credentials and audit.
// (Included into `uniffi_api.rs`, one module, by `include!`: the imports are there.)

#[uniffi::export]
impl Directory {
    // ---- credentials

    /// Logs a user in by email and password.
    pub fn login(&self, tenant: TenantId, email: &str, password: &str) -> R<Session> {
        Ok(self.inner.login(tenant, email, password)?)
    }

    /// An administrator sets a user's password; `temporary` (to be changed at the next login)
    /// defaults to true, as for every password set by someone else.
    #[uniffi::method(default(temporary = true))]
    pub fn set_password(
        &self,
        actor: UserId,
        user: UserId,
        password: &str,
        temporary: bool,
    ) -> R<()> {
        Ok(self.inner.set_password(actor, user, password, temporary)?)
    }

    /// A user changes its own password.
    pub fn change_password(&self, user: UserId, current: &str, new_password: &str) -> R<()> {
        Ok(self.inner.change_password(user, current, new_password)?)
    }

    /// Starts a recovery by email (`None` when no active user has that email).
    pub fn request_password_reset(&self, tenant: TenantId, email: &str) -> R<Option<ResetIssued>> {
        Ok(self.inner.request_password_reset(tenant, email)?)
    }

    /// Sets a new password with a recovery token; returns the user.
    pub fn reset_password_with_token(
        &self,
        tenant: TenantId,
        token: &str,
        new_password: &str,
    ) -> R<UserId> {
        Ok(self
            .inner
            .reset_password_with_token(tenant, token, new_password)?)
    }

    /// Unlocks an account locked by failed logins.
    pub fn unlock(&self, actor: UserId, user: UserId) -> R<()> {
        Ok(self.inner.unlock(actor, user)?)
    }

    /// A user's credential state.
    pub fn credential_status(&self, user: UserId) -> R<CredentialStatus> {
        Ok(self.inner.credential_status(user)?)
    }

    /// A user's security stamp.
    pub fn security_stamp(&self, user: UserId) -> R<u64> {
        Ok(self.inner.security_stamp(user)?)
    }

    /// Whether a session issued under `stamp` is still valid.
    pub fn session_valid(&self, user: UserId, stamp: u64) -> bool {
        self.inner.session_valid(user, stamp)
    }

    // ---- audit

    /// Audit events matching `query`, oldest first.
    pub fn audit_events(&self, query: &AuditQuery) -> R<AuditPage> {
        Ok(self.inner.audit_events(query)?)
    }

}

// Snapshots: an immutable view of the directory at one revision.
// (Included into `uniffi_api.rs`, one module, by `include!`: the imports are there.)

// ---------------------------------------------------------------- objects

/// An immutable view of the directory at one revision.
#[derive(uniffi::Object)]
pub struct Snapshot {
    inner: Arc<rolecall::Snapshot>,
}

#[uniffi::export]
impl Snapshot {
    /// The revision it reflects.
    pub fn revision(&self) -> u64 {
        self.inner.revision()
    }

    /// Heap bytes it holds (user slots, call-group lists, agreements' levels).
    pub fn memory_bytes(&self) -> Count {
        self.inner.memory_bytes()
    }

    /// May `user` do `permission` (one dotted name)?
    pub fn check(&self, user: UserId, permission: &str) -> R<bool> {
        Ok(self.inner.check(user, perm(permission)?))
    }

    /// May `user` do `permission` on data of `scope` (or of a scope above it)?
    pub fn check_scoped(&self, user: UserId, permission: &str, scope: ScopeId) -> R<bool> {
        Ok(self.inner.check_scoped(user, perm(permission)?, scope))
    }

    /// May `actor` do `permission` on user `target` (unscoped, or for a team it is in)?
    pub fn check_user(&self, actor: UserId, permission: &str, target: UserId) -> R<bool> {
        Ok(self.inner.check_user(actor, perm(permission)?, target))
    }

    /// Which scopes (of `kind`, or of every kind) `user` may see for `permission`; `None`
    /// for an unknown user.
    pub fn allowed_scopes_of(
        &self,
        user: UserId,
        permission: &str,
        kind: Option<ScopeKind>,
    ) -> R<Option<ScopeAccess>> {
        let kind = kind.map(|k| k.core()).transpose()?;
        Ok(self
            .inner
            .allowed_scopes_of(user, perm(permission)?, kind)
            .map(Into::into))
    }
}

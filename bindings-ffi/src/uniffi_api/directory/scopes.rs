// The directory's scopes.
// (Included into `uniffi_api.rs`, one module, by `include!`: the imports are there.)

#[uniffi::export]
impl Directory {
    // ---- scopes

    /// Creates a root scope of `kind` (needs `scopes.manage` unscoped).
    pub fn create_scope(&self, actor: UserId, kind: ScopeKind, name: &str) -> R<ScopeId> {
        Ok(self.inner.create_scope(actor, kind.core()?, name)?)
    }

    /// Creates a scope below `parent` (needs `scopes.manage` for `parent`).
    pub fn create_scope_under(
        &self,
        actor: UserId,
        parent: ScopeId,
        kind: ScopeKind,
        name: &str,
    ) -> R<ScopeId> {
        Ok(self
            .inner
            .create_scope_under(actor, parent, kind.core()?, name)?)
    }

    /// Moves `scope` with everything below it under `parent` (`None`: makes it a root).
    pub fn move_scope(&self, actor: UserId, scope: ScopeId, parent: Option<ScopeId>) -> R<()> {
        Ok(self.inner.move_scope(actor, scope, parent)?)
    }

    /// Deletes a scope; refused (`scope_not_empty`) while it has child scopes or members.
    pub fn delete_scope(&self, actor: UserId, scope: ScopeId) -> R<()> {
        Ok(self.inner.delete_scope(actor, scope)?)
    }

    /// Deletes a scope, moving its children to its parent (and its members, when that is a
    /// team).
    pub fn delete_scope_moving(&self, actor: UserId, scope: ScopeId) -> R<()> {
        Ok(self.inner.delete_scope_moving(actor, scope)?)
    }

    /// Grants `role` to `user` for `scope` and everything below it.
    pub fn grant_role_in_scope(
        &self,
        actor: UserId,
        user: UserId,
        role: RoleId,
        scope: ScopeId,
    ) -> R<()> {
        Ok(self.inner.grant_role_in_scope(actor, user, role, scope)?)
    }

    /// Takes back a role granted for a scope (nothing when not granted).
    pub fn revoke_role_in_scope(
        &self,
        actor: UserId,
        user: UserId,
        role: RoleId,
        scope: ScopeId,
    ) -> R<()> {
        Ok(self.inner.revoke_role_in_scope(actor, user, role, scope)?)
    }

    /// Makes `user` a member of exactly `teams` (scopes of kind `Team`).
    pub fn set_user_teams(&self, actor: UserId, user: UserId, teams: &[ScopeId]) -> R<()> {
        Ok(self.inner.set_user_teams(actor, user, teams)?)
    }

    /// The members of a team, in id order (unchecked).
    pub fn team_members(&self, team: ScopeId) -> R<Vec<UserId>> {
        Ok(self.inner.team_members(team)?)
    }

    /// The scopes directly below `scope`, in id order.
    pub fn child_scopes(&self, scope: ScopeId) -> R<Vec<ScopeId>> {
        Ok(self.inner.child_scopes(scope)?)
    }

    /// Authorises a user for a call group / IVR.
    pub fn assign_scope(&self, actor: UserId, user: UserId, scope: ScopeId) -> R<()> {
        Ok(self.inner.assign_scope(actor, user, scope)?)
    }

    /// Withdraws a call group / IVR from a user.
    pub fn unassign_scope(&self, actor: UserId, user: UserId, scope: ScopeId) -> R<()> {
        Ok(self.inner.unassign_scope(actor, user, scope)?)
    }

    /// Replaces the call groups / IVRs of a user.
    pub fn set_user_scopes(&self, actor: UserId, user: UserId, scopes: &[ScopeId]) -> R<()> {
        Ok(self.inner.set_user_scopes(actor, user, scopes)?)
    }

    /// A scope resource.
    pub fn scope(&self, scope: ScopeId) -> R<Scope> {
        Ok(self.inner.scope(scope)?.into())
    }

    /// Every scope of a tenant, in id order.
    pub fn scopes(&self, tenant: TenantId) -> R<Vec<Scope>> {
        Ok(self
            .inner
            .scopes(tenant)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

}

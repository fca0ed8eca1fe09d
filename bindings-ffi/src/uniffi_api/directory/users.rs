// The directory's users.
// (Included into `uniffi_api.rs`, one module, by `include!`: the imports are there.)

#[uniffi::export]
impl Directory {
    // ---- users

    /// Creates a user.
    pub fn create_user(&self, actor: UserId, user: &NewUser) -> R<UserId> {
        Ok(self.inner.create_user(actor, user)?)
    }

    /// Creates several users in one change (all or none), in order.
    pub fn create_users(&self, actor: UserId, users: &[NewUser]) -> R<Vec<UserId>> {
        Ok(self.inner.create_users(actor, users)?)
    }

    /// Edits a user's names, email or phone.
    pub fn update_user(&self, actor: UserId, user: UserId, patch: UserPatch) -> R<()> {
        Ok(self.inner.update_user(actor, user, &patch.into())?)
    }

    /// Activates or deactivates a user.
    pub fn set_active(&self, actor: UserId, user: UserId, active: bool) -> R<()> {
        Ok(self.inner.set_active(actor, user, active)?)
    }

    /// Deletes a user.
    pub fn delete_user(&self, actor: UserId, user: UserId) -> R<()> {
        Ok(self.inner.delete_user(actor, user)?)
    }

    /// Gives a user a role.
    pub fn assign_role(&self, actor: UserId, user: UserId, role: RoleId) -> R<()> {
        Ok(self.inner.assign_role(actor, user, role)?)
    }

    /// Takes a role from a user.
    pub fn revoke_role(&self, actor: UserId, user: UserId, role: RoleId) -> R<()> {
        Ok(self.inner.revoke_role(actor, user, role)?)
    }

    /// Replaces the roles a user holds directly.
    pub fn set_user_roles(&self, actor: UserId, user: UserId, roles: &[RoleId]) -> R<()> {
        Ok(self.inner.set_user_roles(actor, user, roles)?)
    }

    /// A user (unchecked: for trusted host code; `user_as` reads as an acting user).
    pub fn user(&self, user: UserId) -> R<User> {
        Ok(self.inner.user(user)?)
    }

    /// A user, if `actor` may view it (`users.view` unscoped, or for a team it is in);
    /// otherwise `permission_denied` / `outside_teams` (`unknown_user` across tenants).
    pub fn user_as(&self, actor: UserId, user: UserId) -> R<User> {
        Ok(self.inner.user_as(actor, user)?)
    }

    /// The user of a tenant with this email.
    pub fn user_by_email(&self, tenant: TenantId, email: &str) -> R<User> {
        Ok(self.inner.user_by_email(tenant, email)?)
    }

    /// The user of a tenant with this external id (compared exactly).
    pub fn user_by_external_id(&self, tenant: TenantId, external_id: &str) -> R<User> {
        Ok(self.inner.user_by_external_id(tenant, external_id)?)
    }

    /// Searches a tenant's users (unchecked: for trusted host code).
    pub fn search_users(&self, tenant: TenantId, query: &UserQuery) -> R<UserPage> {
        Ok(self.inner.search_users(tenant, query)?)
    }

    /// Searches the actor's tenant, showing only the users the actor may view; paging counts
    /// only those.
    pub fn search_users_as(&self, actor: UserId, query: &UserQuery) -> R<UserPage> {
        Ok(self.inner.search_users_as(actor, query)?)
    }

    /// Users who have not logged in for `days` days.
    pub fn users_inactive_for(&self, tenant: TenantId, days: u32) -> R<Vec<User>> {
        Ok(self.inner.users_inactive_for(tenant, days)?)
    }

    /// The groups a user belongs to.
    pub fn user_groups(&self, user: UserId) -> R<Vec<GroupId>> {
        Ok(self.inner.user_groups(user)?)
    }

}

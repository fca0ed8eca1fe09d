// The directory's roles and groups.
// (Included into `uniffi_api.rs`, one module, by `include!`: the imports are there.)

#[uniffi::export]
impl Directory {
    // ---- roles

    /// Creates a custom role.
    pub fn create_role(&self, actor: UserId, role: &NewRole) -> R<RoleId> {
        Ok(self.inner.create_role(actor, role)?)
    }

    /// Edits a custom role.
    pub fn update_role(&self, actor: UserId, role: RoleId, patch: &RolePatch) -> R<()> {
        Ok(self.inner.update_role(actor, role, patch)?)
    }

    /// Deletes a custom role.
    pub fn delete_role(&self, actor: UserId, role: RoleId) -> R<()> {
        Ok(self.inner.delete_role(actor, role)?)
    }

    /// A role.
    pub fn role(&self, role: RoleId) -> R<Role> {
        Ok(self.inner.role(role)?)
    }

    /// The role of a tenant with this name (or `namespace/name`).
    pub fn role_by_name(&self, tenant: TenantId, name: &str) -> R<Role> {
        Ok(self.inner.role_by_name(tenant, name)?)
    }

    /// The role of `tenant` named `name` in `namespace` (`custom` or a preset's name).
    pub fn role_in_namespace(
        &self,
        tenant: TenantId,
        namespace: RoleNamespace,
        name: &str,
    ) -> R<Role> {
        Ok(self.inner.role_in_namespace(tenant, namespace, name)?)
    }

    /// Every role of a tenant.
    pub fn roles(&self, tenant: TenantId) -> R<Vec<Role>> {
        Ok(self.inner.roles(tenant)?)
    }

    // ---- groups

    /// Creates a user group.
    pub fn create_group(&self, actor: UserId, name: &str, roles: &[RoleId]) -> R<GroupId> {
        Ok(self.inner.create_group(actor, name, roles)?)
    }

    /// Renames a group.
    pub fn rename_group(&self, actor: UserId, group: GroupId, name: &str) -> R<()> {
        Ok(self.inner.rename_group(actor, group, name)?)
    }

    /// Adds a role to a group.
    pub fn add_group_role(&self, actor: UserId, group: GroupId, role: RoleId) -> R<()> {
        Ok(self.inner.add_group_role(actor, group, role)?)
    }

    /// Removes a role from a group.
    pub fn remove_group_role(&self, actor: UserId, group: GroupId, role: RoleId) -> R<()> {
        Ok(self.inner.remove_group_role(actor, group, role)?)
    }

    /// Adds a user to a group.
    pub fn add_member(&self, actor: UserId, group: GroupId, user: UserId) -> R<()> {
        Ok(self.inner.add_member(actor, group, user)?)
    }

    /// Removes a user from a group.
    pub fn remove_member(&self, actor: UserId, group: GroupId, user: UserId) -> R<()> {
        Ok(self.inner.remove_member(actor, group, user)?)
    }

    /// Deletes a group.
    pub fn delete_group(&self, actor: UserId, group: GroupId) -> R<()> {
        Ok(self.inner.delete_group(actor, group)?)
    }

    /// A group.
    pub fn group(&self, group: GroupId) -> R<Group> {
        Ok(self.inner.group(group)?)
    }

    /// The group of a tenant with this name.
    pub fn group_by_name(&self, tenant: TenantId, name: &str) -> R<Group> {
        Ok(self.inner.group_by_name(tenant, name)?)
    }

    /// Every group of a tenant.
    pub fn groups(&self, tenant: TenantId) -> R<Vec<Group>> {
        Ok(self.inner.groups(tenant)?)
    }

    /// The members of a group.
    pub fn group_members(&self, group: GroupId) -> R<Vec<UserId>> {
        Ok(self.inner.group_members(group)?)
    }

    /// The permissions a group grants.
    pub fn group_permissions(&self, group: GroupId) -> R<Permissions> {
        Ok(self.inner.group_permissions(group)?)
    }


    // Bulk building (issue 14): `NewUser.scopes` / `NewUser.groups`, and many members at once.

    /// Adds many users to a group in one atomic commit, each under the rules of `add_member`:
    /// all join, or none when one is refused.
    pub fn add_members(&self, actor: UserId, group: GroupId, users: Vec<UserId>) -> R<()> {
        Ok(self.inner.add_members(actor, group, &users)?)
    }
}

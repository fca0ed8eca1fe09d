//! User groups (004): their roles and members.

use crate::domain::{Group, GroupId, Permission, RoleId, TenantId, UserId};
use crate::Error;

use super::Directory;

impl Directory {
    /// Creates a user group with roles (004). Needs `groups.manage`.
    pub fn create_group(
        &self,
        actor: UserId,
        name: &str,
        roles: &[RoleId],
    ) -> Result<GroupId, Error> {
        self.write(Some(actor), "create_group", |p| {
            p.create_group(actor, name, roles)
        })
    }

    /// Renames a group.
    pub fn rename_group(&self, actor: UserId, group: GroupId, name: &str) -> Result<(), Error> {
        self.write(Some(actor), "rename_group", |p| {
            p.rename_group(actor, group, name)
        })
    }

    /// Adds a role to a group: a grant to every member.
    pub fn add_group_role(&self, actor: UserId, group: GroupId, role: RoleId) -> Result<(), Error> {
        self.write(Some(actor), "add_group_role", |p| {
            p.add_group_role(actor, group, role)
        })
    }

    /// Removes a role from a group.
    pub fn remove_group_role(
        &self,
        actor: UserId,
        group: GroupId,
        role: RoleId,
    ) -> Result<(), Error> {
        self.write(Some(actor), "remove_group_role", |p| {
            p.remove_group_role(actor, group, role)
        })
    }

    /// Adds a user to a group: a grant of the group's roles.
    pub fn add_member(&self, actor: UserId, group: GroupId, user: UserId) -> Result<(), Error> {
        self.write(Some(actor), "add_member", |p| {
            p.add_member(actor, group, user)
        })
    }

    /// Removes a user from a group.
    pub fn remove_member(&self, actor: UserId, group: GroupId, user: UserId) -> Result<(), Error> {
        self.write(Some(actor), "remove_member", |p| {
            p.remove_member(actor, group, user)
        })
    }

    /// Deletes a group; refused while it is the only group of one of its members (004).
    pub fn delete_group(&self, actor: UserId, group: GroupId) -> Result<(), Error> {
        self.write(Some(actor), "delete_group", |p| {
            p.delete_group(actor, group)
        })
    }

    /// A group.
    pub fn group(&self, id: GroupId) -> Result<Group, Error> {
        self.read()
            .groups
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::UnknownGroup(id.to_string()))
    }

    /// The group of `tenant` with this name (case-insensitive).
    pub fn group_by_name(&self, tenant: TenantId, name: &str) -> Result<Group, Error> {
        self.with_tenant(tenant, |m| {
            m.name_taken(tenant, crate::domain::model::NameKind::Group, name.trim())
                .and_then(|id| m.groups.get(&GroupId(id)))
                .cloned()
                .ok_or_else(|| Error::UnknownGroup(crate::domain::truncate_for_message(name)))
        })?
    }

    /// Every group of a tenant, in id order.
    pub fn groups(&self, tenant: TenantId) -> Result<Vec<Group>, Error> {
        self.with_tenant(tenant, |m| {
            m.groups
                .values()
                .filter(|g| g.tenant == tenant)
                .cloned()
                .collect()
        })
    }

    /// The members of a group, in id order.
    pub fn group_members(&self, group: GroupId) -> Result<Vec<UserId>, Error> {
        let m = self.read();
        if !m.groups.contains_key(&group) {
            return Err(Error::UnknownGroup(group.to_string()));
        }
        Ok(m.members
            .get(&group)
            .into_iter()
            .flatten()
            .copied()
            .collect())
    }

    /// The permissions a group grants its members (union of its roles).
    pub fn group_permissions(&self, group: GroupId) -> Result<Permission, Error> {
        let m = self.read();
        let g = m
            .groups
            .get(&group)
            .ok_or_else(|| Error::UnknownGroup(group.to_string()))?;
        Ok(m.group_permissions(g))
    }

    /// The groups a user belongs to, in id order.
    pub fn user_groups(&self, user: UserId) -> Result<Vec<GroupId>, Error> {
        let m = self.read();
        if !m.users.contains_key(&user) {
            return Err(Error::UnknownUser(user.to_string()));
        }
        Ok(m.user_groups
            .get(&user)
            .into_iter()
            .flatten()
            .copied()
            .collect())
    }
}

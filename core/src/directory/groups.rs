//! User groups (004): their roles and members.

use crate::audit::AuditAction;
use crate::domain::{Group, GroupId, Permission, RoleId, TenantId, UserId};
use crate::Error;

use super::Directory;

impl Directory {
    /// Creates a user group with roles (004). Needs `groups.manage`.
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] without `groups.manage`; [`Error::InvalidName`],
    /// [`Error::DuplicateName`]; [`Error::UnknownRole`]; [`Error::SuperadminOnly`] for an
    /// administrator-tier role; [`Error::Escalation`] for a role whose rights the actor lacks; and
    /// the errors of [every change](Directory#errors-of-every-change).
    pub fn create_group(
        &self,
        actor: UserId,
        name: &str,
        roles: &[RoleId],
    ) -> Result<GroupId, Error> {
        self.write(Some(actor), AuditAction::CreateGroup, |p| {
            p.create_group(actor, name, roles)
        })
    }

    /// Renames a group.
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] without `groups.manage`; [`Error::UnknownGroup`];
    /// [`Error::InvalidName`], [`Error::DuplicateName`]; and the errors of [every
    /// change](Directory#errors-of-every-change).
    pub fn rename_group(&self, actor: UserId, group: GroupId, name: &str) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::RenameGroup, |p| {
            p.rename_group(actor, group, name)
        })
    }

    /// Adds a role to a group: a grant to every member.
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] without `groups.manage`; [`Error::UnknownGroup`],
    /// [`Error::UnknownRole`]; [`Error::SuperadminOnly`] for an administrator-tier role;
    /// [`Error::Escalation`] when the actor lacks the role's rights (in each member's call groups /
    /// IVRs); [`Error::AdministratorProtected`] when a member is an administrator; and the errors
    /// of [every change](Directory#errors-of-every-change).
    pub fn add_group_role(&self, actor: UserId, group: GroupId, role: RoleId) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::AddGroupRole, |p| {
            p.add_group_role(actor, group, role)
        })
    }

    /// Removes a role from a group.
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] without `groups.manage`; [`Error::UnknownGroup`],
    /// [`Error::UnknownRole`]; [`Error::SuperadminOnly`] for an administrator-tier role;
    /// [`Error::AdministratorProtected`] when a member is an administrator; and the errors of
    /// [every change](Directory#errors-of-every-change).
    pub fn remove_group_role(
        &self,
        actor: UserId,
        group: GroupId,
        role: RoleId,
    ) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::RemoveGroupRole, |p| {
            p.remove_group_role(actor, group, role)
        })
    }

    /// Adds a user to a group: a grant of the group's roles.
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] without `groups.manage`; [`Error::UnknownGroup`],
    /// [`Error::UnknownUser`]; [`Error::SuperadminProtected`] or [`Error::AdministratorProtected`]
    /// for the superadministrator's or (unless the actor is the superadministrator) an
    /// administrator's account; [`Error::SuperadminOnly`] or [`Error::Escalation`] for a group role
    /// the actor may not grant the user; and the errors of [every
    /// change](Directory#errors-of-every-change).
    pub fn add_member(&self, actor: UserId, group: GroupId, user: UserId) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::AddMember, |p| {
            p.add_member(actor, group, user)
        })
    }

    /// Adds many users to a group in one atomic commit: each under the rules of
    /// [`add_member`](Self::add_member), all joining or none. Users already members, and
    /// repeats, are skipped.
    ///
    /// # Errors
    /// As [`add_member`](Self::add_member), for the first user refused (nothing changes).
    ///
    /// # Examples
    ///
    /// ```
    /// use rolecall::{Directory, NewUser, Preset};
    /// let dir = Directory::in_memory();
    /// let acme = dir.create_tenant("Acme", &NewUser::new("Ada", "Root", "ada@acme.test"), &[Preset::Managers])?;
    /// let floor = dir.create_group(acme.superadmin, "Floor", &[])?;
    /// let users = dir.create_users(acme.superadmin, &[
    ///     NewUser::new("Bob", "Lee", "bob@acme.test"),
    ///     NewUser::new("Eve", "Doe", "eve@acme.test").groups([floor]),
    /// ])?;
    /// dir.add_members(acme.superadmin, floor, &users)?;
    /// assert_eq!(dir.group_members(floor)?, users);
    /// # Ok::<(), rolecall::Error>(())
    /// ```
    pub fn add_members(
        &self,
        actor: UserId,
        group: GroupId,
        users: &[UserId],
    ) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::AddMembers, |p| {
            p.add_members(actor, group, users)
        })
    }

    /// Removes a user from a group.
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] without `groups.manage`; [`Error::UnknownGroup`],
    /// [`Error::UnknownUser`]; [`Error::SuperadminProtected`] or [`Error::AdministratorProtected`]
    /// for the superadministrator's or (unless the actor is the superadministrator) an
    /// administrator's account; [`Error::SuperadminOnly`] when the group holds an
    /// administrator-tier role; and the errors of [every change](Directory#errors-of-every-change).
    pub fn remove_member(&self, actor: UserId, group: GroupId, user: UserId) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::RemoveMember, |p| {
            p.remove_member(actor, group, user)
        })
    }

    /// Deletes a group; refused while it is the only group of one of its members (004).
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] without `groups.manage`; [`Error::UnknownGroup`];
    /// [`Error::GroupIsOnlyGroup`] as above; [`Error::AdministratorProtected`] when a member is an
    /// administrator; [`Error::SuperadminOnly`] when the group holds an administrator-tier role;
    /// and the errors of [every change](Directory#errors-of-every-change).
    pub fn delete_group(&self, actor: UserId, group: GroupId) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::DeleteGroup, |p| {
            p.delete_group(actor, group)
        })
    }

    /// A group.
    ///
    /// # Errors
    /// [`Error::UnknownGroup`].
    pub fn group(&self, id: GroupId) -> Result<Group, Error> {
        self.read()
            .groups
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::UnknownGroup(id.to_string()))
    }

    /// The group of `tenant` with this name (case-insensitive).
    ///
    /// # Errors
    /// [`Error::UnknownTenant`]; [`Error::UnknownGroup`] when no group has that name;
    /// [`Error::Closed`] after [`close`](Directory::close).
    pub fn group_by_name(&self, tenant: TenantId, name: &str) -> Result<Group, Error> {
        self.with_tenant(tenant, |m| {
            m.name_taken(tenant, crate::domain::model::NameKind::Group, name.trim())
                .and_then(|id| m.groups.get(&GroupId(id)))
                .cloned()
                .ok_or_else(|| Error::UnknownGroup(crate::domain::truncate_for_message(name)))
        })?
    }

    /// Every group of a tenant, in id order.
    ///
    /// # Errors
    /// [`Error::UnknownTenant`]; [`Error::Closed`] after [`close`](Directory::close).
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
    ///
    /// # Errors
    /// [`Error::UnknownGroup`].
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

    /// The permissions a group grants its members (union of its roles). What its roles deny
    /// ([`Role::denied`](crate::Role::denied)) is not subtracted here: a member's effective
    /// rights are its whole set of roles' allows minus their denials.
    ///
    /// # Errors
    /// [`Error::UnknownGroup`].
    pub fn group_permissions(&self, group: GroupId) -> Result<Permission, Error> {
        let m = self.read();
        let g = m
            .groups
            .get(&group)
            .ok_or_else(|| Error::UnknownGroup(group.to_string()))?;
        Ok(m.group_permissions(g))
    }

    /// The groups a user belongs to, in id order.
    ///
    /// # Errors
    /// [`Error::UnknownUser`].
    pub fn user_groups(&self, user: UserId) -> Result<Vec<GroupId>, Error> {
        let m = self.read();
        if !m.users.contains_key(&user) {
            return Err(Error::UnknownUser(user.into()));
        }
        Ok(m.user_groups
            .get(&user)
            .into_iter()
            .flatten()
            .copied()
            .collect())
    }
}

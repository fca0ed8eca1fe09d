//! Planning for user groups: creation, renaming, the roles a group grants, membership and
//! deletion.

use std::collections::BTreeSet;

use super::{dedup, Plan};
use crate::domain::model::{Hyp, NameKind};
use crate::domain::rules::Actor;
use crate::domain::ObjectKind;
use crate::domain::{validate, Change, Group, GroupId, Permission, Role, RoleId, User, UserId};
use crate::Error;

impl<'m> Plan<'m> {
    pub(super) fn group_for_change(
        &self,
        a: &Actor<'_>,
        group: GroupId,
    ) -> Result<&'m Group, Error> {
        a.require(Permission::GROUPS_MANAGE)?;
        self.m.group_in(a.tenant(), group)
    }

    /// The acting user, the group and the role of a change to a group's roles.
    fn group_role(
        &self,
        actor: UserId,
        group: GroupId,
        role: RoleId,
    ) -> Result<(Actor<'m>, &'m Group, &'m Role), Error> {
        let a = Actor::load(self.m, actor)?;
        let g = self.group_for_change(&a, group)?;
        let r = self.m.role_in(a.tenant(), role)?;
        Ok((a, g, r))
    }

    /// Plans `g` with its roles edited by `edit`.
    fn put_group_roles(&mut self, g: &Group, edit: impl FnOnce(&mut BTreeSet<RoleId>) -> bool) {
        let mut g = g.clone();
        edit(&mut g.roles);
        self.changes.push(Change::GroupPut(g));
    }

    fn members(&self, group: GroupId) -> impl Iterator<Item = &'m User> + 'm {
        let m = self.m;
        m.members
            .get(&group)
            .into_iter()
            .flatten()
            .filter_map(move |u| m.users.get(u))
    }

    pub fn create_group(
        &mut self,
        actor: UserId,
        name: &str,
        roles: &[RoleId],
    ) -> Result<GroupId, Error> {
        let a = Actor::load(self.m, actor)?;
        a.require(Permission::GROUPS_MANAGE)?;
        let name = validate::name("group name", name)?;
        self.unique(a.tenant(), NameKind::Group, "group", &name, 0)?;
        let mut set = BTreeSet::new();
        for r in dedup(roles) {
            a.ensure_grant_role(self.m.role_in(a.tenant(), r)?, &BTreeSet::new())?;
            set.insert(r);
        }
        let id = GroupId(self.alloc(ObjectKind::Group));
        self.changes.push(Change::GroupPut(Group {
            id,
            tenant: a.tenant(),
            name,
            roles: set,
            created_at: self.now,
        }));
        Ok(id)
    }

    pub fn rename_group(&mut self, actor: UserId, group: GroupId, name: &str) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        let g = self.group_for_change(&a, group)?;
        let name = validate::name("group name", name)?;
        self.unique(a.tenant(), NameKind::Group, "group", &name, group.0)?;
        if name != g.name {
            let mut g = g.clone();
            g.name = name;
            self.changes.push(Change::GroupPut(g));
        }
        Ok(())
    }

    pub fn add_group_role(
        &mut self,
        actor: UserId,
        group: GroupId,
        role: RoleId,
    ) -> Result<(), Error> {
        let (a, g, r) = self.group_role(actor, group, role)?;
        if g.roles.contains(&role) {
            return Ok(());
        }
        a.ensure_grant_role(r, &BTreeSet::new())?;
        for u in self.members(group) {
            a.require_over(u, Permission::GROUPS_MANAGE)?;
            a.ensure_may_affect(self.m, u)?;
            a.ensure_grant_role(r, &u.scopes)?;
        }
        self.put_group_roles(g, |roles| roles.insert(role));
        Ok(())
    }

    pub fn remove_group_role(
        &mut self,
        actor: UserId,
        group: GroupId,
        role: RoleId,
    ) -> Result<(), Error> {
        let (a, g, r) = self.group_role(actor, group, role)?;
        if !g.roles.contains(&role) {
            return Ok(());
        }
        if r.admin_tier {
            a.require_superadmin("revoke an administrator-tier role")?;
        }
        // Taking a denying role away gives its denials back: a grant to each member.
        let mut rest = g.roles.clone();
        rest.remove(&role);
        for u in self.members(group) {
            a.require_over(u, Permission::GROUPS_MANAGE)?;
            a.ensure_may_affect(self.m, u)?;
            if !r.denied.is_empty() {
                a.ensure_gain(u, Hyp::GroupRoles(group, Some(&rest)))?;
            }
        }
        self.put_group_roles(g, |roles| roles.remove(&role));
        Ok(())
    }

    pub fn add_member(&mut self, actor: UserId, group: GroupId, user: UserId) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        self.add_member_as(&a, group, user)
    }

    /// Adds many users to one group (one commit): each under [`add_member`](Self::add_member)'s
    /// rules, in order, refused as a whole at the first user refused.
    pub fn add_members(
        &mut self,
        actor: UserId,
        group: GroupId,
        users: &[UserId],
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        self.group_for_change(&a, group)?;
        let mut seen = std::collections::HashSet::with_capacity(users.len());
        for &user in users {
            if seen.insert(user) {
                self.add_member_as(&a, group, user)?;
            }
        }
        Ok(())
    }

    fn add_member_as(&mut self, a: &Actor<'_>, group: GroupId, user: UserId) -> Result<(), Error> {
        let g = self.group_for_change(a, group)?;
        let t = self.managed(a, user, Permission::GROUPS_MANAGE)?;
        if self
            .m
            .members
            .get(&group)
            .is_some_and(|m| m.contains(&user))
        {
            return Ok(());
        }
        self.join(a, g, t)
    }

    /// Plans `t` joining `g`, checked as a grant of each of the group's roles to `t`. The
    /// caller has checked that the actor may change groups and may modify `t`; `t` may be a
    /// user this plan creates (not yet in the model).
    pub(super) fn join(&mut self, a: &Actor<'_>, g: &Group, t: &User) -> Result<(), Error> {
        for r in &g.roles {
            a.ensure_grant_role(&self.m.roles[r], &t.scopes)?;
        }
        self.changes.push(Change::MemberAdded {
            group: g.id,
            user: t.id,
        });
        Ok(())
    }

    pub fn remove_member(
        &mut self,
        actor: UserId,
        group: GroupId,
        user: UserId,
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        let g = self.group_for_change(&a, group)?;
        let t = self.managed(&a, user, Permission::GROUPS_MANAGE)?;
        if !self
            .m
            .members
            .get(&group)
            .is_some_and(|m| m.contains(&user))
        {
            return Ok(());
        }
        if g.roles.iter().any(|r| self.m.roles[r].admin_tier) {
            a.require_superadmin("revoke an administrator-tier role")?;
        }
        if self.m.any_denies(g.roles.iter()) {
            a.ensure_gain(t, Hyp::NotMember(group))?;
        }
        self.changes.push(Change::MemberRemoved { group, user });
        Ok(())
    }

    pub fn delete_group(&mut self, actor: UserId, group: GroupId) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        let g = self.group_for_change(&a, group)?;
        for u in self.members(group) {
            let only = self.m.user_groups.get(&u.id).is_none_or(|gs| gs.len() == 1);
            if only {
                return Err(Error::GroupIsOnlyGroup {
                    group,
                    group_name: g.name.clone(),
                    user: u.id,
                    user_email: u.email.clone(),
                });
            }
        }
        let denies = self.m.any_denies(g.roles.iter());
        for u in self.members(group) {
            a.require_over(u, Permission::GROUPS_MANAGE)?;
            a.ensure_may_affect(self.m, u)?;
            if denies {
                a.ensure_gain(u, Hyp::GroupRoles(group, None))?;
            }
        }
        if g.roles.iter().any(|r| self.m.roles[r].admin_tier) {
            a.require_superadmin("revoke an administrator-tier role")?;
        }
        self.changes.push(Change::GroupDeleted { id: group });
        Ok(())
    }
}

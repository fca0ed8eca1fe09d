//! Effective permissions computed from the model, now or under a hypothetical change.

use std::collections::BTreeSet;

use super::*;

/// A change to the model assumed when computing a user's rights before it is applied.
#[derive(Clone, Copy)]
pub(super) enum Hyp<'a> {
    /// Nothing changes.
    None,
    /// The user's direct roles become these.
    UserRoles(&'a BTreeSet<RoleId>),
    /// The role becomes this one (`None`: deleted).
    Role(RoleId, Option<&'a Role>),
    /// The group's roles become these (`None`: the group is deleted).
    GroupRoles(GroupId, Option<&'a BTreeSet<RoleId>>),
    /// The user leaves the group.
    NotMember(GroupId),
}

/// A user's effective access computed from the model.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Effective {
    /// Everything held, scoped or not.
    pub perms: Permission,
    /// What is held through at least one unscoped role (applies to every call group / IVR).
    pub unscoped: Permission,
    /// Assigned call groups / IVRs.
    pub scopes: BTreeSet<ScopeId>,
}

impl Model {
    /// Users holding a role directly or through a group.
    pub fn role_holders(&self, role: RoleId) -> BTreeSet<UserId> {
        let mut out: BTreeSet<UserId> = self.role_users.get(&role).cloned().unwrap_or_default();
        for g in self.role_groups.get(&role).into_iter().flatten() {
            out.extend(self.members.get(g).into_iter().flatten().copied());
        }
        out
    }

    /// Whether `user` is the superadministrator of its tenant.
    pub fn is_superadmin(&self, user: &User) -> bool {
        self.tenants
            .get(&user.tenant)
            .is_some_and(|t| t.superadmin == user.id)
    }

    /// Ids of every role a user holds, directly or through its groups.
    pub fn roles_of(&self, user: &User) -> BTreeSet<RoleId> {
        let mut out = user.roles.clone();
        for g in self.user_groups.get(&user.id).into_iter().flatten() {
            if let Some(group) = self.groups.get(g) {
                out.extend(group.roles.iter().copied());
            }
        }
        out
    }

    /// Whether the user holds an administrator-tier role (directly or through a group).
    pub fn is_administrator(&self, user: &User) -> bool {
        self.roles_of(user)
            .iter()
            .any(|r| self.roles.get(r).is_some_and(|r| r.admin_tier))
    }

    /// The user's effective access as the rules define it, from scratch.
    pub fn effective(&self, user: &User) -> Effective {
        if !user.active {
            return Effective::default();
        }
        self.effective_if_active(user)
    }

    /// The permissions of [`effective`](Self::effective) without its scope set: everything
    /// held, and what is held unscoped.
    pub fn effective_perms(&self, user: &User) -> (Permission, Permission) {
        if !user.active {
            return (Permission::empty(), Permission::empty());
        }
        self.perms_if_active(user)
    }

    /// The access the user holds when active (what reactivation would restore).
    pub fn effective_if_active(&self, user: &User) -> Effective {
        let (perms, unscoped) = self.perms_if_active(user);
        Effective {
            perms,
            unscoped,
            scopes: user.scopes.clone(),
        }
    }

    /// The superadministrator holds everything; anyone else what its roles grant, directly and
    /// through groups. Ignores the active flag.
    fn perms_if_active(&self, user: &User) -> (Permission, Permission) {
        self.perms_under(user, Hyp::None)
    }

    /// [`perms_if_active`](Self::perms_if_active) as it would be with `hyp` applied: the one
    /// computation of a user's rights (everything, and what is held unscoped).
    pub(super) fn perms_under(&self, user: &User, hyp: Hyp<'_>) -> (Permission, Permission) {
        if self.is_superadmin(user) {
            return (Permission::all(), Permission::all());
        }
        let direct = match hyp {
            Hyp::UserRoles(r) => r,
            _ => &user.roles,
        };
        let group_roles = self
            .user_groups
            .get(&user.id)
            .into_iter()
            .flatten()
            .filter(|g| !matches!(hyp, Hyp::NotMember(x) if x == **g))
            .filter_map(|g| match hyp {
                Hyp::GroupRoles(x, roles) if x == *g => roles,
                _ => self.groups.get(g).map(|g| &g.roles),
            })
            .flatten();
        let (mut perms, mut unscoped) = (Permission::empty(), Permission::empty());
        for r in direct.iter().chain(group_roles) {
            let role = match hyp {
                Hyp::Role(x, role) if x == *r => role,
                _ => self.roles.get(r),
            };
            if let Some(role) = role {
                perms |= role.permissions;
                if !role.scoped {
                    unscoped |= role.permissions;
                }
            }
        }
        (perms, unscoped)
    }

    /// Permissions of a group: the union of its roles' permissions.
    pub fn group_permissions(&self, group: &Group) -> Permission {
        group
            .roles
            .iter()
            .filter_map(|r| self.roles.get(r))
            .fold(Permission::empty(), |acc, r| acc | r.permissions)
    }
}

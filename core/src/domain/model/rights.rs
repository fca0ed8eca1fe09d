//! Effective permissions computed from the model, now or under a hypothetical change.

use std::collections::{BTreeMap, BTreeSet};

use super::*;

/// A change to the model assumed when computing a user's rights before it is applied.
#[derive(Clone, Copy)]
pub(crate) enum Hyp<'a> {
    /// Nothing changes.
    None,
    /// The user's record becomes this one (its direct roles, assigned scopes and grants).
    User(&'a User),
    /// The role becomes this one (`None`: deleted).
    Role(RoleId, Option<&'a Role>),
    /// The group's roles become these (`None`: the group is deleted).
    GroupRoles(GroupId, Option<&'a BTreeSet<RoleId>>),
    /// The user leaves the group.
    NotMember(GroupId),
    /// The user joins the group.
    Member(GroupId),
    /// Every change of a planned commit (its user records, roles, groups and memberships).
    /// Counts every assignment whatever its validity window (the separation-of-duty rule is
    /// judged on what a user may hold at any time).
    Overlay(&'a super::overlay::Overlay<'a>),
}

/// A user's effective access computed from the model.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Effective {
    /// Everything held, scoped or not.
    pub perms: Permission,
    /// What is held through at least one unscoped role (applies to every scope of the tenant).
    pub unscoped: Permission,
    /// What is held within each scope and its descendants: the scoped roles on each assigned
    /// scope (003), and each per-scope grant's role on its scope.
    pub scoped: BTreeMap<ScopeId, Permission>,
}

impl Effective {
    /// What applies to data of `scope`: the unscoped rights, and what is held on the scope or
    /// any scope above it.
    pub fn covered(&self, m: &Model, scope: ScopeId) -> Permission {
        self.covered_along(m.ancestors(scope).take(m.scopes.len() + 1))
    }

    /// [`covered`](Self::covered) for a scope whose chain of ancestors (itself first) is
    /// `chain`: the same under a hypothetical move.
    pub fn covered_along(&self, chain: impl IntoIterator<Item = ScopeId>) -> Permission {
        let mut out = self.unscoped;
        if self.scoped.is_empty() {
            return out;
        }
        for a in chain {
            if let Some(p) = self.scoped.get(&a) {
                out |= *p;
            }
        }
        out
    }

    /// Takes `denied` away everywhere: denials are tenant-wide whatever way the denying role is
    /// held (explicit deny, a deny wins over every allow). The one place a deny applies; drops
    /// scopes left with nothing.
    fn deny(&mut self, denied: Permission) {
        self.perms -= denied;
        self.unscoped -= denied;
        for p in self.scoped.values_mut() {
            *p -= denied;
        }
        self.scoped.retain(|_, p| !p.is_empty());
    }

    /// Whether `self` holds less than `old` anywhere: a right, or a right within a scope.
    pub fn shrinks_from(&self, m: &Model, old: &Effective) -> bool {
        !self.perms.contains(old.perms)
            || !self.unscoped.contains(old.unscoped)
            || old
                .scoped
                .iter()
                .any(|(s, p)| !self.covered(m, *s).contains(*p))
    }
}

impl Model {
    /// Users holding a role directly, through a group or by a per-scope grant.
    pub fn role_holders(&self, role: RoleId) -> BTreeSet<UserId> {
        let mut out: BTreeSet<UserId> = self.role_users.get(&role).cloned().unwrap_or_default();
        out.extend(self.role_grant_users.get(&role).into_iter().flatten());
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

    /// Ids of every role a user holds in force now, directly, through its groups or by a
    /// per-scope grant.
    pub fn roles_of(&self, user: &User) -> BTreeSet<RoleId> {
        let mut out: BTreeSet<RoleId> = user
            .roles
            .iter()
            .copied()
            .filter(|r| self.in_force(user, Assignment::Role(*r)))
            .collect();
        out.extend(
            user.grants
                .iter()
                .filter(|g| self.in_force(user, Assignment::ScopeRole(**g)))
                .map(|g| g.role),
        );
        for g in self.user_groups.get(&user.id).into_iter().flatten() {
            if !self.in_force(user, Assignment::Group(*g)) {
                continue;
            }
            if let Some(group) = self.groups.get(g) {
                out.extend(group.roles.iter().copied());
            }
        }
        out
    }

    /// Whether any of `roles` denies something (explicit deny): giving such a role can take
    /// rights away.
    pub fn any_denies<'a>(&self, mut roles: impl Iterator<Item = &'a RoleId>) -> bool {
        roles.any(|r| self.roles.get(r).is_some_and(|r| !r.denied.is_empty()))
    }

    /// Whether the user holds an administrator-tier role (directly, through a group or for a
    /// scope).
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

    /// The access the user holds when active (what reactivation would restore).
    pub fn effective_if_active(&self, user: &User) -> Effective {
        self.access_under(user, Hyp::None)
    }

    /// [`effective_if_active`](Self::effective_if_active) as it would be with `hyp` applied:
    /// the one computation of a user's rights. The superadministrator holds everything; anyone
    /// else what its roles grant, directly, through groups and for scopes. Ignores the active
    /// flag.
    pub(crate) fn access_under(&self, user: &User, hyp: Hyp<'_>) -> Effective {
        if self.is_superadmin(user) {
            return Effective {
                perms: Permission::all(),
                unscoped: Permission::all(),
                scoped: BTreeMap::new(),
            };
        }
        let record = match hyp {
            Hyp::User(u) => u,
            Hyp::Overlay(o) => o.users.get(&user.id).copied().unwrap_or(user),
            _ => user,
        };
        let role = |r: &RoleId| match hyp {
            Hyp::Role(x, role) if x == *r => role,
            Hyp::Overlay(o) => o.role(self, *r),
            _ => self.roles.get(r),
        };
        // Under an overlay every assignment counts, whatever its window.
        let live = |a: Assignment| matches!(hyp, Hyp::Overlay(_)) || self.in_force(record, a);
        let overlaid_groups = match hyp {
            Hyp::Overlay(o) => Some(o.groups_of(self, user.id)),
            _ => None,
        };
        // Under an overlay, the groups it leaves the user in; otherwise the model's.
        let model_groups = match overlaid_groups {
            Some(_) => None,
            None => self.user_groups.get(&user.id),
        };
        let joined = match hyp {
            Hyp::Member(g) => self.groups.get(&g).map(|g| &g.roles),
            _ => None,
        };
        let group_roles = overlaid_groups
            .iter()
            .flatten()
            .flat_map(|g| &g.roles)
            .chain(
                model_groups
                    .into_iter()
                    .flatten()
                    .filter(|g| !matches!(hyp, Hyp::NotMember(x) if x == **g))
                    .filter(|g| live(Assignment::Group(**g)))
                    .filter_map(|g| match hyp {
                        Hyp::GroupRoles(x, roles) if x == *g => roles,
                        _ => self.groups.get(g).map(|g| &g.roles),
                    })
                    .flatten(),
            )
            .chain(joined.into_iter().flatten());
        let mut e = Effective::default();
        let mut scoped_roles = Permission::empty();
        let mut denied = Permission::empty();
        let own_roles = record.roles.iter().filter(|r| live(Assignment::Role(**r)));
        for r in own_roles.chain(group_roles) {
            if let Some(role) = role(r) {
                denied |= role.denied;
                e.perms |= role.permissions;
                if role.scoped {
                    scoped_roles |= role.permissions;
                } else {
                    e.unscoped |= role.permissions;
                }
            }
        }
        if !scoped_roles.is_empty() {
            for s in &record.scopes {
                if !live(Assignment::Scope(*s)) {
                    continue;
                }
                *e.scoped.entry(*s).or_default() |= scoped_roles;
            }
        }
        for g in &record.grants {
            if !live(Assignment::ScopeRole(*g)) {
                continue;
            }
            if let Some(role) = role(&g.role) {
                denied |= role.denied;
                e.perms |= role.permissions;
                *e.scoped.entry(g.scope).or_default() |= role.permissions;
            }
        }
        e.deny(denied);
        e
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

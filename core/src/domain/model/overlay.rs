//! Planned changes laid over the model without applying them: what a user's rights would be
//! once a commit applies, computed by the one rights function (`access_under` with
//! [`Hyp::Overlay`]), without cloning the model. Used by the separation-of-duty rule.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::*;

/// The records a list of planned changes puts, deletes, joins or leaves; the rest of the model
/// reads through.
#[derive(Default)]
pub(crate) struct Overlay<'a> {
    /// The last record put for each user.
    pub users: HashMap<UserId, &'a User>,
    /// Users deleted.
    pub deleted_users: BTreeSet<UserId>,
    /// Roles put (`Some`) or deleted (`None`).
    pub roles: HashMap<RoleId, Option<&'a Role>>,
    /// Groups put (`Some`) or deleted (`None`).
    pub groups: HashMap<GroupId, Option<&'a Group>>,
    /// Per user, the memberships added (`true`) or removed (`false`), the last change winning.
    pub members: HashMap<UserId, BTreeMap<GroupId, bool>>,
    /// Tenants put.
    pub tenants: HashMap<TenantId, &'a Tenant>,
}

impl<'a> Overlay<'a> {
    /// The overlay of `changes`, in order.
    pub fn of(changes: &'a [Change]) -> Self {
        let mut o = Overlay::default();
        for c in changes {
            match c {
                Change::TenantPut(t) => {
                    o.tenants.insert(t.id, t);
                }
                Change::UserPut(u) => {
                    o.users.insert(u.id, u);
                    o.deleted_users.remove(&u.id);
                }
                Change::UserDeleted { id } => {
                    o.users.remove(id);
                    o.deleted_users.insert(*id);
                }
                Change::RolePut(r) => {
                    o.roles.insert(r.id, Some(r));
                }
                Change::RoleDeleted { id } => {
                    o.roles.insert(*id, None);
                }
                Change::GroupPut(g) => {
                    o.groups.insert(g.id, Some(g));
                }
                // Its memberships end with it: `groups_of` skips deleted groups.
                Change::GroupDeleted { id } => {
                    o.groups.insert(*id, None);
                }
                Change::MemberAdded { group, user } => {
                    o.members.entry(*user).or_default().insert(*group, true);
                }
                Change::MemberRemoved { group, user } => {
                    o.members.entry(*user).or_default().insert(*group, false);
                }
                _ => {}
            }
        }
        o
    }

    /// A role as the overlay leaves it.
    pub fn role<'s>(&'s self, m: &'s Model, id: RoleId) -> Option<&'s Role> {
        match self.roles.get(&id) {
            Some(r) => *r,
            None => m.roles.get(&id),
        }
    }

    /// The groups `user` is a member of once the overlay applies, with their roles.
    pub fn groups_of<'s>(&'s self, m: &'s Model, user: UserId) -> Vec<&'s Group> {
        let mut ids: BTreeSet<GroupId> = m.user_groups.get(&user).cloned().unwrap_or_default();
        for (g, member) in self.members.get(&user).into_iter().flatten() {
            if *member {
                ids.insert(*g);
            } else {
                ids.remove(g);
            }
        }
        ids.into_iter()
            .filter_map(|g| match self.groups.get(&g) {
                Some(put) => *put,
                None => m.groups.get(&g),
            })
            .collect()
    }

    /// The user's record once the overlay applies (`None`: deleted or unknown).
    pub fn user<'s>(&'s self, m: &'s Model, id: UserId) -> Option<&'s User> {
        if self.deleted_users.contains(&id) {
            return None;
        }
        self.users.get(&id).copied().or_else(|| m.users.get(&id))
    }

    /// A tenant once the overlay applies.
    pub fn tenant<'s>(&'s self, m: &'s Model, id: TenantId) -> Option<&'s Tenant> {
        self.tenants
            .get(&id)
            .copied()
            .or_else(|| m.tenants.get(&id))
    }

    /// Users of the tenants `in_scope` accepts whose rights the changes may widen: those put,
    /// joining a group, holding a role that is put, or members of a group that is put.
    /// (Deletions and departures only take rights away.)
    pub fn may_gain(&self, m: &Model, in_scope: impl Fn(TenantId) -> bool) -> BTreeSet<UserId> {
        let mut out: BTreeSet<UserId> = self
            .users
            .values()
            .filter(|u| in_scope(u.tenant))
            .map(|u| u.id)
            .collect();
        out.extend(
            self.members
                .iter()
                .filter(|(_, groups)| groups.values().any(|added| *added))
                .map(|(u, _)| *u)
                .filter(|u| self.user(m, *u).is_some_and(|u| in_scope(u.tenant))),
        );
        for (id, put) in &self.roles {
            if put.is_some_and(|r| in_scope(r.tenant)) {
                out.extend(m.role_holders(*id));
            }
        }
        for (id, put) in &self.groups {
            if put.is_some_and(|g| in_scope(g.tenant)) {
                out.extend(m.members.get(id).into_iter().flatten().copied());
            }
        }
        out.retain(|u| !self.deleted_users.contains(u));
        out
    }
}

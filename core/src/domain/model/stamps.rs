//! Which users a commit's changes take access from: their security stamps renew.

use std::collections::{BTreeMap, BTreeSet};

use super::*;

impl Model {
    /// Users whose security stamp a commit of `changes` must renew: those whose own access
    /// shrinks (a right, a call group / IVR of a scoped right, a level or a PBX link lost;
    /// deactivation) or whose credentials or login email change. Edits that give or keep access
    /// renew nothing, so nobody logs the superadministrator out by editing a role it holds.
    /// Read-only: called before commit, against the model the changes apply to.
    pub fn stamp_renewals(&self, changes: &[Change]) -> BTreeSet<UserId> {
        let mut out = BTreeSet::new();
        // Each change is judged alone against the current model. Several changes that each take
        // a source of rights from the same user might shrink its rights together though none
        // does alone: such a user is renewed (unless it is the superadministrator, whose rights
        // never depend on roles).
        let mut touched: BTreeMap<UserId, u32> = BTreeMap::new();
        for c in changes {
            self.security_affected(c, &mut out, &mut touched);
        }
        for (u, n) in touched {
            if n > 1 && self.users.get(&u).is_some_and(|u| !self.is_superadmin(u)) {
                out.insert(u);
            }
        }
        out
    }

    /// Whether `user`'s rights shrink if `hyp` is applied (anywhere, or within a scope).
    /// Counts `user` in `touched` when `hyp` takes a source of rights from it.
    fn rights_shrink(
        &self,
        user: &User,
        hyp: Hyp<'_>,
        touched: &mut BTreeMap<UserId, u32>,
    ) -> bool {
        *touched.entry(user.id).or_default() += 1;
        let old = self.access_under(user, Hyp::None);
        let new = self.access_under(user, hyp);
        new.shrinks_from(self, &old)
    }

    /// The users whose rights on `s` change when it moves from under its current parent to
    /// under `parent` (those holding rights on a scope above its old or new place), each with
    /// what applies to `s` before and after. The one computation behind a move's rule (what
    /// anyone gains) and its stamps (who loses).
    pub fn move_effects(
        &self,
        s: ScopeId,
        parent: Option<ScopeId>,
    ) -> Vec<(&User, Permission, Permission)> {
        let bound = self.scopes.len() + 1;
        let old_chain: Vec<ScopeId> = self.ancestors(s).take(bound).collect();
        let mut new_chain = vec![s];
        if let Some(p) = parent {
            new_chain.extend(self.ancestors(p).take(bound));
        }
        let mut users = BTreeSet::new();
        for n in old_chain.iter().skip(1).chain(new_chain.iter().skip(1)) {
            users.extend(self.grant_users.get(n).into_iter().flatten());
            users.extend(self.scope_users.get(n).into_iter().flatten());
        }
        users
            .iter()
            .filter_map(|u| self.users.get(u))
            .filter_map(|u| {
                let e = self.effective(u);
                let before = e.covered_along(old_chain.iter().copied());
                let after = e.covered_along(new_chain.iter().copied());
                (before != after).then_some((u, before, after))
            })
            .collect()
    }

    fn security_affected(
        &self,
        change: &Change,
        out: &mut BTreeSet<UserId>,
        touched: &mut BTreeMap<UserId, u32>,
    ) {
        let mut holders = |users: &mut dyn Iterator<Item = UserId>, hyp: Hyp<'_>| {
            for u in users.filter_map(|u| self.users.get(&u)) {
                if self.rights_shrink(u, hyp, touched) {
                    out.insert(u.id);
                }
            }
        };
        match change {
            Change::RolePut(r) => {
                if let Some(old) = self.roles.get(&r.id) {
                    if !r.permissions.contains(old.permissions)
                        || !old.denied.contains(r.denied)
                        || (r.scoped && !old.scoped)
                    {
                        holders(
                            &mut self.role_holders(r.id).into_iter(),
                            Hyp::Role(r.id, Some(r)),
                        );
                    }
                }
                return;
            }
            Change::RoleDeleted { id } => {
                holders(
                    &mut self.role_holders(*id).into_iter(),
                    Hyp::Role(*id, None),
                );
                return;
            }
            Change::GroupPut(g) => {
                if let Some(old) = self.groups.get(&g.id) {
                    if !old.roles.is_subset(&g.roles)
                        || self.any_denies(g.roles.difference(&old.roles))
                    {
                        holders(
                            &mut self.members.get(&g.id).into_iter().flatten().copied(),
                            Hyp::GroupRoles(g.id, Some(&g.roles)),
                        );
                    }
                }
                return;
            }
            Change::GroupDeleted { id } => {
                holders(
                    &mut self.members.get(id).into_iter().flatten().copied(),
                    Hyp::GroupRoles(*id, None),
                );
                return;
            }
            Change::MemberAdded { group, user } => {
                // Joining a group whose roles deny takes those rights away.
                let denies = self
                    .groups
                    .get(group)
                    .is_some_and(|g| self.any_denies(g.roles.iter()));
                if denies && !self.members.get(group).is_some_and(|m| m.contains(user)) {
                    holders(&mut std::iter::once(*user), Hyp::Member(*group));
                }
                return;
            }
            Change::MemberRemoved { group, user } => {
                if self.members.get(group).is_some_and(|m| m.contains(user)) {
                    holders(&mut std::iter::once(*user), Hyp::NotMember(*group));
                }
                return;
            }
            _ => {}
        }
        match change {
            Change::TenantPut(t) => {
                if let Some(old) = self.tenants.get(&t.id) {
                    if old.superadmin != t.superadmin {
                        out.insert(old.superadmin);
                    }
                }
            }
            Change::UserPut(u) => match self.users.get(&u.id) {
                // A new user's first stamp.
                None => {
                    out.insert(u.id);
                }
                Some(old) => {
                    let shrinks = (!old.roles.is_subset(&u.roles)
                        || !old.scopes.is_subset(&u.scopes)
                        || !old.grants.is_subset(&u.grants)
                        || self.any_denies(u.roles.difference(&old.roles))
                        || self.any_denies(u.grants.difference(&old.grants).map(|g| &g.role)))
                        && self.rights_shrink(old, Hyp::User(u), touched);
                    if validate::email_key(&old.email) != validate::email_key(&u.email)
                        || (old.active && !u.active)
                        || shrinks
                    {
                        out.insert(u.id);
                    }
                }
            },
            Change::ScopeDeleted { id } => {
                let assigned = self.scope_users.get(id).into_iter().flatten();
                let granted = self.grant_users.get(id).into_iter().flatten();
                let users: BTreeSet<UserId> = assigned.chain(granted).copied().collect();
                for u in users.iter().filter_map(|u| self.users.get(u)) {
                    let mut rest = u.clone();
                    rest.scopes.remove(id);
                    rest.grants.retain(|g| g.scope != *id);
                    if self.rights_shrink(u, Hyp::User(&rest), touched) {
                        out.insert(u.id);
                    }
                }
            }
            Change::ScopePut(sc) => {
                if let Some(old) = self.scopes.get(&sc.id) {
                    if old.parent != sc.parent {
                        for (u, before, after) in self.move_effects(sc.id, sc.parent) {
                            if !after.contains(before) {
                                out.insert(u.id);
                            }
                        }
                    }
                }
            }
            Change::AgreementPut(a) => {
                if let Some(old) = self.agreements.get(&a.id).and_then(|s| s.meta.as_ref()) {
                    if old.owner != a.owner {
                        out.insert(old.owner);
                    }
                }
            }
            Change::LevelSet {
                agreement,
                user,
                product,
                level,
            } => {
                if self
                    .agreements
                    .get(agreement)
                    .is_some_and(|st| self.level(st, *user, *product) > *level)
                {
                    out.insert(*user);
                }
            }
            Change::PbxLinkSet {
                agreement,
                user,
                subscriber,
            } => {
                let old = self
                    .agreements
                    .get(agreement)
                    .and_then(|st| self.pbx(st, *user));
                if old.is_some() && old != subscriber.as_ref() {
                    out.insert(*user);
                }
            }
            Change::CredentialPut(c) => {
                if self
                    .credentials
                    .get(&c.user)
                    .is_none_or(|old| old.hash != c.hash)
                {
                    out.insert(c.user);
                }
            }
            Change::RolePut(_)
            | Change::RoleDeleted { .. }
            | Change::GroupPut(_)
            | Change::GroupDeleted { .. }
            | Change::MemberRemoved { .. }
            | Change::MemberAdded { .. }
            | Change::UserDeleted { .. }
            | Change::ResetTokenPut(_)
            | Change::ResetTokensCleared { .. }
            | Change::LoginRecorded { .. }
            | Change::StampSet { .. } => {}
        }
    }
}

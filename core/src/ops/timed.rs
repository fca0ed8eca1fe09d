//! Time-bound grants: granting for a window, keeping windows true to what is held, and
//! recording the grants whose window has ended.

use std::collections::BTreeSet;

use super::Plan;
use crate::credentials::Notification;
use crate::domain::rules::Actor;
use crate::domain::{
    AccessLevel, Assignment, Change, Eligibility, Permission, TenantId, TimedGrant, User, UserId,
    Window,
};
use crate::Error;

/// Whether `u` holds `a` (in force or not), as the model and the changes planned so far say.
fn held_in_record(u: &User, a: Assignment) -> Option<bool> {
    match a {
        Assignment::Role(r) => Some(u.roles.contains(&r)),
        Assignment::ScopeRole(g) => Some(u.grants.contains(&g)),
        Assignment::Scope(s) => Some(u.scopes.contains(&s)),
        // Held outside the user's record.
        Assignment::Group(_) | Assignment::Level { .. } | Assignment::Pbx(_) => None,
    }
}

impl Plan<'_> {
    /// The user's record as this plan leaves it so far.
    fn planned_user(&self, user: UserId) -> Option<User> {
        self.changes
            .iter()
            .rev()
            .find_map(|c| match c {
                Change::UserPut(u) if u.id == user => Some(u.clone()),
                _ => None,
            })
            .or_else(|| self.m.users.get(&user).cloned())
    }

    /// Sets the window of `user`'s `assignment` in the plan (removing it for
    /// [`Window::ALWAYS`]), on the last record of the user the plan writes.
    fn set_window(&mut self, user: UserId, assignment: Assignment, window: Window) {
        let pos = self
            .changes
            .iter()
            .rposition(|c| matches!(c, Change::UserPut(u) if u.id == user));
        // Whether the record's window changes.
        let apply = |u: &mut User| {
            let old = if window.is_always() {
                u.windows.remove(&assignment)
            } else {
                u.windows.insert(assignment, window)
            };
            old != (!window.is_always()).then_some(window)
        };
        match pos {
            Some(i) => {
                if let Change::UserPut(u) = &mut self.changes[i] {
                    apply(u);
                }
            }
            None => {
                if let Some(mut u) = self.m.users.get(&user).cloned() {
                    if apply(&mut u) {
                        self.put_user(u);
                    }
                }
            }
        }
        self.windowed.insert((user, assignment));
    }

    /// Grants `grant` to `user` for `window`: the same rules as the permanent grant (an
    /// assignment already held is re-checked as if granted afresh: extending is a grant), then
    /// the window, in the same commit.
    pub fn grant_for(
        &mut self,
        actor: UserId,
        user: UserId,
        grant: &TimedGrant,
        window: Window,
    ) -> Result<(), Error> {
        window.validate(self.now)?;
        let a = Actor::load(self.m, actor)?;
        let assignment = grant.assignment();
        let t = self.m.user_in(a.tenant(), user)?;
        match grant {
            TimedGrant::Role(r) => {
                let role = self.m.role_in(a.tenant(), *r)?;
                if t.roles.contains(r) {
                    self.managed(&a, user, Permission::USERS_MANAGE)?;
                    a.ensure_grant_role(role, &t.scopes)?;
                } else {
                    self.assign_role(actor, user, *r)?;
                }
            }
            TimedGrant::ScopeRole(g) => {
                let role = self.m.role_in(a.tenant(), g.role)?;
                self.m.scope_in(a.tenant(), g.scope)?;
                if t.grants.contains(g) {
                    self.managed(&a, user, Permission::USERS_MANAGE)?;
                    a.ensure_grant_at(role, g.scope)?;
                } else {
                    self.grant_role_in_scope(actor, user, g.role, g.scope)?;
                }
            }
            TimedGrant::Group(g) => {
                let group = self.group_for_change(&a, *g)?;
                let member = self.m.members.get(g).is_some_and(|m| m.contains(&user));
                if member {
                    self.managed(&a, user, Permission::GROUPS_MANAGE)?;
                    for r in &group.roles {
                        a.ensure_grant_role(&self.m.roles[r], &t.scopes)?;
                    }
                } else {
                    self.add_member(actor, *g, user)?;
                }
            }
            TimedGrant::Scope(s) => {
                self.m.scope_in(a.tenant(), *s)?;
                if t.scopes.contains(s) {
                    self.managed(&a, user, Permission::USERS_MANAGE)?;
                    let mut before = t.clone();
                    before.scopes.remove(s);
                    before.windows.remove(&assignment);
                    let mut after = t.clone();
                    after.windows.remove(&assignment);
                    a.ensure_gain_between(t, &before, &after)?;
                } else {
                    self.assign_scope(actor, user, *s)?;
                }
            }
            TimedGrant::Level {
                agreement,
                product,
                level,
            } => {
                if *level == AccessLevel::NoAccess {
                    return Err(Error::InvalidArgument {
                        what: "level",
                        reason: "a time-bound level must give some access (not no_access)".into(),
                    });
                }
                // The level rules do not depend on what the user holds: they run in full.
                self.set_access_level(actor, *agreement, user, *product, *level)?;
            }
            TimedGrant::Pbx {
                agreement,
                subscriber,
            } => {
                self.link_pbx_subscriber(actor, *agreement, user, Some(subscriber))?;
            }
        }
        self.set_window(user, assignment, window);
        self.tenant = Some(a.tenant());
        Ok(())
    }

    /// Keeps windows and eligibilities true to what exists, after any plan: an assignment
    /// granted by a plain (permanent) grant loses the window a former grant of it left behind,
    /// a record drops the windows of what it no longer holds, and an eligibility for a role or
    /// scope being deleted goes before it.
    pub fn settle_windows(&mut self) {
        self.drop_eligibility_of_deleted();
        // The last record of each user the plan writes that may hold a window (one stored
        // before, or one planned with windows), found in one pass: a bulk plan (an import)
        // creates many users, each with a membership and no window.
        let mut last: std::collections::HashMap<UserId, usize> = Default::default();
        for (i, c) in self.changes.iter().enumerate() {
            if let Change::UserPut(u) = c {
                if !u.windows.is_empty() || self.m.users.contains_key(&u.id) {
                    last.insert(u.id, i);
                } else {
                    last.remove(&u.id);
                }
            }
        }
        let windowed = |user: UserId, a: &Assignment| match last.get(&user) {
            Some(&i) => {
                matches!(&self.changes[i], Change::UserPut(u) if u.windows.contains_key(a))
            }
            None => self
                .m
                .users
                .get(&user)
                .is_some_and(|u| u.windows.contains_key(a)),
        };
        // Assignments granted plainly that still carry a window from an earlier grant.
        let mut stale: BTreeSet<(UserId, Assignment)> = BTreeSet::new();
        for c in &self.changes {
            let found = match c {
                Change::MemberAdded { group, user } => Some((*user, Assignment::Group(*group))),
                Change::LevelSet {
                    agreement,
                    user,
                    product,
                    level,
                } if *level != AccessLevel::NoAccess => Some((
                    *user,
                    Assignment::Level {
                        agreement: *agreement,
                        product: *product,
                    },
                )),
                Change::PbxLinkSet {
                    agreement,
                    user,
                    subscriber: Some(_),
                } => Some((*user, Assignment::Pbx(*agreement))),
                _ => None,
            };
            if let Some(k) = found.filter(|k| !self.windowed.contains(k) && windowed(k.0, &k.1)) {
                stale.insert(k);
            }
        }
        for (user, a) in stale {
            self.set_window(user, a, Window::ALWAYS);
        }
        for c in &mut self.changes {
            if let Change::UserPut(u) = c {
                let keep: Vec<Assignment> = u
                    .windows
                    .keys()
                    .copied()
                    .filter(|a| held_in_record(u, *a) == Some(false))
                    .collect();
                for a in keep {
                    u.windows.remove(&a);
                }
            }
        }
    }

    /// Removes eligibilities naming a role or scope the plan deletes, in a record written just
    /// before the deletion (so that no store is left holding a reference to it).
    fn drop_eligibility_of_deleted(&mut self) {
        let mut i = 0;
        while i < self.changes.len() {
            // The role or scope deleted, and its tenant.
            let (tenant, role, scope) = match &self.changes[i] {
                Change::RoleDeleted { id } => {
                    (self.m.roles.get(id).map(|r| r.tenant), Some(*id), None)
                }
                Change::ScopeDeleted { id } => {
                    (self.m.scopes.get(id).map(|s| s.tenant), None, Some(*id))
                }
                _ => (None, None, None),
            };
            let gone =
                |e: &Eligibility| Some(e.role) == role || (scope.is_some() && e.scope == scope);
            let users: Vec<UserId> = tenant
                .and_then(|t| self.m.tenant_users.get(&t))
                .into_iter()
                .flatten()
                .copied()
                .collect();
            for u in users {
                let Some(mut rec) = self.planned_user(u) else {
                    continue;
                };
                if !rec.eligible.iter().any(gone) {
                    continue;
                }
                rec.eligible.retain(|e| !gone(e));
                let earlier = self.changes[..i]
                    .iter()
                    .rposition(|c| matches!(c, Change::UserPut(x) if x.id == u));
                match earlier {
                    Some(j) => self.changes[j] = Change::UserPut(rec),
                    None => {
                        self.changes.insert(i, Change::UserPut(rec));
                        i += 1;
                    }
                }
            }
            i += 1;
        }
    }

    /// Records the end of every time-bound assignment of `tenant` whose window has ended: the
    /// assignment is taken away (a level falls to no access), the user's security stamp
    /// renewed and a [`Notification::GrantExpired`] queued. A window left on something no
    /// longer held is dropped silently. Nothing to do leaves the plan empty.
    pub fn expire(&mut self, tenant: TenantId) {
        self.tenant = Some(tenant);
        let users: BTreeSet<UserId> = self
            .m
            .ends
            .range(..=(self.now, UserId(u64::MAX)))
            .map(|(_, u)| *u)
            .collect();
        let mut detail = Vec::new();
        for id in users {
            let Some(u) = self.m.users.get(&id).filter(|u| u.tenant == tenant) else {
                continue;
            };
            let mut rec = u.clone();
            let ended: Vec<Assignment> = u
                .windows
                .iter()
                .filter(|(_, w)| w.ended(self.now))
                .map(|(a, _)| *a)
                .collect();
            for a in ended {
                rec.windows.remove(&a);
                let held = match a {
                    Assignment::Role(r) => rec.roles.remove(&r),
                    Assignment::ScopeRole(g) => rec.grants.remove(&g),
                    Assignment::Scope(s) => rec.scopes.remove(&s),
                    Assignment::Group(group) => {
                        let member = self.m.members.get(&group).is_some_and(|m| m.contains(&id));
                        if member {
                            self.changes.push(Change::MemberRemoved { group, user: id });
                        }
                        member
                    }
                    Assignment::Level { agreement, product } => {
                        let held = self.m.agreements.get(&agreement).is_some_and(|st| {
                            st.levels
                                .get(&id)
                                .is_some_and(|l| l[product as usize] > AccessLevel::NoAccess)
                        });
                        if held {
                            self.changes.push(Change::LevelSet {
                                agreement,
                                user: id,
                                product,
                                level: AccessLevel::NoAccess,
                            });
                        }
                        held
                    }
                    Assignment::Pbx(agreement) => {
                        let held = self
                            .m
                            .agreements
                            .get(&agreement)
                            .is_some_and(|st| st.pbx.contains_key(&id));
                        if held {
                            self.changes.push(Change::PbxLinkSet {
                                agreement,
                                user: id,
                                subscriber: None,
                            });
                        }
                        held
                    }
                };
                if held {
                    detail.push(format!("{} {}", u.email, assignment_label(a)));
                    self.renew.insert(id);
                    self.notifications.push(Notification::GrantExpired {
                        user: id,
                        email: u.email.clone(),
                        assignment: a,
                    });
                }
            }
            // Not `put_user`: the record's last change is not the user's doing.
            self.changes.push(Change::UserPut(rec));
        }
        if !detail.is_empty() {
            self.detail = Some(format!("expired: {}", detail.join(", ")));
        }
    }
}

/// A short label of an assignment, for audit details.
pub(crate) fn assignment_label(a: Assignment) -> String {
    match a {
        Assignment::Role(r) => format!("role {r}"),
        Assignment::ScopeRole(g) => format!("role {} in {}", g.role, g.scope),
        Assignment::Group(g) => format!("member of {g}"),
        Assignment::Scope(s) => format!("scope {s}"),
        Assignment::Level { agreement, product } => format!("level on {product} of {agreement}"),
        Assignment::Pbx(a) => format!("PBX link of {a}"),
    }
}

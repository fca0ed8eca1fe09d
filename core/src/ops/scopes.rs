//! Planning for scopes (call groups and IVRs) and the scopes a user is restricted to.

use std::collections::BTreeSet;

use super::Plan;
use crate::domain::model::{Hyp, NameKind};
use crate::domain::rules::Actor;
use crate::domain::ObjectKind;
use crate::domain::{
    validate, Change, Permission, RoleId, Scope, ScopeGrant, ScopeId, ScopeKind, User, UserId,
};
use crate::Error;

/// The rules of replacing one of a user's sets of scopes: checks the wanted ids against the
/// actor and the user, and returns them as a set.
type SetRules<'m> =
    fn(&Plan<'m>, &Actor<'_>, &User, &[ScopeId]) -> Result<BTreeSet<ScopeId>, Error>;

impl<'m> Plan<'m> {
    /// The actor must hold `scopes.manage` for `node` (on it or above it), or unscoped for a
    /// root (`None`).
    fn require_scopes_manage(&self, a: &Actor<'_>, node: Option<ScopeId>) -> Result<(), Error> {
        let p = Permission::SCOPES_MANAGE;
        a.require(p)?;
        let held = match node {
            Some(n) => a.covers(n),
            None if a.superadmin => Permission::all(),
            None => a.eff.unscoped,
        };
        if held.contains(p) {
            Ok(())
        } else {
            Err(Error::PermissionDenied { required: p })
        }
    }

    pub fn create_scope(
        &mut self,
        actor: UserId,
        kind: ScopeKind,
        name: &str,
        parent: Option<ScopeId>,
    ) -> Result<ScopeId, Error> {
        let a = Actor::load(self.m, actor)?;
        a.require(Permission::SCOPES_MANAGE)?;
        let name = validate::name(
            match kind {
                ScopeKind::CallGroup => "call group name",
                ScopeKind::Ivr => "IVR name",
                _ => "scope name",
            },
            name,
        )?;
        if let Some(p) = parent {
            self.m.scope_in(a.tenant(), p)?;
        }
        self.require_scopes_manage(&a, parent)?;
        self.unique(a.tenant(), NameKind::Scope(kind), label(kind), &name, 0)?;
        let id = ScopeId(self.alloc(ObjectKind::Scope));
        self.changes.push(Change::ScopePut(Scope {
            id,
            tenant: a.tenant(),
            kind,
            name,
            parent,
        }));
        Ok(id)
    }

    /// Moves `scope` (with everything below it) under `parent` (`None`: makes it a root).
    /// Users holding rights above its new place gain them on it, a grant the actor must be
    /// able to make; users holding rights only above its old place lose them.
    pub fn move_scope(
        &mut self,
        actor: UserId,
        scope: ScopeId,
        parent: Option<ScopeId>,
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        let s = self.m.scope_in(a.tenant(), scope)?;
        if let Some(p) = parent {
            self.m.scope_in(a.tenant(), p)?;
            if self.m.is_within(p, scope) {
                return Err(Error::ScopeCycle { scope, parent: p });
            }
        }
        self.require_scopes_manage(&a, Some(scope))?;
        self.require_scopes_manage(&a, parent)?;
        if s.parent == parent {
            return Ok(());
        }
        self.ensure_may_move(&a, scope, parent)?;
        let mut moved = s.clone();
        moved.parent = parent;
        self.changes.push(Change::ScopePut(moved));
        Ok(())
    }

    /// Every user whose rights on `scope` change when it moves under `parent` must be one the
    /// actor may affect, and what each gains there the actor must hold there.
    fn ensure_may_move(
        &self,
        a: &Actor<'_>,
        scope: ScopeId,
        parent: Option<ScopeId>,
    ) -> Result<(), Error> {
        let mine = a.covers(scope);
        for (u, before, after) in self.m.move_effects(scope, parent) {
            a.ensure_may_affect(self.m, u)?;
            let gained = after - before;
            if !a.superadmin && !mine.contains(gained) {
                return Err(Error::Escalation {
                    missing: gained - mine,
                });
            }
        }
        Ok(())
    }

    /// Deletes `scope`. With children or members it is refused, unless `moving`: then its
    /// children move to its parent, and its members join its parent when that is a team (else
    /// they only leave it). Its assignments and per-scope grants end.
    pub fn delete_scope(
        &mut self,
        actor: UserId,
        scope: ScopeId,
        moving: bool,
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        let s = self.m.scope_in(a.tenant(), scope)?;
        self.require_scopes_manage(&a, Some(scope))?;
        let children: Vec<ScopeId> = self
            .m
            .scope_children
            .get(&scope)
            .into_iter()
            .flatten()
            .copied()
            .collect();
        let members: Vec<&User> = self
            .m
            .team_members
            .get(&scope)
            .into_iter()
            .flatten()
            .filter_map(|u| self.m.users.get(u))
            .collect();
        if !moving && (!children.is_empty() || !members.is_empty()) {
            return Err(Error::ScopeNotEmpty {
                scope,
                name: s.name.clone(),
                children: children.len(),
                members: members.len(),
            });
        }
        // Whoever loses an assignment or grant here loses access: a revocation.
        let holders = self.m.grant_users.get(&scope).into_iter().flatten();
        let assigned = self.m.scope_users.get(&scope).into_iter().flatten();
        for u in holders.chain(assigned).filter_map(|u| self.m.users.get(u)) {
            a.ensure_may_affect(self.m, u)?;
            if u.grants.iter().any(|g| {
                g.scope == scope && self.m.roles.get(&g.role).is_some_and(|r| r.admin_tier)
            }) {
                a.require_superadmin("revoke an administrator-tier role")?;
            }
            let ending = u.grants.iter().filter(|g| g.scope == scope);
            if self.m.any_denies(ending.map(|g| &g.role)) {
                // A denying grant ending gives its denials back: a grant.
                let mut rest = u.clone();
                rest.scopes.remove(&scope);
                rest.grants.retain(|g| g.scope != scope);
                a.ensure_gain(u, Hyp::User(&rest))?;
            }
        }
        for c in children {
            self.ensure_may_move(&a, c, s.parent)?;
            let mut child = self.m.scopes[&c].clone();
            child.parent = s.parent;
            self.changes.push(Change::ScopePut(child));
        }
        let to_team = s.parent.filter(|p| {
            self.m
                .scopes
                .get(p)
                .is_some_and(|p| p.kind == ScopeKind::Team)
        });
        for u in members {
            let mut moved = u.clone();
            moved.teams.remove(&scope);
            if let Some(t) = to_team {
                moved.teams.insert(t);
            }
            self.put_user(moved);
        }
        self.changes.push(Change::ScopeDeleted { id: scope });
        Ok(())
    }

    /// Grants `role` to `user` for `scope` and everything below it.
    pub fn grant_role_in_scope(
        &mut self,
        actor: UserId,
        user: UserId,
        role: RoleId,
        scope: ScopeId,
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        let t = self.managed(&a, user, Permission::USERS_MANAGE)?;
        let r = self.m.role_in(a.tenant(), role)?;
        self.m.scope_in(a.tenant(), scope)?;
        let grant = ScopeGrant { role, scope };
        if t.grants.contains(&grant) {
            return Ok(());
        }
        a.ensure_grant_at(r, scope)?;
        let mut u = t.clone();
        u.grants.insert(grant);
        self.put_user(u);
        Ok(())
    }

    /// Takes back a role granted for a scope.
    pub fn revoke_role_in_scope(
        &mut self,
        actor: UserId,
        user: UserId,
        role: RoleId,
        scope: ScopeId,
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        let t = self.managed(&a, user, Permission::USERS_MANAGE)?;
        let r = self.m.role_in(a.tenant(), role)?;
        self.m.scope_in(a.tenant(), scope)?;
        let grant = ScopeGrant { role, scope };
        if !t.grants.contains(&grant) {
            return Ok(());
        }
        if r.admin_tier {
            a.require_superadmin("revoke an administrator-tier role")?;
        }
        let mut u = t.clone();
        u.grants.remove(&grant);
        if !r.denied.is_empty() {
            // Its denials end with it: a grant.
            a.ensure_gain(t, Hyp::User(&u))?;
        }
        self.put_user(u);
        Ok(())
    }

    /// The rules of placing `t` in `teams` (in place of its own): each a team of the
    /// actor's tenant; an actor holding `users.manage` only within teams administers every
    /// team it adds or removes and keeps the user inside its teams. Returns the set.
    pub(super) fn teams_placed(
        &self,
        a: &Actor<'_>,
        t: &User,
        teams: &[ScopeId],
    ) -> Result<BTreeSet<ScopeId>, Error> {
        let wanted: BTreeSet<ScopeId> = teams.iter().copied().collect();
        for s in &wanted {
            let sc = self.m.scope_in(a.tenant(), *s)?;
            if sc.kind != ScopeKind::Team {
                return Err(Error::NotATeam {
                    scope: *s,
                    kind: sc.kind.name().to_owned(),
                });
            }
        }
        let changed: BTreeSet<ScopeId> = wanted.symmetric_difference(&t.teams).copied().collect();
        if !changed.is_empty() {
            a.require_over_teams(t, &changed, Permission::USERS_MANAGE)?;
        }
        let mut after = t.clone();
        after.teams = wanted.clone();
        a.require_over(&after, Permission::USERS_MANAGE)?;
        Ok(wanted)
    }

    /// Makes `user` a member of exactly `teams`.
    pub fn set_user_teams(
        &mut self,
        actor: UserId,
        user: UserId,
        teams: &[ScopeId],
    ) -> Result<(), Error> {
        self.replace_scope_set(actor, user, teams, |u| &mut u.teams, Self::teams_placed)
    }

    /// Replaces one of `user`'s sets of scopes (its teams, its assigned scopes) by the set
    /// `rules` checks and returns, administering the user with `users.manage`.
    fn replace_scope_set(
        &mut self,
        actor: UserId,
        user: UserId,
        ids: &[ScopeId],
        field: fn(&mut User) -> &mut BTreeSet<ScopeId>,
        rules: SetRules<'m>,
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        let t = self.managed(&a, user, Permission::USERS_MANAGE)?;
        let wanted = rules(self, &a, t, ids)?;
        let mut u = t.clone();
        if *field(&mut u) != wanted {
            *field(&mut u) = wanted;
            self.put_user(u);
        }
        Ok(())
    }

    pub fn set_user_scopes(
        &mut self,
        actor: UserId,
        user: UserId,
        scopes: &[ScopeId],
    ) -> Result<(), Error> {
        self.replace_scope_set(actor, user, scopes, |u| &mut u.scopes, Self::scopes_granted)
    }

    /// The rules of giving `t` the call groups / IVRs `scopes` (in place of its own): each
    /// one of the actor's tenant, and every right `t` holds only within its scopes granted in
    /// the new ones. The caller has checked `users.manage` and that the actor may modify `t`
    /// (which may be a user this plan creates). Returns the scopes as a set.
    pub(super) fn scopes_granted(
        &self,
        a: &Actor<'_>,
        t: &User,
        scopes: &[ScopeId],
    ) -> Result<BTreeSet<ScopeId>, Error> {
        let wanted: BTreeSet<ScopeId> = scopes.iter().copied().collect();
        for s in &wanted {
            self.m.scope_in(a.tenant(), *s)?;
        }
        let added: BTreeSet<ScopeId> = wanted.difference(&t.scopes).copied().collect();
        if !added.is_empty() {
            a.ensure_grant(self.m.scoped_only(t), true, &added)?;
        }
        Ok(wanted)
    }

    pub fn assign_scope(
        &mut self,
        actor: UserId,
        user: UserId,
        scope: ScopeId,
    ) -> Result<(), Error> {
        let mut s: Vec<ScopeId> = self
            .m
            .users
            .get(&user)
            .map(|u| u.scopes.iter().copied().collect())
            .unwrap_or_default();
        s.push(scope);
        self.set_user_scopes(actor, user, &s)
    }

    pub fn unassign_scope(
        &mut self,
        actor: UserId,
        user: UserId,
        scope: ScopeId,
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        self.m.scope_in(a.tenant(), scope)?;
        let t = self.m.user_in(a.tenant(), user)?;
        let s: Vec<ScopeId> = t.scopes.iter().copied().filter(|x| *x != scope).collect();
        self.set_user_scopes(actor, user, &s)
    }
}

/// The kind's name where an error names it (a custom kind is "scope").
fn label(kind: ScopeKind) -> &'static str {
    match kind {
        ScopeKind::CallGroup => "call_group",
        ScopeKind::Ivr => "ivr",
        ScopeKind::Queue => "queue",
        ScopeKind::Campaign => "campaign",
        ScopeKind::Number => "number",
        ScopeKind::Team => "team",
        ScopeKind::Custom(_) => "scope",
    }
}

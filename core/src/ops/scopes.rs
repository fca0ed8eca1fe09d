//! Planning for scopes (call groups and IVRs) and the scopes a user is restricted to.

use std::collections::BTreeSet;

use super::Plan;
use crate::domain::model::NameKind;
use crate::domain::rules::Actor;
use crate::domain::ObjectKind;
use crate::domain::{validate, Change, Permission, Scope, ScopeId, ScopeKind, User, UserId};
use crate::Error;

impl<'m> Plan<'m> {
    pub fn create_scope(
        &mut self,
        actor: UserId,
        kind: ScopeKind,
        name: &str,
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
        self.unique(a.tenant(), NameKind::Scope(kind), label(kind), &name, 0)?;
        let id = ScopeId(self.alloc(ObjectKind::Scope));
        self.changes.push(Change::ScopePut(Scope {
            id,
            tenant: a.tenant(),
            kind,
            name,
            parent: None,
        }));
        Ok(id)
    }

    pub fn delete_scope(&mut self, actor: UserId, scope: ScopeId) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        a.require(Permission::SCOPES_MANAGE)?;
        self.m.scope_in(a.tenant(), scope)?;
        self.changes.push(Change::ScopeDeleted { id: scope });
        Ok(())
    }

    pub fn set_user_scopes(
        &mut self,
        actor: UserId,
        user: UserId,
        scopes: &[ScopeId],
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        a.require(Permission::USERS_MANAGE)?;
        let t = self.target(&a, user)?;
        let wanted = self.scopes_granted(&a, t, scopes)?;
        if wanted != t.scopes {
            let mut u = t.clone();
            u.scopes = wanted;
            self.put_user(u);
        }
        Ok(())
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

//! The administration rules (000, 003, 004): who may change what, and the no-escalation check
//! that every path granting rights passes through.

use std::collections::BTreeSet;

use super::model::{Effective, Hyp, Model};
use super::ObjectKind;
use super::{
    AccessLevel, Agreement, AgreementId, Group, GroupId, Permission, Product, Role, RoleId, Scope,
    ScopeId, TenantId, User, UserId,
};
use crate::Error;

/// The acting user of a mutation, resolved and validated.
pub(crate) struct Actor<'m> {
    pub m: &'m Model,
    pub user: &'m User,
    pub superadmin: bool,
    pub eff: Effective,
}

impl<'m> Actor<'m> {
    /// Resolves the acting user: it must exist and be active.
    pub fn load(m: &'m Model, id: UserId) -> Result<Self, Error> {
        let user = m
            .users
            .get(&id)
            .ok_or_else(|| Error::UnknownUser(id.into()))?;
        if !user.active {
            return Err(Error::ActorInactive {
                user: id,
                email: user.email.clone(),
            });
        }
        Ok(Actor {
            m,
            user,
            superadmin: m.is_superadmin(user),
            eff: m.effective(user),
        })
    }

    pub fn tenant(&self) -> TenantId {
        self.user.tenant
    }

    /// The actor must hold `required` (in any scope); the superadministrator holds everything.
    pub fn require(&self, required: Permission) -> Result<(), Error> {
        if self.eff.perms.contains(required) {
            Ok(())
        } else {
            Err(Error::PermissionDenied { required })
        }
    }

    /// Only the superadministrator may do `action`.
    pub fn require_superadmin(&self, action: &'static str) -> Result<(), Error> {
        if self.superadmin {
            Ok(())
        } else {
            Err(Error::SuperadminOnly { action })
        }
    }

    /// What the actor holds for data of `scope` (everything, for the superadministrator).
    pub fn covers(&self, scope: ScopeId) -> Permission {
        if self.superadmin {
            Permission::all()
        } else {
            self.eff.covered(self.m, scope)
        }
    }

    /// The rights the actor lacks to grant `perms` to a user assigned `target_scopes`.
    ///
    /// Unscoped rights must be held unscoped. Scoped rights must be held for each scope of the
    /// target (on it or a scope above it, or unscoped); with no scope, held somewhere.
    pub fn missing_for_grant(
        &self,
        perms: Permission,
        scoped: bool,
        target_scopes: &BTreeSet<ScopeId>,
    ) -> Permission {
        if self.superadmin {
            return Permission::empty();
        }
        let need = perms - self.eff.unscoped;
        if need.is_empty() || !scoped {
            return need;
        }
        if target_scopes.is_empty() {
            return need - self.eff.perms;
        }
        target_scopes
            .iter()
            .fold(Permission::empty(), |acc, t| acc | (need - self.covers(*t)))
    }

    /// The rights the actor lacks to give a user the access `e`: each right where the user
    /// would hold it (unscoped, or within each scope), and anywhere.
    pub fn missing_for_access(&self, e: &Effective) -> Permission {
        if self.superadmin {
            return Permission::empty();
        }
        let mut missing = (e.unscoped - self.eff.unscoped) | (e.perms - self.eff.perms);
        for (s, p) in &e.scoped {
            missing |= *p - self.covers(*s);
        }
        missing
    }

    /// Giving a user the access `e` must not escalate.
    pub fn ensure_grant_access(&self, e: &Effective) -> Result<(), Error> {
        let missing = self.missing_for_access(e);
        if missing.is_empty() {
            Ok(())
        } else {
            Err(Error::Escalation { missing })
        }
    }

    /// A change that turns `target`'s access into what it is under `hyp` must not give it
    /// anything the actor could not grant: each right gained, where it is gained.
    pub fn ensure_gain(&self, target: &User, hyp: Hyp<'_>) -> Result<(), Error> {
        self.ensure_gain_from(target, Hyp::None, hyp)
    }

    /// A change that turns `target`'s record from `before` into `after` must not give it
    /// anything the actor could not grant (as [`ensure_gain`](Self::ensure_gain), between two
    /// hypothetical records).
    pub fn ensure_gain_between(
        &self,
        target: &User,
        before: &User,
        after: &User,
    ) -> Result<(), Error> {
        self.ensure_gain_from(target, Hyp::User(before), Hyp::User(after))
    }

    fn ensure_gain_from(
        &self,
        target: &User,
        before: Hyp<'_>,
        after: Hyp<'_>,
    ) -> Result<(), Error> {
        if self.superadmin {
            return Ok(());
        }
        let old = self.m.access_under(target, before);
        let new = self.m.access_under(target, after);
        let gained = Effective {
            perms: new.perms - old.perms,
            unscoped: new.unscoped - old.unscoped,
            scoped: new
                .scoped
                .iter()
                .map(|(s, p)| (*s, *p - old.covered(self.m, *s)))
                .filter(|(_, p)| !p.is_empty())
                .collect(),
        };
        self.ensure_grant_access(&gained)
    }

    /// Granting `role` for `scope` (and its descendants): admin tier needs the
    /// superadministrator, and the actor must hold the role's rights for that scope.
    pub fn ensure_grant_at(&self, role: &Role, scope: ScopeId) -> Result<(), Error> {
        if role.admin_tier {
            self.require_superadmin("grant an administrator-tier role")?;
        }
        let missing = role.permissions - self.covers(scope);
        if missing.is_empty() {
            Ok(())
        } else {
            Err(Error::Escalation { missing })
        }
    }

    /// Whether the actor holds `p` over `target`: unscoped, or for one of the target's teams
    /// (administration delegated within a subtree).
    pub fn holds_over(&self, target: &User, p: Permission) -> bool {
        self.superadmin
            || self.eff.unscoped.contains(p)
            || target.teams.iter().any(|t| self.covers(*t).contains(p))
    }

    /// The actor must hold `p` over `target` ([`holds_over`](Self::holds_over)).
    pub fn require_over(&self, target: &User, p: Permission) -> Result<(), Error> {
        self.require(p)?;
        if self.holds_over(target, p) {
            Ok(())
        } else {
            Err(Error::OutsideTeams {
                user: target.id,
                email: target.email.clone(),
                required: p,
            })
        }
    }

    /// The actor must hold `p` over every team in `teams` (all of them, and at least one,
    /// unless it holds `p` unscoped): placing a user there keeps it inside the actor's
    /// subtree.
    pub fn require_over_teams(
        &self,
        target: &User,
        teams: &BTreeSet<ScopeId>,
        p: Permission,
    ) -> Result<(), Error> {
        self.require(p)?;
        if self.superadmin || self.eff.unscoped.contains(p) {
            return Ok(());
        }
        if teams.is_empty() || !teams.iter().all(|t| self.covers(*t).contains(p)) {
            return Err(Error::OutsideTeams {
                user: target.id,
                email: target.email.clone(),
                required: p,
            });
        }
        Ok(())
    }

    /// The single no-escalation check every grant path calls.
    pub fn ensure_grant(
        &self,
        perms: Permission,
        scoped: bool,
        target_scopes: &BTreeSet<ScopeId>,
    ) -> Result<(), Error> {
        let missing = self.missing_for_grant(perms, scoped, target_scopes);
        if missing.is_empty() {
            Ok(())
        } else {
            Err(Error::Escalation { missing })
        }
    }

    /// Granting a role (to a user, or to a group): admin tier needs the superadministrator,
    /// and the actor must hold the role's rights for the target's scopes.
    pub fn ensure_grant_role(
        &self,
        role: &Role,
        target_scopes: &BTreeSet<ScopeId>,
    ) -> Result<(), Error> {
        if role.admin_tier {
            self.require_superadmin("grant an administrator-tier role")?;
        }
        self.ensure_grant(role.permissions, role.scoped, target_scopes)
    }

    /// Setting another user's password or login email lets the actor log in as that user: the
    /// actor must itself hold everything the target holds (rights, in the target's call groups /
    /// IVRs, and every agreement level), and hold or be allowed to set each of the target's PBX
    /// subscriber links, or it would escalate by taking the account over.
    pub fn ensure_may_take_over(&self, m: &Model, target: &User) -> Result<(), Error> {
        if self.superadmin || target.id == self.user.id {
            return Ok(());
        }
        self.ensure_grant_access(&m.effective_if_active(target))?;
        for a in m.user_agreements.get(&target.id).into_iter().flatten() {
            let Some(st) = m.agreements.get(a) else {
                continue;
            };
            for p in super::Product::ALL {
                let theirs = st.level(target.id, p);
                let mine = m.level(st, self.user.id, p);
                if theirs > mine {
                    return Err(Error::LevelNotGrantable {
                        actor_level: mine,
                        level: theirs,
                    });
                }
            }
            if let Some(sub) = st.pbx.get(&target.id) {
                if m.pbx(st, self.user.id) != Some(sub) {
                    self.ensure_may_link(m, *a, target.id, true)?;
                }
            }
        }
        Ok(())
    }

    // ---------------- agreements (002) ----------------

    /// The actor's levels on `agreement` that bound what it may set: on System (CORE) (its
    /// tier) and on `product` (the cap of the strict reading). The tenant's superadministrator
    /// acts with Owner powers on every agreement of its tenant without being its Owner.
    fn agreement_powers(
        &self,
        m: &Model,
        agreement: AgreementId,
        product: Product,
    ) -> (AccessLevel, AccessLevel) {
        if self.superadmin {
            return (AccessLevel::Owner, AccessLevel::Owner);
        }
        match m.agreements.get(&agreement) {
            Some(st) => (
                m.level(st, self.user.id, Product::Core),
                m.level(st, self.user.id, product),
            ),
            None => (AccessLevel::NoAccess, AccessLevel::NoAccess),
        }
    }

    /// Whether the tenant reads 002 strictly: nobody sets a level on a product above its own.
    fn strict_levels(&self, m: &Model) -> bool {
        m.tenants
            .get(&self.tenant())
            .is_some_and(|t| t.settings.strict_agreement_levels)
    }

    /// The actor may change `user`'s access on `agreement` (for `product`): it needs
    /// Administrator or Owner on System (CORE) (the superadministrator acts as the Owner); the
    /// Owner's access is fixed; an Administrator cannot change another Administrator's access.
    /// Returns the actor's CORE level (its tier).
    pub fn ensure_may_change_access(
        &self,
        m: &Model,
        agreement: AgreementId,
        user: UserId,
        product: Product,
    ) -> Result<AccessLevel, Error> {
        let meta = m.agreement_in(self.tenant(), agreement)?;
        m.user_in(self.tenant(), user)?;
        let st = &m.agreements[&agreement];
        let actor = self.user.id;
        let (core, _) = self.agreement_powers(m, agreement, product);
        if core < AccessLevel::Administrator {
            return Err(Error::AgreementAdminRequired {
                agreement,
                name: meta.name.clone(),
            });
        }
        if meta.owner == user && actor != user {
            return Err(Error::OwnerProtected);
        }
        if core == AccessLevel::Administrator
            && user != actor
            && (st.level(user, Product::Core) >= AccessLevel::Administrator
                || st.level(user, product) >= AccessLevel::Administrator)
        {
            return Err(Error::AgreementAdministratorProtected {
                user,
                email: m.email_of(user),
            });
        }
        Ok(core)
    }

    /// The actor may set `user`'s level on `product` to `level`: an Administrator on CORE sets
    /// User or Administrator, the Owner (and the superadministrator) No access, User or
    /// Administrator; nobody sets Owner; with the tenant's strict reading, never above the
    /// actor's own level on that product.
    pub fn ensure_may_set_level(
        &self,
        m: &Model,
        agreement: AgreementId,
        user: UserId,
        product: Product,
        level: AccessLevel,
    ) -> Result<(), Error> {
        let core = self.ensure_may_change_access(m, agreement, user, product)?;
        if m.agreements[&agreement]
            .meta
            .as_ref()
            .is_some_and(|meta| meta.owner == user)
        {
            return Err(Error::OwnerProtected);
        }
        let grantable = match core {
            AccessLevel::Owner => level <= AccessLevel::Administrator,
            _ => level == AccessLevel::User || level == AccessLevel::Administrator,
        };
        if !grantable {
            return Err(Error::LevelNotGrantable {
                actor_level: core,
                level,
            });
        }
        let (_, own) = self.agreement_powers(m, agreement, product);
        if self.strict_levels(m) && level > own {
            return Err(Error::LevelNotGrantable {
                actor_level: own,
                level,
            });
        }
        Ok(())
    }

    /// The actor may link `user` to a virtual-PBX subscriber (`linking`) or unlink it: a change
    /// of its Virtual PBX access; with the strict reading, linking needs at least User on
    /// Virtual PBX oneself.
    pub fn ensure_may_link(
        &self,
        m: &Model,
        agreement: AgreementId,
        user: UserId,
        linking: bool,
    ) -> Result<(), Error> {
        self.ensure_may_change_access(m, agreement, user, Product::VirtualPbx)?;
        let (_, own) = self.agreement_powers(m, agreement, Product::VirtualPbx);
        if linking && self.strict_levels(m) && own < AccessLevel::User {
            return Err(Error::LevelNotGrantable {
                actor_level: own,
                level: AccessLevel::User,
            });
        }
        Ok(())
    }

    /// The actor may appoint a new Owner of `agreement`: its Owner (deliberately) or the
    /// tenant's superadministrator (Owner powers, so that an agreement whose Owner left can be
    /// recovered).
    pub fn ensure_may_appoint_owner(&self, m: &Model, agreement: AgreementId) -> Result<(), Error> {
        let meta = m.agreement_in(self.tenant(), agreement)?;
        if meta.owner != self.user.id && !self.superadmin {
            return Err(Error::NotOwner {
                agreement,
                name: meta.name.clone(),
            });
        }
        Ok(())
    }

    /// Reactivating `target` grants everything it regains, one by one, through the checks of
    /// each concept: its roles (held directly and through groups) for its call groups / IVRs,
    /// its scope assignments, its agreement levels and PBX links, and the ownership of the
    /// agreements it owns.
    pub fn ensure_may_restore(&self, m: &Model, target: &User) -> Result<(), Error> {
        for r in m.roles_of(target) {
            if m.roles.get(&r).is_some_and(|r| r.admin_tier) {
                self.require_superadmin("grant an administrator-tier role")?;
            }
        }
        self.ensure_grant_access(&m.effective_if_active(target))?;
        for ag in m.user_agreements.get(&target.id).into_iter().flatten() {
            let Some(st) = m.agreements.get(ag) else {
                continue;
            };
            if st.meta.as_ref().is_some_and(|meta| meta.owner == target.id) {
                self.ensure_may_appoint_owner(m, *ag)?;
                continue;
            }
            for p in Product::ALL {
                let level = st.level(target.id, p);
                if level > AccessLevel::NoAccess {
                    self.ensure_may_set_level(m, *ag, target.id, p, level)?;
                }
            }
            if st.pbx.contains_key(&target.id) {
                self.ensure_may_link(m, *ag, target.id, true)?;
            }
        }
        Ok(())
    }

    /// Deactivating or deleting `target` lowers all its access, under the rules of lowering
    /// it: never while it owns an agreement (ownership is transferred first), and an agreement
    /// Administrator only by someone who may change its levels there.
    pub fn ensure_may_revoke_all(&self, m: &Model, target: &User) -> Result<(), Error> {
        for ag in m.user_agreements.get(&target.id).into_iter().flatten() {
            let Some(st) = m.agreements.get(ag) else {
                continue;
            };
            if st.meta.as_ref().is_some_and(|meta| meta.owner == target.id) {
                return Err(Error::UserOwnsAgreement {
                    user: target.id,
                    user_email: target.email.clone(),
                    agreement: *ag,
                    agreement_name: m.agreement_name(*ag),
                });
            }
            if let Some(p) = Product::ALL
                .into_iter()
                .find(|p| st.level(target.id, *p) >= AccessLevel::Administrator)
            {
                self.ensure_may_change_access(m, *ag, target.id, p)?;
            }
        }
        Ok(())
    }

    /// Like [`ensure_may_modify`](Self::ensure_may_modify), for a change that reaches `target`
    /// only through a role or group it holds: the superadministrator's rights cannot change
    /// that way (it holds everything), so it is not in the way.
    pub fn ensure_may_affect(&self, m: &Model, target: &User) -> Result<(), Error> {
        if m.is_superadmin(target) {
            return Ok(());
        }
        self.ensure_may_modify(m, target)
    }

    /// The actor may change `target`'s account or access: the superadministrator's account only
    /// by itself; an administrator's access only by the superadministrator (or itself).
    pub fn ensure_may_modify(&self, m: &Model, target: &User) -> Result<(), Error> {
        if target.id == self.user.id {
            return Ok(());
        }
        if m.is_superadmin(target) {
            return Err(Error::SuperadminProtected {
                action: "changed by another user",
            });
        }
        if !self.superadmin && m.is_administrator(target) {
            return Err(Error::AdministratorProtected {
                user: target.id,
                email: target.email.clone(),
            });
        }
        Ok(())
    }
}

fn check_tenant(kind: ObjectKind, id: u64, owner: TenantId, tenant: TenantId) -> Result<(), Error> {
    if owner == tenant {
        Ok(())
    } else {
        Err(Error::WrongTenant { kind, id })
    }
}

impl Model {
    /// A user of `tenant`.
    pub fn user_in(&self, tenant: TenantId, id: UserId) -> Result<&User, Error> {
        let u = self
            .users
            .get(&id)
            .ok_or_else(|| Error::UnknownUser(id.into()))?;
        check_tenant(ObjectKind::User, id.0, u.tenant, tenant)?;
        Ok(u)
    }

    /// A role of `tenant`.
    pub fn role_in(&self, tenant: TenantId, id: RoleId) -> Result<&Role, Error> {
        let r = self
            .roles
            .get(&id)
            .ok_or_else(|| Error::UnknownRole(id.to_string()))?;
        check_tenant(ObjectKind::Role, id.0, r.tenant, tenant)?;
        Ok(r)
    }

    /// A group of `tenant`.
    pub fn group_in(&self, tenant: TenantId, id: GroupId) -> Result<&Group, Error> {
        let g = self
            .groups
            .get(&id)
            .ok_or_else(|| Error::UnknownGroup(id.to_string()))?;
        check_tenant(ObjectKind::Group, id.0, g.tenant, tenant)?;
        Ok(g)
    }

    /// A scope resource of `tenant`.
    pub fn scope_in(&self, tenant: TenantId, id: ScopeId) -> Result<&Scope, Error> {
        let s = self
            .scopes
            .get(&id)
            .ok_or_else(|| Error::UnknownScope(id.to_string()))?;
        check_tenant(ObjectKind::Scope, id.0, s.tenant, tenant)?;
        Ok(s)
    }

    /// An agreement of `tenant`.
    pub fn agreement_in(&self, tenant: TenantId, id: AgreementId) -> Result<&Agreement, Error> {
        let a = self
            .agreements
            .get(&id)
            .and_then(|a| a.meta.as_ref())
            .ok_or_else(|| Error::UnknownAgreement(id.to_string()))?;
        check_tenant(ObjectKind::Agreement, id.0, a.tenant, tenant)?;
        Ok(a)
    }

    /// Rights `user` holds only through scoped roles (those a scope assignment extends).
    pub fn scoped_only(&self, user: &User) -> Permission {
        let e = self.effective_if_active(user);
        e.perms - e.unscoped
    }
}

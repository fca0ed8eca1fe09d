//! The administration rules (000, 003, 004): who may change what, and the no-escalation check
//! that every path granting rights passes through.

use std::collections::BTreeSet;

use super::model::{Effective, Model};
use super::{
    Agreement, AgreementId, Group, GroupId, Permission, Role, RoleId, Scope, ScopeId, TenantId,
    User, UserId,
};
use crate::Error;

/// The acting user of a mutation, resolved and validated.
pub(crate) struct Actor<'m> {
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
            .ok_or_else(|| Error::UnknownUser(id.to_string()))?;
        if !user.active {
            return Err(Error::ActorInactive {
                user: id,
                email: user.email.clone(),
            });
        }
        Ok(Actor {
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

    /// The rights the actor lacks to grant `perms` to a user assigned `target_scopes`.
    ///
    /// Unscoped rights must be held unscoped. Scoped rights may be held through a scoped role,
    /// provided the actor itself is assigned every call group / IVR of the target.
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
        let held_scoped = need & self.eff.perms;
        let mut missing = need - held_scoped;
        if !target_scopes.is_subset(&self.eff.scopes) {
            missing |= held_scoped;
        }
        missing
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
    /// IVRs, and every agreement level), or it would escalate by taking the account over.
    pub fn ensure_may_take_over(&self, m: &Model, target: &User) -> Result<(), Error> {
        if self.superadmin || target.id == self.user.id {
            return Ok(());
        }
        let e = m.effective_if_active(target);
        self.ensure_grant(e.unscoped, false, &target.scopes)?;
        self.ensure_grant(e.perms - e.unscoped, true, &target.scopes)?;
        for a in m.user_agreements.get(&target.id).into_iter().flatten() {
            let Some(st) = m.agreements.get(a) else {
                continue;
            };
            for p in super::Product::ALL {
                let theirs = st.level(target.id, p);
                let mine = st.level(self.user.id, p);
                if theirs > mine {
                    return Err(Error::LevelNotGrantable {
                        actor_level: mine,
                        level: theirs,
                    });
                }
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

fn check_tenant(
    kind: &'static str,
    id: u64,
    owner: TenantId,
    tenant: TenantId,
) -> Result<(), Error> {
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
            .ok_or_else(|| Error::UnknownUser(id.to_string()))?;
        check_tenant(UserId::KIND, id.0, u.tenant, tenant)?;
        Ok(u)
    }

    /// A role of `tenant`.
    pub fn role_in(&self, tenant: TenantId, id: RoleId) -> Result<&Role, Error> {
        let r = self
            .roles
            .get(&id)
            .ok_or_else(|| Error::UnknownRole(id.to_string()))?;
        check_tenant(RoleId::KIND, id.0, r.tenant, tenant)?;
        Ok(r)
    }

    /// A group of `tenant`.
    pub fn group_in(&self, tenant: TenantId, id: GroupId) -> Result<&Group, Error> {
        let g = self
            .groups
            .get(&id)
            .ok_or_else(|| Error::UnknownGroup(id.to_string()))?;
        check_tenant(GroupId::KIND, id.0, g.tenant, tenant)?;
        Ok(g)
    }

    /// A scope resource of `tenant`.
    pub fn scope_in(&self, tenant: TenantId, id: ScopeId) -> Result<&Scope, Error> {
        let s = self
            .scopes
            .get(&id)
            .ok_or_else(|| Error::UnknownScope(id.to_string()))?;
        check_tenant(ScopeId::KIND, id.0, s.tenant, tenant)?;
        Ok(s)
    }

    /// An agreement of `tenant`.
    pub fn agreement_in(&self, tenant: TenantId, id: AgreementId) -> Result<&Agreement, Error> {
        let a = self
            .agreements
            .get(&id)
            .and_then(|a| a.meta.as_ref())
            .ok_or_else(|| Error::UnknownAgreement(id.to_string()))?;
        check_tenant(AgreementId::KIND, id.0, a.tenant, tenant)?;
        Ok(a)
    }

    /// Rights `user` holds only through scoped roles (those a scope assignment extends).
    pub fn scoped_only(&self, user: &User) -> Permission {
        let e = self.effective_if_active(user);
        e.perms - e.unscoped
    }
}

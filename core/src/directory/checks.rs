//! Checks: lock-free answers from the compiled snapshot, and explanations.

use serde::{Deserialize, Serialize};

use crate::domain::{
    AccessLevel, AgreementId, GroupId, Permission, Product, RoleId, RoleNamespace, ScopeId,
    TenantId, UserId,
};
use crate::engine::ScopeAccess;
use crate::Error;

use super::Directory;

/// One reason a user holds (part of) a permission.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// The role granting it.
    pub role: RoleId,
    /// The role's name.
    pub role_name: String,
    /// The role's namespace (its preset, or `custom`): `role_name` is unique within it.
    pub role_namespace: RoleNamespace,
    /// The group through which the user holds the role, or `None` when held directly.
    pub via_group: Option<GroupId>,
    /// Whether the role is scope-restricted.
    pub scoped: bool,
    /// The part of the asked permission this role grants.
    pub grants: Permission,
}

/// Why a check answers as it does: the decision and the roles and groups behind it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// The user asked about.
    pub user: UserId,
    /// The permission asked about.
    pub permission: Permission,
    /// The answer of [`Directory::check`].
    pub allowed: bool,
    /// The user is the superadministrator (holds every right).
    pub superadmin: bool,
    /// The user is inactive (holds nothing).
    pub inactive: bool,
    /// Every role (direct or through a group) granting part of the permission.
    pub grants: Vec<Grant>,
}

impl Directory {
    /// May `user` do `p`? Lock-free; false for an unknown or inactive user or an empty `p`.
    ///
    /// # Examples
    ///
    /// ```
    /// use rolecall::{Directory, NewUser, Permission, Preset};
    /// let dir = Directory::in_memory();
    /// let acme = dir.create_tenant("Acme", &NewUser::new("Ada", "Root", "ada@acme.test"), &[Preset::Managers])?;
    /// let operator = dir.role_by_name(acme.tenant, "Operator")?.id;
    /// let bob = dir.create_user(acme.superadmin, &NewUser::new("Bob", "Lee", "bob@acme.test").roles([operator]))?;
    /// assert!(dir.check(bob, Permission::CAMPAIGNS_CONTROL));
    /// assert!(!dir.check(bob, Permission::BILLING_VIEW));
    /// dir.set_active(acme.superadmin, bob, false)?;
    /// assert!(!dir.check(bob, Permission::CAMPAIGNS_CONTROL)); // an inactive user holds nothing
    /// # Ok::<(), rolecall::Error>(())
    /// ```
    #[inline]
    pub fn check(&self, user: UserId, p: Permission) -> bool {
        self.with_snapshot(|s| s.check(user, p))
    }

    /// May `user` do `p` on data of call group / IVR `scope`?
    #[inline]
    pub fn check_scoped(&self, user: UserId, p: Permission, scope: ScopeId) -> bool {
        self.with_snapshot(|s| s.check_scoped(user, p, scope))
    }

    /// Checks many `(user, permission)` pairs at one revision.
    pub fn check_many(&self, pairs: &[(UserId, Permission)]) -> Vec<bool> {
        let snap = self.shared.snapshot.load();
        pairs.iter().map(|(u, p)| snap.check(*u, *p)).collect()
    }

    /// Which call groups / IVRs `user` may see for `p`: all, or an explicit set.
    ///
    /// # Errors
    /// [`Error::UnknownUser`].
    pub fn allowed_scopes(&self, user: UserId, p: Permission) -> Result<ScopeAccess, Error> {
        self.shared
            .snapshot
            .load()
            .allowed_scopes(user, p)
            .ok_or_else(|| Error::UnknownUser(user.into()))
    }

    /// The effective permissions of a user (its roles and its groups' roles).
    ///
    /// # Errors
    /// [`Error::UnknownUser`].
    pub fn effective_permissions(&self, user: UserId) -> Result<Permission, Error> {
        self.shared
            .snapshot
            .load()
            .effective_permissions(user)
            .ok_or_else(|| Error::UnknownUser(user.into()))
    }

    /// Users of `tenant` holding `p` (for `scope` when given).
    ///
    /// # Errors
    /// [`Error::UnknownTenant`]; [`Error::Closed`] after [`close`](Directory::close).
    pub fn users_with_permission(
        &self,
        tenant: TenantId,
        p: Permission,
        scope: Option<ScopeId>,
    ) -> Result<Vec<UserId>, Error> {
        self.with_tenant(tenant, |_| ())?;
        Ok(self
            .shared
            .snapshot
            .load()
            .users_with_permission(tenant, p, scope))
    }

    /// The access level of `user` on `product` of `agreement`.
    pub fn access_level(
        &self,
        agreement: AgreementId,
        user: UserId,
        product: Product,
    ) -> AccessLevel {
        self.with_snapshot(|s| s.access_level(agreement, user, product))
    }

    /// May `user` listen to the call recordings of PBX subscriber `subscriber` (002)?
    pub fn may_listen_recordings(
        &self,
        agreement: AgreementId,
        user: UserId,
        subscriber: &str,
    ) -> bool {
        self.shared
            .snapshot
            .load()
            .may_use_subscriber(agreement, user, subscriber)
    }

    /// May `user` use click-to-call as PBX subscriber `subscriber` (002)? The same users as
    /// [`may_listen_recordings`](Self::may_listen_recordings): 002 grants both to a user
    /// linked to the subscriber with at least User level on Virtual PBX.
    pub fn may_click_to_call(
        &self,
        agreement: AgreementId,
        user: UserId,
        subscriber: &str,
    ) -> bool {
        self.may_listen_recordings(agreement, user, subscriber)
    }

    /// Why `check(user, p)` answers as it does: the roles and groups granting `p`.
    ///
    /// # Errors
    /// [`Error::EmptyPermission`] for an empty `p`; [`Error::UnknownUser`].
    pub fn explain(&self, user: UserId, p: Permission) -> Result<Explanation, Error> {
        if p.is_empty() {
            return Err(Error::EmptyPermission);
        }
        let m = self.read();
        let u = m
            .users
            .get(&user)
            .ok_or_else(|| Error::UnknownUser(user.into()))?;
        let mut grants = Vec::new();
        let mut push = |r: RoleId, via: Option<GroupId>| {
            if let Some(role) = m.roles.get(&r) {
                if role.permissions.intersects(p) {
                    grants.push(Grant {
                        role: r,
                        role_name: role.name.clone(),
                        role_namespace: role.namespace,
                        via_group: via,
                        scoped: role.scoped,
                        grants: role.permissions & p,
                    });
                }
            }
        };
        for r in &u.roles {
            push(*r, None);
        }
        for g in m.user_groups.get(&user).into_iter().flatten() {
            for r in m.groups.get(g).into_iter().flat_map(|g| g.roles.iter()) {
                push(*r, Some(*g));
            }
        }
        let superadmin = m.is_superadmin(u);
        Ok(Explanation {
            user,
            permission: p,
            allowed: m.effective(u).perms.contains(p),
            superadmin,
            inactive: !u.active,
            grants,
        })
    }
}

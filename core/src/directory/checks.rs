//! Checks: lock-free answers from the compiled snapshot, and explanations.

use serde::{Deserialize, Serialize};

use crate::domain::{
    AccessLevel, AgreementId, GroupId, Permission, Product, RoleId, RoleNamespace, ScopeId,
    ScopeKind, TenantId, UserId,
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
    /// The scope the role is granted for ([`Directory::grant_role_in_scope`]), or `None` for a
    /// role held for the whole tenant (or, when `scoped`, for the user's assigned scopes).
    pub scope: Option<ScopeId>,
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
    /// Every role (direct, through a group or by a per-scope grant) denying part of the
    /// permission (explicit deny): each entry's `grants` is the part of the asked permission
    /// the role denies. A denial wins over every grant, so `allowed` is false when there is
    /// one (unless the user is the superadministrator, whom nothing denies).
    #[serde(default)]
    pub denied_by: Vec<Grant>,
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

    /// May `user` do `p` on data of `scope`? A right held unscoped applies to every scope of
    /// the user's tenant; one held through a scoped role (on its assigned scopes) or a
    /// per-scope grant applies to that scope and everything below it.
    #[inline]
    pub fn check_scoped(&self, user: UserId, p: Permission, scope: ScopeId) -> bool {
        self.with_snapshot(|s| s.check_scoped(user, p, scope))
    }

    /// May `actor` do `p` on user `target` ("my team only")? Yes when the actor holds `p`
    /// unscoped (on any user of its tenant), or for a team the target is a member of, on the
    /// team or a scope above it. Lock-free; never across tenants; false for unknown users.
    ///
    /// # Examples
    ///
    /// ```
    /// use rolecall::{Directory, NewRole, NewUser, Permission, Preset, ScopeKind};
    /// let dir = Directory::in_memory();
    /// let acme = dir.create_tenant("Acme", &NewUser::new("Ada", "Root", "ada@acme.test"), &[Preset::Managers])?;
    /// let root = acme.superadmin;
    /// let site = dir.create_scope(root, ScopeKind::Team, "Lyon")?;
    /// let sales = dir.create_scope_under(root, site, ScopeKind::Team, "Sales")?;
    /// let support = dir.create_scope_under(root, site, ScopeKind::Team, "Support")?;
    /// let lead = dir.create_role(root, &NewRole::new("Team lead", Permission::USERS_VIEW | Permission::USERS_MANAGE))?;
    /// let tom = dir.create_user(root, &NewUser::new("Tom", "Lead", "tom@acme.test").grant(lead, sales))?;
    /// let ann = dir.create_user(root, &NewUser::new("Ann", "Agent", "ann@acme.test").teams([sales]))?;
    /// let sam = dir.create_user(root, &NewUser::new("Sam", "Agent", "sam@acme.test").teams([support]))?;
    /// assert!(dir.check_user(tom, Permission::USERS_MANAGE, ann));
    /// assert!(!dir.check_user(tom, Permission::USERS_MANAGE, sam));
    /// # Ok::<(), rolecall::Error>(())
    /// ```
    #[inline]
    pub fn check_user(&self, actor: UserId, p: Permission, target: UserId) -> bool {
        self.with_snapshot(|s| s.check_user(actor, p, target))
    }

    /// Checks many `(user, permission)` pairs at one revision.
    pub fn check_many(&self, pairs: &[(UserId, Permission)]) -> Vec<bool> {
        let snap = self.shared.snapshot.load();
        pairs.iter().map(|(u, p)| snap.check(*u, *p)).collect()
    }

    /// Which scopes `user` may see for `p`: all, or an explicit set (every scope it holds
    /// `p` for, with everything below them), for a host to push into its own queries.
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

    /// [`allowed_scopes`](Self::allowed_scopes) among scopes of one kind: which queues (or
    /// campaigns, numbers, teams...) `user` may see for `p`.
    ///
    /// # Errors
    /// [`Error::UnknownUser`].
    pub fn allowed_scopes_of_kind(
        &self,
        user: UserId,
        p: Permission,
        kind: ScopeKind,
    ) -> Result<ScopeAccess, Error> {
        self.shared
            .snapshot
            .load()
            .allowed_scopes_of(user, p, Some(kind))
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

    /// Why `check(user, p)` answers as it does: the roles and groups granting `p`, and those
    /// denying it (explicit deny).
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
        let mut denied_by = Vec::new();
        let mut push = |r: RoleId, via: Option<GroupId>, scope: Option<ScopeId>| {
            if let Some(role) = m.roles.get(&r) {
                let grant = |part: Permission| Grant {
                    role: r,
                    role_name: role.name.clone(),
                    role_namespace: role.namespace,
                    via_group: via,
                    scoped: role.scoped || scope.is_some(),
                    scope,
                    grants: part,
                };
                if role.permissions.intersects(p) {
                    grants.push(grant(role.permissions & p));
                }
                if role.denied.intersects(p) {
                    denied_by.push(grant(role.denied & p));
                }
            }
        };
        for r in &u.roles {
            push(*r, None, None);
        }
        for g in &u.grants {
            push(g.role, None, Some(g.scope));
        }
        for g in m.user_groups.get(&user).into_iter().flatten() {
            for r in m.groups.get(g).into_iter().flat_map(|g| g.roles.iter()) {
                push(*r, Some(*g), None);
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
            denied_by,
        })
    }
}

//! Scopes: call groups, IVRs, queues, campaigns, numbers, teams and tenant-defined kinds in a
//! hierarchy; who holds roles for them; who is a member of which team.

use crate::audit::AuditAction;
use crate::domain::{RoleId, Scope, ScopeId, ScopeKind, TenantId, UserId};
use crate::Error;

use super::Directory;

impl Directory {
    /// Creates a root scope of `kind` (a call group, IVR, queue, campaign, number, team, or a
    /// kind of the tenant's own). Needs `scopes.manage` unscoped.
    ///
    /// # Examples
    ///
    /// ```
    /// use rolecall::{Directory, NewUser, Preset, ScopeKind};
    /// let dir = Directory::in_memory();
    /// let acme = dir.create_tenant("Acme", &NewUser::new("Ada", "Root", "ada@acme.test"), &[Preset::Managers])?;
    /// let site = dir.create_scope(acme.superadmin, ScopeKind::Team, "Lyon")?;
    /// let team = dir.create_scope_under(acme.superadmin, site, ScopeKind::Team, "Sales")?;
    /// let brand = dir.create_scope(acme.superadmin, ScopeKind::custom("brand")?, "Acme Blue")?;
    /// assert_eq!(dir.scope(team)?.parent, Some(site));
    /// assert_eq!(dir.scope(brand)?.kind.name(), "brand");
    /// # Ok::<(), rolecall::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] without `scopes.manage` held unscoped; [`Error::InvalidName`];
    /// [`Error::DuplicateName`] when a scope of that kind has that name; and the errors of [every
    /// change](Directory#errors-of-every-change).
    pub fn create_scope(
        &self,
        actor: UserId,
        kind: ScopeKind,
        name: &str,
    ) -> Result<ScopeId, Error> {
        self.write(Some(actor), AuditAction::CreateScope, |p| {
            p.create_scope(actor, kind, name, None)
        })
    }

    /// Creates a scope below `parent` (any kind below any kind: site → team → sub-team,
    /// department → call group). Whoever holds a right on `parent` or above it holds it on the
    /// new scope. Needs `scopes.manage` for `parent` (delegated administration: a team lead
    /// holding it for its site creates teams inside it).
    ///
    /// # Errors
    /// As [`create_scope`](Self::create_scope); [`Error::UnknownScope`] or
    /// [`Error::WrongTenant`] for `parent`; [`Error::PermissionDenied`] without `scopes.manage`
    /// for `parent`.
    pub fn create_scope_under(
        &self,
        actor: UserId,
        parent: ScopeId,
        kind: ScopeKind,
        name: &str,
    ) -> Result<ScopeId, Error> {
        self.write(Some(actor), AuditAction::CreateScope, |p| {
            p.create_scope(actor, kind, name, Some(parent))
        })
    }

    /// Moves `scope`, with everything below it, under `parent` (`None`: makes it a root).
    /// Access changes for exactly the users holding rights above its old or new place, at the
    /// next check. Needs `scopes.manage` for the scope and for the new parent (unscoped for a
    /// root). Whoever gains rights on the scope by the move gains them from the actor: the
    /// actor must hold them there.
    ///
    /// # Errors
    /// [`Error::ScopeCycle`] when `parent` is the scope or below it; [`Error::UnknownScope`],
    /// [`Error::WrongTenant`]; [`Error::PermissionDenied`]; [`Error::Escalation`];
    /// [`Error::AdministratorProtected`] when an administrator's access would change (unless
    /// the actor is the superadministrator); and the errors of [every
    /// change](Directory#errors-of-every-change).
    pub fn move_scope(
        &self,
        actor: UserId,
        scope: ScopeId,
        parent: Option<ScopeId>,
    ) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::MoveScope, |p| {
            p.move_scope(actor, scope, parent)
        })
    }

    /// Deletes a scope, unassigning it from everyone and ending the roles granted for it.
    /// Needs `scopes.manage` for it.
    ///
    /// # Errors
    /// [`Error::ScopeNotEmpty`] while it has child scopes or member users
    /// ([`delete_scope_moving`](Self::delete_scope_moving) moves them);
    /// [`Error::PermissionDenied`]; [`Error::UnknownScope`]; [`Error::AdministratorProtected`]
    /// or [`Error::SuperadminOnly`] when an administrator's access or an administrator-tier
    /// grant would end; and the errors of [every change](Directory#errors-of-every-change).
    pub fn delete_scope(&self, actor: UserId, scope: ScopeId) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::DeleteScope, |p| {
            p.delete_scope(actor, scope, false)
        })
    }

    /// Deletes a scope, moving its child scopes to its parent (roots when it has none) and
    /// its members to its parent when that is a team (otherwise they only leave it), in one
    /// commit.
    ///
    /// # Errors
    /// As [`delete_scope`](Self::delete_scope) (never [`Error::ScopeNotEmpty`]), and as
    /// [`move_scope`](Self::move_scope) for each child moved.
    pub fn delete_scope_moving(&self, actor: UserId, scope: ScopeId) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::DeleteScope, |p| {
            p.delete_scope(actor, scope, true)
        })
    }

    /// Grants `role` to `user` for `scope` and everything below it, as Genesys grants a role
    /// per division: a user can be Supervisor of Sales and Analyst of Support. The role's
    /// permissions then apply only to data of that subtree
    /// ([`check_scoped`](Self::check_scoped), [`allowed_scopes`](Self::allowed_scopes)), and
    /// to the users of the teams in it ([`check_user`](Self::check_user)).
    ///
    /// # Examples
    ///
    /// ```
    /// use rolecall::{Directory, NewRole, NewUser, Permission, Preset, ScopeKind};
    /// let dir = Directory::in_memory();
    /// let acme = dir.create_tenant("Acme", &NewUser::new("Ada", "Root", "ada@acme.test"), &[Preset::Managers])?;
    /// let root = acme.superadmin;
    /// let sales = dir.create_scope(root, ScopeKind::Team, "Sales")?;
    /// let q1 = dir.create_scope_under(root, sales, ScopeKind::Queue, "Sales EN")?;
    /// let support = dir.create_scope(root, ScopeKind::Team, "Support")?;
    /// let sup = dir.create_role(root, &NewRole::new("Supervisor", Permission::REPORTS_VIEW | Permission::CAMPAIGNS_CONTROL))?;
    /// let olga = dir.create_user(root, &NewUser::new("Olga", "Ivanova", "olga@acme.test"))?;
    /// dir.grant_role_in_scope(root, olga, sup, sales)?;
    /// assert!(dir.check_scoped(olga, Permission::CAMPAIGNS_CONTROL, q1)); // below Sales
    /// assert!(!dir.check_scoped(olga, Permission::CAMPAIGNS_CONTROL, support));
    /// # Ok::<(), rolecall::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] without `users.manage`, [`Error::OutsideTeams`] when the
    /// actor holds it only for teams the user is not in; [`Error::UnknownUser`],
    /// [`Error::UnknownRole`], [`Error::UnknownScope`], [`Error::WrongTenant`];
    /// [`Error::SuperadminOnly`] for an administrator-tier role; [`Error::Escalation`] when the
    /// actor does not hold the role's permissions for that scope;
    /// [`Error::SuperadminProtected`] or [`Error::AdministratorProtected`]; and the errors of
    /// [every change](Directory#errors-of-every-change).
    pub fn grant_role_in_scope(
        &self,
        actor: UserId,
        user: UserId,
        role: RoleId,
        scope: ScopeId,
    ) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::GrantRoleInScope, |p| {
            p.grant_role_in_scope(actor, user, role, scope)
        })
    }

    /// Takes back a role granted for a scope (nothing when not granted).
    ///
    /// # Errors
    /// As [`grant_role_in_scope`](Self::grant_role_in_scope), without the escalation check.
    pub fn revoke_role_in_scope(
        &self,
        actor: UserId,
        user: UserId,
        role: RoleId,
        scope: ScopeId,
    ) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::RevokeRoleInScope, |p| {
            p.revoke_role_in_scope(actor, user, role, scope)
        })
    }

    /// Makes `user` a member of exactly the teams `teams` (scopes of kind
    /// [`ScopeKind::Team`]). Whoever holds a right for one of them, or a scope above it, may
    /// act on the user with it ([`check_user`](Self::check_user)). An actor holding
    /// `users.manage` only within teams must administer every team it adds or removes, and
    /// cannot take the user out of its teams.
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] without `users.manage`; [`Error::OutsideTeams`];
    /// [`Error::NotATeam`]; [`Error::UnknownUser`], [`Error::UnknownScope`],
    /// [`Error::WrongTenant`]; [`Error::SuperadminProtected`] or
    /// [`Error::AdministratorProtected`]; and the errors of [every
    /// change](Directory#errors-of-every-change).
    pub fn set_user_teams(
        &self,
        actor: UserId,
        user: UserId,
        teams: &[ScopeId],
    ) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::SetUserTeams, |p| {
            p.set_user_teams(actor, user, teams)
        })
    }

    /// The members of a team, in id order (unchecked: for trusted host code).
    ///
    /// # Errors
    /// [`Error::UnknownScope`].
    pub fn team_members(&self, team: ScopeId) -> Result<Vec<UserId>, Error> {
        let m = self.read();
        if !m.scopes.contains_key(&team) {
            return Err(Error::UnknownScope(team.to_string()));
        }
        Ok(m.team_members
            .get(&team)
            .into_iter()
            .flatten()
            .copied()
            .collect())
    }

    /// The scopes directly below `scope`, in id order.
    ///
    /// # Errors
    /// [`Error::UnknownScope`].
    pub fn child_scopes(&self, scope: ScopeId) -> Result<Vec<ScopeId>, Error> {
        let m = self.read();
        if !m.scopes.contains_key(&scope) {
            return Err(Error::UnknownScope(scope.to_string()));
        }
        Ok(m.scope_children
            .get(&scope)
            .into_iter()
            .flatten()
            .copied()
            .collect())
    }

    /// Authorises a user for a call group / IVR (a grant of its scoped rights there).
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] without `users.manage`; [`Error::UnknownUser`],
    /// [`Error::UnknownScope`]; [`Error::SuperadminProtected`] or [`Error::AdministratorProtected`]
    /// for the superadministrator's or (unless the actor is the superadministrator) an
    /// administrator's account; [`Error::Escalation`] when the actor lacks the user's scoped rights
    /// in that call group / IVR; and the errors of [every
    /// change](Directory#errors-of-every-change).
    pub fn assign_scope(&self, actor: UserId, user: UserId, scope: ScopeId) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::AssignScope, |p| {
            p.assign_scope(actor, user, scope)
        })
    }

    /// Withdraws a call group / IVR from a user.
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] without `users.manage`; [`Error::UnknownUser`],
    /// [`Error::UnknownScope`]; [`Error::SuperadminProtected`] or [`Error::AdministratorProtected`]
    /// for the superadministrator's or (unless the actor is the superadministrator) an
    /// administrator's account; and the errors of [every change](Directory#errors-of-every-change).
    pub fn unassign_scope(&self, actor: UserId, user: UserId, scope: ScopeId) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::UnassignScope, |p| {
            p.unassign_scope(actor, user, scope)
        })
    }

    /// Replaces the call groups / IVRs assigned to a user.
    ///
    /// # Errors
    /// As [`assign_scope`](Self::assign_scope) for each scope added and
    /// [`unassign_scope`](Self::unassign_scope) for each taken away.
    pub fn set_user_scopes(
        &self,
        actor: UserId,
        user: UserId,
        scopes: &[ScopeId],
    ) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::SetUserScopes, |p| {
            p.set_user_scopes(actor, user, scopes)
        })
    }

    /// A scope resource.
    ///
    /// # Errors
    /// [`Error::UnknownScope`].
    pub fn scope(&self, id: ScopeId) -> Result<Scope, Error> {
        self.read()
            .scopes
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::UnknownScope(id.to_string()))
    }

    /// Every call group and IVR of a tenant, in id order.
    ///
    /// # Errors
    /// [`Error::UnknownTenant`]; [`Error::Closed`] after [`close`](Directory::close).
    pub fn scopes(&self, tenant: TenantId) -> Result<Vec<Scope>, Error> {
        self.with_tenant(tenant, |m| {
            m.scopes
                .values()
                .filter(|s| s.tenant == tenant)
                .cloned()
                .collect()
        })
    }
}

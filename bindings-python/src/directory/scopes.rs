//! Scopes: teams, call groups / IVRs and other kinds, their tree and grants.

use pyo3::prelude::*;

use crate::convert::{KindArg, RoleArg, ScopeArg, ScopeList, TenantArg, UserArg};
use crate::errors::OrRaise;
use crate::records::PyScope;

use super::PyDirectory;

#[pymethods]
impl PyDirectory {
    // ======================= scopes =======================

    /// Creates a scope; returns its id. `kind` is a `ScopeKind` (or its name), or the name of
    /// a tenant-defined kind (`"brand"`: lowercase letters, digits and `_`, starting with a
    /// letter, at most 24 characters). With `parent` None it is a root (needs `scopes.manage`
    /// unscoped); otherwise it is created below `parent` (any kind below any kind), and needs
    /// `scopes.manage` for `parent` or a scope above it (delegated administration).
    #[pyo3(signature = (actor, kind, name, parent = None))]
    fn create_scope(
        &self,
        py: Python<'_>,
        actor: UserArg,
        kind: KindArg,
        name: String,
        parent: Option<ScopeArg>,
    ) -> PyResult<u64> {
        self.write(py, |d| match parent {
            None => d.create_scope(actor.0, kind.0, &name),
            Some(p) => d.create_scope_under(actor.0, p.0, kind.0, &name),
        })
        .map(|id| id.0)
    }

    /// Moves `scope`, with everything below it, under `parent` (None: makes it a root). Needs
    /// `scopes.manage` for the scope and the new parent (unscoped for a root); raises
    /// `ConflictError` (kind `scope_cycle`) when `parent` is the scope or below it.
    #[pyo3(signature = (actor, scope, parent))]
    fn move_scope(
        &self,
        py: Python<'_>,
        actor: UserArg,
        scope: ScopeArg,
        parent: Option<ScopeArg>,
    ) -> PyResult<()> {
        self.write(py, |d| d.move_scope(actor.0, scope.0, parent.map(|p| p.0)))
    }

    /// Deletes a scope, unassigning it from everyone and ending the roles granted for it.
    /// Raises `ConflictError` (kind `scope_not_empty`) while it has child scopes or team
    /// members: `delete_scope_moving` moves them first.
    fn delete_scope(&self, py: Python<'_>, actor: UserArg, scope: ScopeArg) -> PyResult<()> {
        self.write(py, |d| d.delete_scope(actor.0, scope.0))
    }

    /// Deletes a scope, moving its child scopes to its parent (roots when it has none) and its
    /// members to its parent when that is a team (otherwise they only leave it), in one commit.
    fn delete_scope_moving(&self, py: Python<'_>, actor: UserArg, scope: ScopeArg) -> PyResult<()> {
        self.write(py, |d| d.delete_scope_moving(actor.0, scope.0))
    }

    /// Grants `role` to `user` for `scope` and everything below it: its permissions then apply
    /// only to data of that subtree (`check_scoped`, `allowed_scopes`) and to the members of
    /// the teams in it (`check_user`). A grant: the actor must hold the role's rights there.
    fn grant_role_in_scope(
        &self,
        py: Python<'_>,
        actor: UserArg,
        user: UserArg,
        role: RoleArg,
        scope: ScopeArg,
    ) -> PyResult<()> {
        self.write(py, |d| {
            d.grant_role_in_scope(actor.0, user.0, role.0, scope.0)
        })
    }

    /// Takes back a role granted for a scope (nothing when it is not granted).
    fn revoke_role_in_scope(
        &self,
        py: Python<'_>,
        actor: UserArg,
        user: UserArg,
        role: RoleArg,
        scope: ScopeArg,
    ) -> PyResult<()> {
        self.write(py, |d| {
            d.revoke_role_in_scope(actor.0, user.0, role.0, scope.0)
        })
    }

    /// Makes `user` a member of exactly `teams` (scopes of kind `ScopeKind.TEAM`; another kind
    /// raises `InvalidInputError`, kind `not_a_team`). An actor holding `users.manage` only
    /// within teams must administer every team it adds or removes (`PermissionDeniedError`,
    /// kind `outside_teams`).
    fn set_user_teams(
        &self,
        py: Python<'_>,
        actor: UserArg,
        user: UserArg,
        teams: ScopeList,
    ) -> PyResult<()> {
        self.write(py, |d| d.set_user_teams(actor.0, user.0, &teams.0))
    }

    /// Ids of the members of a team, in id order (unchecked: for trusted host code).
    fn team_members(&self, team: ScopeArg) -> PyResult<Vec<u64>> {
        let ids = self.d()?.team_members(team.0).or_raise()?;
        Ok(ids.into_iter().map(|u| u.0).collect())
    }

    /// Ids of the scopes directly below `scope`, in id order.
    fn child_scopes(&self, scope: ScopeArg) -> PyResult<Vec<u64>> {
        let ids = self.d()?.child_scopes(scope.0).or_raise()?;
        Ok(ids.into_iter().map(|s| s.0).collect())
    }

    /// Authorises a user for a call group / IVR (a grant of its scoped rights there).
    fn assign_scope(
        &self,
        py: Python<'_>,
        actor: UserArg,
        user: UserArg,
        scope: ScopeArg,
    ) -> PyResult<()> {
        self.write(py, |d| d.assign_scope(actor.0, user.0, scope.0))
    }

    /// Withdraws a call group / IVR from a user.
    fn unassign_scope(
        &self,
        py: Python<'_>,
        actor: UserArg,
        user: UserArg,
        scope: ScopeArg,
    ) -> PyResult<()> {
        self.write(py, |d| d.unassign_scope(actor.0, user.0, scope.0))
    }

    /// Replaces the call groups / IVRs assigned to a user.
    fn set_user_scopes(
        &self,
        py: Python<'_>,
        actor: UserArg,
        user: UserArg,
        scopes: ScopeList,
    ) -> PyResult<()> {
        self.write(py, |d| d.set_user_scopes(actor.0, user.0, &scopes.0))
    }

    /// A scope.
    fn scope(&self, id: ScopeArg) -> PyResult<PyScope> {
        self.d()?.scope(id.0).map(PyScope).or_raise()
    }

    /// Every scope of a tenant (of every kind), in id order.
    fn scopes(&self, tenant: TenantArg) -> PyResult<Vec<PyScope>> {
        let scopes = self.d()?.scopes(tenant.0).or_raise()?;
        Ok(scopes.into_iter().map(PyScope).collect())
    }
}

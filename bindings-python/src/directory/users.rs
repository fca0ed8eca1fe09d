//! Users: creation, changes, roles, reads and searches.

use pyo3::prelude::*;
use rolecall::{UserPatch, UserQuery};

use crate::convert::{extract_items, GroupList, RoleArg, RoleList, ScopeList, TenantArg, UserArg};
use crate::credentials::SecretArg;
use crate::errors::OrRaise;
use crate::records::{new_user, GrantList, NewUserArg, PyPage, PyUser};

use super::{PhoneArg, PyDirectory};

#[pymethods]
impl PyDirectory {
    // ======================= users =======================

    /// Creates a user in the actor's tenant; returns its id. Needs `users.manage`; every role
    /// is a grant (the actor must hold its rights). `password` sets an initial password
    /// (checked against the tenant's policy once the actor is known to be allowed, hashed with
    /// the GIL released), `temporary` by default like every password set by someone else (to
    /// be changed at first login); `temporary=False` only for a password the user chose.
    /// `scopes` restrict the user to call groups / IVRs (as `set_user_scopes`; its roles are
    /// granted within them), `groups` are joined, each under the rules of `add_member`,
    /// `teams` are the teams the user is a member of (as `set_user_teams`), and `grants` roles
    /// held for one scope each (`ScopeGrant`s or `(role, scope)` pairs, as
    /// `grant_role_in_scope`): all in the same commit.
    #[pyo3(
        signature = (actor, *, first_name, last_name, email, phone = None, roles = RoleList::default(), scopes = ScopeList::default(), groups = GroupList::default(), active = true, password = None, temporary = true, teams = ScopeList::default(), grants = GrantList::default(), external_id = None),
        text_signature = "($self, actor, *, first_name, last_name, email, phone=None, roles=(), scopes=(), groups=(), active=True, password=None, temporary=True, teams=(), grants=(), external_id=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn create_user(
        &self,
        py: Python<'_>,
        actor: UserArg,
        first_name: String,
        last_name: String,
        email: String,
        phone: Option<String>,
        roles: RoleList,
        scopes: ScopeList,
        groups: GroupList,
        active: bool,
        password: Option<SecretArg>,
        temporary: bool,
        teams: ScopeList,
        grants: GrantList,
        external_id: Option<String>,
    ) -> PyResult<u64> {
        let mut u = new_user(first_name, last_name, email, phone, roles, active);
        u.external_id = external_id;
        u.scopes = scopes.0;
        u.groups = groups.0;
        u.teams = teams.0;
        u.grants = grants.0;
        u.password = password.map(|p| p.0);
        u.temporary = temporary;
        self.write(py, |d| d.create_user(actor.0, &u))
            .map(|id| id.0)
    }

    /// Creates many users in one atomic commit (an import): all of them or, when one is
    /// refused, none. Each is a `NewUser` or a dict of its fields; returns the new ids in order.
    /// At most `Directory.MAX_PASSWORDS_PER_CALL` (1000) of them may carry a password (each
    /// costs one argon2id hash, spent only once the whole import is authorised).
    fn create_users(
        &self,
        py: Python<'_>,
        actor: UserArg,
        users: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<u64>> {
        let items: Vec<NewUserArg> = extract_items(users, "users")?;
        let users: Vec<_> = items.into_iter().map(|u| u.0).collect();
        let ids = self.write(py, |d| d.create_users(actor.0, &users))?;
        Ok(ids.into_iter().map(|u| u.0).collect())
    }

    /// Edits a user's name, email, phone or external id; an argument left out is unchanged,
    /// `phone=None` removes the phone and `external_id=None` the external id. Needs
    /// `users.manage`, or `profile.edit` for oneself (never for the external id).
    #[pyo3(signature = (actor, user, *, first_name = None, last_name = None, email = None, phone = PhoneArg::Unchanged, external_id = PhoneArg::Unchanged))]
    #[allow(clippy::too_many_arguments)]
    fn update_user(
        &self,
        py: Python<'_>,
        actor: UserArg,
        user: UserArg,
        first_name: Option<String>,
        last_name: Option<String>,
        email: Option<String>,
        phone: PhoneArg,
        external_id: PhoneArg,
    ) -> PyResult<()> {
        let patch = UserPatch {
            first_name,
            last_name,
            email,
            phone: match phone {
                PhoneArg::Unchanged => None,
                PhoneArg::Remove => Some(None),
                PhoneArg::Set(p) => Some(Some(p)),
            },
            external_id: match external_id {
                PhoneArg::Unchanged => None,
                PhoneArg::Remove => Some(None),
                PhoneArg::Set(x) => Some(Some(x)),
            },
        };
        self.write(py, |d| d.update_user(actor.0, user.0, &patch))
    }

    /// Activates or deactivates a user. An inactive user holds nothing and cannot log in.
    fn set_active(
        &self,
        py: Python<'_>,
        actor: UserArg,
        user: UserArg,
        active: bool,
    ) -> PyResult<()> {
        self.write(py, |d| d.set_active(actor.0, user.0, active))
    }

    /// Deletes a user with its memberships and agreement levels.
    fn delete_user(&self, py: Python<'_>, actor: UserArg, user: UserArg) -> PyResult<()> {
        self.write(py, |d| d.delete_user(actor.0, user.0))
    }

    /// Gives a user a role (a grant: the actor must hold the role's rights).
    fn assign_role(
        &self,
        py: Python<'_>,
        actor: UserArg,
        user: UserArg,
        role: RoleArg,
    ) -> PyResult<()> {
        self.write(py, |d| d.assign_role(actor.0, user.0, role.0))
    }

    /// Takes a role from a user.
    fn revoke_role(
        &self,
        py: Python<'_>,
        actor: UserArg,
        user: UserArg,
        role: RoleArg,
    ) -> PyResult<()> {
        self.write(py, |d| d.revoke_role(actor.0, user.0, role.0))
    }

    /// Replaces the roles a user holds directly.
    fn set_user_roles(
        &self,
        py: Python<'_>,
        actor: UserArg,
        user: UserArg,
        roles: RoleList,
    ) -> PyResult<()> {
        self.write(py, |d| d.set_user_roles(actor.0, user.0, &roles.0))
    }

    /// A user. Unchecked: a read for trusted host code; `user_as` reads as an acting user.
    fn user(&self, id: UserArg) -> PyResult<PyUser> {
        self.d()?.user(id.0).map(PyUser).or_raise()
    }

    /// A user, if `actor` may view it (`check_user` with `users.view`). Raises
    /// `NotFoundError` for an unknown user or one of another tenant (as if it did not exist),
    /// `PermissionDeniedError` without `users.view`, and `PermissionDeniedError` (kind
    /// `outside_teams`) when `actor` holds it only for teams the user is not in.
    fn user_as(&self, actor: UserArg, user: UserArg) -> PyResult<PyUser> {
        self.d()?.user_as(actor.0, user.0).map(PyUser).or_raise()
    }

    /// The user of `tenant` with this email (trimmed, case-insensitive).
    fn user_by_email(&self, tenant: TenantArg, email: &str) -> PyResult<PyUser> {
        self.d()?
            .user_by_email(tenant.0, email)
            .map(PyUser)
            .or_raise()
    }

    /// The user of `tenant` with this external id (compared exactly).
    fn user_by_external_id(&self, tenant: TenantArg, external_id: &str) -> PyResult<PyUser> {
        self.d()?
            .user_by_external_id(tenant.0, external_id)
            .map(PyUser)
            .or_raise()
    }

    /// Searches the users of a tenant, in id order: `text` is found case-insensitively in the
    /// name or email, or in the phone however it is formatted (None or blank matches everyone);
    /// `active_only` keeps active users; `offset` and `limit` (1 to 1000) page the result.
    /// Unchecked: a search for trusted host code; `search_users_as` searches as an acting
    /// user, showing only whom that user may view.
    #[pyo3(signature = (tenant, text = None, *, active_only = false, offset = 0, limit = 50))]
    fn search_users(
        &self,
        py: Python<'_>,
        tenant: TenantArg,
        text: Option<String>,
        active_only: bool,
        offset: usize,
        limit: usize,
    ) -> PyResult<PyPage> {
        let q = UserQuery {
            text,
            active_only,
            offset,
            limit,
            ..UserQuery::default()
        };
        self.write(py, |d| d.search_users(tenant.0, &q))
            .map(PyPage::from)
    }

    /// `search_users` in `actor`'s tenant, showing only the users `actor` may view
    /// (`check_user` with `users.view`): everyone for an actor holding it unscoped, the
    /// members of its teams (and of the teams below them) for one holding it for teams,
    /// nobody for one without it; `total` and paging count only those. `search_users` is the
    /// unchecked search for trusted host code.
    #[pyo3(signature = (actor, text = None, *, active_only = false, offset = 0, limit = 50))]
    fn search_users_as(
        &self,
        py: Python<'_>,
        actor: UserArg,
        text: Option<String>,
        active_only: bool,
        offset: usize,
        limit: usize,
    ) -> PyResult<PyPage> {
        let q = UserQuery {
            text,
            active_only,
            offset,
            limit,
            ..UserQuery::default()
        };
        self.write(py, |d| d.search_users_as(actor.0, &q))
            .map(PyPage::from)
    }

    /// Users of `tenant` who have not logged in for `days` days (never-logged-in users count
    /// from their creation): accounts to remove.
    fn users_inactive_for(&self, tenant: TenantArg, days: u32) -> PyResult<Vec<PyUser>> {
        let users = self.d()?.users_inactive_for(tenant.0, days).or_raise()?;
        Ok(users.into_iter().map(PyUser).collect())
    }
}

//! Checks and explanations.

use pyo3::prelude::*;

use crate::convert::{
    enum_to_py, permission_to_py, AgreementArg, KindArg, Perm, ProductArg, ScopeArg, TenantArg,
    UserArg, ACCESS_LEVEL,
};
use crate::errors::OrRaise;
use crate::records::{PyExplanation, PyScopeAccess};
use crate::snapshot::check_many;

use super::PyDirectory;

#[pymethods]
impl PyDirectory {
    // ======================= checks =======================

    /// May `user` do `permission`? Lock-free; False for an unknown or inactive user.
    /// `permission` is a `Permission` (several OR-ed together: all of them are needed), its
    /// int bits, or one dotted name (`"campaigns.view"`).
    #[pyo3(signature = (user, permission))]
    fn check(&self, user: UserArg, permission: Perm) -> PyResult<bool> {
        Ok(self.d()?.check(user.0, permission.0))
    }

    /// May `user` do `permission` on data of `scope`? A right held unscoped applies to every
    /// scope of the tenant; one held for a scope (a scoped role on assigned call groups /
    /// IVRs, or `grant_role_in_scope`) to that scope and everything below it.
    #[pyo3(signature = (user, permission, scope))]
    fn check_scoped(&self, user: UserArg, permission: Perm, scope: ScopeArg) -> PyResult<bool> {
        Ok(self.d()?.check_scoped(user.0, permission.0, scope.0))
    }

    /// May `actor` do `permission` on user `target` ("my team only")? True when `actor` holds
    /// it unscoped, or for a team `target` is a member of (on the team or a scope above it).
    /// Lock-free; never across tenants; False for unknown users.
    #[pyo3(signature = (actor, permission, target))]
    fn check_user(&self, actor: UserArg, permission: Perm, target: UserArg) -> PyResult<bool> {
        Ok(self.d()?.check_user(actor.0, permission.0, target.0))
    }

    /// Checks many (user, permission) pairs at one revision, crossing into Rust once.
    /// `users`: a sequence, iterable or integer buffer (`array.array`, NumPy array) of user
    /// ids. `permissions`: one permission for every user, or one per user. Returns a list of
    /// bools, or with `as_bytes=True` one byte (0 or 1) per pair.
    #[pyo3(signature = (users, permissions, *, as_bytes = false))]
    fn check_many<'py>(
        &self,
        py: Python<'py>,
        users: &Bound<'py, PyAny>,
        permissions: &Bound<'py, PyAny>,
        as_bytes: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        check_many(py, self.d()?.snapshot(), users, permissions, as_bytes)
    }

    /// Which scopes `user` may see for `permission`: `ScopeAccess.ALL`, or an explicit set
    /// (every scope it holds the permission for, with everything below them). With `kind`
    /// (a `ScopeKind`, its name, or a tenant-defined kind's name), only scopes of that kind:
    /// `ScopeAccess.ALL` then means every scope of that kind.
    #[pyo3(signature = (user, permission, kind = None))]
    fn allowed_scopes(
        &self,
        user: UserArg,
        permission: Perm,
        kind: Option<KindArg>,
    ) -> PyResult<PyScopeAccess> {
        let d = self.d()?;
        match kind {
            None => d.allowed_scopes(user.0, permission.0),
            Some(k) => d.allowed_scopes_of_kind(user.0, permission.0, k.0),
        }
        .map(PyScopeAccess)
        .or_raise()
    }

    /// The effective permissions of a user (its roles and its groups' roles).
    fn effective_permissions<'py>(
        &self,
        py: Python<'py>,
        user: UserArg,
    ) -> PyResult<Bound<'py, PyAny>> {
        let p = self.d()?.effective_permissions(user.0).or_raise()?;
        permission_to_py(py, p)
    }

    /// Ids of the users of `tenant` holding `permission` (within `scope` when given), in id
    /// order.
    #[pyo3(signature = (tenant, permission, scope = None))]
    fn users_with_permission(
        &self,
        py: Python<'_>,
        tenant: TenantArg,
        permission: Perm,
        scope: Option<ScopeArg>,
    ) -> PyResult<Vec<u64>> {
        let ids = self.write(py, |d| {
            d.users_with_permission(tenant.0, permission.0, scope.map(|s| s.0))
        })?;
        Ok(ids.into_iter().map(|u| u.0).collect())
    }

    /// The access level of `user` on `product` of `agreement` (NO_ACCESS for an unknown
    /// agreement or user).
    fn access_level<'py>(
        &self,
        py: Python<'py>,
        agreement: AgreementArg,
        user: UserArg,
        product: ProductArg,
    ) -> PyResult<Bound<'py, PyAny>> {
        let level = self.d()?.access_level(agreement.0, user.0, product.0);
        enum_to_py(py, &ACCESS_LEVEL, level.name())
    }

    /// May `user` listen to the call recordings of PBX subscriber `subscriber` (002)?
    fn may_listen_recordings(
        &self,
        agreement: AgreementArg,
        user: UserArg,
        subscriber: &str,
    ) -> PyResult<bool> {
        Ok(self
            .d()?
            .may_listen_recordings(agreement.0, user.0, subscriber))
    }

    /// May `user` use click-to-call as PBX subscriber `subscriber` (002)?
    fn may_click_to_call(
        &self,
        agreement: AgreementArg,
        user: UserArg,
        subscriber: &str,
    ) -> PyResult<bool> {
        Ok(self.d()?.may_click_to_call(agreement.0, user.0, subscriber))
    }

    /// Why `check(user, permission)` answers as it does: the roles and groups granting it.
    fn explain(&self, user: UserArg, permission: Perm) -> PyResult<PyExplanation> {
        self.d()?
            .explain(user.0, permission.0)
            .map(PyExplanation)
            .or_raise()
    }
}

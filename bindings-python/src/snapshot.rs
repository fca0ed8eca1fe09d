//! `Snapshot`: an immutable view of the directory at one revision, and the batch check shared
//! with `Directory.check_many`.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};
use rolecall::{Error, Snapshot};

use crate::convert::{
    batch_permissions, batch_users, enum_to_py, permission_to_py, AgreementArg, BatchPerms,
    KindArg, Perm, ProductArg, ScopeArg, TenantArg, UserArg, ACCESS_LEVEL,
};
use crate::errors::OrRaise;
use crate::records::PyScopeAccess;

/// Batches at least this long run with the GIL released.
const DETACH_BATCH: usize = 4096;

/// Answers a batch from one snapshot: `list[bool]`, or `bytes` (one 0/1 byte per pair).
pub(crate) fn check_many<'py>(
    py: Python<'py>,
    snap: Arc<Snapshot>,
    users: &Bound<'py, PyAny>,
    permissions: &Bound<'py, PyAny>,
    as_bytes: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let users = batch_users(users)?;
    let perms = batch_permissions(permissions)?;
    if let BatchPerms::Each(p) = &perms {
        if p.len() != users.len() {
            return Err(Error::InvalidArgument {
                what: "permissions",
                reason: format!(
                    "{} permissions for {} users: give one permission, or one per user",
                    p.len(),
                    users.len()
                ),
            })
            .or_raise();
        }
    }
    let detach = users.len() >= DETACH_BATCH;
    let run = move || -> Vec<bool> {
        match perms {
            BatchPerms::One(p) => users.iter().map(|u| snap.check(*u, p)).collect(),
            BatchPerms::Each(p) => {
                let mut out = vec![false; users.len()];
                snap.check_many(&users, &p, &mut out);
                out
            }
        }
    };
    let out = if detach { py.detach(run) } else { run() };
    if as_bytes {
        let raw: Vec<u8> = out.into_iter().map(u8::from).collect();
        return Ok(PyBytes::new(py, &raw).into_any());
    }
    Ok(PyList::new(py, out)?.into_any())
}

/// An immutable, compiled view of the directory at one revision: every answer it gives is
/// consistent with every other, whatever changes meanwhile. Cheap to take (`Directory.snapshot()`)
/// and safe to share between threads. Checks only; use the `Directory` for records.
#[pyclass(frozen, module = "rolecall", name = "Snapshot")]
pub struct PySnapshot(pub Arc<Snapshot>);

#[pymethods]
impl PySnapshot {
    /// The directory revision this snapshot reflects.
    #[getter]
    fn revision(&self) -> u64 {
        self.0.revision()
    }

    /// Heap bytes this snapshot holds (user slots, call-group lists, agreements' levels).
    fn memory_bytes(&self) -> usize {
        self.0.memory_bytes()
    }

    /// May `user` do `permission`? False for an unknown or inactive user.
    #[pyo3(signature = (user, permission))]
    fn check(&self, user: UserArg, permission: Perm) -> bool {
        self.0.check(user.0, permission.0)
    }

    /// May `user` do `permission` on data of `scope` (or of a scope above it)?
    #[pyo3(signature = (user, permission, scope))]
    fn check_scoped(&self, user: UserArg, permission: Perm, scope: ScopeArg) -> bool {
        self.0.check_scoped(user.0, permission.0, scope.0)
    }

    /// May `actor` do `permission` on user `target` ("my team only")? As
    /// `Directory.check_user`, at this revision.
    #[pyo3(signature = (actor, permission, target))]
    fn check_user(&self, actor: UserArg, permission: Perm, target: UserArg) -> bool {
        self.0.check_user(actor.0, permission.0, target.0)
    }

    /// Checks many (user, permission) pairs at this revision, crossing into Rust once.
    /// `users`: a sequence, iterable or integer buffer of user ids. `permissions`: one
    /// permission for every user, or one per user. Returns a list of bools, or with
    /// `as_bytes=True` one byte (0 or 1) per pair.
    #[pyo3(signature = (users, permissions, *, as_bytes = false))]
    fn check_many<'py>(
        &self,
        py: Python<'py>,
        users: &Bound<'py, PyAny>,
        permissions: &Bound<'py, PyAny>,
        as_bytes: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        check_many(py, self.0.clone(), users, permissions, as_bytes)
    }

    /// The effective permissions of `user` (its roles and its groups' roles).
    fn effective_permissions<'py>(
        &self,
        py: Python<'py>,
        user: UserArg,
    ) -> PyResult<Bound<'py, PyAny>> {
        let p = self
            .0
            .effective_permissions(user.0)
            .ok_or_else(|| Error::UnknownUser(user.0.into()))
            .or_raise()?;
        permission_to_py(py, p)
    }

    /// Which scopes `user` may see for `permission` (of `kind` only, when given), as
    /// `Directory.allowed_scopes`, at this revision.
    #[pyo3(signature = (user, permission, kind = None))]
    fn allowed_scopes(
        &self,
        user: UserArg,
        permission: Perm,
        kind: Option<KindArg>,
    ) -> PyResult<PyScopeAccess> {
        self.0
            .allowed_scopes_of(user.0, permission.0, kind.map(|k| k.0))
            .map(PyScopeAccess)
            .ok_or_else(|| Error::UnknownUser(user.0.into()))
            .or_raise()
    }

    /// Ids of the users of `tenant` holding `permission` (within `scope` when given).
    #[pyo3(signature = (tenant, permission, scope = None))]
    fn users_with_permission(
        &self,
        py: Python<'_>,
        tenant: TenantArg,
        permission: Perm,
        scope: Option<ScopeArg>,
    ) -> Vec<u64> {
        let snap = &self.0;
        py.detach(|| {
            snap.users_with_permission(tenant.0, permission.0, scope.map(|s| s.0))
                .into_iter()
                .map(|u| u.0)
                .collect()
        })
    }

    /// The access level of `user` on `product` of `agreement` (NO_ACCESS when unknown).
    fn access_level<'py>(
        &self,
        py: Python<'py>,
        agreement: AgreementArg,
        user: UserArg,
        product: ProductArg,
    ) -> PyResult<Bound<'py, PyAny>> {
        let level = self.0.access_level(agreement.0, user.0, product.0);
        enum_to_py(py, &ACCESS_LEVEL, level.name())
    }

    /// Whether `user` may listen to the recordings of PBX subscriber `subscriber` and use
    /// click-to-call for it on `agreement` (002).
    fn may_use_subscriber(&self, agreement: AgreementArg, user: UserArg, subscriber: &str) -> bool {
        self.0.may_use_subscriber(agreement.0, user.0, subscriber)
    }

    fn __repr__(&self) -> String {
        format!("Snapshot(revision={})", self.0.revision())
    }
}

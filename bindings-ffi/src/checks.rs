//! Checks and reverse queries. The plain, scoped and batch checks are the hot path: lock-free,
//! and they allocate nothing.

use std::ffi::c_char;

use rolecall::{AgreementId, ScopeAccess, ScopeId, Snapshot, TenantId, UserId};

use crate::conv::boxed;
use crate::directory::{rolecall_directory, rolecall_snapshot};
use crate::records::*;
use crate::status::{boundary_or, rolecall_status, FfiError, FfiResult};
use crate::types::*;

/// May `user` do every permission of `perm`? False for an unknown or inactive user, an empty
/// `perm`, or bits outside the catalogue; a NULL or invalid `dir` also gives false (and sets the
/// last error). Lock-free, allocation-free: the hot path.
///
/// Safety: `dir` is a live handle. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_check(
    dir: *const rolecall_directory,
    user: rolecall_user_id,
    perm: rolecall_permission,
) -> bool {
    boundary_or(false, || Ok(dir!(dir).check(UserId(user), perm.core())))
}

/// May `user` do `perm` on data of call group / IVR `scope`? A scope-restricted permission
/// applies only to the user's assigned scopes, an unrestricted one to every scope of the user's
/// tenant, never to another tenant's. False as rolecall_check(). Lock-free, allocation-free.
///
/// Safety: `dir` is a live handle. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_check_scoped(
    dir: *const rolecall_directory,
    user: rolecall_user_id,
    perm: rolecall_permission,
    scope: rolecall_scope_id,
) -> bool {
    boundary_or(false, || {
        Ok(dir!(dir).check_scoped(UserId(user), perm.core(), ScopeId(scope)))
    })
}

/// May `actor` do every permission of `perm` on user `target` ("my team only")? Yes when the
/// actor holds `perm` unscoped (on any user of its tenant), or for a team the target is a
/// member of, on the team or a scope above it. Never across tenants; false for unknown or
/// inactive users, as rolecall_check(). Lock-free.
///
/// Safety: `dir` is a live handle. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_check_user(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    perm: rolecall_permission,
    target: rolecall_user_id,
) -> bool {
    boundary_or(false, || {
        Ok(dir!(dir).check_user(UserId(actor), perm.core(), UserId(target)))
    })
}

/// rolecall_check_user() on a snapshot.
///
/// Safety: `snapshot` is a live handle. Thread-safe, lock-free.
#[no_mangle]
pub unsafe extern "C" fn rolecall_snapshot_check_user(
    snapshot: *const rolecall_snapshot,
    actor: rolecall_user_id,
    perm: rolecall_permission,
    target: rolecall_user_id,
) -> bool {
    boundary_or(false, || {
        Ok(snap!(snapshot).check_user(UserId(actor), perm.core(), UserId(target)))
    })
}

/// Refuses lengths that disagree before any array is touched.
fn same_lengths(users: usize, perms: usize, results: usize) -> FfiResult<()> {
    if users != perms || users != results {
        return Err(FfiError::Length(format!(
            "check_many needs as many users ({users}), permissions ({perms}) and results \
             ({results})"
        )));
    }
    Ok(())
}

/// Writes `results[i]` for each pair; `results` is checked (non-NULL when needed, aligned) and
/// holds `users.len()` writable bools, whatever they contain now.
fn check_many_in(
    snap: &Snapshot,
    users: &[rolecall_user_id],
    perms: &[rolecall_permission],
    results: crate::conv::OutArray<bool>,
) {
    for (i, (u, p)) in users.iter().zip(perms).enumerate() {
        results.write(i, snap.check(UserId(*u), p.core()));
    }
}

/// Checks many `(users[i], perms[i])` pairs at one revision: `results[i]` answers pair `i`.
/// For IVR engines checking many callers at once. Lock-free, allocation-free.
///
/// Errors: ROLECALL_STATUS_INVALID_LENGTH (nothing written) when the three lengths differ or
/// are too large; ROLECALL_STATUS_NULL_POINTER for a NULL array with a non-zero length.
/// Safety: `dir` is a live handle; each array holds its length of elements. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_check_many(
    dir: *const rolecall_directory,
    users: *const rolecall_user_id,
    users_len: usize,
    perms: *const rolecall_permission,
    perms_len: usize,
    results: *mut bool,
    results_len: usize,
) -> rolecall_status {
    ffi!({
        let d = dir!(dir);
        same_lengths(users_len, perms_len, results_len)?;
        let users = slice!(users, users_len);
        let perms = slice!(perms, perms_len);
        let results = crate::conv::out_array(results, results_len, "results")?;
        check_many_in(&d.snapshot(), users, perms, results);
        Ok(())
    })
}

/// rolecall_check() on a snapshot (its revision, whatever changed since).
///
/// Safety: `snapshot` is a live handle. Thread-safe, lock-free, allocation-free.
#[no_mangle]
pub unsafe extern "C" fn rolecall_snapshot_check(
    snapshot: *const rolecall_snapshot,
    user: rolecall_user_id,
    perm: rolecall_permission,
) -> bool {
    boundary_or(false, || {
        Ok(snap!(snapshot).check(UserId(user), perm.core()))
    })
}

/// rolecall_check_scoped() on a snapshot.
///
/// Safety: `snapshot` is a live handle. Thread-safe, lock-free, allocation-free.
#[no_mangle]
pub unsafe extern "C" fn rolecall_snapshot_check_scoped(
    snapshot: *const rolecall_snapshot,
    user: rolecall_user_id,
    perm: rolecall_permission,
    scope: rolecall_scope_id,
) -> bool {
    boundary_or(false, || {
        Ok(snap!(snapshot).check_scoped(UserId(user), perm.core(), ScopeId(scope)))
    })
}

/// rolecall_check_many() on a snapshot.
///
/// Safety: as rolecall_check_many(), with a live snapshot handle. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_snapshot_check_many(
    snapshot: *const rolecall_snapshot,
    users: *const rolecall_user_id,
    users_len: usize,
    perms: *const rolecall_permission,
    perms_len: usize,
    results: *mut bool,
    results_len: usize,
) -> rolecall_status {
    ffi!({
        let s = snap!(snapshot);
        same_lengths(users_len, perms_len, results_len)?;
        let users = slice!(users, users_len);
        let perms = slice!(perms, perms_len);
        let results = crate::conv::out_array(results, results_len, "results")?;
        check_many_in(s, users, perms, results);
        Ok(())
    })
}

/// The effective permissions of a user (its roles and its groups' roles; nothing when
/// inactive), written into `*out`.
///
/// Errors: ROLECALL_STATUS_UNKNOWN_USER. Safety: `dir` is a live handle; `out` is writable.
/// Thread-safe, lock-free.
#[no_mangle]
pub unsafe extern "C" fn rolecall_effective_permissions(
    dir: *const rolecall_directory,
    user: rolecall_user_id,
    out: *mut rolecall_permission,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        out.write(dir!(dir).effective_permissions(UserId(user))?.into());
        Ok(())
    })
}

/// Which scopes `user` may see for `perm`: all, or an explicit set (possibly empty: every scope
/// it holds `perm` for, with everything below them), so a host can push the filter into its
/// own SQL.
///
/// On success `*out` receives a record owned by the caller (rolecall_scope_access_free()).
/// Errors: ROLECALL_STATUS_UNKNOWN_USER. Safety: `dir` is a live handle; `out` is writable.
/// Thread-safe, lock-free.
#[no_mangle]
pub unsafe extern "C" fn rolecall_allowed_scopes(
    dir: *const rolecall_directory,
    user: rolecall_user_id,
    perm: rolecall_permission,
    out: *mut *mut rolecall_scope_access,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let access = dir!(dir).allowed_scopes(UserId(user), perm.core())?;
        out.write(scope_access(access));
        Ok(())
    })
}

fn scope_access(access: ScopeAccess) -> *mut rolecall_scope_access {
    let (all, ids) = match access {
        ScopeAccess::All => (true, Vec::new()),
        ScopeAccess::Only(ids) => (false, ids.into_iter().map(|s| s.0).collect()),
    };
    let (scopes, scopes_len) = crate::conv::array(ids);
    boxed(rolecall_scope_access {
        all,
        scopes,
        scopes_len,
    })
}

/// rolecall_allowed_scopes() among the scopes of one kind, given by name (`"queue"`, or a
/// custom kind's name): which queues (campaigns, numbers, teams...) `user` may see for `perm`.
/// `all` means every scope of that kind in the tenant.
///
/// On success `*out` receives a record owned by the caller (rolecall_scope_access_free()).
/// Errors: ROLECALL_STATUS_UNKNOWN_USER, _INVALID_ARGUMENT (not a valid kind name).
/// Safety: `dir` is a live handle; `kind` a NUL-terminated string; `out` is writable.
/// Thread-safe, lock-free.
#[no_mangle]
pub unsafe extern "C" fn rolecall_allowed_scopes_of_kind(
    dir: *const rolecall_directory,
    user: rolecall_user_id,
    perm: rolecall_permission,
    kind: *const c_char,
    out: *mut *mut rolecall_scope_access,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let d = dir!(dir);
        let kind: rolecall::ScopeKind = text!(kind).parse()?;
        let access = d.allowed_scopes_of_kind(UserId(user), perm.core(), kind)?;
        out.write(scope_access(access));
        Ok(())
    })
}

/// Users of `tenant` holding `perm`, in id order; within call group / IVR `*scope` when
/// `scope` is not NULL.
///
/// On success `*out` receives a list owned by the caller (rolecall_id_list_free()).
/// Errors: ROLECALL_STATUS_UNKNOWN_TENANT. Safety: `dir` is a live handle; `scope` NULL or a
/// readable id; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_users_with_permission(
    dir: *const rolecall_directory,
    tenant: rolecall_tenant_id,
    perm: rolecall_permission,
    scope: *const rolecall_scope_id,
    out: *mut *mut rolecall_id_list,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let d = dir!(dir);
        // SAFETY: the export's contract: NULL or a readable id.
        let scope = unsafe { scope.as_ref() }.map(|s| ScopeId(*s));
        let users = d.users_with_permission(TenantId(tenant), perm.core(), scope)?;
        out.write(rolecall_id_list::new(users.into_iter().map(|u| u.0)));
        Ok(())
    })
}

/// The access level of `user` on `product` of `agreement`, written into `*out`
/// (ROLECALL_LEVEL_NO_ACCESS for an unknown agreement or user, or an inactive user).
///
/// Errors: ROLECALL_STATUS_UNKNOWN_PRODUCT (a product out of range). Safety: `dir` is a live
/// handle; `out` is writable. Thread-safe, lock-free.
#[no_mangle]
pub unsafe extern "C" fn rolecall_agreement_access_level(
    dir: *const rolecall_directory,
    agreement: rolecall_agreement_id,
    user: rolecall_user_id,
    product: rolecall_product,
    out: *mut rolecall_access_level,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let d = dir!(dir);
        let product = crate::types::product(product)?;
        out.write(d.access_level(AgreementId(agreement), UserId(user), product) as u32);
        Ok(())
    })
}

/// May `user` listen to the call recordings of virtual-PBX subscriber `subscriber` (linked to
/// it on `agreement`, with at least User level on Virtual PBX)? Written into `*out`.
///
/// Safety: `dir` is a live handle; `subscriber` a NUL-terminated string; `out` is writable.
/// Thread-safe, lock-free.
#[no_mangle]
pub unsafe extern "C" fn rolecall_may_listen_recordings(
    dir: *const rolecall_directory,
    agreement: rolecall_agreement_id,
    user: rolecall_user_id,
    subscriber: *const c_char,
    out: *mut bool,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let d = dir!(dir);
        out.write(d.may_listen_recordings(AgreementId(agreement), UserId(user), text!(subscriber)));
        Ok(())
    })
}

/// May `user` use click-to-call as virtual-PBX subscriber `subscriber` (002)? Written into
/// `*out`.
///
/// Safety: `dir` is a live handle; `subscriber` a NUL-terminated string; `out` is writable.
/// Thread-safe, lock-free.
#[no_mangle]
pub unsafe extern "C" fn rolecall_may_click_to_call(
    dir: *const rolecall_directory,
    agreement: rolecall_agreement_id,
    user: rolecall_user_id,
    subscriber: *const c_char,
    out: *mut bool,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let d = dir!(dir);
        out.write(d.may_click_to_call(AgreementId(agreement), UserId(user), text!(subscriber)));
        Ok(())
    })
}

/// Why rolecall_check(user, perm) answers as it does: the roles and groups granting it.
///
/// On success `*out` receives a record owned by the caller (rolecall_explanation_free()).
/// Errors: ROLECALL_STATUS_UNKNOWN_USER, _EMPTY_PERMISSION. Safety: `dir` is a live handle;
/// `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_explain(
    dir: *const rolecall_directory,
    user: rolecall_user_id,
    perm: rolecall_permission,
    out: *mut *mut rolecall_explanation,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let e = dir!(dir).explain(UserId(user), perm.core())?;
        out.write(boxed(e.into()));
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    //! The hot path allocates nothing: counted by a global allocator wrapper.
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    use super::*;
    use crate::records::rolecall_new_user;

    struct Counting;

    thread_local! {
        static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
    }

    // SAFETY: forwards to the system allocator; only counts.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let _ = ALLOCATIONS.try_with(|a| a.set(a.get() + 1));
            // SAFETY: forwarded.
            unsafe { System.alloc(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: forwarded.
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    #[global_allocator]
    static GLOBAL: Counting = Counting;

    fn allocations() -> u64 {
        ALLOCATIONS.with(Cell::get)
    }

    #[test]
    fn checks_allocate_nothing() {
        let mut dir = std::ptr::null_mut();
        let mut created = std::ptr::null_mut();
        let mut root: rolecall_new_user = unsafe { std::mem::zeroed() };
        root.first_name = c"Ada".as_ptr();
        root.last_name = c"Root".as_ptr();
        root.email = c"ada@acme.test".as_ptr();
        let preset = ROLECALL_PRESET_MANAGERS;
        unsafe {
            assert_eq!(crate::rolecall_directory_open_in_memory(&mut dir), 0);
            assert_eq!(
                crate::rolecall_tenant_create(
                    dir,
                    c"Acme".as_ptr(),
                    &root,
                    &preset,
                    1,
                    &mut created
                ),
                0
            );
        }
        let sa = unsafe { (*created).superadmin };
        let perm: rolecall_permission = rolecall::Permission::USERS_MANAGE.into();
        let users = [sa, sa, 999];
        let perms = [perm; 3];
        let mut results = [false; 3];
        // Warm up (the first use of a thread may set up per-thread state once).
        unsafe {
            rolecall_check(dir, sa, perm);
            rolecall_check_scoped(dir, sa, perm, 1);
            rolecall_check_many(
                dir,
                users.as_ptr(),
                3,
                perms.as_ptr(),
                3,
                results.as_mut_ptr(),
                3,
            );
        }
        let before = allocations();
        assert!(before > 0, "the counter counts (setting up allocated)");
        let mut yes = 0;
        for _ in 0..10_000 {
            unsafe {
                yes += usize::from(rolecall_check(dir, sa, perm));
                yes += usize::from(rolecall_check_scoped(dir, sa, perm, 1));
                let st = rolecall_check_many(
                    dir,
                    users.as_ptr(),
                    3,
                    perms.as_ptr(),
                    3,
                    results.as_mut_ptr(),
                    3,
                );
                assert_eq!(st, 0);
            }
        }
        assert_eq!(allocations() - before, 0, "checks allocated");
        assert_eq!(yes, 10_000);
        assert!(results[0] && results[1] && !results[2]);
        unsafe {
            crate::rolecall_tenant_created_free(created);
            crate::rolecall_directory_free(dir);
        }
    }
}

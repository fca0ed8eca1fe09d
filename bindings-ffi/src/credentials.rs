//! Login and credentials (passwords, recovery tokens, lockout, sessions) and the audit log.

use std::ffi::c_char;

use rolecall::{AuditQuery, TenantId, UserId};

use crate::conv::boxed;
use crate::directory::rolecall_directory;
use crate::records::*;
use crate::status::{boundary_or, rolecall_status};
use crate::types::*;

/// Logs a user in by email (case-insensitive) and password. An unknown email, a wrong password
/// and an inactive account all give ROLECALL_STATUS_AUTHENTICATION_FAILED (deliberately
/// indistinguishable); a locked account gives ROLECALL_STATUS_ACCOUNT_LOCKED. Every attempt is
/// audited; repeated failures lock the account per the tenant's policy.
///
/// On success the session is written into `*out` (keep its stamp; see
/// rolecall_session_valid()). Safety: `dir` is a live handle; `email` and `password`
/// NUL-terminated strings; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_login(
    dir: *const rolecall_directory,
    tenant: rolecall_tenant_id,
    email: *const c_char,
    password: *const c_char,
    out: *mut rolecall_session,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let d = dir!(dir);
        let s = d.login(TenantId(tenant), text!(email), text!(password))?;
        out.write(rolecall_session {
            user: s.user.0,
            stamp: s.stamp,
            must_change_password: s.must_change_password,
        });
        Ok(())
    })
}

/// An administrator (`users.manage`) sets another user's password; a `temporary` one must be
/// changed at next login. Invalidates pending recovery tokens and the user's sessions.
///
/// Errors: ROLECALL_STATUS_PERMISSION_DENIED, _WEAK_PASSWORD, _UNKNOWN_USER, ...
/// Safety: `dir` is a live handle; `password` a NUL-terminated string. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_password_set(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    user: rolecall_user_id,
    password: *const c_char,
    temporary: bool,
) -> rolecall_status {
    ffi!({
        let d = dir!(dir);
        d.set_password(UserId(actor), UserId(user), text!(password), temporary)?;
        Ok(())
    })
}

/// A user changes its own password, giving the current one. A wrong current password counts
/// toward the lock like a failed login.
///
/// Errors: ROLECALL_STATUS_AUTHENTICATION_FAILED (wrong current password),
/// _ACCOUNT_LOCKED (while locked, whatever the password), _WEAK_PASSWORD, ...
/// Safety: `dir` is a live handle; `current` and `new_password` NUL-terminated strings.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_password_change(
    dir: *const rolecall_directory,
    user: rolecall_user_id,
    current: *const c_char,
    new_password: *const c_char,
) -> rolecall_status {
    ffi!({
        let d = dir!(dir);
        d.change_password(UserId(user), text!(current), text!(new_password))?;
        Ok(())
    })
}

/// Starts a recovery by email: issues a single-use, expiring token (stored hashed) and queues a
/// PASSWORD_RESET_REQUESTED notification for the host to send.
///
/// On success `*out` receives a record owned by the caller (rolecall_reset_issued_free()), or
/// NULL when no active user has that email (nothing was issued: answer your caller the same way
/// in both cases). Safety: `dir` is a live handle; `email` a NUL-terminated string; `out` is
/// writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_password_reset_request(
    dir: *const rolecall_directory,
    tenant: rolecall_tenant_id,
    email: *const c_char,
    out: *mut *mut rolecall_reset_issued,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let d = dir!(dir);
        let issued = d.request_password_reset(TenantId(tenant), text!(email))?;
        out.write(issued.map_or(std::ptr::null_mut(), |r| {
            boxed(rolecall_reset_issued {
                user: r.user.0,
                token: crate::conv::cstring(r.token.expose()),
                expires_at: r.expires_at,
            })
        }));
        Ok(())
    })
}

/// Sets a new password with a recovery token (single use, expiring, invalidated by any later
/// password change).
///
/// On success `*out` (optional, may be NULL) receives the user's id. Errors:
/// ROLECALL_STATUS_INVALID_TOKEN, _WEAK_PASSWORD. Safety: `dir` is a live handle; `token` and
/// `new_password` NUL-terminated strings. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_password_reset_with_token(
    dir: *const rolecall_directory,
    tenant: rolecall_tenant_id,
    token: *const c_char,
    new_password: *const c_char,
    out: *mut rolecall_user_id,
) -> rolecall_status {
    ffi!({
        let d = dir!(dir);
        let u = d.reset_password_with_token(TenantId(tenant), text!(token), text!(new_password))?;
        if let Some(o) = crate::conv::opt_out(out) {
            o.write(u.0);
        }
        Ok(())
    })
}

/// Unlocks an account locked by failed logins (`users.manage`).
/// Safety: `dir` is a live handle. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_user_unlock(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    user: rolecall_user_id,
) -> rolecall_status {
    ffi!({
        dir!(dir).unlock(UserId(actor), UserId(user))?;
        Ok(())
    })
}

/// Whether the user has a password, must change it, and whether it is locked now; written
/// into `*out`.
///
/// Errors: ROLECALL_STATUS_UNKNOWN_USER. Safety: `dir` is a live handle; `out` is writable.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_credential_status_get(
    dir: *const rolecall_directory,
    user: rolecall_user_id,
    out: *mut rolecall_credential_status,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let s = dir!(dir).credential_status(UserId(user))?;
        out.write(rolecall_credential_status {
            has_password: s.has_password,
            must_change: s.must_change,
            failed_logins: s.failed_logins,
            locked: s.locked_until.is_some(),
            locked_until: s.locked_until.unwrap_or(0),
        });
        Ok(())
    })
}

/// The user's current security stamp, written into `*out`. It changes when the user's own
/// access shrinks (a right, call group / IVR, agreement level or PBX link lost; deactivation)
/// or its password or login email change, and only then.
///
/// Errors: ROLECALL_STATUS_UNKNOWN_USER. Safety: `dir` is a live handle; `out` is writable.
/// Thread-safe, lock-free.
#[no_mangle]
pub unsafe extern "C" fn rolecall_security_stamp(
    dir: *const rolecall_directory,
    user: rolecall_user_id,
    out: *mut u64,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        out.write(dir!(dir).security_stamp(UserId(user))?);
        Ok(())
    })
}

/// Whether a session issued to `user` under `stamp` is still valid: the user exists, is
/// active, and nothing security-relevant changed since. A NULL or invalid `dir` gives false
/// (and sets the last error).
///
/// Safety: `dir` is a live handle. Thread-safe, lock-free.
#[no_mangle]
pub unsafe extern "C" fn rolecall_session_valid(
    dir: *const rolecall_directory,
    user: rolecall_user_id,
    stamp: u64,
) -> bool {
    boundary_or(false, || Ok(dir!(dir).session_valid(UserId(user), stamp)))
}

/// The default audit query (no filter, 100 per page), written into `*out`.
///
/// Safety: `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_audit_query_default(
    out: *mut rolecall_audit_query,
) -> rolecall_status {
    ffi!({
        let q = AuditQuery::default();
        out!(out).write(rolecall_audit_query {
            has_tenant: false,
            tenant: 0,
            has_actor: false,
            actor: 0,
            target_kind: std::ptr::null(),
            has_target_id: false,
            target_id: 0,
            action: std::ptr::null(),
            outcome: std::ptr::null(),
            has_since: false,
            since: 0,
            has_until: false,
            until: 0,
            offset: q.offset,
            limit: q.limit,
        });
        Ok(())
    })
}

/// Audit events matching `query`, oldest first, one page at a time.
///
/// On success `*out` receives a list owned by the caller (rolecall_audit_event_list_free()).
/// Errors: ROLECALL_STATUS_INVALID_ARGUMENT (limit not 1 to 1000, an unknown target kind or
/// action), _STORAGE. Safety: `dir` is a
/// live handle; `query` a valid struct; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_audit_search(
    dir: *const rolecall_directory,
    query: *const rolecall_audit_query,
    out: *mut *mut rolecall_audit_event_list,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let d = dir!(dir);
        let q = input!(query);
        let query = AuditQuery {
            tenant: q.has_tenant.then_some(TenantId(q.tenant)),
            actor: q.has_actor.then_some(UserId(q.actor)),
            target_kind: opt_text!(q.target_kind, "query.target_kind")
                .map(str::parse)
                .transpose()?,
            target_id: q.has_target_id.then_some(q.target_id),
            action: opt_text!(q.action, "query.action")
                .map(str::parse)
                .transpose()?,
            outcome: opt_text!(q.outcome, "query.outcome").map(str::to_owned),
            since: q.has_since.then_some(q.since),
            until: q.has_until.then_some(q.until),
            offset: q.offset,
            limit: q.limit,
        };
        let page = d.audit_events(&query)?;
        let (items, len) = crate::conv::array(page.items.into_iter().map(Into::into).collect());
        out.write(boxed(rolecall_audit_event_list {
            items,
            len,
            total: page.total,
            offset: page.offset,
        }));
        Ok(())
    })
}

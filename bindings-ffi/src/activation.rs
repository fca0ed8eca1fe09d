//! Eligible grants and activation (just-in-time access), and break-glass accounts.

use std::ffi::c_char;

use rolecall::{RoleId, ScopeId, UserId};

use crate::directory::rolecall_directory;
use crate::records::rolecall_window;
use crate::status::rolecall_status;
use crate::types::{rolecall_role_id, rolecall_scope_id, rolecall_user_id};

/// A scope argument where 0 means none (the role held directly).
fn opt_scope(scope: rolecall_scope_id) -> Option<ScopeId> {
    (scope != 0).then_some(ScopeId(scope))
}

/// Makes `user` eligible to activate `role` for itself (rolecall_activate()), held directly
/// (`scope` 0) or for `scope`, for at most `max_ms` at a time (1 ms to 31 days,
/// ROLECALL_MAX_ACTIVATION_MS). Making eligible is a grant the user may take: it obeys the
/// rules of granting the role. Setting it again replaces the maximum.
///
/// Errors: ROLECALL_STATUS_INVALID_ARGUMENT for `max_ms` out of range; otherwise those of
/// rolecall_user_assign_role() (or rolecall_user_grant_role_in_scope()). Safety: `dir` is a
/// live handle. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_make_eligible(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    user: rolecall_user_id,
    role: rolecall_role_id,
    scope: rolecall_scope_id,
    max_ms: i64,
) -> rolecall_status {
    ffi!({
        dir!(dir).make_eligible(
            UserId(actor),
            UserId(user),
            RoleId(role),
            opt_scope(scope),
            max_ms,
        )?;
        Ok(())
    })
}

/// Takes back `user`'s eligibility for `role` (for `scope`, 0: held directly). An activation
/// under way runs to its end; rolecall_end_activation() ends it.
///
/// Errors: those of rolecall_user_revoke_role(). Safety: `dir` is a live handle. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_revoke_eligibility(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    user: rolecall_user_id,
    role: rolecall_role_id,
    scope: rolecall_scope_id,
) -> rolecall_status {
    ffi!({
        dir!(dir).revoke_eligibility(
            UserId(actor),
            UserId(user),
            RoleId(role),
            opt_scope(scope),
        )?;
        Ok(())
    })
}

/// `user` activates, for itself, `role` (for `scope`, 0: held directly) for `duration_ms`,
/// saying why: a time-bound grant ending at now + `duration_ms`, audited (`activate`, with the
/// justification) and notified (ROLECALL_NOTIFICATION_ACTIVATED). Activating again while
/// active sets a new end. `*out` (optional, may be NULL) receives the activation's window.
///
/// Errors: ROLECALL_STATUS_NOT_ELIGIBLE without an eligibility for it;
/// ROLECALL_STATUS_INVALID_ARGUMENT for a duration out of 1 ms to the eligibility's maximum,
/// or a role held permanently; ROLECALL_STATUS_INVALID_NAME for an empty or malformed
/// justification (one line); ROLECALL_STATUS_ACTOR_INACTIVE for an inactive user. Safety:
/// `dir` is a live handle; `justification` a NUL-terminated string. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_activate(
    dir: *const rolecall_directory,
    user: rolecall_user_id,
    role: rolecall_role_id,
    scope: rolecall_scope_id,
    duration_ms: i64,
    justification: *const c_char,
    out: *mut rolecall_window,
) -> rolecall_status {
    ffi!({
        let d = dir!(dir);
        let justification = text!(justification);
        let w = d.activate(
            UserId(user),
            RoleId(role),
            opt_scope(scope),
            duration_ms,
            justification,
        )?;
        if let Some(o) = crate::conv::opt_out(out) {
            o.write(w.into());
        }
        Ok(())
    })
}

/// Ends `user`'s activation of `role` (for `scope`, 0: held directly) now, by the user itself
/// or by whoever may revoke the role from it. Ends any time-bound grant of the role the same
/// way.
///
/// Errors: ROLECALL_STATUS_INVALID_ARGUMENT when the user holds no time-bound grant of it;
/// otherwise those of rolecall_user_revoke_role(). Safety: `dir` is a live handle. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_end_activation(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    user: rolecall_user_id,
    role: rolecall_role_id,
    scope: rolecall_scope_id,
) -> rolecall_status {
    ffi!({
        dir!(dir).end_activation(UserId(actor), UserId(user), RoleId(role), opt_scope(scope))?;
        Ok(())
    })
}

/// Makes `user` a break-glass (emergency) account (`on` true), or an ordinary one again. A
/// lock after failed logins does not keep a break-glass account out, and every use of it (each
/// login attempt, each change it makes) is audited and notified
/// (ROLECALL_NOTIFICATION_BREAK_GLASS_USED). The superadministrator only.
///
/// Errors: ROLECALL_STATUS_SUPERADMIN_ONLY for anyone else; ROLECALL_STATUS_UNKNOWN_USER.
/// Safety: `dir` is a live handle. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_set_break_glass(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    user: rolecall_user_id,
    on: bool,
) -> rolecall_status {
    ffi!({
        dir!(dir).set_break_glass(UserId(actor), UserId(user), on)?;
        Ok(())
    })
}

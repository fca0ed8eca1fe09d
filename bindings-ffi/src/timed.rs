//! Time-bound grants: granting for a window, moving a directory's time, a snapshot's validity.

use rolecall::{AgreementId, Error, GroupId, RoleId, ScopeGrant, ScopeId, TimedGrant, UserId};

use crate::directory::{rolecall_directory, rolecall_snapshot};
use crate::records::*;
use crate::status::{rolecall_status, FfiResult};
use crate::types::{level, product, rolecall_user_id};

/// Converts a `rolecall_timed_grant`.
///
/// # Safety
/// The struct's pointers follow its documentation.
unsafe fn timed_grant(g: &rolecall_timed_grant) -> FfiResult<TimedGrant> {
    Ok(match g.kind {
        ROLECALL_ASSIGNMENT_ROLE => TimedGrant::Role(RoleId(g.role)),
        ROLECALL_ASSIGNMENT_SCOPE_ROLE => TimedGrant::ScopeRole(ScopeGrant {
            role: RoleId(g.role),
            scope: ScopeId(g.scope),
        }),
        ROLECALL_ASSIGNMENT_GROUP => TimedGrant::Group(GroupId(g.group)),
        ROLECALL_ASSIGNMENT_SCOPE => TimedGrant::Scope(ScopeId(g.scope)),
        ROLECALL_ASSIGNMENT_LEVEL => TimedGrant::Level {
            agreement: AgreementId(g.agreement),
            product: product(g.product)?,
            level: level(g.level)?,
        },
        ROLECALL_ASSIGNMENT_PBX => TimedGrant::Pbx {
            agreement: AgreementId(g.agreement),
            // SAFETY: the struct's contract.
            subscriber: unsafe { crate::conv::text(g.subscriber, "grant.subscriber") }?.to_owned(),
        },
        k => {
            return Err(Error::InvalidArgument {
                what: "grant.kind",
                reason: format!("{k} is not a ROLECALL_ASSIGNMENT_* kind of grant"),
            }
            .into())
        }
    })
}

/// Grants `grant` to `user` for `window` (from its start, until its end), under the rules of
/// the permanent grant (rolecall_user_assign_role(), rolecall_user_grant_role_in_scope(),
/// rolecall_group_add_member(), rolecall_user_assign_scope(), rolecall_agreement_set_access_level(),
/// rolecall_agreement_link_pbx_subscriber()). On an assignment already held it sets the new
/// window under the same rules (extending is a grant); a zero window (`{0}`, no start, no end)
/// makes it permanent. The grant stops counting at its end with nothing else to call: the
/// directory's timer (or its manual clock) ends it, audited (`expired`), notified
/// (ROLECALL_NOTIFICATION_GRANT_EXPIRED) and with the user's sessions ended.
///
/// Errors: ROLECALL_STATUS_INVALID_WINDOW for a window that ends before it starts or has
/// already ended; ROLECALL_STATUS_INVALID_ARGUMENT for an unknown `grant->kind` or a
/// time-bound no-access level; ROLECALL_STATUS_UNKNOWN_PRODUCT / _UNKNOWN_ACCESS_LEVEL;
/// otherwise those of the permanent grant. Safety: `dir` is a live handle; `grant` is a valid
/// struct. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_grant_for(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    user: rolecall_user_id,
    grant: *const rolecall_timed_grant,
    window: rolecall_window,
) -> rolecall_status {
    ffi!({
        let d = dir!(dir);
        let g = input!(grant);
        // SAFETY: the export's contract.
        let g = unsafe { timed_grant(g) }?;
        d.grant_for(UserId(actor), UserId(user), &g, window.into())?;
        Ok(())
    })
}

/// Moves the directory's time to its clock's now: grants whose window started or ended
/// meanwhile start or end. The directory does this by itself (a timer, or its manual clock's
/// notice); a host never needs to call it, but may (it is cheap when nothing is due).
///
/// Safety: `dir` is a live handle. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_tick(dir: *const rolecall_directory) -> rolecall_status {
    ffi!({
        dir!(dir).tick();
        Ok(())
    })
}

/// The next instant (ms since the Unix epoch) a time-bound grant starts or ends, when this
/// snapshot's answers stop being current. `*has_until` receives false when no grant ever
/// starts or ends (`*until` then receives 0). The directory swaps in a new snapshot at that
/// instant; a snapshot kept by the caller keeps answering as of its computed_at.
///
/// Safety: `snapshot` is a live handle; `has_until` and `until` are writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_snapshot_valid_until(
    snapshot: *const rolecall_snapshot,
    has_until: *mut bool,
    until: *mut i64,
) -> rolecall_status {
    ffi!({
        let has_until = out!(has_until);
        let until = out!(until);
        let v = snap!(snapshot).valid_until();
        has_until.write(v.is_some());
        until.write(v.unwrap_or(0));
        Ok(())
    })
}

/// The instant (ms since the Unix epoch) a snapshot answers for: time-bound grants count when
/// their window contains it.
///
/// Safety: `snapshot` is a live handle; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_snapshot_computed_at(
    snapshot: *const rolecall_snapshot,
    out: *mut i64,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        out.write(snap!(snapshot).computed_at());
        Ok(())
    })
}

//! Dry runs: rolecall_simulate() runs a callback on a throwaway fork of a directory and
//! returns the impact of what it did as JSON (the core's `Directory::simulate`).

use std::ffi::{c_char, c_void};
use std::sync::Arc;

use rolecall::Directory;

use crate::conv::{cstring, handle, Tagged, DIRECTORY_TAG};
use crate::directory::rolecall_directory;
use crate::status::{rolecall_status, FfiError, ROLECALL_STATUS_OK};

/// The function rolecall_simulate() calls: `fork` is a throwaway directory holding a copy of
/// the directory's state, valid only during the call (do not free it, do not keep it); `ctx`
/// is the pointer given to rolecall_simulate(). Make any changes through `fork` with the
/// usual functions. Return ROLECALL_STATUS_OK to get the impact, or any other code (typically
/// the status of a call that failed) to abandon the plan: rolecall_simulate() then returns
/// that code, leaving the thread's last error as the callback left it. Never throw or
/// longjmp out of it.
pub type rolecall_simulate_fn = Option<
    unsafe extern "C" fn(fork: *mut rolecall_directory, ctx: *mut c_void) -> rolecall_status,
>;

/// Plans changes without committing them: calls `f(fork, ctx)` with a throwaway fork of `dir`
/// (a copy of its current state, on a clock frozen at its now), and on success writes to
/// `*out_impact_json` the impact of everything `f` did on the fork: who would gain and who
/// would lose which rights, scopes, agreement levels and PBX links. Nothing reaches `dir`:
/// not a commit, not an audit event, not a notification.
///
/// The JSON (UTF-8, owned by the caller: rolecall_string_free()) is
/// `{"revision": R, "commits": N, "changes": N, "changed": bool, "users": [U, ...]}`, each U
/// `{"user": id, "email": "...", "lifecycle": "unchanged|created|deleted|activated|deactivated",
/// "rights_gained": [{"permission": "campaigns.control", "scope": null | {"id": id, "name":
/// "..."}}], "rights_lost": [...], "scopes_gained": [{"id", "name"}], "scopes_lost",
/// "teams_gained", "teams_lost", "levels": [{"agreement", "agreement_name", "product",
/// "before", "after"}], "pbx_gained": [{"agreement", "agreement_name", "subscriber"}],
/// "pbx_lost"}`, users by id (the README's "Dry run and impact" section).
///
/// Returns the callback's code when it is not ROLECALL_STATUS_OK (`*out_impact_json` is then
/// NULL); ROLECALL_STATUS_NULL_POINTER for a NULL `f` or `out_impact_json`; _CLOSED for a
/// closed directory. Safety: `dir` is a live handle; `out_impact_json` is writable; `f` is
/// callable with `ctx`. Thread-safe (other threads keep using `dir` meanwhile).
#[no_mangle]
pub unsafe extern "C" fn rolecall_simulate(
    dir: *const rolecall_directory,
    f: rolecall_simulate_fn,
    ctx: *mut c_void,
    out_impact_json: *mut *mut c_char,
) -> rolecall_status {
    let mut refused = ROLECALL_STATUS_OK;
    let code = {
        let refused = &mut refused;
        ffi!({
            let out = out!(out_impact_json);
            // SAFETY: checked non-NULL just above; writable per the contract.
            unsafe { out_impact_json.write(std::ptr::null_mut()) };
            let d = dir!(dir);
            let f = f.ok_or(FfiError::Null("f"))?;
            let fork = Arc::new(Tagged::new(DIRECTORY_TAG, d.fork()?));
            // The callback's handle holds its own reference: freeing it by mistake releases
            // only that one.
            let p = Arc::into_raw(Arc::clone(&fork)) as *mut rolecall_directory;
            // SAFETY: the caller's contract for `f` and `ctx`; `p` is a live handle.
            let rc = unsafe { f(p, ctx) };
            // SAFETY: `p` stays allocated (`fork` holds it); it carries the tag unless the
            // callback freed it.
            if unsafe { handle::<_, Directory>(p, DIRECTORY_TAG, "directory") }.is_ok() {
                fork.kill();
                // SAFETY: made by `Arc::into_raw` above, released once (not freed by C).
                drop(unsafe { Arc::from_raw(p as *const Tagged<Directory>) });
            }
            if rc != ROLECALL_STATUS_OK {
                *refused = rc;
                return Ok(());
            }
            let impact = fork.value.impact()?;
            let json = serde_json::to_string(&impact).map_err(|e| {
                FfiError::from(rolecall::Error::InvalidArgument {
                    what: "impact",
                    reason: e.to_string(),
                })
            })?;
            out.write(cstring(json).cast_mut());
            Ok(())
        })
    };
    if code == ROLECALL_STATUS_OK && refused != ROLECALL_STATUS_OK {
        return refused;
    }
    code
}

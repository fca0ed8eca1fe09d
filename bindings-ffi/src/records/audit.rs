//! Audit events, and the list builder every list record uses.

use std::ffi::c_char;

use rolecall::AuditEvent;

use crate::conv::{array, boxed, cstring, free_array, free_boxed, free_cstring, opt_cstring};
use crate::types::*;

/// One audit record: who did what, when, and the records before and after (never a password,
/// hash or token).
#[repr(C)]
pub struct rolecall_audit_event {
    /// Position in the log (1, 2, ...).
    pub seq: u64,
    /// When, ms since the Unix epoch.
    pub at: i64,
    /// The tenant it concerns (0 for none).
    pub tenant: rolecall_tenant_id,
    /// Whether the actor is known (then `actor` is set).
    pub has_actor: bool,
    /// Who acted.
    pub actor: rolecall_user_id,
    /// The operation (`"create_user"`, `"login"`, ...).
    pub action: *const c_char,
    /// `"ok"`, or the error kind that refused it.
    pub outcome: *const c_char,
    /// Kind of the main object acted on (`"user"`, ...), or NULL.
    pub target_kind: *const c_char,
    /// Whether `target_id` is set.
    pub has_target_id: bool,
    /// Id of the main object acted on.
    pub target_id: u64,
    /// Free detail, or NULL.
    pub detail: *const c_char,
    /// Whether the event changed something (then `revision` is the revision it created).
    pub has_revision: bool,
    /// The directory revision this event's change created.
    pub revision: u64,
    /// JSON of the records before the change (secrets redacted), or NULL.
    pub before: *const c_char,
    /// JSON of the changes made (secrets redacted), or NULL.
    pub after: *const c_char,
}

impl From<AuditEvent> for rolecall_audit_event {
    fn from(e: AuditEvent) -> Self {
        rolecall_audit_event {
            seq: e.seq,
            at: e.at,
            tenant: e.tenant.0,
            has_actor: e.actor.is_some(),
            actor: e.actor.map_or(0, |a| a.0),
            action: cstring(e.action.name()),
            outcome: cstring(e.outcome),
            target_kind: opt_cstring(e.target_kind.map(rolecall::ObjectKind::name)),
            has_target_id: e.target_id.is_some(),
            target_id: e.target_id.unwrap_or(0),
            detail: opt_cstring(e.detail),
            has_revision: e.revision.is_some(),
            revision: e.revision.unwrap_or(0),
            before: opt_cstring(e.before),
            after: opt_cstring(e.after),
        }
    }
}

impl Drop for rolecall_audit_event {
    fn drop(&mut self) {
        // SAFETY: made by `cstring`, freed only here.
        unsafe {
            for p in [
                self.action,
                self.outcome,
                self.target_kind,
                self.detail,
                self.before,
                self.after,
            ] {
                free_cstring(p);
            }
        }
    }
}

/// Audit events, oldest first: one page of the matches.
#[repr(C)]
pub struct rolecall_audit_event_list {
    /// The records (NULL when `len` is 0).
    pub items: *mut rolecall_audit_event,
    /// How many records `items` holds.
    pub len: usize,
    /// How many events match in all.
    pub total: usize,
    /// The offset this page starts at.
    pub offset: usize,
}

impl Drop for rolecall_audit_event_list {
    fn drop(&mut self) {
        // SAFETY: `items`/`len` were made by `array` and are freed only here.
        unsafe { free_array(self.items, self.len) }
    }
}

/// Frees a rolecall_audit_event_list and every record in it. NULL is fine.
///
/// Safety: the list came from this library and is not used afterwards. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_audit_event_list_free(list: *mut rolecall_audit_event_list) {
    // SAFETY: per the contract.
    crate::status::contain(|| unsafe { free_boxed(list) })
}

/// Builds a `{items, len}` list record from records.
pub(crate) fn list_of<T, L>(items: Vec<T>, make: impl FnOnce(*mut T, usize) -> L) -> *mut L {
    let (p, len) = array(items);
    boxed(make(p, len))
}

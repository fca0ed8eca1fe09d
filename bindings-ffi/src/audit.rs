//! The audit log from a cursor, and its export formats (JSON Lines, CEF).

use std::ffi::c_char;

use rolecall::{AuditEvent, ObjectKind, TenantId, UserId};

use crate::conv::{array, boxed, cstring};
use crate::records::{rolecall_audit_event, rolecall_audit_event_list};

/// The format of rolecall_audit_event_format().
pub type rolecall_audit_format = u32;
/// One line of JSON in the stable schema `rolecall.audit/1` (fields: schema, seq, time,
/// time_ms, tenant, actor, action, outcome, target_kind, target_id, detail, revision, before,
/// after; see the README, "Audit export").
pub const ROLECALL_AUDIT_FORMAT_JSONL: rolecall_audit_format = 0;
/// One line of CEF (ArcSight Common Event Format 0) for a SIEM, escaped.
pub const ROLECALL_AUDIT_FORMAT_CEF: rolecall_audit_format = 1;

/// One page of the audit log from a cursor: up to `limit` events (1 to 10,000) whose seq is
/// above `after_seq`, oldest first, every tenant. Pass the last event's seq back for the next
/// page; an empty list (`len` 0) means caught up. Each page is read under the store's lock for
/// that page only, so commits go on between pages. In the list, `total` is `len` and `offset`
/// is 0.
///
/// On success `*out` receives a list owned by the caller (rolecall_audit_event_list_free()).
/// Errors: ROLECALL_STATUS_INVALID_ARGUMENT (limit 0 or above 10,000), _STORAGE.
/// Safety: `dir` is a live handle; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_audit_after(
    dir: *const crate::rolecall_directory,
    after_seq: u64,
    limit: usize,
    out: *mut *mut rolecall_audit_event_list,
) -> crate::rolecall_status {
    ffi!({
        let out = out!(out);
        let d = dir!(dir);
        let items = d.audit_after(after_seq, limit)?;
        let len = items.len();
        let (items, _) = array(items.into_iter().map(Into::into).collect());
        out.write(boxed(rolecall_audit_event_list {
            items,
            len,
            total: len,
            offset: 0,
        }));
        Ok(())
    })
}

/// The core's event for a C record (as the library made it, or as the caller filled it).
///
/// # Safety
/// Every string of `e` is NULL or NUL-terminated.
unsafe fn event_of(e: &rolecall_audit_event) -> crate::status::FfiResult<AuditEvent> {
    // SAFETY (every `text`/`opt_text` below): per this function's contract.
    let text = |p, what| unsafe { crate::conv::text(p, what) };
    let opt = |p, what| unsafe { crate::conv::opt_text(p, what) };
    Ok(AuditEvent {
        seq: e.seq,
        at: e.at,
        tenant: TenantId(e.tenant),
        actor: e.has_actor.then_some(UserId(e.actor)),
        action: text(e.action, "event.action")?.parse()?,
        outcome: text(e.outcome, "event.outcome")?.to_owned(),
        target_kind: opt(e.target_kind, "event.target_kind")?
            .map(str::parse::<ObjectKind>)
            .transpose()?,
        target_id: e.has_target_id.then_some(e.target_id),
        detail: opt(e.detail, "event.detail")?.map(str::to_owned),
        revision: e.has_revision.then_some(e.revision),
        before: opt(e.before, "event.before")?.map(str::to_owned),
        after: opt(e.after, "event.after")?.map(str::to_owned),
    })
}

/// Writes an audit event out as one line (no newline) in `format`:
/// ROLECALL_AUDIT_FORMAT_JSONL or ROLECALL_AUDIT_FORMAT_CEF.
///
/// On success `*out` receives a string owned by the caller (rolecall_string_free()).
/// Errors: ROLECALL_STATUS_INVALID_ARGUMENT (an unknown format, or an event whose action or
/// target kind is no known name). Safety: `event` is a valid record (one from a list of this
/// library, or filled by the caller with NUL-terminated strings); `out` is writable.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_audit_event_format(
    event: *const rolecall_audit_event,
    format: rolecall_audit_format,
    out: *mut *mut c_char,
) -> crate::rolecall_status {
    ffi!({
        let out = out!(out);
        let event = input!(event);
        // SAFETY: the export's contract: the record's strings are NULL or NUL-terminated.
        let e = unsafe { event_of(event) }?;
        let line = match format {
            ROLECALL_AUDIT_FORMAT_JSONL => e.to_json_line(),
            ROLECALL_AUDIT_FORMAT_CEF => e.to_cef(),
            other => {
                return Err(rolecall::Error::InvalidArgument {
                    what: "format",
                    reason: format!("{other} is no format (0: JSON Lines, 1: CEF)"),
                }
                .into())
            }
        };
        out.write(cstring(line) as *mut c_char);
        Ok(())
    })
}

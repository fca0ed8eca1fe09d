// The audit log read from a cursor, and its export formats (JSON Lines, CEF), so that a
// Kotlin, Swift or Python host can ship it to a SIEM.
// (Included into `uniffi_api.rs`, one module, by `include!`: the imports are there.)

#[uniffi::export]
impl Directory {
    /// One page of the audit log from a cursor (the core's `audit_after`): up to `limit`
    /// events (1 to 10,000) whose seq is above `after_seq`, oldest first, every tenant. Pass
    /// the last event's `seq` back for the next page; an empty list means caught up. Each
    /// page is read on its own, so commits go on between pages. `invalid_argument` for a
    /// `limit` of 0 or above 10,000.
    pub fn audit_after(&self, after_seq: u64, limit: Count) -> R<Vec<AuditEvent>> {
        Ok(self.inner.audit_after(after_seq, limit)?)
    }
}

/// The event as one line of JSON (no newline) in the stable schema `rolecall.audit/1` (the
/// core's `AuditEvent::to_json_line`; fields in the README's "Audit export"). The event is one
/// `audit_after` or `audit_events` returned, or one the host built: an `action` or
/// `target_kind` that is no known name is refused with `invalid_argument`.
#[uniffi::export]
pub fn audit_event_to_json_line(event: &AuditEvent) -> R<String> {
    Ok(event.to_json_line())
}

/// The event as one line of CEF (ArcSight Common Event Format 0, no newline) for a SIEM,
/// escaped so that no value can forge a field (the core's `AuditEvent::to_cef`). Refused as
/// `audit_event_to_json_line` is.
#[uniffi::export]
pub fn audit_event_to_cef(event: &AuditEvent) -> R<String> {
    Ok(event.to_cef())
}

//! The audit log's export formats: JSON Lines with a stable schema, and CEF for SIEMs.
//!
//! # JSON Lines: schema `rolecall.audit/1`
//!
//! [`AuditEvent::to_json_line`] writes one JSON object on one line, with these fields, always
//! all of them and always in this order (absent values are `null`):
//!
//! | field | type | meaning |
//! |---|---|---|
//! | `schema` | string | always `"rolecall.audit/1"`; a change of meaning gets a new name |
//! | `seq` | integer | position in the log (1, 2, ...): the export cursor |
//! | `time` | string | when, RFC 3339 in UTC with milliseconds (`2026-12-02T05:45:12.345Z`) |
//! | `time_ms` | integer | the same instant, ms since the Unix epoch |
//! | `tenant` | integer | the tenant's id (0: none) |
//! | `actor` | integer or null | the acting user's id |
//! | `action` | string | the operation ([`AuditAction`](crate::AuditAction) name: `create_user`, `login`, ...) |
//! | `outcome` | string | `ok`, or the error kind that refused it (`permission_denied`, ...) |
//! | `target_kind` | string or null | kind of the main object (`user`, `role`, `group`, ...) |
//! | `target_id` | integer or null | id of that object |
//! | `detail` | string or null | free detail (the reason of a refusal, ...) |
//! | `revision` | integer or null | the directory revision the change created |
//! | `before` | JSON or null | the records before the change, as nested JSON (secrets redacted) |
//! | `after` | JSON or null | the changes made, as nested JSON (secrets redacted) |
//!
//! New fields may be added at the end in a later version of the same schema; existing fields
//! keep their names, types and meanings.
//!
//! # CEF
//!
//! [`AuditEvent::to_cef`] writes one line of ArcSight's Common Event Format, version 0:
//! `CEF:0|rolecall|rolecall|<version>|<action>|<name>|<severity>|<extensions>`, with `|` and
//! `\` escaped in the header, and `=`, `\`, CR and LF escaped in extension values. The
//! severity comes from the outcome: 3 for a successful change, 5 for an activation or an
//! audit pruning, 6 for a refusal, 7 for a failed login or password attempt, 10 for anything
//! touching a break-glass account. Extensions, from the CEF dictionary: `rt` (ms since the
//! epoch), `externalId` (seq), `act`, `outcome`, `suid` (the actor's id), `duid` (the target
//! user's id) or `cs2Label=targetKind cs2=<kind> cn2Label=targetId cn2=<id>` for other
//! targets, `cs1Label=tenant cs1=<id>`, `cn1Label=revision cn1=<revision>`, `msg` (detail),
//! and `cs3Label=before cs3=…`, `cs4Label=after cs4=…` (cut to 4,000 characters, the
//! dictionary's limit; the JSON Lines export keeps them whole).

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

use crate::audit::{AuditAction, AuditEvent};
use crate::domain::ObjectKind;

/// The schema name of [`AuditEvent::to_json_line`].
pub const AUDIT_JSON_SCHEMA: &str = "rolecall.audit/1";

/// The most characters of a CEF string extension (`cs1` to `cs6`, `msg` is cut at 1023).
const CEF_CS_MAX: usize = 4000;
const CEF_MSG_MAX: usize = 1023;

/// One line of [`AuditEvent::to_json_line`]: the fields in their documented order.
#[derive(Serialize)]
struct JsonLine<'a> {
    schema: &'static str,
    seq: u64,
    time: String,
    time_ms: i64,
    tenant: u64,
    actor: Option<u64>,
    action: &'static str,
    outcome: &'a str,
    target_kind: Option<&'static str>,
    target_id: Option<u64>,
    detail: Option<&'a str>,
    revision: Option<u64>,
    before: Option<Value>,
    after: Option<Value>,
}

/// Stored JSON as nested JSON; a value that does not parse (never written by this crate)
/// stays a string rather than being lost.
fn nested(json: Option<&str>) -> Option<Value> {
    json.map(|s| serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.to_owned())))
}

/// `ms` since the Unix epoch as RFC 3339 in UTC with milliseconds (`1970-01-01T00:00:00.000Z`),
/// proleptic Gregorian, for any `i64` (years outside 0000–9999 are written with their sign
/// and digits as RFC 3339's profile of ISO 8601 allows by agreement).
pub(crate) fn rfc3339_ms(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, rest) = (in_day / 3_600_000, in_day % 3_600_000);
    let (m, rest) = (rest / 60_000, rest % 60_000);
    let (s, milli) = (rest / 1000, rest % 1000);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{milli:03}Z")
}

/// Escapes a CEF header field: `\` and `|`; a line break becomes a space (a header has none).
fn cef_header(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '|' => out.push_str("\\|"),
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a CEF extension value: `\`, `=`, and line breaks as `\n` / `\r`; cut to `max`
/// characters first.
fn cef_value(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().take(max) {
        match c {
            '\\' => out.push_str("\\\\"),
            '=' => out.push_str("\\="),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

/// Actions that are logins or password attempts: a failure among them is an attack signal.
fn is_credential_attempt(a: AuditAction) -> bool {
    matches!(
        a,
        AuditAction::Login
            | AuditAction::ChangePassword
            | AuditAction::ResetPassword
            | AuditAction::RequestPasswordReset
    )
}

impl AuditEvent {
    /// The event as one line of JSON (no trailing newline) in the stable schema
    /// `rolecall.audit/1`: `schema`, `seq`, `time` (RFC 3339, UTC, ms), `time_ms`, `tenant`,
    /// `actor`, `action`, `outcome`, `target_kind`, `target_id`, `detail`, `revision`,
    /// `before`, `after`, in that order, `before` and `after` as nested JSON. See the table in
    /// the README ("Audit export").
    ///
    /// ```
    /// use rolecall::{AuditAction, AuditEvent, TenantId};
    /// let e = AuditEvent {
    ///     seq: 7, at: 1_700_000_000_123, tenant: TenantId(1), actor: None,
    ///     action: AuditAction::Login, outcome: "authentication_failed".into(),
    ///     target_kind: None, target_id: None, detail: None, revision: None,
    ///     before: None, after: None,
    /// };
    /// assert_eq!(
    ///     e.to_json_line(),
    ///     r#"{"schema":"rolecall.audit/1","seq":7,"time":"2023-11-14T22:13:20.123Z","time_ms":1700000000123,"tenant":1,"actor":null,"action":"login","outcome":"authentication_failed","target_kind":null,"target_id":null,"detail":null,"revision":null,"before":null,"after":null}"#
    /// );
    /// ```
    pub fn to_json_line(&self) -> String {
        let line = JsonLine {
            schema: AUDIT_JSON_SCHEMA,
            seq: self.seq,
            time: rfc3339_ms(self.at),
            time_ms: self.at,
            tenant: self.tenant.0,
            actor: self.actor.map(|a| a.0),
            action: self.action.name(),
            outcome: &self.outcome,
            target_kind: self.target_kind.map(ObjectKind::name),
            target_id: self.target_id,
            detail: self.detail.as_deref(),
            revision: self.revision,
            before: nested(self.before.as_deref()),
            after: nested(self.after.as_deref()),
        };
        // Serialising plain data with string keys cannot fail.
        serde_json::to_string(&line).unwrap_or_default()
    }

    /// The CEF severity of this event (0 to 10): 10 for anything touching a break-glass
    /// account, 7 for a failed login or password attempt, 6 for another refusal, 5 for an
    /// activation or an audit pruning, 3 for any other success.
    pub fn cef_severity(&self) -> u8 {
        let break_glass = self.action == AuditAction::SetBreakGlass
            || self
                .detail
                .as_deref()
                .is_some_and(|d| d.contains("break-glass"));
        if break_glass {
            10
        } else if self.outcome != "ok" && is_credential_attempt(self.action) {
            7
        } else if self.outcome != "ok" {
            6
        } else if matches!(
            self.action,
            AuditAction::Activate | AuditAction::PruneAudit | AuditAction::Unlock
        ) {
            5
        } else {
            3
        }
    }

    /// The event as one line of CEF (ArcSight Common Event Format, version 0), no trailing
    /// newline: `CEF:0|rolecall|rolecall|<version>|<action>|<name>|<severity>|<extensions>`.
    /// Header fields escape `|` and `\`; extension values escape `=`, `\` and line breaks, so
    /// no value can forge a field. See the module table in the README ("Audit export").
    ///
    /// ```
    /// use rolecall::{AuditAction, AuditEvent, TenantId, UserId};
    /// let e = AuditEvent {
    ///     seq: 7, at: 1_700_000_000_123, tenant: TenantId(1), actor: Some(UserId(2)),
    ///     action: AuditAction::DeleteUser, outcome: "permission_denied".into(),
    ///     target_kind: None, target_id: None, detail: Some("a=b".into()), revision: None,
    ///     before: None, after: None,
    /// };
    /// assert_eq!(
    ///     e.to_cef(),
    ///     format!(
    ///         "CEF:0|rolecall|rolecall|{}|delete_user|delete_user refused: permission_denied|6|\
    ///          rt=1700000000123 externalId=7 act=delete_user outcome=permission_denied suid=2 \
    ///          cs1Label=tenant cs1=1 msg=a\\=b",
    ///         env!("CARGO_PKG_VERSION")
    ///     )
    /// );
    /// ```
    pub fn to_cef(&self) -> String {
        let action = self.action.name();
        let name = if self.outcome == "ok" {
            action.to_owned()
        } else {
            format!("{action} refused: {}", self.outcome)
        };
        let mut out = format!(
            "CEF:0|rolecall|rolecall|{}|{}|{}|{}|",
            cef_header(env!("CARGO_PKG_VERSION")),
            cef_header(action),
            cef_header(&name),
            self.cef_severity()
        );
        let mut ext: Vec<(&str, String)> = vec![
            ("rt", self.at.to_string()),
            ("externalId", self.seq.to_string()),
            ("act", action.to_owned()),
            ("outcome", cef_value(&self.outcome, CEF_CS_MAX)),
        ];
        if let Some(a) = self.actor {
            ext.push(("suid", a.0.to_string()));
        }
        match (self.target_kind, self.target_id) {
            (Some(ObjectKind::User), Some(id)) => ext.push(("duid", id.to_string())),
            (kind, id) => {
                if let Some(k) = kind {
                    ext.push(("cs2Label", "targetKind".into()));
                    ext.push(("cs2", k.name().into()));
                }
                if let Some(id) = id {
                    ext.push(("cn2Label", "targetId".into()));
                    ext.push(("cn2", id.to_string()));
                }
            }
        }
        ext.push(("cs1Label", "tenant".into()));
        ext.push(("cs1", self.tenant.0.to_string()));
        if let Some(r) = self.revision {
            ext.push(("cn1Label", "revision".into()));
            ext.push(("cn1", r.to_string()));
        }
        if let Some(d) = &self.detail {
            ext.push(("msg", cef_value(d, CEF_MSG_MAX)));
        }
        if let Some(b) = &self.before {
            ext.push(("cs3Label", "before".into()));
            ext.push(("cs3", cef_value(b, CEF_CS_MAX)));
        }
        if let Some(a) = &self.after {
            ext.push(("cs4Label", "after".into()));
            ext.push(("cs4", cef_value(a, CEF_CS_MAX)));
        }
        for (i, (k, v)) in ext.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            let _ = write!(out, "{k}={v}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{TenantId, UserId};

    fn event() -> AuditEvent {
        AuditEvent {
            seq: 42,
            at: 0,
            tenant: TenantId(3),
            actor: Some(UserId(9)),
            action: AuditAction::UpdateUser,
            outcome: "ok".into(),
            target_kind: Some(ObjectKind::User),
            target_id: Some(11),
            detail: None,
            revision: Some(5),
            before: Some(r#"[{"email":"a@b.test"}]"#.into()),
            after: Some(r#"[{"email":"c@d.test"}]"#.into()),
        }
    }

    /// Splits a CEF line's extensions at unescaped spaces that start a `key=`, as a parser does.
    fn extensions(line: &str) -> Vec<(String, String)> {
        // The header is the first 7 unescaped pipes.
        let mut pipes = 0;
        let mut escaped = false;
        let mut start = 0;
        for (i, c) in line.char_indices() {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '|' {
                pipes += 1;
                if pipes == 7 {
                    start = i + 1;
                    break;
                }
            }
        }
        assert_eq!(pipes, 7, "{line}");
        let ext = &line[start..];
        // Unescaped `=` mark keys: the key is the word before it.
        let mut out: Vec<(String, String)> = Vec::new();
        let mut cur = String::new();
        let mut chars = ext.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    cur.push(c);
                    if let Some(n) = chars.next() {
                        cur.push(n);
                    }
                }
                '=' => {
                    let (value, key) = match cur.rfind(' ') {
                        Some(p) => (cur[..p].to_owned(), cur[p + 1..].to_owned()),
                        None => (String::new(), cur.clone()),
                    };
                    if let Some(last) = out.last_mut() {
                        last.1 = value;
                    }
                    out.push((key, String::new()));
                    cur.clear();
                }
                c => cur.push(c),
            }
        }
        if let Some(last) = out.last_mut() {
            last.1 = cur;
        }
        out
    }

    fn unescape(v: &str) -> String {
        let mut out = String::new();
        let mut chars = v.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some('n') => out.push('\n'),
                    Some('r') => out.push('\r'),
                    Some(o) => out.push(o),
                    None => {}
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn rfc3339_matches_known_instants() {
        assert_eq!(rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_ms(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(rfc3339_ms(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(rfc3339_ms(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(rfc3339_ms(253_402_300_799_999), "9999-12-31T23:59:59.999Z");
        // Never panics at the ends of the range.
        let _ = rfc3339_ms(i64::MIN);
        let _ = rfc3339_ms(i64::MAX);
    }

    #[test]
    fn json_line_has_the_schema_fields_in_order_and_nested_records() {
        let line = event().to_json_line();
        assert!(!line.contains('\n'));
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["schema"], "rolecall.audit/1");
        assert_eq!(v["seq"], 42);
        assert_eq!(v["time"], "1970-01-01T00:00:00.000Z");
        assert_eq!(v["time_ms"], 0);
        assert_eq!(v["tenant"], 3);
        assert_eq!(v["actor"], 9);
        assert_eq!(v["action"], "update_user");
        assert_eq!(v["target_kind"], "user");
        assert_eq!(v["before"][0]["email"], "a@b.test");
        assert_eq!(v["after"][0]["email"], "c@d.test");
        let keys = [
            "schema",
            "seq",
            "time",
            "time_ms",
            "tenant",
            "actor",
            "action",
            "outcome",
            "target_kind",
            "target_id",
            "detail",
            "revision",
            "before",
            "after",
        ];
        let mut at = 0;
        for k in keys {
            let p = line[at..]
                .find(&format!("\"{k}\":"))
                .unwrap_or_else(|| panic!("{k} missing or out of order in {line}"));
            at += p;
        }
    }

    #[test]
    fn json_line_escapes_hostile_detail_onto_one_line() {
        let mut e = event();
        e.detail = Some("x\n{\"schema\":\"forged\"}\u{2028}\"".into());
        e.before = Some("not json".into());
        let line = e.to_json_line();
        assert!(!line.contains('\n'));
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["schema"], "rolecall.audit/1");
        assert_eq!(v["detail"], "x\n{\"schema\":\"forged\"}\u{2028}\"");
        assert_eq!(v["before"], "not json");
    }

    #[test]
    fn cef_header_escapes_pipes_and_backslashes() {
        assert_eq!(cef_header(r"a|b\c"), r"a\|b\\c");
        assert_eq!(cef_header("a\nb\rc"), "a b c");
        let mut e = event();
        e.outcome = r"bad|out\come".into();
        let line = e.to_cef();
        assert!(
            line.contains(r"|update_user refused: bad\|out\\come|6|"),
            "{line}"
        );
        // Still exactly seven unescaped pipes before the extensions.
        let ext = extensions(&line);
        assert_eq!(ext[0].0, "rt");
    }

    #[test]
    fn cef_extension_values_cannot_forge_fields() {
        let mut e = event();
        e.detail = Some("evil suid=0 cs1=99\\ \nrt=1 | x".into());
        e.before = Some("a=b\\c\r\n".into());
        let line = e.to_cef();
        assert!(!line.contains('\n') && !line.contains('\r'), "{line}");
        let ext = extensions(&line);
        let keys: Vec<&str> = ext.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "rt",
                "externalId",
                "act",
                "outcome",
                "suid",
                "duid",
                "cs1Label",
                "cs1",
                "cn1Label",
                "cn1",
                "msg",
                "cs3Label",
                "cs3",
                "cs4Label",
                "cs4"
            ],
            "{line}"
        );
        let get = |k: &str| unescape(&ext.iter().find(|(key, _)| key == k).unwrap().1);
        assert_eq!(get("msg"), "evil suid=0 cs1=99\\ \nrt=1 | x");
        assert_eq!(get("cs3"), "a=b\\c\r\n");
        assert_eq!(get("suid"), "9");
        assert_eq!(get("duid"), "11");
        assert_eq!(get("cs1"), "3");
    }

    #[test]
    fn cef_cuts_long_values_to_the_dictionary_limits() {
        let mut e = event();
        e.detail = Some("é".repeat(5000));
        e.after = Some("x".repeat(10_000));
        let ext = extensions(&e.to_cef());
        let get = |k: &str| ext.iter().find(|(key, _)| key == k).unwrap().1.clone();
        assert_eq!(get("msg").chars().count(), CEF_MSG_MAX);
        assert_eq!(get("cs4").chars().count(), CEF_CS_MAX);
    }

    #[test]
    fn cef_severity_ranks_break_glass_then_failed_logins_then_refusals() {
        let mut e = event();
        assert_eq!(e.cef_severity(), 3);
        e.outcome = "permission_denied".into();
        assert_eq!(e.cef_severity(), 6);
        e.action = AuditAction::Login;
        e.outcome = "authentication_failed".into();
        assert_eq!(e.cef_severity(), 7);
        e.outcome = "ok".into();
        e.detail = Some("break-glass account".into());
        assert_eq!(e.cef_severity(), 10);
        e.detail = None;
        e.action = AuditAction::SetBreakGlass;
        assert_eq!(e.cef_severity(), 10);
        e.action = AuditAction::Activate;
        assert_eq!(e.cef_severity(), 5);
        // Non-user targets go to cs2/cn2.
        e.target_kind = Some(ObjectKind::Role);
        let line = e.to_cef();
        assert!(
            line.contains("cs2Label=targetKind cs2=role cn2Label=targetId cn2=11"),
            "{line}"
        );
        assert!(!line.contains("duid="));
    }
}

//! What a command prints: a readable table by default, one JSON document with `--json`.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use serde::Serialize;
use serde_json::Value;

/// A command's result: the JSON document and the text a person reads.
pub struct Output {
    pub json: Value,
    pub text: String,
}

impl Output {
    /// A short message, `{"ok": true, ...fields}` in JSON.
    pub fn done(text: impl Into<String>, json: Value) -> Output {
        let mut doc = serde_json::json!({ "ok": true });
        if let (Some(d), Value::Object(extra)) = (doc.as_object_mut(), json) {
            d.extend(extra);
        }
        Output {
            json: doc,
            text: text.into(),
        }
    }

    /// Records: JSON as serde writes them, text as a table.
    pub fn records<T: Serialize>(items: &[T], headers: &[&str], rows: Vec<Vec<String>>) -> Output {
        Output {
            json: to_json(items),
            text: table(headers, rows),
        }
    }
}

/// A value as JSON (records of the library always serialise).
pub fn to_json<T: Serialize + ?Sized>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// A table with a header row.
pub fn table(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(headers.iter().copied());
    for r in rows {
        t.add_row(r);
    }
    t.to_string()
}

/// A two-column table of fields and values.
pub fn fields(pairs: Vec<(&str, String)>) -> String {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    for (k, v) in pairs {
        t.add_row(vec![k.to_owned(), v]);
    }
    t.to_string()
}

/// `yes` / `no`.
pub fn yn(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

/// A list joined by `, `, or `-` when empty.
pub fn list(items: impl IntoIterator<Item = String>) -> String {
    let v: Vec<String> = items.into_iter().collect();
    if v.is_empty() {
        "-".to_owned()
    } else {
        v.join(", ")
    }
}

/// ms since the epoch as RFC 3339 (UTC, seconds).
pub fn time(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let secs = ms.rem_euclid(86_400_000) / 1000;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Howard Hinnant's civil_from_days.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Howard Hinnant's days_from_civil.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.fff]]` with `Z` or `±HH:MM` (RFC 3339), into
/// ms since the epoch.
pub fn parse_time(s: &str) -> Option<i64> {
    let num = |t: &str| -> Option<i64> {
        (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    let (date, rest) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut dp = date.split('-');
    let (y, m, d) = (num(dp.next()?)?, num(dp.next()?)?, num(dp.next()?)?);
    if dp.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut ms = days_from_civil(y, m, d) * 86_400_000;
    let Some(rest) = rest else { return Some(ms) };
    let (clock, offset_ms) = if let Some(c) = rest.strip_suffix(['Z', 'z']) {
        (c, 0)
    } else if let Some(i) = rest.rfind(['+', '-']) {
        let (c, off) = rest.split_at(i);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let mut op = off[1..].split(':');
        let (oh, om) = (num(op.next()?)?, num(op.next()?)?);
        (c, sign * (oh * 3_600_000 + om * 60_000))
    } else {
        (rest, 0)
    };
    let mut cp = clock.split(':');
    let h = num(cp.next()?)?;
    let mi = num(cp.next()?)?;
    let (sec, frac) = match cp.next() {
        Some(sf) => match sf.split_once('.') {
            Some((s, f)) => {
                num(f)?; // ASCII digits only, so the cut below falls on a char boundary
                (num(s)?, num(&format!("{f:0<3}")[..3])?)
            }
            None => (num(sf)?, 0),
        },
        None => (0, 0),
    };
    if cp.next().is_some() || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    ms += h * 3_600_000 + mi * 60_000 + sec * 1000 + frac - offset_ms;
    Some(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_and_print() {
        assert_eq!(parse_time("1970-01-01"), Some(0));
        assert_eq!(
            parse_time("2023-11-14T22:13:20.123Z"),
            Some(1_700_000_000_123)
        );
        assert_eq!(
            parse_time("2023-11-14T23:13:20.123+01:00"),
            Some(1_700_000_000_123)
        );
        assert_eq!(parse_time("2023-11-14T22:13Z"), Some(1_699_999_980_000));
        assert_eq!(time(1_700_000_000_123), "2023-11-14 22:13:20Z");
        for bad in [
            "",
            "2023",
            "2023-13-01",
            "x-1-1",
            "2023-01-01T25:00Z",
            "2023-01-01T1:2:3:4",
            "2023-01-01T00:00:00.é",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }
}

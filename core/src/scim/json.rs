//! JSON helpers: attribute names read case-insensitively (RFC 7643 §2.1), RFC 3339 times,
//! and the `attributes` / `excludedAttributes` projection (RFC 7644 §3.4.2.5).

use serde_json::{Map, Value};

/// The member `name` of an object, its name compared case-insensitively.
pub fn get<'v>(v: &'v Value, name: &str) -> Option<&'v Value> {
    let obj = v.as_object()?;
    obj.get(name).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// A string member, `None` when absent or null.
///
/// # Errors
/// 400 `invalidValue` when it is present with another type.
pub fn get_str<'v>(v: &'v Value, name: &str) -> Result<Option<&'v str>, super::ScimError> {
    match get(v, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(super::ScimError::value(format!("{name} is a string"))),
    }
}

/// A boolean, as JSON `true` / `false` or the strings `"True"` / `"False"` (any case) that
/// Entra ID sends in PATCH requests.
///
/// # Errors
/// 400 `invalidValue` for anything else.
pub fn as_bool(v: &Value, name: &str) -> Result<bool, super::ScimError> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(super::ScimError::value(format!("{name} is a boolean"))),
    }
}

/// RFC 3339 UTC time with milliseconds of a timestamp in ms since the Unix epoch
/// (`2026-12-02T05:45:12.123Z`).
pub fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let milli = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{milli:03}Z",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
}

/// Which attributes a response carries: all but the `excluded` ones, or only the `only` ones
/// (`id` and `schemas` always). Names compare case-insensitively; `name.givenName` keeps or
/// drops one sub-attribute.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Projection {
    /// `attributes=`: only these (lower-cased), when not empty.
    pub only: Vec<String>,
    /// `excludedAttributes=`: all but these (lower-cased).
    pub excluded: Vec<String>,
}

impl Projection {
    /// The projection of the query's `attributes` and `excludedAttributes` lists.
    pub fn new(attributes: Option<&str>, excluded: Option<&str>) -> Self {
        let list = |s: Option<&str>| -> Vec<String> {
            s.unwrap_or_default()
                .split(',')
                .map(|a| short_name(a.trim()))
                .filter(|a| !a.is_empty())
                .collect()
        };
        Projection {
            only: list(attributes),
            excluded: list(excluded),
        }
    }

    /// Whether the top-level attribute `attr` (lower-cased) is left out altogether.
    pub fn excludes(&self, attr: &str) -> bool {
        let always = attr == "id" || attr == "schemas";
        !always
            && (self.excluded.iter().any(|e| e == attr)
                || (!self.only.is_empty()
                    && !self
                        .only
                        .iter()
                        .any(|o| o == attr || o.split('.').next() == Some(attr))))
    }

    /// Applies the projection to a resource.
    pub fn apply(&self, resource: Value) -> Value {
        if self.only.is_empty() && self.excluded.is_empty() {
            return resource;
        }
        let Value::Object(obj) = resource else {
            return resource;
        };
        let mut out = Map::new();
        for (key, value) in obj {
            let lower = key.to_ascii_lowercase();
            if self.excludes(&lower) {
                continue;
            }
            let value = match value {
                Value::Object(subs) => Value::Object(self.subs(&lower, subs)),
                // A multi-valued complex attribute (`emails`): each value alike.
                Value::Array(items) => Value::Array(
                    items
                        .into_iter()
                        .map(|item| match item {
                            Value::Object(subs) => Value::Object(self.subs(&lower, subs)),
                            other => other,
                        })
                        .collect(),
                ),
                other => other,
            };
            out.insert(key, value);
        }
        Value::Object(out)
    }

    fn subs(&self, parent: &str, subs: Map<String, Value>) -> Map<String, Value> {
        let named = |list: &[String], sub: &str| {
            list.iter()
                .any(|a| a.split_once('.') == Some((parent, sub)))
        };
        let whole = self.only.is_empty() || self.only.iter().any(|o| o == parent);
        subs.into_iter()
            .filter(|(k, _)| {
                let k = k.to_ascii_lowercase();
                !named(&self.excluded, &k) && (whole || named(&self.only, &k))
            })
            .collect()
    }
}

/// An attribute name lower-cased, without a core schema URN.
fn short_name(a: &str) -> String {
    let lower = a.to_ascii_lowercase();
    for urn in [super::filter::USER_SCHEMA, super::filter::GROUP_SCHEMA] {
        if let Some(rest) = lower
            .strip_prefix(&urn.to_ascii_lowercase())
            .and_then(|r| r.strip_prefix(':'))
        {
            return rest.to_owned();
        }
    }
    lower
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn times() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_800_000_000_123), "2027-01-15T08:00:00.123Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn projections() {
        let r = json!({"schemas": [], "id": "1", "displayName": "x", "members": [], "name": {"givenName": "a", "familyName": "b"}});
        let p = Projection::new(None, Some("members"));
        assert!(p.apply(r.clone()).get("members").is_none());
        let p = Projection::new(Some("name.givenName"), None);
        assert_eq!(
            p.apply(r.clone()),
            json!({"schemas": [], "id": "1", "name": {"givenName": "a"}})
        );
        let e = json!({"id": "1", "emails": [{"value": "a@b.c", "type": "work"}]});
        assert_eq!(
            Projection::new(Some("emails.value"), None).apply(e.clone()),
            json!({"id": "1", "emails": [{"value": "a@b.c"}]})
        );
        assert_eq!(
            Projection::new(None, Some("emails.type")).apply(e),
            json!({"id": "1", "emails": [{"value": "a@b.c"}]})
        );
        let p = Projection::new(Some("DisplayName"), Some("id"));
        assert_eq!(
            p.apply(r),
            json!({"schemas": [], "id": "1", "displayName": "x"})
        );
    }
}

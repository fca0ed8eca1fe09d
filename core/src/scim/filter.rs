//! The filters (RFC 7644 §3.4.2.2) and PATCH paths (§3.5.2) this mapper answers: one
//! `attribute eq value` comparison, and `attribute[.sub]` or `attribute[filter][.sub]` paths.

use super::error::ScimError;

/// The core User schema URN.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The core Group schema URN.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// One `attribute eq "value"` comparison. The attribute is lower-cased (SCIM attribute names
/// are case-insensitive) and stripped of a core schema URN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Equals {
    /// The attribute, lower-cased (`username`, `externalid`, `id`, `displayname`, `value`, `type`).
    pub attr: String,
    /// The value compared with.
    pub value: String,
}

/// Parses a filter: exactly one `attribute eq value` comparison, the value a JSON string (or
/// a number, read as its decimal text).
///
/// # Errors
/// 400 `invalidFilter` for anything else: another operator, `and` / `or` / `not`, grouping,
/// a malformed value.
pub fn parse_filter(filter: &str) -> Result<Equals, ScimError> {
    parse_equals(filter).map_err(ScimError::filter)
}

fn parse_equals(text: &str) -> Result<Equals, String> {
    let text = text.trim();
    let (attr, rest) = text
        .split_once(char::is_whitespace)
        .ok_or_else(|| format!("expected `attribute eq \"value\"`, got {:?}", cut(text)))?;
    let attr = attr_name(attr)
        .ok_or_else(|| format!("{:?} is not an attribute name", cut(attr)))?
        .1;
    let rest = rest.trim_start();
    let (op, value) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    if !op.eq_ignore_ascii_case("eq") {
        return Err(format!(
            "only the `eq` operator is supported, not {:?}",
            cut(op)
        ));
    }
    let value = match serde_json::from_str::<serde_json::Value>(value.trim()) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Number(n)) => n.to_string(),
        _ => {
            return Err(format!(
                "expected one quoted value after `eq` (and nothing after it), got {:?}",
                cut(value.trim())
            ))
        }
    };
    Ok(Equals { attr, value })
}

/// An attribute name without its schema URN, lower-cased, and whether it belongs to an
/// extension schema (anything but the core User and Group schemas). `None` when it is not a
/// name: `ALPHA *(nameChar)` with dots between sub-attributes.
fn attr_name(text: &str) -> Option<(bool, String)> {
    let lower = text.to_ascii_lowercase();
    let (extension, name) = if lower.starts_with("urn:") {
        let core = [USER_SCHEMA, GROUP_SCHEMA].iter().find_map(|urn| {
            lower
                .strip_prefix(&urn.to_ascii_lowercase())
                .and_then(|r| r.strip_prefix(':'))
        });
        match core {
            Some(rest) => (false, rest.to_owned()),
            // An extension's attribute: the name is what follows the URN's last colon.
            None => (
                true,
                lower.rsplit(':').next().unwrap_or_default().to_owned(),
            ),
        }
    } else {
        (false, lower)
    };
    let valid = !name.is_empty()
        && name.split('.').all(|part| {
            part.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '$')
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '$'))
        });
    valid.then_some((extension, name))
}

/// A PATCH path: `attribute`, `attribute.sub`, `attribute[filter]` or
/// `attribute[filter].sub`, each optionally prefixed by its schema URN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Path {
    /// The attribute of an extension schema (the enterprise user...), which the mapper ignores.
    pub extension: bool,
    /// The attribute, lower-cased.
    pub attr: String,
    /// The value filter, for a multi-valued attribute.
    pub filter: Option<Equals>,
    /// The sub-attribute, lower-cased.
    pub sub: Option<String>,
}

/// Parses a PATCH path.
///
/// # Errors
/// 400 `invalidPath` for a path that does not parse; 400 `invalidFilter` for a value filter
/// other than one `eq` comparison.
pub fn parse_path(path: &str) -> Result<Path, ScimError> {
    let path = path.trim();
    let bad = || ScimError::path(format!("{:?} is not an attribute path", cut(path)));
    let (head, filter, tail) = match path.find('[') {
        Some(open) => {
            let close = path.rfind(']').filter(|&c| c > open).ok_or_else(bad)?;
            let filter = parse_equals(&path[open + 1..close]).map_err(ScimError::filter)?;
            (&path[..open], Some(filter), &path[close + 1..])
        }
        None => (path, None, ""),
    };
    let (extension, name) = attr_name(head).ok_or_else(bad)?;
    let (attr, mut sub) = match name.split_once('.') {
        Some((a, s)) => (a.to_owned(), Some(s.to_owned())),
        None => (name, None),
    };
    if !tail.is_empty() {
        if filter.is_none() || sub.is_some() {
            return Err(bad());
        }
        let s = tail.strip_prefix('.').ok_or_else(bad)?;
        let (_, s) = attr_name(s)
            .filter(|(ext, s)| !ext && !s.contains('.'))
            .ok_or_else(bad)?;
        sub = Some(s);
    }
    if filter.is_some() && sub.is_some() && name_has_dot(head) {
        return Err(bad());
    }
    Ok(Path {
        extension,
        attr,
        filter,
        sub,
    })
}

fn name_has_dot(head: &str) -> bool {
    attr_name(head).is_some_and(|(_, n)| n.contains('.'))
}

/// At most 64 characters of `s`, for messages.
pub(crate) fn cut(s: &str) -> String {
    s.chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters() {
        let f = parse_filter(r#"userName Eq "bjensen@example.com""#).unwrap();
        assert_eq!(f.attr, "username");
        assert_eq!(f.value, "bjensen@example.com");
        let f = parse_filter(&format!("{USER_SCHEMA}:externalId eq \"x\\\"y\"")).unwrap();
        assert_eq!((f.attr.as_str(), f.value.as_str()), ("externalid", "x\"y"));
        for bad in [
            "",
            "userName",
            "userName eq",
            r#"userName co "x""#,
            r#"userName eq "x" and id eq "1""#,
            r#"(userName eq "x")"#,
            "userName pr",
        ] {
            assert_eq!(
                parse_filter(bad).unwrap_err().scim_type,
                Some("invalidFilter"),
                "{bad}"
            );
        }
    }

    #[test]
    fn paths() {
        let p = parse_path(r#"members[value eq "2819c223"]"#).unwrap();
        assert_eq!(p.attr, "members");
        assert_eq!(p.filter.unwrap().value, "2819c223");
        let p = parse_path(r#"emails[type eq "work"].value"#).unwrap();
        assert_eq!(
            (p.attr.as_str(), p.sub.as_deref()),
            ("emails", Some("value"))
        );
        let p = parse_path("name.givenName").unwrap();
        assert_eq!(
            (p.attr.as_str(), p.sub.as_deref()),
            ("name", Some("givenname"))
        );
        let p = parse_path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager")
            .unwrap();
        assert!(p.extension);
        let p = parse_path(&format!("{USER_SCHEMA}:userName")).unwrap();
        assert!(!p.extension && p.attr == "username");
        for bad in [
            "",
            "[x]",
            "members[value eq \"1\"",
            "a b",
            "emails[type eq \"work\"]value",
        ] {
            assert!(parse_path(bad).is_err(), "{bad}");
        }
    }
}

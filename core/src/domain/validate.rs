//! Validation and normalisation of names, emails and phone numbers.

use super::permission::truncate_for_message;
use crate::Error;

/// Longest accepted name (first name, last name, role, group, scope, agreement, tenant), in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest accepted email address, in bytes (RFC 5321 path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// Trims a name and checks it is non-empty, at most [`MAX_NAME_CHARS`] and free of control characters.
pub fn name(field: &'static str, raw: &str) -> Result<String, Error> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(Error::InvalidName {
            field,
            reason: "must not be empty",
        });
    }
    if t.chars().count() > MAX_NAME_CHARS {
        return Err(Error::InvalidName {
            field,
            reason: "must be at most 100 characters",
        });
    }
    if t.chars().any(char::is_control) {
        return Err(Error::InvalidName {
            field,
            reason: "must not contain control characters",
        });
    }
    Ok(t.to_owned())
}

/// Case-folded key under which names and emails are compared.
pub fn fold(s: &str) -> String {
    s.to_lowercase()
}

/// Trims and validates an email address; returns it as given (case preserved).
pub fn email(raw: &str) -> Result<String, Error> {
    let e = raw.trim();
    let bad = |reason| Error::InvalidEmail {
        email: truncate_for_message(e),
        reason,
    };
    if e.is_empty() {
        return Err(bad("must not be empty"));
    }
    if e.len() > MAX_EMAIL_LEN {
        return Err(bad("must be at most 254 bytes"));
    }
    if e.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(bad("must not contain spaces or control characters"));
    }
    let (local, domain) = e.rsplit_once('@').ok_or_else(|| bad("must contain @"))?;
    if local.is_empty() || local.len() > 64 {
        return Err(bad("the part before @ must have 1 to 64 characters"));
    }
    if local.contains('@') || local.starts_with('.') || local.ends_with('.') || local.contains("..")
    {
        return Err(bad("the part before @ is malformed"));
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Err(bad("the domain must contain a dot"));
    }
    for l in &labels {
        if l.is_empty()
            || l.len() > 63
            || l.starts_with('-')
            || l.ends_with('-')
            || !l.chars().all(|c| c.is_alphanumeric() || c == '-')
        {
            return Err(bad("the domain is malformed"));
        }
    }
    Ok(e.to_owned())
}

/// Normalises a phone number: drops spaces, dashes, dots and parentheses, keeps a leading `+`;
/// the result must have 5 to 15 digits (E.164 allows at most 15).
pub fn phone(raw: &str) -> Result<String, Error> {
    let t = raw.trim();
    let bad = |reason| Error::InvalidPhone {
        phone: truncate_for_message(t),
        reason,
    };
    let mut out = String::with_capacity(t.len());
    for (i, c) in t.chars().enumerate() {
        match c {
            '+' if i == 0 => out.push('+'),
            '0'..='9' => out.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => {
                return Err(bad(
                    "may contain only digits, spaces, - . ( ) and a leading +",
                ))
            }
        }
    }
    let digits = out.chars().filter(char::is_ascii_digit).count();
    if !(5..=15).contains(&digits) {
        return Err(bad("must have 5 to 15 digits"));
    }
    Ok(out)
}

/// The digits of a string, for matching phone numbers.
pub fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(name("n", "  Ann ").unwrap(), "Ann");
        assert!(name("n", "   ").is_err());
        assert!(name("n", &"x".repeat(101)).is_err());
        assert!(name("n", &"é".repeat(100)).is_ok());
        assert!(name("n", "a\u{0}b").is_err());
    }

    #[test]
    fn emails() {
        for ok in ["a@b.co", "Ann.Lee+x@Example.COM", "a_b@sub.example.org"] {
            assert!(email(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "ab",
            "a@b",
            "@b.co",
            "a@.co",
            "a b@c.de",
            "a@b..c",
            "a@-b.co",
            "a..b@c.de",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
        assert!(email(&format!("{}@b.co", "a".repeat(65))).is_err());
    }

    #[test]
    fn phones() {
        assert_eq!(phone(" +1 (555) 010-0199 ").unwrap(), "+15550100199");
        assert_eq!(phone("8 800 555-35-35").unwrap(), "88005553535");
        assert!(phone("12").is_err());
        assert!(phone("555-CALL-NOW").is_err());
        assert!(phone("1+2345678").is_err());
        assert!(phone(&"1".repeat(16)).is_err());
    }
}

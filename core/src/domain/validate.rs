//! Validation and normalisation of names, free text, emails and phone numbers: the rules
//! are documented on [`User`](crate::User), where users of the library read them.

use std::sync::OnceLock;

use phonenumber::country;
use unicode_normalization::UnicodeNormalization;
use unicode_script::Script;
use unicode_security::general_security_profile::IdentifierType;
use unicode_security::mixed_script::AugmentedScriptSet;
use unicode_security::GeneralSecurityProfile;

use super::permission::truncate_for_message;
use crate::Error;

/// Longest accepted name (first name, last name, role, group, scope, agreement, tenant), in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest accepted role description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 1_000;
/// Longest accepted email address, in bytes (RFC 5321 path limit), after normalisation.
pub const MAX_EMAIL_LEN: usize = 254;
/// Longest accepted phone number as typed, in characters (formatting included).
pub const MAX_PHONE_CHARS: usize = 64;

/// Line and paragraph separators, and bidirectional embedding / override / isolate controls:
/// refused in every text field, like control characters (C0, C1, DEL).
fn separator_or_bidi(c: char) -> bool {
    matches!(
        c,
        '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

const NO_SEPARATORS: &str = "must not contain line separators or bidirectional controls";

/// Trims a name, puts it in NFC, and checks it is non-empty, at most [`MAX_NAME_CHARS`] and
/// free of control characters, line separators and bidirectional controls.
///
/// # Errors
/// [`Error::InvalidName`] naming `field` and what is wrong.
pub fn name(field: &'static str, raw: &str) -> Result<String, Error> {
    let trimmed = raw.trim();
    // ASCII is its own NFC form.
    let t: String = if trimmed.is_ascii() {
        trimmed.to_owned()
    } else {
        trimmed.nfc().collect()
    };
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
    if t.chars().any(separator_or_bidi) {
        return Err(Error::InvalidName {
            field,
            reason: NO_SEPARATORS,
        });
    }
    Ok(t)
}

/// Trims a role description and puts it in NFC; it may be empty, holds at most
/// [`MAX_DESCRIPTION_CHARS`] characters and, like a name, no control character (newlines and
/// tabs included: a description is one line), line separator or bidirectional control.
///
/// # Errors
/// [`Error::InvalidName`] with field `role description`.
pub fn description(raw: &str) -> Result<String, Error> {
    line_of_text("role description", raw)
}

/// A justification (of an activation): one line of text as a description, not empty.
pub fn justification(raw: &str) -> Result<String, Error> {
    let t = line_of_text("justification", raw)?;
    if t.is_empty() {
        return Err(Error::InvalidName {
            field: "justification",
            reason: "must not be empty: say why the access is needed",
        });
    }
    Ok(t)
}

/// Longest accepted external id, in characters.
pub const MAX_EXTERNAL_ID_CHARS: usize = 255;

/// An external id ([`User::external_id`](crate::User::external_id)), kept exactly as given
/// (it is compared exactly, as SCIM's `externalId`): 1–255 characters, no control character,
/// no line or paragraph separator or bidirectional control, no surrounding whitespace.
///
/// # Errors
/// [`Error::InvalidName`] with field `external id`.
pub fn external_id(raw: &str) -> Result<String, Error> {
    let bad = |reason| Error::InvalidName {
        field: "external id",
        reason,
    };
    if raw.is_empty() {
        return Err(bad("must not be empty"));
    }
    if raw.len() > 4 * MAX_EXTERNAL_ID_CHARS || raw.chars().count() > MAX_EXTERNAL_ID_CHARS {
        return Err(bad("must be at most 255 characters"));
    }
    if raw.chars().any(char::is_control) {
        return Err(bad("must not contain control characters"));
    }
    if raw.chars().any(separator_or_bidi) {
        return Err(bad(NO_SEPARATORS));
    }
    if raw.trim() != raw {
        return Err(bad("must not start or end with whitespace"));
    }
    Ok(raw.to_owned())
}

/// One line of free text of up to [`MAX_DESCRIPTION_CHARS`] characters, named `FIELD` in
/// refusals.
fn line_of_text(field: &'static str, raw: &str) -> Result<String, Error> {
    #[allow(non_snake_case)]
    let FIELD = field;
    let t: String = raw.trim().nfc().collect();
    if t.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(Error::InvalidName {
            field: FIELD,
            reason: "must be at most 1000 characters",
        });
    }
    if t.chars().any(char::is_control) {
        return Err(Error::InvalidName {
            field: FIELD,
            reason: "must not contain control characters (newlines and tabs included)",
        });
    }
    if t.chars().any(separator_or_bidi) {
        return Err(Error::InvalidName {
            field: FIELD,
            reason: NO_SEPARATORS,
        });
    }
    Ok(t)
}

/// Key under which names (of roles, groups, scopes, agreements) are compared: NFC, then
/// lowercase. Emails use [`email_key`].
pub fn fold(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    match unicode_normalization::is_nfc_quick(s.chars()) {
        unicode_normalization::IsNormalized::Yes => s.to_lowercase(),
        _ => s.nfc().collect::<String>().to_lowercase(),
    }
}

/// Key under which login emails are compared (uniqueness and login): Unicode's compatibility
/// caseless form, NFKC(fold(NFKC(fold(NFD(s))))) with full case folding, so that `Straße` and
/// `STRASSE`, or a fullwidth and an ordinary letter, give one key.
pub fn email_key(s: &str) -> String {
    if s.is_ascii() {
        // ASCII is its own NFD and NFKC, and its full case fold is its lowercase.
        return s.to_ascii_lowercase();
    }
    let once: String = caseless::default_case_fold_str(&s.nfd().collect::<String>());
    let twice = caseless::default_case_fold_str(&once.nfkc().collect::<String>());
    twice.nfkc().collect()
}

/// Why a character may not appear in an email at all, if it may not: controls and spaces,
/// and, beyond ASCII, anything but the letters, marks and digits of identifiers.
fn email_char_refusal(c: char) -> Option<&'static str> {
    if c.is_control() || c.is_whitespace() {
        return Some("must not contain spaces or control characters");
    }
    if c.is_ascii() {
        return None;
    }
    match c.identifier_type() {
        Some(IdentifierType::Default_Ignorable) => {
            Some("must not contain invisible, format or bidirectional control characters")
        }
        Some(
            IdentifierType::Not_Character
            | IdentifierType::Deprecated
            | IdentifierType::Not_NFKC
            | IdentifierType::Not_XID,
        )
        | None => Some("may contain, beyond ASCII, only letters, marks and digits"),
        Some(_) => None,
    }
}

/// Whether one part of an address (the local part, or one domain label) stays within one
/// script or one of UTS #39's highly restrictive combinations.
fn single_script(part: &str) -> bool {
    if part.is_ascii() {
        // ASCII letters are Latin, everything else in ASCII is Common (in every script).
        return true;
    }
    let mut all = AugmentedScriptSet::default();
    let mut without_latin = AugmentedScriptSet::default();
    for c in part.chars() {
        let set = AugmentedScriptSet::for_char(c);
        all.intersect_with(set);
        if !set.base.contains_script(Script::Latin) {
            without_latin.intersect_with(set);
        }
    }
    !all.is_empty() || without_latin.jpan || without_latin.hanb || without_latin.kore
}

/// Trims, normalises (NFKC) and validates an email address; returns it normalised, case
/// preserved. See [`User`](crate::User) for the rules.
///
/// # Errors
/// [`Error::InvalidEmail`] with the reason.
pub fn email(raw: &str) -> Result<String, Error> {
    let given = raw.trim();
    let bad = |reason| Error::InvalidEmail {
        email: truncate_for_message(given),
        reason,
    };
    if given.is_empty() {
        return Err(bad("must not be empty"));
    }
    // Bound the work before normalising (NFKC expands by a small factor at most).
    if given.len() > 4 * MAX_EMAIL_LEN {
        return Err(bad("must be at most 254 bytes"));
    }
    // ASCII is its own NFKC form.
    let e: String = if given.is_ascii() {
        given.to_owned()
    } else {
        given.nfkc().collect()
    };
    if e.len() > MAX_EMAIL_LEN {
        return Err(bad("must be at most 254 bytes"));
    }
    if let Some(reason) = e.chars().find_map(email_char_refusal) {
        return Err(bad(reason));
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
            || !l
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || is_mark(c))
        {
            return Err(bad("the domain is malformed"));
        }
    }
    if !single_script(local) {
        return Err(bad(
            "the part before @ mixes scripts (such as Latin and Cyrillic)",
        ));
    }
    if !labels.iter().all(|l| single_script(l)) {
        return Err(bad(
            "a domain label mixes scripts (such as Latin and Cyrillic)",
        ));
    }
    Ok(e)
}

/// A non-ASCII identifier character that is not a letter or digit (a combining mark, as
/// Indic scripts need); middle dots and the like stay out of domain labels.
fn is_mark(c: char) -> bool {
    !c.is_ascii()
        && !c.is_alphanumeric()
        && email_char_refusal(c).is_none()
        && !matches!(c, '\u{B7}' | '\u{387}' | '\u{5F3}' | '\u{5F4}' | '\u{30FB}')
}

/// The libphonenumber region of an ISO 3166-1 alpha-2 code, when its metadata knows it.
fn region_id(region: &str) -> Option<country::Id> {
    let id: country::Id = region.parse().ok()?;
    phonenumber::metadata::DATABASE
        .by_id(id.as_ref())
        .map(|_| id)
}

/// Whether `region` (ISO 3166-1 alpha-2, such as `US`) has a numbering plan in
/// libphonenumber's metadata, so that national numbers can be read in it.
pub fn phone_region_known(region: &str) -> bool {
    region_id(region).is_some()
}

/// A region whose metadata strips no national prefix: parsing an international number "in"
/// it reads the digits after the country code exactly as written. Works around the
/// `phonenumber` crate stripping a national prefix twice (`+7 812 …` read as `+7 12 …`).
fn literal_region() -> Option<country::Id> {
    static R: OnceLock<Option<country::Id>> = OnceLock::new();
    *R.get_or_init(|| {
        phonenumber::metadata::DATABASE
            .iter()
            .filter(|m| m.national_prefix().is_none() && m.national_prefix_for_parsing().is_none())
            .find_map(|m| region_id(m.id()))
    })
}

fn parse_error_reason(e: &phonenumber::ParseError) -> &'static str {
    use phonenumber::ParseError as P;
    match e {
        P::InvalidCountryCode => "has an unknown country code",
        P::TooShortAfterIdd | P::TooShortNsn => "is too short",
        P::TooLong => "is too long",
        _ => "is not a phone number",
    }
}

/// A parsed number in E.164, or why not.
fn parse_e164(t: &str, region: Option<&str>) -> Result<phonenumber::PhoneNumber, &'static str> {
    let international = t.starts_with('+');
    let region = region.and_then(region_id);
    if !international && region.is_none() {
        return Err("needs a country code (+…): the tenant has no phone region");
    }
    let valid = |n: &phonenumber::PhoneNumber| n.extension().is_none() && phonenumber::is_valid(n);
    let first = phonenumber::parse(if international { None } else { region }, t);
    if let Ok(n) = &first {
        if valid(n) {
            return Ok(n.clone());
        }
    }
    // The crate may strip a national prefix that belongs to the number (+7 800 …, or 8 800 …
    // read in RU): read the digits after the country code literally instead.
    let literal = if international {
        Some(t.to_owned())
    } else {
        region.and_then(|r| {
            let meta = phonenumber::metadata::DATABASE.by_id(r.as_ref())?;
            let digits = digits(t);
            let rest = digits.strip_prefix(meta.national_prefix()?)?;
            Some(format!("+{}{}", meta.country_code(), rest))
        })
    };
    if let (Some(l), Some(lit)) = (literal, literal_region()) {
        if let Ok(n) = phonenumber::parse(Some(lit), &l) {
            if valid(&n) {
                return Ok(n);
            }
        }
    }
    match first {
        Err(e) => Err(parse_error_reason(&e)),
        Ok(_) => Err("is not a valid number for its country"),
    }
}

/// Parses a phone number and returns it in E.164 (`+` and digits). National numbers are read
/// in `region` (the tenant's [`phone_region`](super::TenantSettings::phone_region)); without
/// one, only international numbers (`+…`) are accepted. See [`User`](crate::User).
///
/// # Errors
/// [`Error::InvalidPhone`] with the reason.
pub fn phone(raw: &str, region: Option<&str>) -> Result<String, Error> {
    let given = raw.trim();
    let bad = |reason| Error::InvalidPhone {
        phone: truncate_for_message(given),
        reason,
    };
    if given.is_empty() {
        return Err(bad("must not be empty"));
    }
    if given.chars().count() > MAX_PHONE_CHARS {
        return Err(bad("must be at most 64 characters"));
    }
    let t: String = given.nfkc().collect();
    for (i, c) in t.chars().enumerate() {
        match c {
            '+' if i == 0 => {}
            '0'..='9' | ' ' | '-' | '.' | '(' | ')' | '/' => {}
            _ => {
                return Err(bad(
                    "may contain only digits, spaces, - . ( ) / and a leading +",
                ))
            }
        }
    }
    let n = parse_e164(&t, region).map_err(bad)?;
    Ok(n.format().mode(phonenumber::Mode::E164).to_string())
}

/// The digits of a string, for matching phone numbers.
pub fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// What a search text means as a phone number: its digits as typed, and, when it parses as a
/// whole number (in the tenant's region, or international), its country code and national
/// number.
#[derive(Debug, Default)]
pub(crate) struct PhoneSearch {
    typed: String,
    full: Option<(String, String)>,
}

impl PhoneSearch {
    /// Reads a search text; texts with anything but digits, `+`, spaces and `- . ( ) /` are
    /// not phone searches (`agent5@acme.test` must not match every phone holding a 5).
    pub(crate) fn new(text: &str, region: Option<&str>) -> Option<PhoneSearch> {
        let t: String = text.trim().nfkc().collect();
        let phone_like = t
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '.' | '(' | ')' | '/'));
        let typed = digits(&t);
        if !phone_like || typed.is_empty() || t.chars().count() > MAX_PHONE_CHARS {
            return None;
        }
        // A search need not be a valid number (old records hold fictional ones): a number that
        // parses is enough.
        let parsed = parse_e164(&t, region).ok().or_else(|| {
            let international = t.starts_with('+');
            let region = region.and_then(region_id);
            if !international && region.is_none() {
                return None;
            }
            phonenumber::parse(if international { None } else { region }, &t).ok()
        });
        let full = parsed.map(|n| {
            let e164 = n.format().mode(phonenumber::Mode::E164).to_string();
            let cc = n.code().value().to_string();
            let national = e164[1 + cc.len()..].to_owned();
            (format!("{cc}{national}"), national)
        });
        Some(PhoneSearch { typed, full })
    }

    /// Whether a stored phone matches: its digits contain the digits as typed, or the search
    /// is a whole number and the stored phone is that number, stored in E.164 (new records)
    /// or, for records stored before numbers were parsed, as national digits without `+`.
    pub(crate) fn matches(&self, stored: &str) -> bool {
        let d = digits(stored);
        if d.contains(&self.typed) {
            return true;
        }
        match &self.full {
            Some((international, national)) => {
                if stored.trim_start().starts_with('+') {
                    d.contains(international.as_str())
                } else {
                    d.contains(national.as_str())
                }
            }
            None => false,
        }
    }
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
        // NFC: a decomposed é is stored composed, and counts as one character.
        assert_eq!(name("n", "Jose\u{301}").unwrap(), "Jos\u{e9}");
        assert!(name("n", &"e\u{301}".repeat(100)).is_ok());
        for bad in [
            "a\u{202E}b",
            "a\u{2066}b",
            "a\u{2028}b",
            "a\u{1b}[31mb",
            "a\u{85}b",
        ] {
            assert!(name("n", bad).is_err(), "{bad:?}");
        }
        // Joiners are part of some scripts' spelling.
        assert!(name("n", "\u{645}\u{200C}\u{6cc}").is_ok());
        assert_eq!(fold("Jose\u{301}"), fold("JOS\u{c9}"));
    }

    #[test]
    fn descriptions() {
        assert_eq!(description("").unwrap(), "");
        assert_eq!(description("  Reads reports ").unwrap(), "Reads reports");
        assert!(description(&"é".repeat(MAX_DESCRIPTION_CHARS)).is_ok());
        assert!(description(&"x".repeat(MAX_DESCRIPTION_CHARS + 1)).is_err());
        assert!(description(&"x".repeat(10_000_000)).is_err());
        for bad in [
            "a\u{0}b",
            "a\u{1b}b",
            "line\r\nline",
            "line\nline",
            "a\tb",
            "a\u{202E}b",
        ] {
            let e = description(bad).unwrap_err();
            assert!(
                matches!(
                    e,
                    Error::InvalidName {
                        field: "role description",
                        ..
                    }
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn emails() {
        for ok in [
            "a@b.co",
            "Ann.Lee+x@Example.COM",
            "a_b@sub.example.org",
            "jos\u{e9}@acme.test",
            "\u{438}\u{432}\u{430}\u{43d}@\u{43f}\u{440}\u{438}\u{43c}\u{435}\u{440}.\u{440}\u{444}",
            "ann@\u{43f}\u{440}\u{438}\u{43c}\u{435}\u{440}.com",
            "\u{7530}\u{4e2d}\u{305f}\u{308d}\u{3046}@\u{4f8b}\u{3048}.jp",
            "tanaka\u{7530}\u{4e2d}@acme.test",
            "\u{928}\u{93f}\u{924}\u{93f}\u{928}@\u{921}\u{93e}\u{91f}\u{93e}.\u{92d}\u{93e}\u{930}\u{924}",
        ] {
            assert!(email(ok).is_ok(), "{ok}: {:?}", email(ok));
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
    fn emails_normalise_to_nfkc() {
        // NFD and NFC give one stored form.
        assert_eq!(
            email("jose\u{301}@acme.test").unwrap(),
            "jos\u{e9}@acme.test"
        );
        // Fullwidth letters, digits and signs become ordinary ones.
        assert_eq!(
            email("\u{ff21}nn\u{ff11}\u{ff20}acme\u{ff0e}test").unwrap(),
            "Ann1@acme.test"
        );
        // So do other compatibility characters (a one-dot leader is a full stop).
        assert_eq!(email("ann@acme\u{2024}test").unwrap(), "ann@acme.test");
    }

    #[test]
    fn emails_refuse_invisible_and_bidi_characters() {
        for c in [
            '\u{200B}',
            '\u{200C}',
            '\u{200D}',
            '\u{AD}',
            '\u{2060}',
            '\u{FEFF}',
            '\u{202E}',
            '\u{202A}',
            '\u{2066}',
            '\u{200E}',
            '\u{200F}',
            '\u{61C}',
            '\u{3164}',
            '\u{FE0F}',
            '\u{E0041}',
            '\u{180E}',
        ] {
            let e = email(&format!("an{c}n@acme.test")).unwrap_err();
            assert!(
                matches!(e, Error::InvalidEmail { reason, .. } if reason.contains("invisible")),
                "{c:?}: {e:?}"
            );
            assert!(email(&format!("ann@ac{c}me.test")).is_err(), "{c:?}");
        }
        for bad in [
            "ann\u{1F600}@acme.test",
            "a\u{E000}@acme.test",
            "a\u{378}@acme.test",
            "a\u{2028}@acme.test",
            "a\u{85}@acme.test",
        ] {
            assert!(email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn emails_refuse_mixed_scripts_within_a_part() {
        // Latin "p", Cyrillic "а", Latin "ypal".
        let e = email("p\u{430}ypal@acme.test").unwrap_err();
        assert!(matches!(e, Error::InvalidEmail { reason, .. } if reason.contains("mixes")));
        assert!(email("ann@p\u{430}ypal.com").is_err());
        // Greek omicron in a Latin word.
        assert!(email("g\u{3bf}\u{3bf}gle@acme.test").is_err());
        // Latin and Cyrillic in different parts: accepted.
        assert!(email("paypal@\u{43f}\u{440}\u{438}\u{43c}\u{435}\u{440}.com").is_ok());
    }

    #[test]
    fn email_keys_fold_case_fully() {
        let k = |s: &str| email_key(&email(s).unwrap());
        assert_eq!(k("STRASSE@acme.test"), k("stra\u{df}e@acme.test"));
        assert_eq!(k("Ann@ACME.test"), k("ann@acme.test"));
        assert_eq!(
            k("\u{3a3}\u{391}\u{3a3}@acme.test"),
            k("\u{3c3}\u{3b1}\u{3c2}@acme.test")
        );
        assert_eq!(k("jose\u{301}@acme.test"), k("JOS\u{c9}@acme.test"));
        assert_eq!(k("\u{ff41}nn@acme.test"), k("ANN@acme.test"));
        // to_lowercase would keep these apart.
        assert_ne!("stra\u{df}e".to_lowercase(), "STRASSE".to_lowercase());
        // A key is its own key.
        for s in [
            "Stra\u{df}e@X.de",
            "\u{3a3}\u{345}@x.gr",
            "\u{1E9E}@x.de",
            "\u{130}@x.tr",
        ] {
            let once = email_key(s);
            assert_eq!(email_key(&once), once, "{s:?}");
        }
    }

    #[test]
    fn phones_are_stored_in_e164() {
        assert_eq!(phone(" +1 (212) 555-0199 ", None).unwrap(), "+12125550199");
        assert_eq!(phone("+44 20 7946 0958", None).unwrap(), "+442079460958");
        assert_eq!(phone("(212) 555-0199", Some("US")).unwrap(), "+12125550199");
        assert_eq!(phone("06 12 34 56 78", Some("FR")).unwrap(), "+33612345678");
        assert_eq!(
            phone("+39 06 1234 5678", Some("FR")).unwrap(),
            "+390612345678"
        );
        assert_eq!(
            phone("011 33 6 12 34 56 78", Some("US")).unwrap(),
            "+33612345678"
        );
        assert_eq!(
            phone("\u{ff0b}44 20 7946 0958", None).unwrap(),
            "+442079460958"
        );
        // The phonenumber crate strips Russia's trunk prefix 8 twice; these must survive.
        assert_eq!(phone("+7 800 555-35-35", None).unwrap(), "+78005553535");
        assert_eq!(
            phone("8 800 555-35-35", Some("RU")).unwrap(),
            "+78005553535"
        );
        assert_eq!(
            phone("+7 812 315-98-83", Some("US")).unwrap(),
            "+78123159883"
        );
        assert_eq!(
            phone("8 (495) 123-45-67", Some("RU")).unwrap(),
            "+74951234567"
        );
    }

    #[test]
    fn bad_phones_name_the_reason() {
        let reason = |p: &str, r: Option<&str>| match phone(p, r) {
            Err(Error::InvalidPhone { reason, .. }) => reason,
            other => panic!("{p:?}: {other:?}"),
        };
        assert!(reason("(212) 555-0199", None).contains("country code"));
        assert!(reason("+1 555 010 0199", None).contains("not a valid number"));
        assert!(reason("+999 1234567", None).contains("country code"));
        assert!(
            reason("12", Some("US")).contains("short") || reason("12", Some("US")).contains("not")
        );
        assert!(reason("555-CALL-NOW", Some("US")).contains("only digits"));
        assert!(reason("+1 212 555 0199 ext 7", None).contains("only digits"));
        assert!(reason(&"1".repeat(65), Some("US")).contains("64"));
        for p in [
            "",
            "+",
            "1+2345678",
            "++12125550199",
            "\u{665}\u{665}\u{665}",
            "+1 212 555 01999",
        ] {
            assert!(phone(p, Some("US")).is_err(), "{p:?}");
        }
        // A region without metadata reads nothing nationally (and never panics).
        assert!(phone("0612345678", Some("AQ")).is_err());
        assert!(!phone_region_known("AQ") && !phone_region_known("ZZ"));
        assert!(phone_region_known("US") && phone_region_known("FR"));
    }

    #[test]
    fn phone_search_matches_any_formatting() {
        let s = |t: &str, r: Option<&str>| PhoneSearch::new(t, r).unwrap();
        // Old record: national digits; new record: E.164.
        for stored in ["5550102030", "+15550102030", "+1 555 010 2030"] {
            for typed in [
                "+1 (555) 010-2030",
                "555 010 2030",
                "(555) 010-2030",
                "010-20",
            ] {
                assert!(
                    s(typed, Some("US")).matches(stored),
                    "{typed:?} in {stored:?}"
                );
                assert!(s(typed, None).matches(stored), "{typed:?} in {stored:?}");
            }
        }
        assert!(s("06 12 34 56 78", Some("FR")).matches("+33612345678"));
        assert!(s("+33 6 12 34 56 78", None).matches("0612345678"));
        // Another country's number with the same national digits is not a match.
        assert!(!s("+1 (212) 555-0199", None).matches("+442125550199"));
        assert!(PhoneSearch::new("agent5@acme.test", None).is_none());
        assert!(PhoneSearch::new("   ", None).is_none());
    }

    proptest::proptest! {
        #[test]
        fn phone_parsing_never_panics(p in "[+]?[0-9 ()./-]{0,40}", r in proptest::option::of("[A-Z]{2}")) {
            let _ = phone(&p, r.as_deref());
            let _ = PhoneSearch::new(&p, r.as_deref()).map(|s| s.matches("+12125550199"));
        }

        #[test]
        fn email_keys_are_stable(e in "\\PC{1,12}@[a-z]{1,5}\\.test") {
            let k = email_key(&e);
            proptest::prop_assert_eq!(email_key(&k), k);
        }
    }
}

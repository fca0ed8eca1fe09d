//! Passwords and recovery tokens: argon2id hashing, the password policy, token generation.
//!
//! Follows OWASP ASVS 5 / NIST SP 800-63B: long passwords allowed, no composition rules, no
//! forced rotation, no truncation or case folding, refusal of common and personal passwords.
//! A password never leaves this module in clear: not in errors, logs, audit or `Debug`.

use std::collections::HashSet;
use std::fmt;
use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::Error;

/// argon2id cost parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HashParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Iterations.
    pub t: u32,
    /// Parallelism.
    pub p: u32,
}

impl HashParams {
    /// The OWASP minimum for argon2id: m = 19 MiB, t = 2, p = 1. The default.
    pub const OWASP_MIN: HashParams = HashParams {
        m_kib: 19 * 1024,
        t: 2,
        p: 1,
    };

    /// Whether a hash made with `self` is at least as strong as one made with `other`.
    pub fn at_least(&self, other: &HashParams) -> bool {
        self.m_kib >= other.m_kib && self.t >= other.t && self.p >= other.p
    }
}

impl Default for HashParams {
    fn default() -> Self {
        HashParams::OWASP_MIN
    }
}

/// A tenant's password and login policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PasswordPolicy {
    /// Shortest accepted password, in characters (default 12).
    pub min_length: usize,
    /// Longest accepted password, in characters (default 128; at most 1024). Longer ones are
    /// refused before hashing, never truncated.
    pub max_length: usize,
    /// Refuse the most common passwords (the shipped top-10,000 list).
    pub reject_common: bool,
    /// Refuse passwords equal to or containing the user's email, its local part, or names.
    pub reject_personal: bool,
    /// Failed logins in a row that lock the account (default 5).
    pub max_failed_logins: u32,
    /// How long a lock lasts, in ms (default 15 minutes).
    pub lockout_ms: i64,
    /// How long a recovery token is valid, in ms (default 30 minutes).
    pub reset_token_ttl_ms: i64,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            min_length: 12,
            max_length: 128,
            reject_common: true,
            reject_personal: true,
            max_failed_logins: 5,
            lockout_ms: 15 * 60 * 1000,
            reset_token_ttl_ms: 30 * 60 * 1000,
        }
    }
}

/// Hard ceiling for `max_length`: protects the hasher from megabyte "passwords".
pub const MAX_PASSWORD_CHARS: usize = 1024;

impl PasswordPolicy {
    /// Checks the policy itself is sensible.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |reason: &str| {
            Err(Error::InvalidArgument {
                what: "password policy",
                reason: reason.into(),
            })
        };
        if self.min_length < 8 {
            return bad("min_length must be at least 8");
        }
        if self.max_length < 64
            || self.max_length > MAX_PASSWORD_CHARS
            || self.max_length < self.min_length
        {
            return bad("max_length must be 64 to 1024 and not below min_length");
        }
        if self.max_failed_logins == 0 || self.lockout_ms <= 0 || self.reset_token_ttl_ms <= 0 {
            return bad("max_failed_logins, lockout_ms and reset_token_ttl_ms must be positive");
        }
        Ok(())
    }

    /// Checks a candidate password for a user; the error names the rule that failed and never
    /// contains the password.
    pub fn check(&self, password: &str, email: &str, names: &[&str]) -> Result<(), Error> {
        let weak = |rule: &'static str| Err(Error::WeakPassword { rule });
        let len = password.chars().count();
        if len == 0 {
            return weak("empty");
        }
        if len < self.min_length {
            return weak("too_short");
        }
        if len > self.max_length {
            return weak("too_long");
        }
        if password.chars().any(|c| c.is_control()) {
            return weak("control_characters");
        }
        let lower = password.to_lowercase();
        if self.reject_common && is_common(&lower) {
            return weak("common");
        }
        if self.reject_personal {
            let email = email.to_lowercase();
            let local = email.split('@').next().unwrap_or("");
            let personal = std::iter::once(email.as_str())
                .chain(std::iter::once(local))
                .chain(names.iter().map(|n| n.trim()))
                .filter(|s| s.chars().count() >= 3);
            for p in personal {
                if lower.contains(&p.to_lowercase()) {
                    return weak("contains_personal_data");
                }
            }
        }
        Ok(())
    }
}

const COMMON: &str = include_str!("../data/common-passwords.txt");

fn is_common(lower: &str) -> bool {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .collect()
    })
    .contains(lower)
}

/// How many passwords the shipped common-password list holds.
pub fn common_password_count() -> usize {
    COMMON
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .count()
}

fn argon(params: &HashParams) -> Result<Argon2<'static>, Error> {
    let p = Params::new(params.m_kib, params.t, params.p, None).map_err(|e| {
        Error::InvalidArgument {
            what: "hash parameters",
            reason: e.to_string(),
        }
    })?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, p))
}

/// Fills `buf` from the operating system's CSPRNG.
pub(crate) fn random_bytes(buf: &mut [u8]) -> Result<(), Error> {
    getrandom::fill(buf).map_err(|e| Error::Storage(format!("the OS random source failed: {e}")))
}

/// Hashes a password with argon2id into a PHC string.
pub(crate) fn hash_password(password: &str, params: &HashParams) -> Result<String, Error> {
    let mut salt = [0u8; 16];
    random_bytes(&mut salt)?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| Error::Storage(e.to_string()))?;
    argon(params)?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Storage(format!("password hashing failed: {e}")))
}

/// Verifies a password against a PHC string. Returns whether it matched and whether the hash
/// is weaker than `params` (and should be upgraded).
pub(crate) fn verify_password(password: &str, phc: &str, params: &HashParams) -> (bool, bool) {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return (false, false);
    };
    let ok = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    let weaker = match Params::try_from(&parsed) {
        Ok(p) => {
            !HashParams {
                m_kib: p.m_cost(),
                t: p.t_cost(),
                p: p.p_cost(),
            }
            .at_least(params)
                || parsed.algorithm.as_str() != "argon2id"
        }
        Err(_) => true,
    };
    (ok, weaker)
}

/// A hash of a fixed dummy password, verified when the email is unknown so that an unknown
/// email and a wrong password take about as long.
pub(crate) fn dummy_hash(params: &HashParams) -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_password("rolecall dummy password for timing", params).unwrap_or_default()
    })
}

/// A freshly generated recovery token: 32 random bytes, hex-encoded, and its SHA-256.
pub(crate) fn new_token() -> Result<(Secret, String), Error> {
    let mut raw = [0u8; 32];
    random_bytes(&mut raw)?;
    let token = hex(&raw);
    let hash = token_hash(&token);
    Ok((Secret(token), hash))
}

/// The stored form of a token: hex SHA-256 of its text.
pub(crate) fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// A secret string (a password or a recovery token) whose `Debug` never shows it and which
/// serialises as `"***"`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The secret text, for the host to deliver (for example in a recovery email).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_owned())
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("***")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

/// What a host delivers to users on the library's behalf; the library never sends mail.
///
/// One shape in every language: each kind has `user` and `email`, the address to write to (the
/// user's address now); an email change also has `old_email`, which is told too.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Notification {
    /// A user's email changed: tell both the old and the new address.
    EmailChanged {
        /// The user.
        user: crate::UserId,
        /// The address before.
        old_email: String,
        /// The address now (the login from now on).
        email: String,
    },
    /// A recovery was requested: send `token` to `email` (it expires at `expires_at`).
    PasswordResetRequested {
        /// The user.
        user: crate::UserId,
        /// Where to send it.
        email: String,
        /// The single-use token.
        token: Secret,
        /// Expiry, ms since the Unix epoch.
        expires_at: i64,
    },
    /// The account was locked after too many failed logins.
    AccountLocked {
        /// The user.
        user: crate::UserId,
        /// Its email.
        email: String,
        /// End of the lock, ms since the Unix epoch.
        until: i64,
    },
}

/// A user's stored credentials. `Debug` never shows the hash.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    /// The user.
    pub user: crate::UserId,
    /// The argon2id PHC string.
    pub hash: String,
    /// The user must change the password at next login (temporary password).
    pub must_change: bool,
    /// When the password was last set, ms since the Unix epoch.
    pub changed_at: i64,
    /// Failed logins in a row.
    pub failed_logins: u32,
    /// Locked until this time (ms since the Unix epoch), if locked.
    pub locked_until: Option<i64>,
}

impl Notification {
    /// The user concerned.
    pub fn user(&self) -> crate::UserId {
        match self {
            Notification::EmailChanged { user, .. }
            | Notification::PasswordResetRequested { user, .. }
            | Notification::AccountLocked { user, .. } => *user,
        }
    }

    /// The address to write to: the user's address now (for an email change, the new one).
    pub fn email(&self) -> &str {
        match self {
            Notification::EmailChanged { email, .. }
            | Notification::PasswordResetRequested { email, .. }
            | Notification::AccountLocked { email, .. } => email,
        }
    }

    /// The stable snake_case name of the kind (`email_changed`, `password_reset_requested`,
    /// `account_locked`), as every binding spells it.
    pub fn kind(&self) -> &'static str {
        match self {
            Notification::EmailChanged { .. } => "email_changed",
            Notification::PasswordResetRequested { .. } => "password_reset_requested",
            Notification::AccountLocked { .. } => "account_locked",
        }
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("user", &self.user)
            .field("hash", &"***")
            .field("must_change", &self.must_change)
            .field("changed_at", &self.changed_at)
            .field("failed_logins", &self.failed_logins)
            .field("locked_until", &self.locked_until)
            .finish()
    }
}

/// A pending recovery token, stored hashed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetToken {
    /// Hex SHA-256 of the token text.
    pub hash: String,
    /// The user it recovers.
    pub user: crate::UserId,
    /// When it was issued, ms since the Unix epoch.
    pub issued_at: i64,
    /// When it stops being valid, ms since the Unix epoch.
    pub expires_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAST: HashParams = HashParams {
        m_kib: 64,
        t: 1,
        p: 1,
    };

    #[test]
    fn hashes_are_argon2id_phc_and_verify() {
        let h = hash_password("correct horse battery staple", &FAST).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{h}");
        assert_eq!(
            verify_password("correct horse battery staple", &h, &FAST),
            (true, false)
        );
        assert!(!verify_password("correct horse battery stapl", &h, &FAST).0);
        assert_eq!(verify_password("x", "not a phc", &FAST), (false, false));
        // A hash weaker than the configured parameters asks for an upgrade.
        assert_eq!(
            verify_password("correct horse battery staple", &h, &HashParams::OWASP_MIN),
            (true, true)
        );
        // Two hashes of one password differ (random salt).
        assert_ne!(
            h,
            hash_password("correct horse battery staple", &FAST).unwrap()
        );
    }

    #[test]
    fn policy_names_the_failed_rule() {
        let p = PasswordPolicy::default();
        let rule = |pw: &str| match p.check(pw, "ann.lee@example.com", &["Ann", "Leeward"]) {
            Err(Error::WeakPassword { rule }) => rule,
            Err(e) => panic!("{e}"),
            Ok(()) => "ok",
        };
        assert_eq!(rule(""), "empty");
        assert_eq!(rule("short pass"), "too_short");
        assert_eq!(rule(&"x".repeat(129)), "too_long");
        assert_eq!(rule("Q1w2E3r4T5y6"), "common");
        assert_eq!(rule("Ann.Lee@Example.com!"), "contains_personal_data");
        assert_eq!(rule("my name is leeward ok"), "contains_personal_data");
        assert_eq!(rule("tab\there is bad!"), "control_characters");
        assert_eq!(rule("violet kettle on the moon"), "ok");
        // No composition rules, no case folding: all-lowercase passes, and 12 chars exactly.
        assert_eq!(rule("abcdefghijkz"), "ok");
        assert!(common_password_count() >= 3000);
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (a, ha) = new_token().unwrap();
        let (b, _) = new_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), 64);
        assert_eq!(token_hash(a.expose()), ha);
        assert_ne!(ha, a.expose());
        assert_eq!(format!("{a:?}"), "Secret(***)");
    }
}

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
    /// Failed logins in a row that lock the account (default 5). Wrong current passwords
    /// given to [`change_password`](crate::Directory::change_password) count too.
    pub max_failed_logins: u32,
    /// How long a lock lasts, in ms (default 15 minutes); any positive value.
    /// [`PasswordPolicy::UNTIL_UNLOCKED`] locks until an administrator unlocks the account.
    pub lockout_ms: i64,
    /// How long a recovery token is valid, in ms (default 30 minutes; at most
    /// [`PasswordPolicy::MAX_RESET_TOKEN_TTL_MS`], 7 days).
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
    /// The `lockout_ms` of a lock that lasts until an administrator unlocks the account
    /// ([`Directory::unlock`](crate::Directory::unlock)): the lock's end is then `i64::MAX`.
    pub const UNTIL_UNLOCKED: i64 = i64::MAX;

    /// The longest accepted `reset_token_ttl_ms`: 7 days. A recovery token is a password sent
    /// by email; one that never expires is refused.
    pub const MAX_RESET_TOKEN_TTL_MS: i64 = 7 * 24 * 60 * 60 * 1000;

    /// The end of a lock that starts at `now` (saturating: never wraps into the past).
    pub fn lock_end(&self, now: i64) -> i64 {
        if self.lockout_ms == Self::UNTIL_UNLOCKED {
            i64::MAX
        } else {
            now.saturating_add(self.lockout_ms)
        }
    }

    /// The expiry of a recovery token issued at `now` (saturating).
    pub fn token_expiry(&self, now: i64) -> i64 {
        now.saturating_add(self.reset_token_ttl_ms)
    }

    /// Checks the policy itself is sensible.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the bad field: lengths out of range, a count or
    /// duration that is not positive, a recovery token lifetime above
    /// [`PasswordPolicy::MAX_RESET_TOKEN_TTL_MS`].
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
        if self.reset_token_ttl_ms > Self::MAX_RESET_TOKEN_TTL_MS {
            return bad("reset_token_ttl_ms must be at most 7 days (604800000 ms)");
        }
        Ok(())
    }

    /// Checks a candidate password for a user; the error names the rule that failed and never
    /// contains the password.
    ///
    /// # Errors
    /// [`Error::WeakPassword`] naming the rule that failed.
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
        if self.reject_personal && contains_personal(&lower, email, names) {
            return weak("contains_personal_data");
        }
        Ok(())
    }
}

/// The shortest personal word (a name, or a word of the email's local part) that counts.
const MIN_PERSONAL_WORD: usize = 4;

/// The words of `s`: maximal runs of letters, and maximal runs of digits, lowercased.
fn words(s: &str) -> impl Iterator<Item = String> + '_ {
    let kind = |c: char| {
        if c.is_alphabetic() {
            1
        } else if c.is_numeric() {
            2
        } else {
            0
        }
    };
    let mut rest = s;
    std::iter::from_fn(move || {
        let start = rest.find(|c: char| kind(c) != 0)?;
        let tail = &rest[start..];
        let k = kind(tail.chars().next()?);
        let end = tail.find(|c: char| kind(c) != k).unwrap_or(tail.len());
        rest = &tail[end..];
        Some(tail[..end].to_lowercase())
    })
}

/// Whether a (lowercased) password contains the whole email, or one of the names or of the
/// local part's words as a whole word of at least [`MIN_PERSONAL_WORD`] characters: "Anna"
/// counts in "anna rides at dawn" but not in "annabelle", and a user named "New" may use "a
/// brand new passphrase".
fn contains_personal(lower: &str, email: &str, names: &[&str]) -> bool {
    let email = email.trim().to_lowercase();
    if email.chars().count() >= MIN_PERSONAL_WORD && lower.contains(&email) {
        return true;
    }
    let local = email.split('@').next().unwrap_or("");
    let personal: HashSet<String> = names
        .iter()
        .copied()
        .chain(std::iter::once(local))
        .flat_map(words)
        .filter(|w| w.chars().count() >= MIN_PERSONAL_WORD)
        .collect();
    !personal.is_empty() && words(lower).any(|w| personal.contains(&w))
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
#[cfg(test)]
fn common_password_count() -> usize {
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

/// A PHC string with `params` (or the default parameters when `params` are unusable), verified
/// when the email is unknown so that an unknown email and a wrong password cost the same: one
/// argon2id computation under the parameters current at that moment. Built, not hashed: no
/// password matches it (its output is 32 zero bytes) and making it costs nothing.
pub(crate) fn dummy_hash(params: &HashParams) -> String {
    let p = if argon(params).is_ok() {
        *params
    } else {
        HashParams::default()
    };
    format!(
        "$argon2id$v=19$m={},t={},p={}$cm9sZWNhbGwgZHVtbXkgc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        p.m_kib, p.t, p.p
    )
}

/// HMAC-SHA256 (RFC 2104).
fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    use hmac::{KeyInit, Mac};
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    let Ok(mut mac) = hmac::Hmac::<Sha256>::new_from_slice(key) else {
        return [0; 32];
    };
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

/// What the audit log keeps of a login identifier that matched nobody (it may be a password
/// typed into the email field): `ref` and the first 8 bytes of HMAC-SHA256 of its folded form
/// under `key`, a secret that is never stored. Equal identifiers give equal references under
/// one key, so repeated attempts can be correlated; nobody reading the log can recover or test
/// the identifier. Without a key, nothing is kept.
pub(crate) fn identifier_ref(key: Option<&[u8; 32]>, folded: &str) -> String {
    match key {
        Some(key) => format!("ref {}", hex(&hmac_sha256(key, folded.as_bytes())[..8])),
        None => "ref unavailable".to_owned(),
    }
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
    /// The account was locked after too many failed logins (or wrong current passwords given
    /// to [`change_password`](crate::Directory::change_password)).
    AccountLocked {
        /// The user.
        user: crate::UserId,
        /// Its email.
        email: String,
        /// End of the lock, ms since the Unix epoch (`i64::MAX` under
        /// [`PasswordPolicy::UNTIL_UNLOCKED`]: until an administrator unlocks).
        until: i64,
    },
    /// A time-bound grant's window ended: the assignment was taken away (a level fell to no
    /// access) and the user's sessions were ended (security stamp renewed).
    GrantExpired {
        /// The user.
        user: crate::UserId,
        /// Its email.
        email: String,
        /// What ended.
        assignment: crate::Assignment,
    },
    /// A user activated a role it is eligible for.
    Activated {
        /// The user.
        user: crate::UserId,
        /// Its email.
        email: String,
        /// The role.
        role: crate::RoleId,
        /// The scope, for a per-scope activation.
        scope: Option<crate::ScopeId>,
        /// End of the activation, ms since the Unix epoch.
        until: i64,
        /// The user's justification.
        justification: String,
    },
    /// A break-glass account was used: `action` is the audit action (`login` for a login
    /// attempt, whatever its outcome).
    BreakGlassUsed {
        /// The account.
        user: crate::UserId,
        /// Its email.
        email: String,
        /// What it did (an [`AuditAction`](crate::AuditAction) name).
        action: String,
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
            | Notification::AccountLocked { user, .. }
            | Notification::GrantExpired { user, .. }
            | Notification::Activated { user, .. }
            | Notification::BreakGlassUsed { user, .. } => *user,
        }
    }

    /// The address to write to: the user's address now (for an email change, the new one).
    pub fn email(&self) -> &str {
        match self {
            Notification::EmailChanged { email, .. }
            | Notification::PasswordResetRequested { email, .. }
            | Notification::AccountLocked { email, .. }
            | Notification::GrantExpired { email, .. }
            | Notification::Activated { email, .. }
            | Notification::BreakGlassUsed { email, .. } => email,
        }
    }

    /// The stable snake_case name of the kind (`email_changed`, `password_reset_requested`,
    /// `account_locked`, `grant_expired`, `activated`, `break_glass_used`), as every binding
    /// spells it.
    pub fn kind(&self) -> &'static str {
        match self {
            Notification::EmailChanged { .. } => "email_changed",
            Notification::PasswordResetRequested { .. } => "password_reset_requested",
            Notification::AccountLocked { .. } => "account_locked",
            Notification::GrantExpired { .. } => "grant_expired",
            Notification::Activated { .. } => "activated",
            Notification::BreakGlassUsed { .. } => "break_glass_used",
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
        assert_eq!(rule("leeward2024 and more"), "contains_personal_data");
        assert_eq!(rule("ANN.LEE IS MY LOGIN!"), "ok");
        assert_eq!(rule("leewards are windy!"), "ok");
        assert_eq!(rule("tab\there is bad!"), "control_characters");
        assert_eq!(rule("violet kettle on the moon"), "ok");
        // No composition rules, no case folding: all-lowercase passes, and 12 chars exactly.
        assert_eq!(rule("abcdefghijkz"), "ok");
        assert!(common_password_count() >= 3000);
    }

    #[test]
    fn personal_words_are_whole_words_of_four_or_more_characters() {
        let p = PasswordPolicy::default();
        let rule = |pw: &str, email: &str, names: &[&str]| match p.check(pw, email, names) {
            Err(Error::WeakPassword { rule }) => rule,
            Err(e) => panic!("{e}"),
            Ok(()) => "ok",
        };
        let new = ["New", "Yu"];
        assert_eq!(rule("a brand new passphrase here", "ny@x.test", &new), "ok");
        let anna = ["Anna-Maria", "Karenina"];
        let email = "anna.k.smith85@x.test";
        assert_eq!(rule("annabelle rides at dawn", email, &anna), "ok");
        assert_eq!(
            rule("maria's kettle is blue", email, &anna),
            "contains_personal_data"
        );
        assert_eq!(
            rule("call me ANNA forever", email, &anna),
            "contains_personal_data"
        );
        assert_eq!(
            rule("smith works the forge", email, &anna),
            "contains_personal_data"
        );
        assert_eq!(rule("a blacksmith's forge!", email, &anna), "ok");
        assert_eq!(
            rule("see anna.k.smith85@x.test", email, &anna),
            "contains_personal_data"
        );
        assert_eq!(
            rule("Élodie garde la porte", "e@x.test", &["élodie"]),
            "contains_personal_data"
        );
    }

    #[test]
    fn the_dummy_hash_has_the_current_parameters() {
        let cheap = FAST;
        let dear = HashParams {
            m_kib: 4096,
            t: 3,
            p: 1,
        };
        for params in [cheap, dear, cheap] {
            let h = dummy_hash(&params);
            let parsed = PasswordHash::new(&h).unwrap();
            let got = Params::try_from(&parsed).unwrap();
            assert_eq!(
                (got.m_cost(), got.t_cost(), got.p_cost()),
                (params.m_kib, params.t, params.p)
            );
            assert_eq!(
                verify_password("anything at all", &h, &params),
                (false, false)
            );
        }
        // Unusable parameters fall back to the default ones rather than to no work.
        let bad = HashParams {
            m_kib: 1,
            t: 1,
            p: 1,
        };
        assert!(dummy_hash(&bad).contains("m=19456,t=2,p=1"));
    }

    #[test]
    fn hmac_sha256_matches_rfc_4231() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let key = [7u8; 32];
        assert_eq!(
            identifier_ref(Some(&key), "a@b"),
            identifier_ref(Some(&key), "a@b")
        );
        assert_ne!(
            identifier_ref(Some(&key), "a@b"),
            identifier_ref(Some(&[8u8; 32]), "a@b")
        );
        assert_eq!(identifier_ref(Some(&key), "a@b").len(), 4 + 16);
    }

    #[test]
    fn huge_durations_saturate_and_are_bounded() {
        let mut p = PasswordPolicy {
            lockout_ms: PasswordPolicy::UNTIL_UNLOCKED,
            ..PasswordPolicy::default()
        };
        assert!(p.validate().is_ok());
        assert_eq!(p.lock_end(1_700_000_000_000), i64::MAX);
        p.lockout_ms = i64::MAX - 1;
        assert_eq!(p.lock_end(1_700_000_000_000), i64::MAX);
        p.reset_token_ttl_ms = PasswordPolicy::MAX_RESET_TOKEN_TTL_MS;
        assert!(p.validate().is_ok());
        assert_eq!(p.token_expiry(i64::MAX - 1), i64::MAX);
        p.reset_token_ttl_ms += 1;
        assert!(matches!(p.validate(), Err(Error::InvalidArgument { .. })));
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

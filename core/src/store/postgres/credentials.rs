//! Credentials, lockout counters and recovery tokens: rows like any other, so a lockout on one
//! host holds on every host and a recovery token issued on one host works on all of them.

use super::conn::Session;
use super::db;
use crate::credentials::{Credential, ResetToken};
use crate::domain::{Change, UserId};
use crate::Error;

pub(super) fn put_credential(s: &mut Session, c: &Credential) -> Result<(), Error> {
    s.exec(
        "INSERT INTO credentials (user_id, hash, must_change, changed_at, failed_logins, locked_until)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (user_id) DO UPDATE SET hash = $2, must_change = $3, changed_at = $4,
           failed_logins = $5, locked_until = $6",
        &[
            &db(c.user.0),
            &c.hash,
            &c.must_change,
            &c.changed_at,
            &i64::from(c.failed_logins),
            &c.locked_until,
        ],
    )
    .map(drop)
}

pub(super) fn put_reset_token(s: &mut Session, t: &ResetToken) -> Result<(), Error> {
    s.exec(
        "INSERT INTO reset_tokens (hash, user_id, issued_at, expires_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (hash) DO UPDATE SET user_id = $2, issued_at = $3, expires_at = $4",
        &[&t.hash, &db(t.user.0), &t.issued_at, &t.expires_at],
    )
    .map(drop)
}

pub(super) fn clear_reset_tokens(s: &mut Session, user: UserId) -> Result<(), Error> {
    s.exec(
        "DELETE FROM reset_tokens WHERE user_id = $1",
        &[&db(user.0)],
    )
    .map(drop)
}

/// Passwords, then pending recovery tokens, as changes.
pub(super) fn read(s: &mut Session, sink: &mut dyn FnMut(Change)) -> Result<(), Error> {
    for r in s.query(
        "SELECT user_id, hash, must_change, changed_at, failed_logins, locked_until
         FROM credentials ORDER BY user_id",
        &[],
    )? {
        let failed: i64 = r.get(4);
        sink(Change::CredentialPut(Credential {
            user: UserId(r.get::<_, i64>(0) as u64),
            hash: r.get(1),
            must_change: r.get(2),
            changed_at: r.get(3),
            failed_logins: u32::try_from(failed).map_err(|_| {
                Error::Corrupt(format!("a credential counts {failed} failed logins"))
            })?,
            locked_until: r.get(5),
        }));
    }
    for r in s.query(
        "SELECT hash, user_id, issued_at, expires_at FROM reset_tokens ORDER BY hash",
        &[],
    )? {
        sink(Change::ResetTokenPut(ResetToken {
            hash: r.get(0),
            user: UserId(r.get::<_, i64>(1) as u64),
            issued_at: r.get(2),
            expires_at: r.get(3),
        }));
    }
    Ok(())
}

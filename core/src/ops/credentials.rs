//! Planning for passwords: initial and administrator-set passwords, login attempts and
//! locking, self-service changes, recovery tokens and the tenant's password policy.

use super::{NewUser, Plan};
use crate::credentials::{Credential, Notification, PasswordPolicy, ResetToken, Secret};
use crate::domain::rules::Actor;
use crate::domain::{validate, Change, Permission, TenantId, User, UserId};
use crate::Error;

/// A password hashed outside the directory's locks, ready to be stored.
#[derive(Clone)]
pub(crate) struct Hashed {
    pub hash: String,
}

/// The outcome of a recorded login attempt.
pub(crate) enum LoginResult {
    Ok {
        user: UserId,
        must_change_password: bool,
    },
    Refused(Error),
}

/// A recovery token issued by [`Directory::request_password_reset`](crate::Directory::request_password_reset).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResetIssued {
    /// The user it recovers.
    pub user: UserId,
    /// The token to deliver (single use).
    pub token: Secret,
    /// Expiry, ms since the Unix epoch.
    pub expires_at: i64,
}

impl<'m> Plan<'m> {
    /// The tenant and policy that apply to a new user's password.
    pub(super) fn initial_credential(&mut self, user: UserId, new: &NewUser) -> Result<(), Error> {
        if let Some(h) = self.pending_hash.take() {
            let c = self.fresh_credential(user, h.hash, new.temporary);
            self.changes.push(Change::CredentialPut(c));
        } else if new.password.is_some() {
            return Err(Error::Storage(
                "internal: password was not hashed before planning".into(),
            ));
        }
        Ok(())
    }

    /// A password set now: no failed logins, not locked.
    fn fresh_credential(&self, user: UserId, hash: String, must_change: bool) -> Credential {
        Credential {
            user,
            hash,
            must_change,
            changed_at: self.now,
            failed_logins: 0,
            locked_until: None,
        }
    }

    fn put_credential(&mut self, user: UserId, hash: String, must_change: bool) {
        let c = self.fresh_credential(user, hash, must_change);
        self.changes.push(Change::CredentialPut(c));
        // Any password change invalidates every pending recovery token.
        self.changes.push(Change::ResetTokensCleared { user });
    }

    /// An administrator sets (or resets) another user's password; `temporary` forces a change
    /// at next login.
    pub fn set_password(
        &mut self,
        actor: UserId,
        user: UserId,
        hashed: Hashed,
        temporary: bool,
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        let t = self.managed(&a, user, Permission::USERS_MANAGE)?;
        a.ensure_may_take_over(self.m, t)?;
        self.put_credential(t.id, hashed.hash, temporary);
        Ok(())
    }

    /// Records a password attempt for `user` verified against `verified_hash`: a locked
    /// account refuses whatever the password; a wrong password counts toward the lock (and
    /// locks at the policy's limit). `Ok(Some(e))` is a refusal to commit (the count) and
    /// report; `Ok(None)` a right password on an unlocked account.
    fn password_attempt(
        &mut self,
        u: &User,
        verified_hash: &str,
        password_ok: bool,
    ) -> Result<Option<Error>, Error> {
        let Some(cred) = self.m.credentials.get(&u.id) else {
            return Err(Error::AuthenticationFailed);
        };
        if cred.hash != verified_hash {
            // Changed concurrently: the verified password is no longer the current one.
            return Err(Error::AuthenticationFailed);
        }
        // A lock never keeps a break-glass account out (its every use is told instead).
        let locked = cred
            .locked_until
            .filter(|until| *until > self.now && !u.break_glass);
        if let Some(until) = locked {
            self.force_audit = true;
            self.outcome = Some("account_locked");
            return Ok(Some(Error::AccountLocked { until }));
        }
        if password_ok {
            return Ok(None);
        }
        let policy = &self.m.tenants[&u.tenant].policy;
        let mut c = cred.clone();
        c.failed_logins = if cred.locked_until.is_some() {
            1
        } else {
            cred.failed_logins.saturating_add(1)
        };
        c.locked_until = None;
        self.force_audit = true;
        self.outcome = Some("authentication_failed");
        if c.failed_logins >= policy.max_failed_logins {
            let until = policy.lock_end(self.now);
            c.locked_until = Some(until);
            self.detail = Some(format!("locked after {} failed attempts", c.failed_logins));
            self.notifications.push(Notification::AccountLocked {
                user: u.id,
                email: u.email.clone(),
                until,
            });
        }
        self.changes.push(Change::CredentialPut(c));
        Ok(Some(Error::AuthenticationFailed))
    }

    /// A user changes its own password, whose current one the caller verified against
    /// `verified_hash` (`password_ok`). A wrong current password counts toward the lock like
    /// a failed login, and a locked account is refused. `hashed` is the new password; `None`
    /// only plans the checks. `Ok(Some(e))` is a refusal to commit (the count) and report.
    pub fn change_own_password(
        &mut self,
        user: UserId,
        verified_hash: &str,
        password_ok: bool,
        hashed: Option<Hashed>,
    ) -> Result<Option<Error>, Error> {
        let u = self
            .m
            .users
            .get(&user)
            .ok_or_else(|| Error::UnknownUser(user.into()))?;
        self.tenant = Some(u.tenant);
        if let Some(refused) = self.password_attempt(u, verified_hash, password_ok)? {
            return Ok(Some(refused));
        }
        if !u.active {
            return Err(Error::AuthenticationFailed);
        }
        if let Some(h) = hashed {
            self.put_credential(user, h.hash, false);
        }
        Ok(None)
    }

    /// Records a login attempt whose password was verified against `verified_hash`.
    pub fn record_login(
        &mut self,
        user: UserId,
        verified_hash: &str,
        password_ok: bool,
        upgraded: Option<Hashed>,
    ) -> Result<LoginResult, Error> {
        let u = self.m.users.get(&user).ok_or(Error::AuthenticationFailed)?;
        self.tenant = Some(u.tenant);
        self.force_audit = true;
        if u.break_glass {
            self.detail = Some("break-glass account".into());
            self.notifications.push(Notification::BreakGlassUsed {
                user,
                email: u.email.clone(),
                action: crate::AuditAction::Login.name().into(),
            });
        }
        if let Some(refused) = self.password_attempt(u, verified_hash, password_ok)? {
            return Ok(LoginResult::Refused(refused));
        }
        let Some(cred) = self.m.credentials.get(&user) else {
            return Err(Error::AuthenticationFailed);
        };
        if !u.active {
            self.outcome = Some("authentication_failed");
            self.detail = Some("inactive user".into());
            return Ok(LoginResult::Refused(Error::AuthenticationFailed));
        }
        let mut c = cred.clone();
        c.failed_logins = 0;
        c.locked_until = None;
        if let Some(h) = upgraded {
            c.hash = h.hash;
            self.detail = Some("password hash upgraded".into());
        }
        if c != *cred {
            self.changes.push(Change::CredentialPut(c));
        }
        self.changes
            .push(Change::LoginRecorded { user, at: self.now });
        Ok(LoginResult::Ok {
            user,
            must_change_password: cred.must_change,
        })
    }

    /// An administrator unlocks an account locked by failed logins.
    pub fn unlock(&mut self, actor: UserId, user: UserId) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        let t = self.managed(&a, user, Permission::USERS_MANAGE)?;
        let cred = self
            .m
            .credentials
            .get(&t.id)
            .ok_or_else(|| Error::NoPassword {
                user: t.id,
                email: t.email.clone(),
            })?;
        if cred.failed_logins != 0 || cred.locked_until.is_some() {
            let mut c = cred.clone();
            c.failed_logins = 0;
            c.locked_until = None;
            self.changes.push(Change::CredentialPut(c));
        }
        Ok(())
    }

    /// Issues a recovery token for the active user of `tenant` with `email`, if any; when
    /// none, the audit keeps `unknown_ref` (see `credentials::identifier_ref`), never `email`.
    pub fn request_reset(
        &mut self,
        tenant: TenantId,
        email: &str,
        token: (Secret, String),
        unknown_ref: &str,
    ) -> Result<Option<ResetIssued>, Error> {
        let policy = &self
            .m
            .tenants
            .get(&tenant)
            .ok_or(Error::UnknownTenant(tenant))?
            .policy;
        self.tenant = Some(tenant);
        self.force_audit = true;
        let found = self
            .m
            .emails
            .get(&(tenant, validate::email_key(email.trim())))
            .and_then(|id| self.m.users.get(id))
            .filter(|u| u.active);
        let Some(u) = found else {
            self.outcome = Some("unknown_user");
            self.detail = Some(format!("no active user has this email ({unknown_ref})"));
            return Ok(None);
        };
        let expires_at = policy.token_expiry(self.now);
        let (secret, hash) = token;
        self.changes.push(Change::ResetTokenPut(ResetToken {
            hash,
            user: u.id,
            issued_at: self.now,
            expires_at,
        }));
        self.notifications
            .push(Notification::PasswordResetRequested {
                user: u.id,
                email: u.email.clone(),
                token: secret.clone(),
                expires_at,
            });
        Ok(Some(ResetIssued {
            user: u.id,
            token: secret,
            expires_at,
        }))
    }

    /// Sets a new password with a recovery token: single use, unexpired, for an active user of
    /// `tenant`. A refused token is audited and changes nothing.
    pub fn reset_with_token(
        &mut self,
        tenant: TenantId,
        token_hash: &str,
        hashed: Hashed,
    ) -> Result<UserId, Error> {
        self.tenant = Some(tenant);
        let t = self
            .m
            .reset_tokens
            .get(token_hash)
            .ok_or(Error::InvalidToken)?;
        let u = self.m.users.get(&t.user).ok_or(Error::InvalidToken)?;
        if u.tenant != tenant || t.expires_at <= self.now || !u.active {
            return Err(Error::InvalidToken);
        }
        self.put_credential(u.id, hashed.hash, false);
        Ok(u.id)
    }

    /// The superadministrator changes the tenant's password policy.
    pub fn set_password_policy(
        &mut self,
        actor: UserId,
        policy: &PasswordPolicy,
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        a.require_superadmin("change the password policy")?;
        policy.validate()?;
        let mut t = self.m.tenants[&a.tenant()].clone();
        if t.policy != *policy {
            t.policy = policy.clone();
            self.changes.push(Change::TenantPut(t));
        }
        Ok(())
    }
}

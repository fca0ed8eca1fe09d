//! Credentials: passwords, login, recovery, lockout, sessions.

use std::sync::PoisonError;

use crate::audit::AuditAction;
use crate::credentials::{self as cred, HashParams, PasswordPolicy, Secret};
use crate::domain::{validate, TenantId, UserId};
use crate::ops::{Hashed, LoginResult, ResetIssued};
use crate::Error;

use super::Directory;

/// A successful login.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// Who logged in.
    pub user: UserId,
    /// The security stamp to keep with the session; see [`Directory::session_valid`].
    pub stamp: u64,
    /// The password is temporary and must be changed now.
    pub must_change_password: bool,
}

/// A user's credential state, without the hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialStatus {
    /// A password is set.
    pub has_password: bool,
    /// The password is temporary.
    pub must_change: bool,
    /// Failed logins in a row.
    pub failed_logins: u32,
    /// Locked until (ms since the Unix epoch), if locked now.
    pub locked_until: Option<i64>,
}

impl Directory {
    /// Sets the argon2id cost of new hashes. The default is the OWASP minimum (m = 19 MiB,
    /// t = 2, p = 1); stored hashes weaker than this are upgraded at the next successful login.
    /// Lower it only in tests.
    pub fn set_hash_params(&self, params: HashParams) {
        *self
            .shared
            .hash_params
            .write()
            .unwrap_or_else(PoisonError::into_inner) = params;
    }

    pub(super) fn params(&self) -> HashParams {
        *self
            .shared
            .hash_params
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn actor_policy(&self, actor: UserId) -> Result<PasswordPolicy, Error> {
        let m = self.read();
        let u = m
            .users
            .get(&actor)
            .ok_or_else(|| Error::UnknownUser(actor.into()))?;
        Ok(m.tenants
            .get(&u.tenant)
            .map(|t| t.policy.clone())
            .unwrap_or_default())
    }

    /// Checks a password against a policy, then hashes it: outside every lock.
    pub(super) fn hash_checked(
        &self,
        policy: &PasswordPolicy,
        password: &Secret,
        email: &str,
        names: &[&str],
    ) -> Result<Hashed, Error> {
        policy.check(password.expose(), email, names)?;
        Ok(Hashed {
            hash: cred::hash_password(password.expose(), &self.params())?,
        })
    }

    /// Snapshot of what a password operation needs about a user: tenant policy, email, names,
    /// current hash.
    fn credential_context(
        &self,
        user: UserId,
    ) -> Result<(PasswordPolicy, String, [String; 2], Option<String>), Error> {
        let m = self.read();
        let u = m
            .users
            .get(&user)
            .ok_or_else(|| Error::UnknownUser(user.into()))?;
        Ok((
            m.tenants
                .get(&u.tenant)
                .map(|t| t.policy.clone())
                .unwrap_or_default(),
            u.email.clone(),
            [u.first_name.clone(), u.last_name.clone()],
            m.credentials.get(&user).map(|c| c.hash.clone()),
        ))
    }

    /// An administrator sets another user's password (`users.manage`); a `temporary` one must
    /// be changed at next login, which is what a password set by someone else should be (the
    /// default of `temporary` in [`NewUser`], Python and C++). Invalidates pending recovery
    /// tokens and the user's sessions. Authorised before the password is checked or hashed.
    ///
    /// # Errors
    /// [`Error::UnknownUser`]; [`Error::PermissionDenied`] without `users.manage`;
    /// [`Error::SuperadminProtected`] or [`Error::AdministratorProtected`] for the
    /// superadministrator's or (unless the actor is the superadministrator) an administrator's
    /// account; [`Error::Escalation`] or [`Error::LevelNotGrantable`] when the user holds rights,
    /// call groups / IVRs, agreement levels or PBX links the actor does not (taking the account
    /// over would escalate); then [`Error::WeakPassword`] for a password the tenant's policy
    /// refuses; and the errors of [every change](Directory#errors-of-every-change).
    ///
    /// [`NewUser`]: crate::NewUser
    pub fn set_password(
        &self,
        actor: UserId,
        user: UserId,
        password: &str,
        temporary: bool,
    ) -> Result<(), Error> {
        self.refresh()?;
        let (policy, email, names, _) = self.credential_context(user)?;
        // Authorise before spending a hash on it; a refusal is audited by `write`.
        if let Err(e) = self.dry_run(|p| {
            p.set_password(
                actor,
                user,
                Hashed {
                    hash: String::new(),
                },
                temporary,
            )
        }) {
            return self.write(Some(actor), AuditAction::SetPassword, |_| Err(e.clone()));
        }
        let hashed = self.hash_checked(
            &policy,
            &Secret::new(password),
            &email,
            &[&names[0], &names[1]],
        )?;
        self.write(Some(actor), AuditAction::SetPassword, |p| {
            p.set_password(actor, user, hashed.clone(), temporary)
        })
    }

    /// A user changes its own password, giving the current one. A wrong current password
    /// counts toward the lock like a failed login.
    ///
    /// # Errors
    /// [`Error::UnknownUser`]; [`Error::AuthenticationFailed`] for a wrong current password (or no
    /// password, or an inactive user); [`Error::AccountLocked`] while the account is locked,
    /// whatever the password; [`Error::WeakPassword`] for a new password the policy refuses; and
    /// the errors of [every change](Directory#errors-of-every-change).
    pub fn change_password(&self, user: UserId, current: &str, new: &str) -> Result<(), Error> {
        self.refresh()?;
        let (policy, email, names, hash) = self.credential_context(user)?;
        let Some(hash) = hash else {
            return self.write(Some(user), AuditAction::ChangePassword, |_| {
                Err(Error::AuthenticationFailed)
            });
        };
        let ok = current.chars().count() <= cred::MAX_PASSWORD_CHARS
            && cred::verify_password(current, &hash, &self.params()).0;
        // A wrong password is counted, and a refusal (locked, inactive) reported, before the
        // new password is hashed.
        if !ok
            || !matches!(
                self.dry_run(|p| p.change_own_password(user, &hash, true, None)),
                Ok(None)
            )
        {
            match self.write(Some(user), AuditAction::ChangePassword, |p| {
                p.change_own_password(user, &hash, ok, None)
            }) {
                Ok(Some(e)) | Err(e) => return Err(e),
                Ok(None) => {}
            }
        }
        let hashed =
            self.hash_checked(&policy, &Secret::new(new), &email, &[&names[0], &names[1]])?;
        match self.write(Some(user), AuditAction::ChangePassword, |p| {
            p.change_own_password(user, &hash, true, Some(hashed.clone()))
        })? {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// Logins, recovery by token, and sessions.
impl Directory {
    /// What the audit log keeps of a login identifier that matched nobody: a keyed reference,
    /// never the text (it may be a password typed into the email field).
    fn unknown_identifier(&self, email: &str) -> String {
        cred::identifier_ref(
            self.shared.audit_key.as_ref(),
            &validate::email_key(email.trim()),
        )
    }

    /// Logs a user in by email (case-insensitive) and password. An unknown email, a wrong
    /// password and an inactive account give the same [`Error::AuthenticationFailed`] and take
    /// about as long; a locked account gives [`Error::AccountLocked`]. Every attempt is audited;
    /// an email that matches nobody is kept only as a reference keyed with a secret of this
    /// instance (equal for equal emails, so repeated attempts can be correlated).
    ///
    /// # Errors
    /// [`Error::UnknownTenant`]; [`Error::AuthenticationFailed`] for an unknown email, a wrong
    /// password, a user without a password or an inactive one; [`Error::AccountLocked`] while the
    /// account is locked; the store's errors ([`Error::Storage`], [`Error::Busy`],
    /// [`Error::ReadOnly`], [`Error::Closed`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use rolecall::{Directory, Error, NewUser};
    /// let dir = Directory::in_memory();
    /// # dir.set_hash_params(rolecall::HashParams { m_kib: 256, t: 1, p: 1 }); // tests only
    /// let acme = dir.create_tenant("Acme", &NewUser::new("Ada", "Root", "ada@acme.test"), &[])?;
    /// let olga = dir.create_user(
    ///     acme.superadmin,
    ///     &NewUser::new("Olga", "P", "olga@acme.test").password("violet kettle on the moon").temporary(false),
    /// )?;
    /// let session = dir.login(acme.tenant, "OLGA@acme.test", "violet kettle on the moon")?;
    /// assert_eq!(session.user, olga);
    /// assert!(dir.session_valid(olga, session.stamp));
    /// assert_eq!(dir.login(acme.tenant, "olga@acme.test", "wrong"), Err(Error::AuthenticationFailed));
    /// # Ok::<(), rolecall::Error>(())
    /// ```
    pub fn login(&self, tenant: TenantId, email: &str, password: &str) -> Result<Session, Error> {
        // Another instance may have set this password: look it up in the store's state.
        self.refresh()?;
        let found = {
            let m = self.read();
            if !m.tenants.contains_key(&tenant) {
                return Err(Error::UnknownTenant(tenant));
            }
            m.emails
                .get(&(tenant, validate::email_key(email.trim())))
                .and_then(|id| m.credentials.get(id).map(|c| (*id, c.hash.clone())))
        };
        let params = self.params();
        let too_long = password.chars().count() > cred::MAX_PASSWORD_CHARS;
        let Some((user, hash)) = found else {
            if !too_long {
                cred::verify_password(password, &cred::dummy_hash(&params), &params);
            }
            let shown = self.unknown_identifier(email);
            self.write(None, AuditAction::Login, |p| {
                p.tenant = Some(tenant);
                p.force_audit = true;
                p.outcome = Some("authentication_failed");
                p.detail = Some(format!("no user with a password has this email ({shown})"));
                Ok(())
            })?;
            return Err(Error::AuthenticationFailed);
        };
        let (ok, weaker) = if too_long {
            (false, false)
        } else {
            cred::verify_password(password, &hash, &params)
        };
        let upgraded = if ok && weaker {
            Some(Hashed {
                hash: cred::hash_password(password, &params)?,
            })
        } else {
            None
        };
        match self.write(Some(user), AuditAction::Login, |p| {
            p.record_login(user, &hash, ok, upgraded.clone())
        })? {
            LoginResult::Ok {
                user,
                must_change_password,
            } => Ok(Session {
                user,
                stamp: self
                    .shared
                    .snapshot
                    .load()
                    .security_stamp(user)
                    .unwrap_or_default(),
                must_change_password,
            }),
            LoginResult::Refused(e) => Err(e),
        }
    }

    /// Unlocks an account locked by failed logins (`users.manage`).
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] without `users.manage`; [`Error::UnknownUser`];
    /// [`Error::NoPassword`] for a user without a password; [`Error::SuperadminProtected`] or
    /// [`Error::AdministratorProtected`] for the superadministrator's or (unless the actor is the
    /// superadministrator) an administrator's account; and the errors of [every
    /// change](Directory#errors-of-every-change).
    pub fn unlock(&self, actor: UserId, user: UserId) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::Unlock, |p| p.unlock(actor, user))
    }

    /// Starts a recovery by email: issues a single-use token (32 random bytes, stored hashed,
    /// expiring per the tenant's policy) and queues a [`Notification::PasswordResetRequested`]
    /// for the host to send. Returns `None`, and issues nothing, when no active user has that
    /// email (the host should answer its caller the same way in both cases).
    ///
    /// # Errors
    /// [`Error::UnknownTenant`]; [`Error::Storage`] when the OS random source fails; the store's
    /// errors. An unknown email is no error (`Ok(None)`).
    ///
    /// [`Notification::PasswordResetRequested`]: crate::Notification::PasswordResetRequested
    pub fn request_password_reset(
        &self,
        tenant: TenantId,
        email: &str,
    ) -> Result<Option<ResetIssued>, Error> {
        let token = cred::new_token()?;
        let unknown = self.unknown_identifier(email);
        self.write(None, AuditAction::RequestPasswordReset, |p| {
            p.request_reset(tenant, email, token.clone(), &unknown)
        })
    }

    /// Sets a new password with a recovery token. The token is single use, expires, and is
    /// invalidated by any later password change; a bad token is audited and changes nothing.
    ///
    /// # Errors
    /// [`Error::InvalidToken`] for a token that is unknown, expired, used, superseded, for another
    /// tenant or for an inactive user; [`Error::WeakPassword`] for a password the tenant's policy
    /// refuses; the store's errors ([`Error::Storage`], [`Error::Busy`], [`Error::ReadOnly`],
    /// [`Error::Closed`]).
    pub fn reset_password_with_token(
        &self,
        tenant: TenantId,
        token: &str,
        new_password: &str,
    ) -> Result<UserId, Error> {
        // Another instance may have issued this token: look it up in the store's state.
        self.refresh()?;
        let token_hash = if token.len() <= 256 {
            cred::token_hash(token.trim())
        } else {
            String::new()
        };
        // An unknown, expired or misdirected token is refused before anything is hashed.
        let checked = self.dry_run(|p| {
            p.reset_with_token(
                tenant,
                &token_hash,
                Hashed {
                    hash: String::new(),
                },
            )
        });
        let user = match checked {
            Ok(user) => user,
            Err(e) => {
                let holder = self.read().reset_tokens.get(&token_hash).map(|t| t.user);
                return self.write(holder, AuditAction::ResetPassword, |p| {
                    p.tenant = Some(tenant);
                    Err(e.clone())
                });
            }
        };
        let (policy, email, names, _) = self.credential_context(user)?;
        let hashed = self.hash_checked(
            &policy,
            &Secret::new(new_password),
            &email,
            &[&names[0], &names[1]],
        )?;
        self.write(Some(user), AuditAction::ResetPassword, |p| {
            p.reset_with_token(tenant, &token_hash, hashed.clone())
        })
    }

    /// The superadministrator sets the tenant's password and lockout policy.
    ///
    /// # Errors
    /// [`Error::SuperadminOnly`] for anyone but the superadministrator; [`Error::InvalidArgument`]
    /// for a bad value; and the errors of [every change](Directory#errors-of-every-change).
    pub fn set_password_policy(&self, actor: UserId, policy: &PasswordPolicy) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::SetPasswordPolicy, |p| {
            p.set_password_policy(actor, policy)
        })
    }

    /// A tenant's password and lockout policy.
    ///
    /// # Errors
    /// [`Error::UnknownTenant`].
    pub fn password_policy(&self, tenant: TenantId) -> Result<PasswordPolicy, Error> {
        self.tenant(tenant).map(|t| t.policy)
    }

    /// Whether the user has a password, must change it, and whether it is locked now.
    ///
    /// # Errors
    /// [`Error::UnknownUser`].
    pub fn credential_status(&self, user: UserId) -> Result<CredentialStatus, Error> {
        let m = self.read();
        if !m.users.contains_key(&user) {
            return Err(Error::UnknownUser(user.into()));
        }
        let now = self.shared.clock.now_ms();
        Ok(match m.credentials.get(&user) {
            None => CredentialStatus {
                has_password: false,
                must_change: false,
                failed_logins: 0,
                locked_until: None,
            },
            Some(c) => CredentialStatus {
                has_password: true,
                must_change: c.must_change,
                failed_logins: c.failed_logins,
                locked_until: c.locked_until.filter(|u| *u > now),
            },
        })
    }

    /// The user's current security stamp (see [`User::stamp`]).
    ///
    /// # Errors
    /// [`Error::UnknownUser`].
    ///
    /// [`User::stamp`]: crate::User::stamp
    pub fn security_stamp(&self, user: UserId) -> Result<u64, Error> {
        self.shared
            .snapshot
            .load()
            .security_stamp(user)
            .ok_or_else(|| Error::UnknownUser(user.into()))
    }

    /// Whether a session issued to `user` under `stamp` is still valid: the user exists, is
    /// active, and nothing security-relevant changed since. Lock-free.
    pub fn session_valid(&self, user: UserId, stamp: u64) -> bool {
        self.with_snapshot(|s| s.session_valid(user, stamp))
    }
}

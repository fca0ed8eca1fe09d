//! Sessions, credential status, password resets and notifications.

use std::ffi::c_char;
use std::ptr;

use rolecall::Notification;

use crate::conv::{cstring, free_array, free_boxed, free_cstring};
use crate::types::*;

use super::rolecall_assignment;

/// A successful login (plain value, written into a caller-provided struct).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct rolecall_session {
    /// Who logged in.
    pub user: rolecall_user_id,
    /// The security stamp to keep with the session (see rolecall_session_valid()).
    pub stamp: u64,
    /// The password is temporary and must be changed now.
    pub must_change_password: bool,
}

/// A user's credential state, without the hash (plain value).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct rolecall_credential_status {
    /// A password is set.
    pub has_password: bool,
    /// The password is temporary.
    pub must_change: bool,
    /// Failed logins in a row.
    pub failed_logins: u32,
    /// The account is locked now (until `locked_until`).
    pub locked: bool,
    /// End of the lock, ms since the Unix epoch (0 when not locked).
    pub locked_until: i64,
}

/// A recovery token issued by rolecall_password_reset_request: send `token` to the user.
#[repr(C)]
pub struct rolecall_reset_issued {
    /// The user.
    pub user: rolecall_user_id,
    /// The single-use token (secret: deliver it, never log it).
    pub token: *const c_char,
    /// Expiry, ms since the Unix epoch.
    pub expires_at: i64,
}

impl Drop for rolecall_reset_issued {
    fn drop(&mut self) {
        // SAFETY: made by `cstring`, freed only here.
        unsafe { free_cstring(self.token) }
    }
}

/// Frees a rolecall_reset_issued and everything it points to. NULL is fine.
///
/// Safety: the record came from this library and is not used afterwards. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_reset_issued_free(record: *mut rolecall_reset_issued) {
    // SAFETY: per the contract.
    crate::status::contain(|| unsafe { free_boxed(record) })
}

/// The kind of a notification: one of ROLECALL_NOTIFICATION_*.
pub type rolecall_notification_kind = u32;
/// A kind this version of the header does not know (a newer library).
pub const ROLECALL_NOTIFICATION_OTHER: rolecall_notification_kind = 0;
/// A user's email changed: tell the old (`old_email`) and the new (`email`) address.
pub const ROLECALL_NOTIFICATION_EMAIL_CHANGED: rolecall_notification_kind = 1;
/// A recovery was requested: send `token` to `email`; it expires at `expires_at`.
pub const ROLECALL_NOTIFICATION_PASSWORD_RESET_REQUESTED: rolecall_notification_kind = 2;
/// The account was locked after too many failed logins, until `until`; `email` is the
/// user's.
pub const ROLECALL_NOTIFICATION_ACCOUNT_LOCKED: rolecall_notification_kind = 3;
/// A time-bound grant's window ended: `assignment` was taken away (a level fell to no access)
/// and the user's sessions were ended.
pub const ROLECALL_NOTIFICATION_GRANT_EXPIRED: rolecall_notification_kind = 4;
/// The user activated `role` (for `scope`, 0: held directly) until `until`, saying
/// `justification`.
pub const ROLECALL_NOTIFICATION_ACTIVATED: rolecall_notification_kind = 5;
/// A break-glass account was used: `action` is the audit action (`login` for a login attempt,
/// whatever its outcome).
pub const ROLECALL_NOTIFICATION_BREAK_GLASS_USED: rolecall_notification_kind = 6;

/// Something the host delivers to a user on the library's behalf (the library never sends
/// mail). Fields not used by a kind are NULL / 0. The same shape as in Rust, Python and
/// uniffi: `user` and `email` (where to write: the user's address now) for every kind,
/// `old_email` for EMAIL_CHANGED.
#[repr(C)]
pub struct rolecall_notification {
    /// What happened.
    pub kind: rolecall_notification_kind,
    /// The user concerned.
    pub user: rolecall_user_id,
    /// Where to write, for every kind: the user's address now (for EMAIL_CHANGED the new one).
    pub email: *const c_char,
    /// EMAIL_CHANGED: the address before.
    pub old_email: *const c_char,
    /// PASSWORD_RESET_REQUESTED: the single-use token (secret).
    pub token: *const c_char,
    /// PASSWORD_RESET_REQUESTED: expiry of the token, ms since the Unix epoch.
    pub expires_at: i64,
    /// ACCOUNT_LOCKED: end of the lock; ACTIVATED: end of the activation; ms since the Unix
    /// epoch.
    pub until: i64,
    /// GRANT_EXPIRED: what ended.
    pub assignment: rolecall_assignment,
    /// ACTIVATED: the role.
    pub role: rolecall_role_id,
    /// ACTIVATED: the scope, or 0 (held directly).
    pub scope: rolecall_scope_id,
    /// ACTIVATED: the user's justification.
    pub justification: *const c_char,
    /// BREAK_GLASS_USED: what the account did (an audit action name).
    pub action: *const c_char,
}

impl From<&Notification> for rolecall_notification {
    fn from(n: &Notification) -> Self {
        let mut out = rolecall_notification {
            kind: ROLECALL_NOTIFICATION_OTHER,
            user: 0,
            email: ptr::null(),
            old_email: ptr::null(),
            token: ptr::null(),
            expires_at: 0,
            until: 0,
            assignment: rolecall_assignment::default(),
            role: 0,
            scope: 0,
            justification: ptr::null(),
            action: ptr::null(),
        };
        match n {
            Notification::EmailChanged {
                user,
                old_email,
                email,
            } => {
                out.kind = ROLECALL_NOTIFICATION_EMAIL_CHANGED;
                out.user = user.0;
                out.email = cstring(email.as_str());
                out.old_email = cstring(old_email.as_str());
            }
            Notification::PasswordResetRequested {
                user,
                email,
                token,
                expires_at,
            } => {
                out.kind = ROLECALL_NOTIFICATION_PASSWORD_RESET_REQUESTED;
                out.user = user.0;
                out.email = cstring(email.as_str());
                out.token = cstring(token.expose());
                out.expires_at = *expires_at;
            }
            Notification::AccountLocked { user, email, until } => {
                out.kind = ROLECALL_NOTIFICATION_ACCOUNT_LOCKED;
                out.user = user.0;
                out.email = cstring(email.as_str());
                out.until = *until;
            }
            Notification::GrantExpired {
                user,
                email,
                assignment,
            } => {
                out.kind = ROLECALL_NOTIFICATION_GRANT_EXPIRED;
                out.user = user.0;
                out.email = cstring(email.as_str());
                out.assignment = (*assignment).into();
            }
            Notification::Activated {
                user,
                email,
                role,
                scope,
                until,
                justification,
            } => {
                out.kind = ROLECALL_NOTIFICATION_ACTIVATED;
                out.user = user.0;
                out.email = cstring(email.as_str());
                out.role = role.0;
                out.scope = scope.map_or(0, |s| s.0);
                out.until = *until;
                out.justification = cstring(justification.as_str());
            }
            Notification::BreakGlassUsed {
                user,
                email,
                action,
            } => {
                out.kind = ROLECALL_NOTIFICATION_BREAK_GLASS_USED;
                out.user = user.0;
                out.email = cstring(email.as_str());
                out.action = cstring(action.as_str());
            }
            _ => {}
        }
        out
    }
}

impl Drop for rolecall_notification {
    fn drop(&mut self) {
        // SAFETY: made by `cstring`, freed only here.
        unsafe {
            free_cstring(self.email);
            free_cstring(self.old_email);
            free_cstring(self.token);
            free_cstring(self.justification);
            free_cstring(self.action);
        }
    }
}

/// Notifications, oldest first.
#[repr(C)]
pub struct rolecall_notification_list {
    /// The records (NULL when `len` is 0).
    pub items: *mut rolecall_notification,
    /// How many records `items` holds.
    pub len: usize,
}

impl Drop for rolecall_notification_list {
    fn drop(&mut self) {
        // SAFETY: `items`/`len` were made by `array` and are freed only here.
        unsafe { free_array(self.items, self.len) }
    }
}

/// Frees a rolecall_notification_list and every record in it. NULL is fine.
///
/// Safety: the list came from this library and is not used afterwards. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_notification_list_free(list: *mut rolecall_notification_list) {
    // SAFETY: per the contract.
    crate::status::contain(|| unsafe { free_boxed(list) })
}

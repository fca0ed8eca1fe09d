//! Input structs the caller fills: users, roles, queries, the password policy.

use std::ffi::c_char;

use rolecall::PasswordPolicy;

use crate::types::*;

// ================================================================ inputs

/// A user to create (rolecall_user_create, and the superadministrator of rolecall_tenant_create).
/// Zero-initialise it, then set the fields: `{0}` means active, no phone, no roles, no password
/// (and a password, once given, temporary).
#[repr(C)]
pub struct rolecall_new_user {
    /// First name (1 to 100 characters). Required.
    pub first_name: *const c_char,
    /// Last name (1 to 100 characters). Required.
    pub last_name: *const c_char,
    /// Email, the login: unique per tenant, case-insensitively. Required.
    pub email: *const c_char,
    /// Phone (parsed by the library and stored in E.164), or NULL for none.
    pub phone: *const c_char,
    /// Roles to hold directly (`roles_len` ids; NULL when `roles_len` is 0).
    pub roles: *const rolecall_role_id,
    /// Number of ids in `roles`.
    pub roles_len: usize,
    /// Create the user inactive (an inactive user holds nothing and cannot log in).
    pub inactive: bool,
    /// An initial password (checked against the tenant's password policy, stored as argon2id),
    /// or NULL for none.
    pub password: *const c_char,
    /// The initial password is permanent. Left `false` (zero), it is temporary and must be
    /// changed at first login: the default of every password set by someone else, as
    /// `temporary` is in Rust, Python and rolecall_password_set(). Set it only for a password
    /// the user chose itself.
    pub permanent_password: bool,
    /// Groups to join in the same commit (`groups_len` ids; NULL when `groups_len` is 0),
    /// each under the rules of rolecall_group_add_member(). Last in the struct: a caller that
    /// zero-initialises it (`= {0}`, designated initialisers) joins none.
    pub groups: *const rolecall_group_id,
    /// Number of ids in `groups`.
    pub groups_len: usize,
    /// Call groups / IVRs the user is restricted to (`scopes_len` ids; NULL when `scopes_len`
    /// is 0), under the rules of rolecall_user_set_scopes(); its roles and group roles are
    /// granted within them.
    pub scopes: *const rolecall_scope_id,
    /// Number of ids in `scopes`.
    pub scopes_len: usize,
    /// Teams (scopes of kind ROLECALL_SCOPE_KIND_TEAM) the user is a member of, in the same
    /// commit (`teams_len` ids; NULL when `teams_len` is 0), under the rules of
    /// rolecall_user_set_teams().
    pub teams: *const rolecall_scope_id,
    /// Number of ids in `teams`.
    pub teams_len: usize,
    /// Roles granted for a scope and everything below it, in the same commit (`grants_len`
    /// pairs; NULL when `grants_len` is 0), each under the rules of
    /// rolecall_user_grant_role_in_scope().
    pub grants: *const rolecall_scope_grant,
    /// Number of pairs in `grants`.
    pub grants_len: usize,
    /// The user's id in the system it is provisioned from (unique per tenant, compared
    /// exactly, 1–255 characters), or NULL.
    pub external_id: *const c_char,
}

/// A role granted to a user for one scope and everything below it (input of
/// rolecall_new_user, output in rolecall_user). Plain value.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct rolecall_scope_grant {
    /// The role.
    pub role: rolecall_role_id,
    /// The scope it is granted for.
    pub scope: rolecall_scope_id,
}

/// Changes to a user's profile (rolecall_user_update). A NULL field is left as it is.
#[repr(C)]
pub struct rolecall_user_patch {
    /// New first name, or NULL.
    pub first_name: *const c_char,
    /// New last name, or NULL.
    pub last_name: *const c_char,
    /// New email (the user then logs in with it), or NULL.
    pub email: *const c_char,
    /// New phone, or NULL to leave it (see `remove_phone`).
    pub phone: *const c_char,
    /// Remove the phone (then `phone` must be NULL).
    pub remove_phone: bool,
    /// New external id (needs `users.manage`), or NULL to leave it (see `remove_external_id`).
    pub external_id: *const c_char,
    /// Remove the external id (then `external_id` must be NULL).
    pub remove_external_id: bool,
}

/// A custom role to create (rolecall_role_create).
#[repr(C)]
pub struct rolecall_new_role {
    /// Name, unique per tenant (case-insensitively). Required.
    pub name: *const c_char,
    /// What it grants.
    pub permissions: rolecall_permission,
    /// Its permissions apply only to the holder's call groups / IVRs.
    pub scoped: bool,
    /// Administrator tier (only the superadministrator creates, grants or edits it).
    pub admin_tier: bool,
    /// Free text, or NULL for none.
    pub description: *const c_char,
    /// What it denies to every holder, tenant-wide (explicit deny: denials win over every
    /// allow); must not overlap `permissions`. Zero: nothing.
    pub denied: rolecall_permission,
}

/// Changes to a custom role (rolecall_role_update). NULL / false leaves a field as it is.
#[repr(C)]
pub struct rolecall_role_patch {
    /// New name, or NULL.
    pub name: *const c_char,
    /// Replace the permission set with `permissions` (added rights are a grant to every holder).
    pub set_permissions: bool,
    /// The new permission set, used when `set_permissions` is true.
    pub permissions: rolecall_permission,
    /// New description, or NULL.
    pub description: *const c_char,
    /// Replace the denied set with `denied` (denials removed are a grant to every holder;
    /// denials added need no right).
    pub set_denied: bool,
    /// The new denied set, used when `set_denied` is true.
    pub denied: rolecall_permission,
}

/// A user search (rolecall_user_search). Start from rolecall_user_query_default().
#[repr(C)]
pub struct rolecall_user_query {
    /// Text to look for in "first last", "last first", the email, or (for phone-like text) the
    /// phone, however formatted; case-insensitive. NULL or empty matches everyone.
    pub text: *const c_char,
    /// Only active users.
    pub active_only: bool,
    /// How many matches to skip.
    pub offset: usize,
    /// At most this many (1 to 1000; the default is 50).
    pub limit: usize,
}

/// A query over the audit log (rolecall_audit_search); every filter is optional. Start from
/// rolecall_audit_query_default().
#[repr(C)]
pub struct rolecall_audit_query {
    /// Filter on `tenant`.
    pub has_tenant: bool,
    /// Only this tenant's events.
    pub tenant: rolecall_tenant_id,
    /// Filter on `actor`.
    pub has_actor: bool,
    /// Only events by this actor.
    pub actor: rolecall_user_id,
    /// Only events on this target kind (`"user"`, `"role"`, ...), or NULL.
    pub target_kind: *const c_char,
    /// Filter on `target_id`.
    pub has_target_id: bool,
    /// Only events on this object id.
    pub target_id: u64,
    /// Only this action (`"create_user"`, `"login"`, ...), or NULL.
    pub action: *const c_char,
    /// Only this outcome (`"ok"` or an error kind), or NULL.
    pub outcome: *const c_char,
    /// Filter on `since`.
    pub has_since: bool,
    /// Only events at or after this time (ms since the Unix epoch).
    pub since: i64,
    /// Filter on `until`.
    pub has_until: bool,
    /// Only events before this time (ms since the Unix epoch).
    pub until: i64,
    /// Skip this many matches.
    pub offset: usize,
    /// At most this many (1 to 1000; the default is 100).
    pub limit: usize,
}

/// The `lockout_ms` of a lock that lasts until an administrator unlocks the account
/// (rolecall_user_unlock()); the lock's end is then `INT64_MAX`.
pub const ROLECALL_LOCKOUT_UNTIL_UNLOCKED: i64 = 9_223_372_036_854_775_807;
const _: () = assert!(ROLECALL_LOCKOUT_UNTIL_UNLOCKED == PasswordPolicy::UNTIL_UNLOCKED);

/// The longest accepted `reset_token_ttl_ms`: 7 days.
pub const ROLECALL_MAX_RESET_TOKEN_TTL_MS: i64 = 604_800_000;
const _: () = assert!(ROLECALL_MAX_RESET_TOKEN_TTL_MS == PasswordPolicy::MAX_RESET_TOKEN_TTL_MS);

/// A tenant's password and lockout policy (plain value, no pointers).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct rolecall_password_policy {
    /// Shortest accepted password, in characters.
    pub min_length: usize,
    /// Longest accepted password, in characters (at most 1024).
    pub max_length: usize,
    /// Refuse the most common passwords.
    pub reject_common: bool,
    /// Refuse passwords containing the user's email or names.
    pub reject_personal: bool,
    /// Failed logins (and wrong current passwords given to rolecall_password_change()) in a row
    /// that lock the account.
    pub max_failed_logins: u32,
    /// How long a lock lasts, in ms; ROLECALL_LOCKOUT_UNTIL_UNLOCKED locks until an
    /// administrator unlocks.
    pub lockout_ms: i64,
    /// How long a recovery token is valid, in ms (at most ROLECALL_MAX_RESET_TOKEN_TTL_MS).
    pub reset_token_ttl_ms: i64,
}

impl From<&PasswordPolicy> for rolecall_password_policy {
    fn from(p: &PasswordPolicy) -> Self {
        rolecall_password_policy {
            min_length: p.min_length,
            max_length: p.max_length,
            reject_common: p.reject_common,
            reject_personal: p.reject_personal,
            max_failed_logins: p.max_failed_logins,
            lockout_ms: p.lockout_ms,
            reset_token_ttl_ms: p.reset_token_ttl_ms,
        }
    }
}

impl From<&rolecall_password_policy> for PasswordPolicy {
    fn from(p: &rolecall_password_policy) -> Self {
        PasswordPolicy {
            min_length: p.min_length,
            max_length: p.max_length,
            reject_common: p.reject_common,
            reject_personal: p.reject_personal,
            max_failed_logins: p.max_failed_logins,
            lockout_ms: p.lockout_ms,
            reset_token_ttl_ms: p.reset_token_ttl_ms,
        }
    }
}

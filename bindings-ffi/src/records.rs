//! The plain structs exchanged with C: input structs the caller fills, and read-only records
//! the library allocates (owned by the caller, freed with their `_free` function, which accepts
//! NULL and frees everything the record points to).

use std::ffi::c_char;
use std::ptr;

use rolecall::Notification;
use rolecall::{
    Agreement, AuditEvent, Explanation, Group, Page, PasswordPolicy, Role, Scope, Tenant, User,
};

use crate::conv::{array, boxed, cstring, free_array, free_boxed, free_cstring, opt_cstring};
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

// ================================================================ outputs

/// A list of ids (members of a group, users holding a permission, ...), owned by the caller.
#[repr(C)]
pub struct rolecall_id_list {
    /// The ids, in id order (NULL when `len` is 0).
    pub ids: *mut u64,
    /// How many ids.
    pub len: usize,
}

impl rolecall_id_list {
    pub(crate) fn new(ids: impl IntoIterator<Item = u64>) -> *mut Self {
        let (ids, len) = array(ids.into_iter().collect());
        boxed(rolecall_id_list { ids, len })
    }
}

impl Drop for rolecall_id_list {
    fn drop(&mut self) {
        // SAFETY: made by `array`, freed only here.
        unsafe { free_array(self.ids, self.len) }
    }
}

/// Frees a rolecall_id_list and everything it points to. NULL is fine.
///
/// Safety: the record came from this library and is not used afterwards. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_id_list_free(record: *mut rolecall_id_list) {
    // SAFETY: per the contract.
    crate::status::contain(|| unsafe { free_boxed(record) })
}

/// Frees a string the library returned as owned by the caller. NULL is fine.
///
/// Safety: `s` came from this library as an owned string (never one owned by a record, nor a
/// static one) and is not used afterwards. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_string_free(s: *mut c_char) {
    // SAFETY: per the contract.
    crate::status::contain(|| unsafe { free_cstring(s) })
}

/// A tenant: one customer account.
#[repr(C)]
pub struct rolecall_tenant {
    /// Its id.
    pub id: rolecall_tenant_id,
    /// Its display name.
    pub name: *const c_char,
    /// Its superadministrator (the root user, appointed at creation).
    pub superadmin: rolecall_user_id,
    /// Creation time, ms since the Unix epoch.
    pub created_at: i64,
    /// Its password and lockout policy.
    pub policy: rolecall_password_policy,
}

impl From<Tenant> for rolecall_tenant {
    fn from(t: Tenant) -> Self {
        rolecall_tenant {
            id: t.id.0,
            name: cstring(t.name),
            superadmin: t.superadmin.0,
            created_at: t.created_at,
            policy: (&t.policy).into(),
        }
    }
}

impl Drop for rolecall_tenant {
    fn drop(&mut self) {
        // SAFETY: made by `cstring`, freed only here.
        unsafe { free_cstring(self.name) }
    }
}

/// Frees a rolecall_tenant and everything it points to. NULL is fine.
///
/// Safety: the record came from this library and is not used afterwards. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_tenant_free(record: *mut rolecall_tenant) {
    // SAFETY: per the contract.
    crate::status::contain(|| unsafe { free_boxed(record) })
}
/// Tenants, in id order.
#[repr(C)]
pub struct rolecall_tenant_list {
    /// The records (NULL when `len` is 0).
    pub items: *mut rolecall_tenant,
    /// How many records `items` holds.
    pub len: usize,
}

impl Drop for rolecall_tenant_list {
    fn drop(&mut self) {
        // SAFETY: `items`/`len` were made by `array` and are freed only here.
        unsafe { free_array(self.items, self.len) }
    }
}

/// Frees a rolecall_tenant_list and every record in it. NULL is fine.
///
/// Safety: the list came from this library and is not used afterwards. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_tenant_list_free(list: *mut rolecall_tenant_list) {
    // SAFETY: per the contract.
    crate::status::contain(|| unsafe { free_boxed(list) })
}

/// What rolecall_tenant_create created.
#[repr(C)]
pub struct rolecall_tenant_created {
    /// The tenant.
    pub tenant: rolecall_tenant_id,
    /// Its superadministrator.
    pub superadmin: rolecall_user_id,
    /// The built-in roles installed from the presets, in preset order (NULL when none).
    pub roles: *mut rolecall_role_id,
    /// How many ids `roles` holds.
    pub roles_len: usize,
}

impl Drop for rolecall_tenant_created {
    fn drop(&mut self) {
        // SAFETY: made by `array`, freed only here.
        unsafe { free_array(self.roles, self.roles_len) }
    }
}

/// Frees a rolecall_tenant_created and everything it points to. NULL is fine.
///
/// Safety: the record came from this library and is not used afterwards. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_tenant_created_free(record: *mut rolecall_tenant_created) {
    // SAFETY: per the contract.
    crate::status::contain(|| unsafe { free_boxed(record) })
}

/// A user (a person who logs in).
#[repr(C)]
pub struct rolecall_user {
    /// Its id.
    pub id: rolecall_user_id,
    /// Its tenant.
    pub tenant: rolecall_tenant_id,
    /// First name.
    pub first_name: *const c_char,
    /// Last name.
    pub last_name: *const c_char,
    /// Email (the login), case preserved.
    pub email: *const c_char,
    /// Phone in E.164 (`+` and digits), or NULL.
    pub phone: *const c_char,
    /// Whether the user is active (an inactive user holds nothing and cannot log in).
    pub active: bool,
    /// Roles held directly, in id order (NULL when none).
    pub roles: *mut rolecall_role_id,
    /// How many ids `roles` holds.
    pub roles_len: usize,
    /// Call groups and IVRs assigned to the user, in id order (NULL when none).
    pub scopes: *mut rolecall_scope_id,
    /// How many ids `scopes` holds.
    pub scopes_len: usize,
    /// Creation time, ms since the Unix epoch.
    pub created_at: i64,
    /// Last change, ms since the Unix epoch.
    pub updated_at: i64,
    /// Whether the user ever logged in (then `last_login` is set).
    pub has_last_login: bool,
    /// Last successful login, ms since the Unix epoch (0 when `has_last_login` is false).
    pub last_login: i64,
    /// Security stamp: sessions issued under an older stamp are no longer valid.
    pub stamp: u64,
    /// Teams the user is a member of, in id order (NULL when none).
    pub teams: *mut rolecall_scope_id,
    /// How many ids `teams` holds.
    pub teams_len: usize,
    /// Roles granted to the user for a scope (and everything below it), in (role, scope)
    /// order (NULL when none).
    pub grants: *mut rolecall_scope_grant,
    /// How many pairs `grants` holds.
    pub grants_len: usize,
}

impl From<User> for rolecall_user {
    fn from(u: User) -> Self {
        let (roles, roles_len) = array(u.roles.iter().map(|r| r.0).collect());
        let (scopes, scopes_len) = array(u.scopes.iter().map(|s| s.0).collect());
        let (teams, teams_len) = array(u.teams.iter().map(|s| s.0).collect());
        let (grants, grants_len) = array(
            u.grants
                .iter()
                .map(|g| rolecall_scope_grant {
                    role: g.role.0,
                    scope: g.scope.0,
                })
                .collect(),
        );
        rolecall_user {
            id: u.id.0,
            tenant: u.tenant.0,
            first_name: cstring(u.first_name),
            last_name: cstring(u.last_name),
            email: cstring(u.email),
            phone: opt_cstring(u.phone),
            active: u.active,
            roles,
            roles_len,
            scopes,
            scopes_len,
            created_at: u.created_at,
            updated_at: u.updated_at,
            has_last_login: u.last_login.is_some(),
            last_login: u.last_login.unwrap_or(0),
            stamp: u.stamp,
            teams,
            teams_len,
            grants,
            grants_len,
        }
    }
}

impl Drop for rolecall_user {
    fn drop(&mut self) {
        // SAFETY: every pointer was made by `cstring` / `array` and is freed only here.
        unsafe {
            free_cstring(self.first_name);
            free_cstring(self.last_name);
            free_cstring(self.email);
            free_cstring(self.phone);
            free_array(self.roles, self.roles_len);
            free_array(self.scopes, self.scopes_len);
            free_array(self.teams, self.teams_len);
            free_array(self.grants, self.grants_len);
        }
    }
}

/// Frees a rolecall_user and everything it points to. NULL is fine.
///
/// Safety: the record came from this library and is not used afterwards. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_user_free(record: *mut rolecall_user) {
    // SAFETY: per the contract.
    crate::status::contain(|| unsafe { free_boxed(record) })
}
/// Users, in id order; for a search, one page of the matches.
#[repr(C)]
pub struct rolecall_user_list {
    /// The records (NULL when `len` is 0).
    pub items: *mut rolecall_user,
    /// How many records `items` holds.
    pub len: usize,
    /// How many users match in all (for a search; otherwise `len`).
    pub total: usize,
    /// The offset this page starts at (for a search; otherwise 0).
    pub offset: usize,
}

impl Drop for rolecall_user_list {
    fn drop(&mut self) {
        // SAFETY: `items`/`len` were made by `array` and are freed only here.
        unsafe { free_array(self.items, self.len) }
    }
}

/// Frees a rolecall_user_list and every record in it. NULL is fine.
///
/// Safety: the list came from this library and is not used afterwards. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_user_list_free(list: *mut rolecall_user_list) {
    // SAFETY: per the contract.
    crate::status::contain(|| unsafe { free_boxed(list) })
}

impl rolecall_user_list {
    pub(crate) fn new(users: Vec<User>) -> *mut Self {
        let total = users.len();
        Self::page(Page {
            items: users,
            total,
            offset: 0,
        })
    }

    pub(crate) fn page(page: Page<User>) -> *mut Self {
        let (items, len) = array(page.items.into_iter().map(Into::into).collect());
        boxed(rolecall_user_list {
            items,
            len,
            total: page.total,
            offset: page.offset,
        })
    }
}

/// A role: a named permission set.
#[repr(C)]
pub struct rolecall_role {
    /// Its id.
    pub id: rolecall_role_id,
    /// Its tenant.
    pub tenant: rolecall_tenant_id,
    /// Its name, unique within its namespace (case-insensitively).
    pub name: *const c_char,
    /// The namespace its name is unique in: `"custom"` for the tenant's own roles, else the
    /// name of the preset it was installed from (`"managers"`, `"role_model"`, `"dashboard"`).
    /// Never NULL.
    pub namespace_name: *const c_char,
    /// What it grants.
    pub permissions: rolecall_permission,
    /// Its permissions apply only to the holder's call groups / IVRs.
    pub scoped: bool,
    /// Administrator tier.
    pub admin_tier: bool,
    /// Whether it is a built-in role installed from a preset (then `preset` says which).
    pub has_preset: bool,
    /// The preset it was installed from, when `has_preset`.
    pub preset: rolecall_preset,
    /// Free text (never NULL; may be empty).
    pub description: *const c_char,
    /// Creation time, ms since the Unix epoch.
    pub created_at: i64,
}

impl From<Role> for rolecall_role {
    fn from(r: Role) -> Self {
        rolecall_role {
            id: r.id.0,
            tenant: r.tenant.0,
            namespace_name: cstring(r.namespace.name().to_owned()),
            has_preset: r.preset().is_some(),
            preset: r.preset().map_or(0, preset_code),
            name: cstring(r.name),
            permissions: r.permissions.into(),
            scoped: r.scoped,
            admin_tier: r.admin_tier,
            description: cstring(r.description),
            created_at: r.created_at,
        }
    }
}

impl Drop for rolecall_role {
    fn drop(&mut self) {
        // SAFETY: made by `cstring`, freed only here.
        unsafe {
            free_cstring(self.name);
            free_cstring(self.namespace_name);
            free_cstring(self.description);
        }
    }
}

/// Frees a rolecall_role and everything it points to. NULL is fine.
///
/// Safety: the record came from this library and is not used afterwards. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_role_free(record: *mut rolecall_role) {
    // SAFETY: per the contract.
    crate::status::contain(|| unsafe { free_boxed(record) })
}
/// Roles, in id order.
#[repr(C)]
pub struct rolecall_role_list {
    /// The records (NULL when `len` is 0).
    pub items: *mut rolecall_role,
    /// How many records `items` holds.
    pub len: usize,
}

impl Drop for rolecall_role_list {
    fn drop(&mut self) {
        // SAFETY: `items`/`len` were made by `array` and are freed only here.
        unsafe { free_array(self.items, self.len) }
    }
}

/// Frees a rolecall_role_list and every record in it. NULL is fine.
///
/// Safety: the list came from this library and is not used afterwards. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_role_list_free(list: *mut rolecall_role_list) {
    // SAFETY: per the contract.
    crate::status::contain(|| unsafe { free_boxed(list) })
}

/// One role of a preset's catalogue (what rolecall_preset_install installs).
#[repr(C)]
pub struct rolecall_preset_role {
    /// The role's name as its source spells it (static).
    pub name: *const c_char,
    /// Its exact permission set.
    pub permissions: rolecall_permission,
    /// Scope-restricted.
    pub scoped: bool,
    /// Administrator tier.
    pub admin_tier: bool,
    /// The source's description (static).
    pub description: *const c_char,
}

impl Drop for rolecall_preset_role {
    fn drop(&mut self) {
        // SAFETY: made by `cstring`, freed only here.
        unsafe {
            free_cstring(self.name);
            free_cstring(self.description);
        }
    }
}

/// The roles of a preset, in the source's order.
#[repr(C)]
pub struct rolecall_preset_role_list {
    /// The records (NULL when `len` is 0).
    pub items: *mut rolecall_preset_role,
    /// How many records `items` holds.
    pub len: usize,
}

impl Drop for rolecall_preset_role_list {
    fn drop(&mut self) {
        // SAFETY: `items`/`len` were made by `array` and are freed only here.
        unsafe { free_array(self.items, self.len) }
    }
}

/// Frees a rolecall_preset_role_list and every record in it. NULL is fine.
///
/// Safety: the list came from this library and is not used afterwards. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_preset_role_list_free(list: *mut rolecall_preset_role_list) {
    // SAFETY: per the contract.
    crate::status::contain(|| unsafe { free_boxed(list) })
}

/// A user group (004): members inherit its roles.
#[repr(C)]
pub struct rolecall_group {
    /// Its id.
    pub id: rolecall_group_id,
    /// Its tenant.
    pub tenant: rolecall_tenant_id,
    /// Its name.
    pub name: *const c_char,
    /// The roles every member inherits, in id order (NULL when none).
    pub roles: *mut rolecall_role_id,
    /// How many ids `roles` holds.
    pub roles_len: usize,
    /// Creation time, ms since the Unix epoch.
    pub created_at: i64,
}

impl From<Group> for rolecall_group {
    fn from(g: Group) -> Self {
        let (roles, roles_len) = array(g.roles.iter().map(|r| r.0).collect());
        rolecall_group {
            id: g.id.0,
            tenant: g.tenant.0,
            name: cstring(g.name),
            roles,
            roles_len,
            created_at: g.created_at,
        }
    }
}

impl Drop for rolecall_group {
    fn drop(&mut self) {
        // SAFETY: made by `cstring` / `array`, freed only here.
        unsafe {
            free_cstring(self.name);
            free_array(self.roles, self.roles_len);
        }
    }
}

/// Frees a rolecall_group and everything it points to. NULL is fine.
///
/// Safety: the record came from this library and is not used afterwards. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_group_free(record: *mut rolecall_group) {
    // SAFETY: per the contract.
    crate::status::contain(|| unsafe { free_boxed(record) })
}
/// Groups, in id order.
#[repr(C)]
pub struct rolecall_group_list {
    /// The records (NULL when `len` is 0).
    pub items: *mut rolecall_group,
    /// How many records `items` holds.
    pub len: usize,
}

impl Drop for rolecall_group_list {
    fn drop(&mut self) {
        // SAFETY: `items`/`len` were made by `array` and are freed only here.
        unsafe { free_array(self.items, self.len) }
    }
}

/// Frees a rolecall_group_list and every record in it. NULL is fine.
///
/// Safety: the list came from this library and is not used afterwards. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_group_list_free(list: *mut rolecall_group_list) {
    // SAFETY: per the contract.
    crate::status::contain(|| unsafe { free_boxed(list) })
}

/// A scope resource: a call group, IVR, queue, campaign, number, team or a tenant-defined
/// kind, in the tenant's hierarchy.
#[repr(C)]
pub struct rolecall_scope {
    /// Its id.
    pub id: rolecall_scope_id,
    /// Its tenant.
    pub tenant: rolecall_tenant_id,
    /// Its kind's code: ROLECALL_SCOPE_KIND_*, or ROLECALL_SCOPE_KIND_CUSTOM for a kind the
    /// tenant defined (then `kind_name` names it).
    pub kind: rolecall_scope_kind,
    /// Its name.
    pub name: *const c_char,
    /// Its parent scope, or 0 for a root (ids start at 1).
    pub parent: rolecall_scope_id,
    /// Its kind's name (`"queue"`, or a custom kind's, `"brand"`). Never NULL.
    pub kind_name: *const c_char,
}

impl From<Scope> for rolecall_scope {
    fn from(s: Scope) -> Self {
        rolecall_scope {
            id: s.id.0,
            tenant: s.tenant.0,
            kind: scope_kind_code(s.kind),
            name: cstring(s.name),
            parent: s.parent.map_or(0, |p| p.0),
            kind_name: cstring(s.kind.name()),
        }
    }
}

impl Drop for rolecall_scope {
    fn drop(&mut self) {
        // SAFETY: made by `cstring`, freed only here.
        unsafe {
            free_cstring(self.name);
            free_cstring(self.kind_name);
        }
    }
}

/// Frees a rolecall_scope and everything it points to. NULL is fine.
///
/// Safety: the record came from this library and is not used afterwards. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_scope_free(record: *mut rolecall_scope) {
    // SAFETY: per the contract.
    crate::status::contain(|| unsafe { free_boxed(record) })
}
/// Call groups and IVRs, in id order.
#[repr(C)]
pub struct rolecall_scope_list {
    /// The records (NULL when `len` is 0).
    pub items: *mut rolecall_scope,
    /// How many records `items` holds.
    pub len: usize,
}

impl Drop for rolecall_scope_list {
    fn drop(&mut self) {
        // SAFETY: `items`/`len` were made by `array` and are freed only here.
        unsafe { free_array(self.items, self.len) }
    }
}

/// Frees a rolecall_scope_list and every record in it. NULL is fine.
///
/// Safety: the list came from this library and is not used afterwards. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_scope_list_free(list: *mut rolecall_scope_list) {
    // SAFETY: per the contract.
    crate::status::contain(|| unsafe { free_boxed(list) })
}

/// An agreement (contract) of a tenant (002).
#[repr(C)]
pub struct rolecall_agreement {
    /// Its id.
    pub id: rolecall_agreement_id,
    /// Its tenant.
    pub tenant: rolecall_tenant_id,
    /// Its name or number.
    pub name: *const c_char,
    /// Its one Owner.
    pub owner: rolecall_user_id,
    /// Creation time, ms since the Unix epoch.
    pub created_at: i64,
}

impl From<Agreement> for rolecall_agreement {
    fn from(a: Agreement) -> Self {
        rolecall_agreement {
            id: a.id.0,
            tenant: a.tenant.0,
            name: cstring(a.name),
            owner: a.owner.0,
            created_at: a.created_at,
        }
    }
}

impl Drop for rolecall_agreement {
    fn drop(&mut self) {
        // SAFETY: made by `cstring`, freed only here.
        unsafe { free_cstring(self.name) }
    }
}

/// Frees a rolecall_agreement and everything it points to. NULL is fine.
///
/// Safety: the record came from this library and is not used afterwards. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_agreement_free(record: *mut rolecall_agreement) {
    // SAFETY: per the contract.
    crate::status::contain(|| unsafe { free_boxed(record) })
}
/// Agreements, in id order.
#[repr(C)]
pub struct rolecall_agreement_list {
    /// The records (NULL when `len` is 0).
    pub items: *mut rolecall_agreement,
    /// How many records `items` holds.
    pub len: usize,
}

impl Drop for rolecall_agreement_list {
    fn drop(&mut self) {
        // SAFETY: `items`/`len` were made by `array` and are freed only here.
        unsafe { free_array(self.items, self.len) }
    }
}

/// Frees a rolecall_agreement_list and every record in it. NULL is fine.
///
/// Safety: the list came from this library and is not used afterwards. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_agreement_list_free(list: *mut rolecall_agreement_list) {
    // SAFETY: per the contract.
    crate::status::contain(|| unsafe { free_boxed(list) })
}

/// Which scopes a user may see for a permission (003 and beyond).
#[repr(C)]
pub struct rolecall_scope_access {
    /// Every scope of the tenant (of the kind asked for, if any; then `scopes` is NULL).
    pub all: bool,
    /// Otherwise only these, in id order (NULL and 0 when none).
    pub scopes: *mut rolecall_scope_id,
    /// How many ids `scopes` holds.
    pub scopes_len: usize,
}

impl Drop for rolecall_scope_access {
    fn drop(&mut self) {
        // SAFETY: made by `array`, freed only here.
        unsafe { free_array(self.scopes, self.scopes_len) }
    }
}

/// Frees a rolecall_scope_access and everything it points to. NULL is fine.
///
/// Safety: the record came from this library and is not used afterwards. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_scope_access_free(record: *mut rolecall_scope_access) {
    // SAFETY: per the contract.
    crate::status::contain(|| unsafe { free_boxed(record) })
}

/// One reason a user holds (part of) a permission.
#[repr(C)]
pub struct rolecall_grant {
    /// The role granting it.
    pub role: rolecall_role_id,
    /// The role's name.
    pub role_name: *const c_char,
    /// The role's namespace: `"custom"` or its preset's name. Never NULL.
    pub role_namespace: *const c_char,
    /// Whether the role is held through a group (then `via_group` says which).
    pub has_via_group: bool,
    /// The group through which the role is held, when `has_via_group`.
    pub via_group: rolecall_group_id,
    /// Whether the role is scope-restricted (a scoped role, or a role granted for a scope).
    pub scoped: bool,
    /// The part of the asked permission this role grants.
    pub grants: rolecall_permission,
    /// Whether the role is granted for one scope (rolecall_user_grant_role_in_scope(); then
    /// `scope` says which).
    pub has_scope: bool,
    /// The scope the role is granted for (with everything below it), when `has_scope`.
    pub scope: rolecall_scope_id,
}

impl Drop for rolecall_grant {
    fn drop(&mut self) {
        // SAFETY: made by `cstring`, freed only here.
        unsafe {
            free_cstring(self.role_name);
            free_cstring(self.role_namespace);
        }
    }
}

/// Why a check answers as it does (rolecall_explain).
#[repr(C)]
pub struct rolecall_explanation {
    /// The user asked about.
    pub user: rolecall_user_id,
    /// The permission asked about.
    pub permission: rolecall_permission,
    /// The answer of rolecall_check().
    pub allowed: bool,
    /// The user is the superadministrator (holds every right).
    pub superadmin: bool,
    /// The user is inactive (holds nothing).
    pub inactive: bool,
    /// Every role (direct or through a group) granting part of the permission (NULL when none).
    pub grants: *mut rolecall_grant,
    /// How many grants.
    pub grants_len: usize,
}

impl From<Explanation> for rolecall_explanation {
    fn from(e: Explanation) -> Self {
        let grants = e
            .grants
            .into_iter()
            .map(|g| rolecall_grant {
                role: g.role.0,
                role_name: cstring(g.role_name),
                role_namespace: cstring(g.role_namespace.name().to_owned()),
                has_via_group: g.via_group.is_some(),
                via_group: g.via_group.map_or(0, |g| g.0),
                scoped: g.scoped,
                grants: g.grants.into(),
                has_scope: g.scope.is_some(),
                scope: g.scope.map_or(0, |s| s.0),
            })
            .collect();
        let (grants, grants_len) = array(grants);
        rolecall_explanation {
            user: e.user.0,
            permission: e.permission.into(),
            allowed: e.allowed,
            superadmin: e.superadmin,
            inactive: e.inactive,
            grants,
            grants_len,
        }
    }
}

impl Drop for rolecall_explanation {
    fn drop(&mut self) {
        // SAFETY: made by `array`, freed only here.
        unsafe { free_array(self.grants, self.grants_len) }
    }
}

/// Frees a rolecall_explanation and everything it points to. NULL is fine.
///
/// Safety: the record came from this library and is not used afterwards. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_explanation_free(record: *mut rolecall_explanation) {
    // SAFETY: per the contract.
    crate::status::contain(|| unsafe { free_boxed(record) })
}

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
    /// ACCOUNT_LOCKED: end of the lock, ms since the Unix epoch.
    pub until: i64,
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

/// One audit record: who did what, when, and the records before and after (never a password,
/// hash or token).
#[repr(C)]
pub struct rolecall_audit_event {
    /// Position in the log (1, 2, ...).
    pub seq: u64,
    /// When, ms since the Unix epoch.
    pub at: i64,
    /// The tenant it concerns (0 for none).
    pub tenant: rolecall_tenant_id,
    /// Whether the actor is known (then `actor` is set).
    pub has_actor: bool,
    /// Who acted.
    pub actor: rolecall_user_id,
    /// The operation (`"create_user"`, `"login"`, ...).
    pub action: *const c_char,
    /// `"ok"`, or the error kind that refused it.
    pub outcome: *const c_char,
    /// Kind of the main object acted on (`"user"`, ...), or NULL.
    pub target_kind: *const c_char,
    /// Whether `target_id` is set.
    pub has_target_id: bool,
    /// Id of the main object acted on.
    pub target_id: u64,
    /// Free detail, or NULL.
    pub detail: *const c_char,
    /// Whether the event changed something (then `revision` is the revision it created).
    pub has_revision: bool,
    /// The directory revision this event's change created.
    pub revision: u64,
    /// JSON of the records before the change (secrets redacted), or NULL.
    pub before: *const c_char,
    /// JSON of the changes made (secrets redacted), or NULL.
    pub after: *const c_char,
}

impl From<AuditEvent> for rolecall_audit_event {
    fn from(e: AuditEvent) -> Self {
        rolecall_audit_event {
            seq: e.seq,
            at: e.at,
            tenant: e.tenant.0,
            has_actor: e.actor.is_some(),
            actor: e.actor.map_or(0, |a| a.0),
            action: cstring(e.action.name()),
            outcome: cstring(e.outcome),
            target_kind: opt_cstring(e.target_kind.map(rolecall::ObjectKind::name)),
            has_target_id: e.target_id.is_some(),
            target_id: e.target_id.unwrap_or(0),
            detail: opt_cstring(e.detail),
            has_revision: e.revision.is_some(),
            revision: e.revision.unwrap_or(0),
            before: opt_cstring(e.before),
            after: opt_cstring(e.after),
        }
    }
}

impl Drop for rolecall_audit_event {
    fn drop(&mut self) {
        // SAFETY: made by `cstring`, freed only here.
        unsafe {
            for p in [
                self.action,
                self.outcome,
                self.target_kind,
                self.detail,
                self.before,
                self.after,
            ] {
                free_cstring(p);
            }
        }
    }
}

/// Audit events, oldest first: one page of the matches.
#[repr(C)]
pub struct rolecall_audit_event_list {
    /// The records (NULL when `len` is 0).
    pub items: *mut rolecall_audit_event,
    /// How many records `items` holds.
    pub len: usize,
    /// How many events match in all.
    pub total: usize,
    /// The offset this page starts at.
    pub offset: usize,
}

impl Drop for rolecall_audit_event_list {
    fn drop(&mut self) {
        // SAFETY: `items`/`len` were made by `array` and are freed only here.
        unsafe { free_array(self.items, self.len) }
    }
}

/// Frees a rolecall_audit_event_list and every record in it. NULL is fine.
///
/// Safety: the list came from this library and is not used afterwards. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_audit_event_list_free(list: *mut rolecall_audit_event_list) {
    // SAFETY: per the contract.
    crate::status::contain(|| unsafe { free_boxed(list) })
}

/// Builds a `{items, len}` list record from records.
pub(crate) fn list_of<T, L>(items: Vec<T>, make: impl FnOnce(*mut T, usize) -> L) -> *mut L {
    let (p, len) = array(items);
    boxed(make(p, len))
}

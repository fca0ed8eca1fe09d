//! Users and user lists.

use std::ffi::c_char;

use rolecall::{Page, User};

use crate::conv::{array, boxed, cstring, free_array, free_boxed, free_cstring, opt_cstring};
use crate::types::*;

use super::*;

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
    /// The user's time-bound assignments with their windows, in the user's order: roles,
    /// roles for a scope, groups, scopes, levels, PBX links, each by id (NULL when none). An
    /// assignment not listed here is permanent.
    pub windows: *mut rolecall_user_window,
    /// How many entries `windows` holds.
    pub windows_len: usize,
    /// The roles the user may activate for itself (rolecall_activate()), by role then scope
    /// (NULL when none).
    pub eligible: *mut rolecall_eligibility,
    /// How many entries `eligible` holds.
    pub eligible_len: usize,
    /// Whether the user is a break-glass (emergency) account (rolecall_set_break_glass()).
    pub break_glass: bool,
    /// The user's id in the system it is provisioned from, or NULL.
    pub external_id: *const c_char,
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
        let (windows, windows_len) = array(
            u.windows
                .iter()
                .map(|(a, w)| rolecall_user_window {
                    assignment: (*a).into(),
                    window: (*w).into(),
                })
                .collect(),
        );
        let (eligible, eligible_len) = array(u.eligible.iter().map(Into::into).collect());
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
            windows,
            windows_len,
            eligible,
            eligible_len,
            break_glass: u.break_glass,
            external_id: opt_cstring(u.external_id),
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
            free_cstring(self.external_id);
            free_array(self.roles, self.roles_len);
            free_array(self.scopes, self.scopes_len);
            free_array(self.teams, self.teams_len);
            free_array(self.grants, self.grants_len);
            free_array(self.windows, self.windows_len);
            free_array(self.eligible, self.eligible_len);
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

//! Grants and explanations (why a user holds a permission).

use std::ffi::c_char;

use rolecall::Explanation;

use crate::conv::{array, cstring, free_array, free_boxed, free_cstring};
use crate::types::*;

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
    /// Every role (direct, through a group or for a scope) denying part of the permission
    /// (explicit deny; NULL when none): each entry's `grants` is the part it denies. A denial
    /// wins over every grant (but the superadministrator's).
    pub denied_by: *mut rolecall_grant,
    /// How many denying roles.
    pub denied_by_len: usize,
}

fn grant(g: rolecall::Grant) -> rolecall_grant {
    rolecall_grant {
        role: g.role.0,
        role_name: cstring(g.role_name),
        role_namespace: cstring(g.role_namespace.name().to_owned()),
        has_via_group: g.via_group.is_some(),
        via_group: g.via_group.map_or(0, |g| g.0),
        scoped: g.scoped,
        grants: g.grants.into(),
        has_scope: g.scope.is_some(),
        scope: g.scope.map_or(0, |s| s.0),
    }
}

impl From<Explanation> for rolecall_explanation {
    fn from(e: Explanation) -> Self {
        let (grants, grants_len) = array(e.grants.into_iter().map(grant).collect());
        let (denied_by, denied_by_len) = array(e.denied_by.into_iter().map(grant).collect());
        rolecall_explanation {
            user: e.user.0,
            permission: e.permission.into(),
            allowed: e.allowed,
            superadmin: e.superadmin,
            inactive: e.inactive,
            grants,
            grants_len,
            denied_by,
            denied_by_len,
        }
    }
}

impl Drop for rolecall_explanation {
    fn drop(&mut self) {
        // SAFETY: made by `array`, freed only here.
        unsafe {
            free_array(self.grants, self.grants_len);
            free_array(self.denied_by, self.denied_by_len);
        }
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

//! Id lists, strings and tenants.

use std::ffi::c_char;

use rolecall::Tenant;

use crate::conv::{array, boxed, cstring, free_array, free_boxed, free_cstring};
use crate::types::*;

use super::*;

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

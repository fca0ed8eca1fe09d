//! Roles, preset roles and groups.

use std::ffi::c_char;

use rolecall::{Group, Role};

use crate::conv::{array, cstring, free_array, free_boxed, free_cstring};
use crate::types::*;

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
    /// What it denies (explicit deny): whoever holds it loses these rights tenant-wide,
    /// whatever grants them. Zero for built-in roles.
    pub denied: rolecall_permission,
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
            denied: r.denied.into(),
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

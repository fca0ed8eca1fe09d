//! Scopes, agreements and scope access.

use std::ffi::c_char;

use rolecall::{Agreement, Scope};

use crate::conv::{cstring, free_array, free_boxed, free_cstring};
use crate::types::*;

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

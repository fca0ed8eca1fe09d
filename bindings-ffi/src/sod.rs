//! Separation of duty: declaring, removing and listing a tenant's rules (see
//! [`rolecall::SodRule`]), and the users that violate them.

use std::ffi::c_char;

use rolecall::{SodRule, SodViolation, TenantId, UserId};

use crate::conv::{cstring, free_array, free_boxed, free_cstring};
use crate::directory::rolecall_directory;
use crate::records::{list_of, rolecall_id_list};
use crate::status::rolecall_status;
use crate::types::*;

/// A separation-of-duty rule: no user may hold both sides (any permission of each). As an
/// input (rolecall_sod_rule_add) the caller owns `name`; in a rolecall_sod_rule_list the list
/// owns it.
#[repr(C)]
pub struct rolecall_sod_rule {
    /// Its name, unique in the tenant (case-insensitively).
    pub name: *const c_char,
    /// One side (not empty).
    pub first: rolecall_permission,
    /// The other side (not empty, disjoint from `first`).
    pub second: rolecall_permission,
}

impl From<SodRule> for rolecall_sod_rule {
    fn from(r: SodRule) -> Self {
        rolecall_sod_rule {
            name: cstring(r.name),
            first: r.first.into(),
            second: r.second.into(),
        }
    }
}

impl Drop for rolecall_sod_rule {
    fn drop(&mut self) {
        // SAFETY: only records made by `From` (in a list) are dropped by Rust; `name` was made
        // by `cstring` and is freed only here.
        unsafe { free_cstring(self.name) }
    }
}

/// A tenant's rules, in declaration order.
#[repr(C)]
pub struct rolecall_sod_rule_list {
    /// The rules (NULL when `len` is 0).
    pub items: *mut rolecall_sod_rule,
    /// How many rules `items` holds.
    pub len: usize,
}

impl Drop for rolecall_sod_rule_list {
    fn drop(&mut self) {
        // SAFETY: `items`/`len` were made by `array` and are freed only here.
        unsafe { free_array(self.items, self.len) }
    }
}

/// Frees a rolecall_sod_rule_list and every rule in it. NULL is fine.
///
/// Safety: the list came from this library and is not used afterwards. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_sod_rule_list_free(list: *mut rolecall_sod_rule_list) {
    // SAFETY: per the contract.
    crate::status::contain(|| unsafe { free_boxed(list) })
}

/// A user holding both sides of a rule.
#[repr(C)]
pub struct rolecall_sod_violation {
    /// The rule's name (owned by the list).
    pub rule: *const c_char,
    /// The user.
    pub user: rolecall_user_id,
}

impl From<SodViolation> for rolecall_sod_violation {
    fn from(v: SodViolation) -> Self {
        rolecall_sod_violation {
            rule: cstring(v.rule),
            user: v.user.0,
        }
    }
}

impl Drop for rolecall_sod_violation {
    fn drop(&mut self) {
        // SAFETY: made by `cstring`, freed only here.
        unsafe { free_cstring(self.rule) }
    }
}

/// The users violating a tenant's rules, by rule in declaration order, then by user id.
#[repr(C)]
pub struct rolecall_sod_violation_list {
    /// The violations (NULL when `len` is 0).
    pub items: *mut rolecall_sod_violation,
    /// How many violations `items` holds.
    pub len: usize,
}

impl Drop for rolecall_sod_violation_list {
    fn drop(&mut self) {
        // SAFETY: `items`/`len` were made by `array` and are freed only here.
        unsafe { free_array(self.items, self.len) }
    }
}

/// Frees a rolecall_sod_violation_list and everything in it. NULL is fine.
///
/// Safety: the list came from this library and is not used afterwards. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_sod_violation_list_free(list: *mut rolecall_sod_violation_list) {
    // SAFETY: per the contract.
    crate::status::contain(|| unsafe { free_boxed(list) })
}

/// Declares a separation-of-duty rule in the actor's tenant (superadministrator only). From
/// then on every change that would leave a user holding both sides fails with
/// ROLECALL_STATUS_SEPARATION_OF_DUTY.
///
/// On success `*violators` (when not NULL) receives the users that already hold both sides, in
/// id order, owned by the caller (rolecall_id_list_free()): they keep their access, may lose
/// rights, never gain one. Errors: ROLECALL_STATUS_SUPERADMIN_ONLY, _INVALID_NAME,
/// _DUPLICATE_NAME, _EMPTY_PERMISSION, _INVALID_ARGUMENT (sides sharing a permission),
/// _UNKNOWN_PERMISSION (a bit outside the catalogue), ... Safety: `dir` is a live handle; `rule`
/// a valid struct; `violators` NULL or writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_sod_rule_add(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    rule: *const rolecall_sod_rule,
    violators: *mut *mut rolecall_id_list,
) -> rolecall_status {
    ffi!({
        let out = crate::conv::opt_out(violators);
        let d = dir!(dir);
        let r = input!(rule);
        let rule = SodRule::new(
            // SAFETY: the struct's contract.
            unsafe { crate::conv::text(r.name, "rule.name") }?,
            r.first.checked()?,
            r.second.checked()?,
        );
        let found = d.add_sod_rule(UserId(actor), &rule)?;
        if let Some(out) = out {
            out.write(rolecall_id_list::new(found.into_iter().map(|u| u.0)));
        }
        Ok(())
    })
}

/// Removes the actor's tenant's rule named `name` (case-insensitively; superadministrator only).
///
/// Errors: ROLECALL_STATUS_SUPERADMIN_ONLY, _UNKNOWN_SOD_RULE, ... Safety: `dir` is a live
/// handle; `name` a NUL-terminated string. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_sod_rule_remove(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    name: *const c_char,
) -> rolecall_status {
    ffi!({
        let d = dir!(dir);
        d.remove_sod_rule(UserId(actor), text!(name))?;
        Ok(())
    })
}

/// A tenant's separation-of-duty rules, in declaration order.
///
/// On success `*out` receives a list owned by the caller (rolecall_sod_rule_list_free()).
/// Errors: ROLECALL_STATUS_UNKNOWN_TENANT. Safety: `dir` is a live handle; `out` is writable.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_sod_rules(
    dir: *const rolecall_directory,
    tenant: rolecall_tenant_id,
    out: *mut *mut rolecall_sod_rule_list,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let rules = dir!(dir).sod_rules(TenantId(tenant))?;
        let items = rules.into_iter().map(Into::into).collect();
        out.write(list_of(items, |items, len| rolecall_sod_rule_list {
            items,
            len,
        }));
        Ok(())
    })
}

/// The active users holding both sides of one of the tenant's rules (possible only for users
/// that did when the rule was declared), by rule in declaration order, then by user id.
///
/// On success `*out` receives a list owned by the caller (rolecall_sod_violation_list_free()).
/// Errors: ROLECALL_STATUS_UNKNOWN_TENANT. Safety: `dir` is a live handle; `out` is writable.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_sod_violations(
    dir: *const rolecall_directory,
    tenant: rolecall_tenant_id,
    out: *mut *mut rolecall_sod_violation_list,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let found = dir!(dir).sod_violations(TenantId(tenant))?;
        let items = found.into_iter().map(Into::into).collect();
        out.write(list_of(items, |items, len| rolecall_sod_violation_list {
            items,
            len,
        }));
        Ok(())
    })
}

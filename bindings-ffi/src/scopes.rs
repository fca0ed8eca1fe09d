//! Scope resources (call groups, IVRs) and agreements (per-product access levels, PBX links).

use std::ffi::c_char;

use rolecall::{AgreementId, ScopeId, TenantId, UserId};

use crate::conv::{boxed, cstring};
use crate::directory::rolecall_directory;
use crate::records::*;
use crate::status::rolecall_status;
use crate::types::*;

// ================================================================ scopes

/// Creates a call group or IVR in the actor's tenant. Needs `scopes.manage`.
///
/// On success `*out` receives the new scope's id. Errors: ROLECALL_STATUS_INVALID_ARGUMENT (a
/// kind out of range), _INVALID_NAME, _DUPLICATE_NAME, _PERMISSION_DENIED, ...
/// Safety: `dir` is a live handle; `name` a NUL-terminated string; `out` is writable.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_scope_create(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    kind: rolecall_scope_kind,
    name: *const c_char,
    out: *mut rolecall_scope_id,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let d = dir!(dir);
        let kind = scope_kind(kind)?;
        out.write(d.create_scope(UserId(actor), kind, text!(name))?.0);
        Ok(())
    })
}

/// Deletes a call group or IVR, unassigning it from everyone. Safety: `dir` is a live handle.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_scope_delete(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    scope: rolecall_scope_id,
) -> rolecall_status {
    ffi!({
        dir!(dir).delete_scope(UserId(actor), ScopeId(scope))?;
        Ok(())
    })
}

/// Authorises a user for a call group / IVR (a grant of its scoped rights there).
/// Safety: `dir` is a live handle. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_scope_assign(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    user: rolecall_user_id,
    scope: rolecall_scope_id,
) -> rolecall_status {
    ffi!({
        dir!(dir).assign_scope(UserId(actor), UserId(user), ScopeId(scope))?;
        Ok(())
    })
}

/// Withdraws a call group / IVR from a user. Safety: `dir` is a live handle. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_scope_unassign(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    user: rolecall_user_id,
    scope: rolecall_scope_id,
) -> rolecall_status {
    ffi!({
        dir!(dir).unassign_scope(UserId(actor), UserId(user), ScopeId(scope))?;
        Ok(())
    })
}

/// A scope resource.
///
/// On success `*out` receives a record owned by the caller (rolecall_scope_free()).
/// Errors: ROLECALL_STATUS_UNKNOWN_SCOPE. Safety: `dir` is a live handle; `out` is writable.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_scope_get(
    dir: *const rolecall_directory,
    scope: rolecall_scope_id,
    out: *mut *mut rolecall_scope,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        out.write(boxed(dir!(dir).scope(ScopeId(scope))?.into()));
        Ok(())
    })
}

/// Every call group and IVR of a tenant, in id order.
///
/// On success `*out` receives a list owned by the caller (rolecall_scope_list_free()).
/// Errors: ROLECALL_STATUS_UNKNOWN_TENANT. Safety: `dir` is a live handle; `out` is writable.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_tenant_scopes(
    dir: *const rolecall_directory,
    tenant: rolecall_tenant_id,
    out: *mut *mut rolecall_scope_list,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let scopes = dir!(dir).scopes(TenantId(tenant))?;
        let items = scopes.into_iter().map(Into::into).collect();
        out.write(list_of(items, |items, len| rolecall_scope_list {
            items,
            len,
        }));
        Ok(())
    })
}

// ================================================================ agreements

/// Creates an agreement and appoints its Owner. Needs `agreements.manage`.
///
/// On success `*out` receives the new agreement's id. Safety: `dir` is a live handle; `name` a
/// NUL-terminated string; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_agreement_create(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    name: *const c_char,
    owner: rolecall_user_id,
    out: *mut rolecall_agreement_id,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let d = dir!(dir);
        out.write(
            d.create_agreement(UserId(actor), text!(name), UserId(owner))?
                .0,
        );
        Ok(())
    })
}

/// Sets a user's access level on a product of an agreement, under the rules of 002.
///
/// Errors: ROLECALL_STATUS_UNKNOWN_PRODUCT / _UNKNOWN_ACCESS_LEVEL (values out of range),
/// _AGREEMENT_ADMIN_REQUIRED, _LEVEL_NOT_GRANTABLE, _OWNER_PROTECTED,
/// _AGREEMENT_ADMINISTRATOR_PROTECTED, ... Safety: `dir` is a live handle. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_agreement_set_access_level(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    agreement: rolecall_agreement_id,
    user: rolecall_user_id,
    product: rolecall_product,
    level: rolecall_access_level,
) -> rolecall_status {
    ffi!({
        let d = dir!(dir);
        let (product, level) = (crate::types::product(product)?, crate::types::level(level)?);
        d.set_access_level(
            UserId(actor),
            AgreementId(agreement),
            UserId(user),
            product,
            level,
        )?;
        Ok(())
    })
}

/// Transfers ownership of an agreement (Owner only); the former Owner becomes Administrator.
/// Safety: `dir` is a live handle. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_agreement_transfer_ownership(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    agreement: rolecall_agreement_id,
    new_owner: rolecall_user_id,
) -> rolecall_status {
    ffi!({
        dir!(dir).transfer_ownership(UserId(actor), AgreementId(agreement), UserId(new_owner))?;
        Ok(())
    })
}

/// Links a user to a virtual-PBX subscriber on an agreement; a NULL `subscriber` unlinks.
/// Safety: `dir` is a live handle; `subscriber` NULL or a NUL-terminated string. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_agreement_link_pbx_subscriber(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    agreement: rolecall_agreement_id,
    user: rolecall_user_id,
    subscriber: *const c_char,
) -> rolecall_status {
    ffi!({
        let d = dir!(dir);
        let sub = opt_text!(subscriber, "subscriber");
        d.link_pbx_subscriber(UserId(actor), AgreementId(agreement), UserId(user), sub)?;
        Ok(())
    })
}

/// An agreement.
///
/// On success `*out` receives a record owned by the caller (rolecall_agreement_free()).
/// Errors: ROLECALL_STATUS_UNKNOWN_AGREEMENT. Safety: `dir` is a live handle; `out` is
/// writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_agreement_get(
    dir: *const rolecall_directory,
    agreement: rolecall_agreement_id,
    out: *mut *mut rolecall_agreement,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        out.write(boxed(dir!(dir).agreement(AgreementId(agreement))?.into()));
        Ok(())
    })
}

/// Every agreement of a tenant, in id order.
///
/// On success `*out` receives a list owned by the caller (rolecall_agreement_list_free()).
/// Errors: ROLECALL_STATUS_UNKNOWN_TENANT. Safety: `dir` is a live handle; `out` is writable.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_tenant_agreements(
    dir: *const rolecall_directory,
    tenant: rolecall_tenant_id,
    out: *mut *mut rolecall_agreement_list,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let ags = dir!(dir).agreements(TenantId(tenant))?;
        let items = ags.into_iter().map(Into::into).collect();
        out.write(list_of(items, |items, len| rolecall_agreement_list {
            items,
            len,
        }));
        Ok(())
    })
}

/// The PBX subscriber a user is linked to on an agreement.
///
/// On success `*out` receives a string owned by the caller (rolecall_string_free()), or NULL
/// when the user is not linked. Errors: ROLECALL_STATUS_UNKNOWN_AGREEMENT. Safety: `dir` is a
/// live handle; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_agreement_pbx_subscriber(
    dir: *const rolecall_directory,
    agreement: rolecall_agreement_id,
    user: rolecall_user_id,
    out: *mut *mut c_char,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let sub = dir!(dir).pbx_subscriber(AgreementId(agreement), UserId(user))?;
        out.write(sub.map_or(std::ptr::null_mut(), |s| cstring(s).cast_mut()));
        Ok(())
    })
}

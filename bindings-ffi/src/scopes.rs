//! Scope resources (call groups, IVRs, queues, campaigns, numbers, teams, tenant-defined kinds,
//! in a hierarchy) and agreements (per-product access levels, PBX links).

use std::ffi::c_char;

use rolecall::{AgreementId, Directory, ScopeId, ScopeKind, TenantId, UserId};

use crate::conv::{boxed, cstring};
use crate::directory::rolecall_directory;
use crate::records::*;
use crate::status::rolecall_status;
use crate::types::*;

// ================================================================ scopes

/// Creates a root scope of a built-in kind (ROLECALL_SCOPE_KIND_*) in the actor's tenant.
/// Needs `scopes.manage` unscoped. rolecall_scope_create_under() creates one below another;
/// rolecall_scope_create_of_kind() takes the kind by name (custom kinds).
///
/// On success `*out` receives the new scope's id. Errors: ROLECALL_STATUS_INVALID_ARGUMENT (a
/// kind out of range, or ROLECALL_SCOPE_KIND_CUSTOM), _INVALID_NAME, _DUPLICATE_NAME,
/// _PERMISSION_DENIED, ...
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

/// Creates a scope in `parent` (any kind below any kind), or a root when `parent` is 0. Needs
/// `scopes.manage` for `parent` (delegated administration: held for a site, it creates teams
/// inside it), unscoped for a root. Whoever holds a right on `parent` or above holds it on the
/// new scope. `kind` is a built-in code (ROLECALL_SCOPE_KIND_*).
///
/// On success `*out` receives the new scope's id. Errors: as rolecall_scope_create();
/// ROLECALL_STATUS_UNKNOWN_SCOPE / _WRONG_TENANT for `parent`. Safety: `dir` is a live handle;
/// `name` a NUL-terminated string; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_scope_create_under(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    parent: rolecall_scope_id,
    kind: rolecall_scope_kind,
    name: *const c_char,
    out: *mut rolecall_scope_id,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let d = dir!(dir);
        let kind = scope_kind(kind)?;
        out.write(create(d, actor, parent, kind, text!(name))?.0);
        Ok(())
    })
}

/// rolecall_scope_create_under() with the kind given by name: a built-in kind's
/// (`"queue"`, ...) or any other valid kind name (`[a-z][a-z0-9_]{0,23}`), which makes a scope
/// of a kind of the tenant's own (ROLECALL_SCOPE_KIND_CUSTOM; no schema change). `parent` 0
/// makes a root.
///
/// On success `*out` receives the new scope's id. Errors: ROLECALL_STATUS_INVALID_ARGUMENT (not
/// a valid kind name), and as rolecall_scope_create_under(). Safety: `dir` is a live handle;
/// `kind` and `name` NUL-terminated strings; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_scope_create_of_kind(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    parent: rolecall_scope_id,
    kind: *const c_char,
    name: *const c_char,
    out: *mut rolecall_scope_id,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let d = dir!(dir);
        let kind: ScopeKind = text!(kind).parse()?;
        out.write(create(d, actor, parent, kind, text!(name))?.0);
        Ok(())
    })
}

fn create(
    d: &Directory,
    actor: rolecall_user_id,
    parent: rolecall_scope_id,
    kind: ScopeKind,
    name: &str,
) -> Result<ScopeId, rolecall::Error> {
    if parent == 0 {
        d.create_scope(UserId(actor), kind, name)
    } else {
        d.create_scope_under(UserId(actor), ScopeId(parent), kind, name)
    }
}

/// Moves `scope`, with everything below it, under `parent`, or makes it a root when `parent`
/// is 0. Needs `scopes.manage` for the scope and for the new parent (unscoped for a root);
/// whoever gains rights by the move gains them from the actor.
///
/// Errors: ROLECALL_STATUS_SCOPE_CYCLE when `parent` is the scope or below it; _UNKNOWN_SCOPE,
/// _WRONG_TENANT, _PERMISSION_DENIED, _ESCALATION, _ADMINISTRATOR_PROTECTED, ...
/// Safety: `dir` is a live handle. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_scope_move(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    scope: rolecall_scope_id,
    parent: rolecall_scope_id,
) -> rolecall_status {
    ffi!({
        let parent = (parent != 0).then_some(ScopeId(parent));
        dir!(dir).move_scope(UserId(actor), ScopeId(scope), parent)?;
        Ok(())
    })
}

/// Deletes a scope, moving its child scopes to its parent (roots when it has none) and its
/// members to its parent when that is a team (otherwise they only leave it), in one commit.
///
/// Errors: as rolecall_scope_delete() (never ROLECALL_STATUS_SCOPE_NOT_EMPTY), and as
/// rolecall_scope_move() for each child moved. Safety: `dir` is a live handle. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_scope_delete_moving(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    scope: rolecall_scope_id,
) -> rolecall_status {
    ffi!({
        dir!(dir).delete_scope_moving(UserId(actor), ScopeId(scope))?;
        Ok(())
    })
}

/// The scopes directly below `scope`, in id order.
///
/// On success `*out` receives a list owned by the caller (rolecall_id_list_free()).
/// Errors: ROLECALL_STATUS_UNKNOWN_SCOPE. Safety: `dir` is a live handle; `out` is writable.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_scope_children(
    dir: *const rolecall_directory,
    scope: rolecall_scope_id,
    out: *mut *mut rolecall_id_list,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let ids = dir!(dir).child_scopes(ScopeId(scope))?;
        out.write(rolecall_id_list::new(ids.into_iter().map(|s| s.0)));
        Ok(())
    })
}

/// The members of a team, in id order (unchecked: for trusted host code).
///
/// On success `*out` receives a list owned by the caller (rolecall_id_list_free()).
/// Errors: ROLECALL_STATUS_UNKNOWN_SCOPE. Safety: `dir` is a live handle; `out` is writable.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_team_members(
    dir: *const rolecall_directory,
    team: rolecall_scope_id,
    out: *mut *mut rolecall_id_list,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let ids = dir!(dir).team_members(ScopeId(team))?;
        out.write(rolecall_id_list::new(ids.into_iter().map(|u| u.0)));
        Ok(())
    })
}

/// Deletes a scope, unassigning it from everyone and ending the roles granted for it. Needs
/// `scopes.manage` for it.
///
/// Errors: ROLECALL_STATUS_SCOPE_NOT_EMPTY while it has child scopes or member users
/// (rolecall_scope_delete_moving() moves them); _UNKNOWN_SCOPE, _PERMISSION_DENIED, ...
/// Safety: `dir` is a live handle. Thread-safe.
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

/// Every scope of a tenant (every kind), in id order.
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

//! Roles (custom and built-in), preset catalogues, and user groups.

use std::ffi::c_char;

use rolecall::{GroupId, NewRole, RoleId, RolePatch, TenantId, UserId};

use crate::conv::{boxed, cstring};
use crate::directory::rolecall_directory;
use crate::records::*;
use crate::status::rolecall_status;
use crate::types::*;

// ================================================================ roles

/// Creates a custom role in the actor's tenant. Needs `roles.manage`; the actor must hold the
/// role's rights; an administrator-tier role needs the superadministrator.
///
/// On success `*out` receives the new role's id. Errors: ROLECALL_STATUS_PERMISSION_DENIED,
/// _ESCALATION, _SUPERADMIN_ONLY, _INVALID_NAME, _DUPLICATE_NAME, _UNKNOWN_PERMISSION (a bit
/// outside the catalogue), ... Safety: `dir` is a live handle; `role` a valid struct; `out` is
/// writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_role_create(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    role: *const rolecall_new_role,
    out: *mut rolecall_role_id,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let d = dir!(dir);
        let r = input!(role);
        let new = NewRole {
            // SAFETY: the struct's contract.
            name: unsafe { crate::conv::text(r.name, "role.name") }?.to_owned(),
            permissions: r.permissions.checked()?,
            scoped: r.scoped,
            admin_tier: r.admin_tier,
            description: opt_text!(r.description, "role.description")
                .unwrap_or_default()
                .to_owned(),
            denied: r.denied.checked()?,
        };
        out.write(d.create_role(UserId(actor), &new)?.0);
        Ok(())
    })
}

/// Edits a custom role (built-in preset roles cannot be edited); added rights are a grant to
/// every holder. Errors: ROLECALL_STATUS_BUILTIN_ROLE, _ESCALATION, _UNKNOWN_PERMISSION (a bit
/// outside the catalogue), ... Safety: `dir` is a live handle; `patch` a valid struct.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_role_update(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    role: rolecall_role_id,
    patch: *const rolecall_role_patch,
) -> rolecall_status {
    ffi!({
        let d = dir!(dir);
        let p = input!(patch);
        let patch = RolePatch {
            name: opt_text!(p.name, "patch.name").map(str::to_owned),
            permissions: if p.set_permissions {
                Some(p.permissions.checked()?)
            } else {
                None
            },
            description: opt_text!(p.description, "patch.description").map(str::to_owned),
            denied: if p.set_denied {
                Some(p.denied.checked()?)
            } else {
                None
            },
        };
        d.update_role(UserId(actor), RoleId(role), &patch)?;
        Ok(())
    })
}

/// Deletes a custom role, removing it from every user and group.
/// Safety: `dir` is a live handle. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_role_delete(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    role: rolecall_role_id,
) -> rolecall_status {
    ffi!({
        dir!(dir).delete_role(UserId(actor), RoleId(role))?;
        Ok(())
    })
}

/// A role.
///
/// On success `*out` receives a record owned by the caller (rolecall_role_free()).
/// Errors: ROLECALL_STATUS_UNKNOWN_ROLE. Safety: `dir` is a live handle; `out` is writable.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_role_get(
    dir: *const rolecall_directory,
    role: rolecall_role_id,
    out: *mut *mut rolecall_role,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        out.write(boxed(dir!(dir).role(RoleId(role))?.into()));
        Ok(())
    })
}

/// The role of `tenant` with this name (case-insensitive). Role names are unique per namespace:
/// `"namespace/name"` (`"dashboard/Admin"`) names the namespace; a bare name held in several
/// namespaces of the tenant is refused with ROLECALL_STATUS_AMBIGUOUS_NAME.
///
/// On success `*out` receives a record owned by the caller (rolecall_role_free()).
/// Errors: ROLECALL_STATUS_UNKNOWN_TENANT, _UNKNOWN_ROLE, _AMBIGUOUS_NAME. Safety: `dir` is a
/// live handle; `name` a NUL-terminated string; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_role_by_name(
    dir: *const rolecall_directory,
    tenant: rolecall_tenant_id,
    name: *const c_char,
    out: *mut *mut rolecall_role,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let d = dir!(dir);
        out.write(boxed(d.role_by_name(TenantId(tenant), text!(name))?.into()));
        Ok(())
    })
}

/// The role of `tenant` named `name` (case-insensitive) in `namespace_name`: `"custom"` for
/// the tenant's own roles, or a preset's name (`"managers"`, `"role_model"`, `"dashboard"`).
///
/// On success `*out` receives a record owned by the caller (rolecall_role_free()).
/// Errors: ROLECALL_STATUS_UNKNOWN_TENANT, _UNKNOWN_NAMESPACE, _UNKNOWN_ROLE. Safety: `dir` is
/// a live handle; `namespace_name` and `name` NUL-terminated strings; `out` is writable.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_role_in_namespace(
    dir: *const rolecall_directory,
    tenant: rolecall_tenant_id,
    namespace_name: *const c_char,
    name: *const c_char,
    out: *mut *mut rolecall_role,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let d = dir!(dir);
        let ns: rolecall::RoleNamespace = text!(namespace_name).parse()?;
        out.write(boxed(
            d.role_in_namespace(TenantId(tenant), ns, text!(name))?
                .into(),
        ));
        Ok(())
    })
}

/// Every role of a tenant, in id order.
///
/// On success `*out` receives a list owned by the caller (rolecall_role_list_free()).
/// Errors: ROLECALL_STATUS_UNKNOWN_TENANT. Safety: `dir` is a live handle; `out` is writable.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_tenant_roles(
    dir: *const rolecall_directory,
    tenant: rolecall_tenant_id,
    out: *mut *mut rolecall_role_list,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let roles = dir!(dir).roles(TenantId(tenant))?;
        let items = roles.into_iter().map(Into::into).collect();
        out.write(list_of(items, |items, len| rolecall_role_list {
            items,
            len,
        }));
        Ok(())
    })
}

/// The roles a preset installs (its source's rights table), in the source's order.
///
/// On success `*out` receives a list owned by the caller (rolecall_preset_role_list_free()).
/// Errors: ROLECALL_STATUS_UNKNOWN_PRESET. Safety: `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_preset_roles(
    preset: rolecall_preset,
    out: *mut *mut rolecall_preset_role_list,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let items = crate::types::preset(preset)?
            .roles()
            .iter()
            .map(|r| rolecall_preset_role {
                name: cstring(r.name),
                permissions: r.permissions.into(),
                scoped: r.scoped,
                admin_tier: r.admin_tier,
                description: cstring(r.description),
            })
            .collect();
        out.write(list_of(items, |items, len| rolecall_preset_role_list {
            items,
            len,
        }));
        Ok(())
    })
}

// ================================================================ groups

/// Creates a user group with roles (004). Needs `groups.manage`; each role is a grant.
///
/// On success `*out` receives the new group's id. Safety: `dir` is a live handle; `name` a
/// NUL-terminated string; `roles` holds `roles_len` ids; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_group_create(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    name: *const c_char,
    roles: *const rolecall_role_id,
    roles_len: usize,
    out: *mut rolecall_group_id,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let d = dir!(dir);
        let name = text!(name);
        let roles: Vec<RoleId> = slice!(roles, roles_len)
            .iter()
            .map(|r| RoleId(*r))
            .collect();
        out.write(d.create_group(UserId(actor), name, &roles)?.0);
        Ok(())
    })
}

/// Renames a group. Safety: `dir` is a live handle; `name` a NUL-terminated string.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_group_rename(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    group: rolecall_group_id,
    name: *const c_char,
) -> rolecall_status {
    ffi!({
        let d = dir!(dir);
        d.rename_group(UserId(actor), GroupId(group), text!(name))?;
        Ok(())
    })
}

/// Adds a role to a group: a grant to every member. Safety: `dir` is a live handle.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_group_add_role(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    group: rolecall_group_id,
    role: rolecall_role_id,
) -> rolecall_status {
    ffi!({
        dir!(dir).add_group_role(UserId(actor), GroupId(group), RoleId(role))?;
        Ok(())
    })
}

/// Removes a role from a group. Safety: `dir` is a live handle. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_group_remove_role(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    group: rolecall_group_id,
    role: rolecall_role_id,
) -> rolecall_status {
    ffi!({
        dir!(dir).remove_group_role(UserId(actor), GroupId(group), RoleId(role))?;
        Ok(())
    })
}

/// Adds a user to a group: a grant of the group's roles. Safety: `dir` is a live handle.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_group_add_member(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    group: rolecall_group_id,
    user: rolecall_user_id,
) -> rolecall_status {
    ffi!({
        dir!(dir).add_member(UserId(actor), GroupId(group), UserId(user))?;
        Ok(())
    })
}

/// Adds `users_len` users to a group in one atomic commit, each under the rules of
/// rolecall_group_add_member(): all join, or none when one is refused (the status is that
/// refusal's). Members already in the group, and repeats, are skipped. Safety: `dir` is a
/// live handle; `users` holds `users_len` ids (NULL when `users_len` is 0). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_group_add_members(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    group: rolecall_group_id,
    users: *const rolecall_user_id,
    users_len: usize,
) -> rolecall_status {
    ffi!({
        let users = slice!(users, users_len, "users");
        let users: Vec<UserId> = users.iter().map(|u| UserId(*u)).collect();
        dir!(dir).add_members(UserId(actor), GroupId(group), &users)?;
        Ok(())
    })
}

/// Removes a user from a group. Safety: `dir` is a live handle. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_group_remove_member(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    group: rolecall_group_id,
    user: rolecall_user_id,
) -> rolecall_status {
    ffi!({
        dir!(dir).remove_member(UserId(actor), GroupId(group), UserId(user))?;
        Ok(())
    })
}

/// Deletes a group; refused (ROLECALL_STATUS_GROUP_IS_ONLY_GROUP) while it is the only group
/// of one of its members (004). Safety: `dir` is a live handle. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_group_delete(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    group: rolecall_group_id,
) -> rolecall_status {
    ffi!({
        dir!(dir).delete_group(UserId(actor), GroupId(group))?;
        Ok(())
    })
}

/// A group.
///
/// On success `*out` receives a record owned by the caller (rolecall_group_free()).
/// Errors: ROLECALL_STATUS_UNKNOWN_GROUP. Safety: `dir` is a live handle; `out` is writable.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_group_get(
    dir: *const rolecall_directory,
    group: rolecall_group_id,
    out: *mut *mut rolecall_group,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        out.write(boxed(dir!(dir).group(GroupId(group))?.into()));
        Ok(())
    })
}

/// The group of `tenant` with this name (case-insensitive).
///
/// On success `*out` receives a record owned by the caller (rolecall_group_free()).
/// Errors: ROLECALL_STATUS_UNKNOWN_TENANT, _UNKNOWN_GROUP. Safety: `dir` is a live handle;
/// `name` a NUL-terminated string; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_group_by_name(
    dir: *const rolecall_directory,
    tenant: rolecall_tenant_id,
    name: *const c_char,
    out: *mut *mut rolecall_group,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let d = dir!(dir);
        out.write(boxed(
            d.group_by_name(TenantId(tenant), text!(name))?.into(),
        ));
        Ok(())
    })
}

/// Every group of a tenant, in id order.
///
/// On success `*out` receives a list owned by the caller (rolecall_group_list_free()).
/// Errors: ROLECALL_STATUS_UNKNOWN_TENANT. Safety: `dir` is a live handle; `out` is writable.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_tenant_groups(
    dir: *const rolecall_directory,
    tenant: rolecall_tenant_id,
    out: *mut *mut rolecall_group_list,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let groups = dir!(dir).groups(TenantId(tenant))?;
        let items = groups.into_iter().map(Into::into).collect();
        out.write(list_of(items, |items, len| rolecall_group_list {
            items,
            len,
        }));
        Ok(())
    })
}

/// The members of a group, in id order.
///
/// On success `*out` receives a list owned by the caller (rolecall_id_list_free()).
/// Errors: ROLECALL_STATUS_UNKNOWN_GROUP. Safety: `dir` is a live handle; `out` is writable.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_group_members(
    dir: *const rolecall_directory,
    group: rolecall_group_id,
    out: *mut *mut rolecall_id_list,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let members = dir!(dir).group_members(GroupId(group))?;
        out.write(rolecall_id_list::new(members.into_iter().map(|u| u.0)));
        Ok(())
    })
}

/// The permissions a group grants its members (the union of its roles), written into `*out`.
///
/// Errors: ROLECALL_STATUS_UNKNOWN_GROUP. Safety: `dir` is a live handle; `out` is writable.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_group_permissions(
    dir: *const rolecall_directory,
    group: rolecall_group_id,
    out: *mut rolecall_permission,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        out.write(dir!(dir).group_permissions(GroupId(group))?.into());
        Ok(())
    })
}

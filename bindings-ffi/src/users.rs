//! Tenants and users: create, edit, activate, delete, roles, look-ups, search.

use std::ffi::c_char;

use rolecall::{
    Error, GroupId, NewUser, Preset, RoleId, ScopeGrant, ScopeId, TenantId, UserId, UserPatch,
    UserQuery,
};

use crate::directory::rolecall_directory;
use crate::records::*;
use crate::status::{rolecall_status, FfiResult};
use crate::types::*;

/// Converts a `rolecall_new_user`.
///
/// # Safety
/// The struct's pointers follow its documentation.
pub(crate) unsafe fn new_user(u: &rolecall_new_user) -> FfiResult<NewUser> {
    let roles = slice!(u.roles, u.roles_len, "new_user.roles");
    let groups = slice!(u.groups, u.groups_len, "new_user.groups");
    let scopes = slice!(u.scopes, u.scopes_len, "new_user.scopes");
    let teams = slice!(u.teams, u.teams_len, "new_user.teams");
    let grants = slice!(u.grants, u.grants_len, "new_user.grants");
    let mut n = NewUser::new(
        // SAFETY: the struct's contract.
        unsafe { crate::conv::text(u.first_name, "new_user.first_name") }?,
        // SAFETY: the struct's contract.
        unsafe { crate::conv::text(u.last_name, "new_user.last_name") }?,
        // SAFETY: the struct's contract.
        unsafe { crate::conv::text(u.email, "new_user.email") }?,
    );
    n.phone = opt_text!(u.phone, "new_user.phone").map(str::to_owned);
    n.external_id = opt_text!(u.external_id, "new_user.external_id").map(str::to_owned);
    n.roles = roles.iter().map(|r| RoleId(*r)).collect();
    n.groups = groups.iter().map(|g| GroupId(*g)).collect();
    n.scopes = scopes.iter().map(|s| ScopeId(*s)).collect();
    n.teams = teams.iter().map(|s| ScopeId(*s)).collect();
    n.grants = grants
        .iter()
        .map(|g| ScopeGrant {
            role: RoleId(g.role),
            scope: ScopeId(g.scope),
        })
        .collect();
    n.active = !u.inactive;
    n.password = opt_text!(u.password, "new_user.password").map(Into::into);
    n.temporary = !u.permanent_password;
    Ok(n)
}

// ================================================================ tenants

/// Creates a tenant with its superadministrator and the built-in roles of `presets` (the
/// host's own operation: no acting user). A preset given twice is installed once.
///
/// On success `*out` receives a record owned by the caller (rolecall_tenant_created_free()).
/// Errors: ROLECALL_STATUS_INVALID_NAME / _INVALID_EMAIL / _INVALID_PHONE, _UNKNOWN_PRESET (a
/// preset number out of range), _DUPLICATE_NAME (two presets with a role of the same name),
/// _WEAK_PASSWORD, ... Safety: `name` is a NUL-terminated string; `superadmin` a valid struct;
/// `presets` holds `presets_len` values; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_tenant_create(
    dir: *const rolecall_directory,
    name: *const c_char,
    superadmin: *const rolecall_new_user,
    presets: *const rolecall_preset,
    presets_len: usize,
    out: *mut *mut rolecall_tenant_created,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let d = dir!(dir);
        let name = text!(name);
        let sa = input!(superadmin);
        // SAFETY: per the contract: the struct's pointers follow its documentation.
        let sa = unsafe { new_user(sa) }?;
        let presets = slice!(presets, presets_len)
            .iter()
            .map(|p| preset(*p))
            .collect::<FfiResult<Vec<Preset>>>()?;
        let t = d.create_tenant(name, &sa, &presets)?;
        let (roles, roles_len) = crate::conv::array(t.roles.iter().map(|r| r.0).collect());
        out.write(crate::conv::boxed(rolecall_tenant_created {
            tenant: t.tenant.0,
            superadmin: t.superadmin.0,
            roles,
            roles_len,
        }));
        Ok(())
    })
}

/// Installs a preset's roles into the actor's tenant (superadministrator only).
///
/// `*roles_out` (optional, may be NULL) receives the ids of the new roles, owned by the caller
/// (rolecall_id_list_free()). Errors: ROLECALL_STATUS_SUPERADMIN_ONLY, _DUPLICATE_NAME (already
/// installed, or a role name taken), _UNKNOWN_PRESET. Safety: `dir` is a live handle. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_preset_install(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    preset: rolecall_preset,
    roles_out: *mut *mut rolecall_id_list,
) -> rolecall_status {
    ffi!({
        let d = dir!(dir);
        let roles = d.install_preset(UserId(actor), crate::types::preset(preset)?)?;
        if let Some(o) = crate::conv::opt_out(roles_out) {
            o.write(rolecall_id_list::new(roles.into_iter().map(|r| r.0)));
        }
        Ok(())
    })
}

/// A tenant.
///
/// On success `*out` receives a record owned by the caller (rolecall_tenant_free()).
/// Errors: ROLECALL_STATUS_UNKNOWN_TENANT. Safety: `dir` is a live handle; `out` is writable.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_tenant_get(
    dir: *const rolecall_directory,
    tenant: rolecall_tenant_id,
    out: *mut *mut rolecall_tenant,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let t = dir!(dir).tenant(TenantId(tenant))?;
        out.write(crate::conv::boxed(t.into()));
        Ok(())
    })
}

/// Every tenant, in id order.
///
/// On success `*out` receives a list owned by the caller (rolecall_tenant_list_free()).
/// Safety: `dir` is a live handle; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_directory_tenants(
    dir: *const rolecall_directory,
    out: *mut *mut rolecall_tenant_list,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let ts = dir!(dir).tenants();
        let items = ts.into_iter().map(Into::into).collect();
        out.write(list_of(items, |items, len| rolecall_tenant_list {
            items,
            len,
        }));
        Ok(())
    })
}

/// A tenant's password and lockout policy, written into `*out`.
///
/// Errors: ROLECALL_STATUS_UNKNOWN_TENANT. Safety: `dir` is a live handle; `out` is writable.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_password_policy_get(
    dir: *const rolecall_directory,
    tenant: rolecall_tenant_id,
    out: *mut rolecall_password_policy,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let p = dir!(dir).password_policy(TenantId(tenant))?;
        out.write((&p).into());
        Ok(())
    })
}

/// The library's default password policy, written into `*out` (a starting point for
/// rolecall_password_policy_set()).
///
/// Safety: `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_password_policy_default(
    out: *mut rolecall_password_policy,
) -> rolecall_status {
    ffi!({
        out!(out).write((&rolecall::PasswordPolicy::default()).into());
        Ok(())
    })
}

/// The superadministrator sets its tenant's password and lockout policy.
///
/// Errors: ROLECALL_STATUS_SUPERADMIN_ONLY, _INVALID_ARGUMENT (an unreasonable policy).
/// Safety: `dir` is a live handle; `policy` a valid struct. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_password_policy_set(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    policy: *const rolecall_password_policy,
) -> rolecall_status {
    ffi!({
        let d = dir!(dir);
        let p: rolecall::PasswordPolicy = input!(policy).into();
        d.set_password_policy(UserId(actor), &p)?;
        Ok(())
    })
}

// ================================================================ users

/// Creates a user in the actor's tenant. Needs `users.manage`; every role is a grant (the
/// actor must hold its rights). An initial password is checked against the tenant's policy.
///
/// On success `*out` receives the new user's id. Errors: ROLECALL_STATUS_PERMISSION_DENIED,
/// _ESCALATION, _SUPERADMIN_ONLY, _INVALID_NAME / _EMAIL / _PHONE, _DUPLICATE_EMAIL,
/// _UNKNOWN_ROLE, _WRONG_TENANT, _WEAK_PASSWORD, _UNKNOWN_USER (actor), ...
/// Safety: `dir` is a live handle; `user` a valid struct; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_user_create(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    user: *const rolecall_new_user,
    out: *mut rolecall_user_id,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let d = dir!(dir);
        let n = input!(user);
        // SAFETY: per the contract: the struct's pointers follow its documentation.
        let n = unsafe { new_user(n) }?;
        out.write(d.create_user(UserId(actor), &n)?.0);
        Ok(())
    })
}

/// Creates many users in one atomic commit (an import): all are created or none, under the
/// rules of rolecall_user_create(). Each initial password costs one argon2id hash, spent only
/// once the whole import is authorised and every password has passed the policy.
///
/// On success `out` (optional, may be NULL) receives the `users_len` new ids, in order.
/// Errors: as rolecall_user_create; ROLECALL_STATUS_INVALID_ARGUMENT for more than 1000 users
/// with an initial password in one call. Safety: `dir` is a live handle; `users` holds
/// `users_len` valid structs; `out`, when not NULL, has room for `users_len` ids. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_users_create(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    users: *const rolecall_new_user,
    users_len: usize,
    out: *mut rolecall_user_id,
) -> rolecall_status {
    ffi!({
        let d = dir!(dir);
        let users = slice!(users, users_len)
            .iter()
            // SAFETY: per the contract: each struct's pointers follow its documentation.
            .map(|u| unsafe { new_user(u) })
            .collect::<FfiResult<Vec<NewUser>>>()?;
        let ids = d.create_users(UserId(actor), &users)?;
        if !out.is_null() {
            for (i, id) in ids.iter().enumerate() {
                // SAFETY: per the contract: `out` has room for `users_len` ids.
                unsafe { out.add(i).write(id.0) };
            }
        }
        Ok(())
    })
}

/// Edits a user's names, email, phone or external id. Needs `users.manage`, or `profile.edit` for oneself.
/// Changing the email queues an EMAIL_CHANGED notification.
///
/// Errors: as rolecall_user_create, and ROLECALL_STATUS_INVALID_ARGUMENT when `phone` is set
/// together with `remove_phone` (or `external_id` with `remove_external_id`). Safety: `dir` is a live handle; `patch` a valid struct.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_user_update(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    user: rolecall_user_id,
    patch: *const rolecall_user_patch,
) -> rolecall_status {
    ffi!({
        let d = dir!(dir);
        let p = input!(patch);
        let phone = opt_text!(p.phone, "patch.phone");
        if phone.is_some() && p.remove_phone {
            return Err(Error::InvalidArgument {
                what: "patch",
                reason: "phone and remove_phone are both set".into(),
            }
            .into());
        }
        let external_id = opt_text!(p.external_id, "patch.external_id");
        if external_id.is_some() && p.remove_external_id {
            return Err(Error::InvalidArgument {
                what: "patch",
                reason: "external_id and remove_external_id are both set".into(),
            }
            .into());
        }
        let patch = UserPatch {
            first_name: opt_text!(p.first_name, "patch.first_name").map(str::to_owned),
            last_name: opt_text!(p.last_name, "patch.last_name").map(str::to_owned),
            email: opt_text!(p.email, "patch.email").map(str::to_owned),
            phone: if p.remove_phone {
                Some(None)
            } else {
                phone.map(|s| Some(s.to_owned()))
            },
            external_id: if p.remove_external_id {
                Some(None)
            } else {
                external_id.map(|s| Some(s.to_owned()))
            },
        };
        d.update_user(UserId(actor), UserId(user), &patch)?;
        Ok(())
    })
}

/// Activates or deactivates a user (reactivating is a grant). An inactive user holds nothing
/// and cannot log in. Safety: `dir` is a live handle. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_user_set_active(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    user: rolecall_user_id,
    active: bool,
) -> rolecall_status {
    ffi!({
        dir!(dir).set_active(UserId(actor), UserId(user), active)?;
        Ok(())
    })
}

/// Deletes a user with its memberships and agreement levels (the superadministrator cannot
/// be deleted; an agreement Owner must transfer ownership first).
/// Safety: `dir` is a live handle. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_user_delete(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    user: rolecall_user_id,
) -> rolecall_status {
    ffi!({
        dir!(dir).delete_user(UserId(actor), UserId(user))?;
        Ok(())
    })
}

/// Gives a user a role (a grant: the actor must hold the role's rights).
/// Safety: `dir` is a live handle. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_user_assign_role(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    user: rolecall_user_id,
    role: rolecall_role_id,
) -> rolecall_status {
    ffi!({
        dir!(dir).assign_role(UserId(actor), UserId(user), RoleId(role))?;
        Ok(())
    })
}

/// Takes a role from a user. Safety: `dir` is a live handle. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_user_revoke_role(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    user: rolecall_user_id,
    role: rolecall_role_id,
) -> rolecall_status {
    ffi!({
        dir!(dir).revoke_role(UserId(actor), UserId(user), RoleId(role))?;
        Ok(())
    })
}

/// Replaces the roles a user holds directly with `roles` (`roles_len` ids; may be empty).
/// Safety: `dir` is a live handle; `roles` holds `roles_len` ids. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_user_set_roles(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    user: rolecall_user_id,
    roles: *const rolecall_role_id,
    roles_len: usize,
) -> rolecall_status {
    ffi!({
        let d = dir!(dir);
        let roles: Vec<RoleId> = slice!(roles, roles_len)
            .iter()
            .map(|r| RoleId(*r))
            .collect();
        d.set_user_roles(UserId(actor), UserId(user), &roles)?;
        Ok(())
    })
}

/// Replaces the call groups / IVRs assigned to a user with `scopes` (a grant of the scoped
/// rights there). Safety: `dir` is a live handle; `scopes` holds `scopes_len` ids. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_user_set_scopes(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    user: rolecall_user_id,
    scopes: *const rolecall_scope_id,
    scopes_len: usize,
) -> rolecall_status {
    ffi!({
        let d = dir!(dir);
        let scopes: Vec<ScopeId> = slice!(scopes, scopes_len)
            .iter()
            .map(|s| ScopeId(*s))
            .collect();
        d.set_user_scopes(UserId(actor), UserId(user), &scopes)?;
        Ok(())
    })
}

/// Grants `role` to `user` for `scope` and everything below it (a per-scope grant: a user can
/// be Supervisor of Sales and Analyst of Support). The actor must hold the role's permissions
/// for that scope.
///
/// Errors: ROLECALL_STATUS_PERMISSION_DENIED, _OUTSIDE_TEAMS, _UNKNOWN_USER / _ROLE / _SCOPE,
/// _WRONG_TENANT, _SUPERADMIN_ONLY, _ESCALATION, ... Safety: `dir` is a live handle.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_user_grant_role_in_scope(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    user: rolecall_user_id,
    role: rolecall_role_id,
    scope: rolecall_scope_id,
) -> rolecall_status {
    ffi!({
        dir!(dir).grant_role_in_scope(UserId(actor), UserId(user), RoleId(role), ScopeId(scope))?;
        Ok(())
    })
}

/// Takes back a role granted for a scope (nothing when not granted).
///
/// Errors: as rolecall_user_grant_role_in_scope(), without the escalation check.
/// Safety: `dir` is a live handle. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_user_revoke_role_in_scope(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    user: rolecall_user_id,
    role: rolecall_role_id,
    scope: rolecall_scope_id,
) -> rolecall_status {
    ffi!({
        dir!(dir).revoke_role_in_scope(
            UserId(actor),
            UserId(user),
            RoleId(role),
            ScopeId(scope),
        )?;
        Ok(())
    })
}

/// Makes `user` a member of exactly the teams `teams` (`teams_len` ids, scopes of kind
/// ROLECALL_SCOPE_KIND_TEAM; may be empty). An actor holding `users.manage` only within teams
/// must administer every team it adds or removes.
///
/// Errors: ROLECALL_STATUS_NOT_A_TEAM, _OUTSIDE_TEAMS, _PERMISSION_DENIED, _UNKNOWN_USER /
/// _SCOPE, _WRONG_TENANT, ... Safety: `dir` is a live handle; `teams` holds `teams_len` ids.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_user_set_teams(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    user: rolecall_user_id,
    teams: *const rolecall_scope_id,
    teams_len: usize,
) -> rolecall_status {
    ffi!({
        let d = dir!(dir);
        let teams: Vec<ScopeId> = slice!(teams, teams_len)
            .iter()
            .map(|s| ScopeId(*s))
            .collect();
        d.set_user_teams(UserId(actor), UserId(user), &teams)?;
        Ok(())
    })
}

/// A user, if `actor` may view it (`users.view` held unscoped, or for a team the user is in):
/// the actor-aware read. rolecall_user_get() is the unchecked read for trusted host code.
///
/// On success `*out` receives a record owned by the caller (rolecall_user_free()).
/// Errors: ROLECALL_STATUS_UNKNOWN_USER (unknown actor or user, or a user of another tenant),
/// _PERMISSION_DENIED, _OUTSIDE_TEAMS. Safety: `dir` is a live handle; `out` is writable.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_user_get_as(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    user: rolecall_user_id,
    out: *mut *mut rolecall_user,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let u = dir!(dir).user_as(UserId(actor), UserId(user))?;
        out.write(crate::conv::boxed(u.into()));
        Ok(())
    })
}

/// A user (unchecked: for trusted host code; rolecall_user_get_as() reads as an acting user).
///
/// On success `*out` receives a record owned by the caller (rolecall_user_free()).
/// Errors: ROLECALL_STATUS_UNKNOWN_USER. Safety: `dir` is a live handle; `out` is writable.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_user_get(
    dir: *const rolecall_directory,
    user: rolecall_user_id,
    out: *mut *mut rolecall_user,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let u = dir!(dir).user(UserId(user))?;
        out.write(crate::conv::boxed(u.into()));
        Ok(())
    })
}

/// The user of `tenant` with this email (case-insensitive, trimmed).
///
/// On success `*out` receives a record owned by the caller (rolecall_user_free()).
/// Errors: ROLECALL_STATUS_UNKNOWN_TENANT, _UNKNOWN_USER. Safety: `dir` is a live handle;
/// `email` a NUL-terminated string; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_user_by_email(
    dir: *const rolecall_directory,
    tenant: rolecall_tenant_id,
    email: *const c_char,
    out: *mut *mut rolecall_user,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let d = dir!(dir);
        let u = d.user_by_email(TenantId(tenant), text!(email))?;
        out.write(crate::conv::boxed(u.into()));
        Ok(())
    })
}

/// The user of `tenant` with this external id (compared exactly).
///
/// On success `*out` receives a record owned by the caller (rolecall_user_free()).
/// Errors: ROLECALL_STATUS_UNKNOWN_TENANT, _UNKNOWN_USER. Safety: `dir` is a live handle;
/// `external_id` a NUL-terminated string; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_user_by_external_id(
    dir: *const rolecall_directory,
    tenant: rolecall_tenant_id,
    external_id: *const c_char,
    out: *mut *mut rolecall_user,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let d = dir!(dir);
        let u = d.user_by_external_id(TenantId(tenant), text!(external_id))?;
        out.write(crate::conv::boxed(u.into()));
        Ok(())
    })
}

/// The default user query (everyone, 50 per page), written into `*out`.
///
/// Safety: `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_user_query_default(
    out: *mut rolecall_user_query,
) -> rolecall_status {
    ffi!({
        let q = UserQuery::default();
        out!(out).write(rolecall_user_query {
            text: std::ptr::null(),
            active_only: q.active_only,
            offset: q.offset,
            limit: q.limit,
        });
        Ok(())
    })
}

/// Searches the users of a tenant by name, email or phone (see rolecall_user_query), in id
/// order, one page at a time. Unchecked: for trusted host code; rolecall_user_search_as()
/// shows an acting user only whom it may view.
///
/// On success `*out` receives a list owned by the caller (rolecall_user_list_free()) with
/// `total` matches in all. Errors: ROLECALL_STATUS_UNKNOWN_TENANT, _INVALID_ARGUMENT (limit not
/// 1 to 1000). Safety: `dir` is a live handle; `query` a valid struct; `out` is writable.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_user_search(
    dir: *const rolecall_directory,
    tenant: rolecall_tenant_id,
    query: *const rolecall_user_query,
    out: *mut *mut rolecall_user_list,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let d = dir!(dir);
        let q = input!(query);
        let query = UserQuery {
            text: opt_text!(q.text, "query.text").map(str::to_owned),
            active_only: q.active_only,
            offset: q.offset,
            limit: q.limit,
        };
        out.write(rolecall_user_list::page(
            d.search_users(TenantId(tenant), &query)?,
        ));
        Ok(())
    })
}

/// rolecall_user_search() in the actor's tenant, showing only the users the actor may view
/// (rolecall_check_user() with `users.view`): everyone for an actor holding it unscoped, the
/// members of its teams (and of the teams below them) for one holding it for teams, nobody for
/// one without it. `total` and paging count only what the actor sees.
///
/// On success `*out` receives a list owned by the caller (rolecall_user_list_free()).
/// Errors: ROLECALL_STATUS_UNKNOWN_USER (actor), _INVALID_ARGUMENT (limit not 1 to 1000).
/// Safety: `dir` is a live handle; `query` a valid struct; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_user_search_as(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    query: *const rolecall_user_query,
    out: *mut *mut rolecall_user_list,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let d = dir!(dir);
        let q = input!(query);
        let query = UserQuery {
            text: opt_text!(q.text, "query.text").map(str::to_owned),
            active_only: q.active_only,
            offset: q.offset,
            limit: q.limit,
        };
        out.write(rolecall_user_list::page(
            d.search_users_as(UserId(actor), &query)?,
        ));
        Ok(())
    })
}

/// Users of `tenant` who have not logged in for `days` days (never-logged-in users count from
/// their creation), for removing inactive accounts.
///
/// On success `*out` receives a list owned by the caller (rolecall_user_list_free()).
/// Errors: ROLECALL_STATUS_UNKNOWN_TENANT. Safety: `dir` is a live handle; `out` is writable.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_user_inactive_for(
    dir: *const rolecall_directory,
    tenant: rolecall_tenant_id,
    days: u32,
    out: *mut *mut rolecall_user_list,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let users = dir!(dir).users_inactive_for(TenantId(tenant), days)?;
        out.write(rolecall_user_list::new(users));
        Ok(())
    })
}

/// The groups a user belongs to, in id order.
///
/// On success `*out` receives a list owned by the caller (rolecall_id_list_free()).
/// Errors: ROLECALL_STATUS_UNKNOWN_USER. Safety: `dir` is a live handle; `out` is writable.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_user_groups(
    dir: *const rolecall_directory,
    user: rolecall_user_id,
    out: *mut *mut rolecall_id_list,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let gs = dir!(dir).user_groups(UserId(user))?;
        out.write(rolecall_id_list::new(gs.into_iter().map(|g| g.0)));
        Ok(())
    })
}

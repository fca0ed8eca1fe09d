//! `user`, `passwd`, `unlock`.

use rolecall::{NewUser, User, UserId, UserPatch, UserQuery};
use serde_json::json;

use crate::args::{PasswdArgs, UserCmd};
use crate::ctx::{self, CliResult, Ctx};
use crate::out::{self, Output};

const HEADERS: [&str; 6] = ["id", "email", "name", "active", "roles", "last login"];

fn row(ctx: &Ctx<'_>, u: &User) -> Vec<String> {
    vec![
        u.id.0.to_string(),
        u.email.clone(),
        format!("{} {}", u.first_name, u.last_name),
        out::yn(u.active),
        out::list(u.roles.iter().map(|r| ctx.role_name(*r))),
        u.last_login.map_or_else(|| "never".into(), out::time),
    ]
}

/// Users named by id, as records (JSON) and a short table of id, email and name: who may do
/// something (`who-can`), a group's members.
pub(super) fn brief_list(ctx: &Ctx<'_>, ids: &[UserId]) -> CliResult<Output> {
    let users: Vec<_> = ids
        .iter()
        .map(|u| ctx.dir.user(*u))
        .collect::<Result<_, _>>()?;
    let rows = users
        .iter()
        .map(|u| {
            vec![
                u.id.0.to_string(),
                u.email.clone(),
                format!("{} {}", u.first_name, u.last_name),
            ]
        })
        .collect();
    Ok(Output::records(&users, &["id", "email", "name"], rows))
}

fn show(ctx: &Ctx<'_>, u: &User) -> CliResult<Output> {
    let groups = ctx.dir.user_groups(u.id)?;
    let perms = ctx.dir.effective_permissions(u.id)?;
    let status = ctx.dir.credential_status(u.id).ok().map(|s| {
        json!({
            "has_password": s.has_password,
            "must_change": s.must_change,
            "failed_logins": s.failed_logins,
            "locked_until": s.locked_until,
        })
    });
    let text = out::fields(vec![
        ("id", u.id.0.to_string()),
        ("tenant", u.tenant.0.to_string()),
        ("email", u.email.clone()),
        ("name", format!("{} {}", u.first_name, u.last_name)),
        ("phone", u.phone.clone().unwrap_or_else(|| "-".into())),
        (
            "external id",
            u.external_id.clone().unwrap_or_else(|| "-".into()),
        ),
        ("active", out::yn(u.active)),
        (
            "roles",
            out::list(u.roles.iter().map(|r| ctx.role_name(*r))),
        ),
        (
            "groups",
            out::list(groups.iter().map(|g| ctx.group_name(*g))),
        ),
        (
            "scopes",
            out::list(u.scopes.iter().map(|s| ctx.scope_name(*s))),
        ),
        (
            "teams",
            out::list(u.teams.iter().map(|s| ctx.scope_name(*s))),
        ),
        (
            "scoped grants",
            out::list(
                u.grants
                    .iter()
                    .map(|g| format!("{} in {}", ctx.role_name(g.role), ctx.scope_name(g.scope))),
            ),
        ),
        ("permissions", perms.to_string()),
        (
            "password",
            match &status {
                Some(s) => s.to_string(),
                None => "-".into(),
            },
        ),
        ("created", out::time(u.created_at)),
        (
            "last login",
            u.last_login.map_or_else(|| "never".into(), out::time),
        ),
    ]);
    let mut json = out::to_json(u);
    if let Some(o) = json.as_object_mut() {
        o.insert("groups".into(), out::to_json(&groups));
        o.insert("permissions".into(), out::to_json(&perms));
        o.insert("credential".into(), status.unwrap_or_default());
    }
    Ok(Output { json, text })
}

pub fn run(ctx: &Ctx<'_>, c: &UserCmd) -> CliResult<Output> {
    match c {
        UserCmd::List {
            search,
            active,
            offset,
            limit,
        } => {
            let q = UserQuery {
                text: search.clone(),
                active_only: *active,
                offset: *offset,
                limit: *limit,
            };
            // With --as, only what that user may see; without, the whole tenant.
            let page = if ctx.cli.actor.is_some() {
                ctx.dir.search_users_as(ctx.actor()?, &q)?
            } else {
                ctx.dir.search_users(ctx.tenant()?, &q)?
            };
            let rows = page.items.iter().map(|u| row(ctx, u)).collect();
            let mut text = out::table(&HEADERS, rows);
            text.push_str(&format!(
                "\n{} of {} users (from {})",
                page.items.len(),
                page.total,
                page.offset
            ));
            Ok(Output {
                json: json!({ "items": page.items, "total": page.total, "offset": page.offset }),
                text,
            })
        }
        UserCmd::Show(a) => {
            let id = ctx.user(&a.user)?;
            let u = if ctx.cli.actor.is_some() {
                ctx.dir.user_as(ctx.actor()?, id)?
            } else {
                ctx.dir.user(id)?
            };
            show(ctx, &u)
        }
        UserCmd::Add {
            email,
            first_name,
            last_name,
            phone,
            external_id,
            roles,
            groups,
            inactive,
        } => {
            let actor = ctx.actor()?;
            let mut nu = NewUser::new(first_name, last_name, email)
                .roles(
                    roles
                        .iter()
                        .map(|r| ctx.role(r))
                        .collect::<Result<Vec<_>, _>>()?,
                )
                .groups(
                    groups
                        .iter()
                        .map(|g| ctx.group(g))
                        .collect::<Result<Vec<_>, _>>()?,
                );
            if let Some(p) = phone {
                nu = nu.phone(p);
            }
            if let Some(x) = external_id {
                nu = nu.external_id(x);
            }
            if *inactive {
                nu = nu.inactive();
            }
            let id = ctx.dir.create_user(actor, &nu)?;
            Ok(Output::done(
                format!("created user {email} ({id})"),
                json!({ "id": id }),
            ))
        }
        UserCmd::Set {
            user,
            first_name,
            last_name,
            email,
            phone,
            external_id,
            active,
        } => {
            let actor = ctx.actor()?;
            let id = ctx.user(user)?;
            // An empty value clears an optional field.
            let clearable =
                |v: &Option<String>| v.as_ref().map(|v| (!v.is_empty()).then(|| v.clone()));
            let patch = UserPatch {
                first_name: first_name.clone(),
                last_name: last_name.clone(),
                email: email.clone(),
                phone: clearable(phone),
                external_id: clearable(external_id),
            };
            if patch != UserPatch::default() {
                ctx.dir.update_user(actor, id, &patch)?;
            }
            if let Some(a) = active {
                ctx.dir.set_active(actor, id, *a)?;
            }
            Ok(Output::done(format!("updated {id}"), json!({ "id": id })))
        }
        UserCmd::Rm(a) => {
            let actor = ctx.actor()?;
            let id = ctx.user(&a.user)?;
            ctx.dir.delete_user(actor, id)?;
            Ok(Output::done(format!("deleted {id}"), json!({ "id": id })))
        }
        UserCmd::Grant { user, role, scope } => {
            let actor = ctx.actor()?;
            let (u, r) = (ctx.user(user)?, ctx.role(role)?);
            match scope {
                Some(s) => ctx.dir.grant_role_in_scope(actor, u, r, ctx.scope(s)?)?,
                None => ctx.dir.assign_role(actor, u, r)?,
            }
            Ok(Output::done(
                format!("granted {} to {}", ctx.role_name(r), ctx.user_email(u)),
                json!({ "user": u, "role": r }),
            ))
        }
        UserCmd::Revoke { user, role, scope } => {
            let actor = ctx.actor()?;
            let (u, r) = (ctx.user(user)?, ctx.role(role)?);
            match scope {
                Some(s) => ctx.dir.revoke_role_in_scope(actor, u, r, ctx.scope(s)?)?,
                None => ctx.dir.revoke_role(actor, u, r)?,
            }
            Ok(Output::done(
                format!("revoked {} from {}", ctx.role_name(r), ctx.user_email(u)),
                json!({ "user": u, "role": r }),
            ))
        }
    }
}

pub fn passwd(ctx: &Ctx<'_>, a: &PasswdArgs) -> CliResult<Output> {
    let actor = ctx.actor()?;
    let id = ctx.user(&a.user)?;
    let pw = ctx::password(&a.password)?;
    ctx.dir.set_password(actor, id, &pw, a.temporary)?;
    Ok(Output::done(
        format!(
            "password of {} set{}",
            ctx.user_email(id),
            if a.temporary { " (temporary)" } else { "" }
        ),
        json!({ "id": id, "temporary": a.temporary }),
    ))
}

pub fn unlock(ctx: &Ctx<'_>, user: &str) -> CliResult<Output> {
    let actor = ctx.actor()?;
    let id = ctx.user(user)?;
    ctx.dir.unlock(actor, id)?;
    Ok(Output::done(
        format!("unlocked {}", ctx.user_email(id)),
        json!({ "id": id }),
    ))
}

//! `group` and its members.

use rolecall::Group;
use serde_json::json;

use crate::args::{GroupCmd, MemberCmd};
use crate::ctx::{CliResult, Ctx};
use crate::out::{self, Output};

fn row(ctx: &Ctx<'_>, g: &Group) -> CliResult<Vec<String>> {
    Ok(vec![
        g.id.0.to_string(),
        g.name.clone(),
        out::list(g.roles.iter().map(|r| ctx.role_name(*r))),
        ctx.dir.group_members(g.id)?.len().to_string(),
    ])
}

pub fn run(ctx: &Ctx<'_>, c: &GroupCmd) -> CliResult<Output> {
    match c {
        GroupCmd::List => {
            let groups = ctx.dir.groups(ctx.tenant()?)?;
            let rows = groups
                .iter()
                .map(|g| row(ctx, g))
                .collect::<CliResult<_>>()?;
            Ok(Output::records(
                &groups,
                &["id", "name", "roles", "members"],
                rows,
            ))
        }
        GroupCmd::Show { group } => {
            let g = ctx.dir.group(ctx.group(group)?)?;
            let members = ctx.dir.group_members(g.id)?;
            let perms = ctx.dir.group_permissions(g.id)?;
            let text = out::fields(vec![
                ("id", g.id.0.to_string()),
                ("name", g.name.clone()),
                (
                    "roles",
                    out::list(g.roles.iter().map(|r| ctx.role_name(*r))),
                ),
                (
                    "members",
                    out::list(members.iter().map(|u| ctx.user_email(*u))),
                ),
                ("permissions", perms.to_string()),
            ]);
            let mut json = out::to_json(&g);
            if let Some(o) = json.as_object_mut() {
                o.insert("members".into(), out::to_json(&members));
                o.insert("permissions".into(), out::to_json(&perms));
            }
            Ok(Output { json, text })
        }
        GroupCmd::Add { name, roles } => {
            let actor = ctx.actor()?;
            let roles = roles
                .iter()
                .map(|r| ctx.role(r))
                .collect::<CliResult<Vec<_>>>()?;
            let id = ctx.dir.create_group(actor, name, &roles)?;
            Ok(Output::done(
                format!("created group {name:?} ({id})"),
                json!({ "id": id }),
            ))
        }
        GroupCmd::Set {
            group,
            name,
            add_roles,
            remove_roles,
        } => {
            let actor = ctx.actor()?;
            let id = ctx.group(group)?;
            if let Some(n) = name {
                ctx.dir.rename_group(actor, id, n)?;
            }
            for r in add_roles {
                ctx.dir.add_group_role(actor, id, ctx.role(r)?)?;
            }
            for r in remove_roles {
                ctx.dir.remove_group_role(actor, id, ctx.role(r)?)?;
            }
            Ok(Output::done(format!("updated {id}"), json!({ "id": id })))
        }
        GroupCmd::Rm { group } => {
            let actor = ctx.actor()?;
            let id = ctx.group(group)?;
            ctx.dir.delete_group(actor, id)?;
            Ok(Output::done(format!("deleted {id}"), json!({ "id": id })))
        }
        GroupCmd::Member(m) => match m {
            MemberCmd::Add { group, user } => {
                let actor = ctx.actor()?;
                let (g, u) = (ctx.group(group)?, ctx.user(user)?);
                ctx.dir.add_member(actor, g, u)?;
                Ok(Output::done(
                    format!("{} joined {}", ctx.user_email(u), ctx.group_name(g)),
                    json!({ "group": g, "user": u }),
                ))
            }
            MemberCmd::Rm { group, user } => {
                let actor = ctx.actor()?;
                let (g, u) = (ctx.group(group)?, ctx.user(user)?);
                ctx.dir.remove_member(actor, g, u)?;
                Ok(Output::done(
                    format!("{} left {}", ctx.user_email(u), ctx.group_name(g)),
                    json!({ "group": g, "user": u }),
                ))
            }
            MemberCmd::List { group } => {
                let members = ctx.dir.group_members(ctx.group(group)?)?;
                super::users::brief_list(ctx, &members)
            }
        },
    }
}

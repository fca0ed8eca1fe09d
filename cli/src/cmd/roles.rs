//! `role`.

use rolecall::{NewRole, Role, RolePatch};
use serde_json::json;

use crate::args::RoleCmd;
use crate::ctx::{permissions, CliResult, Ctx};
use crate::out::{self, Output};

fn row(r: &Role) -> Vec<String> {
    vec![
        r.id.0.to_string(),
        r.name.clone(),
        r.namespace.to_string(),
        r.permissions.to_string(),
        out::yn(r.scoped),
        out::yn(r.admin_tier),
    ]
}

pub fn run(ctx: &Ctx<'_>, c: &RoleCmd) -> CliResult<Output> {
    const H: [&str; 6] = [
        "id",
        "name",
        "namespace",
        "permissions",
        "scoped",
        "admin tier",
    ];
    match c {
        RoleCmd::List => {
            let roles = ctx.dir.roles(ctx.tenant()?)?;
            let rows = roles.iter().map(row).collect();
            Ok(Output::records(&roles, &H, rows))
        }
        RoleCmd::Show { role } => {
            let r = ctx.dir.role(ctx.role(role)?)?;
            let text = out::fields(vec![
                ("id", r.id.0.to_string()),
                ("name", r.name.clone()),
                ("namespace", r.namespace.to_string()),
                ("permissions", r.permissions.to_string()),
                ("denied", r.denied.to_string()),
                ("scoped", out::yn(r.scoped)),
                ("admin tier", out::yn(r.admin_tier)),
                ("description", r.description.clone()),
            ]);
            Ok(Output {
                json: out::to_json(&r),
                text,
            })
        }
        RoleCmd::Add {
            name,
            permissions: perms,
            deny,
            scoped,
            admin_tier,
            description,
        } => {
            let actor = ctx.actor()?;
            let mut nr = NewRole::new(name, permissions(perms)?);
            nr.description = description.clone();
            if let Some(d) = deny {
                nr = nr.deny(permissions(d)?);
            }
            if *scoped {
                nr = nr.scoped();
            }
            if *admin_tier {
                nr = nr.admin_tier();
            }
            let id = ctx.dir.create_role(actor, &nr)?;
            Ok(Output::done(
                format!("created role {name:?} ({id})"),
                json!({ "id": id }),
            ))
        }
        RoleCmd::Set {
            role,
            name,
            permissions: perms,
            deny,
            description,
        } => {
            let actor = ctx.actor()?;
            let id = ctx.role(role)?;
            let patch = RolePatch {
                name: name.clone(),
                permissions: perms.as_deref().map(permissions).transpose()?,
                denied: deny.as_deref().map(permissions).transpose()?,
                description: description.clone(),
            };
            ctx.dir.update_role(actor, id, &patch)?;
            Ok(Output::done(format!("updated {id}"), json!({ "id": id })))
        }
        RoleCmd::Rm { role } => {
            let actor = ctx.actor()?;
            let id = ctx.role(role)?;
            ctx.dir.delete_role(actor, id)?;
            Ok(Output::done(format!("deleted {id}"), json!({ "id": id })))
        }
    }
}

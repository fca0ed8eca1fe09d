//! `scope`.

use rolecall::{Scope, ScopeKind};
use serde_json::json;

use crate::args::ScopeCmd;
use crate::ctx::{CliResult, Ctx};
use crate::out::{self, Output};

fn row(ctx: &Ctx<'_>, s: &Scope) -> Vec<String> {
    vec![
        s.id.0.to_string(),
        s.name.clone(),
        s.kind.to_string(),
        s.parent.map_or_else(|| "-".into(), |p| ctx.scope_name(p)),
    ]
}

pub fn run(ctx: &Ctx<'_>, c: &ScopeCmd) -> CliResult<Output> {
    match c {
        ScopeCmd::List => {
            let scopes = ctx.dir.scopes(ctx.tenant()?)?;
            let rows = scopes.iter().map(|s| row(ctx, s)).collect();
            Ok(Output::records(
                &scopes,
                &["id", "name", "kind", "parent"],
                rows,
            ))
        }
        ScopeCmd::Show { scope } => {
            let s = ctx.dir.scope(ctx.scope(scope)?)?;
            let children = ctx.dir.child_scopes(s.id)?;
            let text = out::fields(vec![
                ("id", s.id.0.to_string()),
                ("name", s.name.clone()),
                ("kind", s.kind.to_string()),
                (
                    "parent",
                    s.parent.map_or_else(|| "-".into(), |p| ctx.scope_name(p)),
                ),
                (
                    "children",
                    out::list(children.iter().map(|c| ctx.scope_name(*c))),
                ),
            ]);
            let mut json = out::to_json(&s);
            if let Some(o) = json.as_object_mut() {
                o.insert("children".into(), out::to_json(&children));
            }
            Ok(Output { json, text })
        }
        ScopeCmd::Add { name, kind, parent } => {
            let actor = ctx.actor()?;
            let kind: ScopeKind = kind.parse()?;
            let id = match parent {
                Some(p) => ctx
                    .dir
                    .create_scope_under(actor, ctx.scope(p)?, kind, name)?,
                None => ctx.dir.create_scope(actor, kind, name)?,
            };
            Ok(Output::done(
                format!("created scope {name:?} ({id})"),
                json!({ "id": id }),
            ))
        }
        ScopeCmd::Set {
            scope,
            parent,
            root,
        } => {
            let actor = ctx.actor()?;
            let id = ctx.scope(scope)?;
            let parent = match (parent, root) {
                (Some(p), _) => Some(ctx.scope(p)?),
                (None, true) => None,
                (None, false) => {
                    return crate::ctx::usage("nothing to change: give --parent <SCOPE> or --root")
                }
            };
            ctx.dir.move_scope(actor, id, parent)?;
            Ok(Output::done(format!("moved {id}"), json!({ "id": id })))
        }
        ScopeCmd::Rm { scope } => {
            let actor = ctx.actor()?;
            let id = ctx.scope(scope)?;
            ctx.dir.delete_scope(actor, id)?;
            Ok(Output::done(format!("deleted {id}"), json!({ "id": id })))
        }
        ScopeCmd::Assign { scope, user } => {
            let actor = ctx.actor()?;
            let (s, u) = (ctx.scope(scope)?, ctx.user(user)?);
            ctx.dir.assign_scope(actor, u, s)?;
            Ok(Output::done(
                format!("assigned {} to {}", ctx.scope_name(s), ctx.user_email(u)),
                json!({ "scope": s, "user": u }),
            ))
        }
        ScopeCmd::Unassign { scope, user } => {
            let actor = ctx.actor()?;
            let (s, u) = (ctx.scope(scope)?, ctx.user(user)?);
            ctx.dir.unassign_scope(actor, u, s)?;
            Ok(Output::done(
                format!(
                    "unassigned {} from {}",
                    ctx.scope_name(s),
                    ctx.user_email(u)
                ),
                json!({ "scope": s, "user": u }),
            ))
        }
    }
}

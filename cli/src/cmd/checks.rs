//! `check`, `explain`, `who-can`, `scopes`: the library's answers, printed.

use rolecall::{Grant, Permission, ScopeAccess};
use serde_json::json;

use crate::args::{CheckArgs, PermArgs, ScopesArgs, WhoCanArgs};
use crate::ctx::{CliError, CliResult, Ctx};
use crate::out::{self, Output};

fn permission(s: &str) -> CliResult<Permission> {
    Ok(s.parse::<Permission>()?)
}

/// Exit 0 when allowed, 10 ([`CliError::Denied`]) when denied; the answer is printed either way.
pub fn check(ctx: &Ctx<'_>, a: &CheckArgs) -> CliResult<Output> {
    let user = ctx.user(&a.perm.user)?;
    ctx.dir.user(user)?; // an unknown user is an error, not a "denied"
    let p = permission(&a.perm.permission)?;
    let scope = a.scope.as_deref().map(|s| ctx.scope(s)).transpose()?;
    let allowed = match scope {
        Some(s) => ctx.dir.check_scoped(user, p, s),
        None => ctx.dir.check(user, p),
    };
    let answer = if allowed { "allowed" } else { "denied" };
    let out = Output {
        json: json!({ "user": user, "permission": p, "scope": scope, "allowed": allowed }),
        text: format!(
            "{answer}: {} {} {p}{}",
            ctx.user_email(user),
            if allowed { "may" } else { "may not" },
            scope.map_or_else(String::new, |s| format!(" in {}", ctx.scope_name(s)))
        ),
    };
    if allowed {
        Ok(out)
    } else {
        crate::print(ctx.cli.json, &out);
        Err(CliError::Denied)
    }
}

fn grant_row(ctx: &Ctx<'_>, g: &Grant, effect: &str) -> Vec<String> {
    vec![
        effect.to_owned(),
        format!("{} ({})", g.role_name, g.role_namespace),
        g.via_group.map_or_else(
            || "direct".into(),
            |gr| format!("group {}", ctx.group_name(gr)),
        ),
        g.scope.map_or_else(
            || {
                if g.scoped {
                    "its scopes".into()
                } else {
                    "-".into()
                }
            },
            |s| ctx.scope_name(s),
        ),
        g.grants.to_string(),
    ]
}

pub fn explain(ctx: &Ctx<'_>, a: &PermArgs) -> CliResult<Output> {
    let user = ctx.user(&a.user)?;
    let p = permission(&a.permission)?;
    let e = ctx.dir.explain(user, p)?;
    let mut text = format!(
        "{}: {} {} {p}",
        if e.allowed { "allowed" } else { "denied" },
        ctx.user_email(user),
        if e.allowed { "may" } else { "may not" },
    );
    if e.superadmin {
        text.push_str(" (superadministrator: holds every permission)");
    }
    if e.inactive {
        text.push_str(" (inactive: holds no permission)");
    }
    let rows: Vec<Vec<String>> = e
        .grants
        .iter()
        .map(|g| grant_row(ctx, g, "grant"))
        .chain(e.denied_by.iter().map(|g| grant_row(ctx, g, "deny")))
        .collect();
    if !rows.is_empty() {
        text.push('\n');
        text.push_str(&out::table(
            &["effect", "role", "via", "scope", "permissions"],
            rows,
        ));
    }
    Ok(Output {
        json: out::to_json(&e),
        text,
    })
}

pub fn who_can(ctx: &Ctx<'_>, a: &WhoCanArgs) -> CliResult<Output> {
    let p = permission(&a.permission)?;
    let scope = a.scope.as_deref().map(|s| ctx.scope(s)).transpose()?;
    let ids = ctx.dir.users_with_permission(ctx.tenant()?, p, scope)?;
    super::users::brief_list(ctx, &ids)
}

pub fn scopes(ctx: &Ctx<'_>, a: &ScopesArgs) -> CliResult<Output> {
    let user = ctx.user(&a.user)?;
    match &a.permission {
        Some(p) => {
            let p = permission(p)?;
            let access = ctx.dir.allowed_scopes(user, p)?;
            let (json, text) = match &access {
                ScopeAccess::All => (
                    json!({ "user": user, "permission": p, "all": true, "scopes": [] }),
                    format!("{} may use {p} in every scope", ctx.user_email(user)),
                ),
                ScopeAccess::Only(ids) => {
                    let scopes: Vec<_> = ids
                        .iter()
                        .map(|s| ctx.dir.scope(*s))
                        .collect::<Result<_, _>>()?;
                    let rows = scopes
                        .iter()
                        .map(|s| vec![s.id.0.to_string(), s.name.clone(), s.kind.to_string()])
                        .collect();
                    (
                        json!({ "user": user, "permission": p, "all": false, "scopes": scopes }),
                        out::table(&["id", "name", "kind"], rows),
                    )
                }
            };
            Ok(Output { json, text })
        }
        None => {
            let u = ctx.dir.user(user)?;
            let mut rows = Vec::new();
            for s in &u.scopes {
                rows.push(vec!["assigned".into(), ctx.scope_name(*s), "-".into()]);
            }
            for s in &u.teams {
                rows.push(vec!["team member".into(), ctx.scope_name(*s), "-".into()]);
            }
            for g in &u.grants {
                rows.push(vec![
                    "role in scope".into(),
                    ctx.scope_name(g.scope),
                    ctx.role_name(g.role),
                ]);
            }
            Ok(Output {
                json: json!({ "user": user, "scopes": u.scopes, "teams": u.teams, "grants": u.grants }),
                text: out::table(&["how", "scope", "role"], rows),
            })
        }
    }
}

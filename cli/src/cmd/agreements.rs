//! `agreement` and access levels.

use rolecall::{AccessLevel, Agreement, Product, UserQuery};
use serde_json::json;

use crate::args::AgreementCmd;
use crate::ctx::{CliResult, Ctx};
use crate::out::{self, Output};

fn row(ctx: &Ctx<'_>, a: &Agreement) -> Vec<String> {
    vec![
        a.id.0.to_string(),
        a.name.clone(),
        ctx.user_email(a.owner),
        out::time(a.created_at),
    ]
}

pub fn run(ctx: &Ctx<'_>, c: &AgreementCmd) -> CliResult<Output> {
    match c {
        AgreementCmd::List => {
            let all = ctx.dir.agreements(ctx.tenant()?)?;
            let rows = all.iter().map(|a| row(ctx, a)).collect();
            Ok(Output::records(
                &all,
                &["id", "name", "owner", "created"],
                rows,
            ))
        }
        AgreementCmd::Show { agreement } => {
            let a = ctx.dir.agreement(ctx.agreement(agreement)?)?;
            // The levels of the tenant's users (the first page of users).
            let users = ctx.dir.search_users(
                a.tenant,
                &UserQuery {
                    limit: UserQuery::MAX_LIMIT,
                    ..UserQuery::default()
                },
            )?;
            let mut levels = Vec::new();
            let mut rows = Vec::new();
            for u in &users.items {
                let per: Vec<(Product, AccessLevel)> = Product::ALL
                    .iter()
                    .map(|&p| (p, ctx.dir.access_level(a.id, u.id, p)))
                    .filter(|(_, l)| *l != AccessLevel::NoAccess)
                    .collect();
                if per.is_empty() {
                    continue;
                }
                let mut row = vec![u.email.clone()];
                row.push(out::list(
                    per.iter()
                        .map(|(p, l)| format!("{}={}", p.name(), l.name())),
                ));
                rows.push(row);
                levels.push(json!({
                    "user": u.id,
                    "levels": per.iter().map(|(p, l)| (p.name(), l.name())).collect::<std::collections::BTreeMap<_, _>>(),
                }));
            }
            let mut text = out::fields(vec![
                ("id", a.id.0.to_string()),
                ("name", a.name.clone()),
                ("owner", ctx.user_email(a.owner)),
                ("created", out::time(a.created_at)),
            ]);
            text.push('\n');
            text.push_str(&out::table(&["user", "levels"], rows));
            let mut json = out::to_json(&a);
            if let Some(o) = json.as_object_mut() {
                o.insert("levels".into(), levels.into());
            }
            Ok(Output { json, text })
        }
        AgreementCmd::Add { name, owner } => {
            let actor = ctx.actor()?;
            let owner = ctx.user(owner)?;
            let id = ctx.dir.create_agreement(actor, name, owner)?;
            Ok(Output::done(
                format!("created agreement {name:?} ({id})"),
                json!({ "id": id }),
            ))
        }
        AgreementCmd::Set {
            agreement,
            user,
            product,
            level,
        } => {
            let actor = ctx.actor()?;
            let (a, u) = (ctx.agreement(agreement)?, ctx.user(user)?);
            let (p, l): (Product, AccessLevel) = (product.parse()?, level.parse()?);
            ctx.dir.set_access_level(actor, a, u, p, l)?;
            Ok(Output::done(
                format!("{} now has {} on {}", ctx.user_email(u), l.name(), p.name()),
                json!({ "agreement": a, "user": u, "product": p.name(), "level": l.name() }),
            ))
        }
    }
}

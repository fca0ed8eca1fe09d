//! `init` and `tenant`.

use rolecall::{Directory, NewUser, Preset, Tenant};
use serde_json::json;

use crate::args::{Cli, InitArgs, TenantCmd};
use crate::ctx::{self, usage, CliResult, Ctx};
use crate::out::{self, Output};

fn presets(names: &[String]) -> CliResult<Vec<Preset>> {
    Ok(names
        .iter()
        .map(|n| n.parse::<Preset>())
        .collect::<Result<_, _>>()?)
}

/// A new directory: the file must not hold a tenant yet.
pub fn init(cli: &Cli, a: &InitArgs) -> CliResult<Output> {
    let presets = presets(&a.presets)?;
    let dir: Directory = ctx::open(cli)?;
    if !dir.tenants().is_empty() {
        return usage("this directory already has a tenant: add others with `rolecall tenant add`");
    }
    let mut su = NewUser::new(&a.first_name, &a.last_name, &a.email);
    if !a.no_password {
        su = su.password(ctx::password(&a.password)?).temporary(false);
    }
    let created = dir.create_tenant(&a.name, &su, &presets)?;
    Ok(Output::done(
        format!(
            "created tenant {:?} ({}) with superadministrator {} ({})",
            a.name, created.tenant, a.email, created.superadmin
        ),
        json!({ "tenant": created.tenant, "superadmin": created.superadmin, "roles": created.roles }),
    ))
}

fn tenant_rows(ts: &[Tenant], ctx: &Ctx<'_>) -> Vec<Vec<String>> {
    ts.iter()
        .map(|t| {
            vec![
                t.id.0.to_string(),
                t.name.clone(),
                ctx.user_email(t.superadmin),
                out::time(t.created_at),
            ]
        })
        .collect()
}

pub fn run(ctx: &Ctx<'_>, c: &TenantCmd) -> CliResult<Output> {
    const H: [&str; 4] = ["id", "name", "superadmin", "created"];
    match c {
        TenantCmd::List => {
            let ts = ctx.dir.tenants();
            Ok(Output::records(&ts, &H, tenant_rows(&ts, ctx)))
        }
        TenantCmd::Show { tenant } => {
            let t = ctx.dir.tenant(ctx.tenant_ref(tenant)?)?;
            let text = out::fields(vec![
                ("id", t.id.0.to_string()),
                ("name", t.name.clone()),
                ("superadmin", ctx.user_email(t.superadmin)),
                ("created", out::time(t.created_at)),
                (
                    "phone region",
                    t.settings
                        .phone_region
                        .clone()
                        .unwrap_or_else(|| "-".into()),
                ),
                (
                    "strict agreement levels",
                    out::yn(t.settings.strict_agreement_levels),
                ),
                (
                    "password policy",
                    serde_json::to_string(&t.policy).unwrap_or_default(),
                ),
            ]);
            Ok(Output {
                json: out::to_json(&t),
                text,
            })
        }
        TenantCmd::Set {
            phone_region,
            strict_agreement_levels,
        } => {
            let actor = ctx.actor()?;
            let tenant = ctx.dir.user(actor)?.tenant;
            let mut settings = ctx.dir.tenant_settings(tenant)?;
            if let Some(r) = phone_region {
                settings.phone_region = (!r.is_empty()).then(|| r.clone());
            }
            if let Some(s) = strict_agreement_levels {
                settings.strict_agreement_levels = *s;
            }
            // The options only: separation-of-duty rules added meanwhile are kept.
            ctx.dir.set_tenant_options(actor, &settings)?;
            Ok(Output::done(
                format!("updated the options of {tenant}"),
                json!({ "tenant": tenant, "settings": settings }),
            ))
        }
        TenantCmd::Add {
            name,
            email,
            first_name,
            last_name,
            presets: names,
        } => {
            let presets = presets(names)?;
            let created = ctx.dir.create_tenant(
                name,
                &NewUser::new(first_name, last_name, email),
                &presets,
            )?;
            Ok(Output::done(
                format!(
                    "created tenant {name:?} ({}) with superadministrator {email} ({})",
                    created.tenant, created.superadmin
                ),
                json!({ "tenant": created.tenant, "superadmin": created.superadmin, "roles": created.roles }),
            ))
        }
    }
}

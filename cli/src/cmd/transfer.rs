//! `export` and `import [--dry-run] [--csv]`: the library's tenant document and CSV of users.
//! A dry run plans the import on a throwaway fork with the very rules and engine that would
//! apply it, and prints who would gain and lose what, before anything is committed.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use rolecall::{Directory, Error, ExportOptions, ImportReport, KindReport, TenantDocument, UserId};
use serde_json::json;

use crate::args::{ExportArgs, ImportArgs};
use crate::ctx::{CliError, CliResult, Ctx};
use crate::out::{self, Output};

pub fn export(ctx: &Ctx<'_>, a: &ExportArgs) -> CliResult<Output> {
    let actor = ctx.actor()?;
    let doc = ctx.dir.export_tenant(
        actor,
        &ExportOptions {
            password_hashes: a.password_hashes,
        },
    )?;
    let text = doc.to_json();
    match &a.output {
        Some(path) => {
            std::fs::write(path, format!("{text}\n"))?;
            Ok(Output::done(
                format!(
                    "exported {} users, {} roles, {} groups, {} scopes, {} agreements to {path}",
                    doc.users.len(),
                    doc.roles.len(),
                    doc.groups.len(),
                    doc.scopes.len(),
                    doc.agreements.len()
                ),
                json!({ "file": path, "users": doc.users.len() }),
            ))
        }
        None => {
            // The document is the output, with or without --json.
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "{text}")?;
            Ok(Output {
                json: serde_json::Value::Null,
                text: String::new(),
            })
        }
    }
}

/// A spinner on stderr for the stages of a long import (drawn only on a terminal).
fn progress() -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn kind_line(name: &str, k: &KindReport) -> Vec<String> {
    vec![
        name.to_owned(),
        k.created.len().to_string(),
        k.updated.len().to_string(),
        k.unchanged.to_string(),
    ]
}

fn report_table(r: &ImportReport) -> String {
    out::table(
        &["records", "created", "updated", "unchanged"],
        vec![
            kind_line("roles", &r.roles),
            kind_line("scopes", &r.scopes),
            kind_line("groups", &r.groups),
            kind_line("users", &r.users),
            kind_line("agreements", &r.agreements),
        ],
    )
}

/// Runs the import (CSV or document) on `dir` as `actor`.
fn apply(dir: &Directory, actor: UserId, csv: bool, text: &str) -> Result<ImportReport, Error> {
    if csv {
        dir.import_users_csv(actor, text)
    } else {
        dir.import_tenant(actor, &TenantDocument::from_json(text)?)
    }
}

pub fn import(ctx: &Ctx<'_>, a: &ImportArgs) -> CliResult<Output> {
    let actor = ctx.actor()?;
    let started = Instant::now();
    let bar = progress();
    bar.set_message(format!("reading {}", a.file));
    let mut text = String::new();
    if a.file == "-" {
        std::io::stdin().read_to_string(&mut text)?;
    } else {
        text = std::fs::read_to_string(&a.file)?;
    }
    let csv = a.csv || a.file.to_ascii_lowercase().ends_with(".csv");
    let rows = if csv {
        text.lines().count().saturating_sub(1)
    } else {
        0
    };
    let result = if a.dry_run {
        bar.set_message(format!(
            "planning the import{} on a fork (nothing is committed)",
            if csv {
                format!(" of {rows} rows")
            } else {
                String::new()
            }
        ));
        ctx.dir
            .simulate(|d| apply(d, actor, csv, &text))
            .map(|s| (s.value, Some(s.impact)))
    } else {
        bar.set_message(format!(
            "importing{} in one commit",
            if csv {
                format!(" {rows} rows")
            } else {
                String::new()
            }
        ));
        apply(&ctx.dir, actor, csv, &text).map(|r| (r, None))
    };
    bar.finish_and_clear();
    let (report, impact) = match result {
        Ok(r) => r,
        Err(Error::InvalidImport { problems }) => {
            // Every problem at once, one a line; nothing was applied.
            for p in &problems {
                eprintln!("{p}");
            }
            return Err(CliError::Core(Error::InvalidImport { problems }));
        }
        Err(e) => return Err(e.into()),
    };
    let took = started.elapsed();
    let mut text_out = String::new();
    if let Some(i) = &impact {
        text_out.push_str("Dry run: nothing was committed. Impact:\n");
        let shown = i.to_string();
        text_out.push_str(if shown.trim().is_empty() {
            "(no one's access would change)"
        } else {
            shown.trim_end()
        });
        text_out.push('\n');
    }
    text_out.push_str(&report_table(&report));
    text_out.push_str(&format!(
        "\n{} in {:.2} s{}",
        if a.dry_run {
            "planned"
        } else if report.changed {
            "imported"
        } else {
            "nothing to change"
        },
        took.as_secs_f64(),
        if a.dry_run || !report.changed {
            String::new()
        } else {
            format!(" (revision {})", report.revision)
        }
    ));
    Ok(Output {
        json: json!({ "dry_run": a.dry_run, "report": report, "impact": impact }),
        text: text_out,
    })
}

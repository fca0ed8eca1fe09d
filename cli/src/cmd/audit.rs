//! `audit tail` and `audit export`: the log from a cursor, page by page, so that an export
//! never holds writers back for longer than one page.

use std::io::Write;

use rolecall::{AuditEvent, AuditQuery};
use serde_json::Value;

use crate::args::{AuditCmd, AuditFormat};
use crate::ctx::{usage, CliResult, Ctx};
use crate::out::{self, Output};

fn table(events: &[AuditEvent]) -> String {
    let rows = events
        .iter()
        .map(|e| {
            vec![
                e.seq.to_string(),
                out::time(e.at),
                e.actor.map_or_else(|| "-".into(), |a| a.0.to_string()),
                e.action.name().to_owned(),
                e.outcome.clone(),
                match (e.target_kind, e.target_id) {
                    (Some(k), Some(i)) => format!("{k}#{i}"),
                    (Some(k), None) => k.to_string(),
                    _ => "-".into(),
                },
                e.detail.clone().unwrap_or_default(),
            ]
        })
        .collect();
    out::table(
        &[
            "seq", "time", "actor", "action", "outcome", "target", "detail",
        ],
        rows,
    )
}

fn line(e: &AuditEvent, format: AuditFormat) -> String {
    match format {
        AuditFormat::Cef => e.to_cef(),
        _ => e.to_json_line(),
    }
}

pub fn run(ctx: &Ctx<'_>, c: &AuditCmd) -> CliResult<Output> {
    match c {
        AuditCmd::Tail { lines, format } => {
            let n = (*lines).clamp(1, 1000);
            let total = ctx.dir.audit_events(&AuditQuery {
                limit: 1,
                ..AuditQuery::default()
            })?;
            let page = ctx.dir.audit_events(&AuditQuery {
                offset: total.total.saturating_sub(n),
                limit: n,
                ..AuditQuery::default()
            })?;
            let json: Vec<Value> = page
                .items
                .iter()
                .map(|e| serde_json::from_str(&e.to_json_line()).unwrap_or(Value::Null))
                .collect();
            let text = match format {
                AuditFormat::Table => table(&page.items),
                f => page
                    .items
                    .iter()
                    .map(|e| line(e, *f))
                    .collect::<Vec<_>>()
                    .join("\n"),
            };
            Ok(Output {
                json: json.into(),
                text,
            })
        }
        AuditCmd::Export {
            since,
            format,
            page,
            follow,
            interval,
        } => {
            let mut cursor = start(ctx, since)?;
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            let mut count = 0u64;
            loop {
                let events = ctx.dir.audit_after(cursor, *page)?;
                let Some(last) = events.last() else {
                    if !*follow {
                        break;
                    }
                    // Caught up: hand what was written to the reader, then look again.
                    w.flush()?;
                    std::thread::sleep(std::time::Duration::from_millis(*interval));
                    continue;
                };
                cursor = last.seq;
                for e in &events {
                    let l = match format {
                        AuditFormat::Table => table(std::slice::from_ref(e)),
                        f => line(e, *f),
                    };
                    writeln!(w, "{l}")?;
                }
                count += events.len() as u64;
            }
            w.flush()?;
            // The stream is the output; the summary goes to stderr.
            eprintln!("exported {count} events (through seq {cursor})");
            Ok(Output {
                json: Value::Null,
                text: String::new(),
            })
        }
    }
}

/// The cursor `--since` names: a seq as is (events after it), or a time: just before the
/// first event stamped at or after it.
fn start(ctx: &Ctx<'_>, since: &str) -> CliResult<u64> {
    if let Ok(seq) = since.parse::<u64>() {
        return Ok(seq);
    }
    let Some(t) = out::parse_time(since) else {
        return usage(format!(
            "--since {since:?}: expected a seq (a number) or an RFC 3339 time (2026-12-01T00:00:00Z) or date"
        ));
    };
    let first = ctx.dir.audit_events(&AuditQuery {
        since: Some(t),
        limit: 1,
        ..AuditQuery::default()
    })?;
    Ok(match first.items.first() {
        Some(e) => e.seq - 1,
        // Nothing at or after it yet: from the end of the log.
        None => last_seq(ctx)?,
    })
}

fn last_seq(ctx: &Ctx<'_>) -> CliResult<u64> {
    let total = ctx.dir.audit_events(&AuditQuery {
        limit: 1,
        ..AuditQuery::default()
    })?;
    let last = ctx.dir.audit_events(&AuditQuery {
        offset: total.total.saturating_sub(1),
        limit: 1,
        ..AuditQuery::default()
    })?;
    Ok(last.items.first().map_or(0, |e| e.seq))
}

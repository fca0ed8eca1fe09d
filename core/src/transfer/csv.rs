//! CSV of users: one user per row, turned into a document of users only.

use super::document::{DocUser, ImportProblem, TenantDocument};
use crate::Error;

/// The columns a CSV of users may have (a header row names them, in any order).
pub const CSV_COLUMNS: [&str; 10] = [
    "email",
    "first_name",
    "last_name",
    "phone",
    "external_id",
    "active",
    "roles",
    "groups",
    "teams",
    "scopes",
];

/// A `;`-separated list cell (empty: an empty list).
fn list(cell: &str) -> Vec<String> {
    cell.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn problem(line: u64, field: &str, reason: impl Into<String>) -> ImportProblem {
    ImportProblem {
        location: format!("line {line}"),
        field: field.to_owned(),
        reason: reason.into(),
    }
}

/// Reads a CSV of users into a document of users only, with the line of each user (for
/// reporting). Every problem of the text itself is reported at once.
pub(crate) fn users_document(text: &str) -> Result<(TenantDocument, Vec<u64>), Error> {
    super::document::too_large(text)?;
    let mut problems = Vec::new();
    let mut rd = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = match rd.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return Err(Error::InvalidImport {
                problems: vec![problem(1, "", e.to_string())],
            })
        }
    };
    let mut col: [Option<usize>; 10] = [None; 10];
    for (i, h) in headers.iter().enumerate() {
        match CSV_COLUMNS.iter().position(|c| c.eq_ignore_ascii_case(h)) {
            Some(k) if col[k].is_some() => problems.push(problem(1, h, "a column named twice")),
            Some(k) => col[k] = Some(i),
            None => problems.push(problem(
                1,
                h,
                format!("unknown column (expected {})", CSV_COLUMNS.join(", ")),
            )),
        }
    }
    for k in 0..3 {
        if col[k].is_none() {
            problems.push(problem(1, CSV_COLUMNS[k], "a required column is missing"));
        }
    }
    let mut doc = TenantDocument::new();
    let mut lines = Vec::new();
    for rec in rd.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.push(problem(line, "", e.to_string()));
                continue;
            }
        };
        let line = rec.position().map_or(0, |p| p.line());
        let cell = |k: usize| col[k].and_then(|i| rec.get(i));
        let active = match cell(5) {
            None | Some("") => true,
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" | "y" => true,
                "false" | "no" | "0" | "n" => false,
                _ => {
                    problems.push(problem(line, "active", "expected true or false"));
                    true
                }
            },
        };
        doc.users.push(DocUser {
            email: cell(0).unwrap_or_default().to_owned(),
            external_id: cell(4).filter(|v| !v.is_empty()).map(str::to_owned),
            first_name: cell(1).unwrap_or_default().to_owned(),
            last_name: cell(2).unwrap_or_default().to_owned(),
            phone: cell(3).filter(|v| !v.is_empty()).map(str::to_owned),
            active,
            roles: cell(6).map(list),
            groups: cell(7).map(list),
            teams: cell(8).map(list),
            scopes: cell(9).map(list),
            ..DocUser::default()
        });
        lines.push(line);
    }
    if problems.is_empty() {
        Ok((doc, lines))
    } else {
        Err(Error::InvalidImport { problems })
    }
}

/// Rewrites the locations of a document of users (`users[3].email`) as CSV lines.
pub(crate) fn relocate(e: Error, lines: &[u64]) -> Error {
    match e {
        Error::InvalidImport { problems } => Error::InvalidImport {
            problems: problems
                .into_iter()
                .map(|mut p| {
                    if let Some(rest) = p.location.strip_prefix("users[") {
                        if let Some((i, _)) = rest.split_once(']') {
                            if let Some(line) = i.parse::<usize>().ok().and_then(|i| lines.get(i)) {
                                p.location = format!("line {line}");
                            }
                        }
                    }
                    p
                })
                .collect(),
        },
        other => other,
    }
}

//! A valid small directory file (`template()`: two tenants, users, roles, scopes, groups, an
//! agreement with levels and a PBX link, credentials, the commit log and audit trail) whose
//! rows the fuzzer's bytes overwrite through SQL (foreign keys and triggers off, as damage
//! would be): ids, names, permission names, levels, timestamps, counters, the commit log, the
//! schema version; rows deleted and duplicated. Then opened and used: a typed error or a
//! consistent directory (`exercise_file`).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rolecall::Directory;
use rolecall_fuzz::{exercise_file, template, with_file, Bytes};
use rusqlite::types::Value;
use rusqlite::Connection;

/// The template's tables and their columns.
fn tables() -> &'static Vec<(String, Vec<String>)> {
    static T: OnceLock<Vec<(String, Vec<String>)>> = OnceLock::new();
    T.get_or_init(|| {
        with_file(template(), |path| {
            let conn = Connection::open(path).expect("template");
            let names: Vec<String> = conn
                .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
                .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
                .expect("tables");
            names
                .into_iter()
                .map(|t| {
                    let cols: Vec<String> = conn
                        .prepare(&format!("SELECT name FROM pragma_table_info('{t}')"))
                        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
                        .expect("columns");
                    (t, cols)
                })
                .collect()
        })
    })
}

/// Words the directory reads back: permission and level names, kinds, JSON fragments.
const WORDS: &[&str] = &[
    "users.manage",
    "campaigns.view",
    "no.such.permission",
    "administrator",
    "owner",
    "none",
    "pbx",
    "call_group",
    "team",
    "brand",
    "",
    "{}",
    "[]",
    "null",
    "{\"kind\":\"UserPut\"}",
    "ann@acme.test",
    "ANN@ACME.TEST",
    "+12125550199",
];

fn value(b: &mut Bytes<'_>) -> Value {
    match b.u8() % 6 {
        0 => Value::Null,
        1 | 2 => Value::Integer(b.int()),
        3 => Value::Text(b.pick(WORDS).to_owned()),
        4 => Value::Text(b.text(64)),
        _ => Value::Blob(b.bytes(32).to_vec()),
    }
}

fn damage(conn: &Connection, b: &mut Bytes<'_>) {
    let tables = tables();
    for _ in 0..(1 + b.u8() % 6) {
        if b.is_empty() {
            break;
        }
        let (table, cols) = &tables[b.u8() as usize % tables.len()];
        let row = b.u8() % 16;
        let pick =
            format!("rowid = (SELECT rowid FROM \"{table}\" ORDER BY rowid LIMIT 1 OFFSET {row})");
        let _ = match b.u8() % 8 {
            0 => conn.execute(&format!("DELETE FROM \"{table}\" WHERE {pick}"), []),
            1 => conn.execute(
                &format!(
                    "INSERT OR IGNORE INTO \"{table}\" SELECT * FROM \"{table}\" WHERE {pick}"
                ),
                [],
            ),
            2 => conn.execute(&format!("PRAGMA user_version = {}", b.int()), []),
            _ => {
                let col = &cols[b.u8() as usize % cols.len()];
                conn.execute(
                    &format!("UPDATE OR IGNORE \"{table}\" SET \"{col}\" = ?1 WHERE {pick}"),
                    [value(b)],
                )
            }
        };
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes::new(data);
    // Read the template's tables first (it uses the scratch file too).
    let _ = tables();
    with_file(template(), |path| {
        {
            let conn = Connection::open(path).expect("copy");
            let _ = conn
                .execute_batch("PRAGMA foreign_keys = OFF; PRAGMA ignore_check_constraints = ON;");
            damage(&conn, &mut b);
        }
        if let Ok(dir) = Directory::open_sqlite(path) {
            exercise_file(dir, path);
        }
    });
});

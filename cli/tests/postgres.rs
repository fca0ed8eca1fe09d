//! The `rolecall` binary on PostgreSQL: a connection string for `--db`, a schema of the test's
//! own (`--pg-schema`), and two invocations (two processes, as two hosts) seeing each other's
//! changes. Uses `ROLECALL_TEST_PG` when set (as scripts/test-all.sh does), else starts a
//! throwaway cluster with scripts/pg-cluster.sh, stopped once this process exits.

use std::path::Path;
use std::process::Stdio;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn conninfo() -> String {
    if let Some(v) = std::env::var("ROLECALL_TEST_PG")
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        return v;
    }
    let dir = std::env::temp_dir().join(format!("rolecall-cli-pg-{}", std::process::id()));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/pg-cluster.sh");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .args([
            "start",
            &dir.to_string_lossy(),
            &std::process::id().to_string(),
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .expect("run pg-cluster.sh");
    assert!(out.status.success(), "pg-cluster.sh start: {}", out.status);
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Drops the test's schema at the end, however the test ended.
struct Schema(String, String);

impl Drop for Schema {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.1, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.0));
        }
    }
}

#[test]
fn a_session_on_postgres() {
    let db = conninfo();
    let schema = Schema(format!("cli_{}", std::process::id()), db.clone());
    let cmd = |args: &[&str]| {
        let mut c = Command::cargo_bin("rolecall").unwrap();
        c.env_remove("ROLECALL_AS")
            .env_remove("ROLECALL_TENANT")
            .env("ROLECALL_DB", &db)
            .env("ROLECALL_PG_SCHEMA", &schema.0)
            .args(args);
        c
    };
    cmd(&[
        "init",
        "--name",
        "Acme",
        "--email",
        "ada@acme.test",
        "--preset",
        "managers",
        "--password-stdin",
    ])
    .write_stdin("azure lantern drift seven\n")
    .assert()
    .success();
    // Another process (another host) sees the tenant and changes it.
    cmd(&[
        "--as",
        "ada@acme.test",
        "user",
        "add",
        "olga@acme.test",
        "--first-name",
        "Olga",
        "--last-name",
        "P",
        "--role",
        "Operator",
    ])
    .assert()
    .success();
    cmd(&["check", "olga@acme.test", "campaigns.control"])
        .assert()
        .code(0);
    cmd(&["--as", "olga@acme.test", "user", "rm", "ada@acme.test"])
        .assert()
        .code(6);
    // The audit log from the cursor, in JSON Lines, with the refusal.
    let out = cmd(&["audit", "export", "--page", "1"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let lines: Vec<Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() >= 3);
    assert!(lines
        .windows(2)
        .all(|w| w[0]["seq"].as_u64() < w[1]["seq"].as_u64()));
    assert_eq!(lines.last().unwrap()["outcome"], "permission_denied");
    // Another schema is another directory.
    cmd(&[
        "--pg-schema",
        &format!("{}_other", schema.0),
        "tenant",
        "list",
    ])
    .assert()
    .success()
    .stdout(predicate::str::contains("Acme").not());
    let _other = Schema(format!("{}_other", schema.0), db.clone());
}

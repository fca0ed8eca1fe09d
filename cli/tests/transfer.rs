//! `rolecall export` / `import [--dry-run] [--csv]` as an operator runs them: a 10,000-user CSV
//! planned first (the impact report, nothing committed), then imported in one commit, then
//! imported again (nothing changes); bad rows all reported at once with nothing applied; a
//! round trip of the tenant document.

use std::fmt::Write as _;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

struct Session {
    dir: tempfile::TempDir,
    db: String,
}

impl Session {
    fn new() -> Session {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("acme.db").to_string_lossy().into_owned();
        let s = Session { dir, db };
        s.cmd(&[
            "init",
            "--name",
            "Acme",
            "--email",
            "ada@acme.test",
            "--preset",
            "managers",
            "--no-password",
        ])
        .assert()
        .success();
        s
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::cargo_bin("rolecall").unwrap();
        c.env_remove("ROLECALL_TENANT")
            .env("ROLECALL_DB", &self.db)
            .env("ROLECALL_AS", "ada@acme.test")
            .args(args);
        c
    }

    fn file(&self, name: &str, text: &str) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_string_lossy().into_owned()
    }

    fn users(&self) -> u64 {
        let out = self
            .cmd(&["--json", "user", "list", "--limit", "1"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let v: Value = serde_json::from_slice(&out).unwrap();
        v["total"].as_u64().unwrap()
    }
}

#[test]
fn a_10000_user_csv_is_planned_then_imported_then_changes_nothing() {
    let s = Session::new();
    s.cmd(&["group", "add", "Night shift", "--role", "Viewer"])
        .assert()
        .success();
    let mut csv = String::from("email,first_name,last_name,roles,groups\n");
    for i in 0..10_000 {
        let (roles, groups) = if i % 2 == 0 {
            ("Operator", "")
        } else {
            ("", "Night shift")
        };
        let _ = writeln!(csv, "agent{i}@acme.test,Agent,No{i},{roles},{groups}");
    }
    let file = s.file("agents.csv", &csv);

    // The dry run: the impact report first, then the counts; nothing committed.
    let out = s
        .cmd(&["import", "--dry-run", "--csv", &file])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.starts_with("Dry run: nothing was committed. Impact:"),
        "{out}"
    );
    assert!(
        out.contains("agent0@acme.test") && out.contains("campaigns.control"),
        "{out}"
    );
    assert!(out.contains("planned in"), "{out}");
    assert_eq!(s.users(), 1);
    let plan = s
        .cmd(&["--json", "import", "--dry-run", "--csv", &file])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let plan: Value = serde_json::from_slice(&plan).unwrap();
    assert_eq!(plan["dry_run"], true);
    assert_eq!(
        plan["report"]["users"]["created"].as_array().unwrap().len(),
        10_000
    );
    assert_eq!(plan["impact"]["users"].as_array().unwrap().len(), 10_000);
    assert_eq!(s.users(), 1);

    // The import: one commit.
    s.cmd(&["import", "--csv", &file])
        .assert()
        .success()
        .stdout(predicate::str::contains("imported in"));
    assert_eq!(s.users(), 10_001);
    s.cmd(&["check", "agent0@acme.test", "campaigns.control"])
        .assert()
        .code(0);
    s.cmd(&["check", "agent1@acme.test", "campaigns.view"])
        .assert()
        .code(0);
    // Again: nothing to change.
    s.cmd(&["import", "--csv", &file])
        .assert()
        .success()
        .stdout(predicate::str::contains("nothing to change"));
}

#[test]
fn bad_rows_are_all_reported_and_nothing_is_applied() {
    let s = Session::new();
    let file = s.file(
        "bad.csv",
        "email,first_name,last_name,roles\n\
         good@acme.test,Good,Row,Operator\n\
         not-an-email,Bad,Email,\n\
         other@acme.test,,Empty,\n\
         third@acme.test,Unknown,Role,No such role\n",
    );
    let err = s
        .cmd(&["import", "--csv", &file])
        .assert()
        .code(3)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(err).unwrap();
    for line in ["line 3", "line 4", "line 5"] {
        assert!(err.contains(line), "{line} missing from: {err}");
    }
    assert!(err.contains("invalid_import"), "{err}");
    assert_eq!(s.users(), 1);
}

#[test]
fn export_then_import_into_an_empty_directory_gives_the_same_document() {
    let s = Session::new();
    s.cmd(&[
        "role",
        "add",
        "Sales viewer",
        "--permissions",
        "campaigns.view",
    ])
    .assert()
    .success();
    s.cmd(&[
        "user",
        "add",
        "olga@acme.test",
        "--first-name",
        "Olga",
        "--last-name",
        "P",
        "--role",
        "Sales viewer",
    ])
    .assert()
    .success();
    let doc = s
        .cmd(&["export"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc = String::from_utf8(doc).unwrap();
    let file = s.file("acme.json", &doc);

    // An empty directory with the same superadministrator.
    let t = Session::new();
    t.cmd(&["import", &file]).assert().success();
    let again = t
        .cmd(&["export"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let a: Value = serde_json::from_str(&doc).unwrap();
    let b: Value = serde_json::from_slice(&again).unwrap();
    assert_eq!(a["users"], b["users"]);
    assert_eq!(a["roles"], b["roles"]);
    // The same document again as olga changes nothing, so nothing needs her to be allowed;
    // a change she may not make is refused (6) and applies nothing.
    t.cmd(&["--as", "olga@acme.test", "import", &file])
        .assert()
        .success()
        .stdout(predicate::str::contains("nothing to change"));
    let csv = t.file(
        "new.csv",
        "email,first_name,last_name\nnew@acme.test,New,User\n",
    );
    t.cmd(&["--as", "olga@acme.test", "import", &csv])
        .assert()
        .code(6)
        .stderr(predicate::str::contains("permission_denied"));
    assert_eq!(t.users(), 2);
}

//! The `rolecall` binary run as an operator would: a whole session on a SQLite file, human and
//! `--json` output, exit codes, passwords from stdin, audit tail and export, completions and
//! the man page.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

const ROOT_PW: &str = "azure lantern drift seven";

struct Session {
    _dir: tempfile::TempDir,
    db: String,
}

impl Session {
    fn new() -> Session {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("acme.db").to_string_lossy().into_owned();
        Session { _dir: dir, db }
    }

    /// `rolecall --db <file> <args>`, no acting user.
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::cargo_bin("rolecall").unwrap();
        c.env_remove("ROLECALL_AS")
            .env_remove("ROLECALL_TENANT")
            .env("ROLECALL_DB", &self.db)
            .args(args);
        c
    }

    /// As the superadministrator.
    fn root(&self, args: &[&str]) -> Command {
        let mut c = self.cmd(args);
        c.env("ROLECALL_AS", "ada@acme.test");
        c
    }

    /// `--json` output of a successful command, parsed.
    fn json(&self, mut c: Command) -> Value {
        c.arg("--json");
        let out = c.assert().success().get_output().stdout.clone();
        serde_json::from_slice(&out)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out)))
    }

    fn init(&self) {
        self.cmd(&[
            "init",
            "--name",
            "Acme",
            "--email",
            "ada@acme.test",
            "--first-name",
            "Ada",
            "--last-name",
            "Root",
            "--preset",
            "managers",
            "--password-stdin",
        ])
        .write_stdin(format!("{ROOT_PW}\n"))
        .assert()
        .success()
        .stdout(predicate::str::contains("created tenant \"Acme\""));
    }
}

#[test]
fn a_whole_session() {
    let s = Session::new();
    s.init();
    // A second init is refused: the file has a tenant.
    s.cmd(&[
        "init",
        "--name",
        "Other",
        "--email",
        "x@y.test",
        "--no-password",
    ])
    .assert()
    .code(1)
    .stderr(predicate::str::contains("already has a tenant"));

    // Build a small directory.
    let t = s.json(s.cmd(&["tenant", "list"]));
    assert_eq!(t[0]["name"], "Acme");
    s.root(&["tenant", "set", "--phone-region", "FR"])
        .assert()
        .success();
    let t = s.json(s.cmd(&["tenant", "show", "Acme"]));
    assert_eq!(t["settings"]["phone_region"], "FR");
    s.root(&[
        "role",
        "add",
        "Sales viewer",
        "--permissions",
        "campaigns.view,reports.view",
    ])
    .assert()
    .success();
    s.root(&["group", "add", "Night shift", "--role", "Sales viewer"])
        .assert()
        .success();
    s.root(&["scope", "add", "Sales", "--kind", "call_group"])
        .assert()
        .success();
    s.root(&[
        "scope",
        "add",
        "Sales EU",
        "--kind",
        "call_group",
        "--parent",
        "Sales",
    ])
    .assert()
    .success();
    let olga = s.json(s.root(&[
        "user",
        "add",
        "olga@acme.test",
        "--first-name",
        "Olga",
        "--last-name",
        "Petrova",
        "--role",
        "Operator",
        "--external-id",
        "entra-0042",
        "--phone",
        "01 23 45 67 89",
    ]));
    assert_eq!(olga["ok"], true);
    let olga_id = olga["id"].as_u64().unwrap();
    s.root(&[
        "user",
        "add",
        "ivan@acme.test",
        "--first-name",
        "Ivan",
        "--last-name",
        "Ivanov",
    ])
    .assert()
    .success();
    s.root(&["group", "member", "add", "Night shift", "ivan@acme.test"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "ivan@acme.test joined Night shift",
        ));
    s.root(&["scope", "assign", "Sales", "olga@acme.test"])
        .assert()
        .success();

    // Readable tables by default.
    s.cmd(&["user", "list"]).assert().success().stdout(
        predicate::str::contains("olga@acme.test").and(predicate::str::contains("Operator")),
    );
    let users = s.json(s.cmd(&["user", "list"]));
    assert_eq!(users["total"], 3);
    let shown = s.json(s.cmd(&["user", "show", "olga@acme.test"]));
    assert_eq!(shown["id"], olga_id);
    assert_eq!(shown["external_id"], "entra-0042");
    assert_eq!(
        shown["phone"], "+33123456789",
        "the tenant's region applies"
    );
    assert!(shown["permissions"]
        .as_array()
        .unwrap()
        .contains(&Value::from("campaigns.control")));
    let group = s.json(s.cmd(&["group", "show", "Night shift"]));
    assert_eq!(group["members"].as_array().unwrap().len(), 1);

    // check: exit 0 allowed, 10 denied, the answer printed either way.
    s.cmd(&["check", "olga@acme.test", "campaigns.control"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("allowed"));
    s.cmd(&["check", "olga@acme.test", "users.manage"])
        .assert()
        .code(10)
        .stdout(predicate::str::starts_with("denied"));
    let denied = s
        .cmd(&["--json", "check", "ivan@acme.test", "campaigns.control"])
        .assert()
        .code(10)
        .get_output()
        .stdout
        .clone();
    let denied: Value = serde_json::from_slice(&denied).unwrap();
    assert_eq!(denied["allowed"], false);
    s.cmd(&["check", "ivan@acme.test", "campaigns.view"])
        .assert()
        .code(0);

    // explain: through the group.
    let why = s.json(s.cmd(&["explain", "ivan@acme.test", "campaigns.view"]));
    assert_eq!(why["allowed"], true);
    assert_eq!(why["grants"][0]["role_name"], "Sales viewer");
    assert!(why["grants"][0]["via_group"].is_u64());
    s.cmd(&["explain", "ivan@acme.test", "campaigns.view"])
        .assert()
        .success()
        .stdout(predicate::str::contains("group Night shift"));

    // who-can and scopes.
    let who = s.json(s.cmd(&["who-can", "campaigns.control"]));
    let emails: Vec<&str> = who
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert!(emails.contains(&"olga@acme.test") && !emails.contains(&"ivan@acme.test"));
    let scopes = s.json(s.cmd(&["scopes", "olga@acme.test"]));
    assert_eq!(scopes["scopes"].as_array().unwrap().len(), 1);
    // Users listed by id (who-can, a group's members): a table of id, email and name.
    s.cmd(&["who-can", "campaigns.control"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("olga@acme.test")
                .and(predicate::str::contains("Olga Petrova")),
        );
    s.cmd(&["group", "member", "list", "Night shift"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("ivan@acme.test").and(predicate::str::contains("Ivan Ivanov")),
        );

    // A refused mutation: its exit code (6: permission denied), its message, nothing changed.
    s.cmd(&[
        "--as",
        "olga@acme.test",
        "user",
        "add",
        "eve@acme.test",
        "--first-name",
        "Eve",
        "--last-name",
        "V",
    ])
    .assert()
    .code(6)
    .stderr(predicate::str::contains("permission_denied (400)"));
    let err = s
        .cmd(&[
            "--json",
            "--as",
            "olga@acme.test",
            "user",
            "rm",
            "ivan@acme.test",
        ])
        .assert()
        .code(6)
        .get_output()
        .stdout
        .clone();
    let err: Value = serde_json::from_slice(&err).unwrap();
    assert_eq!(err["ok"], false);
    assert_eq!(err["error"]["kind"], "permission_denied");
    assert_eq!(err["error"]["exit"], 6);
    assert_eq!(s.json(s.cmd(&["user", "list"]))["total"], 3);

    // A mutation without --as is a usage error (1).
    s.cmd(&["user", "rm", "ivan@acme.test"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--as"));

    // passwd from stdin; a weak one is refused (3: invalid input).
    s.root(&["passwd", "olga@acme.test", "--password-stdin"])
        .write_stdin("violet kettle on the moon\n")
        .assert()
        .success();
    s.root(&["passwd", "olga@acme.test", "--password-stdin"])
        .write_stdin("123\n")
        .assert()
        .code(3)
        .stderr(predicate::str::contains("weak_password"));
    let shown = s.json(s.cmd(&["user", "show", "olga@acme.test"]));
    assert_eq!(shown["credential"]["has_password"], true);
    s.root(&["unlock", "olga@acme.test"])
        .assert()
        .success()
        .stdout(predicate::str::contains("unlocked olga@acme.test"));

    // Changes through set / rm.
    s.root(&[
        "user",
        "set",
        "ivan@acme.test",
        "--active",
        "false",
        "--phone",
        "",
    ])
    .assert()
    .success();
    assert_eq!(
        s.json(s.cmd(&["user", "show", "ivan@acme.test"]))["active"],
        false
    );
    s.root(&["group", "member", "rm", "Night shift", "ivan@acme.test"])
        .assert()
        .success();
    s.root(&["user", "rm", "ivan@acme.test"]).assert().success();
    s.cmd(&["user", "show", "ivan@acme.test"]).assert().code(4);

    // Audit: tail, export as JSON Lines and CEF, from a seq and from a time.
    let tail = s.json(s.cmd(&["audit", "tail", "-n", "2"]));
    let tail = tail.as_array().unwrap();
    assert_eq!(tail.len(), 2);
    assert_eq!(tail[1]["action"], "delete_user");
    let out = s
        .cmd(&["audit", "export", "--format", "jsonl", "--page", "3"])
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
    assert!(lines.len() > 10);
    for (i, l) in lines.iter().enumerate() {
        assert_eq!(l["schema"], "rolecall.audit/1");
        assert_eq!(l["seq"], i as u64 + 1, "pages of 3 skipped or repeated");
    }
    assert!(lines.iter().any(|l| l["outcome"] == "permission_denied"));
    let cef = s
        .cmd(&["audit", "export", "--format", "cef"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let cef = String::from_utf8(cef).unwrap();
    assert_eq!(cef.lines().count(), lines.len());
    assert!(cef
        .lines()
        .all(|l| l.starts_with("CEF:0|rolecall|rolecall|")));
    assert!(cef.contains("|create_user refused: permission_denied|6|"));
    let since = s
        .cmd(&["audit", "export", "--since", "5"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let first: Value =
        serde_json::from_str(String::from_utf8(since).unwrap().lines().next().unwrap()).unwrap();
    assert_eq!(first["seq"], 6);
    s.cmd(&["audit", "export", "--since", "2999-01-01"])
        .assert()
        .success()
        .stdout(predicate::str::is_empty());
    s.cmd(&["audit", "export", "--since", "1970-01-01T00:00:00Z"])
        .assert()
        .success()
        .stdout(predicate::function(|o: &str| {
            o.lines().count() == lines.len()
        }));
    s.cmd(&["audit", "export", "--since", "yesterday"])
        .assert()
        .code(1);
}

#[test]
fn exit_codes_by_category() {
    let s = Session::new();
    s.init();
    // 2: the command line does not parse.
    s.cmd(&["user", "frobnicate"]).assert().code(2);
    // 3: invalid input (an unknown permission).
    s.cmd(&["check", "ada@acme.test", "no.such"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("unknown_permission"));
    // 4: not found.
    s.cmd(&["user", "show", "nobody@acme.test"])
        .assert()
        .code(4);
    // 5: conflict (a duplicate email).
    let add = [
        "user",
        "add",
        "ada@acme.test",
        "--first-name",
        "A",
        "--last-name",
        "B",
    ];
    s.root(&add).assert().code(5);
    // 1: no directory.
    Command::cargo_bin("rolecall")
        .unwrap()
        .env_remove("ROLECALL_DB")
        .args(["user", "list"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--db"));
    // 8: storage (a directory where the file should be).
    let dir = tempfile::tempdir().unwrap();
    Command::cargo_bin("rolecall")
        .unwrap()
        .args(["--db", &dir.path().to_string_lossy(), "tenant", "list"])
        .assert()
        .code(8);
}

#[test]
fn completions_and_man_page_come_from_the_same_definitions() {
    let s = Session::new();
    for shell in ["bash", "zsh", "fish"] {
        s.cmd(&["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains("who-can").and(predicate::str::contains("export")));
    }
    s.cmd(&["man"]).assert().success().stdout(
        predicate::str::contains(".TH rolecall")
            .and(predicate::str::contains("Exit codes"))
            .and(predicate::str::contains("who\\-can")),
    );
    s.cmd(&["--help"]).assert().success().stdout(
        predicate::str::contains("Exit codes:").and(predicate::str::contains("10  `check`")),
    );
}

#[test]
fn audit_export_follow_streams_new_events_as_they_come() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let s = Session::new();
    s.init();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("rolecall"))
        .env_remove("ROLECALL_AS")
        .env("ROLECALL_DB", &s.db)
        .args(["audit", "export", "--follow", "--interval", "50"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let next = || rx.recv_timeout(std::time::Duration::from_secs(20)).ok();
    let first: Value = serde_json::from_str(&next().expect("the existing event")).unwrap();
    assert_eq!(first["action"], "create_tenant");
    // A change made while it runs shows up.
    s.root(&[
        "user",
        "add",
        "late@acme.test",
        "--first-name",
        "L",
        "--last-name",
        "C",
    ])
    .assert()
    .success();
    let line = next().expect("the new event, while following");
    let _ = child.kill();
    let _ = child.wait();
    let late: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(late["action"], "create_user");
    assert_eq!(late["seq"], 2);
}

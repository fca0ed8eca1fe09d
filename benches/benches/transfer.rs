//! Import and export of a tenant (issue 17): importing N users (no passwords) into a SQLite
//! file and exporting them, beside a baseline of raw SQLite inserts of the same rows into a
//! fresh table, in the same run.
//!
//! `cargo bench -p rolecall-benches --bench transfer` (100,000 users);
//! `ROLECALL_BENCH_FULL=1 cargo bench ...` imports 1,000,000 (targets: import <= 10 s,
//! export <= 5 s). Quick mode (`cargo test --benches`) imports 2,000.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rolecall::{
    Directory, DocGroup, DocScope, DocUser, ExportOptions, NewUser, Preset, TenantDocument,
};

fn remove_db(path: &Path) {
    for s in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{s}", path.display()));
    }
}

/// A tenant document of `n` users: each holds one of four built-in roles, is a member of one
/// of 20 teams and one of 10 groups; a phone for one in four.
fn document(n: usize) -> TenantDocument {
    let mut doc = TenantDocument::new();
    doc.scopes = (0..20)
        .map(|t| DocScope {
            kind: "team".into(),
            name: format!("Team {t}"),
            parent: None,
        })
        .collect();
    let roles = [
        "managers/Operator",
        "managers/Viewer",
        "managers/Manager",
        "managers/Service",
    ];
    doc.groups = (0..10)
        .map(|g| DocGroup {
            name: format!("Group {g}"),
            roles: vec![roles[g % 2].to_owned()],
        })
        .collect();
    doc.users = (0..n)
        .map(|i| DocUser {
            email: format!("user{i}@center.test"),
            first_name: format!("First{i}"),
            last_name: format!("Last{}", i % 9973),
            phone: (i % 4 == 0).then(|| format!("+1212555{:04}", i % 10_000)),
            active: true,
            roles: Some(vec![roles[i % roles.len()].to_owned()]),
            groups: Some(vec![format!("Group {}", i % 10)]),
            teams: Some(vec![format!("team/Team {}", i % 20)]),
            ..DocUser::default()
        })
        .collect();
    doc
}

/// The baseline: the same users' rows inserted with raw rusqlite into a fresh table of the
/// same shape (one transaction, one prepared statement, the unique email index).
fn raw_inserts(path: &Path, doc: &TenantDocument) -> Duration {
    remove_db(path);
    let t = Instant::now();
    let mut c = rusqlite::Connection::open(path).expect("open");
    c.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
         CREATE TABLE users (id INTEGER PRIMARY KEY, tenant INTEGER NOT NULL, email TEXT NOT NULL,
           email_key TEXT NOT NULL, first_name TEXT NOT NULL, last_name TEXT NOT NULL, phone TEXT,
           active INTEGER NOT NULL, roles TEXT NOT NULL, teams TEXT NOT NULL, grp INTEGER NOT NULL);
         CREATE UNIQUE INDEX users_email ON users(tenant, email_key);",
    )
    .expect("schema");
    let tx = c.transaction().expect("tx");
    {
        let mut st = tx
            .prepare(
                "INSERT INTO users (id, tenant, email, email_key, first_name, last_name, phone, \
                 active, roles, teams, grp) VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8, ?9)",
            )
            .expect("prepare");
        for (i, u) in doc.users.iter().enumerate() {
            st.execute(rusqlite::params![
                i as i64 + 2,
                u.email,
                u.email.to_lowercase(),
                u.first_name,
                u.last_name,
                u.phone,
                (i % 4) as i64,
                (i % 20) as i64,
                (i % 10) as i64,
            ])
            .expect("insert");
        }
    }
    tx.commit().expect("commit");
    t.elapsed()
}

fn main() {
    let quick = rolecall_benches::quick();
    let n = if quick {
        2_000
    } else if rolecall_benches::flag("ROLECALL_BENCH_FULL") {
        1_000_000
    } else {
        100_000
    };
    let base = if Path::new("/dev/shm").is_dir() && quick {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let pid = std::process::id();
    let raw_path = base.join(format!("rolecall-bench-transfer-raw-{pid}.db"));
    let path = base.join(format!("rolecall-bench-transfer-{pid}.db"));
    let doc = document(n);

    let raw = raw_inserts(&raw_path, &doc);
    remove_db(&raw_path);

    remove_db(&path);
    let dir = Directory::open_sqlite(&path).expect("open");
    let t = dir
        .create_tenant(
            "Call center",
            &NewUser::new("Root", "Center", "root@center.test"),
            &[Preset::Managers],
        )
        .expect("tenant");
    let started = Instant::now();
    let report = dir.import_tenant(t.superadmin, &doc).expect("import");
    let import = started.elapsed();
    assert_eq!(report.users.created.len(), n);

    let started = Instant::now();
    let exported = dir
        .export_tenant(t.superadmin, &ExportOptions::default())
        .expect("export");
    let export = started.elapsed();
    let started = Instant::now();
    let json = exported.to_json();
    let serialise = started.elapsed();
    assert_eq!(exported.users.len(), n + 1);

    // Re-importing the export changes nothing.
    let started = Instant::now();
    let again = dir
        .import_tenant(t.superadmin, &exported)
        .expect("re-import");
    let reimport = started.elapsed();
    assert!(!again.changed);
    drop(dir);
    remove_db(&path);

    let ratio = |d: Duration| d.as_secs_f64() / raw.as_secs_f64();
    println!("== transfer: {n} users into a SQLite file (no passwords)");
    println!("baseline: raw rusqlite inserts of the same rows   {raw:>10.2?}");
    println!(
        "import_tenant (one commit, every rule)           {import:>10.2?}  {:>6.1}x baseline (target <= 10 s at 1,000,000)",
        ratio(import)
    );
    println!(
        "export_tenant                                    {export:>10.2?}  {:>6.1}x baseline (target <= 5 s at 1,000,000)",
        ratio(export)
    );
    println!(
        "  + to JSON ({:.0} MiB)                            {serialise:>10.2?}  {:>6.1}x baseline",
        json.len() as f64 / (1 << 20) as f64,
        ratio(serialise)
    );
    println!(
        "re-import of the export (nothing changes)        {reimport:>10.2?}  {:>6.1}x baseline",
        ratio(reimport)
    );
}

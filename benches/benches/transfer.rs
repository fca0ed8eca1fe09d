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

/// The baseline: the rows the store writes for these users, inserted with raw rusqlite into
/// fresh tables of the same shape (columns, keys, unique constraints and indexes of the
/// store's `users`, `user_roles`, `group_members` and `user_teams`), in one transaction with
/// one prepared statement per table, under the store's journal mode and durability, with the
/// page cache the store gives a commit of that size (256 bytes per change, at most 256 MiB).
fn raw_inserts(path: &Path, doc: &TenantDocument) {
    let mut c = rusqlite::Connection::open(path).expect("open");
    // The import's commit holds two changes per user: its record and its membership.
    let cache_kib = (doc.users.len() * 2 / 4).clamp(2000, 256 * 1024);
    c.pragma_update(None, "cache_size", -(cache_kib as i64))
        .expect("cache");
    c.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
         CREATE TABLE users (id INTEGER PRIMARY KEY, tenant INTEGER NOT NULL,
           first_name TEXT NOT NULL, last_name TEXT NOT NULL, email TEXT NOT NULL,
           email_key TEXT NOT NULL, phone TEXT, active INTEGER NOT NULL, created_at INTEGER NOT NULL,
           updated_at INTEGER NOT NULL, last_login INTEGER, stamp INTEGER NOT NULL DEFAULT 0,
           break_glass INTEGER NOT NULL DEFAULT 0, external_id TEXT,
           UNIQUE (tenant, email_key), UNIQUE (tenant, id));
         CREATE UNIQUE INDEX users_external_id ON users (tenant, external_id)
           WHERE external_id IS NOT NULL;
         CREATE TABLE user_roles (tenant INTEGER NOT NULL, user INTEGER NOT NULL,
           role INTEGER NOT NULL, PRIMARY KEY (user, role)) WITHOUT ROWID;
         CREATE INDEX user_roles_role ON user_roles (role);
         CREATE TABLE group_members (tenant INTEGER NOT NULL, grp INTEGER NOT NULL,
           user INTEGER NOT NULL, PRIMARY KEY (grp, user)) WITHOUT ROWID;
         CREATE INDEX group_members_user ON group_members (user);
         CREATE TABLE user_teams (tenant INTEGER NOT NULL, user INTEGER NOT NULL,
           scope INTEGER NOT NULL, PRIMARY KEY (user, scope)) WITHOUT ROWID;
         CREATE INDEX user_teams_scope ON user_teams (scope);",
    )
    .expect("schema");
    let tx = c.transaction().expect("tx");
    {
        let mut user = tx
            .prepare(
                "INSERT INTO users (id, tenant, first_name, last_name, email, email_key, phone, \
                 active, created_at, updated_at, stamp) VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6, 1, 0, 0, 1)",
            )
            .expect("prepare");
        let mut role = tx
            .prepare("INSERT INTO user_roles (tenant, user, role) VALUES (1, ?1, ?2)")
            .expect("prepare");
        let mut member = tx
            .prepare("INSERT INTO group_members (tenant, grp, user) VALUES (1, ?1, ?2)")
            .expect("prepare");
        let mut team = tx
            .prepare("INSERT INTO user_teams (tenant, user, scope) VALUES (1, ?1, ?2)")
            .expect("prepare");
        for (i, u) in doc.users.iter().enumerate() {
            let id = i as i64 + 2;
            user.execute(rusqlite::params![
                id,
                u.first_name,
                u.last_name,
                u.email,
                u.email.to_lowercase(),
                u.phone,
            ])
            .expect("insert");
            role.execute([id, (i % 4) as i64 + 1]).expect("role");
            member.execute([(i % 10) as i64 + 1, id]).expect("member");
            team.execute([id, (i % 20) as i64 + 1]).expect("team");
        }
    }
    tx.commit().expect("commit");
}

/// Time spent on a CPU by this thread (the benchmark is single-threaded, and so is SQLite
/// here), from the scheduler's own accounting: on a shared machine, the wall clock also counts
/// the time other processes held the cores.
fn cpu_time() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// Wall-clock and CPU time of one run of `f`.
#[derive(Clone, Copy)]
struct Timed {
    wall: Duration,
    cpu: Option<Duration>,
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Timed) {
    let (cpu0, wall0) = (cpu_time(), Instant::now());
    let out = f();
    let wall = wall0.elapsed();
    let cpu = cpu_time().zip(cpu0).map(|(b, a)| b.saturating_sub(a));
    (out, Timed { wall, cpu })
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

    remove_db(&raw_path);
    let ((), raw) = timed(|| raw_inserts(&raw_path, &doc));
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
    let (report, import) = timed(|| dir.import_tenant(t.superadmin, &doc).expect("import"));
    assert_eq!(report.users.created.len(), n);

    let (exported, export) = timed(|| {
        dir.export_tenant(t.superadmin, &ExportOptions::default())
            .expect("export")
    });
    let (json, serialise) = timed(|| exported.to_json());
    assert_eq!(exported.users.len(), n + 1);

    // Re-importing the export changes nothing.
    let (again, reimport) = timed(|| {
        dir.import_tenant(t.superadmin, &exported)
            .expect("re-import")
    });
    assert!(!again.changed);
    drop(dir);
    remove_db(&path);

    println!("== transfer: {n} users into a SQLite file (no passwords)");
    println!(
        "{:<50} {:>10} {:>10} {:>12}",
        "", "wall", "cpu", "x baseline"
    );
    let row = |label: &str, t: Timed| {
        let cpu = t.cpu.map_or("n/a".to_owned(), |c| format!("{c:.2?}"));
        // CPU time when the kernel reports it (robust on a shared machine), else wall.
        let ratio = match (t.cpu, raw.cpu) {
            (Some(c), Some(r)) => c.as_secs_f64() / r.as_secs_f64(),
            _ => t.wall.as_secs_f64() / raw.wall.as_secs_f64(),
        };
        println!("{label:<50} {:>10.2?} {cpu:>10} {ratio:>11.1}x", t.wall);
    };
    row("baseline: raw rusqlite inserts of the same rows", raw);
    row("import_tenant (one commit, every rule)", import);
    row("export_tenant", export);
    row(
        &format!(
            "  + to JSON ({:.0} MiB)",
            json.len() as f64 / (1 << 20) as f64
        ),
        serialise,
    );
    row("re-import of the export (nothing changes)", reimport);
    println!("targets at 1,000,000 users: import <= 10 s, export <= 5 s");
}

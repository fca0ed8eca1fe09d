//! Several writers on one SQLite file: every legitimate change succeeds, however they
//! interleave (each write catches up and plans under the file's write lock), and the final state
//! is the sum of all writes.
//!
//! Writers are threads each with its own directory (its own connection), and real processes:
//! this test binary started again with `--ignored --exact child_writer`.

mod common;

use common::TempDir;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rolecall::{
    Clock, Directory, Error, MemoryStore, NewUser, Preset, SqliteOptions, SqliteStore, SystemClock,
    TenantId, UserId, UserQuery,
};

const ENV_FILE: &str = "ROLECALL_CONCURRENCY_FILE";
const ENV_TAG: &str = "ROLECALL_CONCURRENCY_TAG";
const ENV_WRITES: &str = "ROLECALL_CONCURRENCY_WRITES";

/// A file with one tenant; returns its id and superadministrator.
fn setup(path: &Path) -> (TenantId, UserId) {
    let dir = Directory::open_sqlite(path).unwrap();
    let t = dir
        .create_tenant(
            "Acme",
            &NewUser::new("Ada", "Root", "ada@acme.test"),
            &[Preset::Managers],
        )
        .unwrap();
    (t.tenant, t.superadmin)
}

/// `writes` changes through `dir`: users created, and each given then relieved of a role.
/// Returns the failures.
fn write_many(dir: &Directory, tag: &str, writes: usize) -> Vec<String> {
    let t = dir.tenants()[0].clone();
    let operator = dir.role_by_name(t.id, "Operator").unwrap().id;
    let mut failures = Vec::new();
    let mut last = None;
    for i in 0..writes {
        let r = match (i % 3, last) {
            (1, Some(u)) => dir.assign_role(t.superadmin, u, operator),
            (2, Some(u)) => dir.revoke_role(t.superadmin, u, operator),
            _ => dir
                .create_user(
                    t.superadmin,
                    &NewUser::new("Writer", tag, format!("{tag}-{i}@acme.test")),
                )
                .map(|u| last = Some(u)),
        };
        if let Err(e) = r {
            failures.push(format!("{tag} write {i}: {} {e}", e.kind()));
        }
    }
    failures
}

/// How many users `write_many` creates in `writes` writes.
fn created(writes: usize) -> usize {
    writes.div_ceil(3)
}

fn users(path: &Path, tenant: TenantId) -> usize {
    let dir = Directory::open_sqlite(path).unwrap();
    dir.search_users(
        tenant,
        &UserQuery {
            limit: 1,
            ..UserQuery::default()
        },
    )
    .unwrap()
    .total
}

/// Runs `threads` writer threads of `writes` changes each, every thread on its own directory
/// from `open`, and asserts that every write succeeded.
fn all_writes_succeed(
    threads: usize,
    writes: usize,
    open: impl Fn(usize) -> Directory + Sync,
    tag: &str,
) {
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|n| {
                let open = &open;
                s.spawn(move || write_many(&open(n), &format!("{tag}{n}"), writes))
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} failed: {failures:#?}",
        failures.len()
    );
}

#[test]
fn writer_threads_each_with_its_own_connection_all_succeed() {
    const THREADS: usize = 16;
    const WRITES: usize = 60;
    let tmp = TempDir::new("threads");
    let path = tmp.0.join("dir.db");
    let (tenant, _) = setup(&path);
    all_writes_succeed(
        THREADS,
        WRITES,
        |_| Directory::open_sqlite(&path).unwrap(),
        "t",
    );
    assert_eq!(users(&path, tenant), 1 + THREADS * created(WRITES));
}

/// Writes `ROLECALL_CONCURRENCY_WRITES` changes to the file, printing each failure.
#[test]
#[ignore = "run by writer_processes_all_succeed as a child process"]
fn child_writer() {
    let Ok(path) = std::env::var(ENV_FILE) else {
        return;
    };
    let tag = std::env::var(ENV_TAG).unwrap();
    let writes = std::env::var(ENV_WRITES).unwrap().parse().unwrap();
    let dir = Directory::open_sqlite(&path).unwrap();
    for f in write_many(&dir, &tag, writes) {
        println!("FAILED {f}");
    }
    println!("DONE {tag}");
}

#[test]
fn writer_processes_all_succeed() {
    const PROCESSES: usize = 4;
    const WRITES: usize = 300;
    let tmp = TempDir::new("processes");
    let path = tmp.0.join("dir.db");
    let (tenant, _) = setup(&path);
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..PROCESSES)
        .map(|n| {
            Command::new(&exe)
                .args([
                    "--ignored",
                    "--exact",
                    "child_writer",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(ENV_FILE, &path)
                .env(ENV_TAG, format!("p{n}"))
                .env(ENV_WRITES, WRITES.to_string())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut failures = Vec::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success() && stdout.contains("DONE "), "{stdout}");
        failures.extend(
            stdout
                .lines()
                .filter_map(|l| l.split_once("FAILED ").map(|(_, f)| f.to_owned())),
        );
    }
    assert!(
        failures.is_empty(),
        "{} failed: {failures:#?}",
        failures.len()
    );
    assert_eq!(users(&path, tenant), 1 + PROCESSES * created(WRITES));
}

/// A clock that, each time a write of the directory it belongs to reads it (after catching up,
/// before committing), has another instance on the same file commit a change: the worst
/// interleaving, every time.
struct Interfering {
    other: Mutex<Option<(Directory, UserId)>>,
    outcomes: Mutex<Vec<Result<(), Error>>>,
}

impl Clock for Interfering {
    fn now_ms(&self) -> i64 {
        if let Some((other, root)) = &*self.other.lock().unwrap() {
            let n = self.outcomes.lock().unwrap().len();
            let r = other
                .create_user(
                    *root,
                    &NewUser::new("Other", "Writer", format!("other-{n}@acme.test")),
                )
                .map(drop);
            self.outcomes.lock().unwrap().push(r);
        }
        SystemClock.now_ms()
    }
}

#[test]
fn a_write_is_never_refused_because_another_instance_commits_while_it_plans() {
    let tmp = TempDir::new("interleaved");
    let path = tmp.0.join("dir.db");
    let (tenant, root) = setup(&path);
    // The other instance gives up quickly when the file is locked.
    let other = Directory::open(
        SqliteStore::open_with(
            &path,
            &SqliteOptions {
                busy_timeout: Duration::from_millis(20),
                ..SqliteOptions::default()
            },
        )
        .unwrap(),
    )
    .unwrap();
    let clock = Arc::new(Interfering {
        other: Mutex::new(None),
        outcomes: Mutex::new(Vec::new()),
    });
    // The directory reads its clock at open too (grants in force now): interfere only once
    // it is open, from within its writes.
    let dir = Directory::open_with_clock(SqliteStore::open(&path).unwrap(), clock.clone()).unwrap();
    *clock.other.lock().unwrap() = Some((other, root));
    let mine = dir.create_user(root, &NewUser::new("Mine", "User", "mine@acme.test"));
    clock.other.lock().unwrap().take();
    let outcomes = std::mem::take(&mut *clock.outcomes.lock().unwrap());
    assert!(mine.is_ok(), "{mine:?} after {outcomes:?}");
    // The other instance could not commit in the middle of the write: it waited for the lock
    // and was told the file is busy, a retryable refusal.
    assert!(!outcomes.is_empty());
    assert!(
        outcomes.iter().all(|o| o == &Err(Error::Busy)),
        "{outcomes:?}"
    );
    assert_eq!(users(&path, tenant), 2);
    assert!(dir.user_by_email(tenant, "mine@acme.test").is_ok());
}

#[test]
fn writer_threads_on_clones_of_one_memory_store_all_succeed() {
    const THREADS: usize = 8;
    const WRITES: usize = 300;
    let store = MemoryStore::new();
    let first = Directory::open(store.clone()).unwrap();
    let t = first
        .create_tenant(
            "Acme",
            &NewUser::new("Ada", "Root", "ada@acme.test"),
            &[Preset::Managers],
        )
        .unwrap();
    all_writes_succeed(
        THREADS,
        WRITES,
        |_| Directory::open(store.clone()).unwrap(),
        "m",
    );
    first.refresh().unwrap();
    let total = first
        .search_users(
            t.tenant,
            &UserQuery {
                limit: 1,
                ..UserQuery::default()
            },
        )
        .unwrap()
        .total;
    assert_eq!(total, 1 + THREADS * created(WRITES));
}

//! Opening a SQLite directory until the first check answers, until the first change is
//! durable, and what a change costs.
//!
//! `cargo bench -p rolecall-benches --bench open` (100,000 users);
//! `ROLECALL_BENCH_FULL=1 cargo bench ...` opens a 1,000,000-user file.
//! `ROLECALL_BENCH_DB=/path/file.db` keeps the generated file there and reuses it on the next
//! run when it holds the same number of users (building a 1M-user file takes minutes).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rolecall::{Directory, Permission, UserId};
use rolecall_benches::{build, Model};

/// Runs `f` `n` times; the median and the slowest run.
fn time_runs(n: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    let mut v: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    v.sort();
    (v[v.len() / 2], v[v.len() - 1])
}

/// CPU time this process has used, all threads (user + system; Linux `/proc/self/stat`, in
/// clock ticks of 10 ms). On a shared machine wall time counts the time other jobs held the
/// cores; CPU time does not.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces), from field 3 on.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let ticks: u64 = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 10)
}

fn remove_db(path: &Path) {
    for s in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{s}", path.display()));
    }
}

/// Grants and takes back a role `ops` times, in memory and on SQLite; then adds a role to
/// groups of growing size, to show a change costs in proportion to the users it affects.
fn change_costs(m: &Model, ops: usize, label: &str) {
    let root = m.dir.tenant(m.tenant).expect("tenant").superadmin;
    let role = m.dir.role_by_name(m.tenant, "Role 1").expect("preset").id;
    let (med, max) = time_runs(ops, {
        let mut i = 0usize;
        move || {
            let u = m.users[(i * 7919) % m.users.len()];
            i += 1;
            rolecall_benches::toggle_role(&m.dir, root, u, role);
        }
    });
    println!("{label:<8} grant a role to one user: median {med:>10.1?}  max {max:>10.1?}");
}

fn group_costs(m: &Model, label: &str) {
    let root = m.dir.tenant(m.tenant).expect("tenant").superadmin;
    let role = m.dir.role_by_name(m.tenant, "Role 1").expect("preset").id;
    for size in [1usize, 100, 10_000] {
        if size > m.users.len() {
            continue;
        }
        let g = m
            .dir
            .create_group(root, &format!("Cost {size}"), &[])
            .expect("group");
        for u in &m.users[..size] {
            m.dir.add_member(root, g, *u).expect("member");
        }
        let (med, _) = time_runs(5, || {
            m.dir.add_group_role(root, g, role).expect("add");
            m.dir.remove_group_role(root, g, role).expect("remove");
        });
        println!(
            "{label:<8} add + remove a role on a group of {size:>6} users: median {:>10.1?} ({:.2?} per affected user)",
            med,
            med / (2 * size as u32)
        );
    }
}

fn main() {
    let quick =
        !std::env::args().any(|a| a == "--bench") || std::env::var("ROLECALL_BENCH_QUICK").is_ok();
    let full = std::env::var("ROLECALL_BENCH_FULL").is_ok();
    let n = if quick {
        2_000
    } else if full {
        1_000_000
    } else {
        100_000
    };
    let keep = std::env::var_os("ROLECALL_BENCH_DB").map(PathBuf::from);
    // On tmpfs when there is one: building commits once per membership; this measures the
    // open, not fsync.
    let base = if Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let path = keep
        .clone()
        .unwrap_or_else(|| base.join(format!("rolecall-bench-open-{}.db", std::process::id())));

    // Reuse a kept file of the right size.
    let reusable = keep.is_some()
        && Directory::open_sqlite(&path)
            .ok()
            .and_then(|d| {
                let t = d.tenants().first()?.id;
                Some(d.search_users(t, &Default::default()).ok()?.total)
            })
            .is_some_and(|total| total == n + 1);
    if !reusable {
        remove_db(&path);
        let t = Instant::now();
        drop(build(
            Directory::open_sqlite(&path).expect("open"),
            n,
            200,
            50,
        ));
        println!("built a {n}-user SQLite file in {:.1?}", t.elapsed());
    }
    let bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
    println!(
        "== SQLite file of {n} users ({:.0} MiB)",
        bytes as f64 / (1 << 20) as f64
    );
    let probe = UserId(2 + n as u64 / 2);
    // Timed until the first check answers; closing the directory is not part of it.
    let (mut opens, mut cpu): (Vec<Duration>, Vec<Duration>) = (0..if quick { 3 } else { 5 })
        .map(|_| {
            let (t, c) = (Instant::now(), cpu_time());
            let dir = Directory::open_sqlite(&path).expect("reopen");
            std::hint::black_box(dir.check(probe, Permission::DASHBOARD_ANALYTICS));
            let took = (t.elapsed(), cpu_time().saturating_sub(c));
            assert!(dir.snapshot().effective_permissions(probe).is_some());
            took
        })
        .unzip();
    opens.sort();
    cpu.sort();
    let (med, max) = (opens[opens.len() / 2], opens[opens.len() - 1]);
    println!(
        "open + first check: median {med:.2?}, slowest {max:.2?} (target <= 2 s at 1,000,000 users); \
         CPU time of both threads: median {:.2?}",
        cpu[cpu.len() / 2]
    );

    // A writable file with rows is page-checked (`PRAGMA quick_check`) beside the open; the
    // first check does not wait for it, the first change does. Timed from the open until one
    // change (a role granted or taken back) is durable.
    let tenant = Directory::open_sqlite(&path).expect("reopen").tenants()[0].id;
    let mut first_change: Vec<Duration> = (0..if quick { 3 } else { 5 })
        .map(|_| {
            let t = Instant::now();
            let dir = Directory::open_sqlite(&path).expect("reopen");
            let root = dir.tenant(tenant).expect("tenant").superadmin;
            let role = dir.role_by_name(tenant, "Role 1").expect("preset").id;
            rolecall_benches::toggle_role(&dir, root, probe, role);
            t.elapsed()
        })
        .collect();
    first_change.sort();
    println!(
        "open + first change (waits for the page check): median {:.2?}, slowest {:.2?}",
        first_change[first_change.len() / 2],
        first_change[first_change.len() - 1]
    );

    // What a change costs: in memory and on SQLite (synchronous=FULL, on the file system the
    // file lives on), at the same directory size.
    let sqlite = rolecall_benches::Model::reopen(Directory::open_sqlite(&path).expect("reopen"));
    let mem_n = n.min(100_000);
    let mem = build(Directory::in_memory(), mem_n, 200, 50);
    println!("== changes ({mem_n} users in memory, {n} on SQLite)");
    change_costs(&mem, if quick { 50 } else { 500 }, "memory");
    change_costs(&sqlite, if quick { 50 } else { 200 }, "sqlite");
    group_costs(&mem, "memory");
    if keep.is_none() {
        drop(sqlite);
        remove_db(&path);
    }
}

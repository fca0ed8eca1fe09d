//! Check latency at several directory sizes, by id and through a resolved handle, scoped, and
//! against a flattened `HashMap<u32, u128>` baseline measured in the same run; plus SQLite open
//! time and snapshot memory. Random queries, never one repeated query.
//!
//! `cargo bench -p rolecall-benches --bench checks` (sizes 1k and 100k);
//! `ROLECALL_BENCH_FULL=1 cargo bench ...` adds 1M users.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Instant;

use rolecall::{Directory, Permission, UserId};
use rolecall_benches::{build, measure, Rng, Stats};

const QUERIES: usize = 1 << 16;

fn row(name: &str, s: Stats, baseline: Stats) {
    println!(
        "{name:<44} median {:>8.2} ns  p99 {:>8.2} ns  ({:>5.2}x the HashMap baseline)",
        s.median,
        s.p99,
        s.median / baseline.median
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then run a tiny size.
    let quick = !std::env::args().any(|a| a == "--bench");
    let full = std::env::var("ROLECALL_BENCH_FULL").is_ok();
    let sizes: Vec<usize> = if quick {
        vec![200]
    } else if full {
        vec![1_000, 100_000, 1_000_000]
    } else {
        vec![1_000, 100_000]
    };
    let (rounds, batch) = if quick { (10, 100) } else { (2_000, 1_000) };
    let catalogue: Vec<Permission> = rolecall::CATALOGUE.iter().map(|(p, _)| *p).collect();
    for &n in &sizes {
        let t = Instant::now();
        let m = build(Directory::in_memory(), n, 200.min(n), 50.min(n));
        println!("\n== {n} users (model built in {:.1?})", t.elapsed());
        let snap = m.dir.snapshot();
        let mut rng = Rng(42);
        let queries: Vec<(UserId, Permission)> = (0..QUERIES)
            .map(|_| {
                (
                    m.users[rng.below(m.users.len())],
                    catalogue[rng.below(catalogue.len())],
                )
            })
            .collect();
        let scoped: Vec<_> = queries
            .iter()
            .map(|(u, p)| (*u, *p, m.scopes[rng.below(m.scopes.len())]))
            .collect();
        let flat: HashMap<u32, u128> = m
            .users
            .iter()
            .map(|u| {
                (
                    u.0 as u32,
                    snap.effective_permissions(*u).unwrap_or_default().bits(),
                )
            })
            .collect();
        let baseline = measure(rounds, batch, |i| {
            let (u, p) = queries[i & (QUERIES - 1)];
            let bits = p.bits();
            black_box(&flat)
                .get(&(u.0 as u32))
                .is_some_and(|v| v & bits == bits)
        });
        row("baseline: HashMap<u32, u128> + AND", baseline, baseline);
        let s = measure(rounds, batch, |i| {
            let (u, p) = queries[i & (QUERIES - 1)];
            m.dir.check(black_box(u), black_box(p))
        });
        row("Directory::check (thread-cached snapshot)", s, baseline);
        let s = measure(rounds, batch, |i| {
            let (u, p) = queries[i & (QUERIES - 1)];
            snap.check(black_box(u), black_box(p))
        });
        row("Snapshot::check (held snapshot, by id)", s, baseline);
        let resolved: Vec<_> = queries
            .iter()
            .map(|(u, p)| (snap.resolve(*u), *p))
            .collect();
        let s = measure(rounds, batch, |i| {
            let (r, p) = &resolved[i & (QUERIES - 1)];
            r.is_some_and(|r| r.check(black_box(*p)))
        });
        row("UserRef::check (resolved handle)", s, baseline);
        let s = measure(rounds, batch, |i| {
            let (u, p, sc) = scoped[i & (QUERIES - 1)];
            snap.check_scoped(black_box(u), black_box(p), sc)
        });
        row("Snapshot::check_scoped", s, baseline);
        println!(
            "snapshot entry: {} bytes per user (target <= 128)",
            rolecall::Snapshot::bytes_per_user()
        );
    }
    if quick {
        return;
    }
    // Opening a SQLite directory until the first check answers.
    let n = if full { 1_000_000 } else { 100_000 };
    // Built on tmpfs when there is one: building commits once per membership, and this measures
    // the open, not fsync.
    let base = if std::path::Path::new("/dev/shm").is_dir() {
        std::path::PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let path = base.join(format!("rolecall-bench-open-{}.db", std::process::id()));
    let clean = || {
        for s in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{s}", path.display()));
        }
    };
    clean();
    let t = Instant::now();
    let m = build(Directory::open_sqlite(&path).expect("open"), n, 200, 50);
    let user = m.users[n / 2];
    println!("\n== SQLite: built a {n}-user file in {:.1?}", t.elapsed());
    drop(m);
    let t = Instant::now();
    let dir = Directory::open_sqlite(&path).expect("reopen");
    let answer = dir.check(user, Permission::DASHBOARD_ANALYTICS);
    println!(
        "open {n}-user SQLite file + first check: {:.1?} (answer {answer}; target <= 2 s at 1M)",
        t.elapsed()
    );
    clean();
}

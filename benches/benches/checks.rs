//! Check latency at several directory sizes: by id and through a resolved handle, scoped,
//! product level, in batches, the effective permissions, `explain`, the reverse queries, and
//! checks per second while another thread streams changes.
//!
//! Everything is measured next to the physical limit, in the same run: a contiguous
//! `Vec<u128>` of every user's permissions indexed by user id, and an AND. Queries are truly
//! random over all users: at least as many are drawn in advance as there are users (and at
//! least 65,536), so that a run touches every user's data and the working set is the whole
//! directory, not what fits in a cache. A quick run asserts that every user is queried.
//!
//! `cargo bench -p rolecall-benches --bench checks` (sizes 1k, 10k and 100k);
//! `ROLECALL_BENCH_FULL=1 cargo bench ...` adds 1M users; `ROLECALL_BENCH_QUICK=1` runs 200.

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rolecall::{Directory, Permission, Product, UserId};
use rolecall_benches::{build, build_call_center, measure, Model, Rng, Stats};

/// How many random queries to draw for `n` users: a power of two (cheap wrap-around), at
/// least twice the users and at least 65,536.
fn query_count(n: usize) -> usize {
    (2 * n).max(1 << 16).next_power_of_two()
}

fn row(name: &str, s: Stats, baseline: Stats) {
    let unit = |ns: f64| {
        if ns >= 10_000.0 {
            format!("{:>8.1} µs", ns / 1000.0)
        } else {
            format!("{ns:>8.2} ns")
        }
    };
    println!(
        "{name:<52} median {}  p99 {}  ({:>7.2}x the baseline)",
        unit(s.median),
        unit(s.p99),
        s.median / baseline.median
    );
}

/// Checks per second on this thread for `run`, while `writer` (if any) streams changes on
/// another thread; returns (checks/s, changes/s, the slowest batch of 4,096 checks).
fn throughput(
    m: &Model,
    queries: &[(UserId, Permission)],
    run: Duration,
    writer: bool,
) -> (f64, f64, Duration) {
    let stop = AtomicBool::new(false);
    let changes = AtomicU64::new(0);
    std::thread::scope(|s| {
        if writer {
            s.spawn(|| {
                let root = m.dir.tenant(m.tenant).expect("tenant").superadmin;
                let role = m.dir.role_by_name(m.tenant, "Role 1").expect("role").id;
                let mut i = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    let u = m.users[(i * 7919) % m.users.len()];
                    i += 1;
                    rolecall_benches::toggle_role(&m.dir, root, u, role);
                    changes.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        let t = Instant::now();
        let mut n = 0u64;
        let mut yes = 0u64;
        let mut slowest = Duration::ZERO;
        while t.elapsed() < run {
            let b = Instant::now();
            let at = (n as usize) & (queries.len() - 1);
            for (u, p) in &queries[at..at + 4096] {
                yes += u64::from(m.dir.check(black_box(*u), black_box(*p)));
            }
            slowest = slowest.max(b.elapsed());
            n += 4096;
        }
        let secs = t.elapsed().as_secs_f64();
        stop.store(true, Ordering::Relaxed);
        black_box(yes);
        (
            n as f64 / secs,
            changes.load(Ordering::Relaxed) as f64 / secs,
            slowest,
        )
    })
}

fn main() {
    let quick = rolecall_benches::quick();
    let full = rolecall_benches::flag("ROLECALL_BENCH_FULL");
    let sizes: Vec<usize> = if quick {
        vec![200]
    } else if full {
        vec![1_000, 10_000, 100_000, 1_000_000]
    } else {
        vec![1_000, 10_000, 100_000]
    };
    for &n in &sizes {
        // The call center users share access profiles (a few hundred distinct ones): the case
        // the engine is built for. The stress model gives nearly every user access of its own
        // (random roles and groups), the case where sharing cannot help.
        let t = Instant::now();
        let m = build_call_center(Directory::in_memory(), n);
        let built = t.elapsed();
        run(&m, n, &format!("call center (model built in {built:.1?})"));
        drop(m);
        let t = Instant::now();
        let m = build(Directory::in_memory(), n, 200.min(n), 50.min(n));
        let built = t.elapsed();
        run(
            &m,
            n,
            &format!("stress: access nearly unique per user (built in {built:.1?})"),
        );
    }
}

/// Every row for one model of `n` users.
fn run(m: &Model, n: usize, what: &str) {
    let quick = rolecall_benches::quick();
    let (rounds, batch) = if quick { (10, 100) } else { (2_000, 1_000) };
    let catalogue: Vec<Permission> = rolecall::CATALOGUE.iter().map(|(p, _)| *p).collect();
    let products = Product::ALL;
    {
        println!("\n== {n} users, {what}");
        let snap = m.dir.snapshot();
        let mut rng = Rng(42);
        let q = query_count(n);
        let queries: Vec<(UserId, Permission)> = (0..q)
            .map(|_| {
                (
                    m.users[rng.below(m.users.len())],
                    catalogue[rng.below(catalogue.len())],
                )
            })
            .collect();
        if quick {
            // The CI check that no benchmark here flatters: every user is queried.
            let mut seen = vec![false; m.users.iter().map(|u| u.0 as usize + 1).max().unwrap_or(0)];
            queries.iter().for_each(|(u, _)| seen[u.0 as usize] = true);
            let missed = m.users.iter().filter(|u| !seen[u.0 as usize]).count();
            assert_eq!(missed, 0, "{missed} of {n} users are never queried");
        }
        let scoped: Vec<_> = queries
            .iter()
            .map(|(u, p)| (*u, *p, m.scopes[rng.below(m.scopes.len())]))
            .collect();
        let levels: Vec<_> = queries
            .iter()
            .map(|(u, _)| {
                (
                    m.agreements[rng.below(m.agreements.len())],
                    *u,
                    products[rng.below(products.len())],
                )
            })
            .collect();
        // The physical limit: every user's permissions in one contiguous array by id.
        let ids = m.users.iter().map(|u| u.0 as usize + 1).max().unwrap_or(0);
        let mut dense = vec![0u128; ids];
        for u in &m.users {
            dense[u.0 as usize] = snap.effective_permissions(*u).unwrap_or_default().bits();
        }
        let baseline = measure(rounds, batch, |i| {
            let (u, p) = queries[i & (q - 1)];
            let bits = p.bits();
            black_box(&dense)
                .get(u.0 as usize)
                .is_some_and(|v| v & bits == bits)
        });
        row(
            "baseline: Vec<u128> by user id + AND (the limit)",
            baseline,
            baseline,
        );
        let flat: HashMap<u32, u128> = m
            .users
            .iter()
            .map(|u| (u.0 as u32, dense[u.0 as usize]))
            .collect();
        let s = measure(rounds, batch, |i| {
            let (u, p) = queries[i & (q - 1)];
            let bits = p.bits();
            black_box(&flat)
                .get(&(u.0 as u32))
                .is_some_and(|v| v & bits == bits)
        });
        row("std HashMap<u32, u128> (SipHash) + AND", s, baseline);
        let s = measure(rounds, batch, |i| {
            let (u, p) = queries[i & (q - 1)];
            m.dir.check(black_box(u), black_box(p))
        });
        row("Directory::check (thread-cached snapshot)", s, baseline);
        let s = measure(rounds, batch, |i| {
            let (u, p) = queries[i & (q - 1)];
            snap.check(black_box(u), black_box(p))
        });
        row("Snapshot::check (held snapshot, by id)", s, baseline);
        let s = measure(rounds, batch, |i| {
            let (u, p) = queries[i & (q - 1)];
            snap.resolve(black_box(u))
                .is_some_and(|r| r.check(black_box(p)))
        });
        row(
            "Snapshot::resolve + UserRef::check (random user)",
            s,
            baseline,
        );
        // Handles resolved once, then streamed in user order: what a batch job over every
        // user does; the data streams, so this is not a random-access figure.
        let mut in_order = m.users.clone();
        in_order.sort_unstable();
        let handles: Vec<_> = in_order.iter().filter_map(|u| snap.resolve(*u)).collect();
        let s = measure(rounds, batch, |i| {
            handles[i % handles.len()].check(black_box(queries[i & (q - 1)].1))
        });
        row(
            "UserRef::check, handles streamed in user order",
            s,
            baseline,
        );
        let s = measure(rounds, batch, |i| {
            let (u, p, sc) = scoped[i & (q - 1)];
            snap.check_scoped(black_box(u), black_box(p), sc)
        });
        row("Snapshot::check_scoped (call group)", s, baseline);
        let s = measure(rounds, batch, |i| {
            let (a, u, p) = levels[i & (q - 1)];
            snap.access_level(black_box(a), black_box(u), p) >= rolecall::AccessLevel::User
        });
        row("Snapshot::access_level (product level)", s, baseline);
        // check_many: per check, in batches of 1,024 pairs.
        const MANY: usize = 1024;
        let users: Vec<UserId> = queries.iter().map(|q| q.0).collect();
        let perms: Vec<Permission> = queries.iter().map(|q| q.1).collect();
        let mut out = vec![false; MANY];
        let s = measure(rounds / 10, 1, |i| {
            let at = (i * MANY) & (q - 1);
            snap.check_many(&users[at..at + MANY], &perms[at..at + MANY], &mut out);
            out[i % MANY]
        });
        row(
            "Snapshot::check_many, per check (1,024 a call)",
            Stats {
                median: s.median / MANY as f64,
                p99: s.p99 / MANY as f64,
            },
            baseline,
        );
        let s = measure(rounds, batch, |i| {
            let (u, _) = queries[i & (q - 1)];
            snap.effective_permissions(black_box(u))
                .is_some_and(|p| p.contains(Permission::DASHBOARD_ANALYTICS))
        });
        row("Snapshot::effective_permissions", s, baseline);
        let s = measure(rounds, batch / 10, |i| {
            let (u, p) = queries[i & (q - 1)];
            snap.allowed_scopes(black_box(u), p)
                .is_some_and(|a| a.is_none())
        });
        row("Snapshot::allowed_scopes (scopes to see)", s, baseline);
        let s = measure(rounds / 10, batch / 100, |i| {
            let (u, p) = queries[i & (q - 1)];
            m.dir
                .explain(black_box(u), p)
                .is_ok_and(|e| e.grants.is_empty())
        });
        row("Directory::explain", s, baseline);
        let reverse_rounds = if n >= 1_000_000 { 20 } else { 100 };
        let s = measure(reverse_rounds, 1, |i| {
            let (_, p) = queries[i & (q - 1)];
            snap.users_with_permission(m.tenant, black_box(p), None)
                .is_empty()
        });
        row("Snapshot::users_with_permission (all users)", s, baseline);
        let (profiles, wide) = snap.profile_stats();
        println!(
            "snapshot memory: {:.1} bytes per user in all ({} per slot; {profiles} distinct \
             access profiles; {wide} chunks with 4-byte indices; target <= 24)",
            snap.memory_bytes() as f64 / n as f64,
            rolecall::Snapshot::bytes_per_user()
        );
        // Checks never wait for changes: throughput alone, then with a writer thread.
        let run_for = Duration::from_millis(if quick { 50 } else { 1_000 });
        let (alone, _, slow_alone) = throughput(m, &queries, run_for, false);
        let (shared, writes, slow_shared) = throughput(m, &queries, run_for, true);
        println!(
            "Directory::check on one thread: {:.1} M/s alone (slowest 4,096 checks {slow_alone:.1?}), \
             {:.1} M/s while another thread commits {writes:.0} changes/s (slowest {slow_shared:.1?}; \
             {:.2}x)",
            alone / 1e6,
            shared / 1e6,
            shared / alone
        );
    }
}

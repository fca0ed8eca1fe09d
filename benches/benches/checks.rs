//! Check latency at several directory sizes: by id and through a resolved handle, scoped,
//! product level, in batches, the effective permissions, `explain`, the reverse queries, and
//! checks per second while another thread streams changes.
//!
//! Everything is measured next to the physical limit, in the same run: a contiguous
//! `Vec<u128>` of every user's permissions indexed by user id, and an AND. Queries are truly
//! random over all users and generated on the fly: query `i` is a pure function of `i`
//! (splitmix64), so that no array of queries streams through the caches beside the data under
//! test. What generating a query costs is measured and printed as its own row; every other row
//! includes it. A quick run (CI) asserts that every user is queried at least once.
//!
//! Two models at each size: a call center whose agents share access (each holds a job role
//! and a team role: a few hundred distinct access profiles), and a stress model in which
//! nearly every user's access is its own (random roles and groups).
//!
//! `cargo bench -p rolecall-benches --bench checks` (sizes 1k, 10k and 100k);
//! `ROLECALL_BENCH_FULL=1 cargo bench ...` adds 1M users; `ROLECALL_BENCH_QUICK=1` runs 200;
//! `ROLECALL_BENCH_SIZES=1000000` (comma-separated) runs only the sizes given.

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rolecall::{AgreementId, Directory, Permission, Product, ScopeId, UserId};
use rolecall_benches::{build, build_call_center, measure, mix, Model, Stats};

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

/// Runs every variant's batch of `batch` calls in turn, `rounds` times (after a warm-up
/// round), each after an untimed batch of its own and in a rotated order each round, so that
/// all of them see the same machine load: on a shared machine the load moves within seconds,
/// and rows measured one after the other would compare different machines.
/// A variant runs the calls `i0..i0 + batch` and returns a value to keep them alive. Returns
/// per-call median and p99 over rounds, one per variant.
fn interleaved(
    rounds: usize,
    batch: usize,
    variants: &mut [&mut dyn FnMut(usize) -> u64],
) -> Vec<Stats> {
    let mut samples = vec![Vec::with_capacity(rounds); variants.len()];
    let mut sink = 0u64;
    // Each timed batch follows an untimed batch of the same variant on other random queries:
    // the variant before it may have emptied the caches and the TLB of what this one keeps
    // warm (chunk headers, page tables), and no variant should pay for another's.
    const WARM: usize = 1 << 40;
    let n = variants.len();
    for round in 0..=rounds {
        // A rotated order each round: no variant always follows the same one (the one before
        // may have left more or less of the data under test in the shared last-level cache).
        for v in (0..n).map(|k| (k + round) % n) {
            let f = &mut variants[v];
            sink = sink.wrapping_add(f(WARM + round * batch));
            let t = Instant::now();
            sink = sink.wrapping_add(f(round * batch));
            if round > 0 {
                samples[v].push(t.elapsed().as_nanos() as f64 / batch as f64);
            }
        }
    }
    black_box(sink);
    samples
        .into_iter()
        .map(|mut s| {
            s.sort_by(f64::total_cmp);
            Stats {
                median: s[s.len() / 2],
                p99: s[s.len() * 99 / 100],
            }
        })
        .collect()
}

/// Runs `f` on `i0..i0 + batch`; generic, so that `f` is inlined into the loop.
#[inline(always)]
fn calls(batch: usize, f: impl Fn(usize) -> bool, i0: usize) -> u64 {
    (i0..i0 + batch).map(|i| u64::from(f(i))).sum()
}

/// `len` items picked by 16 bits of `r` at `shift` (multiply and shift: no division).
#[inline(always)]
fn pick(r: u64, shift: u32, len: usize) -> usize {
    (((r >> shift) & 0xFFFF) as usize * len) >> 16
}

/// The random queries of one model: query `i` is `(user, permission, scope, agreement,
/// product)`, all drawn from `mix(i)`; users uniformly over every user of the model.
struct Queries<'m> {
    users: &'m [UserId],
    /// The users' ids when they are one contiguous range (no array lookup needed).
    first: Option<u64>,
    catalogue: Vec<Permission>,
    scopes: &'m [ScopeId],
    agreements: &'m [AgreementId],
}

impl<'m> Queries<'m> {
    fn new(m: &'m Model) -> Queries<'m> {
        let first = m.users.iter().map(|u| u.0).min().unwrap_or(0);
        let contiguous = m
            .users
            .iter()
            .enumerate()
            .all(|(k, u)| u.0 == first + k as u64);
        Queries {
            users: &m.users,
            first: contiguous.then_some(first),
            catalogue: rolecall::CATALOGUE.iter().map(|(p, _)| *p).collect(),
            scopes: &m.scopes,
            agreements: &m.agreements,
        }
    }

    /// The user of a query drawn as `r`: the high 32 bits scaled to the users.
    #[inline(always)]
    fn user(&self, r: u64) -> UserId {
        let k = ((r >> 32) as usize * self.users.len()) >> 32;
        match self.first {
            Some(first) => UserId(first + k as u64),
            None => self.users[k],
        }
    }

    #[inline(always)]
    fn check(&self, i: usize) -> (UserId, Permission) {
        let r = mix(i);
        (
            self.user(r),
            self.catalogue[pick(r, 0, self.catalogue.len())],
        )
    }

    #[inline(always)]
    fn scope(&self, i: usize) -> ScopeId {
        self.scopes[pick(mix(i), 16, self.scopes.len())]
    }

    #[inline(always)]
    fn level(&self, i: usize) -> (AgreementId, Product) {
        let r = mix(i);
        (
            self.agreements[pick(r, 16, self.agreements.len())],
            Product::ALL[pick(r, 24, Product::ALL.len())],
        )
    }
}

/// Checks per second on this thread for `run`, while `writer` (if any) streams changes on
/// another thread; returns (checks/s, changes/s, the slowest batch of 4,096 checks).
fn throughput(m: &Model, q: &Queries<'_>, run: Duration, writer: bool) -> (f64, f64, Duration) {
    let stop = AtomicBool::new(false);
    let changes = AtomicU64::new(0);
    std::thread::scope(|s| {
        if writer {
            s.spawn(|| {
                let root = m.dir.tenant(m.tenant).expect("tenant").superadmin;
                // A custom role of either model ("Role 1" in the stress one, "Job 1" in the
                // call center).
                let role = ["Role 1", "Job 1"]
                    .iter()
                    .find_map(|name| m.dir.role_by_name(m.tenant, name).ok())
                    .expect("a custom role")
                    .id;
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
        let mut n = 0usize;
        let mut yes = 0u64;
        let mut slowest = Duration::ZERO;
        while t.elapsed() < run {
            let b = Instant::now();
            for i in n..n + 4096 {
                let (u, p) = q.check(i);
                yes += u64::from(m.dir.check(black_box(u), black_box(p)));
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
    // `ROLECALL_BENCH_SIZES=1000000` (comma-separated) runs only the sizes given.
    let only: Option<Vec<usize>> = std::env::var("ROLECALL_BENCH_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect());
    let sizes: Vec<usize> = if let Some(only) = only {
        only
    } else if quick {
        vec![200]
    } else if full {
        vec![1_000, 10_000, 100_000, 1_000_000]
    } else {
        vec![1_000, 10_000, 100_000]
    };
    for &n in &sizes {
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
    // Quick runs (CI) make at least 25 queries a user, so that every user is queried.
    let (rounds, batch) = if quick { (40, 100) } else { (2_000, 1_000) };
    println!("\n== {n} users, {what}");
    let snap = m.dir.snapshot();
    let q = Queries::new(m);
    if quick {
        // The CI check that no benchmark here flatters: the calls every row makes (warm-up
        // and rounds) query every user at least once.
        // The fewest calls a row makes: `interleaved` runs one warm-up batch, `measure` ten.
        let calls = batch * (1 + rounds);
        let ids = m.users.iter().map(|u| u.0 as usize + 1).max().unwrap_or(0);
        let mut seen = vec![false; ids];
        (0..calls).for_each(|i| seen[q.check(i).0 .0 as usize] = true);
        let missed = m.users.iter().filter(|u| !seen[u.0 as usize]).count();
        assert_eq!(missed, 0, "{missed} of {n} users are never queried");
    }
    // The physical limit: every user's permissions in one contiguous array by id.
    let ids = m.users.iter().map(|u| u.0 as usize + 1).max().unwrap_or(0);
    let mut dense = vec![0u128; ids];
    for u in &m.users {
        dense[u.0 as usize] = snap.effective_permissions(*u).unwrap_or_default().bits();
    }
    let flat: HashMap<u32, u128> = m
        .users
        .iter()
        .map(|u| (u.0 as u32, dense[u.0 as usize]))
        .collect();
    // Handles resolved once, then streamed in user order: what a batch job over every user
    // does; the handles stream, so this is not a random-access figure.
    let mut in_order = m.users.clone();
    in_order.sort_unstable();
    let handles: Vec<_> = in_order.iter().filter_map(|u| snap.resolve(*u)).collect();
    // The rows that compare with the limit, measured interleaved (see `interleaved`).
    let names = [
        "baseline: Vec<u128> by user id + AND (the limit)",
        "generating the query alone (in every row)",
        "std HashMap<u32, u128> (SipHash) + AND",
        "Directory::check (thread-cached snapshot)",
        "Snapshot::check (held snapshot, by id)",
        "Snapshot::resolve + UserRef::check (random user)",
        "UserRef::check, handles streamed in user order",
    ];
    let stats = interleaved(
        rounds,
        batch,
        &mut [
            &mut |i0| {
                calls(
                    batch,
                    |i| {
                        let (u, p) = q.check(i);
                        let bits = p.bits();
                        black_box(&dense)
                            .get(u.0 as usize)
                            .is_some_and(|v| v & bits == bits)
                    },
                    i0,
                )
            },
            &mut |i0| {
                calls(
                    batch,
                    |i| {
                        let (u, p) = q.check(i);
                        black_box(u).0 as u128 & black_box(p).bits() == 1
                    },
                    i0,
                )
            },
            &mut |i0| {
                calls(
                    batch,
                    |i| {
                        let (u, p) = q.check(i);
                        let bits = p.bits();
                        black_box(&flat)
                            .get(&(u.0 as u32))
                            .is_some_and(|v| v & bits == bits)
                    },
                    i0,
                )
            },
            &mut |i0| {
                calls(
                    batch,
                    |i| {
                        let (u, p) = q.check(i);
                        m.dir.check(black_box(u), black_box(p))
                    },
                    i0,
                )
            },
            &mut |i0| {
                calls(
                    batch,
                    |i| {
                        let (u, p) = q.check(i);
                        snap.check(black_box(u), black_box(p))
                    },
                    i0,
                )
            },
            &mut |i0| {
                calls(
                    batch,
                    |i| {
                        let (u, p) = q.check(i);
                        snap.resolve(black_box(u))
                            .is_some_and(|r| r.check(black_box(p)))
                    },
                    i0,
                )
            },
            &mut |i0| {
                calls(
                    batch,
                    |i| handles[i % handles.len()].check(black_box(q.check(i).1)),
                    i0,
                )
            },
        ],
    );
    let baseline = stats[0];
    for (name, s) in names.iter().zip(&stats) {
        row(name, *s, baseline);
    }
    let s = measure(rounds, batch, |i| {
        let (u, p) = q.check(i);
        snap.check_scoped(black_box(u), black_box(p), q.scope(i))
    });
    row("Snapshot::check_scoped (call group)", s, baseline);
    let s = measure(rounds, batch, |i| {
        let (u, _) = q.check(i);
        let (a, p) = q.level(i);
        snap.access_level(black_box(a), black_box(u), p) >= rolecall::AccessLevel::User
    });
    row("Snapshot::access_level (product level)", s, baseline);
    // check_many takes arrays: 1,024 random pairs drawn per call (their drawing is timed).
    const MANY: usize = 1024;
    let mut users = vec![UserId(0); MANY];
    let mut perms = vec![Permission::empty(); MANY];
    let mut out = vec![false; MANY];
    let s = measure(rounds / 10, 1, |i| {
        for k in 0..MANY {
            (users[k], perms[k]) = q.check(i * MANY + k);
        }
        snap.check_many(&users, &perms, &mut out);
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
        let (u, _) = q.check(i);
        snap.effective_permissions(black_box(u))
            .is_some_and(|p| p.contains(Permission::DASHBOARD_ANALYTICS))
    });
    row("Snapshot::effective_permissions", s, baseline);
    let s = measure(rounds, batch / 10, |i| {
        let (u, p) = q.check(i);
        snap.allowed_scopes(black_box(u), p)
            .is_some_and(|a| a.is_none())
    });
    row("Snapshot::allowed_scopes (scopes to see)", s, baseline);
    let s = measure(rounds / 10, batch / 100, |i| {
        let (u, p) = q.check(i);
        m.dir
            .explain(black_box(u), p)
            .is_ok_and(|e| e.grants.is_empty())
    });
    row("Directory::explain", s, baseline);
    let reverse_rounds = if n >= 1_000_000 { 20 } else { 100 };
    let s = measure(reverse_rounds, 1, |i| {
        let (_, p) = q.check(i);
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
    let (alone, _, slow_alone) = throughput(m, &q, run_for, false);
    let (shared, writes, slow_shared) = throughput(m, &q, run_for, true);
    println!(
        "Directory::check on one thread: {:.1} M/s alone (slowest 4,096 checks {slow_alone:.1?}), \
         {:.1} M/s while another thread commits {writes:.0} changes/s (slowest {slow_shared:.1?}; \
         {:.2}x)",
        alone / 1e6,
        shared / 1e6,
        shared / alone
    );
}

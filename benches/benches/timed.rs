//! Time-bound grants (issue 16): the check on a directory where 10% of the users hold a
//! time-bound role, one of them ending every second, next to today's check (the same
//! directory with every grant permanent) and the physical limit (a `Vec<u128>` of every user's
//! permissions indexed by id, and an AND), all measured in the same run; and what one expiry
//! costs (a grant ends: the snapshot is recomputed for that user, the end is recorded, audited
//! and notified) at two directory sizes, to show it follows the users affected, not the
//! directory.
//!
//! Queries are truly random over all users, drawn on the fly from `mix(i)`.
//!
//! `cargo bench -p rolecall-benches --bench timed` (100,000 users; expiries also at 10,000);
//! `ROLECALL_BENCH_QUICK=1` (or `cargo test --benches`) builds 2,000 and 500 users.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use rolecall::{
    Directory, ManualClock, MemoryStore, NewRole, NewUser, Permission, RoleId, TimedGrant, UserId,
    Window,
};
use rolecall_benches::{measure, mix, Stats};

const T0: i64 = 1_800_000_000_000;

/// A directory of `n` users holding one of four roles; with `timed`, every tenth user also
/// holds a fifth role until T0 + k seconds (k = 1, 2, ...: one ends every second).
struct Built {
    dir: Directory,
    clock: Arc<ManualClock>,
    users: Vec<UserId>,
}

fn build(n: usize, timed: bool) -> Built {
    let clock = Arc::new(ManualClock::new(T0));
    let dir = Directory::open_with_clock(MemoryStore::new(), clock.clone()).expect("directory");
    let t = dir
        .create_tenant("Acme", &NewUser::new("Ada", "Root", "root@acme.test"), &[])
        .expect("tenant");
    let root = t.superadmin;
    let role = |name: &str, p: Permission| -> RoleId {
        dir.create_role(root, &NewRole::new(name, p)).expect("role")
    };
    let roles = [
        role("Agent", Permission::CAMPAIGNS_VIEW),
        role(
            "Supervisor",
            Permission::CAMPAIGNS_VIEW | Permission::REPORTS_VIEW,
        ),
        role(
            "Lead",
            Permission::CAMPAIGNS_CONTROL | Permission::REPORTS_VIEW,
        ),
        role("Manager", Permission::USERS_VIEW | Permission::USERS_MANAGE),
    ];
    let cover = role("Cover", Permission::BILLING_VIEW | Permission::NUMBERS_VIEW);
    let mut users = Vec::with_capacity(n);
    for chunk in 0..n.div_ceil(5_000) {
        let news: Vec<NewUser> = (chunk * 5_000..((chunk + 1) * 5_000).min(n))
            .map(|i| {
                NewUser::new("U", format!("{i}"), format!("u{i}@acme.test"))
                    .roles([roles[(mix(i) % 4) as usize]])
            })
            .collect();
        users.extend(dir.create_users(root, &news).expect("users"));
    }
    for (k, u) in users.iter().step_by(10).enumerate() {
        if timed {
            let end = T0 + 1_000 * (k as i64 + 1);
            dir.grant_for(root, *u, &TimedGrant::Role(cover), Window::until(end))
                .expect("time-bound grant");
        } else {
            dir.assign_role(root, *u, cover).expect("grant");
        }
    }
    Built { dir, clock, users }
}

#[inline(always)]
fn pick(r: u64, len: usize) -> usize {
    ((((r >> 32) & 0xFFFF_FFFF) as usize) * len) >> 32
}

fn row(name: &str, s: Stats, baseline: Stats) {
    println!(
        "{name:<62} median {:>7.1} ns  p99 {:>7.1} ns  {:>5.2}× the limit",
        s.median,
        s.p99,
        s.median / baseline.median
    );
}

/// Median time of one expiry (the clock moves one second: one grant ends), over `count`.
fn expiry_cost(b: &Built, count: usize) -> f64 {
    let mut samples = Vec::with_capacity(count);
    for _ in 0..count {
        let t = Instant::now();
        b.clock.advance(1_000);
        samples.push(t.elapsed().as_secs_f64() * 1e6);
    }
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let quick = rolecall_benches::quick();
    let n = if quick { 2_000 } else { 100_000 };
    let t = Instant::now();
    let plain = build(n, false);
    let timed = build(n, true);
    println!(
        "== {n} users, {} of them with a time-bound role (one ends every second); built in {:.1?}",
        n / 10,
        t.elapsed()
    );
    let snap_plain = plain.dir.snapshot();
    let snap_timed = timed.dir.snapshot();
    assert_eq!(snap_timed.valid_until(), Some(T0 + 1_000));
    let first = timed.users[0].0;
    assert!(timed
        .users
        .iter()
        .enumerate()
        .all(|(k, u)| u.0 == first + k as u64));
    assert_eq!(
        plain.users[0].0, first,
        "both directories number users alike"
    );
    let mut dense = vec![0u128; (first as usize) + n];
    for u in &timed.users {
        dense[u.0 as usize] = snap_timed
            .effective_permissions(*u)
            .unwrap_or_default()
            .bits();
    }
    let perms = [
        Permission::CAMPAIGNS_VIEW,
        Permission::REPORTS_VIEW,
        Permission::USERS_MANAGE,
        Permission::BILLING_VIEW,
    ];
    let user = |r: u64| UserId(first + pick(r, n) as u64);
    let (rounds, batch) = if quick { (40, 100) } else { (2_000, 1_000) };
    let mut results: Vec<(&str, Stats)> = Vec::new();
    for _ in 0..3 {
        let base = measure(rounds, batch, |i| {
            let r = mix(i);
            let bits = perms[(r & 3) as usize].bits();
            black_box(&dense)
                .get(user(r).0 as usize)
                .is_some_and(|v| v & bits == bits)
        });
        let today = measure(rounds, batch, |i| {
            let r = mix(i);
            snap_plain.check(black_box(user(r)), perms[(r & 3) as usize])
        });
        let with_timed = measure(rounds, batch, |i| {
            let r = mix(i);
            snap_timed.check(black_box(user(r)), perms[(r & 3) as usize])
        });
        let dir_today = measure(rounds, batch, |i| {
            let r = mix(i);
            plain.dir.check(black_box(user(r)), perms[(r & 3) as usize])
        });
        let dir_timed = measure(rounds, batch, |i| {
            let r = mix(i);
            timed.dir.check(black_box(user(r)), perms[(r & 3) as usize])
        });
        results.push(("baseline: Vec<u128> by user id + AND (the limit)", base));
        results.push(("Snapshot::check, every grant permanent (today)", today));
        results.push(("Snapshot::check, 10% time-bound", with_timed));
        results.push(("Directory::check, every grant permanent (today)", dir_today));
        results.push(("Directory::check, 10% time-bound", dir_timed));
    }
    let names: Vec<&str> = results.iter().take(5).map(|(n, _)| *n).collect();
    let middle = |name: &str| {
        let mut v: Vec<Stats> = results
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, s)| *s)
            .collect();
        v.sort_by(|a, b| a.median.total_cmp(&b.median));
        v[v.len() / 2]
    };
    let base = middle(names[0]);
    for name in &names {
        row(name, middle(name), base);
    }
    let today = middle(names[2 - 1]).median;
    let with_timed = middle(names[2]).median;
    println!(
        "time-bound vs today: {:+.1}% (Snapshot::check), {:+.1}% (Directory::check)",
        (with_timed / today - 1.0) * 100.0,
        (middle(names[4]).median / middle(names[3]).median - 1.0) * 100.0
    );
    // Checks keep answering while grants end: one second passes per 1,000 checks.
    let before = timed.dir.check(timed.users[0], Permission::BILLING_VIEW);
    let count = if quick { 20 } else { 200 };
    let big = expiry_cost(&timed, count);
    assert!(before && !timed.dir.check(timed.users[0], Permission::BILLING_VIEW));
    let small_n = if quick { 500 } else { 10_000 };
    let small = build(small_n, true);
    let small_cost = expiry_cost(&small, count);
    println!(
        "one expiry (a grant ends: snapshot, record, audit, notification): median {big:.1} µs at {n} users, {small_cost:.1} µs at {small_n} users ({:.2}×)",
        big / small_cost
    );
}

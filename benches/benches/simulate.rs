//! Dry runs (issue 17): what `Directory::simulate` of one role grant costs on a directory of
//! 100,000 users, next to its baseline measured in the same run, copying the model alone (the
//! part of a fork that grows with the directory), and to the fork alone (a simulation that
//! changes nothing) and the real grant.
//!
//! `cargo bench -p rolecall-benches --bench simulate`; `ROLECALL_BENCH_QUICK=1` (or
//! `cargo test --benches`) builds 2,000 users.

use std::hint::black_box;
use std::time::{Duration, Instant};

use rolecall::{Directory, NewRole, Permission};
use rolecall_benches::{build, quick, toggle_role};

/// Median and p99 of `rounds` timings of `f`.
fn time(rounds: usize, mut f: impl FnMut(usize)) -> (Duration, Duration) {
    f(usize::MAX);
    let mut t: Vec<Duration> = (0..rounds)
        .map(|i| {
            let start = Instant::now();
            f(i);
            start.elapsed()
        })
        .collect();
    t.sort();
    (t[t.len() / 2], t[(t.len() * 99 / 100).min(t.len() - 1)])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let n = if quick() { 2_000 } else { 100_000 };
    let rounds = if quick() { 5 } else { 31 };
    let m = build(Directory::in_memory(), n, 200, 50);
    let dir = &m.dir;
    let root = dir.tenant(m.tenant).expect("tenant").superadmin;
    let role = dir
        .create_role(
            root,
            &NewRole::new(
                "Dry run",
                Permission::CAMPAIGNS_CONTROL | Permission::REPORTS_VIEW,
            ),
        )
        .expect("role");
    println!("simulate on {n} users ({rounds} rounds each; median / p99)");

    let (copy, copy99) = time(rounds, |_| {
        black_box(dir.bench_copy_model());
    });
    let (fork, fork99) = time(rounds, |_| {
        black_box(dir.simulate(|_| Ok(())).expect("simulate"));
    });
    let (grant, grant99) = time(rounds, |i| {
        let user = m.users[i.wrapping_mul(7919) % m.users.len()];
        let plan = dir
            .simulate(|d| d.assign_role(root, user, role))
            .expect("simulate");
        assert!(plan.impact.user(user).is_some());
        black_box(plan);
    });
    let (real, real99) = time(rounds, |i| {
        let user = m.users[i.wrapping_mul(7919) % m.users.len()];
        toggle_role(dir, root, user, role);
    });
    let row = |name: &str, med: Duration, p99: Duration| {
        println!(
            "  {name:<40} {:>9.3} ms  {:>9.3} ms  {:>6.2}x the model copy",
            ms(med),
            ms(p99),
            med.as_secs_f64() / copy.as_secs_f64()
        );
    };
    row("copy of the model (baseline)", copy, copy99);
    row("simulate, nothing changed (the fork)", fork, fork99);
    row("simulate one role grant", grant, grant99);
    row("the real role grant (for scale)", real, real99);
}

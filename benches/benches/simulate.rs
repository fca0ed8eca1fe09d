//! Dry runs (issue 17): what `Directory::simulate` of one role grant costs on a directory of
//! 100,000 users, next to its baseline measured in the same run, copying the model alone (the
//! part of a fork that grows with the directory), and to the fork alone (a simulation that
//! changes nothing) and the real grant.
//!
//! `cargo bench -p rolecall-benches --bench simulate`; `ROLECALL_BENCH_QUICK=1` (or
//! `cargo test --benches`) builds 2,000 users.

use std::hint::black_box;
use std::time::{Duration, Instant};

use rolecall::{
    Directory, GroupId, NewRole, NewUser, Permission, Preset, RoleId, ScopeId, ScopeKind, UserId,
};
use rolecall_benches::{quick, toggle_role, Rng};

/// A call-center tenant like `rolecall_benches::build`'s (200 custom roles, every fifth
/// scoped; 50 groups of two roles; 20 call groups; each user one role, one to three groups, a
/// quarter of them two call groups), its users created 1,000 per commit: one `create_users` of
/// 100,000 spends minutes in `Plan::settle_windows`, which looks each new user's record up by
/// scanning the planned changes (quadratic in the batch).
fn build(n: usize) -> (Directory, UserId, Vec<UserId>) {
    let mut rng = Rng(0x5EED);
    let dir = Directory::in_memory();
    let t = dir
        .create_tenant(
            "Bench",
            &NewUser::new("Root", "Bench", "root@bench.test"),
            &[Preset::Dashboard],
        )
        .expect("tenant");
    let root = t.superadmin;
    let scopes: Vec<ScopeId> = (0..20)
        .map(|i| {
            dir.create_scope(root, ScopeKind::CallGroup, &format!("Group {i}"))
                .expect("scope")
        })
        .collect();
    let catalogue: Vec<Permission> = rolecall::CATALOGUE.iter().map(|(p, _)| *p).collect();
    let roles: Vec<RoleId> = (0..200)
        .map(|i| {
            let p = (0..8).fold(Permission::empty(), |p, _| {
                p | catalogue[rng.below(catalogue.len())]
            });
            let mut r = NewRole::new(format!("Role {i}"), p);
            r.scoped = i % 5 == 0;
            dir.create_role(root, &r).expect("role")
        })
        .collect();
    let groups: Vec<GroupId> = (0..50)
        .map(|i| {
            let rs = [roles[rng.below(roles.len())], roles[rng.below(roles.len())]];
            dir.create_group(root, &format!("Team {i}"), &rs)
                .expect("group")
        })
        .collect();
    let mut users = Vec::with_capacity(n);
    for chunk in 0..n.div_ceil(1_000) {
        let batch: Vec<NewUser> = (chunk * 1_000..((chunk + 1) * 1_000).min(n))
            .map(|i| {
                let gs: Vec<GroupId> = (0..1 + rng.below(3))
                    .map(|_| groups[rng.below(groups.len())])
                    .collect();
                let mut u =
                    NewUser::new("Agent", format!("No {i}"), format!("agent{i}@bench.test"))
                        .roles([roles[rng.below(roles.len())]])
                        .groups(gs);
                if rng.below(4) == 0 {
                    u = u.scopes([
                        scopes[rng.below(scopes.len())],
                        scopes[rng.below(scopes.len())],
                    ]);
                }
                u
            })
            .collect();
        users.extend(dir.create_users(root, &batch).expect("users"));
    }
    (dir, root, users)
}

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
    let started = Instant::now();
    let (dir, root, users) = build(n);
    let dir = &dir;
    eprintln!(
        "built {n} users in {:.1} s",
        started.elapsed().as_secs_f64()
    );
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
        let user = users[i.wrapping_mul(7919) % users.len()];
        let plan = dir
            .simulate(|d| d.assign_role(root, user, role))
            .expect("simulate");
        assert!(plan.impact.changed && plan.impact.commits == 1);
        black_box(plan);
    });
    let (real, real99) = time(rounds, |i| {
        let user = users[i.wrapping_mul(7919) % users.len()];
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

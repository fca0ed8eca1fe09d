//! Contact-center scopes (issue 15): the scoped check with 10,000 scopes in a 5-level
//! hierarchy, "may this actor act on this user" (`check_user`), and what a move of a node
//! costs, next to the physical limit measured in the same run (a `Vec<u128>` of every user's
//! permissions indexed by id, and an AND).
//!
//! The tenant: 4 sites → 20 departments → 200 teams → 2,000 queues → 7,776 numbers (10,000
//! scopes, 5 levels). Users are members of a random team; 1% are site managers (a role granted
//! on their site), 5% team leads (granted on their team), 10% supervisors (granted on 1–3
//! random queues), the rest agents with an unscoped role. Queries are truly random over all
//! users and all scopes, drawn on the fly from `mix(i)`.
//!
//! `cargo bench -p rolecall-benches --bench hierarchy` (100,000 users);
//! `ROLECALL_BENCH_QUICK=1` (or `cargo test --benches`) builds 2,000 users and 200 scopes.

use std::hint::black_box;
use std::time::Instant;

use rolecall::{Directory, NewRole, NewUser, Permission, ScopeId, ScopeKind, UserId};
use rolecall_benches::{measure, mix, Stats};

fn row(name: &str, s: Stats, baseline: Stats) {
    println!(
        "{name:<58} median {:>7.1} ns  p99 {:>7.1} ns  {:>5.2}× the limit",
        s.median,
        s.p99,
        s.median / baseline.median
    );
}

#[inline(always)]
fn pick(r: u64, shift: u32, len: usize) -> usize {
    ((((r >> shift) & 0xFFFF_FFFF) as usize) * len) >> 32
}

fn main() {
    let quick = rolecall_benches::quick();
    let n = if quick { 2_000 } else { 100_000 };
    let t = Instant::now();
    let dir = Directory::in_memory();
    let acme = dir
        .create_tenant("Acme", &NewUser::new("Ada", "Root", "root@acme.test"), &[])
        .expect("tenant");
    let root = acme.superadmin;
    // 5 levels, 10,000 scopes.
    let mut levels: Vec<Vec<ScopeId>> = Vec::new();
    // Quick runs (CI, in debug) build a 200-scope tree of the same shape.
    let (fan, number_count, total) = if quick {
        (2, 56, 200)
    } else {
        (10, 7_776, 10_000)
    };
    let shape = [
        (4, ScopeKind::Team, "site"),
        (5, ScopeKind::Team, "department"),
        (fan, ScopeKind::Team, "team"),
        (fan, ScopeKind::Queue, "queue"),
    ];
    let mut parents: Vec<Option<ScopeId>> = vec![None];
    for (fan, kind, label) in shape {
        let mut level = Vec::new();
        for p in &parents {
            for _ in 0..fan {
                let name = format!("{label} {}", level.len());
                let id = match p {
                    None => dir.create_scope(root, kind, &name),
                    Some(p) => dir.create_scope_under(root, *p, kind, &name),
                }
                .expect("scope");
                level.push(id);
            }
        }
        parents = level.iter().copied().map(Some).collect();
        levels.push(level);
    }
    let queues = levels[3].clone();
    let mut numbers = Vec::new();
    for i in 0..number_count {
        let q = queues[i % queues.len()];
        numbers.push(
            dir.create_scope_under(root, q, ScopeKind::Number, &format!("+1 212 555 {i:04}"))
                .expect("number"),
        );
    }
    let all_scopes: Vec<ScopeId> = levels.iter().flatten().copied().chain(numbers).collect();
    assert_eq!(all_scopes.len(), total);
    let role =
        |name: &str, p: Permission| dir.create_role(root, &NewRole::new(name, p)).expect("role");
    let site_mgr = role(
        "Site manager",
        Permission::USERS_VIEW
            | Permission::USERS_MANAGE
            | Permission::REPORTS_VIEW
            | Permission::CAMPAIGNS_CONTROL,
    );
    let lead = role(
        "Team lead",
        Permission::USERS_VIEW | Permission::USERS_MANAGE | Permission::CAMPAIGNS_CONTROL,
    );
    let sup = role(
        "Supervisor",
        Permission::REPORTS_VIEW | Permission::CAMPAIGNS_VIEW,
    );
    let agent = role("Agent", Permission::CAMPAIGNS_VIEW);
    let (sites, teams) = (&levels[0], &levels[2]);
    let mut users: Vec<UserId> = Vec::with_capacity(n);
    for chunk in 0..n.div_ceil(5_000) {
        let news: Vec<NewUser> = (chunk * 5_000..((chunk + 1) * 5_000).min(n))
            .map(|i| {
                let r = mix(i);
                let team = teams[pick(r, 0, teams.len())];
                let u = NewUser::new("U", format!("{i}"), format!("u{i}@acme.test")).teams([team]);
                match r % 100 {
                    0 => u.grant(site_mgr, sites[pick(r, 8, sites.len())]),
                    1..=5 => u.grant(lead, team),
                    6..=15 => (0..1 + (r >> 40) % 3).fold(u, |u, k| {
                        u.grant(
                            sup,
                            queues[pick(mix(i + 7 * k as usize + 1), 0, queues.len())],
                        )
                    }),
                    _ => u.roles([agent]),
                }
            })
            .collect();
        users.extend(dir.create_users(root, &news).expect("users"));
    }
    println!(
        "== {n} users, {total} scopes in 5 levels (built in {:.1?})",
        t.elapsed()
    );
    let snap = dir.snapshot();
    let ids = users.iter().map(|u| u.0 as usize + 1).max().unwrap_or(0);
    let mut dense = vec![0u128; ids];
    for u in &users {
        dense[u.0 as usize] = snap.effective_permissions(*u).unwrap_or_default().bits();
    }
    let perms = [
        Permission::USERS_MANAGE,
        Permission::REPORTS_VIEW,
        Permission::CAMPAIGNS_CONTROL,
        Permission::CAMPAIGNS_VIEW,
    ];
    // Users and scopes have contiguous ids here: a query names them by arithmetic, with no
    // array of ids streaming through the caches beside the data under test.
    let first_user = users[0].0;
    assert!(users
        .iter()
        .enumerate()
        .all(|(k, u)| u.0 == first_user + k as u64));
    let mut scope_ids: Vec<u64> = all_scopes.iter().map(|s| s.0).collect();
    scope_ids.sort_unstable();
    let first_scope = scope_ids[0];
    assert!(scope_ids
        .iter()
        .enumerate()
        .all(|(k, s)| *s == first_scope + k as u64));
    let n_users = users.len();
    let user = |r: u64| UserId(first_user + pick(r, 32, n_users) as u64);
    let scope = |r: u64| ScopeId(first_scope + pick(r, 2, total) as u64);
    let (rounds, batch) = if quick { (40, 100) } else { (2_000, 1_000) };
    let mut results: Vec<(&str, Stats)> = Vec::new();
    // Every row three times in turn, so that a noisy moment does not land on one row only;
    // each row reports its middle run against the limit's middle run.
    for _ in 0..3 {
        let base = measure(rounds, batch, |i| {
            let r = mix(i);
            let bits = perms[(r & 3) as usize].bits();
            black_box(&dense)
                .get(user(r).0 as usize)
                .is_some_and(|v| v & bits == bits)
        });
        let plain = measure(rounds, batch, |i| {
            let r = mix(i);
            snap.check(black_box(user(r)), perms[(r & 3) as usize])
        });
        let scoped = measure(rounds, batch, |i| {
            let r = mix(i);
            let s = scope(r);
            snap.check_scoped(black_box(user(r)), perms[(r & 3) as usize], black_box(s))
        });
        let on_user = measure(rounds, batch, |i| {
            let r = mix(i);
            let target = UserId(first_user + pick(r, 0, n_users) as u64);
            snap.check_user(
                black_box(user(r)),
                perms[(r & 3) as usize],
                black_box(target),
            )
        });
        let via_dir = measure(rounds, batch, |i| {
            let r = mix(i);
            let target = UserId(first_user + pick(r, 0, n_users) as u64);
            dir.check_user(
                black_box(user(r)),
                perms[(r & 3) as usize],
                black_box(target),
            )
        });
        results.push(("baseline: Vec<u128> by user id + AND (the limit)", base));
        results.push(("Snapshot::check (unscoped, same queries)", plain));
        results.push(("Snapshot::check_scoped (random user, random scope)", scoped));
        results.push((
            "Snapshot::check_user (random actor, random target)",
            on_user,
        ));
        results.push((
            "Directory::check_user (random actor, random target)",
            via_dir,
        ));
    }
    const ROWS: usize = 5;
    for k in 0..ROWS {
        let mut meds: Vec<Stats> = results
            .iter()
            .skip(k)
            .step_by(ROWS)
            .map(|(_, s)| *s)
            .collect();
        meds.sort_by(|a, b| a.median.total_cmp(&b.median));
        let mut bases: Vec<Stats> = results.iter().step_by(ROWS).map(|(_, s)| *s).collect();
        bases.sort_by(|a, b| a.median.total_cmp(&b.median));
        row(results[k].0, meds[1], bases[1]);
    }
    // A move of a department (and its 2,500 scopes) under another site: the scope table is
    // rebuilt; nobody's profile is recompiled.
    let dept = levels[1][0];
    let t = Instant::now();
    let moves = if quick { 2 } else { 20 };
    for k in 0..moves {
        dir.move_scope(root, dept, Some(sites[1 + k % 3]))
            .expect("move");
    }
    println!(
        "move_scope (a department, a quarter of the scopes below it): {:.2?} per move",
        t.elapsed() / moves as u32
    );
}

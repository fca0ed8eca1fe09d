//! Shared pieces of the rolecall benchmarks: a generated call-center model, a tiny timing
//! harness reporting median and p99, and a random source that needs no dependency.

use std::time::Instant;

mod call_center;
pub use call_center::build_call_center;

use rolecall::{
    AccessLevel, AgreementId, Directory, GroupId, NewRole, NewUser, Permission, Preset, Product,
    RoleId, ScopeId, ScopeKind, TenantId, UserId,
};

/// splitmix64: a 64-bit mix of `i`, statistically random, a few cycles. The benchmarks draw
/// query `i` from `mix(i)`: truly random queries over all users, generated on the fly, with no
/// array of queries streaming through the caches beside the data under test.
#[inline(always)]
pub fn mix(i: usize) -> u64 {
    let mut z = (i as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Whether an environment flag is set (to anything but empty or `0`).
pub fn flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Whether to run a tiny size only: under `cargo test --benches` (no `--bench` argument), or
/// when `ROLECALL_BENCH_QUICK` is set.
pub fn quick() -> bool {
    !std::env::args().any(|a| a == "--bench") || flag("ROLECALL_BENCH_QUICK")
}

/// xorshift64*: deterministic, fast, good enough to pick random queries.
pub struct Rng(pub u64);

impl Rng {
    /// The next random number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// A generated call-center tenant: users in 1–3 groups, preset and custom roles, scoped
/// supervisors with call groups, and agreements granting product access levels.
pub struct Model {
    /// The directory.
    pub dir: Directory,
    /// Its tenant.
    pub tenant: TenantId,
    /// Every user, superadministrator excluded.
    pub users: Vec<UserId>,
    /// The call groups.
    pub scopes: Vec<ScopeId>,
    /// The agreements (contracts).
    pub agreements: Vec<AgreementId>,
}

impl Model {
    /// The model of a directory built earlier by [`build`] (for instance reopened from SQLite).
    pub fn reopen(dir: Directory) -> Model {
        let tenant = dir.tenants().first().expect("a tenant").id;
        let root = dir.tenant(tenant).expect("tenant").superadmin;
        let total = dir
            .search_users(tenant, &rolecall::UserQuery::default())
            .expect("users")
            .total;
        let snap = dir.snapshot();
        let users: Vec<UserId> = (1..)
            .map(UserId)
            .filter(|u| snap.effective_permissions(*u).is_some())
            .take(total)
            .filter(|u| *u != root)
            .collect();
        let scopes = dir
            .scopes(tenant)
            .expect("scopes")
            .iter()
            .map(|s| s.id)
            .collect();
        let agreements = dir
            .agreements(tenant)
            .expect("agreements")
            .iter()
            .map(|a| a.id)
            .collect();
        Model {
            dir,
            tenant,
            users,
            scopes,
            agreements,
        }
    }
}

/// Builds a model of `n` users, `roles` custom roles and `groups` groups, in memory or in the
/// directory given.
///
/// With `ROLECALL_BENCH_PHASES` set, prints how long each phase took (to stderr). With
/// `ROLECALL_BENCH_ONE_AT_A_TIME` set, builds the same model the way it was built before
/// bulk building existed (users without groups, then one `add_member` per membership), to
/// compare.
pub fn build(dir: Directory, n: usize, roles: usize, groups: usize) -> Model {
    let phases = flag("ROLECALL_BENCH_PHASES");
    let mut clock = Instant::now();
    let mut phase = |name: &str| {
        if phases {
            eprintln!("  {name:<28} {:>8.2} s", clock.elapsed().as_secs_f64());
        }
        clock = Instant::now();
    };
    let mut rng = Rng(0x5EED);
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
    let mut role_ids: Vec<RoleId> = Vec::new();
    for i in 0..roles {
        let mut p = Permission::empty();
        for _ in 0..8 {
            p |= catalogue[rng.below(catalogue.len())];
        }
        let mut r = NewRole::new(format!("Role {i}"), p);
        r.scoped = i % 5 == 0;
        role_ids.push(dir.create_role(root, &r).expect("role"));
    }
    let supervisor = dir.role_by_name(t.tenant, "Supervisor").expect("preset").id;
    role_ids.push(supervisor);
    let group_ids: Vec<_> = (0..groups)
        .map(|i| {
            let rs = [
                role_ids[rng.below(role_ids.len())],
                role_ids[rng.below(role_ids.len())],
            ];
            dir.create_group(root, &format!("Team {i}"), &rs)
                .expect("group")
        })
        .collect();
    // Drawn in the order the model has always been drawn in (every user's role, then each
    // user's groups and call groups), so the model is the same whichever way it is built:
    // with bulk building (users created with their groups and call groups, one commit), or
    // one change at a time.
    let user_roles: Vec<RoleId> = (0..n)
        .map(|_| role_ids[rng.below(role_ids.len())])
        .collect();
    let mut batch: Vec<NewUser> = user_roles
        .iter()
        .enumerate()
        .map(|(i, role)| {
            let groups: Vec<GroupId> = (0..1 + rng.below(3))
                .map(|_| group_ids[rng.below(group_ids.len())])
                .collect();
            let mut user = NewUser::new("Agent", format!("No {i}"), format!("agent{i}@bench.test"))
                .roles([*role])
                .groups(groups);
            if rng.below(4) == 0 {
                user = user.scopes([
                    scopes[rng.below(scopes.len())],
                    scopes[rng.below(scopes.len())],
                ]);
            }
            user
        })
        .collect();
    phase("tenant, roles, groups, draws");
    // Users with their groups and call groups in one commit (an import).
    let users = if flag("ROLECALL_BENCH_ONE_AT_A_TIME") {
        let links: Vec<(Vec<GroupId>, Vec<ScopeId>)> = batch
            .iter_mut()
            .map(|u| (std::mem::take(&mut u.groups), std::mem::take(&mut u.scopes)))
            .collect();
        let users = dir.create_users(root, &batch).expect("users");
        for (u, (groups, scopes)) in users.iter().zip(&links) {
            for g in groups {
                dir.add_member(root, *g, *u).expect("member");
            }
            if !scopes.is_empty() {
                dir.set_user_scopes(root, *u, scopes).expect("scopes");
            }
        }
        users
    } else {
        dir.create_users(root, &batch).expect("users")
    };
    phase("create_users");
    drop(batch);
    let agreements = agreements_with_levels(&dir, root, &users, &mut rng);
    phase("agreements and levels");
    Model {
        dir,
        tenant: t.tenant,
        users,
        scopes,
        agreements,
    }
}

/// Grants `role` to `user`, or takes it back when the user holds it: one real change either
/// way.
pub fn toggle_role(dir: &Directory, actor: UserId, user: UserId, role: RoleId) {
    if dir.user(user).expect("user").roles.contains(&role) {
        dir.revoke_role(actor, user, role).expect("revoke");
    } else {
        dir.assign_role(actor, user, role).expect("assign");
    }
}

/// Median and 99th percentile of the per-call time, in nanoseconds.
#[derive(Clone, Copy, Debug)]
pub struct Stats {
    /// Median ns per call.
    pub median: f64,
    /// 99th-percentile ns per call (over batches).
    pub p99: f64,
}

/// Times `f(i)` for i = 0, 1, 2, ... in batches of `batch` calls, `rounds` times; returns the
/// median and p99 of the per-call time over batches.
pub fn measure(rounds: usize, batch: usize, mut f: impl FnMut(usize) -> bool) -> Stats {
    let mut sink = 0u64;
    let mut i = 0usize;
    for _ in 0..batch * 10 {
        sink += u64::from(f(i));
        i += 1;
    }
    let mut samples = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t = Instant::now();
        for _ in 0..batch {
            sink += u64::from(f(i));
            i += 1;
        }
        samples.push(t.elapsed().as_nanos() as f64 / batch as f64);
    }
    std::hint::black_box(sink);
    samples.sort_by(f64::total_cmp);
    Stats {
        median: samples[samples.len() / 2],
        p99: samples[samples.len() * 99 / 100],
    }
}

/// Four agreements owned by `root` (the superadministrator), each granting random product
/// levels to a share of `users` (a twentieth of them, at most 500).
pub fn agreements_with_levels(
    dir: &Directory,
    root: UserId,
    users: &[UserId],
    rng: &mut Rng,
) -> Vec<AgreementId> {
    let products = [
        Product::Telephony,
        Product::VirtualPbx,
        Product::AutomatedCalls,
        Product::Chatbots,
    ];
    let levels = [
        AccessLevel::NoAccess,
        AccessLevel::User,
        AccessLevel::Administrator,
    ];
    (0..4)
        .map(|i| {
            let a = dir
                .create_agreement(root, &format!("Contract {i}"), root)
                .expect("agreement");
            for _ in 0..(users.len() / 20).min(500) {
                dir.set_access_level(
                    root,
                    a,
                    users[rng.below(users.len())],
                    products[rng.below(products.len())],
                    levels[rng.below(levels.len())],
                )
                .expect("level");
            }
            a
        })
        .collect()
}

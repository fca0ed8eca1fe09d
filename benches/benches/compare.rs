//! rolecall side by side with the `casbin` crate (its `Enforcer` and its `CachedEnforcer`) and
//! with `cedar-policy`, on the same generated call-center model, in the same run; prints the
//! median and p99 per check of each engine and its ratio to rolecall's `Directory::check`.
//!
//! The model is built once with rolecall's API and translated through its public read API
//! (`roles`, `groups`, `user`, `user_groups`) into
//! - casbin: an RBAC model with one `g` relation (user → role, user → group, group → role) and
//!   one policy `p, role, tenant, permission` per permission of each role;
//! - Cedar: entities `User` (parents: its roles and groups), `Group` (parents: its roles) and
//!   `Role`, and one policy per role:
//!   `permit(principal in Role::"id", action in [Action::"perm", ...], resource);`.
//!
//! Before timing, thousands of random queries must get the same answer from every engine.
//! Queries are random (user, permission) pairs, never one query repeated.
//!
//! `cargo bench -p rolecall-benches --features compare --bench compare` (1,000 and 10,000
//! users); `ROLECALL_BENCH_FULL=1` adds 100,000; `ROLECALL_BENCH_QUICK=1`, or running without
//! `--bench` (`cargo test --benches`), runs 200 users only.

use std::collections::HashSet;
use std::hint::black_box;
use std::time::{Duration, Instant};

use casbin::{
    CachedApi, CachedEnforcer, CoreApi, DefaultCache, DefaultModel, EnforceArgs, Enforcer,
    MemoryAdapter, MgmtApi,
};
use cedar_policy::{
    Authorizer, Context, Decision, Entities, Entity, EntityId, EntityTypeName, EntityUid,
    PolicySet, Request,
};
use rolecall::{Directory, Permission, UserId};
use rolecall_benches::{build, flag, measure, Model, Rng, Stats};

/// The casbin model, shared with the Python benchmark: RBAC with one role relation that carries
/// user → role, user → group and group → role links (casbin follows them transitively).
const CASBIN_MODEL: &str = include_str!("../casbin-rbac.conf");

/// How many times each engine is timed: `rounds` batches of `batch` checks (after a warm-up of
/// ten batches, see `measure`).
#[derive(Clone, Copy)]
struct Plan {
    rounds: usize,
    batch: usize,
}

impl Plan {
    fn checks(self) -> usize {
        self.batch * (self.rounds + 10)
    }
}

/// The rolecall model, translated.
struct Translation {
    /// `p` rules: role, tenant, permission name.
    policies: Vec<Vec<String>>,
    /// `g` rules: user → role, user → group, group → role.
    links: Vec<Vec<String>>,
    /// Cedar policies, one per role that grants anything.
    cedar_policies: String,
    /// Cedar entities.
    entities: Vec<Entity>,
}

fn uid(kind: &str, id: u64) -> EntityUid {
    EntityUid::from_type_name_and_id(
        kind.parse::<EntityTypeName>().expect("entity type"),
        EntityId::new(id.to_string()),
    )
}

fn translate(m: &Model, tenant_obj: &str) -> Translation {
    let dir = &m.dir;
    let mut policies = Vec::new();
    let mut links = Vec::new();
    let mut cedar_policies = String::new();
    let mut entities = Vec::new();
    for role in dir.roles(m.tenant).expect("roles") {
        let names: Vec<&str> = rolecall::CATALOGUE
            .iter()
            .filter(|(p, _)| role.permissions.contains(*p))
            .map(|(_, name)| *name)
            .collect();
        for name in &names {
            policies.push(vec![
                format!("role_{}", role.id.0),
                tenant_obj.to_string(),
                (*name).to_string(),
            ]);
        }
        if !names.is_empty() {
            let actions: Vec<String> = names.iter().map(|n| format!("Action::{n:?}")).collect();
            cedar_policies.push_str(&format!(
                "permit(principal in Role::\"{}\", action in [{}], resource);\n",
                role.id.0,
                actions.join(", ")
            ));
        }
        entities.push(Entity::new_no_attrs(uid("Role", role.id.0), HashSet::new()));
    }
    for group in dir.groups(m.tenant).expect("groups") {
        let mut parents = HashSet::new();
        for r in &group.roles {
            links.push(vec![
                format!("group_{}", group.id.0),
                format!("role_{}", r.0),
            ]);
            parents.insert(uid("Role", r.0));
        }
        entities.push(Entity::new_no_attrs(uid("Group", group.id.0), parents));
    }
    for &u in &m.users {
        let user = dir.user(u).expect("user");
        let mut parents = HashSet::new();
        // An inactive user holds nothing: it gets no links (the generator makes none).
        if user.active {
            for r in &user.roles {
                links.push(vec![format!("user_{}", u.0), format!("role_{}", r.0)]);
                parents.insert(uid("Role", r.0));
            }
            for g in dir.user_groups(u).expect("groups of user") {
                links.push(vec![format!("user_{}", u.0), format!("group_{}", g.0)]);
                parents.insert(uid("Group", g.0));
            }
        }
        entities.push(Entity::new_no_attrs(uid("User", u.0), parents));
    }
    entities.push(Entity::new_no_attrs(
        uid("Tenant", m.tenant.0),
        HashSet::new(),
    ));
    Translation {
        policies,
        links,
        cedar_policies,
        entities,
    }
}

/// Builds a casbin enforcer of either kind from the translated rules.
fn load_casbin<E: CoreApi + MgmtApi>(rt: &tokio::runtime::Runtime, t: &Translation) -> E {
    rt.block_on(async {
        let model = DefaultModel::from_str(CASBIN_MODEL)
            .await
            .expect("casbin model");
        let mut e = E::new(model, MemoryAdapter::default())
            .await
            .expect("casbin enforcer");
        e.add_policies(t.policies.clone())
            .await
            .expect("casbin policies");
        e.add_grouping_policies(t.links.clone())
            .await
            .expect("casbin role links");
        e
    })
}

fn header() {
    println!(
        "{:<52} {:>12} {:>12} {:>20}",
        "engine", "median", "p99", "÷ Directory::check"
    );
}

fn fmt_ns(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.2} ns")
    }
}

fn row(name: &str, s: Stats, base: Stats) {
    let ratio = s.median / base.median;
    let ratio = if ratio < 10.0 {
        format!("{ratio:.2}x")
    } else {
        format!("{ratio:.0}x")
    };
    println!(
        "{name:<52} {:>12} {:>12} {ratio:>20}",
        fmt_ns(s.median),
        fmt_ns(s.p99),
    );
}

fn secs(d: Duration) -> String {
    format!("{:.2?}", d)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then run a tiny size.
    let quick = rolecall_benches::quick();
    let full = flag("ROLECALL_BENCH_FULL");
    let sizes: Vec<usize> = if quick {
        vec![200]
    } else if full {
        vec![1_000, 10_000, 100_000]
    } else {
        vec![1_000, 10_000]
    };
    // Plans per engine: rolecall answers in nanoseconds, casbin's cache in ~0.5 µs, Cedar in
    // ~100 µs and casbin's enforcer in ~1 ms; slow engines are timed one check per sample.
    let (fast, cached, cedar_plan, casbin_plan, verify) = if quick {
        let p = Plan {
            rounds: 20,
            batch: 1,
        };
        (
            Plan {
                rounds: 50,
                batch: 100,
            },
            Plan {
                rounds: 20,
                batch: 20,
            },
            p,
            p,
            200,
        )
    } else {
        (
            Plan {
                rounds: 2_000,
                batch: 1_000,
            },
            Plan {
                rounds: 500,
                batch: 64,
            },
            Plan {
                rounds: 3_000,
                batch: 1,
            },
            Plan {
                rounds: 1_000,
                batch: 1,
            },
            3_000,
        )
    };
    // Distinct random queries the engines cycle through (a power of two): at least four a
    // user, so that the timed checks reach (nearly) every user rather than a cached few.
    let queries_for = |n: usize| (4 * n).next_power_of_two().max(1 << 12);
    let cached_len: usize = if quick { 1 << 8 } else { 1 << 12 };
    let catalogue: Vec<(Permission, &str)> = rolecall::CATALOGUE.to_vec();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("tokio runtime");

    for &n in &sizes {
        let t = Instant::now();
        let m = build(Directory::in_memory(), n, 200.min(n), 50.min(n));
        let rolecall_built = t.elapsed();
        let snap = m.dir.snapshot();
        let tenant_obj = format!("tenant_{}", m.tenant.0);
        let tr = translate(&m, &tenant_obj);
        let roles = m.dir.roles(m.tenant).expect("roles").len();
        let groups = m.dir.groups(m.tenant).expect("groups").len();
        println!(
            "\n== {n} users, {roles} roles, {groups} groups, {} permissions",
            catalogue.len()
        );
        println!(
            "translated: {} casbin policies + {} role links; {} Cedar entities, {} Cedar policies",
            tr.policies.len(),
            tr.links.len(),
            tr.entities.len(),
            tr.cedar_policies.lines().count()
        );

        // ---- load each engine ----
        let t = Instant::now();
        let enforcer: Enforcer = load_casbin(&rt, &tr);
        let casbin_load = t.elapsed();
        let t = Instant::now();
        let mut cached_enforcer: CachedEnforcer = load_casbin(&rt, &tr);
        // The default cache holds 200 answers; give it room for the whole timed query set.
        cached_enforcer.set_cache(Box::new(DefaultCache::new(cached_len)));
        let cached_load = t.elapsed();
        let t = Instant::now();
        let policies: PolicySet = tr.cedar_policies.parse().expect("cedar policies");
        let entities =
            Entities::from_entities(tr.entities.iter().cloned(), None).expect("cedar entities");
        let cedar_load = t.elapsed();
        let authorizer = Authorizer::new();
        println!(
            "load: rolecall {} (model built through its API: tenant, roles, groups, users, \
             memberships, scopes)",
            secs(rolecall_built)
        );
        println!(
            "      casbin Enforcer {}, CachedEnforcer {} (rules added to an enforcer on a \
             MemoryAdapter)",
            secs(casbin_load),
            secs(cached_load)
        );
        println!(
            "      Cedar {} (policies parsed, entities loaded with their transitive closure)",
            secs(cedar_load)
        );

        // ---- random queries ----
        let queries_len = queries_for(n);
        let mut rng = Rng(42);
        // (user index, catalogue index)
        let queries: Vec<(usize, usize)> = (0..queries_len)
            .map(|_| (rng.below(m.users.len()), rng.below(catalogue.len())))
            .collect();
        if quick {
            // The CI check that this benchmark does not flatter: every user is queried.
            let mut seen = vec![false; m.users.len()];
            queries.iter().for_each(|&(u, _)| seen[u] = true);
            let missed = seen.iter().filter(|s| !**s).count();
            assert_eq!(missed, 0, "{missed} of {n} users are never queried");
        }
        let subjects: Vec<String> = m.users.iter().map(|u| format!("user_{}", u.0)).collect();
        let principals: Vec<EntityUid> = m.users.iter().map(|u| uid("User", u.0)).collect();
        let actions: Vec<EntityUid> = catalogue
            .iter()
            .map(|(_, name)| {
                EntityUid::from_type_name_and_id(
                    "Action".parse().expect("action type"),
                    EntityId::new(name),
                )
            })
            .collect();
        let resource = uid("Tenant", m.tenant.0);
        let rolecall_q: Vec<(UserId, Permission)> = queries
            .iter()
            .map(|&(u, p)| (m.users[u], catalogue[p].0))
            .collect();
        let casbin_check = |e: &Enforcer, (u, p): (usize, usize)| -> bool {
            e.enforce((subjects[u].as_str(), tenant_obj.as_str(), catalogue[p].1))
                .expect("casbin enforce")
        };
        let cached_check = |e: &CachedEnforcer, (u, p): (usize, usize)| -> bool {
            e.enforce((subjects[u].as_str(), tenant_obj.as_str(), catalogue[p].1))
                .expect("casbin cached enforce")
        };
        let cedar_check = |(u, p): (usize, usize)| -> bool {
            let request = Request::new(
                principals[u].clone(),
                actions[p].clone(),
                resource.clone(),
                Context::empty(),
                None,
            )
            .expect("cedar request");
            authorizer
                .is_authorized(&request, &policies, &entities)
                .decision()
                == Decision::Allow
        };

        // ---- correctness first: every engine gives rolecall's answer ----
        let mut allowed = 0usize;
        for (i, &q) in queries.iter().take(verify).enumerate() {
            let (u, p) = rolecall_q[i];
            let expected = m.dir.check(u, p);
            let got_casbin = casbin_check(&enforcer, q);
            let got_cedar = cedar_check(q);
            assert!(
                got_casbin == expected && got_cedar == expected,
                "answers differ for {u} / {}: rolecall {expected}, casbin {got_casbin}, \
                 Cedar {got_cedar} (effective permissions {:?})",
                catalogue[q.1].1,
                m.dir.effective_permissions(u)
            );
            allowed += usize::from(expected);
        }
        // Warm casbin's cache over the query set its timing cycles through, checking it too.
        for (i, &q) in queries.iter().take(cached_len).enumerate() {
            let (u, p) = rolecall_q[i];
            let expected = m.dir.check(u, p);
            let got = cached_check(&cached_enforcer, q);
            assert_eq!(
                got, expected,
                "answers differ for {u} / {}: rolecall {expected}, casbin CachedEnforcer {got}",
                catalogue[q.1].1
            );
        }
        let cache = cached_enforcer.get_mut_cache();
        let cached_keys = queries
            .iter()
            .take(cached_len)
            .filter(|&&(u, p)| {
                cache.has(&(subjects[u].as_str(), tenant_obj.as_str(), catalogue[p].1).cache_key())
            })
            .count();
        println!(
            "verified: {verify} random queries ({allowed} allowed) answered alike by rolecall, \
             casbin Enforcer and Cedar; {cached_len} by casbin CachedEnforcer \
             ({cached_keys} of them now in its cache)"
        );

        // ---- timing ----
        let mask = queries_len - 1;
        let base = measure(fast.rounds, fast.batch, |i| {
            let (u, p) = rolecall_q[i & mask];
            m.dir.check(black_box(u), black_box(p))
        });
        let resolved: Vec<_> = rolecall_q
            .iter()
            .map(|&(u, p)| (snap.resolve(u), p))
            .collect();
        let handle = measure(fast.rounds, fast.batch, |i| {
            let (r, p) = &resolved[i & mask];
            r.is_some_and(|r| r.check(black_box(*p)))
        });
        let cmask = cached_len - 1;
        let casbin_cached = measure(cached.rounds, cached.batch, |i| {
            cached_check(&cached_enforcer, queries[i & cmask])
        });
        let casbin = measure(casbin_plan.rounds, casbin_plan.batch, |i| {
            casbin_check(&enforcer, queries[i & mask])
        });
        let cedar = measure(cedar_plan.rounds, cedar_plan.batch, |i| {
            cedar_check(queries[i & mask])
        });

        header();
        row(
            &format!("rolecall Directory::check ({} checks)", fast.checks()),
            base,
            base,
        );
        row(
            &format!(
                "rolecall UserRef::check, resolved ({} checks)",
                fast.checks()
            ),
            handle,
            base,
        );
        row(
            &format!(
                "casbin CachedEnforcer, cache hits ({} checks)",
                cached.checks()
            ),
            casbin_cached,
            base,
        );
        row(
            &format!("casbin Enforcer ({} checks)", casbin_plan.checks()),
            casbin,
            base,
        );
        row(
            &format!("cedar-policy Authorizer ({} checks)", cedar_plan.checks()),
            cedar,
            base,
        );
        println!(
            "(random queries over a set of {queries_len}; the CachedEnforcer cycles through \
             {cached_len} random queries, each asked once before timing, so every timed check \
             is a cache hit; casbin and Cedar timed one check per sample, rolecall per batch \
             of {}, casbin cache per batch of {})",
            fast.batch, cached.batch
        );
    }
}

//! A call center whose users share their access, as real ones do: each agent holds a job role
//! and a team role, and each team's supervisors watch that team's call groups. A few hundred
//! distinct access profiles, whatever the number of users.

use rolecall::{
    AccessLevel, AgreementId, Directory, NewRole, NewUser, Permission, Preset, Product, ScopeId,
    ScopeKind,
};

use crate::{Model, Rng};

/// Job roles (agent, senior agent, quality, supervisor, ...): every user holds one, the first
/// ones far more often.
const JOBS: usize = 12;
/// Team roles: every user belongs to one team.
const TEAMS: usize = 25;
/// Call groups; team `t` works call groups `t % 20` and `(t + 7) % 20`.
const CALL_GROUPS: usize = 20;

/// Builds a call center of `n` agents in `dir`: 12 job roles (the first two scoped, as
/// supervisors are) and 25 team roles held directly, the call groups of their team for one
/// agent in ten, and product levels on four agreements for a share of them.
pub fn build_call_center(dir: Directory, n: usize) -> Model {
    let mut rng = Rng(0xCA11);
    let t = dir
        .create_tenant(
            "Call center",
            &NewUser::new("Root", "Center", "root@center.test"),
            &[Preset::Dashboard],
        )
        .expect("tenant");
    let root = t.superadmin;
    let scopes: Vec<ScopeId> = (0..CALL_GROUPS)
        .map(|i| {
            dir.create_scope(root, ScopeKind::CallGroup, &format!("Call group {i}"))
                .expect("scope")
        })
        .collect();
    let catalogue: Vec<Permission> = rolecall::CATALOGUE.iter().map(|(p, _)| *p).collect();
    let mut role = |name: String, perms: usize, scoped: bool| {
        let mut p = Permission::empty();
        for _ in 0..perms {
            p |= catalogue[rng.below(catalogue.len())];
        }
        let mut r = NewRole::new(name, p);
        r.scoped = scoped;
        dir.create_role(root, &r).expect("role")
    };
    let jobs: Vec<_> = (0..JOBS)
        .map(|i| role(format!("Job {i}"), 8, i < 2))
        .collect();
    let teams: Vec<_> = (0..TEAMS)
        .map(|i| role(format!("Team {i}"), 3, false))
        .collect();
    let mut team_of = Vec::with_capacity(n);
    let batch: Vec<NewUser> = (0..n)
        .map(|i| {
            // The smaller of two draws: job 0 is the commonest.
            let job = rng.below(JOBS).min(rng.below(JOBS));
            let team = rng.below(TEAMS);
            team_of.push(team);
            NewUser::new("Agent", format!("No {i}"), format!("agent{i}@center.test"))
                .roles([jobs[job], teams[team]])
        })
        .collect();
    let users = dir.create_users(root, &batch).expect("users");
    for (u, team) in users.iter().zip(&team_of) {
        if rng.below(10) == 0 {
            let watched = [scopes[team % CALL_GROUPS], scopes[(team + 7) % CALL_GROUPS]];
            dir.set_user_scopes(root, *u, &watched).expect("scopes");
        }
    }
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
    let agreements: Vec<AgreementId> = (0..4)
        .map(|i| {
            let a = dir
                .create_agreement(root, &format!("Contract {i}"), root)
                .expect("agreement");
            for _ in 0..(n / 20).min(500) {
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
        .collect();
    Model {
        dir,
        tenant: t.tenant,
        users,
        scopes,
        agreements,
    }
}

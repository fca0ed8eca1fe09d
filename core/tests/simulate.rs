//! Dry runs (`Directory::simulate`): the impact a change would have, computed on a throwaway
//! fork with the same rules and engine, and nothing of it reaching the original.

mod common;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::{capture, Env};
use proptest::prelude::*;
use rolecall::{
    AccessLevel, AgreementId, AuditQuery, Directory, Error, GroupId, Impact, LevelChange,
    Lifecycle, NewUser, PbxLink, Permission, Preset, Product, Right, RoleId, RolePatch,
    ScopeAccess, ScopeId, ScopeKind, ScopeRef, TimedGrant, UserId, UserImpact, UserPatch, Window,
    CATALOGUE,
};

/// The names of a permission set, as rights held everywhere.
fn unscoped(p: Permission) -> Vec<Right> {
    p.names()
        .into_iter()
        .map(|n| Right {
            permission: n.to_owned(),
            scope: None,
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn audit_len(dir: &Directory) -> usize {
    dir.audit_events(&AuditQuery::default()).unwrap().total
}

#[test]
fn a_role_grant_lists_the_rights_gained_and_commits_nothing() {
    let env = Env::new(&[Preset::Managers]);
    let bob = env.user("bob", &[]);
    let operator = env.role("Operator");
    let before = capture(&env.dir);
    let snap = env.dir.snapshot();
    let audit = audit_len(&env.dir);

    let plan = env
        .dir
        .simulate(|d| d.assign_role(env.root, bob, operator))
        .unwrap();

    let ops = env.dir.role(operator).unwrap().permissions;
    assert!(plan.impact.changed);
    assert_eq!(plan.impact.commits, 1);
    assert_eq!(plan.impact.revision, env.dir.revision());
    assert_eq!(
        plan.impact.users,
        vec![UserImpact {
            user: bob,
            email: "bob@acme.test".into(),
            rights_gained: unscoped(ops),
            ..UserImpact::default()
        }]
    );
    // The original: same state, revision, audit log and snapshot.
    assert_eq!(capture(&env.dir), before);
    assert!(Arc::ptr_eq(&snap, &env.dir.snapshot()));
    assert_eq!(audit_len(&env.dir), audit);
    assert!(!env.dir.check(bob, Permission::CAMPAIGNS_CONTROL));
    // The report reads.
    let text = plan.impact.to_string();
    assert!(text.contains("1 user affected"), "{text}");
    assert!(
        text.contains("bob@acme.test: + campaigns.control"),
        "{text}"
    );
    // Applying it for real gives what was planned.
    env.dir.assign_role(env.root, bob, operator).unwrap();
    assert!(env.dir.check(bob, Permission::CAMPAIGNS_CONTROL));
}

#[test]
fn a_group_role_change_reaches_every_member() {
    let env = Env::new(&[Preset::Managers]);
    let members: Vec<UserId> = (0..5).map(|i| env.user(&format!("m{i}"), &[])).collect();
    let outsider = env.user("out", &[]);
    let g = env.dir.create_group(env.root, "Floor", &[]).unwrap();
    for m in &members {
        env.dir.add_member(env.root, g, *m).unwrap();
    }
    let viewer = env.role("Viewer");
    let plan = env
        .dir
        .simulate(|d| d.add_group_role(env.root, g, viewer))
        .unwrap();
    let gained = unscoped(env.dir.role(viewer).unwrap().permissions);
    let users: Vec<UserId> = plan.impact.users.iter().map(|u| u.user).collect();
    assert_eq!(users, members);
    assert!(plan.impact.users.iter().all(|u| u.rights_gained == gained));
    assert!(plan.impact.user(outsider).is_none());
    assert!(env.dir.group(g).unwrap().roles.is_empty());
}

#[test]
fn a_scoped_grant_names_its_scope_and_a_rename_changes_no_access() {
    let env = Env::new(&[Preset::Managers, Preset::Dashboard]);
    let sue = env.user("sue", &[]);
    let site = env
        .dir
        .create_scope(env.root, ScopeKind::Team, "Lyon")
        .unwrap();
    let sales = env
        .dir
        .create_scope_under(env.root, site, ScopeKind::Team, "Sales")
        .unwrap();
    let supervisor = env.role("dashboard/Supervisor");
    let plan = env
        .dir
        .simulate(|d| d.grant_role_in_scope(env.root, sue, supervisor, sales))
        .unwrap();
    let u = plan.impact.user(sue).unwrap();
    let sup = env.dir.role(supervisor).unwrap().permissions;
    assert_eq!(u.rights_gained.len(), sup.names().len());
    for r in &u.rights_gained {
        assert_eq!(
            r.scope,
            Some(ScopeRef {
                id: sales,
                name: "Sales".into()
            })
        );
    }
    assert!(plan.impact.to_string().contains("@Sales"));
    // Held on the site above, the grant on Sales adds nothing.
    env.dir
        .grant_role_in_scope(env.root, sue, supervisor, site)
        .unwrap();
    let plan = env
        .dir
        .simulate(|d| d.grant_role_in_scope(env.root, sue, supervisor, sales))
        .unwrap();
    assert!(
        plan.impact.changed && plan.impact.is_empty(),
        "{}",
        plan.impact
    );
    // A rename changes something, but nobody's access.
    let plan = env
        .dir
        .simulate(|d| d.rename_group(env.root, d.create_group(env.root, "A", &[])?, "B"))
        .unwrap();
    assert_eq!((plan.impact.commits, plan.impact.is_empty()), (2, true));
}

#[test]
fn a_level_change_and_a_pbx_link() {
    let env = Env::new(&[Preset::Managers]);
    let owner = env.user("olivia", &[]);
    let ann = env.user("ann", &[]);
    let ag = env
        .dir
        .create_agreement(env.root, "Invoicing", owner)
        .unwrap();
    env.dir
        .set_access_level(owner, ag, ann, Product::VirtualPbx, AccessLevel::User)
        .unwrap();
    let plan = env
        .dir
        .simulate(|d| {
            d.set_access_level(
                owner,
                ag,
                ann,
                Product::VirtualPbx,
                AccessLevel::Administrator,
            )?;
            d.link_pbx_subscriber(owner, ag, ann, Some("204"))
        })
        .unwrap();
    let u = plan.impact.user(ann).unwrap();
    assert_eq!(
        u.levels,
        vec![LevelChange {
            agreement: ag,
            agreement_name: "Invoicing".into(),
            product: Product::VirtualPbx,
            before: AccessLevel::User,
            after: AccessLevel::Administrator,
        }]
    );
    assert_eq!(
        u.pbx_gained,
        vec![PbxLink {
            agreement: ag,
            agreement_name: "Invoicing".into(),
            subscriber: "204".into()
        }]
    );
    assert_eq!(plan.impact.commits, 2);
    let text = plan.impact.to_string();
    assert!(
        text.contains("level Invoicing/virtual_pbx: user -> administrator"),
        "{text}"
    );
    assert_eq!(
        env.dir.access_level(ag, ann, Product::VirtualPbx),
        AccessLevel::User
    );
}

/// A user with rights, a scope, a team and a level, for the deactivation and deletion tests.
fn loaded_user(env: &Env) -> (UserId, ScopeId, AgreementId) {
    let bob = env.user("bob", &["Operator"]);
    let team = env
        .dir
        .create_scope(env.root, ScopeKind::Team, "Sales")
        .unwrap();
    env.dir.assign_scope(env.root, bob, team).unwrap();
    env.dir.set_user_teams(env.root, bob, &[team]).unwrap();
    let ag = env
        .dir
        .create_agreement(env.root, "Invoicing", env.root)
        .unwrap();
    env.dir
        .set_access_level(env.root, ag, bob, Product::Core, AccessLevel::User)
        .unwrap();
    (bob, team, ag)
}

#[test]
fn a_deactivation_loses_everything_and_a_reactivation_regains_it() {
    let env = Env::new(&[Preset::Managers]);
    let (bob, team, ag) = loaded_user(&env);
    let ops = env.dir.role(env.role("Operator")).unwrap().permissions;
    let sales = ScopeRef {
        id: team,
        name: "Sales".into(),
    };
    let plan = env
        .dir
        .simulate(|d| d.set_active(env.root, bob, false))
        .unwrap();
    let u = plan.impact.user(bob).unwrap();
    assert_eq!(u.lifecycle, Lifecycle::Deactivated);
    assert_eq!(u.rights_lost, unscoped(ops));
    assert_eq!(u.scopes_lost, vec![sales.clone()]);
    assert_eq!(u.teams_lost, vec![sales.clone()]);
    assert_eq!(
        (u.levels.len(), u.levels[0].before, u.levels[0].after),
        (1, AccessLevel::User, AccessLevel::NoAccess)
    );
    assert!(u.rights_gained.is_empty());
    assert!(plan
        .impact
        .to_string()
        .contains("bob@acme.test (deactivated): - "));

    env.dir.set_active(env.root, bob, false).unwrap();
    let plan = env
        .dir
        .simulate(|d| d.set_active(env.root, bob, true))
        .unwrap();
    let u = plan.impact.user(bob).unwrap();
    assert_eq!(u.lifecycle, Lifecycle::Activated);
    assert_eq!(u.rights_gained, unscoped(ops));
    assert_eq!(u.teams_gained, vec![sales]);
    assert_eq!(u.levels[0].agreement, ag);
}

#[test]
fn a_deletion_reports_the_user_as_it_was() {
    let env = Env::new(&[Preset::Managers]);
    let (bob, _, _) = loaded_user(&env);
    let plan = env.dir.simulate(|d| d.delete_user(env.root, bob)).unwrap();
    let u = plan.impact.user(bob).unwrap();
    assert_eq!(u.lifecycle, Lifecycle::Deleted);
    assert_eq!(u.email, "bob@acme.test");
    assert!(!u.rights_lost.is_empty() && !u.scopes_lost.is_empty() && !u.levels.is_empty());
    assert!(env.dir.user(bob).is_ok());
}

#[test]
fn a_creation_allocates_the_ids_a_real_run_then_allocates() {
    let env = Env::new(&[Preset::Managers]);
    let operator = env.role("Operator");
    let new = NewUser::new("Eve", "Doe", "eve@acme.test").roles([operator]);
    let plan = env
        .dir
        .simulate(|d| {
            let eve = d.create_user(env.root, &new)?;
            let g = d.create_group(env.root, "Night", &[])?;
            let s = d.create_scope(env.root, ScopeKind::Queue, "Night queue")?;
            Ok((eve, g, s))
        })
        .unwrap();
    let (eve, g, s) = plan.value;
    let u = plan.impact.user(eve).unwrap();
    assert_eq!(
        (u.lifecycle, u.email.as_str()),
        (Lifecycle::Created, "eve@acme.test")
    );
    assert!(u
        .rights_gained
        .iter()
        .any(|r| r.permission == "campaigns.control"));
    assert_eq!(plan.impact.commits, 3);
    assert!(env.dir.user(eve).is_err());
    // The real run allocates the same ids.
    assert_eq!(env.dir.create_user(env.root, &new).unwrap(), eve);
    assert_eq!(env.dir.create_group(env.root, "Night", &[]).unwrap(), g);
    assert_eq!(
        env.dir
            .create_scope(env.root, ScopeKind::Queue, "Night queue")
            .unwrap(),
        s
    );
}

#[test]
fn a_refused_change_returns_its_error_and_changes_nothing_anywhere() {
    let env = Env::new(&[Preset::Managers]);
    let olga = env.user("olga", &["Operator"]);
    let before = capture(&env.dir);
    let audit = audit_len(&env.dir);
    let err = env
        .dir
        .simulate(|d| d.create_user(olga, &NewUser::new("Eve", "Doe", "eve@acme.test")))
        .unwrap_err();
    assert!(matches!(err, Error::PermissionDenied { .. }), "{err:?}");
    assert_eq!(capture(&env.dir), before);
    // The refusal was audited in the fork only.
    assert_eq!(audit_len(&env.dir), audit);
    // A sequence stops at its first refusal, and what came before it is not committed either.
    let bob = env.user("bob", &[]);
    let before = capture(&env.dir);
    let err = env
        .dir
        .simulate(|d| {
            d.assign_role(env.root, bob, env.role("Operator"))?;
            d.create_user(olga, &NewUser::new("Eve", "Doe", "eve@acme.test"))
        })
        .unwrap_err();
    assert_eq!(err.kind(), "permission_denied");
    assert_eq!(capture(&env.dir), before);
}

#[test]
fn notifications_of_the_fork_never_reach_the_original() {
    let env = Env::new(&[Preset::Managers]);
    let bob = env.user("bob", &[]);
    env.dir.drain_notifications();
    let heard = Arc::new(AtomicUsize::new(0));
    let h = heard.clone();
    env.dir.on_notification(move |_| {
        h.fetch_add(1, Ordering::SeqCst);
    });
    let plan = env
        .dir
        .simulate(|d| {
            let patch = UserPatch {
                email: Some("robert@acme.test".into()),
                ..UserPatch::default()
            };
            d.update_user(env.root, bob, &patch)?;
            Ok(d.drain_notifications().len())
        })
        .unwrap();
    assert!(plan.value > 0, "the fork notified the email change");
    assert_eq!(heard.load(Ordering::SeqCst), 0);
    assert!(env.dir.drain_notifications().is_empty());
    // An email change alters no access.
    assert!(plan.impact.changed && plan.impact.is_empty());
}

#[test]
fn a_grant_starting_later_gains_nothing_now() {
    let env = common::clocked::Env::new();
    let bob = env.user("bob", &[]);
    let operator = env.role("Operator");
    let later = Window {
        from: Some(common::clocked::T0 + common::clocked::HOUR),
        until: None,
    };
    let plan = env
        .dir
        .simulate(|d| d.grant_for(env.root, bob, &TimedGrant::Role(operator), later))
        .unwrap();
    assert!(plan.impact.changed);
    assert!(plan.impact.user(bob).is_none(), "{}", plan.impact);
    // One starting now gains at once, judged at the directory's now.
    let now = Window::until(common::clocked::T0 + common::clocked::HOUR);
    let plan = env
        .dir
        .simulate(|d| d.grant_for(env.root, bob, &TimedGrant::Role(operator), now))
        .unwrap();
    assert!(!plan.impact.user(bob).unwrap().rights_gained.is_empty());
    // Later than the grant's end, the same plan gains nothing.
    env.clock.advance(2 * common::clocked::HOUR);
    let err = env
        .dir
        .simulate(|d| d.grant_for(env.root, bob, &TimedGrant::Role(operator), now))
        .unwrap_err();
    assert_eq!(err.kind(), "invalid_window");
}

#[test]
fn the_original_stays_incremental_after_a_simulation() {
    // The fork starts from the original's snapshot and edits its own copy of the profile
    // bookkeeping: the original's next changes still answer right.
    let env = Env::new(&[Preset::Managers]);
    let bob = env.user("bob", &[]);
    let ann = env.user("ann", &["Viewer"]);
    let operator = env.role("Operator");
    env.dir
        .simulate(|d| {
            d.assign_role(env.root, bob, operator)?;
            d.revoke_role(env.root, ann, env.role("Viewer"))
        })
        .unwrap();
    env.dir.assign_role(env.root, ann, operator).unwrap();
    assert!(env.dir.check(ann, Permission::CAMPAIGNS_CONTROL));
    assert!(env.dir.check(ann, Permission::CAMPAIGNS_VIEW));
    assert!(!env.dir.check(bob, Permission::CAMPAIGNS_VIEW));
    let (profiles, _) = env.dir.snapshot().profile_stats();
    assert!(profiles >= 3);
    // Nested simulations work too.
    let inner = env
        .dir
        .simulate(|d| d.simulate(|d2| d2.assign_role(env.root, bob, operator)))
        .unwrap();
    assert!(inner.impact.is_empty() && !inner.impact.changed);
    assert!(!inner.value.impact.is_empty());
}

// ---- the impact equals the difference of what checks answer before and after ----

/// A fixture built the same way twice: users, groups, scopes, an agreement.
struct Fx {
    env: Env,
    users: Vec<UserId>,
    roles: Vec<RoleId>,
    groups: Vec<GroupId>,
    scopes: Vec<ScopeId>,
    teams: Vec<ScopeId>,
    ag: AgreementId,
}

fn fixture() -> Fx {
    let env = Env::new(&[Preset::Managers, Preset::Dashboard]);
    let roles: Vec<RoleId> = [
        "managers/Operator",
        "managers/Viewer",
        "managers/Manager",
        "dashboard/Supervisor",
        "dashboard/Accountant",
    ]
    .iter()
    .map(|r| env.role(r))
    .collect();
    let users = vec![
        env.user_with(env.root, "u0", &[roles[0]]),
        env.user_with(env.root, "u1", &[roles[1], roles[3]]),
        env.user_with(env.root, "u2", &[]),
        env.user_with(env.root, "u3", &[roles[4]]),
    ];
    let lyon = env
        .dir
        .create_scope(env.root, ScopeKind::Team, "Lyon")
        .unwrap();
    let sales = env
        .dir
        .create_scope_under(env.root, lyon, ScopeKind::Team, "Sales")
        .unwrap();
    let queue = env
        .dir
        .create_scope_under(env.root, sales, ScopeKind::Queue, "Sales EN")
        .unwrap();
    let ivr = env
        .dir
        .create_scope(env.root, ScopeKind::Ivr, "Main IVR")
        .unwrap();
    env.dir.assign_scope(env.root, users[1], sales).unwrap();
    env.dir
        .grant_role_in_scope(env.root, users[2], roles[3], lyon)
        .unwrap();
    let g0 = env
        .dir
        .create_group(env.root, "Floor", &[roles[1]])
        .unwrap();
    let g1 = env
        .dir
        .create_group(env.root, "Leads", &[roles[3]])
        .unwrap();
    env.dir.add_member(env.root, g0, users[0]).unwrap();
    env.dir.add_member(env.root, g0, users[2]).unwrap();
    env.dir.add_member(env.root, g1, users[3]).unwrap();
    env.dir
        .set_user_teams(env.root, users[0], &[sales])
        .unwrap();
    let ag = env
        .dir
        .create_agreement(env.root, "Main", users[3])
        .unwrap();
    env.dir
        .set_access_level(
            env.root,
            ag,
            users[0],
            Product::VirtualPbx,
            AccessLevel::User,
        )
        .unwrap();
    env.dir
        .link_pbx_subscriber(env.root, ag, users[0], Some("100"))
        .unwrap();
    Fx {
        env,
        users,
        roles,
        groups: vec![g0, g1],
        scopes: vec![lyon, sales, queue, ivr],
        teams: vec![lyon, sales],
        ag,
    }
}

#[derive(Clone, Debug)]
enum Op {
    AssignRole(usize, usize),
    RevokeRole(usize, usize),
    AddMember(usize, usize),
    RemoveMember(usize, usize),
    AddGroupRole(usize, usize),
    RemoveGroupRole(usize, usize),
    SetActive(usize, bool),
    Delete(usize),
    AssignScope(usize, usize),
    UnassignScope(usize, usize),
    GrantInScope(usize, usize, usize),
    RevokeInScope(usize, usize, usize),
    Level(usize, usize, usize),
    Pbx(usize, Option<u8>),
    Teams(usize, usize),
    Create(usize),
    RolePerms(usize, u8),
    DeleteGroup(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let u = 0..4usize;
    let r = 0..5usize;
    let g = 0..2usize;
    let s = 0..4usize;
    prop_oneof![
        (u.clone(), r.clone()).prop_map(|(a, b)| Op::AssignRole(a, b)),
        (u.clone(), r.clone()).prop_map(|(a, b)| Op::RevokeRole(a, b)),
        (g.clone(), u.clone()).prop_map(|(a, b)| Op::AddMember(a, b)),
        (g.clone(), u.clone()).prop_map(|(a, b)| Op::RemoveMember(a, b)),
        (g.clone(), r.clone()).prop_map(|(a, b)| Op::AddGroupRole(a, b)),
        (g.clone(), r.clone()).prop_map(|(a, b)| Op::RemoveGroupRole(a, b)),
        (u.clone(), any::<bool>()).prop_map(|(a, b)| Op::SetActive(a, b)),
        u.clone().prop_map(Op::Delete),
        (u.clone(), s.clone()).prop_map(|(a, b)| Op::AssignScope(a, b)),
        (u.clone(), s.clone()).prop_map(|(a, b)| Op::UnassignScope(a, b)),
        (u.clone(), r.clone(), s.clone()).prop_map(|(a, b, c)| Op::GrantInScope(a, b, c)),
        (u.clone(), r.clone(), s.clone()).prop_map(|(a, b, c)| Op::RevokeInScope(a, b, c)),
        (u.clone(), 0..7usize, 0..3usize).prop_map(|(a, b, c)| Op::Level(a, b, c)),
        (u.clone(), proptest::option::of(0..3u8)).prop_map(|(a, b)| Op::Pbx(a, b)),
        (u.clone(), 0..3usize).prop_map(|(a, b)| Op::Teams(a, b)),
        r.clone().prop_map(Op::Create),
        (0..2usize, any::<u8>()).prop_map(|(a, b)| Op::RolePerms(a, b)),
        g.prop_map(Op::DeleteGroup),
    ]
}

/// Two custom roles the `RolePerms` op edits.
fn custom_roles(fx: &Fx) -> [RoleId; 2] {
    let d = &fx.env.dir;
    let by = |n: &str| d.role_by_name(fx.env.tenant, n).map(|r| r.id);
    match (by("custom/C0"), by("custom/C1")) {
        (Ok(a), Ok(b)) => [a, b],
        _ => unreachable!(),
    }
}

fn run(fx: &Fx, d: &Directory, op: &Op) -> Result<(), Error> {
    let root = fx.env.root;
    let (u, r, g, s) = (&fx.users, &fx.roles, &fx.groups, &fx.scopes);
    match *op {
        Op::AssignRole(a, b) => d.assign_role(root, u[a], r[b]),
        Op::RevokeRole(a, b) => d.revoke_role(root, u[a], r[b]),
        Op::AddMember(a, b) => d.add_member(root, g[a], u[b]),
        Op::RemoveMember(a, b) => d.remove_member(root, g[a], u[b]),
        Op::AddGroupRole(a, b) => d.add_group_role(root, g[a], r[b]),
        Op::RemoveGroupRole(a, b) => d.remove_group_role(root, g[a], r[b]),
        Op::SetActive(a, b) => d.set_active(root, u[a], b),
        Op::Delete(a) => d.delete_user(root, u[a]),
        Op::AssignScope(a, b) => d.assign_scope(root, u[a], s[b]),
        Op::UnassignScope(a, b) => d.unassign_scope(root, u[a], s[b]),
        Op::GrantInScope(a, b, c) => d.grant_role_in_scope(root, u[a], r[b], s[c]),
        Op::RevokeInScope(a, b, c) => d.revoke_role_in_scope(root, u[a], r[b], s[c]),
        Op::Level(a, p, l) => d.set_access_level(
            root,
            fx.ag,
            u[a],
            Product::ALL[p],
            [
                AccessLevel::NoAccess,
                AccessLevel::User,
                AccessLevel::Administrator,
            ][l],
        ),
        Op::Pbx(a, sub) => {
            let sub = sub.map(|x| format!("20{x}"));
            d.link_pbx_subscriber(root, fx.ag, u[a], sub.as_deref())
        }
        Op::Teams(a, t) => {
            let teams: Vec<ScopeId> = fx.teams.iter().copied().take(t).collect();
            d.set_user_teams(root, u[a], &teams)
        }
        Op::Create(b) => d
            .create_user(
                root,
                &NewUser::new("New", "User", "new@acme.test").roles([r[b]]),
            )
            .map(|_| ()),
        Op::RolePerms(a, bits) => {
            let role = custom_roles(fx)[a];
            let all: Vec<Permission> = CATALOGUE.iter().map(|(p, _)| *p).collect();
            let perms = (0..8)
                .filter(|i| bits & (1 << i) != 0)
                .map(|i| all[i * 3 % all.len()])
                .fold(Permission::empty(), |acc, p| acc | p);
            let patch = RolePatch {
                permissions: Some(perms),
                ..RolePatch::default()
            };
            d.update_role(root, role, &patch)
        }
        Op::DeleteGroup(a) => d.delete_group(root, g[a]),
    }
}

/// Everything checks answer about `user`, as an impact entry would list it when gained.
#[derive(Default, PartialEq, Debug)]
struct Seen {
    exists: bool,
    active: bool,
    email: String,
    rights: BTreeSet<Right>,
    scopes: BTreeSet<ScopeRef>,
    teams: BTreeSet<ScopeRef>,
    levels: Vec<AccessLevel>,
    pbx: BTreeSet<PbxLink>,
}

fn seen(dir: &Directory, fx: &Fx, names: &dyn Fn(ScopeId) -> ScopeRef, user: UserId) -> Seen {
    let Ok(rec) = dir.user(user) else {
        return Seen {
            levels: vec![AccessLevel::NoAccess; 7],
            ..Seen::default()
        };
    };
    let mut s = Seen {
        exists: true,
        active: rec.active,
        email: rec.email.clone(),
        ..Seen::default()
    };
    for (p, name) in CATALOGUE {
        match dir.allowed_scopes(user, *p).unwrap() {
            ScopeAccess::All => {
                s.rights.insert(Right {
                    permission: (*name).into(),
                    scope: None,
                });
            }
            ScopeAccess::Only(set) => {
                // The topmost scopes of the set: those whose parent is not in it.
                for sc in &set {
                    let parent = dir.scope(*sc).unwrap().parent;
                    if parent.is_none_or(|p| !set.contains(&p)) {
                        s.rights.insert(Right {
                            permission: (*name).into(),
                            scope: Some(names(*sc)),
                        });
                    }
                }
            }
        }
    }
    if rec.active {
        s.scopes = rec.scopes.iter().map(|x| names(*x)).collect();
        s.teams = rec.teams.iter().map(|x| names(*x)).collect();
    }
    s.levels = Product::ALL
        .iter()
        .map(|p| dir.access_level(fx.ag, user, *p))
        .collect();
    if let Some(sub) = dir.pbx_subscriber(fx.ag, user).unwrap() {
        if dir.may_listen_recordings(fx.ag, user, &sub) {
            s.pbx.insert(PbxLink {
                agreement: fx.ag,
                agreement_name: "Main".into(),
                subscriber: sub,
            });
        }
    }
    s
}

/// What `y` holds that `x` does not, sorted.
fn d<T: Ord + Clone>(x: &BTreeSet<T>, y: &BTreeSet<T>) -> Vec<T> {
    y.difference(x).cloned().collect()
}

/// The impact computed from what checks answer on two directories, over every user.
fn observed(fx: &Fx, before: &Directory, after: &Directory, users: &[UserId]) -> Vec<UserImpact> {
    let names = |id: ScopeId| ScopeRef {
        id,
        name: before.scope(id).unwrap().name,
    };
    let mut out = Vec::new();
    for u in users {
        let (b, a) = (seen(before, fx, &names, *u), seen(after, fx, &names, *u));
        let lifecycle = match (b.exists, a.exists, b.active, a.active) {
            (false, false, ..) => continue,
            (false, true, ..) => Lifecycle::Created,
            (true, false, ..) => Lifecycle::Deleted,
            (_, _, false, true) => Lifecycle::Activated,
            (_, _, true, false) => Lifecycle::Deactivated,
            _ => Lifecycle::Unchanged,
        };
        let ui = UserImpact {
            user: *u,
            email: if a.exists {
                a.email.clone()
            } else {
                b.email.clone()
            },
            lifecycle,
            rights_gained: d(&b.rights, &a.rights),
            rights_lost: d(&a.rights, &b.rights),
            scopes_gained: d(&b.scopes, &a.scopes),
            scopes_lost: d(&a.scopes, &b.scopes),
            teams_gained: d(&b.teams, &a.teams),
            teams_lost: d(&a.teams, &b.teams),
            levels: Product::ALL
                .iter()
                .enumerate()
                .filter(|(i, _)| b.levels[*i] != a.levels[*i])
                .map(|(i, p)| LevelChange {
                    agreement: fx.ag,
                    agreement_name: "Main".into(),
                    product: *p,
                    before: b.levels[i],
                    after: a.levels[i],
                })
                .collect(),
            pbx_gained: d(&b.pbx, &a.pbx),
            pbx_lost: d(&a.pbx, &b.pbx),
        };
        if !ui.is_empty() {
            out.push(ui);
        }
    }
    out
}

fn with_custom_roles(fx: &Fx) {
    for n in ["C0", "C1"] {
        fx.env.custom_role(n, Permission::CAMPAIGNS_VIEW);
    }
    let c = custom_roles(fx);
    fx.env
        .dir
        .assign_role(fx.env.root, fx.users[0], c[0])
        .unwrap();
    fx.env
        .dir
        .add_group_role(fx.env.root, fx.groups[1], c[1])
        .unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn the_impact_equals_the_difference_checks_see(setup in proptest::collection::vec(op(), 0..4), last in op()) {
        let plan_fx = fixture();
        let real_fx = fixture();
        with_custom_roles(&plan_fx);
        with_custom_roles(&real_fx);
        // A few random changes first, the same on both.
        for o in &setup {
            let a = run(&plan_fx, &plan_fx.env.dir, o).map_err(|e| e.kind());
            let b = run(&real_fx, &real_fx.env.dir, o).map_err(|e| e.kind());
            prop_assert_eq!(a, b);
        }
        let (planner, real) = (&plan_fx.env.dir, &real_fx.env.dir);
        let before = capture(real);
        let planned = planner.simulate(|d| run(&plan_fx, d, &last));
        // A copy of the real directory's state before, to compare against after applying.
        let reference = fixture();
        with_custom_roles(&reference);
        for o in &setup {
            let _ = run(&reference, &reference.env.dir, o);
        }
        let applied = run(&real_fx, real, &last);
        match (planned, applied) {
            (Err(e), Err(f)) => {
                prop_assert_eq!(e.kind(), f.kind());
                prop_assert_eq!(capture(real), before);
            }
            (Ok(plan), Ok(())) => {
                let mut users: Vec<UserId> = real_fx.users.clone();
                users.push(plan_fx.env.root);
                // The id a creation took, if any.
                users.extend(
                    real.search_users(real_fx.env.tenant, &Default::default()).unwrap().items.iter().map(|u| u.id),
                );
                users.sort();
                users.dedup();
                let expected = observed(&real_fx, &reference.env.dir, real, &users);
                prop_assert_eq!(&plan.impact.users, &expected, "\n{}", plan.impact);
                prop_assert!(plan.impact.changed || expected.is_empty());
                prop_assert_eq!(plan.impact.revision, reference.env.dir.revision());
            }
            (p, a) => prop_assert!(false, "simulated {:?} but applied {:?}", p.map(|s| s.impact), a),
        }
    }
}

#[test]
fn an_impact_round_trips_through_json() {
    let env = Env::new(&[Preset::Managers]);
    let (bob, _, _) = loaded_user(&env);
    let plan = env.dir.simulate(|d| d.delete_user(env.root, bob)).unwrap();
    let json = serde_json::to_string(&plan.impact).unwrap();
    assert!(json.contains("\"lifecycle\":\"deleted\""), "{json}");
    let back: Impact = serde_json::from_str(&json).unwrap();
    assert_eq!(back, plan.impact);
}

#[test]
fn a_fork_driven_step_by_step_reports_everything_done_on_it() {
    let env = Env::new(&[Preset::Managers]);
    let bob = env.user("bob", &[]);
    let ann = env.user("ann", &[]);
    let err = env.dir.impact().unwrap_err();
    assert_eq!(err.kind(), "invalid_argument");
    let fork = env.dir.fork().unwrap();
    assert!(fork.impact().unwrap().users.is_empty());
    fork.assign_role(env.root, bob, env.role("Operator"))
        .unwrap();
    fork.assign_role(env.root, ann, env.role("Viewer")).unwrap();
    let impact = fork.impact().unwrap();
    let users: Vec<UserId> = impact.users.iter().map(|u| u.user).collect();
    assert_eq!((users, impact.commits), (vec![bob, ann], 2));
    // Its audit log holds its own changes only, and the original's nothing of them.
    assert_eq!(env.dir.revision() + 2, fork.revision());
    assert!(!env.dir.check(bob, Permission::CAMPAIGNS_VIEW));
    assert!(fork.check(bob, Permission::CAMPAIGNS_VIEW));
    // Undone on the fork: no impact left, though two more commits were made.
    fork.revoke_role(env.root, bob, env.role("Operator"))
        .unwrap();
    fork.revoke_role(env.root, ann, env.role("Viewer")).unwrap();
    let impact = fork.impact().unwrap();
    assert!(impact.is_empty() && impact.changed && impact.commits == 4);
    fork.close();
    assert_eq!(fork.impact().unwrap_err().kind(), "closed");
}

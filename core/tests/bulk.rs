//! Bulk building: a user created with its groups, and many members added at once. Each is one
//! atomic commit under exactly the rules of `add_member`: the same refusals, and a refusal
//! changes nothing.

mod common;

use common::{perms, refused, Env};
use rolecall::{AuditAction, AuditQuery, Error, GroupId, NewUser, Permission, Preset, UserId};

/// A group administrator holding groups.* and users.manage, plus campaigns.view.
fn group_admin(env: &Env) -> UserId {
    let r = env.custom_role(
        "Group admin",
        perms(&[
            "groups.view",
            "groups.manage",
            "users.manage",
            "campaigns.view",
        ]),
    );
    env.user_with(env.root, "gary", &[r])
}

fn new(login: &str) -> NewUser {
    NewUser::new(login, "Tester", format!("{login}@acme.test"))
}

fn audited(env: &Env, action: AuditAction) -> Vec<rolecall::AuditEvent> {
    env.dir
        .audit_events(&AuditQuery {
            action: Some(action),
            ..AuditQuery::default()
        })
        .unwrap()
        .items
}

#[test]
fn add_members_adds_many_in_one_commit_skipping_repeats_and_members() {
    let env = Env::new(&[Preset::Managers]);
    let g = env
        .dir
        .create_group(env.root, "Floor", &[env.role("Viewer")])
        .unwrap();
    let a = env.user("amy", &[]);
    let b = env.user("bob", &[]);
    let c = env.user("cat", &[]);
    env.dir.add_member(env.root, g, b).unwrap();
    let before = env.dir.revision();
    env.dir.add_members(env.root, g, &[c, a, b, c]).unwrap();
    assert_eq!(env.dir.revision(), before + 1, "one commit");
    assert_eq!(env.dir.group_members(g).unwrap(), vec![a, b, c]);
    assert!(env.dir.check(a, Permission::CAMPAIGNS_VIEW));
    let events = audited(&env, AuditAction::AddMembers);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].revision, Some(before + 1));
    // Nothing new: no commit, no event.
    env.dir.add_members(env.root, g, &[a, b]).unwrap();
    env.dir.add_members(env.root, g, &[]).unwrap();
    assert_eq!(env.dir.revision(), before + 1);
    assert_eq!(audited(&env, AuditAction::AddMembers).len(), 1);
}

/// Every refusal of `add_member`, reached through `add_members` with the offending user among
/// acceptable ones: the same error, and nothing changes (not even the acceptable ones join).
#[test]
fn add_members_refuses_as_add_member_does_and_changes_nothing() {
    let env = Env::new(&[Preset::Dashboard]);
    let ga = group_admin(&env);
    let plain = env.dir.create_group(env.root, "Plain", &[]).unwrap();
    let supervisors = env
        .dir
        .create_group(env.root, "Supervisors", &[env.role("Supervisor")])
        .unwrap();
    let admins = env
        .dir
        .create_group(env.root, "Admins", &[env.role("Admin")])
        .unwrap();
    let ok1 = env.user("ok1", &[]);
    let ok2 = env.user("ok2", &[]);
    let admin = env.user("ann", &["Admin"]);
    let nobody = env.user("nobody", &[]); // no groups.manage
    let (_, other_root) = env.other_tenant(&[]);
    let foreign = env
        .dir
        .create_user(other_root, &NewUser::new("Fay", "Far", "fay@globex.test"))
        .unwrap();
    let ghost = UserId(9_999);
    let ghost_group = GroupId(9_999);
    let cases: Vec<(&str, UserId, GroupId, UserId)> = vec![
        ("no groups.manage", nobody, plain, ok1),
        ("unknown group", ga, ghost_group, ok1),
        ("unknown user", ga, plain, ghost),
        ("user of another tenant", ga, plain, foreign),
        ("the superadministrator", ga, plain, env.root),
        ("an administrator", ga, plain, admin),
        ("escalation", ga, supervisors, ok2),
        ("administrator-tier group role", ga, admins, ok2),
    ];
    for (what, actor, group, bad) in cases {
        let one = refused(&env.dir, |d| d.add_member(actor, group, bad));
        let many = refused(&env.dir, |d| d.add_members(actor, group, &[ok1, bad, ok2]));
        assert_eq!(many, one, "{what}");
        let events = audited(&env, AuditAction::AddMembers);
        if matches!(
            one,
            Error::PermissionDenied { .. } | Error::Escalation { .. }
        ) {
            assert_eq!(
                events.last().map(|e| e.outcome.as_str()),
                Some(one.kind()),
                "{what}: the refusal is audited"
            );
        }
    }
}

#[test]
fn a_user_is_created_with_its_groups_in_one_commit() {
    let env = Env::new(&[Preset::Managers]);
    let viewers = env
        .dir
        .create_group(env.root, "Viewers", &[env.role("Viewer")])
        .unwrap();
    let floor = env.dir.create_group(env.root, "Floor", &[]).unwrap();
    let before = env.dir.revision();
    let u = env
        .dir
        .create_user(env.root, &new("tom").groups([floor, viewers, floor]))
        .unwrap();
    assert_eq!(env.dir.revision(), before + 1);
    assert_eq!(env.dir.user_groups(u).unwrap(), vec![viewers, floor]);
    assert!(env.dir.check(u, Permission::CAMPAIGNS_VIEW));

    let many = env
        .dir
        .create_users(
            env.root,
            &[
                new("amy").groups([floor]),
                new("bob"),
                new("cat").groups([viewers]),
            ],
        )
        .unwrap();
    assert_eq!(env.dir.revision(), before + 2);
    assert_eq!(env.dir.group_members(floor).unwrap(), vec![u, many[0]]);
    assert_eq!(env.dir.group_members(viewers).unwrap(), vec![u, many[2]]);
}

/// Creating a user with a group is refused exactly when adding that user to it would be.
#[test]
fn a_user_created_with_groups_meets_every_rule_of_add_member() {
    let env = Env::new(&[Preset::Dashboard]);
    let ga = group_admin(&env);
    let plain = env.dir.create_group(env.root, "Plain", &[]).unwrap();
    let supervisors = env
        .dir
        .create_group(env.root, "Supervisors", &[env.role("Supervisor")])
        .unwrap();
    let admins = env
        .dir
        .create_group(env.root, "Admins", &[env.role("Admin")])
        .unwrap();
    let (_, other_root) = env.other_tenant(&[]);
    let foreign = env.dir.create_group(other_root, "Theirs", &[]).unwrap();
    // A user manager without groups.manage.
    let um = env.custom_role("User manager", perms(&["users.manage"]));
    let um = env.user_with(env.root, "uma", &[um]);
    let probe = env.user("probe", &[]);
    let cases: Vec<(&str, UserId, GroupId)> = vec![
        ("no groups.manage", um, plain),
        ("unknown group", ga, GroupId(9_999)),
        ("group of another tenant", ga, foreign),
        ("escalation", ga, supervisors),
        ("administrator-tier group role", ga, admins),
    ];
    for (what, actor, group) in cases {
        let one = refused(&env.dir, |d| d.add_member(actor, group, probe));
        let created = refused(&env.dir, |d| {
            d.create_user(actor, &new("newbie").groups([plain, group]))
        });
        assert_eq!(created, one, "{what}");
        let batch = refused(&env.dir, |d| {
            d.create_users(actor, &[new("first"), new("second").groups([group])])
        });
        assert_eq!(batch, one, "{what} (create_users)");
    }
    // An administrator-tier role given directly makes the new user an administrator: only the
    // superadministrator may then put it in groups (it alone may create it anyway).
    let admin_role = env.role("Admin");
    let err = refused(&env.dir, |d| {
        d.create_user(ga, &new("newadmin").roles([admin_role]).groups([plain]))
    });
    assert!(matches!(err, Error::SuperadminOnly { .. }), "{err:?}");
    let made = env
        .dir
        .create_user(
            env.root,
            &new("newadmin").roles([admin_role]).groups([admins, plain]),
        )
        .unwrap();
    assert_eq!(env.dir.user_groups(made).unwrap(), vec![plain, admins]);
}

#[test]
fn a_superadministrator_cannot_be_created_with_groups() {
    let env = Env::new(&[]);
    let err = env
        .dir
        .create_tenant(
            "Globex",
            &NewUser::new("Gus", "Root", "root@globex.test").groups([GroupId(1)]),
            &[],
        )
        .unwrap_err();
    assert_eq!(err.kind(), "invalid_argument");
    assert_eq!(env.dir.tenants().len(), 1);
}

/// Creating a user with call groups is refused exactly when giving an existing user the same
/// roles and then those call groups would be; its roles are then granted within them.
#[test]
fn a_user_created_with_call_groups_meets_the_rules_of_set_user_scopes() {
    let env = Env::new(&[Preset::Dashboard]);
    let a = env
        .dir
        .create_scope(env.root, rolecall::ScopeKind::CallGroup, "A")
        .unwrap();
    let b = env
        .dir
        .create_scope(env.root, rolecall::ScopeKind::CallGroup, "B")
        .unwrap();
    let (_, other_root) = env.other_tenant(&[]);
    let theirs = env
        .dir
        .create_scope(other_root, rolecall::ScopeKind::CallGroup, "Theirs")
        .unwrap();
    // A manager of users holding the Supervisor's (scoped) rights in call group A only.
    let um = env.custom_role("User manager", perms(&["users.manage", "groups.manage"]));
    let sup = env.role("Supervisor");
    let boss = env.user_with(env.root, "boss", &[um, sup]);
    env.dir.set_user_scopes(env.root, boss, &[a]).unwrap();
    let supervisors = env.dir.create_group(env.root, "Sup", &[sup]).unwrap();
    let probe = env.user_with(boss, "probe", &[sup]);
    let cases: Vec<(&str, Vec<rolecall::ScopeId>)> = vec![
        ("unknown call group", vec![rolecall::ScopeId(9_999)]),
        ("call group of another tenant", vec![theirs]),
        ("a call group the actor holds nothing in", vec![a, b]),
    ];
    for (what, scopes) in cases {
        let one = refused(&env.dir, |d| d.set_user_scopes(boss, probe, &scopes));
        let created = refused(&env.dir, |d| {
            d.create_user(
                boss,
                &new("newbie").roles([sup]).scopes(scopes.iter().copied()),
            )
        });
        assert_eq!(created, one, "{what}");
    }
    // Through a group: the group's scoped role is granted within the new user's call groups.
    let err = refused(&env.dir, |d| {
        d.create_user(boss, &new("newbie").groups([supervisors]).scopes([b]))
    });
    assert!(matches!(err, Error::Escalation { .. }), "{err:?}");
    let u = env
        .dir
        .create_user(boss, &new("newbie").groups([supervisors]).scopes([a]))
        .unwrap();
    assert_eq!(
        env.dir
            .user(u)
            .unwrap()
            .scopes
            .into_iter()
            .collect::<Vec<_>>(),
        vec![a]
    );
    assert!(env.dir.check_scoped(u, Permission::DASHBOARD_ANALYTICS, a));
    assert!(!env.dir.check_scoped(u, Permission::DASHBOARD_ANALYTICS, b));
}

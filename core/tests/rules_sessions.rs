//! Rules of §2 about what an access change does to the user's sessions and notifications:
//! a changed email is notified; a user's security stamp changes (invalidating its sessions)
//! when its access shrinks (roles, groups, deactivation) and not when it grows or stays
//! (settled rule 5).

mod common;

use common::{refused, Env};
use rolecall::{Notification, Permission, Preset, RolePatch, UserId, UserPatch};

fn stamp(env: &Env, u: UserId) -> u64 {
    env.dir.security_stamp(u).unwrap()
}

#[test]
fn changing_an_email_emits_a_notification() {
    let env = Env::new(&[Preset::Managers]);
    let bob = env.user("bob", &[]);
    env.dir.drain_notifications();
    env.dir
        .update_user(
            env.root,
            bob,
            &UserPatch {
                email: Some("robert@acme.test".into()),
                ..UserPatch::default()
            },
        )
        .unwrap();
    assert_eq!(
        env.dir.drain_notifications(),
        vec![Notification::EmailChanged {
            user: bob,
            old_email: "bob@acme.test".into(),
            email: "robert@acme.test".into(),
        }]
    );
    // One shape for every kind: `email` is where to write, the new address here.
    let n = Notification::EmailChanged {
        user: bob,
        old_email: "bob@acme.test".into(),
        email: "robert@acme.test".into(),
    };
    assert_eq!(
        (n.user(), n.email(), n.kind()),
        (bob, "robert@acme.test", "email_changed")
    );
    // A refused change notifies nobody; nor does an edit that leaves the email alone.
    env.user("ann", &[]);
    refused(&env.dir, |d| {
        d.update_user(
            env.root,
            bob,
            &UserPatch {
                email: Some("ANN@acme.test".into()),
                ..UserPatch::default()
            },
        )
    });
    env.dir
        .update_user(
            env.root,
            bob,
            &UserPatch {
                first_name: Some("Robert".into()),
                ..UserPatch::default()
            },
        )
        .unwrap();
    assert_eq!(env.dir.drain_notifications(), vec![]);
}

#[test]
fn losing_access_invalidates_the_users_sessions_and_gaining_it_does_not() {
    let env = Env::new(&[Preset::Managers]);
    let u = env.user("tom", &[]);
    let g = env.dir.create_group(env.root, "Floor", &[]).unwrap();
    let auditor = env.custom_role("Auditor", Permission::REPORTS_VIEW);
    type Step<'a> = (&'static str, bool, Box<dyn Fn() + 'a>);
    let steps: Vec<Step<'_>> = vec![
        (
            "assign role",
            false,
            Box::new(|| {
                env.dir
                    .assign_role(env.root, u, env.role("Viewer"))
                    .unwrap()
            }),
        ),
        (
            "revoke role",
            true,
            Box::new(|| {
                env.dir
                    .revoke_role(env.root, u, env.role("Viewer"))
                    .unwrap()
            }),
        ),
        (
            "join group",
            false,
            Box::new(|| env.dir.add_member(env.root, g, u).unwrap()),
        ),
        (
            "group gains a role",
            false,
            Box::new(|| env.dir.add_group_role(env.root, g, auditor).unwrap()),
        ),
        (
            "role gains a right",
            false,
            Box::new(|| {
                env.dir
                    .update_role(
                        env.root,
                        auditor,
                        &RolePatch {
                            permissions: Some(Permission::REPORTS_VIEW | Permission::SCRIPTS_VIEW),
                            ..RolePatch::default()
                        },
                    )
                    .unwrap()
            }),
        ),
        (
            "leave group",
            true,
            Box::new(|| env.dir.remove_member(env.root, g, u).unwrap()),
        ),
        (
            "deactivate",
            true,
            Box::new(|| env.dir.set_active(env.root, u, false).unwrap()),
        ),
        (
            "reactivate",
            false,
            Box::new(|| env.dir.set_active(env.root, u, true).unwrap()),
        ),
    ];
    for (what, renews, step) in steps {
        let before = stamp(&env, u);
        let was_active = env.dir.user(u).unwrap().active;
        assert_eq!(env.dir.session_valid(u, before), was_active, "{what}");
        step();
        let after = stamp(&env, u);
        assert_eq!(before != after, renews, "{what}: renews the stamp");
        let active = env.dir.user(u).unwrap().active;
        assert_eq!(
            env.dir.session_valid(u, before),
            active && !renews,
            "{what}"
        );
        if active {
            assert!(env.dir.session_valid(u, after), "{what}");
        }
    }
}

#[test]
fn unrelated_or_refused_changes_keep_the_users_sessions() {
    let env = Env::new(&[Preset::Managers]);
    let u = env.user("tom", &["Viewer"]);
    let other = env.user("vera", &[]);
    let g = env.dir.create_group(env.root, "Floor", &[]).unwrap();
    env.dir.add_member(env.root, g, u).unwrap();
    let manager = env.user("manny", &["Manager"]);
    let before = stamp(&env, u);
    // Another user's access changes.
    env.dir
        .assign_role(env.root, other, env.role("Operator"))
        .unwrap();
    // The group is renamed (no change of rights).
    env.dir.rename_group(env.root, g, "Day shift").unwrap();
    // A no-op and a refused change.
    env.dir
        .assign_role(env.root, u, env.role("Viewer"))
        .unwrap();
    refused(&env.dir, |d| d.set_active(manager, u, false));
    assert_eq!(stamp(&env, u), before);
    assert!(env.dir.session_valid(u, before));
}

#[test]
fn an_inactive_users_session_is_never_valid() {
    let env = Env::new(&[Preset::Managers]);
    let u = env.user("tom", &["Viewer"]);
    env.dir.set_active(env.root, u, false).unwrap();
    let s = stamp(&env, u);
    assert!(!env.dir.session_valid(u, s));
    assert!(!env.dir.session_valid(UserId(9_999), 0));
}

//! Eligible grants, activation and break-glass accounts (issue 16, part 2): eligible →
//! activate (with a justification, for at most the eligible duration) → expire; activation is
//! audited and notified and can end early; a lock does not keep a break-glass account out, and
//! its every use is audited and notified.

mod common;

use std::sync::Arc;

use rolecall::{
    AuditAction, AuditQuery, Directory, Error, ManualClock, NewUser, Notification, PasswordPolicy,
    Permission, ScopeKind, SqliteStore, Window,
};

use common::clocked::{Env, HOUR, T0};

fn env() -> Env {
    Env::new()
}

#[test]
fn eligible_activate_expire() {
    let e = env();
    let mgr = e.role("Manager");
    let tom = e.user("tom", &[]);
    e.dir
        .make_eligible(e.root, tom, mgr, None, 4 * HOUR)
        .unwrap();
    assert!(
        !e.dir.check(tom, Permission::CAMPAIGNS_MANAGE),
        "eligible is not held"
    );
    assert_eq!(e.dir.user(tom).unwrap().eligible.len(), 1);
    e.dir.drain_notifications();

    let w = e
        .dir
        .activate(tom, mgr, None, HOUR, "INC-4711: queue outage")
        .unwrap();
    assert_eq!(w, Window::until(T0 + HOUR));
    assert!(e.dir.check(tom, Permission::CAMPAIGNS_MANAGE));
    let ev = e.events(AuditAction::Activate);
    assert_eq!(ev.len(), 1);
    assert!(
        ev[0].detail.as_deref().unwrap_or("").contains("INC-4711"),
        "{ev:?}"
    );
    let n = e.dir.drain_notifications();
    assert!(
        matches!(&n[..], [Notification::Activated { user, until, justification, .. }]
            if *user == tom && *until == T0 + HOUR && justification == "INC-4711: queue outage"),
        "{n:?}"
    );
    assert_eq!(n[0].kind(), "activated");

    e.clock.set(T0 + HOUR);
    assert!(!e.dir.check(tom, Permission::CAMPAIGNS_MANAGE));
    assert_eq!(e.events(AuditAction::Expired).len(), 1);
    // Still eligible: it may activate again.
    e.dir
        .activate(tom, mgr, None, 2 * HOUR, "INC-4712")
        .unwrap();
    assert!(e.dir.check(tom, Permission::CAMPAIGNS_MANAGE));
}

#[test]
fn activation_is_bounded_justified_and_only_for_the_eligible() {
    let e = env();
    let mgr = e.role("Manager");
    let op = e.role("Operator");
    let tom = e.user("tom", &[]);
    e.dir.make_eligible(e.root, tom, mgr, None, HOUR).unwrap();
    let rev = e.dir.revision();
    let err = e.dir.activate(tom, op, None, HOUR, "why").unwrap_err();
    assert!(matches!(err, Error::NotEligible { .. }), "{err}");
    assert_eq!((err.code(), err.kind()), (415, "not_eligible"));
    let err = e.dir.activate(tom, mgr, None, HOUR + 1, "why").unwrap_err();
    assert_eq!(err.kind(), "invalid_argument");
    let err = e.dir.activate(tom, mgr, None, 0, "why").unwrap_err();
    assert_eq!(err.kind(), "invalid_argument");
    for bad in ["", "   ", "line\nbreak", "\u{202e}evil"] {
        let err = e.dir.activate(tom, mgr, None, HOUR, bad).unwrap_err();
        assert_eq!(err.kind(), "invalid_name", "{bad:?}");
    }
    let err = e
        .dir
        .activate(tom, mgr, None, HOUR, &"x".repeat(1001))
        .unwrap_err();
    assert_eq!(err.kind(), "invalid_name");
    assert_eq!(e.dir.revision(), rev, "refusals change nothing");
    // Another user cannot activate for it; an inactive user cannot activate.
    e.dir.set_active(e.root, tom, false).unwrap();
    let err = e.dir.activate(tom, mgr, None, HOUR, "why").unwrap_err();
    assert_eq!(err.kind(), "actor_inactive");
}

#[test]
fn making_eligible_obeys_the_grant_rules() {
    let e = env();
    let admin = e.role("managers/Admin");
    let mgr = e.role("Manager");
    let boss = e.user("boss", &["managers/Admin"]);
    let tom = e.user("tom", &[]);
    // The administrator tier needs the superadministrator.
    let err = e
        .dir
        .make_eligible(boss, tom, admin, None, HOUR)
        .unwrap_err();
    assert!(
        matches!(err.kind(), "superadmin_only" | "escalation"),
        "{err}"
    );
    // An operator makes nobody eligible.
    let op = e.user("op", &["Operator"]);
    let err = e.dir.make_eligible(op, tom, mgr, None, HOUR).unwrap_err();
    assert_eq!(err.kind(), "permission_denied");
    for bad in [0, -1, rolecall::MAX_ACTIVATION_MS + 1] {
        let err = e
            .dir
            .make_eligible(e.root, tom, mgr, None, bad)
            .unwrap_err();
        assert_eq!(err.kind(), "invalid_argument", "{bad}");
    }
    e.dir.make_eligible(boss, tom, mgr, None, HOUR).unwrap();
    // Setting it again replaces the maximum.
    e.dir.make_eligible(boss, tom, mgr, None, 2 * HOUR).unwrap();
    let el = e.dir.user(tom).unwrap().eligible;
    assert_eq!(el.len(), 1);
    assert_eq!(el.iter().next().unwrap().max_ms, 2 * HOUR);
    e.dir.revoke_eligibility(boss, tom, mgr, None).unwrap();
    let err = e.dir.activate(tom, mgr, None, HOUR, "why").unwrap_err();
    assert_eq!(err.kind(), "not_eligible");
}

#[test]
fn activation_for_a_scope_and_ending_it_early() {
    let e = env();
    let mgr = e.role("Manager");
    let sales = e
        .dir
        .create_scope(e.root, ScopeKind::Queue, "Sales")
        .unwrap();
    let support = e
        .dir
        .create_scope(e.root, ScopeKind::Queue, "Support")
        .unwrap();
    let tom = e.user("tom", &[]);
    e.dir
        .make_eligible(e.root, tom, mgr, Some(sales), 8 * HOUR)
        .unwrap();
    let err = e.dir.activate(tom, mgr, None, HOUR, "why").unwrap_err();
    assert_eq!(err.kind(), "not_eligible", "eligible for Sales only");
    e.dir
        .activate(tom, mgr, Some(sales), 8 * HOUR, "covering the Sales lead")
        .unwrap();
    assert!(e.dir.check_scoped(tom, Permission::CAMPAIGNS_MANAGE, sales));
    assert!(!e
        .dir
        .check_scoped(tom, Permission::CAMPAIGNS_MANAGE, support));
    let stamp = e.dir.security_stamp(tom).unwrap();
    // Ended early by the user itself: sessions end, audited.
    e.dir.end_activation(tom, tom, mgr, Some(sales)).unwrap();
    assert!(!e.dir.check_scoped(tom, Permission::CAMPAIGNS_MANAGE, sales));
    assert!(e.dir.security_stamp(tom).unwrap() > stamp);
    assert_eq!(e.events(AuditAction::EndActivation).len(), 1);
    let err = e
        .dir
        .end_activation(tom, tom, mgr, Some(sales))
        .unwrap_err();
    assert_eq!(err.kind(), "invalid_argument", "nothing left to end");
    // Ended early by an administrator.
    e.dir
        .activate(tom, mgr, Some(sales), HOUR, "again")
        .unwrap();
    let op = e.user("op", &["Operator"]);
    let err = e.dir.end_activation(op, tom, mgr, Some(sales)).unwrap_err();
    assert_eq!(err.kind(), "permission_denied");
    e.dir.end_activation(e.root, tom, mgr, Some(sales)).unwrap();
    assert!(!e.dir.check_scoped(tom, Permission::CAMPAIGNS_MANAGE, sales));
}

#[test]
fn a_permanent_role_is_not_activated_and_deleting_a_role_drops_eligibility() {
    let e = env();
    let mgr = e.role("Manager");
    let tom = e.user("tom", &["Manager"]);
    e.dir.make_eligible(e.root, tom, mgr, None, HOUR).unwrap();
    let err = e.dir.activate(tom, mgr, None, HOUR, "why").unwrap_err();
    assert_eq!(err.kind(), "invalid_argument");
    let custom = e
        .dir
        .create_role(
            e.root,
            &rolecall::NewRole::new("Night", Permission::CAMPAIGNS_CONTROL),
        )
        .unwrap();
    let queue = e
        .dir
        .create_scope(e.root, ScopeKind::Queue, "Night")
        .unwrap();
    e.dir
        .make_eligible(e.root, tom, custom, None, HOUR)
        .unwrap();
    e.dir
        .make_eligible(e.root, tom, mgr, Some(queue), HOUR)
        .unwrap();
    e.dir.delete_role(e.root, custom).unwrap();
    e.dir.delete_scope(e.root, queue).unwrap();
    let el = e.dir.user(tom).unwrap().eligible;
    assert_eq!(el.len(), 1, "{el:?}");
}

#[test]
fn eligibility_and_break_glass_are_stored() {
    let tmp = common::TempDir::new("activation");
    let path = tmp.file("a.db");
    let clock = Arc::new(ManualClock::new(T0));
    let e = Env::on(
        Directory::open_with_clock(SqliteStore::open(&path).unwrap(), clock.clone()).unwrap(),
        clock,
    );
    let mgr = e.role("Manager");
    let q = e.dir.create_scope(e.root, ScopeKind::Queue, "Q").unwrap();
    let tom = e.user("tom", &[]);
    e.dir.make_eligible(e.root, tom, mgr, None, HOUR).unwrap();
    e.dir
        .make_eligible(e.root, tom, mgr, Some(q), 2 * HOUR)
        .unwrap();
    e.dir.set_break_glass(e.root, tom, true).unwrap();
    let before = e.dir.user(tom).unwrap();
    // Deleting the scope drops its eligibility from the file too.
    e.dir.delete_scope(e.root, q).unwrap();
    drop(e);
    let dir = Directory::open_sqlite(&path).unwrap();
    let after = dir.user(tom).unwrap();
    assert!(after.break_glass);
    assert_eq!(after.eligible.len(), 1);
    assert!(before.eligible.is_superset(&after.eligible));
}

#[test]
fn a_lock_does_not_keep_a_break_glass_account_out_and_every_use_is_told() {
    let e = env();
    e.dir
        .set_password_policy(
            e.root,
            &PasswordPolicy {
                max_failed_logins: 2,
                ..PasswordPolicy::default()
            },
        )
        .unwrap();
    let bg = e.user("glass", &["managers/Admin"]);
    let other = e.user("plain", &[]);
    for u in [bg, other] {
        e.dir
            .set_password(e.root, u, "correct horse battery staple", false)
            .unwrap();
    }
    // Only the superadministrator designates break-glass accounts.
    let err = e.dir.set_break_glass(bg, other, true).unwrap_err();
    assert_eq!(err.kind(), "superadmin_only");
    e.dir.set_break_glass(e.root, bg, true).unwrap();
    for (u, email) in [(bg, "glass@acme.test"), (other, "plain@acme.test")] {
        for _ in 0..2 {
            let _ = e.dir.login(e.tenant, email, "wrong password here");
        }
        let _ = u;
    }
    let err = e
        .dir
        .login(e.tenant, "plain@acme.test", "correct horse battery staple")
        .unwrap_err();
    assert_eq!(err.kind(), "account_locked");
    e.dir.drain_notifications();
    // Locked too, yet it logs in.
    assert!(e.dir.credential_status(bg).unwrap().locked_until.is_some());
    e.dir
        .login(e.tenant, "glass@acme.test", "correct horse battery staple")
        .unwrap();
    let n = e.dir.drain_notifications();
    assert!(
        n.iter().any(|n| matches!(n, Notification::BreakGlassUsed { user, action, .. } if *user == bg && action == "login")),
        "{n:?}"
    );
    // And what it does is told too.
    e.dir
        .create_user(bg, &NewUser::new("New", "Hire", "new@acme.test"))
        .unwrap();
    let n = e.dir.drain_notifications();
    assert!(
        n.iter().any(
            |n| matches!(n, Notification::BreakGlassUsed { action, .. } if action == "create_user")
        ),
        "{n:?}"
    );
    assert_eq!(n[0].kind(), "break_glass_used");
    // Every use is audited with the account as its actor.
    let mine = e
        .dir
        .audit_events(&AuditQuery {
            actor: Some(bg),
            ..AuditQuery::default()
        })
        .unwrap()
        .total;
    assert!(mine >= 2, "{mine}");
    // Back to an ordinary account: the lock holds again.
    e.dir.set_break_glass(e.root, bg, false).unwrap();
    for _ in 0..2 {
        let _ = e
            .dir
            .login(e.tenant, "glass@acme.test", "wrong password here");
    }
    let err = e
        .dir
        .login(e.tenant, "glass@acme.test", "correct horse battery staple")
        .unwrap_err();
    assert_eq!(err.kind(), "account_locked");
}

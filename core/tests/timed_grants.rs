//! Time-bound grants (issue 16, part 1): every kind of assignment can carry a validity window;
//! a grant stops counting at its end on every instance, with no writer; the end is audited
//! once, notified and renews the user's security stamp; extending is a grant. Time moves with
//! the library's manual clock, never with sleeps (one test of the real timer polls).

mod common;

use std::sync::Arc;

use rolecall::{
    AccessLevel, Assignment, AuditAction, Directory, Error, ManualClock, NewUser, Notification,
    Permission, Preset, Product, ScopeGrant, ScopeKind, SqliteOptions, SqliteStore, TimedGrant,
    Window,
};

use common::clocked::{Env, HOUR, T0};

fn env() -> Env {
    Env::new()
}

#[test]
fn a_role_granted_until_an_instant_stops_counting_at_it() {
    let e = env();
    let admin = e.role("managers/Admin");
    let tom = e.user("tom", &[]);
    let stamp = e.dir.security_stamp(tom).unwrap();
    e.role_until(e.root, tom, admin, T0 + HOUR).unwrap();
    assert!(e.dir.check(tom, Permission::USERS_MANAGE));
    assert_eq!(e.dir.snapshot().valid_until(), Some(T0 + HOUR));
    let u = e.dir.user(tom).unwrap();
    assert_eq!(
        u.windows.get(&Assignment::Role(admin)),
        Some(&Window::until(T0 + HOUR))
    );
    e.dir.drain_notifications();

    e.clock.set(T0 + HOUR - 1);
    assert!(e.dir.check(tom, Permission::USERS_MANAGE), "still in force");
    assert_eq!(e.events(AuditAction::Expired).len(), 0);
    e.clock.set(T0 + HOUR);
    assert!(
        !e.dir.check(tom, Permission::USERS_MANAGE),
        "ended at its instant"
    );
    // Recorded once: the role is gone, audited, notified, sessions ended.
    let u = e.dir.user(tom).unwrap();
    assert!(!u.roles.contains(&admin) && u.windows.is_empty());
    assert_eq!(e.events(AuditAction::Expired).len(), 1);
    let n = e.dir.drain_notifications();
    assert!(
        matches!(n.as_slice(), [Notification::GrantExpired { user, assignment: Assignment::Role(r), .. }] if *user == tom && *r == admin),
        "{n:?}"
    );
    assert_eq!(n[0].kind(), "grant_expired");
    assert!(e.dir.security_stamp(tom).unwrap() > stamp);
    assert!(!e.dir.session_valid(tom, stamp));
    // Moving time again records nothing more.
    e.clock.advance(HOUR);
    assert_eq!(e.events(AuditAction::Expired).len(), 1);
    assert_eq!(e.dir.snapshot().valid_until(), None);
}

#[test]
fn a_grant_starting_later_counts_from_its_start() {
    let e = env();
    let sup = e.role("Manager");
    let ann = e.user("ann", &[]);
    let shift = Window::between(T0 + HOUR, T0 + 9 * HOUR);
    e.dir
        .grant_for(e.root, ann, &TimedGrant::Role(sup), shift)
        .unwrap();
    let p = e.dir.role(sup).unwrap().permissions;
    assert!(!e.dir.check(ann, p), "not yet");
    assert!(!e.dir.effective_permissions(ann).unwrap().intersects(p));
    e.clock.set(T0 + HOUR);
    assert!(e.dir.check(ann, p), "from its start");
    e.clock.set(T0 + 9 * HOUR + 1);
    assert!(!e.dir.check(ann, p));
    assert_eq!(e.events(AuditAction::Expired).len(), 1);
}

#[test]
fn every_kind_of_assignment_can_be_time_bound() {
    let e = env();
    let ops = e.role("Operator");
    let sup = e.role("Manager");
    let group = e.dir.create_group(e.root, "Night shift", &[ops]).unwrap();
    let queue = e
        .dir
        .create_scope(e.root, ScopeKind::Queue, "Sales")
        .unwrap();
    let cg = e
        .dir
        .create_scope(e.root, ScopeKind::CallGroup, "Support")
        .unwrap();
    let scoped = e.role("dashboard/Supervisor");
    let kim = e.user("kim", &["dashboard/Supervisor"]);
    let owner = e.user("owner", &[]);
    let ag = e.dir.create_agreement(e.root, "Main", owner).unwrap();
    let end = Window::until(T0 + HOUR);
    let grants = [
        TimedGrant::Group(group),
        TimedGrant::ScopeRole(ScopeGrant {
            role: sup,
            scope: queue,
        }),
        TimedGrant::Scope(cg),
        TimedGrant::Level {
            agreement: ag,
            product: Product::Core,
            level: AccessLevel::User,
        },
        TimedGrant::Pbx {
            agreement: ag,
            subscriber: "kim-101".into(),
        },
    ];
    for g in &grants {
        e.dir.grant_for(e.root, kim, g, end).unwrap();
    }
    let scoped_p = e.dir.role(scoped).unwrap().permissions;
    let sup_p = e.dir.role(sup).unwrap().permissions;
    let ops_p = e.dir.role(ops).unwrap().permissions;
    assert!(e.dir.check(kim, ops_p));
    assert!(e.dir.check_scoped(kim, sup_p, queue));
    assert!(e.dir.check_scoped(kim, scoped_p, cg));
    assert_eq!(
        e.dir.access_level(ag, kim, Product::Core),
        AccessLevel::User
    );
    assert_eq!(
        e.dir.pbx_subscriber(ag, kim).unwrap().as_deref(),
        Some("kim-101")
    );
    assert_eq!(e.dir.user(kim).unwrap().windows.len(), 5);

    e.clock.set(T0 + HOUR);
    assert!(!e.dir.check(kim, ops_p));
    assert!(!e.dir.check_scoped(kim, sup_p, queue));
    assert!(!e.dir.check_scoped(kim, scoped_p, cg));
    assert_eq!(
        e.dir.access_level(ag, kim, Product::Core),
        AccessLevel::NoAccess
    );
    assert_eq!(e.dir.pbx_subscriber(ag, kim).unwrap(), None);
    assert!(e.dir.group_members(group).unwrap().is_empty());
    let u = e.dir.user(kim).unwrap();
    assert!(u.windows.is_empty() && u.grants.is_empty() && u.scopes.is_empty());
    assert_eq!(u.roles.len(), 1, "the permanent role stays");
    let n = e.dir.drain_notifications();
    let expired = n.iter().filter(|n| n.kind() == "grant_expired").count();
    assert_eq!(expired, 5, "{n:?}");
}

#[test]
fn extending_is_a_grant_and_obeys_the_no_escalation_rule() {
    let e = env();
    let admin = e.role("managers/Admin");
    let sup = e.role("Manager");
    // A supervisor-level manager may grant Supervisor but not Administrator.
    let boss = e.user("boss", &["managers/Admin"]);
    let ann = e.user("ann", &[]);
    e.role_until(e.root, ann, admin, T0 + HOUR).unwrap();
    // Extending the administrator grant needs the superadministrator (administrator tier).
    let err = e.role_until(boss, ann, admin, T0 + 2 * HOUR).unwrap_err();
    assert_eq!(err.kind(), "administrator_protected", "{err}");
    assert_eq!(
        e.dir.user(ann).unwrap().windows[&Assignment::Role(admin)],
        Window::until(T0 + HOUR),
        "unchanged"
    );
    let ann = e.user("bob", &[]);
    e.role_until(boss, ann, sup, T0 + HOUR).unwrap();
    e.role_until(boss, ann, sup, T0 + 5 * HOUR).unwrap();
    // An operator extends nothing.
    let op = e.user("op", &["Operator"]);
    let err = e.role_until(op, ann, sup, T0 + 6 * HOUR).unwrap_err();
    assert_eq!(err.kind(), "permission_denied");
    // Making it permanent is also a grant, and works.
    e.dir
        .grant_for(boss, ann, &TimedGrant::Role(sup), Window::ALWAYS)
        .unwrap();
    assert!(!e
        .dir
        .user(ann)
        .unwrap()
        .windows
        .contains_key(&Assignment::Role(sup)));
    e.clock.set(T0 + 10 * HOUR);
    let p = e.dir.role(sup).unwrap().permissions;
    assert!(e.dir.check(ann, p));
}

#[test]
fn extending_for_a_user_who_holds_more_than_the_actor_is_refused() {
    let e = env();
    let ops = e.role("Operator");
    let group = e
        .dir
        .create_group(e.root, "Billing", &[e.role("managers/Admin")])
        .unwrap();
    let ann = e.user("ann", &[]);
    e.until(e.root, ann, &TimedGrant::Group(group), T0 + HOUR)
        .unwrap();
    let mgr = e.user("mgr", &["Manager"]);
    let err = e
        .until(mgr, ann, &TimedGrant::Group(group), T0 + 2 * HOUR)
        .unwrap_err();
    assert!(
        matches!(
            err.kind(),
            "escalation" | "permission_denied" | "superadmin_only"
        ),
        "{err}"
    );
    let _ = ops;
}

#[test]
fn bad_windows_are_refused_and_change_nothing() {
    let e = env();
    let sup = e.role("Manager");
    let ann = e.user("ann", &[]);
    let rev = e.dir.revision();
    for w in [
        Window::between(T0 + 2 * HOUR, T0 + HOUR),
        Window::between(T0 + HOUR, T0 + HOUR),
        Window::until(T0),
        Window::until(T0 - 1),
    ] {
        let err = e
            .dir
            .grant_for(e.root, ann, &TimedGrant::Role(sup), w)
            .unwrap_err();
        assert!(matches!(err, Error::InvalidWindow { .. }), "{w:?}: {err}");
        assert_eq!(err.code(), 117);
    }
    let ag = e.dir.create_agreement(e.root, "Main", e.root).unwrap();
    let err = e
        .dir
        .grant_for(
            e.root,
            ann,
            &TimedGrant::Level {
                agreement: ag,
                product: Product::Core,
                level: AccessLevel::NoAccess,
            },
            Window::until(T0 + HOUR),
        )
        .unwrap_err();
    assert_eq!(err.kind(), "invalid_argument");
    assert_eq!(e.dir.revision(), rev + 1, "only the agreement was created");
    assert!(e.dir.user(ann).unwrap().windows.is_empty());
}

#[test]
fn a_plain_grant_after_a_time_bound_one_is_permanent() {
    let e = env();
    let ops = e.role("Operator");
    let group = e.dir.create_group(e.root, "Night shift", &[ops]).unwrap();
    let ann = e.user("ann", &[]);
    e.until(e.root, ann, &TimedGrant::Group(group), T0 + HOUR)
        .unwrap();
    // Taken out early, then put back by a plain add: permanent, no window left behind.
    e.dir.remove_member(e.root, group, ann).unwrap();
    e.dir.add_member(e.root, group, ann).unwrap();
    assert!(e.dir.user(ann).unwrap().windows.is_empty());
    e.clock.set(T0 + 2 * HOUR);
    assert!(e.dir.check(ann, e.dir.role(ops).unwrap().permissions));
    // Revoking a time-bound role drops its window.
    let sup = e.role("Manager");
    e.role_until(e.root, ann, sup, T0 + 3 * HOUR).unwrap();
    e.dir.revoke_role(e.root, ann, sup).unwrap();
    assert!(e.dir.user(ann).unwrap().windows.is_empty());
}

#[test]
fn expiry_is_recorded_once_across_instances_and_survives_reopening() {
    let dir = common::TempDir::new("timed");
    let path = dir.file("timed.db");
    let clock = Arc::new(ManualClock::new(T0));
    let a = Directory::open_with_clock(SqliteStore::open(&path).unwrap(), clock.clone()).unwrap();
    let e = Env::on(a, clock.clone());
    let sup = e.role("Manager");
    let ann = e.user("ann", &[]);
    e.role_until(e.root, ann, sup, T0 + HOUR).unwrap();
    let p = e.dir.role(sup).unwrap().permissions;
    // A second instance on the same file, on its own clock.
    let clock_b = Arc::new(ManualClock::new(T0));
    let b = Directory::open_with_clock(SqliteStore::open(&path).unwrap(), clock_b.clone()).unwrap();
    assert!(b.check(ann, p));
    assert_eq!(
        b.user(ann).unwrap().windows[&Assignment::Role(sup)],
        Window::until(T0 + HOUR),
        "the window is stored"
    );
    // Each instance answers no at the instant, by itself.
    clock_b.set(T0 + HOUR);
    assert!(!b.check(ann, p));
    clock.set(T0 + HOUR);
    assert!(!e.dir.check(ann, p));
    // Recorded once between them.
    assert_eq!(e.events(AuditAction::Expired).len(), 1);
    drop(b);
    drop(e);
    // Reopened later: the record shows the role gone.
    let c = Directory::open_with_clock(
        SqliteStore::open(&path).unwrap(),
        Arc::new(ManualClock::new(T0 + 2 * HOUR)),
    )
    .unwrap();
    assert!(!c.user(ann).unwrap().roles.contains(&sup));
}

#[test]
fn a_file_opened_after_the_end_answers_no_before_anything_is_recorded() {
    let dir = common::TempDir::new("timed-late");
    let path = dir.file("late.db");
    let clock = Arc::new(ManualClock::new(T0));
    let a = Directory::open_with_clock(SqliteStore::open(&path).unwrap(), clock.clone()).unwrap();
    let e = Env::on(a, clock);
    let sup = e.role("Manager");
    let ann = e.user("ann", &[]);
    e.role_until(e.root, ann, sup, T0 + HOUR).unwrap();
    let p = e.dir.role(sup).unwrap().permissions;
    drop(e);
    let ro = Directory::open_with_clock(
        SqliteStore::open_with(
            &path,
            &SqliteOptions {
                read_only: true,
                ..SqliteOptions::default()
            },
        )
        .unwrap(),
        Arc::new(ManualClock::new(T0 + 2 * HOUR)),
    )
    .unwrap();
    assert!(!ro.check(ann, p), "out of its window at load");
    assert!(
        ro.user(ann).unwrap().roles.contains(&sup),
        "not recorded: read-only"
    );
}

#[test]
fn the_timer_ends_grants_on_the_system_clock() {
    let e = {
        let dir = Directory::in_memory();
        let t = dir
            .create_tenant(
                "Acme",
                &NewUser::new("Ada", "Root", "root@acme.test"),
                &[Preset::Managers],
            )
            .unwrap();
        (dir, t)
    };
    let (dir, t) = e;
    let sup = dir.role_by_name(t.tenant, "Manager").unwrap();
    let ann = dir
        .create_user(t.superadmin, &NewUser::new("Ann", "Lee", "ann@acme.test"))
        .unwrap();
    let now = rolecall::Clock::now_ms(&rolecall::SystemClock);
    dir.grant_for(
        t.superadmin,
        ann,
        &TimedGrant::Role(sup.id),
        Window::until(now + 200),
    )
    .unwrap();
    assert!(dir.check(ann, sup.permissions));
    let start = std::time::Instant::now();
    while dir.check(ann, sup.permissions) {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "the timer never fired"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // Ended by the timer thread, without any call into the directory, and recorded.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while dir.user(ann).unwrap().roles.contains(&sup.id) {
        assert!(
            std::time::Instant::now() < deadline,
            "the end was never recorded"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

#[test]
fn extending_a_held_grant_needs_the_rights_it_gives() {
    let e = env();
    let mgr = e.role("Manager");
    let ann = e.user("ann", &[]);
    e.role_until(e.root, ann, mgr, T0 + HOUR).unwrap();
    // May manage users, but holds none of the Manager's other rights.
    let hr = e
        .dir
        .create_role(
            e.root,
            &rolecall::NewRole::new("HR", Permission::USERS_MANAGE | Permission::USERS_VIEW),
        )
        .unwrap();
    let clerk = e
        .dir
        .create_user(
            e.root,
            &NewUser::new("Cleo", "Clerk", "clerk@acme.test").roles([hr]),
        )
        .unwrap();
    let err = e.role_until(clerk, ann, mgr, T0 + 9 * HOUR).unwrap_err();
    assert_eq!(err.kind(), "escalation", "{err}");
    // Shortening is refused the same way (it is a grant of the rest of the window).
    assert_eq!(
        e.dir.user(ann).unwrap().windows[&Assignment::Role(mgr)],
        Window::until(T0 + HOUR)
    );
}

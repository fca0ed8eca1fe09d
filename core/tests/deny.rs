//! Explicit deny (issue 16 part 3): a role carries denied permissions, and denials win over
//! every allow, whichever way the denying role is held (directly, through a group, by a
//! per-scope grant), on every read of the snapshot and in `explain`. Giving a deny needs no
//! right; taking one away is a grant under the no-escalation rule. The stores keep denials,
//! and older files and schemas migrate.

mod common;
mod pg;

use common::{assert_exact, perms, refused, Env, TempDir};
use rolecall::{
    Directory, Error, NewRole, NewUser, Permission, Preset, RoleId, RolePatch, ScopeAccess,
    ScopeKind, SqliteStore, UserId,
};

const CONTROL: Permission = Permission::CAMPAIGNS_CONTROL;

fn worker_rights() -> Permission {
    perms(&["campaigns.view", "campaigns.control", "reports.view"])
}

struct Fixture {
    env: Env,
    /// Allows `worker_rights()`.
    worker: RoleId,
    /// Denies campaigns.control, allows nothing.
    no_control: RoleId,
}

fn fixture() -> Fixture {
    let env = Env::new(&[Preset::Managers]);
    let worker = env.custom_role("Worker", worker_rights());
    let no_control = env
        .dir
        .create_role(
            env.root,
            &NewRole::new("No control", Permission::empty()).deny(CONTROL),
        )
        .unwrap();
    Fixture {
        env,
        worker,
        no_control,
    }
}

/// A user administrator holding users.*, groups.*, roles.* and reports.view, not
/// campaigns.control.
fn admin_without_control(env: &Env) -> UserId {
    let r = env.custom_role(
        "Admin without control",
        perms(&[
            "users.view",
            "users.manage",
            "groups.view",
            "groups.manage",
            "roles.view",
            "roles.manage",
            "reports.view",
        ]),
    );
    env.user_with(env.root, "adam", &[r])
}

#[test]
fn a_direct_deny_wins_over_an_allow_of_another_role() {
    let f = fixture();
    let bob = f
        .env
        .user_with(f.env.root, "bob", &[f.worker, f.no_control]);
    assert_exact(&f.env.dir, bob, worker_rights() - CONTROL);
    assert_eq!(f.env.dir.role(f.no_control).unwrap().denied, CONTROL);
    // The same role may not allow what it denies.
    let err = refused(&f.env.dir, |d| {
        d.create_role(
            f.env.root,
            &NewRole::new("Both", worker_rights()).deny(CONTROL),
        )
    });
    assert!(
        matches!(err, Error::InvalidArgument { what: "denied", .. }),
        "{err:?}"
    );
    let err = refused(&f.env.dir, |d| {
        d.update_role(
            f.env.root,
            f.worker,
            &RolePatch {
                denied: Some(CONTROL),
                ..RolePatch::default()
            },
        )
    });
    assert!(
        matches!(err, Error::InvalidArgument { what: "denied", .. }),
        "{err:?}"
    );
}

#[test]
fn a_deny_held_through_a_group_wins_and_explain_names_the_denier() {
    let f = fixture();
    let g = f
        .env
        .dir
        .create_group(f.env.root, "Trainees", &[f.no_control])
        .unwrap();
    let carol = f.env.user_with(f.env.root, "carol", &[f.worker]);
    assert!(f.env.dir.check(carol, CONTROL));
    f.env.dir.add_member(f.env.root, g, carol).unwrap();
    assert_exact(&f.env.dir, carol, worker_rights() - CONTROL);
    let e = f.env.dir.explain(carol, CONTROL).unwrap();
    assert!(!e.allowed);
    assert_eq!(e.grants.len(), 1);
    assert_eq!(e.grants[0].role, f.worker);
    assert_eq!(e.denied_by.len(), 1);
    let d = &e.denied_by[0];
    assert_eq!(
        (d.role, d.role_name.as_str(), d.via_group, d.grants),
        (f.no_control, "No control", Some(g), CONTROL)
    );
    // Asked about something the role does not deny, nothing is named.
    let e = f.env.dir.explain(carol, Permission::REPORTS_VIEW).unwrap();
    assert!(e.allowed && e.denied_by.is_empty());
    // Leaving the group gives the right back.
    f.env.dir.remove_member(f.env.root, g, carol).unwrap();
    assert_exact(&f.env.dir, carol, worker_rights());
}

#[test]
fn a_deny_is_tenant_wide_even_when_held_for_one_scope() {
    let f = fixture();
    let d = &f.env.dir;
    let root = f.env.root;
    let site = d.create_scope(root, ScopeKind::Team, "Lyon").unwrap();
    let sales = d
        .create_scope_under(root, site, ScopeKind::Team, "Sales")
        .unwrap();
    let support = d
        .create_scope_under(root, site, ScopeKind::Team, "Support")
        .unwrap();
    let dave = d
        .create_user(
            root,
            &NewUser::new("Dave", "Tester", "dave@acme.test")
                .grant(f.worker, sales)
                .teams([sales]),
        )
        .unwrap();
    let ann = f.env.user_with(root, "ann", &[]);
    d.set_user_teams(root, ann, &[sales]).unwrap();
    assert!(d.check_scoped(dave, CONTROL, sales));
    assert!(d.check_user(dave, CONTROL, ann));
    // Denied on another scope only: still denied everywhere.
    d.grant_role_in_scope(root, dave, f.no_control, support)
        .unwrap();
    assert!(!d.check(dave, CONTROL));
    assert!(!d.check_scoped(dave, CONTROL, sales));
    assert!(!d.check_user(dave, CONTROL, ann));
    assert_eq!(
        d.allowed_scopes(dave, CONTROL).unwrap(),
        ScopeAccess::Only(vec![])
    );
    assert!(d.check_scoped(dave, Permission::CAMPAIGNS_VIEW, sales));
    assert!(!d.check_scoped(dave, Permission::CAMPAIGNS_VIEW, support));
    assert_eq!(
        d.effective_permissions(dave).unwrap(),
        worker_rights() - CONTROL
    );
    assert!(!d
        .users_with_permission(f.env.tenant, CONTROL, Some(sales))
        .unwrap()
        .contains(&dave));
    let e = d.explain(dave, CONTROL).unwrap();
    assert!(!e.allowed);
    assert_eq!(e.denied_by[0].scope, Some(support));
    // Taking the grant back lifts the deny.
    d.revoke_role_in_scope(root, dave, f.no_control, support)
        .unwrap();
    assert!(d.check_scoped(dave, CONTROL, sales));
}

#[test]
fn the_superadministrator_is_never_denied() {
    let f = fixture();
    f.env
        .dir
        .assign_role(f.env.root, f.env.root, f.no_control)
        .unwrap();
    assert!(f.env.dir.check(f.env.root, CONTROL));
    let e = f.env.dir.explain(f.env.root, CONTROL).unwrap();
    assert!(e.allowed && e.superadmin);
    assert_eq!(e.denied_by.len(), 1);
}

#[test]
fn built_in_roles_deny_nothing() {
    let env = Env::new(&[Preset::Managers, Preset::Dashboard]);
    for r in env.dir.roles(env.tenant).unwrap() {
        assert!(r.denied.is_empty(), "{}", r.qualified_name());
    }
}

#[test]
fn giving_a_deny_needs_no_right_and_lifting_one_is_a_grant() {
    let f = fixture();
    let d = &f.env.dir;
    let adam = admin_without_control(&f.env);
    let bob = f.env.user_with(f.env.root, "bob", &[f.worker]);
    // Denying what the actor lacks: creating, editing, assigning.
    let nb = d
        .create_role(
            adam,
            &NewRole::new("No billing", Permission::empty()).deny(Permission::BILLING_VIEW),
        )
        .unwrap();
    d.update_role(
        adam,
        nb,
        &RolePatch {
            denied: Some(Permission::BILLING_VIEW | CONTROL),
            ..RolePatch::default()
        },
    )
    .unwrap();
    d.assign_role(adam, bob, nb).unwrap();
    assert!(!d.check(bob, CONTROL));
    // Lifting the deny of campaigns.control from bob: a grant adam cannot make, on every path.
    let lift = RolePatch {
        denied: Some(Permission::BILLING_VIEW),
        ..RolePatch::default()
    };
    let escalation = Error::Escalation { missing: CONTROL };
    assert_eq!(refused(d, |d| d.update_role(adam, nb, &lift)), escalation);
    assert_eq!(refused(d, |d| d.revoke_role(adam, bob, nb)), escalation);
    assert_eq!(
        refused(d, |d| d.set_user_roles(adam, bob, &[f.worker])),
        escalation
    );
    assert_eq!(refused(d, |d| d.delete_role(adam, nb)), escalation);
    let g = d.create_group(adam, "Trainees", &[nb]).unwrap();
    let carol = f.env.user_with(f.env.root, "carol", &[f.worker]);
    d.add_member(adam, g, carol).unwrap();
    d.revoke_role(f.env.root, bob, nb).unwrap();
    assert_eq!(refused(d, |d| d.remove_member(adam, g, carol)), escalation);
    assert_eq!(refused(d, |d| d.remove_group_role(adam, g, nb)), escalation);
    let other = d.create_group(adam, "Others", &[]).unwrap();
    d.add_member(adam, other, carol).unwrap();
    assert_eq!(refused(d, |d| d.delete_group(adam, g)), escalation);
    let sales = d
        .create_scope(f.env.root, ScopeKind::Team, "Sales")
        .unwrap();
    d.remove_member(f.env.root, g, carol).unwrap();
    d.grant_role_in_scope(f.env.root, carol, nb, sales).unwrap();
    assert_eq!(
        refused(d, |d| d.revoke_role_in_scope(adam, carol, nb, sales)),
        escalation
    );
    // With no holder, only the lifted rights count: the actor may lift what it holds.
    d.revoke_role_in_scope(f.env.root, carol, nb, sales)
        .unwrap();
    assert_eq!(refused(d, |d| d.update_role(adam, nb, &lift)), escalation);
    let denying = |p: Permission| RolePatch {
        denied: Some(p),
        ..RolePatch::default()
    };
    d.update_role(
        adam,
        nb,
        &denying(Permission::BILLING_VIEW | CONTROL | Permission::REPORTS_VIEW),
    )
    .unwrap();
    d.update_role(adam, nb, &denying(Permission::BILLING_VIEW | CONTROL))
        .unwrap();
    assert_eq!(
        refused(d, |d| d.update_role(adam, nb, &denying(CONTROL))),
        Error::Escalation {
            missing: Permission::BILLING_VIEW
        }
    );
    // The superadministrator lifts anything.
    d.assign_role(f.env.root, bob, nb).unwrap();
    d.update_role(
        f.env.root,
        nb,
        &RolePatch {
            denied: Some(Permission::empty()),
            ..RolePatch::default()
        },
    )
    .unwrap();
    assert!(d.check(bob, CONTROL));
}

#[test]
fn a_new_deny_renews_the_stamps_of_those_it_takes_rights_from() {
    let f = fixture();
    let d = &f.env.dir;
    let root = f.env.root;
    let nb = d
        .create_role(root, &NewRole::new("No billing", Permission::empty()))
        .unwrap();
    let bob = f.env.user_with(root, "bob", &[f.worker, nb]);
    let stamp = |u| d.user(u).unwrap().stamp;
    // Denying what bob does not hold takes nothing: no renewal.
    let s0 = stamp(bob);
    d.update_role(
        root,
        nb,
        &RolePatch {
            denied: Some(Permission::BILLING_VIEW),
            ..RolePatch::default()
        },
    )
    .unwrap();
    assert_eq!(stamp(bob), s0);
    // Denying what it holds does.
    d.update_role(
        root,
        nb,
        &RolePatch {
            denied: Some(Permission::BILLING_VIEW | CONTROL),
            ..RolePatch::default()
        },
    )
    .unwrap();
    let s1 = stamp(bob);
    assert_ne!(s1, s0);
    // So does being given a denying role, directly or through a group.
    let carol = f.env.user_with(root, "carol", &[f.worker]);
    let s = stamp(carol);
    d.assign_role(root, carol, f.no_control).unwrap();
    assert_ne!(stamp(carol), s);
    let g = d.create_group(root, "Trainees", &[]).unwrap();
    let eve = f.env.user_with(root, "eve", &[f.worker]);
    d.add_member(root, g, eve).unwrap();
    let s = stamp(eve);
    d.add_group_role(root, g, f.no_control).unwrap();
    assert_ne!(stamp(eve), s);
    let g2 = d.create_group(root, "Interns", &[f.no_control]).unwrap();
    let fay = f.env.user_with(root, "fay", &[f.worker]);
    let s = stamp(fay);
    d.add_member(root, g2, fay).unwrap();
    assert_ne!(stamp(fay), s);
}

fn deny_directory(dir: &Directory) -> (UserId, RoleId) {
    let t = dir
        .create_tenant(
            "Acme",
            &NewUser::new("Ada", "Root", "root@acme.test"),
            &[Preset::Managers],
        )
        .unwrap();
    let worker = dir
        .create_role(t.superadmin, &NewRole::new("Worker", worker_rights()))
        .unwrap();
    let nc = dir
        .create_role(
            t.superadmin,
            &NewRole::new("No control", Permission::empty()).deny(CONTROL),
        )
        .unwrap();
    let bob = dir
        .create_user(
            t.superadmin,
            &NewUser::new("Bob", "Tester", "bob@acme.test").roles([worker, nc]),
        )
        .unwrap();
    (bob, nc)
}

#[test]
fn sqlite_keeps_denials_and_a_version_6_file_migrates() {
    let tmp = TempDir::new("deny-sqlite");
    let path = tmp.file("dir.db");
    let (bob, nc) = {
        let dir = Directory::open_sqlite(&path).unwrap();
        deny_directory(&dir)
    };
    let dir = Directory::open_sqlite(&path).unwrap();
    assert_eq!(dir.role(nc).unwrap().denied, CONTROL);
    assert!(!dir.check(bob, CONTROL));
    assert!(dir.check(bob, Permission::CAMPAIGNS_VIEW));
    drop(dir);
    // A migration run again keeps the denials.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA user_version = 6").unwrap();
    drop(conn);
    let dir = Directory::open_sqlite(&path).unwrap();
    assert_eq!(dir.role(nc).unwrap().denied, CONTROL);
    drop(dir);
    // A version 6 file: no roles.denied column. It migrates, denying nothing.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "ALTER TABLE roles DROP COLUMN denied;
         PRAGMA user_version = 6;",
    )
    .unwrap();
    drop(conn);
    let dir = Directory::open_sqlite(&path).unwrap();
    assert!(dir.role(nc).unwrap().denied.is_empty());
    assert!(dir.check(bob, CONTROL));
    drop(dir);
    let v = common::sqlite_schema_version(&path);
    assert_eq!(v, SqliteStore::SCHEMA_VERSION);
    assert!(v >= 7);
}

#[test]
fn sqlite_refuses_a_denial_the_catalogue_does_not_know() {
    let tmp = TempDir::new("deny-damage");
    let path = tmp.file("dir.db");
    let (_, nc) = deny_directory(&Directory::open_sqlite(&path).unwrap());
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE roles SET denied = 'no.such.right' WHERE id = ?1",
            [nc.0 as i64],
        )
        .unwrap();
    let err = Directory::open_sqlite(&path).err().unwrap();
    assert!(matches!(err, Error::Corrupt(_)), "{err:?}");
}

#[test]
fn postgres_keeps_denials_and_a_version_3_schema_migrates() {
    let schema = pg::Schema::new("deny");
    let (bob, nc) = deny_directory(&schema.directory());
    let dir = schema.directory();
    assert_eq!(dir.role(nc).unwrap().denied, CONTROL);
    assert!(!dir.check(bob, CONTROL));
    drop(dir);
    // Run again: kept.
    schema
        .sql("UPDATE meta SET value = 3 WHERE key = 'schema_version'")
        .unwrap();
    assert_eq!(schema.directory().role(nc).unwrap().denied, CONTROL);
    // A version 3 schema, without the column: migrates, denying nothing.
    schema
        .sql(
            "ALTER TABLE roles DROP COLUMN denied;
             UPDATE meta SET value = 3 WHERE key = 'schema_version';",
        )
        .unwrap();
    let dir = schema.directory();
    assert!(dir.role(nc).unwrap().denied.is_empty());
    assert!(dir.check(bob, CONTROL));
    let v = schema.schema_version();
    assert_eq!(v, rolecall::PostgresStore::SCHEMA_VERSION);
    assert!(v >= 4);
}

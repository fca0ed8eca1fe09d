//! Separation of duty: rules a tenant declares, enforced on every grant path.

mod common;

use common::{refused, Env, TempDir};
use rolecall::{
    AuditAction, AuditQuery, Directory, Error, NewUser, Permission, RolePatch, ScopeKind, SodRule,
    SodViolation, TenantSettings,
};

const BILLING: Permission = Permission::BILLING_MANAGE;
const AUDIT: Permission = Permission::LOGS_VIEW;

fn rule() -> SodRule {
    SodRule::new("billing vs audit", BILLING, AUDIT)
}

/// A tenant with a billing role, an audit role and the rule declared.
fn env() -> (Env, rolecall::RoleId, rolecall::RoleId) {
    let env = Env::new(&[]);
    let billing = env.custom_role("Billing", BILLING | Permission::BILLING_VIEW);
    let audit = env.custom_role("Audit", AUDIT);
    assert!(env.dir.add_sod_rule(env.root, &rule()).unwrap().is_empty());
    (env, billing, audit)
}

fn is_sod(e: &Error, user: &str) {
    match e {
        Error::SeparationOfDuty { rule, user: u } => {
            assert_eq!(rule, "billing vs audit");
            assert_eq!(u, user);
        }
        other => panic!("expected separation_of_duty, got {other:?}"),
    }
    assert_eq!(e.code(), 307);
    assert_eq!(e.kind(), "separation_of_duty");
}

#[test]
fn declaring_reports_existing_violators_and_breaks_nothing() {
    let env = Env::new(&[]);
    let billing = env.custom_role("Billing", BILLING);
    let audit = env.custom_role("Audit", AUDIT);
    let both = env.user_with(env.root, "both", &[billing, audit]);
    let one = env.user_with(env.root, "one", &[billing]);
    let asleep = env.user_with(env.root, "asleep", &[billing, audit]);
    env.dir.set_active(env.root, asleep, false).unwrap();
    assert_eq!(env.dir.add_sod_rule(env.root, &rule()).unwrap(), vec![both]);
    assert!(env.dir.check(both, BILLING) && env.dir.check(both, AUDIT));
    assert!(env.dir.check(one, BILLING));
    assert_eq!(
        env.dir.sod_violations(env.tenant).unwrap(),
        vec![SodViolation {
            rule: "billing vs audit".into(),
            user: both
        }]
    );
    assert_eq!(env.dir.sod_rules(env.tenant).unwrap(), vec![rule()]);
    // An inactive user holding both cannot be reactivated.
    let e = refused(&env.dir, |d| d.set_active(env.root, asleep, true));
    is_sod(&e, "asleep@acme.test");
}

#[test]
fn a_direct_grant_of_the_other_side_is_refused() {
    let (env, billing, audit) = env();
    let ann = env.user_with(env.root, "ann", &[billing]);
    let e = refused(&env.dir, |d| d.assign_role(env.root, ann, audit));
    is_sod(&e, "ann@acme.test");
    let e = refused(&env.dir, |d| {
        d.create_user(
            env.root,
            &NewUser::new("bob", "Tester", "bob@acme.test").roles([billing, audit]),
        )
    });
    is_sod(&e, "bob@acme.test");
    // One side alone is fine.
    env.user_with(env.root, "cy", &[audit]);
}

#[test]
fn a_grant_through_a_group_is_refused() {
    let (env, billing, audit) = env();
    let ann = env.user_with(env.root, "ann", &[billing]);
    let auditors = env
        .dir
        .create_group(env.root, "Auditors", &[audit])
        .unwrap();
    let e = refused(&env.dir, |d| d.add_member(env.root, auditors, ann));
    is_sod(&e, "ann@acme.test");
    // A group the user is in gaining the other side.
    let team = env.dir.create_group(env.root, "Team", &[]).unwrap();
    env.dir.add_member(env.root, team, ann).unwrap();
    let e = refused(&env.dir, |d| d.add_group_role(env.root, team, audit));
    is_sod(&e, "ann@acme.test");
}

#[test]
fn a_per_scope_grant_is_refused() {
    let (env, billing, audit) = env();
    let ann = env.user_with(env.root, "ann", &[billing]);
    let scope = env
        .dir
        .create_scope(env.root, ScopeKind::CallGroup, "Sales")
        .unwrap();
    let e = refused(&env.dir, |d| {
        d.grant_role_in_scope(env.root, ann, audit, scope)
    });
    is_sod(&e, "ann@acme.test");
}

#[test]
fn a_role_edit_is_refused() {
    let (env, billing, _) = env();
    env.user_with(env.root, "ann", &[billing]);
    let patch = RolePatch {
        permissions: Some(BILLING | AUDIT),
        ..RolePatch::default()
    };
    let e = refused(&env.dir, |d| d.update_role(env.root, billing, &patch));
    is_sod(&e, "ann@acme.test");
    // A role held by nobody may hold both sides: nobody holds them.
    let free = env.custom_role("Free", BILLING);
    env.dir.update_role(env.root, free, &patch).unwrap();
}

#[test]
fn an_existing_violator_may_lose_but_not_gain() {
    let env = Env::new(&[]);
    let billing = env.custom_role("Billing", BILLING | Permission::BILLING_VIEW);
    let audit = env.custom_role("Audit", AUDIT);
    let reports = env.custom_role("Reports", Permission::REPORTS_VIEW);
    let both = env.user_with(env.root, "both", &[billing, audit]);
    assert_eq!(env.dir.add_sod_rule(env.root, &rule()).unwrap(), vec![both]);
    let e = refused(&env.dir, |d| d.assign_role(env.root, both, reports));
    is_sod(&e, "both@acme.test");
    env.dir.revoke_role(env.root, both, billing).unwrap();
    assert!(env.dir.sod_violations(env.tenant).unwrap().is_empty());
    // Now holding one side, the other is refused like for anyone.
    let e = refused(&env.dir, |d| d.assign_role(env.root, both, billing));
    is_sod(&e, "both@acme.test");
    env.dir.assign_role(env.root, both, reports).unwrap();
}

#[test]
fn removing_the_rule_lifts_it() {
    let (env, billing, audit) = env();
    let ann = env.user_with(env.root, "ann", &[billing]);
    refused(&env.dir, |d| d.assign_role(env.root, ann, audit));
    env.dir
        .remove_sod_rule(env.root, "BILLING VS AUDIT")
        .unwrap();
    env.dir.assign_role(env.root, ann, audit).unwrap();
    assert!(env.dir.sod_rules(env.tenant).unwrap().is_empty());
    let e = refused(&env.dir, |d| {
        d.remove_sod_rule(env.root, "billing vs audit")
    });
    assert!(matches!(e, Error::UnknownSodRule(_)), "{e:?}");
}

#[test]
fn rules_are_validated_and_superadmin_only() {
    let env = Env::new(&[]);
    let admin_role = env.custom_role("Helper", Permission::USERS_MANAGE);
    let helper = env.user_with(env.root, "helper", &[admin_role]);
    let e = refused(&env.dir, |d| d.add_sod_rule(helper, &rule()));
    assert!(matches!(e, Error::SuperadminOnly { .. }), "{e:?}");
    let bad = [
        SodRule::new(" ", BILLING, AUDIT),
        SodRule::new("x", Permission::empty(), AUDIT),
        SodRule::new("x", BILLING, Permission::empty()),
        SodRule::new("x", BILLING | AUDIT, AUDIT),
    ];
    let kinds = [
        "invalid_name",
        "empty_permission",
        "empty_permission",
        "invalid_argument",
    ];
    for (r, kind) in bad.iter().zip(kinds) {
        let e = refused(&env.dir, |d| d.add_sod_rule(env.root, r));
        assert_eq!(e.kind(), kind, "{r:?}");
    }
    env.dir.add_sod_rule(env.root, &rule()).unwrap();
    let e = refused(&env.dir, |d| {
        d.add_sod_rule(
            env.root,
            &SodRule::new(" Billing VS audit ", Permission::USERS_VIEW, AUDIT),
        )
    });
    assert!(matches!(e, Error::DuplicateName { .. }), "{e:?}");
    // The settings path validates the same way.
    let mut s = env.dir.tenant_settings(env.tenant).unwrap();
    s.separation_of_duty
        .push(SodRule::new("x", BILLING, BILLING));
    let e = refused(&env.dir, |d| d.set_tenant_settings(env.root, &s));
    assert_eq!(e.kind(), "invalid_argument");
    let e = refused(&env.dir, |d| d.remove_sod_rule(helper, "billing vs audit"));
    assert!(matches!(e, Error::SuperadminOnly { .. }), "{e:?}");
}

#[test]
fn rules_set_through_the_settings_are_enforced_and_names_normalised() {
    let env = Env::new(&[]);
    let billing = env.custom_role("Billing", BILLING);
    let audit = env.custom_role("Audit", AUDIT);
    let mut s = TenantSettings::default();
    s.separation_of_duty = vec![SodRule::new("  billing vs audit ", BILLING, AUDIT)];
    env.dir.set_tenant_settings(env.root, &s).unwrap();
    assert_eq!(env.dir.sod_rules(env.tenant).unwrap(), vec![rule()]);
    let e = refused(&env.dir, |d| {
        d.create_user(
            env.root,
            &NewUser::new("ann", "Tester", "ann@acme.test").roles([billing, audit]),
        )
    });
    is_sod(&e, "ann@acme.test");
}

#[test]
fn refusals_and_declarations_are_audited() {
    let (env, billing, audit) = env();
    let ann = env.user_with(env.root, "ann", &[billing]);
    refused(&env.dir, |d| d.assign_role(env.root, ann, audit));
    let q = |action| AuditQuery {
        tenant: Some(env.tenant),
        action: Some(action),
        ..AuditQuery::default()
    };
    let refusals = env.dir.audit_events(&q(AuditAction::AssignRole)).unwrap();
    assert!(
        refusals
            .items
            .iter()
            .any(|e| e.outcome == "separation_of_duty"),
        "{refusals:?}"
    );
    assert_eq!(
        env.dir
            .audit_events(&q(AuditAction::AddSodRule))
            .unwrap()
            .total,
        1
    );
    env.dir
        .remove_sod_rule(env.root, "billing vs audit")
        .unwrap();
    assert_eq!(
        env.dir
            .audit_events(&q(AuditAction::RemoveSodRule))
            .unwrap()
            .total,
        1
    );
}

#[test]
fn the_superadministrator_is_exempt() {
    let (env, _, audit) = env();
    let auditors = env
        .dir
        .create_group(env.root, "Auditors", &[audit])
        .unwrap();
    env.dir.add_member(env.root, auditors, env.root).unwrap();
    assert!(env.dir.sod_violations(env.tenant).unwrap().is_empty());
}

#[test]
fn rules_survive_a_reopen_of_sqlite() {
    let tmp = TempDir::new("sod");
    let path = tmp.file("dir.db");
    let (tenant, root) = {
        let dir = Directory::open_sqlite(&path).unwrap();
        let t = dir
            .create_tenant("Acme", &NewUser::new("Ada", "Root", "root@acme.test"), &[])
            .unwrap();
        dir.add_sod_rule(t.superadmin, &rule()).unwrap();
        (t.tenant, t.superadmin)
    };
    let dir = Directory::open_sqlite(&path).unwrap();
    assert_eq!(dir.sod_rules(tenant).unwrap(), vec![rule()]);
    let b = dir
        .create_role(root, &rolecall::NewRole::new("Billing", BILLING))
        .unwrap();
    let a = dir
        .create_role(root, &rolecall::NewRole::new("Audit", AUDIT))
        .unwrap();
    let e = dir
        .create_user(
            root,
            &NewUser::new("ann", "Tester", "ann@acme.test").roles([a, b]),
        )
        .unwrap_err();
    is_sod(&e, "ann@acme.test");
}

#[test]
fn setting_the_options_keeps_the_rules() {
    let env = Env::new(&[]);
    env.dir.add_sod_rule(env.root, &rule()).unwrap();
    let mut s = TenantSettings::default();
    s.strict_agreement_levels = true;
    // The rules in the settings given are ignored: the tenant's are kept.
    s.separation_of_duty = vec![SodRule::new("other", BILLING, AUDIT)];
    env.dir.set_tenant_options(env.root, &s).unwrap();
    let now = env.dir.tenant_settings(env.tenant).unwrap();
    assert!(now.strict_agreement_levels);
    assert_eq!(now.separation_of_duty, vec![rule()]);
    assert_eq!(env.dir.sod_rules(env.tenant).unwrap(), vec![rule()]);
    // Superadministrator only, as the settings.
    let helper = env.user("helper", &[]);
    let e = refused(&env.dir, |d| d.set_tenant_options(helper, &s));
    assert!(matches!(e, Error::SuperadminOnly { .. }), "{e:?}");
}

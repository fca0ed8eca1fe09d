//! Export and import of a tenant as one document, and the CSV of users: the round trip,
//! idempotence, the rules, every problem at once, and the committed JSON Schema.

mod common;

use common::{capture, perms, refused, Env};
use rolecall::{
    AccessLevel, Directory, Error, ExportOptions, NewRole, NewUser, PasswordPolicy, Preset,
    Product, ScopeKind, SodRule, TenantDocument, TenantSettings, TimedGrant, Window,
};

/// Far in the future: windows that have not ended whatever the test machine's clock says.
const LATER: i64 = 4_000_000_000_000;

/// A tenant holding something of every kind the document carries.
fn rich() -> Env {
    let env = Env::new(&[Preset::Managers, Preset::Dashboard]);
    let (dir, root) = (&env.dir, env.root);
    let mut settings = TenantSettings::default();
    settings.phone_region = Some("US".into());
    settings.strict_agreement_levels = true;
    dir.set_tenant_settings(root, &settings).unwrap();
    dir.add_sod_rule(
        root,
        &SodRule::new(
            "pay/approve",
            perms(&["billing.manage"]),
            perms(&["reports.view"]),
        ),
    )
    .unwrap();
    let policy = PasswordPolicy {
        min_length: 14,
        ..PasswordPolicy::default()
    };
    dir.set_password_policy(root, &policy).unwrap();
    let night = dir
        .create_role(
            root,
            &NewRole::new("Night shift", perms(&["campaigns.view", "numbers.view"]))
                .deny(perms(&["billing.view"])),
        )
        .unwrap();
    let sales = dir
        .create_scope(root, ScopeKind::CallGroup, "Sales")
        .unwrap();
    let emea = dir
        .create_scope_under(root, sales, ScopeKind::Ivr, "EMEA line")
        .unwrap();
    let team = dir.create_scope(root, ScopeKind::Team, "Floor A").unwrap();
    let floor = dir
        .create_group(root, "Floor", &[env.role("Viewer")])
        .unwrap();
    let ann = dir
        .create_user(
            root,
            &NewUser::new("Ann", "Lee", "Ann@acme.test")
                .phone("(212) 555-0199")
                .roles([env.role("Operator"), night])
                .scopes([sales])
                .teams([team])
                .groups([floor])
                .grant(env.role("Supervisor"), emea),
        )
        .unwrap();
    let bob = dir
        .create_user(
            root,
            &NewUser::new("Bob", "Ray", "bob@acme.test")
                .roles([env.role("managers/Admin")])
                .inactive(),
        )
        .unwrap();
    let cat = env.user("cat", &[]);
    dir.grant_for(
        root,
        cat,
        &TimedGrant::Role(env.role("Viewer")),
        Window::until(LATER),
    )
    .unwrap();
    dir.make_eligible(root, cat, env.role("Operator"), None, 3_600_000)
        .unwrap();
    dir.set_break_glass(root, cat, true).unwrap();
    let deal = dir.create_agreement(root, "Deal 7", ann).unwrap();
    dir.set_access_level(root, deal, cat, Product::Telephony, AccessLevel::User)
        .unwrap();
    dir.set_access_level(root, deal, cat, Product::Core, AccessLevel::Administrator)
        .unwrap();
    dir.link_pbx_subscriber(root, deal, cat, Some("sub-42"))
        .unwrap();
    let _ = bob;
    env
}

fn export(dir: &Directory, actor: rolecall::UserId) -> TenantDocument {
    dir.export_tenant(actor, &ExportOptions::default()).unwrap()
}

/// An empty directory with a tenant whose superadministrator is the document's.
fn empty_like() -> Env {
    let dir = Directory::in_memory();
    let t = dir
        .create_tenant("Acme", &NewUser::new("Ada", "Root", "root@acme.test"), &[])
        .unwrap();
    Env {
        dir,
        tenant: t.tenant,
        root: t.superadmin,
    }
}

#[test]
fn export_then_import_into_an_empty_directory_gives_the_same_document() {
    let env = rich();
    let doc = export(&env.dir, env.root);
    assert!(doc.users.len() == 4 && doc.agreements.len() == 1 && doc.scopes.len() == 3);
    let json = doc.to_json();
    assert_eq!(TenantDocument::from_json(&json).unwrap(), doc);

    let fresh = empty_like();
    let report = fresh.dir.import_tenant(fresh.root, &doc).unwrap();
    assert!(report.changed);
    assert_eq!(report.users.created.len(), 3);
    assert_eq!(
        report.users.unchanged, 1,
        "the superadministrator is matched by email"
    );
    assert_eq!(report.agreements.created, vec!["Deal 7".to_owned()]);
    assert_eq!(report.revision, fresh.dir.revision());
    let again = export(&fresh.dir, fresh.root);
    assert_eq!(again.to_json(), json, "byte for byte");

    // What it says holds: Ann's rights and scopes, Cat's level and window.
    let ann = fresh
        .dir
        .user_by_email(fresh.tenant, "ann@acme.test")
        .unwrap();
    assert_eq!(ann.phone.as_deref(), Some("+12125550199"));
    assert_eq!(
        fresh.dir.effective_permissions(ann.id).unwrap(),
        env.dir
            .effective_permissions(
                env.dir
                    .user_by_email(env.tenant, "ann@acme.test")
                    .unwrap()
                    .id
            )
            .unwrap()
    );
}

#[test]
fn importing_the_same_document_again_changes_nothing() {
    let env = rich();
    let doc = export(&env.dir, env.root);
    let before = capture(&env.dir);
    let report = env.dir.import_tenant(env.root, &doc).unwrap();
    assert!(!report.changed);
    assert_eq!(report.users.unchanged, 4);
    assert!(report.users.created.is_empty() && report.users.updated.is_empty());
    assert_eq!(report.roles.unchanged, doc.roles.len());
    assert_eq!(capture(&env.dir), before, "no commit, revision unchanged");

    let fresh = empty_like();
    fresh.dir.import_tenant(fresh.root, &doc).unwrap();
    let rev = fresh.dir.revision();
    let second = fresh.dir.import_tenant(fresh.root, &doc).unwrap();
    assert!(!second.changed);
    assert_eq!(fresh.dir.revision(), rev);
}

#[test]
fn an_import_updates_what_differs_and_deletes_nothing() {
    let env = rich();
    let extra = env.user("dan", &["Viewer"]);
    let mut doc = export(&env.dir, env.root);
    doc.users.retain(|u| u.email != "dan@acme.test");
    let ann = doc
        .users
        .iter_mut()
        .find(|u| u.email == "Ann@acme.test")
        .unwrap();
    ann.first_name = "Anna".into();
    ann.roles = Some(vec!["managers/Operator".into()]);
    let night = doc
        .roles
        .iter_mut()
        .find(|r| r.name == "Night shift")
        .unwrap();
    night.permissions.push("scripts.view".into());
    // Matched by external id first: a new email renames the login of the same user.
    let ext = env
        .dir
        .create_user(
            env.root,
            &NewUser::new("Eve", "Ext", "eve@acme.test").external_id("hr-7"),
        )
        .unwrap();
    doc.users.push(rolecall::DocUser {
        email: "eve.new@acme.test".into(),
        external_id: Some("hr-7".into()),
        first_name: "Eve".into(),
        last_name: "Ext".into(),
        active: true,
        ..Default::default()
    });
    let report = env.dir.import_tenant(env.root, &doc).unwrap();
    assert_eq!(
        report.users.updated,
        vec!["Ann@acme.test".to_owned(), "eve.new@acme.test".to_owned()]
    );
    assert!(report.users.created.is_empty());
    assert_eq!(env.dir.user(ext).unwrap().email, "eve.new@acme.test");
    assert_eq!(
        env.dir.user_by_external_id(env.tenant, "hr-7").unwrap().id,
        ext
    );
    assert_eq!(report.roles.updated, vec!["custom/Night shift".to_owned()]);
    let a = env.dir.user_by_email(env.tenant, "ann@acme.test").unwrap();
    assert_eq!(a.first_name, "Anna");
    assert_eq!(a.roles.len(), 1);
    assert!(
        env.dir.user(extra).is_ok(),
        "a user absent from the document stays"
    );
}

#[test]
fn export_needs_reading_rights_and_hashes_the_superadministrator() {
    let env = rich();
    let viewer = env.user("vic", &["Viewer"]);
    assert!(matches!(
        env.dir.export_tenant(viewer, &ExportOptions::default()),
        Err(Error::PermissionDenied { .. })
    ));
    let admin = env.user("dora", &["dashboard/Admin"]);
    let doc = env
        .dir
        .export_tenant(admin, &ExportOptions::default())
        .unwrap();
    assert!(doc.users.iter().all(|u| u.password.is_none()));
    let hashes = ExportOptions {
        password_hashes: true,
    };
    assert!(matches!(
        env.dir.export_tenant(admin, &hashes),
        Err(Error::SuperadminOnly { .. })
    ));
    env.dir
        .set_password(env.root, viewer, "correct horse battery staple", true)
        .unwrap();
    let doc = env.dir.export_tenant(env.root, &hashes).unwrap();
    let vic = doc
        .users
        .iter()
        .find(|u| u.email == "vic@acme.test")
        .unwrap();
    assert!(vic
        .password
        .as_ref()
        .unwrap()
        .hash
        .starts_with("$argon2id$"));

    // The hash moves to another directory and the password works there.
    let fresh = empty_like();
    fresh.dir.import_tenant(fresh.root, &doc).unwrap();
    fresh
        .dir
        .login(
            fresh.tenant,
            "vic@acme.test",
            "correct horse battery staple",
        )
        .unwrap();
}

#[test]
fn an_import_passes_every_rule_and_a_refusal_changes_nothing() {
    let env = rich();
    let mut doc = export(&env.dir, env.root);
    // No users.manage: refused as create_user refuses.
    let viewer = env.user("vic", &["Viewer"]);
    doc.users.push(rolecall::DocUser {
        email: "new@acme.test".into(),
        first_name: "New".into(),
        last_name: "One".into(),
        active: true,
        ..Default::default()
    });
    let e = refused(&env.dir, |d| d.import_tenant(viewer, &doc));
    assert!(matches!(e, Error::PermissionDenied { .. }), "{e}");
    // Escalation: a manager (users.manage, no billing) may not create a user holding Service.
    let manager = env.custom_role(
        "User manager",
        perms(&["users.view", "users.manage", "roles.view", "groups.view"]),
    );
    let mgr = env.user_with(env.root, "max", &[manager]);
    doc.users.last_mut().unwrap().roles = Some(vec!["managers/Service".into()]);
    let e = refused(&env.dir, |d| d.import_tenant(mgr, &doc));
    assert!(matches!(e, Error::Escalation { .. }), "{e}");
    // Without the role it goes through.
    doc.users.last_mut().unwrap().roles = Some(vec![]);
    let r = env.dir.import_tenant(mgr, &doc).unwrap();
    assert_eq!(r.users.created, vec!["new@acme.test".to_owned()]);
    // Password hashes come in only through the superadministrator.
    doc.users.last_mut().unwrap().password = Some(rolecall::DocPassword {
        hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".into(),
        must_change: true,
    });
    let e = refused(&env.dir, |d| d.import_tenant(mgr, &doc));
    assert!(matches!(e, Error::SuperadminOnly { .. }), "{e}");
}

/// Separation of duty is skipped while no tenant has a rule, before the commit or in it: one
/// import into a directory without rules that declares a rule and creates a user breaking
/// it is refused, and changes nothing.
#[test]
fn an_import_that_declares_a_rule_is_judged_by_it() {
    let source = rich();
    let mut doc = export(&source.dir, source.root);
    let rules = doc.tenant.as_ref().unwrap().separation_of_duty.len();
    assert_eq!(rules, 1);
    doc.roles.push(rolecall::DocRole {
        namespace: "custom".into(),
        name: "Pay and approve".into(),
        permissions: vec!["billing.manage".into(), "reports.view".into()],
        denied: vec![],
        scoped: false,
        admin_tier: false,
        description: String::new(),
    });
    doc.users.push(rolecall::DocUser {
        email: "both@acme.test".into(),
        first_name: "Both".into(),
        last_name: "Sides".into(),
        active: true,
        roles: Some(vec!["custom/Pay and approve".into()]),
        ..Default::default()
    });
    let env = empty_like();
    let e = refused(&env.dir, |d| d.import_tenant(env.root, &doc));
    assert!(
        matches!(&e, Error::SeparationOfDuty { user, .. } if user == "both@acme.test"),
        "{e}"
    );
    // Without the violator the same document goes through, rule included.
    doc.users.pop();
    env.dir.import_tenant(env.root, &doc).unwrap();
    let settings = env.dir.tenant_settings(env.tenant).unwrap();
    assert_eq!(settings.separation_of_duty.len(), rules);
}

#[test]
fn every_problem_is_reported_at_once_and_nothing_applied() {
    let env = rich();
    let mut doc = export(&env.dir, env.root);
    doc.users.push(rolecall::DocUser {
        email: "not an email".into(),
        first_name: "".into(),
        last_name: "Ok".into(),
        phone: Some("call me".into()),
        roles: Some(vec!["No such role".into()]),
        active: true,
        ..Default::default()
    });
    doc.users.push(rolecall::DocUser {
        email: "ANN@acme.test".into(),
        first_name: "Dup".into(),
        last_name: "Licate".into(),
        groups: Some(vec!["Nowhere".into()]),
        teams: Some(vec!["call_group/Sales".into()]),
        active: true,
        ..Default::default()
    });
    doc.roles[0].permissions.push("campaigns.fly".into());
    let e = refused(&env.dir, |d| d.import_tenant(env.root, &doc));
    let Error::InvalidImport { problems } = e else {
        panic!("{e}")
    };
    let n = doc.users.len();
    let at = |loc: String| problems.iter().any(|p| p.location == loc);
    for loc in [
        format!("users[{}].email", n - 2),
        format!("users[{}].first_name", n - 2),
        format!("users[{}].phone", n - 2),
        format!("users[{}].roles[0]", n - 2),
        format!("users[{}].email", n - 1),
        format!("users[{}].groups[0]", n - 1),
        format!("users[{}].teams[0]", n - 1),
        "roles[0].permissions".to_owned(),
    ] {
        assert!(at(loc.clone()), "{loc} missing from {problems:#?}");
    }
    assert_eq!(problems.len(), 8, "{problems:#?}");
    assert_eq!(rolecall::Error::InvalidImport { problems }.code(), 118);
}

#[test]
fn users_import_from_csv_and_again_change_nothing() {
    let env = rich();
    let csv = "email,first_name,last_name,phone,active,roles,groups,teams,scopes,external_id\n\
               eve@acme.test,Eve,Park,+1 212 555 0100,true,Operator;custom/Night shift,Floor,Floor A,call_group/Sales,hr-1\n\
               fay@acme.test, Fay ,Wu,,false,,,,,\n\
               Ann@acme.test,Ann,Lee,(212) 555-0199,true,Operator;Night shift,Floor,Floor A,call_group/Sales,\n";
    let r = env.dir.import_users_csv(env.root, csv).unwrap();
    assert_eq!(
        r.users.created,
        vec!["eve@acme.test".to_owned(), "fay@acme.test".to_owned()]
    );
    assert_eq!(
        r.users.unchanged, 1,
        "Ann already is as the row says: {r:?}"
    );
    let eve = env.dir.user_by_email(env.tenant, "eve@acme.test").unwrap();
    assert_eq!(eve.external_id.as_deref(), Some("hr-1"));
    assert_eq!(eve.roles.len(), 2);
    assert_eq!(eve.teams.len(), 1);
    assert_eq!(env.dir.user_groups(eve.id).unwrap().len(), 1);
    assert!(
        !env.dir
            .user_by_email(env.tenant, "fay@acme.test")
            .unwrap()
            .active
    );
    let rev = env.dir.revision();
    let again = env.dir.import_users_csv(env.root, csv).unwrap();
    assert!(!again.changed, "{again:?}");
    assert_eq!(again.users.unchanged, 3);
    assert_eq!(env.dir.revision(), rev);
}

#[test]
fn csv_problems_are_located_by_line() {
    let env = rich();
    let e = refused(&env.dir, |d| {
        d.import_users_csv(
            env.root,
            "email,first_name,last_name,shoe_size\na@acme.test,A,B,42\n",
        )
    });
    let Error::InvalidImport { problems } = e else {
        panic!("{e}")
    };
    assert_eq!(problems.len(), 1);
    assert_eq!(
        (problems[0].location.as_str(), problems[0].field.as_str()),
        ("line 1", "shoe_size")
    );

    let csv = "email,first_name,last_name,roles\n\
               ok@acme.test,Ok,Fine,Viewer\n\
               bad,Bad,Mail,Viewer\n\
               who@acme.test,Who,Knows,Astronaut\n";
    let e = refused(&env.dir, |d| d.import_users_csv(env.root, csv));
    let Error::InvalidImport { problems } = e else {
        panic!("{e}")
    };
    let got: Vec<(&str, &str)> = problems
        .iter()
        .map(|p| (p.location.as_str(), p.field.as_str()))
        .collect();
    assert_eq!(got, vec![("line 3", "email"), ("line 4", "roles[0]")]);
}

#[test]
fn an_import_can_be_planned_first_with_its_impact() {
    let env = rich();
    let before = capture(&env.dir);
    let csv = "email,first_name,last_name,roles\nzoe@acme.test,Zoe,Ng,Operator\n";
    let plan = env.dir.plan_users_csv(env.root, csv).unwrap();
    assert_eq!(plan.value.users.created, vec!["zoe@acme.test".to_owned()]);
    assert!(!plan.impact.users.is_empty(), "{:?}", plan.impact);
    assert_eq!(capture(&env.dir), before, "nothing committed");
    let doc = export(&env.dir, env.root);
    let plan = env.dir.plan_import(env.root, &doc).unwrap();
    assert!(!plan.value.changed && plan.impact.users.is_empty());
    let viewer = env.user("vic", &["Viewer"]);
    assert!(matches!(
        env.dir.plan_users_csv(viewer, csv),
        Err(Error::PermissionDenied { .. })
    ));
}

const SCHEMA_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../docs/schema/tenant-v1.schema.json"
);

#[test]
fn the_committed_schema_is_the_generated_one() {
    let generated = TenantDocument::json_schema();
    if std::env::var_os("ROLECALL_BLESS").is_some() {
        std::fs::write(SCHEMA_PATH, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(SCHEMA_PATH).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/schema/tenant-v1.schema.json is stale: regenerate it with \
         `ROLECALL_BLESS=1 cargo test -p rolecall --test transfer` and commit it"
    );
}

#[test]
fn exported_documents_validate_against_the_committed_schema() {
    let committed = std::fs::read_to_string(SCHEMA_PATH).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&committed).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let env = rich();
    let doc: serde_json::Value =
        serde_json::from_str(&export(&env.dir, env.root).to_json()).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // And the schema refuses what is no document.
    let mut bad = doc.clone();
    bad["users"][0]["email"] = serde_json::json!(7);
    assert!(!validator.is_valid(&bad));
    bad = doc;
    bad["users"][0]["shoe_size"] = serde_json::json!(42);
    assert!(!validator.is_valid(&bad));
}

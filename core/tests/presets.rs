//! The preset catalogues reproduce the rights tables of sources 000, 001 and 003 exactly.
//!
//! Every expected set below is written out permission by permission from the source pages,
//! not copied from the preset constants.

mod common;

use common::{assert_exact, perms, refused, Env};
use rolecall::{Error, NewRole, NewUser, Permission, Preset, RoleNamespace, CATALOGUE};

struct Expect {
    name: &'static str,
    rights: &'static [&'static str],
    scoped: bool,
    admin_tier: bool,
}

const fn e(
    name: &'static str,
    rights: &'static [&'static str],
    scoped: bool,
    admin_tier: bool,
) -> Expect {
    Expect {
        name,
        rights,
        scoped,
        admin_tier,
    }
}

/// 000 "Managers": Roles and Access Rights.
const MANAGERS: &[Expect] = &[
    // "user management, campaigns, scripts, numbers, billing, report viewing, system settings"
    e(
        "Admin",
        &[
            "users.view",
            "users.manage",
            "campaigns.view",
            "campaigns.manage",
            "campaigns.control",
            "scripts.view",
            "scripts.edit",
            "numbers.view",
            "numbers.manage",
            "billing.view",
            "billing.manage",
            "reports.view",
            "settings.manage",
        ],
        false,
        true,
    ),
    // "user viewing, campaign management, script management, number management, report viewing"
    e(
        "Manager",
        &[
            "users.view",
            "campaigns.view",
            "campaigns.manage",
            "campaigns.control",
            "scripts.view",
            "scripts.edit",
            "numbers.view",
            "numbers.manage",
            "reports.view",
        ],
        false,
        false,
    ),
    // "campaign viewing, campaign start/stop, script viewing, number viewing, report viewing"
    e(
        "Operator",
        &[
            "campaigns.view",
            "campaigns.control",
            "scripts.view",
            "numbers.view",
            "reports.view",
        ],
        false,
        false,
    ),
    // "only viewing campaigns, scripts, numbers, reports"
    e(
        "Viewer",
        &[
            "campaigns.view",
            "scripts.view",
            "numbers.view",
            "reports.view",
        ],
        false,
        false,
    ),
    // "script editing, billing management, API access, system administration"
    e(
        "Service",
        &[
            "scripts.view",
            "scripts.edit",
            "billing.view",
            "billing.manage",
            "api.access",
            "system.admin",
        ],
        false,
        false,
    ),
];

/// 001 "Role model": Role access table.
const ROLE_MODEL: &[Expect] = &[
    e(
        "ACCESSOR",
        &[
            "clients.view",
            "logs.view",
            "logs.tag",
            "channels.view",
            "userflow.view",
            "projects.view",
            "projects.stats",
            "projects.overview",
        ],
        false,
        false,
    ),
    e(
        "ANALYST",
        &[
            "clients.view",
            "logs.view",
            "channels.view",
            "userflow.view",
            "projects.view",
            "projects.stats",
            "tags.view",
            "profile.view",
            "profile.edit",
        ],
        false,
        false,
    ),
    e(
        "CONTENT_MANAGER",
        &[
            "clients.view",
            "logs.view",
            "content.view",
            "content.edit",
            "channels.view",
            "channels.create",
            "deployments.view",
            "deployments.deploy",
            "news.view",
            "news.create",
            "news.edit",
            "settings.view",
            "userflow.view",
            "projects.view",
            "projects.stats",
            "projects.overview",
            "profile.view",
            "profile.edit",
        ],
        false,
        false,
    ),
    e(
        "DIALER_ADMIN",
        &[
            "numbers.view",
            "numbers.manage",
            "broadcasts.view",
            "broadcasts.create",
        ],
        false,
        false,
    ),
    e(
        "DIALER_USER",
        &["numbers.view", "broadcasts.view"],
        false,
        false,
    ),
    e("DIALER_VERIFIED", &["broadcasts.control"], false, false),
    e("INITIAL", &[], false, false),
    e(
        "OPERATOR",
        &[
            "clients.view",
            "clients.block",
            "projects.view",
            "projects.stats",
            "projects.overview",
            "profile.view",
            "profile.edit",
        ],
        false,
        false,
    ),
    e("RAWLOGS_ANALYTIC", &["rawlogs.download"], false, false),
    e(
        "TECH_SUPPORT",
        &[
            "projects.view",
            "projects.stats",
            "projects.overview",
            "profile.view",
            "profile.edit",
        ],
        false,
        false,
    ),
    e(
        "USER",
        &[
            "users.view",
            "roles.view",
            "dialogs.view",
            "logs.view",
            "content.view",
            "channels.view",
            "deployments.view",
            "news.view",
            "settings.view",
            "userflow.view",
            "projects.view",
            "projects.stats",
            "tags.view",
            "profile.view",
            "profile.edit",
        ],
        false,
        false,
    ),
];

/// 003 "Dashboard access".
const DASHBOARD: &[Expect] = &[
    // "full access to the Dashboard with no restrictions"; manages users, user groups and
    // call groups / IVRs (everything Technical can do, and more).
    e(
        "Admin",
        &[
            "dashboard.activity",
            "dashboard.logs",
            "dashboard.campaigns",
            "dashboard.analytics",
            "dashboard.tasks",
            "dashboard.billing",
            "dashboard.users",
            "dashboard.numbers",
            "dashboard.ivrs",
            "dashboard.call_tags",
            "dashboard.snoozes",
            "dashboard.blocked_numbers",
            "dashboard.contacts",
            "dashboard.dev",
            "dashboard.integrations",
            "dashboard.action_logs",
            "dashboard.brands",
            "dashboard.other",
            "users.view",
            "users.manage",
            "roles.view",
            "groups.view",
            "groups.manage",
            "scopes.manage",
        ],
        false,
        true,
    ),
    // "Activity, Logs, Analytics, Campaigns, Task management", only for authorised groups/IVRs.
    e(
        "Supervisor",
        &[
            "dashboard.activity",
            "dashboard.logs",
            "dashboard.campaigns",
            "dashboard.analytics",
            "dashboard.tasks",
        ],
        true,
        false,
    ),
    // "only ... the Credits and billing page"
    e("Accountant", &["dashboard.billing"], false, false),
    // "Users, Numbers, IVRs and Audio conferences, Call tags, Snoozes, Blocked numbers,
    // Contacts, Dev, Integrations, Actions logs, Brands and Other"; creates IVRs, users,
    // (call) groups and numbers.
    e(
        "Technical",
        &[
            "dashboard.users",
            "dashboard.numbers",
            "dashboard.ivrs",
            "dashboard.call_tags",
            "dashboard.snoozes",
            "dashboard.blocked_numbers",
            "dashboard.contacts",
            "dashboard.dev",
            "dashboard.integrations",
            "dashboard.action_logs",
            "dashboard.brands",
            "dashboard.other",
            "users.view",
            "users.manage",
            "scopes.manage",
        ],
        false,
        false,
    ),
];

fn table(p: Preset) -> &'static [Expect] {
    match p {
        Preset::Managers => MANAGERS,
        Preset::RoleModel => ROLE_MODEL,
        Preset::Dashboard => DASHBOARD,
    }
}

#[test]
fn each_preset_has_exactly_the_roles_of_its_source_in_order() {
    let names = |p: Preset| p.roles().iter().map(|r| r.name).collect::<Vec<_>>();
    assert_eq!(
        names(Preset::Managers),
        ["Admin", "Manager", "Operator", "Viewer", "Service"]
    );
    assert_eq!(
        names(Preset::RoleModel),
        [
            "ACCESSOR",
            "ANALYST",
            "CONTENT_MANAGER",
            "DIALER_ADMIN",
            "DIALER_USER",
            "DIALER_VERIFIED",
            "INITIAL",
            "OPERATOR",
            "RAWLOGS_ANALYTIC",
            "TECH_SUPPORT",
            "USER",
        ]
    );
    assert_eq!(
        names(Preset::Dashboard),
        ["Admin", "Supervisor", "Accountant", "Technical"]
    );
    for p in Preset::ALL {
        assert_eq!(
            names(p),
            table(p).iter().map(|e| e.name).collect::<Vec<_>>()
        );
    }
}

fn assert_static_table(p: Preset) {
    for e in table(p) {
        let r = p
            .role(e.name)
            .unwrap_or_else(|| panic!("{p}: no role {}", e.name));
        assert_eq!(r.permissions, perms(e.rights), "{p} {}", e.name);
        assert_eq!(r.scoped, e.scoped, "{p} {} scoped", e.name);
        assert_eq!(r.admin_tier, e.admin_tier, "{p} {} admin_tier", e.name);
    }
}

/// Installs `p`, gives each role alone to a fresh user, and checks every catalogue permission.
fn assert_through_directory(p: Preset) {
    let env = Env::new(&[p]);
    for (i, e) in table(p).iter().enumerate() {
        let role = env.dir.role_by_name(env.tenant, e.name).unwrap();
        assert_eq!(role.name, e.name);
        assert_eq!(role.permissions, perms(e.rights), "{p} {}", e.name);
        assert_eq!(role.scoped, e.scoped, "{p} {}", e.name);
        assert_eq!(role.admin_tier, e.admin_tier, "{p} {}", e.name);
        assert_eq!(role.preset(), Some(p));
        assert_eq!(role.tenant, env.tenant);

        let u = env.user(&format!("holder{i}"), &[e.name]);
        let expected = perms(e.rights);
        for (perm, name) in CATALOGUE {
            assert_eq!(
                env.dir.check(u, *perm),
                expected.contains(*perm),
                "{p} {} holder: check {name}",
                e.name
            );
        }
        assert_eq!(env.dir.effective_permissions(u).unwrap(), expected);
    }
    // The tenant holds exactly the preset's roles.
    let mut installed: Vec<String> = env
        .dir
        .roles(env.tenant)
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    installed.sort();
    let mut wanted: Vec<String> = table(p).iter().map(|e| e.name.to_owned()).collect();
    wanted.sort();
    assert_eq!(installed, wanted);
}

#[test]
fn managers_rights_are_exact() {
    assert_static_table(Preset::Managers);
}

#[test]
fn role_model_rights_are_exact() {
    assert_static_table(Preset::RoleModel);
}

#[test]
fn dashboard_rights_are_exact() {
    assert_static_table(Preset::Dashboard);
}

#[test]
fn managers_holders_pass_exactly_their_checks() {
    assert_through_directory(Preset::Managers);
}

#[test]
fn role_model_holders_pass_exactly_their_checks() {
    assert_through_directory(Preset::RoleModel);
}

#[test]
fn dashboard_holders_pass_exactly_their_checks() {
    assert_through_directory(Preset::Dashboard);
}

#[test]
fn managers_operator_views_and_starts_campaigns_and_nothing_else() {
    let env = Env::new(&[Preset::Managers]);
    let op = env.user("olga", &["Operator"]);
    assert_exact(
        &env.dir,
        op,
        Permission::CAMPAIGNS_VIEW
            | Permission::CAMPAIGNS_CONTROL
            | Permission::SCRIPTS_VIEW
            | Permission::NUMBERS_VIEW
            | Permission::REPORTS_VIEW,
    );
    for denied in [
        Permission::CAMPAIGNS_MANAGE,
        Permission::SCRIPTS_EDIT,
        Permission::NUMBERS_MANAGE,
        Permission::USERS_VIEW,
        Permission::USERS_MANAGE,
        Permission::BILLING_VIEW,
        Permission::SETTINGS_MANAGE,
    ] {
        assert!(!env.dir.check(op, denied), "{denied}");
    }
    let allowed = CATALOGUE
        .iter()
        .filter(|(p, _)| env.dir.check(op, *p))
        .count();
    assert_eq!(allowed, 5);
}

#[test]
fn managers_viewer_only_views() {
    let env = Env::new(&[Preset::Managers]);
    let v = env.user("vic", &["Viewer"]);
    assert!(env.dir.check(v, Permission::CAMPAIGNS_VIEW));
    assert!(!env.dir.check(v, Permission::CAMPAIGNS_CONTROL));
    assert!(!env.dir.check(v, Permission::SCRIPTS_EDIT));
    for (p, name) in CATALOGUE {
        if env.dir.check(v, *p) {
            assert!(name.ends_with(".view"), "viewer holds {name}");
        }
    }
}

#[test]
fn dialer_verified_only_starts_suspends_and_finishes_broadcasts() {
    let env = Env::new(&[Preset::RoleModel]);
    let u = env.user("dora", &["DIALER_VERIFIED"]);
    assert_exact(&env.dir, u, Permission::BROADCASTS_CONTROL);
    assert!(!env.dir.check(u, Permission::BROADCASTS_VIEW));
    assert!(!env.dir.check(u, Permission::BROADCASTS_CREATE));
}

#[test]
fn initial_holds_nothing() {
    let env = Env::new(&[Preset::RoleModel]);
    let u = env.user("ivan", &["INITIAL"]);
    assert_exact(&env.dir, u, Permission::empty());
    assert!(CATALOGUE.iter().all(|(p, _)| !env.dir.check(u, *p)));
}

#[test]
fn accountant_sees_only_credits_and_billing() {
    let env = Env::new(&[Preset::Dashboard]);
    let u = env.user("acc", &["Accountant"]);
    assert_exact(&env.dir, u, Permission::DASHBOARD_BILLING);
}

#[test]
fn supervisor_sees_only_the_five_monitoring_pages() {
    let env = Env::new(&[Preset::Dashboard]);
    let u = env.user("sup", &["Supervisor"]);
    let held: Vec<&str> = CATALOGUE
        .iter()
        .filter(|(p, _)| env.dir.check(u, *p))
        .map(|(_, n)| *n)
        .collect();
    assert_eq!(
        held,
        [
            "dashboard.activity",
            "dashboard.logs",
            "dashboard.campaigns",
            "dashboard.analytics",
            "dashboard.tasks",
        ]
    );
}

#[test]
fn dashboard_admin_has_every_dashboard_page_and_everything_the_other_roles_have() {
    let env = Env::new(&[Preset::Dashboard]);
    let admin = env.dir.role_by_name(env.tenant, "Admin").unwrap();
    for (p, name) in CATALOGUE {
        if name.starts_with("dashboard.") {
            assert!(admin.permissions.contains(*p), "Admin lacks {name}");
        }
    }
    for other in ["Supervisor", "Accountant", "Technical"] {
        let r = env.dir.role_by_name(env.tenant, other).unwrap();
        assert!(
            admin.permissions.contains(r.permissions),
            "Admin lacks part of {other}: {}",
            r.permissions - admin.permissions
        );
    }
    assert!(!admin.scoped, "Admin has no scope restriction");
}

#[test]
fn no_dashboard_role_means_no_dashboard_access() {
    let env = Env::new(&[Preset::Dashboard]);
    let u = env.user("nobody", &[]);
    for (p, name) in CATALOGUE {
        assert!(!env.dir.check(u, *p), "{name}");
    }
    assert_eq!(
        env.dir.effective_permissions(u).unwrap(),
        Permission::empty()
    );
}

#[test]
fn roles_of_one_preset_combine_as_a_union() {
    let env = Env::new(&[Preset::RoleModel]);
    let u = env.user(
        "multi",
        &["DIALER_USER", "DIALER_VERIFIED", "RAWLOGS_ANALYTIC"],
    );
    assert_exact(
        &env.dir,
        u,
        perms(&[
            "numbers.view",
            "broadcasts.view",
            "broadcasts.control",
            "rawlogs.download",
        ]),
    );
}

#[test]
fn create_tenant_reports_the_installed_roles_in_preset_order() {
    let dir = rolecall::Directory::in_memory();
    let t = dir
        .create_tenant(
            "Acme",
            &NewUser::new("Ada", "Root", "root@acme.test"),
            &[Preset::RoleModel],
        )
        .unwrap();
    let names: Vec<String> = t.roles.iter().map(|r| dir.role(*r).unwrap().name).collect();
    let wanted: Vec<&str> = ROLE_MODEL.iter().map(|e| e.name).collect();
    assert_eq!(names, wanted);
}

#[test]
fn a_preset_can_be_installed_later_by_the_superadministrator_only() {
    let env = Env::new(&[Preset::Dashboard]);
    let tech = env.user("tech", &["Technical"]);
    let err = refused(&env.dir, |d| d.install_preset(tech, Preset::RoleModel));
    assert!(matches!(err, Error::SuperadminOnly { .. }), "{err:?}");
    assert_eq!((err.code(), err.kind()), (402, "superadmin_only"));

    let ids = env.dir.install_preset(env.root, Preset::RoleModel).unwrap();
    assert_eq!(ids.len(), 11);
    assert_static_table(Preset::RoleModel);
    let u = env.user("dora", &["DIALER_VERIFIED"]);
    assert_exact(&env.dir, u, Permission::BROADCASTS_CONTROL);

    // Installing it twice clashes on the role names.
    let err = refused(&env.dir, |d| d.install_preset(env.root, Preset::RoleModel));
    assert!(
        matches!(&err, Error::DuplicateName { kind: "role", name } if name == "role_model/ACCESSOR"),
        "{err:?}"
    );
}

#[test]
fn presets_whose_role_names_coincide_share_a_tenant_in_their_namespaces() {
    // 000 and 003 both have "Admin", 000 and 001 "Operator"/"OPERATOR": role names are unique
    // per namespace (the preset, or `custom`), so a product with several modules installs all.
    let dir = rolecall::Directory::in_memory();
    let t = dir
        .create_tenant(
            "Acme",
            &NewUser::new("Ada", "Root", "root@acme.test"),
            &[Preset::Managers, Preset::Dashboard],
        )
        .unwrap();
    assert_eq!(t.roles.len(), 9);
    dir.install_preset(t.superadmin, Preset::RoleModel).unwrap();
    assert_eq!(dir.roles(t.tenant).unwrap().len(), 20);

    // Qualified lookups, by namespace and name or as "namespace/name" (case-insensitive).
    let m_admin = dir
        .role_in_namespace(t.tenant, RoleNamespace::Preset(Preset::Managers), "admin")
        .unwrap();
    let d_admin = dir.role_by_name(t.tenant, "dashboard/Admin").unwrap();
    assert_ne!(m_admin.id, d_admin.id);
    assert_eq!(
        (m_admin.namespace, m_admin.preset(), m_admin.name.as_str()),
        (
            RoleNamespace::Preset(Preset::Managers),
            Some(Preset::Managers),
            "Admin"
        )
    );
    assert_eq!(d_admin.qualified_name(), "dashboard/Admin");
    assert_eq!(
        d_admin.permissions,
        Preset::Dashboard.role("Admin").unwrap().permissions
    );
    assert_eq!(
        dir.role_by_name(t.tenant, " role_model/operator ")
            .unwrap()
            .qualified_name(),
        "role_model/OPERATOR"
    );
    // A bare name held in one namespace resolves; one held in several is never guessed.
    assert_eq!(
        dir.role_by_name(t.tenant, "Supervisor")
            .unwrap()
            .namespace
            .name(),
        "dashboard"
    );
    let err = dir.role_by_name(t.tenant, "admin").unwrap_err();
    assert!(
        matches!(&err, Error::AmbiguousName { name, namespaces }
            if name == "admin" && namespaces == &["managers", "dashboard"]),
        "{err:?}"
    );
    assert_eq!((err.code(), err.kind()), (310, "ambiguous_name"));
    assert!(err.to_string().contains("managers, dashboard"), "{err}");
    let err = dir.role_by_name(t.tenant, "Operator").unwrap_err();
    assert!(
        matches!(&err, Error::AmbiguousName { namespaces, .. }
        if namespaces == &["managers", "role_model"]),
        "{err:?}"
    );
    let err = dir
        .role_in_namespace(t.tenant, RoleNamespace::Custom, "Admin")
        .unwrap_err();
    assert_eq!(err.kind(), "unknown_role");

    // A custom role lives in `custom`; its name may not repeat any role of the tenant, so it
    // is never mistaken for a built-in one.
    let mine = dir
        .create_role(
            t.superadmin,
            &NewRole::new("Night shift", Permission::REPORTS_VIEW),
        )
        .unwrap();
    assert_eq!(
        dir.role_by_name(t.tenant, "custom/night SHIFT").unwrap().id,
        mine
    );
    assert_eq!(dir.role_by_name(t.tenant, "Night shift").unwrap().id, mine);
    assert_eq!(
        dir.role(mine).unwrap().qualified_name(),
        "custom/Night shift"
    );
    for name in ["ADMIN", "supervisor", "Night Shift"] {
        let err = refused(&dir, |d| {
            d.create_role(t.superadmin, &NewRole::new(name, Permission::REPORTS_VIEW))
        });
        assert_eq!(err.kind(), "duplicate_name", "{name}");
    }
    let err = refused(&dir, |d| d.install_preset(t.superadmin, Preset::Dashboard));
    assert!(
        matches!(&err, Error::DuplicateName { kind: "role", name } if name == "dashboard/Admin"),
        "{err:?}"
    );
    // Users hold roles of several presets at once.
    let u = dir
        .create_user(
            t.superadmin,
            &NewUser::new("Sue", "Both", "sue@acme.test").roles([m_admin.id, d_admin.id]),
        )
        .unwrap();
    assert!(dir.check(u, Permission::SETTINGS_MANAGE));
    assert!(dir.check(u, Permission::DASHBOARD_DEV));
}

#[test]
fn role_namespaces_parse_display_and_serialise_by_name() {
    assert_eq!(
        RoleNamespace::ALL.map(|n| n.name()),
        ["custom", "managers", "role_model", "dashboard"]
    );
    for n in RoleNamespace::ALL {
        assert_eq!(n.name().parse::<RoleNamespace>().unwrap(), n);
        assert_eq!(n.to_string(), n.name());
        assert_eq!(
            serde_json::to_string(&n).unwrap(),
            format!("\"{}\"", n.name())
        );
        assert_eq!(RoleNamespace::from(n.preset()), n);
    }
    let err = "Custom".parse::<RoleNamespace>().unwrap_err();
    assert!(matches!(&err, Error::UnknownNamespace { name } if name == "Custom"));
    assert_eq!((err.code(), err.kind()), (115, "unknown_namespace"));
    let env = Env::new(&[Preset::Dashboard]);
    let r = env.dir.role_by_name(env.tenant, "Admin").unwrap();
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["namespace"], "dashboard");
    assert!(format!("{r:?}").contains("namespace: Preset(Dashboard)"));
    // The audit log's JSON of a role shows its namespace too.
    env.dir.install_preset(env.root, Preset::Managers).unwrap();
    let page = env
        .dir
        .audit_events(&rolecall::AuditQuery {
            action: Some(rolecall::AuditAction::InstallPreset),
            limit: 100,
            ..rolecall::AuditQuery::default()
        })
        .unwrap();
    let after = page.items[0].after.clone().unwrap();
    assert!(after.contains(r#""namespace":"managers""#), "{after}");
}

#[test]
fn preset_names_parse_and_unknown_ones_are_refused() {
    for p in Preset::ALL {
        assert_eq!(p.name().parse::<Preset>().unwrap(), p);
    }
    assert_eq!(
        ["managers", "role_model", "dashboard"],
        Preset::ALL.map(|p| p.name())
    );
    let err = "Managers".parse::<Preset>().unwrap_err();
    assert!(matches!(&err, Error::UnknownPreset { name } if name == "Managers"));
    assert_eq!(err.code(), 104);
}

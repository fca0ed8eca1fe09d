//! Contact-center scopes (issue 15) beyond the conformance vectors (`scopes.json`,
//! `scenario_contact_center.json`): kind names, persistence through SQLite, the 003 model inside
//! a hierarchy, security stamps on moves and grants, the administrator tier and the group rules
//! under delegated administration, and role edits reaching per-scope grants.

mod common;

use common::{perms, refused, Env, TempDir};
use rolecall::{
    CustomKind, Directory, Error, NewRole, NewUser, Permission, Preset, RolePatch, ScopeAccess,
    ScopeId, ScopeKind, UserId,
};

#[test]
fn kind_names_are_built_in_or_valid_tenant_names() {
    for (i, k) in ScopeKind::BUILT_IN.iter().enumerate() {
        assert_eq!(k.code(), Some(i as u32));
        assert_eq!(ScopeKind::from_code(i as u32), Some(*k));
        assert_eq!(k.name().parse::<ScopeKind>().unwrap(), *k);
    }
    assert_eq!(ScopeKind::from_code(6), None);
    let names: Vec<&str> = ScopeKind::BUILT_IN.iter().map(|k| k.name()).collect();
    assert_eq!(
        names,
        ["call_group", "ivr", "queue", "campaign", "number", "team"]
    );
    let brand = ScopeKind::custom("brand").unwrap();
    assert_eq!((brand.name(), brand.code()), ("brand", None));
    assert_eq!("brand".parse::<ScopeKind>().unwrap(), brand);
    assert!(CustomKind::new(&"a".repeat(24)).is_ok());
    for bad in [
        "",
        "Brand",
        "9lives",
        "_x",
        "x-ray",
        "brand ",
        "é",
        "team",
        "call_group",
        &"a".repeat(25),
    ] {
        let e = CustomKind::new(bad).unwrap_err();
        assert_eq!(e.kind(), "invalid_argument", "{bad:?}");
    }
    // Serialised by name, both ways.
    let json = serde_json::to_string(&[ScopeKind::Queue, brand]).unwrap();
    assert_eq!(json, r#"["queue","brand"]"#);
    let back: Vec<ScopeKind> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, [ScopeKind::Queue, brand]);
}

/// Lyon (site) → Sales (team) → Sales EN (queue); a Team lead of Sales, a member agent.
struct Tree {
    env: Env,
    lyon: ScopeId,
    sales: ScopeId,
    queue: ScopeId,
    support: ScopeId,
    lead_role: rolecall::RoleId,
    lead: UserId,
    agent: UserId,
}

fn tree_in(dir: Directory) -> Tree {
    let t = dir
        .create_tenant(
            "Acme",
            &NewUser::new("Ada", "Root", "root@acme.test"),
            &[Preset::Managers],
        )
        .unwrap();
    let env = Env {
        dir,
        tenant: t.tenant,
        root: t.superadmin,
    };
    let (d, root) = (&env.dir, env.root);
    let lyon = d.create_scope(root, ScopeKind::Team, "Lyon").unwrap();
    let sales = d
        .create_scope_under(root, lyon, ScopeKind::Team, "Sales")
        .unwrap();
    let support = d
        .create_scope_under(root, lyon, ScopeKind::Team, "Support")
        .unwrap();
    let queue = d
        .create_scope_under(root, sales, ScopeKind::Queue, "Sales EN")
        .unwrap();
    let lead_role = d
        .create_role(
            root,
            &NewRole::new(
                "Team lead",
                perms(&[
                    "users.view",
                    "users.manage",
                    "groups.manage",
                    "reports.view",
                ]),
            ),
        )
        .unwrap();
    let lead = d
        .create_user(
            root,
            &NewUser::new("Tom", "Lead", "tom@acme.test")
                .teams([sales])
                .grant(lead_role, sales),
        )
        .unwrap();
    let agent = d
        .create_user(
            root,
            &NewUser::new("Ann", "Agent", "ann@acme.test").teams([sales]),
        )
        .unwrap();
    Tree {
        env,
        lyon,
        sales,
        queue,
        support,
        lead_role,
        lead,
        agent,
    }
}

fn tree() -> Tree {
    tree_in(Directory::in_memory())
}

#[test]
fn the_hierarchy_grants_and_teams_survive_a_reopen_of_the_sqlite_file() {
    let tmp = TempDir::new("scope-tree");
    let path = tmp.file("cc.db");
    let t = tree_in(Directory::open_sqlite(&path).unwrap());
    let brand = t
        .env
        .dir
        .create_scope(t.env.root, ScopeKind::custom("brand").unwrap(), "Blue")
        .unwrap();
    let view = Permission::REPORTS_VIEW;
    let before = (
        t.env.dir.check_scoped(t.lead, view, t.queue),
        t.env
            .dir
            .check_user(t.lead, Permission::USERS_MANAGE, t.agent),
        t.env.dir.allowed_scopes(t.lead, view).unwrap(),
        t.env.dir.user(t.lead).unwrap(),
        t.env.dir.scope(t.queue).unwrap(),
        t.env.dir.scope(brand).unwrap(),
    );
    assert!(before.0 && before.1);
    assert_eq!(before.2, ScopeAccess::Only(vec![t.sales, t.queue]));
    t.env.dir.close();
    drop(t);
    let d = Directory::open_sqlite(&path).unwrap();
    let lead = before.3.id;
    let agent = d
        .user_by_email(before.3.tenant, "ann@acme.test")
        .unwrap()
        .id;
    assert_eq!(
        (
            d.check_scoped(lead, view, before.4.id),
            d.check_user(lead, Permission::USERS_MANAGE, agent),
            d.allowed_scopes(lead, view).unwrap(),
            d.user(lead).unwrap(),
            d.scope(before.4.id).unwrap(),
            d.scope(brand).unwrap(),
        ),
        before
    );
}

#[test]
fn the_003_model_holds_inside_a_hierarchy() {
    // A supervisor assigned a call group sees the IVR below it, and only that subtree.
    let env = Env::new(&[Preset::Dashboard]);
    let (d, root) = (&env.dir, env.root);
    let cg = d.create_scope(root, ScopeKind::CallGroup, "Sales").unwrap();
    let ivr = d
        .create_scope_under(root, cg, ScopeKind::Ivr, "Sales menu")
        .unwrap();
    let other = d
        .create_scope(root, ScopeKind::CallGroup, "Support")
        .unwrap();
    let sup = env.user("sup", &["Supervisor"]);
    d.assign_scope(root, sup, cg).unwrap();
    let logs = Permission::from_names(&["dashboard.logs"]).unwrap();
    assert!(d.check_scoped(sup, logs, cg));
    assert!(d.check_scoped(sup, logs, ivr));
    assert!(!d.check_scoped(sup, logs, other));
    assert_eq!(
        d.allowed_scopes(sup, logs).unwrap(),
        ScopeAccess::Only(vec![cg, ivr])
    );
    assert_eq!(
        d.allowed_scopes_of_kind(sup, logs, ScopeKind::Ivr).unwrap(),
        ScopeAccess::Only(vec![ivr])
    );
}

#[test]
fn stamps_renew_for_who_loses_access_by_a_move_or_a_revoked_grant_and_only_for_them() {
    let t = tree();
    let (d, root) = (&t.env.dir, t.env.root);
    let paris = d.create_scope(root, ScopeKind::Team, "Paris").unwrap();
    let site_role = t.env.custom_role("Site", perms(&["reports.view"]));
    let mia = d
        .create_user(
            root,
            &NewUser::new("Mia", "Site", "mia@acme.test").grant(site_role, t.lyon),
        )
        .unwrap();
    let pat = d
        .create_user(
            root,
            &NewUser::new("Pat", "Site", "pat@acme.test").grant(site_role, paris),
        )
        .unwrap();
    let stamp = |u| d.security_stamp(u).unwrap();
    let (mia0, pat0, lead0) = (stamp(mia), stamp(pat), stamp(t.lead));
    d.move_scope(root, t.sales, Some(paris)).unwrap();
    // Mia lost Sales, Pat gained it, the lead's own grant moved with the node.
    assert_ne!(stamp(mia), mia0);
    assert_eq!((stamp(pat), stamp(t.lead)), (pat0, lead0));
    assert!(!d.check_scoped(mia, Permission::REPORTS_VIEW, t.queue));
    assert!(d.check_scoped(pat, Permission::REPORTS_VIEW, t.queue));
    // A grant renews nothing; its revocation renews the holder's stamp.
    let pat1 = stamp(pat);
    d.grant_role_in_scope(root, pat, t.lead_role, t.support)
        .unwrap();
    assert_eq!(stamp(pat), pat1);
    d.revoke_role_in_scope(root, pat, t.lead_role, t.support)
        .unwrap();
    assert_ne!(stamp(pat), pat1);
}

#[test]
fn the_administrator_tier_holds_under_delegated_administration() {
    let t = tree();
    let (d, root) = (&t.env.dir, t.env.root);
    let admin_role = d
        .create_role(
            root,
            &NewRole::new("Site admin", perms(&["users.view", "users.manage"])).admin_tier(),
        )
        .unwrap();
    // Only the superadministrator grants an administrator-tier role, per scope too.
    let e = refused(d, |d| {
        d.grant_role_in_scope(t.lead, t.agent, admin_role, t.sales)
    });
    assert!(matches!(e, Error::SuperadminOnly { .. }), "{e}");
    let boss = d
        .create_user(
            root,
            &NewUser::new("Bea", "Boss", "bea@acme.test")
                .teams([t.sales])
                .grant(admin_role, t.lyon),
        )
        .unwrap();
    // An administrator in the lead's team is still not the lead's to change.
    let e = refused(d, |d| d.set_active(t.lead, boss, false));
    assert!(matches!(e, Error::AdministratorProtected { .. }), "{e}");
    // Nor the superadministrator's, wherever it is placed.
    d.set_user_teams(root, root, &[t.sales]).unwrap();
    let e = refused(d, |d| d.set_user_teams(t.lead, root, &[t.sales, t.support]));
    assert!(
        matches!(
            e,
            Error::SuperadminProtected { .. } | Error::OutsideTeams { .. }
        ),
        "{e}"
    );
}

#[test]
fn group_membership_is_managed_within_the_teams_held() {
    let t = tree();
    let (d, root) = (&t.env.dir, t.env.root);
    // Scoped (003): granted within its holders' assigned scopes, so the lead may grant it.
    let reports = d
        .create_role(
            root,
            &NewRole::new("Reports", Permission::REPORTS_VIEW).scoped(),
        )
        .unwrap();
    let g = d.create_group(root, "Reporting", &[]).unwrap();
    let outsider = d
        .create_user(
            root,
            &NewUser::new("Sam", "Out", "sam@acme.test").teams([t.support]),
        )
        .unwrap();
    d.add_member(t.lead, g, t.agent).unwrap();
    let e = refused(d, |d| d.add_member(t.lead, g, outsider));
    assert!(matches!(e, Error::OutsideTeams { .. }), "{e}");
    d.add_member(root, g, outsider).unwrap();
    // A change to the group's roles reaches every member: the lead cannot make it while a
    // member is outside its teams.
    let e = refused(d, |d| d.add_group_role(t.lead, g, reports));
    assert!(matches!(e, Error::OutsideTeams { .. }), "{e}");
    let e = refused(d, |d| d.remove_member(t.lead, g, outsider));
    assert!(matches!(e, Error::OutsideTeams { .. }), "{e}");
}

#[test]
fn editing_a_role_granted_per_scope_is_a_grant_at_each_of_its_scopes() {
    let t = tree();
    let (d, root) = (&t.env.dir, t.env.root);
    // A role manager holding campaigns.view only for Support.
    let mgr_role = t.env.custom_role(
        "Role manager",
        perms(&["roles.manage", "campaigns.view", "reports.view"]),
    );
    let mgr = d
        .create_user(
            root,
            &NewUser::new("Rob", "Roles", "rob@acme.test").grant(mgr_role, t.support),
        )
        .unwrap();
    let watch = t.env.custom_role("Watch", Permission::REPORTS_VIEW);
    d.grant_role_in_scope(root, t.agent, watch, t.sales)
        .unwrap();
    // Adding campaigns.view to Watch gives it to the agent in Sales: not Rob's to give.
    let patch = RolePatch {
        permissions: Some(perms(&["reports.view", "campaigns.view"])),
        ..RolePatch::default()
    };
    let e = refused(d, |d| d.update_role(mgr, watch, &patch));
    assert!(matches!(e, Error::Escalation { .. }), "{e}");
    // Moved to Support, the same edit is Rob's to make.
    d.revoke_role_in_scope(root, t.agent, watch, t.sales)
        .unwrap();
    d.grant_role_in_scope(root, t.agent, watch, t.support)
        .unwrap();
    d.update_role(mgr, watch, &patch).unwrap();
    assert!(d.check_scoped(t.agent, Permission::CAMPAIGNS_VIEW, t.support));
    assert!(!d.check_scoped(t.agent, Permission::CAMPAIGNS_VIEW, t.queue));
}

#[test]
fn a_move_gives_nobody_what_the_actor_does_not_hold_there() {
    let t = tree();
    let (d, root) = (&t.env.dir, t.env.root);
    // Mia manages scopes for Lyon and Paris, but holds billing.view nowhere.
    let paris = d.create_scope(root, ScopeKind::Team, "Paris").unwrap();
    let scopes_role = t.env.custom_role("Scopes", perms(&["scopes.manage"]));
    let mia = d
        .create_user(
            root,
            &NewUser::new("Mia", "Site", "mia@acme.test")
                .grant(scopes_role, t.lyon)
                .grant(scopes_role, paris),
        )
        .unwrap();
    let billing = t.env.custom_role("Billing", Permission::BILLING_VIEW);
    let pat = d
        .create_user(
            root,
            &NewUser::new("Pat", "Pay", "pat@acme.test").grant(billing, paris),
        )
        .unwrap();
    // Moving Sales under Paris would give Pat billing.view on Sales.
    let e = refused(d, |d| d.move_scope(mia, t.sales, Some(paris)));
    assert!(
        matches!(e, Error::Escalation { missing } if missing == Permission::BILLING_VIEW),
        "{e}"
    );
    assert!(!d.check_scoped(pat, Permission::BILLING_VIEW, t.queue));
    // Making it a root needs scopes.manage unscoped.
    let e = refused(d, |d| d.move_scope(mia, t.sales, None));
    assert!(matches!(e, Error::PermissionDenied { .. }), "{e}");
    // The superadministrator may.
    d.move_scope(root, t.sales, Some(paris)).unwrap();
    assert!(d.check_scoped(pat, Permission::BILLING_VIEW, t.queue));
}

#[test]
fn deleting_a_role_or_a_scope_ends_the_grants_of_it() {
    let t = tree();
    let (d, root) = (&t.env.dir, t.env.root);
    let watch = t.env.custom_role("Watch", Permission::REPORTS_VIEW);
    d.grant_role_in_scope(root, t.agent, watch, t.queue)
        .unwrap();
    d.grant_role_in_scope(root, t.agent, watch, t.support)
        .unwrap();
    d.delete_scope(root, t.queue).unwrap();
    assert_eq!(d.user(t.agent).unwrap().grants.len(), 1);
    d.delete_role(root, watch).unwrap();
    assert!(d.user(t.agent).unwrap().grants.is_empty());
    assert!(!d.check(t.agent, Permission::REPORTS_VIEW));
    assert_eq!(d.team_members(t.sales).unwrap(), vec![t.lead, t.agent]);
    assert_eq!(d.child_scopes(t.lyon).unwrap(), vec![t.sales, t.support]);
    let e = d.child_scopes(ScopeId(999)).unwrap_err();
    assert_eq!(e.kind(), "unknown_scope");
}

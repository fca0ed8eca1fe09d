//! Custom roles (000, 001, 003) and user groups (004): management rights, no escalation on
//! every path, administrator tier, changes visible to the next check, the only-group rule,
//! and `explain`.

mod common;

use common::{assert_exact, perms, refused, Env};
use rolecall::{Error, Grant, NewRole, Permission, Preset, RoleNamespace, RolePatch, UserId};

fn managers() -> Env {
    Env::new(&[Preset::Managers])
}

fn viewer_rights() -> Permission {
    perms(&[
        "campaigns.view",
        "scripts.view",
        "numbers.view",
        "reports.view",
    ])
}

fn operator_rights() -> Permission {
    viewer_rights() | Permission::CAMPAIGNS_CONTROL
}

/// A user-group administrator who holds only groups.* and the Viewer's rights.
fn group_admin(env: &Env) -> UserId {
    let r = env.custom_role(
        "Group admin",
        perms(&["groups.view", "groups.manage"]) | viewer_rights(),
    );
    env.user_with(env.root, "gary", &[r])
}

/// A role administrator who holds only roles.* and the Viewer's rights.
fn role_admin(env: &Env) -> UserId {
    let r = env.custom_role(
        "Role admin",
        perms(&["roles.view", "roles.manage"]) | viewer_rights(),
    );
    env.user_with(env.root, "rita", &[r])
}

// ================================================================== custom roles

#[test]
fn creating_a_custom_role_needs_roles_manage() {
    let env = managers();
    let admin = env.user("ann", &["Admin"]); // 000 Admin has no roles.manage
    let err = refused(&env.dir, |d| {
        d.create_role(admin, &NewRole::new("Auditor", Permission::REPORTS_VIEW))
    });
    assert_eq!(
        err,
        Error::PermissionDenied {
            required: Permission::ROLES_MANAGE
        }
    );
    let ra = role_admin(&env);
    let id = env
        .dir
        .create_role(ra, &NewRole::new("Auditor", Permission::REPORTS_VIEW))
        .unwrap();
    let r = env.dir.role(id).unwrap();
    assert_eq!(
        (
            r.name.as_str(),
            r.permissions,
            r.scoped,
            r.admin_tier,
            r.preset()
        ),
        ("Auditor", Permission::REPORTS_VIEW, false, false, None)
    );
    assert_eq!(env.dir.role_by_name(env.tenant, "AUDITOR").unwrap().id, id);
    // Editing and deleting it need roles.manage too.
    let denied = Error::PermissionDenied {
        required: Permission::ROLES_MANAGE,
    };
    let patch = RolePatch {
        name: Some("Renamed".into()),
        ..RolePatch::default()
    };
    assert_eq!(
        refused(&env.dir, |d| d.update_role(admin, id, &patch)),
        denied
    );
    assert_eq!(refused(&env.dir, |d| d.delete_role(admin, id)), denied);
    env.dir.update_role(ra, id, &patch).unwrap();
    env.dir.delete_role(ra, id).unwrap();
    assert!(matches!(env.dir.role(id), Err(Error::UnknownRole(_))));
}

#[test]
fn no_escalation_when_creating_a_role() {
    let env = managers();
    let ra = role_admin(&env);
    let err = refused(&env.dir, |d| {
        d.create_role(
            ra,
            &NewRole::new(
                "Starter",
                Permission::CAMPAIGNS_CONTROL | Permission::REPORTS_VIEW,
            ),
        )
    });
    assert_eq!(
        err,
        Error::Escalation {
            missing: Permission::CAMPAIGNS_CONTROL
        }
    );
    assert!(env.dir.role_by_name(env.tenant, "Starter").is_err());
}

#[test]
fn no_escalation_when_editing_a_roles_permissions() {
    let env = managers();
    let ra = role_admin(&env);
    let auditor = env
        .dir
        .create_role(ra, &NewRole::new("Auditor", Permission::REPORTS_VIEW))
        .unwrap();
    let holder = env.user_with(env.root, "hal", &[auditor]);
    let patch = RolePatch {
        permissions: Some(Permission::REPORTS_VIEW | Permission::BILLING_VIEW),
        ..RolePatch::default()
    };
    let err = refused(&env.dir, |d| d.update_role(ra, auditor, &patch));
    assert_eq!(
        err,
        Error::Escalation {
            missing: Permission::BILLING_VIEW
        }
    );
    assert!(!env.dir.check(holder, Permission::BILLING_VIEW));
    // The same edit with no holder is still a grant (to future holders).
    let lonely = env
        .dir
        .create_role(ra, &NewRole::new("Lonely", Permission::REPORTS_VIEW))
        .unwrap();
    let err = refused(&env.dir, |d| d.update_role(ra, lonely, &patch));
    assert_eq!(
        err,
        Error::Escalation {
            missing: Permission::BILLING_VIEW
        }
    );
    // Adding rights the actor holds, or removing rights, is fine.
    env.dir
        .update_role(
            ra,
            auditor,
            &RolePatch {
                permissions: Some(Permission::REPORTS_VIEW | Permission::SCRIPTS_VIEW),
                ..RolePatch::default()
            },
        )
        .unwrap();
    assert!(env.dir.check(holder, Permission::SCRIPTS_VIEW));
}

#[test]
fn editing_a_role_takes_effect_for_its_holders_at_the_next_check() {
    let env = managers();
    let auditor = env.custom_role("Auditor", Permission::REPORTS_VIEW);
    let direct = env.user_with(env.root, "dina", &[auditor]);
    let via_group = env.user("gina", &[]);
    let g = env.dir.create_group(env.root, "Audit", &[auditor]).unwrap();
    env.dir.add_member(env.root, g, via_group).unwrap();
    env.dir
        .update_role(
            env.root,
            auditor,
            &RolePatch {
                name: Some("Auditor v2".into()),
                permissions: Some(Permission::BILLING_VIEW),
                denied: None,
                description: Some("bills only".into()),
            },
        )
        .unwrap();
    for u in [direct, via_group] {
        assert_exact(&env.dir, u, Permission::BILLING_VIEW);
    }
    let r = env.dir.role(auditor).unwrap();
    assert_eq!(
        (r.name.as_str(), r.description.as_str()),
        ("Auditor v2", "bills only")
    );
}

#[test]
fn editing_a_role_held_by_an_administrator_is_refused_to_others() {
    let env = managers();
    let shared = env.custom_role("Shared", Permission::REPORTS_VIEW);
    let ra = role_admin(&env);
    let admin = env.user("ann", &["Admin"]);
    env.dir.assign_role(env.root, admin, shared).unwrap();
    let err = refused(&env.dir, |d| {
        d.update_role(
            ra,
            shared,
            &RolePatch {
                permissions: Some(Permission::empty()),
                ..RolePatch::default()
            },
        )
    });
    assert!(
        matches!(&err, Error::AdministratorProtected { user, .. } if *user == admin),
        "{err:?}"
    );
    let err = refused(&env.dir, |d| d.delete_role(ra, shared));
    assert!(
        matches!(&err, Error::AdministratorProtected { user, .. } if *user == admin),
        "{err:?}"
    );
}

#[test]
fn built_in_preset_roles_cannot_be_edited_or_deleted() {
    let env = managers();
    let op = env.role("Operator");
    let holder = env.user("olga", &["Operator"]);
    let err = refused(&env.dir, |d| {
        d.update_role(
            env.root,
            op,
            &RolePatch {
                permissions: Some(Permission::all()),
                ..RolePatch::default()
            },
        )
    });
    assert_eq!(
        err,
        Error::BuiltinRole {
            role: op,
            name: "managers/Operator".into(),
            action: "edited"
        }
    );
    assert_eq!(
        err.to_string(),
        "role managers/Operator is a built-in preset role and cannot be edited"
    );
    assert_eq!((err.code(), err.kind()), (405, "builtin_role"));
    let err = refused(&env.dir, |d| d.delete_role(env.root, op));
    assert_eq!(
        err,
        Error::BuiltinRole {
            role: op,
            name: "managers/Operator".into(),
            action: "deleted"
        }
    );
    assert_eq!(
        err.to_string(),
        "role managers/Operator is a built-in preset role and cannot be deleted"
    );
    assert_exact(&env.dir, holder, operator_rights());
}

#[test]
fn deleting_a_role_takes_it_from_every_user_and_group_at_once() {
    let env = managers();
    let auditor = env.custom_role("Auditor", Permission::REPORTS_VIEW);
    let direct = env.user_with(env.root, "dina", &[auditor]);
    let member = env.user("gina", &[]);
    let g = env.dir.create_group(env.root, "Audit", &[auditor]).unwrap();
    env.dir.add_member(env.root, g, member).unwrap();
    env.dir.delete_role(env.root, auditor).unwrap();
    assert!(matches!(env.dir.role(auditor), Err(Error::UnknownRole(_))));
    assert!(env.dir.user(direct).unwrap().roles.is_empty());
    assert!(env.dir.group(g).unwrap().roles.is_empty());
    for u in [direct, member] {
        assert_exact(&env.dir, u, Permission::empty());
    }
}

#[test]
fn role_names_are_unique_per_tenant_case_insensitively() {
    let env = managers();
    let err = refused(&env.dir, |d| {
        d.create_role(
            env.root,
            &NewRole::new("operator", Permission::REPORTS_VIEW),
        )
    });
    assert!(
        matches!(&err, Error::DuplicateName { kind: "role", name } if name == "operator"),
        "{err:?}"
    );
    assert_eq!((err.code(), err.kind()), (301, "duplicate_name"));
    let auditor = env.custom_role("Auditor", Permission::REPORTS_VIEW);
    let err = refused(&env.dir, |d| {
        d.update_role(
            env.root,
            auditor,
            &RolePatch {
                name: Some("VIEWER".into()),
                ..RolePatch::default()
            },
        )
    });
    assert_eq!(err.kind(), "duplicate_name");
    // Another tenant may use the name.
    let (_, other_root) = env.other_tenant(&[]);
    env.dir
        .create_role(
            other_root,
            &NewRole::new("Auditor", Permission::REPORTS_VIEW),
        )
        .unwrap();
}

// ================================================================== groups

#[test]
fn managing_groups_needs_groups_manage() {
    let env = managers();
    let admin = env.user("ann", &["Admin"]); // 000 Admin holds no groups.manage
    let g = env
        .dir
        .create_group(env.root, "Floor", &[env.role("Viewer")])
        .unwrap();
    let target = env.user("tom", &[]);
    let denied = Error::PermissionDenied {
        required: Permission::GROUPS_MANAGE,
    };
    let viewer = env.role("Viewer");
    let attempts = [
        refused(&env.dir, |d| {
            d.create_group(admin, "Other", &[]).map(|_| ())
        }),
        refused(&env.dir, |d| d.rename_group(admin, g, "Renamed")),
        refused(&env.dir, |d| {
            d.add_group_role(admin, g, env.role("Operator"))
        }),
        refused(&env.dir, |d| d.remove_group_role(admin, g, viewer)),
        refused(&env.dir, |d| d.add_member(admin, g, target)),
        refused(&env.dir, |d| d.remove_member(admin, g, target)),
        refused(&env.dir, |d| d.delete_group(admin, g)),
    ];
    for err in attempts {
        assert_eq!(err, denied);
    }
}

#[test]
fn a_group_is_created_with_a_name_and_roles_and_members_inherit_them() {
    let env = managers();
    let ga = group_admin(&env);
    let g = env
        .dir
        .create_group(ga, " Night shift ", &[env.role("Viewer")])
        .unwrap();
    let rec = env.dir.group(g).unwrap();
    assert_eq!(rec.name, "Night shift");
    assert_eq!(rec.tenant, env.tenant);
    assert_eq!(
        rec.roles.iter().copied().collect::<Vec<_>>(),
        vec![env.role("Viewer")]
    );
    assert_eq!(env.dir.group_permissions(g).unwrap(), viewer_rights());
    assert!(env.dir.group_members(g).unwrap().is_empty());

    let u = env.user("tom", &[]);
    env.dir.add_member(ga, g, u).unwrap();
    assert_exact(&env.dir, u, viewer_rights());
    assert_eq!(env.dir.user_groups(u).unwrap(), vec![g]);
    assert_eq!(
        env.dir.group_by_name(env.tenant, "NIGHT SHIFT").unwrap().id,
        g
    );
    assert_eq!(env.dir.groups(env.tenant).unwrap().len(), 1);
}

#[test]
fn a_group_can_be_renamed_and_names_are_unique_per_tenant() {
    let env = managers();
    let ga = group_admin(&env);
    let a = env.dir.create_group(ga, "Alpha", &[]).unwrap();
    env.dir.create_group(ga, "Beta", &[]).unwrap();
    env.dir.rename_group(ga, a, "Gamma").unwrap();
    assert_eq!(env.dir.group(a).unwrap().name, "Gamma");
    assert!(env.dir.group_by_name(env.tenant, "Alpha").is_err());
    let err = refused(&env.dir, |d| d.rename_group(ga, a, "BETA"));
    assert!(
        matches!(&err, Error::DuplicateName { kind: "group", name } if name == "BETA"),
        "{err:?}"
    );
    let err = refused(&env.dir, |d| d.create_group(ga, "gamma", &[]));
    assert_eq!(err.kind(), "duplicate_name");
    // Renaming to a new case of its own name is fine.
    env.dir.rename_group(ga, a, "GAMMA").unwrap();
    assert_eq!(env.dir.group(a).unwrap().name, "GAMMA");
}

#[test]
fn group_roles_and_members_can_be_added_and_removed_with_effect_at_the_next_check() {
    let env = managers();
    let ga = group_admin(&env);
    let g = env.dir.create_group(ga, "Floor", &[]).unwrap();
    let u = env.user("tom", &[]);
    let v = env.user("vera", &[]);
    env.dir.add_member(ga, g, u).unwrap();
    env.dir.add_member(ga, g, v).unwrap();
    assert_eq!(env.dir.group_members(g).unwrap(), vec![u, v]);
    assert_exact(&env.dir, u, Permission::empty());

    env.dir.add_group_role(ga, g, env.role("Viewer")).unwrap();
    assert_exact(&env.dir, u, viewer_rights());
    assert_exact(&env.dir, v, viewer_rights());
    assert_eq!(env.dir.group_permissions(g).unwrap(), viewer_rights());

    env.dir.remove_member(ga, g, v).unwrap();
    assert_eq!(env.dir.group_members(g).unwrap(), vec![u]);
    assert!(env.dir.user_groups(v).unwrap().is_empty());
    assert_exact(&env.dir, v, Permission::empty());

    env.dir
        .remove_group_role(ga, g, env.role("Viewer"))
        .unwrap();
    assert_exact(&env.dir, u, Permission::empty());
    assert_eq!(env.dir.group_permissions(g).unwrap(), Permission::empty());
}

#[test]
fn group_permissions_are_the_union_of_the_groups_roles() {
    let env = managers();
    let g = env
        .dir
        .create_group(
            env.root,
            "Mixed",
            &[env.role("Operator"), env.role("Service")],
        )
        .unwrap();
    assert_eq!(
        env.dir.group_permissions(g).unwrap(),
        operator_rights()
            | perms(&[
                "scripts.edit",
                "billing.view",
                "billing.manage",
                "api.access",
                "system.admin"
            ])
    );
}

#[test]
fn a_group_cannot_be_deleted_while_it_is_a_members_only_group() {
    let env = managers();
    let ga = group_admin(&env);
    let g = env
        .dir
        .create_group(ga, "Floor", &[env.role("Viewer")])
        .unwrap();
    let other = env.dir.create_group(ga, "Other", &[]).unwrap();
    let u = env.user("tom", &[]);
    let v = env.user("vera", &[]);
    env.dir.add_member(ga, g, u).unwrap();
    env.dir.add_member(ga, g, v).unwrap();
    env.dir.add_member(ga, other, v).unwrap(); // v has another group, u does not

    let tom = env.dir.user(u).unwrap().email;
    let want = Error::GroupIsOnlyGroup {
        group: g,
        group_name: "Floor".into(),
        user: u,
        user_email: tom.clone(),
    };
    let err = refused(&env.dir, |d| d.delete_group(ga, g));
    assert_eq!(err, want);
    assert_eq!((err.code(), err.kind()), (302, "group_is_only_group"));
    // A person reads names, not internal ids (which stay in the fields).
    assert_eq!(
        err.to_string(),
        format!("group \"Floor\" cannot be deleted: it is the only group of member {tom}")
    );
    // Even the superadministrator is refused.
    let err = refused(&env.dir, |d| d.delete_group(env.root, g));
    assert_eq!(err, want);

    // Once u is in another group too, the group can go.
    env.dir.add_member(ga, other, u).unwrap();
    env.dir.delete_group(ga, g).unwrap();
    assert!(matches!(env.dir.group(g), Err(Error::UnknownGroup(_))));
    assert_eq!(env.dir.user_groups(u).unwrap(), vec![other]);
    assert_exact(&env.dir, u, Permission::empty());
}

#[test]
fn a_group_can_be_deleted_once_its_only_group_member_is_removed() {
    let env = managers();
    let ga = group_admin(&env);
    let g = env.dir.create_group(ga, "Floor", &[]).unwrap();
    let u = env.user("tom", &[]);
    env.dir.add_member(ga, g, u).unwrap();
    refused(&env.dir, |d| d.delete_group(ga, g));
    env.dir.remove_member(ga, g, u).unwrap();
    env.dir.delete_group(ga, g).unwrap();
    assert!(env.dir.groups(env.tenant).unwrap().is_empty());
    // An empty group can always be deleted.
    let empty = env.dir.create_group(ga, "Empty", &[]).unwrap();
    env.dir.delete_group(ga, empty).unwrap();
}

#[test]
fn a_group_can_be_deleted_once_its_only_group_member_is_deleted() {
    let env = managers();
    let g = env.dir.create_group(env.root, "Floor", &[]).unwrap();
    let u = env.user("tom", &[]);
    env.dir.add_member(env.root, g, u).unwrap();
    env.dir.delete_user(env.root, u).unwrap();
    assert!(env.dir.group_members(g).unwrap().is_empty());
    env.dir.delete_group(env.root, g).unwrap();
}

#[test]
fn no_escalation_when_adding_a_member_to_a_group() {
    let env = managers();
    let ga = group_admin(&env);
    let g = env
        .dir
        .create_group(env.root, "Operators", &[env.role("Operator")])
        .unwrap();
    let u = env.user("tom", &[]);
    let err = refused(&env.dir, |d| d.add_member(ga, g, u));
    assert_eq!(
        err,
        Error::Escalation {
            missing: Permission::CAMPAIGNS_CONTROL
        }
    );
    // Not even oneself.
    let err = refused(&env.dir, |d| d.add_member(ga, g, ga));
    assert!(matches!(err, Error::Escalation { .. }), "{err:?}");
    assert!(!env.dir.check(ga, Permission::CAMPAIGNS_CONTROL));
}

#[test]
fn no_escalation_when_adding_a_role_to_a_group() {
    let env = managers();
    let ga = group_admin(&env);
    let g = env.dir.create_group(ga, "Floor", &[]).unwrap();
    let u = env.user("tom", &[]);
    env.dir.add_member(ga, g, u).unwrap();
    env.dir.add_member(ga, g, ga).unwrap();
    let err = refused(&env.dir, |d| d.add_group_role(ga, g, env.role("Service")));
    assert_eq!(
        err,
        Error::Escalation {
            missing: perms(&[
                "scripts.edit",
                "billing.view",
                "billing.manage",
                "api.access",
                "system.admin"
            ])
        }
    );
    assert_exact(&env.dir, u, Permission::empty());
}

#[test]
fn no_escalation_when_creating_a_group_with_roles() {
    let env = managers();
    let ga = group_admin(&env);
    let err = refused(&env.dir, |d| {
        d.create_group(ga, "Ops", &[env.role("Viewer"), env.role("Operator")])
    });
    assert_eq!(
        err,
        Error::Escalation {
            missing: Permission::CAMPAIGNS_CONTROL
        }
    );
    assert!(env.dir.group_by_name(env.tenant, "Ops").is_err());
}

#[test]
fn administrator_tier_roles_reach_groups_only_through_the_superadministrator() {
    let env = Env::new(&[Preset::Dashboard]);
    let a = env.user("ann", &["Admin"]); // holds groups.manage
    let admin_role = env.role("Admin");
    let u = env.user("tom", &[]);
    let err = refused(&env.dir, |d| d.create_group(a, "Admins", &[admin_role]));
    assert!(matches!(err, Error::SuperadminOnly { .. }), "{err:?}");
    let g = env.dir.create_group(a, "Desk", &[]).unwrap();
    let err = refused(&env.dir, |d| d.add_group_role(a, g, admin_role));
    assert!(matches!(err, Error::SuperadminOnly { .. }), "{err:?}");

    let admins = env
        .dir
        .create_group(env.root, "Admins", &[admin_role])
        .unwrap();
    let err = refused(&env.dir, |d| d.add_member(a, admins, u));
    assert!(matches!(err, Error::SuperadminOnly { .. }), "{err:?}");
    env.dir.add_member(env.root, admins, u).unwrap();
    assert!(env.dir.check(u, Permission::GROUPS_MANAGE));
    env.dir.add_member(env.root, g, u).unwrap();
    // u is now an administrator: another administrator cannot take it out or change its groups.
    let err = refused(&env.dir, |d| d.remove_member(a, admins, u));
    assert!(
        matches!(&err, Error::AdministratorProtected { user, .. } if *user == u),
        "{err:?}"
    );
    let err = refused(&env.dir, |d| d.add_group_role(a, g, env.role("Accountant")));
    assert!(
        matches!(&err, Error::AdministratorProtected { user, .. } if *user == u),
        "{err:?}"
    );
    // Removing the administrator-tier role from a group is the superadministrator's too.
    let err = refused(&env.dir, |d| d.remove_group_role(a, admins, admin_role));
    assert!(matches!(err, Error::SuperadminOnly { .. }), "{err:?}");
    env.dir
        .remove_group_role(env.root, admins, admin_role)
        .unwrap();
    assert!(!env.dir.check(u, Permission::GROUPS_MANAGE));
}

#[test]
fn an_administrator_cannot_leave_an_administrator_tier_group_by_itself() {
    let env = Env::new(&[Preset::Dashboard]);
    let admin_role = env.role("Admin");
    let a = env.user("ann", &[]);
    let admins = env
        .dir
        .create_group(env.root, "Admins", &[admin_role])
        .unwrap();
    env.dir.add_member(env.root, admins, a).unwrap();
    assert!(env.dir.check(a, Permission::GROUPS_MANAGE));
    let err = refused(&env.dir, |d| d.remove_member(a, admins, a));
    assert!(matches!(err, Error::SuperadminOnly { .. }), "{err:?}");
    env.dir.remove_member(env.root, admins, a).unwrap();
    assert!(!env.dir.check(a, Permission::GROUPS_MANAGE));
}

#[test]
fn removing_an_administrator_tier_role_from_an_empty_group_needs_the_superadministrator() {
    let env = Env::new(&[Preset::Dashboard]);
    let a = env.user("ann", &["Admin"]);
    let admin_role = env.role("Admin");
    let admins = env
        .dir
        .create_group(env.root, "Admins", &[admin_role])
        .unwrap();
    let err = refused(&env.dir, |d| d.remove_group_role(a, admins, admin_role));
    assert!(matches!(err, Error::SuperadminOnly { .. }), "{err:?}");
    let err = refused(&env.dir, |d| d.delete_group(a, admins));
    assert!(matches!(err, Error::SuperadminOnly { .. }), "{err:?}");
}

// ================================================================== explain

#[test]
fn explain_names_the_roles_and_groups_that_grant() {
    let env = managers();
    let u = env.user("tom", &["Operator"]);
    let g = env
        .dir
        .create_group(env.root, "Readers", &[env.role("Viewer")])
        .unwrap();
    env.dir.add_member(env.root, g, u).unwrap();

    let why = env.dir.explain(u, Permission::CAMPAIGNS_VIEW).unwrap();
    assert!(why.allowed && !why.superadmin && !why.inactive);
    assert_eq!(why.user, u);
    assert_eq!(why.permission, Permission::CAMPAIGNS_VIEW);
    assert_eq!(
        why.grants,
        vec![
            Grant {
                role: env.role("Operator"),
                role_name: "Operator".into(),
                role_namespace: RoleNamespace::Preset(Preset::Managers),
                via_group: None,
                scoped: false,
                scope: None,
                grants: Permission::CAMPAIGNS_VIEW,
            },
            Grant {
                role: env.role("Viewer"),
                role_name: "Viewer".into(),
                role_namespace: RoleNamespace::Preset(Preset::Managers),
                via_group: Some(g),
                scoped: false,
                scope: None,
                grants: Permission::CAMPAIGNS_VIEW,
            },
        ]
    );

    let why = env.dir.explain(u, Permission::CAMPAIGNS_CONTROL).unwrap();
    assert!(why.allowed);
    assert_eq!(why.grants.len(), 1);
    assert_eq!(why.grants[0].role_name, "Operator");

    let why = env.dir.explain(u, Permission::BILLING_VIEW).unwrap();
    assert!(!why.allowed);
    assert!(why.grants.is_empty());

    // A set partly held: the grants show which part each role gives, and the answer is no.
    let why = env
        .dir
        .explain(u, Permission::CAMPAIGNS_CONTROL | Permission::BILLING_VIEW)
        .unwrap();
    assert!(!why.allowed);
    assert_eq!(why.grants.len(), 1);
    assert_eq!(why.grants[0].grants, Permission::CAMPAIGNS_CONTROL);
}

#[test]
fn explain_agrees_with_check_for_every_permission() {
    let env = managers();
    let u = env.user("tom", &["Operator"]);
    let g = env
        .dir
        .create_group(env.root, "Billing", &[env.role("Service")])
        .unwrap();
    env.dir.add_member(env.root, g, u).unwrap();
    for (p, name) in rolecall::CATALOGUE {
        let why = env.dir.explain(u, *p).unwrap();
        assert_eq!(why.allowed, env.dir.check(u, *p), "{name}");
        assert_eq!(why.allowed, !why.grants.is_empty(), "{name}");
    }
}

#[test]
fn the_superadministrator_in_a_group_does_not_block_changes_to_that_group() {
    let env = Env::new(&[Preset::Managers]);
    let d = &env.dir;
    let lead = env.custom_role(
        "Group lead",
        perms(&["groups.manage", "reports.view", "campaigns.view"]),
    );
    let gina = env.user_with(env.root, "gina", &[lead]);
    let reports = env.custom_role("Reports", perms(&["reports.view"]));
    let g = d.create_group(gina, "Night", &[]).unwrap();
    d.add_member(env.root, g, env.root).unwrap();
    let worker = env.user("worker", &[]);
    d.add_member(gina, g, worker).unwrap();
    // The superadministrator's rights cannot change through a group, so it is not in the way.
    d.add_group_role(gina, g, reports).unwrap();
    assert!(d.check(worker, Permission::REPORTS_VIEW));
    d.remove_group_role(gina, g, reports).unwrap();
    assert!(!d.check(worker, Permission::REPORTS_VIEW));
    assert!(d.check(env.root, Permission::REPORTS_VIEW));
    // But the superadministrator's own membership stays its own business.
    let err = refused(d, |x| x.remove_member(gina, g, env.root));
    assert_eq!(err.kind(), "superadmin_protected");
}

//! Dashboard scope (003): supervisors see only the call groups / IVRs assigned to them; the
//! core answers "which ones?" as `ScopeAccess`; scope assignment is a grant; tenants never see
//! each other's scopes.

mod common;

use common::{perms, refused, Env};
use rolecall::{Error, NewRole, Permission, Preset, ScopeAccess, ScopeId, ScopeKind, UserId};

struct Dash {
    env: Env,
    sales: ScopeId,
    support: ScopeId,
    ivr: ScopeId,
}

fn dash() -> Dash {
    let env = Env::new(&[Preset::Dashboard]);
    let sales = env
        .dir
        .create_scope(env.root, ScopeKind::CallGroup, "Sales")
        .unwrap();
    let support = env
        .dir
        .create_scope(env.root, ScopeKind::CallGroup, "Support")
        .unwrap();
    let ivr = env
        .dir
        .create_scope(env.root, ScopeKind::Ivr, "Main menu")
        .unwrap();
    Dash {
        env,
        sales,
        support,
        ivr,
    }
}

fn supervisor_pages() -> Permission {
    perms(&[
        "dashboard.activity",
        "dashboard.logs",
        "dashboard.campaigns",
        "dashboard.analytics",
        "dashboard.tasks",
    ])
}

fn sorted(mut v: Vec<ScopeId>) -> Vec<ScopeId> {
    v.sort();
    v
}

#[test]
fn creating_call_groups_and_ivrs_needs_scopes_manage() {
    let d = dash();
    let env = &d.env;
    let sup = env.user("sam", &["Supervisor"]);
    let err = refused(&env.dir, |x| x.create_scope(sup, ScopeKind::Ivr, "Night"));
    assert_eq!(
        err,
        Error::PermissionDenied {
            required: Permission::SCOPES_MANAGE
        }
    );
    let err = refused(&env.dir, |x| x.delete_scope(sup, d.sales));
    assert_eq!(
        err,
        Error::PermissionDenied {
            required: Permission::SCOPES_MANAGE
        }
    );
    let tech = env.user("ted", &["Technical"]);
    let night = env.dir.create_scope(tech, ScopeKind::Ivr, "Night").unwrap();
    let s = env.dir.scope(night).unwrap();
    assert_eq!(
        (s.kind, s.name.as_str(), s.tenant),
        (ScopeKind::Ivr, "Night", env.tenant)
    );
    assert_eq!(env.dir.scopes(env.tenant).unwrap().len(), 4);
}

#[test]
fn scope_names_are_unique_per_tenant_and_kind() {
    let d = dash();
    let env = &d.env;
    let err = refused(&env.dir, |x| {
        x.create_scope(env.root, ScopeKind::CallGroup, "SALES")
    });
    assert!(
        matches!(&err, Error::DuplicateName { kind: "call_group", name } if name == "SALES"),
        "{err:?}"
    );
    // An IVR may share a call group's name.
    env.dir
        .create_scope(env.root, ScopeKind::Ivr, "Sales")
        .unwrap();
    // Another tenant may reuse it.
    let (_, other_root) = env.other_tenant(&[Preset::Dashboard]);
    env.dir
        .create_scope(other_root, ScopeKind::CallGroup, "Sales")
        .unwrap();
}

#[test]
fn a_supervisor_sees_only_its_assigned_call_groups_and_ivrs() {
    let d = dash();
    let env = &d.env;
    let sup = env.user("sam", &["Supervisor"]);
    env.dir.assign_scope(env.root, sup, d.sales).unwrap();
    env.dir.assign_scope(env.root, sup, d.ivr).unwrap();

    for p in supervisor_pages().singles() {
        assert!(env.dir.check(sup, p), "{p}");
        assert!(env.dir.check_scoped(sup, p, d.sales), "{p}");
        assert!(env.dir.check_scoped(sup, p, d.ivr), "{p}");
        assert!(!env.dir.check_scoped(sup, p, d.support), "{p}");
        assert_eq!(
            env.dir.allowed_scopes(sup, p).unwrap(),
            ScopeAccess::Only(sorted(vec![d.sales, d.ivr])),
            "{p}"
        );
    }
    // Pages outside the Supervisor's role: nowhere.
    for p in [Permission::DASHBOARD_BILLING, Permission::DASHBOARD_USERS] {
        assert!(!env.dir.check_scoped(sup, p, d.sales));
        let access = env.dir.allowed_scopes(sup, p).unwrap();
        assert!(access.is_none(), "{p}: {access:?}");
        assert!(!access.allows(d.sales));
    }
    assert_eq!(
        env.dir
            .user(sup)
            .unwrap()
            .scopes
            .into_iter()
            .collect::<Vec<_>>(),
        sorted(vec![d.sales, d.ivr])
    );
}

#[test]
fn a_supervisor_without_assigned_scopes_sees_no_data() {
    let d = dash();
    let env = &d.env;
    let sup = env.user("sam", &["Supervisor"]);
    let access = env
        .dir
        .allowed_scopes(sup, Permission::DASHBOARD_ANALYTICS)
        .unwrap();
    assert_eq!(access, ScopeAccess::Only(vec![]));
    assert!(access.is_none());
    for s in [d.sales, d.support, d.ivr] {
        assert!(!env
            .dir
            .check_scoped(sup, Permission::DASHBOARD_ANALYTICS, s));
    }
}

#[test]
fn admin_and_superadministrator_see_every_scope() {
    let d = dash();
    let env = &d.env;
    let admin = env.user("ann", &["Admin"]);
    for u in [admin, env.root] {
        for p in supervisor_pages().singles() {
            assert_eq!(env.dir.allowed_scopes(u, p).unwrap(), ScopeAccess::All);
            for s in [d.sales, d.support, d.ivr] {
                assert!(env.dir.check_scoped(u, p, s));
            }
        }
    }
    assert!(ScopeAccess::All.allows(d.support));
}

#[test]
fn unscoped_roles_apply_to_every_scope_of_the_tenant() {
    let d = dash();
    let env = &d.env;
    let acc = env.user("acc", &["Accountant"]);
    assert_eq!(
        env.dir
            .allowed_scopes(acc, Permission::DASHBOARD_BILLING)
            .unwrap(),
        ScopeAccess::All
    );
    assert!(env
        .dir
        .check_scoped(acc, Permission::DASHBOARD_BILLING, d.support));
    assert!(env
        .dir
        .allowed_scopes(acc, Permission::DASHBOARD_ANALYTICS)
        .unwrap()
        .is_none());
}

#[test]
fn no_role_means_no_scope() {
    let d = dash();
    let env = &d.env;
    let u = env.user("nobody", &[]);
    env.dir.assign_scope(env.root, u, d.sales).unwrap();
    for (p, name) in rolecall::CATALOGUE {
        assert!(!env.dir.check_scoped(u, *p, d.sales), "{name}");
        assert!(env.dir.allowed_scopes(u, *p).unwrap().is_none(), "{name}");
    }
    assert!(matches!(
        env.dir
            .allowed_scopes(UserId(9_999), Permission::DASHBOARD_LOGS),
        Err(Error::UnknownUser(_))
    ));
}

#[test]
fn another_tenants_scope_is_never_allowed() {
    let d = dash();
    let env = &d.env;
    let (other, other_root) = env.other_tenant(&[Preset::Dashboard]);
    let theirs = env
        .dir
        .create_scope(other_root, ScopeKind::CallGroup, "Sales")
        .unwrap();
    let admin = env.user("ann", &["Admin"]);
    let sup = env.user("sam", &["Supervisor"]);
    env.dir.assign_scope(env.root, sup, d.sales).unwrap();
    for u in [env.root, admin, sup] {
        for p in supervisor_pages().singles() {
            assert!(!env.dir.check_scoped(u, p, theirs), "{u} {p}");
        }
    }
    // Assigning it is refused as a cross-tenant reference.
    let err = refused(&env.dir, |x| x.assign_scope(env.root, sup, theirs));
    assert_eq!(
        err,
        Error::WrongTenant {
            kind: rolecall::ObjectKind::Scope,
            id: theirs.0
        }
    );
    assert_eq!((err.code(), err.kind()), (210, "wrong_tenant"));
    // And the other tenant's users do not see ours.
    let their_sup = env
        .dir
        .create_user(
            other_root,
            &rolecall::NewUser::new("Sue", "Other", "sue@globex.test").roles([env
                .dir
                .role_by_name(other, "Supervisor")
                .unwrap()
                .id]),
        )
        .unwrap();
    env.dir.assign_scope(other_root, their_sup, theirs).unwrap();
    assert!(!env
        .dir
        .check_scoped(their_sup, Permission::DASHBOARD_LOGS, d.sales));
    assert!(env
        .dir
        .check_scoped(their_sup, Permission::DASHBOARD_LOGS, theirs));
}

#[test]
fn users_with_permission_within_a_scope() {
    let d = dash();
    let env = &d.env;
    let admin = env.user("ann", &["Admin"]);
    let s1 = env.user("sam", &["Supervisor"]);
    let s2 = env.user("sue", &["Supervisor"]);
    env.dir.assign_scope(env.root, s1, d.sales).unwrap();
    env.dir.assign_scope(env.root, s2, d.support).unwrap();
    let p = Permission::DASHBOARD_ANALYTICS;
    assert_eq!(
        env.dir
            .users_with_permission(env.tenant, p, Some(d.sales))
            .unwrap(),
        vec![env.root, admin, s1]
    );
    assert_eq!(
        env.dir
            .users_with_permission(env.tenant, p, Some(d.support))
            .unwrap(),
        vec![env.root, admin, s2]
    );
    assert_eq!(
        env.dir.users_with_permission(env.tenant, p, None).unwrap(),
        vec![env.root, admin, s1, s2]
    );
}

#[test]
fn assigning_scopes_needs_users_manage() {
    let d = dash();
    let env = &d.env;
    let sup = env.user("sam", &["Supervisor"]);
    let other = env.user("sue", &["Supervisor"]);
    env.dir.assign_scope(env.root, sup, d.sales).unwrap();
    let err = refused(&env.dir, |x| x.assign_scope(sup, other, d.sales));
    assert_eq!(
        err,
        Error::PermissionDenied {
            required: Permission::USERS_MANAGE
        }
    );
    let err = refused(&env.dir, |x| x.assign_scope(sup, sup, d.support));
    assert_eq!(
        err,
        Error::PermissionDenied {
            required: Permission::USERS_MANAGE
        }
    );
}

#[test]
fn no_escalation_when_assigning_scopes() {
    let d = dash();
    let env = &d.env;
    // Technical manages users but holds none of the Supervisor's pages.
    let tech = env.user("ted", &["Technical"]);
    let sup = env.user("sam", &["Supervisor"]);
    let err = refused(&env.dir, |x| x.assign_scope(tech, sup, d.sales));
    assert_eq!(
        err,
        Error::Escalation {
            missing: supervisor_pages()
        }
    );
    let err = refused(&env.dir, |x| {
        x.set_user_scopes(tech, sup, &[d.sales, d.ivr])
    });
    assert_eq!(err.kind(), "escalation");
    assert!(!env
        .dir
        .check_scoped(sup, Permission::DASHBOARD_LOGS, d.sales));
    // A scope for a user holding no scoped role grants nothing: allowed.
    let acc = env.user("acc", &["Accountant"]);
    env.dir.assign_scope(tech, acc, d.sales).unwrap();
    // Taking scopes away is not a grant.
    env.dir.assign_scope(env.root, sup, d.sales).unwrap();
    env.dir.unassign_scope(tech, sup, d.sales).unwrap();
    assert!(!env
        .dir
        .check_scoped(sup, Permission::DASHBOARD_LOGS, d.sales));
}

/// A team lead: Supervisor on Sales, plus an unscoped custom role to manage users.
fn team_lead(d: &Dash) -> UserId {
    let env = &d.env;
    let staffing = env.custom_role("Staffing", perms(&["users.view", "users.manage"]));
    let lead = env.user_with(env.root, "lea", &[env.role("Supervisor"), staffing]);
    env.dir.assign_scope(env.root, lead, d.sales).unwrap();
    lead
}

#[test]
fn a_scoped_actor_grants_scoped_rights_only_within_its_own_scopes() {
    let d = dash();
    let env = &d.env;
    let lead = team_lead(&d);
    let sup = env.user("sam", &["Supervisor"]);
    env.dir.assign_scope(lead, sup, d.sales).unwrap();
    assert!(env
        .dir
        .check_scoped(sup, Permission::DASHBOARD_TASKS, d.sales));
    let err = refused(&env.dir, |x| x.assign_scope(lead, sup, d.support));
    assert_eq!(
        err,
        Error::Escalation {
            missing: supervisor_pages()
        }
    );
    // Not even to itself.
    let err = refused(&env.dir, |x| x.assign_scope(lead, lead, d.support));
    assert_eq!(
        err,
        Error::Escalation {
            missing: supervisor_pages()
        }
    );
    // Nor through a group carrying the Supervisor role, for a member assigned Support.
    let g = env
        .dir
        .create_group(env.root, "Supervisors", &[env.role("Supervisor")])
        .unwrap();
    let groups = env.custom_role("Groups", perms(&["groups.manage"]));
    env.dir.assign_role(env.root, lead, groups).unwrap();
    let sol = env.user("sol", &[]);
    env.dir.assign_scope(env.root, sol, d.support).unwrap();
    let err = refused(&env.dir, |x| x.add_member(lead, g, sol));
    assert_eq!(
        err,
        Error::Escalation {
            missing: supervisor_pages()
        }
    );

    // Granting the Supervisor role to someone already assigned Support is refused too.
    let sue = env.user("sue", &[]);
    env.dir.assign_scope(env.root, sue, d.support).unwrap();
    let err = refused(&env.dir, |x| {
        x.assign_role(lead, sue, env.role("Supervisor"))
    });
    assert_eq!(
        err,
        Error::Escalation {
            missing: supervisor_pages()
        }
    );
    // ... but fine for someone within Sales only.
    let sid = env.user("sid", &[]);
    env.dir.assign_scope(env.root, sid, d.sales).unwrap();
    env.dir
        .assign_role(lead, sid, env.role("Supervisor"))
        .unwrap();
    assert!(env
        .dir
        .check_scoped(sid, Permission::DASHBOARD_LOGS, d.sales));
}

#[test]
fn a_scoped_actor_cannot_create_an_unscoped_role_from_its_scoped_rights() {
    let d = dash();
    let env = &d.env;
    let roles = env.custom_role("Role maker", perms(&["roles.manage"]));
    let lead = env.user_with(env.root, "lea", &[env.role("Supervisor"), roles]);
    env.dir.assign_scope(env.root, lead, d.sales).unwrap();
    let err = refused(&env.dir, |x| {
        x.create_role(
            lead,
            &NewRole::new("Analytics", Permission::DASHBOARD_ANALYTICS),
        )
    });
    assert_eq!(
        err,
        Error::Escalation {
            missing: Permission::DASHBOARD_ANALYTICS
        }
    );
    // A scoped role with the same right stays within scopes: fine.
    let r = env
        .dir
        .create_role(
            lead,
            &NewRole::new("Analytics", Permission::DASHBOARD_ANALYTICS).scoped(),
        )
        .unwrap();
    assert!(env.dir.role(r).unwrap().scoped);
}

#[test]
fn custom_scoped_roles_are_restricted_like_the_supervisor() {
    let d = dash();
    let env = &d.env;
    let r = env
        .dir
        .create_role(
            env.root,
            &NewRole::new("Ivr watcher", Permission::DASHBOARD_IVRS).scoped(),
        )
        .unwrap();
    let u = env.user_with(env.root, "iris", &[r]);
    env.dir.assign_scope(env.root, u, d.ivr).unwrap();
    assert!(env.dir.check_scoped(u, Permission::DASHBOARD_IVRS, d.ivr));
    assert!(!env.dir.check_scoped(u, Permission::DASHBOARD_IVRS, d.sales));
    assert_eq!(
        env.dir
            .allowed_scopes(u, Permission::DASHBOARD_IVRS)
            .unwrap(),
        ScopeAccess::Only(vec![d.ivr])
    );
}

#[test]
fn a_right_held_both_scoped_and_unscoped_applies_everywhere() {
    let d = dash();
    let env = &d.env;
    let logs = env.custom_role("All logs", Permission::DASHBOARD_LOGS);
    let u = env.user_with(env.root, "lou", &[env.role("Supervisor"), logs]);
    env.dir.assign_scope(env.root, u, d.sales).unwrap();
    assert_eq!(
        env.dir
            .allowed_scopes(u, Permission::DASHBOARD_LOGS)
            .unwrap(),
        ScopeAccess::All
    );
    assert_eq!(
        env.dir
            .allowed_scopes(u, Permission::DASHBOARD_ACTIVITY)
            .unwrap(),
        ScopeAccess::Only(vec![d.sales])
    );
    assert!(env
        .dir
        .check_scoped(u, Permission::DASHBOARD_LOGS, d.support));
    assert!(!env
        .dir
        .check_scoped(u, Permission::DASHBOARD_ACTIVITY, d.support));
}

#[test]
fn scope_changes_take_effect_for_the_very_next_check() {
    let d = dash();
    let env = &d.env;
    let sup = env.user("sam", &["Supervisor"]);
    let p = Permission::DASHBOARD_CAMPAIGNS;
    env.dir.assign_scope(env.root, sup, d.sales).unwrap();
    assert!(env.dir.check_scoped(sup, p, d.sales));
    env.dir
        .set_user_scopes(env.root, sup, &[d.support, d.ivr])
        .unwrap();
    assert!(!env.dir.check_scoped(sup, p, d.sales));
    assert!(env.dir.check_scoped(sup, p, d.support));
    env.dir.unassign_scope(env.root, sup, d.support).unwrap();
    assert_eq!(
        env.dir.allowed_scopes(sup, p).unwrap(),
        ScopeAccess::Only(vec![d.ivr])
    );
    // Deleting a scope withdraws it from everyone.
    env.dir.delete_scope(env.root, d.ivr).unwrap();
    assert!(!env.dir.check_scoped(sup, p, d.ivr));
    assert!(env.dir.allowed_scopes(sup, p).unwrap().is_none());
    assert!(env.dir.user(sup).unwrap().scopes.is_empty());
    assert!(matches!(env.dir.scope(d.ivr), Err(Error::UnknownScope(_))));
    // Revoking the role removes the scoped access even with scopes still assigned.
    env.dir.assign_scope(env.root, sup, d.sales).unwrap();
    env.dir
        .revoke_role(env.root, sup, env.role("Supervisor"))
        .unwrap();
    assert!(!env.dir.check_scoped(sup, p, d.sales));
}

#[test]
fn an_administrators_scopes_are_changed_only_by_the_superadministrator() {
    let d = dash();
    let env = &d.env;
    let a = env.user("ann", &["Admin"]);
    let b = env.user("bea", &["Admin"]);
    let err = refused(&env.dir, |x| x.set_user_scopes(a, b, &[d.sales]));
    assert!(
        matches!(&err, Error::AdministratorProtected { user, .. } if *user == b),
        "{err:?}"
    );
    env.dir.set_user_scopes(env.root, b, &[d.sales]).unwrap();
    let err = refused(&env.dir, |x| x.unassign_scope(a, b, d.sales));
    assert!(
        matches!(&err, Error::AdministratorProtected { user, .. } if *user == b),
        "{err:?}"
    );
}

//! Rules about users (000, 001) and the administration rules (000, 003): who may create, edit
//! and delete users, email uniqueness, search, several roles, the active flag, the
//! superadministrator, no escalation, administrator-tier roles.

mod common;

use common::{assert_exact, perms, refused, Env};
use rolecall::{
    Error, NewRole, NewUser, Permission, Preset, ScopeAccess, ScopeKind, UserId, UserPatch,
    UserQuery, CATALOGUE,
};

fn managers() -> Env {
    Env::new(&[Preset::Managers])
}

fn operator_rights() -> Permission {
    perms(&[
        "campaigns.view",
        "campaigns.control",
        "scripts.view",
        "numbers.view",
        "reports.view",
    ])
}

// ------------------------------------------------------------------ who manages users

#[test]
fn only_a_user_manager_creates_users() {
    let env = managers();
    let manager = env.user("manny", &["Manager"]); // users.view, not users.manage
    let viewer = env.user("vic", &["Viewer"]);
    for actor in [manager, viewer] {
        let err = refused(&env.dir, |d| {
            d.create_user(actor, &NewUser::new("New", "Person", "new@acme.test"))
        });
        assert_eq!(
            err,
            Error::PermissionDenied {
                required: Permission::USERS_MANAGE
            }
        );
        assert_eq!((err.code(), err.kind()), (400, "permission_denied"));
    }
    let admin = env.user("ann", &["Admin"]);
    let u = env
        .dir
        .create_user(admin, &NewUser::new("New", "Person", "new@acme.test"))
        .unwrap();
    assert_eq!(env.dir.user(u).unwrap().tenant, env.tenant);
}

#[test]
fn only_a_user_manager_edits_other_users() {
    let env = managers();
    let manager = env.user("manny", &["Manager"]);
    let target = env.user("tom", &["Viewer"]);
    let patch = UserPatch {
        first_name: Some("Thomas".into()),
        ..UserPatch::default()
    };
    let err = refused(&env.dir, |d| d.update_user(manager, target, &patch));
    assert_eq!(
        err,
        Error::PermissionDenied {
            required: Permission::USERS_MANAGE
        }
    );
    let admin = env.user("ann", &["Admin"]);
    env.dir.update_user(admin, target, &patch).unwrap();
    assert_eq!(env.dir.user(target).unwrap().first_name, "Thomas");
}

#[test]
fn only_a_user_manager_deletes_users() {
    let env = managers();
    let manager = env.user("manny", &["Manager"]);
    let target = env.user("tom", &["Viewer"]);
    let err = refused(&env.dir, |d| d.delete_user(manager, target));
    assert_eq!(
        err,
        Error::PermissionDenied {
            required: Permission::USERS_MANAGE
        }
    );
    assert!(env.dir.check(target, Permission::CAMPAIGNS_VIEW));

    let admin = env.user("ann", &["Admin"]);
    env.dir.delete_user(admin, target).unwrap();
    assert!(matches!(env.dir.user(target), Err(Error::UnknownUser(_))));
    assert!(!env.dir.check(target, Permission::CAMPAIGNS_VIEW));
    assert!(matches!(
        env.dir.effective_permissions(target),
        Err(Error::UnknownUser(_))
    ));
    // The email is free again.
    env.user("tom", &[]);
}

#[test]
fn only_a_user_manager_changes_roles_and_the_active_flag() {
    let env = managers();
    let manager = env.user("manny", &["Manager"]);
    let target = env.user("tom", &["Viewer"]);
    let viewer = env.role("Viewer");
    let operator = env.role("Operator");
    let denied = Error::PermissionDenied {
        required: Permission::USERS_MANAGE,
    };
    assert_eq!(
        refused(&env.dir, |d| d.assign_role(manager, target, operator)),
        denied
    );
    assert_eq!(
        refused(&env.dir, |d| d.revoke_role(manager, target, viewer)),
        denied
    );
    assert_eq!(
        refused(&env.dir, |d| d.set_user_roles(manager, target, &[])),
        denied
    );
    assert_eq!(
        refused(&env.dir, |d| d.set_active(manager, target, false)),
        denied
    );
}

#[test]
fn a_user_edits_its_own_profile_with_profile_edit_only() {
    let env = Env::new(&[Preset::RoleModel]);
    let analyst = env.user("ana", &["ANALYST"]); // profile.view + profile.edit
    let dialer = env.user("dan", &["DIALER_USER"]); // no profile.edit
    let patch = UserPatch {
        last_name: Some("Smith".into()),
        phone: Some(Some("+44 20 7946 0958".into())),
        ..UserPatch::default()
    };
    env.dir.update_user(analyst, analyst, &patch).unwrap();
    let a = env.dir.user(analyst).unwrap();
    assert_eq!(a.last_name, "Smith");
    assert_eq!(a.phone.as_deref(), Some("+442079460958"));

    let err = refused(&env.dir, |d| d.update_user(dialer, dialer, &patch));
    assert_eq!(
        err,
        Error::PermissionDenied {
            required: Permission::PROFILE_EDIT
        }
    );
    // profile.edit covers oneself only.
    let err = refused(&env.dir, |d| d.update_user(analyst, dialer, &patch));
    assert_eq!(
        err,
        Error::PermissionDenied {
            required: Permission::USERS_MANAGE
        }
    );
}

#[test]
fn create_user_records_every_field() {
    let env = managers();
    let operator = env.role("Operator");
    let viewer = env.role("Viewer");
    let u = env
        .dir
        .create_user(
            env.root,
            &NewUser::new(" Olga ", "Petrova", " Olga.Petrova@Acme.test ")
                .phone("+1 (212) 555-0199")
                .roles([operator, viewer, operator]),
        )
        .unwrap();
    let rec = env.dir.user(u).unwrap();
    assert_eq!(rec.first_name, "Olga");
    assert_eq!(rec.last_name, "Petrova");
    assert_eq!(rec.email, "Olga.Petrova@Acme.test");
    assert_eq!(rec.phone.as_deref(), Some("+12125550199"));
    assert!(rec.active);
    assert_eq!(rec.roles.iter().copied().collect::<Vec<_>>(), {
        let mut v = vec![operator, viewer];
        v.sort();
        v
    });
    assert!(rec.scopes.is_empty());
    assert_eq!(rec.tenant, env.tenant);
}

#[test]
fn edit_changes_name_email_and_phone() {
    let env = managers();
    let u = env.user("tom", &["Viewer"]);
    env.dir
        .update_user(
            env.root,
            u,
            &UserPatch {
                first_name: Some("Tomas".into()),
                last_name: Some("Novak".into()),
                email: Some("tomas.novak@acme.test".into()),
                phone: Some(Some("+7 800 555-35-35".into())),
                external_id: Some(Some("HR-0042".into())),
            },
        )
        .unwrap();
    let rec = env.dir.user(u).unwrap();
    assert_eq!(rec.full_name(), "Tomas Novak");
    assert_eq!(rec.email, "tomas.novak@acme.test");
    assert_eq!(rec.phone.as_deref(), Some("+78005553535"));
    assert_eq!(rec.external_id.as_deref(), Some("HR-0042"));
    env.dir
        .update_user(
            env.root,
            u,
            &UserPatch {
                phone: Some(None),
                ..UserPatch::default()
            },
        )
        .unwrap();
    assert_eq!(env.dir.user(u).unwrap().phone, None);
    // Roles were untouched by the profile edit.
    assert!(env.dir.check(u, Permission::CAMPAIGNS_VIEW));
}

// ------------------------------------------------------------------ email

#[test]
fn email_is_unique_per_tenant_case_insensitively() {
    let env = managers();
    env.user("ann", &[]);
    let err = refused(&env.dir, |d| {
        d.create_user(env.root, &NewUser::new("Ann", "Two", "ANN@Acme.TEST"))
    });
    assert!(
        matches!(&err, Error::DuplicateEmail { email } if email == "ANN@Acme.TEST"),
        "{err:?}"
    );
    assert_eq!((err.code(), err.kind()), (300, "duplicate_email"));

    // The same address is fine in another tenant.
    let (other, other_root) = env.other_tenant(&[]);
    let there = env
        .dir
        .create_user(other_root, &NewUser::new("Ann", "Else", "ann@acme.test"))
        .unwrap();
    assert_eq!(env.dir.user(there).unwrap().tenant, other);
    assert_eq!(
        env.dir.user_by_email(other, "Ann@ACME.test").unwrap().id,
        there
    );
}

#[test]
fn changing_email_to_another_users_email_is_refused_in_any_case() {
    let env = managers();
    env.user("ann", &[]);
    let bob = env.user("bob", &[]);
    let err = refused(&env.dir, |d| {
        d.update_user(
            env.root,
            bob,
            &UserPatch {
                email: Some("Ann@acme.TEST".into()),
                ..UserPatch::default()
            },
        )
    });
    assert_eq!(err.kind(), "duplicate_email");
    // Changing the case of one's own address is not a conflict.
    env.dir
        .update_user(
            env.root,
            bob,
            &UserPatch {
                email: Some("BOB@acme.test".into()),
                ..UserPatch::default()
            },
        )
        .unwrap();
    assert_eq!(env.dir.user(bob).unwrap().email, "BOB@acme.test");
}

#[test]
fn after_an_email_change_the_user_is_found_by_the_new_email_only() {
    let env = managers();
    let bob = env.user("bob", &[]);
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
        env.dir
            .user_by_email(env.tenant, "ROBERT@acme.test")
            .unwrap()
            .id,
        bob
    );
    assert!(matches!(
        env.dir.user_by_email(env.tenant, "bob@acme.test"),
        Err(Error::UnknownUser(_))
    ));
    // The old address is free for someone else.
    let other = env.user("bob", &[]);
    assert_ne!(other, bob);
}

// ------------------------------------------------------------------ search

fn search_env() -> (Env, [UserId; 4]) {
    let env = managers();
    let mk = |first: &str, last: &str, email: &str, phone: Option<&str>| {
        let mut n = NewUser::new(first, last, email);
        if let Some(p) = phone {
            n = n.phone(p);
        }
        env.dir.create_user(env.root, &n).unwrap()
    };
    let olga = mk(
        "Olga",
        "Petrova",
        "olga@acme.test",
        Some("+1 (212) 555-0199"),
    );
    let oleg = mk(
        "Oleg",
        "Ivanov",
        "oleg.i@sales.acme.test",
        Some("+7 812 555 0000"),
    );
    let maria = mk("Maria", "Olsen", "m.olsen@acme.test", None);
    let zed = mk(
        "Zed",
        "Quinn",
        "zed@elsewhere.test",
        Some("+44 20 7946 0958"),
    );
    (env, [olga, oleg, maria, zed])
}

fn found(env: &Env, q: &UserQuery) -> Vec<UserId> {
    env.dir
        .search_users(env.tenant, q)
        .unwrap()
        .items
        .iter()
        .map(|u| u.id)
        .collect()
}

#[test]
fn search_by_name_substring_case_insensitive() {
    let (env, [olga, oleg, maria, _]) = search_env();
    assert_eq!(found(&env, &UserQuery::text("OL")), vec![olga, oleg, maria]);
    assert_eq!(found(&env, &UserQuery::text("petr")), vec![olga]);
    assert_eq!(found(&env, &UserQuery::text("olga petrova")), vec![olga]);
    assert_eq!(found(&env, &UserQuery::text("Petrova Olga")), vec![olga]);
    assert_eq!(found(&env, &UserQuery::text("  IVANOV ")), vec![oleg]);
    assert!(found(&env, &UserQuery::text("nobody")).is_empty());
}

#[test]
fn search_by_email_substring_case_insensitive() {
    let (env, [_, oleg, _, zed]) = search_env();
    assert_eq!(found(&env, &UserQuery::text("SALES.ACME")), vec![oleg]);
    assert_eq!(found(&env, &UserQuery::text("elsewhere")), vec![zed]);
}

#[test]
fn search_by_phone_matches_digits_whatever_the_formatting() {
    let (env, [olga, oleg, _, zed]) = search_env();
    assert_eq!(found(&env, &UserQuery::text("555-01")), vec![olga]);
    assert_eq!(found(&env, &UserQuery::text("(212) 555-0199")), vec![olga]);
    assert_eq!(found(&env, &UserQuery::text("+1 212.555.0199")), vec![olga]);
    assert_eq!(
        found(&env, &UserQuery::text("+7 (812) 555-00-00")),
        vec![oleg]
    );
    // A country code that does not match is no match, even with the same national digits.
    assert!(found(&env, &UserQuery::text("+33 2 12 55 50 19")).is_empty());
    assert_eq!(found(&env, &UserQuery::text("812 555")), vec![oleg]);
    assert_eq!(found(&env, &UserQuery::text("79460958")), vec![zed]);
    assert_eq!(found(&env, &UserQuery::text("555")), vec![olga, oleg]);
}

#[test]
fn search_text_with_letters_is_not_matched_against_phone_digits() {
    // "agent5" holds the digit 5, which every phone above contains; it must match by name or
    // email only, not pull in every user whose phone contains a 5.
    let (env, [_, _, _, _]) = search_env();
    let agent = env.user("agent5", &[]);
    assert_eq!(found(&env, &UserQuery::text("agent5")), vec![agent]);
    assert_eq!(
        found(&env, &UserQuery::text("agent5@acme.test")),
        vec![agent]
    );
}

#[test]
fn search_active_only_filters_inactive_users() {
    let (env, [olga, oleg, maria, zed]) = search_env();
    env.dir.set_active(env.root, oleg, false).unwrap();
    let all = found(&env, &UserQuery::text("o"));
    assert!(all.contains(&oleg));
    let active = found(
        &env,
        &UserQuery {
            text: Some("o".into()),
            active_only: true,
            ..UserQuery::default()
        },
    );
    assert!(!active.contains(&oleg));
    assert!(active.contains(&olga) && active.contains(&maria));
    let everyone_active = found(
        &env,
        &UserQuery {
            active_only: true,
            ..UserQuery::default()
        },
    );
    assert_eq!(everyone_active, vec![env.root, olga, maria, zed]);
}

#[test]
fn search_pages_with_total_and_offset() {
    let env = managers();
    let ids: Vec<UserId> = (0..7)
        .map(|i| env.user(&format!("agent{i:02}"), &[]))
        .collect();
    let q = |offset, limit| UserQuery {
        text: Some("AGENT".into()),
        offset,
        limit,
        ..UserQuery::default()
    };
    let p1 = env.dir.search_users(env.tenant, &q(0, 3)).unwrap();
    assert_eq!(p1.total, 7);
    assert_eq!(p1.offset, 0);
    assert_eq!(p1.items.iter().map(|u| u.id).collect::<Vec<_>>(), ids[0..3]);
    let p3 = env.dir.search_users(env.tenant, &q(6, 3)).unwrap();
    assert_eq!(p3.total, 7);
    assert_eq!(p3.offset, 6);
    assert_eq!(p3.items.iter().map(|u| u.id).collect::<Vec<_>>(), ids[6..]);
    let past = env.dir.search_users(env.tenant, &q(10, 3)).unwrap();
    assert_eq!((past.total, past.items.len()), (7, 0));
    // No text: everyone of the tenant, superadministrator included.
    let all = env
        .dir
        .search_users(env.tenant, &UserQuery::default())
        .unwrap();
    assert_eq!(all.total, 8);
    assert_eq!(all.items[0].id, env.root);
}

#[test]
fn search_never_returns_another_tenants_users() {
    let env = managers();
    let (other, other_root) = env.other_tenant(&[]);
    env.dir
        .create_user(
            other_root,
            &NewUser::new("Olga", "Other", "olga@globex.test"),
        )
        .unwrap();
    let mine = env.user("olga", &[]);
    assert_eq!(found(&env, &UserQuery::text("olga")), vec![mine]);
    let theirs = env
        .dir
        .search_users(other, &UserQuery::text("olga"))
        .unwrap();
    assert_eq!(theirs.total, 1);
    assert_ne!(theirs.items[0].id, mine);
}

// ------------------------------------------------------------------ several roles

#[test]
fn a_user_holds_several_roles_and_their_union() {
    let env = Env::new(&[Preset::RoleModel]);
    let u = env.user("ursula", &["DIALER_VERIFIED", "RAWLOGS_ANALYTIC"]);
    assert_exact(
        &env.dir,
        u,
        Permission::BROADCASTS_CONTROL | Permission::RAWLOGS_DOWNLOAD,
    );
    env.dir
        .assign_role(env.root, u, env.role("DIALER_USER"))
        .unwrap();
    assert_eq!(env.dir.user(u).unwrap().roles.len(), 3);
    assert_exact(
        &env.dir,
        u,
        perms(&[
            "broadcasts.control",
            "rawlogs.download",
            "numbers.view",
            "broadcasts.view",
        ]),
    );
    env.dir
        .revoke_role(env.root, u, env.role("RAWLOGS_ANALYTIC"))
        .unwrap();
    assert_exact(
        &env.dir,
        u,
        perms(&["broadcasts.control", "numbers.view", "broadcasts.view"]),
    );
    env.dir
        .set_user_roles(env.root, u, &[env.role("INITIAL")])
        .unwrap();
    assert_exact(&env.dir, u, Permission::empty());
}

// ------------------------------------------------------------------ active flag

#[test]
fn an_inactive_user_fails_every_check_and_reactivation_restores_it() {
    let env = Env::new(&[Preset::Dashboard]);
    let sales = env
        .dir
        .create_scope(env.root, ScopeKind::CallGroup, "Sales")
        .unwrap();
    let u = env.user("sam", &["Supervisor", "Accountant"]);
    env.dir.assign_scope(env.root, u, sales).unwrap();
    let held = env.dir.effective_permissions(u).unwrap();
    assert!(!held.is_empty());

    env.dir.set_active(env.root, u, false).unwrap();
    assert!(!env.dir.user(u).unwrap().active);
    assert_exact(&env.dir, u, Permission::empty());
    assert!(!env
        .dir
        .check_scoped(u, Permission::DASHBOARD_ANALYTICS, sales));
    assert_eq!(
        env.dir
            .allowed_scopes(u, Permission::DASHBOARD_BILLING)
            .unwrap(),
        ScopeAccess::Only(vec![])
    );
    assert!(env
        .dir
        .users_with_permission(env.tenant, Permission::DASHBOARD_BILLING, None)
        .unwrap()
        .iter()
        .all(|x| *x != u));
    let why = env.dir.explain(u, Permission::DASHBOARD_BILLING).unwrap();
    assert!(!why.allowed && why.inactive);

    env.dir.set_active(env.root, u, true).unwrap();
    assert_exact(&env.dir, u, held);
    assert!(env
        .dir
        .check_scoped(u, Permission::DASHBOARD_ANALYTICS, sales));
}

#[test]
fn a_user_created_inactive_holds_nothing_until_activated() {
    let env = managers();
    let u = env
        .dir
        .create_user(
            env.root,
            &NewUser::new("Ina", "Active", "ina@acme.test")
                .roles([env.role("Operator")])
                .inactive(),
        )
        .unwrap();
    assert!(!env.dir.user(u).unwrap().active);
    assert_exact(&env.dir, u, Permission::empty());
    env.dir.set_active(env.root, u, true).unwrap();
    assert_exact(&env.dir, u, operator_rights());
}

#[test]
fn an_inactive_actor_can_do_nothing() {
    let env = managers();
    let admin = env.user("ann", &["Admin"]);
    env.dir.set_active(env.root, admin, false).unwrap();
    let err = refused(&env.dir, |d| {
        d.create_user(admin, &NewUser::new("X", "Y", "x@acme.test"))
    });
    let email = env.dir.user(admin).unwrap().email;
    assert_eq!(
        err,
        Error::ActorInactive {
            user: admin,
            email: email.clone()
        }
    );
    assert_eq!((err.code(), err.kind()), (406, "actor_inactive"));
    assert_eq!(err.to_string(), format!("acting user {email} is inactive"));
    let err = refused(&env.dir, |d| d.set_active(admin, admin, true));
    assert!(matches!(err, Error::ActorInactive { user, .. } if user == admin));
}

// ------------------------------------------------------------------ superadministrator

#[test]
fn the_superadministrator_holds_every_permission() {
    let env = managers();
    for (p, name) in CATALOGUE {
        assert!(env.dir.check(env.root, *p), "{name}");
    }
    assert_eq!(
        env.dir.effective_permissions(env.root).unwrap(),
        Permission::all()
    );
    assert_eq!(env.dir.tenant(env.tenant).unwrap().superadmin, env.root);
    let why = env.dir.explain(env.root, Permission::SYSTEM_ADMIN).unwrap();
    assert!(why.allowed && why.superadmin);
}

#[test]
fn the_superadministrator_cannot_be_deleted() {
    let env = managers();
    let admin = env.user("ann", &["Admin"]);
    for actor in [env.root, admin] {
        let err = refused(&env.dir, |d| d.delete_user(actor, env.root));
        assert_eq!(err, Error::SuperadminProtected { action: "deleted" });
        assert_eq!((err.code(), err.kind()), (403, "superadmin_protected"));
    }
}

#[test]
fn the_superadministrator_cannot_be_deactivated() {
    let env = managers();
    let admin = env.user("ann", &["Admin"]);
    for actor in [env.root, admin] {
        let err = refused(&env.dir, |d| d.set_active(actor, env.root, false));
        assert_eq!(
            err,
            Error::SuperadminProtected {
                action: "deactivated"
            }
        );
    }
    assert!(env.dir.user(env.root).unwrap().active);
}

#[test]
fn the_superadministrator_cannot_be_stripped_of_rights() {
    let env = managers();
    let admin = env.user("ann", &["Admin"]);
    let group = env.dir.create_group(env.root, "Floor", &[]).unwrap();
    let protected = Error::SuperadminProtected {
        action: "changed by another user",
    };
    assert_eq!(
        refused(&env.dir, |d| d.set_user_roles(admin, env.root, &[])),
        protected
    );
    assert_eq!(
        refused(&env.dir, |d| d.assign_role(
            admin,
            env.root,
            env.role("Viewer")
        )),
        protected
    );
    assert_eq!(
        refused(&env.dir, |d| d.update_user(
            admin,
            env.root,
            &UserPatch {
                email: Some("stolen@acme.test".into()),
                ..UserPatch::default()
            }
        )),
        protected
    );
    // Even roles the superadministrator gives up itself leave it holding everything.
    env.dir
        .set_user_roles(env.root, env.root, &[env.role("Viewer")])
        .unwrap();
    env.dir.set_user_roles(env.root, env.root, &[]).unwrap();
    env.dir.add_member(env.root, group, env.root).unwrap();
    assert_exact(&env.dir, env.root, Permission::all());
}

// ------------------------------------------------------------------ no escalation

fn hr_env() -> (Env, UserId) {
    let env = managers();
    let hr_role = env.custom_role("HR", perms(&["users.view", "users.manage"]));
    let hr = env.user_with(env.root, "hilda", &[hr_role]);
    (env, hr)
}

#[test]
fn no_escalation_when_assigning_a_role() {
    let (env, hr) = hr_env();
    let target = env.user("tom", &[]);
    let err = refused(&env.dir, |d| {
        d.assign_role(hr, target, env.role("Operator"))
    });
    assert_eq!(
        err,
        Error::Escalation {
            missing: operator_rights()
        }
    );
    assert_eq!((err.code(), err.kind()), (401, "escalation"));
    let err = refused(&env.dir, |d| {
        d.set_user_roles(hr, target, &[env.role("Viewer")])
    });
    assert_eq!(
        err,
        Error::Escalation {
            missing: perms(&[
                "campaigns.view",
                "scripts.view",
                "numbers.view",
                "reports.view"
            ])
        }
    );
    assert_exact(&env.dir, target, Permission::empty());
    // A role made only of rights the actor holds is fine.
    let hr_role = env.role("HR");
    env.dir.assign_role(hr, target, hr_role).unwrap();
    assert!(env.dir.check(target, Permission::USERS_MANAGE));
}

#[test]
fn no_escalation_for_an_admin_granting_rights_it_lacks() {
    let env = managers();
    let admin = env.user("ann", &["Admin"]);
    let target = env.user("tom", &[]);
    // Service has API access and system administration, which 000's Admin lacks.
    let err = refused(&env.dir, |d| {
        d.assign_role(admin, target, env.role("Service"))
    });
    assert_eq!(
        err,
        Error::Escalation {
            missing: Permission::API_ACCESS | Permission::SYSTEM_ADMIN
        }
    );
    // Manager, Operator and Viewer are within Admin's rights.
    for r in ["Manager", "Operator", "Viewer"] {
        env.dir.assign_role(admin, target, env.role(r)).unwrap();
    }
    assert!(env.dir.check(target, Permission::CAMPAIGNS_MANAGE));
}

#[test]
fn no_escalation_when_creating_a_user_with_roles() {
    let (env, hr) = hr_env();
    let err = refused(&env.dir, |d| {
        d.create_user(
            hr,
            &NewUser::new("New", "Op", "newop@acme.test").roles([env.role("Operator")]),
        )
    });
    assert_eq!(
        err,
        Error::Escalation {
            missing: operator_rights()
        }
    );
    assert!(env
        .dir
        .user_by_email(env.tenant, "newop@acme.test")
        .is_err());
}

#[test]
fn no_escalation_when_reactivating() {
    let (env, hr) = hr_env();
    let op = env.user("olga", &["Operator"]);
    // Deactivating takes rights away: allowed.
    env.dir.set_active(hr, op, false).unwrap();
    // Reactivating would give them back: a grant the actor cannot make.
    let err = refused(&env.dir, |d| d.set_active(hr, op, true));
    assert_eq!(
        err,
        Error::Escalation {
            missing: operator_rights()
        }
    );
    assert!(!env.dir.check(op, Permission::CAMPAIGNS_VIEW));
    env.dir.set_active(env.root, op, true).unwrap();
    assert!(env.dir.check(op, Permission::CAMPAIGNS_VIEW));
}

#[test]
fn no_escalation_when_editing_ones_own_roles() {
    let (env, hr) = hr_env();
    let err = refused(&env.dir, |d| d.assign_role(hr, hr, env.role("Manager")));
    assert!(matches!(err, Error::Escalation { .. }), "{err:?}");
    assert!(!env.dir.check(hr, Permission::CAMPAIGNS_MANAGE));
}

// ------------------------------------------------------------------ administrator tier

#[test]
fn administrator_tier_roles_are_granted_only_by_the_superadministrator() {
    let env = Env::new(&[Preset::Dashboard]);
    let admin = env.user("ann", &["Admin"]);
    let tech = env.user("ted", &["Technical"]);
    let target = env.user("tom", &[]);
    let admin_role = env.role("Admin");
    for actor in [admin, tech] {
        let err = refused(&env.dir, |d| d.assign_role(actor, target, admin_role));
        assert!(matches!(err, Error::SuperadminOnly { .. }), "{err:?}");
        assert_eq!((err.code(), err.kind()), (402, "superadmin_only"));
        let err = refused(&env.dir, |d| {
            d.create_user(
                actor,
                &NewUser::new("New", "Admin", "na@acme.test").roles([admin_role]),
            )
        });
        assert!(matches!(err, Error::SuperadminOnly { .. }), "{err:?}");
    }
    env.dir.assign_role(env.root, target, admin_role).unwrap();
    assert!(env.dir.check(target, Permission::DASHBOARD_BILLING));
}

#[test]
fn the_managers_admin_is_also_administrator_tier() {
    let env = managers();
    let admin = env.user("ann", &["Admin"]);
    let target = env.user("tom", &[]);
    let err = refused(&env.dir, |d| {
        d.assign_role(admin, target, env.role("Admin"))
    });
    assert!(matches!(err, Error::SuperadminOnly { .. }), "{err:?}");
}

#[test]
fn an_administrator_cannot_modify_another_administrator() {
    let env = Env::new(&[Preset::Dashboard]);
    let a = env.user("ann", &["Admin"]);
    let b = env.user("bea", &["Admin"]);
    let sales = env
        .dir
        .create_scope(env.root, ScopeKind::CallGroup, "Sales")
        .unwrap();
    let group = env.dir.create_group(env.root, "Desk", &[]).unwrap();
    let protected = Error::AdministratorProtected {
        user: b,
        email: env.dir.user(b).unwrap().email,
    };
    let accountant = env.role("Accountant");
    let admin_role = env.role("Admin");
    let patch = UserPatch {
        first_name: Some("Beatrix".into()),
        ..UserPatch::default()
    };
    let attempts: Vec<(&str, Error)> = vec![
        (
            "assign",
            refused(&env.dir, |d| d.assign_role(a, b, accountant)),
        ),
        (
            "revoke",
            refused(&env.dir, |d| d.revoke_role(a, b, admin_role)),
        ),
        (
            "set roles",
            refused(&env.dir, |d| d.set_user_roles(a, b, &[])),
        ),
        ("edit", refused(&env.dir, |d| d.update_user(a, b, &patch))),
        (
            "deactivate",
            refused(&env.dir, |d| d.set_active(a, b, false)),
        ),
        ("delete", refused(&env.dir, |d| d.delete_user(a, b))),
        ("scope", refused(&env.dir, |d| d.assign_scope(a, b, sales))),
        ("group", refused(&env.dir, |d| d.add_member(a, group, b))),
    ];
    for (what, err) in attempts {
        assert_eq!(err, protected, "{what}");
        assert_eq!((err.code(), err.kind()), (404, "administrator_protected"));
    }
    // A non-administrator with users.manage cannot either.
    let tech = env.user("ted", &["Technical"]);
    assert_eq!(
        refused(&env.dir, |d| d.update_user(tech, b, &patch)),
        protected
    );
    // The superadministrator can.
    env.dir.update_user(env.root, b, &patch).unwrap();
    env.dir.assign_scope(env.root, b, sales).unwrap();
    env.dir.assign_role(env.root, b, accountant).unwrap();
    assert_eq!(env.dir.user(b).unwrap().first_name, "Beatrix");
    // And an administrator may still edit itself.
    env.dir
        .update_user(
            a,
            a,
            &UserPatch {
                last_name: Some("Self".into()),
                ..UserPatch::default()
            },
        )
        .unwrap();
}

#[test]
fn an_administrator_holding_the_tier_through_a_group_is_protected_too() {
    let env = Env::new(&[Preset::Dashboard]);
    let a = env.user("ann", &["Admin"]);
    let b = env.user("bea", &[]);
    let admins = env
        .dir
        .create_group(env.root, "Admins", &[env.role("Admin")])
        .unwrap();
    env.dir.add_member(env.root, admins, b).unwrap();
    let err = refused(&env.dir, |d| d.set_active(a, b, false));
    assert!(
        matches!(&err, Error::AdministratorProtected { user, .. } if *user == b),
        "{err:?}"
    );
}

#[test]
fn an_administrator_cannot_revoke_its_own_administrator_tier_role() {
    let env = Env::new(&[Preset::Dashboard]);
    let a = env.user("ann", &["Admin"]);
    let err = refused(&env.dir, |d| d.revoke_role(a, a, env.role("Admin")));
    assert!(matches!(err, Error::SuperadminOnly { .. }), "{err:?}");
}

#[test]
fn only_the_superadministrator_creates_administrator_tier_roles() {
    let env = managers();
    let role_admin = env.custom_role(
        "Role admin",
        perms(&["roles.manage", "roles.view", "reports.view"]),
    );
    let ra = env.user_with(env.root, "rita", &[role_admin]);
    let err = refused(&env.dir, |d| {
        d.create_role(
            ra,
            &NewRole::new("Deputy", Permission::REPORTS_VIEW).admin_tier(),
        )
    });
    assert!(matches!(err, Error::SuperadminOnly { .. }), "{err:?}");
    let deputy = env
        .dir
        .create_role(
            env.root,
            &NewRole::new("Deputy", Permission::REPORTS_VIEW).admin_tier(),
        )
        .unwrap();
    assert!(env.dir.role(deputy).unwrap().admin_tier);
    let err = refused(&env.dir, |d| {
        d.update_role(
            ra,
            deputy,
            &rolecall::RolePatch {
                description: Some("changed".into()),
                ..rolecall::RolePatch::default()
            },
        )
    });
    assert!(matches!(err, Error::SuperadminOnly { .. }), "{err:?}");
    let err = refused(&env.dir, |d| d.delete_role(ra, deputy));
    assert!(matches!(err, Error::SuperadminOnly { .. }), "{err:?}");
}

// ------------------------------------------------------------------ next check

#[test]
fn role_changes_take_effect_for_the_very_next_check() {
    let env = managers();
    let u = env.user("tom", &[]);
    let rev = env.dir.revision();
    env.dir
        .assign_role(env.root, u, env.role("Operator"))
        .unwrap();
    assert_eq!(env.dir.revision(), rev + 1);
    assert!(env.dir.check(u, Permission::CAMPAIGNS_CONTROL));
    assert!(env.dir.snapshot().check(u, Permission::CAMPAIGNS_CONTROL));
    env.dir
        .revoke_role(env.root, u, env.role("Operator"))
        .unwrap();
    assert!(!env.dir.check(u, Permission::CAMPAIGNS_CONTROL));
    assert_eq!(
        env.dir.check_many(&[
            (u, Permission::CAMPAIGNS_CONTROL),
            (env.root, Permission::CAMPAIGNS_CONTROL)
        ]),
        vec![false, true]
    );
}

#[test]
fn a_no_op_change_creates_no_revision() {
    let env = managers();
    let u = env.user("tom", &["Viewer"]);
    let rev = env.dir.revision();
    env.dir
        .assign_role(env.root, u, env.role("Viewer"))
        .unwrap();
    env.dir.set_active(env.root, u, true).unwrap();
    env.dir
        .update_user(env.root, u, &UserPatch::default())
        .unwrap();
    assert_eq!(env.dir.revision(), rev);
}

// ------------------------------------------------------------------ reverse queries

#[test]
fn users_with_permission_lists_exactly_the_holders_in_id_order() {
    let env = managers();
    let op = env.user("olga", &["Operator"]);
    let _viewer = env.user("vic", &["Viewer"]);
    let manager = env.user("manny", &["Manager"]);
    let off = env.user("otto", &["Operator"]);
    env.dir.set_active(env.root, off, false).unwrap();
    let (_, other_root) = env.other_tenant(&[]);
    assert_eq!(
        env.dir
            .users_with_permission(env.tenant, Permission::CAMPAIGNS_CONTROL, None)
            .unwrap(),
        vec![env.root, op, manager]
    );
    assert_eq!(
        env.dir
            .users_with_permission(env.tenant, Permission::SYSTEM_ADMIN, None)
            .unwrap(),
        vec![env.root]
    );
    assert!(!env
        .dir
        .users_with_permission(env.tenant, Permission::SYSTEM_ADMIN, None)
        .unwrap()
        .contains(&other_root));
}

#[test]
fn effective_permissions_are_the_union_of_own_and_group_roles() {
    let env = managers();
    let u = env.user("tom", &["Viewer"]);
    let g = env
        .dir
        .create_group(env.root, "Billing", &[env.role("Service")])
        .unwrap();
    env.dir.add_member(env.root, g, u).unwrap();
    let viewer = perms(&[
        "campaigns.view",
        "scripts.view",
        "numbers.view",
        "reports.view",
    ]);
    let service = perms(&[
        "scripts.view",
        "scripts.edit",
        "billing.view",
        "billing.manage",
        "api.access",
        "system.admin",
    ]);
    assert_exact(&env.dir, u, viewer | service);
    assert!(matches!(
        env.dir.effective_permissions(UserId(9_999)),
        Err(Error::UnknownUser(_))
    ));
}

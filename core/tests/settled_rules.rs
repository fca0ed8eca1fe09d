//! The settled rules of issue 11 (DESIGN §2 "Settled rules"; README "The rules"), each a grant
//! or a change of access:
//!
//! 1. reactivating a user grants everything it regains (rights, scopes, levels, PBX links);
//! 2. deactivating or deleting a user lowers its access under the same rules as lowering it;
//!    the Owner of an agreement stays active until ownership is transferred;
//! 3. the tenant's superadministrator acts with Owner powers on every agreement;
//! 4. 002 as written by default, the stricter "never above one's own level" per tenant;
//! 5. security stamps renew only when the user's own access shrinks (or its credentials or
//!    login email change);
//! 6. taking over an account needs the target's PBX subscriber links too.

mod common;

use common::{refused, Env};
use rolecall::{
    AccessLevel, AgreementId, Error, Permission, Preset, Product, RolePatch, TenantSettings,
    UserId, UserPatch,
};

use AccessLevel::{Administrator, NoAccess, Owner, User};

/// One agreement: olivia the Owner, adam Administrator on CORE (User on Chatbots), pat with
/// User on Virtual PBX and linked to subscriber 101; hr holds only `users.manage`.
struct World {
    env: Env,
    ag: AgreementId,
    owner: UserId,
    admin: UserId,
    pat: UserId,
    hr: UserId,
}

fn world() -> World {
    let env = Env::new(&[Preset::Managers]);
    let hr_role = env.custom_role("HR", Permission::USERS_MANAGE);
    let hr = env.user_with(env.root, "hr", &[hr_role]);
    let owner = env.user_with(env.root, "olivia", &[hr_role]);
    let admin = env.user_with(env.root, "adam", &[hr_role]);
    let pat = env.user("pat", &[]);
    let ag = env
        .dir
        .create_agreement(env.root, "Agreement 1", owner)
        .unwrap();
    let d = &env.dir;
    d.set_access_level(owner, ag, admin, Product::Core, Administrator)
        .unwrap();
    d.set_access_level(owner, ag, admin, Product::Chatbots, User)
        .unwrap();
    d.set_access_level(owner, ag, pat, Product::VirtualPbx, User)
        .unwrap();
    d.link_pbx_subscriber(owner, ag, pat, Some("101")).unwrap();
    World {
        env,
        ag,
        owner,
        admin,
        pat,
        hr,
    }
}

fn owners(w: &World) -> Vec<UserId> {
    let q = rolecall::UserQuery::default();
    w.env
        .dir
        .search_users(w.env.tenant, &q)
        .unwrap()
        .items
        .iter()
        .map(|u| u.id)
        .filter(|u| w.env.dir.agreement(w.ag).unwrap().owner == *u)
        .collect()
}

// ------------------------------------------------------------------ rule 1

#[test]
fn rule1_reactivating_an_agreement_administrator_needs_the_right_to_set_its_levels() {
    let w = world();
    let d = &w.env.dir;
    d.set_active(w.env.root, w.admin, false).unwrap();
    // hr could never make adam a CORE Administrator ...
    let e = refused(d, |x| {
        x.set_access_level(w.hr, w.ag, w.admin, Product::Core, Administrator)
    });
    assert!(
        matches!(e, Error::AgreementAdminRequired { agreement, .. } if agreement == w.ag),
        "{e:?}"
    );
    // ... so it cannot restore that level by reactivating adam either.
    let e = refused(d, |x| x.set_active(w.hr, w.admin, true));
    assert!(
        matches!(e, Error::AgreementAdminRequired { agreement, .. } if agreement == w.ag),
        "{e:?}"
    );
    // The Owner (who also holds users.manage) may.
    d.set_active(w.owner, w.admin, true).unwrap();
    assert_eq!(d.access_level(w.ag, w.admin, Product::Core), Administrator);
}

#[test]
fn rule1_reactivating_a_linked_user_needs_the_right_to_link_it() {
    let w = world();
    let d = &w.env.dir;
    d.set_active(w.env.root, w.pat, false).unwrap();
    let e = refused(d, |x| x.set_active(w.hr, w.pat, true));
    assert!(
        matches!(e, Error::AgreementAdminRequired { agreement, .. } if agreement == w.ag),
        "{e:?}"
    );
    d.set_active(w.admin, w.pat, true).unwrap();
    assert!(d.may_listen_recordings(w.ag, w.pat, "101"));
}

#[test]
fn rule1_reactivating_restores_rights_and_scopes_only_when_the_actor_may_grant_them() {
    let env = Env::new(&[Preset::Managers]);
    let hr_role = env.custom_role("HR", Permission::USERS_MANAGE);
    let hr = env.user_with(env.root, "hr", &[hr_role]);
    let viewer = env.user("vic", &["Viewer"]);
    env.dir.set_active(env.root, viewer, false).unwrap();
    let e = refused(&env.dir, |x| x.set_active(hr, viewer, true));
    assert!(matches!(e, Error::Escalation { .. }), "{e:?}");
    env.dir.set_active(env.root, viewer, true).unwrap();
}

// ------------------------------------------------------------------ rule 2

#[test]
fn rule2_an_agreement_administrator_is_deactivated_or_deleted_only_by_the_owner_or_superadmin() {
    let w = world();
    let d = &w.env.dir;
    for e in [
        refused(d, |x| x.set_active(w.hr, w.admin, false)),
        refused(d, |x| x.delete_user(w.hr, w.admin)),
    ] {
        assert!(
            matches!(e, Error::AgreementAdminRequired { agreement, .. } if agreement == w.ag),
            "{e:?}"
        );
    }
    // Another CORE Administrator cannot either.
    d.set_access_level(w.owner, w.ag, w.hr, Product::Core, Administrator)
        .unwrap();
    let e = refused(d, |x| x.set_active(w.hr, w.admin, false));
    assert!(
        matches!(e, Error::AgreementAdministratorProtected { user, .. } if user == w.admin),
        "{e:?}"
    );
    // The Owner may, and the superadministrator.
    d.set_active(w.owner, w.admin, false).unwrap();
    d.set_active(w.env.root, w.admin, true).unwrap();
    d.delete_user(w.owner, w.admin).unwrap();
    // A user with only User levels is deactivated by anyone managing users.
    d.set_active(w.hr, w.pat, false).unwrap();
}

#[test]
fn rule2_the_owner_stays_active_until_ownership_is_transferred() {
    let w = world();
    let d = &w.env.dir;
    let e = refused(d, |x| x.set_active(w.env.root, w.owner, false));
    assert!(
        matches!(e, Error::UserOwnsAgreement { user, agreement, .. } if user == w.owner && agreement == w.ag),
        "{e:?}"
    );
    // Nor can an inactive user become an Owner.
    d.set_active(w.env.root, w.pat, false).unwrap();
    let e = refused(d, |x| x.transfer_ownership(w.owner, w.ag, w.pat));
    assert!(
        matches!(e, Error::InactiveOwner { user, .. } if user == w.pat),
        "{e:?}"
    );
    assert_eq!((e.code(), e.kind()), (304, "inactive_owner"));
    let e = refused(d, |x| x.create_agreement(w.env.root, "Agreement 2", w.pat));
    assert!(
        matches!(e, Error::InactiveOwner { user, .. } if user == w.pat),
        "{e:?}"
    );
    d.transfer_ownership(w.owner, w.ag, w.admin).unwrap();
    d.set_active(w.env.root, w.owner, false).unwrap();
    assert_eq!(owners(&w), vec![w.admin]);
}

// ------------------------------------------------------------------ rule 3

#[test]
fn rule3_the_superadministrator_acts_with_owner_powers_without_being_the_owner() {
    let w = world();
    let (d, root) = (&w.env.dir, w.env.root);
    d.set_access_level(root, w.ag, w.pat, Product::Core, Administrator)
        .unwrap();
    d.set_access_level(root, w.ag, w.admin, Product::Core, NoAccess)
        .unwrap();
    d.set_access_level(root, w.ag, w.pat, Product::ContactCenterAi, User)
        .unwrap();
    d.link_pbx_subscriber(root, w.ag, w.admin, Some("102"))
        .unwrap();
    assert_eq!(d.access_level(w.ag, w.pat, Product::Core), Administrator);
    assert_eq!(d.access_level(w.ag, w.admin, Product::Core), NoAccess);
    assert_eq!(d.access_level(w.ag, root, Product::Core), NoAccess);
    // Never a second Owner.
    let e = refused(d, |x| {
        x.set_access_level(root, w.ag, w.pat, Product::Core, Owner)
    });
    assert!(matches!(e, Error::LevelNotGrantable { .. }), "{e:?}");
    let e = refused(d, |x| {
        x.set_access_level(root, w.ag, w.owner, Product::Core, User)
    });
    assert_eq!(e, Error::OwnerProtected);
    d.transfer_ownership(root, w.ag, w.pat).unwrap();
    assert_eq!(owners(&w), vec![w.pat]);
}

// ------------------------------------------------------------------ rule 4

#[test]
fn rule4_by_default_levels_are_set_whatever_the_actors_own_level_and_strict_mode_caps_them() {
    let w = world();
    let d = &w.env.dir;
    // adam: Administrator on CORE, User on Chatbots, nothing on Contact Center AI.
    d.set_access_level(w.admin, w.ag, w.hr, Product::Chatbots, Administrator)
        .unwrap();
    d.set_access_level(w.admin, w.ag, w.hr, Product::ContactCenterAi, User)
        .unwrap();
    d.link_pbx_subscriber(w.admin, w.ag, w.hr, Some("103"))
        .unwrap();
    let mut s = TenantSettings::default();
    s.strict_agreement_levels = true;
    d.set_tenant_settings(w.env.root, &s).unwrap();
    let e = refused(d, |x| {
        x.set_access_level(w.admin, w.ag, w.pat, Product::Chatbots, Administrator)
    });
    assert_eq!(
        e,
        Error::LevelNotGrantable {
            actor_level: User,
            level: Administrator
        }
    );
    let e = refused(d, |x| {
        x.link_pbx_subscriber(w.admin, w.ag, w.pat, Some("104"))
    });
    assert_eq!(
        e,
        Error::LevelNotGrantable {
            actor_level: NoAccess,
            level: User
        }
    );
    d.set_access_level(w.admin, w.ag, w.pat, Product::Chatbots, User)
        .unwrap();
    // The superadministrator has Owner powers in strict mode too.
    d.set_access_level(w.env.root, w.ag, w.pat, Product::Chatbots, Administrator)
        .unwrap();
}

// ------------------------------------------------------------------ rule 5

#[test]
fn rule5_editing_a_role_or_group_the_superadministrator_holds_keeps_its_sessions() {
    let env = Env::new(&[Preset::Managers]);
    let d = &env.dir;
    let role = env.custom_role(
        "Reports",
        Permission::REPORTS_VIEW | Permission::SCRIPTS_VIEW,
    );
    let g = d.create_group(env.root, "Everyone", &[role]).unwrap();
    d.add_member(env.root, g, env.root).unwrap();
    d.assign_role(env.root, env.root, role).unwrap();
    let s = d.security_stamp(env.root).unwrap();
    d.update_role(
        env.root,
        role,
        &RolePatch {
            permissions: Some(Permission::REPORTS_VIEW),
            ..RolePatch::default()
        },
    )
    .unwrap();
    d.remove_group_role(env.root, g, role).unwrap();
    d.revoke_role(env.root, env.root, role).unwrap();
    d.remove_member(env.root, g, env.root).unwrap();
    d.delete_role(env.root, role).unwrap();
    assert_eq!(d.security_stamp(env.root).unwrap(), s);
    assert!(d.session_valid(env.root, s));
}

#[test]
fn rule5_a_stamp_renews_when_access_shrinks_and_only_then() {
    let w = world();
    let d = &w.env.dir;
    let root = w.env.root;
    let u = w.pat;
    let viewer = w.env.role("Viewer");
    let g = d.create_group(root, "Floor", &[]).unwrap();
    let auditor = w.env.custom_role("Auditor", Permission::REPORTS_VIEW);
    let patch = |p: Permission| RolePatch {
        permissions: Some(p),
        ..RolePatch::default()
    };
    type Step<'a> = (&'static str, bool, Box<dyn Fn() + 'a>);
    let steps: Vec<Step<'_>> = vec![
        (
            "assign role",
            false,
            Box::new(|| d.assign_role(root, u, viewer).unwrap()),
        ),
        (
            "join group",
            false,
            Box::new(|| d.add_member(root, g, u).unwrap()),
        ),
        (
            "group gains a role",
            false,
            Box::new(|| d.add_group_role(root, g, auditor).unwrap()),
        ),
        (
            "role gains a right",
            false,
            Box::new(|| {
                d.update_role(
                    root,
                    auditor,
                    &patch(Permission::REPORTS_VIEW | Permission::CAMPAIGNS_CONTROL),
                )
                .unwrap()
            }),
        ),
        (
            "rename group",
            false,
            Box::new(|| d.rename_group(root, g, "Day shift").unwrap()),
        ),
        (
            "level raised",
            false,
            Box::new(|| {
                d.set_access_level(root, w.ag, u, Product::Telephony, User)
                    .unwrap()
            }),
        ),
        (
            "role loses a right the user also holds through another role",
            false,
            Box::new(|| {
                d.update_role(root, auditor, &patch(Permission::CAMPAIGNS_CONTROL))
                    .unwrap()
            }),
        ),
        (
            "group loses a role",
            true,
            Box::new(|| d.remove_group_role(root, g, auditor).unwrap()),
        ),
        (
            "group regains it",
            false,
            Box::new(|| d.add_group_role(root, g, auditor).unwrap()),
        ),
        (
            "role loses a right",
            true,
            Box::new(|| {
                d.update_role(root, auditor, &patch(Permission::empty()))
                    .unwrap()
            }),
        ),
        (
            "leave a group that grants nothing more",
            false,
            Box::new(|| d.remove_member(root, g, u).unwrap()),
        ),
        (
            "revoke role",
            true,
            Box::new(|| d.revoke_role(root, u, viewer).unwrap()),
        ),
        (
            "level lowered",
            true,
            Box::new(|| {
                d.set_access_level(root, w.ag, u, Product::Telephony, NoAccess)
                    .unwrap()
            }),
        ),
        (
            "unlinked",
            true,
            Box::new(|| d.link_pbx_subscriber(root, w.ag, u, None).unwrap()),
        ),
        (
            "linked",
            false,
            Box::new(|| d.link_pbx_subscriber(root, w.ag, u, Some("105")).unwrap()),
        ),
        (
            "relinked elsewhere",
            true,
            Box::new(|| d.link_pbx_subscriber(root, w.ag, u, Some("106")).unwrap()),
        ),
        (
            "login email changed",
            true,
            Box::new(|| {
                d.update_user(
                    root,
                    u,
                    &UserPatch {
                        email: Some("patricia@acme.test".into()),
                        ..UserPatch::default()
                    },
                )
                .unwrap()
            }),
        ),
        (
            "deactivate",
            true,
            Box::new(|| d.set_active(root, u, false).unwrap()),
        ),
        (
            "reactivate",
            false,
            Box::new(|| d.set_active(root, u, true).unwrap()),
        ),
    ];
    for (what, renews, step) in steps {
        let before = d.security_stamp(u).unwrap();
        step();
        let after = d.security_stamp(u).unwrap();
        assert_eq!(before != after, renews, "{what}");
    }
    // Transferring ownership shrinks the former Owner's access, not the new one's.
    let (o, a) = (
        d.security_stamp(w.owner).unwrap(),
        d.security_stamp(w.admin).unwrap(),
    );
    d.transfer_ownership(w.owner, w.ag, w.admin).unwrap();
    assert_ne!(d.security_stamp(w.owner).unwrap(), o);
    assert_eq!(d.security_stamp(w.admin).unwrap(), a);
}

// ------------------------------------------------------------------ rule 6

#[test]
fn rule6_taking_over_an_account_needs_its_pbx_links() {
    let w = world();
    let d = &w.env.dir;
    // hr holds at least pat's levels (User on Virtual PBX, and User on CORE), but not its link,
    // and may not set it (no Administrator level on CORE).
    d.set_access_level(w.owner, w.ag, w.hr, Product::VirtualPbx, User)
        .unwrap();
    d.set_access_level(w.owner, w.ag, w.hr, Product::Core, User)
        .unwrap();
    let e = refused(d, |x| {
        x.set_password(w.hr, w.pat, "a fresh passphrase 42", true)
    });
    assert!(
        matches!(e, Error::AgreementAdminRequired { agreement, .. } if agreement == w.ag),
        "{e:?}"
    );
    let e = refused(d, |x| {
        x.update_user(
            w.hr,
            w.pat,
            &UserPatch {
                email: Some("mine@acme.test".into()),
                ..UserPatch::default()
            },
        )
    });
    assert!(
        matches!(e, Error::AgreementAdminRequired { agreement, .. } if agreement == w.ag),
        "{e:?}"
    );
    // Holding the same link is enough ...
    d.link_pbx_subscriber(w.owner, w.ag, w.hr, Some("101"))
        .unwrap();
    d.set_password(w.hr, w.pat, "a fresh passphrase 42", true)
        .unwrap();
    // ... and so is being allowed to set it (the Owner).
    d.set_password(w.owner, w.pat, "another passphrase 43", true)
        .unwrap();
}

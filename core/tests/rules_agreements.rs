//! Agreements (002): per agreement and per product an access level
//! NoAccess < User < Administrator < Owner, who may set which level, the one Owner and its
//! transfer, and the virtual-PBX subscriber link.

mod common;

use common::{refused, Env};
use rolecall::{AccessLevel, AgreementId, Error, NewUser, Permission, Preset, Product, UserId};

use AccessLevel::{Administrator, NoAccess, Owner, User};

struct Ag {
    env: Env,
    ag: AgreementId,
    /// The Owner.
    owner: UserId,
    /// Administrator on Core, Telephony and Virtual PBX; User on Chatbots.
    admin: UserId,
    /// Another Administrator on Core.
    admin2: UserId,
    /// User on Core, Administrator on Telephony.
    user: UserId,
    /// No level anywhere.
    plain: UserId,
}

fn agreement() -> Ag {
    let env = Env::new(&[Preset::Managers]);
    let owner = env.user("olivia", &[]);
    let admin = env.user("adam", &[]);
    let admin2 = env.user("abby", &[]);
    let user = env.user("ursula", &[]);
    let plain = env.user("paul", &[]);
    let ag = env
        .dir
        .create_agreement(env.root, "Agreement 1", owner)
        .unwrap();
    let set = |u, p, l| env.dir.set_access_level(owner, ag, u, p, l).unwrap();
    set(admin, Product::Core, Administrator);
    set(admin, Product::Telephony, Administrator);
    set(admin, Product::VirtualPbx, Administrator);
    set(admin, Product::Chatbots, User);
    set(admin2, Product::Core, Administrator);
    set(user, Product::Core, User);
    set(user, Product::Telephony, Administrator);
    Ag {
        env,
        ag,
        owner,
        admin,
        admin2,
        user,
        plain,
    }
}

impl Ag {
    fn level(&self, u: UserId, p: Product) -> AccessLevel {
        self.env.dir.access_level(self.ag, u, p)
    }

    fn owners(&self) -> Vec<UserId> {
        let q = rolecall::UserQuery::default();
        self.env
            .dir
            .search_users(self.env.tenant, &q)
            .unwrap()
            .items
            .iter()
            .map(|u| u.id)
            .filter(|u| Product::ALL.iter().any(|p| self.level(*u, *p) == Owner))
            .collect()
    }
}

#[test]
fn creating_an_agreement_needs_agreements_manage_and_appoints_its_owner() {
    let env = Env::new(&[Preset::Managers]);
    let admin = env.user("ann", &["Admin"]); // 000 Admin holds no agreements.manage
    let owner = env.user("olivia", &[]);
    let err = refused(&env.dir, |d| d.create_agreement(admin, "No 1", owner));
    assert_eq!(
        err,
        Error::PermissionDenied {
            required: Permission::AGREEMENTS_MANAGE
        }
    );
    let ag = env.dir.create_agreement(env.root, "No 1", owner).unwrap();
    let rec = env.dir.agreement(ag).unwrap();
    assert_eq!(
        (rec.name.as_str(), rec.owner, rec.tenant),
        ("No 1", owner, env.tenant)
    );
    assert_eq!(env.dir.agreements(env.tenant).unwrap(), vec![rec]);
    for p in Product::ALL {
        assert_eq!(env.dir.access_level(ag, owner, p), Owner, "{p}");
        assert_eq!(env.dir.access_level(ag, admin, p), NoAccess, "{p}");
        // The creator gets no level of its own.
        assert_eq!(env.dir.access_level(ag, env.root, p), NoAccess, "{p}");
    }
    let err = refused(&env.dir, |d| d.create_agreement(env.root, "NO 1", owner));
    assert!(
        matches!(
            &err,
            Error::DuplicateName {
                kind: "agreement",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn only_an_administrator_or_owner_on_core_changes_levels() {
    let a = agreement();
    let d = &a.env.dir;
    // ursula is Administrator on Telephony but only User on Core. (The superadministrator acts
    // with Owner powers: settled rule 3.)
    for actor in [a.user, a.plain] {
        let err = refused(d, |x| {
            x.set_access_level(actor, a.ag, a.plain, Product::Telephony, User)
        });
        assert!(
            matches!(&err, Error::AgreementAdminRequired { agreement, .. } if *agreement == a.ag),
            "{actor}"
        );
        assert_eq!((err.code(), err.kind()), (410, "agreement_admin_required"));
    }
    d.set_access_level(a.admin, a.ag, a.plain, Product::Telephony, User)
        .unwrap();
    assert_eq!(a.level(a.plain, Product::Telephony), User);
}

#[test]
fn the_owner_may_set_no_access_user_or_administrator() {
    let a = agreement();
    let d = &a.env.dir;
    for p in Product::ALL {
        for l in [User, Administrator, NoAccess] {
            d.set_access_level(a.owner, a.ag, a.plain, p, l).unwrap();
            assert_eq!(a.level(a.plain, p), l, "{p} {l}");
        }
    }
    // The owner may also change an Administrator's level.
    d.set_access_level(a.owner, a.ag, a.admin2, Product::Core, NoAccess)
        .unwrap();
    assert_eq!(a.level(a.admin2, Product::Core), NoAccess);
}

#[test]
fn an_administrator_may_set_user_or_administrator_only() {
    let a = agreement();
    let d = &a.env.dir;
    d.set_access_level(a.admin, a.ag, a.plain, Product::Core, User)
        .unwrap();
    assert_eq!(a.level(a.plain, Product::Core), User);
    let err = refused(d, |x| {
        x.set_access_level(a.admin, a.ag, a.plain, Product::Core, NoAccess)
    });
    assert_eq!(
        err,
        Error::LevelNotGrantable {
            actor_level: Administrator,
            level: NoAccess
        }
    );
    assert_eq!((err.code(), err.kind()), (411, "level_not_grantable"));
    d.set_access_level(a.admin, a.ag, a.plain, Product::Telephony, Administrator)
        .unwrap();
    assert_eq!(a.level(a.plain, Product::Telephony), Administrator);
}

#[test]
fn nobody_is_granted_owner_by_an_ordinary_change() {
    let a = agreement();
    let d = &a.env.dir;
    let err = refused(d, |x| {
        x.set_access_level(a.owner, a.ag, a.plain, Product::Core, Owner)
    });
    assert_eq!(
        err,
        Error::LevelNotGrantable {
            actor_level: Owner,
            level: Owner
        }
    );
    let err = refused(d, |x| {
        x.set_access_level(a.admin, a.ag, a.plain, Product::Core, Owner)
    });
    assert_eq!(
        err,
        Error::LevelNotGrantable {
            actor_level: Administrator,
            level: Owner
        }
    );
    let err = refused(d, |x| {
        x.set_access_level(a.admin, a.ag, a.admin, Product::Core, Owner)
    });
    assert_eq!(err.kind(), "level_not_grantable");
    assert_eq!(a.owners(), vec![a.owner]);
}

#[test]
fn the_owners_level_cannot_be_changed() {
    let a = agreement();
    let d = &a.env.dir;
    for actor in [a.admin, a.owner] {
        for p in [Product::Core, Product::VirtualPbx] {
            let err = refused(d, |x| x.set_access_level(actor, a.ag, a.owner, p, User));
            assert_eq!(err, Error::OwnerProtected, "{actor} {p}");
            assert_eq!((err.code(), err.kind()), (412, "owner_protected"));
        }
    }
    assert_eq!(a.level(a.owner, Product::Core), Owner);
}

#[test]
fn an_administrator_cannot_change_another_administrators_level() {
    let a = agreement();
    let d = &a.env.dir;
    // abby is Administrator on Core.
    let err = refused(d, |x| {
        x.set_access_level(a.admin, a.ag, a.admin2, Product::Core, User)
    });
    assert!(
        matches!(&err, Error::AgreementAdministratorProtected { user, .. } if *user == a.admin2)
    );
    assert_eq!(
        (err.code(), err.kind()),
        (413, "agreement_administrator_protected")
    );
    let err = refused(d, |x| {
        x.set_access_level(a.admin, a.ag, a.admin2, Product::Telephony, User)
    });
    assert!(
        matches!(&err, Error::AgreementAdministratorProtected { user, .. } if *user == a.admin2)
    );
    // ursula is Administrator on Telephony: her Telephony level is another Administrator's.
    let err = refused(d, |x| {
        x.set_access_level(a.admin, a.ag, a.user, Product::Telephony, User)
    });
    assert!(matches!(&err, Error::AgreementAdministratorProtected { user, .. } if *user == a.user));
    // The Owner can.
    d.set_access_level(a.owner, a.ag, a.admin2, Product::Core, User)
        .unwrap();
    assert_eq!(a.level(a.admin2, Product::Core), User);
}

#[test]
fn granting_a_level_above_ones_own_on_that_product_is_refused_in_strict_mode() {
    let a = agreement();
    let d = &a.env.dir;
    // By default (002 as written) a CORE Administrator sets User or Administrator on every
    // product whatever its own level there (settled rule 4) ...
    d.set_access_level(a.admin, a.ag, a.user, Product::Chatbots, Administrator)
        .unwrap();
    // ... the tenant's strict reading caps it at the actor's own level on that product.
    let mut strict = rolecall::TenantSettings::default();
    strict.strict_agreement_levels = true;
    d.set_tenant_settings(a.env.root, &strict).unwrap();
    // adam: Administrator on Core, User on Chatbots, NoAccess on Contact Center AI.
    let err = refused(d, |x| {
        x.set_access_level(a.admin, a.ag, a.plain, Product::Chatbots, Administrator)
    });
    assert_eq!(
        err,
        Error::LevelNotGrantable {
            actor_level: User,
            level: Administrator
        }
    );
    let err = refused(d, |x| {
        x.set_access_level(a.admin, a.ag, a.plain, Product::ContactCenterAi, User)
    });
    assert_eq!(
        err,
        Error::LevelNotGrantable {
            actor_level: NoAccess,
            level: User
        }
    );
    d.set_access_level(a.admin, a.ag, a.plain, Product::Chatbots, User)
        .unwrap();
    assert_eq!(a.level(a.plain, Product::Chatbots), User);
    assert_eq!(a.level(a.plain, Product::ContactCenterAi), NoAccess);
}

#[test]
fn levels_are_set_per_agreement() {
    let a = agreement();
    let d = &a.env.dir;
    let other = d
        .create_agreement(a.env.root, "Agreement 2", a.plain)
        .unwrap();
    // adam administers agreement 1, not agreement 2.
    let err = refused(d, |x| {
        x.set_access_level(a.admin, other, a.user, Product::Core, User)
    });
    assert!(matches!(&err, Error::AgreementAdminRequired { agreement, .. } if *agreement == other));
    assert_eq!(d.access_level(other, a.admin, Product::Core), NoAccess);
    assert_eq!(d.access_level(other, a.plain, Product::Core), Owner);
    assert_eq!(a.level(a.plain, Product::Core), NoAccess);
    d.set_access_level(a.plain, other, a.admin, Product::Core, User)
        .unwrap();
    assert_eq!(d.access_level(other, a.admin, Product::Core), User);
    assert_eq!(a.level(a.admin, Product::Core), Administrator);
}

#[test]
fn there_is_exactly_one_owner_and_only_it_transfers_ownership() {
    let a = agreement();
    let d = &a.env.dir;
    assert_eq!(a.owners(), vec![a.owner]);
    for actor in [a.admin, a.plain] {
        let err = refused(d, |x| x.transfer_ownership(actor, a.ag, a.plain));
        assert!(
            matches!(&err, Error::NotOwner { agreement, .. } if *agreement == a.ag),
            "{actor}"
        );
        assert_eq!((err.code(), err.kind()), (414, "not_owner"));
    }
    d.transfer_ownership(a.owner, a.ag, a.plain).unwrap();
    assert_eq!(d.agreement(a.ag).unwrap().owner, a.plain);
    assert_eq!(a.owners(), vec![a.plain]);
    for p in Product::ALL {
        assert_eq!(a.level(a.plain, p), Owner, "{p}");
        // The former owner becomes Administrator.
        assert_eq!(a.level(a.owner, p), Administrator, "{p}");
    }
    // It is no longer the owner: it cannot transfer again nor change the new owner.
    let err = refused(d, |x| x.transfer_ownership(a.owner, a.ag, a.owner));
    assert!(matches!(&err, Error::NotOwner { agreement, .. } if *agreement == a.ag));
    let err = refused(d, |x| {
        x.set_access_level(a.owner, a.ag, a.plain, Product::Core, User)
    });
    assert_eq!(err, Error::OwnerProtected);
    // The new owner governs it.
    d.set_access_level(a.plain, a.ag, a.owner, Product::Core, NoAccess)
        .unwrap();
    assert_eq!(a.level(a.owner, Product::Core), NoAccess);
}

#[test]
fn the_owner_cannot_be_deleted_until_ownership_is_transferred() {
    let a = agreement();
    let d = &a.env.dir;
    let err = refused(d, |x| x.delete_user(a.env.root, a.owner));
    assert_eq!(
        err,
        Error::UserOwnsAgreement {
            user: a.owner,
            user_email: d.user(a.owner).unwrap().email,
            agreement: a.ag,
            agreement_name: d.agreement(a.ag).unwrap().name,
        }
    );
    assert_eq!((err.code(), err.kind()), (303, "user_owns_agreement"));
    d.transfer_ownership(a.owner, a.ag, a.admin).unwrap();
    d.delete_user(a.env.root, a.owner).unwrap();
    assert_eq!(a.owners(), vec![a.admin]);
    assert_eq!(a.level(a.owner, Product::Core), NoAccess);
}

#[test]
fn deleting_a_user_removes_its_levels_and_link() {
    let a = agreement();
    let d = &a.env.dir;
    d.link_pbx_subscriber(a.owner, a.ag, a.admin2, Some("201"))
        .unwrap();
    assert_eq!(
        d.pbx_subscriber(a.ag, a.admin2).unwrap().as_deref(),
        Some("201")
    );
    d.delete_user(a.env.root, a.admin2).unwrap();
    assert_eq!(a.level(a.admin2, Product::Core), NoAccess);
    assert_eq!(d.pbx_subscriber(a.ag, a.admin2).unwrap(), None);
    assert!(!d.may_listen_recordings(a.ag, a.admin2, "201"));
}

#[test]
fn an_inactive_user_has_no_access_and_cannot_act() {
    let a = agreement();
    let d = &a.env.dir;
    d.set_active(a.env.root, a.admin, false).unwrap();
    for p in Product::ALL {
        assert_eq!(a.level(a.admin, p), NoAccess, "{p}");
    }
    let err = refused(d, |x| {
        x.set_access_level(a.admin, a.ag, a.plain, Product::Core, User)
    });
    assert!(matches!(&err, Error::ActorInactive { user, .. } if *user == a.admin));
    d.set_active(a.env.root, a.admin, true).unwrap();
    assert_eq!(a.level(a.admin, Product::Core), Administrator);
}

// ------------------------------------------------------------------ virtual-PBX link

#[test]
fn a_linked_user_with_user_level_on_virtual_pbx_listens_and_clicks_to_call() {
    let a = agreement();
    let d = &a.env.dir;
    let u = a.plain;
    assert!(!d.may_listen_recordings(a.ag, u, "101"));
    d.link_pbx_subscriber(a.owner, a.ag, u, Some("101"))
        .unwrap();
    assert_eq!(d.pbx_subscriber(a.ag, u).unwrap().as_deref(), Some("101"));
    // Linked, but no level on Virtual PBX: nothing.
    assert!(!d.may_listen_recordings(a.ag, u, "101"));
    assert!(!d.may_click_to_call(a.ag, u, "101"));
    // A level on another product does not count.
    d.set_access_level(a.owner, a.ag, u, Product::Telephony, Administrator)
        .unwrap();
    assert!(!d.may_listen_recordings(a.ag, u, "101"));

    d.set_access_level(a.owner, a.ag, u, Product::VirtualPbx, User)
        .unwrap();
    assert!(d.may_listen_recordings(a.ag, u, "101"));
    assert!(d.may_click_to_call(a.ag, u, "101"));
    // Only for its own subscriber.
    assert!(!d.may_listen_recordings(a.ag, u, "102"));
    assert!(!d.may_click_to_call(a.ag, u, "102"));
    // Level dropped to NoAccess: nothing.
    d.set_access_level(a.owner, a.ag, u, Product::VirtualPbx, NoAccess)
        .unwrap();
    assert!(!d.may_listen_recordings(a.ag, u, "101"));
    d.set_access_level(a.owner, a.ag, u, Product::VirtualPbx, User)
        .unwrap();
    // Inactive: nothing.
    d.set_active(a.env.root, u, false).unwrap();
    assert!(!d.may_click_to_call(a.ag, u, "101"));
    d.set_active(a.env.root, u, true).unwrap();
    assert!(d.may_click_to_call(a.ag, u, "101"));
    // Unlinked: nothing.
    d.link_pbx_subscriber(a.owner, a.ag, u, None).unwrap();
    assert_eq!(d.pbx_subscriber(a.ag, u).unwrap(), None);
    assert!(!d.may_listen_recordings(a.ag, u, "101"));
    assert!(!d.may_click_to_call(a.ag, u, "101"));
}

#[test]
fn a_link_holds_on_its_agreement_only() {
    let a = agreement();
    let d = &a.env.dir;
    let other = d
        .create_agreement(a.env.root, "Agreement 2", a.owner)
        .unwrap();
    d.set_access_level(a.owner, a.ag, a.plain, Product::VirtualPbx, User)
        .unwrap();
    d.set_access_level(a.owner, other, a.plain, Product::VirtualPbx, User)
        .unwrap();
    d.link_pbx_subscriber(a.owner, a.ag, a.plain, Some("101"))
        .unwrap();
    assert!(d.may_listen_recordings(a.ag, a.plain, "101"));
    assert!(!d.may_listen_recordings(other, a.plain, "101"));
}

#[test]
fn linking_follows_the_agreement_rules() {
    let a = agreement();
    let d = &a.env.dir;
    // Needs Administrator or Owner on Core.
    let err = refused(d, |x| {
        x.link_pbx_subscriber(a.user, a.ag, a.plain, Some("101"))
    });
    assert!(matches!(&err, Error::AgreementAdminRequired { agreement, .. } if *agreement == a.ag));
    // An Administrator cannot link another Administrator.
    let err = refused(d, |x| {
        x.link_pbx_subscriber(a.admin, a.ag, a.admin2, Some("101"))
    });
    assert!(
        matches!(&err, Error::AgreementAdministratorProtected { user, .. } if *user == a.admin2)
    );
    // In the strict reading, an Administrator without access to Virtual PBX cannot hand it out.
    let mut strict = rolecall::TenantSettings::default();
    strict.strict_agreement_levels = true;
    d.set_tenant_settings(a.env.root, &strict).unwrap();
    let err = refused(d, |x| {
        x.link_pbx_subscriber(a.admin2, a.ag, a.plain, Some("101"))
    });
    assert_eq!(
        err,
        Error::LevelNotGrantable {
            actor_level: NoAccess,
            level: User
        }
    );
    // adam has Administrator on Virtual PBX: fine.
    d.link_pbx_subscriber(a.admin, a.ag, a.plain, Some("101"))
        .unwrap();
    assert_eq!(
        d.pbx_subscriber(a.ag, a.plain).unwrap().as_deref(),
        Some("101")
    );
}

// ------------------------------------------------------------------ tenants

#[test]
fn agreements_never_cross_tenants() {
    let a = agreement();
    let d = &a.env.dir;
    let (other, other_root) = a.env.other_tenant(&[]);
    let stranger = d
        .create_user(
            other_root,
            &NewUser::new("Sam", "Stranger", "sam@globex.test"),
        )
        .unwrap();
    let err = refused(d, |x| {
        x.set_access_level(other_root, a.ag, stranger, Product::Core, User)
    });
    assert_eq!(
        err,
        Error::WrongTenant {
            kind: rolecall::ObjectKind::Agreement,
            id: a.ag.0
        }
    );
    let err = refused(d, |x| {
        x.set_access_level(a.owner, a.ag, stranger, Product::Core, User)
    });
    assert_eq!(
        err,
        Error::WrongTenant {
            kind: rolecall::ObjectKind::User,
            id: stranger.0
        }
    );
    let err = refused(d, |x| x.transfer_ownership(a.owner, a.ag, stranger));
    assert_eq!(
        err,
        Error::WrongTenant {
            kind: rolecall::ObjectKind::User,
            id: stranger.0
        }
    );
    let err = refused(d, |x| x.create_agreement(a.env.root, "Mixed", stranger));
    assert_eq!(
        err,
        Error::WrongTenant {
            kind: rolecall::ObjectKind::User,
            id: stranger.0
        }
    );
    let err = refused(d, |x| {
        x.link_pbx_subscriber(a.owner, a.ag, stranger, Some("1"))
    });
    assert_eq!(err.kind(), "wrong_tenant");
    assert!(d.agreements(other).unwrap().is_empty());
    for p in Product::ALL {
        assert_eq!(d.access_level(a.ag, stranger, p), NoAccess);
        assert_eq!(d.access_level(a.ag, other_root, p), NoAccess);
    }
}

#[test]
fn unknown_agreements_are_reported() {
    let a = agreement();
    let d = &a.env.dir;
    let ghost = AgreementId(9_999);
    let err = refused(d, |x| {
        x.set_access_level(a.owner, ghost, a.plain, Product::Core, User)
    });
    assert!(matches!(err, Error::UnknownAgreement(_)), "{err:?}");
    assert_eq!((err.code(), err.kind()), (205, "unknown_agreement"));
    let err = refused(d, |x| x.transfer_ownership(a.owner, ghost, a.plain));
    assert!(matches!(err, Error::UnknownAgreement(_)), "{err:?}");
    let err = refused(d, |x| {
        x.link_pbx_subscriber(a.owner, ghost, a.plain, Some("1"))
    });
    assert!(matches!(err, Error::UnknownAgreement(_)), "{err:?}");
    assert!(matches!(
        d.agreement(ghost),
        Err(Error::UnknownAgreement(_))
    ));
    assert!(matches!(
        d.pbx_subscriber(ghost, a.plain),
        Err(Error::UnknownAgreement(_))
    ));
    assert_eq!(d.access_level(ghost, a.plain, Product::Core), NoAccess);
    assert!(!d.may_listen_recordings(ghost, a.plain, "1"));
}

#[test]
fn the_superadministrator_can_recover_an_agreement_whose_owner_left() {
    let a = agreement();
    let d = &a.env.dir;
    // The Owner stays active until ownership is transferred (settled rule 2) ...
    let err = refused(d, |x| x.set_active(a.env.root, a.owner, false));
    assert!(matches!(err, Error::UserOwnsAgreement { .. }), "{err:?}");
    // ... which the superadministrator may do without the Owner.
    d.transfer_ownership(a.env.root, a.ag, a.admin).unwrap();
    d.set_active(a.env.root, a.owner, false).unwrap();
    assert_eq!(a.owners(), vec![a.admin]);
    for p in Product::ALL {
        assert_eq!(d.access_level(a.ag, a.admin, p), Owner, "{p}");
    }
    // The former owner is now an ordinary Administrator of the agreement and can be deleted.
    d.delete_user(a.env.root, a.owner).unwrap();
    assert_eq!(a.owners(), vec![a.admin]);
}

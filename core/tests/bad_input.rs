//! Bad input: every refusal names its exact error (variant, code, kind) and changes nothing —
//! the revision and the whole observable state are equal before and after.

mod common;

use common::{capture, perms, refused, Env};
use rolecall::{
    AccessLevel, AgreementId, Directory, Error, ErrorCategory, GroupId, NewRole, NewUser,
    Permission, Preset, Product, RoleId, RolePatch, ScopeId, ScopeKind, UserId, UserPatch,
    UserQuery,
};

/// A managers tenant with one object of each kind, and a second tenant with the same.
struct Fx {
    env: Env,
    admin: UserId,
    olga: UserId,
    owen: UserId,
    viewer: RoleId,
    operator: RoleId,
    auditor: RoleId,
    floor: GroupId,
    sales: ScopeId,
    ag: AgreementId,
    o_root: UserId,
    o_user: UserId,
    o_role: RoleId,
    o_group: GroupId,
    o_scope: ScopeId,
    o_ag: AgreementId,
}

fn fx() -> Fx {
    let env = Env::new(&[Preset::Managers]);
    let d = &env.dir;
    let admin = env.user("ann", &["Admin"]);
    let olga = env.user("olga", &["Operator"]);
    let owen = env.user("owen", &[]);
    let viewer = env.role("Viewer");
    let operator = env.role("Operator");
    let auditor = env.custom_role("Auditor", Permission::REPORTS_VIEW);
    let floor = d.create_group(env.root, "Floor", &[viewer]).unwrap();
    d.add_member(env.root, floor, olga).unwrap();
    let sales = d
        .create_scope(env.root, ScopeKind::CallGroup, "Sales")
        .unwrap();
    d.assign_scope(env.root, olga, sales).unwrap();
    let ag = d.create_agreement(env.root, "No 1", owen).unwrap();
    d.set_access_level(owen, ag, olga, Product::Core, AccessLevel::User)
        .unwrap();

    let (other, o_root) = env.other_tenant(&[Preset::Managers]);
    let o_role = d.role_by_name(other, "Viewer").unwrap().id;
    let o_user = d
        .create_user(
            o_root,
            &NewUser::new("Gail", "Other", "olga@acme.test").roles([o_role]),
        )
        .unwrap();
    let o_group = d.create_group(o_root, "Floor", &[o_role]).unwrap();
    d.add_member(o_root, o_group, o_user).unwrap();
    let o_scope = d
        .create_scope(o_root, ScopeKind::CallGroup, "Sales")
        .unwrap();
    let o_ag = d.create_agreement(o_root, "No 1", o_user).unwrap();
    Fx {
        env,
        admin,
        olga,
        owen,
        viewer,
        operator,
        auditor,
        floor,
        sales,
        ag,
        o_root,
        o_user,
        o_role,
        o_group,
        o_scope,
        o_ag,
    }
}

type Run<'a> = Box<dyn Fn(&Directory) -> Result<(), Error> + 'a>;
type Op<'a> = (&'static str, Run<'a>);

fn op<'a, T>(label: &'static str, f: impl Fn(&Directory) -> Result<T, Error> + 'a) -> Op<'a> {
    (label, Box::new(move |d| f(d).map(|_| ())))
}

/// Runs every operation, expecting exactly its error (variant, payload, code, kind) and no
/// change at all.
#[track_caller]
fn all_refused(dir: &Directory, cases: Vec<(Op<'_>, Error)>) {
    for ((label, f), want) in cases {
        let err = refused(dir, |d| f(d));
        assert_eq!(err, want, "{label}");
        assert_eq!(err.code(), want.code(), "{label}");
        assert_eq!(err.kind(), want.kind(), "{label}");
    }
}

fn patch_first(v: &str) -> UserPatch {
    UserPatch {
        first_name: Some(v.into()),
        ..UserPatch::default()
    }
}

// ================================================================== names

const BAD_NAMES: &[(&str, &str)] = &[
    ("", "must not be empty"),
    ("   ", "must not be empty"),
    ("\t \n", "must not be empty"),
    ("a\u{7}b", "must not contain control characters"),
    ("line\nbreak", "must not contain control characters"),
];

fn bad_names() -> Vec<(String, &'static str)> {
    let mut v: Vec<(String, &'static str)> = BAD_NAMES
        .iter()
        .map(|(n, r)| ((*n).to_owned(), *r))
        .collect();
    v.push(("x".repeat(101), "must be at most 100 characters"));
    v.push(("é".repeat(101), "must be at most 100 characters"));
    v.push((
        format!(" {} ", "y".repeat(101)),
        "must be at most 100 characters",
    ));
    v
}

#[test]
fn bad_names_are_refused_everywhere_with_nothing_changed() {
    let f = fx();
    let d = &f.env.dir;
    let root = f.env.root;
    for (name, reason) in bad_names() {
        let n = name.as_str();
        let ops: Vec<(&str, &str, Run<'_>)> = vec![
            (
                "create_user first",
                "first name",
                Box::new(move |d| {
                    d.create_user(root, &NewUser::new(n, "Ok", "new@acme.test"))
                        .map(|_| ())
                }),
            ),
            (
                "create_user last",
                "last name",
                Box::new(move |d| {
                    d.create_user(root, &NewUser::new("Ok", n, "new@acme.test"))
                        .map(|_| ())
                }),
            ),
            (
                "update_user first",
                "first name",
                Box::new(move |d| d.update_user(root, f.olga, &patch_first(n))),
            ),
            (
                "update_user last",
                "last name",
                Box::new(move |d| {
                    d.update_user(
                        root,
                        f.olga,
                        &UserPatch {
                            last_name: Some(n.into()),
                            ..UserPatch::default()
                        },
                    )
                }),
            ),
            (
                "create_role",
                "role name",
                Box::new(move |d| {
                    d.create_role(root, &NewRole::new(n, Permission::REPORTS_VIEW))
                        .map(|_| ())
                }),
            ),
            (
                "update_role",
                "role name",
                Box::new(move |d| {
                    d.update_role(
                        root,
                        f.auditor,
                        &RolePatch {
                            name: Some(n.into()),
                            ..RolePatch::default()
                        },
                    )
                }),
            ),
            (
                "create_group",
                "group name",
                Box::new(move |d| d.create_group(root, n, &[]).map(|_| ())),
            ),
            (
                "rename_group",
                "group name",
                Box::new(move |d| d.rename_group(root, f.floor, n)),
            ),
            (
                "call group",
                "call group name",
                Box::new(move |d| d.create_scope(root, ScopeKind::CallGroup, n).map(|_| ())),
            ),
            (
                "ivr",
                "IVR name",
                Box::new(move |d| d.create_scope(root, ScopeKind::Ivr, n).map(|_| ())),
            ),
            (
                "create_agreement",
                "agreement name",
                Box::new(move |d| d.create_agreement(root, n, f.owen).map(|_| ())),
            ),
            (
                "pbx subscriber",
                "subscriber",
                Box::new(move |d| d.link_pbx_subscriber(f.owen, f.ag, f.olga, Some(n))),
            ),
            (
                "create_tenant",
                "tenant name",
                Box::new(move |d| {
                    d.create_tenant(n, &NewUser::new("A", "B", "a@b.co"), &[])
                        .map(|_| ())
                }),
            ),
            (
                "create_tenant superadmin",
                "first name",
                Box::new(move |d| {
                    d.create_tenant("Fine", &NewUser::new(n, "B", "a@b.co"), &[])
                        .map(|_| ())
                }),
            ),
        ];
        for (label, field, f) in ops {
            let err = refused(d, |d| f(d));
            assert_eq!(
                err,
                Error::InvalidName { field, reason },
                "{label} {name:?}"
            );
            assert_eq!((err.code(), err.kind()), (100, "invalid_name"));
            assert_eq!(err.category(), ErrorCategory::InvalidInput);
        }
    }
}

#[test]
fn names_of_exactly_100_characters_are_accepted_and_trimmed() {
    let f = fx();
    let d = &f.env.dir;
    let long = "é".repeat(100);
    let u = d
        .create_user(
            f.env.root,
            &NewUser::new(format!("  {long}  "), "x".repeat(100), "long@acme.test"),
        )
        .unwrap();
    assert_eq!(d.user(u).unwrap().first_name, long);
    d.create_group(f.env.root, &"g".repeat(100), &[]).unwrap();
    d.create_role(
        f.env.root,
        &NewRole::new("r".repeat(100), Permission::REPORTS_VIEW),
    )
    .unwrap();
}

// ================================================================== emails

fn bad_emails() -> Vec<String> {
    let mut v: Vec<String> = [
        "",
        "   ",
        "plainaddress",
        "a@b",
        "@acme.test",
        "ann@",
        "ann@.acme.test",
        "ann@acme..test",
        "ann@-acme.test",
        "ann@acme-.test",
        "ann@acme.test.",
        "ann..lee@acme.test",
        ".ann@acme.test",
        "ann.@acme.test",
        "ann lee@acme.test",
        "ann@acme_corp.test",
        "ann@b@acme.test",
        "ann\u{0}@acme.test",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    v.push(format!("{}@acme.test", "a".repeat(65)));
    let label = "b".repeat(63);
    v.push(format!("{}@{label}.{label}.{label}.co", "a".repeat(64)));
    v.push(format!("ann@{}.test", "c".repeat(64)));
    v
}

#[test]
fn malformed_emails_are_refused_with_nothing_changed() {
    let f = fx();
    let d = &f.env.dir;
    for email in bad_emails() {
        let e = email.as_str();
        let err = refused(d, |d| {
            d.create_user(f.env.root, &NewUser::new("New", "Person", e))
        });
        assert!(matches!(err, Error::InvalidEmail { .. }), "{e:?}: {err:?}");
        assert_eq!((err.code(), err.kind()), (101, "invalid_email"), "{e:?}");
        let err = refused(d, |d| {
            d.update_user(
                f.env.root,
                f.olga,
                &UserPatch {
                    email: Some(e.into()),
                    ..UserPatch::default()
                },
            )
        });
        assert_eq!(err.kind(), "invalid_email", "{e:?}");
        let err = refused(d, |d| {
            d.create_tenant("New", &NewUser::new("A", "B", e), &[])
        });
        assert_eq!(err.kind(), "invalid_email", "{e:?}");
    }
    assert_eq!(d.user(f.olga).unwrap().email, "olga@acme.test");
}

#[test]
fn a_huge_email_is_refused_and_the_message_stays_bounded() {
    let f = fx();
    let huge = format!("{}@acme.test", "a".repeat(100_000));
    let err = refused(&f.env.dir, |d| {
        d.create_user(f.env.root, &NewUser::new("A", "B", huge.as_str()))
    });
    assert_eq!(err.kind(), "invalid_email");
    assert!(err.to_string().len() < 300, "{}", err.to_string().len());
}

#[test]
fn a_duplicate_email_in_any_case_is_refused_with_nothing_changed() {
    let f = fx();
    let d = &f.env.dir;
    for e in [
        "olga@acme.test",
        "OLGA@ACME.TEST",
        "Olga@Acme.Test",
        "  olga@acme.test  ",
    ] {
        let err = refused(d, |d| {
            d.create_user(f.env.root, &NewUser::new("Other", "Olga", e))
        });
        assert!(
            matches!(&err, Error::DuplicateEmail { email } if email == e.trim()),
            "{e:?}: {err:?}"
        );
        assert_eq!((err.code(), err.kind()), (300, "duplicate_email"));
        let err = refused(d, |d| {
            d.update_user(
                f.env.root,
                f.owen,
                &UserPatch {
                    email: Some(e.into()),
                    ..UserPatch::default()
                },
            )
        });
        assert_eq!(err.kind(), "duplicate_email", "{e:?}");
    }
}

// ================================================================== phones

#[test]
fn bad_phones_are_refused_with_nothing_changed() {
    let f = fx();
    let d = &f.env.dir;
    let sixteen = "1".repeat(16);
    for p in [
        "",
        "   ",
        "+",
        "12",
        "1234",
        "555-CALL-NOW",
        "1+2345678",
        "++15550100",
        "555_0100",
        "555/0100",
        "٥٥٥٥٥٥٥",
        sixteen.as_str(),
        "+1 (212) 555-0199 ext 7",
        // Parsed with libphonenumber's metadata: right shape, but no such number.
        "+1 (555) 010-0199",
        "+999 123 4567",
        "+44 20 7946 095",
        // National numbers need the tenant's phone region, and this tenant has none.
        "(212) 555-0199",
        "12345",
        "+123456789012345",
    ] {
        let err = refused(d, |d| {
            d.create_user(
                f.env.root,
                &NewUser::new("New", "Person", "new@acme.test").phone(p),
            )
        });
        assert!(matches!(err, Error::InvalidPhone { .. }), "{p:?}: {err:?}");
        assert_eq!((err.code(), err.kind()), (102, "invalid_phone"), "{p:?}");
        let err = refused(d, |d| {
            d.update_user(
                f.env.root,
                f.olga,
                &UserPatch {
                    phone: Some(Some(p.into())),
                    ..UserPatch::default()
                },
            )
        });
        assert_eq!(err.kind(), "invalid_phone", "{p:?}");
    }
    // Valid numbers, however written, are stored in E.164.
    for (i, (p, e164)) in [
        ("+1 (212) 555-0199", "+12125550199"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+7 800 555-35-35", "+78005553535"),
        ("+7 (812) 315-98-83", "+78123159883"),
    ]
    .iter()
    .enumerate()
    {
        let u = d
            .create_user(
                f.env.root,
                &NewUser::new("Ok", "Phone", format!("ok{i}@acme.test")).phone(*p),
            )
            .unwrap();
        assert_eq!(d.user(u).unwrap().phone.as_deref(), Some(*e164));
    }
}

#[test]
fn national_phones_are_read_in_the_tenants_region() {
    let f = fx();
    let d = &f.env.dir;
    let err = refused(d, |d| {
        d.create_user(
            f.env.root,
            &NewUser::new("Nat", "Ional", "nat@acme.test").phone("06 12 34 56 78"),
        )
    });
    assert!(
        matches!(&err, Error::InvalidPhone { reason, .. } if reason.contains("country code")),
        "{err:?}"
    );
    let mut s = d.tenant_settings(f.env.tenant).unwrap();
    s.phone_region = Some("FR".into());
    d.set_tenant_settings(f.env.root, &s).unwrap();
    let u = d
        .create_user(
            f.env.root,
            &NewUser::new("Nat", "Ional", "nat@acme.test").phone("06 12 34 56 78"),
        )
        .unwrap();
    assert_eq!(d.user(u).unwrap().phone.as_deref(), Some("+33612345678"));
    // Searching finds it typed nationally or internationally, however formatted.
    for text in [
        "06 12 34 56 78",
        "+33 6 12 34 56 78",
        "0612345678",
        "(0)6.12.34.56.78",
    ] {
        let page = d
            .search_users(f.env.tenant, &UserQuery::text(text))
            .unwrap();
        assert_eq!(
            page.items.iter().map(|u| u.id).collect::<Vec<_>>(),
            [u],
            "{text:?}"
        );
    }
}

#[test]
fn a_region_without_a_numbering_plan_is_refused() {
    let f = fx();
    let d = &f.env.dir;
    // Well-formed ISO codes without a numbering plan in libphonenumber's metadata.
    for region in ["AQ", "ZZ"] {
        let mut s = d.tenant_settings(f.env.tenant).unwrap();
        s.phone_region = Some(region.into());
        let err = refused(d, |d| d.set_tenant_settings(f.env.root, &s));
        assert!(
            matches!(
                err,
                Error::InvalidArgument {
                    what: "phone_region",
                    ..
                }
            ),
            "{region}: {err:?}"
        );
    }
}

// ================================================================== look-alike emails

/// Emails that look like `josé@acme.test` (or `ann@acme.test`) to a person.
const LOOK_ALIKES: &[(&str, &str)] = &[
    ("jos\u{e9}@acme.test", "jose\u{301}@acme.test"),
    ("JOS\u{c9}@acme.test", "jose\u{301}@ACME.test"),
    ("stra\u{df}e@acme.test", "STRASSE@acme.test"),
    ("zed@acme.test", "\u{ff5a}\u{ff45}\u{ff44}@acme.test"),
    ("zed@acme.test", "ZED\u{ff20}acme\u{ff0e}test"),
];

#[test]
fn look_alike_emails_are_one_login() {
    let f = fx();
    let d = &f.env.dir;
    for (i, (first, second)) in LOOK_ALIKES.iter().enumerate() {
        let u = d
            .create_user(
                f.env.root,
                &NewUser::new("Look", format!("Alike{i}"), *first),
            )
            .unwrap();
        let err = refused(d, |d| {
            d.create_user(f.env.root, &NewUser::new("Look", "Again", *second))
        });
        assert_eq!(err.kind(), "duplicate_email", "{first:?} / {second:?}");
        assert_eq!(
            d.user_by_email(f.env.tenant, second).unwrap().id,
            u,
            "{second:?} finds {first:?}"
        );
        d.delete_user(f.env.root, u).unwrap();
    }
}

#[test]
fn invisible_and_bidi_characters_in_emails_are_refused() {
    let f = fx();
    let d = &f.env.dir;
    for c in [
        '\u{200B}', '\u{200C}', '\u{200D}', '\u{AD}', '\u{2060}', '\u{FEFF}', '\u{202E}',
        '\u{2066}', '\u{200F}',
    ] {
        let e = format!("olg{c}a@acme.test");
        let err = refused(d, |d| {
            d.create_user(f.env.root, &NewUser::new("Look", "Alike", e.as_str()))
        });
        assert!(
            matches!(&err, Error::InvalidEmail { reason, .. } if reason.contains("invisible")),
            "{c:?}: {err:?}"
        );
        assert_eq!((err.code(), err.kind()), (101, "invalid_email"));
        let err = refused(d, |d| {
            d.update_user(
                f.env.root,
                f.owen,
                &UserPatch {
                    email: Some(e.clone()),
                    ..UserPatch::default()
                },
            )
        });
        assert_eq!(err.kind(), "invalid_email", "{c:?}");
    }
}

#[test]
fn mixed_script_emails_are_refused_and_single_script_ones_accepted() {
    let f = fx();
    let d = &f.env.dir;
    // "olga" with a Cyrillic "о": looks like olga@acme.test.
    let err = refused(d, |d| {
        d.create_user(
            f.env.root,
            &NewUser::new("Look", "Alike", "\u{43e}lga@acme.test"),
        )
    });
    assert!(
        matches!(&err, Error::InvalidEmail { reason, .. } if reason.contains("mixes scripts")),
        "{err:?}"
    );
    let err = refused(d, |d| {
        d.create_user(
            f.env.root,
            &NewUser::new("Look", "Alike", "ann@\u{430}cme.test"),
        )
    });
    assert_eq!(err.kind(), "invalid_email");
    for ok in [
        "\u{43e}\u{43b}\u{44c}\u{433}\u{430}@acme.test",
        "jos\u{e9}@\u{43f}\u{440}\u{438}\u{43c}\u{435}\u{440}.\u{440}\u{444}",
        "\u{7530}\u{4e2d}@acme.jp",
    ] {
        d.create_user(f.env.root, &NewUser::new("Single", "Script", ok))
            .unwrap();
    }
}

#[test]
fn a_patch_with_one_bad_field_changes_nothing() {
    let f = fx();
    let d = &f.env.dir;
    let err = refused(d, |d| {
        d.update_user(
            f.env.root,
            f.olga,
            &UserPatch {
                first_name: Some("Valid".into()),
                last_name: Some("Valid".into()),
                email: Some("valid@acme.test".into()),
                phone: Some(Some("not a phone".into())),
                external_id: Some(Some("HR-1".into())),
            },
        )
    });
    assert_eq!(err.kind(), "invalid_phone");
    assert_eq!(d.user(f.olga).unwrap().external_id, None);
    let rec = d.user(f.olga).unwrap();
    assert_eq!(rec.first_name, "olga");
    assert_eq!(rec.email, "olga@acme.test");
}

// ================================================================== unknown ids

#[test]
fn unknown_ids_are_reported_with_nothing_changed() {
    let f = fx();
    let root = f.env.root;
    let gu = UserId(9_999);
    let gr = RoleId(9_999);
    let gg = GroupId(9_999);
    let gs = ScopeId(9_999);
    let ga = AgreementId(9_999);
    let uu = || Error::UnknownUser(UserId(9999).into());
    let ur = || Error::UnknownRole("role#9999".into());
    let ug = || Error::UnknownGroup("group#9999".into());
    let us = || Error::UnknownScope("scope#9999".into());
    let ua = || Error::UnknownAgreement("agreement#9999".into());
    let new = || NewUser::new("New", "Person", "new@acme.test");
    let cases: Vec<(Op<'_>, Error)> = vec![
        (
            op("create_user by ghost", move |d| d.create_user(gu, &new())),
            uu(),
        ),
        (
            op("create_user with ghost role", move |d| {
                d.create_user(root, &new().roles([f.viewer, gr]))
            }),
            ur(),
        ),
        (
            op("update_user", move |d| {
                d.update_user(root, gu, &patch_first("X"))
            }),
            uu(),
        ),
        (
            op("update_user by ghost", move |d| {
                d.update_user(gu, f.olga, &patch_first("X"))
            }),
            uu(),
        ),
        (
            op("set_active", move |d| d.set_active(root, gu, false)),
            uu(),
        ),
        (op("delete_user", move |d| d.delete_user(root, gu)), uu()),
        (
            op("assign_role to ghost", move |d| {
                d.assign_role(root, gu, f.viewer)
            }),
            uu(),
        ),
        (
            op("assign ghost role", move |d| {
                d.assign_role(root, f.olga, gr)
            }),
            ur(),
        ),
        (
            op("revoke ghost role", move |d| {
                d.revoke_role(root, f.olga, gr)
            }),
            ur(),
        ),
        (
            op("revoke_role from ghost", move |d| {
                d.revoke_role(root, gu, f.viewer)
            }),
            uu(),
        ),
        (
            op("set_user_roles", move |d| {
                d.set_user_roles(root, f.olga, &[f.viewer, gr])
            }),
            ur(),
        ),
        (
            op("create_role by ghost", move |d| {
                d.create_role(gu, &NewRole::new("R", Permission::REPORTS_VIEW))
            }),
            uu(),
        ),
        (
            op("update_role", move |d| {
                d.update_role(root, gr, &RolePatch::default())
            }),
            ur(),
        ),
        (op("delete_role", move |d| d.delete_role(root, gr)), ur()),
        (
            op("create_group", move |d| d.create_group(root, "New", &[gr])),
            ur(),
        ),
        (
            op("rename_group", move |d| d.rename_group(root, gg, "X")),
            ug(),
        ),
        (
            op("add role to ghost group", move |d| {
                d.add_group_role(root, gg, f.viewer)
            }),
            ug(),
        ),
        (
            op("add ghost role to group", move |d| {
                d.add_group_role(root, f.floor, gr)
            }),
            ur(),
        ),
        (
            op("remove_group_role", move |d| {
                d.remove_group_role(root, f.floor, gr)
            }),
            ur(),
        ),
        (
            op("add_member to ghost group", move |d| {
                d.add_member(root, gg, f.olga)
            }),
            ug(),
        ),
        (
            op("add ghost member", move |d| d.add_member(root, f.floor, gu)),
            uu(),
        ),
        (
            op("remove ghost member", move |d| {
                d.remove_member(root, f.floor, gu)
            }),
            uu(),
        ),
        (
            op("remove_member from ghost group", move |d| {
                d.remove_member(root, gg, f.olga)
            }),
            ug(),
        ),
        (op("delete_group", move |d| d.delete_group(root, gg)), ug()),
        (
            op("create_scope by ghost", move |d| {
                d.create_scope(gu, ScopeKind::Ivr, "X")
            }),
            uu(),
        ),
        (op("delete_scope", move |d| d.delete_scope(root, gs)), us()),
        (
            op("assign ghost scope", move |d| {
                d.assign_scope(root, f.olga, gs)
            }),
            us(),
        ),
        (
            op("assign scope to ghost", move |d| {
                d.assign_scope(root, gu, f.sales)
            }),
            uu(),
        ),
        (
            op("unassign ghost scope", move |d| {
                d.unassign_scope(root, f.olga, gs)
            }),
            us(),
        ),
        (
            op("set_user_scopes", move |d| {
                d.set_user_scopes(root, f.olga, &[f.sales, gs])
            }),
            us(),
        ),
        (
            op("create_agreement", move |d| {
                d.create_agreement(root, "No 2", gu)
            }),
            uu(),
        ),
        (
            op("level on ghost agreement", move |d| {
                d.set_access_level(f.owen, ga, f.olga, Product::Core, AccessLevel::User)
            }),
            ua(),
        ),
        (
            op("level of ghost user", move |d| {
                d.set_access_level(f.owen, f.ag, gu, Product::Core, AccessLevel::User)
            }),
            uu(),
        ),
        (
            op("level set by ghost", move |d| {
                d.set_access_level(gu, f.ag, f.olga, Product::Core, AccessLevel::User)
            }),
            uu(),
        ),
        (
            op("transfer to ghost", move |d| {
                d.transfer_ownership(f.owen, f.ag, gu)
            }),
            uu(),
        ),
        (
            op("transfer ghost agreement", move |d| {
                d.transfer_ownership(f.owen, ga, f.olga)
            }),
            ua(),
        ),
        (
            op("link ghost", move |d| {
                d.link_pbx_subscriber(f.owen, f.ag, gu, Some("101"))
            }),
            uu(),
        ),
        (
            op("link on ghost agreement", move |d| {
                d.link_pbx_subscriber(f.owen, ga, f.olga, Some("101"))
            }),
            ua(),
        ),
        (
            op("install_preset by ghost", move |d| {
                d.install_preset(gu, Preset::RoleModel)
            }),
            uu(),
        ),
    ];
    all_refused(&f.env.dir, cases);
}

#[test]
fn unknown_ids_in_reads() {
    let f = fx();
    let d = &f.env.dir;
    let t = f.env.tenant;
    assert_eq!(
        d.user(UserId(9_999)),
        Err(Error::UnknownUser(UserId(9999).into()))
    );
    assert_eq!(
        d.role(RoleId(9_999)),
        Err(Error::UnknownRole("role#9999".into()))
    );
    assert_eq!(
        d.group(GroupId(9_999)),
        Err(Error::UnknownGroup("group#9999".into()))
    );
    assert_eq!(
        d.scope(ScopeId(9_999)),
        Err(Error::UnknownScope("scope#9999".into()))
    );
    assert_eq!(
        d.agreement(AgreementId(9_999)),
        Err(Error::UnknownAgreement("agreement#9999".into()))
    );
    assert!(matches!(
        d.group_members(GroupId(9_999)),
        Err(Error::UnknownGroup(_))
    ));
    assert!(matches!(
        d.group_permissions(GroupId(9_999)),
        Err(Error::UnknownGroup(_))
    ));
    assert!(matches!(
        d.user_groups(UserId(9_999)),
        Err(Error::UnknownUser(_))
    ));
    assert!(matches!(
        d.user_by_email(t, "nobody@acme.test"),
        Err(Error::UnknownUser(_))
    ));
    assert!(matches!(
        d.role_by_name(t, "Nobody"),
        Err(Error::UnknownRole(_))
    ));
    assert!(matches!(
        d.group_by_name(t, "Nobody"),
        Err(Error::UnknownGroup(_))
    ));
    assert!(matches!(
        d.explain(UserId(9_999), Permission::REPORTS_VIEW),
        Err(Error::UnknownUser(_))
    ));
    let ghost_tenant = rolecall::TenantId(9_999);
    assert_eq!(
        d.tenant(ghost_tenant),
        Err(Error::UnknownTenant(ghost_tenant))
    );
    for err in [
        d.roles(ghost_tenant).map(|_| ()),
        d.groups(ghost_tenant).map(|_| ()),
        d.scopes(ghost_tenant).map(|_| ()),
        d.agreements(ghost_tenant).map(|_| ()),
        d.search_users(ghost_tenant, &UserQuery::default())
            .map(|_| ()),
        d.users_with_permission(ghost_tenant, Permission::REPORTS_VIEW, None)
            .map(|_| ()),
        d.user_by_email(ghost_tenant, "olga@acme.test").map(|_| ()),
    ] {
        let err = err.unwrap_err();
        assert_eq!(err, Error::UnknownTenant(ghost_tenant));
        assert_eq!((err.code(), err.kind()), (200, "unknown_tenant"));
    }
    // Checks on unknown users are simply false.
    assert!(!d.check(UserId(9_999), Permission::REPORTS_VIEW));
    assert!(!d.check_scoped(UserId(9_999), Permission::REPORTS_VIEW, f.sales));
}

// ================================================================== other tenant's ids

#[test]
fn ids_of_another_tenant_are_refused_with_nothing_changed() {
    let f = fx();
    let root = f.env.root;
    let wt = |kind: &str, id: u64| Error::WrongTenant {
        kind: kind.parse().unwrap(),
        id,
    };
    let user = wt("user", f.o_user.0);
    let role = wt("role", f.o_role.0);
    let group = wt("group", f.o_group.0);
    let scope = wt("scope", f.o_scope.0);
    let agreement = wt("agreement", f.o_ag.0);
    let cases: Vec<(Op<'_>, Error)> = vec![
        (
            op("create_user with their role", move |d| {
                d.create_user(
                    root,
                    &NewUser::new("New", "Person", "new@acme.test").roles([f.o_role]),
                )
            }),
            role.clone(),
        ),
        (
            op("update_user", move |d| {
                d.update_user(root, f.o_user, &patch_first("X"))
            }),
            user.clone(),
        ),
        (
            op("their root edits ours", move |d| {
                d.update_user(f.o_root, f.olga, &patch_first("X"))
            }),
            wt("user", f.olga.0),
        ),
        (
            op("set_active", move |d| d.set_active(root, f.o_user, false)),
            user.clone(),
        ),
        (
            op("delete_user", move |d| d.delete_user(root, f.o_user)),
            user.clone(),
        ),
        (
            op("their root deletes ours", move |d| {
                d.delete_user(f.o_root, f.olga)
            }),
            wt("user", f.olga.0),
        ),
        (
            op("assign_role to them", move |d| {
                d.assign_role(root, f.o_user, f.viewer)
            }),
            user.clone(),
        ),
        (
            op("assign their role", move |d| {
                d.assign_role(root, f.olga, f.o_role)
            }),
            role.clone(),
        ),
        (
            op("revoke their role", move |d| {
                d.revoke_role(root, f.olga, f.o_role)
            }),
            role.clone(),
        ),
        (
            op("set_user_roles", move |d| {
                d.set_user_roles(root, f.olga, &[f.viewer, f.o_role])
            }),
            role.clone(),
        ),
        (
            op("update_role", move |d| {
                d.update_role(root, f.o_role, &RolePatch::default())
            }),
            role.clone(),
        ),
        (
            op("delete_role", move |d| d.delete_role(root, f.o_role)),
            role.clone(),
        ),
        (
            op("create_group", move |d| {
                d.create_group(root, "New", &[f.o_role])
            }),
            role.clone(),
        ),
        (
            op("rename_group", move |d| {
                d.rename_group(root, f.o_group, "X")
            }),
            group.clone(),
        ),
        (
            op("add role to their group", move |d| {
                d.add_group_role(root, f.o_group, f.viewer)
            }),
            group.clone(),
        ),
        (
            op("add their role to group", move |d| {
                d.add_group_role(root, f.floor, f.o_role)
            }),
            role.clone(),
        ),
        (
            op("remove_group_role", move |d| {
                d.remove_group_role(root, f.floor, f.o_role)
            }),
            role.clone(),
        ),
        (
            op("add them as member", move |d| {
                d.add_member(root, f.floor, f.o_user)
            }),
            user.clone(),
        ),
        (
            op("add to their group", move |d| {
                d.add_member(root, f.o_group, f.olga)
            }),
            group.clone(),
        ),
        (
            op("remove from their group", move |d| {
                d.remove_member(root, f.o_group, f.o_user)
            }),
            group.clone(),
        ),
        (
            op("delete_group", move |d| d.delete_group(root, f.o_group)),
            group.clone(),
        ),
        (
            op("delete_scope", move |d| d.delete_scope(root, f.o_scope)),
            scope.clone(),
        ),
        (
            op("assign their scope", move |d| {
                d.assign_scope(root, f.olga, f.o_scope)
            }),
            scope.clone(),
        ),
        (
            op("assign scope to them", move |d| {
                d.assign_scope(root, f.o_user, f.sales)
            }),
            user.clone(),
        ),
        (
            op("unassign their scope", move |d| {
                d.unassign_scope(root, f.olga, f.o_scope)
            }),
            scope.clone(),
        ),
        (
            op("set_user_scopes", move |d| {
                d.set_user_scopes(root, f.olga, &[f.o_scope])
            }),
            scope.clone(),
        ),
        (
            op("create_agreement owned by them", move |d| {
                d.create_agreement(root, "No 2", f.o_user)
            }),
            user.clone(),
        ),
        (
            op("level on their agreement", move |d| {
                d.set_access_level(f.owen, f.o_ag, f.olga, Product::Core, AccessLevel::User)
            }),
            agreement.clone(),
        ),
        (
            op("level for them", move |d| {
                d.set_access_level(f.owen, f.ag, f.o_user, Product::Core, AccessLevel::User)
            }),
            user.clone(),
        ),
        (
            op("transfer to them", move |d| {
                d.transfer_ownership(f.owen, f.ag, f.o_user)
            }),
            user.clone(),
        ),
        (
            op("transfer their agreement", move |d| {
                d.transfer_ownership(f.owen, f.o_ag, f.olga)
            }),
            agreement.clone(),
        ),
        (
            op("link them", move |d| {
                d.link_pbx_subscriber(f.owen, f.ag, f.o_user, Some("101"))
            }),
            user,
        ),
    ];
    all_refused(&f.env.dir, cases);
    // The other tenant's objects are untouched and still work for their own tenant.
    assert!(f.env.dir.check(f.o_user, Permission::CAMPAIGNS_VIEW));
    assert_eq!(f.env.dir.group_members(f.o_group).unwrap(), vec![f.o_user]);
}

// ================================================================== grants beyond the actor

#[test]
fn granting_what_the_actor_may_not_grant_is_refused_with_nothing_changed() {
    let f = fx();
    let d = &f.env.dir;
    let root = f.env.root;
    let hr_role = f
        .env
        .custom_role("HR", perms(&["users.view", "users.manage"]));
    let hr = f.env.user_with(root, "hilda", &[hr_role]);
    let ga_role = f.env.custom_role(
        "Group admin",
        perms(&["groups.manage", "campaigns.view", "reports.view"]),
    );
    let gadmin = f.env.user_with(root, "gary", &[ga_role]);
    let ra_role = f.env.custom_role(
        "Role admin",
        perms(&["roles.manage", "reports.view", "campaigns.view"]),
    );
    let radmin = f.env.user_with(root, "rita", &[ra_role]);
    let tom = f.env.user("tom", &[]);
    let dormant = f.env.user("dora", &["Operator"]);
    d.set_active(root, dormant, false).unwrap();
    // "agreement level above own" below is the tenant's strict reading of 002 (settled rule 4).
    let mut strict = rolecall::TenantSettings::default();
    strict.strict_agreement_levels = true;
    d.set_tenant_settings(root, &strict).unwrap();
    let ops_group = d.create_group(root, "Operators", &[f.operator]).unwrap();
    let empty_group = d.create_group(root, "Empty", &[]).unwrap();
    let admin_role = f.env.role("Admin");
    let service = f.env.role("Service");
    let operator_rights = perms(&[
        "campaigns.view",
        "campaigns.control",
        "scripts.view",
        "numbers.view",
        "reports.view",
    ]);
    // The agreement: olga is User on Core; make adam Administrator on Core only.
    let adam = f.env.user("adam", &[]);
    d.set_access_level(
        f.owen,
        f.ag,
        adam,
        Product::Core,
        AccessLevel::Administrator,
    )
    .unwrap();

    let cases: Vec<(Op<'_>, Error)> = vec![
        (
            op("create_user with roles", move |d| {
                d.create_user(
                    hr,
                    &NewUser::new("New", "Op", "newop@acme.test").roles([f.operator]),
                )
            }),
            Error::Escalation {
                missing: operator_rights,
            },
        ),
        (
            op("assign_role", move |d| d.assign_role(hr, tom, f.operator)),
            Error::Escalation {
                missing: operator_rights,
            },
        ),
        (
            op("set_user_roles", move |d| {
                d.set_user_roles(f.admin, tom, &[f.viewer, service])
            }),
            Error::Escalation {
                missing: Permission::API_ACCESS | Permission::SYSTEM_ADMIN,
            },
        ),
        (
            op("admin tier", move |d| {
                d.assign_role(f.admin, tom, admin_role)
            }),
            Error::SuperadminOnly {
                action: "grant an administrator-tier role",
            },
        ),
        (
            op("reactivate", move |d| d.set_active(hr, dormant, true)),
            Error::Escalation {
                missing: operator_rights,
            },
        ),
        (
            op("add_member", move |d| d.add_member(gadmin, ops_group, tom)),
            Error::Escalation {
                missing: perms(&["campaigns.control", "scripts.view", "numbers.view"]),
            },
        ),
        (
            op("add_group_role", move |d| {
                d.add_group_role(gadmin, empty_group, f.operator)
            }),
            Error::Escalation {
                missing: perms(&["campaigns.control", "scripts.view", "numbers.view"]),
            },
        ),
        (
            op("create_group", move |d| {
                d.create_group(gadmin, "Mine", &[f.auditor, f.operator])
            }),
            Error::Escalation {
                missing: perms(&["campaigns.control", "scripts.view", "numbers.view"]),
            },
        ),
        (
            op("create_role", move |d| {
                d.create_role(
                    radmin,
                    &NewRole::new("Payer", Permission::BILLING_VIEW | Permission::REPORTS_VIEW),
                )
            }),
            Error::Escalation {
                missing: Permission::BILLING_VIEW,
            },
        ),
        (
            op("create_role admin tier", move |d| {
                d.create_role(
                    radmin,
                    &NewRole::new("Deputy", Permission::REPORTS_VIEW).admin_tier(),
                )
            }),
            Error::SuperadminOnly {
                action: "create an administrator-tier role",
            },
        ),
        (
            op("update_role", move |d| {
                d.update_role(
                    radmin,
                    f.auditor,
                    &RolePatch {
                        permissions: Some(Permission::REPORTS_VIEW | Permission::BILLING_VIEW),
                        ..RolePatch::default()
                    },
                )
            }),
            Error::Escalation {
                missing: Permission::BILLING_VIEW,
            },
        ),
        (
            op("agreement level above own (strict)", move |d| {
                d.set_access_level(adam, f.ag, tom, Product::Telephony, AccessLevel::User)
            }),
            Error::LevelNotGrantable {
                actor_level: AccessLevel::NoAccess,
                level: AccessLevel::User,
            },
        ),
        (
            op("agreement owner level", move |d| {
                d.set_access_level(f.owen, f.ag, tom, Product::Core, AccessLevel::Owner)
            }),
            Error::LevelNotGrantable {
                actor_level: AccessLevel::Owner,
                level: AccessLevel::Owner,
            },
        ),
        (
            op("agreement no core admin", move |d| {
                d.set_access_level(f.olga, f.ag, tom, Product::Core, AccessLevel::User)
            }),
            Error::AgreementAdminRequired {
                agreement: f.ag,
                name: "No 1".into(),
            },
        ),
    ];
    for ((label, run), want) in cases {
        let err = refused(d, |d| run(d));
        assert_eq!(err, want, "{label}");
        assert_eq!(err.category(), ErrorCategory::PermissionDenied, "{label}");
    }
    assert!(!d.check(tom, Permission::CAMPAIGNS_VIEW));
}

#[test]
fn scope_grants_beyond_the_actor_are_refused_with_nothing_changed() {
    let env = Env::new(&[Preset::Dashboard]);
    let d = &env.dir;
    let sales = d
        .create_scope(env.root, ScopeKind::CallGroup, "Sales")
        .unwrap();
    let tech = env.user("ted", &["Technical"]);
    let sup = env.user("sam", &["Supervisor"]);
    let before = capture(d);
    let err = refused(d, |d| d.assign_scope(tech, sup, sales));
    assert_eq!(
        err,
        Error::Escalation {
            missing: perms(&[
                "dashboard.activity",
                "dashboard.logs",
                "dashboard.campaigns",
                "dashboard.analytics",
                "dashboard.tasks",
            ])
        }
    );
    assert_eq!(capture(d), before);
    assert!(d.user(sup).unwrap().scopes.is_empty());
}

// ================================================================== other arguments

#[test]
fn other_bad_arguments_are_refused() {
    let f = fx();
    let d = &f.env.dir;
    for limit in [0, UserQuery::MAX_LIMIT + 1] {
        let q = UserQuery {
            limit,
            ..UserQuery::default()
        };
        let err = d.search_users(f.env.tenant, &q).unwrap_err();
        assert!(
            matches!(err, Error::InvalidArgument { what: "limit", .. }),
            "{err:?}"
        );
        assert_eq!((err.code(), err.kind()), (107, "invalid_argument"));
    }
    let err = d.explain(f.olga, Permission::empty()).unwrap_err();
    assert_eq!(err, Error::EmptyPermission);
    assert_eq!((err.code(), err.kind()), (108, "empty_permission"));
    assert!(!d.check(f.olga, Permission::empty()));
    assert!(!d.check_scoped(f.olga, Permission::empty(), f.sales));

    // The superadministrator is given no roles at tenant creation.
    let err = refused(d, |d| {
        d.create_tenant(
            "New",
            &NewUser::new("A", "B", "a@b.co").roles([f.viewer]),
            &[],
        )
    });
    assert!(
        matches!(
            err,
            Error::InvalidArgument {
                what: "superadmin roles",
                ..
            }
        ),
        "{err:?}"
    );

    // Names that do not parse.
    let err = "campaigns.fly".parse::<Permission>().unwrap_err();
    assert!(matches!(&err, Error::UnknownPermission { name } if name == "campaigns.fly"));
    assert_eq!((err.code(), err.kind()), (103, "unknown_permission"));
    let err = Permission::from_names(&["campaigns.view", "CAMPAIGNS.VIEW"]).unwrap_err();
    assert_eq!(err.kind(), "unknown_permission");
    let err = "pbx".parse::<Product>().unwrap_err();
    assert_eq!((err.code(), err.kind()), (105, "unknown_product"));
    assert_eq!(
        Product::from_index(7).unwrap_err().kind(),
        "unknown_product"
    );
    let err = "boss".parse::<AccessLevel>().unwrap_err();
    assert_eq!((err.code(), err.kind()), (106, "unknown_access_level"));
    assert_eq!(
        AccessLevel::from_index(4).unwrap_err().kind(),
        "unknown_access_level"
    );
    let err = "Queue!".parse::<ScopeKind>().unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidArgument {
                what: "scope kind",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn duplicate_names_are_refused_with_nothing_changed() {
    let f = fx();
    let root = f.env.root;
    let ops = vec![
        op("role", move |d| {
            d.create_role(root, &NewRole::new("AUDITOR", Permission::REPORTS_VIEW))
        }),
        op("role", move |d| {
            d.create_role(root, &NewRole::new("viewer", Permission::REPORTS_VIEW))
        }),
        op("group", move |d| d.create_group(root, "floor", &[])),
        op("call_group", move |d| {
            d.create_scope(root, ScopeKind::CallGroup, "SALES")
        }),
        op("agreement", move |d| {
            d.create_agreement(root, "no 1", f.owen)
        }),
        op("role", move |d| d.install_preset(root, Preset::Managers)),
    ];
    for (label, run) in ops {
        let err = refused(&f.env.dir, |d| run(d));
        assert!(
            matches!(&err, Error::DuplicateName { kind, .. } if *kind == label),
            "{label}: {err:?}"
        );
        assert_eq!((err.code(), err.kind()), (301, "duplicate_name"));
        assert_eq!(err.category(), ErrorCategory::Conflict);
    }
}

#[test]
fn rule_refusals_change_nothing_either() {
    let f = fx();
    let d = &f.env.dir;
    let root = f.env.root;
    // Superadministrator protection, built-in roles, the only-group rule, the owner.
    let cases: Vec<(Op<'_>, &str)> = vec![
        (
            op("", move |d| d.delete_user(root, root)),
            "superadmin_protected",
        ),
        (
            op("", move |d| d.set_active(root, root, false)),
            "superadmin_protected",
        ),
        (
            op("", move |d| {
                d.update_role(root, f.viewer, &RolePatch::default())
            }),
            "builtin_role",
        ),
        (
            op("", move |d| d.delete_role(root, f.operator)),
            "builtin_role",
        ),
        (
            op("", move |d| d.delete_group(root, f.floor)),
            "group_is_only_group",
        ),
        (
            op("", move |d| d.delete_user(root, f.owen)),
            "user_owns_agreement",
        ),
        (
            op("", move |d| {
                d.set_access_level(f.owen, f.ag, f.owen, Product::Core, AccessLevel::User)
            }),
            "owner_protected",
        ),
        (
            op("", move |d| d.transfer_ownership(f.olga, f.ag, f.olga)),
            "not_owner",
        ),
    ];
    for ((_, run), kind) in cases {
        let err = refused(d, |d| run(d));
        assert_eq!(err.kind(), kind);
    }
}

// ================================================================== role descriptions

#[test]
fn bad_role_descriptions_are_refused_with_nothing_changed() {
    let f = fx();
    let d = &f.env.dir;
    let huge = "x".repeat(10 * 1024 * 1024);
    let long = "x".repeat(1000 + 1);
    for desc in [
        huge.as_str(),
        long.as_str(),
        "a\0b",
        "a\u{1b}[2Jb",
        "line one\r\nline two",
        "line one\nline two",
        "a\tb",
        "a\u{202E}b",
        "a\u{2028}b",
    ] {
        let mut new = NewRole::new("Described", Permission::REPORTS_VIEW);
        new.description = desc.to_owned();
        let err = refused(d, |d| d.create_role(f.env.root, &new));
        assert!(
            matches!(
                err,
                Error::InvalidName {
                    field: "role description",
                    ..
                }
            ),
            "{:?}: {err:?}",
            &desc[..desc.len().min(20)]
        );
        assert_eq!((err.code(), err.kind()), (100, "invalid_name"));
        let err = refused(d, |d| {
            d.update_role(
                f.env.root,
                f.auditor,
                &RolePatch {
                    description: Some(desc.to_owned()),
                    ..RolePatch::default()
                },
            )
        });
        assert!(
            matches!(
                err,
                Error::InvalidName {
                    field: "role description",
                    ..
                }
            ),
            "{err:?}"
        );
    }
    // At the bound, trimmed and in NFC.
    let at_bound = "é".repeat(1000);
    let mut new = NewRole::new("Described", Permission::REPORTS_VIEW);
    new.description = format!("  {at_bound}  ");
    let r = d.create_role(f.env.root, &new).unwrap();
    assert_eq!(d.role(r).unwrap().description, at_bound);
    d.update_role(
        f.env.root,
        r,
        &RolePatch {
            description: Some("Reads the cafe\u{301} reports".into()),
            ..RolePatch::default()
        },
    )
    .unwrap();
    assert_eq!(
        d.role(r).unwrap().description,
        "Reads the caf\u{e9} reports"
    );
}

#[test]
fn bidi_controls_and_line_separators_are_refused_in_every_name() {
    let f = fx();
    let d = &f.env.dir;
    for n in ["Evil\u{202E}gnp.exe", "Two\u{2028}lines", "Iso\u{2067}late"] {
        let err = refused(d, |d| d.create_group(f.env.root, n, &[]));
        assert!(
            matches!(
                err,
                Error::InvalidName {
                    field: "group name",
                    ..
                }
            ),
            "{n:?}: {err:?}"
        );
        let err = refused(d, |d| {
            d.update_user(
                f.env.root,
                f.olga,
                &UserPatch {
                    first_name: Some(n.into()),
                    ..UserPatch::default()
                },
            )
        });
        assert_eq!(err.kind(), "invalid_name", "{n:?}");
        let err = refused(d, |d| d.create_agreement(f.env.root, n, f.owen));
        assert_eq!(err.kind(), "invalid_name", "{n:?}");
        let err = refused(d, |d| d.link_pbx_subscriber(f.owen, f.ag, f.olga, Some(n)));
        assert_eq!(err.kind(), "invalid_name", "{n:?}");
    }
}

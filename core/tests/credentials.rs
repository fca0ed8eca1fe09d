//! Credentials, login, lockout, recovery, security stamps, notifications and audit.

use std::sync::Arc;

use rolecall::{
    AuditQuery, Directory, Error, HashParams, ManualClock, MemoryStore, NewUser, Notification,
    Preset, UserId, UserPatch,
};

const FAST: HashParams = HashParams {
    m_kib: 256,
    t: 1,
    p: 1,
};
const PW: &str = "violet kettle on the moon";

struct World {
    dir: Directory,
    clock: Arc<ManualClock>,
    tenant: rolecall::TenantId,
    root: UserId,
    olga: UserId,
}

fn world() -> World {
    let clock = Arc::new(ManualClock::new(1_700_000_000_000));
    let dir = Directory::open_with_clock(MemoryStore::new(), clock.clone()).unwrap();
    dir.set_hash_params(FAST);
    let t = dir
        .create_tenant(
            "Acme",
            &NewUser::new("Ada", "Root", "ada@acme.test").password("azure lantern drift seven"),
            &[Preset::Managers],
        )
        .unwrap();
    let op = dir.role_by_name(t.tenant, "Operator").unwrap().id;
    let olga = dir
        .create_user(
            t.superadmin,
            &NewUser::new("Olga", "Petrova", "olga@acme.test")
                .roles([op])
                .temporary_password(PW),
        )
        .unwrap();
    World {
        dir,
        clock,
        tenant: t.tenant,
        root: t.superadmin,
        olga,
    }
}

#[test]
fn login_reports_the_temporary_password_and_records_the_time() {
    let w = world();
    let s = w.dir.login(w.tenant, "OLGA@acme.test", PW).unwrap();
    assert_eq!(s.user, w.olga);
    assert!(s.must_change_password);
    assert_eq!(w.dir.user(w.olga).unwrap().last_login, Some(w.clock.now()));
    w.dir
        .change_password(w.olga, PW, "a brand new passphrase")
        .unwrap();
    let s = w
        .dir
        .login(w.tenant, "olga@acme.test", "a brand new passphrase")
        .unwrap();
    assert!(!s.must_change_password);
    assert!(w.dir.session_valid(w.olga, s.stamp));
}

#[test]
fn unknown_email_wrong_password_and_inactive_user_look_the_same() {
    let w = world();
    assert_eq!(
        w.dir.login(w.tenant, "nobody@acme.test", PW).unwrap_err(),
        Error::AuthenticationFailed
    );
    assert_eq!(
        w.dir
            .login(w.tenant, "olga@acme.test", "wrong password here")
            .unwrap_err(),
        Error::AuthenticationFailed
    );
    w.dir.set_active(w.root, w.olga, false).unwrap();
    assert_eq!(
        w.dir.login(w.tenant, "olga@acme.test", PW).unwrap_err(),
        Error::AuthenticationFailed
    );
    let failures = w
        .dir
        .audit_events(&AuditQuery {
            action: Some("login".into()),
            outcome: Some("authentication_failed".into()),
            ..AuditQuery::default()
        })
        .unwrap();
    assert_eq!(failures.total, 3);
    assert!(failures.items[2]
        .detail
        .as_deref()
        .unwrap()
        .contains("inactive"));
}

#[test]
fn five_failures_lock_the_account_until_unlocked_or_expired() {
    let w = world();
    for _ in 0..5 {
        assert_eq!(
            w.dir
                .login(w.tenant, "olga@acme.test", "not the password")
                .unwrap_err(),
            Error::AuthenticationFailed
        );
    }
    let locked = w.dir.login(w.tenant, "olga@acme.test", PW).unwrap_err();
    assert!(matches!(locked, Error::AccountLocked { .. }), "{locked:?}");
    assert!(w
        .dir
        .drain_notifications()
        .iter()
        .any(|n| matches!(n, Notification::AccountLocked { user, .. } if *user == w.olga)));
    w.clock.advance(15 * 60 * 1000 + 1);
    w.dir.login(w.tenant, "olga@acme.test", PW).unwrap();
    for _ in 0..5 {
        let _ = w.dir.login(w.tenant, "olga@acme.test", "not the password");
    }
    assert!(matches!(
        w.dir.login(w.tenant, "olga@acme.test", PW),
        Err(Error::AccountLocked { .. })
    ));
    // An operator may not unlock; the superadministrator may.
    assert!(matches!(
        w.dir.unlock(w.olga, w.olga),
        Err(Error::PermissionDenied { .. })
    ));
    w.dir.unlock(w.root, w.olga).unwrap();
    w.dir.login(w.tenant, "olga@acme.test", PW).unwrap();
}

#[test]
fn recovery_tokens_are_single_use_expiring_and_invalidated_by_a_later_change() {
    let w = world();
    assert!(w
        .dir
        .request_password_reset(w.tenant, "nobody@acme.test")
        .unwrap()
        .is_none());
    let issued = w
        .dir
        .request_password_reset(w.tenant, "Olga@Acme.test")
        .unwrap()
        .unwrap();
    let sent = w.dir.drain_notifications();
    assert!(sent.iter().any(|n| matches!(n, Notification::PasswordResetRequested { token, .. } if token == &issued.token)));
    let rev = w.dir.revision();
    assert_eq!(
        w.dir
            .reset_password_with_token(w.tenant, "forged", "another fine passphrase"),
        Err(Error::InvalidToken)
    );
    assert_eq!(w.dir.revision(), rev);
    w.dir
        .reset_password_with_token(w.tenant, issued.token.expose(), "another fine passphrase")
        .unwrap();
    assert_eq!(
        w.dir
            .reset_password_with_token(w.tenant, issued.token.expose(), "yet another passphrase"),
        Err(Error::InvalidToken)
    );
    w.dir
        .login(w.tenant, "olga@acme.test", "another fine passphrase")
        .unwrap();

    let late = w
        .dir
        .request_password_reset(w.tenant, "olga@acme.test")
        .unwrap()
        .unwrap();
    w.clock.advance(30 * 60 * 1000);
    assert_eq!(
        w.dir
            .reset_password_with_token(w.tenant, late.token.expose(), "expired token attempt"),
        Err(Error::InvalidToken)
    );

    let superseded = w
        .dir
        .request_password_reset(w.tenant, "olga@acme.test")
        .unwrap()
        .unwrap();
    w.dir
        .set_password(w.root, w.olga, "admin chosen passphrase", true)
        .unwrap();
    assert_eq!(
        w.dir.reset_password_with_token(
            w.tenant,
            superseded.token.expose(),
            "too late for this one"
        ),
        Err(Error::InvalidToken)
    );
}

#[test]
fn the_policy_says_which_rule_failed_and_nothing_changes() {
    let w = world();
    let rev = w.dir.revision();
    for (pw, rule) in [
        ("", "empty"),
        ("short", "too_short"),
        ("q1w2e3r4t5y6", "common"),
        ("olga petrova rocks", "contains_personal_data"),
    ] {
        assert_eq!(
            w.dir.set_password(w.root, w.olga, pw, false),
            Err(Error::WeakPassword { rule }),
            "{pw}"
        );
    }
    assert_eq!(
        w.dir.set_password(w.root, w.olga, &"x".repeat(129), false),
        Err(Error::WeakPassword { rule: "too_long" })
    );
    assert_eq!(w.dir.revision(), rev);
    // Changing one's own password requires the current one.
    assert_eq!(
        w.dir
            .change_password(w.olga, "not my password", "a brand new passphrase"),
        Err(Error::AuthenticationFailed)
    );
    assert_eq!(w.dir.revision(), rev);
}

#[test]
fn the_security_stamp_moves_on_every_security_change_and_only_then() {
    let w = world();
    let stamp = || w.dir.security_stamp(w.olga).unwrap();
    let s0 = stamp();
    w.dir
        .update_user(
            w.root,
            w.olga,
            &UserPatch {
                first_name: Some("Olgа".into()),
                ..UserPatch::default()
            },
        )
        .unwrap();
    assert_eq!(stamp(), s0, "a name change does not end sessions");
    w.dir
        .update_user(
            w.root,
            w.olga,
            &UserPatch {
                email: Some("olga.p@acme.test".into()),
                ..UserPatch::default()
            },
        )
        .unwrap();
    let s1 = stamp();
    assert_ne!(s1, s0);
    assert!(!w.dir.session_valid(w.olga, s0));
    let changed = w.dir.drain_notifications();
    assert!(changed.iter().any(|n| matches!(n, Notification::EmailChanged { old_email, new_email, .. } if old_email == "olga@acme.test" && new_email == "olga.p@acme.test")));
    // Granting access keeps sessions (settled rule 5); taking it away ends them.
    let manager = w.dir.role_by_name(w.tenant, "Manager").unwrap().id;
    w.dir.assign_role(w.root, w.olga, manager).unwrap();
    assert_eq!(stamp(), s1);
    let g = w.dir.create_group(w.root, "Night", &[manager]).unwrap();
    w.dir.add_member(w.root, g, w.olga).unwrap();
    assert_eq!(stamp(), s1);
    w.dir.revoke_role(w.root, w.olga, manager).unwrap();
    assert_eq!(stamp(), s1, "still held through the group");
    w.dir.remove_member(w.root, g, w.olga).unwrap();
    assert_ne!(stamp(), s1);
    let s3 = stamp();
    w.dir
        .set_password(w.root, w.olga, "admin chosen passphrase", false)
        .unwrap();
    assert_ne!(stamp(), s3);
    let s4 = stamp();
    w.dir.set_active(w.root, w.olga, false).unwrap();
    assert!(
        !w.dir.session_valid(w.olga, stamp()),
        "an inactive user has no valid session"
    );
    assert_ne!(stamp(), s4);
}

#[test]
fn passwords_never_appear_in_audit_debug_or_errors() {
    let w = world();
    w.dir.login(w.tenant, "olga@acme.test", PW).unwrap();
    let _ = w
        .dir
        .login(w.tenant, "olga@acme.test", "hunter2 but longer");
    w.dir
        .set_password(w.root, w.olga, "admin chosen passphrase", true)
        .unwrap();
    let issued = w
        .dir
        .request_password_reset(w.tenant, "olga@acme.test")
        .unwrap()
        .unwrap();
    let all = w
        .dir
        .audit_events(&AuditQuery {
            limit: 1000,
            ..AuditQuery::default()
        })
        .unwrap();
    let text = format!(
        "{all:?} {:?} {issued:?} {:?}",
        w.dir.user(w.olga).unwrap(),
        w.dir.drain_notifications()
    );
    for secret in [
        PW,
        "hunter2 but longer",
        "admin chosen passphrase",
        "azure lantern drift seven",
        issued.token.expose(),
    ] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
    assert!(!text.contains("$argon2id$"), "a hash leaked");
    let err = w
        .dir
        .set_password(w.root, w.olga, "olga petrova rocks", false)
        .unwrap_err();
    assert!(!err.to_string().contains("rocks"));
}

#[test]
fn every_change_is_audited_with_before_and_after_and_refusals_too() {
    let w = world();
    let viewer = w.dir.role_by_name(w.tenant, "Viewer").unwrap().id;
    w.dir.assign_role(w.root, w.olga, viewer).unwrap();
    let e = w
        .dir
        .audit_events(&AuditQuery {
            actor: Some(w.root),
            action: Some("assign_role".into()),
            ..AuditQuery::default()
        })
        .unwrap();
    assert_eq!(e.total, 1);
    let ev = &e.items[0];
    assert_eq!(
        (ev.target_kind.as_deref(), ev.target_id),
        (Some("user"), Some(w.olga.0))
    );
    assert_eq!(ev.revision, Some(w.dir.revision()));
    assert!(ev.before.as_deref().unwrap().contains("olga@acme.test"));
    assert!(ev
        .after
        .as_deref()
        .unwrap()
        .contains(&format!("{}", viewer.0)));
    let rev = w.dir.revision();
    assert!(w
        .dir
        .create_user(w.olga, &NewUser::new("E", "V", "eve@acme.test"))
        .is_err());
    assert_eq!(w.dir.revision(), rev);
    let denied = w
        .dir
        .audit_events(&AuditQuery {
            actor: Some(w.olga),
            outcome: Some("permission_denied".into()),
            ..AuditQuery::default()
        })
        .unwrap();
    assert_eq!(denied.total, 1);
    assert_eq!(denied.items[0].action, "create_user");
    // Time-range and paging.
    let all = w
        .dir
        .audit_events(&AuditQuery {
            tenant: Some(w.tenant),
            limit: 2,
            offset: 1,
            ..AuditQuery::default()
        })
        .unwrap();
    assert_eq!(all.items.len(), 2);
    assert!(all.total >= 4);
    let none = w
        .dir
        .audit_events(&AuditQuery {
            since: Some(w.clock.now() + 1),
            ..AuditQuery::default()
        })
        .unwrap();
    assert_eq!(none.total, 0);
}

#[test]
fn inactive_report_lists_users_who_have_not_logged_in_for_n_days() {
    let w = world();
    w.clock.advance(10 * 86_400_000);
    w.dir.login(w.tenant, "olga@acme.test", PW).unwrap();
    let stale: Vec<UserId> = w
        .dir
        .users_inactive_for(w.tenant, 5)
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(stale, vec![w.root]);
}

#[test]
fn weak_hashes_are_upgraded_at_the_next_successful_login() {
    let w = world();
    w.dir.set_hash_params(HashParams {
        m_kib: 512,
        t: 2,
        p: 1,
    });
    let before = w
        .dir
        .audit_events(&AuditQuery {
            action: Some("login".into()),
            ..AuditQuery::default()
        })
        .unwrap()
        .total;
    w.dir.login(w.tenant, "olga@acme.test", PW).unwrap();
    let ev = w
        .dir
        .audit_events(&AuditQuery {
            action: Some("login".into()),
            ..AuditQuery::default()
        })
        .unwrap();
    assert_eq!(ev.total, before + 1);
    assert_eq!(
        ev.items.last().unwrap().detail.as_deref(),
        Some("password hash upgraded")
    );
    // The upgraded hash still verifies, and is not upgraded again.
    w.dir.login(w.tenant, "olga@acme.test", PW).unwrap();
    let ev = w
        .dir
        .audit_events(&AuditQuery {
            action: Some("login".into()),
            ..AuditQuery::default()
        })
        .unwrap();
    assert_eq!(ev.items.last().unwrap().detail, None);
}

#[test]
fn resetting_a_password_or_login_email_is_a_takeover_and_needs_the_targets_rights() {
    let w = world();
    // A Technical-like custom role: user management, but not billing.
    let desk = w
        .dir
        .create_role(
            w.root,
            &rolecall::NewRole::new(
                "Help desk",
                rolecall::Permission::USERS_MANAGE | rolecall::Permission::USERS_VIEW,
            ),
        )
        .unwrap();
    let helper = w
        .dir
        .create_user(
            w.root,
            &NewUser::new("Hal", "Desk", "hal@acme.test").roles([desk]),
        )
        .unwrap();
    let service = w.dir.role_by_name(w.tenant, "Service").unwrap().id;
    let sue = w
        .dir
        .create_user(
            w.root,
            &NewUser::new("Sue", "Billing", "sue@acme.test")
                .roles([service])
                .password(PW),
        )
        .unwrap();
    let rev = w.dir.revision();
    // The help desk holds none of Sue's billing rights: it may not take her account over.
    assert!(matches!(
        w.dir
            .set_password(helper, sue, "a takeover passphrase", false),
        Err(Error::Escalation { .. })
    ));
    assert!(matches!(
        w.dir.update_user(
            helper,
            sue,
            &UserPatch {
                email: Some("hal+sue@acme.test".into()),
                ..UserPatch::default()
            }
        ),
        Err(Error::Escalation { .. })
    ));
    assert_eq!(w.dir.revision(), rev);
    // It may still fix her name, and reset the password of someone holding less than itself.
    w.dir
        .update_user(
            helper,
            sue,
            &UserPatch {
                last_name: Some("Billings".into()),
                ..UserPatch::default()
            },
        )
        .unwrap();
    let plain = w
        .dir
        .create_user(w.root, &NewUser::new("Pat", "Plain", "pat@acme.test"))
        .unwrap();
    w.dir
        .set_password(helper, plain, "a fresh long passphrase", true)
        .unwrap();
    // Agreement levels count too: the Owner's account is not the help desk's to take.
    let a = w.dir.create_agreement(w.root, "No. 1", plain).unwrap();
    assert!(matches!(
        w.dir
            .set_password(helper, plain, "another takeover try", false),
        Err(Error::LevelNotGrantable { .. })
    ));
    let _ = a;
}

//! Credentials, login, lockout, recovery, security stamps, notifications and audit.

mod common;

use common::TempDir;
use std::sync::Arc;

use rolecall::{
    AuditAction, AuditQuery, Directory, Error, HashParams, ManualClock, MemoryStore, NewUser,
    Notification, PasswordPolicy, Preset, UserId, UserPatch,
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
            action: Some(AuditAction::Login),
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
    // Changing one's own password requires the current one; a wrong one is counted.
    assert_eq!(
        w.dir
            .change_password(w.olga, "not my password", "a brand new passphrase"),
        Err(Error::AuthenticationFailed)
    );
    assert_eq!(w.dir.revision(), rev + 1);
    assert_eq!(w.dir.credential_status(w.olga).unwrap().failed_logins, 1);
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
    assert!(changed.iter().any(|n| matches!(n, Notification::EmailChanged { old_email, email, .. } if old_email == "olga@acme.test" && email == "olga.p@acme.test")));
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
            action: Some(AuditAction::AssignRole),
            ..AuditQuery::default()
        })
        .unwrap();
    assert_eq!(e.total, 1);
    let ev = &e.items[0];
    assert_eq!(
        (ev.target_kind.map(|k| k.name()), ev.target_id),
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
    assert_eq!(denied.items[0].action, AuditAction::CreateUser);
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
            action: Some(AuditAction::Login),
            ..AuditQuery::default()
        })
        .unwrap()
        .total;
    w.dir.login(w.tenant, "olga@acme.test", PW).unwrap();
    let ev = w
        .dir
        .audit_events(&AuditQuery {
            action: Some(AuditAction::Login),
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
            action: Some(AuditAction::Login),
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

// ======================= hardening (issue 11) =======================

fn audit_text(dir: &Directory) -> String {
    let all = dir
        .audit_events(&AuditQuery {
            limit: 1000,
            ..AuditQuery::default()
        })
        .unwrap();
    format!("{all:?}")
}

fn set_policy(w: &World, f: impl FnOnce(&mut PasswordPolicy)) -> Result<(), Error> {
    let mut p = w.dir.password_policy(w.tenant).unwrap();
    f(&mut p);
    w.dir.set_password_policy(w.root, &p)
}

#[test]
fn a_lock_until_unlocked_holds_and_huge_durations_never_overflow() {
    let w = world();
    // The explicit form of "until an administrator unlocks" is the largest duration.
    assert_eq!(PasswordPolicy::UNTIL_UNLOCKED, i64::MAX);
    set_policy(&w, |p| p.lockout_ms = PasswordPolicy::UNTIL_UNLOCKED).unwrap();
    for _ in 0..6 {
        let _ = w.dir.login(w.tenant, "olga@acme.test", "not the password");
    }
    let locked = w.dir.login(w.tenant, "olga@acme.test", PW).unwrap_err();
    assert_eq!(locked, Error::AccountLocked { until: i64::MAX });
    w.clock.advance(100 * 365 * 24 * 3600 * 1000);
    assert!(matches!(
        w.dir.login(w.tenant, "olga@acme.test", PW),
        Err(Error::AccountLocked { .. })
    ));
    assert_eq!(
        w.dir.credential_status(w.olga).unwrap().locked_until,
        Some(i64::MAX)
    );
    w.dir.unlock(w.root, w.olga).unwrap();
    w.dir.login(w.tenant, "olga@acme.test", PW).unwrap();

    // A recovery token lifetime that cannot be meant is refused, and changes nothing.
    let before = w.dir.password_policy(w.tenant).unwrap();
    for ttl in [i64::MAX, i64::MAX / 2, 365 * 24 * 3600 * 1000] {
        assert!(matches!(
            set_policy(&w, |p| p.reset_token_ttl_ms = ttl),
            Err(Error::InvalidArgument { .. })
        ));
    }
    assert_eq!(w.dir.password_policy(w.tenant).unwrap(), before);
    // The longest accepted lifetime works, and a lock near the end of time saturates.
    set_policy(&w, |p| p.reset_token_ttl_ms = 7 * 24 * 3600 * 1000).unwrap();
    let issued = w
        .dir
        .request_password_reset(w.tenant, "olga@acme.test")
        .unwrap()
        .unwrap();
    assert!(issued.expires_at > w.clock.now());
    w.dir
        .reset_password_with_token(w.tenant, issued.token.expose(), "another fine passphrase")
        .unwrap();
    set_policy(&w, |p| p.lockout_ms = 15 * 60 * 1000).unwrap();
    w.clock.set(i64::MAX - 1000);
    let issued = w
        .dir
        .request_password_reset(w.tenant, "olga@acme.test")
        .unwrap()
        .unwrap();
    assert_eq!(issued.expires_at, i64::MAX);
    for _ in 0..5 {
        let _ = w.dir.login(w.tenant, "olga@acme.test", "not the password");
    }
    assert_eq!(
        w.dir
            .login(w.tenant, "olga@acme.test", "another fine passphrase"),
        Err(Error::AccountLocked { until: i64::MAX })
    );
}

#[test]
fn an_unknown_email_costs_a_full_verification_under_the_current_parameters() {
    let w = world();
    // Whatever the process may cache is first made with the cheap parameters, here and in a
    // second directory that keeps them.
    let _ = w.dir.login(w.tenant, "nobody@acme.test", PW);
    let cheap = world();
    let _ = cheap.dir.login(cheap.tenant, "nobody@acme.test", PW);
    let slow = HashParams {
        m_kib: 16 * 1024,
        t: 3,
        p: 1,
    };
    w.dir.set_hash_params(slow);
    w.dir.set_password(w.root, w.olga, PW, false).unwrap();
    let fastest = |dir: &Directory, email: &str| {
        (0..3)
            .map(|_| {
                let t = std::time::Instant::now();
                let _ = dir.login(w.tenant, email, "not the password at all");
                t.elapsed()
            })
            .min()
            .unwrap()
    };
    let known = fastest(&w.dir, "olga@acme.test");
    let unknown = fastest(&w.dir, "nobody@acme.test");
    // Equal work; a factor of 4 leaves room for any scheduling noise (the defect was ~1000x).
    assert!(
        unknown * 4 >= known,
        "unknown email {unknown:?}, known email {known:?}"
    );
    let _ = fastest(&cheap.dir, "nobody@acme.test");
}

#[test]
fn another_instance_sees_new_passwords_and_tokens_at_the_first_attempt() {
    let tmp = TempDir::new("two-instances");
    let path = tmp.0.join("dir.db");
    let a = Directory::open_sqlite(&path).unwrap();
    a.set_hash_params(FAST);
    let b = Directory::open_sqlite(&path).unwrap();
    b.set_hash_params(FAST);
    let t = a
        .create_tenant(
            "Acme",
            &NewUser::new("Ada", "Root", "ada@acme.test"),
            &[Preset::Managers],
        )
        .unwrap();
    // `b` has not looked at the file since `a` made the tenant and this user.
    let olga = a
        .create_user(
            t.superadmin,
            &NewUser::new("Olga", "Petrova", "olga@acme.test").temporary_password(PW),
        )
        .unwrap();
    assert_eq!(b.login(t.tenant, "olga@acme.test", PW).unwrap().user, olga);
    let issued = a
        .request_password_reset(t.tenant, "olga@acme.test")
        .unwrap()
        .unwrap();
    assert_eq!(
        b.reset_password_with_token(t.tenant, issued.token.expose(), "another fine passphrase"),
        Ok(olga)
    );
    a.set_password(t.superadmin, olga, "admin chosen passphrase", false)
        .unwrap();
    b.change_password(olga, "admin chosen passphrase", "my very own passphrase")
        .unwrap();
    a.login(t.tenant, "olga@acme.test", "my very own passphrase")
        .unwrap();
    // The other operations on credentials start from the file's state too.
    let bob = a
        .create_user(t.superadmin, &NewUser::new("Bob", "Lee", "bob@acme.test"))
        .unwrap();
    b.set_password(t.superadmin, bob, "bob gets a passphrase", true)
        .unwrap();
    assert!(b.credential_status(bob).unwrap().has_password);
}

#[test]
fn an_unauthorised_import_is_refused_before_any_password_is_checked_or_hashed() {
    let w = world();
    // Hash parameters that make every hash fail: a hash attempted shows as that failure.
    w.dir.set_hash_params(HashParams {
        m_kib: 1,
        t: 1,
        p: 1,
    });
    let rev = w.dir.revision();
    let many: Vec<NewUser> = (0..200)
        .map(|i| NewUser::new("Mass", "Import", format!("m{i}@acme.test")).password("x"))
        .collect();
    assert!(matches!(
        w.dir.create_users(w.olga, &many),
        Err(Error::PermissionDenied { .. })
    ));
    assert!(matches!(
        w.dir.create_user(w.olga, &many[0]),
        Err(Error::PermissionDenied { .. })
    ));
    let strong = NewUser::new("Solo", "Import", "solo@acme.test").password(PW);
    assert!(matches!(
        w.dir.create_user(w.olga, &strong),
        Err(Error::PermissionDenied { .. })
    ));
    assert_eq!(w.dir.revision(), rev);
    let denied = w
        .dir
        .audit_events(&AuditQuery {
            actor: Some(w.olga),
            ..AuditQuery::default()
        })
        .unwrap();
    assert_eq!(
        denied
            .items
            .iter()
            .filter(|e| e.outcome == "permission_denied")
            .count(),
        3
    );
    // An authorised import checks every password before hashing any: a weak one at the end
    // is reported, not a hash failure.
    let mut batch: Vec<NewUser> = (0..3)
        .map(|i| NewUser::new("Ok", "Import", format!("ok{i}@acme.test")).password(PW))
        .collect();
    batch.push(NewUser::new("Weak", "Import", "weak@acme.test").password("short"));
    assert_eq!(
        w.dir.create_users(w.root, &batch),
        Err(Error::WeakPassword { rule: "too_short" })
    );
    // A batch has a documented bound on initial passwords (each costs one argon2id hash).
    let too_many: Vec<NewUser> = (0..=Directory::MAX_PASSWORDS_PER_CALL)
        .map(|i| NewUser::new("Big", "Import", format!("b{i}@acme.test")).password(PW))
        .collect();
    assert!(matches!(
        w.dir.create_users(w.root, &too_many),
        Err(Error::InvalidArgument { .. })
    ));
    assert_eq!(w.dir.revision(), rev);
}

#[test]
fn changing_the_login_email_revokes_pending_recovery_tokens() {
    let w = world();
    let issued = w
        .dir
        .request_password_reset(w.tenant, "olga@acme.test")
        .unwrap()
        .unwrap();
    let kept = w
        .dir
        .request_password_reset(w.tenant, "ada@acme.test")
        .unwrap()
        .unwrap();
    // An edit that keeps the address (its case aside) keeps the token.
    w.dir
        .update_user(
            w.root,
            w.olga,
            &UserPatch {
                email: Some("Olga@Acme.test".into()),
                last_name: Some("Ivanova".into()),
                ..UserPatch::default()
            },
        )
        .unwrap();
    let still = w
        .dir
        .request_password_reset(w.tenant, "olga@acme.test")
        .unwrap()
        .unwrap();
    w.dir
        .update_user(
            w.root,
            w.olga,
            &UserPatch {
                email: Some("olga.new@acme.test".into()),
                ..UserPatch::default()
            },
        )
        .unwrap();
    for t in [&issued, &still] {
        assert_eq!(
            w.dir
                .reset_password_with_token(w.tenant, t.token.expose(), "a takeover passphrase"),
            Err(Error::InvalidToken)
        );
    }
    // Another user's token is untouched.
    w.dir
        .reset_password_with_token(w.tenant, kept.token.expose(), "another fine passphrase")
        .unwrap();
}

#[test]
fn wrong_current_passwords_count_toward_lockout_and_a_locked_account_cannot_change() {
    let w = world();
    for i in 1..=4 {
        assert_eq!(
            w.dir
                .change_password(w.olga, "not the password", "a brand new passphrase"),
            Err(Error::AuthenticationFailed)
        );
        assert_eq!(w.dir.credential_status(w.olga).unwrap().failed_logins, i);
    }
    // Logins and password changes share the count: the fifth failure locks.
    let _ = w.dir.login(w.tenant, "olga@acme.test", "not the password");
    let status = w.dir.credential_status(w.olga).unwrap();
    assert!(status.locked_until.is_some(), "{status:?}");
    assert!(matches!(
        w.dir.change_password(w.olga, PW, "a brand new passphrase"),
        Err(Error::AccountLocked { .. })
    ));
    assert!(matches!(
        w.dir
            .change_password(w.olga, "not the password", "a brand new passphrase"),
        Err(Error::AccountLocked { .. })
    ));
    assert!(matches!(
        w.dir.login(w.tenant, "olga@acme.test", PW),
        Err(Error::AccountLocked { .. })
    ));
    // Locked by change_password alone, too.
    w.dir.unlock(w.root, w.olga).unwrap();
    for _ in 0..5 {
        let _ = w
            .dir
            .change_password(w.olga, "not the password", "a brand new passphrase");
    }
    assert!(w
        .dir
        .drain_notifications()
        .iter()
        .any(|n| matches!(n, Notification::AccountLocked { user, .. } if *user == w.olga)));
    assert!(matches!(
        w.dir.change_password(w.olga, PW, "a brand new passphrase"),
        Err(Error::AccountLocked { .. })
    ));
    w.dir.unlock(w.root, w.olga).unwrap();
    w.dir
        .change_password(w.olga, PW, "a brand new passphrase")
        .unwrap();
    assert_eq!(w.dir.credential_status(w.olga).unwrap().failed_logins, 0);
}

#[test]
fn an_unknown_login_identifier_is_kept_only_as_a_keyed_hash() {
    let w = world();
    let typed = "Zebra-Quartz-Mango-77!@acme.test";
    let _ = w.dir.login(w.tenant, typed, PW);
    let _ = w.dir.login(w.tenant, &typed.to_uppercase(), PW);
    let _ = w.dir.login(w.tenant, "someone.else@acme.test", PW);
    assert!(w
        .dir
        .request_password_reset(w.tenant, typed)
        .unwrap()
        .is_none());
    let text = audit_text(&w.dir).to_lowercase();
    assert!(!text.contains("zebra"), "{text}");
    assert!(!text.contains("someone.else"), "{text}");
    let details: Vec<String> = w
        .dir
        .audit_events(&AuditQuery {
            limit: 1000,
            ..AuditQuery::default()
        })
        .unwrap()
        .items
        .into_iter()
        .filter(|e| e.outcome == "authentication_failed" || e.outcome == "unknown_user")
        .filter_map(|e| e.detail)
        .collect();
    assert_eq!(details.len(), 4, "{details:?}");
    // One reference per identifier (case aside), so repeated attempts can be correlated.
    let reference = |d: &str| d.rsplit(' ').next().unwrap().to_owned();
    assert_eq!(reference(&details[0]), reference(&details[1]));
    assert_ne!(reference(&details[0]), reference(&details[2]));
    assert_eq!(reference(&details[0]), reference(&details[3]));
}

#[test]
fn passwords_set_by_someone_else_are_temporary_unless_said_otherwise() {
    let w = world();
    let bob = w
        .dir
        .create_user(
            w.root,
            &NewUser::new("Bob", "Lee", "bob@acme.test").password(PW),
        )
        .unwrap();
    assert!(w.dir.credential_status(bob).unwrap().must_change);
    assert!(
        w.dir
            .login(w.tenant, "bob@acme.test", PW)
            .unwrap()
            .must_change_password
    );
    let ids = w
        .dir
        .create_users(
            w.root,
            &[NewUser::new("Cy", "Lee", "cy@acme.test").password(PW)],
        )
        .unwrap();
    assert!(w.dir.credential_status(ids[0]).unwrap().must_change);
    // A password the user chose itself is said so explicitly.
    let cy = w
        .dir
        .create_user(
            w.root,
            &NewUser::new("Dee", "Lee", "dee@acme.test")
                .password(PW)
                .temporary(false),
        )
        .unwrap();
    assert!(!w.dir.credential_status(cy).unwrap().must_change);
    assert!(NewUser::default().temporary);
    // The superadministrator's password given to create_tenant follows the same default.
    let t = w
        .dir
        .create_tenant(
            "Globex",
            &NewUser::new("Gus", "Root", "gus@globex.test").password(PW),
            &[],
        )
        .unwrap();
    assert!(w.dir.credential_status(t.superadmin).unwrap().must_change);
    let t = w
        .dir
        .create_tenant(
            "Initech",
            &NewUser::new("Ina", "Root", "ina@initech.test")
                .password(PW)
                .temporary(false),
            &[],
        )
        .unwrap();
    assert!(!w.dir.credential_status(t.superadmin).unwrap().must_change);
}

#[test]
fn personal_data_counts_as_whole_words_of_four_or_more_characters() {
    let w = world();
    let new = w
        .dir
        .create_user(
            w.root,
            &NewUser::new("New", "Yu", "ny@acme.test").password("a brand new passphrase here"),
        )
        .unwrap();
    w.dir
        .set_password(w.root, new, "yu and ny walk the dog", false)
        .unwrap();
    // A longer name only counts as a whole word: "Anna" is not in "annabelle".
    let anna = w
        .dir
        .create_user(
            w.root,
            &NewUser::new("Anna", "Karenina", "anna.k@acme.test")
                .password("annabelle rides at dawn"),
        )
        .unwrap();
    for pw in [
        "anna rides at dawn",
        "ride on, KARENINA, ride",
        "karenina2024 forever",
        "my address anna.k@acme.test",
    ] {
        assert_eq!(
            w.dir.set_password(w.root, anna, pw, false),
            Err(Error::WeakPassword {
                rule: "contains_personal_data"
            }),
            "{pw}"
        );
    }
}

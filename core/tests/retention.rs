//! Memory bounded over time: the in-memory store's bounded commit log and audit history, and
//! audit retention (prune by age, export-then-prune) on every store, itself audited.

mod common;
mod pg;

use std::sync::Arc;

use common::{capture, TempDir};
use rolecall::{
    AuditAction, AuditEvent, AuditQuery, Directory, Error, ManualClock, MemoryLimits, MemoryStore,
    NewUser, Permission, Preset, Store, UserId,
};

/// Makes `rounds` rounds of varied changes (users created and deleted, roles granted and taken
/// back, memberships, levels, a refusal) through `dir`.
fn churn(dir: &Directory, rounds: usize) {
    let t = dir.tenants()[0].clone();
    let root = t.superadmin;
    let viewer = dir.role_by_name(t.id, "Viewer").unwrap().id;
    let operator = dir.role_by_name(t.id, "Operator").unwrap().id;
    let group = dir
        .create_group(root, &format!("G{}", dir.revision()), &[viewer])
        .unwrap();
    let agreement = dir
        .create_agreement(root, &format!("A{}", dir.revision()), root)
        .unwrap();
    let mut users: Vec<UserId> = Vec::new();
    for i in 0..rounds {
        let u = dir
            .create_user(
                root,
                &NewUser::new("U", "Churn", format!("u{}x{i}@acme.test", dir.revision()))
                    .groups([group]),
            )
            .unwrap();
        users.push(u);
        dir.assign_role(root, u, operator).unwrap();
        dir.revoke_role(root, u, operator).unwrap();
        dir.assign_role(root, u, operator).unwrap();
        dir.remove_member(root, group, u).unwrap();
        dir.add_members(root, group, &users).unwrap();
        dir.set_access_level(
            root,
            agreement,
            u,
            rolecall::Product::Telephony,
            rolecall::AccessLevel::User,
        )
        .unwrap();
        assert!(dir
            .create_user(u, &NewUser::new("E", "Ve", "eve@acme.test"))
            .is_err());
        if i % 3 == 2 {
            dir.delete_user(root, users.remove(0)).unwrap();
        }
    }
}

fn managers_in(store: MemoryStore) -> Directory {
    let dir = Directory::open(store).unwrap();
    dir.create_tenant(
        "Acme",
        &NewUser::new("Ada", "Root", "root@acme.test"),
        &[Preset::Managers],
    )
    .unwrap();
    dir
}

#[test]
fn the_memory_store_keeps_a_bounded_log_and_an_instance_behind_it_reloads_and_ends_equal() {
    let store = MemoryStore::with_limits(MemoryLimits {
        commits: 5,
        audit_events: 20,
    });
    let a = managers_in(store.clone());
    let behind = Directory::open(store.clone()).unwrap();
    let close = Directory::open(store.clone()).unwrap();
    churn(&a, 6);
    close.refresh().unwrap();
    // Enough history for the compacted state to drop superseded changes and renumber.
    churn(&a, 90);
    let root = a.tenants()[0].superadmin;
    let t = a.tenants()[0].id;
    let viewer = a.role_by_name(t, "Viewer").unwrap().id;
    let toggled = a
        .create_user(root, &NewUser::new("T", "Oggle", "toggle@acme.test"))
        .unwrap();
    for _ in 0..600 {
        a.assign_role(root, toggled, viewer).unwrap();
        a.revoke_role(root, toggled, viewer).unwrap();
    }
    close.refresh().unwrap();
    churn(&a, 2);
    // `close` is within the kept log; `behind` is far beyond it; `fresh` loads the compacted
    // state. All end equal to the writer.
    close.refresh().unwrap();
    behind.refresh().unwrap();
    let fresh = Directory::open(store.clone()).unwrap();
    let want = capture(&a);
    assert!(want.revision > 1800, "{}", want.revision);
    for d in [&close, &behind, &fresh] {
        assert_eq!(capture(d), want);
    }
    // New ids continue after every id ever used, deleted users' included.
    let next = fresh
        .create_user(
            fresh.tenants()[0].superadmin,
            &NewUser::new("N", "Ext", "next@acme.test"),
        )
        .unwrap();
    let ever = a.audit_events(&AuditQuery::default()).unwrap();
    assert!(next.0 > want.users.iter().map(|u| u.id.0).max().unwrap());
    // The audit history keeps the last 20 events.
    assert_eq!(ever.total, 20);
    assert_eq!(store.limits().audit_events, 20);
}

#[test]
fn the_default_limits_are_documented_and_unbounded_keeps_everything() {
    assert_eq!(
        MemoryStore::new().limits(),
        MemoryLimits {
            commits: MemoryLimits::DEFAULT_COMMITS,
            audit_events: MemoryLimits::DEFAULT_AUDIT_EVENTS
        }
    );
    assert_eq!(MemoryStore::default().limits(), MemoryLimits::default());
    let store = MemoryStore::with_limits(MemoryLimits::UNBOUNDED);
    let a = managers_in(store.clone());
    churn(&a, 3);
    let all = a.audit_events(&AuditQuery::default()).unwrap();
    assert_eq!(all.items[0].seq, 1);
    assert_eq!(capture(&Directory::open(store).unwrap()), capture(&a));
}

fn prune_events(dir: &Directory) -> Vec<AuditEvent> {
    dir.audit_events(&AuditQuery {
        action: Some(AuditAction::PruneAudit),
        ..AuditQuery::default()
    })
    .unwrap()
    .items
}

/// Prune by age on a directory whose clock the test moves: old changes, refusals and failed
/// logins go; the recent ones stay; the pruning is audited in each tenant.
fn prunes_by_age(dir: &Directory, clock: &ManualClock) {
    let t = dir
        .create_tenant(
            "Acme",
            &NewUser::new("Ada", "Root", "root@acme.test"),
            &[Preset::Managers],
        )
        .unwrap();
    let other = dir
        .create_tenant(
            "Globex",
            &NewUser::new("Gus", "Root", "root@globex.test"),
            &[],
        )
        .unwrap();
    dir.set_hash_params(rolecall::HashParams {
        m_kib: 64,
        t: 1,
        p: 1,
    });
    let olga = dir
        .create_user(t.superadmin, &NewUser::new("Olga", "P", "olga@acme.test"))
        .unwrap();
    // Old: a refusal and failed logins.
    assert!(dir
        .create_user(olga, &NewUser::new("E", "Ve", "eve@acme.test"))
        .is_err());
    for _ in 0..3 {
        assert!(dir
            .login(t.tenant, "olga@acme.test", "wrong password here")
            .is_err());
    }
    let old = dir.audit_events(&AuditQuery::default()).unwrap().total;
    assert_eq!(old, 7);
    clock.advance(86_400_000);
    let cut = clock.now();
    let bob = dir
        .create_user(t.superadmin, &NewUser::new("Bob", "L", "bob@acme.test"))
        .unwrap();
    assert!(dir
        .login(t.tenant, "nobody@acme.test", "wrong password here")
        .is_err());
    clock.advance(1);
    assert_eq!(dir.prune_audit(cut).unwrap(), old as u64);
    let left = dir.audit_events(&AuditQuery::default()).unwrap().items;
    let actions: Vec<AuditAction> = left.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [
            AuditAction::CreateUser,
            AuditAction::Login,
            AuditAction::PruneAudit,
            AuditAction::PruneAudit
        ]
    );
    assert_eq!(left[0].target_id, Some(bob.0));
    let pruned = prune_events(dir);
    assert_eq!(
        pruned.iter().map(|e| e.tenant).collect::<Vec<_>>(),
        vec![t.tenant, other.tenant]
    );
    let detail = format!("{{\"before\":{cut},\"removed\":{old}}}");
    assert!(pruned.iter().all(|e| e.actor.is_none()
        && e.outcome == "ok"
        && e.detail.as_deref() == Some(detail.as_str())));
    // Nothing older is left: pruning again removes nothing, and is audited again.
    assert_eq!(dir.prune_audit(cut).unwrap(), 0);
    assert_eq!(prune_events(dir).len(), 4);
    // The directory itself is untouched.
    assert!(dir.user(olga).is_ok() && !dir.check(olga, Permission::USERS_MANAGE));

    // Export-then-prune: every event handed over, then removed; a failing export keeps all.
    clock.advance(1);
    let before = clock.now();
    let err = dir
        .export_audit(before, |_| {
            Err(Error::Storage("archive unreachable".into()))
        })
        .unwrap_err();
    assert_eq!(err, Error::Storage("archive unreachable".into()));
    let all = dir.audit_events(&AuditQuery::default()).unwrap();
    assert_eq!(all.total, 6);
    let mut archived = Vec::new();
    let n = dir
        .export_audit(before, |e| {
            archived.push(e.clone());
            Ok(())
        })
        .unwrap();
    assert_eq!((n, archived), (6, all.items));
    assert_eq!(dir.audit_events(&AuditQuery::default()).unwrap().total, 2);
}

#[test]
fn audit_retention_on_sqlite_prunes_by_age_and_is_audited() {
    let tmp = TempDir::new("retention");
    let clock = Arc::new(ManualClock::new(1_000_000));
    let path = tmp.file("d.db");
    let dir =
        Directory::open_with_clock(rolecall::SqliteStore::open(&path).unwrap(), clock.clone())
            .unwrap();
    prunes_by_age(&dir, &clock);
    // Another instance on the file sees the same pruned log.
    let again = Directory::open_sqlite(&path).unwrap();
    assert_eq!(again.audit_events(&AuditQuery::default()).unwrap().total, 2);
}

#[test]
fn audit_retention_on_postgres_prunes_by_age_and_is_audited() {
    let schema = pg::Schema::new("retention");
    let clock = Arc::new(ManualClock::new(1_000_000));
    let dir = Directory::open_with_clock(schema.store(), clock.clone()).unwrap();
    prunes_by_age(&dir, &clock);
    // Another host sees the same pruned log.
    let again = schema.directory();
    assert_eq!(again.audit_events(&AuditQuery::default()).unwrap().total, 2);
    // Straight on the store, outside the directory's write lock: it takes the lock itself.
    let mut store = schema.store();
    let mut seen = 0;
    let removed = store
        .prune_audit(
            i64::MAX,
            &mut |_| {
                seen += 1;
                Ok(())
            },
            &|_| Vec::new(),
        )
        .unwrap();
    assert_eq!((removed, seen), (2, 2));
    assert_eq!(store.query_audit(&AuditQuery::default()).unwrap().1, 0);
}

#[test]
fn audit_retention_in_memory_prunes_by_age_and_is_audited() {
    let clock = Arc::new(ManualClock::new(1_000_000));
    let dir = Directory::open_with_clock(MemoryStore::new(), clock.clone()).unwrap();
    prunes_by_age(&dir, &clock);
}

#[test]
fn a_closed_directory_prunes_nothing() {
    let dir = Directory::in_memory();
    dir.close();
    assert_eq!(dir.prune_audit(i64::MAX), Err(Error::Closed));
}

#[test]
fn a_version_1_postgres_schema_migrates_to_retention_keeping_its_data_and_audit() {
    let schema = pg::Schema::new("migrate_v1");
    let clock = Arc::new(ManualClock::new(1_000_000));
    let dir = Directory::open_with_clock(schema.store(), clock.clone()).unwrap();
    let t = dir
        .create_tenant("Acme", &NewUser::new("Ada", "Root", "root@acme.test"), &[])
        .unwrap();
    let bob = dir
        .create_user(t.superadmin, &NewUser::new("Bob", "L", "bob@acme.test"))
        .unwrap();
    let events = dir.audit_events(&AuditQuery::default()).unwrap().total;
    let revision = dir.revision();
    dir.close();
    // Back to the schema version 1 wrote: no retention mark, the audit log append-only by one
    // trigger (what a host of the previous release left in the database).
    schema
        .sql(
            "DROP TRIGGER audit_no_update ON audit;
             DROP TRIGGER audit_no_delete ON audit;
             CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
                 FOR EACH ROW EXECUTE FUNCTION audit_append_only();
             DROP TABLE audit_retention;
             DROP FUNCTION audit_retention_forward();
             DROP FUNCTION audit_delete_below_mark();
             UPDATE meta SET value = 1 WHERE key = 'schema_version';",
        )
        .unwrap();
    assert!(schema.sql("SELECT 1 FROM audit_retention").is_err());
    // Opening migrates it forward: the same state, the same log, and retention works.
    let dir = Directory::open_with_clock(schema.store(), clock.clone()).unwrap();
    assert_eq!(dir.revision(), revision);
    assert_eq!(dir.user(bob).unwrap().email, "bob@acme.test");
    assert_eq!(
        dir.audit_events(&AuditQuery::default()).unwrap().total,
        events
    );
    assert!(
        schema.sql("DELETE FROM audit").is_err(),
        "still append-only"
    );
    clock.advance(1_000);
    assert_eq!(dir.prune_audit(clock.now()).unwrap(), events as u64);
}

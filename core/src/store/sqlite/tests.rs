//! Migrations and schema guarantees, on files built by hand.

use super::*;
use crate::{PasswordPolicy, Permission, RoleId, RoleNamespace, TenantId, UserId};

#[test]
fn a_version_1_file_is_migrated_forward_with_its_data() {
    let dir = std::env::temp_dir().join(format!("rolecall-migrate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("v1.db");
    {
        let c = Connection::open(&path).unwrap();
        c.execute_batch(SCHEMA_V1).unwrap();
        c.execute_batch(
            "PRAGMA foreign_keys = ON;
             BEGIN;
             INSERT INTO tenants VALUES (1, 'Old Co', 1, 0);
             INSERT INTO users VALUES (1, 1, 'Ada', 'Root', 'ada@old.test', 'ada@old.test', NULL, 1, 0, 0, NULL);
             INSERT INTO roles VALUES (1, 1, 'Reader', 'reader', 'reports.view campaigns.view', 0, 0, NULL, '', 0);
             INSERT INTO users VALUES (2, 1, 'Bob', 'Lee', 'bob@old.test', 'bob@old.test', NULL, 1, 0, 0, NULL);
             INSERT INTO user_roles VALUES (1, 2, 1);
             UPDATE meta SET value = 1 WHERE key = 'revision';
             COMMIT;
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let mut store = SqliteStore::open(&path).unwrap();
    let v: i64 = store
        .conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, SCHEMA_VERSION);
    let loaded = store.load().unwrap();
    assert_eq!(loaded.revision, 1);
    let bob = loaded
        .changes
        .iter()
        .find_map(|c| match c {
            Change::UserPut(u) if u.id == UserId(2) => Some(u.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(bob.stamp, 0);
    assert_eq!(bob.roles.len(), 1);
    store.integrity_check().unwrap();
    drop(store);
    let dir2 = crate::Directory::open_sqlite(&path).unwrap();
    assert!(dir2.check(UserId(2), Permission::REPORTS_VIEW));
    assert_eq!(
        dir2.password_policy(TenantId(1)).unwrap(),
        PasswordPolicy::default()
    );
    drop(dir2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_version_2_file_is_migrated_to_role_namespaces_with_its_data() {
    let dir = std::env::temp_dir().join(format!("rolecall-migrate2-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("v2.db");
    {
        let c = Connection::open(&path).unwrap();
        c.execute_batch(SCHEMA_V1).unwrap();
        c.execute_batch(SCHEMA_V2).unwrap();
        c.execute_batch(
            "PRAGMA foreign_keys = ON;
             BEGIN;
             INSERT INTO tenants VALUES (1, 'Old Co', 1, 0, NULL);
             INSERT INTO users VALUES (1, 1, 'Ada', 'Root', 'ada@old.test', 'ada@old.test', NULL, 1, 0, 0, NULL, 0);
             INSERT INTO users VALUES (2, 1, 'Bob', 'Lee', 'bob@old.test', 'bob@old.test', NULL, 1, 0, 0, NULL, 0);
             INSERT INTO roles VALUES (1, 1, 'Admin', 'admin', 'users.view users.manage', 0, 1, 'managers', 'x', 0);
             INSERT INTO roles VALUES (2, 1, 'Night shift', 'night shift', 'reports.view', 0, 0, NULL, '', 0);
             INSERT INTO groups VALUES (1, 1, 'Night', 'night', 0);
             INSERT INTO user_roles VALUES (1, 2, 1);
             INSERT INTO group_roles VALUES (1, 1, 2);
             INSERT INTO group_members VALUES (1, 1, 2);
             INSERT INTO commits VALUES (1, 0, NULL, '[]');
             UPDATE meta SET value = 1 WHERE key = 'revision';
             UPDATE meta SET value = 3 WHERE key = 'next_role';
             COMMIT;
             PRAGMA user_version = 2;",
        )
        .unwrap();
    }
    let mut store = SqliteStore::open(&path).unwrap();
    let v: i64 = store
        .conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, SCHEMA_VERSION);
    // The rebuilt table has the namespace constraint; foreign keys are on again and every
    // table still references "roles".
    let sql: String = store
        .conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE name = 'roles'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        sql.contains("UNIQUE (tenant, namespace, name_key)"),
        "{sql}"
    );
    let fk: bool = store
        .conn
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .unwrap();
    assert!(fk);
    let refs: i64 = store
        .conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE sql LIKE '%REFERENCES roles (tenant, id)%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(refs, 2);
    assert!(store
        .conn
        .execute("INSERT INTO user_roles VALUES (1, 2, 99)", [])
        .is_err());
    store.integrity_check().unwrap();
    let loaded = store.load().unwrap();
    assert_eq!(loaded.revision, 1);
    drop(store);

    let d = crate::Directory::open_sqlite(&path).unwrap();
    let admin = d.role(RoleId(1)).unwrap();
    assert_eq!(
        admin.namespace,
        RoleNamespace::Preset(crate::Preset::Managers)
    );
    assert_eq!(d.role(RoleId(2)).unwrap().namespace, RoleNamespace::Custom);
    assert_eq!(d.user(UserId(2)).unwrap().roles.len(), 1);
    assert_eq!(d.group(crate::GroupId(1)).unwrap().roles.len(), 1);
    assert!(d.check(UserId(2), Permission::REPORTS_VIEW));
    assert!(d.check(UserId(2), Permission::USERS_MANAGE));
    // A second preset with an "Admin" of its own now fits beside the migrated one.
    d.install_preset(UserId(1), crate::Preset::Dashboard)
        .unwrap();
    drop(d);
    let d = crate::Directory::open_sqlite(&path).unwrap();
    assert_eq!(d.roles(TenantId(1)).unwrap().len(), 6);
    assert_eq!(
        d.role_by_name(TenantId(1), "dashboard/admin")
            .unwrap()
            .namespace
            .name(),
        "dashboard"
    );
    drop(d);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_audit_log_is_append_only_in_the_schema() {
    let mut s = SqliteStore::open_in_memory().unwrap();
    let e = AuditEvent {
        seq: 0,
        at: 1,
        tenant: TenantId(1),
        actor: None,
        action: crate::AuditAction::Login,
        outcome: "authentication_failed".into(),
        target_kind: None,
        target_id: None,
        detail: None,
        revision: None,
        before: None,
        after: None,
    };
    s.append_audit(&[e.clone(), e]).unwrap();
    assert!(s.conn.execute("DELETE FROM audit", []).is_err());
    assert!(s
        .conn
        .execute("UPDATE audit SET outcome = 'ok'", [])
        .is_err());
    let (items, total) = s.query_audit(&AuditQuery::default()).unwrap();
    assert_eq!((items.len(), total, items[1].seq), (2, 2, 2));
}

#[test]
fn only_the_retention_api_deletes_audit_events_and_only_below_its_mark() {
    let mut s = SqliteStore::open_in_memory().unwrap();
    let at = |at: i64| AuditEvent {
        seq: 0,
        at,
        tenant: TenantId(1),
        actor: None,
        action: crate::AuditAction::Login,
        outcome: "authentication_failed".into(),
        target_kind: None,
        target_id: None,
        detail: None,
        revision: None,
        before: None,
        after: None,
    };
    // Seq 1..=4 stamped 10, 20, 15 (a clock behind), 40.
    s.append_audit(&[at(10), at(20), at(15), at(40)]).unwrap();
    let mut exported = Vec::new();
    let removed = s
        .prune_audit(
            30,
            &mut |e| {
                exported.push(e.seq);
                Ok(())
            },
            &|n| {
                vec![AuditEvent {
                    detail: Some(format!("removed {n}")),
                    ..at(50)
                }]
            },
        )
        .unwrap();
    assert_eq!((removed, exported), (3, vec![1, 2, 3]));
    let mark: i64 = s
        .conn
        .query_row("SELECT pruned_through FROM audit_retention", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(mark, 3);
    // Ordinary writes still cannot delete or update an event, nor move the mark back or
    // remove it.
    assert!(s.conn.execute("DELETE FROM audit", []).is_err());
    assert!(s
        .conn
        .execute("DELETE FROM audit WHERE seq = 4", [])
        .is_err());
    assert!(s
        .conn
        .execute("UPDATE audit_retention SET pruned_through = 0", [])
        .is_err());
    assert!(s.conn.execute("DELETE FROM audit_retention", []).is_err());
    assert!(s
        .conn
        .execute("INSERT INTO audit_retention VALUES (2, 100)", [])
        .is_err());
    let (items, _) = s.query_audit(&AuditQuery::default()).unwrap();
    let seqs: Vec<(u64, Option<String>)> =
        items.iter().map(|e| (e.seq, e.detail.clone())).collect();
    assert_eq!(seqs, vec![(4, None), (5, Some("removed 3".into()))]);
    // An export that fails removes nothing.
    let err = s
        .prune_audit(
            100,
            &mut |_| Err(Error::Storage("disk full".into())),
            &|_| Vec::new(),
        )
        .unwrap_err();
    assert_eq!(err, Error::Storage("disk full".into()));
    assert_eq!(s.query_audit(&AuditQuery::default()).unwrap().1, 2);
    // Log order: an event stamped before the cut but logged after a later one stays.
    s.append_audit(&[at(5)]).unwrap();
    assert_eq!(
        s.prune_audit(45, &mut |_| Ok(()), &|_| Vec::new()).unwrap(),
        1
    );
    let (items, _) = s.query_audit(&AuditQuery::default()).unwrap();
    assert_eq!(items.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![5, 6]);
}

fn v1_file_with_users(name: &str, users: &[(i64, &str)]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("rolecall-v4-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("v1.db");
    let c = Connection::open(&path).unwrap();
    c.execute_batch(SCHEMA_V1).unwrap();
    c.execute_batch(
        "PRAGMA foreign_keys = ON; BEGIN; INSERT INTO tenants VALUES (1, 'Old Co', 1, 0);",
    )
    .unwrap();
    for (id, email) in users {
        c.execute(
            "INSERT INTO users VALUES (?1, 1, 'A', 'B', ?2, ?3, NULL, 1, 0, 0, NULL)",
            params![id, email, email.to_lowercase()],
        )
        .unwrap();
    }
    c.execute_batch("COMMIT; PRAGMA user_version = 1;").unwrap();
    path
}

#[test]
fn version_4_rekeys_emails_by_unicode_folding() {
    let path = v1_file_with_users(
        "rekey",
        &[
            (1, "Stra\u{df}e@old.test"),
            (2, "Jose\u{301}@old.test"),
            (3, "ann@old.test"),
        ],
    );
    let store = SqliteStore::open(&path).unwrap();
    let keys: Vec<String> = store
        .conn
        .prepare("SELECT email_key FROM users ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        keys,
        ["strasse@old.test", "jos\u{e9}@old.test", "ann@old.test"]
    );
}

#[test]
fn version_4_reports_emails_that_now_collide_and_leaves_the_file() {
    let path = v1_file_with_users(
        "collide",
        &[(1, "STRASSE@old.test"), (2, "stra\u{df}e@old.test")],
    );
    let err = SqliteStore::open(&path).err().expect("must refuse");
    match &err {
        Error::Corrupt(m) => {
            assert!(
                m.contains("#1") && m.contains("#2") && m.contains("same login"),
                "{m}"
            )
        }
        other => panic!("{other:?}"),
    }
    let c = Connection::open(&path).unwrap();
    let v: i64 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, 1, "the failed migration must leave the file as it was");
}

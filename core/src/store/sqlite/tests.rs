//! Migrations and schema guarantees, on files built by hand.

use super::*;
use crate::{PasswordPolicy, Permission, RoleId, RoleNamespace, TenantId, UserId};
use rusqlite::params;

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
    assert_eq!(
        refs, 4,
        "user_roles, group_roles, (schema 6) user_grants and (schema 7) user_eligibility"
    );
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

/// A file as schema 5 left it (what every release before issue 15 wrote): call groups and
/// IVRs, users assigned to them (003).
fn v5_file(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("rolecall-v5-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("v5.db");
    let c = Connection::open(&path).unwrap();
    for sql in [SCHEMA_V1, SCHEMA_V2, SCHEMA_V3, SCHEMA_V5] {
        c.execute_batch(sql).unwrap();
    }
    c.execute_batch(
        "PRAGMA foreign_keys = ON;
         BEGIN;
         INSERT INTO tenants (id, name, superadmin, created_at) VALUES (1, 'Old Co', 1, 0);
         INSERT INTO users (id, tenant, first_name, last_name, email, email_key, active, created_at, updated_at)
             VALUES (1, 1, 'Ada', 'Root', 'ada@old.test', 'ada@old.test', 1, 0, 0),
                    (2, 1, 'Bob', 'Lee', 'bob@old.test', 'bob@old.test', 1, 0, 0),
                    (3, 1, 'Cy', 'Ng', 'cy@old.test', 'cy@old.test', 1, 0, 0);
         INSERT INTO roles (id, tenant, name, name_key, permissions, scoped, admin_tier, namespace, description, created_at)
             VALUES (1, 1, 'Sup', 'sup', 'reports.view', 1, 0, 'custom', '', 0);
         INSERT INTO scopes VALUES (1, 1, 'call_group', 'Sales', 'sales'),
                                   (2, 1, 'ivr', 'Main', 'main'),
                                   (3, 1, 'call_group', 'Support', 'support');
         INSERT INTO user_roles VALUES (1, 2, 1);
         INSERT INTO user_scopes VALUES (1, 2, 1), (1, 2, 2), (1, 3, 3);
         UPDATE meta SET value = 1 WHERE key = 'revision';
         UPDATE meta SET value = 4 WHERE key = 'next_scope';
         COMMIT;
         PRAGMA user_version = 5;",
    )
    .unwrap();
    // A logged change as schema 5's library wrote it: a scope without a parent field.
    let mut change = serde_json::to_value(vec![Change::ScopePut(crate::Scope {
        id: crate::ScopeId(3),
        tenant: TenantId(1),
        kind: crate::ScopeKind::CallGroup,
        name: "Support".into(),
        parent: None,
    })])
    .unwrap();
    change[0].as_object_mut().unwrap().remove("parent").unwrap();
    c.execute(
        "INSERT INTO commits VALUES (1, 0, NULL, ?1)",
        [change.to_string()],
    )
    .unwrap();
    path
}

#[test]
fn a_version_5_file_migrates_to_scope_hierarchies_keeping_every_assignment() {
    let path = v5_file("migrate");
    // Read-only, it still needs the migration first.
    let ro = SqliteOptions {
        read_only: true,
        ..SqliteOptions::default()
    };
    assert!(matches!(
        SqliteStore::open_with(&path, &ro),
        Err(Error::ReadOnly(_))
    ));
    let mut store = SqliteStore::open(&path).unwrap();
    let v: i64 = store
        .conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, SqliteStore::SCHEMA_VERSION);
    let loaded = store.load().unwrap();
    assert_eq!(loaded.revision, 1);
    assert_eq!(loaded.next_ids[crate::ObjectKind::Scope], 4);
    let users: std::collections::BTreeMap<UserId, crate::User> = loaded
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::UserPut(u) => Some((u.id, u.clone())),
            _ => None,
        })
        .collect();
    let ids = |v: &[u64]| v.iter().map(|i| crate::ScopeId(*i)).collect();
    assert_eq!(users[&UserId(2)].scopes, ids(&[1, 2]));
    assert_eq!(users[&UserId(3)].scopes, ids(&[3]));
    assert_eq!(users[&UserId(2)].roles.len(), 1);
    assert!(users
        .values()
        .all(|u| u.grants.is_empty() && u.teams.is_empty()));
    let scopes: Vec<crate::Scope> = loaded
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::ScopePut(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(scopes.len(), 3);
    assert!(scopes.iter().all(|s| s.parent.is_none()));
    assert_eq!(scopes[1].kind, crate::ScopeKind::Ivr);
    // The log written before the migration still reads (records without the new fields).
    let log = store.commits_since(0).unwrap().unwrap();
    assert!(matches!(&log[0].changes[0], Change::ScopePut(s) if s.parent.is_none()));
    // The rebuilt table keeps its constraints and takes any kind; every table referencing
    // scopes still does, foreign keys are on again, and nothing is broken.
    let sql: String = store
        .conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE name = 'scopes'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(sql.contains("UNIQUE (tenant, kind, name_key)"), "{sql}");
    assert!(!sql.contains("CHECK"), "{sql}");
    let refs: i64 = store
        .conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE sql LIKE '%REFERENCES scopes (tenant, id)%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        refs, 4,
        "user_scopes, user_grants, user_teams, scopes.parent"
    );
    store.integrity_check().unwrap();
    assert!(store
        .conn
        .execute("INSERT INTO user_scopes VALUES (1, 2, 99)", [])
        .is_err());
    store
        .conn
        .execute_batch(
            "INSERT INTO scopes VALUES (4, 1, 'team', 'Night', 'night', 3);
             INSERT INTO user_teams VALUES (1, 3, 4);
             INSERT INTO user_grants VALUES (1, 3, 1, 4);",
        )
        .unwrap();
    drop(store);
    // Read-only now opens.
    let mut ro = SqliteStore::open_with(&path, &ro).unwrap();
    assert!(ro.load().unwrap().changes.iter().any(|c| matches!(
        c,
        Change::UserPut(u) if u.id == UserId(3) && u.teams.len() == 1 && u.grants.len() == 1
    )));
    drop(ro);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn a_scope_parent_chain_as_long_as_the_table_loads_in_order() {
    // Parents with larger ids than their children: loaded parents first, without recursion.
    let mut s = SqliteStore::open_in_memory().unwrap();
    let n = 20_000u64;
    s.conn
        .execute_batch(
            "BEGIN;
             INSERT INTO tenants (id, name, superadmin, created_at) VALUES (1, 'T', 1, 0);
             INSERT INTO users (id, tenant, first_name, last_name, email, email_key, active, created_at, updated_at)
                 VALUES (1, 1, 'A', 'B', 'a@t.test', 'a@t.test', 1, 0, 0);
             COMMIT;",
        )
        .unwrap();
    {
        let tx = s.conn.transaction().unwrap();
        for i in 1..=n {
            let parent = (i < n).then_some(i + 1);
            tx.execute(
                "INSERT INTO scopes (id, tenant, kind, name, name_key, parent) VALUES (?1, 1, 'team', ?2, ?2, ?3)",
                params![i as i64, format!("s{i}"), parent.map(|p| p as i64)],
            )
            .unwrap();
        }
        tx.commit().unwrap();
    }
    let loaded = s.load().unwrap();
    let order: Vec<u64> = loaded
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::ScopePut(s) => Some(s.id.0),
            _ => None,
        })
        .collect();
    assert_eq!(order, (1..=n).rev().collect::<Vec<_>>());
}

//! The SQLite store: durability across reopen, several instances on one file, bad files.

mod common;

use common::TempDir;
use std::fs;
use std::path::Path;
use std::time::Duration;

use rolecall::{
    AccessLevel, Directory, Error, NewRole, NewUser, Permission, Preset, Product, ScopeKind,
    SqliteOptions, SqliteStore, Store, TenantSettings, UserQuery,
};

/// Everything observable about a directory, for equality checks.
fn dump(dir: &Directory) -> String {
    let mut out = format!("rev {}\n", dir.revision());
    for t in dir.tenants() {
        out += &format!("{t:?}\n");
        for r in dir.roles(t.id).unwrap() {
            out += &format!("  {r:?}\n");
        }
        for g in dir.groups(t.id).unwrap() {
            out += &format!("  {g:?} members {:?}\n", dir.group_members(g.id).unwrap());
        }
        for s in dir.scopes(t.id).unwrap() {
            out += &format!("  {s:?}\n");
        }
        let users = dir
            .search_users(
                t.id,
                &UserQuery {
                    limit: 1000,
                    ..UserQuery::default()
                },
            )
            .unwrap();
        for u in users.items {
            out += &format!(
                "  {u:?} {:?} eff {:?} groups {:?}\n",
                u.created_at,
                dir.effective_permissions(u.id).unwrap(),
                dir.user_groups(u.id).unwrap()
            );
            for a in dir.agreements(t.id).unwrap() {
                for p in Product::ALL {
                    out += &format!("    {} {p}: {}\n", a.id, dir.access_level(a.id, u.id, p));
                }
                out += &format!("    pbx {:?}\n", dir.pbx_subscriber(a.id, u.id).unwrap());
            }
        }
        for a in dir.agreements(t.id).unwrap() {
            out += &format!("  {a:?}\n");
        }
    }
    out
}

fn populate(dir: &Directory) {
    let t = dir
        .create_tenant(
            "Acme",
            &NewUser::new("Ada", "Root", "ada@acme.test"),
            &[Preset::Dashboard],
        )
        .unwrap();
    let root = t.superadmin;
    let sup = dir.role_by_name(t.tenant, "Supervisor").unwrap().id;
    let tech = dir.role_by_name(t.tenant, "Technical").unwrap().id;
    let sales = dir
        .create_scope(root, ScopeKind::CallGroup, "Sales")
        .unwrap();
    let ivr = dir.create_scope(root, ScopeKind::Ivr, "Main menu").unwrap();
    let sam = dir
        .create_user(
            root,
            &NewUser::new("Sam", "Hill", "Sam@Acme.test")
                .phone("+1 212 555 0100")
                .roles([sup]),
        )
        .unwrap();
    dir.set_user_scopes(root, sam, &[sales, ivr]).unwrap();
    let tom = dir
        .create_user(
            root,
            &NewUser::new("Tom", "Tech", "tom@acme.test").roles([tech]),
        )
        .unwrap();
    let custom = dir
        .create_role(
            root,
            &NewRole::new(
                "Night shift",
                Permission::DASHBOARD_LOGS | Permission::DASHBOARD_ACTIVITY,
            )
            .scoped(),
        )
        .unwrap();
    let g = dir.create_group(root, "Night", &[custom]).unwrap();
    dir.add_member(root, g, sam).unwrap();
    dir.add_member(root, g, tom).unwrap();
    let a = dir.create_agreement(root, "No. 7", root).unwrap();
    dir.set_access_level(root, a, tom, Product::Core, AccessLevel::Administrator)
        .unwrap();
    dir.set_access_level(root, a, sam, Product::VirtualPbx, AccessLevel::User)
        .unwrap();
    dir.link_pbx_subscriber(root, a, sam, Some("101")).unwrap();
    dir.set_active(root, tom, false).unwrap();
    let mut settings = TenantSettings::default();
    settings.strict_agreement_levels = true;
    settings.phone_region = Some("FR".into());
    dir.set_tenant_settings(root, &settings).unwrap();
    // Presets whose role names coincide ("OPERATOR" / "Operator") share a tenant.
    let other = dir
        .create_tenant(
            "Other",
            &NewUser::new("Oz", "Root", "ada@acme.test"),
            &[Preset::RoleModel, Preset::Managers],
        )
        .unwrap();
    assert_eq!(
        dir.role_by_name(other.tenant, "managers/operator")
            .unwrap()
            .qualified_name(),
        "managers/Operator"
    );
}

#[test]
fn a_directory_reopened_from_disk_is_identical() {
    let tmp = TempDir::new("reopen");
    let path = tmp.file("dir.db");
    let before = {
        let dir = Directory::open_sqlite(&path).unwrap();
        populate(&dir);
        dump(&dir)
    };
    let dir = Directory::open_sqlite(&path).unwrap();
    assert_eq!(dump(&dir), before);
    let mem = Directory::in_memory();
    populate(&mem);
    // Same operations on the in-memory store give the same state, timestamps aside.
    let strip = |s: String| {
        s.lines()
            .map(|l| l.split(" created_at").next().unwrap_or(l).to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(dump(&mem)).len(), strip(before).len());
    SqliteStore::open(&path).unwrap().integrity_check().unwrap();
}

#[test]
fn a_second_instance_sees_changes_after_refresh_and_writes_on_top_of_them() {
    let tmp = TempDir::new("multi");
    let path = tmp.file("dir.db");
    let a = Directory::open_sqlite(&path).unwrap();
    let b = Directory::open_sqlite(&path).unwrap();
    let t = a
        .create_tenant(
            "Acme",
            &NewUser::new("Ada", "Root", "ada@acme.test"),
            &[Preset::Managers],
        )
        .unwrap();
    assert_eq!(b.revision(), 0);
    assert_eq!(b.refresh().unwrap(), a.revision());
    assert!(b.check(t.superadmin, Permission::USERS_MANAGE));
    // b writes without an explicit refresh after a's next change: it catches up first.
    let op = a.role_by_name(t.tenant, "Operator").unwrap().id;
    let u = a
        .create_user(
            t.superadmin,
            &NewUser::new("Olga", "P", "olga@acme.test").roles([op]),
        )
        .unwrap();
    let v = b
        .create_user(t.superadmin, &NewUser::new("Vic", "Q", "vic@acme.test"))
        .unwrap();
    assert_ne!(u, v);
    assert!(b.check(u, Permission::CAMPAIGNS_CONTROL));
    // The duplicate-email rule holds across instances.
    let err = b
        .create_user(t.superadmin, &NewUser::new("X", "Y", "OLGA@acme.test"))
        .unwrap_err();
    assert!(matches!(err, Error::DuplicateEmail { .. }), "{err:?}");
    a.refresh().unwrap();
    assert_eq!(dump(&a), dump(&b));
}

#[test]
fn a_file_that_is_not_a_database_is_refused_and_left_untouched() {
    let tmp = TempDir::new("notdb");
    let path = tmp.file("notes.txt");
    let content = b"these are not the pages you are looking for\n".repeat(200);
    fs::write(&path, &content).unwrap();
    let err = SqliteStore::open(&path).err().unwrap();
    assert!(matches!(err, Error::NotADatabase { .. }), "{err:?}");
    assert_eq!(err.code(), 902);
    assert_eq!(fs::read(&path).unwrap(), content);
    assert!(!tmp.file("notes.txt-wal").exists());
}

#[test]
fn a_foreign_sqlite_database_is_refused_and_left_untouched() {
    let tmp = TempDir::new("foreign");
    let path = tmp.file("app.db");
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices VALUES (1, 9.5);").unwrap();
    drop(c);
    let before = fs::read(&path).unwrap();
    let err = SqliteStore::open(&path).err().unwrap();
    assert!(matches!(err, Error::NotADatabase { .. }), "{err:?}");
    assert_eq!(fs::read(&path).unwrap(), before);
}

fn raw_sql(path: &Path, sql: &str) {
    rusqlite::Connection::open(path)
        .unwrap()
        .execute_batch(sql)
        .unwrap();
}

#[test]
fn a_file_from_a_newer_schema_is_refused_and_left_untouched() {
    let tmp = TempDir::new("newer");
    let path = tmp.file("dir.db");
    {
        let dir = Directory::open_sqlite(&path).unwrap();
        populate(&dir);
    }
    raw_sql(&path, "PRAGMA user_version = 99;");
    let before = fs::read(&path).unwrap();
    let err = SqliteStore::open(&path).err().unwrap();
    assert_eq!(
        err,
        Error::SchemaTooNew {
            found: 99,
            supported: rolecall::SqliteStore::SCHEMA_VERSION
        }
    );
    assert_eq!(fs::read(&path).unwrap(), before);
}

#[test]
fn a_read_only_store_answers_but_refuses_changes() {
    let tmp = TempDir::new("ro");
    let path = tmp.file("dir.db");
    let t = {
        let dir = Directory::open_sqlite(&path).unwrap();
        dir.create_tenant(
            "Acme",
            &NewUser::new("Ada", "Root", "ada@acme.test"),
            &[Preset::Managers],
        )
        .unwrap()
    };
    let ro = SqliteStore::open_with(
        &path,
        &SqliteOptions {
            read_only: true,
            ..SqliteOptions::default()
        },
    )
    .unwrap();
    let dir = Directory::open(ro).unwrap();
    assert!(dir.check(t.superadmin, Permission::BILLING_MANAGE));
    let rev = dir.revision();
    let err = dir
        .create_user(t.superadmin, &NewUser::new("A", "B", "a@acme.test"))
        .unwrap_err();
    assert!(matches!(err, Error::ReadOnly(_)), "{err:?}");
    assert_eq!(dir.revision(), rev);
    assert!(dir.user_by_email(t.tenant, "a@acme.test").is_err());
    // A missing file opened read-only is an error, not a new empty file.
    let missing = tmp.file("missing.db");
    assert!(SqliteStore::open_with(
        &missing,
        &SqliteOptions {
            read_only: true,
            ..SqliteOptions::default()
        }
    )
    .is_err());
    assert!(!missing.exists());
}

#[test]
fn a_database_locked_past_the_timeout_reports_busy_and_changes_nothing() {
    let tmp = TempDir::new("busy");
    let path = tmp.file("dir.db");
    let opts = SqliteOptions {
        busy_timeout: Duration::from_millis(100),
        ..SqliteOptions::default()
    };
    let a = Directory::open(SqliteStore::open_with(&path, &opts).unwrap()).unwrap();
    let t = a
        .create_tenant(
            "Acme",
            &NewUser::new("Ada", "Root", "ada@acme.test"),
            &[Preset::Managers],
        )
        .unwrap();
    // Another "process" holds the write lock.
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder
        .execute_batch("BEGIN IMMEDIATE; UPDATE meta SET value = value WHERE key = 'revision';")
        .unwrap();
    let rev = a.revision();
    let err = a
        .create_user(t.superadmin, &NewUser::new("A", "B", "a@acme.test"))
        .unwrap_err();
    assert_eq!(err, Error::Busy);
    assert_eq!(a.revision(), rev);
    holder.execute_batch("COMMIT").unwrap();
    drop(holder);
    a.create_user(t.superadmin, &NewUser::new("A", "B", "a@acme.test"))
        .unwrap();
}

#[test]
fn a_stored_permission_the_catalogue_does_not_know_is_reported_at_open() {
    let tmp = TempDir::new("unknownperm");
    let path = tmp.file("dir.db");
    {
        let dir = Directory::open_sqlite(&path).unwrap();
        let t = dir
            .create_tenant("Acme", &NewUser::new("Ada", "Root", "ada@acme.test"), &[])
            .unwrap();
        dir.create_role(
            t.superadmin,
            &NewRole::new("Pilot", Permission::REPORTS_VIEW),
        )
        .unwrap();
    }
    raw_sql(
        &path,
        "UPDATE roles SET permissions = 'reports.view spaceships.fly' WHERE name = 'Pilot'",
    );
    let err = Directory::open_sqlite(&path).unwrap_err();
    match err {
        Error::Corrupt(msg) => assert!(msg.contains("spaceships.fly"), "{msg}"),
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[test]
fn an_absurd_user_or_scope_id_is_reported_at_open_not_allocated_for() {
    for (table, sql) in [
        (
            "users",
            "UPDATE users SET id = 1099511627776 WHERE email = 'bob@acme.test'",
        ),
        (
            "users",
            "UPDATE users SET id = -3 WHERE email = 'bob@acme.test'",
        ),
        ("scopes", "UPDATE scopes SET id = 1099511627776"),
    ] {
        let tmp = TempDir::new("absurdid");
        let path = tmp.file("dir.db");
        {
            let dir = Directory::open_sqlite(&path).unwrap();
            let t = dir
                .create_tenant("Acme", &NewUser::new("Ada", "Root", "ada@acme.test"), &[])
                .unwrap();
            dir.create_user(t.superadmin, &NewUser::new("Bob", "B", "bob@acme.test"))
                .unwrap();
            dir.create_scope(t.superadmin, ScopeKind::Ivr, "Main menu")
                .unwrap();
        }
        raw_sql(&path, sql);
        match Directory::open_sqlite(&path).unwrap_err() {
            Error::Corrupt(msg) => assert!(msg.contains(table), "{msg}"),
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }
}

#[test]
fn the_schema_refuses_rows_that_point_at_another_tenant() {
    let tmp = TempDir::new("schema");
    let path = tmp.file("dir.db");
    let dir = Directory::open_sqlite(&path).unwrap();
    let a = dir
        .create_tenant(
            "A",
            &NewUser::new("Ada", "Root", "ada@a.test"),
            &[Preset::Managers],
        )
        .unwrap();
    let b = dir
        .create_tenant("B", &NewUser::new("Bob", "Root", "bob@b.test"), &[])
        .unwrap();
    drop(dir);
    let s = rusqlite::Connection::open(&path).unwrap();
    s.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    let role_of_a = a.roles[0].0;
    let err = s
        .execute_batch(&format!(
            "INSERT INTO user_roles (tenant, user, role) VALUES ({}, {}, {role_of_a})",
            b.tenant.0, b.superadmin.0
        ))
        .unwrap_err();
    assert!(err.to_string().contains("FOREIGN KEY"), "{err}");
    let err = s
        .execute_batch(&format!(
            "INSERT INTO users (id, tenant, first_name, last_name, email, email_key, active, created_at, updated_at) VALUES (99, {}, 'X', 'Y', 'ADA@a.test', 'ada@a.test', 1, 0, 0)",
            a.tenant.0
        ))
        .unwrap_err();
    assert!(err.to_string().contains("UNIQUE"), "{err}");
    drop(s);
    let mut store = SqliteStore::open(&path).unwrap();
    store.integrity_check().unwrap();
    assert!(store.revision().unwrap() > 0);
}

#[test]
fn credentials_and_the_audit_log_survive_a_reopen() {
    let tmp = TempDir::new("creds");
    let path = tmp.file("dir.db");
    let t = {
        let dir = Directory::open_sqlite(&path).unwrap();
        dir.set_hash_params(rolecall::HashParams {
            m_kib: 256,
            t: 1,
            p: 1,
        });
        let t = dir
            .create_tenant(
                "Acme",
                &NewUser::new("Ada", "Root", "ada@acme.test").password("azure lantern drift seven"),
                &[],
            )
            .unwrap();
        dir.login(t.tenant, "ada@acme.test", "azure lantern drift seven")
            .unwrap();
        assert!(dir
            .login(t.tenant, "ada@acme.test", "a wrong passphrase!!")
            .is_err());
        t
    };
    let dir = Directory::open_sqlite(&path).unwrap();
    let s = dir
        .login(t.tenant, "ADA@acme.test", "azure lantern drift seven")
        .unwrap();
    assert!(dir.session_valid(t.superadmin, s.stamp));
    let logins = dir
        .audit_events(&rolecall::AuditQuery {
            action: Some(rolecall::AuditAction::Login),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        logins
            .items
            .iter()
            .map(|e| e.outcome.as_str())
            .collect::<Vec<_>>(),
        ["ok", "authentication_failed", "ok"]
    );
    assert_eq!(
        dir.credential_status(t.superadmin).unwrap().failed_logins,
        0
    );
}

#[test]
fn a_bulk_import_is_one_commit_seen_by_other_instances_through_a_full_reload() {
    let tmp = TempDir::new("bulk");
    let path = tmp.file("dir.db");
    let a = Directory::open_sqlite(&path).unwrap();
    let b = Directory::open_sqlite(&path).unwrap();
    let t = a
        .create_tenant(
            "Acme",
            &NewUser::new("Ada", "Root", "ada@acme.test"),
            &[Preset::Managers],
        )
        .unwrap();
    b.refresh().unwrap();
    let viewer = a.role_by_name(t.tenant, "Viewer").unwrap().id;
    let n = rolecall::SqliteStore::LOG_MAX_CHANGES + 10;
    let mut batch: Vec<NewUser> = (0..n)
        .map(|i| {
            NewUser::new("Agent", format!("No {i}"), format!("agent{i}@acme.test")).roles([viewer])
        })
        .collect();
    // One duplicate (in another case) refuses the whole batch.
    batch.push(NewUser::new("Dup", "Licate", "AGENT7@acme.test"));
    let rev = a.revision();
    assert!(matches!(
        a.create_users(t.superadmin, &batch),
        Err(Error::DuplicateEmail { .. })
    ));
    assert_eq!(a.revision(), rev);
    batch.pop();
    let ids = a.create_users(t.superadmin, &batch).unwrap();
    assert_eq!(ids.len(), n);
    assert_eq!(a.revision(), rev + 1);
    assert_eq!(b.refresh().unwrap(), rev + 1);
    assert!(b.check(ids[n - 1], Permission::REPORTS_VIEW));
    let audit = a
        .audit_events(&rolecall::AuditQuery {
            action: Some(rolecall::AuditAction::CreateUsers),
            ..Default::default()
        })
        .unwrap();
    assert!(
        audit.items[0]
            .after
            .as_deref()
            .unwrap()
            .contains(&format!("{{\"changes\":{n}}}")),
        "summarised: one record per new user, its first stamp in it"
    );
}

#[test]
fn a_closed_directory_releases_its_file_and_refuses_further_use() {
    let tmp = TempDir::new("close");
    let path = tmp.file("dir.db");
    let dir = Directory::open_sqlite(&path).unwrap();
    let t = dir
        .create_tenant(
            "Acme",
            &NewUser::new("Ada", "Root", "ada@acme.test"),
            &[Preset::Managers],
        )
        .unwrap();
    assert!(dir.check(t.superadmin, Permission::USERS_MANAGE));
    let before = dir.snapshot();
    let wal = tmp.file("dir.db-wal");
    assert!(wal.exists());
    assert!(!dir.is_closed());
    dir.close();
    // The last connection to the file is gone: SQLite checkpointed and removed the WAL.
    assert!(!wal.exists(), "the SQLite connection is still open");
    dir.close(); // idempotent
    assert!(dir.is_closed());
    let err = dir
        .create_tenant("Other", &NewUser::new("Oz", "Root", "oz@o.test"), &[])
        .unwrap_err();
    assert!(matches!(err, Error::Closed), "{err:?}");
    assert_eq!((err.code(), err.kind()), (907, "closed"));
    assert_eq!(err.to_string(), "the directory is closed");
    assert!(matches!(dir.refresh(), Err(Error::Closed)));
    assert!(matches!(dir.roles(t.tenant), Err(Error::Closed)));
    assert!(matches!(
        dir.search_users(t.tenant, &UserQuery::default()),
        Err(Error::Closed)
    ));
    assert!(
        !dir.check(t.superadmin, Permission::USERS_MANAGE),
        "a closed directory denies"
    );
    assert!(before.check(t.superadmin, Permission::USERS_MANAGE));
    // The same process opens the file again at once.
    let again = Directory::open_sqlite(&path).unwrap();
    assert!(again.check(t.superadmin, Permission::USERS_MANAGE));
    assert_eq!(again.revision(), before.revision());
}

#[test]
fn phones_stored_before_parsing_are_found_however_the_search_is_typed() {
    let tmp = TempDir::new("legacy-phones");
    let path = tmp.file("d.db");
    let (tenant, users) = {
        let dir = Directory::open_sqlite(&path).unwrap();
        let t = dir
            .create_tenant("Acme", &NewUser::new("Ada", "Root", "ada@acme.test"), &[])
            .unwrap();
        let ids: Vec<_> = ["pat", "quinn", "rui"]
            .iter()
            .map(|n| {
                dir.create_user(
                    t.superadmin,
                    &NewUser::new(*n, "X", format!("{n}@acme.test")),
                )
                .unwrap()
            })
            .collect();
        (t.tenant, ids)
    };
    // As earlier versions stored them: digits, with or without "+".
    for (u, p) in users
        .iter()
        .zip(["5550102030", "+15550104040", "0612345678"])
    {
        raw_sql(
            &path,
            &format!("UPDATE users SET phone = '{p}' WHERE id = {}", u.0),
        );
    }
    let dir = Directory::open_sqlite(&path).unwrap();
    let found = |text: &str| -> Vec<_> {
        dir.search_users(tenant, &UserQuery::text(text))
            .unwrap()
            .items
            .iter()
            .map(|u| u.id)
            .collect()
    };
    assert_eq!(found("+1 (555) 010-2030"), [users[0]]);
    assert_eq!(found("(555) 010-2030"), [users[0]]);
    assert_eq!(found("+1 555 010 4040"), [users[1]]);
    assert_eq!(found("555.010.4040"), [users[1]]);
    assert_eq!(found("+33 6 12 34 56 78"), [users[2]]);
    // With a region, national input reads as the full number too.
    let mut s = dir.tenant_settings(tenant).unwrap();
    s.phone_region = Some("FR".into());
    dir.set_tenant_settings(dir.tenant(tenant).unwrap().superadmin, &s)
        .unwrap();
    assert_eq!(found("06 12 34 56 78"), [users[2]]);
}

#[test]
fn logins_stored_with_old_keys_are_found_by_their_unicode_key_after_reopen() {
    let tmp = TempDir::new("rekey");
    let path = tmp.file("d.db");
    let (tenant, u) = {
        let dir = Directory::open_sqlite(&path).unwrap();
        let t = dir
            .create_tenant("Acme", &NewUser::new("Ada", "Root", "ada@acme.test"), &[])
            .unwrap();
        let u = dir
            .create_user(
                t.superadmin,
                &NewUser::new("Hans", "Gross", "Gro\u{df}@acme.test"),
            )
            .unwrap();
        (t.tenant, u)
    };
    // As version 3 stored it: to_lowercase, and the schema version before the re-keying step.
    raw_sql(
        &path,
        &format!(
            "UPDATE users SET email_key = 'gro\u{df}@acme.test' WHERE id = {}; PRAGMA user_version = 3;",
            u.0
        ),
    );
    let dir = Directory::open_sqlite(&path).unwrap();
    assert_eq!(dir.user_by_email(tenant, "GROSS@acme.test").unwrap().id, u);
    let sa = dir.tenant(tenant).unwrap().superadmin;
    let err = dir
        .create_user(sa, &NewUser::new("Hans", "Again", "gross@ACME.test"))
        .unwrap_err();
    assert_eq!(err.kind(), "duplicate_email");
    // The key column was recomputed, so SQLite's own UNIQUE agrees with the model.
    let c = rusqlite::Connection::open(&path).unwrap();
    let key: String = c
        .query_row(
            "SELECT email_key FROM users WHERE id = ?1",
            [u.0 as i64],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(key, "gross@acme.test");
}

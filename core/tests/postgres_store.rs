//! The PostgreSQL store against a real server (see tests/pg): opening and reopening, the schema's
//! invariants and version, several directories on one database (changes, lockouts and recovery
//! tokens shared), concurrent writers that never lose an update.

mod common;
mod pg;

use std::sync::Arc;

use pg::Schema;
use rolecall::{
    Directory, Error, HashParams, ManualClock, NewUser, Permission, PostgresOptions, PostgresStore,
    Preset, Store, TenantId, UserId, UserQuery,
};

const FAST: HashParams = HashParams {
    m_kib: 64,
    t: 1,
    p: 1,
};

/// A directory with one tenant (root@acme.test, password set); returns it with the tenant and
/// superadministrator.
fn acme(schema: &Schema) -> (Directory, TenantId, UserId) {
    let d = schema.directory();
    d.set_hash_params(FAST);
    let t = d
        .create_tenant(
            "Acme",
            &NewUser::new("Ada", "Root", "root@acme.test").password("purple monkey dishwasher"),
            &[Preset::Managers],
        )
        .unwrap();
    (d, t.tenant, t.superadmin)
}

#[test]
fn a_directory_reopened_finds_everything_it_committed() {
    let schema = Schema::new("reopen");
    let (d, tenant, root) = acme(&schema);
    let operator = d.role_by_name(tenant, "Operator").unwrap().id;
    let bob = d
        .create_user(
            root,
            &NewUser::new("Bob", "Lee", "Bob@Acme.test").roles([operator]),
        )
        .unwrap();
    let before = common::capture(&d);
    drop(d);
    let again = schema.directory();
    assert_eq!(common::capture(&again), before);
    assert!(again.check(bob, Permission::CAMPAIGNS_VIEW) == before_check(&before, bob));
    // Email unique per tenant, case-insensitively, also after a reopen.
    let dup = again.create_user(root, &NewUser::new("B", "L", "bob@acme.TEST"));
    assert!(matches!(dup, Err(Error::DuplicateEmail { .. })), "{dup:?}");
}

fn before_check(state: &common::State, user: UserId) -> bool {
    state
        .effective
        .iter()
        .any(|(u, p, _)| *u == user && p.contains(Permission::CAMPAIGNS_VIEW))
}

#[test]
fn revisions_are_dense_and_logged_in_commit_order() {
    let schema = Schema::new("dense");
    let (d, _, root) = acme(&schema);
    for i in 0..5 {
        d.create_user(root, &NewUser::new("U", "V", format!("u{i}@acme.test")))
            .unwrap();
    }
    let mut store = schema.store();
    let rev = store.revision().unwrap();
    assert_eq!(rev, d.revision());
    let commits = store.commits_since(0).unwrap().unwrap();
    let revisions: Vec<u64> = commits.iter().map(|c| c.revision).collect();
    assert_eq!(revisions, (1..=rev).collect::<Vec<_>>());
    assert!(store.commits_since(rev).unwrap().unwrap().is_empty());
}

#[test]
fn two_directories_on_one_database_see_each_others_writes() {
    let schema = Schema::new("two");
    let (a, tenant, root) = acme(&schema);
    let b = schema.directory();
    assert_eq!(common::capture(&a), common::capture(&b));
    let carol = a
        .create_user(root, &NewUser::new("Carol", "Ng", "carol@acme.test"))
        .unwrap();
    assert!(b.user(carol).is_err(), "b has not caught up yet");
    assert_eq!(b.refresh().unwrap(), a.revision());
    assert_eq!(b.user(carol).unwrap().email, "carol@acme.test");
    // And back: b writes (catching up first by itself), a refreshes.
    let sup = b.role_by_name(tenant, "Manager").unwrap().id;
    b.assign_role(root, carol, sup).unwrap();
    a.refresh().unwrap();
    assert_eq!(common::capture(&a), common::capture(&b));
}

#[test]
fn a_lockout_on_one_host_holds_on_another() {
    let schema = Schema::new("lockout");
    let (a, tenant, _) = acme(&schema);
    let b = schema.directory();
    b.set_hash_params(FAST);
    let max = a.password_policy(tenant).unwrap().max_failed_logins;
    for _ in 0..max {
        let r = a.login(tenant, "root@acme.test", "wrong long passphrase");
        assert!(r.is_err());
    }
    // The right password on the other host is refused: the account is locked everywhere.
    let r = b.login(tenant, "root@acme.test", "purple monkey dishwasher");
    assert!(matches!(r, Err(Error::AccountLocked { .. })), "{r:?}");
}

#[test]
fn a_recovery_token_issued_on_one_host_works_on_another() {
    let schema = Schema::new("reset");
    let (a, tenant, root) = acme(&schema);
    let b = schema.directory();
    b.set_hash_params(FAST);
    let issued = a
        .request_password_reset(tenant, "root@acme.test")
        .unwrap()
        .expect("root exists");
    assert_eq!(issued.user, root);
    let user = b
        .reset_password_with_token(tenant, issued.token.expose(), "a brand new passphrase")
        .unwrap();
    assert_eq!(user, root);
    a.refresh().unwrap();
    assert!(a
        .login(tenant, "root@acme.test", "a brand new passphrase")
        .is_ok());
    // Single use, on every host.
    let again = a.reset_password_with_token(tenant, issued.token.expose(), "yet another phrase");
    assert!(matches!(again, Err(Error::InvalidToken)), "{again:?}");
}

#[test]
fn concurrent_writers_on_separate_connections_never_lose_an_update() {
    const WRITERS: usize = 4;
    const WRITES: usize = 15;
    let schema = Arc::new(Schema::new("writers"));
    let (d, tenant, root) = acme(&schema);
    let start = d.revision();
    let threads: Vec<_> = (0..WRITERS)
        .map(|w| {
            let schema = Arc::clone(&schema);
            std::thread::spawn(move || {
                let d = schema.directory();
                let mut failures = Vec::new();
                for i in 0..WRITES {
                    if let Err(e) =
                        d.create_user(root, &NewUser::new("W", "X", format!("w{w}-{i}@acme.test")))
                    {
                        failures.push(format!("writer {w} write {i}: {e}"));
                    }
                }
                failures
            })
        })
        .collect();
    let failures: Vec<String> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
    d.refresh().unwrap();
    assert_eq!(d.revision(), start + (WRITERS * WRITES) as u64);
    let users = d
        .search_users(
            tenant,
            &UserQuery {
                limit: 1000,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(users.total, 1 + WRITERS * WRITES);
    // A fresh load agrees with the instance that caught up commit by commit.
    assert_eq!(common::capture(&schema.directory()), common::capture(&d));
}

#[test]
fn two_hosts_changing_the_same_user_at_once_both_apply_under_the_rules() {
    // Both start from the same revision; the second writer waits for the first's lock,
    // catches up and plans again: both role grants land, none overwrites the other.
    let schema = Schema::new("same_user");
    let (a, tenant, root) = acme(&schema);
    let b = schema.directory();
    let bob = a
        .create_user(root, &NewUser::new("Bob", "Lee", "bob@acme.test"))
        .unwrap();
    b.refresh().unwrap();
    let operator = a.role_by_name(tenant, "Operator").unwrap().id;
    let sup = a.role_by_name(tenant, "Viewer").unwrap().id;
    a.assign_role(root, bob, operator).unwrap();
    // b has not refreshed: it still thinks bob holds nothing.
    b.assign_role(root, bob, sup).unwrap();
    a.refresh().unwrap();
    let roles = &a.user(bob).unwrap().roles;
    assert!(
        roles.contains(&operator) && roles.contains(&sup),
        "{roles:?}"
    );
    assert_eq!(common::capture(&a), common::capture(&b));
    // A delete on one host and an edit on the other: the edit gets the rule's typed error.
    a.delete_user(root, bob).unwrap();
    let r = b.revoke_role(root, bob, sup);
    assert!(matches!(r, Err(Error::UnknownUser(_))), "{r:?}");
}

#[test]
fn the_audit_log_is_append_only_in_the_database() {
    let schema = Schema::new("audit");
    let (d, tenant, _) = acme(&schema);
    let _ = d.login(tenant, "root@acme.test", "wrong long passphrase");
    let (events, total) = schema
        .store()
        .query_audit(&rolecall::AuditQuery::default())
        .unwrap();
    assert!(total >= 2 && events.len() == total, "{total}");
    assert!(events.windows(2).all(|w| w[0].seq < w[1].seq));
    for sql in [
        "DELETE FROM audit",
        "UPDATE audit SET outcome = 'ok'",
        "TRUNCATE audit",
    ] {
        let e = schema.sql(sql).expect_err(sql);
        assert!(
            e.to_string().contains("append-only") || format!("{e:?}").contains("append-only"),
            "{sql}: {e:?}"
        );
    }
    assert_eq!(
        schema.store().query_audit(&Default::default()).unwrap().1,
        total
    );
    // Retention is the one way out, through the store: the mark rises, the events below it go.
    let mut store = schema.store();
    let removed = store
        .prune_audit(i64::MAX, &mut |_| Ok(()), &|_| Vec::new())
        .unwrap();
    assert_eq!(removed as usize, total);
    let mark: i64 = pg::client()
        .query_one(
            &format!(
                "SELECT pruned_through FROM \"{}\".audit_retention",
                schema.name
            ),
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(mark, events[total - 1].seq as i64);
    // A new event, above the mark.
    let _ = d.login(tenant, "root@acme.test", "wrong long passphrase");
    let left = store.query_audit(&Default::default()).unwrap().1;
    assert_eq!(left, 1);
    // Ordinary writes still cannot delete or change an event above the mark, nor move the mark
    // back, delete it, add another, or truncate either table.
    for sql in [
        "DELETE FROM audit",
        "UPDATE audit SET outcome = 'ok'",
        "TRUNCATE audit",
        "UPDATE audit_retention SET pruned_through = 0",
        "DELETE FROM audit_retention",
        "INSERT INTO audit_retention VALUES (2, 100)",
        "TRUNCATE audit_retention",
    ] {
        let e = schema.sql(sql).expect_err(sql);
        assert!(
            format!("{e:?}").contains("append-only") || format!("{e:?}").contains("retention"),
            "{sql}: {e:?}"
        );
    }
    // An export that fails removes nothing.
    let err = store
        .prune_audit(
            i64::MAX,
            &mut |_| Err(Error::Storage("archive down".into())),
            &|_| Vec::new(),
        )
        .unwrap_err();
    assert_eq!(err, Error::Storage("archive down".into()));
    assert_eq!(store.query_audit(&Default::default()).unwrap().1, left);
    // The store is usable after the failed prune (its transaction rolled back).
    assert_eq!(
        store
            .prune_audit(i64::MAX, &mut |_| Ok(()), &|_| Vec::new())
            .unwrap(),
        left as u64
    );
}

#[test]
fn the_schema_enforces_tenant_keys_and_one_owner_per_agreement() {
    let schema = Schema::new("constraints");
    let (a, _, root) = acme(&schema);
    let (_, other_root) = {
        let t = a
            .create_tenant(
                "Globex",
                &NewUser::new("Gus", "Root", "root@globex.test"),
                &[],
            )
            .unwrap();
        (t.tenant, t.superadmin)
    };
    let agreement = a.create_agreement(root, "Main", root).unwrap();
    // A role of one tenant held by a user of another: the composite key refuses it.
    let role = a.roles(a.user(root).unwrap().tenant).unwrap()[0].id;
    let e = schema.sql(&format!(
        "INSERT INTO user_roles (tenant, user_id, role_id) SELECT tenant, {}, {} FROM users WHERE id = {}",
        other_root.0, role.0, other_root.0
    ));
    assert!(e.is_err(), "a cross-tenant role grant was stored");
    // One owner: a column, not rows; a second owner row cannot exist.
    let owners: i64 = pg::client()
        .query_one(
            &format!(
                "SELECT count(*) FROM \"{}\".agreements WHERE id = $1",
                schema.name
            ),
            &[&(agreement.0 as i64)],
        )
        .unwrap()
        .get(0);
    assert_eq!(owners, 1);
    // Email unique per tenant in the table itself.
    let e = schema.sql(
        "INSERT INTO users (id, tenant, first_name, last_name, email, email_key, active, created_at, updated_at)
         SELECT 999, tenant, 'X', 'Y', email, email_key, true, 0, 0 FROM users WHERE id = 1",
    );
    assert!(e.is_err(), "a duplicate email key was stored");
}

#[test]
fn a_schema_from_a_newer_version_is_refused_and_left_as_it_is() {
    let schema = Schema::new("newer");
    drop(acme(&schema));
    schema
        .sql("UPDATE meta SET value = 99 WHERE key = 'schema_version'")
        .unwrap();
    let r = PostgresStore::open_with(&pg::conninfo(), &schema.options());
    assert!(
        matches!(
            r,
            Err(Error::SchemaTooNew {
                found: 99,
                supported: PostgresStore::SCHEMA_VERSION
            })
        ),
        "{r:?}"
    );
    let v = schema.schema_version();
    assert_eq!(v, 99);
}

#[test]
fn a_schema_holding_other_tables_is_refused_untouched() {
    let schema = Schema::new("foreign");
    pg::client()
        .batch_execute(&format!(
            "CREATE SCHEMA \"{0}\"; CREATE TABLE \"{0}\".invoices (id int)",
            schema.name
        ))
        .unwrap();
    let r = PostgresStore::open_with(&pg::conninfo(), &schema.options());
    assert!(
        matches!(&r, Err(Error::Storage(m)) if m.contains("not rolecall's")),
        "{r:?}"
    );
    let tables: i64 = pg::client()
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = $1",
            &[&schema.name],
        )
        .unwrap()
        .get(0);
    assert_eq!(tables, 1);
}

#[test]
fn hosts_starting_at_once_create_the_schema_once() {
    let schema = Arc::new(Schema::new("start"));
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let schema = Arc::clone(&schema);
            std::thread::spawn(move || {
                PostgresStore::open_with(&pg::conninfo(), &schema.options()).map(drop)
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap().unwrap();
    }
    let mut s = schema.store();
    assert_eq!(s.revision().unwrap(), 0);
}

#[test]
fn bad_connection_strings_and_schema_names_are_typed_errors() {
    let r = PostgresStore::open("host=/nonexistent port=notaport");
    assert!(
        matches!(
            r,
            Err(Error::InvalidArgument {
                what: "conninfo",
                ..
            })
        ),
        "{r:?}"
    );
    for bad in ["", &"x".repeat(64), "a\0b"] {
        let r = PostgresStore::open_with(
            &pg::conninfo(),
            &PostgresOptions {
                schema: bad.to_string(),
                ..Default::default()
            },
        );
        assert!(
            matches!(r, Err(Error::InvalidArgument { what: "schema", .. })),
            "{r:?}"
        );
    }
    // A server that is not there: unavailable (retryable), quickly.
    let r = PostgresStore::open("host=/nonexistent-rolecall-dir user=x dbname=x");
    assert!(matches!(r, Err(Error::Unavailable(_))), "{r:?}");
    // A schema name that needs quoting works.
    let odd = Schema {
        name: format!("Odd \"name\" {}", std::process::id()),
    };
    let d = odd.directory();
    d.create_tenant("T", &NewUser::new("A", "B", "a@t.test"), &[])
        .unwrap();
    drop(d);
    assert_eq!(odd.directory().tenants().len(), 1);
}

#[test]
fn the_store_works_from_inside_a_clocked_directory_with_reopens() {
    // Writes with a manual clock, reopened: timestamps round-trip exactly.
    let schema = Schema::new("clock");
    let clock = Arc::new(ManualClock::new(1_700_000_000_123));
    let d = Directory::open_with_clock(schema.store(), clock.clone()).unwrap();
    let t = d
        .create_tenant(
            "T",
            &NewUser::new("A", "B", "a@t.test"),
            &[Preset::Dashboard],
        )
        .unwrap();
    clock.advance(5);
    let before = common::capture(&d);
    drop(d);
    let again = Directory::open_with_clock(schema.store(), clock).unwrap();
    assert_eq!(common::capture(&again), before);
    assert_eq!(
        again.tenant(t.tenant).unwrap().created_at,
        1_700_000_000_123
    );
}

#[test]
fn the_store_is_safe_to_use_inside_a_hosts_tokio_runtime() {
    // The synchronous client blocks on a runtime of its own, which panics inside another
    // runtime (rust-postgres #639); the store runs it on its own thread instead.
    let schema = Schema::new("tokio");
    for flavor in ["current_thread", "multi_thread"] {
        let rt = match flavor {
            "current_thread" => tokio::runtime::Builder::new_current_thread().build(),
            _ => tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .build(),
        }
        .unwrap();
        let d = rt.block_on(async {
            let d = schema.directory();
            if d.tenants().is_empty() {
                d.create_tenant("T", &NewUser::new("A", "B", "a@t.test"), &[])
                    .unwrap();
            }
            d.refresh().unwrap();
            d
        });
        // Dropped inside the runtime too.
        rt.block_on(async move { drop(d) });
    }
    assert_eq!(schema.directory().tenants().len(), 1);
}

#[test]
fn damaged_ids_are_reported_at_open_instead_of_sized_for() {
    let schema = Schema::new("damage");
    drop(acme(&schema));
    schema
        .sql("UPDATE meta SET value = 4294967296 WHERE key = 'next_user'")
        .unwrap();
    let r = Directory::open(schema.store());
    assert!(
        matches!(&r, Err(Error::Corrupt(m)) if m.contains("next_user")),
        "{:?}",
        r.map(|_| ())
    );
    schema
        .sql("UPDATE meta SET value = 3 WHERE key = 'next_user'")
        .unwrap();
    assert!(Directory::open(schema.store()).is_ok());
}

#[test]
fn an_instance_behind_the_pruned_log_reloads_everything_and_converges() {
    let schema = Schema::new("pruned");
    let clock = Arc::new(ManualClock::new(1_700_000_000_000));
    let opts = PostgresOptions {
        log_keep: 5,
        log_max_age: std::time::Duration::from_secs(60),
        ..schema.options()
    };
    let open = |opts: &PostgresOptions| {
        Directory::open_with_clock(
            PostgresStore::open_with(&pg::conninfo(), opts).unwrap(),
            clock.clone(),
        )
        .unwrap()
    };
    let a = open(&opts);
    let t = a
        .create_tenant("T", &NewUser::new("A", "B", "a@t.test"), &[])
        .unwrap();
    let behind = open(&schema.options());
    let logged = || -> i64 {
        pg::client()
            .query_one(
                &format!("SELECT count(*) FROM \"{}\".commits", schema.name),
                &[],
            )
            .unwrap()
            .get(0)
    };
    for i in 0..20 {
        a.create_user(
            t.superadmin,
            &NewUser::new("U", "V", format!("u{i}@t.test")),
        )
        .unwrap();
    }
    assert_eq!(logged(), 5, "pruned by size");
    behind.refresh().unwrap();
    assert_eq!(common::capture(&behind), common::capture(&a));
    assert_eq!(behind.full_reloads(), 1, "it says it reloaded");
    assert_eq!(a.full_reloads(), 0);
    // By age: commits older than a minute go (checked every 64 revisions), however few.
    let relaxed = PostgresOptions {
        log_keep: 10_000,
        ..opts
    };
    drop(a);
    let a = open(&relaxed);
    while a.revision() % 64 != 63 {
        a.create_user(
            t.superadmin,
            &NewUser::new("U", "V", format!("r{}@t.test", a.revision())),
        )
        .unwrap();
    }
    clock.advance(120_000);
    a.create_user(t.superadmin, &NewUser::new("U", "V", "last@t.test"))
        .unwrap();
    assert_eq!(logged(), 1, "pruned by age");
    behind.refresh().unwrap();
    assert_eq!(common::capture(&behind), common::capture(&a));
    assert_eq!(behind.full_reloads(), 2);
    // Caught up from the log when it holds what was missed.
    a.create_user(t.superadmin, &NewUser::new("U", "V", "one@t.test"))
        .unwrap();
    behind.refresh().unwrap();
    assert_eq!(behind.full_reloads(), 2);
    assert_eq!(common::capture(&behind), common::capture(&a));
}

#[test]
fn a_bulk_import_updates_the_next_ids_once_not_once_per_record() {
    // Each UPDATE of one row inside one transaction leaves a row version that no one can prune
    // before it commits, and every later UPDATE of the row walks them all: one UPDATE of the
    // next user id per imported user made a 100,000-user import take minutes (quadratic).
    let schema = Schema::new("bulk_ids");
    let (d, _, root) = acme(&schema);
    let batch: Vec<NewUser> = (0..3_000)
        .map(|i| NewUser::new("Agent", format!("No {i}"), format!("agent{i}@acme.test")))
        .collect();
    let users = d.create_users(root, &batch).unwrap();
    assert_eq!(users.len(), 3_000);
    let pages: i64 = pg::client()
        .query_one(
            "SELECT pg_relation_size(format('%I.meta', $1::text)::regclass) / 8192",
            &[&schema.name],
        )
        .unwrap()
        .get(0);
    assert!(
        pages <= 2,
        "the meta table holds {pages} pages: a row version per imported user"
    );
    // The next user id was still recorded: a new instance allocates past the import.
    let again = schema.directory();
    let next = again
        .create_user(root, &NewUser::new("After", "Import", "after@acme.test"))
        .unwrap();
    assert!(users.iter().all(|u| *u < next), "{next:?} reuses an id");
}

#[test]
fn separation_of_duty_rules_survive_a_reopen_and_reach_other_hosts() {
    let schema = Schema::new("sod");
    let (d, tenant, root) = acme(&schema);
    let other = schema.directory();
    let rule = rolecall::SodRule::new(
        "billing vs audit",
        Permission::BILLING_MANAGE,
        Permission::LOGS_VIEW,
    );
    d.add_sod_rule(root, &rule).unwrap();
    other.refresh().unwrap();
    assert_eq!(other.sod_rules(tenant).unwrap(), vec![rule.clone()]);
    drop(d);
    let again = schema.directory();
    assert_eq!(again.sod_rules(tenant).unwrap(), vec![rule]);
}

//! The PostgreSQL store when things go wrong, each case with its expected outcome:
//! - the server goes down: checks keep answering from the last snapshot, writes and refreshes
//!   fail fast with `Unavailable` and change nothing; once it is back, the same instance
//!   reconnects by itself and catches up;
//! - the server is restarted in the middle of a write stream: every acknowledged write is
//!   there afterwards, and the writer carries on;
//! - `pg_terminate_backend` kills an instance's connection: its next call reconnects;
//! - revision tokens: `at_least` on another instance includes the write; a token of another
//!   store, a malformed one and one newer than the store are refused; `Stale` at the timeout
//!   while the store is down.

mod pg;

use std::time::{Duration, Instant};

use pg::{PrivateCluster, Schema};
use rolecall::{
    Directory, Error, MemoryStore, NewUser, Permission, PostgresOptions, PostgresStore, Preset,
    Store, UserQuery,
};

fn tenant(d: &Directory) -> rolecall::TenantCreated {
    d.create_tenant(
        "Acme",
        &NewUser::new("Ada", "Root", "root@acme.test"),
        &[Preset::Managers],
    )
    .unwrap()
}

#[test]
fn a_token_taken_after_a_write_makes_another_instance_include_it() {
    let schema = Schema::new("token");
    let a = schema.directory();
    let b = schema.directory();
    let t = tenant(&a);
    let bob = a
        .create_user(t.superadmin, &NewUser::new("Bob", "Lee", "bob@acme.test"))
        .unwrap();
    let token = a.revision_token().unwrap();
    assert!(b.user(bob).is_err(), "b has not caught up yet");
    let snap = b.at_least(&token, Duration::from_secs(1)).unwrap();
    assert!(snap.revision() >= a.revision());
    assert!(b.user(bob).is_ok());
    // A token this instance already satisfies costs nothing and still works.
    assert_eq!(
        b.at_least(&token, Duration::ZERO).unwrap().revision(),
        a.revision()
    );
}

#[test]
fn tokens_of_another_store_malformed_or_from_the_future_are_refused() {
    let (s1, s2) = (Schema::new("tok_a"), Schema::new("tok_b"));
    let (a, b) = (s1.directory(), s2.directory());
    tenant(&a);
    tenant(&b);
    let token = a.revision_token().unwrap();
    let r = b
        .at_least(&token, Duration::from_secs(1))
        .map(|s| s.revision());
    assert!(
        matches!(&r, Err(Error::ForeignToken(m)) if m.contains("another store")),
        "{r:?}"
    );
    for bad in ["", "rc1", "rc1.x", "rc2.a.1", "rc1.a.b.c", "rc1.pg00.-1"] {
        let r = a.at_least(bad, Duration::ZERO).map(|s| s.revision());
        assert!(matches!(r, Err(Error::ForeignToken(_))), "{bad:?}: {r:?}");
    }
    // Newer than anything the store holds (a store restored from an older backup): refused at
    // once, not waited for.
    let prefix = token.rsplit_once('.').unwrap().0;
    let future = format!("{prefix}.{}", a.revision() + 5);
    let started = Instant::now();
    let r = a
        .at_least(&future, Duration::from_secs(5))
        .map(|s| s.revision());
    assert!(
        matches!(&r, Err(Error::ForeignToken(m)) if m.contains("restored")),
        "{r:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn tokens_work_with_stores_without_an_identity() {
    let store = MemoryStore::new();
    let a = Directory::open(store.clone()).unwrap();
    let b = Directory::open(store).unwrap();
    tenant(&a);
    let token = a.revision_token().unwrap();
    assert!(token.starts_with("rc1.local."), "{token}");
    assert_eq!(b.at_least(&token, Duration::ZERO).unwrap().revision(), 1);
    assert_eq!(b.tenants().len(), 1);
}

#[test]
fn while_the_server_is_down_checks_answer_and_writes_fail_fast_then_it_recovers_by_itself() {
    let cluster = PrivateCluster::start("outage");
    let opts = PostgresOptions {
        connect_timeout: Duration::from_secs(2),
        ..PostgresOptions::default()
    };
    let open =
        || Directory::open(PostgresStore::open_with(&cluster.conninfo, &opts).unwrap()).unwrap();
    let a = open();
    let b = open();
    let t = tenant(&a);
    let operator = a.role_by_name(t.tenant, "Operator").unwrap().id;
    let olga = a
        .create_user(
            t.superadmin,
            &NewUser::new("Olga", "Op", "olga@acme.test").roles([operator]),
        )
        .unwrap();
    let token = a.revision_token().unwrap();
    let (revision, caught_up) = (a.revision(), a.caught_up_at());

    cluster.halt();
    // Checks answer from the last snapshot.
    assert!(a.check(olga, Permission::CAMPAIGNS_VIEW));
    // Writes fail fast, typed and retryable, and change nothing.
    let started = Instant::now();
    let r = a.create_user(t.superadmin, &NewUser::new("X", "Y", "x@acme.test"));
    assert!(matches!(r, Err(Error::Unavailable(_))), "{r:?}");
    let r = a.revoke_role(t.superadmin, olga, operator);
    assert!(matches!(r, Err(Error::Unavailable(_))), "{r:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(a.revision(), revision);
    assert!(a.check(olga, Permission::CAMPAIGNS_VIEW));
    assert!(matches!(a.refresh(), Err(Error::Unavailable(_))));
    assert_eq!(a.caught_up_at(), caught_up, "no catch-up happened");
    // b has not seen the last write and cannot reach the store: stale at the timeout.
    let r = b
        .at_least(&token, Duration::from_millis(300))
        .map(|s| s.revision());
    assert!(matches!(r, Err(Error::Stale { .. })), "{r:?}");

    cluster.resume();
    // The same instances reconnect by themselves.
    let x = a
        .create_user(t.superadmin, &NewUser::new("X", "Y", "x@acme.test"))
        .unwrap();
    b.at_least(&a.revision_token().unwrap(), Duration::from_secs(2))
        .unwrap();
    assert!(b.user(x).is_ok() && b.user(olga).is_ok());
    assert!(b.caught_up_at() >= caught_up);
}

#[test]
fn a_server_restarted_in_the_middle_of_a_write_stream_loses_no_acknowledged_write() {
    let cluster = PrivateCluster::start("restart");
    let opts = PostgresOptions {
        connect_timeout: Duration::from_secs(2),
        ..PostgresOptions::default()
    };
    let d = Directory::open(PostgresStore::open_with(&cluster.conninfo, &opts).unwrap()).unwrap();
    let t = tenant(&d);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let stop = std::sync::Arc::clone(&stop);
        let conninfo = cluster.conninfo.clone();
        let opts = opts.clone();
        let root = t.superadmin;
        std::thread::spawn(move || {
            let d = Directory::open(PostgresStore::open_with(&conninfo, &opts).unwrap()).unwrap();
            let (mut acknowledged, mut unavailable) = (Vec::new(), 0);
            let deadline = Instant::now() + Duration::from_secs(30);
            let mut i = 0;
            // At most 900: one page of users holds them all.
            while !stop.load(std::sync::atomic::Ordering::Relaxed)
                && acknowledged.len() < 900
                && Instant::now() < deadline
            {
                let email = format!("w{i}@acme.test");
                match d.create_user(root, &NewUser::new("W", "X", email.as_str())) {
                    Ok(_) => {
                        acknowledged.push(email);
                        i += 1;
                    }
                    // A commit whose answer was lost may have landed: the retry says so.
                    Err(Error::DuplicateEmail { .. }) => i += 1,
                    Err(Error::Unavailable(_) | Error::Busy) => {
                        unavailable += 1;
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    Err(e) => panic!("write {i}: {e:?}"),
                }
            }
            (acknowledged, unavailable)
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    cluster.halt();
    std::thread::sleep(Duration::from_millis(500));
    cluster.resume();
    let resumed_at = d.refresh().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (acknowledged, unavailable) = writer.join().unwrap();
    assert!(
        unavailable > 0,
        "the restart was not noticed: the test proves nothing"
    );
    assert!(
        d.refresh().unwrap() > resumed_at + 5,
        "the writer carried on after the restart"
    );
    let emails: Vec<String> = d
        .search_users(
            t.tenant,
            &UserQuery {
                limit: UserQuery::MAX_LIMIT,
                ..Default::default()
            },
        )
        .unwrap()
        .items
        .into_iter()
        .map(|u| u.email)
        .collect();
    for e in &acknowledged {
        assert!(emails.contains(e), "acknowledged write {e} lost");
    }
    // Revisions stayed dense across the restart.
    let mut store = PostgresStore::open_with(&cluster.conninfo, &opts).unwrap();
    let revs: Vec<u64> = store
        .commits_since(0)
        .unwrap()
        .unwrap()
        .iter()
        .map(|c| c.revision)
        .collect();
    assert_eq!(revs, (1..=d.revision()).collect::<Vec<_>>());
}

#[test]
fn a_terminated_connection_is_replaced_at_the_next_call() {
    let schema = Schema::new("terminate");
    let name = format!("victim_{}", std::process::id());
    let conninfo = format!("{} application_name={name}", pg::conninfo());
    let d =
        Directory::open(PostgresStore::open_with(&conninfo, &schema.options()).unwrap()).unwrap();
    let t = tenant(&d);
    let killed = pg::terminate(&mut pg::client(), &name);
    // The store's connection and its listener's.
    assert!(killed >= 1, "{killed}");
    // The next write notices the loss while taking the lock, reconnects and goes through.
    let bob = d
        .create_user(t.superadmin, &NewUser::new("Bob", "Lee", "bob@acme.test"))
        .unwrap();
    assert_eq!(schema.directory().user(bob).unwrap().email, "bob@acme.test");
    assert!(d.refresh().is_ok());
}

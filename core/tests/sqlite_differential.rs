//! Differential test: the same random operation sequence applied to the in-memory store and to
//! a SQLite store that is closed and reopened from disk at random points gives the same
//! outcome for every operation, the same observable state, and the same answer to every check.

mod common;
mod differential;

use std::path::PathBuf;
use std::sync::Arc;

use differential::{answers, apply, op, Op, FAST};
use proptest::prelude::*;
use rolecall::{Directory, ManualClock, MemoryStore, NewUser, Preset, SqliteStore, UserId};

struct Tmp(PathBuf);
impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn cases() -> u32 {
    // Every step of every case commits to disk; a quarter of the global case count keeps the
    // run short while still covering hundreds of sequences.
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .map_or(64, |c| (c / 4).max(16))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn memory_and_sqlite_with_reopens_agree(ops in prop::collection::vec(op(), 1..30), reopen in any::<u32>()) {
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        // tmpfs when there is one: the test is about equality, not about fsync latency.
        let base = if std::path::Path::new("/dev/shm").is_dir() { PathBuf::from("/dev/shm") } else { std::env::temp_dir() };
        let dir = base.join(format!(
            "rolecall-diff-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let _guard = Tmp(dir.clone());
        let path = dir.join("d.db");
        let clock = Arc::new(ManualClock::new(1_700_000_000_000));
        let open_sql = || {
            let d = Directory::open_with_clock(SqliteStore::open(&path).unwrap(), clock.clone()).unwrap();
            d.set_hash_params(FAST);
            d
        };
        let mem = Directory::open_with_clock(MemoryStore::new(), clock.clone()).unwrap();
        mem.set_hash_params(FAST);
        let mut sql = open_sql();
        for d in [&mem, &sql] {
            let t = d.create_tenant("T0", &NewUser::new("Root", "Zero", "root@t0.test").password("purple monkey dishwasher"), &[Preset::Dashboard]).unwrap();
            let sup = d.role_by_name(t.tenant, "Supervisor").unwrap().id;
            d.create_user(t.superadmin, &NewUser::new("Sam", "Sup", "sam@t0.test").roles([sup]).password("purple monkey dishwasher")).unwrap();
            d.create_tenant("T1", &NewUser::new("Root", "One", "root@t1.test"), &[Preset::Managers]).unwrap();
        }
        for (n, op) in ops.iter().enumerate() {
            // Each directory resolves indices against its own state, equal so far.
            let a = apply(&mem, op, n);
            let b = apply(&sql, op, n);
            prop_assert_eq!(&a, &b, "step {} {:?}", n, op);
            if let Op::Tick = op {
                clock.advance(60_000);
            }
            if reopen & (1 << (n % 32)) != 0 {
                drop(sql);
                sql = open_sql();
            }
            let (sm, ss) = (common::capture(&mem), common::capture(&sql));
            prop_assert_eq!(&sm, &ss, "state differs after step {} {:?}", n, op);
            let users: Vec<UserId> = sm.users.iter().map(|u| u.id).collect();
            let scopes: Vec<_> = sm.scopes.iter().map(|s| s.id).collect();
            prop_assert_eq!(answers(&mem, &users, &scopes), answers(&sql, &users, &scopes), "checks differ after step {}", n);
        }
    }
}

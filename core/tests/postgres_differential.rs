//! Differential test on PostgreSQL: the same random operation sequence applied to the in-memory
//! store and to a PostgreSQL store (a real server, see tests/pg) that is closed and reopened at
//! random points gives the same outcome for every operation, the same observable state and the
//! same answer to every check. A second PostgreSQL instance, catching up incrementally from the
//! commit log at random points, agrees too.

mod common;
mod differential;
mod pg;

use std::sync::Arc;

use differential::{answers, apply, op, Op, FAST};
use proptest::prelude::*;
use rolecall::{Directory, ManualClock, MemoryStore, NewUser, Preset, UserId};

fn cases() -> u32 {
    // Every step commits over a connection and half of them reopen the store (a load over
    // the wire): a 64th of the global case count, at least 12 (15 in CI, about 6 s a case on a
    // loaded debug build). `PROPTEST_CASES=64000` runs a thousand.
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .map_or(16, |c| (c / 64).max(12))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn memory_and_postgres_with_reopens_agree(
        ops in prop::collection::vec(op(), 1..30),
        reopen in any::<u32>(),
        catch_up in any::<u32>(),
    ) {
        let schema = pg::Schema::new("diff");
        let clock = Arc::new(ManualClock::new(1_700_000_000_000));
        let open_pg = || {
            let d = Directory::open_with_clock(schema.store(), clock.clone()).unwrap();
            d.set_hash_params(FAST);
            d
        };
        let mem = Directory::open_with_clock(MemoryStore::new(), clock.clone()).unwrap();
        mem.set_hash_params(FAST);
        let mut sql = open_pg();
        // Another host: never writes, only catches up.
        let other = open_pg();
        for d in [&mem, &sql] {
            let t = d.create_tenant("T0", &NewUser::new("Root", "Zero", "root@t0.test").password("purple monkey dishwasher"), &[Preset::Dashboard]).unwrap();
            let sup = d.role_by_name(t.tenant, "Supervisor").unwrap().id;
            d.create_user(t.superadmin, &NewUser::new("Sam", "Sup", "sam@t0.test").roles([sup]).password("purple monkey dishwasher")).unwrap();
            d.create_tenant("T1", &NewUser::new("Root", "One", "root@t1.test"), &[Preset::Managers]).unwrap();
        }
        for (n, op) in ops.iter().enumerate() {
            let a = apply(&mem, op, n);
            let b = apply(&sql, op, n);
            prop_assert_eq!(&a, &b, "step {} {:?}", n, op);
            if let Op::Tick = op {
                clock.advance(60_000);
            }
            if reopen & (1 << (n % 32)) != 0 {
                drop(sql);
                sql = open_pg();
            }
            let (sm, ss) = (common::capture(&mem), common::capture(&sql));
            prop_assert_eq!(&sm, &ss, "state differs after step {} {:?}", n, op);
            let users: Vec<UserId> = sm.users.iter().map(|u| u.id).collect();
            let scopes: Vec<_> = sm.scopes.iter().map(|s| s.id).collect();
            prop_assert_eq!(answers(&mem, &users, &scopes), answers(&sql, &users, &scopes), "checks differ after step {}", n);
            if catch_up & (1 << (n % 32)) != 0 || n + 1 == ops.len() {
                other.refresh().unwrap();
                prop_assert_eq!(&sm, &common::capture(&other), "the other instance differs after catching up at step {}", n);
            }
        }
    }
}

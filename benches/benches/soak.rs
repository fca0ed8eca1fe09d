//! Soak: memory over millions of changes. With the default [`MemoryLimits`] the in-memory
//! store keeps a bounded commit log and a bounded audit history, so resident memory must stay
//! flat once they are full, however many changes follow.
//!
//! `cargo bench -p rolecall-benches --bench soak` makes 10,000,000 changes (a role granted or
//! taken back, on a 1,000-user model), with an audited refusal every 64 changes and a failed
//! login every 1,024, and prints the resident memory (`/proc/self/statm`) after building the
//! model, once the limits are full, halfway and at the end. Quick mode
//! (`cargo test -p rolecall-benches --benches`) makes 30,000 changes under small limits and
//! checks that a directory left far behind reloads and ends equal.

use std::time::Instant;

use rolecall::{AuditQuery, Directory, HashParams, MemoryLimits, MemoryStore, Permission, UserId};
use rolecall_benches::{build, quick, toggle_role, Rng};

/// Resident memory in MiB (Linux; 0 elsewhere).
fn rss_mib() -> f64 {
    let pages = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .unwrap_or(0);
    // The page size of the machines this runs on (x86-64 and aarch64 Linux defaults).
    (pages * 4096) as f64 / (1024.0 * 1024.0)
}

fn main() {
    let quick = quick();
    let (changes, limits) = if quick {
        (
            30_000usize,
            MemoryLimits {
                commits: 1_000,
                audit_events: 5_000,
            },
        )
    } else {
        (10_000_000, MemoryLimits::default())
    };
    let store = MemoryStore::with_limits(limits);
    let dir = Directory::open(store.clone()).expect("open");
    dir.set_hash_params(HashParams {
        m_kib: 64,
        t: 1,
        p: 1,
    });
    let m = build(dir, 1_000, 200, 50);
    // A second directory on the same store, left behind from here on.
    let behind = Directory::open(store.clone()).expect("open");
    let dir = &m.dir;
    let root = dir.tenant(m.tenant).expect("tenant").superadmin;
    let role = dir.role_by_name(m.tenant, "Role 1").expect("role").id;
    // A user without users.manage: its attempts are refused and audited.
    let clerk = dir
        .create_user(
            root,
            &rolecall::NewUser::new("Clerk", "Soak", "clerk@bench.test"),
        )
        .expect("clerk");
    let mut rng = Rng(0x50A4);
    let warm = (limits.commits.max(limits.audit_events) * 3 / 2).min(changes / 2);
    let mut rss = vec![("model built", rss_mib())];
    let t = Instant::now();
    for i in 1..=changes {
        let u: UserId = m.users[rng.below(m.users.len())];
        toggle_role(dir, root, u, role);
        if i % 64 == 0 {
            assert!(dir.assign_role(clerk, u, role).is_err());
        }
        if i % 1024 == 0 {
            assert!(dir
                .login(m.tenant, "nobody@bench.test", "not the password at all")
                .is_err());
        }
        if i == warm {
            rss.push(("limits full", rss_mib()));
        } else if i == changes / 2 {
            rss.push(("halfway", rss_mib()));
        }
    }
    rss.push(("end", rss_mib()));
    let took = t.elapsed().as_secs_f64();
    println!(
        "soak: {changes} changes in {took:.1} s ({:.0} changes/s), limits {} commits / {} audit events",
        changes as f64 / took,
        limits.commits,
        limits.audit_events
    );
    for (when, mib) in &rss {
        println!("  resident memory, {when:<12} {mib:>8.1} MiB");
    }
    // The audit history is bounded.
    let audit = dir.audit_events(&AuditQuery::default()).expect("audit");
    assert!(audit.total <= limits.audit_events, "{}", audit.total);
    // The directory left behind is further back than the kept log: it reloads, and ends equal.
    behind.refresh().expect("refresh");
    assert_eq!(behind.revision(), dir.revision());
    for u in m.users.iter().take(200) {
        assert_eq!(
            behind.effective_permissions(*u).expect("user"),
            dir.effective_permissions(*u).expect("user")
        );
        assert_eq!(behind.user(*u).expect("user"), dir.user(*u).expect("user"));
    }
    assert!(!behind.check(clerk, Permission::USERS_MANAGE));
    if !quick {
        // Flat: from the moment the limits are full, growth stays within allocator noise.
        let full = rss[1].1;
        let end = rss[rss.len() - 1].1;
        assert!(
            end <= full * 1.10 + 16.0,
            "resident memory grew from {full:.1} to {end:.1} MiB"
        );
    }
}

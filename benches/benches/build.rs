//! Building the benchmark model through the public API: users created with their groups in
//! one commit (`create_users` with `NewUser::groups`), then call groups and agreement levels.
//!
//! `cargo bench -p rolecall-benches --bench build` (100,000 users);
//! `ROLECALL_BENCH_FULL=1 cargo bench ...` builds 1,000,000 (target: ≤ 10 s).

use std::time::Instant;

use rolecall::Directory;
use rolecall_benches::{build, flag, quick};

fn main() {
    let sizes: &[usize] = if quick() {
        &[1_000]
    } else if flag("ROLECALL_BENCH_FULL") {
        &[100_000, 1_000_000]
    } else {
        &[100_000]
    };
    for &n in sizes {
        let t = Instant::now();
        let m = build(Directory::in_memory(), n, 200.min(n), 50.min(n));
        let took = t.elapsed();
        // Every user holds a role and belongs to at least one group.
        let grouped = m
            .users
            .iter()
            .step_by((n / 1_000).max(1))
            .all(|u| !m.dir.user_groups(*u).expect("user").is_empty());
        assert!(grouped, "every user is in a group");
        assert_eq!(m.users.len(), n);
        println!(
            "build {n:>9} users: {:>7.2} s ({} revisions)",
            took.as_secs_f64(),
            m.dir.revision()
        );
    }
}

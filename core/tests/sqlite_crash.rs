//! Crash safety of the SQLite store: a child process streams changes into a file and is killed
//! with SIGKILL at random moments, many times. After each kill the file must open, pass
//! `PRAGMA integrity_check`, hold every change the child reported as committed, and show
//! nothing half-applied.
//!
//! The child is this same test binary, started with `--ignored --exact child_writer` and the
//! file path in `ROLECALL_CRASH_FILE`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rolecall::{Directory, NewUser, Permission, Preset, SqliteStore, UserId};

const ENV_FILE: &str = "ROLECALL_CRASH_FILE";

/// A small deterministic generator (xorshift), so the test needs no RNG crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The writer: never returns on its own when driven by the parent (it is killed).
#[test]
#[ignore = "run by crash_safety as a child process"]
fn child_writer() {
    let Ok(path) = std::env::var(ENV_FILE) else {
        return;
    };
    let dir = Directory::open_sqlite(&path).expect("open");
    let seed = std::process::id() as u64 | 1;
    let mut rng = Rng(seed);
    let tenant = match dir.tenants().first() {
        Some(t) => (t.id, t.superadmin),
        None => {
            let t = dir
                .create_tenant(
                    "Crash Co",
                    &NewUser::new("Root", "User", "root@crash.test"),
                    &[Preset::RoleModel],
                )
                .expect("tenant");
            println!("tenant {} {}", dir.revision(), t.tenant.0);
            (t.tenant, t.superadmin)
        }
    };
    let roles: Vec<_> = dir
        .roles(tenant.0)
        .expect("roles")
        .into_iter()
        .map(|r| r.id)
        .collect();
    let mut n = dir.revision();
    loop {
        n += 1;
        match rng.below(3) {
            0 | 1 => {
                let picked = [
                    roles[rng.below(roles.len() as u64) as usize],
                    roles[rng.below(roles.len() as u64) as usize],
                ];
                let email = format!("u{n}-{seed}@crash.test");
                let id = dir
                    .create_user(
                        tenant.1,
                        &NewUser::new("Crash", format!("User {n}"), &email).roles(picked),
                    )
                    .expect("create user");
                let mut names: Vec<u64> = picked.iter().map(|r| r.0).collect();
                names.sort();
                names.dedup();
                let list: Vec<String> = names.iter().map(u64::to_string).collect();
                println!(
                    "user {} {} {} {}",
                    dir.revision(),
                    id.0,
                    email,
                    list.join(",")
                );
            }
            _ => {
                let role = roles[rng.below(roles.len() as u64) as usize];
                let g = dir
                    .create_group(tenant.1, &format!("Group {n}-{seed}"), &[role])
                    .expect("group");
                println!("group {} {} {}", dir.revision(), g.0, role.0);
            }
        }
    }
}

#[derive(Debug)]
enum Reported {
    Tenant,
    User {
        id: u64,
        email: String,
        roles: Vec<u64>,
    },
    Group {
        id: u64,
        role: u64,
    },
}

#[test]
fn crash_safety_under_sigkill() {
    let iterations: u64 = std::env::var("ROLECALL_CRASH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let dir = std::env::temp_dir().join(format!("rolecall-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("crash.db");
    let exe = std::env::current_exe().unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut reported: BTreeMap<u64, Reported> = BTreeMap::new();
    let mut kills_mid_stream = 0;

    for i in 0..iterations {
        let mut child = Command::new(&exe)
            .args([
                "--ignored",
                "--exact",
                "child_writer",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(ENV_FILE, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        // Kill after a random number of reported commits (0..40) or a random time, whichever first.
        let want = rng.below(40);
        let deadline = Instant::now() + Duration::from_millis(5 + rng.below(60));
        let mut lines = BufReader::new(stdout).lines();
        let mut seen = 0;
        while seen < want && Instant::now() < deadline {
            let Some(Ok(line)) = lines.next() else { break };
            let parts: Vec<&str> = line.split_whitespace().collect();
            let rev: u64 = match parts.get(1).and_then(|r| r.parse().ok()) {
                Some(r) => r,
                None => continue, // test-harness chatter
            };
            let rec = match parts[0] {
                "tenant" => Reported::Tenant,
                "user" => Reported::User {
                    id: parts[2].parse().unwrap(),
                    email: parts[3].to_owned(),
                    roles: parts[4].split(',').map(|r| r.parse().unwrap()).collect(),
                },
                "group" => Reported::Group {
                    id: parts[2].parse().unwrap(),
                    role: parts[3].parse().unwrap(),
                },
                _ => continue,
            };
            reported.insert(rev, rec);
            seen += 1;
        }
        child.kill().unwrap(); // SIGKILL on Unix
        let _ = child.wait();
        if seen > 0 {
            kills_mid_stream += 1;
        }

        // After the kill: the file opens, is intact, and holds every reported commit whole.
        let store =
            SqliteStore::open(&path).unwrap_or_else(|e| panic!("iteration {i}: open failed: {e}"));
        store
            .integrity_check()
            .unwrap_or_else(|e| panic!("iteration {i}: {e}"));
        let d =
            Directory::open(store).unwrap_or_else(|e| panic!("iteration {i}: load failed: {e}"));
        let last = reported.keys().next_back().copied().unwrap_or(0);
        assert!(
            d.revision() >= last,
            "iteration {i}: revision {} < reported {last}",
            d.revision()
        );
        let Some(t) = d.tenants().first().cloned() else {
            assert!(reported.is_empty(), "iteration {i}: tenant lost");
            continue;
        };
        // The tenant's commit holds the superadmin and all eleven preset roles, or nothing.
        assert_eq!(
            d.roles(t.id).unwrap().len(),
            Preset::RoleModel.roles().len(),
            "iteration {i}: half a tenant"
        );
        assert!(d.check(t.superadmin, Permission::all()));
        for (rev, rec) in &reported {
            match rec {
                Reported::Tenant => {}
                Reported::User { id, email, roles } => {
                    let u = d
                        .user(UserId(*id))
                        .unwrap_or_else(|e| panic!("iteration {i}: rev {rev} user lost: {e}"));
                    assert_eq!(&u.email, email);
                    let held: Vec<u64> = u.roles.iter().map(|r| r.0).collect();
                    assert_eq!(&held, roles, "iteration {i}: rev {rev} roles half-applied");
                }
                Reported::Group { id, role } => {
                    let g = d
                        .group(rolecall::GroupId(*id))
                        .unwrap_or_else(|e| panic!("iteration {i}: rev {rev} group lost: {e}"));
                    assert_eq!(g.roles.iter().map(|r| r.0).collect::<Vec<_>>(), vec![*role]);
                }
            }
        }
        // Every user in the file, reported or not (killed before it could print), is whole.
        let all = d
            .search_users(
                t.id,
                &rolecall::UserQuery {
                    limit: 1000,
                    ..Default::default()
                },
            )
            .unwrap();
        for u in all.items.iter().filter(|u| u.id != t.superadmin) {
            assert!(
                !u.roles.is_empty(),
                "iteration {i}: {} has no roles: half-applied",
                u.id
            );
        }
    }
    assert!(
        kills_mid_stream > iterations / 4,
        "too few kills landed mid-stream: {kills_mid_stream}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

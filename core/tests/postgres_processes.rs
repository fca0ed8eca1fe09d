//! Several processes on one PostgreSQL database (a real server, see tests/pg), each with its own
//! connections, following the others (`Directory::follow`): they make random changes for a
//! bounded time, then, given the newest revision token of all, every process converges to the
//! same answer on every (user, permission), the same as a fresh load; no acknowledged write is
//! lost. The processes are this test binary started again (`--ignored --exact child`).

mod pg;

use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rolecall::{
    Directory, NewUser, PostgresOptions, PostgresStore, Preset, RoleId, TenantId, UserId,
    UserQuery, CATALOGUE,
};

const ENV_SCHEMA: &str = "ROLECALL_PROCESSES_SCHEMA";
const ENV_TAG: &str = "ROLECALL_PROCESSES_TAG";
const PROCESSES: usize = 4;
const WRITING: Duration = Duration::from_secs(3);

fn open(schema: &str) -> Directory {
    let opts = PostgresOptions {
        schema: schema.into(),
        poll_interval: Duration::from_millis(200),
        ..PostgresOptions::default()
    };
    Directory::open(PostgresStore::open_with(&pg::conninfo(), &opts).unwrap()).unwrap()
}

fn users(d: &Directory, tenant: TenantId) -> Vec<rolecall::User> {
    d.search_users(
        tenant,
        &UserQuery {
            limit: UserQuery::MAX_LIMIT,
            ..Default::default()
        },
    )
    .unwrap()
    .items
}

/// A digest of every (user, permission) answer, users in id order.
fn answers(d: &Directory, tenant: TenantId) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let mut ids: Vec<UserId> = users(d, tenant).iter().map(|u| u.id).collect();
    ids.sort();
    for u in ids {
        u.hash(&mut h);
        for (p, _) in CATALOGUE {
            d.check(u, *p).hash(&mut h);
        }
    }
    h.finish()
}

/// A small deterministic generator (xorshift), seeded per process.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// One writing process: random changes for `WRITING`, printing what was acknowledged and its
/// last token; then, given the newest token of all on stdin, its answers.
#[test]
#[ignore = "run by processes_converge_and_lose_no_acknowledged_write as a child process"]
fn child() {
    let Ok(schema) = std::env::var(ENV_SCHEMA) else {
        return;
    };
    let tag: u64 = std::env::var(ENV_TAG).unwrap().parse().unwrap();
    let d = Arc::new(open(&schema));
    d.follow().unwrap();
    let t = d.tenants()[0].clone();
    let roles: Vec<RoleId> = d.roles(t.id).unwrap().iter().map(|r| r.id).collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (tag + 1));
    let mut mine: BTreeSet<UserId> = BTreeSet::new();
    let mut emails = std::collections::BTreeMap::new();
    let started = Instant::now();
    let mut n = 0;
    while started.elapsed() < WRITING {
        n += 1;
        let everyone = users(&d, t.id);
        let anyone = everyone[rng.below(everyone.len())].id;
        let role = roles[rng.below(roles.len())];
        let r = match rng.below(6) {
            0 | 1 => {
                let email = format!("p{tag}-{n}@acme.test");
                d.create_user(t.superadmin, &NewUser::new("P", "Q", email.as_str()))
                    .map(|u| {
                        mine.insert(u);
                        emails.insert(u, email);
                    })
            }
            2 if anyone != t.superadmin => d.assign_role(t.superadmin, anyone, role),
            3 if anyone != t.superadmin => d.revoke_role(t.superadmin, anyone, role),
            4 if anyone != t.superadmin => d.set_active(t.superadmin, anyone, rng.below(2) == 0),
            // Deletes only its own users: whatever it created and did not delete must stay.
            5 if !mine.is_empty() => {
                let u = *mine.iter().nth(rng.below(mine.len())).unwrap();
                d.delete_user(t.superadmin, u).map(|()| {
                    mine.remove(&u);
                    emails.remove(&u);
                })
            }
            _ => Ok(()),
        };
        match r {
            // Another process deleted the user meanwhile: a rule's typed refusal, not a loss.
            Ok(()) | Err(rolecall::Error::UnknownUser(_)) => {}
            Err(e) => println!("FAILED {e:?}"),
        }
    }
    for email in emails.values() {
        println!("LIVE {email}");
    }
    println!("TOKEN {}", d.revision_token().unwrap());
    std::io::stdout().flush().unwrap();
    let mut newest = String::new();
    std::io::stdin().read_line(&mut newest).unwrap();
    let snap = d.at_least(newest.trim(), Duration::from_secs(10)).unwrap();
    println!("REVISION {}", snap.revision());
    println!("ANSWERS {}", answers(&d, t.id));
}

#[test]
fn processes_converge_and_lose_no_acknowledged_write() {
    let schema = pg::Schema::new("procs");
    let setup = open(&schema.name);
    let t = setup
        .create_tenant(
            "Acme",
            &NewUser::new("Ada", "Root", "root@acme.test"),
            &[Preset::Managers],
        )
        .unwrap();
    drop(setup);
    let exe = std::env::current_exe().unwrap();
    let mut children: Vec<_> = (0..PROCESSES)
        .map(|n| {
            Command::new(&exe)
                .args([
                    "--ignored",
                    "--exact",
                    "child",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(pg::ENV, pg::conninfo())
                .env(ENV_SCHEMA, &schema.name)
                .env(ENV_TAG, n.to_string())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    // Phase 1: each reports what it acknowledged and its last token.
    let mut readers: Vec<_> = children
        .iter_mut()
        .map(|c| BufReader::new(c.stdout.take().unwrap()))
        .collect();
    let (mut live, mut tokens, mut failures) = (Vec::new(), Vec::new(), Vec::new());
    for r in &mut readers {
        loop {
            let mut line = String::new();
            assert!(r.read_line(&mut line).unwrap() > 0, "a child ended early");
            // The harness may print `test child ... ` before the first line.
            let line = line.trim();
            if let Some((_, e)) = line.split_once("LIVE ") {
                live.push(e.to_owned());
            } else if let Some((_, f)) = line.split_once("FAILED ") {
                failures.push(f.to_owned());
            } else if let Some((_, tok)) = line.split_once("TOKEN ") {
                tokens.push(tok.to_owned());
                break;
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    let rev = |tok: &str| tok.rsplit('.').next().unwrap().parse::<u64>().unwrap();
    let newest = tokens.iter().max_by_key(|t| rev(t)).unwrap().clone();
    // Phase 2: given the newest token, each answers.
    for c in &mut children {
        writeln!(c.stdin.as_mut().unwrap(), "{newest}").unwrap();
    }
    let mut reports = Vec::new();
    for (r, c) in readers.iter_mut().zip(children) {
        let mut rest = String::new();
        std::io::Read::read_to_string(r, &mut rest).unwrap();
        assert!(c.wait_with_output().unwrap().status.success(), "{rest}");
        let field = |k: &str| {
            rest.lines()
                .find_map(|l| l.split_once(k).map(|(_, v)| v))
                .unwrap_or_else(|| panic!("no {k} in {rest}"))
                .trim()
                .parse::<u64>()
                .unwrap()
        };
        reports.push((field("REVISION "), field("ANSWERS ")));
    }
    let fresh = open(&schema.name);
    let expected = (fresh.revision(), answers(&fresh, t.tenant));
    assert_eq!(
        expected.0,
        rev(&newest),
        "nothing was written after the writers stopped"
    );
    for r in &reports {
        assert_eq!(*r, expected, "a process did not converge: {reports:?}");
    }
    let emails: BTreeSet<String> = users(&fresh, t.tenant)
        .into_iter()
        .map(|u| u.email)
        .collect();
    for e in &live {
        assert!(emails.contains(e), "acknowledged user {e} lost");
    }
    let extra: Vec<_> = emails
        .iter()
        .filter(|e| !live.contains(e) && e.as_str() != "root@acme.test")
        .collect();
    assert!(extra.is_empty(), "users no process acknowledged: {extra:?}");
    assert!(
        live.len() > 10,
        "too few writes to prove anything: {}",
        live.len()
    );
}

//! Several processes on one directory: PostgreSQL side by side with a SQLite file shared by
//! processes, in the same run (issue 12).
//!
//! 1. Commit-to-visible latency in another process (p50, p99, max): from just before a write
//!    call in this process until another process (this executable started again) sees its
//!    revision. PostgreSQL with notifications; PostgreSQL with the follower's connections
//!    killed before each commit (its listener connects again at once, and the refresh's
//!    connection on first use); SQLite, whose followers poll. Both with `Directory::follow` and host-driven
//!    (`wait_for_change` + `refresh`).
//! 2. Catching up: an instance behind by 1, 100 and 10,000 commits, each changing one user;
//!    the cost per changed user.
//! 3. Commits per second with 1 and 4 writer processes; every acknowledged commit is counted
//!    and must be in the store (the revisions agree).
//! 4. Opening the directory until the first check answers (100,000 users; 1,000,000 with
//!    `ROLECALL_BENCH_FULL=1`).
//! 5. Checks per second on one thread of an instance that follows the store, idle and while
//!    another process commits 200 changes a second that the instance catches up with.
//!
//! The PostgreSQL server is `ROLECALL_TEST_PG`, else a throwaway cluster started for this run
//! (`scripts/pg-cluster.sh`, the tests' helper in core/tests/pg: Unix socket, `fsync=off`);
//! the SQLite file lives on tmpfs when there is one: neither pays for a disk. The figures of
//! one run compare the two stores on the same machine load; the machine is shared and noisy.
//!
//! `cargo bench -p rolecall-benches --bench postgres`; `ROLECALL_BENCH_FULL=1` opens 1,000,000
//! users; quick mode (`cargo test --benches`, CI) runs tiny sizes and asserts what every row
//! relies on: the other process saw every write, the writers' acknowledged commits are all in
//! the store, catching up is incremental and gives the writer's answers.

#[path = "../../core/tests/pg/mod.rs"]
mod pg;

use std::hint::black_box;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rolecall::{Directory, Error, Permission, PostgresOptions, PostgresStore, RoleId, UserId};
use rolecall_benches::{build, mix, Model, Rng};

/// Set in a child process: its part (`follow` or `write`).
const CHILD: &str = "ROLECALL_BENCH_PG_CHILD";
/// The store a child opens (see [`Target::spec`]).
const STORE: &str = "ROLECALL_BENCH_PG_STORE";
/// A following child: its listener's poll interval (ms), its connections' application name,
/// and how it catches up (`follow` or `wait`).
const POLL_MS: &str = "ROLECALL_BENCH_PG_POLL_MS";
const APP: &str = "ROLECALL_BENCH_PG_APP";
const DRIVE: &str = "ROLECALL_BENCH_PG_DRIVE";
/// A writing child: its index among `COUNT` writers, how long it writes (ms), and at most how
/// many commits a second (0: as fast as it can).
const INDEX: &str = "ROLECALL_BENCH_PG_INDEX";
const COUNT: &str = "ROLECALL_BENCH_PG_COUNT";
const WRITE_MS: &str = "ROLECALL_BENCH_PG_WRITE_MS";
const RATE: &str = "ROLECALL_BENCH_PG_RATE";
/// A writing child with `SLOT_MS` > 0 writes only in odd slots of that length (by the system
/// clock, which every process shares), so that the other slots measure the same machine idle.
const SLOT_MS: &str = "ROLECALL_BENCH_PG_SLOT_MS";

/// The role every write grants or takes back (`build` creates it).
const ROLE: &str = "Role 1";

/// Nanoseconds since the Unix epoch: one clock for every process on this machine.
fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

/// One store, as this process and its children open it.
#[derive(Clone, Debug)]
enum Target {
    /// A schema on the test server.
    Pg(String),
    /// A SQLite file.
    Sqlite(PathBuf),
}

/// How an instance opens the store.
#[derive(Clone, Debug)]
struct How {
    /// PostgreSQL: run the listener (notifications and the poll).
    listen: bool,
    /// PostgreSQL: the listener's poll interval.
    poll: Duration,
    /// PostgreSQL: the application name of the instance's connections (to find and kill them).
    app: Option<String>,
}

impl How {
    const WRITER: How = How {
        listen: false,
        poll: Duration::from_secs(1),
        app: None,
    };
}

impl Target {
    fn label(&self) -> &'static str {
        match self {
            Target::Pg(_) => "PostgreSQL",
            Target::Sqlite(_) => "SQLite",
        }
    }

    /// The store as a child is told of it.
    fn spec(&self) -> String {
        match self {
            Target::Pg(schema) => format!("pg:{schema}"),
            Target::Sqlite(path) => format!("sqlite:{}", path.display()),
        }
    }

    fn parse(spec: &str) -> Target {
        match spec.split_once(':') {
            Some(("pg", schema)) => Target::Pg(schema.to_owned()),
            Some(("sqlite", path)) => Target::Sqlite(PathBuf::from(path)),
            _ => panic!("not a store: {spec:?}"),
        }
    }

    fn open(&self, how: &How) -> Directory {
        match self {
            Target::Pg(schema) => {
                let opts = PostgresOptions {
                    schema: schema.clone(),
                    poll_interval: how.poll,
                    listen: how.listen,
                    // Catching up from 10,000 commits behind stays incremental.
                    log_keep: 100_000,
                    ..PostgresOptions::default()
                };
                let conninfo = match &how.app {
                    Some(app) => with_application_name(&pg::conninfo(), app),
                    None => pg::conninfo(),
                };
                // Not `open_postgres_with`, which follows the store from the start: an instance
                // here follows only when the benchmark says so (`follow`), and stays behind
                // otherwise.
                Directory::open(
                    PostgresStore::open_with(&conninfo, &opts).expect("open PostgreSQL"),
                )
                .expect("load from PostgreSQL")
            }
            Target::Sqlite(path) => Directory::open_sqlite(path).expect("open SQLite"),
        }
    }

    /// Removes what the store left (the SQLite file; the schema is dropped by its guard).
    fn remove(&self) {
        if let Target::Sqlite(path) = self {
            for s in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{s}", path.display()));
            }
        }
    }
}

/// `conninfo` with the connections named `app` (key=value strings and URLs).
fn with_application_name(conninfo: &str, app: &str) -> String {
    if conninfo.starts_with("postgres://") || conninfo.starts_with("postgresql://") {
        let sep = if conninfo.contains('?') { '&' } else { '?' };
        format!("{conninfo}{sep}application_name={app}")
    } else {
        format!("{conninfo} application_name={app}")
    }
}

/// Grants [`ROLE`] to `user`, or takes it back: one commit either way.
fn toggle(dir: &Directory, root: UserId, user: UserId, role: RoleId) -> Result<(), Error> {
    if dir.user(user)?.roles.contains(&role) {
        dir.revoke_role(root, user, role)
    } else {
        dir.assign_role(root, user, role)
    }
}

/// The superadministrator and the role the writes toggle.
fn root_and_role(m: &Model) -> (UserId, RoleId) {
    let root = m.dir.tenant(m.tenant).expect("tenant").superadmin;
    let role = m.dir.role_by_name(m.tenant, ROLE).expect("role").id;
    (root, role)
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"))
}

fn env_u64(name: &str) -> u64 {
    env(name)
        .parse()
        .unwrap_or_else(|_| panic!("{name} is not a number"))
}

// ---------------------------------------------------------------------------------------------
// Child processes

/// A child process: follows the store and reports each revision it sees, or writes.
fn child(part: &str) {
    let target = Target::parse(&env(STORE));
    match part {
        "follow" => follow_child(&target),
        "write" => write_child(&target),
        _ => panic!("unknown part {part:?}"),
    }
}

/// Follows the store (`follow`, or its own `wait_for_change` + `refresh` loop), printing
/// `seen <revision> <ns>` when it sees a new revision; ends when its standard input closes.
fn follow_child(target: &Target) {
    let how = How {
        listen: true,
        poll: Duration::from_millis(env_u64(POLL_MS)),
        app: std::env::var(APP).ok(),
    };
    let dir = Arc::new(target.open(&how));
    let stop = Arc::new(AtomicBool::new(false));
    std::thread::spawn({
        let stop = Arc::clone(&stop);
        move || {
            let _ = std::io::stdin().lock().lines().count();
            stop.store(true, Ordering::Relaxed);
        }
    });
    match env(DRIVE).as_str() {
        "follow" => {
            // Runs until the process ends.
            dir.follow().expect("follow");
        }
        "wait" => {
            let dir = Arc::clone(&dir);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if dir
                        .wait_for_change(Duration::from_millis(500))
                        .unwrap_or(false)
                    {
                        let _ = dir.refresh();
                    }
                }
            });
        }
        other => panic!("unknown drive {other:?}"),
    }
    let mut out = std::io::stdout().lock();
    let mut known = dir.revision();
    writeln!(out, "ready {known}").expect("stdout");
    out.flush().expect("stdout");
    while !stop.load(Ordering::Relaxed) {
        let r = dir.revision();
        if r > known {
            let seen = now_ns();
            writeln!(out, "seen {r} {seen}").expect("stdout");
            out.flush().expect("stdout");
            known = r;
        }
        std::thread::sleep(Duration::from_micros(100));
    }
}

/// Waits for `go` on its standard input, then toggles the role of its own share of the users
/// (index `INDEX` modulo `COUNT`: no other writer touches them, so every call is one commit)
/// for `WRITE_MS` (at most `RATE` a second, only in odd slots of `SLOT_MS` when set); prints
/// `done <commits> <failures> <ns>`.
fn write_child(target: &Target) {
    let (index, count) = (env_u64(INDEX) as usize, env_u64(COUNT) as usize);
    let run = Duration::from_millis(env_u64(WRITE_MS));
    let rate = env_u64(RATE);
    let slot = env_u64(SLOT_MS) * 1_000_000;
    let m = Model::reopen(target.open(&How::WRITER));
    let (root, role) = root_and_role(&m);
    let mine: Vec<UserId> = m
        .users
        .iter()
        .enumerate()
        .filter(|(i, _)| i % count == index)
        .map(|(_, u)| *u)
        .collect();
    println!("ready");
    let mut go = String::new();
    if std::io::stdin().lock().read_line(&mut go).unwrap_or(0) == 0 {
        return;
    }
    let mut rng = Rng(0x5EED ^ (index as u64 + 1) << 17);
    let (mut done, mut failed) = (0u64, 0u64);
    let t = Instant::now();
    let mut next = Instant::now();
    while t.elapsed() < run {
        let now = now_ns();
        if slot > 0 && (now / slot) % 2 == 0 {
            std::thread::sleep(Duration::from_nanos(slot - now % slot));
            next = Instant::now();
            continue;
        }
        match toggle(&m.dir, root, mine[rng.below(mine.len())], role) {
            Ok(()) => done += 1,
            Err(e) => {
                failed += 1;
                eprintln!("writer {index}: {e}");
            }
        }
        if rate > 0 {
            next += Duration::from_secs_f64(1.0 / rate as f64);
            if let Some(wait) = next.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
    }
    println!("done {done} {failed} {}", t.elapsed().as_nanos());
}

/// A child process and the lines it prints.
struct Kid {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
}

impl Kid {
    fn spawn(part: &str, target: &Target, vars: &[(&str, String)]) -> Kid {
        let mut child = Command::new(std::env::current_exe().expect("this executable"))
            .env(CHILD, part)
            .env(STORE, target.spec())
            .env(pg::ENV, pg::conninfo())
            .envs(vars.iter().map(|(k, v)| (*k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start a child process");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Kid {
            stdin: child.stdin.take(),
            child,
            lines,
        }
    }

    /// The next line it prints, waiting at most `timeout`.
    fn line(&self, timeout: Duration) -> String {
        self.lines
            .recv_timeout(timeout)
            .unwrap_or_else(|e| panic!("the child process said nothing within {timeout:?}: {e}"))
    }

    fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin");
        writeln!(stdin, "{line}").expect("write to the child");
        stdin.flush().expect("write to the child");
    }

    /// Closes its standard input and waits for it to end well.
    fn finish(mut self) {
        drop(self.stdin.take());
        let status = self.child.wait().expect("wait for the child");
        assert!(status.success(), "child process: {status}");
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Commit-to-visible latency in another process

/// Latencies: median, p99, slowest; and how many.
struct Spread {
    p50: Duration,
    p99: Duration,
    max: Duration,
    n: usize,
}

fn spread(mut v: Vec<Duration>) -> Spread {
    v.sort();
    Spread {
        p50: v[v.len() / 2],
        p99: v[(v.len() * 99 / 100).min(v.len() - 1)],
        max: v[v.len() - 1],
        n: v.len(),
    }
}

/// Kills every connection named `app` and waits until those are gone (the follower's listener
/// may already have connected again under the same name: it replaces a lost connection at
/// once).
fn kill_connections(c: &mut postgres::Client, app: &str) {
    let pids: Vec<i32> = c
        .query(
            "SELECT pid FROM pg_stat_activity WHERE application_name = $1",
            &[&app],
        )
        .expect("pg_stat_activity")
        .iter()
        .map(|r| r.get(0))
        .collect();
    c.execute(
        "SELECT pg_terminate_backend(pid) FROM unnest($1::int4[]) AS pid",
        &[&pids],
    )
    .expect("pg_terminate_backend");
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(2) {
        let left: i64 = c
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1)",
                &[&pids],
            )
            .expect("pg_stat_activity")
            .get(0);
        if left == 0 {
            return;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    panic!("the connections of {app} outlived pg_terminate_backend");
}

/// `samples` writes in this process, each timed until a child process following `target`
/// (`drive`: `follow` or `wait`) sees it. With `miss`, the child's connections are killed
/// before each commit: its listener connects again at once (a notification sent before it
/// listens again is found by its first poll), and so does the connection the refresh runs on. Between samples, a random gap of up to `gap`: longer than the
/// follower's poll cycle, so that commits fall anywhere in it.
fn latency(
    target: &Target,
    writer: &Model,
    drive: &str,
    poll: Duration,
    miss: bool,
    samples: usize,
    gap: Duration,
) -> Spread {
    static KIDS: AtomicU64 = AtomicU64::new(0);
    let app = format!(
        "rolecall_bench_{}_{}",
        std::process::id(),
        KIDS.fetch_add(1, Ordering::Relaxed)
    );
    let mut kid = Kid::spawn(
        "follow",
        target,
        &[
            (POLL_MS, poll.as_millis().to_string()),
            (APP, app.clone()),
            (DRIVE, drive.into()),
        ],
    );
    let ready = kid.line(Duration::from_secs(300));
    assert!(ready.starts_with("ready "), "{ready}");
    // The child's listener connects and listens on a thread of its own.
    std::thread::sleep(Duration::from_millis(300));
    let mut killer = miss.then(pg::client);
    let (root, role) = root_and_role(writer);
    let mut rng = Rng(0x1A7E ^ samples as u64);
    let mut lat = Vec::with_capacity(samples);
    for _ in 0..samples {
        if let Some(c) = &mut killer {
            kill_connections(c, &app);
        }
        let user = writer.users[rng.below(writer.users.len())];
        let t0 = now_ns();
        toggle(&writer.dir, root, user, role).expect("write");
        let revision = writer.dir.revision();
        loop {
            let line = kid.line(poll * 4 + Duration::from_secs(10));
            let mut parts = line.split(' ');
            let (Some("seen"), Some(r), Some(t)) = (parts.next(), parts.next(), parts.next())
            else {
                panic!("unexpected line from the child: {line}");
            };
            let r: u64 = r.parse().expect("revision");
            if r >= revision {
                let t: u64 = t.parse().expect("time");
                lat.push(Duration::from_nanos(t.saturating_sub(t0)));
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(
            5 + rng.below(gap.as_millis() as usize) as u64,
        ));
    }
    kid.send("bye");
    kid.finish();
    spread(lat)
}

// ---------------------------------------------------------------------------------------------
// 2. Catching up

/// An instance behind by `k` commits (each changing one user, `k` distinct users) catches up;
/// the median time over `reps` tries.
fn catch_up(
    target: &Target,
    writer: &Model,
    k: usize,
    reps: usize,
    offset: &mut usize,
) -> Duration {
    let behind = target.open(&How::WRITER);
    let (root, role) = root_and_role(writer);
    let n = writer.users.len();
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps {
        behind.refresh().expect("refresh");
        let reloads = behind.full_reloads();
        let changed: Vec<UserId> = (0..k).map(|j| writer.users[(*offset + j) % n]).collect();
        *offset += k;
        for u in &changed {
            toggle(&writer.dir, root, *u, role).expect("write");
        }
        let t = Instant::now();
        let reached = behind.refresh().expect("catch up");
        times.push(t.elapsed());
        assert_eq!(reached, writer.dir.revision(), "caught up with the writer");
        assert_eq!(behind.full_reloads(), reloads, "caught up incrementally");
        let (mine, theirs) = (behind.snapshot(), writer.dir.snapshot());
        for u in &changed {
            assert_eq!(
                mine.effective_permissions(*u),
                theirs.effective_permissions(*u),
                "{u:?} after catching up"
            );
        }
    }
    times.sort();
    times[times.len() / 2]
}

// ---------------------------------------------------------------------------------------------
// 3. Writer processes

/// `p` writer processes as fast as they can for `run`: commits a second in all, and how many
/// failed. Every acknowledged commit must be in the store, and nothing else.
fn writers(target: &Target, observer: &Directory, p: usize, run: Duration) -> (f64, u64) {
    let before = observer.refresh().expect("refresh");
    let mut kids: Vec<Kid> = (0..p)
        .map(|i| {
            Kid::spawn(
                "write",
                target,
                &[
                    (INDEX, i.to_string()),
                    (COUNT, p.to_string()),
                    (WRITE_MS, run.as_millis().to_string()),
                    (RATE, "0".into()),
                    (SLOT_MS, "0".into()),
                ],
            )
        })
        .collect();
    for kid in &kids {
        assert_eq!(kid.line(Duration::from_secs(300)), "ready");
    }
    kids.iter_mut().for_each(|k| k.send("go"));
    let (mut done, mut failed, mut longest) = (0u64, 0u64, 0u64);
    for kid in kids {
        let line = kid.line(run + Duration::from_secs(120));
        let v: Vec<u64> = line
            .strip_prefix("done ")
            .unwrap_or_else(|| panic!("unexpected line from a writer: {line}"))
            .split(' ')
            .map(|x| x.parse().expect("number"))
            .collect();
        done += v[0];
        failed += v[1];
        longest = longest.max(v[2]);
        kid.finish();
    }
    let after = observer.refresh().expect("refresh");
    assert_eq!(
        after - before,
        done,
        "the store holds exactly the {done} acknowledged commits of {p} writers"
    );
    (done as f64 / (longest as f64 / 1e9), failed)
}

// ---------------------------------------------------------------------------------------------
// 5. Checks while catching up

/// Checks a second on this thread for `run`, random users over all of them, counted apart in
/// even slots of `slot` ns (the writer idle; from `settle` ns into the slot, once the follower
/// applied what was committed before) and in odd ones (the writer committing and the follower
/// catching up): the median over slots of each kind, (idle, busy).
fn check_rates(
    dir: &Directory,
    users: &[UserId],
    run: Duration,
    slot: u64,
    settle: u64,
) -> (f64, f64) {
    let catalogue: Vec<Permission> = rolecall::CATALOGUE.iter().map(|(p, _)| *p).collect();
    let t = Instant::now();
    let (mut n, mut yes) = (0usize, 0u64);
    // Checks and nanoseconds in each slot.
    let mut slots: std::collections::BTreeMap<u64, (u64, u64)> = Default::default();
    while t.elapsed() < run {
        let s0 = now_ns();
        for i in n..n + 4096 {
            let r = mix(i);
            let u = users[((r >> 32) as usize * users.len()) >> 32];
            let p = catalogue[(r & 0xFFFF) as usize % catalogue.len()];
            yes += u64::from(dir.check(black_box(u), black_box(p)));
        }
        n += 4096;
        let s1 = now_ns();
        let busy = (s0 / slot) % 2 == 1;
        if s0 / slot == s1 / slot && (busy || s0 % slot >= settle) {
            let c = slots.entry(s0 / slot).or_default();
            c.0 += 4096;
            c.1 += s1 - s0;
        }
    }
    black_box(yes);
    let median = |busy: u64| {
        let mut rates: Vec<f64> = slots
            .iter()
            .filter(|(k, _)| *k % 2 == busy)
            .map(|(_, (checks, ns))| *checks as f64 / (*ns as f64 / 1e9))
            .collect();
        rates.sort_by(f64::total_cmp);
        rates.get(rates.len() / 2).copied().unwrap_or(0.0)
    };
    (median(0), median(1))
}

/// Checks a second on one thread of an instance that follows the store, while a writer process
/// commits `rate` changes a second in every other `slot` (the instance catching up with them)
/// and nothing in the slots between: (idle, busy, commits applied a second while busy).
fn checks_while_catching_up(
    target: &Target,
    users: &[UserId],
    run: Duration,
    slot: Duration,
    rate: u64,
) -> (f64, f64, f64) {
    let follower = Arc::new(target.open(&How {
        listen: true,
        poll: Duration::from_millis(250),
        app: None,
    }));
    follower.follow().expect("follow");
    let mut kid = Kid::spawn(
        "write",
        target,
        &[
            (INDEX, "0".into()),
            (COUNT, "1".into()),
            (WRITE_MS, (run + slot * 2).as_millis().to_string()),
            (RATE, rate.to_string()),
            (SLOT_MS, slot.as_millis().to_string()),
        ],
    );
    assert_eq!(kid.line(Duration::from_secs(300)), "ready");
    kid.send("go");
    let r0 = follower.revision();
    let (idle, busy) = check_rates(
        &follower,
        users,
        run,
        slot.as_nanos() as u64,
        // SQLite followers apply what they missed every 250 ms.
        (slot.as_nanos() as u64 * 2 / 5)
            .max(300_000_000)
            .min(slot.as_nanos() as u64 / 2),
    );
    let applied = (follower.revision() - r0) as f64 / (run.as_secs_f64() / 2.0);
    let line = kid.line(Duration::from_secs(120));
    assert!(line.starts_with("done "), "{line}");
    kid.finish();
    assert!(applied > 0.0, "the follower applied the writer's commits");
    assert!(
        idle > 0.0 && busy > 0.0,
        "checks measured in both kinds of slot"
    );
    (idle, busy, applied)
}

// ---------------------------------------------------------------------------------------------
// 4. Opening

/// Opens the store until the first check answers, `runs` times: median and slowest.
fn open_first_check(target: &Target, n: usize, runs: usize) -> (Duration, Duration) {
    let probe = UserId(2 + n as u64 / 2);
    let how = How {
        listen: true,
        poll: Duration::from_secs(1),
        app: None,
    };
    let mut v: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let dir = target.open(&how);
            black_box(dir.check(probe, Permission::DASHBOARD_ANALYTICS));
            let took = t.elapsed();
            assert!(dir.snapshot().effective_permissions(probe).is_some());
            took
        })
        .collect();
    v.sort();
    (v[v.len() / 2], v[v.len() - 1])
}

// ---------------------------------------------------------------------------------------------

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    if let Ok(part) = std::env::var(CHILD) {
        child(&part);
        return;
    }
    let quick = rolecall_benches::quick();
    let full = rolecall_benches::flag("ROLECALL_BENCH_FULL");
    let conninfo = pg::conninfo();
    let base = if Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let pid = std::process::id();
    let schema = pg::Schema::new("bench");
    let stores = [
        Target::Pg(schema.name.clone()),
        Target::Sqlite(base.join(format!("rolecall-bench-pg-{pid}.db"))),
    ];
    let n = if quick { 300 } else { 10_000 };
    println!(
        "== PostgreSQL ({conninfo}, schema {}) and a SQLite file on {}, {n} users",
        schema.name,
        base.display()
    );
    let models: Vec<Model> = stores
        .iter()
        .map(|s| {
            s.remove();
            let t = Instant::now();
            let m = build(s.open(&How::WRITER), n, 50, 20);
            println!("built on {} in {:.1?}", s.label(), t.elapsed());
            m
        })
        .collect();

    // 1. Commit-to-visible latency in another process.
    let samples = if quick { 4 } else { 200 };
    let poll = Duration::from_millis(if quick { 100 } else { 250 });
    println!(
        "\n== commit-to-visible in another process (from just before the write call; \
         PostgreSQL poll interval {poll:?})"
    );
    let ms25 = Duration::from_millis(25);
    // (store, drive, notifications missed, samples, gap between commits, label)
    let rows: [(usize, &str, bool, usize, Duration, &str); 5] = [
        (
            0,
            "follow",
            false,
            samples,
            ms25,
            "PostgreSQL, follow(), notifications",
        ),
        (
            0,
            "wait",
            false,
            samples,
            ms25,
            "PostgreSQL, wait_for_change + refresh, notifications",
        ),
        (
            0,
            "follow",
            true,
            samples / 4,
            ms25,
            "PostgreSQL, follow(), its connections killed each time",
        ),
        (
            1,
            "follow",
            false,
            samples / 2,
            Duration::from_millis(300),
            "SQLite, follow() (polls every 250 ms)",
        ),
        (
            1,
            "wait",
            false,
            samples / 2,
            Duration::from_millis(60),
            "SQLite, wait_for_change (polls every 50 ms) + refresh",
        ),
    ];
    for (store, drive, miss, count, gap, label) in rows {
        let s = latency(
            &stores[store],
            &models[store],
            drive,
            poll,
            miss,
            count,
            gap,
        );
        println!(
            "{label:<56} p50 {:>9}  p99 {:>9}  max {:>9}  ({} commits)",
            ms(s.p50),
            ms(s.p99),
            ms(s.max),
            s.n
        );
    }
    // What a missed notification adds to the poll: the listener reconnects, and so does the
    // connection the refresh runs on.
    let connects = spread(
        (0..if quick { 3 } else { 50 })
            .map(|_| {
                let t = Instant::now();
                let mut c = pg::client();
                c.batch_execute("SET search_path TO public").expect("SET");
                t.elapsed()
            })
            .collect(),
    );
    println!(
        "{:<56} p50 {:>9}  p99 {:>9}  max {:>9}",
        "(a new PostgreSQL connection, for comparison)",
        ms(connects.p50),
        ms(connects.p99),
        ms(connects.max)
    );

    // 2. Catching up.
    let sizes: &[usize] = if quick {
        &[1, 10, 100]
    } else {
        &[1, 100, 10_000]
    };
    println!("\n== catching up: an instance behind by k commits, each changing one user");
    let mut offsets = [0usize; 2];
    let mut one = [Duration::ZERO; 2];
    for &k in sizes {
        let reps = match k {
            _ if quick => 3,
            1 => 21,
            k if k <= 100 => 5,
            _ => 1,
        };
        let t: Vec<Duration> = (0..2)
            .map(|s| catch_up(&stores[s], &models[s], k, reps, &mut offsets[s]))
            .collect();
        if k == 1 {
            one = [t[0], t[1]];
        }
        // Beyond the fixed cost of one catch-up (what k = 1 costs): the cost per changed user.
        let per_user = |s: usize| {
            (t[s].as_secs_f64() - one[s].as_secs_f64()).max(0.0) * 1e6 / (k - 1).max(1) as f64
        };
        println!(
            "k = {k:>6}: PostgreSQL {:>9} ({:>6.1} µs/user beyond k = 1)   SQLite {:>9} ({:>6.1} µs/user)   {:.2}x",
            ms(t[0]),
            per_user(0),
            ms(t[1]),
            per_user(1),
            t[0].as_secs_f64() / t[1].as_secs_f64()
        );
    }

    // 3. Commits per second, several writer processes.
    let run = Duration::from_millis(if quick { 300 } else { 5_000 });
    println!("\n== commits per second, writer processes ({run:?} each)");
    for p in [1, 4] {
        let r: Vec<(f64, u64)> = (0..2)
            .map(|s| writers(&stores[s], &models[s].dir, p, run))
            .collect();
        println!(
            "{p} writer process(es): PostgreSQL {:>8.0}/s ({} failed)   SQLite {:>8.0}/s ({} failed)   {:.2}x",
            r[0].0, r[0].1, r[1].0, r[1].1, r[0].0 / r[1].0
        );
    }

    // 5. Checks while catching up.
    let (run, slot) = if quick {
        (Duration::from_millis(600), Duration::from_millis(100))
    } else {
        (Duration::from_secs(20), Duration::from_secs(1))
    };
    let rate = 200;
    println!(
        "\n== Directory::check on one thread of a following instance, in {slot:?} slots: idle, \
         and while another process commits {rate} changes/s that it catches up with"
    );
    let mut ratios = [0.0; 2];
    for s in 0..2 {
        let (idle, busy, applied) =
            checks_while_catching_up(&stores[s], &models[s].users, run, slot, rate);
        ratios[s] = busy / idle;
        println!(
            "{:<10} idle {:>6.1} M/s   catching up {:>6.1} M/s ({:.2}x; {applied:.0} commits/s applied)",
            stores[s].label(),
            idle / 1e6,
            busy / 1e6,
            ratios[s]
        );
    }
    println!(
        "checks while catching up, PostgreSQL's ratio to SQLite's: {:.2}x",
        ratios[0] / ratios[1]
    );
    drop(models);

    // 4. Opening a large directory until the first check answers.
    let big = if quick {
        n
    } else if full {
        1_000_000
    } else {
        100_000
    };
    println!("\n== open until the first check answers, {big} users");
    let open_schema = pg::Schema::new("bench_open");
    // Quick runs open the stores measured above; the others build the `open` benchmark's model.
    let opened = if quick {
        stores.clone()
    } else {
        [
            Target::Pg(open_schema.name.clone()),
            Target::Sqlite(base.join(format!("rolecall-bench-pg-open-{pid}.db"))),
        ]
    };
    let runs = if quick { 2 } else { 5 };
    let mut medians = [Duration::ZERO; 2];
    for (s, target) in opened.iter().enumerate() {
        if !quick {
            target.remove();
            let t = Instant::now();
            drop(build(target.open(&How::WRITER), big, 200, 50));
            println!("built on {} in {:.1?}", target.label(), t.elapsed());
        }
        let (med, max) = open_first_check(target, big, runs);
        medians[s] = med;
        println!(
            "{:<10} open + first check: median {med:.2?}, slowest of {runs} {max:.2?}",
            target.label()
        );
        if !quick {
            target.remove();
        }
    }
    println!(
        "PostgreSQL vs SQLite: {:.2}x (target <= 3 s at 1,000,000 users)",
        medians[0].as_secs_f64() / medians[1].as_secs_f64()
    );
    stores.iter().for_each(Target::remove);
}

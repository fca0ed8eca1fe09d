//! A real PostgreSQL server for the tests, never a mock.
//!
//! The connection comes from `ROLECALL_TEST_PG` (a connection string for a role that may
//! create schemas): `scripts/test-all.sh` starts one throwaway cluster for the whole run and
//! exports it, and a developer may point it at a server of their own. When it is unset, the
//! first test that needs a server starts a throwaway cluster for this test binary with
//! `scripts/pg-cluster.sh` (installing PostgreSQL when missing); a watchdog stops it and deletes
//! its files once this process has exited, however the tests ended.
//!
//! Each test works in a schema of its own ([`Schema`]), dropped at the end, so tests run in
//! parallel on one server.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use rolecall::{Directory, PostgresOptions, PostgresStore};

/// The environment variable naming the test server.
pub const ENV: &str = "ROLECALL_TEST_PG";

/// The connection string of the test server, starting a throwaway one when none is given.
pub fn conninfo() -> String {
    if let Some(v) = std::env::var(ENV).ok().filter(|v| !v.trim().is_empty()) {
        return v;
    }
    static STARTED: OnceLock<String> = OnceLock::new();
    STARTED.get_or_init(start_cluster).clone()
}

fn start_cluster() -> String {
    let dir = std::env::temp_dir().join(format!("rolecall-pg-{}", std::process::id()));
    cluster_script(&[
        "start",
        &dir.to_string_lossy(),
        &std::process::id().to_string(),
    ])
    .trim()
    .to_owned()
}

/// A raw client on the test server (for what the library never does: damage, inspection).
pub fn client() -> postgres::Client {
    postgres::Client::connect(&conninfo(), postgres::NoTls).expect("connect to the test server")
}

/// Terminates every connection named `application_name` (as a crashed network or an
/// administrator would); returns how many there were.
pub fn terminate(c: &mut postgres::Client, application_name: &str) -> i64 {
    c.query_one(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1",
        &[&application_name],
    )
    .expect("pg_terminate_backend")
    .get(0)
}

/// A schema of one test, dropped (with everything in it) when this is dropped.
pub struct Schema {
    pub name: String,
}

impl Schema {
    /// A fresh schema name (the schema itself is created by the first store opened on it).
    pub fn new(tag: &str) -> Schema {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        Schema {
            name: format!(
                "t_{tag}_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::SeqCst)
            ),
        }
    }

    /// Options naming this schema.
    pub fn options(&self) -> PostgresOptions {
        PostgresOptions {
            schema: self.name.clone(),
            ..PostgresOptions::default()
        }
    }

    /// A store in this schema.
    pub fn store(&self) -> PostgresStore {
        PostgresStore::open_with(&conninfo(), &self.options()).expect("open the PostgreSQL store")
    }

    /// A directory in this schema.
    pub fn directory(&self) -> Directory {
        Directory::open(self.store()).expect("open the directory")
    }

    /// The schema version recorded in this schema's `meta` table, read on a raw connection.
    pub fn schema_version(&self) -> i64 {
        client()
            .query_one(
                &format!(
                    "SELECT value FROM \"{}\".meta WHERE key = 'schema_version'",
                    self.name
                ),
                &[],
            )
            .expect("read the schema version")
            .get(0)
    }

    /// Runs SQL in this schema on a raw connection.
    pub fn sql(&self, sql: &str) -> Result<(), postgres::Error> {
        let mut c = client();
        c.batch_execute(&format!("SET search_path TO \"{}\"; {sql}", self.name))
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&conninfo(), postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.name));
        }
    }
}

/// A cluster of one test's own, for what would disturb other tests: taking the server down.
/// Stopped and deleted when dropped (and by the watchdog if the test process dies).
pub struct PrivateCluster {
    pub dir: std::path::PathBuf,
    pub conninfo: String,
}

impl PrivateCluster {
    pub fn start(tag: &str) -> PrivateCluster {
        let dir = std::env::temp_dir().join(format!("rolecall-pg-{tag}-{}", std::process::id()));
        let out = cluster_script(&[
            "start",
            &dir.to_string_lossy(),
            &std::process::id().to_string(),
        ]);
        PrivateCluster {
            dir,
            conninfo: out.trim().to_owned(),
        }
    }

    /// Takes the server down (fast shutdown), keeping its data.
    pub fn halt(&self) {
        cluster_script(&["halt", &self.dir.to_string_lossy()]);
    }

    /// Starts the halted server again.
    pub fn resume(&self) {
        cluster_script(&["resume", &self.dir.to_string_lossy()]);
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        cluster_script(&["stop", &self.dir.to_string_lossy()]);
    }
}

/// Runs scripts/pg-cluster.sh with `args`; returns its standard output.
fn cluster_script(args: &[&str]) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/pg-cluster.sh");
    let out = Command::new("bash")
        .arg(&script)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    assert!(
        out.status.success(),
        "pg-cluster.sh {args:?}: {}",
        out.status
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

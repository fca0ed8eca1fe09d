//! The PostgreSQL store: several hosts share one directory.
//!
//! Every host opens its own [`PostgresStore`] on the same database (and schema); each keeps its
//! lock-free snapshot and catches up from the commit log at its next change or
//! [`Directory::refresh`](crate::Directory::refresh).
//!
//! Guarantees:
//! - every commit is one transaction, durable when [`Store::commit`] returns, holding the head
//!   row's lock (`SELECT ... FOR UPDATE` on `meta.revision`, taken by
//!   [`Store::begin_write`]): revisions are dense and their order is the commit order across
//!   hosts, and two hosts writing at once never lose an update (the second waits, catches up,
//!   plans again under the rules, and commits or gets the rule's error);
//! - the schema holds the same invariants as the SQLite one (see `schema.rs`), credentials,
//!   lockout counters and recovery tokens included, so a lockout or a recovery token is shared
//!   by every host; the audit log is append-only but for [`Store::prune_audit`] (a retention
//!   mark, as in SQLite);
//! - the schema is versioned and migrated forward under an advisory lock, so that several hosts
//!   may start at once; a schema written by a newer version is refused
//!   ([`Error::SchemaTooNew`]) and left as it is;
//! - the `postgres` client (pure Rust, no libpq) runs on a thread this library owns, never on
//!   the caller's: calling the store from inside a Tokio runtime is safe; TLS goes through
//!   rustls (`sslmode=require` in the connection string; the webpki roots, plus
//!   [`PostgresOptions::tls_ca_pem`]).

mod audit;
mod commit;
mod conn;
mod credentials;
mod listen;
mod load;
mod schema;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio_postgres_rustls::MakeRustlsConnect;

use super::{ChangeSignal, Loaded, Store};
use crate::audit::{AuditEvent, AuditQuery};
use crate::domain::{Change, Commit, NextIds};
use crate::Error;
use conn::Worker;

/// How to open a [`PostgresStore`].
#[derive(Clone, Debug)]
pub struct PostgresOptions {
    /// The schema holding the store's tables (created when missing), so that they can live
    /// inside a product's existing database. Every instance of one directory uses the same.
    /// Default `rolecall`.
    pub schema: String,
    /// How long a change waits for another host's write (the head row's lock) before failing
    /// with [`Error::Busy`]. Default 5 s.
    pub lock_timeout: Duration,
    /// How long connecting may take, when the connection string does not say. Default 5 s.
    pub connect_timeout: Duration,
    /// How many recent commits the log keeps for incremental catch-up; an instance further
    /// behind reloads everything. Default 10,000.
    pub log_keep: u64,
    /// How long the log keeps a commit (by the commit's time), whatever `log_keep` allows.
    /// Default 7 days.
    pub log_max_age: Duration,
    /// How often the listener reads the store's revision when no notification came: the
    /// bound on how long a missed notification delays catching up, and how soon a dead
    /// listener connection is noticed. Default 1 s.
    pub poll_interval: Duration,
    /// Start the listener thread (`LISTEN` on a connection of its own, plus the poll), which
    /// feeds [`Directory::wait_for_change`](crate::Directory::wait_for_change) and
    /// [`Directory::follow`](crate::Directory::follow). Without it (`false`: a host that
    /// forbids foreign threads), `wait_for_change` polls the store itself. Default `true`.
    pub listen: bool,
    /// Extra trusted root certificates (PEM) for TLS connections, beside the webpki roots:
    /// a private certificate authority's.
    pub tls_ca_pem: Option<String>,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        PostgresOptions {
            schema: "rolecall".into(),
            lock_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
            log_keep: 10_000,
            log_max_age: Duration::from_secs(7 * 24 * 3600),
            poll_interval: Duration::from_secs(1),
            listen: true,
            tls_ca_pem: None,
        }
    }
}

/// A [`Store`] in a PostgreSQL database shared by several hosts.
pub struct PostgresStore {
    worker: Worker,
    schema: String,
    log_keep: commit::LogKeep,
    /// `meta.store_id`, read at open.
    store_id: String,
    /// Fed by the listener thread, when there is one.
    signal: Option<Arc<ChangeSignal>>,
    /// Tells the listener thread to end.
    stop: Arc<AtomicBool>,
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        // The listener ends within a poll interval, closing its connection.
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

/// A commit with more changes than this (a bulk import) is logged without its changes; an
/// instance that has to catch up over it reloads everything.
pub const LOG_MAX_CHANGES: usize = 10_000;

impl PostgresStore {
    /// Opens the store in the database `conninfo` names (a libpq-style connection string,
    /// `host=... user=... dbname=...`, or a `postgresql://` URL), with default options.
    ///
    /// # Errors
    /// As [`open_with`](Self::open_with).
    pub fn open(conninfo: &str) -> Result<PostgresStore, Error> {
        Self::open_with(conninfo, &PostgresOptions::default())
    }

    /// Opens the store with explicit options: connects, then creates or migrates the schema.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a connection string that cannot be parsed, a schema name
    /// PostgreSQL cannot hold or a TLS root that is not PEM; [`Error::SchemaTooNew`] for a
    /// schema written by a newer version (nothing is changed); [`Error::Storage`] when the
    /// server cannot be reached or refuses, or the schema holds tables of something else;
    /// [`Error::Busy`] when another host holds the schema's migration lock past the timeout.
    pub fn open_with(conninfo: &str, opts: &PostgresOptions) -> Result<PostgresStore, Error> {
        if opts.schema.is_empty() || opts.schema.len() > 63 || opts.schema.contains('\0') {
            return Err(Error::InvalidArgument {
                what: "schema",
                reason: "a PostgreSQL schema name has 1 to 63 bytes and no NUL".into(),
            });
        }
        let mut config: postgres::Config =
            conninfo.parse().map_err(|e| Error::InvalidArgument {
                what: "conninfo",
                reason: format!("not a PostgreSQL connection string: {e}"),
            })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(opts.connect_timeout);
        }
        if config.get_application_name().is_none() {
            config.application_name("rolecall");
        }
        if config.get_tcp_user_timeout().is_none() {
            // A server that vanished without closing the connection (a host down, a network
            // partition) is given up within this, not TCP's many minutes: the store reports
            // `Unavailable` and reconnects. Long statements are unaffected (it bounds only
            // unacknowledged data).
            config.tcp_user_timeout(Duration::from_secs(15));
        }
        let tls = tls(opts)?;
        let channel = notify_channel(&opts.schema);
        let worker = Worker::start(config.clone(), tls.clone(), opts, channel.clone())?;
        worker.run(schema::prepare)?;
        let id = worker.run(|s| {
            Ok(
                s.query_one("SELECT value FROM meta WHERE key = 'store_id'", &[])?
                    .get::<_, i64>(0),
            )
        })?;
        let stop = Arc::new(AtomicBool::new(false));
        let signal = if opts.listen {
            let signal = Arc::new(ChangeSignal::new());
            let mut config = config;
            // A silently dead connection is noticed within a few polls, not TCP's minutes.
            config.tcp_user_timeout(opts.poll_interval.max(Duration::from_secs(1)) * 5);
            config.keepalives_idle(opts.poll_interval.max(Duration::from_secs(1)) * 5);
            listen::Listener {
                config,
                tls,
                schema: opts.schema.clone(),
                channel,
                poll_interval: opts.poll_interval.max(Duration::from_millis(10)),
                signal: Arc::clone(&signal),
                stop: Arc::clone(&stop),
            }
            .spawn()
            .map_err(|e| Error::Storage(format!("cannot start the PostgreSQL listener: {e}")))?;
            Some(signal)
        } else {
            None
        };
        Ok(PostgresStore {
            worker,
            schema: opts.schema.clone(),
            log_keep: commit::LogKeep {
                commits: opts.log_keep.max(1),
                max_age_ms: i64::try_from(opts.log_max_age.as_millis()).unwrap_or(i64::MAX),
            },
            store_id: format!("pg{:016x}", id as u64),
            signal,
            stop,
        })
    }

    /// The schema version this library writes; a schema of a newer version is refused.
    pub const SCHEMA_VERSION: i64 = schema::SCHEMA_VERSION;

    /// The schema holding the store's tables.
    pub fn schema(&self) -> &str {
        &self.schema
    }
}

/// The TLS connector: rustls with the ring provider, the webpki roots and the extra roots.
fn tls(opts: &PostgresOptions) -> Result<MakeRustlsConnect, Error> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let bad = |reason: String| Error::InvalidArgument {
        what: "tls_ca_pem",
        reason,
    };
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(pem) = &opts.tls_ca_pem {
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let cert = cert.map_err(|e| bad(format!("not a PEM certificate: {e}")))?;
            roots
                .add(cert)
                .map_err(|e| bad(format!("not a usable root certificate: {e}")))?;
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| Error::Storage(format!("TLS: {e}")))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// The notification channel of `schema`: short enough for PostgreSQL's 63-byte names
/// whatever the schema's name.
fn notify_channel(schema: &str) -> String {
    format!("rolecall_{:016x}", fnv1a(schema.as_bytes()))
}

/// A u64 (id, revision, stamp) as the `bigint` with the same 64 bits.
pub(super) fn db(v: u64) -> i64 {
    v as i64
}

/// `name` as a quoted SQL identifier.
pub(super) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// FNV-1a, 64 bits: a stable hash (advisory lock keys).
pub(super) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A PostgreSQL error as the library's: [`Error::Unavailable`] when the server cannot be
/// reached or the connection was lost (retryable), [`Error::Busy`] for a lock or serialisation
/// timeout, [`Error::Corrupt`] for a change that breaks a schema constraint.
pub(super) fn pg_error(e: postgres::Error) -> Error {
    let Some(code) = e.code() else {
        // No SQLSTATE: the connection failed (refused, reset, closed, timed out).
        return Error::Unavailable(format!("PostgreSQL: {e}"));
    };
    let text = match e.as_db_error() {
        Some(d) => format!("{}: {}", d.code().code(), d.message()),
        None => e.to_string(),
    };
    match code.code() {
        c if c.starts_with("23") => Error::Corrupt(format!("breaks a schema constraint: {text}")),
        "55P03" | "40001" | "40P01" => Error::Busy,
        "25006" => Error::ReadOnly(format!("PostgreSQL: {text}")),
        // Connection exceptions, a server shutting down or starting, too many connections.
        c if c.starts_with("08") || ["57P01", "57P02", "57P03", "53300"].contains(&c) => {
            Error::Unavailable(format!("PostgreSQL: {text}"))
        }
        _ => Error::Storage(format!("PostgreSQL: {text}")),
    }
}

/// Takes the write lock in a new transaction: the head row, `FOR UPDATE`.
fn lock_head(s: &mut conn::Session) -> Result<(), Error> {
    s.begin("ISOLATION LEVEL READ COMMITTED")?;
    if let Err(e) = s.query(
        "SELECT value FROM meta WHERE key = 'revision' FOR UPDATE",
        &[],
    ) {
        s.rollback();
        return Err(e);
    }
    Ok(())
}

/// A consistent read of several statements: one snapshot.
const READ: &str = "ISOLATION LEVEL REPEATABLE READ READ ONLY";

impl Store for PostgresStore {
    fn begin_write(&mut self) -> Result<(), Error> {
        self.worker.run(|s| {
            if s.in_tx {
                return Ok(());
            }
            s.retrying(lock_head)
        })
    }

    fn end_write(&mut self) -> Result<(), Error> {
        self.worker
            .run(|s| if s.in_tx { s.commit() } else { Ok(()) })
    }

    fn load(&mut self) -> Result<Loaded, Error> {
        let mut changes = Vec::new();
        let loaded = self.load_into(&mut |c| changes.push(c))?;
        Ok(Loaded { changes, ..loaded })
    }

    fn load_into(&mut self, sink: &mut dyn FnMut(Change)) -> Result<Loaded, Error> {
        const BATCH: usize = 4096;
        let (batches, received) = std::sync::mpsc::sync_channel::<Vec<Change>>(16);
        let (answer, result) = std::sync::mpsc::sync_channel(1);
        self.worker.send(Box::new(move |s| {
            let r = s.in_transaction(READ, |s| {
                let next_ids = load::next_ids(s)?;
                // Before reading a row: the model sizes tables by these ids.
                load::check_ids(s, &next_ids)?;
                let mut batch = Vec::with_capacity(BATCH);
                let revision = load::read_state(s, &mut |c| {
                    batch.push(c);
                    if batch.len() == BATCH {
                        let _ =
                            batches.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)));
                    }
                })?;
                let _ = batches.send(batch);
                Ok((revision, next_ids))
            });
            drop(batches);
            let _ = answer.send(r);
        }))?;
        for batch in received {
            batch.into_iter().for_each(&mut *sink);
        }
        let (revision, next_ids) = result
            .recv()
            .map_err(|_| Error::Storage("the PostgreSQL connection thread failed".into()))??;
        Ok(Loaded {
            revision,
            changes: Vec::new(),
            next_ids: NextIds::from_fn(|k| next_ids[k].max(0) as u64),
        })
    }

    fn capacity_hint(&mut self) -> NextIds {
        self.worker
            .run(|s| {
                s.in_transaction(READ, |s| {
                    let next = load::next_ids(s)?;
                    let limits = load::id_limits(s)?;
                    Ok(NextIds::from_fn(|k| {
                        (next[k].max(0) as u64).min(limits[k].0.saturating_add(1))
                    }))
                })
            })
            .unwrap_or_default()
    }

    fn store_id(&mut self) -> Result<Option<String>, Error> {
        Ok(Some(self.store_id.clone()))
    }

    fn change_signal(&mut self) -> Option<Arc<ChangeSignal>> {
        self.signal.clone()
    }

    fn commit(&mut self, c: &Commit) -> Result<(), Error> {
        // A bulk import is not copied into the log: an instance behind it reloads everything.
        let json = if c.changes.len() > LOG_MAX_CHANGES {
            String::new()
        } else {
            serde_json::to_string(&c.changes).map_err(|e| Error::Storage(e.to_string()))?
        };
        let c = c.clone();
        let keep = self.log_keep;
        // Under the write lock when the directory took it; otherwise take it now. Either way
        // the transaction ends here: committed (durable) or rolled back.
        self.worker.run(move |s| {
            if !s.in_tx {
                lock_head(s)?;
            }
            match commit::write_commit(s, &c, &json, keep) {
                Ok(()) => s.commit(),
                Err(e) => {
                    s.rollback();
                    Err(e)
                }
            }
        })
    }

    fn revision(&mut self) -> Result<u64, Error> {
        self.worker.run(|s| s.retrying(commit::stored_revision))
    }

    fn commits_since(&mut self, revision: u64) -> Result<Option<Vec<Commit>>, Error> {
        self.worker.run(move |s| {
            s.retrying(|s| s.in_transaction(READ, |s| commit::commits_since(s, revision)))
        })
    }

    fn append_audit(&mut self, events: &[AuditEvent]) -> Result<(), Error> {
        let events = events.to_vec();
        self.worker
            .run(move |s| s.in_transaction("", |s| audit::insert(s, &events)))
    }

    fn query_audit(&mut self, query: &AuditQuery) -> Result<(Vec<AuditEvent>, usize), Error> {
        let query = query.clone();
        self.worker
            .run(move |s| s.retrying(|s| s.in_transaction(READ, |s| audit::query(s, &query))))
    }

    fn audit_after(&mut self, after_seq: u64, limit: usize) -> Result<Vec<AuditEvent>, Error> {
        // Read committed (not read-only): the page takes a SHARE lock on the log first, which
        // only read-write transactions may take (see `audit::after`).
        self.worker.run(move |s| {
            s.retrying(|s| {
                s.in_transaction("ISOLATION LEVEL READ COMMITTED", |s| {
                    audit::after(s, after_seq, limit)
                })
            })
        })
    }

    /// As SQLite's: one transaction under the write lock (taken here when the directory did
    /// not), with other hosts' audit appends held back until it ends; an error (`export`'s
    /// included) rolls all of it back, releasing the lock.
    fn prune_audit(
        &mut self,
        before_ms: i64,
        export: &mut dyn FnMut(&AuditEvent) -> Result<(), Error>,
        record: &dyn Fn(u64) -> Vec<AuditEvent>,
    ) -> Result<u64, Error> {
        let owned = !self.worker.run(|s| Ok(s.in_tx))?;
        if owned {
            self.begin_write()?;
        }
        let pruned = (|| {
            let through = self.worker.run(move |s| audit::prune_start(s, before_ms))?;
            let mut after = 0;
            loop {
                let page = self
                    .worker
                    .run(move |s| audit::prune_page(s, after, through))?;
                let Some(last) = page.last() else { break };
                after = last.seq as i64;
                page.iter().try_for_each(&mut *export)?;
            }
            let removed = self.worker.run(move |s| audit::prune(s, through))?;
            let events = record(removed);
            self.worker
                .run(move |s| audit::insert(s, &events).map(|()| removed))
        })();
        match pruned {
            Ok(removed) => {
                if owned {
                    self.end_write()?;
                }
                Ok(removed)
            }
            Err(e) => {
                self.worker.run(|s| {
                    s.rollback();
                    Ok(())
                })?;
                Err(e)
            }
        }
    }
}

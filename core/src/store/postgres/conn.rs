//! The connection thread: the one thread that touches the PostgreSQL connection.
//!
//! The synchronous `postgres` client runs a Tokio runtime of its own and blocks on it, which
//! panics when called from inside another Tokio runtime (rust-postgres #639): a host's async
//! code calling the directory would crash. So the client lives on a thread this library starts
//! and owns; the store sends it jobs and waits for their answers. The thread also owns the
//! statement cache and reconnects after the connection was lost.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::thread::JoinHandle;

use postgres::types::ToSql;
use postgres::{Client, Row, Statement};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::{pg_error, quote_ident, PostgresOptions};
use crate::Error;

/// The connection and what belongs to it, as the connection thread holds it.
pub(super) struct Session {
    client: Option<Client>,
    config: postgres::Config,
    tls: MakeRustlsConnect,
    pub(super) schema: String,
    /// The channel commits notify.
    pub(super) channel: String,
    lock_timeout_ms: u64,
    /// Prepared statements by SQL text; emptied when the connection is replaced.
    cache: HashMap<&'static str, Statement>,
    /// A transaction is open on the connection (`begin_write` or a read).
    pub(super) in_tx: bool,
}

impl Session {
    /// The connection, opened (again) when there is none or the last one was lost.
    pub(super) fn client(&mut self) -> Result<&mut Client, Error> {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            if self.client.take().is_some() {
                log::warn!(
                    target: "rolecall",
                    "PostgreSQL connection of schema {:?} lost; reconnecting",
                    self.schema
                );
            }
            self.cache.clear();
            if std::mem::take(&mut self.in_tx) {
                // The server rolled the transaction back with the connection: whatever was
                // written under it is lost, which must not pass for a success.
                return Err(Error::Unavailable(
                    "the PostgreSQL connection was lost during a transaction; nothing of it \
                     was committed"
                        .into(),
                ));
            }
            let mut c = self.config.connect(self.tls.clone()).map_err(pg_error)?;
            // Every statement names tables unqualified: they resolve in the store's schema.
            c.batch_execute(&format!(
                "SET search_path TO {}; SET lock_timeout = {}; SET TIME ZONE 'UTC'",
                quote_ident(&self.schema),
                self.lock_timeout_ms
            ))
            .map_err(pg_error)?;
            self.client = Some(c);
        }
        self.client
            .as_mut()
            .ok_or_else(|| Error::Storage("no PostgreSQL connection".into()))
    }

    /// The prepared statement for `sql`, prepared once per connection.
    fn statement(&mut self, sql: &'static str) -> Result<Statement, Error> {
        // Connect first: a reconnection empties the cache, whose statements belong to the
        // lost connection.
        self.client()?;
        if let Some(s) = self.cache.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client()?.prepare(sql).map_err(pg_error)?;
        self.cache.insert(sql, s.clone());
        Ok(s)
    }

    /// Runs one cached statement, returning the number of rows it changed.
    pub(super) fn exec(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, Error> {
        let s = self.statement(sql)?;
        self.client()?.execute(&s, params).map_err(pg_error)
    }

    /// Runs one cached query.
    pub(super) fn query(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, Error> {
        let s = self.statement(sql)?;
        self.client()?.query(&s, params).map_err(pg_error)
    }

    /// Runs one cached query expected to return exactly one row.
    pub(super) fn query_one(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Row, Error> {
        let s = self.statement(sql)?;
        self.client()?.query_one(&s, params).map_err(pg_error)
    }

    /// Runs statements that take no parameters (transaction control, DDL).
    pub(super) fn batch(&mut self, sql: &str) -> Result<(), Error> {
        self.client()?.batch_execute(sql).map_err(pg_error)
    }

    /// Opens a transaction: `BEGIN` with `mode`.
    pub(super) fn begin(&mut self, mode: &str) -> Result<(), Error> {
        self.batch(&format!("BEGIN {mode}"))?;
        self.in_tx = true;
        Ok(())
    }

    /// Commits the open transaction.
    pub(super) fn commit(&mut self) -> Result<(), Error> {
        // Still marked open while `COMMIT` is sent: on a lost connection `client` reports the
        // loss instead of reconnecting and committing nothing.
        let r = self.batch("COMMIT");
        self.in_tx = false;
        if r.is_err() {
            self.rollback();
        }
        r
    }

    /// Rolls the open transaction back (nothing to do when the connection is gone: the server
    /// rolled it back).
    pub(super) fn rollback(&mut self) {
        self.in_tx = false;
        if let Some(c) = self.client.as_mut().filter(|c| !c.is_closed()) {
            let _ = c.batch_execute("ROLLBACK");
        }
    }

    /// Runs `f`, which only reads or starts a transaction, once more on a new connection when
    /// the connection turned out to be lost (a server restarted, a backend terminated, an idle
    /// connection cut): the first call after a loss then succeeds instead of failing. Never
    /// inside a transaction, whose work died with the connection.
    pub(super) fn retrying<T>(
        &mut self,
        f: impl Fn(&mut Session) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let was_in_tx = self.in_tx;
        match f(self) {
            Err(Error::Unavailable(_)) if !was_in_tx && self.client.is_some() => {
                self.in_tx = false;
                self.client = None;
                f(self)
            }
            r => r,
        }
    }

    /// Runs `f` in its own transaction (`BEGIN mode`), or in the one already open (under the
    /// write lock); a transaction opened here is committed when `f` succeeds and rolled back
    /// when it fails.
    pub(super) fn in_transaction<T>(
        &mut self,
        mode: &str,
        f: impl FnOnce(&mut Session) -> Result<T, Error>,
    ) -> Result<T, Error> {
        if self.in_tx {
            return f(self);
        }
        self.begin(mode)?;
        match f(self) {
            Ok(v) => self.commit().map(|()| v),
            Err(e) => {
                self.rollback();
                Err(e)
            }
        }
    }
}

type Job = Box<dyn FnOnce(&mut Session) + Send>;

/// The handle on the connection thread: jobs go in, answers come back.
pub(super) struct Worker {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts the connection thread and connects (the first connection's error is returned).
    pub(super) fn start(
        config: postgres::Config,
        tls: MakeRustlsConnect,
        opts: &PostgresOptions,
        channel: String,
    ) -> Result<Worker, Error> {
        let (jobs, rx) = mpsc::channel::<Job>();
        let mut session = Session {
            client: None,
            config,
            tls,
            schema: opts.schema.clone(),
            channel,
            lock_timeout_ms: u64::try_from(opts.lock_timeout.as_millis()).unwrap_or(u64::MAX),
            cache: HashMap::new(),
            in_tx: false,
        };
        let thread = std::thread::Builder::new()
            .name("rolecall-postgres".into())
            .spawn(move || {
                for job in rx {
                    // A panic in a job (a bug) loses that job's answer, which the caller reports
                    // as an error; the thread and its connection carry on.
                    if std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut session))).is_err() {
                        session.rollback();
                    }
                }
            })
            .map_err(|e| Error::Storage(format!("cannot start the PostgreSQL thread: {e}")))?;
        let worker = Worker {
            jobs: Some(jobs),
            thread: Some(thread),
        };
        worker.run(|s| s.client().map(drop))?;
        Ok(worker)
    }

    /// Runs `f` on the connection thread and waits for its answer.
    pub(super) fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Session) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let (tx, rx) = mpsc::sync_channel(1);
        self.send(Box::new(move |s| {
            let _ = tx.send(f(s));
        }))?;
        rx.recv().map_err(|_| lost())?
    }

    /// Sends a job without waiting (its own channels carry its answers).
    pub(super) fn send(&self, job: Job) -> Result<(), Error> {
        self.jobs
            .as_ref()
            .ok_or_else(lost)?
            .send(job)
            .map_err(|_| lost())
    }
}

fn lost() -> Error {
    Error::Storage("the PostgreSQL connection thread failed".into())
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing the channel ends the thread's loop; the connection closes with it (an open
        // transaction is rolled back by the server).
        self.jobs = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

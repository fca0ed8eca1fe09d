//! The SQLite store: the embedded default. One file holds every tenant's users, roles, groups,
//! scopes and agreements, plus a bounded log of recent commits for incremental refresh.
//!
//! Guarantees:
//! - every commit is one `BEGIN IMMEDIATE` transaction, durable when [`Store::commit`] returns
//!   (WAL mode, `synchronous = FULL`);
//! - the schema itself holds the invariants the rules rely on: emails unique per tenant
//!   case-insensitively, names unique per tenant (role names per namespace), one Owner per agreement (a column), and
//!   composite foreign keys so that no row of one tenant points at another tenant's row;
//! - permissions are stored by dotted name: the catalogue can grow without a migration, and a
//!   name the catalogue no longer knows is reported at open ([`Error::Corrupt`]);
//! - several processes may open the same file: a commit made by one is seen by the others at
//!   their next change or [`Directory::refresh`](crate::Directory::refresh) (cheap when nothing
//!   changed: `PRAGMA data_version`), and the revision number says how fresh an answer is;
//! - a failed open never modifies the file;
//! - a read-only store needs only read access to the file (see [`SqliteOptions::read_only`]).

use std::path::Path;
use std::time::Duration;

use rusqlite::types::ToSql;
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior};

use super::{Loaded, Store};
use crate::audit::{AuditEvent, AuditQuery};
use crate::domain::{Change, Commit, NextIds};
use crate::Error;
use audit::{audit_filter, event_of, insert_audit, AUDIT_COLUMNS};
use damage::{check_ids, corrupt, id_limits};
use read::{next_ids_of, read_next_ids, read_state, stored_revision, unsigned};
use schema::{
    migrate_v4_email_keys, migrate_v7, migrate_v8, SCHEMA_V1, SCHEMA_V2, SCHEMA_V3, SCHEMA_V5,
    SCHEMA_V6, SCHEMA_V6_SCOPES,
};
use verify::Verification;

const SCHEMA_VERSION: i64 = SqliteStore::SCHEMA_VERSION;
const LOG_KEEP: u64 = SqliteStore::LOG_KEEP;
const LOG_MAX_CHANGES: usize = SqliteStore::LOG_MAX_CHANGES;
/// A commit of more changes than this is a bulk commit: it gets a page cache sized to it.
const BULK_CHANGES: usize = 10_000;
/// The largest page cache a bulk commit gets, in KiB (256 MiB).
const BULK_CACHE_KIB: usize = 256 * 1024;
/// SQLite's default page cache (`-2000`: 2,000 KiB), restored after a bulk commit.
const DEFAULT_CACHE_SIZE: i64 = -2000;

mod audit;
mod damage;
mod read;
mod schema;
#[cfg(test)]
mod tests;
mod verify;
mod write;

/// How to open a [`SqliteStore`].
#[derive(Clone, Debug)]
pub struct SqliteOptions {
    /// Open read-only: the directory answers checks and queries, every change fails with
    /// [`Error::ReadOnly`]. The file must exist, and be at the current schema version.
    ///
    /// Only read access to the file is needed. A file in WAL mode (as this library writes) is
    /// read through its `-shm` index, which SQLite creates next to it: when it exists (another
    /// process has the file open) or the directory is writable, the store reads through it and
    /// sees other processes' changes at [`refresh`](crate::Directory::refresh). Otherwise the
    /// file is opened as an immutable snapshot ([`SqliteStore::is_immutable`]): read as it is,
    /// without locks, never seeing later changes (reopen to see them); and when its `-wal`
    /// holds changes not yet checkpointed into it, which cannot be read without the `-shm`, the
    /// open fails with [`Error::ReadOnly`] saying so.
    pub read_only: bool,
    /// How long to wait for another process's lock before failing with [`Error::Busy`].
    pub busy_timeout: Duration,
    /// Create the file when it does not exist (ignored when read-only).
    pub create: bool,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            read_only: false,
            busy_timeout: Duration::from_secs(5),
            create: true,
        }
    }
}

/// A [`Store`] in a SQLite database file (or an in-memory SQLite database, for tests).
///
/// Opening a file that has rows, for writing, also starts SQLite's check of its pages
/// (`PRAGMA quick_check`) on a connection of its own: reads do not wait for it, the first
/// change does, and a file that fails it takes no change ([`Error::Corrupt`]) while the state
/// it loaded keeps answering. [`verified`](Self::verified) returns the outcome.
pub struct SqliteStore {
    /// SQLite's check of the file's pages, which every change waits for (see `verify.rs`).
    /// Declared first, so dropped first: its connection closes (stopped if still checking)
    /// before `conn`, the last one, which then checkpoints the file and removes its `-wal`.
    verification: Verification,
    conn: Connection,
    path: String,
    read_only: bool,
    /// `PRAGMA data_version` when `revision` was last read.
    seen_data_version: Option<i64>,
    revision: u64,
    /// Opened with `immutable=1` (see [`SqliteStore::is_immutable`]).
    immutable: bool,
}

/// Whether `e` says SQLite could not create (or open) the `-shm` / `-wal` a read of a WAL-mode
/// file needs, because the directory or those files are not writable.
fn cannot_create_wal_index(e: &rusqlite::Error) -> bool {
    const SQLITE_READONLY_CANTINIT: i32 = 1288;
    const SQLITE_READONLY_DIRECTORY: i32 = 1544;
    match e {
        rusqlite::Error::SqliteFailure(f, _) => {
            f.code == ErrorCode::CannotOpen
                || [SQLITE_READONLY_CANTINIT, SQLITE_READONLY_DIRECTORY].contains(&f.extended_code)
        }
        _ => false,
    }
}

/// `p` as the path of a `file:` URI: every byte but unreserved ones and `/` percent-encoded.
fn uri_path(p: &Path) -> String {
    #[cfg(unix)]
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(p.as_os_str());
    #[cfg(not(unix))]
    let lossy = p.to_string_lossy();
    #[cfg(not(unix))]
    let bytes = lossy.as_bytes();
    let mut out = String::new();
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn storage(path: &str, e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => Error::NotADatabase {
            path: path.to_owned(),
        },
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => Error::Busy,
        Some(ErrorCode::ReadOnly) => Error::ReadOnly(format!("{path}: {e}")),
        Some(ErrorCode::CannotOpen) | Some(ErrorCode::PermissionDenied) => {
            Error::Storage(format!("cannot open {path}: {e}"))
        }
        Some(ErrorCode::DatabaseCorrupt) => Error::Corrupt(format!("{path}: {e}")),
        _ => Error::Storage(format!("{path}: {e}")),
    }
}

impl SqliteStore {
    /// The schema version this library writes (SQLite's `user_version`). Older files are
    /// migrated forward when opened for writing; a newer one is refused with
    /// [`Error::SchemaTooNew`](crate::Error::SchemaTooNew).
    pub const SCHEMA_VERSION: i64 = 8;
    /// How many recent commits the log keeps for incremental refresh; older ones are pruned
    /// and an instance further behind reloads everything.
    pub const LOG_KEEP: u64 = 10_000;
    /// A commit with more changes than this (a bulk import) is logged without its changes; an
    /// instance that has to catch up over it reloads everything.
    pub const LOG_MAX_CHANGES: usize = 10_000;
    /// Opens (creating if needed) a directory file with default options.
    ///
    /// # Errors
    /// As [`open_with`](Self::open_with).
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, Error> {
        Self::open_with(path, &SqliteOptions::default())
    }

    /// Opens a directory file with explicit options.
    ///
    /// # Errors
    /// [`Error::NotADatabase`] for a file that is not a rolecall database and
    /// [`Error::SchemaTooNew`] for one written by a newer version (nothing is written to either);
    /// [`Error::ReadOnly`] when the file cannot be written, or, opened read-only, when it needs a
    /// schema migration or its `-wal` cannot be read (see [`SqliteOptions::read_only`]);
    /// [`Error::Busy`] when another connection holds it past the timeout; [`Error::Storage`] for
    /// any other SQLite failure.
    pub fn open_with(path: impl AsRef<Path>, opts: &SqliteOptions) -> Result<SqliteStore, Error> {
        let p = path.as_ref();
        let name = p.display().to_string();
        let mut flags = OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        if opts.read_only {
            flags |= OpenFlags::SQLITE_OPEN_READ_ONLY;
        } else {
            flags |= OpenFlags::SQLITE_OPEN_READ_WRITE;
            if opts.create {
                flags |= OpenFlags::SQLITE_OPEN_CREATE;
            }
        }
        let conn = Connection::open_with_flags(p, flags).map_err(|e| storage(&name, e))?;
        if opts.read_only {
            if let Err(e) = conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0)) {
                if cannot_create_wal_index(&e) {
                    drop(conn);
                    return Self::open_immutable(p, name, opts);
                }
            }
        }
        Self::init(conn, name, Some(p), opts)
    }

    /// Whether the file's pages passed SQLite's structural check (`PRAGMA quick_check`), which
    /// opening a file with rows starts in the background; waits for it when it still runs.
    /// Every change waits for it too, and fails as it does: a damaged file keeps answering
    /// from the state it loaded, and takes no change.
    ///
    /// # Errors
    /// [`Error::Corrupt`] with what SQLite found.
    pub fn verified(&mut self) -> Result<(), Error> {
        self.verification.outcome()
    }

    /// Opens a file read-only when SQLite cannot create its `-shm` (the directory is not
    /// writable): as an immutable snapshot, provided no change waits in its `-wal`.
    fn open_immutable(p: &Path, name: String, opts: &SqliteOptions) -> Result<SqliteStore, Error> {
        let wal = format!("{name}-wal");
        if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
            return Err(Error::ReadOnly(format!(
                "{name} cannot be opened read-only: {wal} holds changes not checkpointed into \
                 the file, and reading them needs {name}-shm, which this process may not create \
                 (the directory is not writable); open the file once with write access, or \
                 while its writer has it open"
            )));
        }
        let uri = format!("file:{}?immutable=1", uri_path(p));
        let flags = OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_READ_ONLY;
        let conn = Connection::open_with_flags(uri, flags).map_err(|e| storage(&name, e))?;
        let mut store = Self::init(conn, name, None, opts)?;
        store.immutable = true;
        Ok(store)
    }

    /// Whether this store was opened as an immutable snapshot: read-only, on a file whose
    /// directory the process may not write (see [`SqliteOptions::read_only`]). It never sees
    /// changes made after it was opened.
    pub fn is_immutable(&self) -> bool {
        self.immutable
    }

    /// A private in-memory SQLite database (for tests).
    ///
    /// # Errors
    /// [`Error::Storage`] when SQLite cannot create the database.
    pub fn open_in_memory() -> Result<SqliteStore, Error> {
        let conn = Connection::open_in_memory().map_err(|e| storage(":memory:", e))?;
        Self::init(conn, ":memory:".into(), None, &SqliteOptions::default())
    }

    fn init(
        conn: Connection,
        path: String,
        file: Option<&Path>,
        opts: &SqliteOptions,
    ) -> Result<SqliteStore, Error> {
        let st = |e| storage(&path, e);
        conn.busy_timeout(opts.busy_timeout).map_err(st)?;
        // Every statement a commit writes stays prepared (a user record alone takes a dozen).
        conn.set_prepared_statement_cache_capacity(64);
        // Read before writing anything: a file that is not a database, or is from a newer
        // schema, must be left untouched.
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(st)?;
        let has_tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(st)?;
        if version > SCHEMA_VERSION {
            return Err(Error::SchemaTooNew {
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if version == 0 && has_tables > 0 {
            return Err(Error::NotADatabase {
                path: format!("{path} (a SQLite file without a rolecall schema)"),
            });
        }
        let read_only = opts.read_only || conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(true);
        if version < SCHEMA_VERSION && read_only {
            return Err(Error::ReadOnly(format!(
                "{path} needs a schema migration but is opened read-only"
            )));
        }
        conn.pragma_update(None, "foreign_keys", true).map_err(st)?;
        if !read_only {
            if path != ":memory:" {
                let mode: String = conn
                    .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
                    .map_err(st)?;
                if !mode.eq_ignore_ascii_case("wal") {
                    return Err(Error::Storage(format!(
                        "{path}: cannot enable WAL (journal mode is {mode})"
                    )));
                }
            }
            conn.pragma_update(None, "synchronous", "FULL")
                .map_err(st)?;
        }
        // A file with rows that this store may write gets its pages checked: now when a schema
        // migration is about to write to it, else in the background.
        let verification = match file {
            Some(file) if !read_only && has_tables > 0 => {
                if version < SCHEMA_VERSION {
                    Verification::now(file, &path, opts.busy_timeout)
                } else {
                    Verification::start(file, &path, opts.busy_timeout)
                }
            }
            _ => Verification::skipped(),
        };
        let mut store = SqliteStore {
            conn,
            path,
            read_only,
            seen_data_version: None,
            revision: 0,
            immutable: false,
            verification,
        };
        if version < SCHEMA_VERSION {
            store.verified()?;
        }
        store.migrate(version)?;
        Ok(store)
    }

    fn err(&self, e: rusqlite::Error) -> Error {
        storage(&self.path, e)
    }

    fn migrate(&mut self, from: i64) -> Result<(), Error> {
        if from >= SCHEMA_VERSION {
            return Ok(());
        }
        let path = self.path.clone();
        // Rebuilding a table (versions 3 and 6) needs foreign keys off, which SQLite only allows
        // outside a transaction; they are checked before commit and switched back on after.
        self.conn
            .pragma_update(None, "foreign_keys", false)
            .map_err(|e| storage(&path, e))?;
        let r = self.migrate_tx(from);
        let on = self
            .conn
            .pragma_update(None, "foreign_keys", true)
            .map_err(|e| storage(&path, e));
        r.and(on)
    }

    fn migrate_tx(&mut self, _from: i64) -> Result<(), Error> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Exclusive)
            .map_err(|e| storage(&path, e))?;
        // Re-read inside the lock: another process may have migrated meanwhile.
        let v: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| storage(&path, e))?;
        if v < 1 {
            tx.execute_batch(SCHEMA_V1).map_err(|e| storage(&path, e))?;
        }
        if v < 2 {
            tx.execute_batch(SCHEMA_V2).map_err(|e| storage(&path, e))?;
        }
        if v < 3 {
            tx.execute_batch(SCHEMA_V3).map_err(|e| storage(&path, e))?;
        }
        if v < 4 {
            migrate_v4_email_keys(&tx, &path)?;
        }
        if v < 5 {
            tx.execute_batch(SCHEMA_V5).map_err(|e| storage(&path, e))?;
        }
        if v < 6 {
            let has_parent: i64 = tx
                .query_row(
                    "SELECT count(*) FROM pragma_table_info('scopes') WHERE name = 'parent'",
                    [],
                    |r| r.get(0),
                )
                .map_err(|e| storage(&path, e))?;
            if has_parent == 0 {
                tx.execute_batch(SCHEMA_V6_SCOPES)
                    .map_err(|e| storage(&path, e))?;
            }
            tx.execute_batch(SCHEMA_V6).map_err(|e| storage(&path, e))?;
        }
        if v < 7 {
            migrate_v7(&tx, &path)?;
        }
        if v < 8 {
            migrate_v8(&tx, &path)?;
        }
        let broken: i64 = tx
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .map_err(|e| storage(&path, e))?;
        if broken > 0 {
            return Err(Error::Corrupt(format!(
                "{path}: {broken} rows break a foreign key; the schema migration was not applied"
            )));
        }
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)
            .map_err(|e| storage(&path, e))?;
        tx.commit().map_err(|e| storage(&path, e))
    }

    /// The path this store was opened from.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Runs `PRAGMA integrity_check` and reports anything but "ok" as [`Error::Corrupt`].
    ///
    /// # Errors
    /// [`Error::Corrupt`] with what the check reported; [`Error::Storage`] when it cannot run.
    pub fn integrity_check(&self) -> Result<(), Error> {
        let r: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        let fk: Option<String> = self
            .conn
            .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))?;
        match (r.as_str(), fk) {
            ("ok", None) => Ok(()),
            ("ok", Some(table)) => Err(Error::Corrupt(format!("foreign key violation in {table}"))),
            _ => Err(Error::Corrupt(r)),
        }
    }
}

impl Store for SqliteStore {
    fn load(&mut self) -> Result<Loaded, Error> {
        let mut changes = Vec::new();
        let loaded = self.load_into(&mut |c| changes.push(c))?;
        Ok(Loaded { changes, ..loaded })
    }

    fn load_into(&mut self, sink: &mut dyn FnMut(Change)) -> Result<Loaded, Error> {
        let path = self.path.clone();
        // One read transaction (or, under the write lock, part of it): a consistent picture even
        // while other processes write.
        let tx = self.conn.savepoint().map_err(|e| storage(&path, e))?;
        let next_ids = read_next_ids(&tx).map_err(|e| storage(&path, e))?;
        // Before reading a row: the model sizes tables by these ids.
        check_ids(&tx, &path, &next_ids)?;
        let revision = read_state(&tx, &path, sink)?;
        tx.finish().map_err(|e| storage(&path, e))?;
        self.revision = revision;
        Ok(Loaded {
            revision,
            changes: Vec::new(),
            next_ids: next_ids_of(&next_ids),
        })
    }

    fn capacity_hint(&mut self) -> NextIds {
        // Only what the rows justify: the stored next ids are checked by the load, not yet.
        let (Ok(next), Ok(limits)) = (read_next_ids(&self.conn), id_limits(&self.conn)) else {
            return NextIds::default();
        };
        let next = next_ids_of(&next);
        NextIds::from_fn(|kind| next[kind].min(limits(kind).0.saturating_add(1)))
    }

    fn begin_write(&mut self) -> Result<(), Error> {
        if self.read_only {
            // Nothing can be written: no lock to take (a change fails at commit).
            return Ok(());
        }
        self.verified()?;
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| self.err(e))?;
        // Read the revision afresh under the lock.
        self.seen_data_version = None;
        Ok(())
    }

    fn end_write(&mut self) -> Result<(), Error> {
        if self.conn.is_autocommit() {
            return Ok(());
        }
        self.conn.execute_batch("COMMIT").map_err(|e| {
            let _ = self.conn.execute_batch("ROLLBACK");
            self.err(e)
        })
    }

    fn commit(&mut self, commit: &Commit) -> Result<(), Error> {
        if self.read_only {
            return Err(Error::ReadOnly(format!(
                "{} was opened read-only",
                self.path
            )));
        }
        self.verified()?;
        // A bulk import is not copied into the log: an instance behind it reloads everything.
        let json = if commit.changes.len() > LOG_MAX_CHANGES {
            String::new()
        } else {
            serde_json::to_string(&commit.changes).map_err(|e| Error::Storage(e.to_string()))?
        };
        // Under the write lock when the directory took it; otherwise take it now. Either way
        // the transaction ends here: committed (durable) or rolled back.
        if self.conn.is_autocommit() {
            self.conn
                .execute_batch("BEGIN IMMEDIATE")
                .map_err(|e| self.err(e))?;
        }
        // A bulk commit (an import) writes far more pages than the default cache holds: with
        // the default, SQLite spills dirty pages of the indexes it is filling to the WAL and
        // reads them back, many times over. It gets a cache sized to it for its duration
        // (about 256 bytes of cache per change, at most 256 MiB), then the default again.
        let big = commit.changes.len() > BULK_CHANGES;
        if big {
            let kib = (commit.changes.len() / 4).min(BULK_CACHE_KIB);
            let _ = self.conn.pragma_update(None, "cache_size", -(kib as i64));
        }
        let done = self.write_commit(commit, &json).and_then(|()| {
            self.conn.execute_batch("COMMIT").map_err(|e| {
                // A deferred foreign key (a tenant's superadministrator, a scope's parent)
                // checked at the end of the commit.
                match e.sqlite_error_code() {
                    Some(ErrorCode::ConstraintViolation) => Error::Corrupt(format!(
                        "{}: commit {} breaks a schema constraint: {e}",
                        self.path, commit.revision
                    )),
                    _ => storage(&self.path, e),
                }
            })
        });
        if done.is_err() && !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        if big {
            let _ = self
                .conn
                .pragma_update(None, "cache_size", DEFAULT_CACHE_SIZE);
        }
        done?;
        self.revision = commit.revision;
        Ok(())
    }

    fn revision(&mut self) -> Result<u64, Error> {
        let dv: i64 = self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if self.seen_data_version != Some(dv) {
            self.revision = stored_revision(&self.conn).map_err(|e| self.err(e))?;
            self.seen_data_version = Some(dv);
        }
        Ok(self.revision)
    }

    fn append_audit(&mut self, events: &[AuditEvent]) -> Result<(), Error> {
        if self.read_only {
            return Err(Error::ReadOnly(format!(
                "{} was opened read-only",
                self.path
            )));
        }
        self.verified()?;
        if !self.conn.is_autocommit() {
            // Under the write lock: part of it, durable at `end_write`.
            return insert_audit(&self.conn, events).map_err(|e| self.err(e));
        }
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| storage(&path, e))?;
        insert_audit(&tx, events).map_err(|e| storage(&path, e))?;
        tx.commit().map_err(|e| storage(&path, e))
    }

    fn query_audit(&mut self, q: &AuditQuery) -> Result<(Vec<AuditEvent>, usize), Error> {
        let (filter, args) = audit_filter(q);
        let path = self.path.clone();
        let st = |e| storage(&path, e);
        let total: i64 = self
            .conn
            .query_row(
                &format!("SELECT count(*) FROM audit{filter}"),
                rusqlite::params_from_iter(args.iter()),
                |r| r.get(0),
            )
            .map_err(st)?;
        let (limit, offset) = (q.limit as i64, q.offset as i64);
        let page_args = args
            .iter()
            .map(|a| a.as_ref())
            .chain([&limit as &dyn ToSql, &offset]);
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {AUDIT_COLUMNS} FROM audit{filter} ORDER BY seq LIMIT ? OFFSET ?"
            ))
            .map_err(st)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(page_args), event_of)
            .map_err(st)?;
        let items = rows.collect::<Result<Vec<_>, _>>().map_err(st)?;
        Ok((items, total as usize))
    }

    fn audit_after(&mut self, after_seq: u64, limit: usize) -> Result<Vec<AuditEvent>, Error> {
        let path = self.path.clone();
        let st = |e| storage(&path, e);
        let after = i64::try_from(after_seq).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {AUDIT_COLUMNS} FROM audit WHERE seq > ?1 ORDER BY seq LIMIT ?2"
            ))
            .map_err(st)?;
        let rows = stmt
            .query_map(rusqlite::params![after, limit], event_of)
            .map_err(st)?;
        let items = rows.collect::<Result<Vec<_>, _>>().map_err(st)?;
        Ok(items)
    }

    fn prune_audit(
        &mut self,
        before_ms: i64,
        export: &mut dyn FnMut(&AuditEvent) -> Result<(), Error>,
        record: &dyn Fn(u64) -> Vec<AuditEvent>,
    ) -> Result<u64, Error> {
        if self.read_only {
            return Err(Error::ReadOnly(format!(
                "{} was opened read-only",
                self.path
            )));
        }
        self.verified()?;
        if self.conn.is_autocommit() {
            // Not under the directory's write lock: take it for this one transaction.
            self.begin_write()?;
            let pruned = self.prune_audit(before_ms, export, record);
            if pruned.is_err() {
                let _ = self.conn.execute_batch("ROLLBACK");
                return pruned;
            }
            self.end_write()?;
            return pruned;
        }
        let path = self.path.clone();
        let st = |e| storage(&path, e);
        // A savepoint: an export error undoes the pruning and leaves the write lock held.
        let sp = self.conn.savepoint().map_err(st)?;
        // The longest prefix of the log (by seq) stamped before `before_ms`.
        let through: i64 = sp
            .query_row(
                "SELECT coalesce((SELECT min(seq) FROM audit WHERE at >= ?1) - 1,
                                 (SELECT max(seq) FROM audit), 0)",
                [before_ms],
                |r| r.get(0),
            )
            .map_err(st)?;
        {
            let mut q = sp
                .prepare(&format!(
                    "SELECT {AUDIT_COLUMNS} FROM audit WHERE seq <= ?1 ORDER BY seq"
                ))
                .map_err(st)?;
            let mut rows = q.query([through]).map_err(st)?;
            while let Some(r) = rows.next().map_err(st)? {
                export(&event_of(r).map_err(st)?)?;
            }
        }
        sp.execute(
            "UPDATE audit_retention SET pruned_through = max(pruned_through, ?1)",
            [through],
        )
        .map_err(st)?;
        let removed = sp
            .execute("DELETE FROM audit WHERE seq <= ?1", [through])
            .map_err(st)? as u64;
        insert_audit(&sp, &record(removed)).map_err(st)?;
        sp.commit().map_err(st)?;
        Ok(removed)
    }

    fn commits_since(&mut self, revision: u64) -> Result<Option<Vec<Commit>>, Error> {
        let path = self.path.clone();
        let st = |e| storage(&path, e);
        let tx = self.conn.savepoint().map_err(st)?;
        let stored = stored_revision(&tx).map_err(st)?;
        let oldest: Option<i64> = tx
            .query_row("SELECT min(revision) FROM commits", [], |r| r.get(0))
            .map_err(st)?;
        if stored > revision && oldest.is_none_or(|o| o as u64 > revision + 1) {
            return Ok(None);
        }
        let mut q = tx
            .prepare("SELECT revision, at, actor, changes FROM commits WHERE revision > ?1 ORDER BY revision")
            .map_err(st)?;
        let mut rows = q.query([revision as i64]).map_err(st)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(st)? {
            let json: String = r.get(3).map_err(st)?;
            if json.is_empty() {
                return Ok(None);
            }
            out.push(Commit {
                revision: unsigned(r.get(0).map_err(st)?),
                at: r.get(1).map_err(st)?,
                actor: r.get(2).map_err(st)?,
                changes: serde_json::from_str(&json)
                    .map_err(|e| corrupt(format!("commit log: {e}")))?,
                audit: Vec::new(),
            });
        }
        drop(rows);
        drop(q);
        tx.finish().map_err(st)?;
        Ok(Some(out))
    }
}

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

use rusqlite::types::{FromSql, ToSql};
use rusqlite::{params, Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior};

use super::{Loaded, Store};
use crate::audit::{AuditEvent, AuditQuery};
use crate::credentials::{Credential, PasswordPolicy, ResetToken};
use crate::domain::{
    AccessLevel, Agreement, AgreementId, Change, Commit, Group, GroupId, NextIds, ObjectKind,
    Permission, Product, Role, RoleId, RoleNamespace, Scope, ScopeId, ScopeKind, Tenant, TenantId,
    TenantSettings, User, UserId,
};
use crate::Error;

const SCHEMA_VERSION: i64 = SqliteStore::SCHEMA_VERSION;
const LOG_KEEP: u64 = SqliteStore::LOG_KEEP;
const LOG_MAX_CHANGES: usize = SqliteStore::LOG_MAX_CHANGES;

const SCHEMA_V1: &str = r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('revision', 0);
CREATE TABLE tenants (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    superadmin INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    FOREIGN KEY (id, superadmin) REFERENCES users (tenant, id) DEFERRABLE INITIALLY DEFERRED
);
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    tenant INTEGER NOT NULL REFERENCES tenants (id),
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL,
    phone TEXT,
    active INTEGER NOT NULL CHECK (active IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    last_login INTEGER,
    UNIQUE (tenant, email_key),
    UNIQUE (tenant, id)
);
CREATE TABLE roles (
    id INTEGER PRIMARY KEY,
    tenant INTEGER NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    permissions TEXT NOT NULL,
    scoped INTEGER NOT NULL CHECK (scoped IN (0, 1)),
    admin_tier INTEGER NOT NULL CHECK (admin_tier IN (0, 1)),
    preset TEXT,
    description TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (tenant, name_key),
    UNIQUE (tenant, id)
);
CREATE TABLE scopes (
    id INTEGER PRIMARY KEY,
    tenant INTEGER NOT NULL REFERENCES tenants (id),
    kind TEXT NOT NULL CHECK (kind IN ('call_group', 'ivr')),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    UNIQUE (tenant, kind, name_key),
    UNIQUE (tenant, id)
);
CREATE TABLE groups (
    id INTEGER PRIMARY KEY,
    tenant INTEGER NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (tenant, name_key),
    UNIQUE (tenant, id)
);
CREATE TABLE user_roles (
    tenant INTEGER NOT NULL,
    user INTEGER NOT NULL,
    role INTEGER NOT NULL,
    PRIMARY KEY (user, role),
    FOREIGN KEY (tenant, user) REFERENCES users (tenant, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, role) REFERENCES roles (tenant, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX user_roles_role ON user_roles (role);
CREATE TABLE user_scopes (
    tenant INTEGER NOT NULL,
    user INTEGER NOT NULL,
    scope INTEGER NOT NULL,
    PRIMARY KEY (user, scope),
    FOREIGN KEY (tenant, user) REFERENCES users (tenant, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, scope) REFERENCES scopes (tenant, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX user_scopes_scope ON user_scopes (scope);
CREATE TABLE group_roles (
    tenant INTEGER NOT NULL,
    grp INTEGER NOT NULL,
    role INTEGER NOT NULL,
    PRIMARY KEY (grp, role),
    FOREIGN KEY (tenant, grp) REFERENCES groups (tenant, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, role) REFERENCES roles (tenant, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX group_roles_role ON group_roles (role);
CREATE TABLE group_members (
    tenant INTEGER NOT NULL,
    grp INTEGER NOT NULL,
    user INTEGER NOT NULL,
    PRIMARY KEY (grp, user),
    FOREIGN KEY (tenant, grp) REFERENCES groups (tenant, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, user) REFERENCES users (tenant, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX group_members_user ON group_members (user);
CREATE TABLE agreements (
    id INTEGER PRIMARY KEY,
    tenant INTEGER NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    owner INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (tenant, name_key),
    UNIQUE (tenant, id),
    FOREIGN KEY (tenant, owner) REFERENCES users (tenant, id)
);
CREATE TABLE levels (
    tenant INTEGER NOT NULL,
    agreement INTEGER NOT NULL,
    user INTEGER NOT NULL,
    product INTEGER NOT NULL CHECK (product BETWEEN 0 AND 6),
    level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 2),
    PRIMARY KEY (agreement, user, product),
    FOREIGN KEY (tenant, agreement) REFERENCES agreements (tenant, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, user) REFERENCES users (tenant, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX levels_user ON levels (user);
CREATE TABLE pbx_links (
    tenant INTEGER NOT NULL,
    agreement INTEGER NOT NULL,
    user INTEGER NOT NULL,
    subscriber TEXT NOT NULL,
    PRIMARY KEY (agreement, user),
    FOREIGN KEY (tenant, agreement) REFERENCES agreements (tenant, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, user) REFERENCES users (tenant, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX pbx_links_user ON pbx_links (user);
CREATE TABLE commits (
    revision INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor INTEGER,
    changes TEXT NOT NULL
);
"#;

/// Version 2: credentials, recovery tokens, security stamps, password policies, audit log.
const SCHEMA_V2: &str = r#"
ALTER TABLE users ADD COLUMN stamp INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tenants ADD COLUMN policy TEXT;
CREATE TABLE credentials (
    user INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    hash TEXT NOT NULL,
    must_change INTEGER NOT NULL CHECK (must_change IN (0, 1)),
    changed_at INTEGER NOT NULL,
    failed_logins INTEGER NOT NULL,
    locked_until INTEGER
);
CREATE TABLE reset_tokens (
    hash TEXT PRIMARY KEY,
    user INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    issued_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX reset_tokens_user ON reset_tokens (user);
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    tenant INTEGER NOT NULL,
    actor INTEGER,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    target_kind TEXT,
    target_id INTEGER,
    detail TEXT,
    revision INTEGER,
    before TEXT,
    after TEXT
);
INSERT INTO meta (key, value) SELECT 'next_tenant', coalesce(max(id), 0) + 1 FROM tenants;
INSERT INTO meta (key, value) SELECT 'next_user', coalesce(max(id), 0) + 1 FROM users;
INSERT INTO meta (key, value) SELECT 'next_role', coalesce(max(id), 0) + 1 FROM roles;
INSERT INTO meta (key, value) SELECT 'next_group', coalesce(max(id), 0) + 1 FROM groups;
INSERT INTO meta (key, value) SELECT 'next_scope', coalesce(max(id), 0) + 1 FROM scopes;
INSERT INTO meta (key, value) SELECT 'next_agreement', coalesce(max(id), 0) + 1 FROM agreements;
CREATE INDEX audit_tenant_at ON audit (tenant, at);
CREATE INDEX audit_actor ON audit (actor, seq);
CREATE INDEX audit_target ON audit (target_kind, target_id, seq);
CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"#;

const SCHEMA_V3: &str = r#"
ALTER TABLE tenants ADD COLUMN settings TEXT;
-- Role names are unique per namespace (the preset a built-in role comes from, or 'custom'):
-- rebuild roles with UNIQUE (tenant, namespace, name_key). Runs with foreign keys off (see
-- `migrate`), so dropping the old table cascades nothing; user_roles and group_roles keep
-- referencing "roles" by name.
CREATE TABLE roles_v3 (
    id INTEGER PRIMARY KEY,
    tenant INTEGER NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    permissions TEXT NOT NULL,
    scoped INTEGER NOT NULL CHECK (scoped IN (0, 1)),
    admin_tier INTEGER NOT NULL CHECK (admin_tier IN (0, 1)),
    namespace TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (tenant, namespace, name_key),
    UNIQUE (tenant, id)
);
INSERT INTO roles_v3 (id, tenant, name, name_key, permissions, scoped, admin_tier, namespace, description, created_at)
    SELECT id, tenant, name, name_key, permissions, scoped, admin_tier, coalesce(preset, 'custom'), description, created_at
    FROM roles;
DROP TABLE roles;
ALTER TABLE roles_v3 RENAME TO roles;
-- Logged changes hold roles in the old shape: drop them, so an instance catching up reloads.
DELETE FROM commits;
"#;

/// Version 4: login emails compare by Unicode NFKC and full case folding
/// ([`validate::email_key`](crate::domain::validate::email_key)) instead of `to_lowercase`.
/// Every user's `email_key` is recomputed in Rust; two users of one tenant whose emails now
/// give the same key stop the migration with [`Error::Corrupt`] naming both (the file is left
/// as it was: change one of the two emails with the previous version, then open it again).
fn migrate_v4_email_keys(tx: &Connection, path: &str) -> Result<(), Error> {
    let st = |e| storage(path, e);
    let mut rows: Vec<(i64, i64, String, String)> = Vec::new();
    {
        let mut q = tx
            .prepare("SELECT id, tenant, email, email_key FROM users ORDER BY id")
            .map_err(st)?;
        let mut it = q.query([]).map_err(st)?;
        while let Some(r) = it.next().map_err(st)? {
            rows.push((
                r.get(0).map_err(st)?,
                r.get(1).map_err(st)?,
                r.get(2).map_err(st)?,
                r.get(3).map_err(st)?,
            ));
        }
    }
    let mut seen: std::collections::HashMap<(i64, String), (i64, &str)> =
        std::collections::HashMap::with_capacity(rows.len());
    let mut changed = Vec::new();
    for (id, tenant, email, old_key) in &rows {
        let key = crate::domain::validate::email_key(email);
        if let Some((other, other_email)) = seen.insert((*tenant, key.clone()), (*id, email)) {
            return Err(Error::Corrupt(format!(
                "{path}: users #{other} ({other_email:?}) and #{id} ({email:?}) of tenant \
                 #{tenant} have the same login once emails compare by Unicode normalisation \
                 and full case folding; change one of the two emails with the previous \
                 version of rolecall, then open the file again (it was left unchanged)"
            )));
        }
        if key != *old_key {
            changed.push((*id, key));
        }
    }
    // Two passes, so that no intermediate state collides with a key about to change.
    for (id, _) in &changed {
        tx.execute(
            "UPDATE users SET email_key = ?2 WHERE id = ?1",
            params![id, format!("\u{1}migrating {id}")],
        )
        .map_err(st)?;
    }
    for (id, key) in &changed {
        tx.execute(
            "UPDATE users SET email_key = ?2 WHERE id = ?1",
            params![id, key],
        )
        .map_err(st)?;
    }
    Ok(())
}

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
pub struct SqliteStore {
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
    pub const SCHEMA_VERSION: i64 = 4;
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
        Self::init(conn, name, opts)
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
        let mut store = Self::init(conn, name, opts)?;
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
        Self::init(conn, ":memory:".into(), &SqliteOptions::default())
    }

    fn init(conn: Connection, path: String, opts: &SqliteOptions) -> Result<SqliteStore, Error> {
        let st = |e| storage(&path, e);
        conn.busy_timeout(opts.busy_timeout).map_err(st)?;
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
        let mut store = SqliteStore {
            conn,
            path,
            read_only,
            seen_data_version: None,
            revision: 0,
            immutable: false,
        };
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
        // Rebuilding a table (version 3) needs foreign keys off, which SQLite only allows
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

    /// Writes `commit` (its log entry `json`) in the open write transaction.
    fn write_commit(&self, commit: &Commit, json: &str) -> Result<(), Error> {
        let path = &self.path;
        let tx = &self.conn;
        let st = |e| storage(path, e);
        let stored = Self::stored_revision(tx).map_err(st)?;
        if stored + 1 != commit.revision {
            return Err(Error::RevisionConflict {
                stored,
                expected: commit.revision - 1,
            });
        }
        for c in &commit.changes {
            apply_change(tx, c).map_err(|e| match e.sqlite_error_code() {
                Some(ErrorCode::ConstraintViolation) => Error::Corrupt(format!(
                    "{path}: change {c:?} breaks a schema constraint: {e}"
                )),
                _ => storage(path, e),
            })?;
        }
        tx.execute(
            "INSERT INTO commits (revision, at, actor, changes) VALUES (?1, ?2, ?3, ?4)",
            params![commit.revision as i64, commit.at, commit.actor, json],
        )
        .map_err(st)?;
        if commit.revision > LOG_KEEP {
            tx.execute(
                "DELETE FROM commits WHERE revision <= ?1",
                [(commit.revision - LOG_KEEP) as i64],
            )
            .map_err(st)?;
        }
        for (kind, id) in commit.changes.iter().filter_map(Change::allocated_id) {
            tx.execute(
                "UPDATE meta SET value = max(value, ?2) WHERE key = ?1",
                params![format!("next_{kind}"), id as i64 + 1],
            )
            .map_err(st)?;
        }
        insert_audit(tx, &commit.audit).map_err(st)?;
        tx.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'revision'",
            [commit.revision as i64],
        )
        .map_err(st)?;
        Ok(())
    }

    fn stored_revision(conn: &Connection) -> rusqlite::Result<u64> {
        conn.query_row("SELECT value FROM meta WHERE key = 'revision'", [], |r| {
            r.get::<_, i64>(0)
        })
        .map(|v| v as u64)
    }
}

fn fold(s: &str) -> String {
    crate::domain::validate::fold(s)
}

fn perms_text(p: Permission) -> String {
    p.names().join(" ")
}

/// Writes one change to the tables it touches.
fn apply_change(tx: &Connection, c: &Change) -> rusqlite::Result<()> {
    match c {
        Change::TenantPut(t) => put_tenant(tx, t),
        Change::UserPut(u) => put_user(tx, u),
        Change::UserDeleted { id } => exec(tx, "DELETE FROM users WHERE id = ?1", [id]),
        Change::LoginRecorded { user, at } => exec(
            tx,
            "UPDATE users SET last_login = ?2 WHERE id = ?1",
            params![user, at],
        ),
        Change::StampSet { users, stamp } => set_stamps(tx, users, *stamp),
        Change::RolePut(r) => put_role(tx, r),
        Change::RoleDeleted { id } => exec(tx, "DELETE FROM roles WHERE id = ?1", [id]),
        Change::GroupPut(g) => put_group(tx, g),
        Change::GroupDeleted { id } => exec(tx, "DELETE FROM groups WHERE id = ?1", [id]),
        Change::MemberAdded { group, user } => exec(
            tx,
            "INSERT OR IGNORE INTO group_members (tenant, grp, user)
             SELECT tenant, id, ?2 FROM groups WHERE id = ?1",
            params![group, user],
        ),
        Change::MemberRemoved { group, user } => exec(
            tx,
            "DELETE FROM group_members WHERE grp = ?1 AND user = ?2",
            params![group, user],
        ),
        Change::ScopePut(s) => put_scope(tx, s),
        Change::ScopeDeleted { id } => exec(tx, "DELETE FROM scopes WHERE id = ?1", [id]),
        Change::AgreementPut(a) => put_agreement(tx, a),
        Change::LevelSet {
            agreement,
            user,
            product,
            level,
        } => set_level(tx, *agreement, *user, *product, *level),
        Change::PbxLinkSet {
            agreement,
            user,
            subscriber,
        } => set_pbx_link(tx, *agreement, *user, subscriber.as_deref()),
        Change::CredentialPut(c) => put_credential(tx, c),
        Change::ResetTokenPut(t) => exec(
            tx,
            "INSERT OR REPLACE INTO reset_tokens (hash, user, issued_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![t.hash, t.user, t.issued_at, t.expires_at],
        ),
        Change::ResetTokensCleared { user } => {
            exec(tx, "DELETE FROM reset_tokens WHERE user = ?1", [user])
        }
    }
}

/// Runs one statement, whatever the number of rows it changes.
fn exec(tx: &Connection, sql: &str, p: impl rusqlite::Params) -> rusqlite::Result<()> {
    tx.execute(sql, p).map(drop)
}

/// Replaces the link rows of `owner` (its roles, its scopes) with `items`: `delete` takes the
/// owner, `insert` the tenant, the owner and one item.
fn replace_links<O: ToSql, I: ToSql>(
    tx: &Connection,
    (delete, insert): (&str, &str),
    tenant: TenantId,
    owner: O,
    items: impl IntoIterator<Item = I>,
) -> rusqlite::Result<()> {
    tx.execute(delete, [&owner])?;
    let mut ins = tx.prepare_cached(insert)?;
    for item in items {
        ins.execute(params![tenant, owner, item])?;
    }
    Ok(())
}

fn put_tenant(tx: &Connection, t: &Tenant) -> rusqlite::Result<()> {
    exec(
        tx,
        "INSERT INTO tenants (id, name, superadmin, created_at, policy, settings)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET name = ?2, superadmin = ?3, policy = ?5, settings = ?6",
        params![
            t.id,
            t.name,
            t.superadmin,
            t.created_at,
            serde_json::to_string(&t.policy).unwrap_or_default(),
            serde_json::to_string(&t.settings).unwrap_or_default()
        ],
    )
}

fn put_user(tx: &Connection, u: &User) -> rusqlite::Result<()> {
    exec(
        tx,
        "INSERT INTO users (id, tenant, first_name, last_name, email, email_key, phone, active, created_at, updated_at, last_login, stamp)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (id) DO UPDATE SET first_name = ?3, last_name = ?4, email = ?5, email_key = ?6,
           phone = ?7, active = ?8, updated_at = ?10, last_login = ?11, stamp = ?12",
        params![
            u.id,
            u.tenant,
            u.first_name,
            u.last_name,
            u.email,
            crate::domain::validate::email_key(&u.email),
            u.phone,
            u.active,
            u.created_at,
            u.updated_at,
            u.last_login,
            u.stamp as i64
        ],
    )?;
    replace_links(
        tx,
        (
            "DELETE FROM user_roles WHERE user = ?1",
            "INSERT INTO user_roles (tenant, user, role) VALUES (?1, ?2, ?3)",
        ),
        u.tenant,
        u.id,
        &u.roles,
    )?;
    replace_links(
        tx,
        (
            "DELETE FROM user_scopes WHERE user = ?1",
            "INSERT INTO user_scopes (tenant, user, scope) VALUES (?1, ?2, ?3)",
        ),
        u.tenant,
        u.id,
        &u.scopes,
    )
}

fn set_stamps(tx: &Connection, users: &[UserId], stamp: u64) -> rusqlite::Result<()> {
    let mut up = tx.prepare_cached("UPDATE users SET stamp = ?2 WHERE id = ?1")?;
    for u in users {
        up.execute(params![u, stamp as i64])?;
    }
    Ok(())
}

fn put_role(tx: &Connection, r: &Role) -> rusqlite::Result<()> {
    exec(
        tx,
        "INSERT INTO roles (id, tenant, name, name_key, permissions, scoped, admin_tier, namespace, description, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (id) DO UPDATE SET name = ?3, name_key = ?4, permissions = ?5, scoped = ?6,
           admin_tier = ?7, namespace = ?8, description = ?9",
        params![
            r.id,
            r.tenant,
            r.name,
            fold(&r.name),
            perms_text(r.permissions),
            r.scoped,
            r.admin_tier,
            r.namespace.name(),
            r.description,
            r.created_at
        ],
    )
}

fn put_group(tx: &Connection, g: &Group) -> rusqlite::Result<()> {
    exec(
        tx,
        "INSERT INTO groups (id, tenant, name, name_key, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET name = ?3, name_key = ?4",
        params![g.id, g.tenant, g.name, fold(&g.name), g.created_at],
    )?;
    replace_links(
        tx,
        (
            "DELETE FROM group_roles WHERE grp = ?1",
            "INSERT INTO group_roles (tenant, grp, role) VALUES (?1, ?2, ?3)",
        ),
        g.tenant,
        g.id,
        &g.roles,
    )
}

fn put_scope(tx: &Connection, s: &Scope) -> rusqlite::Result<()> {
    exec(
        tx,
        "INSERT INTO scopes (id, tenant, kind, name, name_key) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET kind = ?3, name = ?4, name_key = ?5",
        params![s.id, s.tenant, s.kind.name(), s.name, fold(&s.name)],
    )
}

fn put_agreement(tx: &Connection, a: &Agreement) -> rusqlite::Result<()> {
    exec(
        tx,
        "INSERT INTO agreements (id, tenant, name, name_key, owner, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET name = ?3, name_key = ?4, owner = ?5",
        params![a.id, a.tenant, a.name, fold(&a.name), a.owner, a.created_at],
    )?;
    exec(
        tx,
        "DELETE FROM levels WHERE agreement = ?1 AND user = ?2",
        params![a.id, a.owner],
    )
}

fn set_level(
    tx: &Connection,
    agreement: AgreementId,
    user: UserId,
    product: Product,
    level: AccessLevel,
) -> rusqlite::Result<()> {
    if level == AccessLevel::Owner {
        return Ok(());
    }
    exec(
        tx,
        "INSERT INTO levels (tenant, agreement, user, product, level)
         SELECT tenant, id, ?2, ?3, ?4 FROM agreements WHERE id = ?1 AND owner != ?2
         ON CONFLICT (agreement, user, product) DO UPDATE SET level = excluded.level",
        params![agreement, user, product as i64, level as i64],
    )
}

fn set_pbx_link(
    tx: &Connection,
    agreement: AgreementId,
    user: UserId,
    subscriber: Option<&str>,
) -> rusqlite::Result<()> {
    match subscriber {
        Some(s) => exec(
            tx,
            "INSERT INTO pbx_links (tenant, agreement, user, subscriber)
             SELECT tenant, id, ?2, ?3 FROM agreements WHERE id = ?1
             ON CONFLICT (agreement, user) DO UPDATE SET subscriber = excluded.subscriber",
            params![agreement, user, s],
        ),
        None => exec(
            tx,
            "DELETE FROM pbx_links WHERE agreement = ?1 AND user = ?2",
            params![agreement, user],
        ),
    }
}

fn put_credential(tx: &Connection, c: &Credential) -> rusqlite::Result<()> {
    exec(
        tx,
        "INSERT INTO credentials (user, hash, must_change, changed_at, failed_logins, locked_until)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (user) DO UPDATE SET hash = ?2, must_change = ?3, changed_at = ?4,
           failed_logins = ?5, locked_until = ?6",
        params![
            c.user,
            c.hash,
            c.must_change,
            c.changed_at,
            c.failed_logins,
            c.locked_until
        ],
    )
}

fn corrupt(what: impl std::fmt::Display) -> Error {
    Error::Corrupt(what.to_string())
}

/// The largest id (or next id) of a kind not indexed densely a file may hold: far more than
/// a directory allocates, and room left to add to it without overflow.
const MAX_ID: i64 = 1 << 53;

/// The columns holding ids, with their kind.
const ID_COLUMNS: &[(ObjectKind, &str, &str)] = &[
    (ObjectKind::Tenant, "tenants", "id"),
    (ObjectKind::User, "users", "id"),
    (ObjectKind::User, "tenants", "superadmin"),
    (ObjectKind::User, "user_roles", "user"),
    (ObjectKind::User, "user_scopes", "user"),
    (ObjectKind::User, "group_members", "user"),
    (ObjectKind::User, "agreements", "owner"),
    (ObjectKind::User, "levels", "user"),
    (ObjectKind::User, "pbx_links", "user"),
    (ObjectKind::User, "credentials", "user"),
    (ObjectKind::User, "reset_tokens", "user"),
    (ObjectKind::Role, "roles", "id"),
    (ObjectKind::Role, "user_roles", "role"),
    (ObjectKind::Role, "group_roles", "role"),
    (ObjectKind::Group, "groups", "id"),
    (ObjectKind::Group, "group_roles", "grp"),
    (ObjectKind::Group, "group_members", "grp"),
    (ObjectKind::Scope, "scopes", "id"),
    (ObjectKind::Scope, "user_scopes", "scope"),
    (ObjectKind::Agreement, "agreements", "id"),
    (ObjectKind::Agreement, "levels", "agreement"),
    (ObjectKind::Agreement, "pbx_links", "agreement"),
];

/// The largest id of each kind the file may hold given its rows: [`super::dense_id_limit`] for
/// users and scopes, [`MAX_ID`] for the rest.
/// Each kind's limit comes with its rows (0 for the kinds not indexed densely).
fn id_limits(conn: &Connection) -> rusqlite::Result<impl Fn(ObjectKind) -> (u64, i64)> {
    let rows = |table: &str| -> rusqlite::Result<i64> {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
    };
    let (users, scopes) = (rows("users")?, rows("scopes")?);
    Ok(move |kind| match kind {
        ObjectKind::User => (super::dense_id_limit(users as u64), users),
        ObjectKind::Scope => (super::dense_id_limit(scopes as u64), scopes),
        _ => (MAX_ID as u64, 0),
    })
}

/// Reports ids a damaged file holds that no directory allocates and the model would size
/// tables for: ids below 1, ids or next ids of users and scopes past
/// [`super::dense_id_limit`] of their rows, ids of other kinds and the revision past
/// [`MAX_ID`] (where adding to them could overflow).
fn check_ids(tx: &Connection, path: &str, next_ids: &[(ObjectKind, i64)]) -> Result<(), Error> {
    let st = |e| storage(path, e);
    let revision: i64 = tx
        .query_row("SELECT value FROM meta WHERE key = 'revision'", [], |r| {
            r.get(0)
        })
        .map_err(st)?;
    if !(0..=MAX_ID).contains(&revision) {
        return Err(corrupt(format!(
            "the revision is {revision}, outside 0..={MAX_ID}: the file is damaged"
        )));
    }
    let limits = id_limits(tx).map_err(st)?;
    let beyond = |kind: ObjectKind, what: String, v: i64| {
        let (limit, rows) = limits(kind);
        if kind.is_dense() {
            corrupt(format!(
                "{what} is {v}, absurd for {rows} {kind}s (at most {limit}): the file is damaged"
            ))
        } else {
            corrupt(format!("{what} is {v}, past {limit}: the file is damaged"))
        }
    };
    for &(kind, next) in next_ids {
        // The next id is one past the largest id ever allocated.
        if next < 0 || (next as u64).saturating_sub(1) > limits(kind).0 {
            return Err(beyond(kind, format!("next_{kind}"), next));
        }
    }
    for &(kind, table, column) in ID_COLUMNS {
        // Two subqueries, so that each is answered from an index end, not a scan.
        let (min, max): (Option<i64>, Option<i64>) = tx
            .query_row(
                &format!(
                    "SELECT (SELECT min({column}) FROM {table}), (SELECT max({column}) FROM {table})"
                ),
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(st)?;
        if let Some(min) = min.filter(|m| *m < 1) {
            return Err(corrupt(format!(
                "{table}.{column} holds id {min}, below 1: the file is damaged"
            )));
        }
        if let Some(max) = max.filter(|m| *m as u64 > limits(kind).0) {
            return Err(beyond(
                kind,
                format!("{table}.{column} holds an id that"),
                max,
            ));
        }
    }
    Ok(())
}

/// The u64 stored as the integer with the same 64 bits (stamps, revisions, sequence numbers).
fn unsigned(v: i64) -> u64 {
    v as u64
}

/// The next id of each kind, as stored in `meta` (0 when missing; unchecked, so signed).
fn read_next_ids(conn: &Connection) -> rusqlite::Result<Vec<(ObjectKind, i64)>> {
    ObjectKind::ALL
        .into_iter()
        .map(|kind| {
            let next = conn
                .query_row(
                    "SELECT value FROM meta WHERE key = ?1",
                    [format!("next_{kind}")],
                    |r| r.get::<_, i64>(0),
                )
                .optional()?;
            Ok((kind, next.unwrap_or(0)))
        })
        .collect()
}

/// `next_ids` as [`NextIds`], negatives as 0 (after [`check_ids`], there are none).
fn next_ids_of(next_ids: &[(ObjectKind, i64)]) -> NextIds {
    let mut out = NextIds::default();
    next_ids
        .iter()
        .for_each(|&(kind, next)| out[kind] = next.max(0) as u64);
    out
}

/// Runs `row` on every row of `sql`.
fn each_row(
    tx: &Connection,
    path: &str,
    sql: &str,
    mut row: impl FnMut(&rusqlite::Row<'_>) -> Result<(), Error>,
) -> Result<(), Error> {
    let st = |e| storage(path, e);
    let mut q = tx.prepare(sql).map_err(st)?;
    let mut rows = q.query([]).map_err(st)?;
    while let Some(r) = rows.next().map_err(st)? {
        row(r)?;
    }
    Ok(())
}

/// `(owner, item)` pairs ordered by owner, for a merge with the owners' rows.
type Pairs<O, T> = std::iter::Peekable<std::vec::IntoIter<(O, T)>>;

/// Reads `(owner, item)` pairs ordered by owner, for a merge with the owners' rows.
fn read_pairs<O: FromSql, T: FromSql>(
    tx: &Connection,
    path: &str,
    sql: &str,
) -> Result<Pairs<O, T>, Error> {
    let st = |e| storage(path, e);
    let mut out = Vec::new();
    each_row(tx, path, sql, |r| {
        out.push((r.get(0).map_err(st)?, r.get(1).map_err(st)?));
        Ok(())
    })?;
    Ok(out.into_iter().peekable())
}

/// The items of `owner` from pairs ordered by owner; pairs of owners that have no row (which
/// foreign keys rule out) are skipped.
fn take_pairs<O: Ord, T: Ord>(pairs: &mut Pairs<O, T>, owner: O) -> std::collections::BTreeSet<T> {
    while pairs.next_if(|(o, _)| *o < owner).is_some() {}
    std::iter::from_fn(|| pairs.next_if(|(o, _)| *o == owner).map(|(_, t)| t)).collect()
}

/// Reads the whole state as changes, in an order that rebuilds it (parents before children).
fn read_state(tx: &Connection, path: &str, sink: &mut dyn FnMut(Change)) -> Result<u64, Error> {
    let revision = SqliteStore::stored_revision(tx).map_err(|e| storage(path, e))?;
    read_tenants(tx, path, sink)?;
    read_roles(tx, path, sink)?;
    read_scopes(tx, path, sink)?;
    read_users(tx, path, sink)?;
    read_groups(tx, path, sink)?;
    read_agreements(tx, path, sink)?;
    read_credentials(tx, path, sink)?;
    Ok(revision)
}

/// Tenants, with their password policy and settings.
fn read_tenants(tx: &Connection, path: &str, sink: &mut dyn FnMut(Change)) -> Result<(), Error> {
    let st = |e| storage(path, e);
    each_row(
        tx,
        path,
        "SELECT id, name, superadmin, created_at, policy, settings FROM tenants ORDER BY id",
        |r| {
            let tid: TenantId = r.get(0).map_err(st)?;
            let policy: Option<String> = r.get(4).map_err(st)?;
            let settings: Option<String> = r.get(5).map_err(st)?;
            sink(Change::TenantPut(Tenant {
                id: tid,
                name: r.get(1).map_err(st)?,
                superadmin: r.get(2).map_err(st)?,
                created_at: r.get(3).map_err(st)?,
                policy: match policy {
                    None => PasswordPolicy::default(),
                    Some(p) => serde_json::from_str(&p)
                        .map_err(|e| corrupt(format!("{tid} password policy: {e}")))?,
                },
                settings: match settings {
                    None => TenantSettings::default(),
                    Some(s) => serde_json::from_str(&s)
                        .map_err(|e| corrupt(format!("{tid} settings: {e}")))?,
                },
            }));
            Ok(())
        },
    )
}

/// Roles; a permission the catalogue no longer knows is damage.
fn read_roles(tx: &Connection, path: &str, sink: &mut dyn FnMut(Change)) -> Result<(), Error> {
    let st = |e| storage(path, e);
    each_row(tx, path, "SELECT id, tenant, name, permissions, scoped, admin_tier, namespace, description, created_at FROM roles ORDER BY id", |r| {
        let rid: RoleId = r.get(0).map_err(st)?;
        let text: String = r.get(3).map_err(st)?;
        let mut permissions = Permission::empty();
        for n in text.split_whitespace() {
            permissions |= Permission::by_name(n).map_err(|_| {
                    corrupt(format!("{rid} holds permission {n:?}, which this version of the catalogue does not know"))
                })?;
        }
        let namespace: String = r.get(6).map_err(st)?;
        sink(Change::RolePut(Role {
            id: rid,
            tenant: r.get(1).map_err(st)?,
            name: r.get(2).map_err(st)?,
            permissions,
            scoped: r.get(4).map_err(st)?,
            admin_tier: r.get(5).map_err(st)?,
            namespace: namespace
                .parse::<RoleNamespace>()
                .map_err(|_| corrupt(format!("{rid} has unknown namespace {namespace:?}")))?,
            description: r.get(7).map_err(st)?,
            created_at: r.get(8).map_err(st)?,
        }));
        Ok(())
    })
}

/// Call groups and IVRs.
fn read_scopes(tx: &Connection, path: &str, sink: &mut dyn FnMut(Change)) -> Result<(), Error> {
    let st = |e| storage(path, e);
    each_row(
        tx,
        path,
        "SELECT id, tenant, kind, name FROM scopes ORDER BY id",
        |r| {
            let kind: String = r.get(2).map_err(st)?;
            sink(Change::ScopePut(Scope {
                id: r.get(0).map_err(st)?,
                tenant: r.get(1).map_err(st)?,
                kind: kind
                    .parse::<ScopeKind>()
                    .map_err(|_| corrupt(format!("unknown scope kind {kind:?}")))?,
                name: r.get(3).map_err(st)?,
            }));
            Ok(())
        },
    )
}

/// Users, with the roles and scopes they hold directly.
fn read_users(tx: &Connection, path: &str, sink: &mut dyn FnMut(Change)) -> Result<(), Error> {
    let st = |e| storage(path, e);
    let mut user_roles = read_pairs::<UserId, RoleId>(
        tx,
        path,
        "SELECT user, role FROM user_roles ORDER BY user, role",
    )?;
    let mut user_scopes = read_pairs::<UserId, ScopeId>(
        tx,
        path,
        "SELECT user, scope FROM user_scopes ORDER BY user, scope",
    )?;
    each_row(tx, path, "SELECT id, tenant, first_name, last_name, email, phone, active, created_at, updated_at, last_login, stamp FROM users ORDER BY id", |r| {
        let uid: UserId = r.get(0).map_err(st)?;
        sink(Change::UserPut(User {
            id: uid,
            tenant: r.get(1).map_err(st)?,
            first_name: r.get(2).map_err(st)?,
            last_name: r.get(3).map_err(st)?,
            email: r.get(4).map_err(st)?,
            phone: r.get(5).map_err(st)?,
            active: r.get(6).map_err(st)?,
            roles: take_pairs(&mut user_roles, uid),
            scopes: take_pairs(&mut user_scopes, uid),
            created_at: r.get(7).map_err(st)?,
            updated_at: r.get(8).map_err(st)?,
            last_login: r.get(9).map_err(st)?,
            stamp: unsigned(r.get(10).map_err(st)?),
        }));
        Ok(())
    })
}

/// Groups, with the roles they grant, then their members.
fn read_groups(tx: &Connection, path: &str, sink: &mut dyn FnMut(Change)) -> Result<(), Error> {
    let st = |e| storage(path, e);
    let mut group_roles = read_pairs::<GroupId, RoleId>(
        tx,
        path,
        "SELECT grp, role FROM group_roles ORDER BY grp, role",
    )?;
    each_row(
        tx,
        path,
        "SELECT id, tenant, name, created_at FROM groups ORDER BY id",
        |r| {
            let gid: GroupId = r.get(0).map_err(st)?;
            sink(Change::GroupPut(Group {
                id: gid,
                tenant: r.get(1).map_err(st)?,
                name: r.get(2).map_err(st)?,
                roles: take_pairs(&mut group_roles, gid),
                created_at: r.get(3).map_err(st)?,
            }));
            Ok(())
        },
    )?;
    each_row(tx, path, "SELECT grp, user FROM group_members", |r| {
        sink(Change::MemberAdded {
            group: r.get(0).map_err(st)?,
            user: r.get(1).map_err(st)?,
        });
        Ok(())
    })
}

/// Agreements, then their access levels and PBX subscriber links.
fn read_agreements(tx: &Connection, path: &str, sink: &mut dyn FnMut(Change)) -> Result<(), Error> {
    let st = |e| storage(path, e);
    each_row(
        tx,
        path,
        "SELECT id, tenant, name, owner, created_at FROM agreements ORDER BY id",
        |r| {
            sink(Change::AgreementPut(Agreement {
                id: r.get(0).map_err(st)?,
                tenant: r.get(1).map_err(st)?,
                name: r.get(2).map_err(st)?,
                owner: r.get(3).map_err(st)?,
                created_at: r.get(4).map_err(st)?,
            }));
            Ok(())
        },
    )?;
    each_row(
        tx,
        path,
        "SELECT agreement, user, product, level FROM levels ORDER BY agreement, user, product",
        |r| {
            let product: i64 = r.get(2).map_err(st)?;
            let level: i64 = r.get(3).map_err(st)?;
            sink(Change::LevelSet {
                agreement: r.get(0).map_err(st)?,
                user: r.get(1).map_err(st)?,
                product: Product::from_index(product as u32)
                    .map_err(|_| corrupt(format!("unknown product {product}")))?,
                level: AccessLevel::from_index(level as u32)
                    .map_err(|_| corrupt(format!("unknown level {level}")))?,
            });
            Ok(())
        },
    )?;
    each_row(
        tx,
        path,
        "SELECT agreement, user, subscriber FROM pbx_links ORDER BY agreement, user",
        |r| {
            sink(Change::PbxLinkSet {
                agreement: r.get(0).map_err(st)?,
                user: r.get(1).map_err(st)?,
                subscriber: Some(r.get(2).map_err(st)?),
            });
            Ok(())
        },
    )
}

/// Passwords, then pending recovery tokens.
fn read_credentials(
    tx: &Connection,
    path: &str,
    sink: &mut dyn FnMut(Change),
) -> Result<(), Error> {
    let st = |e| storage(path, e);
    each_row(tx, path, "SELECT user, hash, must_change, changed_at, failed_logins, locked_until FROM credentials ORDER BY user", |r| {
        sink(Change::CredentialPut(Credential {
            user: r.get(0).map_err(st)?,
            hash: r.get(1).map_err(st)?,
            must_change: r.get(2).map_err(st)?,
            changed_at: r.get(3).map_err(st)?,
            failed_logins: r.get(4).map_err(st)?,
            locked_until: r.get(5).map_err(st)?,
        }));
        Ok(())
    })?;
    each_row(
        tx,
        path,
        "SELECT hash, user, issued_at, expires_at FROM reset_tokens ORDER BY hash",
        |r| {
            sink(Change::ResetTokenPut(ResetToken {
                hash: r.get(0).map_err(st)?,
                user: r.get(1).map_err(st)?,
                issued_at: r.get(2).map_err(st)?,
                expires_at: r.get(3).map_err(st)?,
            }));
            Ok(())
        },
    )
}

fn insert_audit(tx: &Connection, events: &[AuditEvent]) -> rusqlite::Result<()> {
    let mut ins = tx.prepare_cached(
        "INSERT INTO audit (at, tenant, actor, action, outcome, target_kind, target_id, detail, revision, before, after)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    for e in events {
        ins.execute(params![
            e.at,
            e.tenant,
            e.actor,
            e.action,
            e.outcome,
            e.target_kind,
            e.target_id.map(|i| i as i64),
            e.detail,
            e.revision.map(|r| r as i64),
            e.before,
            e.after
        ])?;
    }
    Ok(())
}

/// The `WHERE` clause of an audit query and its arguments, in order.
fn audit_filter(q: &AuditQuery) -> (String, Vec<Box<dyn ToSql>>) {
    let mut clauses: Vec<&str> = Vec::new();
    let mut args: Vec<Box<dyn ToSql>> = Vec::new();
    let mut add = |clause: &'static str, v: Box<dyn ToSql>| {
        clauses.push(clause);
        args.push(v);
    };
    if let Some(t) = q.tenant {
        add("tenant = ?", Box::new(t));
    }
    if let Some(a) = q.actor {
        add("actor = ?", Box::new(a));
    }
    if let Some(k) = q.target_kind {
        add("target_kind = ?", Box::new(k));
    }
    if let Some(i) = q.target_id {
        add("target_id = ?", Box::new(i as i64));
    }
    if let Some(a) = q.action {
        add("action = ?", Box::new(a));
    }
    if let Some(o) = &q.outcome {
        add("outcome = ?", Box::new(o.clone()));
    }
    if let Some(t) = q.since {
        add("at >= ?", Box::new(t));
    }
    if let Some(t) = q.until {
        add("at < ?", Box::new(t));
    }
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    };
    (filter, args)
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
        let done = self.write_commit(commit, &json).and_then(|()| {
            self.conn
                .execute_batch("COMMIT")
                .map_err(|e| storage(&self.path, e))
        });
        if done.is_err() && !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
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
            self.revision = Self::stored_revision(&self.conn).map_err(|e| self.err(e))?;
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
                "SELECT seq, at, tenant, actor, action, outcome, target_kind, target_id, detail, revision, before, after
                 FROM audit{filter} ORDER BY seq LIMIT ? OFFSET ?"
            ))
            .map_err(st)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(page_args), |r| {
                Ok(AuditEvent {
                    seq: unsigned(r.get(0)?),
                    at: r.get(1)?,
                    tenant: r.get(2)?,
                    actor: r.get(3)?,
                    action: r.get(4)?,
                    outcome: r.get(5)?,
                    target_kind: r.get(6)?,
                    target_id: r.get::<_, Option<i64>>(7)?.map(unsigned),
                    detail: r.get(8)?,
                    revision: r.get::<_, Option<i64>>(9)?.map(unsigned),
                    before: r.get(10)?,
                    after: r.get(11)?,
                })
            })
            .map_err(st)?;
        let items = rows.collect::<Result<Vec<_>, _>>().map_err(st)?;
        Ok((items, total as usize))
    }

    fn commits_since(&mut self, revision: u64) -> Result<Option<Vec<Commit>>, Error> {
        let path = self.path.clone();
        let st = |e| storage(&path, e);
        let tx = self.conn.savepoint().map_err(st)?;
        let stored = Self::stored_revision(&tx).map_err(st)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_1_file_is_migrated_forward_with_its_data() {
        let dir = std::env::temp_dir().join(format!("rolecall-migrate-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("v1.db");
        {
            let c = Connection::open(&path).unwrap();
            c.execute_batch(SCHEMA_V1).unwrap();
            c.execute_batch(
                "PRAGMA foreign_keys = ON;
                 BEGIN;
                 INSERT INTO tenants VALUES (1, 'Old Co', 1, 0);
                 INSERT INTO users VALUES (1, 1, 'Ada', 'Root', 'ada@old.test', 'ada@old.test', NULL, 1, 0, 0, NULL);
                 INSERT INTO roles VALUES (1, 1, 'Reader', 'reader', 'reports.view campaigns.view', 0, 0, NULL, '', 0);
                 INSERT INTO users VALUES (2, 1, 'Bob', 'Lee', 'bob@old.test', 'bob@old.test', NULL, 1, 0, 0, NULL);
                 INSERT INTO user_roles VALUES (1, 2, 1);
                 UPDATE meta SET value = 1 WHERE key = 'revision';
                 COMMIT;
                 PRAGMA user_version = 1;",
            )
            .unwrap();
        }
        let mut store = SqliteStore::open(&path).unwrap();
        let v: i64 = store
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        let loaded = store.load().unwrap();
        assert_eq!(loaded.revision, 1);
        let bob = loaded
            .changes
            .iter()
            .find_map(|c| match c {
                Change::UserPut(u) if u.id == UserId(2) => Some(u.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(bob.stamp, 0);
        assert_eq!(bob.roles.len(), 1);
        store.integrity_check().unwrap();
        drop(store);
        let dir2 = crate::Directory::open_sqlite(&path).unwrap();
        assert!(dir2.check(UserId(2), Permission::REPORTS_VIEW));
        assert_eq!(
            dir2.password_policy(TenantId(1)).unwrap(),
            PasswordPolicy::default()
        );
        drop(dir2);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_version_2_file_is_migrated_to_role_namespaces_with_its_data() {
        let dir = std::env::temp_dir().join(format!("rolecall-migrate2-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("v2.db");
        {
            let c = Connection::open(&path).unwrap();
            c.execute_batch(SCHEMA_V1).unwrap();
            c.execute_batch(SCHEMA_V2).unwrap();
            c.execute_batch(
                "PRAGMA foreign_keys = ON;
                 BEGIN;
                 INSERT INTO tenants VALUES (1, 'Old Co', 1, 0, NULL);
                 INSERT INTO users VALUES (1, 1, 'Ada', 'Root', 'ada@old.test', 'ada@old.test', NULL, 1, 0, 0, NULL, 0);
                 INSERT INTO users VALUES (2, 1, 'Bob', 'Lee', 'bob@old.test', 'bob@old.test', NULL, 1, 0, 0, NULL, 0);
                 INSERT INTO roles VALUES (1, 1, 'Admin', 'admin', 'users.view users.manage', 0, 1, 'managers', 'x', 0);
                 INSERT INTO roles VALUES (2, 1, 'Night shift', 'night shift', 'reports.view', 0, 0, NULL, '', 0);
                 INSERT INTO groups VALUES (1, 1, 'Night', 'night', 0);
                 INSERT INTO user_roles VALUES (1, 2, 1);
                 INSERT INTO group_roles VALUES (1, 1, 2);
                 INSERT INTO group_members VALUES (1, 1, 2);
                 INSERT INTO commits VALUES (1, 0, NULL, '[]');
                 UPDATE meta SET value = 1 WHERE key = 'revision';
                 UPDATE meta SET value = 3 WHERE key = 'next_role';
                 COMMIT;
                 PRAGMA user_version = 2;",
            )
            .unwrap();
        }
        let mut store = SqliteStore::open(&path).unwrap();
        let v: i64 = store
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        // The rebuilt table has the namespace constraint; foreign keys are on again and every
        // table still references "roles".
        let sql: String = store
            .conn
            .query_row(
                "SELECT sql FROM sqlite_master WHERE name = 'roles'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(
            sql.contains("UNIQUE (tenant, namespace, name_key)"),
            "{sql}"
        );
        let fk: bool = store
            .conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert!(fk);
        let refs: i64 = store
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE sql LIKE '%REFERENCES roles (tenant, id)%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(refs, 2);
        assert!(store
            .conn
            .execute("INSERT INTO user_roles VALUES (1, 2, 99)", [])
            .is_err());
        store.integrity_check().unwrap();
        let loaded = store.load().unwrap();
        assert_eq!(loaded.revision, 1);
        drop(store);

        let d = crate::Directory::open_sqlite(&path).unwrap();
        let admin = d.role(RoleId(1)).unwrap();
        assert_eq!(
            admin.namespace,
            RoleNamespace::Preset(crate::Preset::Managers)
        );
        assert_eq!(d.role(RoleId(2)).unwrap().namespace, RoleNamespace::Custom);
        assert_eq!(d.user(UserId(2)).unwrap().roles.len(), 1);
        assert_eq!(d.group(crate::GroupId(1)).unwrap().roles.len(), 1);
        assert!(d.check(UserId(2), Permission::REPORTS_VIEW));
        assert!(d.check(UserId(2), Permission::USERS_MANAGE));
        // A second preset with an "Admin" of its own now fits beside the migrated one.
        d.install_preset(UserId(1), crate::Preset::Dashboard)
            .unwrap();
        drop(d);
        let d = crate::Directory::open_sqlite(&path).unwrap();
        assert_eq!(d.roles(TenantId(1)).unwrap().len(), 6);
        assert_eq!(
            d.role_by_name(TenantId(1), "dashboard/admin")
                .unwrap()
                .namespace
                .name(),
            "dashboard"
        );
        drop(d);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_audit_log_is_append_only_in_the_schema() {
        let mut s = SqliteStore::open_in_memory().unwrap();
        let e = AuditEvent {
            seq: 0,
            at: 1,
            tenant: TenantId(1),
            actor: None,
            action: crate::AuditAction::Login,
            outcome: "authentication_failed".into(),
            target_kind: None,
            target_id: None,
            detail: None,
            revision: None,
            before: None,
            after: None,
        };
        s.append_audit(&[e.clone(), e]).unwrap();
        assert!(s.conn.execute("DELETE FROM audit", []).is_err());
        assert!(s
            .conn
            .execute("UPDATE audit SET outcome = 'ok'", [])
            .is_err());
        let (items, total) = s.query_audit(&AuditQuery::default()).unwrap();
        assert_eq!((items.len(), total, items[1].seq), (2, 2, 2));
    }

    fn v1_file_with_users(name: &str, users: &[(i64, &str)]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("rolecall-v4-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("v1.db");
        let c = Connection::open(&path).unwrap();
        c.execute_batch(SCHEMA_V1).unwrap();
        c.execute_batch(
            "PRAGMA foreign_keys = ON; BEGIN; INSERT INTO tenants VALUES (1, 'Old Co', 1, 0);",
        )
        .unwrap();
        for (id, email) in users {
            c.execute(
                "INSERT INTO users VALUES (?1, 1, 'A', 'B', ?2, ?3, NULL, 1, 0, 0, NULL)",
                params![id, email, email.to_lowercase()],
            )
            .unwrap();
        }
        c.execute_batch("COMMIT; PRAGMA user_version = 1;").unwrap();
        path
    }

    #[test]
    fn version_4_rekeys_emails_by_unicode_folding() {
        let path = v1_file_with_users(
            "rekey",
            &[
                (1, "Stra\u{df}e@old.test"),
                (2, "Jose\u{301}@old.test"),
                (3, "ann@old.test"),
            ],
        );
        let store = SqliteStore::open(&path).unwrap();
        let keys: Vec<String> = store
            .conn
            .prepare("SELECT email_key FROM users ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            keys,
            ["strasse@old.test", "jos\u{e9}@old.test", "ann@old.test"]
        );
    }

    #[test]
    fn version_4_reports_emails_that_now_collide_and_leaves_the_file() {
        let path = v1_file_with_users(
            "collide",
            &[(1, "STRASSE@old.test"), (2, "stra\u{df}e@old.test")],
        );
        let err = SqliteStore::open(&path).err().expect("must refuse");
        match &err {
            Error::Corrupt(m) => {
                assert!(
                    m.contains("#1") && m.contains("#2") && m.contains("same login"),
                    "{m}"
                )
            }
            other => panic!("{other:?}"),
        }
        let c = Connection::open(&path).unwrap();
        let v: i64 = c
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, 1, "the failed migration must leave the file as it was");
    }
}

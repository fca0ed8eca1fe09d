//! The [`Directory`]: the one entry point of the library.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use arc_swap::ArcSwap;
use serde::{Deserialize, Serialize};

use std::collections::VecDeque;

use crate::audit::{self, AuditEvent, AuditQuery};
use crate::clock::{Clock, SystemClock};
use crate::credentials::{self as cred, HashParams, Notification, PasswordPolicy, Secret};
use crate::domain::model::{Affected, Model};
use crate::domain::{
    validate, AccessLevel, Agreement, AgreementId, Change, Commit, Group, GroupId, Permission,
    Preset, Product, Role, RoleId, RoleNamespace, Scope, ScopeId, ScopeKind, Tenant, TenantId,
    TenantSettings, User, UserId,
};
use crate::engine::{ScopeAccess, Snapshot};
use crate::error::ErrorCategory;
use crate::ops::{
    Hashed, LoginResult, NewRole, NewUser, Plan, ResetIssued, RolePatch, TenantCreated, UserPatch,
};
use crate::store::{self, MemoryStore, Store};
use crate::Error;

/// A user search: substring, case-insensitive, over name and email, and over the phone when
/// the text reads as (part of) a phone number (digits, spaces, `+ - . ( ) /`): its digits as
/// typed, or the whole number however it is formatted, national (in the tenant's
/// `phone_region`) or international; optionally active users only; paged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserQuery {
    /// Text to look for; empty or `None` matches everyone.
    pub text: Option<String>,
    /// Only active users.
    pub active_only: bool,
    /// How many matches to skip.
    pub offset: usize,
    /// At most this many items (1 to [`UserQuery::MAX_LIMIT`]).
    pub limit: usize,
}

impl Default for UserQuery {
    fn default() -> Self {
        UserQuery {
            text: None,
            active_only: false,
            offset: 0,
            limit: 50,
        }
    }
}

impl UserQuery {
    /// The largest page.
    pub const MAX_LIMIT: usize = 1000;

    /// Everyone matching `text`.
    pub fn text(text: impl Into<String>) -> Self {
        UserQuery {
            text: Some(text.into()),
            ..UserQuery::default()
        }
    }
}

/// One page of results.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// How many items match in all.
    pub total: usize,
    /// The offset this page starts at.
    pub offset: usize,
}

/// One reason a user holds (part of) a permission.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// The role granting it.
    pub role: RoleId,
    /// The role's name.
    pub role_name: String,
    /// The role's namespace (its preset, or `custom`): `role_name` is unique within it.
    pub role_namespace: RoleNamespace,
    /// The group through which the user holds the role, or `None` when held directly.
    pub via_group: Option<GroupId>,
    /// Whether the role is scope-restricted.
    pub scoped: bool,
    /// The part of the asked permission this role grants.
    pub grants: Permission,
}

/// Why a check answers as it does: the decision and the roles and groups behind it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// The user asked about.
    pub user: UserId,
    /// The permission asked about.
    pub permission: Permission,
    /// The answer of [`Directory::check`].
    pub allowed: bool,
    /// The user is the superadministrator (holds every right).
    pub superadmin: bool,
    /// The user is inactive (holds nothing).
    pub inactive: bool,
    /// Every role (direct or through a group) granting part of the permission.
    pub grants: Vec<Grant>,
}

/// A successful login.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// Who logged in.
    pub user: UserId,
    /// The security stamp to keep with the session; see [`Directory::session_valid`].
    pub stamp: u64,
    /// The password is temporary and must be changed now.
    pub must_change_password: bool,
}

/// A user's credential state, without the hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialStatus {
    /// A password is set.
    pub has_password: bool,
    /// The password is temporary.
    pub must_change: bool,
    /// Failed logins in a row.
    pub failed_logins: u32,
    /// Locked until (ms since the Unix epoch), if locked now.
    pub locked_until: Option<i64>,
}

/// The authorization directory: users, roles, groups, scopes and agreements of every tenant,
/// and the lock-free check engine compiled from them.
///
/// Share it between threads (`Arc<Directory>`). Checks read an immutable snapshot and never
/// wait; changes are serialised, written through the [`Store`] as one commit each, and visible
/// to the very next check.
///
/// ```
/// use rolecall::{Directory, NewUser, Permission, Preset};
/// let dir = Directory::in_memory();
/// let t = dir.create_tenant("Acme", &NewUser::new("Ada", "Root", "root@acme.test"), &[Preset::Managers]).unwrap();
/// let operator = dir.role_by_name(t.tenant, "Operator").unwrap().id;
/// let bob = dir
///     .create_user(t.superadmin, &NewUser::new("Bob", "Lee", "bob@acme.test").roles([operator]))
///     .unwrap();
/// assert!(dir.check(bob, Permission::CAMPAIGNS_CONTROL));
/// assert!(!dir.check(bob, Permission::BILLING_VIEW));
/// ```
pub struct Directory {
    snapshot: Arc<ArcSwap<Snapshot>>,
    model: RwLock<Model>,
    store: Mutex<Box<dyn Store>>,
    clock: Arc<dyn Clock>,
    hash_params: RwLock<HashParams>,
    notifications: Mutex<VecDeque<Notification>>,
    on_notification: RwLock<Option<NotifyFn>>,
    closed: std::sync::atomic::AtomicBool,
    /// The key of the references the audit log keeps for unknown login identifiers (see
    /// `credentials::identifier_ref`); random per instance, never stored. `None` when the OS
    /// random source failed: then nothing is kept.
    audit_key: Option<[u8; 32]>,
}

/// The store of a closed directory: every call fails with [`Error::Closed`].
struct ClosedStore;

impl Store for ClosedStore {
    fn begin_write(&mut self) -> Result<(), Error> {
        Err(Error::Closed)
    }
    fn load(&mut self) -> Result<crate::store::Loaded, Error> {
        Err(Error::Closed)
    }
    fn commit(&mut self, _: &Commit) -> Result<(), Error> {
        Err(Error::Closed)
    }
    fn revision(&mut self) -> Result<u64, Error> {
        Err(Error::Closed)
    }
    fn commits_since(&mut self, _: u64) -> Result<Option<Vec<Commit>>, Error> {
        Err(Error::Closed)
    }
    fn append_audit(&mut self, _: &[AuditEvent]) -> Result<(), Error> {
        Err(Error::Closed)
    }
    fn query_audit(&mut self, _: &AuditQuery) -> Result<(Vec<AuditEvent>, usize), Error> {
        Err(Error::Closed)
    }
}

type NotifyFn = Box<dyn Fn(&Notification) + Send + Sync>;

/// The kind and id of the object a change is about, for the audit log.
fn target_of(c: &Change) -> Option<(&'static str, u64)> {
    Some(match c {
        Change::TenantPut(t) => ("tenant", t.id.0),
        Change::UserPut(u) => ("user", u.id.0),
        Change::UserDeleted { id } => ("user", id.0),
        Change::CredentialPut(cr) => ("user", cr.user.0),
        Change::ResetTokenPut(t) => ("user", t.user.0),
        Change::ResetTokensCleared { user }
        | Change::LoginRecorded { user, .. }
        | Change::MemberAdded { user, .. }
        | Change::MemberRemoved { user, .. }
        | Change::LevelSet { user, .. }
        | Change::PbxLinkSet { user, .. } => ("user", user.0),
        Change::RolePut(r) => ("role", r.id.0),
        Change::RoleDeleted { id } => ("role", id.0),
        Change::GroupPut(g) => ("group", g.id.0),
        Change::GroupDeleted { id } => ("group", id.0),
        Change::ScopePut(sc) => ("scope", sc.id.0),
        Change::ScopeDeleted { id } => ("scope", id.0),
        Change::AgreementPut(a) => ("agreement", a.id.0),
        Change::StampSet { .. } => return None,
    })
}

/// The rows of each densely indexed kind (users, scopes) in `m`, by [`store::ID_KINDS`] index.
fn dense_rows(m: &Model) -> [u64; 6] {
    let mut rows = [0; 6];
    rows[1] = m.users.len() as u64;
    rows[4] = m.scopes.len() as u64;
    rows
}

/// Refuses next ids a store loaded that are absurd for the rows it loaded (a damaged store):
/// the next user or scope would be sized for. See [`store::dense_id_limit`].
fn check_next_ids(m: &Model, next_ids: &[u64; 6]) -> Result<(), Error> {
    let rows = dense_rows(m);
    for (k, next) in next_ids.iter().enumerate() {
        let limit = store::dense_id_limit(rows[k]);
        if store::is_dense_kind(k) && next.saturating_sub(1) > limit {
            return Err(Error::Corrupt(format!(
                "the next {} id is {next}, absurd for {} of them (at most {limit}): the store is damaged",
                store::ID_KINDS[k],
                rows[k]
            )));
        }
    }
    Ok(())
}

/// Refuses commits read back from a store (another instance's changes) that create users or
/// scopes with ids absurd for the directory's size: a damaged commit log, which the model would
/// size tables for. See [`store::dense_id_limit`].
fn check_commit_ids(m: &Model, commits: &[Commit]) -> Result<(), Error> {
    let allocated = || {
        commits
            .iter()
            .flat_map(|c| c.changes.iter().filter_map(store::allocated_id))
            .filter(|(k, _)| store::is_dense_kind(*k))
    };
    let mut rows = dense_rows(m);
    allocated().for_each(|(k, _)| rows[k] += 1);
    match allocated().find(|(k, id)| *id == 0 || *id > store::dense_id_limit(rows[*k])) {
        None => Ok(()),
        Some((k, id)) => Err(Error::Corrupt(format!(
            "the commit log creates {} id {id}, absurd for {} of them: the store is damaged",
            store::ID_KINDS[k],
            rows[k]
        ))),
    }
}

/// A store's write lock ([`Store::begin_write`]), released when dropped.
struct WriteLock<'a>(&'a mut dyn Store, bool);

impl<'a> WriteLock<'a> {
    fn take(store: &'a mut dyn Store) -> Result<WriteLock<'a>, Error> {
        store.begin_write()?;
        Ok(WriteLock(store, true))
    }

    /// Releases the lock, reporting whether what was written under it is durable.
    fn release(mut self) -> Result<(), Error> {
        self.1 = false;
        self.0.end_write()
    }
}

impl Drop for WriteLock<'_> {
    fn drop(&mut self) {
        if self.1 {
            let _ = self.0.end_write();
        }
    }
}

fn lock<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directory")
            .field("revision", &self.revision())
            .finish_non_exhaustive()
    }
}

impl Directory {
    /// An empty directory kept in memory only.
    pub fn in_memory() -> Directory {
        Self::from_parts(
            Box::new(MemoryStore::new()),
            Model::default(),
            0,
            Arc::new(SystemClock),
        )
    }

    /// Opens (creating if needed) a directory in the SQLite file at `path`: the embedded default.
    #[cfg(feature = "sqlite")]
    pub fn open_sqlite(path: impl AsRef<std::path::Path>) -> Result<Directory, Error> {
        Self::open(crate::store::SqliteStore::open(path)?)
    }

    /// Opens a directory on `store`, loading its whole state.
    pub fn open(store: impl Store + 'static) -> Result<Directory, Error> {
        Self::open_with_clock(store, Arc::new(SystemClock))
    }

    /// Opens a directory on `store` with a custom clock.
    pub fn open_with_clock(
        store: impl Store + 'static,
        clock: Arc<dyn Clock>,
    ) -> Result<Directory, Error> {
        let mut store: Box<dyn Store> = Box::new(store);
        let (model, revision) = Self::load(&mut *store)?;
        Ok(Self::from_parts(store, model, revision, clock))
    }

    /// Loads the whole state: the store reads on one thread while this one applies what it has
    /// read, in batches; all on this thread when no thread can be started.
    fn load(store: &mut dyn Store) -> Result<(Model, u64), Error> {
        const BATCH: usize = 4096;
        let mut model = Model::default();
        model.reserve(store.capacity_hint());
        let mut aff = Affected {
            everything: true,
            ..Affected::default()
        };
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Change>>(16);
        // Emptied batches go back to the reader: no large allocation per batch.
        let (recycle, recycled) = std::sync::mpsc::channel::<Vec<Change>>();
        let store_ref = &mut *store;
        let threaded = std::thread::scope(|s| {
            let reader = std::thread::Builder::new()
                .name("rolecall-load".into())
                .spawn_scoped(s, move || {
                    let fresh = || {
                        recycled
                            .try_recv()
                            .unwrap_or_else(|_| Vec::with_capacity(BATCH))
                    };
                    let mut batch = fresh();
                    let loaded = store_ref.load_into(&mut |c| {
                        batch.push(c);
                        if batch.len() == BATCH {
                            // The receiver only hangs up when it panicked, which join reports.
                            let _ = tx.send(std::mem::replace(&mut batch, fresh()));
                        }
                    });
                    let _ = tx.send(batch);
                    loaded
                })
                .ok()?;
            for mut batch in rx {
                for c in batch.drain(..) {
                    model.apply_owned(c, &mut aff);
                }
                let _ = recycle.send(batch);
            }
            Some(
                reader
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            )
        });
        let loaded = match threaded {
            Some(loaded) => loaded?,
            None => store.load_into(&mut |c| model.apply_owned(c, &mut aff))?,
        };
        check_next_ids(&model, &loaded.next_ids)?;
        for (next, stored) in model.next.iter_mut().zip(loaded.next_ids) {
            *next = (*next).max(stored);
        }
        model.verify()?;
        Ok((model, loaded.revision))
    }

    fn from_parts(
        store: Box<dyn Store>,
        model: Model,
        revision: u64,
        clock: Arc<dyn Clock>,
    ) -> Directory {
        Directory {
            snapshot: Arc::new(ArcSwap::from_pointee(Snapshot::build(&model, revision))),
            model: RwLock::new(model),
            store: Mutex::new(store),
            clock,
            hash_params: RwLock::new(HashParams::default()),
            notifications: Mutex::new(VecDeque::new()),
            on_notification: RwLock::new(None),
            closed: std::sync::atomic::AtomicBool::new(false),
            audit_key: {
                let mut key = [0u8; 32];
                cred::random_bytes(&mut key).ok().map(|()| key)
            },
        }
    }

    /// Closes the directory: releases its store (a SQLite file is closed, so the same process
    /// can open it again at once) and drops its in-memory state. Idempotent.
    ///
    /// Afterwards every change, [`refresh`](Self::refresh), audit query and tenant-scoped
    /// query fails with [`Error::Closed`]; checks deny (the directory holds no users any more)
    /// and lookups by id find nothing. [`Snapshot`]s taken before stay readable. Bindings
    /// refuse every call on a closed directory with [`Error::Closed`] (Python's
    /// `Directory.close()` and `with`).
    pub fn close(&self) {
        if self.closed.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        // Taken under the store lock: a write under way finishes first.
        let mut store = lock(&self.store);
        let old = std::mem::replace(&mut *store, Box::new(ClosedStore));
        let revision = self.revision();
        *self.write_model() = Model::default();
        self.snapshot
            .store(Arc::new(Snapshot::build(&Model::default(), revision)));
        drop(store);
        drop(old);
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.closed.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn read(&self) -> RwLockReadGuard<'_, Model> {
        self.model.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write_model(&self) -> RwLockWriteGuard<'_, Model> {
        self.model.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The revision of the last change this directory has applied.
    pub fn revision(&self) -> u64 {
        self.snapshot.load().revision()
    }

    /// Runs `f` on the current snapshot through this thread's cache: one relaxed pointer
    /// comparison instead of a reference-counted load when nothing changed since this thread's
    /// last check. A change made before (in happens-before order) is always seen.
    ///
    /// Each thread caches the snapshot of the directory it checked last, so a dropped
    /// directory's last snapshot is freed when that thread checks another directory or exits.
    #[inline]
    fn with_snapshot<R>(&self, f: impl Fn(&Snapshot) -> R) -> R {
        type SnapCache = arc_swap::Cache<Arc<ArcSwap<Snapshot>>, Arc<Snapshot>>;
        thread_local! {
            static CACHE: std::cell::RefCell<Option<SnapCache>> = const { std::cell::RefCell::new(None) };
        }
        let cached = CACHE.try_with(|c| {
            let mut slot = c.try_borrow_mut().ok()?;
            let stale = match &*slot {
                Some(cache) => !std::ptr::eq(cache.arc_swap(), &*self.snapshot),
                None => true,
            };
            if stale {
                *slot = Some(arc_swap::Cache::new(Arc::clone(&self.snapshot)));
            }
            slot.as_mut().map(|cache| f(cache.load()))
        });
        match cached {
            Ok(Some(r)) => r,
            // Thread-local storage torn down, or re-entered from `f`: load directly.
            _ => f(&self.snapshot.load()),
        }
    }

    /// The current compiled snapshot: an immutable view for many checks at one revision.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.load_full()
    }

    /// Applies commits made by other instances on the same store. Returns the revision now
    /// reflected. Changes made through this instance never need it.
    pub fn refresh(&self) -> Result<u64, Error> {
        let mut store = lock(&self.store);
        self.catch_up(&mut **store)?;
        Ok(self.revision())
    }

    fn catch_up(&self, store: &mut dyn Store) -> Result<(), Error> {
        let current = self.revision();
        if store.revision()? == current {
            return Ok(());
        }
        match store.commits_since(current)? {
            Some(commits) => {
                check_commit_ids(&self.read(), &commits)?;
                self.apply_commits(commits)
            }
            None => {
                let (model, revision) = Self::load(store)?;
                let snap = Snapshot::build(&model, revision);
                *self.write_model() = model;
                self.snapshot.store(Arc::new(snap));
            }
        }
        Ok(())
    }

    fn apply_commits(&self, commits: Vec<Commit>) {
        let Some(revision) = commits.last().map(|c| c.revision) else {
            return;
        };
        let mut m = self.write_model();
        let mut aff = Affected::default();
        for c in commits {
            for ch in c.changes {
                m.apply_owned(ch, &mut aff);
            }
        }
        let next = self.snapshot.load().updated(&m, &aff, revision);
        self.snapshot.store(Arc::new(next));
    }

    /// Runs one mutation: plan under the rules, stamp the users whose security changes, commit
    /// through the store with its audit event, apply, swap. When another instance on the same
    /// store committed in between, catches up and plans again (the rules are re-checked against
    /// the fresher state). A refusal by a rule is audited and changes nothing.
    fn write<T>(
        &self,
        actor: Option<UserId>,
        action: &'static str,
        mut plan: impl FnMut(&mut Plan<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut guard = lock(&self.store);
        let mut attempts = 0;
        loop {
            // Under the store's write lock from catching up to committing: no other instance
            // commits in between, so the plan is checked against the latest state and the
            // commit cannot be refused for contention.
            let store = WriteLock::take(&mut **guard)?;
            self.catch_up(store.0)?;
            let now = self.clock.now_ms();
            let revision = self.revision() + 1;
            let planned = {
                let m = self.read();
                let mut p = Plan::new(&m, now);
                let result = plan(&mut p);
                let tenant = p
                    .tenant
                    .or_else(|| actor.and_then(|a| m.users.get(&a)).map(|u| u.tenant))
                    .or_else(|| {
                        p.changes.iter().find_map(|c| match c {
                            Change::TenantPut(t) => Some(t.id),
                            _ => None,
                        })
                    });
                match result {
                    Err(e) => Err((e, tenant)),
                    Ok(out) => {
                        let mut changes = std::mem::take(&mut p.changes);
                        let stamped = m.stamp_renewals(&changes);
                        if !stamped.is_empty() {
                            changes.push(Change::StampSet {
                                users: stamped.into_iter().collect(),
                                stamp: revision,
                            });
                        }
                        let (kind, id) = changes.iter().find_map(target_of).unzip();
                        let detailed = changes.len() <= audit::MAX_DETAILED_CHANGES;
                        let audit = (!changes.is_empty() || p.force_audit).then(|| AuditEvent {
                            seq: 0,
                            at: now,
                            tenant: tenant.unwrap_or_default(),
                            actor,
                            action: action.to_owned(),
                            outcome: p.outcome.unwrap_or("ok").to_owned(),
                            target_kind: kind.map(str::to_owned),
                            target_id: id,
                            detail: p.detail.take(),
                            revision: (!changes.is_empty()).then_some(revision),
                            // An import of thousands of records is summarised, not copied.
                            before: (!changes.is_empty() && detailed)
                                .then(|| m.before_json(&changes)),
                            after: (!changes.is_empty()).then(|| {
                                if detailed {
                                    audit::redacted_json(&changes)
                                } else {
                                    format!("{{\"changes\":{}}}", changes.len())
                                }
                            }),
                        });
                        Ok((out, changes, audit, std::mem::take(&mut p.notifications)))
                    }
                }
            };
            let (out, changes, audit, notifications) = match planned {
                Ok(v) => v,
                Err((e, tenant)) => {
                    if let (
                        Some(tenant),
                        ErrorCategory::PermissionDenied | ErrorCategory::Authentication,
                    ) = (tenant, e.category())
                    {
                        let event = AuditEvent {
                            seq: 0,
                            at: now,
                            tenant,
                            actor,
                            action: action.to_owned(),
                            outcome: e.kind().to_owned(),
                            target_kind: None,
                            target_id: None,
                            detail: Some(e.to_string()),
                            revision: None,
                            before: None,
                            after: None,
                        };
                        // Best effort: a refusal is reported even if the log cannot be written.
                        let _ = store.0.append_audit(std::slice::from_ref(&event));
                    }
                    drop(store);
                    return Err(e);
                }
            };
            if changes.is_empty() {
                if let Some(event) = audit {
                    store.0.append_audit(std::slice::from_ref(&event))?;
                }
                store.release()?;
                self.notify(notifications);
                return Ok(out);
            }
            let commit = Commit {
                revision,
                at: now,
                actor,
                changes,
                audit: audit.into_iter().collect(),
            };
            let committed = store.0.commit(&commit);
            // The commit is durable (or refused) once `commit` returns: releasing the lock
            // cannot undo it.
            let _ = store.release();
            match committed {
                Ok(()) => {
                    self.apply_commits(vec![commit]);
                    self.notify(notifications);
                    return Ok(out);
                }
                // Only a store that takes no write lock gets here: plan again, caught up.
                Err(Error::RevisionConflict { .. }) if attempts < 8 => attempts += 1,
                Err(e) => return Err(e),
            }
        }
    }

    /// Plans an operation against the current state without committing it.
    fn dry_run<T>(&self, plan: impl FnOnce(&mut Plan<'_>) -> Result<T, Error>) -> Result<T, Error> {
        let m = self.read();
        let mut p = Plan::new(&m, self.clock.now_ms());
        plan(&mut p)
    }

    fn notify(&self, notifications: Vec<Notification>) {
        if notifications.is_empty() {
            return;
        }
        if let Some(cb) = &*self
            .on_notification
            .read()
            .unwrap_or_else(PoisonError::into_inner)
        {
            for n in &notifications {
                cb(n);
            }
        }
        lock(&self.notifications).extend(notifications);
    }

    /// Takes every notification queued since the last call, oldest first. The host delivers
    /// them (emails on change, recovery tokens, lock warnings); the library never sends mail.
    pub fn drain_notifications(&self) -> Vec<Notification> {
        lock(&self.notifications).drain(..).collect()
    }

    /// Calls `callback` for each notification as it is produced (they are still queued for
    /// [`drain_notifications`](Self::drain_notifications)). The callback runs under the
    /// directory's write lock: keep it short and never call back into the directory.
    pub fn on_notification(&self, callback: impl Fn(&Notification) + Send + Sync + 'static) {
        *self
            .on_notification
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(Box::new(callback));
    }

    // ======================= tenants =======================

    /// Creates a tenant with its superadministrator and the built-in roles of `presets`.
    /// This is the host's own operation: no acting user.
    ///
    /// A password given for the superadministrator follows [`NewUser::temporary`] like any
    /// other: temporary by default, since the host, not the person, sets it. A sign-up flow
    /// where the person chose its own password passes `temporary(false)`.
    pub fn create_tenant(
        &self,
        name: &str,
        superadmin: &NewUser,
        presets: &[Preset],
    ) -> Result<TenantCreated, Error> {
        let hashed = match &superadmin.password {
            None => None,
            Some(pw) => Some(self.hash_checked(
                &PasswordPolicy::default(),
                pw,
                &superadmin.email,
                &[&superadmin.first_name, &superadmin.last_name],
            )?),
        };
        self.write(None, "create_tenant", |p| {
            p.pending_hash = hashed.clone();
            p.create_tenant(name, superadmin, presets)
        })
    }

    /// Installs a preset's roles into the actor's tenant (superadministrator only).
    pub fn install_preset(&self, actor: UserId, preset: Preset) -> Result<Vec<RoleId>, Error> {
        self.write(Some(actor), "install_preset", |p| {
            p.install_preset(actor, preset)
        })
    }

    /// A tenant.
    pub fn tenant(&self, id: TenantId) -> Result<Tenant, Error> {
        self.read()
            .tenants
            .get(&id)
            .cloned()
            .ok_or(Error::UnknownTenant(id))
    }

    /// Every tenant, in id order.
    pub fn tenants(&self) -> Vec<Tenant> {
        self.read().tenants.values().cloned().collect()
    }

    /// Sets the tenant's options (superadministrator only); see [`TenantSettings`].
    ///
    /// # Errors
    /// [`Error::SuperadminOnly`] for anyone else; [`Error::InvalidArgument`] for a bad value.
    pub fn set_tenant_settings(
        &self,
        actor: UserId,
        settings: &TenantSettings,
    ) -> Result<(), Error> {
        self.write(Some(actor), "set_tenant_settings", |p| {
            p.set_tenant_settings(actor, settings)
        })
    }

    /// A tenant's options.
    pub fn tenant_settings(&self, tenant: TenantId) -> Result<TenantSettings, Error> {
        self.tenant(tenant).map(|t| t.settings)
    }

    fn with_tenant<T>(&self, tenant: TenantId, f: impl FnOnce(&Model) -> T) -> Result<T, Error> {
        if self.is_closed() {
            return Err(Error::Closed);
        }
        let m = self.read();
        if !m.tenants.contains_key(&tenant) {
            return Err(Error::UnknownTenant(tenant));
        }
        Ok(f(&m))
    }

    // ======================= users =======================

    /// The most users with an initial password in one [`create_users`](Self::create_users)
    /// call: each costs one argon2id hash (tens of milliseconds at the default cost), so a
    /// larger import is split, or creates users without passwords and sends recovery tokens.
    pub const MAX_PASSWORDS_PER_CALL: usize = 1000;

    /// Creates a user in the actor's tenant. Needs `users.manage`; every role is a grant. An
    /// initial password is checked against the tenant's policy and stored as argon2id; it is
    /// temporary unless [`NewUser::temporary`] is `false`.
    ///
    /// # Errors
    /// The rules' refusals ([`Error::PermissionDenied`], [`Error::Escalation`], ...), checked
    /// before any password is; then [`Error::WeakPassword`].
    pub fn create_user(&self, actor: UserId, user: &NewUser) -> Result<UserId, Error> {
        let mut hashed =
            self.initial_passwords(actor, "create_user", std::slice::from_ref(user))?;
        let hashed = hashed.pop().flatten();
        self.write(Some(actor), "create_user", |p| {
            p.pending_hash = hashed.clone();
            p.create_user(actor, user)
        })
    }

    /// Creates many users in one atomic commit (an import): all are created or none, under the
    /// same rules as [`create_user`](Self::create_user). Each initial password costs one
    /// argon2id hash, spent only once the whole import is authorised and every password has
    /// passed the policy.
    ///
    /// # Errors
    /// As [`create_user`](Self::create_user); [`Error::InvalidArgument`] for more than
    /// [`MAX_PASSWORDS_PER_CALL`](Self::MAX_PASSWORDS_PER_CALL) initial passwords.
    pub fn create_users(&self, actor: UserId, users: &[NewUser]) -> Result<Vec<UserId>, Error> {
        let hashes = self.initial_passwords(actor, "create_users", users)?;
        self.write(Some(actor), "create_users", |p| {
            p.create_users(actor, users, &hashes)
        })
    }

    /// Hashes the initial passwords of `users` once the actor may create them all: the rules
    /// are planned first with placeholder hashes (a refusal is audited as `action`), then every
    /// password is checked against the policy, and only then hashed.
    fn initial_passwords(
        &self,
        actor: UserId,
        action: &'static str,
        users: &[NewUser],
    ) -> Result<Vec<Option<Hashed>>, Error> {
        let with_password = users.iter().filter(|u| u.password.is_some()).count();
        if with_password == 0 {
            return Ok(vec![None; users.len()]);
        }
        self.refresh()?;
        let placeholders: Vec<Option<Hashed>> = users
            .iter()
            .map(|u| {
                u.password.as_ref().map(|_| Hashed {
                    hash: String::new(),
                })
            })
            .collect();
        if let Err(e) = self.dry_run(|p| p.create_users(actor, users, &placeholders)) {
            return self.write(Some(actor), action, |_| Err(e.clone()));
        }
        if with_password > Self::MAX_PASSWORDS_PER_CALL {
            return Err(Error::InvalidArgument {
                what: "users",
                reason: format!(
                    "at most {} users with an initial password per call (each costs one \
                     argon2id hash); split the import",
                    Self::MAX_PASSWORDS_PER_CALL
                ),
            });
        }
        let policy = self.actor_policy(actor)?;
        for u in users {
            if let Some(pw) = &u.password {
                policy.check(pw.expose(), &u.email, &[&u.first_name, &u.last_name])?;
            }
        }
        let params = self.params();
        users
            .iter()
            .map(|u| {
                u.password
                    .as_ref()
                    .map(|pw| {
                        Ok(Hashed {
                            hash: cred::hash_password(pw.expose(), &params)?,
                        })
                    })
                    .transpose()
            })
            .collect()
    }

    /// Edits a user's name, email or phone. Needs `users.manage`, or `profile.edit` for oneself.
    pub fn update_user(&self, actor: UserId, user: UserId, patch: &UserPatch) -> Result<(), Error> {
        self.write(Some(actor), "update_user", |p| {
            p.update_user(actor, user, patch)
        })
    }

    /// Activates or deactivates a user. An inactive user holds nothing and cannot log in.
    ///
    /// Reactivating grants everything the user regains (its roles, call groups / IVRs,
    /// agreement levels and PBX links), each under its own grant check; deactivating lowers all
    /// of it, under the rules of lowering it (settled rules 1 and 2).
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] without `users.manage`; [`Error::Escalation`],
    /// [`Error::AgreementAdminRequired`], [`Error::AgreementAdministratorProtected`],
    /// [`Error::LevelNotGrantable`] when the actor may not grant (or take away) part of it;
    /// [`Error::UserOwnsAgreement`] for the Owner of an agreement;
    /// [`Error::SuperadminProtected`], [`Error::AdministratorProtected`].
    pub fn set_active(&self, actor: UserId, user: UserId, active: bool) -> Result<(), Error> {
        self.write(Some(actor), "set_active", |p| {
            p.set_active(actor, user, active)
        })
    }

    /// Deletes a user with its memberships and agreement levels.
    ///
    /// # Errors
    /// As deactivating it ([`set_active`](Self::set_active)): the Owner of an agreement cannot
    /// be deleted until ownership is transferred ([`Error::UserOwnsAgreement`]), an agreement
    /// Administrator only by someone who may change its levels.
    pub fn delete_user(&self, actor: UserId, user: UserId) -> Result<(), Error> {
        self.write(Some(actor), "delete_user", |p| p.delete_user(actor, user))
    }

    /// Gives a user a role (a grant: the actor must hold the role's rights).
    pub fn assign_role(&self, actor: UserId, user: UserId, role: RoleId) -> Result<(), Error> {
        self.write(Some(actor), "assign_role", |p| {
            p.assign_role(actor, user, role)
        })
    }

    /// Takes a role from a user.
    pub fn revoke_role(&self, actor: UserId, user: UserId, role: RoleId) -> Result<(), Error> {
        self.write(Some(actor), "revoke_role", |p| {
            p.revoke_role(actor, user, role)
        })
    }

    /// Replaces the roles a user holds directly.
    pub fn set_user_roles(
        &self,
        actor: UserId,
        user: UserId,
        roles: &[RoleId],
    ) -> Result<(), Error> {
        self.write(Some(actor), "set_user_roles", |p| {
            p.set_user_roles(actor, user, roles)
        })
    }

    /// A user.
    pub fn user(&self, id: UserId) -> Result<User, Error> {
        self.read()
            .users
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::UnknownUser(id.to_string()))
    }

    /// The user of `tenant` with this email (case-insensitive).
    pub fn user_by_email(&self, tenant: TenantId, email: &str) -> Result<User, Error> {
        self.with_tenant(tenant, |m| {
            m.emails
                .get(&(tenant, validate::email_key(email.trim())))
                .and_then(|id| m.users.get(id))
                .cloned()
                .ok_or_else(|| Error::UnknownUser(crate::domain::truncate_for_message(email)))
        })?
    }

    /// Searches the users of a tenant by name, email or phone, in id order.
    pub fn search_users(&self, tenant: TenantId, query: &UserQuery) -> Result<Page<User>, Error> {
        if query.limit == 0 || query.limit > UserQuery::MAX_LIMIT {
            return Err(Error::InvalidArgument {
                what: "limit",
                reason: "must be 1 to 1000".into(),
            });
        }
        let text = query.text.as_deref().map(str::trim).unwrap_or("");
        let needle = validate::fold(text);
        let email_needle = validate::email_key(text);
        self.with_tenant(tenant, |m| {
            // Phones match whatever formatting is typed, national (in the tenant's region) or
            // international, and only for text that reads as (part of) a phone number:
            // "agent5@acme.test" must not match every phone containing a 5.
            let region = m
                .tenants
                .get(&tenant)
                .and_then(|t| t.settings.phone_region.as_deref());
            let phone = validate::PhoneSearch::new(text, region);
            let mut total = 0;
            let mut items = Vec::new();
            for id in m.tenant_users.get(&tenant).into_iter().flatten() {
                let Some(u) = m.users.get(id) else { continue };
                if query.active_only && !u.active {
                    continue;
                }
                let hit = needle.is_empty()
                    || validate::fold(&u.full_name()).contains(&needle)
                    || validate::fold(&format!("{} {}", u.last_name, u.first_name))
                        .contains(&needle)
                    || validate::email_key(&u.email).contains(&email_needle)
                    || phone
                        .as_ref()
                        .is_some_and(|ph| u.phone.as_deref().is_some_and(|p| ph.matches(p)));
                if hit {
                    if total >= query.offset && items.len() < query.limit {
                        items.push(u.clone());
                    }
                    total += 1;
                }
            }
            Page {
                items,
                total,
                offset: query.offset,
            }
        })
    }

    // ======================= roles =======================

    /// Creates a custom role. Needs `roles.manage`; the actor must hold its rights.
    pub fn create_role(&self, actor: UserId, role: &NewRole) -> Result<RoleId, Error> {
        self.write(Some(actor), "create_role", |p| p.create_role(actor, role))
    }

    /// Edits a custom role; added rights are a grant to every holder.
    pub fn update_role(&self, actor: UserId, role: RoleId, patch: &RolePatch) -> Result<(), Error> {
        self.write(Some(actor), "update_role", |p| {
            p.update_role(actor, role, patch)
        })
    }

    /// Deletes a custom role, removing it from every user and group.
    pub fn delete_role(&self, actor: UserId, role: RoleId) -> Result<(), Error> {
        self.write(Some(actor), "delete_role", |p| p.delete_role(actor, role))
    }

    /// A role.
    pub fn role(&self, id: RoleId) -> Result<Role, Error> {
        self.read()
            .roles
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::UnknownRole(id.to_string()))
    }

    /// The role of `tenant` with this name (case-insensitive).
    ///
    /// Role names are unique per [namespace](RoleNamespace), so a name is resolved as follows:
    /// - `namespace/name` (`dashboard/Admin`, `custom/Night shift`): the role `name` of that
    ///   namespace, when the part before the first `/` is a namespace and such a role exists;
    /// - otherwise the whole text is a bare name, which must be held in exactly one namespace
    ///   of the tenant. A bare name held in several (`Admin` with both `managers` and
    ///   `dashboard` installed, or a custom role named like a preset role) is never guessed:
    ///   it fails with [`Error::AmbiguousName`], which lists the namespaces.
    ///
    /// # Errors
    /// [`Error::UnknownTenant`], [`Error::UnknownRole`] when nothing matches,
    /// [`Error::AmbiguousName`] as above.
    pub fn role_by_name(&self, tenant: TenantId, name: &str) -> Result<Role, Error> {
        self.with_tenant(tenant, |m| m.role_named(tenant, name).cloned())?
    }

    /// The role of `tenant` named `name` (case-insensitive) in `namespace`: `custom` for the
    /// tenant's own roles, a preset for its built-in roles.
    ///
    /// # Errors
    /// [`Error::UnknownTenant`], or [`Error::UnknownRole`] when that namespace holds no role of
    /// that name.
    pub fn role_in_namespace(
        &self,
        tenant: TenantId,
        namespace: RoleNamespace,
        name: &str,
    ) -> Result<Role, Error> {
        self.with_tenant(tenant, |m| {
            m.role_in_namespace(tenant, namespace, name)
                .cloned()
                .ok_or_else(|| {
                    Error::UnknownRole(crate::domain::truncate_for_message(&format!(
                        "{namespace}/{}",
                        name.trim()
                    )))
                })
        })?
    }

    /// Every role of a tenant, in id order.
    pub fn roles(&self, tenant: TenantId) -> Result<Vec<Role>, Error> {
        self.with_tenant(tenant, |m| {
            m.roles
                .values()
                .filter(|r| r.tenant == tenant)
                .cloned()
                .collect()
        })
    }

    // ======================= groups =======================

    /// Creates a user group with roles (004). Needs `groups.manage`.
    pub fn create_group(
        &self,
        actor: UserId,
        name: &str,
        roles: &[RoleId],
    ) -> Result<GroupId, Error> {
        self.write(Some(actor), "create_group", |p| {
            p.create_group(actor, name, roles)
        })
    }

    /// Renames a group.
    pub fn rename_group(&self, actor: UserId, group: GroupId, name: &str) -> Result<(), Error> {
        self.write(Some(actor), "rename_group", |p| {
            p.rename_group(actor, group, name)
        })
    }

    /// Adds a role to a group: a grant to every member.
    pub fn add_group_role(&self, actor: UserId, group: GroupId, role: RoleId) -> Result<(), Error> {
        self.write(Some(actor), "add_group_role", |p| {
            p.add_group_role(actor, group, role)
        })
    }

    /// Removes a role from a group.
    pub fn remove_group_role(
        &self,
        actor: UserId,
        group: GroupId,
        role: RoleId,
    ) -> Result<(), Error> {
        self.write(Some(actor), "remove_group_role", |p| {
            p.remove_group_role(actor, group, role)
        })
    }

    /// Adds a user to a group: a grant of the group's roles.
    pub fn add_member(&self, actor: UserId, group: GroupId, user: UserId) -> Result<(), Error> {
        self.write(Some(actor), "add_member", |p| {
            p.add_member(actor, group, user)
        })
    }

    /// Removes a user from a group.
    pub fn remove_member(&self, actor: UserId, group: GroupId, user: UserId) -> Result<(), Error> {
        self.write(Some(actor), "remove_member", |p| {
            p.remove_member(actor, group, user)
        })
    }

    /// Deletes a group; refused while it is the only group of one of its members (004).
    pub fn delete_group(&self, actor: UserId, group: GroupId) -> Result<(), Error> {
        self.write(Some(actor), "delete_group", |p| {
            p.delete_group(actor, group)
        })
    }

    /// A group.
    pub fn group(&self, id: GroupId) -> Result<Group, Error> {
        self.read()
            .groups
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::UnknownGroup(id.to_string()))
    }

    /// The group of `tenant` with this name (case-insensitive).
    pub fn group_by_name(&self, tenant: TenantId, name: &str) -> Result<Group, Error> {
        self.with_tenant(tenant, |m| {
            m.name_taken(tenant, crate::domain::model::NameKind::Group, name.trim())
                .and_then(|id| m.groups.get(&GroupId(id)))
                .cloned()
                .ok_or_else(|| Error::UnknownGroup(crate::domain::truncate_for_message(name)))
        })?
    }

    /// Every group of a tenant, in id order.
    pub fn groups(&self, tenant: TenantId) -> Result<Vec<Group>, Error> {
        self.with_tenant(tenant, |m| {
            m.groups
                .values()
                .filter(|g| g.tenant == tenant)
                .cloned()
                .collect()
        })
    }

    /// The members of a group, in id order.
    pub fn group_members(&self, group: GroupId) -> Result<Vec<UserId>, Error> {
        let m = self.read();
        if !m.groups.contains_key(&group) {
            return Err(Error::UnknownGroup(group.to_string()));
        }
        Ok(m.members
            .get(&group)
            .into_iter()
            .flatten()
            .copied()
            .collect())
    }

    /// The permissions a group grants its members (union of its roles).
    pub fn group_permissions(&self, group: GroupId) -> Result<Permission, Error> {
        let m = self.read();
        let g = m
            .groups
            .get(&group)
            .ok_or_else(|| Error::UnknownGroup(group.to_string()))?;
        Ok(m.group_permissions(g))
    }

    /// The groups a user belongs to, in id order.
    pub fn user_groups(&self, user: UserId) -> Result<Vec<GroupId>, Error> {
        let m = self.read();
        if !m.users.contains_key(&user) {
            return Err(Error::UnknownUser(user.to_string()));
        }
        Ok(m.user_groups
            .get(&user)
            .into_iter()
            .flatten()
            .copied()
            .collect())
    }

    // ======================= scopes =======================

    /// Creates a call group or IVR. Needs `scopes.manage`.
    pub fn create_scope(
        &self,
        actor: UserId,
        kind: ScopeKind,
        name: &str,
    ) -> Result<ScopeId, Error> {
        self.write(Some(actor), "create_scope", |p| {
            p.create_scope(actor, kind, name)
        })
    }

    /// Deletes a call group or IVR, unassigning it from everyone.
    pub fn delete_scope(&self, actor: UserId, scope: ScopeId) -> Result<(), Error> {
        self.write(Some(actor), "delete_scope", |p| {
            p.delete_scope(actor, scope)
        })
    }

    /// Authorises a user for a call group / IVR (a grant of its scoped rights there).
    pub fn assign_scope(&self, actor: UserId, user: UserId, scope: ScopeId) -> Result<(), Error> {
        self.write(Some(actor), "assign_scope", |p| {
            p.assign_scope(actor, user, scope)
        })
    }

    /// Withdraws a call group / IVR from a user.
    pub fn unassign_scope(&self, actor: UserId, user: UserId, scope: ScopeId) -> Result<(), Error> {
        self.write(Some(actor), "unassign_scope", |p| {
            p.unassign_scope(actor, user, scope)
        })
    }

    /// Replaces the call groups / IVRs assigned to a user.
    pub fn set_user_scopes(
        &self,
        actor: UserId,
        user: UserId,
        scopes: &[ScopeId],
    ) -> Result<(), Error> {
        self.write(Some(actor), "set_user_scopes", |p| {
            p.set_user_scopes(actor, user, scopes)
        })
    }

    /// A scope resource.
    pub fn scope(&self, id: ScopeId) -> Result<Scope, Error> {
        self.read()
            .scopes
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::UnknownScope(id.to_string()))
    }

    /// Every call group and IVR of a tenant, in id order.
    pub fn scopes(&self, tenant: TenantId) -> Result<Vec<Scope>, Error> {
        self.with_tenant(tenant, |m| {
            m.scopes
                .values()
                .filter(|s| s.tenant == tenant)
                .cloned()
                .collect()
        })
    }

    // ======================= agreements =======================

    /// Creates an agreement and appoints its Owner. Needs `agreements.manage`.
    ///
    /// # Errors
    /// [`Error::InactiveOwner`] when the owner is inactive (one active Owner per agreement),
    /// [`Error::PermissionDenied`], [`Error::DuplicateName`], [`Error::InvalidName`].
    pub fn create_agreement(
        &self,
        actor: UserId,
        name: &str,
        owner: UserId,
    ) -> Result<AgreementId, Error> {
        self.write(Some(actor), "create_agreement", |p| {
            p.create_agreement(actor, name, owner)
        })
    }

    /// Sets a user's access level on a product of an agreement, under the rules of 002: a CORE
    /// Administrator sets User or Administrator, the Owner (and the tenant's
    /// superadministrator) No access, User or Administrator, on every product; with the
    /// tenant's [`TenantSettings::strict_agreement_levels`], never above the actor's own level
    /// on that product.
    ///
    /// # Errors
    /// [`Error::AgreementAdminRequired`], [`Error::LevelNotGrantable`],
    /// [`Error::OwnerProtected`], [`Error::AgreementAdministratorProtected`].
    pub fn set_access_level(
        &self,
        actor: UserId,
        agreement: AgreementId,
        user: UserId,
        product: Product,
        level: AccessLevel,
    ) -> Result<(), Error> {
        self.write(Some(actor), "set_access_level", |p| {
            p.set_access_level(actor, agreement, user, product, level)
        })
    }

    /// Transfers ownership of an agreement (its Owner, or the tenant's superadministrator); the
    /// former Owner becomes Administrator.
    ///
    /// # Errors
    /// [`Error::NotOwner`] for anyone else; [`Error::InactiveOwner`] when the new owner is
    /// inactive.
    pub fn transfer_ownership(
        &self,
        actor: UserId,
        agreement: AgreementId,
        new_owner: UserId,
    ) -> Result<(), Error> {
        self.write(Some(actor), "transfer_ownership", |p| {
            p.transfer_ownership(actor, agreement, new_owner)
        })
    }

    /// Links a user to a virtual-PBX subscriber on an agreement (`None` unlinks): a change of
    /// its Virtual PBX access, under the rules of [`set_access_level`](Self::set_access_level).
    pub fn link_pbx_subscriber(
        &self,
        actor: UserId,
        agreement: AgreementId,
        user: UserId,
        subscriber: Option<&str>,
    ) -> Result<(), Error> {
        self.write(Some(actor), "link_pbx_subscriber", |p| {
            p.link_pbx_subscriber(actor, agreement, user, subscriber)
        })
    }

    /// An agreement.
    pub fn agreement(&self, id: AgreementId) -> Result<Agreement, Error> {
        self.read()
            .agreements
            .get(&id)
            .and_then(|a| a.meta.clone())
            .ok_or_else(|| Error::UnknownAgreement(id.to_string()))
    }

    /// Every agreement of a tenant, in id order.
    pub fn agreements(&self, tenant: TenantId) -> Result<Vec<Agreement>, Error> {
        self.with_tenant(tenant, |m| {
            m.agreements
                .values()
                .filter_map(|a| a.meta.clone())
                .filter(|a| a.tenant == tenant)
                .collect()
        })
    }

    /// The PBX subscriber a user is linked to on an agreement.
    pub fn pbx_subscriber(
        &self,
        agreement: AgreementId,
        user: UserId,
    ) -> Result<Option<String>, Error> {
        let m = self.read();
        let st = m
            .agreements
            .get(&agreement)
            .ok_or_else(|| Error::UnknownAgreement(agreement.to_string()))?;
        Ok(st.pbx.get(&user).cloned())
    }

    // ======================= credentials =======================

    /// Sets the argon2id cost of new hashes. The default is the OWASP minimum (m = 19 MiB,
    /// t = 2, p = 1); stored hashes weaker than this are upgraded at the next successful login.
    /// Lower it only in tests.
    pub fn set_hash_params(&self, params: HashParams) {
        *self
            .hash_params
            .write()
            .unwrap_or_else(PoisonError::into_inner) = params;
    }

    fn params(&self) -> HashParams {
        *self
            .hash_params
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn actor_policy(&self, actor: UserId) -> Result<PasswordPolicy, Error> {
        let m = self.read();
        let u = m
            .users
            .get(&actor)
            .ok_or_else(|| Error::UnknownUser(actor.to_string()))?;
        Ok(m.tenants
            .get(&u.tenant)
            .map(|t| t.policy.clone())
            .unwrap_or_default())
    }

    /// Checks a password against a policy, then hashes it: outside every lock.
    fn hash_checked(
        &self,
        policy: &PasswordPolicy,
        password: &Secret,
        email: &str,
        names: &[&str],
    ) -> Result<Hashed, Error> {
        policy.check(password.expose(), email, names)?;
        Ok(Hashed {
            hash: cred::hash_password(password.expose(), &self.params())?,
        })
    }

    /// Snapshot of what a password operation needs about a user: tenant policy, email, names,
    /// current hash.
    fn credential_context(
        &self,
        user: UserId,
    ) -> Result<(PasswordPolicy, String, [String; 2], Option<String>), Error> {
        let m = self.read();
        let u = m
            .users
            .get(&user)
            .ok_or_else(|| Error::UnknownUser(user.to_string()))?;
        Ok((
            m.tenants
                .get(&u.tenant)
                .map(|t| t.policy.clone())
                .unwrap_or_default(),
            u.email.clone(),
            [u.first_name.clone(), u.last_name.clone()],
            m.credentials.get(&user).map(|c| c.hash.clone()),
        ))
    }

    /// An administrator sets another user's password (`users.manage`); a `temporary` one must
    /// be changed at next login, which is what a password set by someone else should be (the
    /// default of `temporary` in [`NewUser`], Python and C++). Invalidates pending recovery
    /// tokens and the user's sessions. Authorised before the password is checked or hashed.
    pub fn set_password(
        &self,
        actor: UserId,
        user: UserId,
        password: &str,
        temporary: bool,
    ) -> Result<(), Error> {
        self.refresh()?;
        let (policy, email, names, _) = self.credential_context(user)?;
        // Authorise before spending a hash on it; a refusal is audited by `write`.
        if let Err(e) = self.dry_run(|p| {
            p.set_password(
                actor,
                user,
                Hashed {
                    hash: String::new(),
                },
                temporary,
            )
        }) {
            return self.write(Some(actor), "set_password", |_| Err(e.clone()));
        }
        let hashed = self.hash_checked(
            &policy,
            &Secret::new(password),
            &email,
            &[&names[0], &names[1]],
        )?;
        self.write(Some(actor), "set_password", |p| {
            p.set_password(actor, user, hashed.clone(), temporary)
        })
    }

    /// A user changes its own password, giving the current one. A wrong current password
    /// counts toward the lock like a failed login.
    ///
    /// # Errors
    /// [`Error::AuthenticationFailed`] for a wrong current password (or no password, or an
    /// inactive user); [`Error::AccountLocked`] while the account is locked, whatever the
    /// password; [`Error::WeakPassword`] for a new password the policy refuses.
    pub fn change_password(&self, user: UserId, current: &str, new: &str) -> Result<(), Error> {
        self.refresh()?;
        let (policy, email, names, hash) = self.credential_context(user)?;
        let Some(hash) = hash else {
            return self.write(Some(user), "change_password", |_| {
                Err(Error::AuthenticationFailed)
            });
        };
        let ok = current.chars().count() <= cred::MAX_PASSWORD_CHARS
            && cred::verify_password(current, &hash, &self.params()).0;
        // A wrong password is counted, and a refusal (locked, inactive) reported, before the
        // new password is hashed.
        if !ok
            || !matches!(
                self.dry_run(|p| p.change_own_password(user, &hash, true, None)),
                Ok(None)
            )
        {
            match self.write(Some(user), "change_password", |p| {
                p.change_own_password(user, &hash, ok, None)
            }) {
                Ok(Some(e)) | Err(e) => return Err(e),
                Ok(None) => {}
            }
        }
        let hashed =
            self.hash_checked(&policy, &Secret::new(new), &email, &[&names[0], &names[1]])?;
        match self.write(Some(user), "change_password", |p| {
            p.change_own_password(user, &hash, true, Some(hashed.clone()))
        })? {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// What the audit log keeps of a login identifier that matched nobody: a keyed reference,
    /// never the text (it may be a password typed into the email field).
    fn unknown_identifier(&self, email: &str) -> String {
        cred::identifier_ref(self.audit_key.as_ref(), &validate::email_key(email.trim()))
    }

    /// Logs a user in by email (case-insensitive) and password. An unknown email, a wrong
    /// password and an inactive account give the same [`Error::AuthenticationFailed`] and take
    /// about as long; a locked account gives [`Error::AccountLocked`]. Every attempt is audited;
    /// an email that matches nobody is kept only as a reference keyed with a secret of this
    /// instance (equal for equal emails, so repeated attempts can be correlated).
    pub fn login(&self, tenant: TenantId, email: &str, password: &str) -> Result<Session, Error> {
        // Another instance may have set this password: look it up in the store's state.
        self.refresh()?;
        let found = {
            let m = self.read();
            if !m.tenants.contains_key(&tenant) {
                return Err(Error::UnknownTenant(tenant));
            }
            m.emails
                .get(&(tenant, validate::email_key(email.trim())))
                .and_then(|id| m.credentials.get(id).map(|c| (*id, c.hash.clone())))
        };
        let params = self.params();
        let too_long = password.chars().count() > cred::MAX_PASSWORD_CHARS;
        let Some((user, hash)) = found else {
            if !too_long {
                cred::verify_password(password, &cred::dummy_hash(&params), &params);
            }
            let shown = self.unknown_identifier(email);
            self.write(None, "login", |p| {
                p.tenant = Some(tenant);
                p.force_audit = true;
                p.outcome = Some("authentication_failed");
                p.detail = Some(format!("no user with a password has this email ({shown})"));
                Ok(())
            })?;
            return Err(Error::AuthenticationFailed);
        };
        let (ok, weaker) = if too_long {
            (false, false)
        } else {
            cred::verify_password(password, &hash, &params)
        };
        let upgraded = if ok && weaker {
            Some(Hashed {
                hash: cred::hash_password(password, &params)?,
            })
        } else {
            None
        };
        match self.write(Some(user), "login", |p| {
            p.record_login(user, &hash, ok, upgraded.clone())
        })? {
            LoginResult::Ok {
                user,
                must_change_password,
            } => Ok(Session {
                user,
                stamp: self
                    .snapshot
                    .load()
                    .security_stamp(user)
                    .unwrap_or_default(),
                must_change_password,
            }),
            LoginResult::Refused(e) => Err(e),
        }
    }

    /// Unlocks an account locked by failed logins (`users.manage`).
    pub fn unlock(&self, actor: UserId, user: UserId) -> Result<(), Error> {
        self.write(Some(actor), "unlock", |p| p.unlock(actor, user))
    }

    /// Starts a recovery by email: issues a single-use token (32 random bytes, stored hashed,
    /// expiring per the tenant's policy) and queues a [`Notification::PasswordResetRequested`]
    /// for the host to send. Returns `None`, and issues nothing, when no active user has that
    /// email (the host should answer its caller the same way in both cases).
    pub fn request_password_reset(
        &self,
        tenant: TenantId,
        email: &str,
    ) -> Result<Option<ResetIssued>, Error> {
        let token = cred::new_token()?;
        let unknown = self.unknown_identifier(email);
        self.write(None, "request_password_reset", |p| {
            p.request_reset(tenant, email, token.clone(), &unknown)
        })
    }

    /// Sets a new password with a recovery token. The token is single use, expires, and is
    /// invalidated by any later password change; a bad token is audited and changes nothing.
    pub fn reset_password_with_token(
        &self,
        tenant: TenantId,
        token: &str,
        new_password: &str,
    ) -> Result<UserId, Error> {
        // Another instance may have issued this token: look it up in the store's state.
        self.refresh()?;
        let token_hash = if token.len() <= 256 {
            cred::token_hash(token.trim())
        } else {
            String::new()
        };
        // An unknown, expired or misdirected token is refused before anything is hashed.
        let checked = self.dry_run(|p| {
            p.reset_with_token(
                tenant,
                &token_hash,
                Hashed {
                    hash: String::new(),
                },
            )
        });
        let user = match checked {
            Ok(user) => user,
            Err(e) => {
                let holder = self.read().reset_tokens.get(&token_hash).map(|t| t.user);
                return self.write(holder, "reset_password", |p| {
                    p.tenant = Some(tenant);
                    Err(e.clone())
                });
            }
        };
        let (policy, email, names, _) = self.credential_context(user)?;
        let hashed = self.hash_checked(
            &policy,
            &Secret::new(new_password),
            &email,
            &[&names[0], &names[1]],
        )?;
        self.write(Some(user), "reset_password", |p| {
            p.reset_with_token(tenant, &token_hash, hashed.clone())
        })
    }

    /// The superadministrator sets the tenant's password and lockout policy.
    pub fn set_password_policy(&self, actor: UserId, policy: &PasswordPolicy) -> Result<(), Error> {
        self.write(Some(actor), "set_password_policy", |p| {
            p.set_password_policy(actor, policy)
        })
    }

    /// A tenant's password and lockout policy.
    pub fn password_policy(&self, tenant: TenantId) -> Result<PasswordPolicy, Error> {
        self.tenant(tenant).map(|t| t.policy)
    }

    /// Whether the user has a password, must change it, and whether it is locked now.
    pub fn credential_status(&self, user: UserId) -> Result<CredentialStatus, Error> {
        let m = self.read();
        if !m.users.contains_key(&user) {
            return Err(Error::UnknownUser(user.to_string()));
        }
        let now = self.clock.now_ms();
        Ok(match m.credentials.get(&user) {
            None => CredentialStatus {
                has_password: false,
                must_change: false,
                failed_logins: 0,
                locked_until: None,
            },
            Some(c) => CredentialStatus {
                has_password: true,
                must_change: c.must_change,
                failed_logins: c.failed_logins,
                locked_until: c.locked_until.filter(|u| *u > now),
            },
        })
    }

    /// The user's current security stamp (see [`User::stamp`]).
    pub fn security_stamp(&self, user: UserId) -> Result<u64, Error> {
        self.snapshot
            .load()
            .security_stamp(user)
            .ok_or_else(|| Error::UnknownUser(user.to_string()))
    }

    /// Whether a session issued to `user` under `stamp` is still valid: the user exists, is
    /// active, and nothing security-relevant changed since. Lock-free.
    pub fn session_valid(&self, user: UserId, stamp: u64) -> bool {
        self.with_snapshot(|s| s.session_valid(user, stamp))
    }

    // ======================= audit =======================

    /// Audit events matching `query`, oldest first.
    pub fn audit_events(&self, query: &AuditQuery) -> Result<Page<AuditEvent>, Error> {
        query.validate()?;
        let (items, total) = lock(&self.store).query_audit(query)?;
        Ok(Page {
            items,
            total,
            offset: query.offset,
        })
    }

    /// Users of `tenant` who have not logged in for `days` days (never-logged-in users count
    /// from their creation), for removing inactive accounts.
    pub fn users_inactive_for(&self, tenant: TenantId, days: u32) -> Result<Vec<User>, Error> {
        let cutoff = self.clock.now_ms() - i64::from(days) * 86_400_000;
        self.with_tenant(tenant, |m| {
            m.tenant_users
                .get(&tenant)
                .into_iter()
                .flatten()
                .filter_map(|id| m.users.get(id))
                .filter(|u| u.last_login.unwrap_or(u.created_at) < cutoff)
                .cloned()
                .collect()
        })
    }

    // ======================= checks (lock-free) =======================

    /// May `user` do `p`? Lock-free; false for an unknown or inactive user or an empty `p`.
    #[inline]
    pub fn check(&self, user: UserId, p: Permission) -> bool {
        self.with_snapshot(|s| s.check(user, p))
    }

    /// May `user` do `p` on data of call group / IVR `scope`?
    #[inline]
    pub fn check_scoped(&self, user: UserId, p: Permission, scope: ScopeId) -> bool {
        self.with_snapshot(|s| s.check_scoped(user, p, scope))
    }

    /// Checks many `(user, permission)` pairs at one revision.
    pub fn check_many(&self, pairs: &[(UserId, Permission)]) -> Vec<bool> {
        let snap = self.snapshot.load();
        pairs.iter().map(|(u, p)| snap.check(*u, *p)).collect()
    }

    /// Which call groups / IVRs `user` may see for `p`: all, or an explicit set.
    pub fn allowed_scopes(&self, user: UserId, p: Permission) -> Result<ScopeAccess, Error> {
        self.snapshot
            .load()
            .allowed_scopes(user, p)
            .ok_or_else(|| Error::UnknownUser(user.to_string()))
    }

    /// The effective permissions of a user (its roles and its groups' roles).
    pub fn effective_permissions(&self, user: UserId) -> Result<Permission, Error> {
        self.snapshot
            .load()
            .effective_permissions(user)
            .ok_or_else(|| Error::UnknownUser(user.to_string()))
    }

    /// Users of `tenant` holding `p` (for `scope` when given).
    pub fn users_with_permission(
        &self,
        tenant: TenantId,
        p: Permission,
        scope: Option<ScopeId>,
    ) -> Result<Vec<UserId>, Error> {
        self.with_tenant(tenant, |_| ())?;
        Ok(self.snapshot.load().users_with_permission(tenant, p, scope))
    }

    /// The access level of `user` on `product` of `agreement`.
    pub fn access_level(
        &self,
        agreement: AgreementId,
        user: UserId,
        product: Product,
    ) -> AccessLevel {
        self.with_snapshot(|s| s.access_level(agreement, user, product))
    }

    /// May `user` listen to the call recordings of PBX subscriber `subscriber` (002)?
    pub fn may_listen_recordings(
        &self,
        agreement: AgreementId,
        user: UserId,
        subscriber: &str,
    ) -> bool {
        self.snapshot
            .load()
            .may_use_subscriber(agreement, user, subscriber)
    }

    /// May `user` use click-to-call as PBX subscriber `subscriber` (002)?
    pub fn may_click_to_call(
        &self,
        agreement: AgreementId,
        user: UserId,
        subscriber: &str,
    ) -> bool {
        self.snapshot
            .load()
            .may_use_subscriber(agreement, user, subscriber)
    }

    /// Why `check(user, p)` answers as it does: the roles and groups granting `p`.
    pub fn explain(&self, user: UserId, p: Permission) -> Result<Explanation, Error> {
        if p.is_empty() {
            return Err(Error::EmptyPermission);
        }
        let m = self.read();
        let u = m
            .users
            .get(&user)
            .ok_or_else(|| Error::UnknownUser(user.to_string()))?;
        let mut grants = Vec::new();
        let mut push = |r: RoleId, via: Option<GroupId>| {
            if let Some(role) = m.roles.get(&r) {
                if role.permissions.intersects(p) {
                    grants.push(Grant {
                        role: r,
                        role_name: role.name.clone(),
                        role_namespace: role.namespace,
                        via_group: via,
                        scoped: role.scoped,
                        grants: role.permissions & p,
                    });
                }
            }
        };
        for r in &u.roles {
            push(*r, None);
        }
        for g in m.user_groups.get(&user).into_iter().flatten() {
            for r in m.groups.get(g).into_iter().flat_map(|g| g.roles.iter()) {
                push(*r, Some(*g));
            }
        }
        let superadmin = m.is_superadmin(u);
        Ok(Explanation {
            user,
            permission: p,
            allowed: m.effective(u).perms.contains(p),
            superadmin,
            inactive: !u.active,
            grants,
        })
    }
}

//! The [`Directory`]: the one entry point of the library.
//!
//! This file holds the struct, snapshot handling, the commit pipeline (`write`) and
//! notifications; opening and loading live in `open`, and each concept's methods in their own
//! file (one `impl Directory` block each).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use arc_swap::ArcSwap;
use serde::{Deserialize, Serialize};

use crate::audit::{AuditAction, AuditEvent, AuditQuery};
use crate::clock::{Clock, SystemClock};
use crate::credentials::{self as cred, HashParams, Notification};
use crate::domain::model::{Affected, Model};
use crate::domain::{Change, Commit, NextIds, ObjectKind, TenantId, UserId};
use crate::engine::Snapshot;
use crate::error::ErrorCategory;
use crate::ops::Plan;
use crate::store::{self, MemoryStore, Store};
use crate::Error;

mod agreements;
mod audit;
mod checks;
mod credentials;
mod freshness;
mod groups;
mod open;
mod roles;
mod scim;
mod scopes;
mod simulate;
mod sod;
mod tenants;
mod timed;
mod transfer;
mod users;

pub use checks::{Explanation, Grant};
pub use credentials::{CredentialStatus, Session};
pub use freshness::Follower;
pub use users::UserQuery;

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
///
/// # Errors of every change
///
/// Besides the refusals each method lists, every change made by an acting user fails with
/// [`Error::UnknownUser`] for an unknown actor, [`Error::ActorInactive`] for an inactive one and
/// [`Error::WrongTenant`] for an object of another tenant; and every change can fail in the
/// store: [`Error::Storage`], [`Error::Busy`], [`Error::ReadOnly`], [`Error::Corrupt`] (a
/// damaged commit log written by another instance), [`Error::RevisionConflict`] (a store that
/// takes no write lock and kept conflicting), and [`Error::Closed`] after
/// [`close`](Directory::close). A refusal changes nothing; a refusal for want of a right or by
/// authentication is audited.
pub struct Directory {
    /// Everything, shared with the follower thread (which holds it weakly).
    shared: Arc<Shared>,
}

/// The state of a [`Directory`].
struct Shared {
    snapshot: Arc<ArcSwap<Snapshot>>,
    model: RwLock<Model>,
    store: Mutex<Box<dyn Store>>,
    clock: Arc<dyn Clock>,
    hash_params: RwLock<HashParams>,
    notifications: Mutex<VecDeque<Notification>>,
    on_notification: RwLock<Option<NotifyFn>>,
    closed: std::sync::atomic::AtomicBool,
    /// When this instance last confirmed it was up to date with its store (ms since the Unix
    /// epoch, by the system clock: the directory's clock may be a test's).
    caught_up_at: std::sync::atomic::AtomicI64,
    /// How the store announces other instances' commits, when it does.
    changes: Option<Arc<store::ChangeSignal>>,
    /// Catch-ups that reloaded everything (the log no longer held what was missed).
    reloads: std::sync::atomic::AtomicU64,
    /// The key of the references the audit log keeps for unknown login identifiers (see
    /// `credentials::identifier_ref`); random per instance, never stored. `None` when the OS
    /// random source failed: then nothing is kept.
    audit_key: Option<[u8; 32]>,
    /// Wakes the directory when a time-bound grant starts or ends (clocks that move by
    /// themselves).
    timer: Arc<timed::Timer>,
    /// Whether the clock tells the directory when it moves (a manual clock).
    clock_tells: std::sync::atomic::AtomicBool,
    /// What the clock calls when it moves (it holds it weakly).
    clock_listener: Mutex<Option<Arc<crate::clock::ClockListener>>>,
    /// A simulation's fork records what its commits touch (see `simulate`); `None` otherwise.
    journal: Option<Mutex<simulate::Journal>>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        self.timer.stop();
    }
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
    fn audit_after(&mut self, _: u64, _: usize) -> Result<Vec<AuditEvent>, Error> {
        Err(Error::Closed)
    }
}

type NotifyFn = Box<dyn Fn(&Notification) + Send + Sync>;

/// The kind and id of the object a change is about, for the audit log.
fn target_of(c: &Change) -> Option<(ObjectKind, u64)> {
    use ObjectKind as K;
    Some(match c {
        Change::TenantPut(t) => (K::Tenant, t.id.0),
        Change::UserPut(u) => (K::User, u.id.0),
        Change::UserDeleted { id } => (K::User, id.0),
        Change::CredentialPut(cr) => (K::User, cr.user.0),
        Change::ResetTokenPut(t) => (K::User, t.user.0),
        Change::ResetTokensCleared { user }
        | Change::LoginRecorded { user, .. }
        | Change::MemberAdded { user, .. }
        | Change::MemberRemoved { user, .. }
        | Change::LevelSet { user, .. }
        | Change::PbxLinkSet { user, .. } => (K::User, user.0),
        Change::RolePut(r) => (K::Role, r.id.0),
        Change::RoleDeleted { id } => (K::Role, id.0),
        Change::GroupPut(g) => (K::Group, g.id.0),
        Change::GroupDeleted { id } => (K::Group, id.0),
        Change::ScopePut(sc) => (K::Scope, sc.id.0),
        Change::ScopeDeleted { id } => (K::Scope, id.0),
        Change::AgreementPut(a) => (K::Agreement, a.id.0),
        Change::StampSet { .. } => return None,
    })
}

/// The rows of `kind` in `m`, for the kinds indexed densely by id (users, scopes); 0 for the
/// others.
fn dense_rows(m: &Model, kind: ObjectKind) -> u64 {
    match kind {
        ObjectKind::User => m.users.len() as u64,
        ObjectKind::Scope => m.scopes.len() as u64,
        _ => 0,
    }
}

/// Refuses next ids a store loaded that are absurd for the rows it loaded (a damaged store):
/// the next user or scope would be sized for. See [`store::dense_id_limit`].
fn check_next_ids(m: &Model, next_ids: &NextIds) -> Result<(), Error> {
    for (kind, next) in next_ids.iter().filter(|(kind, _)| kind.is_dense()) {
        let rows = dense_rows(m, kind);
        let limit = store::dense_id_limit(rows);
        if next.saturating_sub(1) > limit {
            return Err(Error::Corrupt(format!(
                "the next {kind} id is {next}, absurd for {rows} of them (at most {limit}): the store is damaged",
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
            .flat_map(|c| c.changes.iter().filter_map(Change::allocated_id))
            .filter(|(kind, _)| kind.is_dense())
    };
    let mut rows = NextIds::from_fn(|kind| dense_rows(m, kind));
    allocated().for_each(|(kind, _)| rows[kind] += 1);
    match allocated().find(|&(kind, id)| id == 0 || id > store::dense_id_limit(rows[kind])) {
        None => Ok(()),
        Some((kind, id)) => Err(Error::Corrupt(format!(
            "the commit log creates {kind} id {id}, absurd for {} of them: the store is damaged",
            rows[kind]
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

/// One attempt of `Directory::write`: who acts, as which audited action, when, and the
/// revision its commit will have.
struct Attempt {
    actor: Option<UserId>,
    action: AuditAction,
    now: i64,
    revision: u64,
}

/// What an attempt planned: its result, the changes to commit (with the stamps they renew),
/// its audit event and the notifications to deliver once committed.
struct Planned<T> {
    out: T,
    changes: Vec<Change>,
    audit: Option<AuditEvent>,
    notifications: Vec<Notification>,
}

impl Attempt {
    /// The audit event of a planned change (or of an audited no-op): the before and after of
    /// what changed, summarised for an import of thousands of records.
    fn audit_event(
        &self,
        m: &Model,
        p: &mut Plan<'_>,
        tenant: TenantId,
        changes: &[Change],
    ) -> AuditEvent {
        let (kind, id) = changes.iter().find_map(target_of).unzip();
        let changed = !changes.is_empty();
        let detailed = changes.len() <= crate::audit::MAX_DETAILED_CHANGES;
        AuditEvent {
            seq: 0,
            at: self.now,
            tenant,
            actor: self.actor,
            action: self.action,
            outcome: p.outcome.unwrap_or("ok").to_owned(),
            target_kind: kind,
            target_id: id,
            detail: p.detail.take(),
            revision: changed.then_some(self.revision),
            // An import of thousands of records is summarised, not copied.
            before: (changed && detailed).then(|| m.before_json(changes)),
            after: changed.then(|| {
                if detailed {
                    crate::audit::redacted_json(changes)
                } else {
                    format!("{{\"changes\":{}}}", changes.len())
                }
            }),
        }
    }

    /// Audits a refusal in `tenant` when it is a permission or authentication refusal; best
    /// effort: a refusal is reported even if the log cannot be written.
    fn audit_refusal(&self, store: &mut dyn Store, tenant: TenantId, e: &Error) {
        if !matches!(
            e.category(),
            ErrorCategory::PermissionDenied | ErrorCategory::Authentication
        ) && !matches!(e, Error::SeparationOfDuty { .. })
        {
            return;
        }
        let event = AuditEvent {
            seq: 0,
            at: self.now,
            tenant,
            actor: self.actor,
            action: self.action,
            outcome: e.kind().to_owned(),
            target_kind: None,
            target_id: None,
            detail: Some(e.to_string()),
            revision: None,
            before: None,
            after: None,
        };
        let _ = store.append_audit(std::slice::from_ref(&event));
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

/// The model and the compiled snapshot.
impl Directory {
    fn read(&self) -> RwLockReadGuard<'_, Model> {
        self.shared
            .model
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn write_model(&self) -> RwLockWriteGuard<'_, Model> {
        self.shared
            .model
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the model when `tenant` exists (and the directory is open).
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

    /// The revision of the last change this directory has applied.
    pub fn revision(&self) -> u64 {
        self.shared.snapshot.load().revision()
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
                Some(cache) => !std::ptr::eq(cache.arc_swap(), &*self.shared.snapshot),
                None => true,
            };
            if stale {
                *slot = Some(arc_swap::Cache::new(Arc::clone(&self.shared.snapshot)));
            }
            slot.as_mut().map(|cache| f(cache.load()))
        });
        match cached {
            Ok(Some(r)) => r,
            // Thread-local storage torn down, or re-entered from `f`: load directly.
            _ => f(&self.shared.snapshot.load()),
        }
    }

    /// The current compiled snapshot: an immutable view for many checks at one revision.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.shared.snapshot.load_full()
    }

    /// Applies commits made by other instances on the same store. Returns the revision now
    /// reflected. Changes made through this instance never need it. Clears the readiness of
    /// [`change_fd`](Self::change_fd), unless it failed or news remains.
    ///
    /// # Errors
    /// The store's errors ([`Error::Storage`], [`Error::Busy`], ...); [`Error::Corrupt`] for a
    /// damaged commit log; [`Error::Closed`] after [`close`](Self::close).
    pub fn refresh(&self) -> Result<u64, Error> {
        // The readiness of `change_fd` is cleared before catching up and set again when news
        // remains (a failed catch-up, news heard meanwhile): none is lost.
        if let Some(signal) = &self.shared.changes {
            signal.drain_fd();
        }
        let caught_up = self.catch_up(&mut **lock(&self.shared.store));
        if let Some(signal) = &self.shared.changes {
            signal.rearm_fd(self.revision());
        }
        caught_up?;
        Ok(self.revision())
    }

    fn catch_up(&self, store: &mut dyn Store) -> Result<(), Error> {
        let current = self.revision();
        let now = SystemClock.now_ms();
        if store.revision()? == current {
            self.shared
                .caught_up_at
                .store(now, std::sync::atomic::Ordering::Relaxed);
            return Ok(());
        }
        match store.commits_since(current)? {
            Some(commits) => {
                check_commit_ids(&self.read(), &commits)?;
                self.apply_commits(commits)
            }
            None => {
                let (mut model, revision) = Self::load(store)?;
                self.shared
                    .reloads
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                model.now = self.read().now.max(self.shared.clock.now_ms());
                let snap = Snapshot::build(&model, revision);
                *self.write_model() = model;
                self.publish(snap);
            }
        }
        self.shared
            .caught_up_at
            .store(now, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    fn apply_commits(&self, commits: Vec<Commit>) {
        let Some(revision) = commits.last().map(|c| c.revision) else {
            return;
        };
        let mut m = self.write_model();
        let mut aff = Affected::default();
        let mut journal = self.shared.journal.as_ref().map(lock);
        if let Some(j) = journal.as_mut() {
            j.before(&m, &commits);
        }
        for c in commits {
            for ch in c.changes {
                m.apply_owned(ch, &mut aff);
            }
        }
        if let Some(j) = journal.as_mut() {
            j.after(&aff);
        }
        drop(journal);
        let next = self.shared.snapshot.load().updated(&m, &aff, revision);
        drop(m);
        self.publish(next);
    }
}

/// The commit pipeline: every change goes through `write`.
impl Directory {
    /// Runs one mutation: plan under the rules, stamp the users whose security changes, commit
    /// through the store with its audit event, apply, swap. When another instance on the same
    /// store committed in between, catches up and plans again (the rules are re-checked against
    /// the fresher state). A refusal by a rule is audited and changes nothing.
    fn write<T>(
        &self,
        actor: Option<UserId>,
        action: AuditAction,
        mut plan: impl FnMut(&mut Plan<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut guard = lock(&self.shared.store);
        let mut attempts = 0;
        loop {
            // Under the store's write lock from catching up to committing: no other instance
            // commits in between, so the plan is checked against the latest state and the
            // commit cannot be refused for contention.
            let store = WriteLock::take(&mut **guard)?;
            self.catch_up(store.0)?;
            let attempt = Attempt {
                actor,
                action,
                now: self.shared.clock.now_ms(),
                revision: self.revision() + 1,
            };
            // The rules see the grants in force now.
            self.advance_time(attempt.now);
            let planned = match self.plan_write(&attempt, &mut plan) {
                Ok(planned) => planned,
                Err((e, tenant)) => {
                    if let Some(tenant) = tenant {
                        attempt.audit_refusal(store.0, tenant, &e);
                    }
                    drop(store);
                    return Err(e);
                }
            };
            match self.commit_planned(store, &attempt, planned, attempts < 8)? {
                Some(out) => return Ok(out),
                // Only a store that takes no write lock gets here: plan again, caught up.
                None => attempts += 1,
            }
        }
    }

    /// Plans one attempt of [`write`](Self::write) against the current state: the changes
    /// with the security stamps they renew, and the audit event. A refusal comes back with the
    /// tenant it is audited in.
    fn plan_write<T>(
        &self,
        attempt: &Attempt,
        plan: &mut impl FnMut(&mut Plan<'_>) -> Result<T, Error>,
    ) -> Result<Planned<T>, (Error, Option<TenantId>)> {
        let m = self.read();
        let mut p = Plan::new(&m, attempt.now);
        let result = plan(&mut p);
        let tenant = p
            .tenant
            .or_else(|| {
                attempt
                    .actor
                    .and_then(|a| m.users.get(&a))
                    .map(|u| u.tenant)
            })
            .or_else(|| {
                p.changes.iter().find_map(|c| match c {
                    Change::TenantPut(t) => Some(t.id),
                    _ => None,
                })
            });
        let out = result.map_err(|e| (e, tenant))?;
        p.settle_windows();
        // Every use of a break-glass account is told (its logins tell themselves).
        if let Some(u) = attempt
            .actor
            .and_then(|a| m.users.get(&a))
            .filter(|u| u.break_glass && attempt.action != AuditAction::Login)
        {
            p.notifications.push(Notification::BreakGlassUsed {
                user: u.id,
                email: u.email.clone(),
                action: attempt.action.name().into(),
            });
        }
        let mut changes = std::mem::take(&mut p.changes);
        // Separation of duty, for every grant path: judged on the planned changes as a whole.
        m.check_sod(&changes).map_err(|e| (e, tenant))?;
        let mut stamped = m.stamp_renewals(&changes);
        stamped.extend(std::mem::take(&mut p.renew));
        // A user created by this commit takes its first stamp in its own record: one row
        // written per new user, not two (a bulk import creates a million).
        if !stamped.is_empty() {
            for c in &mut changes {
                if let Change::UserPut(u) = c {
                    if !m.users.contains_key(&u.id) && stamped.remove(&u.id) {
                        u.stamp = attempt.revision;
                    }
                }
            }
        }
        if !stamped.is_empty() {
            changes.push(Change::StampSet {
                users: stamped.into_iter().collect(),
                stamp: attempt.revision,
            });
        }
        let audit = (!changes.is_empty() || p.force_audit)
            .then(|| attempt.audit_event(&m, &mut p, tenant.unwrap_or_default(), &changes));
        Ok(Planned {
            out,
            changes,
            audit,
            notifications: std::mem::take(&mut p.notifications),
        })
    }

    /// Commits a planned attempt under the store's write lock (or, with no changes, appends
    /// its audit event), then applies it and delivers its notifications. `Ok(None)` asks for
    /// another attempt: the store refused the commit for contention and `may_retry` allows it.
    fn commit_planned<T>(
        &self,
        store: WriteLock<'_>,
        attempt: &Attempt,
        planned: Planned<T>,
        may_retry: bool,
    ) -> Result<Option<T>, Error> {
        let Planned {
            out,
            changes,
            audit,
            notifications,
        } = planned;
        if changes.is_empty() {
            if let Some(event) = audit {
                store.0.append_audit(std::slice::from_ref(&event))?;
            }
            store.release()?;
            self.notify(notifications);
            return Ok(Some(out));
        }
        let commit = Commit {
            revision: attempt.revision,
            at: attempt.now,
            actor: attempt.actor,
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
                Ok(Some(out))
            }
            Err(Error::RevisionConflict { .. }) if may_retry => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Plans an operation against the current state without committing it.
    fn dry_run<T>(&self, plan: impl FnOnce(&mut Plan<'_>) -> Result<T, Error>) -> Result<T, Error> {
        let m = self.read();
        let mut p = Plan::new(&m, self.shared.clock.now_ms());
        plan(&mut p)
    }
}

/// Notifications for the host to deliver.
impl Directory {
    fn notify(&self, notifications: Vec<Notification>) {
        if notifications.is_empty() {
            return;
        }
        if let Some(cb) = &*self
            .shared
            .on_notification
            .read()
            .unwrap_or_else(PoisonError::into_inner)
        {
            for n in &notifications {
                cb(n);
            }
        }
        lock(&self.shared.notifications).extend(notifications);
    }

    /// Takes every notification queued since the last call, oldest first. The host delivers
    /// them (emails on change, recovery tokens, lock warnings); the library never sends mail.
    pub fn drain_notifications(&self) -> Vec<Notification> {
        lock(&self.shared.notifications).drain(..).collect()
    }

    /// Calls `callback` for each notification as it is produced (they are still queued for
    /// [`drain_notifications`](Self::drain_notifications)). The callback runs under the
    /// directory's write lock: keep it short and never call back into the directory.
    pub fn on_notification(&self, callback: impl Fn(&Notification) + Send + Sync + 'static) {
        *self
            .shared
            .on_notification
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(Box::new(callback));
    }
}

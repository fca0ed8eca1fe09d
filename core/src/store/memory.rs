//! The in-memory store: a bounded commit log over a compacted base state, and a bounded audit
//! history, shareable between directory instances in one process.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::{Loaded, Store};
use crate::audit::{AuditEvent, AuditQuery};
use crate::domain::{AgreementId, Change, Commit, GroupId, ObjectKind, Product, UserId};
use crate::Error;

/// How much history a [`MemoryStore`] keeps, so that its memory stays bounded however many
/// changes it sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryLimits {
    /// Recent commits kept for incremental catch-up ([`Store::commits_since`]); older ones
    /// are folded into a compacted state that keeps one record per object (its creation and
    /// its latest version), so a directory further behind reloads everything. Default
    /// [`MemoryLimits::DEFAULT_COMMITS`]; at least 1.
    pub commits: usize,
    /// Audit events kept; beyond it the oldest are dropped. Default
    /// [`MemoryLimits::DEFAULT_AUDIT_EVENTS`]. The SQLite store keeps every event until
    /// [`Directory::prune_audit`](crate::Directory::prune_audit) removes them.
    pub audit_events: usize,
}

impl MemoryLimits {
    /// The default number of commits kept: 10,000 (as the SQLite store's log).
    pub const DEFAULT_COMMITS: usize = 10_000;
    /// The default number of audit events kept: 100,000 (tens of MiB at most).
    pub const DEFAULT_AUDIT_EVENTS: usize = 100_000;
    /// No limit: every commit and every audit event is kept (the memory grows with every
    /// change; for tests that read the whole history).
    pub const UNBOUNDED: MemoryLimits = MemoryLimits {
        commits: usize::MAX,
        audit_events: usize::MAX,
    };
}

impl Default for MemoryLimits {
    fn default() -> Self {
        MemoryLimits {
            commits: Self::DEFAULT_COMMITS,
            audit_events: Self::DEFAULT_AUDIT_EVENTS,
        }
    }
}

/// Keeps the directory in memory: the recent commits, the older ones folded into a compacted
/// state, and the recent audit events, within [`MemoryLimits`]. Clones share the same state,
/// so two directories opened on clones of one `MemoryStore` behave like two processes on one
/// database file.
///
/// ```
/// use rolecall::{Directory, MemoryStore};
/// let store = MemoryStore::new();
/// let a = Directory::open(store.clone()).unwrap();
/// let b = Directory::open(store).unwrap();
/// assert_eq!(a.revision(), b.revision());
/// ```
///
/// Writes through directories on clones are serialised by a shared write lock
/// ([`Store::begin_write`]), as a database file's are: a directory waiting for it longer than
/// [`MemoryStore::LOCK_TIMEOUT`] gets [`Error::Busy`].
pub struct MemoryStore {
    log: Arc<Mutex<Log>>,
    audit: Arc<Mutex<Audit>>,
    writer: Arc<WriteLock>,
    /// This handle holds the write lock.
    holding: bool,
}

/// The commits: a compacted base, then the recent ones in order.
#[derive(Default)]
struct Log {
    limit: usize,
    base: Base,
    recent: VecDeque<Commit>,
}

impl Log {
    fn revision(&self) -> u64 {
        self.recent
            .back()
            .map_or(self.base.revision, |c| c.revision)
    }
}

/// What identifies the records a later change supersedes in the compacted base.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Key {
    /// A whole record (`*Put`): its creation is kept (later changes may need it to exist),
    /// and its latest version.
    Object(ObjectKind, u64),
    Member(GroupId, UserId),
    Level(AgreementId, UserId, Product),
    Pbx(AgreementId, UserId),
    Credential(UserId),
    Login(UserId),
    Stamp(UserId),
    TokensCleared(UserId),
}

/// A fast hasher for the base's small integer keys (they come from this process, not from an
/// adversary): the multiply-rotate of rustc's `FxHasher`.
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u8(&mut self, v: u8) {
        self.write_u64(u64::from(v));
    }
    fn write_u32(&mut self, v: u32) {
        self.write_u64(u64::from(v));
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Where the changes of one key sit in the base.
#[derive(Clone, Copy)]
struct Slots {
    /// The object's creation, kept (for keys that keep it).
    first: Option<usize>,
    /// The latest change (may be the creation).
    latest: usize,
}

/// Commits folded into one list of changes that rebuilds the same state, with superseded
/// changes dropped: memory grows with the number of objects, not with the number of changes.
///
/// Replaying the base gives the state the folded commits gave because a `*Put` is a whole
/// record that replaces the previous version (indexes included) and every other kept change
/// is the latest one of its key, applied after the objects it names were created.
#[derive(Default)]
struct Base {
    /// The revision of the last folded commit.
    revision: u64,
    slots: Vec<Option<Change>>,
    live: usize,
    /// Where the changes of each key sit.
    keys: FastMap<Key, Slots>,
    /// Slots of the pending recovery tokens of each user.
    tokens: FastMap<UserId, Vec<usize>>,
}

impl Base {
    fn clear(&mut self, slot: usize) {
        if self.slots[slot].take().is_some() {
            self.live -= 1;
        }
    }

    fn push(&mut self, change: Change) -> usize {
        self.slots.push(Some(change));
        self.live += 1;
        self.slots.len() - 1
    }

    /// Replaces the latest change of `key` by `change`.
    fn put_latest(&mut self, key: Key, change: Change, keep_first: bool) {
        let slot = self.slots.len();
        let stale = match self.keys.entry(key) {
            std::collections::hash_map::Entry::Occupied(mut e) => {
                let s = e.get_mut();
                let old = s.latest;
                s.latest = slot;
                (s.first != Some(old)).then_some(old)
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(Slots {
                    first: keep_first.then_some(slot),
                    latest: slot,
                });
                None
            }
        };
        if let Some(old) = stale {
            self.clear(old);
        }
        self.push(change);
    }

    fn fold(&mut self, commit: Commit) {
        self.revision = commit.revision;
        for change in commit.changes {
            match change {
                Change::StampSet { users, stamp } => {
                    for u in users {
                        let one = Change::StampSet {
                            users: vec![u],
                            stamp,
                        };
                        self.put_latest(Key::Stamp(u), one, false);
                    }
                }
                Change::ResetTokenPut(t) => {
                    let user = t.user;
                    let slot = self.push(Change::ResetTokenPut(t));
                    self.tokens.entry(user).or_default().push(slot);
                }
                Change::ResetTokensCleared { user } => {
                    for slot in self.tokens.remove(&user).unwrap_or_default() {
                        self.clear(slot);
                    }
                    self.put_latest(Key::TokensCleared(user), change, false);
                }
                change => match key_of(&change) {
                    Some((key, keep_first)) => {
                        if matches!(change, Change::ScopePut(_)) {
                            self.root_kept_creation(key);
                        }
                        self.put_latest(key, change, keep_first)
                    }
                    None => {
                        self.push(change);
                    }
                },
            }
        }
        if self.slots.len() > 1024 && self.live * 2 < self.slots.len() {
            self.compact();
        }
    }

    /// Makes the kept creation of scope `key` a root, when a later version is about to
    /// supersede it: replayed, the creation sits where it was made, before versions of other
    /// scopes made after it, and with its parent of the time it could close a cycle with them
    /// (C created under P, moved to the root, P moved under C, C renamed: the base would replay
    /// C under P, then P under C). A root closes none, and every other parent the replay
    /// passes through is one the final state holds, which has no cycle. The latest version
    /// restores the parent.
    fn root_kept_creation(&mut self, key: Key) {
        let Some(s) = self.keys.get(&key) else {
            return;
        };
        if s.first != Some(s.latest) {
            return;
        }
        if let Some(Change::ScopePut(sc)) = self.slots.get_mut(s.latest).and_then(Option::as_mut) {
            sc.parent = None;
        }
    }

    /// Drops the emptied slots, renumbering the indexes.
    fn compact(&mut self) {
        let mut renumber = vec![usize::MAX; self.slots.len()];
        let mut kept = Vec::with_capacity(self.live);
        for (i, s) in std::mem::take(&mut self.slots).into_iter().enumerate() {
            if let Some(c) = s {
                renumber[i] = kept.len();
                kept.push(Some(c));
            }
        }
        self.slots = kept;
        self.keys.retain(|_, s| {
            s.latest = renumber[s.latest];
            s.first = s.first.map(|f| renumber[f]);
            // The latest change is always kept: the key lives as long as it does.
            s.latest != usize::MAX
        });
        for slots in self.tokens.values_mut() {
            slots.retain_mut(|slot| {
                *slot = renumber[*slot];
                *slot != usize::MAX
            });
        }
    }
}

/// The key a change supersedes earlier changes of, and whether the first change of the key
/// (an object's creation) is kept; `None` for a change kept as it is (deletions).
fn key_of(change: &Change) -> Option<(Key, bool)> {
    if let Some((kind, id)) = change.allocated_id() {
        return Some((Key::Object(kind, id), true));
    }
    Some(match change {
        Change::MemberAdded { group, user } | Change::MemberRemoved { group, user } => {
            (Key::Member(*group, *user), false)
        }
        Change::LevelSet {
            agreement,
            user,
            product,
            ..
        } => (Key::Level(*agreement, *user, *product), false),
        Change::PbxLinkSet {
            agreement, user, ..
        } => (Key::Pbx(*agreement, *user), false),
        Change::CredentialPut(c) => (Key::Credential(c.user), false),
        Change::LoginRecorded { user, .. } => (Key::Login(*user), false),
        _ => return None,
    })
}

/// The audit events kept, oldest first.
#[derive(Default)]
struct Audit {
    limit: usize,
    events: VecDeque<AuditEvent>,
    /// The seq of the last event appended.
    last_seq: u64,
}

/// The write lock shared by clones: whether it is held, and a wake-up for waiters.
#[derive(Default)]
struct WriteLock {
    held: Mutex<bool>,
    freed: Condvar,
}

impl Clone for MemoryStore {
    fn clone(&self) -> Self {
        MemoryStore {
            log: Arc::clone(&self.log),
            audit: Arc::clone(&self.audit),
            writer: Arc::clone(&self.writer),
            holding: false,
        }
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for MemoryStore {
    fn drop(&mut self) {
        let _ = self.end_write();
    }
}

impl MemoryStore {
    /// How long [`Store::begin_write`] waits for another directory's write.
    pub const LOCK_TIMEOUT: Duration = Duration::from_secs(5);

    /// An empty store with the default [`MemoryLimits`].
    pub fn new() -> Self {
        Self::with_limits(MemoryLimits::default())
    }

    /// An empty store keeping at most this much history.
    pub fn with_limits(limits: MemoryLimits) -> Self {
        MemoryStore {
            log: Arc::new(Mutex::new(Log {
                limit: limits.commits.max(1),
                ..Log::default()
            })),
            audit: Arc::new(Mutex::new(Audit {
                limit: limits.audit_events,
                ..Audit::default()
            })),
            writer: Arc::default(),
            holding: false,
        }
    }

    /// The limits this store keeps its history within.
    pub fn limits(&self) -> MemoryLimits {
        MemoryLimits {
            commits: lock(&self.log).limit,
            audit_events: lock(&self.audit).limit,
        }
    }

    fn log(&self) -> MutexGuard<'_, Log> {
        lock(&self.log)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Store for MemoryStore {
    fn begin_write(&mut self) -> Result<(), Error> {
        if self.holding {
            return Ok(());
        }
        let held = self
            .writer
            .held
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let (mut held, _) = self
            .writer
            .freed
            .wait_timeout_while(held, Self::LOCK_TIMEOUT, |held| *held)
            .unwrap_or_else(PoisonError::into_inner);
        if *held {
            return Err(Error::Busy);
        }
        *held = true;
        self.holding = true;
        Ok(())
    }

    fn end_write(&mut self) -> Result<(), Error> {
        if std::mem::take(&mut self.holding) {
            *self
                .writer
                .held
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = false;
            self.writer.freed.notify_one();
        }
        Ok(())
    }

    fn load(&mut self) -> Result<Loaded, Error> {
        let log = self.log();
        Ok(Loaded {
            revision: log.revision(),
            changes: log
                .base
                .slots
                .iter()
                .flatten()
                .chain(log.recent.iter().flat_map(|c| c.changes.iter()))
                .cloned()
                .collect(),
            // Every object's creation is kept, so the changes say which ids were used.
            next_ids: Default::default(),
        })
    }

    fn commit(&mut self, commit: &Commit) -> Result<(), Error> {
        let mut log = self.log();
        let current = log.revision();
        if commit.revision != current + 1 {
            return Err(Error::RevisionConflict {
                stored: current,
                expected: commit.revision - 1,
            });
        }
        let mut c = commit.clone();
        let events = std::mem::take(&mut c.audit);
        log.recent.push_back(c);
        while log.recent.len() > log.limit {
            if let Some(old) = log.recent.pop_front() {
                log.base.fold(old);
            }
        }
        drop(log);
        self.append_audit(&events)
    }

    fn revision(&mut self) -> Result<u64, Error> {
        Ok(self.log().revision())
    }

    fn commits_since(&mut self, revision: u64) -> Result<Option<Vec<Commit>>, Error> {
        let log = self.log();
        if revision < log.base.revision {
            // Folded into the base: the caller reloads.
            return Ok(None);
        }
        // Revisions are contiguous: commit r sits at index r - base - 1.
        let start = usize::try_from(revision - log.base.revision)
            .unwrap_or(usize::MAX)
            .min(log.recent.len());
        Ok(Some(log.recent.range(start..).cloned().collect()))
    }

    fn append_audit(&mut self, events: &[AuditEvent]) -> Result<(), Error> {
        let mut audit = lock(&self.audit);
        for e in events {
            let mut e = e.clone();
            audit.last_seq += 1;
            e.seq = audit.last_seq;
            audit.events.push_back(e);
        }
        while audit.events.len() > audit.limit {
            audit.events.pop_front();
        }
        Ok(())
    }

    fn query_audit(&mut self, query: &AuditQuery) -> Result<(Vec<AuditEvent>, usize), Error> {
        let audit = lock(&self.audit);
        let matching = audit.events.iter().filter(|e| query.matches(e));
        let total = matching.clone().count();
        Ok((
            matching
                .skip(query.offset)
                .take(query.limit)
                .cloned()
                .collect(),
            total,
        ))
    }

    fn audit_after(&mut self, after_seq: u64, limit: usize) -> Result<Vec<AuditEvent>, Error> {
        let audit = lock(&self.audit);
        // The log is in seq order: the cursor is a binary search away.
        let start = audit.events.partition_point(|e| e.seq <= after_seq);
        Ok(audit.events.range(start..).take(limit).cloned().collect())
    }

    fn prune_audit(
        &mut self,
        before_ms: i64,
        export: &mut dyn FnMut(&AuditEvent) -> Result<(), Error>,
        record: &dyn Fn(u64) -> Vec<AuditEvent>,
    ) -> Result<u64, Error> {
        let mut audit = lock(&self.audit);
        let prefix = audit
            .events
            .iter()
            .position(|e| e.at >= before_ms)
            .unwrap_or(audit.events.len());
        for e in audit.events.range(..prefix) {
            export(e)?;
        }
        audit.events.drain(..prefix);
        drop(audit);
        let removed = prefix as u64;
        self.append_audit(&record(removed))?;
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_one_write_lock() {
        let mut a = MemoryStore::new();
        let mut b = a.clone();
        a.begin_write().unwrap();
        let waiter = std::thread::spawn(move || {
            let started = std::time::Instant::now();
            b.begin_write().unwrap();
            let waited = started.elapsed();
            b.end_write().unwrap();
            waited
        });
        std::thread::sleep(Duration::from_millis(100));
        a.end_write().unwrap();
        assert!(waiter.join().unwrap() >= Duration::from_millis(90));
        // A handle dropped while holding the lock releases it.
        let mut c = a.clone();
        c.begin_write().unwrap();
        drop(c);
        a.begin_write().unwrap();
        a.end_write().unwrap();
    }
}

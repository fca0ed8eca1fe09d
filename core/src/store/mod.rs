//! Storage: the [`Store`] trait the directory persists through, and the in-memory store.
//!
//! The store is the source of truth. The directory loads it at start-up and writes every
//! change through it as one [`Commit`]: a list of typed [`Change`] records applied atomically
//! under one revision number. Nothing here is specific to SQL, so a store for a database
//! shared by several hosts fits the same trait, with other instances refreshing incrementally
//! through [`Store::commits_since`].

mod memory;
#[cfg(feature = "postgres")]
mod postgres;
mod signal;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use memory::{MemoryLimits, MemoryStore};
#[cfg(feature = "postgres")]
pub use postgres::{PostgresOptions, PostgresStore};
pub use signal::ChangeSignal;
#[cfg(feature = "sqlite")]
pub use sqlite::{SqliteOptions, SqliteStore};

use crate::audit::{AuditEvent, AuditQuery};
use crate::domain::{Change, Commit, NextIds};
use crate::Error;

/// What a store holds, as the directory loads it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Loaded {
    /// The revision of the last commit the state includes (0 for an empty store).
    pub revision: u64,
    /// The state as a list of changes that rebuild it when applied in order to an empty
    /// directory (a store may compact history into one `*Put` per object).
    pub changes: Vec<Change>,
    /// The next free id of each kind, when the store keeps them: ids of deleted objects are
    /// never reused, even when compacted history no longer shows them. Zero for a kind means
    /// "derive from the changes".
    ///
    /// For users and scopes ([`ObjectKind::is_dense`](crate::ObjectKind::is_dense)) the directory refuses, as
    /// [`Error::Corrupt`], a next id beyond `2 × rows + 2^20 + 1`: it indexes them densely by
    /// id, and a damaged counter must not make it allocate for ids that were never used.
    pub next_ids: NextIds,
}

/// How far past the number of rows the ids of a densely indexed kind may run: see
/// [`dense_id_limit`].
pub(crate) const DENSE_ID_SLACK: u64 = 1 << 20;

/// The largest id, or next id − 1, a store may hold for users or scopes when it holds `rows`
/// of them: `2 × rows + 2^20`.
///
/// The model indexes users and scopes densely by id (a slot per id, so memory follows the
/// largest id, not the number of rows). Ids of deleted objects are never reused, so gaps are
/// normal, but a file whose ids run further past its rows than this is damaged: a store
/// reports it as [`Error::Corrupt`] instead of allocating for it (a user id of 2^32 would
/// otherwise cost hundreds of gigabytes). A directory reaches the limit only after deleting
/// more than `rows + 2^20` users (or scopes) over its life; a damaged file with no rows costs
/// at most 2^20 slots.
pub(crate) fn dense_id_limit(rows: u64) -> u64 {
    rows.saturating_mul(2).saturating_add(DENSE_ID_SLACK)
}

/// Where a directory keeps its state.
///
/// Implementations must make [`commit`](Store::commit) atomic and durable (all of a commit's
/// changes or none) and must refuse a commit whose revision is not the stored revision + 1,
/// which is how several directory instances on one store detect that they are behind.
///
/// A store shared by several instances (processes, hosts) should also implement
/// [`begin_write`](Store::begin_write) / [`end_write`](Store::end_write): the directory takes
/// the write lock, catches up, plans the change against the caught-up state and commits it
/// under that one lock, so that a legitimate change is never refused because another instance
/// committed meanwhile (SQLite: a `BEGIN IMMEDIATE` transaction; PostgreSQL: a transaction
/// holding a row or advisory lock on the revision).
pub trait Store: Send {
    /// Takes the store's write lock for one change, waiting for another instance that holds it
    /// (up to a timeout). Until [`end_write`](Self::end_write), no other instance commits:
    /// [`revision`](Self::revision), [`commits_since`](Self::commits_since) and
    /// [`load_into`](Self::load_into) read the latest state, and the
    /// [`commit`](Self::commit) or [`append_audit`](Self::append_audit) made under the lock
    /// are part of it. The default takes no lock (a store with a single writer needs none;
    /// the directory then retries a commit refused with [`Error::RevisionConflict`]).
    ///
    /// # Errors
    /// [`Error::Busy`] when another instance held the lock past the timeout (retryable);
    /// storage errors.
    fn begin_write(&mut self) -> Result<(), Error> {
        Ok(())
    }

    /// Releases the lock [`begin_write`](Self::begin_write) took, making durable what was
    /// written under it. Called once after every successful `begin_write`, whatever happened
    /// in between; a no-op when a [`commit`](Self::commit) already ended the lock (a store may
    /// release it as soon as the commit is durable).
    ///
    /// # Errors
    /// Storage errors (what was written under the lock since the last commit is then lost).
    fn end_write(&mut self) -> Result<(), Error> {
        Ok(())
    }

    /// Reads the whole state.
    ///
    /// # Errors
    /// [`Error::Storage`] when the store fails ([`Error::Busy`] for a lock held too long,
    /// [`Error::ReadOnly`] for a store that cannot be written); [`Error::Corrupt`] for stored data
    /// that cannot be decoded.
    fn load(&mut self) -> Result<Loaded, Error>;

    /// Like [`load`](Self::load), handing each change to `sink` as it is read instead of
    /// collecting them: the directory applies them while the store reads on. Returns the
    /// revision and next ids, with `changes` empty. The default calls `load`.
    ///
    /// # Errors
    /// As [`load`](Self::load).
    fn load_into(&mut self, sink: &mut dyn FnMut(Change)) -> Result<Loaded, Error> {
        let mut loaded = self.load()?;
        std::mem::take(&mut loaded.changes)
            .into_iter()
            .for_each(sink);
        Ok(loaded)
    }

    /// The next id of each kind, read before a load to size the model's tables: only a
    /// capacity hint, never trusted for ids. The default knows nothing.
    fn capacity_hint(&mut self) -> NextIds {
        NextIds::default()
    }

    /// What identifies this store among all stores (a database and schema), for revision
    /// tokens: a token taken from one store is refused by another. `None` (the default) for a
    /// store that has no identity of its own; its tokens then carry only the revision.
    ///
    /// # Errors
    /// Storage errors, when the store has to read it.
    fn store_id(&mut self) -> Result<Option<String>, Error> {
        Ok(None)
    }

    /// The signal through which this store announces other instances' commits as it hears of
    /// them (PostgreSQL: notifications, and a poll), when it has one. The default has none:
    /// [`Directory::wait_for_change`](crate::Directory::wait_for_change) then polls
    /// [`revision`](Self::revision).
    fn change_signal(&mut self) -> Option<std::sync::Arc<ChangeSignal>> {
        None
    }

    /// Persists one commit atomically. On error nothing is stored.
    ///
    /// # Errors
    /// [`Error::RevisionConflict`] when the commit's revision is not the next one (another instance
    /// committed first; only a store that takes no write lock gets it); [`Error::Storage`] when the
    /// store fails ([`Error::Busy`] for a lock held too long, [`Error::ReadOnly`] for a store that
    /// cannot be written).
    fn commit(&mut self, commit: &Commit) -> Result<(), Error>;

    /// The revision of the last stored commit (cheap: called before every change).
    ///
    /// # Errors
    /// [`Error::Storage`] when the store fails ([`Error::Busy`] for a lock held too long,
    /// [`Error::ReadOnly`] for a store that cannot be written).
    fn revision(&mut self) -> Result<u64, Error>;

    /// The commits after `revision`, in order, or `None` when the store cannot say (history
    /// compacted away), in which case the caller reloads everything.
    ///
    /// # Errors
    /// [`Error::Storage`] when the store fails ([`Error::Busy`] for a lock held too long,
    /// [`Error::ReadOnly`] for a store that cannot be written); [`Error::Corrupt`] for a stored
    /// commit that cannot be decoded.
    fn commits_since(&mut self, revision: u64) -> Result<Option<Vec<Commit>>, Error>;

    /// Appends audit events that belong to no commit (refused operations, failed logins).
    ///
    /// # Errors
    /// [`Error::Storage`] when the store fails ([`Error::Busy`] for a lock held too long,
    /// [`Error::ReadOnly`] for a store that cannot be written).
    fn append_audit(&mut self, events: &[AuditEvent]) -> Result<(), Error>;

    /// The audit events matching `query` (a page, oldest first) and how many match in all.
    /// Events of a commit are stored with it by [`commit`](Store::commit).
    ///
    /// # Errors
    /// [`Error::Storage`] when the store fails ([`Error::Busy`] for a lock held too long,
    /// [`Error::ReadOnly`] for a store that cannot be written).
    fn query_audit(&mut self, query: &AuditQuery) -> Result<(Vec<AuditEvent>, usize), Error>;

    /// Up to `limit` audit events whose seq is above `after_seq`, oldest first: one page of
    /// an export from a cursor ([`Directory::audit_after`](crate::Directory::audit_after)).
    /// The stores of this crate answer it from their seq index, without counting; the default
    /// pages through [`query_audit`](Store::query_audit), which costs a scan of the log.
    ///
    /// # Errors
    /// [`Error::Storage`] when the store fails ([`Error::Busy`] for a lock held too long).
    fn audit_after(&mut self, after_seq: u64, limit: usize) -> Result<Vec<AuditEvent>, Error> {
        let mut out = Vec::new();
        let mut query = AuditQuery {
            limit: 1000,
            ..AuditQuery::default()
        };
        while out.len() < limit {
            let (page, _) = self.query_audit(&query)?;
            if page.is_empty() {
                break;
            }
            query.offset += page.len();
            out.extend(page.into_iter().filter(|e| e.seq > after_seq));
        }
        out.truncate(limit);
        Ok(out)
    }

    /// Audit retention: removes the oldest audit events, those stamped before `before_ms`
    /// (ms since the Unix epoch), handing each to `export` first, oldest first; then appends
    /// the events `record(removed)` returns (the pruning's own audit). All of it is one
    /// transaction: an error from `export` (or the store) removes nothing and is returned.
    /// Returns how many events were removed.
    ///
    /// Events go in log order: the removal stops at the first event stamped at or after
    /// `before_ms`, so an older-stamped event logged after it (a host whose clock ran behind)
    /// stays until a later prune. Nothing else ever removes an event: the SQLite store's
    /// table refuses every other delete (a retention mark, raised only here, says up to which
    /// event deleting is allowed), and a store for a shared database does the same under its
    /// write lock.
    ///
    /// The default keeps everything: it refuses with [`Error::InvalidArgument`].
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a store without retention; the error `export` returned;
    /// [`Error::Storage`] when the store fails ([`Error::Busy`] for a lock held too long,
    /// [`Error::ReadOnly`] for a store that cannot be written).
    fn prune_audit(
        &mut self,
        before_ms: i64,
        export: &mut dyn FnMut(&AuditEvent) -> Result<(), Error>,
        record: &dyn Fn(u64) -> Vec<AuditEvent>,
    ) -> Result<u64, Error> {
        let _ = (before_ms, export, record);
        Err(Error::InvalidArgument {
            what: "audit retention",
            reason: "this store keeps its audit log and offers no retention".into(),
        })
    }
}

impl<S: Store + ?Sized> Store for Box<S> {
    fn begin_write(&mut self) -> Result<(), Error> {
        (**self).begin_write()
    }
    fn end_write(&mut self) -> Result<(), Error> {
        (**self).end_write()
    }
    fn load(&mut self) -> Result<Loaded, Error> {
        (**self).load()
    }
    fn load_into(&mut self, sink: &mut dyn FnMut(Change)) -> Result<Loaded, Error> {
        (**self).load_into(sink)
    }
    fn capacity_hint(&mut self) -> NextIds {
        (**self).capacity_hint()
    }
    fn store_id(&mut self) -> Result<Option<String>, Error> {
        (**self).store_id()
    }
    fn change_signal(&mut self) -> Option<std::sync::Arc<ChangeSignal>> {
        (**self).change_signal()
    }
    fn commit(&mut self, commit: &Commit) -> Result<(), Error> {
        (**self).commit(commit)
    }
    fn revision(&mut self) -> Result<u64, Error> {
        (**self).revision()
    }
    fn commits_since(&mut self, revision: u64) -> Result<Option<Vec<Commit>>, Error> {
        (**self).commits_since(revision)
    }
    fn append_audit(&mut self, events: &[AuditEvent]) -> Result<(), Error> {
        (**self).append_audit(events)
    }
    fn query_audit(&mut self, query: &AuditQuery) -> Result<(Vec<AuditEvent>, usize), Error> {
        (**self).query_audit(query)
    }
    fn audit_after(&mut self, after_seq: u64, limit: usize) -> Result<Vec<AuditEvent>, Error> {
        (**self).audit_after(after_seq, limit)
    }
    fn prune_audit(
        &mut self,
        before_ms: i64,
        export: &mut dyn FnMut(&AuditEvent) -> Result<(), Error>,
        record: &dyn Fn(u64) -> Vec<AuditEvent>,
    ) -> Result<u64, Error> {
        (**self).prune_audit(before_ms, export, record)
    }
}

/// Checks the scope hierarchy a store read and orders it parents first, so that the changes
/// rebuild it node by node: every parent must be a scope of the same tenant, and following
/// parents must never come back to a node (a cycle). Damage is [`Error::Corrupt`], found in
/// linear time, without recursion (a chain as long as the table is fine).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn order_scopes(
    mut scopes: Vec<crate::domain::Scope>,
) -> Result<Vec<crate::domain::Scope>, Error> {
    use std::collections::HashMap;
    let index: HashMap<crate::domain::ScopeId, usize> =
        scopes.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    // The parent's index of each scope, checked.
    let mut parent = Vec::with_capacity(scopes.len());
    for s in &scopes {
        parent.push(match s.parent {
            None => None,
            Some(p) => match index.get(&p) {
                None => {
                    return Err(Error::Corrupt(format!(
                        "{} has parent {p}, which does not exist: the store is damaged",
                        s.id
                    )))
                }
                Some(&i) if scopes[i].tenant != s.tenant => {
                    return Err(Error::Corrupt(format!(
                        "{} has parent {p} of another tenant: the store is damaged",
                        s.id
                    )))
                }
                Some(&i) => Some(i),
            },
        });
    }
    // Depth of each node: walk up to a node of known depth, then number the path back down.
    const UNSEEN: usize = usize::MAX;
    const ON_PATH: usize = usize::MAX - 1;
    let mut depth = vec![UNSEEN; scopes.len()];
    let mut path = Vec::new();
    for start in 0..scopes.len() {
        let mut at = Some(start);
        let mut base = 0;
        while let Some(i) = at {
            match depth[i] {
                UNSEEN => {
                    depth[i] = ON_PATH;
                    path.push(i);
                    at = parent[i];
                }
                ON_PATH => {
                    return Err(Error::Corrupt(format!(
                        "the parents of {} lead back to it (a cycle): the store is damaged",
                        scopes[i].id
                    )))
                }
                d => {
                    base = d + 1;
                    at = None;
                }
            }
        }
        while let Some(i) = path.pop() {
            depth[i] = base;
            base += 1;
        }
    }
    let mut keyed: Vec<(usize, crate::domain::ScopeId, usize)> = (0..scopes.len())
        .map(|i| (depth[i], scopes[i].id, i))
        .collect();
    keyed.sort_unstable();
    let mut slots: Vec<Option<crate::domain::Scope>> = scopes.drain(..).map(Some).collect();
    Ok(keyed
        .into_iter()
        .filter_map(|(_, _, i)| slots[i].take())
        .collect())
}

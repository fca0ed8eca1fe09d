//! Dry runs: [`Directory::simulate`] runs any operation on a throwaway fork of the directory
//! and reports its [`Impact`]: who would gain and who would lose which rights, scopes, levels
//! and PBX links.
//!
//! The fork is a `Directory` like any other (same rules, same engine, same commit pipeline)
//! over a store that keeps its commits in memory and is dropped with it, holding a copy of the
//! model on a manual clock frozen at the original's now. It starts from the original's
//! compiled snapshot (shared, not rebuilt) and from the same next ids, so the ids it allocates
//! are the ones a real run would allocate next. What its commits touch is journaled through
//! the same `Affected` bookkeeping the engine recompiles from; the impact compares, for those
//! users only, the snapshot checks read before with the one they would read after.

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::clock::ManualClock;
use crate::domain::{AgreementId, Assignment, Product, Scope, ScopeId, User};
use crate::impact::{
    Impact, LevelChange, Lifecycle, PbxLink, Right, ScopeRef, Simulation, UserImpact,
};

/// What a fork's commits touched, with the records they replaced as they were before.
pub(super) struct Journal {
    /// The snapshot of the original the fork started from.
    base: Arc<Snapshot>,
    /// Each user record the commits put or deleted, as it was before the first of them
    /// (`None`: created by the fork).
    users: BTreeMap<UserId, Option<User>>,
    /// Each scope put or deleted, as it was before.
    scopes: BTreeMap<ScopeId, Option<Scope>>,
    /// Users whose access may differ (the engine recompiles them).
    touched_users: BTreeSet<UserId>,
    /// Agreements whose levels or links may differ.
    touched_agreements: BTreeSet<AgreementId>,
    commits: usize,
    changes: usize,
}

impl Journal {
    fn new(base: Arc<Snapshot>) -> Journal {
        Journal {
            base,
            users: BTreeMap::new(),
            scopes: BTreeMap::new(),
            touched_users: BTreeSet::new(),
            touched_agreements: BTreeSet::new(),
            commits: 0,
            changes: 0,
        }
    }

    /// Records, before `commits` are applied to `m`, the records they will replace.
    pub(super) fn before(&mut self, m: &Model, commits: &[Commit]) {
        self.commits += commits.len();
        for ch in commits.iter().flat_map(|c| &c.changes) {
            match ch {
                Change::UserPut(u) => self.keep_user(m, u.id),
                Change::UserDeleted { id } => self.keep_user(m, *id),
                Change::ScopePut(s) => self.keep_scope(m, s.id),
                Change::ScopeDeleted { id } => self.keep_scope(m, *id),
                Change::StampSet { .. } => continue,
                _ => {}
            }
            self.changes += 1;
        }
    }

    fn keep_user(&mut self, m: &Model, id: UserId) {
        self.users
            .entry(id)
            .or_insert_with(|| m.users.get(&id).cloned());
    }

    fn keep_scope(&mut self, m: &Model, id: ScopeId) {
        self.scopes
            .entry(id)
            .or_insert_with(|| m.scopes.get(&id).cloned());
    }

    /// Records what the commits touched, as the model's `apply` reported it.
    pub(super) fn after(&mut self, aff: &Affected) {
        self.touched_users.extend(aff.users.iter().copied());
        self.touched_agreements
            .extend(aff.agreements.iter().copied());
    }
}

/// The store of a fork: commits and audit events kept in memory, dropped with the fork.
struct ForkStore {
    revision: u64,
    audit: Vec<AuditEvent>,
}

impl Store for ForkStore {
    fn load(&mut self) -> Result<crate::store::Loaded, Error> {
        // Never called: the fork is built from the original's model and never falls behind
        // its own store.
        Err(Error::Corrupt(
            "a simulation's fork cannot be reloaded".into(),
        ))
    }

    fn commit(&mut self, commit: &Commit) -> Result<(), Error> {
        if commit.revision != self.revision + 1 {
            return Err(Error::RevisionConflict {
                stored: self.revision,
                expected: commit.revision.saturating_sub(1),
            });
        }
        self.revision = commit.revision;
        self.append_audit(&commit.audit)
    }

    fn revision(&mut self) -> Result<u64, Error> {
        Ok(self.revision)
    }

    fn commits_since(&mut self, _: u64) -> Result<Option<Vec<Commit>>, Error> {
        Ok(Some(Vec::new()))
    }

    fn append_audit(&mut self, events: &[AuditEvent]) -> Result<(), Error> {
        for e in events {
            let mut e = e.clone();
            e.seq = self.audit.len() as u64 + 1;
            self.audit.push(e);
        }
        Ok(())
    }

    fn query_audit(&mut self, query: &AuditQuery) -> Result<(Vec<AuditEvent>, usize), Error> {
        let matching = self.audit.iter().filter(|e| query.matches(e));
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
}

impl Directory {
    /// Plans an operation without committing it: runs `f` on a throwaway fork of this
    /// directory and reports what it would change ([`Impact`]): who would gain and who would
    /// lose which rights, scopes, agreement levels and PBX links.
    ///
    /// The fork is a [`Directory`] holding a copy of this one's current state (caught up with
    /// its store first), on a clock frozen at this directory's now, so that time-bound grants
    /// are judged at the same instant. Everything works on it through the same public API and
    /// rules, any number of operations in sequence; ids it allocates are those a real run
    /// here would allocate next (unless another change commits here meanwhile). Nothing
    /// escapes it: its store (commits, audit log) is dropped with it, its notifications stay
    /// in its own queue (`f` may [drain](Self::drain_notifications) them) and never reach this
    /// directory's callback, and this directory's revision, audit log, notifications and
    /// snapshot are untouched. It has no timer thread.
    ///
    /// The impact is computed over the users the fork's commits touched, as the engine
    /// recompiles them (never a scan of every user), from the snapshots checks read. Moving a
    /// scope (which changes what lies below the scopes rights are held on, not the rights)
    /// reports no user.
    ///
    /// Costs a copy of the model (in proportion to the directory's size) and the operation's
    /// own cost; the compiled snapshot is shared, not rebuilt.
    ///
    /// # Errors
    /// The error `f` returns, as it is (the change would be refused); [`Error::Closed`] when
    /// this directory is closed, or when `f` closed the fork; the store's errors while
    /// catching up.
    ///
    /// # Examples
    /// ```
    /// use rolecall::{Directory, NewUser, Permission, Preset};
    /// let dir = Directory::in_memory();
    /// let t = dir.create_tenant("Acme", &NewUser::new("Ada", "Root", "ada@acme.test"), &[Preset::Managers])?;
    /// let operator = dir.role_by_name(t.tenant, "Operator")?.id;
    /// let bob = dir.create_user(t.superadmin, &NewUser::new("Bob", "Lee", "bob@acme.test"))?;
    ///
    /// let plan = dir.simulate(|d| d.assign_role(t.superadmin, bob, operator))?;
    /// let bob_gains = &plan.impact.user(bob).unwrap().rights_gained;
    /// assert!(bob_gains.iter().any(|r| r.permission == "campaigns.control" && r.scope.is_none()));
    /// assert!(!dir.check(bob, Permission::CAMPAIGNS_CONTROL)); // nothing was committed
    /// println!("{}", plan.impact); // bob@acme.test: + campaigns.control; + campaigns.view; ...
    /// # Ok::<(), rolecall::Error>(())
    /// ```
    pub fn simulate<T>(
        &self,
        f: impl FnOnce(&Directory) -> Result<T, Error>,
    ) -> Result<Simulation<T>, Error> {
        let fork = self.fork()?;
        let value = f(&fork)?;
        let impact = fork.impact()?;
        Ok(Simulation { value, impact })
    }

    /// The throwaway fork [`simulate`](Self::simulate) runs its operation on, for a caller
    /// that drives it itself (a binding, a tool applying a file step by step): an independent
    /// in-memory [`Directory`] holding a copy of this one's current state, on a clock frozen
    /// at this directory's now, with no timer thread; its store and everything in it go when
    /// it is dropped. [`impact`](Self::impact) on it tells what everything done on it so far
    /// would change here.
    ///
    /// # Errors
    /// [`Error::Closed`] when this directory is closed; the store's errors while catching up.
    pub fn fork(&self) -> Result<Directory, Error> {
        if self.is_closed() {
            return Err(Error::Closed);
        }
        // As a change would: catch up with the store, and see the grants in force now.
        let mut store = lock(&self.shared.store);
        self.catch_up(&mut **store)?;
        self.advance_time(self.shared.clock.now_ms());
        loop {
            let m = self.read();
            let snap = self.shared.snapshot.load_full();
            // Commits apply and publish under the store lock, which this holds; only time
            // moves meanwhile (a timer's tick publishes just after moving the model), so the
            // snapshot is the model's when it is still valid at the model's now.
            // (A tick edits the profile bookkeeping only when due, before it publishes: the
            // bookkeeping is copied under the model's lock, with the snapshot it belongs to.)
            if snap.valid_until().is_none_or(|t| m.now < t) {
                let model = m.clone();
                let start = snap.detached();
                drop(m);
                drop(store);
                let now = model.now;
                let fork = Directory::assemble(
                    Box::new(ForkStore {
                        revision: snap.revision(),
                        audit: Vec::new(),
                    }),
                    model,
                    start,
                    Arc::new(ManualClock::new(now)),
                    Some(Journal::new(snap)),
                );
                *fork
                    .shared
                    .hash_params
                    .write()
                    .unwrap_or_else(PoisonError::into_inner) = *self
                    .shared
                    .hash_params
                    .read()
                    .unwrap_or_else(PoisonError::into_inner);
                return Ok(fork);
            }
            drop(m);
            std::thread::yield_now();
        }
    }

    /// On a [`fork`](Self::fork): what everything done on it so far would change on the
    /// directory it was forked from, as [`simulate`](Self::simulate) reports it.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] on a directory that is not a fork; [`Error::Closed`] on a
    /// closed fork.
    pub fn impact(&self) -> Result<Impact, Error> {
        let Some(journal) = &self.shared.journal else {
            return Err(Error::InvalidArgument {
                what: "impact",
                reason: "only a fork (Directory::fork) has an impact".into(),
            });
        };
        if self.is_closed() {
            return Err(Error::Closed);
        }
        let _writes = lock(&self.shared.store);
        let after = self.snapshot();
        let m = self.read();
        let j = lock(journal);
        Ok(impact(&after, &m, &j))
    }

    /// For the benchmarks only (the baseline of `simulate`'s cost): copies the model as a
    /// simulation does, drops the copy, and returns how many users it held. Not part of the
    /// API; may change or go.
    #[doc(hidden)]
    pub fn bench_copy_model(&self) -> usize {
        let copy = self.read().clone();
        copy.users.len()
    }
}

/// The impact of a fork's commits: for every user they touched (and every user of an
/// agreement they touched), what `before` and `after` answer.
fn impact(after: &Snapshot, m: &Model, j: &Journal) -> Impact {
    let before = &*j.base;
    let revision = before.revision();
    let mut users = j.touched_users.clone();
    let mut pairs: BTreeSet<(UserId, AgreementId)> = BTreeSet::new();
    for a in &j.touched_agreements {
        for u in before
            .agreement_users(*a)
            .into_iter()
            .chain(after.agreement_users(*a))
        {
            users.insert(u);
            pairs.insert((u, *a));
        }
    }
    for u in &j.touched_users {
        for a in m.user_agreements.get(u).into_iter().flatten() {
            pairs.insert((*u, *a));
        }
    }
    let scope_ref = |id: ScopeId| ScopeRef {
        id,
        name: m
            .scopes
            .get(&id)
            .or_else(|| j.scopes.get(&id).and_then(Option::as_ref))
            .map_or_else(|| id.to_string(), |s| s.name.clone()),
    };
    let mut out = Vec::new();
    for u in users {
        let (was, is) = (before.user_state(u), after.user_state(u));
        let lifecycle = match (was, is) {
            // Created and deleted within the simulation: nothing to report.
            (None, None) => continue,
            (None, Some(_)) => Lifecycle::Created,
            (Some(_), None) => Lifecycle::Deleted,
            (Some(false), Some(true)) => Lifecycle::Activated,
            (Some(true), Some(false)) => Lifecycle::Deactivated,
            _ => Lifecycle::Unchanged,
        };
        let old_record = match j.users.get(&u) {
            Some(r) => r.as_ref(),
            None => m.users.get(&u),
        };
        let new_record = m.users.get(&u);
        let mut ui = UserImpact {
            user: u,
            email: new_record
                .or(old_record)
                .map_or_else(|| u.to_string(), |r| r.email.clone()),
            lifecycle,
            ..UserImpact::default()
        };
        // Rights, as checks read them.
        let rights = |s: &Snapshot| -> BTreeSet<Right> {
            s.rights_of(u)
                .into_iter()
                .map(|(p, scope)| Right {
                    permission: p.name().unwrap_or_default().to_owned(),
                    scope: scope.map(scope_ref),
                })
                .collect()
        };
        (ui.rights_gained, ui.rights_lost) = diff(rights(before), rights(after));
        // Assigned scopes in force, of an active user.
        let assigned = |r: Option<&User>, active: Option<bool>| -> BTreeSet<ScopeRef> {
            r.filter(|_| active == Some(true))
                .into_iter()
                .flat_map(|r| {
                    r.scopes
                        .iter()
                        .filter(|s| m.in_force(r, Assignment::Scope(**s)))
                })
                .map(|s| scope_ref(*s))
                .collect()
        };
        (ui.scopes_gained, ui.scopes_lost) =
            diff(assigned(old_record, was), assigned(new_record, is));
        let teams = |s: &Snapshot, active: Option<bool>| -> BTreeSet<ScopeRef> {
            if active != Some(true) {
                return BTreeSet::new();
            }
            s.teams_of(u).into_iter().map(scope_ref).collect()
        };
        (ui.teams_gained, ui.teams_lost) = diff(teams(before, was), teams(after, is));
        // Levels and PBX links, as checks answer them.
        let mut pbx_before = BTreeSet::new();
        let mut pbx_after = BTreeSet::new();
        for (_, a) in pairs.range((u, AgreementId(0))..=(u, AgreementId(u64::MAX))) {
            let name = m.agreement_name(*a);
            for p in Product::ALL {
                let (b, n) = (before.access_level(*a, u, p), after.access_level(*a, u, p));
                if b != n {
                    ui.levels.push(LevelChange {
                        agreement: *a,
                        agreement_name: name.clone(),
                        product: p,
                        before: b,
                        after: n,
                    });
                }
            }
            let link = |sub: Option<Arc<str>>| {
                sub.map(|s| PbxLink {
                    agreement: *a,
                    agreement_name: name.clone(),
                    subscriber: s.to_string(),
                })
            };
            pbx_before.extend(link(before.pbx_link(*a, u)));
            pbx_after.extend(link(after.pbx_link(*a, u)));
        }
        (ui.pbx_gained, ui.pbx_lost) = diff(pbx_before, pbx_after);
        if !ui.is_empty() {
            out.push(ui);
        }
    }
    Impact {
        revision,
        commits: j.commits,
        changes: j.changes,
        changed: j.commits > 0,
        users: out,
    }
}

/// What `after` holds that `before` does not, and the reverse, sorted.
fn diff<T: Ord + Clone>(before: BTreeSet<T>, after: BTreeSet<T>) -> (Vec<T>, Vec<T>) {
    (
        after.difference(&before).cloned().collect(),
        before.difference(&after).cloned().collect(),
    )
}

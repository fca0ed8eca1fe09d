//! The table of distinct access profiles a snapshot's users point into.
//!
//! A million users share a few hundred (at most a few thousand) distinct combinations of
//! effective permissions, scope restrictions, tenant and status. Each distinct combination is a
//! [`Profile`], stored once in pages of 256; a user holds only the profile's index (2 bytes
//! while there are fewer than 65,536 profiles). The effective permissions of every profile are
//! packed apart in each page, so the table a check reads stays in the first-level cache.
//!
//! The table changes in proportion to the users a change affects: a new combination takes a
//! free index (the lowest), and one no user holds any more is reclaimed. Pages are shared
//! between snapshots through `Arc`s and copied only when written.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::domain::ScopeId;

/// The user exists (its slot is not a gap).
pub(super) const EXISTS: u8 = 1;
/// The user is active.
pub(super) const ACTIVE: u8 = 2;
/// The user is its tenant's superadministrator.
pub(super) const SUPERADMIN: u8 = 4;

const PAGE_BITS: u32 = 8;
const PAGE: usize = 1 << PAGE_BITS;
/// Profiles below this index also have their permissions in one flat array, so that a check
/// reads them without first loading a page (256 KiB at most; beyond, chunks keep permissions
/// inline and do not read the table).
const FLAT: usize = 16_384;

/// Everything about one user's access that other users may share: what its index names.
/// Later kinds of grant (per-scope roles, time-bound grants, deny) belong here too, so that a
/// check still reads one index and one table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(super) struct Profile {
    /// Effective permissions; 0 for an inactive user.
    pub perms: u128,
    /// The permissions among `perms` that apply to every scope of the tenant.
    pub unscoped: u128,
    /// What is held within each scope and below it, sorted by scope (only for an active user
    /// with some): the scoped roles on each assigned scope, and the per-scope grants.
    pub grants: Option<Arc<[(ScopeId, u128)]>>,
    /// The teams the user is a member of, sorted.
    pub teams: Option<Arc<[ScopeId]>>,
    /// The tenant.
    pub tenant: u64,
    /// [`EXISTS`], [`ACTIVE`], [`SUPERADMIN`].
    pub flags: u8,
}

/// The profile of an id that names no user: no access at all.
static NOBODY: Profile = Profile {
    perms: 0,
    unscoped: 0,
    grants: None,
    teams: None,
    tenant: 0,
    flags: 0,
};

/// 256 profiles, their permissions packed first.
#[derive(Clone)]
struct Page {
    perms: [u128; PAGE],
    profiles: Box<[Profile]>,
}

impl Default for Page {
    fn default() -> Self {
        Page {
            perms: [0; PAGE],
            profiles: vec![Profile::default(); PAGE].into_boxed_slice(),
        }
    }
}

/// The writer's bookkeeping: which index each profile has and how many users hold it. Shared
/// by the snapshots of one directory (only the writer, under the directory's write lock, ever
/// locks it), and valid for the snapshot of `revision` only.
#[derive(Clone, Default)]
struct Builder {
    revision: u64,
    ids: HashMap<Profile, u32>,
    /// Users holding each index (index 0, nobody, is not counted).
    counts: Vec<u32>,
    /// Indices no user holds, lowest first.
    free: BinaryHeap<Reverse<u32>>,
}

impl Builder {
    /// The index of `p`, now held by `n` more users, added to `table` when new.
    fn acquire(&mut self, table: &mut Table, p: Profile, n: u32) -> u32 {
        if p == NOBODY || n == 0 {
            return 0;
        }
        if let Some(&id) = self.ids.get(&p) {
            self.counts[id as usize] += n;
            return id;
        }
        let id = match self.free.pop() {
            Some(Reverse(id)) => id,
            None => {
                // Index 0 stays nobody's.
                if self.counts.is_empty() {
                    self.counts.push(0);
                }
                self.counts.push(0);
                (self.counts.len() - 1) as u32
            }
        };
        self.counts[id as usize] = n;
        table.write(id, &p);
        self.ids.insert(p, id);
        id
    }

    /// One user less holds `id`; reclaimed when none does.
    fn release(&mut self, table: &Table, id: u32) {
        let Some(count) = self.counts.get_mut(id as usize).filter(|_| id != 0) else {
            return;
        };
        *count -= 1;
        if *count == 0 {
            self.ids.remove(table.get(id));
            self.free.push(Reverse(id));
        }
    }
}

/// The profiles by index: pages of 256, and the permissions of the first [`FLAT`] in one
/// array. Pages and the array are shared with other snapshots and copied when written.
#[derive(Clone, Default)]
struct Table {
    flat: Arc<[u128]>,
    pages: Vec<Arc<Page>>,
}

impl Table {
    /// Profile `id`.
    #[inline(always)]
    fn get(&self, id: u32) -> &Profile {
        self.pages
            .get((id >> PAGE_BITS) as usize)
            .map_or(&NOBODY, |p| &p.profiles[id as usize & (PAGE - 1)])
    }

    /// Stores `p` as profile `id`.
    fn write(&mut self, id: u32, p: &Profile) {
        let (pi, i) = ((id >> PAGE_BITS) as usize, id as usize & (PAGE - 1));
        if pi >= self.pages.len() {
            self.pages.resize_with(pi + 1, || Arc::new(Page::default()));
        }
        let page = Arc::make_mut(&mut self.pages[pi]);
        page.perms[i] = p.perms;
        page.profiles[i] = p.clone();
        let id = id as usize;
        if id < FLAT {
            if id >= self.flat.len() {
                // Doubling: a copy per doubling, not per profile.
                let len = (id + 1).next_power_of_two().clamp(64, FLAT);
                let mut grown = vec![0u128; len];
                grown[..self.flat.len()].copy_from_slice(&self.flat);
                self.flat = grown.into();
            }
            if let Some(slot) = Arc::make_mut(&mut self.flat).get_mut(id) {
                *slot = p.perms;
            }
        }
    }
}

/// A snapshot's profile table.
#[derive(Clone, Default)]
pub(super) struct Profiles {
    table: Table,
    builder: Arc<Mutex<Builder>>,
}

impl Profiles {
    /// The effective permissions of profile `id` (0 for nobody).
    #[inline(always)]
    pub fn perms(&self, id: u32) -> u128 {
        match self.table.flat.get(id as usize) {
            Some(perms) => *perms,
            None => self
                .table
                .pages
                .get((id >> PAGE_BITS) as usize)
                .map_or(0, |p| p.perms[id as usize & (PAGE - 1)]),
        }
    }

    /// Profile `id`.
    #[inline(always)]
    pub fn get(&self, id: u32) -> &Profile {
        self.table.get(id)
    }

    /// How many profiles users hold (nobody's excluded).
    pub fn held(&self) -> usize {
        let builder = self.builder.lock().unwrap_or_else(PoisonError::into_inner);
        builder.ids.len()
    }

    /// How many indices the table spans (held or free), nobody's included.
    pub fn len(&self) -> usize {
        self.table.pages.len() * PAGE
    }

    /// A new table holding `profiles`, each held by its count of users; returns it with the
    /// index each profile got.
    pub fn build(
        revision: u64,
        profiles: impl IntoIterator<Item = (Profile, u32)>,
    ) -> (Profiles, Vec<u32>) {
        let mut builder = Builder {
            revision,
            ..Builder::default()
        };
        let mut table = Table::default();
        let ids = profiles
            .into_iter()
            .map(|(p, n)| builder.acquire(&mut table, p, n))
            .collect();
        let profiles = Profiles {
            table,
            builder: Arc::new(Mutex::new(builder)),
        };
        (profiles, ids)
    }

    /// Starts editing a copy of this table for the snapshot after the one of `revision`;
    /// `None` when the bookkeeping belongs to another snapshot (this one is not the latest),
    /// in which case the caller rebuilds from the model.
    pub fn edit(&self, revision: u64) -> Option<Edit<'_>> {
        let builder = self.builder.lock().unwrap_or_else(PoisonError::into_inner);
        (builder.revision == revision).then(|| Edit {
            builder,
            table: self.table.clone(),
            shared: &self.builder,
        })
    }

    /// The same table with a copy of the writer's bookkeeping of its own (as many entries as
    /// distinct profiles): edits of the copy never touch this table's bookkeeping, so the
    /// copy's lineage of snapshots (a simulation's fork) and this one's both stay incremental.
    pub fn detached(&self) -> Profiles {
        let builder = self
            .builder
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        Profiles {
            table: self.table.clone(),
            builder: Arc::new(Mutex::new(builder)),
        }
    }

    /// Heap bytes: pages (shared ones counted in full) and the scope lists they hold.
    pub fn memory_bytes(&self) -> usize {
        use std::mem::size_of;
        let scopes: usize = self
            .table
            .pages
            .iter()
            .flat_map(|p| p.profiles.iter())
            // An `Arc<[T]>` allocation: two counters, then the items.
            .map(|p| {
                p.grants
                    .as_deref()
                    .map_or(0, |g| 2 * size_of::<usize>() + std::mem::size_of_val(g))
                    + p.teams
                        .as_deref()
                        .map_or(0, |t| 2 * size_of::<usize>() + std::mem::size_of_val(t))
            })
            .sum();
        self.table.pages.len() * (size_of::<Page>() + PAGE * size_of::<Profile>())
            + self.table.pages.capacity() * size_of::<Arc<Page>>()
            + std::mem::size_of_val(&*self.table.flat)
            + scopes
    }
}

/// An edit of a profile table: acquire the new profiles of changed users, release their old
/// ones, then [`finish`](Edit::finish).
pub(super) struct Edit<'a> {
    builder: MutexGuard<'a, Builder>,
    table: Table,
    shared: &'a Arc<Mutex<Builder>>,
}

impl Edit<'_> {
    /// The index of `p` for one more user.
    pub fn acquire(&mut self, p: Profile) -> u32 {
        self.builder.acquire(&mut self.table, p, 1)
    }

    /// One user less holds `id`.
    pub fn release(&mut self, id: u32) {
        self.builder.release(&self.table, id);
    }

    /// The edited table, for the snapshot of `revision`.
    pub fn finish(mut self, revision: u64) -> Profiles {
        self.builder.revision = revision;
        Profiles {
            table: self.table,
            builder: Arc::clone(self.shared),
        }
    }
}

/// Interns profiles locally (one compile thread), counting users per profile; index 0 is
/// nobody's.
#[derive(Default)]
pub(super) struct LocalTable {
    ids: HashMap<Profile, u32>,
    /// The profiles by local index, with the users holding each.
    pub profiles: Vec<(Profile, u32)>,
}

impl LocalTable {
    /// The local index of `p`, held by one more user.
    pub fn intern(&mut self, p: Profile) -> u32 {
        if p == NOBODY {
            return 0;
        }
        if let Some(&id) = self.ids.get(&p) {
            self.profiles[id as usize].1 += 1;
            return id;
        }
        if self.profiles.is_empty() {
            self.profiles.push((Profile::default(), 0));
        }
        let id = self.profiles.len() as u32;
        self.profiles.push((p.clone(), 1));
        self.ids.insert(p, id);
        id
    }
}

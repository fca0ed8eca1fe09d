//! The check engine: an immutable, compiled snapshot of every user's effective access.
//!
//! Users are indexed densely by id (no hashing). A user's slot holds only the index of its
//! access profile (effective permissions, scope restrictions, tenant, status), which users
//! share: a check reads one 2-byte index and one entry of a table small enough to stay in the
//! first-level cache. Slots come in chunks of 1,024 shared through `Arc`s, so that a change
//! rebuilds only the chunks of the users it affects and the new snapshot shares every other
//! chunk (and every untouched page of profiles) with the old one. The directory swaps
//! snapshots atomically (`arc-swap`); checks never lock and never touch storage.

use std::sync::Arc;

use crate::domain::model::{Affected, IdHashMap, Model};
use crate::domain::{
    AccessLevel, AgreementId, Levels, Permission, Product, ScopeId, ScopeKind, TenantId, UserId,
};

mod access;
mod profiles;
mod scopes;
mod slots;

use profiles::{LocalTable, Profile, Profiles, ACTIVE, EXISTS, SUPERADMIN};
use scopes::ScopeTable;
use slots::{Chunk, CHUNK, CHUNK_BITS, INLINE_ABOVE};

/// Chunks compiled with profile indices local to their range, and that range's table.
type LocalChunks = (LocalTable, Vec<(Vec<u32>, Vec<u64>)>);

/// Whether `perms` holds every permission in `p` (never an empty `p`).
#[inline(always)]
fn holds(perms: u128, p: Permission) -> bool {
    let bits = p.bits();
    bits != 0 && perms & bits == bits
}

#[derive(Clone, Default)]
struct AgreementEntry {
    tenant: u64,
    owner: UserId,
    levels: IdHashMap<UserId, Levels>,
    pbx: IdHashMap<UserId, Arc<str>>,
}

/// Which call groups / IVRs a user may see for a permission (003): everything, or an explicit
/// set (possibly empty). A host pushes this filter into its own queries.
///
/// One shape in every language: `is_all` (everything), `is_none` (nothing), `scopes` (the
/// explicit ids, in id order; absent for "all": `None` here, NULL in C, and an error in
/// Python, where `None` would read as "no scopes"), and `allows(scope)`. Test `is_all` first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScopeAccess {
    /// Every call group and IVR of the tenant.
    All,
    /// Only these (sorted; empty means none).
    Only(Vec<ScopeId>),
}

impl ScopeAccess {
    /// Whether this access includes `scope`.
    pub fn allows(&self, scope: ScopeId) -> bool {
        match self {
            ScopeAccess::All => true,
            ScopeAccess::Only(v) => v.binary_search(&scope).is_ok(),
        }
    }

    /// Whether nothing is visible.
    pub fn is_none(&self) -> bool {
        matches!(self, ScopeAccess::Only(v) if v.is_empty())
    }

    /// Whether every call group and IVR of the tenant is visible.
    pub fn is_all(&self) -> bool {
        matches!(self, ScopeAccess::All)
    }

    /// The explicit set, in id order (empty: none visible); `None` when all are visible.
    pub fn scopes(&self) -> Option<&[ScopeId]> {
        match self {
            ScopeAccess::All => None,
            ScopeAccess::Only(v) => Some(v),
        }
    }
}

/// An immutable, compiled view of the directory at one revision.
///
/// Obtain one with [`Directory::snapshot`](crate::Directory::snapshot); it never changes, so a
/// host can answer a whole request from one consistent revision. Cloning is cheap.
#[derive(Clone, Default)]
pub struct Snapshot {
    revision: u64,
    chunks: Vec<Arc<Chunk>>,
    profiles: Profiles,
    /// The scope hierarchy.
    scopes: Arc<ScopeTable>,
    agreements: Arc<IdHashMap<AgreementId, Arc<AgreementEntry>>>,
    /// The instant its answers are computed at.
    now: i64,
    /// The next instant a time-bound grant starts or ends (`i64::MAX`: none).
    valid_until: i64,
}

/// A user resolved once in a [`Snapshot`]: a check through it is a single AND.
#[derive(Clone, Copy)]
pub struct UserRef<'s> {
    perms: u128,
    profile: &'s Profile,
    scopes: &'s ScopeTable,
}

impl UserRef<'_> {
    /// Whether the user holds every permission in `p` (false for an empty `p`).
    #[inline(always)]
    pub fn check(&self, p: Permission) -> bool {
        holds(self.perms, p)
    }

    /// Scoped check: whether `p` applies to data of `scope`: held unscoped, or on `scope` or a
    /// scope above it (several of them together when `p` has several rights); never for
    /// another tenant's scope.
    #[inline]
    pub fn check_scoped(&self, p: Permission, scope: ScopeId) -> bool {
        if !holds(self.perms, p) {
            return false;
        }
        let e = self.profile;
        let target = self.scopes.slot(scope);
        if target.tenant != e.tenant {
            return false;
        }
        let bits = p.bits();
        let mut acc = e.unscoped;
        if acc & bits == bits {
            return true;
        }
        for (g, gp) in e.grants.as_deref().unwrap_or_default() {
            if gp & bits != 0 && ScopeTable::within(self.scopes.slot(*g), target) {
                acc |= gp;
                if acc & bits == bits {
                    return true;
                }
            }
        }
        false
    }

    /// Whether `p` applies to data of some scope in `scopes`.
    #[inline]
    fn check_any_scope(&self, p: Permission, scopes: &[ScopeId]) -> bool {
        scopes.iter().any(|s| self.check_scoped(p, *s))
    }

    /// The user's effective permissions.
    pub fn permissions(&self) -> Permission {
        Permission::from_bits_retain(self.perms)
    }
}

impl Snapshot {
    /// Compiles a snapshot of the whole model.
    pub(crate) fn build(m: &Model, revision: u64) -> Snapshot {
        let aff = Affected {
            agreements: m.agreements.keys().copied().collect(),
            scopes: true,
            everything: true,
            ..Affected::default()
        };
        Snapshot::default().updated(m, &aff, revision)
    }

    /// A user's profile and security stamp.
    fn compile(m: &Model, id: UserId) -> (Profile, u64) {
        let Some(u) = m.users.get(&id) else {
            return (Profile::default(), 0);
        };
        let mut flags = EXISTS;
        if m.is_superadmin(u) {
            flags |= SUPERADMIN;
        }
        if u.active {
            flags |= ACTIVE;
        }
        let e = m.effective(u);
        let profile = Profile {
            perms: e.perms.bits(),
            unscoped: e.unscoped.bits(),
            grants: (!e.scoped.is_empty()).then(|| {
                e.scoped
                    .iter()
                    .map(|(s, p)| (*s, p.bits()))
                    .collect::<Arc<[_]>>()
            }),
            teams: (!u.teams.is_empty())
                .then(|| u.teams.iter().copied().collect::<Arc<[ScopeId]>>()),
            tenant: u.tenant.0,
            flags,
        };
        (profile, u.stamp)
    }

    /// Compiles chunks `range`, with profile indices local to the range.
    fn compile_range(m: &Model, range: std::ops::Range<usize>) -> LocalChunks {
        let mut table = LocalTable::default();
        let chunks = range
            .map(|ci| {
                (ci * CHUNK..(ci + 1) * CHUNK)
                    .map(|i| {
                        let (p, stamp) = Self::compile(m, UserId(i as u64));
                        (table.intern(p), stamp)
                    })
                    .unzip()
            })
            .collect();
        (table, chunks)
    }

    /// Compiles every user, on as many threads as there are cores for a large directory, then
    /// gathers the profiles into one table.
    fn compile_all(m: &Model, revision: u64) -> (Vec<Arc<Chunk>>, Profiles) {
        let ids = m.users.keys().next_back().map_or(0, |u| u.0 as usize + 1);
        let n = ids.div_ceil(CHUNK);
        let threads = std::thread::available_parallelism().map_or(1, |t| t.get().min(8));
        let mut parts = if n < 64 || threads < 2 {
            vec![Self::compile_range(m, 0..n)]
        } else {
            let per = n.div_ceil(threads);
            std::thread::scope(|s| {
                // A range whose thread cannot be started is compiled here.
                let spawned: Vec<_> = (0..n)
                    .step_by(per)
                    .skip(1)
                    .map(|start| {
                        let end = (start + per).min(n);
                        std::thread::Builder::new()
                            .name("rolecall-compile".into())
                            .spawn_scoped(s, move || Self::compile_range(m, start..end))
                            .map_err(|_| start..end)
                    })
                    .collect();
                let mut parts = vec![Self::compile_range(m, 0..per.min(n))];
                for part in spawned {
                    parts.push(match part {
                        Ok(thread) => thread
                            .join()
                            .unwrap_or_else(|p| std::panic::resume_unwind(p)),
                        Err(range) => Self::compile_range(m, range),
                    });
                }
                parts
            })
        };
        // One table for all: each part's local indices mapped to the global ones.
        let mut offsets = Vec::with_capacity(parts.len());
        let mut all = Vec::new();
        for (table, _) in &mut parts {
            offsets.push(all.len());
            all.append(&mut table.profiles);
        }
        let (profiles, global) = Profiles::build(revision, all);
        let inline = profiles.held() > INLINE_ABOVE;
        let mut chunks = Vec::with_capacity(n);
        for ((_, local_chunks), offset) in parts.into_iter().zip(offsets) {
            for (local, stamps) in local_chunks {
                let mut chunk = Chunk::default();
                for (i, (l, stamp)) in local.into_iter().zip(stamps).enumerate() {
                    let id = if l == 0 {
                        0
                    } else {
                        global[offset + l as usize]
                    };
                    chunk.set(i, id, 0, stamp);
                }
                chunk.set_inline(inline.then_some(|id| profiles.perms(id)));
                chunks.push(Arc::new(chunk));
            }
        }
        (chunks, profiles)
    }

    /// The chunks and profiles of this snapshot with the users of `aff` recompiled from `m`,
    /// or `None` when this snapshot is not the latest one built (its profile bookkeeping
    /// belongs to a later snapshot).
    fn recompile(
        &self,
        m: &Model,
        aff: &Affected,
        revision: u64,
    ) -> Option<(Vec<Arc<Chunk>>, Profiles)> {
        let mut edit = self.profiles.edit(self.revision)?;
        let mut chunks = self.chunks.clone();
        let mut touched = std::collections::BTreeSet::new();
        for id in &aff.users {
            let idx = id.0 as usize;
            let ci = idx >> CHUNK_BITS;
            if ci >= chunks.len() {
                // Past the last chunk, an unknown user already answers no: nothing to
                // compile, and nothing to size for an id a change merely names.
                if !m.users.contains_key(id) {
                    continue;
                }
                chunks.resize_with(ci + 1, || Arc::new(Chunk::default()));
            }
            let (profile, stamp) = Self::compile(m, *id);
            let chunk = Arc::make_mut(&mut chunks[ci]);
            let i = idx & (CHUNK - 1);
            // The new one first: an unchanged profile is kept, not freed and made again.
            let old = chunk.profile(i);
            let perms = profile.perms;
            let new = edit.acquire(profile);
            edit.release(old);
            chunk.set(i, new, perms, stamp);
            touched.insert(ci);
        }
        let profiles = edit.finish(revision);
        // A chunk rewritten follows the table's size: permissions inline above the threshold,
        // not below half of it (so that a table near the threshold does not flip every time).
        let held = profiles.held();
        for ci in touched {
            let chunk = &chunks[ci];
            let want = if chunk.is_inline() {
                held > INLINE_ABOVE / 2
            } else {
                held > INLINE_ABOVE
            };
            if want != chunk.is_inline() {
                Arc::make_mut(&mut chunks[ci]).set_inline(want.then_some(|id| profiles.perms(id)));
            }
        }
        Some((chunks, profiles))
    }

    /// A new snapshot equal to this one except for what `aff` names, recomputed from `m`.
    /// Costs in proportion to the affected users (whole chunks of them), not the directory;
    /// `aff.everything` recompiles every user.
    pub(crate) fn updated(&self, m: &Model, aff: &Affected, revision: u64) -> Snapshot {
        let (chunks, profiles) = if aff.everything {
            Self::compile_all(m, revision)
        } else {
            self.recompile(m, aff, revision)
                .unwrap_or_else(|| Self::compile_all(m, revision))
        };
        let scopes = if aff.scopes {
            Arc::new(ScopeTable::build(m))
        } else {
            self.scopes.clone()
        };
        let agreements = if aff.agreements.is_empty() {
            self.agreements.clone()
        } else {
            let mut map = (*self.agreements).clone();
            for id in &aff.agreements {
                match m
                    .agreements
                    .get(id)
                    .and_then(|st| st.meta.as_ref().map(|meta| (st, meta)))
                {
                    None => {
                        map.remove(id);
                    }
                    Some((st, meta)) => {
                        map.insert(
                            *id,
                            Arc::new(AgreementEntry {
                                tenant: meta.tenant.0,
                                owner: meta.owner,
                                // As in force now: time-bound levels and links out of
                                // their windows are left out.
                                levels: st
                                    .levels
                                    .iter()
                                    .map(|(k, v)| {
                                        let mut l = *v;
                                        for p in Product::ALL {
                                            l[p as usize] = m.level(st, *k, p);
                                        }
                                        (*k, l)
                                    })
                                    .collect(),
                                pbx: st
                                    .pbx
                                    .keys()
                                    .filter_map(|k| {
                                        m.pbx(st, *k).map(|v| (*k, Arc::from(v.as_str())))
                                    })
                                    .collect(),
                            }),
                        );
                    }
                }
            }
            Arc::new(map)
        };
        Snapshot {
            revision,
            chunks,
            profiles,
            scopes,
            agreements,
            now: m.now,
            valid_until: m.next_change().unwrap_or(i64::MAX),
        }
    }

    /// The instant (ms since the Unix epoch) this snapshot answers for: time-bound grants count
    /// when their window contains it.
    pub fn computed_at(&self) -> i64 {
        self.now
    }

    /// The next instant (ms since the Unix epoch) at which a time-bound grant starts or ends,
    /// when this snapshot's answers stop being current (`None`: never). The directory swaps in a
    /// recomputed snapshot at that instant; a snapshot kept by the caller keeps answering as of
    /// [`computed_at`](Self::computed_at).
    pub fn valid_until(&self) -> Option<i64> {
        (self.valid_until != i64::MAX).then_some(self.valid_until)
    }

    /// The directory revision this snapshot reflects.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// A known user's profile and security stamp.
    #[inline(always)]
    fn slot(&self, user: UserId) -> Option<(&Profile, u64)> {
        let idx = user.0 as usize;
        let chunk = self.chunks.get(idx >> CHUNK_BITS)?;
        let i = idx & (CHUNK - 1);
        let p = self.profiles.get(chunk.profile(i));
        (p.flags & EXISTS != 0).then(|| (p, chunk.stamp(i)))
    }

    #[inline(always)]
    fn entry(&self, user: UserId) -> Option<&Profile> {
        self.slot(user).map(|(p, _)| p)
    }

    /// Resolves a user once, for repeated checks without the id lookup.
    #[inline]
    pub fn resolve(&self, user: UserId) -> Option<UserRef<'_>> {
        self.entry(user).map(|profile| UserRef {
            perms: profile.perms,
            profile,
            scopes: &self.scopes,
        })
    }

    /// May `user` do `p`? False for unknown or inactive users and for an empty `p`.
    #[inline]
    pub fn check(&self, user: UserId, p: Permission) -> bool {
        // Unknown and inactive users hold nothing: the profile's permissions answer alone.
        let idx = user.0 as usize;
        self.chunks.get(idx >> CHUNK_BITS).is_some_and(|c| {
            let i = idx & (CHUNK - 1);
            let perms = match c.inline_perms(i) {
                Some(perms) => perms,
                None => self.profiles.perms(c.profile(i)),
            };
            holds(perms, p)
        })
    }

    /// May `user` do `p` on data of `scope`? A scope-restricted right applies to the scopes
    /// it is held on and everything below them; an unrestricted one to every scope of the
    /// user's tenant; never to another tenant's scope.
    #[inline]
    pub fn check_scoped(&self, user: UserId, p: Permission, scope: ScopeId) -> bool {
        // Most refusals need only the permissions (the path of `check`); the profile's scopes
        // are read for the rest.
        self.check(user, p) && self.resolve(user).is_some_and(|u| u.check_scoped(p, scope))
    }

    /// May `actor` do `p` on user `target` ("my team only")? Yes when the actor holds `p`
    /// unscoped (for any user of its tenant), or for a team the target is a member of (on the
    /// team or a scope above it). Never across tenants; false for unknown users.
    #[inline]
    pub fn check_user(&self, actor: UserId, p: Permission, target: UserId) -> bool {
        if !self.check(actor, p) {
            return false;
        }
        let (Some(a), Some(t)) = (self.resolve(actor), self.entry(target)) else {
            return false;
        };
        if !a.check(p) || t.tenant != a.profile.tenant {
            return false;
        }
        let bits = p.bits();
        a.profile.unscoped & bits == bits
            || a.check_any_scope(p, t.teams.as_deref().unwrap_or_default())
    }

    /// Checks many `(user, permission)` pairs; `out[i]` answers pair `i`.
    ///
    /// Returns `false` without writing anything when the three slices differ in length.
    pub fn check_many(&self, users: &[UserId], perms: &[Permission], out: &mut [bool]) -> bool {
        if users.len() != perms.len() || users.len() != out.len() {
            return false;
        }
        for ((u, p), o) in users.iter().zip(perms).zip(out.iter_mut()) {
            *o = self.check(*u, *p);
        }
        true
    }

    /// The effective permissions of a user, or `None` for an unknown user.
    pub fn effective_permissions(&self, user: UserId) -> Option<Permission> {
        self.entry(user)
            .map(|e| Permission::from_bits_retain(e.perms))
    }

    /// Which scopes `user` may see for `p` (every one it holds `p` for, with everything below
    /// them); `None` for an unknown user.
    pub fn allowed_scopes(&self, user: UserId, p: Permission) -> Option<ScopeAccess> {
        self.allowed_scopes_of(user, p, None)
    }

    /// [`allowed_scopes`](Self::allowed_scopes) restricted to scopes of `kind` (all of that
    /// kind, or an explicit set of them).
    pub fn allowed_scopes_of(
        &self,
        user: UserId,
        p: Permission,
        kind: Option<ScopeKind>,
    ) -> Option<ScopeAccess> {
        let u = self.resolve(user)?;
        let e = u.profile;
        let bits = p.bits();
        if bits != 0 && e.unscoped & bits == bits {
            return Some(ScopeAccess::All);
        }
        if !holds(e.perms, p) {
            return Some(ScopeAccess::Only(Vec::new()));
        }
        let mut out: Vec<ScopeId> = e
            .grants
            .as_deref()
            .unwrap_or_default()
            .iter()
            .filter(|(_, gp)| gp & bits != 0)
            .flat_map(|(g, _)| self.scopes.subtree(*g).iter().copied())
            .filter(|s| kind.is_none_or(|k| self.scopes.kind(*s) == Some(k)))
            .collect();
        out.sort_unstable();
        out.dedup();
        out.retain(|s| u.check_scoped(p, *s));
        Some(ScopeAccess::Only(out))
    }

    /// Users of `tenant` holding `p` (within `scope` when given), in id order.
    pub fn users_with_permission(
        &self,
        tenant: TenantId,
        p: Permission,
        scope: Option<ScopeId>,
    ) -> Vec<UserId> {
        // Decided once per profile, then read per user.
        let st = &*self.scopes;
        let yes: Vec<bool> = (0..self.profiles.len() as u32)
            .map(|id| {
                let e = self.profiles.get(id);
                holds(e.perms, p)
                    && e.tenant == tenant.0
                    && scope.is_none_or(|s| {
                        UserRef {
                            perms: e.perms,
                            profile: e,
                            scopes: st,
                        }
                        .check_scoped(p, s)
                    })
            })
            .collect();
        let mut out = Vec::new();
        for (ci, chunk) in self.chunks.iter().enumerate() {
            for (i, id) in chunk.profiles().enumerate() {
                if yes.get(id as usize).copied().unwrap_or(false) {
                    out.push(UserId(((ci << CHUNK_BITS) + i) as u64));
                }
            }
        }
        out
    }

    /// The access level of `user` on `product` of `agreement` (002). An unknown or inactive
    /// user, or one of another tenant, has no access.
    pub fn access_level(
        &self,
        agreement: AgreementId,
        user: UserId,
        product: Product,
    ) -> AccessLevel {
        let Some(e) = self.entry(user) else {
            return AccessLevel::NoAccess;
        };
        let Some(a) = self.agreements.get(&agreement) else {
            return AccessLevel::NoAccess;
        };
        if e.flags & ACTIVE == 0 || a.tenant != e.tenant {
            return AccessLevel::NoAccess;
        }
        if a.owner == user {
            return AccessLevel::Owner;
        }
        a.levels
            .get(&user)
            .map_or(AccessLevel::NoAccess, |l| l[product as usize])
    }

    /// Whether `user` may listen to the call recordings of virtual-PBX subscriber `subscriber`
    /// and use click-to-call for it: linked to it on `agreement`, with at least User level on
    /// Virtual PBX (002).
    pub fn may_use_subscriber(
        &self,
        agreement: AgreementId,
        user: UserId,
        subscriber: &str,
    ) -> bool {
        self.access_level(agreement, user, Product::VirtualPbx) >= AccessLevel::User
            && self
                .agreements
                .get(&agreement)
                .and_then(|a| a.pbx.get(&user))
                .is_some_and(|s| &**s == subscriber)
    }

    /// The user's security stamp, or `None` for an unknown user.
    pub fn security_stamp(&self, user: UserId) -> Option<u64> {
        self.slot(user).map(|(_, stamp)| stamp)
    }

    /// Whether a session issued under `stamp` is still valid for `user` (exists, active, stamp
    /// unchanged).
    pub fn session_valid(&self, user: UserId, stamp: u64) -> bool {
        self.slot(user)
            .is_some_and(|(e, s)| e.flags & ACTIVE != 0 && s == stamp)
    }

    /// Bytes the snapshot holds per user slot: its profile index and security stamp. What
    /// users share (their profiles: permissions, call groups) is counted once by
    /// [`memory_bytes`](Self::memory_bytes).
    pub fn bytes_per_user() -> usize {
        std::mem::size_of::<Chunk>() / CHUNK
    }

    /// Heap bytes this snapshot holds: user slots (1,024 per chunk; 16 bytes more a user where
    /// a chunk keeps permissions inline), the table of distinct profiles with their
    /// call-group lists, the scope table and the agreements' levels.
    /// Chunks and pages shared with other snapshots are counted in full.
    pub fn memory_bytes(&self) -> usize {
        use std::mem::size_of;
        let agreements: usize = self
            .agreements
            .values()
            .map(|a| {
                size_of::<AgreementEntry>()
                    + a.levels.capacity() * (size_of::<UserId>() + size_of::<Levels>() + 1)
                    + a.pbx.capacity() * (size_of::<UserId>() + size_of::<Arc<str>>() + 1)
                    + a.pbx
                        .values()
                        .map(|s| 2 * size_of::<usize>() + s.len())
                        .sum::<usize>()
            })
            .sum();
        let inline = self.chunks.iter().filter(|c| c.is_inline()).count();
        self.chunks.len() * size_of::<Chunk>()
            + inline * CHUNK * size_of::<u128>()
            + self.chunks.capacity() * size_of::<Arc<Chunk>>()
            + self.profiles.memory_bytes()
            + self.scopes.memory_bytes()
            + agreements
    }

    /// How many distinct access profiles the snapshot's users share, and how many chunks of
    /// 1,024 users needed 4-byte indices (65,536 profiles or more).
    pub fn profile_stats(&self) -> (usize, usize) {
        let held: std::collections::BTreeSet<u32> = self
            .chunks
            .iter()
            .flat_map(|c| c.profiles())
            .filter(|&id| id != 0)
            .collect();
        (
            held.len(),
            self.chunks.iter().filter(|c| c.is_wide()).count(),
        )
    }
}

#[cfg(test)]
mod tests;

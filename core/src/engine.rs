//! The check engine: an immutable, compiled snapshot of every user's effective access.
//!
//! Users are indexed densely by id (no hashing) in chunks of 1,024 entries shared through
//! `Arc`s, so that a change rebuilds only the chunks of the users it affects and the new
//! snapshot shares every other chunk with the old one. The directory swaps snapshots
//! atomically (`arc-swap`); checks never lock and never touch storage.

use std::sync::Arc;

use crate::domain::model::{Affected, IdHashMap, Model};
use crate::domain::{
    AccessLevel, AgreementId, Levels, Permission, Product, ScopeId, TenantId, UserId,
};

const CHUNK_BITS: u32 = 10;
const CHUNK: usize = 1 << CHUNK_BITS;

const EXISTS: u8 = 1;
const ACTIVE: u8 = 2;
const SUPERADMIN: u8 = 4;

/// One user's compiled access but its permissions (packed apart in its [`Chunk`]): 64 bytes.
#[derive(Clone, Default)]
struct Entry {
    unscoped: u128,
    scopes: Option<Arc<[ScopeId]>>,
    tenant: u64,
    stamp: u64,
    flags: u8,
}

/// Whether `perms` holds every permission in `p` (never an empty `p`).
#[inline(always)]
fn holds(perms: u128, p: Permission) -> bool {
    let bits = p.bits();
    bits != 0 && perms & bits == bits
}

impl Entry {
    #[inline(always)]
    fn in_scope(&self, scope: ScopeId) -> bool {
        self.scopes
            .as_deref()
            .is_some_and(|s| s.binary_search(&scope).is_ok())
    }
}

/// 1,024 users: their permissions packed together (what a check reads: 16 bytes a user, so
/// that a million users' checks stay within the last-level cache), then the rest.
#[derive(Clone)]
struct Chunk {
    /// Effective permissions; 0 for unknown and inactive users.
    perms: [u128; CHUNK],
    entries: Box<[Entry]>,
}

impl Default for Chunk {
    fn default() -> Self {
        Chunk {
            perms: [0; CHUNK],
            entries: vec![Entry::default(); CHUNK].into_boxed_slice(),
        }
    }
}

impl Chunk {
    fn from_compiled(compiled: impl Iterator<Item = (u128, Entry)>) -> Chunk {
        let mut perms = [0; CHUNK];
        let entries = perms
            .iter_mut()
            .zip(compiled)
            .map(|(slot, (p, e))| {
                *slot = p;
                e
            })
            .collect();
        Chunk { perms, entries }
    }

    fn set(&mut self, i: usize, (perms, e): (u128, Entry)) {
        self.perms[i] = perms;
        self.entries[i] = e;
    }
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
    /// Tenant of each scope resource, indexed by scope id (0 = none).
    scope_tenants: Arc<Vec<u64>>,
    agreements: Arc<IdHashMap<AgreementId, Arc<AgreementEntry>>>,
}

/// A user resolved once in a [`Snapshot`]: a check through it is a single AND.
#[derive(Clone, Copy)]
pub struct UserRef<'s> {
    perms: u128,
    entry: &'s Entry,
    scope_tenants: &'s [u64],
}

impl UserRef<'_> {
    /// Whether the user holds every permission in `p` (false for an empty `p`).
    #[inline(always)]
    pub fn check(&self, p: Permission) -> bool {
        holds(self.perms, p)
    }

    /// Scoped check: whether `p` applies to data of call group / IVR `scope`.
    #[inline]
    pub fn check_scoped(&self, p: Permission, scope: ScopeId) -> bool {
        let e = self.entry;
        let bits = p.bits();
        if !holds(self.perms, p) {
            return false;
        }
        if self.scope_tenants.get(scope.0 as usize).copied() != Some(e.tenant) {
            return false;
        }
        e.unscoped & bits == bits || e.in_scope(scope)
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

    fn compile(m: &Model, id: UserId) -> (u128, Entry) {
        match m.users.get(&id) {
            None => (0, Entry::default()),
            Some(u) => {
                let mut flags = EXISTS;
                if m.is_superadmin(u) {
                    flags |= SUPERADMIN;
                }
                let (perms, unscoped) = m.effective_perms(u);
                if u.active {
                    flags |= ACTIVE;
                }
                let entry = Entry {
                    unscoped: unscoped.bits(),
                    scopes: (u.active && !u.scopes.is_empty())
                        .then(|| u.scopes.iter().copied().collect::<Arc<[ScopeId]>>()),
                    tenant: u.tenant.0,
                    stamp: u.stamp,
                    flags,
                };
                (perms.bits(), entry)
            }
        }
    }

    /// Compiles every user, on as many threads as there are cores for a large directory.
    fn compile_all(m: &Model) -> Vec<Arc<Chunk>> {
        let ids = m.users.keys().next_back().map_or(0, |u| u.0 as usize + 1);
        let n = ids.div_ceil(CHUNK);
        let compile_range = |range: std::ops::Range<usize>| -> Vec<Arc<Chunk>> {
            range
                .map(|ci| {
                    Arc::new(Chunk::from_compiled(
                        (ci * CHUNK..(ci + 1) * CHUNK).map(|i| Self::compile(m, UserId(i as u64))),
                    ))
                })
                .collect()
        };
        let threads = std::thread::available_parallelism().map_or(1, |t| t.get().min(8));
        if n < 64 || threads < 2 {
            return compile_range(0..n);
        }
        let per = n.div_ceil(threads);
        std::thread::scope(|s| {
            // A range whose thread cannot be started is compiled here.
            let parts: Vec<_> = (0..n)
                .step_by(per)
                .skip(1)
                .map(|start| {
                    let end = (start + per).min(n);
                    std::thread::Builder::new()
                        .name("rolecall-compile".into())
                        .spawn_scoped(s, move || compile_range(start..end))
                        .map_err(|_| start..end)
                })
                .collect();
            let mut chunks = compile_range(0..per.min(n));
            for part in parts {
                chunks.extend(match part {
                    Ok(thread) => thread
                        .join()
                        .unwrap_or_else(|p| std::panic::resume_unwind(p)),
                    Err(range) => compile_range(range),
                });
            }
            chunks
        })
    }

    /// A new snapshot equal to this one except for what `aff` names, recomputed from `m`.
    /// Costs in proportion to the affected users (whole chunks of them), not the directory;
    /// `aff.everything` recompiles every user.
    pub(crate) fn updated(&self, m: &Model, aff: &Affected, revision: u64) -> Snapshot {
        let chunks = if aff.everything {
            Self::compile_all(m)
        } else {
            let mut chunks = self.chunks.clone();
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
                let chunk = Arc::make_mut(&mut chunks[ci]);
                chunk.set(idx & (CHUNK - 1), Self::compile(m, *id));
            }
            chunks
        };
        let scope_tenants = if aff.scopes {
            let len = m.scopes.keys().next_back().map_or(0, |s| s.0 as usize + 1);
            let mut v = vec![0u64; len];
            for s in m.scopes.values() {
                v[s.id.0 as usize] = s.tenant.0;
            }
            Arc::new(v)
        } else {
            self.scope_tenants.clone()
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
                                levels: st.levels.iter().map(|(k, v)| (*k, *v)).collect(),
                                pbx: st
                                    .pbx
                                    .iter()
                                    .map(|(k, v)| (*k, Arc::from(v.as_str())))
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
            scope_tenants,
            agreements,
        }
    }

    /// The directory revision this snapshot reflects.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// A known user's permissions and entry.
    #[inline(always)]
    fn slot(&self, user: UserId) -> Option<(u128, &Entry)> {
        let idx = user.0 as usize;
        let chunk = self.chunks.get(idx >> CHUNK_BITS)?;
        let i = idx & (CHUNK - 1);
        let e = &chunk.entries[i];
        (e.flags & EXISTS != 0).then_some((chunk.perms[i], e))
    }

    #[inline(always)]
    fn entry(&self, user: UserId) -> Option<&Entry> {
        self.slot(user).map(|(_, e)| e)
    }

    /// Resolves a user once, for repeated checks without the id lookup.
    #[inline]
    pub fn resolve(&self, user: UserId) -> Option<UserRef<'_>> {
        self.slot(user).map(|(perms, entry)| UserRef {
            perms,
            entry,
            scope_tenants: &self.scope_tenants,
        })
    }

    /// May `user` do `p`? False for unknown or inactive users and for an empty `p`.
    #[inline]
    pub fn check(&self, user: UserId, p: Permission) -> bool {
        // Unknown and inactive users hold nothing: the packed permissions answer alone.
        let idx = user.0 as usize;
        self.chunks
            .get(idx >> CHUNK_BITS)
            .is_some_and(|c| holds(c.perms[idx & (CHUNK - 1)], p))
    }

    /// May `user` do `p` on data of call group / IVR `scope`? A scope-restricted permission
    /// applies only to the user's assigned scopes; an unrestricted one to every scope of the
    /// user's tenant; never to another tenant's scope.
    #[inline]
    pub fn check_scoped(&self, user: UserId, p: Permission, scope: ScopeId) -> bool {
        self.resolve(user).is_some_and(|u| u.check_scoped(p, scope))
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
        self.slot(user)
            .map(|(perms, _)| Permission::from_bits_retain(perms))
    }

    /// Which call groups / IVRs `user` may see for `p`; `None` for an unknown user.
    pub fn allowed_scopes(&self, user: UserId, p: Permission) -> Option<ScopeAccess> {
        let (perms, e) = self.slot(user)?;
        let bits = p.bits();
        Some(if bits != 0 && e.unscoped & bits == bits {
            ScopeAccess::All
        } else if holds(perms, p) {
            ScopeAccess::Only(
                e.scopes
                    .as_deref()
                    .map(<[ScopeId]>::to_vec)
                    .unwrap_or_default(),
            )
        } else {
            ScopeAccess::Only(Vec::new())
        })
    }

    /// Users of `tenant` holding `p` (within `scope` when given), in id order.
    pub fn users_with_permission(
        &self,
        tenant: TenantId,
        p: Permission,
        scope: Option<ScopeId>,
    ) -> Vec<UserId> {
        let mut out = Vec::new();
        let st = &self.scope_tenants[..];
        for (ci, chunk) in self.chunks.iter().enumerate() {
            for (i, perms) in chunk.perms.iter().enumerate() {
                // The packed permissions first: most users are ruled out without their entry.
                if !holds(*perms, p) {
                    continue;
                }
                let e = &chunk.entries[i];
                if e.tenant != tenant.0 {
                    continue;
                }
                let ok = match scope {
                    None => true,
                    Some(s) => UserRef {
                        perms: *perms,
                        entry: e,
                        scope_tenants: st,
                    }
                    .check_scoped(p, s),
                };
                if ok {
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
        self.entry(user).map(|e| e.stamp)
    }

    /// Whether a session issued under `stamp` is still valid for `user` (exists, active, stamp
    /// unchanged).
    pub fn session_valid(&self, user: UserId, stamp: u64) -> bool {
        self.entry(user)
            .is_some_and(|e| e.flags & ACTIVE != 0 && e.stamp == stamp)
    }

    /// Bytes the snapshot holds per user slot (its permissions and entry, without the lists of
    /// assigned call groups, which [`memory_bytes`](Self::memory_bytes) counts).
    pub fn bytes_per_user() -> usize {
        std::mem::size_of::<Entry>() + std::mem::size_of::<u128>()
    }

    /// Heap bytes this snapshot holds: user slots (1,024 per chunk), each user's list of
    /// assigned call groups, the scope table and the agreements' levels. Chunks shared with
    /// other snapshots are counted in full.
    pub fn memory_bytes(&self) -> usize {
        use std::mem::size_of;
        let chunks = self.chunks.len() * (size_of::<Chunk>() + CHUNK * size_of::<Entry>());
        let scopes: usize = self
            .chunks
            .iter()
            .flat_map(|c| c.entries.iter())
            .filter_map(|e| e.scopes.as_deref())
            // An `Arc<[T]>` allocation: two counters, then the items.
            .map(|s| 2 * size_of::<usize>() + std::mem::size_of_val(s))
            .sum();
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
        chunks
            + self.chunks.capacity() * size_of::<Arc<Chunk>>()
            + scopes
            + self.scope_tenants.capacity() * size_of::<u64>()
            + agreements
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_counts_slots_and_scope_lists() {
        let empty = Snapshot::default();
        assert_eq!(empty.memory_bytes(), 0);
        let mut chunk = Chunk::default();
        let mut e = Entry {
            flags: EXISTS,
            ..Entry::default()
        };
        e.scopes = Some(Arc::from(vec![ScopeId(1), ScopeId(2)]));
        chunk.set(1, (1, e));
        let snap = Snapshot {
            chunks: vec![Arc::new(chunk)],
            ..Snapshot::default()
        };
        let slots = std::mem::size_of::<Chunk>() + CHUNK * std::mem::size_of::<Entry>();
        let list = 2 * std::mem::size_of::<usize>() + 2 * std::mem::size_of::<ScopeId>();
        assert!(
            snap.memory_bytes() >= slots + list,
            "{}",
            snap.memory_bytes()
        );
        assert!(
            snap.memory_bytes() <= slots + list + 64,
            "{}",
            snap.memory_bytes()
        );
    }

    #[test]
    fn entry_fits_the_memory_budget() {
        assert!(
            Snapshot::bytes_per_user() <= 80,
            "{}",
            Snapshot::bytes_per_user()
        );
    }

    /// The parallel build of a large directory equals compiling each user on its own.
    #[test]
    fn parallel_build_equals_one_by_one() {
        use crate::domain::{Change, Role, RoleId, Tenant, User};
        let mut m = Model::default();
        let mut aff = Affected::default();
        let t = TenantId(1);
        m.apply(
            &Change::TenantPut(Tenant {
                id: t,
                name: "T".into(),
                superadmin: UserId(1),
                created_at: 0,
                policy: Default::default(),
                settings: Default::default(),
            }),
            &mut aff,
        );
        let catalogue: Vec<Permission> = crate::CATALOGUE.iter().map(|(p, _)| *p).collect();
        for r in 1..=8u64 {
            m.apply(
                &Change::RolePut(Role {
                    id: RoleId(r),
                    tenant: t,
                    name: format!("R{r}"),
                    permissions: catalogue[r as usize * 7 % catalogue.len()]
                        | catalogue[r as usize * 3 % catalogue.len()],
                    scoped: r % 3 == 0,
                    admin_tier: false,
                    namespace: crate::RoleNamespace::Custom,
                    description: String::new(),
                    created_at: 0,
                }),
                &mut aff,
            );
        }
        // Sparse ids over 150 chunks, so that every thread gets a share.
        for i in 0..3_000u64 {
            let id = 1 + i * 51;
            m.apply_owned(
                Change::UserPut(User {
                    id: UserId(id),
                    tenant: t,
                    first_name: "F".into(),
                    last_name: "L".into(),
                    email: format!("u{id}@x.test"),
                    phone: None,
                    active: i % 7 != 0,
                    roles: [RoleId(1 + i % 8), RoleId(1 + i % 5)].into(),
                    scopes: Default::default(),
                    created_at: 0,
                    updated_at: 0,
                    last_login: None,
                    stamp: i,
                }),
                &mut aff,
            );
        }
        let snap = Snapshot::build(&m, 1);
        assert_eq!(snap.chunks.len(), (1 + 2_999 * 51) / CHUNK + 1);
        for id in 0..snap.chunks.len() as u64 * CHUNK as u64 {
            let (built, (perms, alone)) =
                (snap.slot(UserId(id)), Snapshot::compile(&m, UserId(id)));
            let exists = alone.flags & EXISTS != 0;
            assert_eq!(built.is_some(), exists, "{id}");
            assert_eq!(
                snap.check(UserId(id), Permission::all()),
                exists && perms == Permission::all().bits()
            );
            if let Some((p, b)) = built {
                assert_eq!(
                    (p, b.unscoped, b.stamp, b.flags),
                    (perms, alone.unscoped, alone.stamp, alone.flags),
                    "{id}"
                );
            }
        }
    }
}

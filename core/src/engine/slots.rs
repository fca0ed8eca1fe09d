//! Per-user slots, 1,024 users to a chunk: each user's profile index and security stamp.
//!
//! Chunks are shared between snapshots through `Arc`s, so that a change copies only the
//! chunks of the users it affects. A check reads one index: 2 bytes a user while every index
//! in the chunk fits (fewer than 65,536 profiles), so that a million users' indices take
//! 2 MiB and stay in the second-level cache.
//!
//! When users hardly share profiles (the table outgrows the caches: more than
//! [`INLINE_ABOVE`] profiles), a second lookup into the table would cost a second cache miss.
//! A chunk built then also keeps its users' permissions inline, 16 bytes each, so that a check
//! reads one value as a plain array would. Either way the answer is the profile's.

/// log2 of the users per chunk.
pub(super) const CHUNK_BITS: u32 = 10;
/// Users per chunk.
pub(super) const CHUNK: usize = 1 << CHUNK_BITS;

/// Profile indices of a chunk's users: 2 bytes each until one needs more.
///
/// Inline on purpose (the chunk is already behind an `Arc`): a `Box` would add a dependent
/// load to every check. A narrow chunk leaves the second half unused but never touches it.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
enum Indices {
    Narrow([u16; CHUNK]),
    Wide([u32; CHUNK]),
}

/// Above this many profiles, chunks keep their users' permissions inline (see the module
/// documentation): the table's permissions (16 bytes a profile) no longer fit the caches.
pub(super) const INLINE_ABOVE: usize = 8_192;

/// 1,024 users' slots.
#[derive(Clone)]
pub(super) struct Chunk {
    indices: Indices,
    /// The users' permissions, when kept inline (equal to their profiles').
    inline: Option<Box<[u128; CHUNK]>>,
    stamps: [u64; CHUNK],
}

impl Default for Chunk {
    fn default() -> Self {
        Chunk {
            indices: Indices::Narrow([0; CHUNK]),
            inline: None,
            stamps: [0; CHUNK],
        }
    }
}

impl Chunk {
    /// The profile index of user `i` of the chunk (0: no user).
    #[inline(always)]
    pub fn profile(&self, i: usize) -> u32 {
        match &self.indices {
            Indices::Narrow(a) => u32::from(a[i]),
            Indices::Wide(a) => a[i],
        }
    }

    /// User `i`'s permissions when the chunk keeps them inline.
    #[inline(always)]
    pub fn inline_perms(&self, i: usize) -> Option<u128> {
        self.inline.as_deref().map(|p| p[i])
    }

    /// Keeps the users' permissions inline (`perms` of each profile index), or stops keeping
    /// them when `perms` is `None`.
    pub fn set_inline(&mut self, perms: Option<impl Fn(u32) -> u128>) {
        self.inline = perms.map(|perms| {
            let mut a = Box::new([0u128; CHUNK]);
            a.iter_mut()
                .enumerate()
                .for_each(|(i, p)| *p = perms(self.profile(i)));
            a
        });
    }

    /// Whether the chunk keeps its users' permissions inline.
    pub fn is_inline(&self) -> bool {
        self.inline.is_some()
    }

    /// The security stamp of user `i` of the chunk.
    #[inline(always)]
    pub fn stamp(&self, i: usize) -> u64 {
        self.stamps[i]
    }

    /// Sets user `i`'s slot, widening the chunk's indices when `profile` needs it; `perms` are
    /// the profile's permissions, kept when the chunk keeps them inline.
    pub fn set(&mut self, i: usize, profile: u32, perms: u128, stamp: u64) {
        self.stamps[i] = stamp;
        if let Some(inline) = self.inline.as_deref_mut() {
            inline[i] = perms;
        }
        match &mut self.indices {
            Indices::Wide(a) => a[i] = profile,
            Indices::Narrow(a) => match u16::try_from(profile) {
                Ok(p) => a[i] = p,
                Err(_) => {
                    let mut wide = [0u32; CHUNK];
                    wide.iter_mut()
                        .zip(a.iter())
                        .for_each(|(w, n)| *w = u32::from(*n));
                    wide[i] = profile;
                    self.indices = Indices::Wide(wide);
                }
            },
        }
    }

    /// Every user's profile index, in order.
    pub fn profiles(&self) -> impl Iterator<Item = u32> + '_ {
        (0..CHUNK).map(|i| self.profile(i))
    }

    /// Whether the chunk's indices take 4 bytes each.
    pub fn is_wide(&self) -> bool {
        matches!(self.indices, Indices::Wide(_))
    }
}

//! A map keyed by a dense id: a vector slot per id, so lookups are one index and iteration is in
//! id order, like the `BTreeMap` it replaces for users, without its pointer chasing.

use std::marker::PhantomData;

use super::UserId;

/// An id allocated densely from 1 that can index a vector.
pub(crate) trait DenseId: Copy {
    fn index(self) -> usize;
    fn from_index(i: usize) -> Self;
}

impl DenseId for UserId {
    #[inline(always)]
    fn index(self) -> usize {
        self.0 as usize
    }

    #[inline(always)]
    fn from_index(i: usize) -> Self {
        UserId(i as u64)
    }
}

/// A map from dense ids to values, iterated in id order.
#[derive(Clone, Debug)]
pub(crate) struct IdMap<K, V> {
    slots: Vec<Option<V>>,
    /// How many slots are filled.
    len: usize,
    key: PhantomData<K>,
}

impl<K, V> Default for IdMap<K, V> {
    fn default() -> Self {
        IdMap {
            slots: Vec::new(),
            len: 0,
            key: PhantomData,
        }
    }
}

impl<K: DenseId, V> IdMap<K, V> {
    /// Makes room for ids below `n` without reallocating.
    pub fn reserve_ids(&mut self, n: usize) {
        self.slots.reserve(n.saturating_sub(self.slots.len()));
    }

    /// How many ids have a value.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub fn get(&self, k: &K) -> Option<&V> {
        self.slots.get(k.index()).and_then(Option::as_ref)
    }

    #[inline]
    pub fn get_mut(&mut self, k: &K) -> Option<&mut V> {
        self.slots.get_mut(k.index()).and_then(Option::as_mut)
    }

    #[inline]
    pub fn contains_key(&self, k: &K) -> bool {
        self.get(k).is_some()
    }

    fn slot(&mut self, k: K) -> &mut Option<V> {
        let i = k.index();
        if i >= self.slots.len() {
            self.slots.resize_with(i + 1, || None);
        }
        &mut self.slots[i]
    }

    /// Inserts, returning the value replaced.
    pub fn insert(&mut self, k: K, v: V) -> Option<V> {
        let old = self.slot(k).replace(v);
        self.len += usize::from(old.is_none());
        old
    }

    /// The value of `k`, inserted as `V::default()` first when missing.
    pub fn get_or_default(&mut self, k: K) -> &mut V
    where
        V: Default,
    {
        if !self.contains_key(&k) {
            self.len += 1;
        }
        self.slot(k).get_or_insert_with(V::default)
    }

    pub fn remove(&mut self, k: &K) -> Option<V> {
        let old = self.slots.get_mut(k.index()).and_then(Option::take);
        self.len -= usize::from(old.is_some());
        old
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (K, &V)> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.as_ref().map(|v| (K::from_index(i), v)))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = K> + '_ {
        self.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + '_ {
        self.slots.iter().filter_map(Option::as_ref)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_an_ordered_map() {
        let mut m: IdMap<UserId, &str> = IdMap::default();
        assert_eq!(m.insert(UserId(3), "c"), None);
        assert_eq!(m.insert(UserId(1), "a"), None);
        assert_eq!(m.insert(UserId(3), "C"), Some("c"));
        assert_eq!((m.keys().count(), m.len()), (2, 2));
        assert_eq!(m.get(&UserId(3)), Some(&"C"));
        assert_eq!(m.get(&UserId(2)), None);
        assert_eq!(m.get(&UserId(99)), None);
        assert_eq!(m.keys().collect::<Vec<_>>(), [UserId(1), UserId(3)]);
        assert_eq!(m.remove(&UserId(1)), Some("a"));
        assert_eq!(m.remove(&UserId(1)), None);
        assert_eq!(m.keys().count(), 1);
        *m.get_or_default(UserId(5)) = "e";
        assert_eq!(m.keys().count(), 2);
        assert_eq!(m.values().copied().collect::<Vec<_>>(), ["C", "e"]);
        assert_eq!(m.len(), 2);
        assert!(m.contains_key(&UserId(5)) && !m.contains_key(&UserId(4)));
    }
}

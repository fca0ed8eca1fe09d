//! The scope hierarchy as checks read it: each scope's tenant and its interval in a pre-order
//! walk of its tenant's forest, so that "is `g` this scope or above it" is two comparisons,
//! whatever the depth.
//!
//! The table is rebuilt when a scope is created, moved or deleted (in proportion to the
//! number of scopes, never to the number of users): users' profiles name the scopes they hold
//! rights on, not their place in the hierarchy, so a move recompiles nobody.

use crate::domain::model::Model;
use crate::domain::{ScopeId, ScopeKind};

/// One scope: its tenant (0: no such scope) and its pre-order interval `pre..=last`.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Slot {
    pub tenant: u64,
    pub pre: u32,
    pub last: u32,
}

/// Every scope, by id.
#[derive(Clone, Debug, Default)]
pub(crate) struct ScopeTable {
    slots: Vec<Slot>,
    /// Scope ids in pre-order: the subtree of `s` is `order[pre(s)..=last(s)]`.
    order: Vec<ScopeId>,
    /// The kind of each scope, by id (read by reverse queries only).
    kinds: Vec<Option<ScopeKind>>,
}

impl ScopeTable {
    /// The table of `m`'s scopes: one pass over the scopes, then a walk of the forest through
    /// the model's child index (no ordered-map look-up per scope).
    pub fn build(m: &Model) -> ScopeTable {
        let len = m.scopes.keys().next_back().map_or(0, |s| s.0 as usize + 1);
        let mut t = ScopeTable {
            slots: vec![Slot::default(); len],
            order: Vec::with_capacity(m.scopes.len()),
            kinds: vec![None; len],
        };
        let mut tenants = vec![0u64; len];
        for s in m.scopes.values() {
            tenants[s.id.0 as usize] = s.tenant.0;
            t.kinds[s.id.0 as usize] = Some(s.kind);
        }
        let known = |p: ScopeId| t.kinds.get(p.0 as usize).is_some_and(Option::is_some);
        // Roots in id order, children in id order; an explicit stack (no recursion depth).
        let roots: Vec<ScopeId> = m
            .scopes
            .values()
            .filter(|s| s.parent.is_none_or(|p| !known(p)))
            .map(|s| s.id)
            .collect();
        let mut stack: Vec<(ScopeId, bool)> = Vec::new();
        for root in roots {
            stack.push((root, false));
            while let Some((id, done)) = stack.pop() {
                let i = id.0 as usize;
                if done {
                    t.slots[i].last = t.order.len() as u32 - 1;
                    continue;
                }
                if tenants.get(i).copied().unwrap_or(0) == 0 {
                    continue;
                }
                t.slots[i] = Slot {
                    tenant: tenants[i],
                    pre: t.order.len() as u32,
                    last: 0,
                };
                t.order.push(id);
                stack.push((id, true));
                if let Some(children) = m.scope_children.get(&id) {
                    stack.extend(children.iter().rev().map(|c| (*c, false)));
                }
            }
        }
        t
    }

    /// Scope `id`'s slot (tenant 0 when there is no such scope).
    #[inline(always)]
    pub fn slot(&self, id: ScopeId) -> Slot {
        self.slots.get(id.0 as usize).copied().unwrap_or_default()
    }

    /// Whether `inner` is `node` or below it (both known scopes).
    #[inline(always)]
    pub fn within(node: Slot, inner: Slot) -> bool {
        node.pre <= inner.pre && inner.pre <= node.last
    }

    /// `node` and every scope below it.
    pub fn subtree(&self, node: ScopeId) -> &[ScopeId] {
        let s = self.slot(node);
        if s.tenant == 0 {
            return &[];
        }
        &self.order[s.pre as usize..=s.last as usize]
    }

    /// The kind of scope `id`.
    pub fn kind(&self, id: ScopeId) -> Option<ScopeKind> {
        self.kinds.get(id.0 as usize).copied().flatten()
    }

    /// Heap bytes held.
    pub fn memory_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<Slot>()
            + self.order.capacity() * std::mem::size_of::<ScopeId>()
            + self.kinds.capacity() * std::mem::size_of::<Option<ScopeKind>>()
    }
}

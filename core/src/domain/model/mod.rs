//! The in-memory model of the whole directory, the one place where [`Change`]s are applied
//! (`apply`), the from-scratch computation of effective permissions (`rights`), which
//! changes renew security stamps (`stamps`), and look-ups and the consistency check.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::idmap::IdMap;
use super::{
    validate, AccessLevel, Agreement, AgreementId, Assignment, Change, Group, GroupId, Levels,
    NextIds, ObjectKind, Permission, Product, Role, RoleId, RoleNamespace, Scope, ScopeId,
    ScopeKind, Tenant, TenantId, User, UserId,
};
use crate::credentials::{Credential, ResetToken};
use crate::Error;

mod apply;
mod overlay;
mod rights;
mod sod;
mod stamps;

pub(crate) use rights::Effective;
pub(crate) use rights::Hyp;

/// An agreement with its levels and PBX links.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct AgreementState {
    pub meta: Option<Agreement>,
    /// Stored levels of non-owners (never `Owner`).
    pub levels: BTreeMap<UserId, Levels>,
    pub pbx: BTreeMap<UserId, String>,
}

impl AgreementState {
    pub fn level(&self, user: UserId, product: Product) -> AccessLevel {
        match &self.meta {
            Some(m) if m.owner == user => AccessLevel::Owner,
            _ => self
                .levels
                .get(&user)
                .map(|l| l[product as usize])
                .unwrap_or_default(),
        }
    }
}

/// Which names are unique per tenant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum NameKind {
    /// Role names are unique per namespace.
    Role(RoleNamespace),
    Group,
    Scope(ScopeKind),
    Agreement,
}

/// What a set of changes touched, so the engine recomputes only that.
#[derive(Debug, Default)]
pub(crate) struct Affected {
    pub users: BTreeSet<UserId>,
    pub agreements: BTreeSet<AgreementId>,
    /// Whether any scope resource was created or deleted.
    pub scopes: bool,
    /// Record nothing: the whole model is being loaded and everything will be compiled.
    pub everything: bool,
}

impl Affected {
    /// Records that `user`'s effective access may have changed.
    #[inline]
    pub fn add_user(&mut self, user: UserId) {
        if !self.everything {
            self.users.insert(user);
        }
    }

    /// Records several users.
    pub fn add_users(&mut self, users: impl IntoIterator<Item = UserId>) {
        if !self.everything {
            self.users.extend(users);
        }
    }

    /// Records an agreement whose levels may have changed.
    pub fn add_agreement(&mut self, agreement: AgreementId) {
        if !self.everything {
            self.agreements.insert(agreement);
        }
    }
}

/// The whole directory.
#[derive(Clone, Debug, Default)]
pub(crate) struct Model {
    pub tenants: BTreeMap<TenantId, Tenant>,
    pub users: IdMap<UserId, User>,
    pub roles: BTreeMap<RoleId, Role>,
    pub groups: BTreeMap<GroupId, Group>,
    pub members: BTreeMap<GroupId, BTreeSet<UserId>>,
    pub scopes: BTreeMap<ScopeId, Scope>,
    pub agreements: BTreeMap<AgreementId, AgreementState>,
    // ---- indices, maintained by `apply` ----
    pub emails: HashMap<(TenantId, String), UserId>,
    /// Users by external id, per tenant (only users that have one).
    pub external_ids: HashMap<(TenantId, String), UserId>,
    pub names: Names,
    pub tenant_users: IdHashMap<TenantId, BTreeSet<UserId>>,
    pub user_groups: IdMap<UserId, BTreeSet<GroupId>>,
    pub role_users: IdHashMap<RoleId, BTreeSet<UserId>>,
    pub role_groups: IdHashMap<RoleId, BTreeSet<GroupId>>,
    pub scope_users: IdHashMap<ScopeId, BTreeSet<UserId>>,
    /// Users holding a per-scope grant on each scope.
    pub grant_users: IdHashMap<ScopeId, BTreeSet<UserId>>,
    /// Users holding a per-scope grant of each role.
    pub role_grant_users: IdHashMap<RoleId, BTreeSet<UserId>>,
    /// Members of each team.
    pub team_members: IdHashMap<ScopeId, BTreeSet<UserId>>,
    /// Child scopes of each scope.
    pub scope_children: IdHashMap<ScopeId, BTreeSet<ScopeId>>,
    pub user_agreements: IdHashMap<UserId, BTreeSet<AgreementId>>,
    /// Next free id per kind.
    pub next: NextIds,
    // ---- credentials ----
    pub credentials: IdHashMap<UserId, Credential>,
    /// Pending recovery tokens by hash.
    pub reset_tokens: HashMap<String, ResetToken>,
    // ---- time ----
    /// The instant rights are computed at (ms since the Unix epoch): time-bound assignments
    /// count when their window contains it. Moved forward by the directory, never back.
    pub now: i64,
    /// Every instant at which a user's time-bound assignment starts or ends.
    pub deadlines: BTreeSet<(i64, UserId)>,
    /// Every instant at which a user's time-bound assignment ends.
    pub ends: BTreeSet<(i64, UserId)>,
    /// Scratch: agreements whose levels or links a window change touched (see `apply`).
    window_agreements: BTreeSet<AgreementId>,
}

fn bump(next: &mut u64, id: u64) {
    if *next <= id {
        *next = id + 1;
    }
}

/// A hash map keyed by ids the directory allocates: a fast fixed hash, since no caller chooses
/// the keys. Maps keyed by caller-chosen text keep the standard, DoS-resistant hasher.
pub(crate) type IdHashMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// The names index of [`Model::names`].
type Names = HashMap<(TenantId, NameKind, String), u64>;

impl Model {
    /// Id allocation: the next free id of `kind` (see `next`), plus `offset` already planned.
    pub fn next_id(&self, kind: ObjectKind, offset: u64) -> u64 {
        self.next[kind].max(1) + offset
    }

    /// A user's email, for messages (`user#N` when unknown).
    pub fn email_of(&self, user: UserId) -> String {
        self.users
            .get(&user)
            .map_or_else(|| user.to_string(), |u| u.email.clone())
    }

    /// An agreement's name, for messages (`agreement#N` when unknown).
    pub fn agreement_name(&self, agreement: AgreementId) -> String {
        self.agreements
            .get(&agreement)
            .and_then(|s| s.meta.as_ref())
            .map_or_else(|| agreement.to_string(), |m| m.name.clone())
    }

    /// Looks up a name in the tenant's name index.
    pub fn name_taken(&self, tenant: TenantId, kind: NameKind, name: &str) -> Option<u64> {
        self.names
            .get(&(tenant, kind, validate::fold(name)))
            .copied()
    }

    /// The role of `tenant` named `name` in `namespace` (case-insensitive).
    pub fn role_in_namespace(
        &self,
        tenant: TenantId,
        namespace: RoleNamespace,
        name: &str,
    ) -> Option<&Role> {
        self.name_taken(tenant, NameKind::Role(namespace), name.trim())
            .and_then(|id| self.roles.get(&RoleId(id)))
    }

    /// Resolves a role name as `Directory::role_by_name` documents: `namespace/name` when the
    /// part before the first `/` is a namespace and such a role exists, else the bare name,
    /// which must be held in exactly one namespace.
    pub fn role_named(&self, tenant: TenantId, name: &str) -> Result<&Role, Error> {
        let name = name.trim();
        if let Some((ns, rest)) = name.split_once('/') {
            if let Ok(ns) = ns.trim().parse::<RoleNamespace>() {
                if let Some(r) = self.role_in_namespace(tenant, ns, rest) {
                    return Ok(r);
                }
            }
        }
        let found: Vec<&Role> = RoleNamespace::ALL
            .iter()
            .filter_map(|ns| self.role_in_namespace(tenant, *ns, name))
            .collect();
        match found.as_slice() {
            [] => Err(Error::UnknownRole(super::truncate_for_message(name))),
            [one] => Ok(one),
            many => Err(Error::AmbiguousName {
                name: super::truncate_for_message(name),
                namespaces: many.iter().map(|r| r.namespace.name()).collect(),
            }),
        }
    }

    /// `scope` and its ancestors, nearest first (nothing for an unknown scope). Endless only
    /// on a cycle of parents, which [`verify`](Self::verify) refuses at load and the
    /// operations never create.
    pub fn ancestors(&self, scope: ScopeId) -> impl Iterator<Item = ScopeId> + '_ {
        let mut next = self.scopes.get(&scope).map(|s| s.id);
        std::iter::from_fn(move || {
            let cur = next?;
            next = self.scopes.get(&cur).and_then(|s| s.parent);
            Some(cur)
        })
    }

    /// Whether `scope` is `node` or below it.
    pub fn is_within(&self, scope: ScopeId, node: ScopeId) -> bool {
        self.ancestors(scope)
            .take(self.scopes.len() + 1)
            .any(|a| a == node)
    }

    /// Whether `user`'s `assignment` is in force now (one without a window always is). Says
    /// nothing of whether the user holds the assignment.
    #[inline]
    pub fn in_force(&self, user: &User, assignment: Assignment) -> bool {
        user.windows.is_empty()
            || user
                .windows
                .get(&assignment)
                .is_none_or(|w| w.contains(self.now))
    }

    /// `user`'s level on `product` of the agreement `st`, as in force now: a time-bound level
    /// out of its window is `NoAccess`.
    pub fn level(&self, st: &AgreementState, user: UserId, product: Product) -> AccessLevel {
        let level = st.level(user, product);
        if level == AccessLevel::NoAccess || level == AccessLevel::Owner {
            return level;
        }
        let Some(agreement) = st.meta.as_ref().map(|m| m.id) else {
            return level;
        };
        match self.users.get(&user) {
            Some(u) if !self.in_force(u, Assignment::Level { agreement, product }) => {
                AccessLevel::NoAccess
            }
            _ => level,
        }
    }

    /// `user`'s PBX subscriber link under the agreement `st`, when in force now.
    pub fn pbx<'s>(&self, st: &'s AgreementState, user: UserId) -> Option<&'s String> {
        let sub = st.pbx.get(&user)?;
        let agreement = st.meta.as_ref().map(|m| m.id);
        match (self.users.get(&user), agreement) {
            (Some(u), Some(a)) if !self.in_force(u, Assignment::Pbx(a)) => None,
            _ => Some(sub),
        }
    }

    /// The next instant after `now` at which a time-bound assignment starts or ends.
    pub fn next_change(&self) -> Option<i64> {
        self.deadlines
            .range((self.now.saturating_add(1), UserId(0))..)
            .next()
            .map(|(t, _)| *t)
    }

    /// The tenants with a time-bound assignment whose window has ended at `now`.
    pub fn tenants_with_expiries(&self) -> BTreeSet<TenantId> {
        self.ends
            .range(..=(self.now, UserId(u64::MAX)))
            .filter_map(|(_, u)| self.users.get(u).map(|u| u.tenant))
            .collect()
    }

    /// Moves `now` forward to `to` (never back), recording in `aff` the users (and their
    /// agreements) whose time-bound assignments start or end in between.
    pub fn advance_to(&mut self, to: i64, aff: &mut Affected) {
        if to <= self.now {
            return;
        }
        let from = (self.now.saturating_add(1), UserId(0));
        let users: BTreeSet<UserId> = self
            .deadlines
            .range(from..=(to, UserId(u64::MAX)))
            .map(|(_, u)| *u)
            .collect();
        self.now = to;
        for id in users {
            aff.add_user(id);
            if let Some(u) = self.users.get(&id) {
                for a in u.windows.keys() {
                    if let Assignment::Level { agreement, .. } | Assignment::Pbx(agreement) = a {
                        aff.add_agreement(*agreement);
                    }
                }
            }
        }
    }

    /// Checks the model's internal consistency (used at load and in tests).
    pub fn verify(&self) -> Result<(), Error> {
        let corrupt = |m: String| Err(Error::Corrupt(m));
        for t in self.tenants.values() {
            match self.users.get(&t.superadmin) {
                Some(u) if u.tenant == t.id => {}
                _ => return corrupt(format!("tenant {} has no superadministrator", t.id)),
            }
        }
        for u in self.users.values() {
            if !self.tenants.contains_key(&u.tenant) {
                return corrupt(format!("{} belongs to missing {}", u.id, u.tenant));
            }
            for r in &u.roles {
                if self.roles.get(r).map(|r| r.tenant) != Some(u.tenant) {
                    return corrupt(format!("{} holds {} of another tenant", u.id, r));
                }
            }
            for s in &u.scopes {
                if self.scopes.get(s).map(|s| s.tenant) != Some(u.tenant) {
                    return corrupt(format!("{} is assigned {} of another tenant", u.id, s));
                }
            }
            for g in &u.grants {
                if self.roles.get(&g.role).map(|r| r.tenant) != Some(u.tenant)
                    || self.scopes.get(&g.scope).map(|s| s.tenant) != Some(u.tenant)
                {
                    return corrupt(format!("{} holds a grant of another tenant", u.id));
                }
            }
            for e in &u.eligible {
                let scope_ok = e
                    .scope
                    .is_none_or(|s| self.scopes.get(&s).map(|s| s.tenant) == Some(u.tenant));
                if self.roles.get(&e.role).map(|r| r.tenant) != Some(u.tenant) || !scope_ok {
                    return corrupt(format!("{} is eligible for a role of another tenant", u.id));
                }
            }
            for t in &u.teams {
                match self.scopes.get(t) {
                    Some(s) if s.tenant == u.tenant && s.kind == ScopeKind::Team => {}
                    _ => {
                        return corrupt(format!(
                            "{} is a member of {t}, not a team of its tenant",
                            u.id
                        ))
                    }
                }
            }
        }
        for (g, members) in &self.members {
            let Some(group) = self.groups.get(g) else {
                return corrupt(format!("members of missing {g}"));
            };
            for m in members {
                if self.users.get(m).map(|u| u.tenant) != Some(group.tenant) {
                    return corrupt(format!("{g} has member {m} of another tenant"));
                }
            }
            for r in &group.roles {
                if self.roles.get(r).map(|r| r.tenant) != Some(group.tenant) {
                    return corrupt(format!("{g} holds {r} of another tenant"));
                }
            }
        }
        for sc in self.scopes.values() {
            if let Some(p) = sc.parent {
                if self.scopes.get(&p).map(|p| p.tenant) != Some(sc.tenant) {
                    return corrupt(format!(
                        "{} has parent {p}, not a scope of its tenant",
                        sc.id
                    ));
                }
            }
            // Every chain ends at a root within as many steps as there are scopes.
            if self.ancestors(sc.id).nth(self.scopes.len()).is_some() {
                return corrupt(format!("{} is in a cycle of parents", sc.id));
            }
        }
        for (id, st) in &self.agreements {
            let Some(meta) = &st.meta else {
                return corrupt(format!("{id} has levels but no record"));
            };
            if self.users.get(&meta.owner).map(|u| u.tenant) != Some(meta.tenant) {
                return corrupt(format!("{id} has no owner in its tenant"));
            }
        }
        Ok(())
    }
}

//! The in-memory model of the whole directory, the one place where [`Change`]s are applied,
//! and the from-scratch computation of effective permissions.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::idmap::IdMap;
use super::{
    validate, AccessLevel, Agreement, AgreementId, Change, Group, GroupId, Levels, NextIds,
    ObjectKind, Permission, Product, Role, RoleId, RoleNamespace, Scope, ScopeId, ScopeKind,
    Tenant, TenantId, User, UserId,
};
use crate::credentials::{Credential, ResetToken};
use crate::Error;

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

/// A change to the model assumed when computing a user's rights before it is applied.
#[derive(Clone, Copy)]
enum Hyp<'a> {
    /// Nothing changes.
    None,
    /// The user's direct roles become these.
    UserRoles(&'a BTreeSet<RoleId>),
    /// The role becomes this one (`None`: deleted).
    Role(RoleId, Option<&'a Role>),
    /// The group's roles become these (`None`: the group is deleted).
    GroupRoles(GroupId, Option<&'a BTreeSet<RoleId>>),
    /// The user leaves the group.
    NotMember(GroupId),
}

/// A user's effective access computed from the model.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Effective {
    /// Everything held, scoped or not.
    pub perms: Permission,
    /// What is held through at least one unscoped role (applies to every call group / IVR).
    pub unscoped: Permission,
    /// Assigned call groups / IVRs.
    pub scopes: BTreeSet<ScopeId>,
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
    pub names: Names,
    pub tenant_users: IdHashMap<TenantId, BTreeSet<UserId>>,
    pub user_groups: IdMap<UserId, BTreeSet<GroupId>>,
    pub role_users: IdHashMap<RoleId, BTreeSet<UserId>>,
    pub role_groups: IdHashMap<RoleId, BTreeSet<GroupId>>,
    pub scope_users: IdHashMap<ScopeId, BTreeSet<UserId>>,
    pub user_agreements: IdHashMap<UserId, BTreeSet<AgreementId>>,
    /// Next free id per kind.
    pub next: NextIds,
    // ---- credentials ----
    pub credentials: IdHashMap<UserId, Credential>,
    /// Pending recovery tokens by hash.
    pub reset_tokens: HashMap<String, ResetToken>,
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

/// An object with a name unique in its tenant (per namespace or kind).
trait Named {
    /// The object's key in [`Model::names`] and its id.
    fn name_key(&self) -> ((TenantId, NameKind, String), u64);
}

impl Named for Role {
    fn name_key(&self) -> ((TenantId, NameKind, String), u64) {
        let kind = NameKind::Role(self.namespace);
        ((self.tenant, kind, validate::fold(&self.name)), self.id.0)
    }
}

impl Named for Group {
    fn name_key(&self) -> ((TenantId, NameKind, String), u64) {
        let key = (self.tenant, NameKind::Group, validate::fold(&self.name));
        (key, self.id.0)
    }
}

impl Named for Scope {
    fn name_key(&self) -> ((TenantId, NameKind, String), u64) {
        let kind = NameKind::Scope(self.kind);
        ((self.tenant, kind, validate::fold(&self.name)), self.id.0)
    }
}

impl Named for Agreement {
    fn name_key(&self) -> ((TenantId, NameKind, String), u64) {
        let key = (self.tenant, NameKind::Agreement, validate::fold(&self.name));
        (key, self.id.0)
    }
}

/// Forgets the name `old` held (before a rename or a delete).
fn unname(names: &mut Names, old: &impl Named) {
    names.remove(&old.name_key().0);
}

/// Records the name `new` holds, for uniqueness and look-up by name.
fn name_as(names: &mut Names, new: &impl Named) {
    let (key, id) = new.name_key();
    names.insert(key, id);
}

fn unindex<K: std::hash::Hash + Eq, V: Ord, S: std::hash::BuildHasher>(
    map: &mut HashMap<K, BTreeSet<V>, S>,
    k: K,
    v: &V,
) {
    if let Some(set) = map.get_mut(&k) {
        set.remove(v);
        if set.is_empty() {
            map.remove(&k);
        }
    }
}

impl Model {
    /// Sizes the largest tables for a load, given the next id of each kind (a hint only).
    pub fn reserve(&mut self, next_ids: NextIds) {
        // Never more than a sane amount on the word of a file.
        let users = (next_ids[ObjectKind::User] as usize).min(1 << 26);
        self.users.reserve_ids(users);
        self.user_groups.reserve_ids(users);
        self.emails.reserve(users);
    }

    /// Like [`apply`](Self::apply), taking the change by value so that the commonest records
    /// (users, when loading a large directory) are moved in rather than copied.
    pub fn apply_owned(&mut self, change: Change, affected: &mut Affected) {
        match change {
            Change::UserPut(u) => {
                bump(&mut self.next[ObjectKind::User], u.id.0);
                if let Some(old) = self.users.remove(&u.id) {
                    self.unindex_user(&old);
                }
                self.emails
                    .insert((u.tenant, validate::email_key(&u.email)), u.id);
                self.tenant_users.entry(u.tenant).or_default().insert(u.id);
                for r in &u.roles {
                    self.role_users.entry(*r).or_default().insert(u.id);
                }
                for s in &u.scopes {
                    self.scope_users.entry(*s).or_default().insert(u.id);
                }
                affected.add_user(u.id);
                self.users.insert(u.id, u);
            }
            other => self.apply(&other, affected),
        }
    }

    /// Applies one change, recording what it affected. Changes were validated before commit;
    /// a change naming a missing object is ignored rather than panicking.
    pub fn apply(&mut self, change: &Change, affected: &mut Affected) {
        match change {
            Change::TenantPut(t) => {
                bump(&mut self.next[ObjectKind::Tenant], t.id.0);
                affected.add_user(t.superadmin);
                if let Some(old) = self.tenants.insert(t.id, t.clone()) {
                    affected.add_user(old.superadmin);
                }
            }
            // One place indexes users: the by-value path.
            Change::UserPut(u) => self.apply_owned(Change::UserPut(u.clone()), affected),
            Change::UserDeleted { id } => {
                if let Some(old) = self.users.remove(id) {
                    self.unindex_user(&old);
                    unindex(&mut self.tenant_users, old.tenant, id);
                    for g in self.user_groups.remove(id).unwrap_or_default() {
                        if let Some(m) = self.members.get_mut(&g) {
                            m.remove(id);
                        }
                    }
                    self.credentials.remove(id);
                    self.reset_tokens.retain(|_, t| t.user != *id);
                    for a in self.user_agreements.remove(id).unwrap_or_default() {
                        if let Some(st) = self.agreements.get_mut(&a) {
                            st.levels.remove(id);
                            st.pbx.remove(id);
                        }
                        affected.add_agreement(a);
                    }
                    affected.add_user(*id);
                }
            }
            Change::RolePut(r) => {
                bump(&mut self.next[ObjectKind::Role], r.id.0);
                if let Some(old) = self.roles.get(&r.id) {
                    unname(&mut self.names, old);
                    if old.permissions != r.permissions
                        || old.scoped != r.scoped
                        || old.admin_tier != r.admin_tier
                    {
                        affected.add_users(self.role_holders(r.id));
                    }
                }
                name_as(&mut self.names, r);
                self.roles.insert(r.id, r.clone());
            }
            Change::RoleDeleted { id } => {
                if let Some(old) = self.roles.get(id) {
                    unname(&mut self.names, old);
                    affected.add_users(self.role_holders(*id));
                    for u in self.role_users.remove(id).unwrap_or_default() {
                        if let Some(user) = self.users.get_mut(&u) {
                            user.roles.remove(id);
                        }
                    }
                    for g in self.role_groups.remove(id).unwrap_or_default() {
                        if let Some(group) = self.groups.get_mut(&g) {
                            group.roles.remove(id);
                        }
                    }
                    self.roles.remove(id);
                }
            }
            Change::GroupPut(g) => {
                bump(&mut self.next[ObjectKind::Group], g.id.0);
                if let Some(old) = self.groups.get(&g.id).cloned() {
                    unname(&mut self.names, &old);
                    for r in &old.roles {
                        unindex(&mut self.role_groups, *r, &g.id);
                    }
                    if old.roles != g.roles {
                        affected.add_users(self.members.get(&g.id).into_iter().flatten().copied());
                    }
                }
                name_as(&mut self.names, g);
                for r in &g.roles {
                    self.role_groups.entry(*r).or_default().insert(g.id);
                }
                self.members.entry(g.id).or_default();
                self.groups.insert(g.id, g.clone());
            }
            Change::GroupDeleted { id } => {
                if let Some(old) = self.groups.remove(id) {
                    unname(&mut self.names, &old);
                    for r in &old.roles {
                        unindex(&mut self.role_groups, *r, id);
                    }
                    for u in self.members.remove(id).unwrap_or_default() {
                        if let Some(set) = self.user_groups.get_mut(&u) {
                            set.remove(id);
                        }
                        affected.add_user(u);
                    }
                }
            }
            Change::MemberAdded { group, user } => {
                if self.groups.contains_key(group) && self.users.contains_key(user) {
                    self.members.entry(*group).or_default().insert(*user);
                    self.user_groups.get_or_default(*user).insert(*group);
                    affected.add_user(*user);
                }
            }
            Change::MemberRemoved { group, user } => {
                if let Some(m) = self.members.get_mut(group) {
                    m.remove(user);
                }
                if let Some(set) = self.user_groups.get_mut(user) {
                    set.remove(group);
                }
                affected.add_user(*user);
            }
            Change::ScopePut(s) => {
                affected.scopes = true;
                bump(&mut self.next[ObjectKind::Scope], s.id.0);
                if let Some(old) = self.scopes.get(&s.id) {
                    unname(&mut self.names, old);
                }
                name_as(&mut self.names, s);
                self.scopes.insert(s.id, s.clone());
            }
            Change::ScopeDeleted { id } => {
                affected.scopes = true;
                if let Some(old) = self.scopes.remove(id) {
                    unname(&mut self.names, &old);
                    for u in self.scope_users.remove(id).unwrap_or_default() {
                        if let Some(user) = self.users.get_mut(&u) {
                            user.scopes.remove(id);
                        }
                        affected.add_user(u);
                    }
                }
            }
            Change::AgreementPut(a) => {
                bump(&mut self.next[ObjectKind::Agreement], a.id.0);
                let st = self.agreements.entry(a.id).or_default();
                if let Some(old) = &st.meta {
                    unname(&mut self.names, old);
                }
                st.meta = Some(a.clone());
                // The owner's level is structural; a stored level for it would be stale.
                st.levels.remove(&a.owner);
                name_as(&mut self.names, a);
                self.user_agreements
                    .entry(a.owner)
                    .or_default()
                    .insert(a.id);
                affected.add_agreement(a.id);
            }
            Change::LevelSet {
                agreement,
                user,
                product,
                level,
            } => {
                if let Some(st) = self.agreements.get_mut(agreement) {
                    let is_owner = st.meta.as_ref().is_some_and(|m| m.owner == *user);
                    if !is_owner && *level != AccessLevel::Owner {
                        st.levels.entry(*user).or_default()[*product as usize] = *level;
                        self.user_agreements
                            .entry(*user)
                            .or_default()
                            .insert(*agreement);
                    }
                    affected.add_agreement(*agreement);
                }
            }
            Change::CredentialPut(c) => {
                if self.users.contains_key(&c.user) {
                    self.credentials.insert(c.user, c.clone());
                }
            }
            Change::ResetTokenPut(t) => {
                if self.users.contains_key(&t.user) {
                    self.reset_tokens.insert(t.hash.clone(), t.clone());
                }
            }
            Change::ResetTokensCleared { user } => {
                self.reset_tokens.retain(|_, t| t.user != *user);
            }
            Change::LoginRecorded { user, at } => {
                if let Some(u) = self.users.get_mut(user) {
                    u.last_login = Some(*at);
                }
            }
            Change::StampSet { users, stamp } => {
                for id in users {
                    if let Some(u) = self.users.get_mut(id) {
                        u.stamp = *stamp;
                        affected.add_user(*id);
                    }
                }
            }
            Change::PbxLinkSet {
                agreement,
                user,
                subscriber,
            } => {
                if let Some(st) = self.agreements.get_mut(agreement) {
                    match subscriber {
                        Some(s) => {
                            st.pbx.insert(*user, s.clone());
                            self.user_agreements
                                .entry(*user)
                                .or_default()
                                .insert(*agreement);
                        }
                        None => {
                            st.pbx.remove(user);
                        }
                    }
                    affected.add_agreement(*agreement);
                }
            }
        }
    }

    /// Users whose security stamp a commit of `changes` must renew: those whose own access
    /// shrinks (a right, a call group / IVR of a scoped right, a level or a PBX link lost;
    /// deactivation) or whose credentials or login email change. Edits that give or keep access
    /// renew nothing, so nobody logs the superadministrator out by editing a role it holds.
    /// Read-only: called before commit, against the model the changes apply to.
    pub fn stamp_renewals(&self, changes: &[Change]) -> BTreeSet<UserId> {
        let mut out = BTreeSet::new();
        // Each change is judged alone against the current model. Several changes that each take
        // a source of rights from the same user might shrink its rights together though none
        // does alone: such a user is renewed (unless it is the superadministrator, whose rights
        // never depend on roles).
        let mut touched: BTreeMap<UserId, u32> = BTreeMap::new();
        for c in changes {
            self.security_affected(c, &mut out, &mut touched);
        }
        for (u, n) in touched {
            if n > 1 && self.users.get(&u).is_some_and(|u| !self.is_superadmin(u)) {
                out.insert(u);
            }
        }
        out
    }

    /// Whether `user`'s rights shrink if `hyp` is applied and its call groups / IVRs become
    /// `scopes` (`None`: unchanged). Counts `user` in `touched` when `hyp` takes a source of
    /// rights from it.
    fn rights_shrink(
        &self,
        user: &User,
        hyp: Hyp<'_>,
        scopes: Option<&BTreeSet<ScopeId>>,
        touched: &mut BTreeMap<UserId, u32>,
    ) -> bool {
        *touched.entry(user.id).or_default() += 1;
        let (op, ou) = self.perms_under(user, Hyp::None);
        let (np, nu) = self.perms_under(user, hyp);
        let scopes_lost = scopes.is_some_and(|s| !user.scopes.is_subset(s));
        !np.contains(op) || !nu.contains(ou) || (scopes_lost && !(np - nu).is_empty())
    }

    fn security_affected(
        &self,
        change: &Change,
        out: &mut BTreeSet<UserId>,
        touched: &mut BTreeMap<UserId, u32>,
    ) {
        let mut holders = |users: &mut dyn Iterator<Item = UserId>, hyp: Hyp<'_>| {
            for u in users.filter_map(|u| self.users.get(&u)) {
                if self.rights_shrink(u, hyp, None, touched) {
                    out.insert(u.id);
                }
            }
        };
        match change {
            Change::RolePut(r) => {
                if let Some(old) = self.roles.get(&r.id) {
                    if !r.permissions.contains(old.permissions) || (r.scoped && !old.scoped) {
                        holders(
                            &mut self.role_holders(r.id).into_iter(),
                            Hyp::Role(r.id, Some(r)),
                        );
                    }
                }
                return;
            }
            Change::RoleDeleted { id } => {
                holders(
                    &mut self.role_holders(*id).into_iter(),
                    Hyp::Role(*id, None),
                );
                return;
            }
            Change::GroupPut(g) => {
                if let Some(old) = self.groups.get(&g.id) {
                    if !old.roles.is_subset(&g.roles) {
                        holders(
                            &mut self.members.get(&g.id).into_iter().flatten().copied(),
                            Hyp::GroupRoles(g.id, Some(&g.roles)),
                        );
                    }
                }
                return;
            }
            Change::GroupDeleted { id } => {
                holders(
                    &mut self.members.get(id).into_iter().flatten().copied(),
                    Hyp::GroupRoles(*id, None),
                );
                return;
            }
            Change::MemberRemoved { group, user } => {
                if self.members.get(group).is_some_and(|m| m.contains(user)) {
                    holders(&mut std::iter::once(*user), Hyp::NotMember(*group));
                }
                return;
            }
            _ => {}
        }
        match change {
            Change::TenantPut(t) => {
                if let Some(old) = self.tenants.get(&t.id) {
                    if old.superadmin != t.superadmin {
                        out.insert(old.superadmin);
                    }
                }
            }
            Change::UserPut(u) => match self.users.get(&u.id) {
                // A new user's first stamp.
                None => {
                    out.insert(u.id);
                }
                Some(old) => {
                    let shrinks = (old.roles != u.roles || old.scopes != u.scopes)
                        && (!old.roles.is_subset(&u.roles) || !old.scopes.is_subset(&u.scopes))
                        && self.rights_shrink(
                            old,
                            Hyp::UserRoles(&u.roles),
                            Some(&u.scopes),
                            touched,
                        );
                    if validate::email_key(&old.email) != validate::email_key(&u.email)
                        || (old.active && !u.active)
                        || shrinks
                    {
                        out.insert(u.id);
                    }
                }
            },
            Change::ScopeDeleted { id } => {
                let only = BTreeSet::from([*id]);
                for u in self
                    .scope_users
                    .get(id)
                    .into_iter()
                    .flatten()
                    .filter_map(|u| self.users.get(u))
                {
                    let rest: BTreeSet<ScopeId> = u.scopes.difference(&only).copied().collect();
                    if self.rights_shrink(u, Hyp::None, Some(&rest), touched) {
                        out.insert(u.id);
                    }
                }
            }
            Change::AgreementPut(a) => {
                if let Some(old) = self.agreements.get(&a.id).and_then(|s| s.meta.as_ref()) {
                    if old.owner != a.owner {
                        out.insert(old.owner);
                    }
                }
            }
            Change::LevelSet {
                agreement,
                user,
                product,
                level,
            } => {
                if self
                    .agreements
                    .get(agreement)
                    .is_some_and(|st| st.level(*user, *product) > *level)
                {
                    out.insert(*user);
                }
            }
            Change::PbxLinkSet {
                agreement,
                user,
                subscriber,
            } => {
                let old = self
                    .agreements
                    .get(agreement)
                    .and_then(|st| st.pbx.get(user));
                if old.is_some() && old != subscriber.as_ref() {
                    out.insert(*user);
                }
            }
            Change::CredentialPut(c) => {
                if self
                    .credentials
                    .get(&c.user)
                    .is_none_or(|old| old.hash != c.hash)
                {
                    out.insert(c.user);
                }
            }
            Change::RolePut(_)
            | Change::RoleDeleted { .. }
            | Change::GroupPut(_)
            | Change::GroupDeleted { .. }
            | Change::MemberRemoved { .. }
            | Change::MemberAdded { .. }
            | Change::UserDeleted { .. }
            | Change::ScopePut(_)
            | Change::ResetTokenPut(_)
            | Change::ResetTokensCleared { .. }
            | Change::LoginRecorded { .. }
            | Change::StampSet { .. } => {}
        }
    }

    /// JSON of the records `changes` replace, as they are now (secrets redacted): the
    /// "before" of an audit event.
    pub fn before_json(&self, changes: &[Change]) -> String {
        use serde_json::{json, Value};
        let before: Vec<Value> = changes
            .iter()
            .map(|c| match c {
                Change::TenantPut(t) => json!(self.tenants.get(&t.id)),
                Change::UserPut(u) => json!(self.users.get(&u.id)),
                Change::UserDeleted { id } | Change::LoginRecorded { user: id, .. } => {
                    json!(self.users.get(id))
                }
                Change::RolePut(r) => json!(self.roles.get(&r.id)),
                Change::RoleDeleted { id } => json!(self.roles.get(id)),
                Change::GroupPut(g) => json!(self.groups.get(&g.id)),
                Change::GroupDeleted { id } => json!(self.groups.get(id)),
                Change::MemberAdded { group, user } | Change::MemberRemoved { group, user } => {
                    json!({ "member": self.members.get(group).is_some_and(|m| m.contains(user)) })
                }
                Change::ScopePut(sc) => json!(self.scopes.get(&sc.id)),
                Change::ScopeDeleted { id } => json!(self.scopes.get(id)),
                Change::AgreementPut(a) => {
                    json!(self.agreements.get(&a.id).and_then(|s| s.meta.as_ref()))
                }
                Change::LevelSet {
                    agreement,
                    user,
                    product,
                    ..
                } => json!({
                    "level": self.agreements.get(agreement).map(|s| s.level(*user, *product))
                }),
                Change::PbxLinkSet {
                    agreement, user, ..
                } => json!({
                    "subscriber": self.agreements.get(agreement).and_then(|s| s.pbx.get(user))
                }),
                Change::CredentialPut(cr) => match self.credentials.get(&cr.user) {
                    None => Value::Null,
                    Some(old) => json!({
                        "user": old.user,
                        "hash": "***",
                        "must_change": old.must_change,
                        "changed_at": old.changed_at,
                        "failed_logins": old.failed_logins,
                        "locked_until": old.locked_until,
                    }),
                },
                Change::ResetTokenPut(_) | Change::ResetTokensCleared { .. } => Value::Null,
                Change::StampSet { users, .. } => {
                    json!(users
                        .iter()
                        .map(|u| self.users.get(u).map(|u| u.stamp))
                        .collect::<Vec<_>>())
                }
            })
            .collect();
        serde_json::to_string(&before).unwrap_or_default()
    }

    fn unindex_user(&mut self, old: &User) {
        self.emails
            .remove(&(old.tenant, validate::email_key(&old.email)));
        for r in &old.roles {
            unindex(&mut self.role_users, *r, &old.id);
        }
        for s in &old.scopes {
            unindex(&mut self.scope_users, *s, &old.id);
        }
    }

    /// Users holding a role directly or through a group.
    pub fn role_holders(&self, role: RoleId) -> BTreeSet<UserId> {
        let mut out: BTreeSet<UserId> = self.role_users.get(&role).cloned().unwrap_or_default();
        for g in self.role_groups.get(&role).into_iter().flatten() {
            out.extend(self.members.get(g).into_iter().flatten().copied());
        }
        out
    }

    /// Whether `user` is the superadministrator of its tenant.
    pub fn is_superadmin(&self, user: &User) -> bool {
        self.tenants
            .get(&user.tenant)
            .is_some_and(|t| t.superadmin == user.id)
    }

    /// Ids of every role a user holds, directly or through its groups.
    pub fn roles_of(&self, user: &User) -> BTreeSet<RoleId> {
        let mut out = user.roles.clone();
        for g in self.user_groups.get(&user.id).into_iter().flatten() {
            if let Some(group) = self.groups.get(g) {
                out.extend(group.roles.iter().copied());
            }
        }
        out
    }

    /// Whether the user holds an administrator-tier role (directly or through a group).
    pub fn is_administrator(&self, user: &User) -> bool {
        self.roles_of(user)
            .iter()
            .any(|r| self.roles.get(r).is_some_and(|r| r.admin_tier))
    }

    /// The user's effective access as the rules define it, from scratch.
    pub fn effective(&self, user: &User) -> Effective {
        if !user.active {
            return Effective::default();
        }
        self.effective_if_active(user)
    }

    /// The permissions of [`effective`](Self::effective) without its scope set: everything
    /// held, and what is held unscoped.
    pub fn effective_perms(&self, user: &User) -> (Permission, Permission) {
        if !user.active {
            return (Permission::empty(), Permission::empty());
        }
        self.perms_if_active(user)
    }

    /// The access the user holds when active (what reactivation would restore).
    pub fn effective_if_active(&self, user: &User) -> Effective {
        let (perms, unscoped) = self.perms_if_active(user);
        Effective {
            perms,
            unscoped,
            scopes: user.scopes.clone(),
        }
    }

    /// The superadministrator holds everything; anyone else what its roles grant, directly and
    /// through groups. Ignores the active flag.
    fn perms_if_active(&self, user: &User) -> (Permission, Permission) {
        self.perms_under(user, Hyp::None)
    }

    /// [`perms_if_active`](Self::perms_if_active) as it would be with `hyp` applied: the one
    /// computation of a user's rights (everything, and what is held unscoped).
    fn perms_under(&self, user: &User, hyp: Hyp<'_>) -> (Permission, Permission) {
        if self.is_superadmin(user) {
            return (Permission::all(), Permission::all());
        }
        let direct = match hyp {
            Hyp::UserRoles(r) => r,
            _ => &user.roles,
        };
        let group_roles = self
            .user_groups
            .get(&user.id)
            .into_iter()
            .flatten()
            .filter(|g| !matches!(hyp, Hyp::NotMember(x) if x == **g))
            .filter_map(|g| match hyp {
                Hyp::GroupRoles(x, roles) if x == *g => roles,
                _ => self.groups.get(g).map(|g| &g.roles),
            })
            .flatten();
        let (mut perms, mut unscoped) = (Permission::empty(), Permission::empty());
        for r in direct.iter().chain(group_roles) {
            let role = match hyp {
                Hyp::Role(x, role) if x == *r => role,
                _ => self.roles.get(r),
            };
            if let Some(role) = role {
                perms |= role.permissions;
                if !role.scoped {
                    unscoped |= role.permissions;
                }
            }
        }
        (perms, unscoped)
    }

    /// Permissions of a group: the union of its roles' permissions.
    pub fn group_permissions(&self, group: &Group) -> Permission {
        group
            .roles
            .iter()
            .filter_map(|r| self.roles.get(r))
            .fold(Permission::empty(), |acc, r| acc | r.permissions)
    }

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

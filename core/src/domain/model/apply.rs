//! Applying [`Change`]s to the model, and keeping its indices (names, memberships) true.

use std::collections::{BTreeSet, HashMap};

use super::*;

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
                if let Some(x) = &u.external_id {
                    self.external_ids.insert((u.tenant, x.clone()), u.id);
                }
                self.tenant_users.entry(u.tenant).or_default().insert(u.id);
                for r in &u.roles {
                    self.role_users.entry(*r).or_default().insert(u.id);
                }
                for s in &u.scopes {
                    self.scope_users.entry(*s).or_default().insert(u.id);
                }
                for g in &u.grants {
                    self.grant_users.entry(g.scope).or_default().insert(u.id);
                    self.role_grant_users
                        .entry(g.role)
                        .or_default()
                        .insert(u.id);
                }
                for t in &u.teams {
                    self.team_members.entry(*t).or_default().insert(u.id);
                }
                self.index_windows(&u, affected);
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
                        || old.denied != r.denied
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
                    for u in self.role_grant_users.remove(id).unwrap_or_default() {
                        if let Some(user) = self.users.get_mut(&u) {
                            let gone: Vec<_> = user
                                .grants
                                .iter()
                                .filter(|g| g.role == *id)
                                .copied()
                                .collect();
                            for g in gone {
                                user.grants.remove(&g);
                                unindex(&mut self.grant_users, g.scope, &u);
                            }
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
                    if let Some(p) = old.parent {
                        unindex(&mut self.scope_children, p, &s.id);
                    }
                }
                if let Some(p) = s.parent {
                    self.scope_children.entry(p).or_default().insert(s.id);
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
                    if let Some(p) = old.parent {
                        unindex(&mut self.scope_children, p, id);
                    }
                    for u in self.grant_users.remove(id).unwrap_or_default() {
                        if let Some(user) = self.users.get_mut(&u) {
                            let gone: Vec<_> = user
                                .grants
                                .iter()
                                .filter(|g| g.scope == *id)
                                .copied()
                                .collect();
                            for g in gone {
                                user.grants.remove(&g);
                                let still = user.grants.iter().any(|x| x.role == g.role);
                                if !still {
                                    unindex(&mut self.role_grant_users, g.role, &u);
                                }
                            }
                        }
                        affected.add_user(u);
                    }
                    for u in self.team_members.remove(id).unwrap_or_default() {
                        if let Some(user) = self.users.get_mut(&u) {
                            user.teams.remove(id);
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
        if let Some(x) = &old.external_id {
            self.external_ids.remove(&(old.tenant, x.clone()));
        }
        for r in &old.roles {
            unindex(&mut self.role_users, *r, &old.id);
        }
        for s in &old.scopes {
            unindex(&mut self.scope_users, *s, &old.id);
        }
        for g in &old.grants {
            unindex(&mut self.grant_users, g.scope, &old.id);
            unindex(&mut self.role_grant_users, g.role, &old.id);
        }
        for t in &old.teams {
            unindex(&mut self.team_members, *t, &old.id);
        }
        for (a, w) in &old.windows {
            for t in w.bounds() {
                self.deadlines.remove(&(t, old.id));
            }
            if let Some(t) = w.until {
                self.ends.remove(&(t, old.id));
            }
            if let Assignment::Level { agreement, .. } | Assignment::Pbx(agreement) = a {
                // The levels and links the engine holds follow the windows.
                self.window_agreements.insert(*agreement);
            }
        }
    }

    /// Indexes the instants at which `u`'s time-bound assignments start or end.
    fn index_windows(&mut self, u: &User, affected: &mut Affected) {
        for (a, w) in &u.windows {
            for t in w.bounds() {
                self.deadlines.insert((t, u.id));
            }
            if let Some(t) = w.until {
                self.ends.insert((t, u.id));
            }
            if let Assignment::Level { agreement, .. } | Assignment::Pbx(agreement) = a {
                self.window_agreements.insert(*agreement);
            }
        }
        for a in std::mem::take(&mut self.window_agreements) {
            affected.add_agreement(a);
        }
    }
}

//! The [`Directory`]: the one entry point of the library.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use arc_swap::ArcSwap;
use serde::{Deserialize, Serialize};

use crate::clock::{Clock, SystemClock};
use crate::domain::model::{Affected, Model};
use crate::domain::{
    validate, AccessLevel, Agreement, AgreementId, Commit, Group, GroupId, Permission, Preset,
    Product, Role, RoleId, Scope, ScopeId, ScopeKind, Tenant, TenantId, User, UserId,
};
use crate::engine::{ScopeAccess, Snapshot};
use crate::ops::{NewRole, NewUser, Plan, RolePatch, TenantCreated, UserPatch};
use crate::store::{MemoryStore, Store};
use crate::Error;

/// A user search: substring, case-insensitive, over name and email, and over the phone's
/// digits; optionally active users only; paged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserQuery {
    /// Text to look for; empty or `None` matches everyone.
    pub text: Option<String>,
    /// Only active users.
    pub active_only: bool,
    /// How many matches to skip.
    pub offset: usize,
    /// At most this many items (1 to [`UserQuery::MAX_LIMIT`]).
    pub limit: usize,
}

impl Default for UserQuery {
    fn default() -> Self {
        UserQuery {
            text: None,
            active_only: false,
            offset: 0,
            limit: 50,
        }
    }
}

impl UserQuery {
    /// The largest page.
    pub const MAX_LIMIT: usize = 1000;

    /// Everyone matching `text`.
    pub fn text(text: impl Into<String>) -> Self {
        UserQuery {
            text: Some(text.into()),
            ..UserQuery::default()
        }
    }
}

/// One page of results.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// How many items match in all.
    pub total: usize,
    /// The offset this page starts at.
    pub offset: usize,
}

/// One reason a user holds (part of) a permission.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// The role granting it.
    pub role: RoleId,
    /// The role's name.
    pub role_name: String,
    /// The group through which the user holds the role, or `None` when held directly.
    pub via_group: Option<GroupId>,
    /// Whether the role is scope-restricted.
    pub scoped: bool,
    /// The part of the asked permission this role grants.
    pub grants: Permission,
}

/// Why a check answers as it does: the decision and the roles and groups behind it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// The user asked about.
    pub user: UserId,
    /// The permission asked about.
    pub permission: Permission,
    /// The answer of [`Directory::check`].
    pub allowed: bool,
    /// The user is the superadministrator (holds every right).
    pub superadmin: bool,
    /// The user is inactive (holds nothing).
    pub inactive: bool,
    /// Every role (direct or through a group) granting part of the permission.
    pub grants: Vec<Grant>,
}

/// The authorization directory: users, roles, groups, scopes and agreements of every tenant,
/// and the lock-free check engine compiled from them.
///
/// Share it between threads (`Arc<Directory>`). Checks read an immutable snapshot and never
/// wait; changes are serialised, written through the [`Store`] as one commit each, and visible
/// to the very next check.
///
/// ```
/// use rolecall::{Directory, NewUser, Permission, Preset};
/// let dir = Directory::in_memory();
/// let t = dir.create_tenant("Acme", &NewUser::new("Ada", "Root", "root@acme.test"), &[Preset::Managers]).unwrap();
/// let operator = dir.role_by_name(t.tenant, "Operator").unwrap().id;
/// let bob = dir
///     .create_user(t.superadmin, &NewUser::new("Bob", "Lee", "bob@acme.test").roles([operator]))
///     .unwrap();
/// assert!(dir.check(bob, Permission::CAMPAIGNS_CONTROL));
/// assert!(!dir.check(bob, Permission::BILLING_VIEW));
/// ```
pub struct Directory {
    snapshot: ArcSwap<Snapshot>,
    model: RwLock<Model>,
    store: Mutex<Box<dyn Store>>,
    clock: Arc<dyn Clock>,
}

fn lock<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directory")
            .field("revision", &self.revision())
            .finish_non_exhaustive()
    }
}

impl Directory {
    /// An empty directory kept in memory only.
    pub fn in_memory() -> Directory {
        Self::from_parts(
            Box::new(MemoryStore::new()),
            Model::default(),
            0,
            Arc::new(SystemClock),
        )
    }

    /// Opens (creating if needed) a directory in the SQLite file at `path`: the embedded default.
    #[cfg(feature = "sqlite")]
    pub fn open_sqlite(path: impl AsRef<std::path::Path>) -> Result<Directory, Error> {
        Self::open(crate::store::SqliteStore::open(path)?)
    }

    /// Opens a directory on `store`, loading its whole state.
    pub fn open(store: impl Store + 'static) -> Result<Directory, Error> {
        Self::open_with_clock(store, Arc::new(SystemClock))
    }

    /// Opens a directory on `store` with a custom clock.
    pub fn open_with_clock(
        store: impl Store + 'static,
        clock: Arc<dyn Clock>,
    ) -> Result<Directory, Error> {
        let mut store: Box<dyn Store> = Box::new(store);
        let (model, revision) = Self::load(&mut *store)?;
        Ok(Self::from_parts(store, model, revision, clock))
    }

    fn load(store: &mut dyn Store) -> Result<(Model, u64), Error> {
        let loaded = store.load()?;
        let mut model = Model::default();
        let mut aff = Affected::default();
        for c in &loaded.changes {
            model.apply(c, &mut aff);
        }
        model.verify()?;
        Ok((model, loaded.revision))
    }

    fn from_parts(
        store: Box<dyn Store>,
        model: Model,
        revision: u64,
        clock: Arc<dyn Clock>,
    ) -> Directory {
        Directory {
            snapshot: ArcSwap::from_pointee(Snapshot::build(&model, revision)),
            model: RwLock::new(model),
            store: Mutex::new(store),
            clock,
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, Model> {
        self.model.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write_model(&self) -> RwLockWriteGuard<'_, Model> {
        self.model.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The revision of the last change this directory has applied.
    pub fn revision(&self) -> u64 {
        self.snapshot.load().revision()
    }

    /// The current compiled snapshot: an immutable view for many checks at one revision.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.load_full()
    }

    /// Applies commits made by other instances on the same store. Returns the revision now
    /// reflected. Changes made through this instance never need it.
    pub fn refresh(&self) -> Result<u64, Error> {
        let mut store = lock(&self.store);
        self.catch_up(&mut **store)?;
        Ok(self.revision())
    }

    fn catch_up(&self, store: &mut dyn Store) -> Result<(), Error> {
        let current = self.revision();
        if store.revision()? == current {
            return Ok(());
        }
        match store.commits_since(current)? {
            Some(commits) => self.apply_commits(&commits),
            None => {
                let (model, revision) = Self::load(store)?;
                let snap = Snapshot::build(&model, revision);
                *self.write_model() = model;
                self.snapshot.store(Arc::new(snap));
            }
        }
        Ok(())
    }

    fn apply_commits(&self, commits: &[Commit]) {
        let Some(last) = commits.last() else { return };
        let mut m = self.write_model();
        let mut aff = Affected::default();
        for c in commits {
            for ch in &c.changes {
                m.apply(ch, &mut aff);
            }
        }
        let next = self.snapshot.load().updated(&m, &aff, last.revision);
        self.snapshot.store(Arc::new(next));
    }

    /// Runs one mutation: plan under the rules, commit through the store, apply, swap.
    /// When another instance on the same store committed in between, catches up and plans
    /// again (the rules are re-checked against the fresher state).
    fn write<T>(
        &self,
        actor: Option<UserId>,
        mut plan: impl FnMut(&mut Plan<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut store = lock(&self.store);
        let mut attempts = 0;
        loop {
            self.catch_up(&mut **store)?;
            let now = self.clock.now_ms();
            let (out, changes) = {
                let m = self.read();
                let mut p = Plan::new(&m, now);
                let out = plan(&mut p)?;
                (out, p.changes)
            };
            if changes.is_empty() {
                return Ok(out);
            }
            let commit = Commit { revision: self.revision() + 1, at: now, actor, changes };
            match store.commit(&commit) {
                Ok(()) => {
                    self.apply_commits(std::slice::from_ref(&commit));
                    return Ok(out);
                }
                Err(Error::RevisionConflict { .. }) if attempts < 8 => attempts += 1,
                Err(e) => return Err(e),
            }
        }
    }

    // ======================= tenants =======================

    /// Creates a tenant with its superadministrator and the built-in roles of `presets`.
    /// This is the host's own operation: no acting user.
    pub fn create_tenant(
        &self,
        name: &str,
        superadmin: &NewUser,
        presets: &[Preset],
    ) -> Result<TenantCreated, Error> {
        self.write(None, |p| p.create_tenant(name, superadmin, presets))
    }

    /// Installs a preset's roles into the actor's tenant (superadministrator only).
    pub fn install_preset(&self, actor: UserId, preset: Preset) -> Result<Vec<RoleId>, Error> {
        self.write(Some(actor), |p| p.install_preset(actor, preset))
    }

    /// A tenant.
    pub fn tenant(&self, id: TenantId) -> Result<Tenant, Error> {
        self.read()
            .tenants
            .get(&id)
            .cloned()
            .ok_or(Error::UnknownTenant(id))
    }

    /// Every tenant, in id order.
    pub fn tenants(&self) -> Vec<Tenant> {
        self.read().tenants.values().cloned().collect()
    }

    fn with_tenant<T>(&self, tenant: TenantId, f: impl FnOnce(&Model) -> T) -> Result<T, Error> {
        let m = self.read();
        if !m.tenants.contains_key(&tenant) {
            return Err(Error::UnknownTenant(tenant));
        }
        Ok(f(&m))
    }

    // ======================= users =======================

    /// Creates a user in the actor's tenant. Needs `users.manage`; every role is a grant.
    pub fn create_user(&self, actor: UserId, user: &NewUser) -> Result<UserId, Error> {
        self.write(Some(actor), |p| p.create_user(actor, user))
    }

    /// Edits a user's name, email or phone. Needs `users.manage`, or `profile.edit` for oneself.
    pub fn update_user(&self, actor: UserId, user: UserId, patch: &UserPatch) -> Result<(), Error> {
        self.write(Some(actor), |p| p.update_user(actor, user, patch))
    }

    /// Activates or deactivates a user. An inactive user holds nothing and cannot log in.
    pub fn set_active(&self, actor: UserId, user: UserId, active: bool) -> Result<(), Error> {
        self.write(Some(actor), |p| p.set_active(actor, user, active))
    }

    /// Deletes a user with its memberships and agreement levels.
    pub fn delete_user(&self, actor: UserId, user: UserId) -> Result<(), Error> {
        self.write(Some(actor), |p| p.delete_user(actor, user))
    }

    /// Gives a user a role (a grant: the actor must hold the role's rights).
    pub fn assign_role(&self, actor: UserId, user: UserId, role: RoleId) -> Result<(), Error> {
        self.write(Some(actor), |p| p.assign_role(actor, user, role))
    }

    /// Takes a role from a user.
    pub fn revoke_role(&self, actor: UserId, user: UserId, role: RoleId) -> Result<(), Error> {
        self.write(Some(actor), |p| p.revoke_role(actor, user, role))
    }

    /// Replaces the roles a user holds directly.
    pub fn set_user_roles(
        &self,
        actor: UserId,
        user: UserId,
        roles: &[RoleId],
    ) -> Result<(), Error> {
        self.write(Some(actor), |p| p.set_user_roles(actor, user, roles))
    }

    /// A user.
    pub fn user(&self, id: UserId) -> Result<User, Error> {
        self.read()
            .users
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::UnknownUser(id.to_string()))
    }

    /// The user of `tenant` with this email (case-insensitive).
    pub fn user_by_email(&self, tenant: TenantId, email: &str) -> Result<User, Error> {
        self.with_tenant(tenant, |m| {
            m.emails
                .get(&(tenant, validate::fold(email.trim())))
                .and_then(|id| m.users.get(id))
                .cloned()
                .ok_or_else(|| Error::UnknownUser(crate::domain::truncate_for_message(email)))
        })?
    }

    /// Searches the users of a tenant by name, email or phone, in id order.
    pub fn search_users(&self, tenant: TenantId, query: &UserQuery) -> Result<Page<User>, Error> {
        if query.limit == 0 || query.limit > UserQuery::MAX_LIMIT {
            return Err(Error::InvalidArgument {
                what: "limit",
                reason: "must be 1 to 1000".into(),
            });
        }
        let text = query.text.as_deref().map(str::trim).unwrap_or("");
        let needle = validate::fold(text);
        // Phones are matched on digits, and only for text that reads as (part of) a phone
        // number: "agent5@acme.test" must not match every phone containing a 5.
        let phone_like = text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '.' | '(' | ')'));
        let digits = if phone_like {
            validate::digits(text)
        } else {
            String::new()
        };
        self.with_tenant(tenant, |m| {
            let mut total = 0;
            let mut items = Vec::new();
            for id in m.tenant_users.get(&tenant).into_iter().flatten() {
                let u = &m.users[id];
                if query.active_only && !u.active {
                    continue;
                }
                let hit = needle.is_empty()
                    || validate::fold(&u.full_name()).contains(&needle)
                    || validate::fold(&format!("{} {}", u.last_name, u.first_name))
                        .contains(&needle)
                    || validate::fold(&u.email).contains(&needle)
                    || (!digits.is_empty()
                        && u.phone
                            .as_deref()
                            .is_some_and(|p| validate::digits(p).contains(&digits)));
                if hit {
                    if total >= query.offset && items.len() < query.limit {
                        items.push(u.clone());
                    }
                    total += 1;
                }
            }
            Page {
                items,
                total,
                offset: query.offset,
            }
        })
    }

    // ======================= roles =======================

    /// Creates a custom role. Needs `roles.manage`; the actor must hold its rights.
    pub fn create_role(&self, actor: UserId, role: &NewRole) -> Result<RoleId, Error> {
        self.write(Some(actor), |p| p.create_role(actor, role))
    }

    /// Edits a custom role; added rights are a grant to every holder.
    pub fn update_role(&self, actor: UserId, role: RoleId, patch: &RolePatch) -> Result<(), Error> {
        self.write(Some(actor), |p| p.update_role(actor, role, patch))
    }

    /// Deletes a custom role, removing it from every user and group.
    pub fn delete_role(&self, actor: UserId, role: RoleId) -> Result<(), Error> {
        self.write(Some(actor), |p| p.delete_role(actor, role))
    }

    /// A role.
    pub fn role(&self, id: RoleId) -> Result<Role, Error> {
        self.read()
            .roles
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::UnknownRole(id.to_string()))
    }

    /// The role of `tenant` with this name (case-insensitive).
    pub fn role_by_name(&self, tenant: TenantId, name: &str) -> Result<Role, Error> {
        self.with_tenant(tenant, |m| {
            m.name_taken(tenant, crate::domain::model::NameKind::Role, name.trim())
                .and_then(|id| m.roles.get(&RoleId(id)))
                .cloned()
                .ok_or_else(|| Error::UnknownRole(crate::domain::truncate_for_message(name)))
        })?
    }

    /// Every role of a tenant, in id order.
    pub fn roles(&self, tenant: TenantId) -> Result<Vec<Role>, Error> {
        self.with_tenant(tenant, |m| {
            m.roles
                .values()
                .filter(|r| r.tenant == tenant)
                .cloned()
                .collect()
        })
    }

    // ======================= groups =======================

    /// Creates a user group with roles (004). Needs `groups.manage`.
    pub fn create_group(
        &self,
        actor: UserId,
        name: &str,
        roles: &[RoleId],
    ) -> Result<GroupId, Error> {
        self.write(Some(actor), |p| p.create_group(actor, name, roles))
    }

    /// Renames a group.
    pub fn rename_group(&self, actor: UserId, group: GroupId, name: &str) -> Result<(), Error> {
        self.write(Some(actor), |p| p.rename_group(actor, group, name))
    }

    /// Adds a role to a group: a grant to every member.
    pub fn add_group_role(&self, actor: UserId, group: GroupId, role: RoleId) -> Result<(), Error> {
        self.write(Some(actor), |p| p.add_group_role(actor, group, role))
    }

    /// Removes a role from a group.
    pub fn remove_group_role(
        &self,
        actor: UserId,
        group: GroupId,
        role: RoleId,
    ) -> Result<(), Error> {
        self.write(Some(actor), |p| p.remove_group_role(actor, group, role))
    }

    /// Adds a user to a group: a grant of the group's roles.
    pub fn add_member(&self, actor: UserId, group: GroupId, user: UserId) -> Result<(), Error> {
        self.write(Some(actor), |p| p.add_member(actor, group, user))
    }

    /// Removes a user from a group.
    pub fn remove_member(&self, actor: UserId, group: GroupId, user: UserId) -> Result<(), Error> {
        self.write(Some(actor), |p| p.remove_member(actor, group, user))
    }

    /// Deletes a group; refused while it is the only group of one of its members (004).
    pub fn delete_group(&self, actor: UserId, group: GroupId) -> Result<(), Error> {
        self.write(Some(actor), |p| p.delete_group(actor, group))
    }

    /// A group.
    pub fn group(&self, id: GroupId) -> Result<Group, Error> {
        self.read()
            .groups
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::UnknownGroup(id.to_string()))
    }

    /// The group of `tenant` with this name (case-insensitive).
    pub fn group_by_name(&self, tenant: TenantId, name: &str) -> Result<Group, Error> {
        self.with_tenant(tenant, |m| {
            m.name_taken(tenant, crate::domain::model::NameKind::Group, name.trim())
                .and_then(|id| m.groups.get(&GroupId(id)))
                .cloned()
                .ok_or_else(|| Error::UnknownGroup(crate::domain::truncate_for_message(name)))
        })?
    }

    /// Every group of a tenant, in id order.
    pub fn groups(&self, tenant: TenantId) -> Result<Vec<Group>, Error> {
        self.with_tenant(tenant, |m| {
            m.groups
                .values()
                .filter(|g| g.tenant == tenant)
                .cloned()
                .collect()
        })
    }

    /// The members of a group, in id order.
    pub fn group_members(&self, group: GroupId) -> Result<Vec<UserId>, Error> {
        let m = self.read();
        if !m.groups.contains_key(&group) {
            return Err(Error::UnknownGroup(group.to_string()));
        }
        Ok(m.members
            .get(&group)
            .into_iter()
            .flatten()
            .copied()
            .collect())
    }

    /// The permissions a group grants its members (union of its roles).
    pub fn group_permissions(&self, group: GroupId) -> Result<Permission, Error> {
        let m = self.read();
        let g = m
            .groups
            .get(&group)
            .ok_or_else(|| Error::UnknownGroup(group.to_string()))?;
        Ok(m.group_permissions(g))
    }

    /// The groups a user belongs to, in id order.
    pub fn user_groups(&self, user: UserId) -> Result<Vec<GroupId>, Error> {
        let m = self.read();
        if !m.users.contains_key(&user) {
            return Err(Error::UnknownUser(user.to_string()));
        }
        Ok(m.user_groups
            .get(&user)
            .into_iter()
            .flatten()
            .copied()
            .collect())
    }

    // ======================= scopes =======================

    /// Creates a call group or IVR. Needs `scopes.manage`.
    pub fn create_scope(
        &self,
        actor: UserId,
        kind: ScopeKind,
        name: &str,
    ) -> Result<ScopeId, Error> {
        self.write(Some(actor), |p| p.create_scope(actor, kind, name))
    }

    /// Deletes a call group or IVR, unassigning it from everyone.
    pub fn delete_scope(&self, actor: UserId, scope: ScopeId) -> Result<(), Error> {
        self.write(Some(actor), |p| p.delete_scope(actor, scope))
    }

    /// Authorises a user for a call group / IVR (a grant of its scoped rights there).
    pub fn assign_scope(&self, actor: UserId, user: UserId, scope: ScopeId) -> Result<(), Error> {
        self.write(Some(actor), |p| p.assign_scope(actor, user, scope))
    }

    /// Withdraws a call group / IVR from a user.
    pub fn unassign_scope(&self, actor: UserId, user: UserId, scope: ScopeId) -> Result<(), Error> {
        self.write(Some(actor), |p| p.unassign_scope(actor, user, scope))
    }

    /// Replaces the call groups / IVRs assigned to a user.
    pub fn set_user_scopes(
        &self,
        actor: UserId,
        user: UserId,
        scopes: &[ScopeId],
    ) -> Result<(), Error> {
        self.write(Some(actor), |p| p.set_user_scopes(actor, user, scopes))
    }

    /// A scope resource.
    pub fn scope(&self, id: ScopeId) -> Result<Scope, Error> {
        self.read()
            .scopes
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::UnknownScope(id.to_string()))
    }

    /// Every call group and IVR of a tenant, in id order.
    pub fn scopes(&self, tenant: TenantId) -> Result<Vec<Scope>, Error> {
        self.with_tenant(tenant, |m| {
            m.scopes
                .values()
                .filter(|s| s.tenant == tenant)
                .cloned()
                .collect()
        })
    }

    // ======================= agreements =======================

    /// Creates an agreement and appoints its Owner. Needs `agreements.manage`.
    pub fn create_agreement(
        &self,
        actor: UserId,
        name: &str,
        owner: UserId,
    ) -> Result<AgreementId, Error> {
        self.write(Some(actor), |p| p.create_agreement(actor, name, owner))
    }

    /// Sets a user's access level on a product of an agreement, under the rules of 002.
    pub fn set_access_level(
        &self,
        actor: UserId,
        agreement: AgreementId,
        user: UserId,
        product: Product,
        level: AccessLevel,
    ) -> Result<(), Error> {
        self.write(Some(actor), |p| {
            p.set_access_level(actor, agreement, user, product, level)
        })
    }

    /// Transfers ownership of an agreement (Owner only); the former Owner becomes Administrator.
    pub fn transfer_ownership(
        &self,
        actor: UserId,
        agreement: AgreementId,
        new_owner: UserId,
    ) -> Result<(), Error> {
        self.write(Some(actor), |p| {
            p.transfer_ownership(actor, agreement, new_owner)
        })
    }

    /// Links a user to a virtual-PBX subscriber on an agreement (`None` unlinks).
    pub fn link_pbx_subscriber(
        &self,
        actor: UserId,
        agreement: AgreementId,
        user: UserId,
        subscriber: Option<&str>,
    ) -> Result<(), Error> {
        self.write(Some(actor), |p| {
            p.link_pbx_subscriber(actor, agreement, user, subscriber)
        })
    }

    /// An agreement.
    pub fn agreement(&self, id: AgreementId) -> Result<Agreement, Error> {
        self.read()
            .agreements
            .get(&id)
            .and_then(|a| a.meta.clone())
            .ok_or_else(|| Error::UnknownAgreement(id.to_string()))
    }

    /// Every agreement of a tenant, in id order.
    pub fn agreements(&self, tenant: TenantId) -> Result<Vec<Agreement>, Error> {
        self.with_tenant(tenant, |m| {
            m.agreements
                .values()
                .filter_map(|a| a.meta.clone())
                .filter(|a| a.tenant == tenant)
                .collect()
        })
    }

    /// The PBX subscriber a user is linked to on an agreement.
    pub fn pbx_subscriber(
        &self,
        agreement: AgreementId,
        user: UserId,
    ) -> Result<Option<String>, Error> {
        let m = self.read();
        let st = m
            .agreements
            .get(&agreement)
            .ok_or_else(|| Error::UnknownAgreement(agreement.to_string()))?;
        Ok(st.pbx.get(&user).cloned())
    }

    // ======================= checks (lock-free) =======================

    /// May `user` do `p`? Lock-free; false for an unknown or inactive user or an empty `p`.
    #[inline]
    pub fn check(&self, user: UserId, p: Permission) -> bool {
        self.snapshot.load().check(user, p)
    }

    /// May `user` do `p` on data of call group / IVR `scope`?
    #[inline]
    pub fn check_scoped(&self, user: UserId, p: Permission, scope: ScopeId) -> bool {
        self.snapshot.load().check_scoped(user, p, scope)
    }

    /// Checks many `(user, permission)` pairs at one revision.
    pub fn check_many(&self, pairs: &[(UserId, Permission)]) -> Vec<bool> {
        let snap = self.snapshot.load();
        pairs.iter().map(|(u, p)| snap.check(*u, *p)).collect()
    }

    /// Which call groups / IVRs `user` may see for `p`: all, or an explicit set.
    pub fn allowed_scopes(&self, user: UserId, p: Permission) -> Result<ScopeAccess, Error> {
        self.snapshot
            .load()
            .allowed_scopes(user, p)
            .ok_or_else(|| Error::UnknownUser(user.to_string()))
    }

    /// The effective permissions of a user (its roles and its groups' roles).
    pub fn effective_permissions(&self, user: UserId) -> Result<Permission, Error> {
        self.snapshot
            .load()
            .effective_permissions(user)
            .ok_or_else(|| Error::UnknownUser(user.to_string()))
    }

    /// Users of `tenant` holding `p` (for `scope` when given).
    pub fn users_with_permission(
        &self,
        tenant: TenantId,
        p: Permission,
        scope: Option<ScopeId>,
    ) -> Result<Vec<UserId>, Error> {
        self.with_tenant(tenant, |_| ())?;
        Ok(self.snapshot.load().users_with_permission(tenant, p, scope))
    }

    /// The access level of `user` on `product` of `agreement`.
    pub fn access_level(
        &self,
        agreement: AgreementId,
        user: UserId,
        product: Product,
    ) -> AccessLevel {
        self.snapshot.load().access_level(agreement, user, product)
    }

    /// May `user` listen to the call recordings of PBX subscriber `subscriber` (002)?
    pub fn may_listen_recordings(
        &self,
        agreement: AgreementId,
        user: UserId,
        subscriber: &str,
    ) -> bool {
        self.snapshot
            .load()
            .may_use_subscriber(agreement, user, subscriber)
    }

    /// May `user` use click-to-call as PBX subscriber `subscriber` (002)?
    pub fn may_click_to_call(
        &self,
        agreement: AgreementId,
        user: UserId,
        subscriber: &str,
    ) -> bool {
        self.snapshot
            .load()
            .may_use_subscriber(agreement, user, subscriber)
    }

    /// Why `check(user, p)` answers as it does: the roles and groups granting `p`.
    pub fn explain(&self, user: UserId, p: Permission) -> Result<Explanation, Error> {
        if p.is_empty() {
            return Err(Error::EmptyPermission);
        }
        let m = self.read();
        let u = m
            .users
            .get(&user)
            .ok_or_else(|| Error::UnknownUser(user.to_string()))?;
        let mut grants = Vec::new();
        let mut push = |r: RoleId, via: Option<GroupId>| {
            if let Some(role) = m.roles.get(&r) {
                if role.permissions.intersects(p) {
                    grants.push(Grant {
                        role: r,
                        role_name: role.name.clone(),
                        via_group: via,
                        scoped: role.scoped,
                        grants: role.permissions & p,
                    });
                }
            }
        };
        for r in &u.roles {
            push(*r, None);
        }
        for g in m.user_groups.get(&user).into_iter().flatten() {
            for r in m.groups.get(g).into_iter().flat_map(|g| g.roles.iter()) {
                push(*r, Some(*g));
            }
        }
        let superadmin = m.is_superadmin(u);
        Ok(Explanation {
            user,
            permission: p,
            allowed: m.effective(u).perms.contains(p),
            superadmin,
            inactive: !u.active,
            grants,
        })
    }
}

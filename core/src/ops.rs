//! Planning of every mutation: validate the input, apply the administration rules against the
//! current model, and produce the [`Change`]s to commit. Nothing here mutates anything; a
//! refused operation returns its error before a single change is produced.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::credentials::{Credential, Notification, PasswordPolicy, ResetToken, Secret};
use crate::domain::model::{Model, NameKind};
use crate::domain::rules::Actor;
use crate::domain::{
    validate, AccessLevel, Agreement, AgreementId, Change, Group, GroupId, Permission, Preset,
    Product, Role, RoleId, RoleNamespace, Scope, ScopeId, ScopeKind, Tenant, TenantId,
    TenantSettings, User, UserId,
};
use crate::Error;

/// A user to create.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewUser {
    /// First name (1–100 characters).
    pub first_name: String,
    /// Last name (1–100 characters).
    pub last_name: String,
    /// Email, the login; unique per tenant by its Unicode key
    /// ([`validate::email`](crate::domain::validate::email) has the rules).
    pub email: String,
    /// Phone, parsed and stored in E.164 ([`validate::phone`](crate::domain::validate::phone)).
    pub phone: Option<String>,
    /// Roles to hold directly.
    pub roles: Vec<RoleId>,
    /// Whether the user is active (default true).
    pub active: bool,
    /// An initial password, checked against the tenant's policy and stored as argon2id.
    pub password: Option<Secret>,
    /// The initial password is temporary: the user must change it at first login. Default
    /// `true`, as for every password set by someone else
    /// ([`Directory::set_password`](crate::Directory::set_password)); set it to `false` only
    /// for a password the user chose itself. Ignored without a password.
    pub temporary: bool,
}

impl Default for NewUser {
    fn default() -> Self {
        NewUser {
            first_name: String::new(),
            last_name: String::new(),
            email: String::new(),
            phone: None,
            roles: Vec::new(),
            active: true,
            password: None,
            temporary: true,
        }
    }
}

impl NewUser {
    /// An active user with these names and email, no phone and no roles.
    pub fn new(
        first_name: impl Into<String>,
        last_name: impl Into<String>,
        email: impl Into<String>,
    ) -> Self {
        NewUser {
            first_name: first_name.into(),
            last_name: last_name.into(),
            email: email.into(),
            ..NewUser::default()
        }
    }

    /// Sets the phone.
    pub fn phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = Some(phone.into());
        self
    }

    /// Sets the roles.
    pub fn roles(mut self, roles: impl IntoIterator<Item = RoleId>) -> Self {
        self.roles = roles.into_iter().collect();
        self
    }

    /// Creates the user inactive.
    pub fn inactive(mut self) -> Self {
        self.active = false;
        self
    }

    /// Sets an initial password: temporary (to be changed at first login) unless
    /// [`temporary(false)`](Self::temporary) says the user chose it.
    pub fn password(mut self, password: impl Into<Secret>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// Whether the initial password is temporary (default `true`).
    pub fn temporary(mut self, temporary: bool) -> Self {
        self.temporary = temporary;
        self
    }

    /// Sets an initial temporary password, to be changed at first login: the same as
    /// [`password`](Self::password) with the default [`temporary(true)`](Self::temporary).
    pub fn temporary_password(mut self, password: impl Into<Secret>) -> Self {
        self.password = Some(password.into());
        self.temporary = true;
        self
    }
}

/// Changes to a user's profile; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserPatch {
    /// New first name.
    pub first_name: Option<String>,
    /// New last name.
    pub last_name: Option<String>,
    /// New email (the user then logs in with it).
    pub email: Option<String>,
    /// New phone; `Some(None)` removes it.
    pub phone: Option<Option<String>>,
}

/// A custom role to create.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewRole {
    /// Name, unique per tenant across every namespace (custom roles live in `custom`).
    pub name: String,
    /// What it grants.
    pub permissions: Permission,
    /// Whether its permissions apply only to the holder's call groups / IVRs.
    pub scoped: bool,
    /// Whether it is administrator-tier (only the superadministrator may create it).
    pub admin_tier: bool,
    /// Free text.
    pub description: String,
}

impl NewRole {
    /// An unscoped, ordinary role.
    pub fn new(name: impl Into<String>, permissions: Permission) -> Self {
        NewRole {
            name: name.into(),
            permissions,
            ..NewRole::default()
        }
    }

    /// Makes the role scope-restricted.
    pub fn scoped(mut self) -> Self {
        self.scoped = true;
        self
    }

    /// Makes the role administrator-tier.
    pub fn admin_tier(mut self) -> Self {
        self.admin_tier = true;
        self
    }
}

/// Changes to a custom role; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RolePatch {
    /// New name.
    pub name: Option<String>,
    /// New permission set (added rights are a grant to every holder).
    pub permissions: Option<Permission>,
    /// New description.
    pub description: Option<String>,
}

/// What [`Directory::create_tenant`](crate::Directory::create_tenant) created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantCreated {
    /// The tenant.
    pub tenant: TenantId,
    /// Its superadministrator.
    pub superadmin: UserId,
    /// The built-in roles installed from the presets, in preset order.
    pub roles: Vec<RoleId>,
}

const K_TENANT: usize = 0;
const K_USER: usize = 1;
const K_ROLE: usize = 2;
const K_GROUP: usize = 3;
const K_SCOPE: usize = 4;
const K_AGREEMENT: usize = 5;

/// One planned mutation.
pub(crate) struct Plan<'m> {
    pub m: &'m Model,
    pub now: i64,
    pub changes: Vec<Change>,
    allocated: [u64; 6],
    /// The tenant the audit event belongs to, when the actor does not say.
    pub tenant: Option<TenantId>,
    /// The audit outcome when the operation commits but reports a failure (a failed login).
    pub outcome: Option<&'static str>,
    /// Free detail for the audit event.
    pub detail: Option<String>,
    /// Audit even when nothing changes.
    pub force_audit: bool,
    /// Notifications to deliver once committed.
    pub notifications: Vec<Notification>,
    /// A password hashed before planning, for the user the operation creates.
    pub pending_hash: Option<Hashed>,
}

fn dedup<T: Ord + Copy>(v: &[T]) -> Vec<T> {
    v.iter()
        .copied()
        .collect::<BTreeSet<T>>()
        .into_iter()
        .collect()
}

impl<'m> Plan<'m> {
    pub fn new(m: &'m Model, now: i64) -> Self {
        Plan {
            m,
            now,
            changes: Vec::new(),
            allocated: [0; 6],
            tenant: None,
            outcome: None,
            detail: None,
            force_audit: false,
            notifications: Vec::new(),
            pending_hash: None,
        }
    }

    fn alloc(&mut self, kind: usize) -> u64 {
        let id = self.m.next_id(kind, self.allocated[kind]);
        self.allocated[kind] += 1;
        id
    }

    fn unique(
        &self,
        tenant: TenantId,
        kind: NameKind,
        label: &'static str,
        name: &str,
        except: u64,
    ) -> Result<(), Error> {
        match self.m.name_taken(tenant, kind, name) {
            Some(id) if id != except => Err(Error::DuplicateName {
                kind: label,
                name: name.to_owned(),
            }),
            _ => Ok(()),
        }
    }

    /// A custom role's name is unique in its namespace, and also distinct from every built-in
    /// role of the tenant: a custom "Admin" beside the built-in ones would be mistaken for
    /// them. (Built-in roles of different presets may share names: see `RoleNamespace`.)
    fn custom_role_name_free(
        &self,
        tenant: TenantId,
        name: &str,
        except: u64,
    ) -> Result<(), Error> {
        for ns in RoleNamespace::ALL {
            self.unique(tenant, NameKind::Role(ns), "role", name, except)?;
        }
        Ok(())
    }

    fn email_free(
        &self,
        tenant: TenantId,
        email: &str,
        except: Option<UserId>,
    ) -> Result<(), Error> {
        match self.m.emails.get(&(tenant, validate::email_key(email))) {
            Some(id) if Some(*id) != except => Err(Error::DuplicateEmail {
                email: email.to_owned(),
            }),
            _ => Ok(()),
        }
    }

    fn put_user(&mut self, mut user: User) {
        user.updated_at = self.now;
        self.changes.push(Change::UserPut(user));
    }

    /// The region national phone numbers are read in, for `tenant`.
    fn phone_region(&self, tenant: TenantId) -> Option<&'m str> {
        self.m
            .tenants
            .get(&tenant)?
            .settings
            .phone_region
            .as_deref()
    }

    fn validated_user(&self, tenant: TenantId, new: &NewUser) -> Result<User, Error> {
        let email = validate::email(&new.email)?;
        let region = self.phone_region(tenant);
        let user = User {
            id: UserId(0),
            tenant,
            first_name: validate::name("first name", &new.first_name)?,
            last_name: validate::name("last name", &new.last_name)?,
            phone: new
                .phone
                .as_deref()
                .map(|p| validate::phone(p, region))
                .transpose()?,
            active: new.active,
            roles: BTreeSet::new(),
            scopes: BTreeSet::new(),
            created_at: self.now,
            updated_at: self.now,
            last_login: None,
            stamp: 0,
            email,
        };
        self.email_free(tenant, &user.email, None)?;
        Ok(user)
    }

    fn preset_roles(
        &mut self,
        tenant: TenantId,
        preset: Preset,
        out: &mut Vec<RoleId>,
    ) -> Result<(), Error> {
        for pr in preset.roles() {
            let ns = RoleNamespace::Preset(preset);
            let planned = self.changes.iter().any(|c| matches!(c, Change::RolePut(r) if r.tenant == tenant && r.namespace == ns && validate::fold(&r.name) == validate::fold(pr.name)));
            if planned
                || self
                    .m
                    .name_taken(tenant, NameKind::Role(ns), pr.name)
                    .is_some()
            {
                // The preset is already installed: names are unique per namespace.
                return Err(Error::DuplicateName {
                    kind: "role",
                    name: format!("{ns}/{}", pr.name),
                });
            }
            let id = RoleId(self.alloc(K_ROLE));
            self.changes.push(Change::RolePut(Role {
                id,
                tenant,
                name: pr.name.to_owned(),
                permissions: pr.permissions,
                scoped: pr.scoped,
                admin_tier: pr.admin_tier,
                namespace: RoleNamespace::Preset(preset),
                description: pr.description.to_owned(),
                created_at: self.now,
            }));
            out.push(id);
        }
        Ok(())
    }

    // ---------------- tenants ----------------

    pub fn create_tenant(
        &mut self,
        name: &str,
        superadmin: &NewUser,
        presets: &[Preset],
    ) -> Result<TenantCreated, Error> {
        let name = validate::name("tenant name", name)?;
        if !superadmin.roles.is_empty() {
            return Err(Error::InvalidArgument {
                what: "superadmin roles",
                reason: "the superadministrator holds every right; give it no roles".into(),
            });
        }
        let tenant = TenantId(self.alloc(K_TENANT));
        let mut user = self.validated_user(tenant, superadmin)?;
        user.active = true;
        user.id = UserId(self.alloc(K_USER));
        self.changes.push(Change::TenantPut(Tenant {
            id: tenant,
            name,
            superadmin: user.id,
            created_at: self.now,
            policy: PasswordPolicy::default(),
            settings: TenantSettings::default(),
        }));
        let sa = user.id;
        self.put_user(user);
        self.tenant = Some(tenant);
        self.initial_credential(sa, superadmin)?;
        let mut roles = Vec::new();
        for p in dedup(presets) {
            self.preset_roles(tenant, p, &mut roles)?;
        }
        Ok(TenantCreated {
            tenant,
            superadmin: sa,
            roles,
        })
    }

    pub fn install_preset(&mut self, actor: UserId, preset: Preset) -> Result<Vec<RoleId>, Error> {
        let a = Actor::load(self.m, actor)?;
        a.require_superadmin("install a preset")?;
        let mut roles = Vec::new();
        self.preset_roles(a.tenant(), preset, &mut roles)?;
        Ok(roles)
    }

    // ---------------- users ----------------

    pub fn create_user(&mut self, actor: UserId, new: &NewUser) -> Result<UserId, Error> {
        let a = Actor::load(self.m, actor)?;
        a.require(Permission::USERS_MANAGE)?;
        let mut user = self.validated_user(a.tenant(), new)?;
        for r in dedup(&new.roles) {
            let role = self.m.role_in(a.tenant(), r)?;
            a.ensure_grant_role(role, &user.scopes)?;
            user.roles.insert(r);
        }
        user.id = UserId(self.alloc(K_USER));
        let id = user.id;
        self.put_user(user);
        self.initial_credential(id, new)?;
        Ok(id)
    }

    /// Creates many users in one commit, all or nothing; `hashes[i]` is user i's hashed
    /// initial password, if any.
    pub fn create_users(
        &mut self,
        actor: UserId,
        news: &[NewUser],
        hashes: &[Option<Hashed>],
    ) -> Result<Vec<UserId>, Error> {
        let mut seen = std::collections::HashSet::with_capacity(news.len());
        let mut ids = Vec::with_capacity(news.len());
        for (i, new) in news.iter().enumerate() {
            if !seen.insert(validate::email_key(new.email.trim())) {
                return Err(Error::DuplicateEmail {
                    email: new.email.trim().to_owned(),
                });
            }
            self.pending_hash = hashes.get(i).cloned().flatten();
            ids.push(self.create_user(actor, new)?);
        }
        Ok(ids)
    }

    fn target(&self, a: &Actor<'_>, user: UserId) -> Result<&'m User, Error> {
        let t = self.m.user_in(a.tenant(), user)?;
        a.ensure_may_modify(self.m, t)?;
        Ok(t)
    }

    pub fn update_user(
        &mut self,
        actor: UserId,
        user: UserId,
        patch: &UserPatch,
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        let t = self.m.user_in(a.tenant(), user)?;
        if t.id == a.user.id && !a.eff.perms.contains(Permission::USERS_MANAGE) {
            a.require(Permission::PROFILE_EDIT)?;
        } else {
            a.require(Permission::USERS_MANAGE)?;
        }
        a.ensure_may_modify(self.m, t)?;
        let mut u = t.clone();
        if let Some(v) = &patch.first_name {
            u.first_name = validate::name("first name", v)?;
        }
        if let Some(v) = &patch.last_name {
            u.last_name = validate::name("last name", v)?;
        }
        if let Some(v) = &patch.email {
            u.email = validate::email(v)?;
            self.email_free(a.tenant(), &u.email, Some(u.id))?;
            if validate::email_key(&u.email) != validate::email_key(&t.email) {
                // The email is the login and the recovery address: changing it is a takeover.
                a.ensure_may_take_over(self.m, t)?;
            }
            if validate::email_key(&u.email) != validate::email_key(&t.email) {
                // Recovery tokens went to the old address: revoke them.
                self.changes.push(Change::ResetTokensCleared { user: u.id });
                self.notifications.push(Notification::EmailChanged {
                    user: u.id,
                    old_email: t.email.clone(),
                    email: u.email.clone(),
                });
            }
        }
        if let Some(v) = &patch.phone {
            let region = self.phone_region(a.tenant());
            u.phone = v
                .as_deref()
                .map(|p| validate::phone(p, region))
                .transpose()?;
        }
        if u != *t {
            self.put_user(u);
        }
        Ok(())
    }

    pub fn set_active(&mut self, actor: UserId, user: UserId, active: bool) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        a.require(Permission::USERS_MANAGE)?;
        let t = self.m.user_in(a.tenant(), user)?;
        if !active && self.m.is_superadmin(t) {
            return Err(Error::SuperadminProtected {
                action: "deactivated",
            });
        }
        a.ensure_may_modify(self.m, t)?;
        if t.active == active {
            return Ok(());
        }
        if active {
            // Reactivation restores everything the user held: a grant of each of them.
            a.ensure_may_restore(self.m, t)?;
        } else {
            // Deactivation takes it all away: a change of access like lowering it.
            a.ensure_may_revoke_all(self.m, t)?;
        }
        let mut u = t.clone();
        u.active = active;
        self.put_user(u);
        Ok(())
    }

    pub fn delete_user(&mut self, actor: UserId, user: UserId) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        a.require(Permission::USERS_MANAGE)?;
        let t = self.m.user_in(a.tenant(), user)?;
        if self.m.is_superadmin(t) {
            return Err(Error::SuperadminProtected { action: "deleted" });
        }
        a.ensure_may_modify(self.m, t)?;
        // Deleting an administrator revokes its administrator-tier roles: like any such
        // revocation (even of one's own), only the superadministrator may do it.
        if self.m.is_administrator(t) {
            a.require_superadmin("delete an administrator")?;
        }
        a.ensure_may_revoke_all(self.m, t)?;
        self.changes.push(Change::UserDeleted { id: user });
        Ok(())
    }

    pub fn set_user_roles(
        &mut self,
        actor: UserId,
        user: UserId,
        roles: &[RoleId],
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        a.require(Permission::USERS_MANAGE)?;
        let t = self.target(&a, user)?;
        let wanted: BTreeSet<RoleId> = roles.iter().copied().collect();
        for r in &wanted {
            let role = self.m.role_in(a.tenant(), *r)?;
            if !t.roles.contains(r) {
                a.ensure_grant_role(role, &t.scopes)?;
            }
        }
        for r in t.roles.difference(&wanted) {
            if self.m.roles.get(r).is_some_and(|r| r.admin_tier) {
                a.require_superadmin("revoke an administrator-tier role")?;
            }
        }
        if wanted != t.roles {
            let mut u = t.clone();
            u.roles = wanted;
            self.put_user(u);
        }
        Ok(())
    }

    pub fn assign_role(&mut self, actor: UserId, user: UserId, role: RoleId) -> Result<(), Error> {
        let t = self.m.users.get(&user);
        let mut roles: Vec<RoleId> = t
            .map(|u| u.roles.iter().copied().collect())
            .unwrap_or_default();
        roles.push(role);
        self.set_user_roles(actor, user, &roles)
    }

    pub fn revoke_role(&mut self, actor: UserId, user: UserId, role: RoleId) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        self.m.role_in(a.tenant(), role)?;
        let t = self.m.user_in(a.tenant(), user)?;
        let roles: Vec<RoleId> = t.roles.iter().copied().filter(|r| *r != role).collect();
        self.set_user_roles(actor, user, &roles)
    }

    // ---------------- roles ----------------

    pub fn create_role(&mut self, actor: UserId, new: &NewRole) -> Result<RoleId, Error> {
        let a = Actor::load(self.m, actor)?;
        a.require(Permission::ROLES_MANAGE)?;
        let name = validate::name("role name", &new.name)?;
        self.custom_role_name_free(a.tenant(), &name, 0)?;
        if new.admin_tier {
            a.require_superadmin("create an administrator-tier role")?;
        }
        a.ensure_grant(new.permissions, new.scoped, &BTreeSet::new())?;
        let id = RoleId(self.alloc(K_ROLE));
        self.changes.push(Change::RolePut(Role {
            id,
            tenant: a.tenant(),
            name,
            permissions: new.permissions,
            scoped: new.scoped,
            admin_tier: new.admin_tier,
            namespace: RoleNamespace::Custom,
            description: validate::description(&new.description)?,
            created_at: self.now,
        }));
        Ok(id)
    }

    fn editable_role(
        &self,
        a: &Actor<'_>,
        role: RoleId,
        action: &'static str,
    ) -> Result<&'m Role, Error> {
        a.require(Permission::ROLES_MANAGE)?;
        let r = self.m.role_in(a.tenant(), role)?;
        if r.namespace != RoleNamespace::Custom {
            return Err(Error::BuiltinRole {
                role,
                name: r.qualified_name(),
                action,
            });
        }
        if r.admin_tier {
            a.require_superadmin("change an administrator-tier role")?;
        }
        Ok(r)
    }

    pub fn update_role(
        &mut self,
        actor: UserId,
        role: RoleId,
        patch: &RolePatch,
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        let r = self.editable_role(&a, role, "edited")?;
        let mut new = r.clone();
        if let Some(n) = &patch.name {
            new.name = validate::name("role name", n)?;
            self.custom_role_name_free(a.tenant(), &new.name, role.0)?;
        }
        if let Some(d) = &patch.description {
            new.description = validate::description(d)?;
        }
        if let Some(p) = patch.permissions {
            new.permissions = p;
        }
        if new.permissions != r.permissions {
            let added = new.permissions - r.permissions;
            let holders = self.m.role_holders(role);
            if holders.is_empty() {
                a.ensure_grant(added, r.scoped, &BTreeSet::new())?;
            }
            for u in holders.iter().filter_map(|h| self.m.users.get(h)) {
                a.ensure_may_affect(self.m, u)?;
                a.ensure_grant(added, r.scoped, &u.scopes)?;
            }
        }
        if new != *r {
            self.changes.push(Change::RolePut(new));
        }
        Ok(())
    }

    pub fn delete_role(&mut self, actor: UserId, role: RoleId) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        self.editable_role(&a, role, "deleted")?;
        for h in self.m.role_holders(role) {
            if let Some(u) = self.m.users.get(&h) {
                a.ensure_may_affect(self.m, u)?;
            }
        }
        self.changes.push(Change::RoleDeleted { id: role });
        Ok(())
    }

    // ---------------- groups ----------------

    fn group_for_change(&self, a: &Actor<'_>, group: GroupId) -> Result<&'m Group, Error> {
        a.require(Permission::GROUPS_MANAGE)?;
        self.m.group_in(a.tenant(), group)
    }

    fn members(&self, group: GroupId) -> impl Iterator<Item = &'m User> + 'm {
        let m = self.m;
        m.members
            .get(&group)
            .into_iter()
            .flatten()
            .filter_map(move |u| m.users.get(u))
    }

    pub fn create_group(
        &mut self,
        actor: UserId,
        name: &str,
        roles: &[RoleId],
    ) -> Result<GroupId, Error> {
        let a = Actor::load(self.m, actor)?;
        a.require(Permission::GROUPS_MANAGE)?;
        let name = validate::name("group name", name)?;
        self.unique(a.tenant(), NameKind::Group, "group", &name, 0)?;
        let mut set = BTreeSet::new();
        for r in dedup(roles) {
            a.ensure_grant_role(self.m.role_in(a.tenant(), r)?, &BTreeSet::new())?;
            set.insert(r);
        }
        let id = GroupId(self.alloc(K_GROUP));
        self.changes.push(Change::GroupPut(Group {
            id,
            tenant: a.tenant(),
            name,
            roles: set,
            created_at: self.now,
        }));
        Ok(id)
    }

    pub fn rename_group(&mut self, actor: UserId, group: GroupId, name: &str) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        let g = self.group_for_change(&a, group)?;
        let name = validate::name("group name", name)?;
        self.unique(a.tenant(), NameKind::Group, "group", &name, group.0)?;
        if name != g.name {
            let mut g = g.clone();
            g.name = name;
            self.changes.push(Change::GroupPut(g));
        }
        Ok(())
    }

    pub fn add_group_role(
        &mut self,
        actor: UserId,
        group: GroupId,
        role: RoleId,
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        let g = self.group_for_change(&a, group)?;
        let r = self.m.role_in(a.tenant(), role)?;
        if g.roles.contains(&role) {
            return Ok(());
        }
        a.ensure_grant_role(r, &BTreeSet::new())?;
        for u in self.members(group) {
            a.ensure_may_affect(self.m, u)?;
            a.ensure_grant_role(r, &u.scopes)?;
        }
        let mut g = g.clone();
        g.roles.insert(role);
        self.changes.push(Change::GroupPut(g));
        Ok(())
    }

    pub fn remove_group_role(
        &mut self,
        actor: UserId,
        group: GroupId,
        role: RoleId,
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        let g = self.group_for_change(&a, group)?;
        let r = self.m.role_in(a.tenant(), role)?;
        if !g.roles.contains(&role) {
            return Ok(());
        }
        if r.admin_tier {
            a.require_superadmin("revoke an administrator-tier role")?;
        }
        for u in self.members(group) {
            a.ensure_may_affect(self.m, u)?;
        }
        let mut g = g.clone();
        g.roles.remove(&role);
        self.changes.push(Change::GroupPut(g));
        Ok(())
    }

    pub fn add_member(&mut self, actor: UserId, group: GroupId, user: UserId) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        let g = self.group_for_change(&a, group)?;
        let t = self.target(&a, user)?;
        if self
            .m
            .members
            .get(&group)
            .is_some_and(|m| m.contains(&user))
        {
            return Ok(());
        }
        for r in &g.roles {
            a.ensure_grant_role(&self.m.roles[r], &t.scopes)?;
        }
        self.changes.push(Change::MemberAdded { group, user });
        Ok(())
    }

    pub fn remove_member(
        &mut self,
        actor: UserId,
        group: GroupId,
        user: UserId,
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        let g = self.group_for_change(&a, group)?;
        self.target(&a, user)?;
        if !self
            .m
            .members
            .get(&group)
            .is_some_and(|m| m.contains(&user))
        {
            return Ok(());
        }
        if g.roles.iter().any(|r| self.m.roles[r].admin_tier) {
            a.require_superadmin("revoke an administrator-tier role")?;
        }
        self.changes.push(Change::MemberRemoved { group, user });
        Ok(())
    }

    pub fn delete_group(&mut self, actor: UserId, group: GroupId) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        let g = self.group_for_change(&a, group)?;
        for u in self.members(group) {
            let only = self.m.user_groups.get(&u.id).is_none_or(|gs| gs.len() == 1);
            if only {
                return Err(Error::GroupIsOnlyGroup {
                    group,
                    group_name: g.name.clone(),
                    user: u.id,
                    user_email: u.email.clone(),
                });
            }
        }
        for u in self.members(group) {
            a.ensure_may_affect(self.m, u)?;
        }
        if g.roles.iter().any(|r| self.m.roles[r].admin_tier) {
            a.require_superadmin("revoke an administrator-tier role")?;
        }
        self.changes.push(Change::GroupDeleted { id: group });
        Ok(())
    }

    // ---------------- scopes ----------------

    pub fn create_scope(
        &mut self,
        actor: UserId,
        kind: ScopeKind,
        name: &str,
    ) -> Result<ScopeId, Error> {
        let a = Actor::load(self.m, actor)?;
        a.require(Permission::SCOPES_MANAGE)?;
        let name = validate::name(
            match kind {
                ScopeKind::CallGroup => "call group name",
                ScopeKind::Ivr => "IVR name",
            },
            name,
        )?;
        self.unique(a.tenant(), NameKind::Scope(kind), kind.name(), &name, 0)?;
        let id = ScopeId(self.alloc(K_SCOPE));
        self.changes.push(Change::ScopePut(Scope {
            id,
            tenant: a.tenant(),
            kind,
            name,
        }));
        Ok(id)
    }

    pub fn delete_scope(&mut self, actor: UserId, scope: ScopeId) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        a.require(Permission::SCOPES_MANAGE)?;
        self.m.scope_in(a.tenant(), scope)?;
        self.changes.push(Change::ScopeDeleted { id: scope });
        Ok(())
    }

    pub fn set_user_scopes(
        &mut self,
        actor: UserId,
        user: UserId,
        scopes: &[ScopeId],
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        a.require(Permission::USERS_MANAGE)?;
        let t = self.target(&a, user)?;
        let wanted: BTreeSet<ScopeId> = scopes.iter().copied().collect();
        for s in &wanted {
            self.m.scope_in(a.tenant(), *s)?;
        }
        let added: BTreeSet<ScopeId> = wanted.difference(&t.scopes).copied().collect();
        if !added.is_empty() {
            a.ensure_grant(self.m.scoped_only(t), true, &added)?;
        }
        if wanted != t.scopes {
            let mut u = t.clone();
            u.scopes = wanted;
            self.put_user(u);
        }
        Ok(())
    }

    pub fn assign_scope(
        &mut self,
        actor: UserId,
        user: UserId,
        scope: ScopeId,
    ) -> Result<(), Error> {
        let mut s: Vec<ScopeId> = self
            .m
            .users
            .get(&user)
            .map(|u| u.scopes.iter().copied().collect())
            .unwrap_or_default();
        s.push(scope);
        self.set_user_scopes(actor, user, &s)
    }

    pub fn unassign_scope(
        &mut self,
        actor: UserId,
        user: UserId,
        scope: ScopeId,
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        self.m.scope_in(a.tenant(), scope)?;
        let t = self.m.user_in(a.tenant(), user)?;
        let s: Vec<ScopeId> = t.scopes.iter().copied().filter(|x| *x != scope).collect();
        self.set_user_scopes(actor, user, &s)
    }

    // ---------------- agreements ----------------

    pub fn create_agreement(
        &mut self,
        actor: UserId,
        name: &str,
        owner: UserId,
    ) -> Result<AgreementId, Error> {
        let a = Actor::load(self.m, actor)?;
        a.require(Permission::AGREEMENTS_MANAGE)?;
        let name = validate::name("agreement name", name)?;
        self.unique(a.tenant(), NameKind::Agreement, "agreement", &name, 0)?;
        if !self.m.user_in(a.tenant(), owner)?.active {
            return Err(Error::InactiveOwner {
                user: owner,
                email: self.m.email_of(owner),
            });
        }
        let id = AgreementId(self.alloc(K_AGREEMENT));
        self.changes.push(Change::AgreementPut(Agreement {
            id,
            tenant: a.tenant(),
            name,
            owner,
            created_at: self.now,
        }));
        Ok(id)
    }

    pub fn set_access_level(
        &mut self,
        actor: UserId,
        agreement: AgreementId,
        user: UserId,
        product: Product,
        level: AccessLevel,
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        a.ensure_may_set_level(self.m, agreement, user, product, level)?;
        if self.m.agreements[&agreement].level(user, product) != level {
            self.changes.push(Change::LevelSet {
                agreement,
                user,
                product,
                level,
            });
        }
        Ok(())
    }

    pub fn transfer_ownership(
        &mut self,
        actor: UserId,
        agreement: AgreementId,
        new_owner: UserId,
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        a.ensure_may_appoint_owner(self.m, agreement)?;
        let meta = self.m.agreement_in(a.tenant(), agreement)?;
        let former = meta.owner;
        let target = self.m.user_in(a.tenant(), new_owner)?;
        if new_owner == former {
            return Ok(());
        }
        // One active Owner per agreement, always.
        if !target.active {
            return Err(Error::InactiveOwner {
                user: new_owner,
                email: self.m.email_of(new_owner),
            });
        }
        let mut meta = meta.clone();
        meta.owner = new_owner;
        self.changes.push(Change::AgreementPut(meta));
        for product in Product::ALL {
            self.changes.push(Change::LevelSet {
                agreement,
                user: former,
                product,
                level: AccessLevel::Administrator,
            });
        }
        Ok(())
    }

    pub fn link_pbx_subscriber(
        &mut self,
        actor: UserId,
        agreement: AgreementId,
        user: UserId,
        subscriber: Option<&str>,
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        a.ensure_may_link(self.m, agreement, user, subscriber.is_some())?;
        let subscriber = subscriber
            .map(|s| validate::name("subscriber", s))
            .transpose()?;
        let st = &self.m.agreements[&agreement];
        if st.pbx.get(&user) != subscriber.as_ref() {
            self.changes.push(Change::PbxLinkSet {
                agreement,
                user,
                subscriber,
            });
        }
        Ok(())
    }
}

/// A password hashed outside the directory's locks, ready to be stored.
#[derive(Clone)]
pub(crate) struct Hashed {
    pub hash: String,
}

impl<'m> Plan<'m> {
    /// The tenant and policy that apply to a new user's password.
    fn initial_credential(&mut self, user: UserId, new: &NewUser) -> Result<(), Error> {
        if let Some(h) = self.pending_hash.take() {
            self.changes.push(Change::CredentialPut(Credential {
                user,
                hash: h.hash,
                must_change: new.temporary,
                changed_at: self.now,
                failed_logins: 0,
                locked_until: None,
            }));
        } else if new.password.is_some() {
            return Err(Error::Storage(
                "internal: password was not hashed before planning".into(),
            ));
        }
        Ok(())
    }

    fn put_credential(&mut self, user: UserId, hash: String, must_change: bool) {
        self.changes.push(Change::CredentialPut(Credential {
            user,
            hash,
            must_change,
            changed_at: self.now,
            failed_logins: 0,
            locked_until: None,
        }));
        // Any password change invalidates every pending recovery token.
        self.changes.push(Change::ResetTokensCleared { user });
    }

    /// An administrator sets (or resets) another user's password; `temporary` forces a change
    /// at next login.
    pub fn set_password(
        &mut self,
        actor: UserId,
        user: UserId,
        hashed: Hashed,
        temporary: bool,
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        a.require(Permission::USERS_MANAGE)?;
        let t = self.target(&a, user)?;
        a.ensure_may_take_over(self.m, t)?;
        self.put_credential(t.id, hashed.hash, temporary);
        Ok(())
    }

    /// Records a password attempt for `user` verified against `verified_hash`: a locked
    /// account refuses whatever the password; a wrong password counts toward the lock (and
    /// locks at the policy's limit). `Ok(Some(e))` is a refusal to commit (the count) and
    /// report; `Ok(None)` a right password on an unlocked account.
    fn password_attempt(
        &mut self,
        u: &User,
        verified_hash: &str,
        password_ok: bool,
    ) -> Result<Option<Error>, Error> {
        let Some(cred) = self.m.credentials.get(&u.id) else {
            return Err(Error::AuthenticationFailed);
        };
        if cred.hash != verified_hash {
            // Changed concurrently: the verified password is no longer the current one.
            return Err(Error::AuthenticationFailed);
        }
        if let Some(until) = cred.locked_until.filter(|until| *until > self.now) {
            self.force_audit = true;
            self.outcome = Some("account_locked");
            return Ok(Some(Error::AccountLocked { until }));
        }
        if password_ok {
            return Ok(None);
        }
        let policy = &self.m.tenants[&u.tenant].policy;
        let mut c = cred.clone();
        c.failed_logins = if cred.locked_until.is_some() {
            1
        } else {
            cred.failed_logins.saturating_add(1)
        };
        c.locked_until = None;
        self.force_audit = true;
        self.outcome = Some("authentication_failed");
        if c.failed_logins >= policy.max_failed_logins {
            let until = policy.lock_end(self.now);
            c.locked_until = Some(until);
            self.detail = Some(format!("locked after {} failed attempts", c.failed_logins));
            self.notifications.push(Notification::AccountLocked {
                user: u.id,
                email: u.email.clone(),
                until,
            });
        }
        self.changes.push(Change::CredentialPut(c));
        Ok(Some(Error::AuthenticationFailed))
    }

    /// A user changes its own password, whose current one the caller verified against
    /// `verified_hash` (`password_ok`). A wrong current password counts toward the lock like
    /// a failed login, and a locked account is refused. `hashed` is the new password; `None`
    /// only plans the checks. `Ok(Some(e))` is a refusal to commit (the count) and report.
    pub fn change_own_password(
        &mut self,
        user: UserId,
        verified_hash: &str,
        password_ok: bool,
        hashed: Option<Hashed>,
    ) -> Result<Option<Error>, Error> {
        let u = self
            .m
            .users
            .get(&user)
            .ok_or_else(|| Error::UnknownUser(user.to_string()))?;
        self.tenant = Some(u.tenant);
        if let Some(refused) = self.password_attempt(u, verified_hash, password_ok)? {
            return Ok(Some(refused));
        }
        if !u.active {
            return Err(Error::AuthenticationFailed);
        }
        if let Some(h) = hashed {
            self.put_credential(user, h.hash, false);
        }
        Ok(None)
    }

    /// Records a login attempt whose password was verified against `verified_hash`.
    pub fn record_login(
        &mut self,
        user: UserId,
        verified_hash: &str,
        password_ok: bool,
        upgraded: Option<Hashed>,
    ) -> Result<LoginResult, Error> {
        let u = self.m.users.get(&user).ok_or(Error::AuthenticationFailed)?;
        self.tenant = Some(u.tenant);
        self.force_audit = true;
        if let Some(refused) = self.password_attempt(u, verified_hash, password_ok)? {
            return Ok(LoginResult::Refused(refused));
        }
        let Some(cred) = self.m.credentials.get(&user) else {
            return Err(Error::AuthenticationFailed);
        };
        if !u.active {
            self.outcome = Some("authentication_failed");
            self.detail = Some("inactive user".into());
            return Ok(LoginResult::Refused(Error::AuthenticationFailed));
        }
        let mut c = cred.clone();
        c.failed_logins = 0;
        c.locked_until = None;
        if let Some(h) = upgraded {
            c.hash = h.hash;
            self.detail = Some("password hash upgraded".into());
        }
        if c != *cred {
            self.changes.push(Change::CredentialPut(c));
        }
        self.changes
            .push(Change::LoginRecorded { user, at: self.now });
        Ok(LoginResult::Ok {
            user,
            must_change_password: cred.must_change,
        })
    }

    /// An administrator unlocks an account locked by failed logins.
    pub fn unlock(&mut self, actor: UserId, user: UserId) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        a.require(Permission::USERS_MANAGE)?;
        let t = self.target(&a, user)?;
        let cred = self
            .m
            .credentials
            .get(&t.id)
            .ok_or_else(|| Error::NoPassword {
                user: t.id,
                email: t.email.clone(),
            })?;
        if cred.failed_logins != 0 || cred.locked_until.is_some() {
            let mut c = cred.clone();
            c.failed_logins = 0;
            c.locked_until = None;
            self.changes.push(Change::CredentialPut(c));
        }
        Ok(())
    }

    /// Issues a recovery token for the active user of `tenant` with `email`, if any; when
    /// none, the audit keeps `unknown_ref` (see `credentials::identifier_ref`), never `email`.
    pub fn request_reset(
        &mut self,
        tenant: TenantId,
        email: &str,
        token: (Secret, String),
        unknown_ref: &str,
    ) -> Result<Option<ResetIssued>, Error> {
        let policy = &self
            .m
            .tenants
            .get(&tenant)
            .ok_or(Error::UnknownTenant(tenant))?
            .policy;
        self.tenant = Some(tenant);
        self.force_audit = true;
        let found = self
            .m
            .emails
            .get(&(tenant, validate::email_key(email.trim())))
            .and_then(|id| self.m.users.get(id))
            .filter(|u| u.active);
        let Some(u) = found else {
            self.outcome = Some("unknown_user");
            self.detail = Some(format!("no active user has this email ({unknown_ref})"));
            return Ok(None);
        };
        let expires_at = policy.token_expiry(self.now);
        let (secret, hash) = token;
        self.changes.push(Change::ResetTokenPut(ResetToken {
            hash,
            user: u.id,
            issued_at: self.now,
            expires_at,
        }));
        self.notifications
            .push(Notification::PasswordResetRequested {
                user: u.id,
                email: u.email.clone(),
                token: secret.clone(),
                expires_at,
            });
        Ok(Some(ResetIssued {
            user: u.id,
            token: secret,
            expires_at,
        }))
    }

    /// Sets a new password with a recovery token: single use, unexpired, for an active user of
    /// `tenant`. A refused token is audited and changes nothing.
    pub fn reset_with_token(
        &mut self,
        tenant: TenantId,
        token_hash: &str,
        hashed: Hashed,
    ) -> Result<UserId, Error> {
        self.tenant = Some(tenant);
        let t = self
            .m
            .reset_tokens
            .get(token_hash)
            .ok_or(Error::InvalidToken)?;
        let u = self.m.users.get(&t.user).ok_or(Error::InvalidToken)?;
        if u.tenant != tenant || t.expires_at <= self.now || !u.active {
            return Err(Error::InvalidToken);
        }
        self.put_credential(u.id, hashed.hash, false);
        Ok(u.id)
    }

    /// The superadministrator changes the tenant's options.
    pub fn set_tenant_settings(
        &mut self,
        actor: UserId,
        settings: &TenantSettings,
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        a.require_superadmin("change the tenant settings")?;
        settings.validate()?;
        let mut t = self.m.tenants[&a.tenant()].clone();
        if t.settings != *settings {
            t.settings = settings.clone();
            self.changes.push(Change::TenantPut(t));
        }
        Ok(())
    }

    /// The superadministrator changes the tenant's password policy.
    pub fn set_password_policy(
        &mut self,
        actor: UserId,
        policy: &PasswordPolicy,
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        a.require_superadmin("change the password policy")?;
        policy.validate()?;
        let mut t = self.m.tenants[&a.tenant()].clone();
        if t.policy != *policy {
            t.policy = policy.clone();
            self.changes.push(Change::TenantPut(t));
        }
        Ok(())
    }
}

/// The outcome of a recorded login attempt.
pub(crate) enum LoginResult {
    Ok {
        user: UserId,
        must_change_password: bool,
    },
    Refused(Error),
}

/// A recovery token issued by [`Directory::request_password_reset`](crate::Directory::request_password_reset).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResetIssued {
    /// The user it recovers.
    pub user: UserId,
    /// The token to deliver (single use).
    pub token: Secret,
    /// Expiry, ms since the Unix epoch.
    pub expires_at: i64,
}

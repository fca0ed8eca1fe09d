//! Planning for users: creation (one or many), profile changes, activation, deletion, and
//! the roles a user holds directly.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::{dedup, Hashed, Plan};
use crate::credentials::{Notification, Secret};
use crate::domain::model::Hyp;
use crate::domain::rules::Actor;
use crate::domain::ObjectKind;
use crate::domain::{
    validate, Change, GroupId, Permission, RoleId, ScopeGrant, ScopeId, TenantId, User, UserId,
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
    /// ([`User`](crate::User#emails) has the rules).
    pub email: String,
    /// Phone, parsed and stored in E.164 ([rules](crate::User#phone-numbers)).
    pub phone: Option<String>,
    /// The user's id in the system it is provisioned from ([`User::external_id`](crate::User::external_id)).
    pub external_id: Option<String>,
    /// Roles to hold directly.
    pub roles: Vec<RoleId>,
    /// Call groups / IVRs the user is restricted to, under the rules of
    /// [`Directory::set_user_scopes`](crate::Directory::set_user_scopes); every role and
    /// group role is then granted within them.
    pub scopes: Vec<ScopeId>,
    /// Teams (scopes of kind [`ScopeKind::Team`](crate::ScopeKind::Team)) to be a member of,
    /// under the rules of [`Directory::set_user_teams`](crate::Directory::set_user_teams): an
    /// actor holding `users.manage` only within teams must place the user in teams it
    /// administers.
    pub teams: Vec<ScopeId>,
    /// Roles granted for one scope each, under the rules of
    /// [`Directory::grant_role_in_scope`](crate::Directory::grant_role_in_scope).
    pub grants: Vec<ScopeGrant>,
    /// Groups to join, each under the rules of
    /// [`Directory::add_member`](crate::Directory::add_member) (`groups.manage`, and a grant of
    /// each of the group's roles).
    pub groups: Vec<GroupId>,
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
            external_id: None,
            roles: Vec::new(),
            scopes: Vec::new(),
            teams: Vec::new(),
            grants: Vec::new(),
            groups: Vec::new(),
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

    /// Sets the external id (the user's id in the system it is provisioned from).
    pub fn external_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_id = Some(external_id.into());
        self
    }

    /// Sets the roles.
    pub fn roles(mut self, roles: impl IntoIterator<Item = RoleId>) -> Self {
        self.roles = roles.into_iter().collect();
        self
    }

    /// Sets the call groups / IVRs the user is restricted to.
    pub fn scopes(mut self, scopes: impl IntoIterator<Item = ScopeId>) -> Self {
        self.scopes = scopes.into_iter().collect();
        self
    }

    /// Sets the teams the user is a member of.
    pub fn teams(mut self, teams: impl IntoIterator<Item = ScopeId>) -> Self {
        self.teams = teams.into_iter().collect();
        self
    }

    /// Grants `role` for `scope` (and everything below it); may be called several times.
    pub fn grant(mut self, role: RoleId, scope: ScopeId) -> Self {
        self.grants.push(ScopeGrant { role, scope });
        self
    }

    /// Groups to join.
    pub fn groups(mut self, groups: impl IntoIterator<Item = GroupId>) -> Self {
        self.groups = groups.into_iter().collect();
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
    /// New external id; `Some(None)` removes it. Needs `users.manage` (never `profile.edit`
    /// alone): imports and SCIM find the user by it.
    pub external_id: Option<Option<String>>,
}

impl<'m> Plan<'m> {
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

    fn external_id_free(
        &self,
        tenant: TenantId,
        external_id: &str,
        except: Option<UserId>,
    ) -> Result<(), Error> {
        match self.m.external_ids.get(&(tenant, external_id.to_owned())) {
            Some(id) if Some(*id) != except => Err(Error::DuplicateName {
                kind: "user external id",
                name: external_id.to_owned(),
            }),
            _ => Ok(()),
        }
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

    pub(super) fn validated_user(&self, tenant: TenantId, new: &NewUser) -> Result<User, Error> {
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
                .map(|p| self.checked_phone(p, region))
                .transpose()?,
            external_id: new
                .external_id
                .as_deref()
                .map(validate::external_id)
                .transpose()?,
            active: new.active,
            roles: BTreeSet::new(),
            scopes: BTreeSet::new(),
            grants: BTreeSet::new(),
            teams: BTreeSet::new(),
            windows: Default::default(),
            eligible: BTreeSet::new(),
            break_glass: false,
            created_at: self.now,
            updated_at: self.now,
            last_login: None,
            stamp: 0,
            email,
        };
        self.email_free(tenant, &user.email, None)?;
        if let Some(x) = &user.external_id {
            self.external_id_free(tenant, x, None)?;
        }
        Ok(user)
    }

    pub fn create_user(&mut self, actor: UserId, new: &NewUser) -> Result<UserId, Error> {
        let a = Actor::load(self.m, actor)?;
        self.create_user_as(&a, new)
    }

    /// [`create_user`](Self::create_user) by an actor already resolved.
    fn create_user_as(&mut self, a: &Actor<'_>, new: &NewUser) -> Result<UserId, Error> {
        a.require(Permission::USERS_MANAGE)?;
        let mut user = self.validated_user(a.tenant(), new)?;
        if !new.scopes.is_empty() {
            // As set_user_scopes on the new user; its roles and groups are then granted
            // within these scopes.
            a.ensure_may_modify(self.m, &user)?;
            user.scopes = self.scopes_granted(a, &user, &new.scopes)?;
        }
        for r in dedup(&new.roles) {
            let role = self.m.role_in(a.tenant(), r)?;
            a.ensure_grant_role(role, &user.scopes)?;
            user.roles.insert(r);
        }
        // Placed first: an actor administering only some teams creates users inside them.
        user.teams = self.teams_placed(a, &user, &new.teams)?;
        for g in dedup(&new.grants) {
            let role = self.m.role_in(a.tenant(), g.role)?;
            self.m.scope_in(a.tenant(), g.scope)?;
            a.ensure_grant_at(role, g.scope)?;
            user.grants.insert(g);
        }
        let groups = dedup(&new.groups);
        let mut joined = Vec::with_capacity(groups.len());
        for &g in &groups {
            joined.push(self.group_for_change(a, g)?);
        }
        if !joined.is_empty() {
            a.ensure_may_modify(self.m, &user)?;
        }
        user.id = UserId(self.alloc(ObjectKind::User));
        let id = user.id;
        self.put_user(user.clone());
        for g in joined {
            self.join(a, g, &user)?;
        }
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
        let mut seen_external = std::collections::HashSet::new();
        let mut ids = Vec::with_capacity(news.len());
        if news.is_empty() {
            return Ok(ids);
        }
        // Resolved once: the actor cannot change while its own batch is planned.
        let a = Actor::load(self.m, actor)?;
        // A record per user and a change per membership: grown once, not by doubling.
        self.changes
            .reserve(news.len() + news.iter().map(|n| n.groups.len()).sum::<usize>());
        for (i, new) in news.iter().enumerate() {
            if !seen.insert(validate::email_key(new.email.trim())) {
                return Err(Error::DuplicateEmail {
                    email: new.email.trim().to_owned(),
                });
            }
            if let Some(x) = &new.external_id {
                let x = validate::external_id(x)?;
                if !seen_external.insert(x.clone()) {
                    return Err(Error::DuplicateName {
                        kind: "user external id",
                        name: x,
                    });
                }
            }
            self.pending_hash = hashes.get(i).cloned().flatten();
            ids.push(self.create_user_as(&a, new)?);
        }
        Ok(ids)
    }

    pub fn update_user(
        &mut self,
        actor: UserId,
        user: UserId,
        patch: &UserPatch,
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        let t = self.m.user_in(a.tenant(), user)?;
        if t.id == a.user.id
            && !a.eff.perms.contains(Permission::USERS_MANAGE)
            && patch.external_id.is_none()
        {
            a.require(Permission::PROFILE_EDIT)?;
        } else {
            a.require_over(t, Permission::USERS_MANAGE)?;
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
                .map(|p| self.checked_phone(p, region))
                .transpose()?;
        }
        if let Some(v) = &patch.external_id {
            u.external_id = v.as_deref().map(validate::external_id).transpose()?;
            if let Some(x) = &u.external_id {
                self.external_id_free(a.tenant(), x, Some(u.id))?;
            }
            if u.external_id != t.external_id {
                // Imports and SCIM find the account by it: re-pointing it hands the account to
                // whoever provisions that id, a takeover like changing the email.
                a.ensure_may_take_over(self.m, t)?;
            }
        }
        if u != *t {
            self.put_user(u);
        }
        Ok(())
    }

    pub fn set_active(&mut self, actor: UserId, user: UserId, active: bool) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        let t = self.m.user_in(a.tenant(), user)?;
        a.require_over(t, Permission::USERS_MANAGE)?;
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
        let t = self.m.user_in(a.tenant(), user)?;
        a.require_over(t, Permission::USERS_MANAGE)?;
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
        let t = self.managed(&a, user, Permission::USERS_MANAGE)?;
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
            // Taking a denying role away gives its denials back: a grant.
            if self.m.any_denies(t.roles.difference(&u.roles)) {
                a.ensure_gain(t, Hyp::User(&u))?;
            }
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
}

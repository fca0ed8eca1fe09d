//! Users: creation (with initial passwords), edits, roles held, lookups and search.

use serde::{Deserialize, Serialize};

use crate::audit::AuditAction;
use crate::credentials::{self as cred};
use crate::domain::{validate, RoleId, TenantId, User, UserId};
use crate::ops::{Hashed, NewUser, UserPatch};
use crate::Error;

use super::{Directory, Page};

/// A user search: substring, case-insensitive, over name and email, and over the phone when
/// the text reads as (part of) a phone number (digits, spaces, `+ - . ( ) /`): its digits as
/// typed, or the whole number however it is formatted, national (in the tenant's
/// `phone_region`) or international; optionally active users only; paged.
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

impl Directory {
    /// The most users with an initial password in one [`create_users`](Self::create_users)
    /// call: each costs one argon2id hash (tens of milliseconds at the default cost), so a
    /// larger import is split, or creates users without passwords and sends recovery tokens.
    pub const MAX_PASSWORDS_PER_CALL: usize = 1000;

    /// Creates a user in the actor's tenant. Needs `users.manage`; every role is a grant. An
    /// initial password is checked against the tenant's policy and stored as argon2id; it is
    /// temporary unless [`NewUser::temporary`] is `false`.
    ///
    /// # Errors
    /// The rules' refusals, checked before any password is: [`Error::PermissionDenied`] without
    /// `users.manage`; [`Error::UnknownRole`] for a role not in the tenant;
    /// [`Error::SuperadminOnly`] for an administrator-tier role; [`Error::Escalation`] when the
    /// actor lacks the role's rights (for a scoped role: in the user's call groups / IVRs);
    /// [`Error::InvalidName`], [`Error::InvalidEmail`], [`Error::InvalidPhone`] for bad fields;
    /// [`Error::DuplicateEmail`] when the email is taken. Then [`Error::WeakPassword`] for an
    /// initial password the tenant's policy refuses; and the errors of [every
    /// change](Directory#errors-of-every-change).
    ///
    /// # Examples
    ///
    /// ```
    /// use rolecall::{Directory, Error, NewUser, Preset};
    /// let dir = Directory::in_memory();
    /// let acme = dir.create_tenant("Acme", &NewUser::new("Ada", "Root", "ada@acme.test"), &[Preset::Managers])?;
    /// let operator = dir.role_by_name(acme.tenant, "Operator")?.id;
    /// let bob = dir.create_user(acme.superadmin, &NewUser::new("Bob", "Lee", "bob@acme.test").roles([operator]))?;
    /// assert_eq!(dir.user_by_email(acme.tenant, "BOB@acme.test")?.id, bob);
    /// // Bob may not create users: that needs `users.manage`.
    /// let refused = dir.create_user(bob, &NewUser::new("Eve", "Doe", "eve@acme.test"));
    /// assert!(matches!(refused, Err(Error::PermissionDenied { .. })));
    /// # Ok::<(), rolecall::Error>(())
    /// ```
    pub fn create_user(&self, actor: UserId, user: &NewUser) -> Result<UserId, Error> {
        let mut hashed =
            self.initial_passwords(actor, AuditAction::CreateUser, std::slice::from_ref(user))?;
        let hashed = hashed.pop().flatten();
        self.write(Some(actor), AuditAction::CreateUser, |p| {
            p.pending_hash = hashed.clone();
            p.create_user(actor, user)
        })
    }

    /// Creates many users in one atomic commit (an import): all are created or none, under the
    /// same rules as [`create_user`](Self::create_user). Each initial password costs one
    /// argon2id hash, spent only once the whole import is authorised and every password has
    /// passed the policy.
    ///
    /// # Errors
    /// As [`create_user`](Self::create_user), for the first user refused (nothing is created);
    /// [`Error::DuplicateEmail`] also for two users of the import with the same email;
    /// [`Error::InvalidArgument`] for more than
    /// [`MAX_PASSWORDS_PER_CALL`](Self::MAX_PASSWORDS_PER_CALL) initial passwords.
    pub fn create_users(&self, actor: UserId, users: &[NewUser]) -> Result<Vec<UserId>, Error> {
        let hashes = self.initial_passwords(actor, AuditAction::CreateUsers, users)?;
        self.write(Some(actor), AuditAction::CreateUsers, |p| {
            p.create_users(actor, users, &hashes)
        })
    }

    /// Hashes the initial passwords of `users` once the actor may create them all: the rules
    /// are planned first with placeholder hashes (a refusal is audited as `action`), then every
    /// password is checked against the policy, and only then hashed.
    fn initial_passwords(
        &self,
        actor: UserId,
        action: AuditAction,
        users: &[NewUser],
    ) -> Result<Vec<Option<Hashed>>, Error> {
        let with_password = users.iter().filter(|u| u.password.is_some()).count();
        if with_password == 0 {
            return Ok(vec![None; users.len()]);
        }
        self.refresh()?;
        let placeholders: Vec<Option<Hashed>> = users
            .iter()
            .map(|u| {
                u.password.as_ref().map(|_| Hashed {
                    hash: String::new(),
                })
            })
            .collect();
        if let Err(e) = self.dry_run(|p| p.create_users(actor, users, &placeholders)) {
            return self.write(Some(actor), action, |_| Err(e.clone()));
        }
        if with_password > Self::MAX_PASSWORDS_PER_CALL {
            return Err(Error::InvalidArgument {
                what: "users",
                reason: format!(
                    "at most {} users with an initial password per call (each costs one \
                     argon2id hash); split the import",
                    Self::MAX_PASSWORDS_PER_CALL
                ),
            });
        }
        let policy = self.actor_policy(actor)?;
        for u in users {
            if let Some(pw) = &u.password {
                policy.check(pw.expose(), &u.email, &[&u.first_name, &u.last_name])?;
            }
        }
        let params = self.params();
        users
            .iter()
            .map(|u| {
                u.password
                    .as_ref()
                    .map(|pw| {
                        Ok(Hashed {
                            hash: cred::hash_password(pw.expose(), &params)?,
                        })
                    })
                    .transpose()
            })
            .collect()
    }

    /// Edits a user's name, email or phone. Needs `users.manage`, or `profile.edit` for oneself.
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] without `users.manage` (or `profile.edit` for oneself);
    /// [`Error::UnknownUser`]; [`Error::SuperadminProtected`] or [`Error::AdministratorProtected`]
    /// for the superadministrator's or (unless the actor is the superadministrator) an
    /// administrator's account; [`Error::InvalidName`], [`Error::InvalidEmail`],
    /// [`Error::InvalidPhone`] for bad fields; [`Error::DuplicateEmail`] when the new email is
    /// taken; changing another user's email (its login): [`Error::Escalation`] or
    /// [`Error::LevelNotGrantable`] when the user holds rights, call groups / IVRs, agreement
    /// levels or PBX links the actor does not (taking the account over would escalate); and the
    /// errors of [every change](Directory#errors-of-every-change).
    pub fn update_user(&self, actor: UserId, user: UserId, patch: &UserPatch) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::UpdateUser, |p| {
            p.update_user(actor, user, patch)
        })
    }

    /// Activates or deactivates a user. An inactive user holds nothing and cannot log in.
    ///
    /// Reactivating grants everything the user regains (its roles, call groups / IVRs,
    /// agreement levels and PBX links), each under its own grant check; deactivating lowers all
    /// of it, under the rules of lowering it (settled rules 1 and 2).
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] without `users.manage`; [`Error::UnknownUser`];
    /// [`Error::Escalation`], [`Error::SuperadminOnly`], [`Error::AgreementAdminRequired`],
    /// [`Error::AgreementAdministratorProtected`], [`Error::LevelNotGrantable`] when the actor may
    /// not grant (or take away) part of it; [`Error::UserOwnsAgreement`] for the Owner of an
    /// agreement; [`Error::SuperadminProtected`], [`Error::AdministratorProtected`]; and the errors
    /// of [every change](Directory#errors-of-every-change).
    pub fn set_active(&self, actor: UserId, user: UserId, active: bool) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::SetActive, |p| {
            p.set_active(actor, user, active)
        })
    }

    /// Deletes a user with its memberships and agreement levels.
    ///
    /// # Errors
    /// As deactivating it ([`set_active`](Self::set_active)): the Owner of an agreement cannot be
    /// deleted until ownership is transferred ([`Error::UserOwnsAgreement`]), an agreement
    /// Administrator only by someone who may change its levels; [`Error::SuperadminProtected`] for
    /// the superadministrator; [`Error::SuperadminOnly`] to delete an administrator; and the errors
    /// of [every change](Directory#errors-of-every-change).
    pub fn delete_user(&self, actor: UserId, user: UserId) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::DeleteUser, |p| {
            p.delete_user(actor, user)
        })
    }
}

/// The roles a user holds directly, and lookups and search.
impl Directory {
    /// Gives a user a role (a grant: the actor must hold the role's rights).
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] without `users.manage`; [`Error::UnknownUser`],
    /// [`Error::UnknownRole`]; [`Error::SuperadminOnly`] for an administrator-tier role;
    /// [`Error::Escalation`] when the actor lacks the role's rights (for a scoped role: in the
    /// user's call groups / IVRs); [`Error::SuperadminProtected`] or
    /// [`Error::AdministratorProtected`] for the superadministrator's or (unless the actor is the
    /// superadministrator) an administrator's account; and the errors of [every
    /// change](Directory#errors-of-every-change).
    ///
    /// # Examples
    ///
    /// ```
    /// use rolecall::{Directory, NewUser, Permission, Preset};
    /// let dir = Directory::in_memory();
    /// let acme = dir.create_tenant("Acme", &NewUser::new("Ada", "Root", "ada@acme.test"), &[Preset::Managers])?;
    /// let bob = dir.create_user(acme.superadmin, &NewUser::new("Bob", "Lee", "bob@acme.test"))?;
    /// assert!(!dir.check(bob, Permission::CAMPAIGNS_CONTROL));
    /// let operator = dir.role_by_name(acme.tenant, "Operator")?.id;
    /// dir.assign_role(acme.superadmin, bob, operator)?;
    /// assert!(dir.check(bob, Permission::CAMPAIGNS_CONTROL)); // visible to the very next check
    /// # Ok::<(), rolecall::Error>(())
    /// ```
    pub fn assign_role(&self, actor: UserId, user: UserId, role: RoleId) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::AssignRole, |p| {
            p.assign_role(actor, user, role)
        })
    }

    /// Takes a role from a user.
    ///
    /// # Errors
    /// [`Error::PermissionDenied`] without `users.manage`; [`Error::UnknownUser`],
    /// [`Error::UnknownRole`]; [`Error::SuperadminOnly`] for an administrator-tier role;
    /// [`Error::SuperadminProtected`] or [`Error::AdministratorProtected`] for the
    /// superadministrator's or (unless the actor is the superadministrator) an administrator's
    /// account; and the errors of [every change](Directory#errors-of-every-change).
    pub fn revoke_role(&self, actor: UserId, user: UserId, role: RoleId) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::RevokeRole, |p| {
            p.revoke_role(actor, user, role)
        })
    }

    /// Replaces the roles a user holds directly.
    ///
    /// # Errors
    /// As [`assign_role`](Self::assign_role) for each role added and
    /// [`revoke_role`](Self::revoke_role) for each role taken away.
    pub fn set_user_roles(
        &self,
        actor: UserId,
        user: UserId,
        roles: &[RoleId],
    ) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::SetUserRoles, |p| {
            p.set_user_roles(actor, user, roles)
        })
    }

    /// A user.
    ///
    /// # Errors
    /// [`Error::UnknownUser`].
    pub fn user(&self, id: UserId) -> Result<User, Error> {
        self.read()
            .users
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::UnknownUser(id.into()))
    }

    /// The user of `tenant` with this email (case-insensitive).
    ///
    /// # Errors
    /// [`Error::UnknownTenant`]; [`Error::UnknownUser`] when no user of the tenant has that email;
    /// [`Error::Closed`] after [`close`](Directory::close).
    pub fn user_by_email(&self, tenant: TenantId, email: &str) -> Result<User, Error> {
        self.with_tenant(tenant, |m| {
            m.emails
                .get(&(tenant, validate::email_key(email.trim())))
                .and_then(|id| m.users.get(id))
                .cloned()
                .ok_or_else(|| {
                    Error::UnknownUser(crate::UserLookup::Email(
                        crate::domain::truncate_for_message(email),
                    ))
                })
        })?
    }

    /// The user of `tenant` with this external id ([`User::external_id`], compared exactly).
    ///
    /// # Errors
    /// [`Error::UnknownTenant`]; [`Error::UnknownUser`] when no user of the tenant has that
    /// external id; [`Error::Closed`] after [`close`](Directory::close).
    ///
    /// # Examples
    ///
    /// ```
    /// use rolecall::{Directory, NewUser};
    /// let dir = Directory::in_memory();
    /// let acme = dir.create_tenant("Acme", &NewUser::new("Ada", "Root", "ada@acme.test"), &[])?;
    /// let bob = dir.create_user(
    ///     acme.superadmin,
    ///     &NewUser::new("Bob", "Lee", "bob@acme.test").external_id("okta|00u1bob"),
    /// )?;
    /// assert_eq!(dir.user_by_external_id(acme.tenant, "okta|00u1bob")?.id, bob);
    /// assert!(dir.user_by_external_id(acme.tenant, "OKTA|00U1BOB").is_err());
    /// # Ok::<(), rolecall::Error>(())
    /// ```
    pub fn user_by_external_id(&self, tenant: TenantId, external_id: &str) -> Result<User, Error> {
        self.with_tenant(tenant, |m| {
            m.external_ids
                .get(&(tenant, external_id.to_owned()))
                .and_then(|id| m.users.get(id))
                .cloned()
                .ok_or_else(|| {
                    Error::UnknownUser(crate::UserLookup::ExternalId(
                        crate::domain::truncate_for_message(external_id),
                    ))
                })
        })?
    }

    /// Searches the users of a tenant by name, email or phone, in id order. Unchecked: for
    /// trusted host code; [`search_users_as`](Self::search_users_as) shows an acting user only
    /// what it may see.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a `limit` outside 1 to [`UserQuery::MAX_LIMIT`];
    /// [`Error::UnknownTenant`]; [`Error::Closed`] after [`close`](Directory::close).
    pub fn search_users(&self, tenant: TenantId, query: &UserQuery) -> Result<Page<User>, Error> {
        self.search_users_where(tenant, query, |_| true)
    }

    /// [`search_users`](Self::search_users) in the actor's tenant, showing only the users
    /// the actor may view ([`check_user`](Self::check_user) with `users.view`): everyone of
    /// the tenant for an actor holding it unscoped, the members of its teams (and of the
    /// teams below them) for one holding it for teams, nobody for one without it. Paging
    /// counts only what the actor sees.
    ///
    /// # Errors
    /// As [`search_users`](Self::search_users); [`Error::UnknownUser`] for an unknown actor.
    pub fn search_users_as(&self, actor: UserId, query: &UserQuery) -> Result<Page<User>, Error> {
        let tenant = self.user(actor)?.tenant;
        let snap = self.snapshot();
        self.search_users_where(tenant, query, |u| {
            snap.check_user(actor, crate::Permission::USERS_VIEW, u)
        })
    }

    /// A user, if the actor may view it ([`check_user`](Self::check_user) with
    /// `users.view`). [`user`](Self::user) is the unchecked read for trusted host code.
    ///
    /// # Errors
    /// [`Error::UnknownUser`] for an unknown actor or user, or a user of another tenant (as
    /// if it did not exist); [`Error::PermissionDenied`] when the actor does not hold
    /// `users.view`; [`Error::OutsideTeams`] when it holds it only for teams the user is not
    /// in.
    pub fn user_as(&self, actor: UserId, id: UserId) -> Result<User, Error> {
        let a = self.user(actor)?;
        let u = self.user(id)?;
        if u.tenant != a.tenant {
            return Err(Error::UnknownUser(id.into()));
        }
        let p = crate::Permission::USERS_VIEW;
        let snap = self.snapshot();
        if snap.check_user(actor, p, id) {
            Ok(u)
        } else if snap.check(actor, p) {
            Err(Error::OutsideTeams {
                user: id,
                email: u.email,
                required: p,
            })
        } else {
            Err(Error::PermissionDenied { required: p })
        }
    }

    fn search_users_where(
        &self,
        tenant: TenantId,
        query: &UserQuery,
        visible: impl Fn(UserId) -> bool,
    ) -> Result<Page<User>, Error> {
        if query.limit == 0 || query.limit > UserQuery::MAX_LIMIT {
            return Err(Error::InvalidArgument {
                what: "limit",
                reason: "must be 1 to 1000".into(),
            });
        }
        let text = query.text.as_deref().map(str::trim).unwrap_or("");
        let needle = validate::fold(text);
        let email_needle = validate::email_key(text);
        self.with_tenant(tenant, |m| {
            // Phones match whatever formatting is typed, national (in the tenant's region) or
            // international, and only for text that reads as (part of) a phone number:
            // "agent5@acme.test" must not match every phone containing a 5.
            let region = m
                .tenants
                .get(&tenant)
                .and_then(|t| t.settings.phone_region.as_deref());
            let phone = validate::PhoneSearch::new(text, region);
            let mut total = 0;
            let mut items = Vec::new();
            for id in m.tenant_users.get(&tenant).into_iter().flatten() {
                let Some(u) = m.users.get(id) else { continue };
                if query.active_only && !u.active || !visible(u.id) {
                    continue;
                }
                let hit = needle.is_empty()
                    || validate::fold(&u.full_name()).contains(&needle)
                    || validate::fold(&format!("{} {}", u.last_name, u.first_name))
                        .contains(&needle)
                    || validate::email_key(&u.email).contains(&email_needle)
                    || phone
                        .as_ref()
                        .is_some_and(|ph| u.phone.as_deref().is_some_and(|p| ph.matches(p)));
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
}

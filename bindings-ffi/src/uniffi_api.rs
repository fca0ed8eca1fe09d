//! The same API exported through uniffi's proc-macros (feature `uniffi`), so that Kotlin, Swift
//! and Python bindings can be generated from this library with `uniffi-bindgen` (namespace
//! `rolecall_uniffi`). Thin wrapper types: every method converts and calls the core's
//! [`rolecall::Directory`]; no rule lives here.
//!
//! Conventions of the generated bindings: ids are `u64`; permissions are dotted names
//! (`"campaigns.view"`), sets are lists of names in catalogue order; every refusal raises
//! `RolecallError.Refused` carrying the core's stable `code`, `kind` and message.

use std::sync::Arc;

use rolecall::Notification as CoreNotification;
use rolecall::{
    AccessLevel, AgreementId, AuditQuery as CoreAuditQuery, GroupId, Permission, Preset, Product,
    RoleId, ScopeAccess as CoreScopeAccess, ScopeId, ScopeKind, TenantId, UserId,
};

/// Every refusal or failure of the library.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum RolecallError {
    /// The core refused or failed: its stable numeric code, its snake_case kind
    /// (`"permission_denied"`, ...) and its message. Nothing was changed.
    #[error("{message}")]
    Refused {
        /// The stable code (`Error::code()`): 1xx input, 2xx unknown, 3xx conflict, 4xx rule,
        /// 5xx authentication, 9xx storage.
        code: u32,
        /// The stable kind (`Error::kind()`), as in the conformance vectors.
        kind: String,
        /// The message.
        message: String,
    },
}

impl From<rolecall::Error> for RolecallError {
    fn from(e: rolecall::Error) -> Self {
        RolecallError::Refused {
            code: e.code(),
            kind: e.kind().to_owned(),
            message: e.to_string(),
        }
    }
}

type R<T> = Result<T, RolecallError>;

// ---------------------------------------------------------------- enumerations (the core's)

#[uniffi::remote(Enum)]
enum Product {
    Core,
    Telephony,
    VirtualPbx,
    AutomatedCalls,
    Chatbots,
    IntegrationsApi,
    ContactCenterAi,
}

#[uniffi::remote(Enum)]
enum AccessLevel {
    NoAccess,
    User,
    Administrator,
    Owner,
}

#[uniffi::remote(Enum)]
enum Preset {
    Managers,
    RoleModel,
    Dashboard,
}

#[uniffi::remote(Enum)]
enum ScopeKind {
    CallGroup,
    Ivr,
}

// ---------------------------------------------------------------- permissions

fn perms(names: &[String]) -> R<Permission> {
    Ok(Permission::from_names(names)?)
}

fn perm(name: &str) -> R<Permission> {
    Ok(Permission::by_name(name)?)
}

fn names(p: Permission) -> Vec<String> {
    p.names().into_iter().map(str::to_owned).collect()
}

/// The dotted names of every permission of the catalogue, in catalogue order (not bit order).
#[uniffi::export]
pub fn permission_names() -> Vec<String> {
    rolecall::CATALOGUE
        .iter()
        .map(|(_, n)| (*n).to_owned())
        .collect()
}

/// The version of the library.
#[uniffi::export]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

// ---------------------------------------------------------------- records

/// What `create_tenant` created.
#[derive(uniffi::Record)]
pub struct TenantCreated {
    /// The tenant.
    pub tenant: u64,
    /// Its superadministrator.
    pub superadmin: u64,
    /// The built-in roles installed from the presets.
    pub roles: Vec<u64>,
}

/// A tenant's options, set by its superadministrator.
#[derive(uniffi::Record)]
pub struct TenantSettings {
    /// The stricter reading of 002: nobody sets an agreement level on a product above its own
    /// level on that product (off by default).
    pub strict_agreement_levels: bool,
    /// The ISO 3166-1 alpha-2 region of phone numbers typed without a country code, or none.
    pub phone_region: Option<String>,
}

impl From<rolecall::TenantSettings> for TenantSettings {
    fn from(s: rolecall::TenantSettings) -> Self {
        TenantSettings {
            strict_agreement_levels: s.strict_agreement_levels,
            phone_region: s.phone_region,
        }
    }
}

impl From<TenantSettings> for rolecall::TenantSettings {
    fn from(s: TenantSettings) -> Self {
        let mut out = rolecall::TenantSettings::default();
        out.strict_agreement_levels = s.strict_agreement_levels;
        out.phone_region = s.phone_region;
        out
    }
}

/// A tenant's password and lockout policy.
#[derive(uniffi::Record)]
pub struct PasswordPolicy {
    /// Shortest accepted password, in characters.
    pub min_length: u64,
    /// Longest accepted password, in characters.
    pub max_length: u64,
    /// Refuse the most common passwords.
    pub reject_common: bool,
    /// Refuse passwords containing the user's email or names.
    pub reject_personal: bool,
    /// Failed logins in a row that lock the account.
    pub max_failed_logins: u32,
    /// How long a lock lasts, in ms (`i64::MAX`: until an administrator unlocks).
    pub lockout_ms: i64,
    /// How long a recovery token is valid, in ms (at most 7 days).
    pub reset_token_ttl_ms: i64,
}

impl From<rolecall::PasswordPolicy> for PasswordPolicy {
    fn from(p: rolecall::PasswordPolicy) -> Self {
        PasswordPolicy {
            min_length: p.min_length as u64,
            max_length: p.max_length as u64,
            reject_common: p.reject_common,
            reject_personal: p.reject_personal,
            max_failed_logins: p.max_failed_logins,
            lockout_ms: p.lockout_ms,
            reset_token_ttl_ms: p.reset_token_ttl_ms,
        }
    }
}

impl From<PasswordPolicy> for rolecall::PasswordPolicy {
    fn from(p: PasswordPolicy) -> Self {
        rolecall::PasswordPolicy {
            min_length: usize::try_from(p.min_length).unwrap_or(usize::MAX),
            max_length: usize::try_from(p.max_length).unwrap_or(usize::MAX),
            reject_common: p.reject_common,
            reject_personal: p.reject_personal,
            max_failed_logins: p.max_failed_logins,
            lockout_ms: p.lockout_ms,
            reset_token_ttl_ms: p.reset_token_ttl_ms,
        }
    }
}

/// A tenant.
#[derive(uniffi::Record)]
pub struct Tenant {
    /// Its id.
    pub id: u64,
    /// Its name.
    pub name: String,
    /// Its superadministrator.
    pub superadmin: u64,
    /// Creation time, ms since the Unix epoch.
    pub created_at: i64,
    /// Its password policy.
    pub policy: PasswordPolicy,
}

impl From<rolecall::Tenant> for Tenant {
    fn from(t: rolecall::Tenant) -> Self {
        Tenant {
            id: t.id.0,
            name: t.name,
            superadmin: t.superadmin.0,
            created_at: t.created_at,
            policy: t.policy.into(),
        }
    }
}

/// A user to create.
#[derive(uniffi::Record)]
pub struct NewUser {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email (the login).
    pub email: String,
    /// Phone.
    pub phone: Option<String>,
    /// Roles held directly.
    pub roles: Vec<u64>,
    /// Active (an inactive user holds nothing and cannot log in).
    pub active: bool,
    /// An initial password.
    pub password: Option<String>,
    /// The initial password is temporary, to be changed at first login (default true, as
    /// for every password set by someone else).
    #[uniffi(default = true)]
    pub temporary: bool,
}

impl From<NewUser> for rolecall::NewUser {
    fn from(u: NewUser) -> Self {
        let mut n = rolecall::NewUser::new(u.first_name, u.last_name, u.email);
        n.phone = u.phone;
        n.roles = u.roles.into_iter().map(RoleId).collect();
        n.active = u.active;
        n.password = u.password.map(Into::into);
        n.temporary = u.temporary;
        n
    }
}

/// Changes to a user's profile; `None` leaves a field as it is.
#[derive(uniffi::Record)]
pub struct UserPatch {
    /// New first name.
    pub first_name: Option<String>,
    /// New last name.
    pub last_name: Option<String>,
    /// New email.
    pub email: Option<String>,
    /// New phone.
    pub phone: Option<String>,
    /// Remove the phone.
    pub remove_phone: bool,
}

/// A user.
#[derive(uniffi::Record)]
pub struct User {
    /// Its id.
    pub id: u64,
    /// Its tenant.
    pub tenant: u64,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email.
    pub email: String,
    /// Phone, normalised.
    pub phone: Option<String>,
    /// Active.
    pub active: bool,
    /// Roles held directly.
    pub roles: Vec<u64>,
    /// Call groups and IVRs assigned.
    pub scopes: Vec<u64>,
    /// Creation time, ms since the Unix epoch.
    pub created_at: i64,
    /// Last change, ms since the Unix epoch.
    pub updated_at: i64,
    /// Last successful login.
    pub last_login: Option<i64>,
    /// Security stamp.
    pub stamp: u64,
}

impl From<rolecall::User> for User {
    fn from(u: rolecall::User) -> Self {
        User {
            id: u.id.0,
            tenant: u.tenant.0,
            roles: u.roles.iter().map(|r| r.0).collect(),
            scopes: u.scopes.iter().map(|s| s.0).collect(),
            first_name: u.first_name,
            last_name: u.last_name,
            email: u.email,
            phone: u.phone,
            active: u.active,
            created_at: u.created_at,
            updated_at: u.updated_at,
            last_login: u.last_login,
            stamp: u.stamp,
        }
    }
}

/// A user search.
#[derive(uniffi::Record)]
pub struct UserQuery {
    /// Text to look for.
    pub text: Option<String>,
    /// Only active users.
    pub active_only: bool,
    /// How many matches to skip.
    pub offset: u64,
    /// At most this many (1 to 1000).
    pub limit: u64,
}

/// One page of users.
#[derive(uniffi::Record)]
pub struct UserPage {
    /// The users of this page.
    pub users: Vec<User>,
    /// How many match in all.
    pub total: u64,
    /// The offset of this page.
    pub offset: u64,
}

/// A custom role to create.
#[derive(uniffi::Record)]
pub struct NewRole {
    /// Name.
    pub name: String,
    /// Permission names.
    pub permissions: Vec<String>,
    /// Scope-restricted.
    pub scoped: bool,
    /// Administrator tier.
    pub admin_tier: bool,
    /// Free text.
    pub description: String,
}

/// Changes to a custom role.
#[derive(uniffi::Record)]
pub struct RolePatch {
    /// New name.
    pub name: Option<String>,
    /// New permission set (names).
    pub permissions: Option<Vec<String>>,
    /// New description.
    pub description: Option<String>,
}

/// A role.
#[derive(uniffi::Record)]
pub struct Role {
    /// Its id.
    pub id: u64,
    /// Its tenant.
    pub tenant: u64,
    /// Its name, unique within its namespace (case-insensitively).
    pub name: String,
    /// The namespace its name is unique in: `custom`, or the preset's name.
    pub namespace: String,
    /// What it grants (names, catalogue order).
    pub permissions: Vec<String>,
    /// Scope-restricted.
    pub scoped: bool,
    /// Administrator tier.
    pub admin_tier: bool,
    /// The preset it was installed from.
    pub preset: Option<Preset>,
    /// Free text.
    pub description: String,
    /// Creation time, ms since the Unix epoch.
    pub created_at: i64,
}

impl From<rolecall::Role> for Role {
    fn from(r: rolecall::Role) -> Self {
        Role {
            id: r.id.0,
            tenant: r.tenant.0,
            namespace: r.namespace.name().to_owned(),
            preset: r.preset(),
            name: r.name,
            permissions: names(r.permissions),
            scoped: r.scoped,
            admin_tier: r.admin_tier,
            description: r.description,
            created_at: r.created_at,
        }
    }
}

/// One role of a preset's catalogue.
#[derive(uniffi::Record)]
pub struct PresetRole {
    /// Name.
    pub name: String,
    /// Permission names.
    pub permissions: Vec<String>,
    /// Scope-restricted.
    pub scoped: bool,
    /// Administrator tier.
    pub admin_tier: bool,
    /// The source's description.
    pub description: String,
}

/// The roles a preset installs, in the source's order.
#[uniffi::export]
pub fn preset_roles(preset: Preset) -> Vec<PresetRole> {
    preset
        .roles()
        .iter()
        .map(|r| PresetRole {
            name: r.name.to_owned(),
            permissions: names(r.permissions),
            scoped: r.scoped,
            admin_tier: r.admin_tier,
            description: r.description.to_owned(),
        })
        .collect()
}

/// A user group.
#[derive(uniffi::Record)]
pub struct Group {
    /// Its id.
    pub id: u64,
    /// Its tenant.
    pub tenant: u64,
    /// Its name.
    pub name: String,
    /// Roles its members inherit.
    pub roles: Vec<u64>,
    /// Creation time, ms since the Unix epoch.
    pub created_at: i64,
}

impl From<rolecall::Group> for Group {
    fn from(g: rolecall::Group) -> Self {
        Group {
            id: g.id.0,
            tenant: g.tenant.0,
            name: g.name,
            roles: g.roles.iter().map(|r| r.0).collect(),
            created_at: g.created_at,
        }
    }
}

/// A call group or IVR.
#[derive(uniffi::Record)]
pub struct Scope {
    /// Its id.
    pub id: u64,
    /// Its tenant.
    pub tenant: u64,
    /// Call group or IVR.
    pub kind: ScopeKind,
    /// Its name.
    pub name: String,
}

impl From<rolecall::Scope> for Scope {
    fn from(s: rolecall::Scope) -> Self {
        Scope {
            id: s.id.0,
            tenant: s.tenant.0,
            kind: s.kind,
            name: s.name,
        }
    }
}

/// An agreement.
#[derive(uniffi::Record)]
pub struct Agreement {
    /// Its id.
    pub id: u64,
    /// Its tenant.
    pub tenant: u64,
    /// Its name.
    pub name: String,
    /// Its Owner.
    pub owner: u64,
    /// Creation time, ms since the Unix epoch.
    pub created_at: i64,
}

impl From<rolecall::Agreement> for Agreement {
    fn from(a: rolecall::Agreement) -> Self {
        Agreement {
            id: a.id.0,
            tenant: a.tenant.0,
            name: a.name,
            owner: a.owner.0,
            created_at: a.created_at,
        }
    }
}

/// Which call groups / IVRs a user may see for a permission.
#[derive(uniffi::Enum)]
pub enum ScopeAccess {
    /// Every call group and IVR of the tenant.
    All,
    /// Only these (possibly none).
    Only {
        /// The scopes, in id order.
        scopes: Vec<u64>,
    },
}

/// One reason a user holds (part of) a permission.
#[derive(uniffi::Record)]
pub struct Grant {
    /// The role.
    pub role: u64,
    /// Its name.
    pub role_name: String,
    /// Its namespace (`custom` or its preset's name).
    pub role_namespace: String,
    /// The group through which it is held.
    pub via_group: Option<u64>,
    /// Scope-restricted.
    pub scoped: bool,
    /// The part of the asked permission it grants (names).
    pub grants: Vec<String>,
}

/// Why a check answers as it does.
#[derive(uniffi::Record)]
pub struct Explanation {
    /// The answer of `check`.
    pub allowed: bool,
    /// The user is the superadministrator.
    pub superadmin: bool,
    /// The user is inactive.
    pub inactive: bool,
    /// Every role granting part of the permission.
    pub grants: Vec<Grant>,
}

/// A successful login.
#[derive(uniffi::Record)]
pub struct Session {
    /// Who logged in.
    pub user: u64,
    /// The security stamp to keep with the session.
    pub stamp: u64,
    /// The password must be changed now.
    pub must_change_password: bool,
}

/// A user's credential state.
#[derive(uniffi::Record)]
pub struct CredentialStatus {
    /// A password is set.
    pub has_password: bool,
    /// The password is temporary.
    pub must_change: bool,
    /// Failed logins in a row.
    pub failed_logins: u32,
    /// Locked until (ms since the Unix epoch), if locked now.
    pub locked_until: Option<i64>,
}

/// A recovery token to send to the user.
#[derive(uniffi::Record)]
pub struct ResetIssued {
    /// The user.
    pub user: u64,
    /// The single-use token (secret).
    pub token: String,
    /// Expiry, ms since the Unix epoch.
    pub expires_at: i64,
}

/// Something the host delivers to a user.
#[derive(uniffi::Enum)]
pub enum Notification {
    /// A user's email changed.
    EmailChanged {
        /// The user.
        user: u64,
        /// The address before.
        old_email: String,
        /// The address now (where to write, as in every kind).
        email: String,
    },
    /// A recovery was requested: send `token` to `email`.
    PasswordResetRequested {
        /// The user.
        user: u64,
        /// Where to send it.
        email: String,
        /// The token (secret).
        token: String,
        /// Expiry, ms since the Unix epoch.
        expires_at: i64,
    },
    /// The account was locked after too many failed logins.
    AccountLocked {
        /// The user.
        user: u64,
        /// Its email.
        email: String,
        /// End of the lock, ms since the Unix epoch.
        until: i64,
    },
    /// A kind this version does not know.
    Other,
}

impl From<CoreNotification> for Notification {
    fn from(n: CoreNotification) -> Self {
        match n {
            CoreNotification::EmailChanged {
                user,
                old_email,
                email,
            } => Notification::EmailChanged {
                user: user.0,
                old_email,
                email,
            },
            CoreNotification::PasswordResetRequested {
                user,
                email,
                token,
                expires_at,
            } => Notification::PasswordResetRequested {
                user: user.0,
                email,
                token: token.expose().to_owned(),
                expires_at,
            },
            CoreNotification::AccountLocked { user, email, until } => Notification::AccountLocked {
                user: user.0,
                email,
                until,
            },
            _ => Notification::Other,
        }
    }
}

/// A query over the audit log; every filter optional.
#[derive(uniffi::Record)]
pub struct AuditQuery {
    /// Only this tenant.
    pub tenant: Option<u64>,
    /// Only this actor.
    pub actor: Option<u64>,
    /// Only this target kind.
    pub target_kind: Option<String>,
    /// Only this object id.
    pub target_id: Option<u64>,
    /// Only this action.
    pub action: Option<String>,
    /// Only this outcome.
    pub outcome: Option<String>,
    /// At or after (ms since the Unix epoch).
    pub since: Option<i64>,
    /// Before (ms since the Unix epoch).
    pub until: Option<i64>,
    /// Skip this many.
    pub offset: u64,
    /// At most this many (1 to 1000).
    pub limit: u64,
}

/// One audit record.
#[derive(uniffi::Record)]
pub struct AuditEvent {
    /// Position in the log.
    pub seq: u64,
    /// When, ms since the Unix epoch.
    pub at: i64,
    /// The tenant (0 for none).
    pub tenant: u64,
    /// Who acted.
    pub actor: Option<u64>,
    /// The operation.
    pub action: String,
    /// `ok` or the error kind.
    pub outcome: String,
    /// Kind of the object acted on.
    pub target_kind: Option<String>,
    /// Id of the object acted on.
    pub target_id: Option<u64>,
    /// Free detail.
    pub detail: Option<String>,
    /// The revision the change created.
    pub revision: Option<u64>,
    /// JSON of the records before (secrets redacted).
    pub before: Option<String>,
    /// JSON of the changes (secrets redacted).
    pub after: Option<String>,
}

/// One page of audit events.
#[derive(uniffi::Record)]
pub struct AuditPage {
    /// The events, oldest first.
    pub events: Vec<AuditEvent>,
    /// How many match in all.
    pub total: u64,
    /// The offset of this page.
    pub offset: u64,
}

fn size(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

// ---------------------------------------------------------------- objects

/// An immutable view of the directory at one revision.
#[derive(uniffi::Object)]
pub struct Snapshot {
    inner: Arc<rolecall::Snapshot>,
}

#[uniffi::export]
impl Snapshot {
    /// The revision it reflects.
    pub fn revision(&self) -> u64 {
        self.inner.revision()
    }

    /// Heap bytes it holds (user slots, call-group lists, agreements' levels).
    pub fn memory_bytes(&self) -> u64 {
        self.inner.memory_bytes() as u64
    }

    /// May `user` do `permission`?
    pub fn check(&self, user: u64, permission: String) -> R<bool> {
        Ok(self.inner.check(UserId(user), perm(&permission)?))
    }

    /// May `user` do `permission` on call group / IVR `scope`?
    pub fn check_scoped(&self, user: u64, permission: String, scope: u64) -> R<bool> {
        Ok(self
            .inner
            .check_scoped(UserId(user), perm(&permission)?, ScopeId(scope)))
    }
}

/// The authorization directory. Thread-safe.
#[derive(uniffi::Object)]
pub struct Directory {
    inner: rolecall::Directory,
}

#[uniffi::export]
impl Directory {
    /// An empty directory in memory.
    #[uniffi::constructor]
    pub fn in_memory() -> Arc<Self> {
        Arc::new(Directory {
            inner: rolecall::Directory::in_memory(),
        })
    }

    /// The directory stored in a SQLite file (created if needed).
    #[uniffi::constructor]
    pub fn open_sqlite(path: String) -> R<Arc<Self>> {
        Ok(Arc::new(Directory {
            inner: rolecall::Directory::open_sqlite(path)?,
        }))
    }

    /// The revision of the last change applied.
    pub fn revision(&self) -> u64 {
        self.inner.revision()
    }

    /// Applies changes other processes committed to the same store.
    pub fn refresh(&self) -> R<u64> {
        Ok(self.inner.refresh()?)
    }

    /// Closes the directory (`Directory::close`): releases its store at once; idempotent.
    /// Later changes, refreshes and tenant queries fail with `closed`; checks deny.
    pub fn close(&self) {
        self.inner.close()
    }

    /// Whether `close` was called.
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        Arc::new(Snapshot {
            inner: self.inner.snapshot(),
        })
    }

    /// Sets the argon2id cost of new hashes (lower it only in tests).
    pub fn set_hash_params(&self, m_kib: u32, t: u32, p: u32) {
        self.inner
            .set_hash_params(rolecall::HashParams { m_kib, t, p });
    }

    /// Takes the queued notifications, oldest first.
    pub fn drain_notifications(&self) -> Vec<Notification> {
        self.inner
            .drain_notifications()
            .into_iter()
            .map(Into::into)
            .collect()
    }

    // ---- tenants

    /// Creates a tenant with its superadministrator and the roles of `presets`.
    pub fn create_tenant(
        &self,
        name: String,
        superadmin: NewUser,
        presets: Vec<Preset>,
    ) -> R<TenantCreated> {
        let t = self
            .inner
            .create_tenant(&name, &superadmin.into(), &presets)?;
        Ok(TenantCreated {
            tenant: t.tenant.0,
            superadmin: t.superadmin.0,
            roles: t.roles.iter().map(|r| r.0).collect(),
        })
    }

    /// Installs a preset's roles (superadministrator only).
    pub fn install_preset(&self, actor: u64, preset: Preset) -> R<Vec<u64>> {
        let roles = self.inner.install_preset(UserId(actor), preset)?;
        Ok(roles.iter().map(|r| r.0).collect())
    }

    /// A tenant.
    pub fn tenant(&self, tenant: u64) -> R<Tenant> {
        Ok(self.inner.tenant(TenantId(tenant))?.into())
    }

    /// Every tenant.
    pub fn tenants(&self) -> Vec<Tenant> {
        self.inner.tenants().into_iter().map(Into::into).collect()
    }

    /// A tenant's password policy.
    pub fn password_policy(&self, tenant: u64) -> R<PasswordPolicy> {
        Ok(self.inner.password_policy(TenantId(tenant))?.into())
    }

    /// The superadministrator sets the tenant's password policy.
    pub fn set_password_policy(&self, actor: u64, policy: PasswordPolicy) -> R<()> {
        Ok(self
            .inner
            .set_password_policy(UserId(actor), &policy.into())?)
    }

    /// A tenant's options.
    pub fn tenant_settings(&self, tenant: u64) -> R<TenantSettings> {
        Ok(self.inner.tenant_settings(TenantId(tenant))?.into())
    }

    /// The superadministrator sets the tenant's options.
    pub fn set_tenant_settings(&self, actor: u64, settings: TenantSettings) -> R<()> {
        Ok(self
            .inner
            .set_tenant_settings(UserId(actor), &settings.into())?)
    }

    // ---- users

    /// Creates a user.
    pub fn create_user(&self, actor: u64, user: NewUser) -> R<u64> {
        Ok(self.inner.create_user(UserId(actor), &user.into())?.0)
    }

    /// Edits a user's names, email or phone.
    pub fn update_user(&self, actor: u64, user: u64, patch: UserPatch) -> R<()> {
        let p = rolecall::UserPatch {
            first_name: patch.first_name,
            last_name: patch.last_name,
            email: patch.email,
            phone: if patch.remove_phone {
                Some(None)
            } else {
                patch.phone.map(Some)
            },
        };
        Ok(self.inner.update_user(UserId(actor), UserId(user), &p)?)
    }

    /// Activates or deactivates a user.
    pub fn set_active(&self, actor: u64, user: u64, active: bool) -> R<()> {
        Ok(self.inner.set_active(UserId(actor), UserId(user), active)?)
    }

    /// Deletes a user.
    pub fn delete_user(&self, actor: u64, user: u64) -> R<()> {
        Ok(self.inner.delete_user(UserId(actor), UserId(user))?)
    }

    /// Gives a user a role.
    pub fn assign_role(&self, actor: u64, user: u64, role: u64) -> R<()> {
        Ok(self
            .inner
            .assign_role(UserId(actor), UserId(user), RoleId(role))?)
    }

    /// Takes a role from a user.
    pub fn revoke_role(&self, actor: u64, user: u64, role: u64) -> R<()> {
        Ok(self
            .inner
            .revoke_role(UserId(actor), UserId(user), RoleId(role))?)
    }

    /// Replaces the roles a user holds directly.
    pub fn set_user_roles(&self, actor: u64, user: u64, roles: Vec<u64>) -> R<()> {
        let roles: Vec<RoleId> = roles.into_iter().map(RoleId).collect();
        Ok(self
            .inner
            .set_user_roles(UserId(actor), UserId(user), &roles)?)
    }

    /// A user.
    pub fn user(&self, user: u64) -> R<User> {
        Ok(self.inner.user(UserId(user))?.into())
    }

    /// The user of a tenant with this email.
    pub fn user_by_email(&self, tenant: u64, email: String) -> R<User> {
        Ok(self.inner.user_by_email(TenantId(tenant), &email)?.into())
    }

    /// Searches a tenant's users.
    pub fn search_users(&self, tenant: u64, query: UserQuery) -> R<UserPage> {
        let q = rolecall::UserQuery {
            text: query.text,
            active_only: query.active_only,
            offset: size(query.offset),
            limit: size(query.limit),
        };
        let page = self.inner.search_users(TenantId(tenant), &q)?;
        Ok(UserPage {
            users: page.items.into_iter().map(Into::into).collect(),
            total: page.total as u64,
            offset: page.offset as u64,
        })
    }

    /// Users who have not logged in for `days` days.
    pub fn users_inactive_for(&self, tenant: u64, days: u32) -> R<Vec<User>> {
        let users = self.inner.users_inactive_for(TenantId(tenant), days)?;
        Ok(users.into_iter().map(Into::into).collect())
    }

    /// The groups a user belongs to.
    pub fn user_groups(&self, user: u64) -> R<Vec<u64>> {
        let groups = self.inner.user_groups(UserId(user))?;
        Ok(groups.iter().map(|g| g.0).collect())
    }

    // ---- roles

    /// Creates a custom role.
    pub fn create_role(&self, actor: u64, role: NewRole) -> R<u64> {
        let r = rolecall::NewRole {
            permissions: perms(&role.permissions)?,
            name: role.name,
            scoped: role.scoped,
            admin_tier: role.admin_tier,
            description: role.description,
        };
        Ok(self.inner.create_role(UserId(actor), &r)?.0)
    }

    /// Edits a custom role.
    pub fn update_role(&self, actor: u64, role: u64, patch: RolePatch) -> R<()> {
        let p = rolecall::RolePatch {
            name: patch.name,
            permissions: patch.permissions.as_deref().map(perms).transpose()?,
            description: patch.description,
        };
        Ok(self.inner.update_role(UserId(actor), RoleId(role), &p)?)
    }

    /// Deletes a custom role.
    pub fn delete_role(&self, actor: u64, role: u64) -> R<()> {
        Ok(self.inner.delete_role(UserId(actor), RoleId(role))?)
    }

    /// A role.
    pub fn role(&self, role: u64) -> R<Role> {
        Ok(self.inner.role(RoleId(role))?.into())
    }

    /// The role of a tenant with this name.
    pub fn role_by_name(&self, tenant: u64, name: String) -> R<Role> {
        Ok(self.inner.role_by_name(TenantId(tenant), &name)?.into())
    }

    /// The role of `tenant` named `name` in `namespace` (`custom` or a preset's name).
    pub fn role_in_namespace(&self, tenant: u64, namespace: String, name: String) -> R<Role> {
        let ns: rolecall::RoleNamespace = namespace.parse()?;
        Ok(self
            .inner
            .role_in_namespace(TenantId(tenant), ns, &name)?
            .into())
    }

    /// Every role of a tenant.
    pub fn roles(&self, tenant: u64) -> R<Vec<Role>> {
        let roles = self.inner.roles(TenantId(tenant))?;
        Ok(roles.into_iter().map(Into::into).collect())
    }

    // ---- groups

    /// Creates a user group.
    pub fn create_group(&self, actor: u64, name: String, roles: Vec<u64>) -> R<u64> {
        let roles: Vec<RoleId> = roles.into_iter().map(RoleId).collect();
        Ok(self.inner.create_group(UserId(actor), &name, &roles)?.0)
    }

    /// Renames a group.
    pub fn rename_group(&self, actor: u64, group: u64, name: String) -> R<()> {
        Ok(self
            .inner
            .rename_group(UserId(actor), GroupId(group), &name)?)
    }

    /// Adds a role to a group.
    pub fn add_group_role(&self, actor: u64, group: u64, role: u64) -> R<()> {
        Ok(self
            .inner
            .add_group_role(UserId(actor), GroupId(group), RoleId(role))?)
    }

    /// Removes a role from a group.
    pub fn remove_group_role(&self, actor: u64, group: u64, role: u64) -> R<()> {
        Ok(self
            .inner
            .remove_group_role(UserId(actor), GroupId(group), RoleId(role))?)
    }

    /// Adds a user to a group.
    pub fn add_member(&self, actor: u64, group: u64, user: u64) -> R<()> {
        Ok(self
            .inner
            .add_member(UserId(actor), GroupId(group), UserId(user))?)
    }

    /// Removes a user from a group.
    pub fn remove_member(&self, actor: u64, group: u64, user: u64) -> R<()> {
        Ok(self
            .inner
            .remove_member(UserId(actor), GroupId(group), UserId(user))?)
    }

    /// Deletes a group.
    pub fn delete_group(&self, actor: u64, group: u64) -> R<()> {
        Ok(self.inner.delete_group(UserId(actor), GroupId(group))?)
    }

    /// A group.
    pub fn group(&self, group: u64) -> R<Group> {
        Ok(self.inner.group(GroupId(group))?.into())
    }

    /// The group of a tenant with this name.
    pub fn group_by_name(&self, tenant: u64, name: String) -> R<Group> {
        Ok(self.inner.group_by_name(TenantId(tenant), &name)?.into())
    }

    /// Every group of a tenant.
    pub fn groups(&self, tenant: u64) -> R<Vec<Group>> {
        let groups = self.inner.groups(TenantId(tenant))?;
        Ok(groups.into_iter().map(Into::into).collect())
    }

    /// The members of a group.
    pub fn group_members(&self, group: u64) -> R<Vec<u64>> {
        let members = self.inner.group_members(GroupId(group))?;
        Ok(members.iter().map(|u| u.0).collect())
    }

    /// The permissions a group grants.
    pub fn group_permissions(&self, group: u64) -> R<Vec<String>> {
        Ok(names(self.inner.group_permissions(GroupId(group))?))
    }

    // ---- scopes

    /// Creates a call group or IVR.
    pub fn create_scope(&self, actor: u64, kind: ScopeKind, name: String) -> R<u64> {
        Ok(self.inner.create_scope(UserId(actor), kind, &name)?.0)
    }

    /// Deletes a call group or IVR.
    pub fn delete_scope(&self, actor: u64, scope: u64) -> R<()> {
        Ok(self.inner.delete_scope(UserId(actor), ScopeId(scope))?)
    }

    /// Authorises a user for a call group / IVR.
    pub fn assign_scope(&self, actor: u64, user: u64, scope: u64) -> R<()> {
        Ok(self
            .inner
            .assign_scope(UserId(actor), UserId(user), ScopeId(scope))?)
    }

    /// Withdraws a call group / IVR from a user.
    pub fn unassign_scope(&self, actor: u64, user: u64, scope: u64) -> R<()> {
        Ok(self
            .inner
            .unassign_scope(UserId(actor), UserId(user), ScopeId(scope))?)
    }

    /// Replaces the call groups / IVRs of a user.
    pub fn set_user_scopes(&self, actor: u64, user: u64, scopes: Vec<u64>) -> R<()> {
        let scopes: Vec<ScopeId> = scopes.into_iter().map(ScopeId).collect();
        Ok(self
            .inner
            .set_user_scopes(UserId(actor), UserId(user), &scopes)?)
    }

    /// A scope resource.
    pub fn scope(&self, scope: u64) -> R<Scope> {
        Ok(self.inner.scope(ScopeId(scope))?.into())
    }

    /// Every call group and IVR of a tenant.
    pub fn scopes(&self, tenant: u64) -> R<Vec<Scope>> {
        let scopes = self.inner.scopes(TenantId(tenant))?;
        Ok(scopes.into_iter().map(Into::into).collect())
    }

    // ---- agreements

    /// Creates an agreement and appoints its Owner.
    pub fn create_agreement(&self, actor: u64, name: String, owner: u64) -> R<u64> {
        Ok(self
            .inner
            .create_agreement(UserId(actor), &name, UserId(owner))?
            .0)
    }

    /// Sets a user's access level on a product of an agreement.
    pub fn set_access_level(
        &self,
        actor: u64,
        agreement: u64,
        user: u64,
        product: Product,
        level: AccessLevel,
    ) -> R<()> {
        Ok(self.inner.set_access_level(
            UserId(actor),
            AgreementId(agreement),
            UserId(user),
            product,
            level,
        )?)
    }

    /// Transfers ownership of an agreement.
    pub fn transfer_ownership(&self, actor: u64, agreement: u64, new_owner: u64) -> R<()> {
        Ok(self.inner.transfer_ownership(
            UserId(actor),
            AgreementId(agreement),
            UserId(new_owner),
        )?)
    }

    /// Links a user to a virtual-PBX subscriber (`None` unlinks).
    pub fn link_pbx_subscriber(
        &self,
        actor: u64,
        agreement: u64,
        user: u64,
        subscriber: Option<String>,
    ) -> R<()> {
        Ok(self.inner.link_pbx_subscriber(
            UserId(actor),
            AgreementId(agreement),
            UserId(user),
            subscriber.as_deref(),
        )?)
    }

    /// An agreement.
    pub fn agreement(&self, agreement: u64) -> R<Agreement> {
        Ok(self.inner.agreement(AgreementId(agreement))?.into())
    }

    /// Every agreement of a tenant.
    pub fn agreements(&self, tenant: u64) -> R<Vec<Agreement>> {
        let ags = self.inner.agreements(TenantId(tenant))?;
        Ok(ags.into_iter().map(Into::into).collect())
    }

    /// The PBX subscriber a user is linked to on an agreement.
    pub fn pbx_subscriber(&self, agreement: u64, user: u64) -> R<Option<String>> {
        Ok(self
            .inner
            .pbx_subscriber(AgreementId(agreement), UserId(user))?)
    }

    // ---- checks

    /// May `user` do `permission`? False for an unknown or inactive user.
    pub fn check(&self, user: u64, permission: String) -> R<bool> {
        Ok(self.inner.check(UserId(user), perm(&permission)?))
    }

    /// May `user` do `permission` on call group / IVR `scope`?
    pub fn check_scoped(&self, user: u64, permission: String, scope: u64) -> R<bool> {
        Ok(self
            .inner
            .check_scoped(UserId(user), perm(&permission)?, ScopeId(scope)))
    }

    /// Checks `(users[i], permissions[i])` pairs at one revision.
    pub fn check_many(&self, users: Vec<u64>, permissions: Vec<String>) -> R<Vec<bool>> {
        if users.len() != permissions.len() {
            return Err(rolecall::Error::InvalidArgument {
                what: "check_many",
                reason: "needs as many users as permissions".into(),
            }
            .into());
        }
        let pairs = users
            .into_iter()
            .zip(&permissions)
            .map(|(u, p)| Ok((UserId(u), perm(p)?)))
            .collect::<R<Vec<_>>>()?;
        Ok(self.inner.check_many(&pairs))
    }

    /// Which call groups / IVRs `user` may see for `permission`.
    pub fn allowed_scopes(&self, user: u64, permission: String) -> R<ScopeAccess> {
        Ok(
            match self
                .inner
                .allowed_scopes(UserId(user), perm(&permission)?)?
            {
                CoreScopeAccess::All => ScopeAccess::All,
                CoreScopeAccess::Only(ids) => ScopeAccess::Only {
                    scopes: ids.iter().map(|s| s.0).collect(),
                },
            },
        )
    }

    /// The effective permissions of a user (names, catalogue order).
    pub fn effective_permissions(&self, user: u64) -> R<Vec<String>> {
        Ok(names(self.inner.effective_permissions(UserId(user))?))
    }

    /// Users of a tenant holding `permission` (within `scope` when given).
    pub fn users_with_permission(
        &self,
        tenant: u64,
        permission: String,
        scope: Option<u64>,
    ) -> R<Vec<u64>> {
        let users = self.inner.users_with_permission(
            TenantId(tenant),
            perm(&permission)?,
            scope.map(ScopeId),
        )?;
        Ok(users.iter().map(|u| u.0).collect())
    }

    /// The access level of `user` on `product` of `agreement`.
    pub fn access_level(&self, agreement: u64, user: u64, product: Product) -> AccessLevel {
        self.inner
            .access_level(AgreementId(agreement), UserId(user), product)
    }

    /// May `user` listen to the recordings of PBX subscriber `subscriber`?
    pub fn may_listen_recordings(&self, agreement: u64, user: u64, subscriber: String) -> bool {
        self.inner
            .may_listen_recordings(AgreementId(agreement), UserId(user), &subscriber)
    }

    /// May `user` use click-to-call as PBX subscriber `subscriber`?
    pub fn may_click_to_call(&self, agreement: u64, user: u64, subscriber: String) -> bool {
        self.inner
            .may_click_to_call(AgreementId(agreement), UserId(user), &subscriber)
    }

    /// Why `check(user, permission)` answers as it does.
    pub fn explain(&self, user: u64, permission: String) -> R<Explanation> {
        let e = self.inner.explain(UserId(user), perm(&permission)?)?;
        Ok(Explanation {
            allowed: e.allowed,
            superadmin: e.superadmin,
            inactive: e.inactive,
            grants: e
                .grants
                .into_iter()
                .map(|g| Grant {
                    role: g.role.0,
                    role_name: g.role_name,
                    role_namespace: g.role_namespace.name().to_owned(),
                    via_group: g.via_group.map(|g| g.0),
                    scoped: g.scoped,
                    grants: names(g.grants),
                })
                .collect(),
        })
    }

    // ---- credentials

    /// Logs a user in by email and password.
    pub fn login(&self, tenant: u64, email: String, password: String) -> R<Session> {
        let s = self.inner.login(TenantId(tenant), &email, &password)?;
        Ok(Session {
            user: s.user.0,
            stamp: s.stamp,
            must_change_password: s.must_change_password,
        })
    }

    /// An administrator sets a user's password.
    pub fn set_password(&self, actor: u64, user: u64, password: String, temporary: bool) -> R<()> {
        Ok(self
            .inner
            .set_password(UserId(actor), UserId(user), &password, temporary)?)
    }

    /// A user changes its own password.
    pub fn change_password(&self, user: u64, current: String, new_password: String) -> R<()> {
        Ok(self
            .inner
            .change_password(UserId(user), &current, &new_password)?)
    }

    /// Starts a recovery by email (`None` when no active user has that email).
    pub fn request_password_reset(&self, tenant: u64, email: String) -> R<Option<ResetIssued>> {
        let issued = self
            .inner
            .request_password_reset(TenantId(tenant), &email)?;
        Ok(issued.map(|r| ResetIssued {
            user: r.user.0,
            token: r.token.expose().to_owned(),
            expires_at: r.expires_at,
        }))
    }

    /// Sets a new password with a recovery token; returns the user.
    pub fn reset_password_with_token(
        &self,
        tenant: u64,
        token: String,
        new_password: String,
    ) -> R<u64> {
        Ok(self
            .inner
            .reset_password_with_token(TenantId(tenant), &token, &new_password)?
            .0)
    }

    /// Unlocks an account locked by failed logins.
    pub fn unlock(&self, actor: u64, user: u64) -> R<()> {
        Ok(self.inner.unlock(UserId(actor), UserId(user))?)
    }

    /// A user's credential state.
    pub fn credential_status(&self, user: u64) -> R<CredentialStatus> {
        let s = self.inner.credential_status(UserId(user))?;
        Ok(CredentialStatus {
            has_password: s.has_password,
            must_change: s.must_change,
            failed_logins: s.failed_logins,
            locked_until: s.locked_until,
        })
    }

    /// A user's security stamp.
    pub fn security_stamp(&self, user: u64) -> R<u64> {
        Ok(self.inner.security_stamp(UserId(user))?)
    }

    /// Whether a session issued under `stamp` is still valid.
    pub fn session_valid(&self, user: u64, stamp: u64) -> bool {
        self.inner.session_valid(UserId(user), stamp)
    }

    // ---- audit

    /// Audit events matching `query`, oldest first.
    pub fn audit_events(&self, query: AuditQuery) -> R<AuditPage> {
        let q = CoreAuditQuery {
            tenant: query.tenant.map(TenantId),
            actor: query.actor.map(UserId),
            target_kind: query.target_kind.as_deref().map(str::parse).transpose()?,
            target_id: query.target_id,
            action: query.action.as_deref().map(str::parse).transpose()?,
            outcome: query.outcome,
            since: query.since,
            until: query.until,
            offset: size(query.offset),
            limit: size(query.limit),
        };
        let page = self.inner.audit_events(&q)?;
        Ok(AuditPage {
            events: page
                .items
                .into_iter()
                .map(|e| AuditEvent {
                    seq: e.seq,
                    at: e.at,
                    tenant: e.tenant.0,
                    actor: e.actor.map(|a| a.0),
                    action: e.action.to_string(),
                    outcome: e.outcome,
                    target_kind: e.target_kind.map(|k| k.to_string()),
                    target_id: e.target_id,
                    detail: e.detail,
                    revision: e.revision,
                    before: e.before,
                    after: e.after,
                })
                .collect(),
            total: page.total as u64,
            offset: page.offset as u64,
        })
    }

    // Bulk building (issue 14).

    /// Creates a user restricted to the call groups / IVRs `scopes` (as `set_user_scopes`)
    /// and joining `groups` (each as `add_member`), in one commit.
    pub fn create_user_in(
        &self,
        actor: u64,
        user: NewUser,
        scopes: Vec<u64>,
        groups: Vec<u64>,
    ) -> R<u64> {
        let mut u: rolecall::NewUser = user.into();
        u.scopes = scopes.into_iter().map(ScopeId).collect();
        u.groups = groups.into_iter().map(GroupId).collect();
        Ok(self.inner.create_user(UserId(actor), &u)?.0)
    }

    /// Adds many users to a group in one atomic commit, each under the rules of `add_member`.
    pub fn add_members(&self, actor: u64, group: u64, users: Vec<u64>) -> R<()> {
        let users: Vec<UserId> = users.into_iter().map(UserId).collect();
        Ok(self
            .inner
            .add_members(UserId(actor), GroupId(group), &users)?)
    }
}

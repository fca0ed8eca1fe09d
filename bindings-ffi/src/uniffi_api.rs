//! The same API exported through uniffi's proc-macros (feature `uniffi`), so that Kotlin, Swift
//! and Python bindings can be generated from this library with `uniffi-bindgen` (namespace
//! `rolecall_uniffi`). Every method calls the core's [`rolecall::Directory`]; no rule lives here.
//!
//! uniffi carries the core's own types: the ids are custom types over `u64`
//! (`uniffi::custom_type!`), the plain records and enums are declared to uniffi as the core
//! defines them (`#[uniffi::remote(Record)]`, `#[uniffi::remote(Enum)]`: a declaration that
//! must list the core's fields, which the compiler checks, and that generates only the FFI
//! conversions). A local type stands in for a core type only where uniffi cannot carry it:
//!
//! - [`TenantSettings`] and [`Notification`] are `#[non_exhaustive]` in the core (a remote
//!   declaration could not build the one, and would turn a future variant of the other into a
//!   panic at the boundary), so [`Tenant`], which holds the settings, is local too;
//! - [`ScopeAccess`]: the core's `Only` is a tuple variant, whose field the bindings would
//!   leave unnamed (`v1` in Kotlin);
//! - [`UserPatch`]: the core's `phone: Option<Option<String>>` has no distinct inner `None` in
//!   Python, hence `remove_phone`;
//! - [`PresetRole`]: the core's holds `&'static str`.
//! - [`ScopeKind`] and so [`Scope`]: the core's `Custom(CustomKind)` holds a validated name that
//!   uniffi cannot carry. The bindings get an enum with one variant per built-in kind and
//!   `Custom { name }` for a tenant-defined kind (Kotlin: a sealed class, `ScopeKind.Queue`,
//!   `ScopeKind.Custom("brand")`; Swift: `.queue`, `.custom(name: "brand")`), so that a `when` /
//!   `switch` over built-in kinds is checked by the compiler. A `Custom` name that is not a
//!   valid custom kind name (`[a-z][a-z0-9_]{0,23}`, not a built-in name such as `"queue"`) is
//!   refused with `invalid_argument`; `scope_kind_from_name` parses a name read from
//!   configuration into either form.
//!
//! Reads: `user` and `search_users` are the unchecked reads for trusted host code (an admin
//! console's back end that authorises by itself); `user_as` and `search_users_as` read as an
//! acting user, showing only whom it may view (`users.view`, unscoped or for its teams).
//!
//! Conventions of the generated bindings: ids are `u64` (type aliases `UserId`, `RoleId`, ...);
//! permission sets are lists of dotted names in catalogue order (`Permissions`), a single
//! permission argument is one dotted name (`"campaigns.view"`); role namespaces, audit actions
//! and object kinds are their names (`"managers"`, `"create_user"`, `"user"`); sizes and offsets
//! are `u64` (`Count`); every refusal raises `RolecallError.Refused` carrying the core's stable
//! `code`, `kind` and message.

use std::collections::BTreeSet;
use std::sync::Arc;

use rolecall::{
    AccessLevel, Agreement, AgreementId, AuditAction, AuditEvent, AuditQuery, CredentialStatus,
    Explanation, Grant, Group, GroupId, NewRole, NewUser, ObjectKind, Page, PasswordPolicy,
    Permission, Preset, Product, ResetIssued, Role, RoleId, RoleNamespace, RolePatch, ScopeGrant,
    ScopeId, Secret, Session, TenantCreated, TenantId, User, UserId, UserQuery,
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

/// What a [`NotificationListener`] that raised becomes on the Rust side, where the directory
/// ignores it: never returned by a method.
impl From<uniffi::UnexpectedUniFFICallbackError> for RolecallError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        RolecallError::Refused {
            code: 0,
            kind: "listener_failed".to_owned(),
            message: e.reason,
        }
    }
}

type R<T> = Result<T, RolecallError>;

// ---------------------------------------------------------------- custom types

// The ids: `u64` in the bindings, the core's newtypes here.
macro_rules! id_types {
    ($($(#[doc = $doc:literal])* $id:ident;)*) => {$(
        uniffi::custom_type!($(#[doc = $doc])* $id, u64, {
            remote,
            lower: |id| id.0,
            try_lift: |n| Ok($id(n)),
        });
    )*};
}

id_types! {
    /// Identifies a tenant.
    TenantId;
    /// Identifies a user.
    UserId;
    /// Identifies a role.
    RoleId;
    /// Identifies a user group.
    GroupId;
    /// Identifies a scope (call group, IVR, queue, campaign, number, team, custom kind).
    ScopeId;
    /// Identifies an agreement.
    AgreementId;
}

/// A set of permissions: the core's bit set here, its dotted names in catalogue order in the
/// bindings. An unknown name is refused with `unknown_permission`.
type Permissions = Permission;
uniffi::custom_type!(Permissions, Vec<String>, {
    remote,
    lower: |p| names(p),
    try_lift: |names| Ok(Permission::from_names(&names).map_err(RolecallError::from)?),
});

/// Role ids held by a user or a group: the core's ordered set, a list in id order in the
/// bindings.
type RoleSet = BTreeSet<RoleId>;
uniffi::custom_type!(RoleSet, Vec<RoleId>, {
    remote,
    lower: |set| set.into_iter().collect(),
    try_lift: |ids| Ok(ids.into_iter().collect()),
});

/// Scopes assigned to a user, or teams it is a member of: a list in id order in the bindings.
type ScopeSet = BTreeSet<ScopeId>;
uniffi::custom_type!(ScopeSet, Vec<ScopeId>, {
    remote,
    lower: |set| set.into_iter().collect(),
    try_lift: |ids| Ok(ids.into_iter().collect()),
});

/// Roles granted to a user per scope: a list in (role, scope) order in the bindings.
type ScopeGrantSet = BTreeSet<ScopeGrant>;
uniffi::custom_type!(ScopeGrantSet, Vec<ScopeGrant>, {
    remote,
    lower: |set| set.into_iter().collect(),
    try_lift: |grants| Ok(grants.into_iter().collect()),
});

/// A count, offset or size (`usize` in the core), `u64` in the bindings; a value beyond the
/// platform's `usize` reads as `usize::MAX` (a limit the core then refuses).
type Count = usize;
uniffi::custom_type!(Count, u64, {
    remote,
    lower: |n| n as u64,
    try_lift: |n| Ok(usize::try_from(n).unwrap_or(usize::MAX)),
});

// The namespace a role's name is unique in, by its name (`custom`, `managers`, `role_model`,
// `dashboard`); an unknown name is refused with `unknown_namespace`.
uniffi::custom_type!(RoleNamespace, String, {
    remote,
    lower: |ns| ns.name().to_owned(),
    try_lift: |name| Ok(name.parse::<RoleNamespace>().map_err(RolecallError::from)?),
});

// What an audited operation did, by its name (`create_user`, `login`, ...); an unknown name is
// refused with `invalid_argument`.
uniffi::custom_type!(AuditAction, String, {
    remote,
    lower: |a| a.name().to_owned(),
    try_lift: |name| Ok(name.parse::<AuditAction>().map_err(RolecallError::from)?),
});

// The kind of an object, by its name (`user`, `role`, ...); an unknown name is refused with
// `invalid_argument`.
uniffi::custom_type!(ObjectKind, String, {
    remote,
    lower: |k| k.name().to_owned(),
    try_lift: |name| Ok(name.parse::<ObjectKind>().map_err(RolecallError::from)?),
});

// A secret (password, recovery token): plain text in the bindings.
uniffi::custom_type!(Secret, String, {
    remote,
    lower: |s| s.expose().to_owned(),
    try_lift: |s| Ok(Secret::new(s)),
});

fn names(p: Permission) -> Vec<String> {
    p.names().into_iter().map(str::to_owned).collect()
}

fn perm(name: &str) -> R<Permission> {
    Ok(Permission::by_name(name)?)
}

// ---------------------------------------------------------------- the core's enumerations

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

// ---------------------------------------------------------------- the core's records

/// What `create_tenant` created: the tenant, its superadministrator and the built-in roles.
#[uniffi::remote(Record)]
pub struct TenantCreated {
    pub tenant: TenantId,
    pub superadmin: UserId,
    pub roles: Vec<RoleId>,
}

/// A tenant's password and lockout policy (`lockout_ms` = `i64::MAX`: until unlocked).
#[uniffi::remote(Record)]
pub struct PasswordPolicy {
    pub min_length: Count,
    pub max_length: Count,
    pub reject_common: bool,
    pub reject_personal: bool,
    pub max_failed_logins: u32,
    pub lockout_ms: i64,
    pub reset_token_ttl_ms: i64,
}

/// A user to create. `temporary` (the initial password must be changed at first login)
/// defaults to true, as for every password set by someone else. `scopes` (call groups / IVRs,
/// as `set_user_scopes`), `groups` (each as `add_member`), `teams` (as `set_user_teams`) and
/// `grants` (each as `grant_role_in_scope`) are applied in the same commit.
#[uniffi::remote(Record)]
pub struct NewUser {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub roles: Vec<RoleId>,
    pub active: bool,
    pub password: Option<Secret>,
    #[uniffi(default = true)]
    pub temporary: bool,
    // Last, with their defaults, so that callers written before them still compile.
    #[uniffi(default)]
    pub scopes: Vec<ScopeId>,
    #[uniffi(default)]
    pub groups: Vec<GroupId>,
    #[uniffi(default)]
    pub teams: Vec<ScopeId>,
    #[uniffi(default)]
    pub grants: Vec<ScopeGrant>,
}

/// A role granted to a user for `scope` and everything below it.
#[uniffi::remote(Record)]
pub struct ScopeGrant {
    pub role: RoleId,
    pub scope: ScopeId,
}

/// A user. Times are ms since the Unix epoch; `stamp` is the security stamp.
#[uniffi::remote(Record)]
pub struct User {
    pub id: UserId,
    pub tenant: TenantId,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub active: bool,
    pub roles: RoleSet,
    pub scopes: ScopeSet,
    pub grants: ScopeGrantSet,
    pub teams: ScopeSet,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_login: Option<i64>,
    pub stamp: u64,
}

/// A user search: text to look for, active users only, paging (limit 1 to 1000).
#[uniffi::remote(Record)]
pub struct UserQuery {
    pub text: Option<String>,
    pub active_only: bool,
    pub offset: Count,
    pub limit: Count,
}

/// One page of users: the users of this page, how many match in all, and this page's offset.
type UserPage = Page<User>;
#[uniffi::remote(Record)]
pub struct UserPage {
    pub items: Vec<User>,
    pub total: Count,
    pub offset: Count,
}

/// A custom role to create.
#[uniffi::remote(Record)]
pub struct NewRole {
    pub name: String,
    pub permissions: Permissions,
    pub scoped: bool,
    pub admin_tier: bool,
    pub description: String,
}

/// Changes to a custom role; `None` leaves a field as it is.
#[uniffi::remote(Record)]
pub struct RolePatch {
    pub name: Option<String>,
    pub permissions: Option<Permissions>,
    pub description: Option<String>,
}

/// A role: its name is unique within its `namespace` (`custom`, or the preset it was
/// installed from).
#[uniffi::remote(Record)]
pub struct Role {
    pub id: RoleId,
    pub tenant: TenantId,
    pub name: String,
    pub namespace: RoleNamespace,
    pub permissions: Permissions,
    pub scoped: bool,
    pub admin_tier: bool,
    pub description: String,
    pub created_at: i64,
}

/// A user group: a named set of roles its members inherit.
#[uniffi::remote(Record)]
pub struct Group {
    pub id: GroupId,
    pub tenant: TenantId,
    pub name: String,
    pub roles: RoleSet,
    pub created_at: i64,
}

/// An agreement and its Owner.
#[uniffi::remote(Record)]
pub struct Agreement {
    pub id: AgreementId,
    pub tenant: TenantId,
    pub name: String,
    pub owner: UserId,
    pub created_at: i64,
}

/// One reason a user holds (part of) a permission: a role, held directly or through a group,
/// or granted for `scope` (and everything below it).
#[uniffi::remote(Record)]
pub struct Grant {
    pub role: RoleId,
    pub role_name: String,
    pub role_namespace: RoleNamespace,
    pub via_group: Option<GroupId>,
    pub scoped: bool,
    pub scope: Option<ScopeId>,
    pub grants: Permissions,
}

/// Why a check answers as it does.
#[uniffi::remote(Record)]
pub struct Explanation {
    pub user: UserId,
    pub permission: Permissions,
    pub allowed: bool,
    pub superadmin: bool,
    pub inactive: bool,
    pub grants: Vec<Grant>,
}

/// A successful login: keep `stamp` with the session.
#[uniffi::remote(Record)]
pub struct Session {
    pub user: UserId,
    pub stamp: u64,
    pub must_change_password: bool,
}

/// A user's credential state (no hash).
#[uniffi::remote(Record)]
pub struct CredentialStatus {
    pub has_password: bool,
    pub must_change: bool,
    pub failed_logins: u32,
    pub locked_until: Option<i64>,
}

/// A recovery token to send to the user (single use).
#[uniffi::remote(Record)]
pub struct ResetIssued {
    pub user: UserId,
    pub token: Secret,
    pub expires_at: i64,
}

/// A query over the audit log; every filter optional; oldest first.
#[uniffi::remote(Record)]
pub struct AuditQuery {
    pub tenant: Option<TenantId>,
    pub actor: Option<UserId>,
    pub target_kind: Option<ObjectKind>,
    pub target_id: Option<u64>,
    pub action: Option<AuditAction>,
    pub outcome: Option<String>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub offset: Count,
    pub limit: Count,
}

/// One audit record (`before` and `after`: JSON, secrets redacted).
#[uniffi::remote(Record)]
pub struct AuditEvent {
    pub seq: u64,
    pub at: i64,
    pub tenant: TenantId,
    pub actor: Option<UserId>,
    pub action: AuditAction,
    pub outcome: String,
    pub target_kind: Option<ObjectKind>,
    pub target_id: Option<u64>,
    pub detail: Option<String>,
    pub revision: Option<u64>,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// One page of audit events.
type AuditPage = Page<AuditEvent>;
#[uniffi::remote(Record)]
pub struct AuditPage {
    pub items: Vec<AuditEvent>,
    pub total: Count,
    pub offset: Count,
}

// ---------------------------------------------------------------- local stand-ins

/// A tenant's options, set by its superadministrator (the core's are `#[non_exhaustive]`).
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

/// A tenant (local because it holds the settings).
#[derive(uniffi::Record)]
pub struct Tenant {
    /// Its id.
    pub id: TenantId,
    /// Its name.
    pub name: String,
    /// Its superadministrator.
    pub superadmin: UserId,
    /// Creation time, ms since the Unix epoch.
    pub created_at: i64,
    /// Its password policy.
    pub policy: PasswordPolicy,
    /// Its options.
    pub settings: TenantSettings,
}

impl From<rolecall::Tenant> for Tenant {
    fn from(t: rolecall::Tenant) -> Self {
        Tenant {
            id: t.id,
            name: t.name,
            superadmin: t.superadmin,
            created_at: t.created_at,
            policy: t.policy,
            settings: t.settings.into(),
        }
    }
}

/// Changes to a user's profile; `None` leaves a field as it is, `remove_phone` removes the
/// phone (the core's `phone: Some(None)`).
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

impl From<UserPatch> for rolecall::UserPatch {
    fn from(p: UserPatch) -> Self {
        rolecall::UserPatch {
            first_name: p.first_name,
            last_name: p.last_name,
            email: p.email,
            phone: if p.remove_phone {
                Some(None)
            } else {
                p.phone.map(Some)
            },
        }
    }
}

/// One role of a preset's catalogue.
#[derive(uniffi::Record)]
pub struct PresetRole {
    /// Name.
    pub name: String,
    /// What it grants.
    pub permissions: Permissions,
    /// Scope-restricted.
    pub scoped: bool,
    /// Administrator tier.
    pub admin_tier: bool,
    /// The source's description.
    pub description: String,
}

impl From<&rolecall::PresetRole> for PresetRole {
    fn from(r: &rolecall::PresetRole) -> Self {
        PresetRole {
            name: r.name.to_owned(),
            permissions: r.permissions,
            scoped: r.scoped,
            admin_tier: r.admin_tier,
            description: r.description.to_owned(),
        }
    }
}

/// The kind of a scope: a built-in kind, or `Custom { name }` for a kind the tenant defined
/// (local: the core's `Custom` holds a validated name; see the module documentation).
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum ScopeKind {
    /// A call group (routing group).
    CallGroup,
    /// An IVR.
    Ivr,
    /// A contact-center queue.
    Queue,
    /// An outbound campaign.
    Campaign,
    /// A phone number (DID).
    Number,
    /// A unit of users (team, site, department): the only kind users are members of.
    Team,
    /// A kind the tenant defined (`brand`, `skill`, ...).
    Custom {
        /// Its name: `[a-z][a-z0-9_]{0,23}`, not a built-in kind's name.
        name: String,
    },
}

impl From<rolecall::ScopeKind> for ScopeKind {
    fn from(k: rolecall::ScopeKind) -> Self {
        match k {
            rolecall::ScopeKind::CallGroup => ScopeKind::CallGroup,
            rolecall::ScopeKind::Ivr => ScopeKind::Ivr,
            rolecall::ScopeKind::Queue => ScopeKind::Queue,
            rolecall::ScopeKind::Campaign => ScopeKind::Campaign,
            rolecall::ScopeKind::Number => ScopeKind::Number,
            rolecall::ScopeKind::Team => ScopeKind::Team,
            rolecall::ScopeKind::Custom(c) => ScopeKind::Custom {
                name: c.as_str().to_owned(),
            },
        }
    }
}

impl ScopeKind {
    /// The core's kind (a custom name is checked).
    fn core(&self) -> R<rolecall::ScopeKind> {
        Ok(match self {
            ScopeKind::CallGroup => rolecall::ScopeKind::CallGroup,
            ScopeKind::Ivr => rolecall::ScopeKind::Ivr,
            ScopeKind::Queue => rolecall::ScopeKind::Queue,
            ScopeKind::Campaign => rolecall::ScopeKind::Campaign,
            ScopeKind::Number => rolecall::ScopeKind::Number,
            ScopeKind::Team => rolecall::ScopeKind::Team,
            ScopeKind::Custom { name } => rolecall::ScopeKind::custom(name)?,
        })
    }
}

/// A scope: a call group, IVR, queue, campaign, number, team or a kind of the tenant's own,
/// below `parent` (`None`: a root) in the tenant's hierarchy.
#[derive(uniffi::Record)]
pub struct Scope {
    /// Its id.
    pub id: ScopeId,
    /// Its tenant.
    pub tenant: TenantId,
    /// Its kind.
    pub kind: ScopeKind,
    /// Its name, unique per tenant and kind.
    pub name: String,
    /// Its parent, or `None` for a root.
    pub parent: Option<ScopeId>,
}

impl From<rolecall::Scope> for Scope {
    fn from(s: rolecall::Scope) -> Self {
        Scope {
            id: s.id,
            tenant: s.tenant,
            kind: s.kind.into(),
            name: s.name,
            parent: s.parent,
        }
    }
}

/// Which scopes a user may see for a permission (local: the core's `Only` is a tuple variant,
/// whose field the bindings would leave unnamed).
#[derive(uniffi::Enum)]
pub enum ScopeAccess {
    /// Every call group and IVR of the tenant.
    All,
    /// Only these (possibly none).
    Only {
        /// The scopes, in id order.
        scopes: Vec<ScopeId>,
    },
}

impl From<rolecall::ScopeAccess> for ScopeAccess {
    fn from(a: rolecall::ScopeAccess) -> Self {
        match a {
            rolecall::ScopeAccess::All => ScopeAccess::All,
            rolecall::ScopeAccess::Only(scopes) => ScopeAccess::Only { scopes },
        }
    }
}

/// Something the host delivers to a user: `email` is where to write (the address now).
#[derive(uniffi::Enum)]
pub enum Notification {
    /// A user's email changed: tell both addresses.
    EmailChanged {
        /// The user.
        user: UserId,
        /// The address before.
        old_email: String,
        /// The address now.
        email: String,
    },
    /// A recovery was requested: send `token` to `email`.
    PasswordResetRequested {
        /// The user.
        user: UserId,
        /// Where to send it.
        email: String,
        /// The token (secret).
        token: Secret,
        /// Expiry, ms since the Unix epoch.
        expires_at: i64,
    },
    /// The account was locked after too many failed logins.
    AccountLocked {
        /// The user.
        user: UserId,
        /// Its email.
        email: String,
        /// End of the lock, ms since the Unix epoch.
        until: i64,
    },
    /// A kind this version does not know.
    Other,
}

impl From<rolecall::Notification> for Notification {
    fn from(n: rolecall::Notification) -> Self {
        use rolecall::Notification as N;
        match n {
            N::EmailChanged {
                user,
                old_email,
                email,
            } => Notification::EmailChanged {
                user,
                old_email,
                email,
            },
            N::PasswordResetRequested {
                user,
                email,
                token,
                expires_at,
            } => Notification::PasswordResetRequested {
                user,
                email,
                token,
                expires_at,
            },
            N::AccountLocked { user, email, until } => {
                Notification::AccountLocked { user, email, until }
            }
            _ => Notification::Other,
        }
    }
}

/// Receives each notification as it is produced ([`Directory::on_notification`]), implemented
/// in the foreign language.
#[uniffi::export(callback_interface)]
pub trait NotificationListener: Send + Sync {
    /// One notification (it also stays queued for `drain_notifications`). Runs under the
    /// directory's write lock: keep it short and never call back into the directory.
    ///
    /// # Errors
    /// Whatever the implementation raises: the directory ignores it.
    fn deliver(&self, notification: Notification) -> R<()>;
}

// ---------------------------------------------------------------- functions

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

/// The roles a preset installs, in the source's order.
#[uniffi::export]
pub fn preset_roles(preset: Preset) -> Vec<PresetRole> {
    preset.roles().iter().map(Into::into).collect()
}

/// The kind named `name`: a built-in kind's name (`"queue"`), or any other valid kind name as
/// `Custom` (`"brand"`).
///
/// # Errors
/// `invalid_argument` for a name that is not a valid kind name.
#[uniffi::export]
pub fn scope_kind_from_name(name: &str) -> R<ScopeKind> {
    Ok(name.parse::<rolecall::ScopeKind>()?.into())
}

/// The stable name of a kind (`"call_group"`, `"queue"`, a custom kind's own name).
///
/// # Errors
/// `invalid_argument` for a `Custom` name that is not a valid custom kind name.
#[uniffi::export]
pub fn scope_kind_name(kind: &ScopeKind) -> R<String> {
    Ok(kind.core()?.name().to_owned())
}

/// The password policy of a new tenant (the core's defaults).
#[uniffi::export]
pub fn default_password_policy() -> PasswordPolicy {
    PasswordPolicy::default()
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
    pub fn memory_bytes(&self) -> Count {
        self.inner.memory_bytes()
    }

    /// May `user` do `permission` (one dotted name)?
    pub fn check(&self, user: UserId, permission: &str) -> R<bool> {
        Ok(self.inner.check(user, perm(permission)?))
    }

    /// May `user` do `permission` on data of `scope` (or of a scope above it)?
    pub fn check_scoped(&self, user: UserId, permission: &str, scope: ScopeId) -> R<bool> {
        Ok(self.inner.check_scoped(user, perm(permission)?, scope))
    }

    /// May `actor` do `permission` on user `target` (unscoped, or for a team it is in)?
    pub fn check_user(&self, actor: UserId, permission: &str, target: UserId) -> R<bool> {
        Ok(self.inner.check_user(actor, perm(permission)?, target))
    }

    /// Which scopes (of `kind`, or of every kind) `user` may see for `permission`; `None`
    /// for an unknown user.
    pub fn allowed_scopes_of(
        &self,
        user: UserId,
        permission: &str,
        kind: Option<ScopeKind>,
    ) -> R<Option<ScopeAccess>> {
        let kind = kind.map(|k| k.core()).transpose()?;
        Ok(self
            .inner
            .allowed_scopes_of(user, perm(permission)?, kind)
            .map(Into::into))
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

    /// The directory stored in a PostgreSQL database, shared by every host that opens the same
    /// database and schema (`schema` None: `"rolecall"`); the other options keep the core's
    /// defaults. `conninfo`: `"host=... user=... dbname=..."` or a `postgresql://` URL. It
    /// follows the store: a library thread applies other hosts' commits as they are announced.
    #[uniffi::constructor]
    pub fn open_postgres(conninfo: String, schema: Option<String>) -> R<Arc<Self>> {
        let defaults = rolecall::PostgresOptions::default();
        let opts = rolecall::PostgresOptions {
            schema: schema.unwrap_or(defaults.schema.clone()),
            ..defaults
        };
        Ok(Arc::new(Directory {
            inner: rolecall::Directory::open_postgres_with(&conninfo, &opts)?,
        }))
    }

    /// A revision token for the current state (opaque): pass it along after a write, and
    /// `at_least` on any other instance of the same store sees that write.
    pub fn revision_token(&self) -> R<String> {
        Ok(self.inner.revision_token()?)
    }

    /// A snapshot that includes everything the state `token` was taken from included,
    /// catching up from the store for up to `timeout_ms` while it is unreachable. Fails with
    /// `stale` (the timeout passed first; retryable) or `foreign_token` (another store's).
    pub fn at_least(&self, token: String, timeout_ms: u64) -> R<Arc<Snapshot>> {
        let s = self
            .inner
            .at_least(&token, std::time::Duration::from_millis(timeout_ms))?;
        Ok(Arc::new(Snapshot { inner: s }))
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
        let queued = self.inner.drain_notifications();
        queued.into_iter().map(Into::into).collect()
    }

    /// Calls `listener` for each notification as it is produced, instead of any listener set
    /// before; the notifications still queue for `drain_notifications`.
    pub fn on_notification(&self, listener: Box<dyn NotificationListener>) {
        self.inner.on_notification(move |n| {
            // A listener that raised: the notification stays queued, the change stands.
            let _ = listener.deliver(n.clone().into());
        });
    }

    // ---- tenants

    /// Creates a tenant with its superadministrator and the roles of `presets`.
    pub fn create_tenant(
        &self,
        name: &str,
        superadmin: &NewUser,
        presets: &[Preset],
    ) -> R<TenantCreated> {
        Ok(self.inner.create_tenant(name, superadmin, presets)?)
    }

    /// Installs a preset's roles (superadministrator only).
    pub fn install_preset(&self, actor: UserId, preset: Preset) -> R<Vec<RoleId>> {
        Ok(self.inner.install_preset(actor, preset)?)
    }

    /// A tenant.
    pub fn tenant(&self, tenant: TenantId) -> R<Tenant> {
        Ok(self.inner.tenant(tenant)?.into())
    }

    /// Every tenant.
    pub fn tenants(&self) -> Vec<Tenant> {
        self.inner.tenants().into_iter().map(Into::into).collect()
    }

    /// A tenant's password policy.
    pub fn password_policy(&self, tenant: TenantId) -> R<PasswordPolicy> {
        Ok(self.inner.password_policy(tenant)?)
    }

    /// The superadministrator sets the tenant's password policy.
    pub fn set_password_policy(&self, actor: UserId, policy: &PasswordPolicy) -> R<()> {
        Ok(self.inner.set_password_policy(actor, policy)?)
    }

    /// A tenant's options.
    pub fn tenant_settings(&self, tenant: TenantId) -> R<TenantSettings> {
        Ok(self.inner.tenant_settings(tenant)?.into())
    }

    /// The superadministrator sets the tenant's options.
    pub fn set_tenant_settings(&self, actor: UserId, settings: TenantSettings) -> R<()> {
        Ok(self.inner.set_tenant_settings(actor, &settings.into())?)
    }

    // ---- users

    /// Creates a user.
    pub fn create_user(&self, actor: UserId, user: &NewUser) -> R<UserId> {
        Ok(self.inner.create_user(actor, user)?)
    }

    /// Creates several users in one change (all or none), in order.
    pub fn create_users(&self, actor: UserId, users: &[NewUser]) -> R<Vec<UserId>> {
        Ok(self.inner.create_users(actor, users)?)
    }

    /// Edits a user's names, email or phone.
    pub fn update_user(&self, actor: UserId, user: UserId, patch: UserPatch) -> R<()> {
        Ok(self.inner.update_user(actor, user, &patch.into())?)
    }

    /// Activates or deactivates a user.
    pub fn set_active(&self, actor: UserId, user: UserId, active: bool) -> R<()> {
        Ok(self.inner.set_active(actor, user, active)?)
    }

    /// Deletes a user.
    pub fn delete_user(&self, actor: UserId, user: UserId) -> R<()> {
        Ok(self.inner.delete_user(actor, user)?)
    }

    /// Gives a user a role.
    pub fn assign_role(&self, actor: UserId, user: UserId, role: RoleId) -> R<()> {
        Ok(self.inner.assign_role(actor, user, role)?)
    }

    /// Takes a role from a user.
    pub fn revoke_role(&self, actor: UserId, user: UserId, role: RoleId) -> R<()> {
        Ok(self.inner.revoke_role(actor, user, role)?)
    }

    /// Replaces the roles a user holds directly.
    pub fn set_user_roles(&self, actor: UserId, user: UserId, roles: &[RoleId]) -> R<()> {
        Ok(self.inner.set_user_roles(actor, user, roles)?)
    }

    /// A user (unchecked: for trusted host code; `user_as` reads as an acting user).
    pub fn user(&self, user: UserId) -> R<User> {
        Ok(self.inner.user(user)?)
    }

    /// A user, if `actor` may view it (`users.view` unscoped, or for a team it is in);
    /// otherwise `permission_denied` / `outside_teams` (`unknown_user` across tenants).
    pub fn user_as(&self, actor: UserId, user: UserId) -> R<User> {
        Ok(self.inner.user_as(actor, user)?)
    }

    /// The user of a tenant with this email.
    pub fn user_by_email(&self, tenant: TenantId, email: &str) -> R<User> {
        Ok(self.inner.user_by_email(tenant, email)?)
    }

    /// Searches a tenant's users (unchecked: for trusted host code).
    pub fn search_users(&self, tenant: TenantId, query: &UserQuery) -> R<UserPage> {
        Ok(self.inner.search_users(tenant, query)?)
    }

    /// Searches the actor's tenant, showing only the users the actor may view; paging counts
    /// only those.
    pub fn search_users_as(&self, actor: UserId, query: &UserQuery) -> R<UserPage> {
        Ok(self.inner.search_users_as(actor, query)?)
    }

    /// Users who have not logged in for `days` days.
    pub fn users_inactive_for(&self, tenant: TenantId, days: u32) -> R<Vec<User>> {
        Ok(self.inner.users_inactive_for(tenant, days)?)
    }

    /// The groups a user belongs to.
    pub fn user_groups(&self, user: UserId) -> R<Vec<GroupId>> {
        Ok(self.inner.user_groups(user)?)
    }

    // ---- roles

    /// Creates a custom role.
    pub fn create_role(&self, actor: UserId, role: &NewRole) -> R<RoleId> {
        Ok(self.inner.create_role(actor, role)?)
    }

    /// Edits a custom role.
    pub fn update_role(&self, actor: UserId, role: RoleId, patch: &RolePatch) -> R<()> {
        Ok(self.inner.update_role(actor, role, patch)?)
    }

    /// Deletes a custom role.
    pub fn delete_role(&self, actor: UserId, role: RoleId) -> R<()> {
        Ok(self.inner.delete_role(actor, role)?)
    }

    /// A role.
    pub fn role(&self, role: RoleId) -> R<Role> {
        Ok(self.inner.role(role)?)
    }

    /// The role of a tenant with this name (or `namespace/name`).
    pub fn role_by_name(&self, tenant: TenantId, name: &str) -> R<Role> {
        Ok(self.inner.role_by_name(tenant, name)?)
    }

    /// The role of `tenant` named `name` in `namespace` (`custom` or a preset's name).
    pub fn role_in_namespace(
        &self,
        tenant: TenantId,
        namespace: RoleNamespace,
        name: &str,
    ) -> R<Role> {
        Ok(self.inner.role_in_namespace(tenant, namespace, name)?)
    }

    /// Every role of a tenant.
    pub fn roles(&self, tenant: TenantId) -> R<Vec<Role>> {
        Ok(self.inner.roles(tenant)?)
    }

    // ---- groups

    /// Creates a user group.
    pub fn create_group(&self, actor: UserId, name: &str, roles: &[RoleId]) -> R<GroupId> {
        Ok(self.inner.create_group(actor, name, roles)?)
    }

    /// Renames a group.
    pub fn rename_group(&self, actor: UserId, group: GroupId, name: &str) -> R<()> {
        Ok(self.inner.rename_group(actor, group, name)?)
    }

    /// Adds a role to a group.
    pub fn add_group_role(&self, actor: UserId, group: GroupId, role: RoleId) -> R<()> {
        Ok(self.inner.add_group_role(actor, group, role)?)
    }

    /// Removes a role from a group.
    pub fn remove_group_role(&self, actor: UserId, group: GroupId, role: RoleId) -> R<()> {
        Ok(self.inner.remove_group_role(actor, group, role)?)
    }

    /// Adds a user to a group.
    pub fn add_member(&self, actor: UserId, group: GroupId, user: UserId) -> R<()> {
        Ok(self.inner.add_member(actor, group, user)?)
    }

    /// Removes a user from a group.
    pub fn remove_member(&self, actor: UserId, group: GroupId, user: UserId) -> R<()> {
        Ok(self.inner.remove_member(actor, group, user)?)
    }

    /// Deletes a group.
    pub fn delete_group(&self, actor: UserId, group: GroupId) -> R<()> {
        Ok(self.inner.delete_group(actor, group)?)
    }

    /// A group.
    pub fn group(&self, group: GroupId) -> R<Group> {
        Ok(self.inner.group(group)?)
    }

    /// The group of a tenant with this name.
    pub fn group_by_name(&self, tenant: TenantId, name: &str) -> R<Group> {
        Ok(self.inner.group_by_name(tenant, name)?)
    }

    /// Every group of a tenant.
    pub fn groups(&self, tenant: TenantId) -> R<Vec<Group>> {
        Ok(self.inner.groups(tenant)?)
    }

    /// The members of a group.
    pub fn group_members(&self, group: GroupId) -> R<Vec<UserId>> {
        Ok(self.inner.group_members(group)?)
    }

    /// The permissions a group grants.
    pub fn group_permissions(&self, group: GroupId) -> R<Permissions> {
        Ok(self.inner.group_permissions(group)?)
    }

    // ---- scopes

    /// Creates a root scope of `kind` (needs `scopes.manage` unscoped).
    pub fn create_scope(&self, actor: UserId, kind: ScopeKind, name: &str) -> R<ScopeId> {
        Ok(self.inner.create_scope(actor, kind.core()?, name)?)
    }

    /// Creates a scope below `parent` (needs `scopes.manage` for `parent`).
    pub fn create_scope_under(
        &self,
        actor: UserId,
        parent: ScopeId,
        kind: ScopeKind,
        name: &str,
    ) -> R<ScopeId> {
        Ok(self
            .inner
            .create_scope_under(actor, parent, kind.core()?, name)?)
    }

    /// Moves `scope` with everything below it under `parent` (`None`: makes it a root).
    pub fn move_scope(&self, actor: UserId, scope: ScopeId, parent: Option<ScopeId>) -> R<()> {
        Ok(self.inner.move_scope(actor, scope, parent)?)
    }

    /// Deletes a scope; refused (`scope_not_empty`) while it has child scopes or members.
    pub fn delete_scope(&self, actor: UserId, scope: ScopeId) -> R<()> {
        Ok(self.inner.delete_scope(actor, scope)?)
    }

    /// Deletes a scope, moving its children to its parent (and its members, when that is a
    /// team).
    pub fn delete_scope_moving(&self, actor: UserId, scope: ScopeId) -> R<()> {
        Ok(self.inner.delete_scope_moving(actor, scope)?)
    }

    /// Grants `role` to `user` for `scope` and everything below it.
    pub fn grant_role_in_scope(
        &self,
        actor: UserId,
        user: UserId,
        role: RoleId,
        scope: ScopeId,
    ) -> R<()> {
        Ok(self.inner.grant_role_in_scope(actor, user, role, scope)?)
    }

    /// Takes back a role granted for a scope (nothing when not granted).
    pub fn revoke_role_in_scope(
        &self,
        actor: UserId,
        user: UserId,
        role: RoleId,
        scope: ScopeId,
    ) -> R<()> {
        Ok(self.inner.revoke_role_in_scope(actor, user, role, scope)?)
    }

    /// Makes `user` a member of exactly `teams` (scopes of kind `Team`).
    pub fn set_user_teams(&self, actor: UserId, user: UserId, teams: &[ScopeId]) -> R<()> {
        Ok(self.inner.set_user_teams(actor, user, teams)?)
    }

    /// The members of a team, in id order (unchecked).
    pub fn team_members(&self, team: ScopeId) -> R<Vec<UserId>> {
        Ok(self.inner.team_members(team)?)
    }

    /// The scopes directly below `scope`, in id order.
    pub fn child_scopes(&self, scope: ScopeId) -> R<Vec<ScopeId>> {
        Ok(self.inner.child_scopes(scope)?)
    }

    /// Authorises a user for a call group / IVR.
    pub fn assign_scope(&self, actor: UserId, user: UserId, scope: ScopeId) -> R<()> {
        Ok(self.inner.assign_scope(actor, user, scope)?)
    }

    /// Withdraws a call group / IVR from a user.
    pub fn unassign_scope(&self, actor: UserId, user: UserId, scope: ScopeId) -> R<()> {
        Ok(self.inner.unassign_scope(actor, user, scope)?)
    }

    /// Replaces the call groups / IVRs of a user.
    pub fn set_user_scopes(&self, actor: UserId, user: UserId, scopes: &[ScopeId]) -> R<()> {
        Ok(self.inner.set_user_scopes(actor, user, scopes)?)
    }

    /// A scope resource.
    pub fn scope(&self, scope: ScopeId) -> R<Scope> {
        Ok(self.inner.scope(scope)?.into())
    }

    /// Every scope of a tenant, in id order.
    pub fn scopes(&self, tenant: TenantId) -> R<Vec<Scope>> {
        Ok(self
            .inner
            .scopes(tenant)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    // ---- agreements

    /// Creates an agreement and appoints its Owner.
    pub fn create_agreement(&self, actor: UserId, name: &str, owner: UserId) -> R<AgreementId> {
        Ok(self.inner.create_agreement(actor, name, owner)?)
    }

    /// Sets a user's access level on a product of an agreement.
    pub fn set_access_level(
        &self,
        actor: UserId,
        agreement: AgreementId,
        user: UserId,
        product: Product,
        level: AccessLevel,
    ) -> R<()> {
        Ok(self
            .inner
            .set_access_level(actor, agreement, user, product, level)?)
    }

    /// Transfers ownership of an agreement.
    pub fn transfer_ownership(
        &self,
        actor: UserId,
        agreement: AgreementId,
        new_owner: UserId,
    ) -> R<()> {
        Ok(self.inner.transfer_ownership(actor, agreement, new_owner)?)
    }

    /// Links a user to a virtual-PBX subscriber (`None` unlinks).
    pub fn link_pbx_subscriber(
        &self,
        actor: UserId,
        agreement: AgreementId,
        user: UserId,
        subscriber: Option<String>,
    ) -> R<()> {
        let subscriber = subscriber.as_deref();
        Ok(self
            .inner
            .link_pbx_subscriber(actor, agreement, user, subscriber)?)
    }

    /// An agreement.
    pub fn agreement(&self, agreement: AgreementId) -> R<Agreement> {
        Ok(self.inner.agreement(agreement)?)
    }

    /// Every agreement of a tenant.
    pub fn agreements(&self, tenant: TenantId) -> R<Vec<Agreement>> {
        Ok(self.inner.agreements(tenant)?)
    }

    /// The PBX subscriber a user is linked to on an agreement.
    pub fn pbx_subscriber(&self, agreement: AgreementId, user: UserId) -> R<Option<String>> {
        Ok(self.inner.pbx_subscriber(agreement, user)?)
    }

    // ---- checks

    /// May `user` do `permission` (one dotted name)? False for an unknown or inactive user.
    pub fn check(&self, user: UserId, permission: &str) -> R<bool> {
        Ok(self.inner.check(user, perm(permission)?))
    }

    /// May `user` do `permission` on call group / IVR `scope`?
    pub fn check_scoped(&self, user: UserId, permission: &str, scope: ScopeId) -> R<bool> {
        Ok(self.inner.check_scoped(user, perm(permission)?, scope))
    }

    /// Checks `(users[i], permissions[i])` pairs at one revision.
    pub fn check_many(&self, users: Vec<UserId>, permissions: Vec<String>) -> R<Vec<bool>> {
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
            .map(|(u, p)| Ok((u, perm(p)?)))
            .collect::<R<Vec<_>>>()?;
        Ok(self.inner.check_many(&pairs))
    }

    /// Which scopes `user` may see for `permission`.
    pub fn allowed_scopes(&self, user: UserId, permission: &str) -> R<ScopeAccess> {
        Ok(self.inner.allowed_scopes(user, perm(permission)?)?.into())
    }

    /// Which scopes of `kind` `user` may see for `permission` (`All`: every one of that kind).
    pub fn allowed_scopes_of_kind(
        &self,
        user: UserId,
        permission: &str,
        kind: ScopeKind,
    ) -> R<ScopeAccess> {
        Ok(self
            .inner
            .allowed_scopes_of_kind(user, perm(permission)?, kind.core()?)?
            .into())
    }

    /// May `actor` do `permission` on user `target` ("my team only")? Lock-free.
    pub fn check_user(&self, actor: UserId, permission: &str, target: UserId) -> R<bool> {
        Ok(self.inner.check_user(actor, perm(permission)?, target))
    }

    /// The effective permissions of a user.
    pub fn effective_permissions(&self, user: UserId) -> R<Permissions> {
        Ok(self.inner.effective_permissions(user)?)
    }

    /// Users of a tenant holding `permission` (within `scope` when given).
    pub fn users_with_permission(
        &self,
        tenant: TenantId,
        permission: &str,
        scope: Option<ScopeId>,
    ) -> R<Vec<UserId>> {
        let p = perm(permission)?;
        Ok(self.inner.users_with_permission(tenant, p, scope)?)
    }

    /// The access level of `user` on `product` of `agreement`.
    pub fn access_level(
        &self,
        agreement: AgreementId,
        user: UserId,
        product: Product,
    ) -> AccessLevel {
        self.inner.access_level(agreement, user, product)
    }

    /// May `user` listen to the recordings of PBX subscriber `subscriber`?
    pub fn may_listen_recordings(
        &self,
        agreement: AgreementId,
        user: UserId,
        subscriber: &str,
    ) -> bool {
        self.inner
            .may_listen_recordings(agreement, user, subscriber)
    }

    /// May `user` use click-to-call as PBX subscriber `subscriber`?
    pub fn may_click_to_call(
        &self,
        agreement: AgreementId,
        user: UserId,
        subscriber: &str,
    ) -> bool {
        self.inner.may_click_to_call(agreement, user, subscriber)
    }

    /// Why `check(user, permission)` answers as it does.
    pub fn explain(&self, user: UserId, permission: &str) -> R<Explanation> {
        Ok(self.inner.explain(user, perm(permission)?)?)
    }

    // ---- credentials

    /// Logs a user in by email and password.
    pub fn login(&self, tenant: TenantId, email: &str, password: &str) -> R<Session> {
        Ok(self.inner.login(tenant, email, password)?)
    }

    /// An administrator sets a user's password; `temporary` (to be changed at the next login)
    /// defaults to true, as for every password set by someone else.
    #[uniffi::method(default(temporary = true))]
    pub fn set_password(
        &self,
        actor: UserId,
        user: UserId,
        password: &str,
        temporary: bool,
    ) -> R<()> {
        Ok(self.inner.set_password(actor, user, password, temporary)?)
    }

    /// A user changes its own password.
    pub fn change_password(&self, user: UserId, current: &str, new_password: &str) -> R<()> {
        Ok(self.inner.change_password(user, current, new_password)?)
    }

    /// Starts a recovery by email (`None` when no active user has that email).
    pub fn request_password_reset(&self, tenant: TenantId, email: &str) -> R<Option<ResetIssued>> {
        Ok(self.inner.request_password_reset(tenant, email)?)
    }

    /// Sets a new password with a recovery token; returns the user.
    pub fn reset_password_with_token(
        &self,
        tenant: TenantId,
        token: &str,
        new_password: &str,
    ) -> R<UserId> {
        Ok(self
            .inner
            .reset_password_with_token(tenant, token, new_password)?)
    }

    /// Unlocks an account locked by failed logins.
    pub fn unlock(&self, actor: UserId, user: UserId) -> R<()> {
        Ok(self.inner.unlock(actor, user)?)
    }

    /// A user's credential state.
    pub fn credential_status(&self, user: UserId) -> R<CredentialStatus> {
        Ok(self.inner.credential_status(user)?)
    }

    /// A user's security stamp.
    pub fn security_stamp(&self, user: UserId) -> R<u64> {
        Ok(self.inner.security_stamp(user)?)
    }

    /// Whether a session issued under `stamp` is still valid.
    pub fn session_valid(&self, user: UserId, stamp: u64) -> bool {
        self.inner.session_valid(user, stamp)
    }

    // ---- audit

    /// Audit events matching `query`, oldest first.
    pub fn audit_events(&self, query: &AuditQuery) -> R<AuditPage> {
        Ok(self.inner.audit_events(query)?)
    }

    // Bulk building (issue 14): `NewUser.scopes` / `NewUser.groups`, and many members at once.

    /// Adds many users to a group in one atomic commit, each under the rules of `add_member`:
    /// all join, or none when one is refused.
    pub fn add_members(&self, actor: UserId, group: GroupId, users: Vec<UserId>) -> R<()> {
        Ok(self.inner.add_members(actor, group, &users)?)
    }
}

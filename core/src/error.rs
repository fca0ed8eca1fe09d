//! The one error type of the library.
//!
//! Every refused operation returns an [`Error`] and changes nothing. Each variant has a stable
//! numeric [`code`](Error::code) (grouped by hundreds: 1xx invalid input, 2xx not found,
//! 3xx conflict, 4xx refused by a rule, 5xx authentication, 9xx storage) and a stable
//! snake_case [`kind`](Error::kind). Codes are never reused; Python maps them to exception
//! classes and C returns them.

use crate::domain::{AccessLevel, Permission};

/// Everything that can go wrong, with a stable code per variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- 1xx invalid input ----
    /// A name or text field is empty, too long, or holds control characters.
    #[error("invalid {field}: {reason}")]
    InvalidName {
        /// Which field (`first_name`, `role name`, ...).
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The email address is malformed.
    #[error("invalid email address {email:?}: {reason}")]
    InvalidEmail {
        /// The address as given (truncated when huge).
        email: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The phone number cannot be normalised.
    #[error("invalid phone number {phone:?}: {reason}")]
    InvalidPhone {
        /// The number as given (truncated when huge).
        phone: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A permission name that is not in the catalogue.
    #[error("unknown permission {name:?}")]
    UnknownPermission {
        /// The name as given.
        name: String,
    },
    /// A preset name that does not exist.
    #[error("unknown preset {name:?} (expected managers, role_model or dashboard)")]
    UnknownPreset {
        /// The name as given.
        name: String,
    },
    /// A role namespace that does not exist (expected `custom` or a preset name).
    #[error(
        "unknown role namespace {name:?} (expected custom, managers, role_model or dashboard)"
    )]
    UnknownNamespace {
        /// The name as given.
        name: String,
    },
    /// A product name that does not exist.
    #[error("unknown product {name:?}")]
    UnknownProduct {
        /// The name as given.
        name: String,
    },
    /// An access level name or number that does not exist.
    #[error("unknown access level {name:?} (expected no_access, user, administrator or owner)")]
    UnknownAccessLevel {
        /// The name as given.
        name: String,
    },
    /// An argument outside its allowed range (a page size, a scope kind, ...).
    #[error("invalid {what}: {reason}")]
    InvalidArgument {
        /// Which argument.
        what: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// An empty permission set where one permission is needed.
    #[error("no permission given")]
    EmptyPermission,
    /// The password breaks the tenant's password policy; `rule` names the rule
    /// (`empty`, `too_short`, `too_long`, `common`, `contains_personal_data`, `control_characters`).
    #[error("password refused by the password policy: {rule}")]
    WeakPassword {
        /// The rule that failed.
        rule: &'static str,
    },

    // ---- 2xx not found ----
    /// No tenant with this id.
    #[error("unknown tenant {0}")]
    UnknownTenant(crate::TenantId),
    /// No user with this id (or email).
    #[error("unknown user {0}")]
    UnknownUser(String),
    /// No role with this id or name.
    #[error("unknown role {0}")]
    UnknownRole(String),
    /// No user group with this id or name.
    #[error("unknown group {0}")]
    UnknownGroup(String),
    /// No call group or IVR with this id.
    #[error("unknown scope resource {0}")]
    UnknownScope(String),
    /// No agreement with this id.
    #[error("unknown agreement {0}")]
    UnknownAgreement(String),
    /// The object exists but belongs to another tenant than the acting user's.
    #[error("{kind} #{id} belongs to another tenant")]
    WrongTenant {
        /// The kind of object (`user`, `role`, ...).
        kind: &'static str,
        /// Its id.
        id: u64,
    },

    // ---- 3xx conflict ----
    /// Another user of the tenant already has this email (compared case-insensitively).
    #[error("a user with email {email:?} already exists in this tenant")]
    DuplicateEmail {
        /// The email as given.
        email: String,
    },
    /// Another object of this kind in the tenant already has this name.
    #[error("a {kind} named {name:?} already exists in this tenant")]
    DuplicateName {
        /// The kind of object.
        kind: &'static str,
        /// The name as given.
        name: String,
    },
    /// A bare role name held by roles of several namespaces: name the namespace
    /// (`namespace/name`, or a lookup by namespace and name).
    #[error("the role name {name:?} is ambiguous: it exists in namespaces {}; write namespace/name", namespaces.join(", "))]
    AmbiguousName {
        /// The name as given.
        name: String,
        /// The namespaces holding a role of that name, in [`RoleNamespace::ALL`](crate::RoleNamespace::ALL) order.
        namespaces: Vec<&'static str>,
    },
    /// The group is the only group of one of its members, so it cannot be deleted (004).
    #[error("group {group_name:?} cannot be deleted: it is the only group of member {user_email}")]
    GroupIsOnlyGroup {
        /// The group.
        group: crate::GroupId,
        /// Its name.
        group_name: String,
        /// A member for whom it is the only group.
        user: crate::UserId,
        /// That member's email.
        user_email: String,
    },
    /// The user owns an agreement: it cannot be deactivated or deleted until ownership is
    /// transferred (002; one active Owner per agreement).
    #[error("user {user_email} owns agreement {agreement_name:?}: transfer ownership first")]
    UserOwnsAgreement {
        /// The user.
        user: crate::UserId,
        /// Its email.
        user_email: String,
        /// The agreement it owns.
        agreement: crate::AgreementId,
        /// The agreement's name.
        agreement_name: String,
    },
    /// An agreement's Owner must be active: an inactive user cannot be appointed Owner, at
    /// creation or by a transfer (one active Owner per agreement, always).
    #[error("user {email} is inactive and cannot own an agreement")]
    InactiveOwner {
        /// The user.
        user: crate::UserId,
        /// Its email.
        email: String,
    },

    // ---- 4xx refused by a rule ----
    /// The acting user lacks the right this operation requires.
    #[error("permission denied: this requires {required}")]
    PermissionDenied {
        /// The right that was required.
        required: crate::Permission,
    },
    /// The acting user tried to grant rights it does not hold itself.
    #[error("escalation refused: the acting user does not hold {missing}")]
    Escalation {
        /// The rights the actor lacks (for scoped rights: lacks for that call group / IVR).
        missing: Permission,
    },
    /// Only the superadministrator may do this (grant or change administrator-tier roles, ...).
    #[error("only the superadministrator may {action}")]
    SuperadminOnly {
        /// What was attempted.
        action: &'static str,
    },
    /// The superadministrator cannot be deleted, deactivated or stripped of rights, and only
    /// the superadministrator may change its own account.
    #[error("the superadministrator cannot be {action}")]
    SuperadminProtected {
        /// What was attempted.
        action: &'static str,
    },
    /// An administrator cannot modify the access of another administrator (003).
    #[error("user {email} is an administrator: only the superadministrator may change its access")]
    AdministratorProtected {
        /// The administrator whose access would change.
        user: crate::UserId,
        /// Its email.
        email: String,
    },
    /// Built-in preset roles reproduce the sources' rights tables and cannot be edited or deleted.
    #[error("role {name} is a built-in preset role and cannot be {action}")]
    BuiltinRole {
        /// The role.
        role: crate::RoleId,
        /// Its name qualified by its namespace (`managers/Admin`).
        name: String,
        /// What was attempted.
        action: &'static str,
    },
    /// The acting user is inactive; an inactive user can do nothing.
    #[error("acting user {email} is inactive")]
    ActorInactive {
        /// The acting user.
        user: crate::UserId,
        /// Its email.
        email: String,
    },
    /// Changing agreement access needs Administrator or Owner on System (CORE) (002).
    #[error(
        "changing access on agreement {name:?} requires Administrator or Owner level on System (CORE)"
    )]
    AgreementAdminRequired {
        /// The agreement.
        agreement: crate::AgreementId,
        /// Its name.
        name: String,
    },
    /// The acting user may not grant this access level (002).
    #[error("{actor_level} may not grant the level {level}")]
    LevelNotGrantable {
        /// The actor's level that limits it: on System (CORE) for what its tier allows, or on
        /// the product when the level asked for is above the actor's own there.
        actor_level: AccessLevel,
        /// The level that was asked for.
        level: AccessLevel,
    },
    /// The Owner's access is fixed; only an ownership transfer by the Owner changes it (002).
    #[error("the Owner's access cannot be changed: the Owner may transfer ownership")]
    OwnerProtected,
    /// An agreement Administrator cannot change the level of another Administrator (002).
    #[error(
        "user {email} is an Administrator of this agreement: only the Owner may change its access"
    )]
    AgreementAdministratorProtected {
        /// The Administrator whose level would change.
        user: crate::UserId,
        /// Its email.
        email: String,
    },
    /// Only the Owner of the agreement may transfer its ownership.
    #[error("only the Owner of agreement {name:?} may transfer its ownership")]
    NotOwner {
        /// The agreement.
        agreement: crate::AgreementId,
        /// Its name.
        name: String,
    },

    // ---- 5xx authentication ----
    /// Wrong email or password (deliberately does not say which), or an inactive account.
    #[error("authentication failed: wrong email or password")]
    AuthenticationFailed,
    /// Too many failed logins: the account is locked until `until` (ms since the Unix epoch).
    #[error("the account is locked after too many failed logins (until {until} ms)")]
    AccountLocked {
        /// End of the lock, ms since the Unix epoch.
        until: i64,
    },
    /// A recovery token that is unknown, expired, already used, or not for this tenant.
    #[error("the recovery token is invalid, expired or already used")]
    InvalidToken,
    /// The user has no password yet.
    #[error("user {email} has no password")]
    NoPassword {
        /// The user.
        user: crate::UserId,
        /// Its email.
        email: String,
    },

    // ---- 9xx storage ----
    /// The store failed; nothing was changed.
    #[error("storage error: {0}")]
    Storage(String),
    /// Stored data breaks an invariant of the library.
    #[error("corrupt directory data: {0}")]
    Corrupt(String),
    /// The file is not a rolecall SQLite database (nothing was written to it).
    #[error("{path} is not a SQLite database")]
    NotADatabase {
        /// The path as given.
        path: String,
    },
    /// The file was written by a newer version of rolecall (nothing was written to it).
    #[error("database schema version {found} is newer than this library supports ({supported})")]
    SchemaTooNew {
        /// The schema version in the file.
        found: i64,
        /// The newest version this library knows.
        supported: i64,
    },
    /// The store was opened read-only, or the file or its directory cannot be written.
    #[error("the directory store is read-only: {0}")]
    ReadOnly(String),
    /// The store's write lock stayed held by another writer (another process, or another
    /// directory on the same store) past the busy timeout. Nothing changed: retry the change.
    #[error("the database is busy (locked by another process) past the timeout")]
    Busy,
    /// The directory was closed (`Directory::close`); open it again to use it.
    #[error("the directory is closed")]
    Closed,
    /// Another instance committed first; this instance caught up and the change can be retried.
    #[error(
        "revision conflict: the store is at revision {stored}, this change expected {expected}"
    )]
    RevisionConflict {
        /// The store's revision.
        stored: u64,
        /// The revision this instance was at.
        expected: u64,
    },
}

/// The broad category of an [`Error`], used to build exception hierarchies in bindings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCategory {
    /// Bad input (1xx).
    InvalidInput,
    /// Unknown object or wrong tenant (2xx).
    NotFound,
    /// Conflicts with existing state (3xx).
    Conflict,
    /// Refused by an authorization rule (4xx).
    PermissionDenied,
    /// Authentication / credentials (5xx).
    Authentication,
    /// Storage failure (9xx).
    Storage,
}

impl ErrorCategory {
    /// The stable snake_case name (`invalid_input`, `not_found`, `conflict`,
    /// `permission_denied`, `authentication`, `storage`).
    pub fn name(self) -> &'static str {
        match self {
            ErrorCategory::InvalidInput => "invalid_input",
            ErrorCategory::NotFound => "not_found",
            ErrorCategory::Conflict => "conflict",
            ErrorCategory::PermissionDenied => "permission_denied",
            ErrorCategory::Authentication => "authentication",
            ErrorCategory::Storage => "storage",
        }
    }
}

impl Error {
    /// The stable numeric code of this error; never reused for another meaning.
    pub fn code(&self) -> u32 {
        match self {
            Error::InvalidName { .. } => 100,
            Error::InvalidEmail { .. } => 101,
            Error::InvalidPhone { .. } => 102,
            Error::UnknownPermission { .. } => 103,
            Error::UnknownPreset { .. } => 104,
            Error::UnknownProduct { .. } => 105,
            Error::UnknownNamespace { .. } => 115,
            Error::UnknownAccessLevel { .. } => 106,
            Error::InvalidArgument { .. } => 107,
            Error::EmptyPermission => 108,
            Error::WeakPassword { .. } => 109,
            Error::AuthenticationFailed => 500,
            Error::AccountLocked { .. } => 501,
            Error::InvalidToken => 502,
            Error::NoPassword { .. } => 503,
            Error::UnknownTenant(_) => 200,
            Error::UnknownUser(_) => 201,
            Error::UnknownRole(_) => 202,
            Error::UnknownGroup(_) => 203,
            Error::UnknownScope(_) => 204,
            Error::UnknownAgreement(_) => 205,
            Error::WrongTenant { .. } => 210,
            Error::DuplicateEmail { .. } => 300,
            Error::DuplicateName { .. } => 301,
            Error::GroupIsOnlyGroup { .. } => 302,
            Error::AmbiguousName { .. } => 310,
            Error::UserOwnsAgreement { .. } => 303,
            Error::InactiveOwner { .. } => 304,
            Error::PermissionDenied { .. } => 400,
            Error::Escalation { .. } => 401,
            Error::SuperadminOnly { .. } => 402,
            Error::SuperadminProtected { .. } => 403,
            Error::AdministratorProtected { .. } => 404,
            Error::BuiltinRole { .. } => 405,
            Error::ActorInactive { .. } => 406,
            Error::AgreementAdminRequired { .. } => 410,
            Error::LevelNotGrantable { .. } => 411,
            Error::OwnerProtected => 412,
            Error::AgreementAdministratorProtected { .. } => 413,
            Error::NotOwner { .. } => 414,
            Error::Storage(_) => 900,
            Error::Corrupt(_) => 901,
            Error::NotADatabase { .. } => 902,
            Error::SchemaTooNew { .. } => 903,
            Error::ReadOnly(_) => 904,
            Error::Busy => 905,
            Error::RevisionConflict { .. } => 906,
            Error::Closed => 907,
        }
    }

    /// The stable snake_case name of this error's variant (used by conformance vectors).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::InvalidName { .. } => "invalid_name",
            Error::InvalidEmail { .. } => "invalid_email",
            Error::InvalidPhone { .. } => "invalid_phone",
            Error::UnknownPermission { .. } => "unknown_permission",
            Error::UnknownPreset { .. } => "unknown_preset",
            Error::UnknownProduct { .. } => "unknown_product",
            Error::UnknownNamespace { .. } => "unknown_namespace",
            Error::UnknownAccessLevel { .. } => "unknown_access_level",
            Error::InvalidArgument { .. } => "invalid_argument",
            Error::EmptyPermission => "empty_permission",
            Error::WeakPassword { .. } => "weak_password",
            Error::AuthenticationFailed => "authentication_failed",
            Error::AccountLocked { .. } => "account_locked",
            Error::InvalidToken => "invalid_token",
            Error::NoPassword { .. } => "no_password",
            Error::UnknownTenant(_) => "unknown_tenant",
            Error::UnknownUser(_) => "unknown_user",
            Error::UnknownRole(_) => "unknown_role",
            Error::UnknownGroup(_) => "unknown_group",
            Error::UnknownScope(_) => "unknown_scope",
            Error::UnknownAgreement(_) => "unknown_agreement",
            Error::WrongTenant { .. } => "wrong_tenant",
            Error::DuplicateEmail { .. } => "duplicate_email",
            Error::DuplicateName { .. } => "duplicate_name",
            Error::GroupIsOnlyGroup { .. } => "group_is_only_group",
            Error::AmbiguousName { .. } => "ambiguous_name",
            Error::UserOwnsAgreement { .. } => "user_owns_agreement",
            Error::InactiveOwner { .. } => "inactive_owner",
            Error::PermissionDenied { .. } => "permission_denied",
            Error::Escalation { .. } => "escalation",
            Error::SuperadminOnly { .. } => "superadmin_only",
            Error::SuperadminProtected { .. } => "superadmin_protected",
            Error::AdministratorProtected { .. } => "administrator_protected",
            Error::BuiltinRole { .. } => "builtin_role",
            Error::ActorInactive { .. } => "actor_inactive",
            Error::AgreementAdminRequired { .. } => "agreement_admin_required",
            Error::LevelNotGrantable { .. } => "level_not_grantable",
            Error::OwnerProtected => "owner_protected",
            Error::AgreementAdministratorProtected { .. } => "agreement_administrator_protected",
            Error::NotOwner { .. } => "not_owner",
            Error::Storage(_) => "storage",
            Error::Corrupt(_) => "corrupt",
            Error::NotADatabase { .. } => "not_a_database",
            Error::SchemaTooNew { .. } => "schema_too_new",
            Error::ReadOnly(_) => "read_only",
            Error::Busy => "busy",
            Error::RevisionConflict { .. } => "revision_conflict",
            Error::Closed => "closed",
        }
    }

    /// The broad category, derived from the code.
    pub fn category(&self) -> ErrorCategory {
        match self.code() / 100 {
            1 => ErrorCategory::InvalidInput,
            2 => ErrorCategory::NotFound,
            3 => ErrorCategory::Conflict,
            4 => ErrorCategory::PermissionDenied,
            5 => ErrorCategory::Authentication,
            _ => ErrorCategory::Storage,
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

//! The one error type of the library.
//!
//! Every refused operation returns an [`Error`] and changes nothing. Each variant has a stable
//! numeric [`code`](Error::code) (grouped by hundreds: 1xx invalid input, 2xx not found,
//! 3xx conflict, 4xx refused by a rule, 5xx authentication, 9xx storage) and a stable
//! snake_case [`kind`](Error::kind). Codes are never reused; Python maps them to exception
//! classes and C returns them.

use crate::domain::{AccessLevel, Permission};

/// How a user was looked up, as [`Error::UnknownUser`] reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UserLookup {
    /// By id.
    Id(crate::UserId),
    /// By login email (as given, cut to 64 characters).
    Email(String),
    /// By external id (as given, cut to 64 characters).
    ExternalId(String),
}

impl From<crate::UserId> for UserLookup {
    fn from(id: crate::UserId) -> Self {
        UserLookup::Id(id)
    }
}

impl std::fmt::Display for UserLookup {
    /// `user#7` for an id, the email as given for an email.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UserLookup::Id(id) => write!(f, "{id}"),
            UserLookup::Email(email) => f.write_str(email),
            UserLookup::ExternalId(x) => write!(f, "external id {x:?}"),
        }
    }
}

/// Declares the error enum and its table in one place, as pydantic-core's `error_types!` does.
///
/// The invocation below reads as the enum itself; each variant carries, after its `thiserror`
/// message, a `#[code(NNN, "kind")]` line giving its stable code and kind. The macro emits the
/// enum unchanged (without the `#[code]` lines) and, from the same lines, [`Error::code`],
/// [`Error::kind`] and the table [`Error::CODES`].
macro_rules! error_table {
    (
        $(#[$meta:meta])*
        pub enum $Error:ident {
            $(
                $(#[doc = $doc:literal])*
                #[error($($message:tt)+)]
                #[code($code:literal, $kind:literal)]
                $variant:ident $(( $($tuple:tt)* ))? $({ $($fields:tt)* })?,
            )*
        }
    ) => {
        $(#[$meta])*
        pub enum $Error {
            $(
                $(#[doc = $doc])*
                #[error($($message)+)]
                $variant $(( $($tuple)* ))? $({ $($fields)* })?,
            )*
        }

        impl $Error {
            /// Every error as `(code, kind, category)`, in declaration order (grouped by
            /// category): the values [`code`](Error::code), [`kind`](Error::kind) and
            /// [`category`](Error::category) return for each variant. The C header's
            /// `ROLECALL_STATUS_<KIND>` constants are generated from it, and the Python
            /// exception classes are tested against it.
            ///
            /// ```
            /// use rolecall::{Error, ErrorCategory};
            /// assert!(Error::CODES.contains(&(400, "permission_denied", ErrorCategory::PermissionDenied)));
            /// ```
            pub const CODES: &'static [(u32, &'static str, ErrorCategory)] =
                &[$(($code, $kind, ErrorCategory::of_code($code)),)*];

            /// The stable numeric code of this error; never reused for another meaning.
            pub fn code(&self) -> u32 {
                match self {
                    $(Self::$variant { .. } => $code,)*
                }
            }

            /// The stable snake_case name of this error's variant (used by conformance vectors).
            pub fn kind(&self) -> &'static str {
                match self {
                    $(Self::$variant { .. } => $kind,)*
                }
            }
        }
    };
}

error_table! {
    /// Everything that can go wrong, with a stable code per variant.
    #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
    #[non_exhaustive]
    pub enum Error {
        // ---- 1xx invalid input ----
        /// A name or text field is empty, too long, or holds control characters.
        #[error("invalid {field}: {reason}")]
        #[code(100, "invalid_name")]
        InvalidName {
            /// Which field (`first_name`, `role name`, ...).
            field: &'static str,
            /// What is wrong with it.
            reason: &'static str,
        },
        /// The email address is malformed.
        #[error("invalid email address {email:?}: {reason}")]
        #[code(101, "invalid_email")]
        InvalidEmail {
            /// The address as given (truncated when huge).
            email: String,
            /// What is wrong with it.
            reason: &'static str,
        },
        /// The phone number cannot be normalised.
        #[error("invalid phone number {phone:?}: {reason}")]
        #[code(102, "invalid_phone")]
        InvalidPhone {
            /// The number as given (truncated when huge).
            phone: String,
            /// What is wrong with it.
            reason: &'static str,
        },
        /// A permission name that is not in the catalogue.
        #[error("unknown permission {name:?}")]
        #[code(103, "unknown_permission")]
        UnknownPermission {
            /// The name as given.
            name: String,
        },
        /// A preset name that does not exist.
        #[error("unknown preset {name:?} (expected managers, role_model or dashboard)")]
        #[code(104, "unknown_preset")]
        UnknownPreset {
            /// The name as given.
            name: String,
        },
        /// A role namespace that does not exist (expected `custom` or a preset name).
        #[error(
            "unknown role namespace {name:?} (expected custom, managers, role_model or dashboard)"
        )]
        #[code(115, "unknown_namespace")]
        UnknownNamespace {
            /// The name as given.
            name: String,
        },
        /// A product name that does not exist.
        #[error("unknown product {name:?}")]
        #[code(105, "unknown_product")]
        UnknownProduct {
            /// The name as given.
            name: String,
        },
        /// An access level name or number that does not exist.
        #[error("unknown access level {name:?} (expected no_access, user, administrator or owner)")]
        #[code(106, "unknown_access_level")]
        UnknownAccessLevel {
            /// The name as given.
            name: String,
        },
        /// An argument outside its allowed range (a page size, a scope kind, ...).
        #[error("invalid {what}: {reason}")]
        #[code(107, "invalid_argument")]
        InvalidArgument {
            /// Which argument.
            what: &'static str,
            /// What is wrong with it.
            reason: String,
        },
        /// Users are members of team scopes only ([`ScopeKind::Team`](crate::ScopeKind::Team)).
        #[error("{scope} is a {kind}, not a team: users are members of teams only")]
        #[code(116, "not_a_team")]
        NotATeam {
            /// The scope.
            scope: crate::ScopeId,
            /// Its kind's name.
            kind: String,
        },
        /// A grant's validity window is refused: it ends before it starts, or has ended.
        #[error("invalid validity window: {reason}")]
        #[code(117, "invalid_window")]
        InvalidWindow {
            /// What is wrong with it.
            reason: &'static str,
        },
        /// An import's input has problems: every one found, reported at once before anything
        /// is applied (see [`Directory::import_tenant`](crate::Directory::import_tenant)).
        #[error("the import has {} problem(s) and nothing was applied; the first: {}", .problems.len(), .problems.first().map(|p| p.to_string()).unwrap_or_default())]
        #[code(118, "invalid_import")]
        InvalidImport {
            /// Every problem, in input order.
            problems: Vec<crate::ImportProblem>,
        },
        /// An empty permission set where one permission is needed.
        #[error("no permission given")]
        #[code(108, "empty_permission")]
        EmptyPermission,
        /// The password breaks the tenant's password policy; `rule` names the rule
        /// (`empty`, `too_short`, `too_long`, `common`, `contains_personal_data`, `control_characters`).
        #[error("password refused by the password policy: {rule}")]
        #[code(109, "weak_password")]
        WeakPassword {
            /// The rule that failed.
            rule: &'static str,
        },

        // ---- 2xx not found ----
        /// No tenant with this id.
        #[error("unknown tenant {0}")]
        #[code(200, "unknown_tenant")]
        UnknownTenant(crate::TenantId),
        /// No separation-of-duty rule with this name in the tenant.
        #[error("unknown separation-of-duty rule {0}")]
        #[code(206, "unknown_sod_rule")]
        UnknownSodRule(String),
        /// No user with this id, or no user of the tenant with this email: the lookup that
        /// found nothing.
        #[error("unknown user {0}")]
        #[code(201, "unknown_user")]
        UnknownUser(UserLookup),
        /// No role with this id or name.
        #[error("unknown role {0}")]
        #[code(202, "unknown_role")]
        UnknownRole(String),
        /// No user group with this id or name.
        #[error("unknown group {0}")]
        #[code(203, "unknown_group")]
        UnknownGroup(String),
        /// No call group or IVR with this id.
        #[error("unknown scope resource {0}")]
        #[code(204, "unknown_scope")]
        UnknownScope(String),
        /// No agreement with this id.
        #[error("unknown agreement {0}")]
        #[code(205, "unknown_agreement")]
        UnknownAgreement(String),
        /// The object exists but belongs to another tenant than the acting user's.
        #[error("{kind} #{id} belongs to another tenant")]
        #[code(210, "wrong_tenant")]
        WrongTenant {
            /// The kind of object.
            kind: crate::ObjectKind,
            /// Its id.
            id: u64,
        },

        // ---- 3xx conflict ----
        /// Another user of the tenant already has this email (compared case-insensitively).
        #[error("a user with email {email:?} already exists in this tenant")]
        #[code(300, "duplicate_email")]
        DuplicateEmail {
            /// The email as given.
            email: String,
        },
        /// Another object of this kind in the tenant already has this name.
        #[error("a {kind} named {name:?} already exists in this tenant")]
        #[code(301, "duplicate_name")]
        DuplicateName {
            /// The kind of object.
            kind: &'static str,
            /// The name as given.
            name: String,
        },
        /// A bare role name held by roles of several namespaces: name the namespace
        /// (`namespace/name`, or a lookup by namespace and name).
        #[error("the role name {name:?} is ambiguous: it exists in namespaces {}; write namespace/name", namespaces.join(", "))]
        #[code(310, "ambiguous_name")]
        AmbiguousName {
            /// The name as given.
            name: String,
            /// The namespaces holding a role of that name, in [`RoleNamespace::ALL`](crate::RoleNamespace::ALL) order.
            namespaces: Vec<&'static str>,
        },
        /// The group is the only group of one of its members, so it cannot be deleted (004).
        #[error("group {group_name:?} cannot be deleted: it is the only group of member {user_email}")]
        #[code(302, "group_is_only_group")]
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
        #[code(303, "user_owns_agreement")]
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
        #[code(304, "inactive_owner")]
        InactiveOwner {
            /// The user.
            user: crate::UserId,
            /// Its email.
            email: String,
        },

        /// A scope cannot be placed under itself or one of its descendants: the hierarchy
        /// would have a cycle.
        #[error("scope {scope} cannot be placed under {parent}: {parent} is {scope} or below it")]
        #[code(305, "scope_cycle")]
        ScopeCycle {
            /// The scope being placed.
            scope: crate::ScopeId,
            /// The parent asked for.
            parent: crate::ScopeId,
        },
        /// A scope that still has child scopes or member users cannot be deleted, unless the
        /// caller asks to move them ([`Directory::delete_scope_moving`](crate::Directory::delete_scope_moving)).
        #[error("scope {name:?} still has {children} child scope(s) and {members} member(s): move them first, or delete it moving them")]
        #[code(306, "scope_not_empty")]
        ScopeNotEmpty {
            /// The scope.
            scope: crate::ScopeId,
            /// Its name.
            name: String,
            /// How many child scopes it has.
            children: usize,
            /// How many users are members of it (a team).
            members: usize,
        },

        /// The change would leave a user holding both sides of a separation-of-duty rule
        /// ([`SodRule`](crate::SodRule)): one that did not hold both before, or one that did
        /// (declared while already in violation) and would gain a right.
        #[error("separation of duty: the change would leave user {user} holding both sides of rule {rule:?}")]
        #[code(307, "separation_of_duty")]
        SeparationOfDuty {
            /// The rule's name.
            rule: String,
            /// The user's email.
            user: String,
        },

        // ---- 4xx refused by a rule ----
        /// The acting user lacks the right this operation requires.
        #[error("permission denied: this requires {required}")]
        #[code(400, "permission_denied")]
        PermissionDenied {
            /// The right that was required.
            required: crate::Permission,
        },
        /// The acting user tried to grant rights it does not hold itself.
        #[error("escalation refused: the acting user does not hold {missing}")]
        #[code(401, "escalation")]
        Escalation {
            /// The rights the actor lacks (for scoped rights: lacks for that call group / IVR).
            missing: Permission,
        },
        /// Only the superadministrator may do this (grant or change administrator-tier roles, ...).
        #[error("only the superadministrator may {action}")]
        #[code(402, "superadmin_only")]
        SuperadminOnly {
            /// What was attempted.
            action: &'static str,
        },
        /// The superadministrator cannot be deleted, deactivated or stripped of rights, and only
        /// the superadministrator may change its own account.
        #[error("the superadministrator cannot be {action}")]
        #[code(403, "superadmin_protected")]
        SuperadminProtected {
            /// What was attempted.
            action: &'static str,
        },
        /// An administrator cannot modify the access of another administrator (003).
        #[error("user {email} is an administrator: only the superadministrator may change its access")]
        #[code(404, "administrator_protected")]
        AdministratorProtected {
            /// The administrator whose access would change.
            user: crate::UserId,
            /// Its email.
            email: String,
        },
        /// Built-in preset roles reproduce the sources' rights tables and cannot be edited or deleted.
        #[error("role {name} is a built-in preset role and cannot be {action}")]
        #[code(405, "builtin_role")]
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
        #[code(406, "actor_inactive")]
        ActorInactive {
            /// The acting user.
            user: crate::UserId,
            /// Its email.
            email: String,
        },
        /// The acting user holds the right only within some teams, and the target user is not
        /// in them (or would leave them): administration delegated within a subtree.
        #[error("user {email} is outside the teams where the acting user holds {required}")]
        #[code(407, "outside_teams")]
        OutsideTeams {
            /// The target user (or the user being created: 0).
            user: crate::UserId,
            /// Its email.
            email: String,
            /// The right held only within teams.
            required: crate::Permission,
        },
        /// The user is not eligible to activate this role (for this scope): see
        /// [`Directory::make_eligible`](crate::Directory::make_eligible).
        #[error("user {user} is not eligible to activate {role}{}", scope.map(|s| format!(" for {s}")).unwrap_or_default())]
        #[code(415, "not_eligible")]
        NotEligible {
            /// The user.
            user: crate::UserId,
            /// The role.
            role: crate::RoleId,
            /// The scope, for a per-scope activation.
            scope: Option<crate::ScopeId>,
        },
        /// Changing agreement access needs Administrator or Owner on System (CORE) (002).
        #[error(
            "changing access on agreement {name:?} requires Administrator or Owner level on System (CORE)"
        )]
        #[code(410, "agreement_admin_required")]
        AgreementAdminRequired {
            /// The agreement.
            agreement: crate::AgreementId,
            /// Its name.
            name: String,
        },
        /// The acting user may not grant this access level (002).
        #[error("{actor_level} may not grant the level {level}")]
        #[code(411, "level_not_grantable")]
        LevelNotGrantable {
            /// The actor's level that limits it: on System (CORE) for what its tier allows, or on
            /// the product when the level asked for is above the actor's own there.
            actor_level: AccessLevel,
            /// The level that was asked for.
            level: AccessLevel,
        },
        /// The Owner's access is fixed; only an ownership transfer by the Owner changes it (002).
        #[error("the Owner's access cannot be changed: the Owner may transfer ownership")]
        #[code(412, "owner_protected")]
        OwnerProtected,
        /// An agreement Administrator cannot change the level of another Administrator (002).
        #[error(
            "user {email} is an Administrator of this agreement: only the Owner may change its access"
        )]
        #[code(413, "agreement_administrator_protected")]
        AgreementAdministratorProtected {
            /// The Administrator whose level would change.
            user: crate::UserId,
            /// Its email.
            email: String,
        },
        /// Only the Owner of the agreement may transfer its ownership.
        #[error("only the Owner of agreement {name:?} may transfer its ownership")]
        #[code(414, "not_owner")]
        NotOwner {
            /// The agreement.
            agreement: crate::AgreementId,
            /// Its name.
            name: String,
        },

        // ---- 5xx authentication ----
        /// Wrong email or password (deliberately does not say which), or an inactive account.
        #[error("authentication failed: wrong email or password")]
        #[code(500, "authentication_failed")]
        AuthenticationFailed,
        /// Too many failed logins: the account is locked until `until` (ms since the Unix epoch).
        #[error("the account is locked after too many failed logins (until {until} ms)")]
        #[code(501, "account_locked")]
        AccountLocked {
            /// End of the lock, ms since the Unix epoch.
            until: i64,
        },
        /// A recovery token that is unknown, expired, already used, or not for this tenant.
        #[error("the recovery token is invalid, expired or already used")]
        #[code(502, "invalid_token")]
        InvalidToken,
        /// The user has no password yet.
        #[error("user {email} has no password")]
        #[code(503, "no_password")]
        NoPassword {
            /// The user.
            user: crate::UserId,
            /// Its email.
            email: String,
        },

        // ---- 9xx storage ----
        /// The store failed; nothing was changed.
        #[error("storage error: {0}")]
        #[code(900, "storage")]
        Storage(String),
        /// Stored data breaks an invariant of the library.
        #[error("corrupt directory data: {0}")]
        #[code(901, "corrupt")]
        Corrupt(String),
        /// The file is not a rolecall SQLite database (nothing was written to it).
        #[error("{path} is not a SQLite database")]
        #[code(902, "not_a_database")]
        NotADatabase {
            /// The path as given.
            path: String,
        },
        /// The file was written by a newer version of rolecall (nothing was written to it).
        #[error("database schema version {found} is newer than this library supports ({supported})")]
        #[code(903, "schema_too_new")]
        SchemaTooNew {
            /// The schema version in the file.
            found: i64,
            /// The newest version this library knows.
            supported: i64,
        },
        /// The store was opened read-only, or the file or its directory cannot be written.
        #[error("the directory store is read-only: {0}")]
        #[code(904, "read_only")]
        ReadOnly(String),
        /// The store's write lock stayed held by another writer (another process, or another
        /// directory on the same store) past the busy timeout. Nothing changed: retry the change.
        #[error("the database is busy (locked by another process) past the timeout")]
        #[code(905, "busy")]
        Busy,
        /// The directory was closed (`Directory::close`); open it again to use it.
        #[error("the directory is closed")]
        #[code(907, "closed")]
        Closed,
        /// The store cannot be reached (a PostgreSQL server down, restarting or unreachable, a
        /// connection lost). Nothing changed; checks keep answering from the last snapshot
        /// (see [`Directory::revision`](crate::Directory::revision)). Retryable: the store
        /// reconnects by itself at the next call.
        #[error("the store is unavailable: {0}")]
        #[code(908, "unavailable")]
        Unavailable(String),
        /// `Directory::at_least` timed out before this instance reached the revision a token
        /// asked for. Retryable (with a longer timeout, or later).
        #[error("stale: this instance is at revision {reached}, the token asks for {wanted}")]
        #[code(909, "stale")]
        Stale {
            /// The revision the token asks for.
            wanted: u64,
            /// The revision this instance reached.
            reached: u64,
        },
        /// A revision token that does not belong to this store: from another database or
        /// schema, malformed, or newer than everything the store holds (a store restored from a
        /// backup taken before the token's write).
        #[error("revision token refused: {0}")]
        #[code(910, "foreign_token")]
        ForeignToken(String),
        /// Another instance committed first; this instance caught up and the change can be retried.
        #[error(
            "revision conflict: the store is at revision {stored}, this change expected {expected}"
        )]
        #[code(906, "revision_conflict")]
        RevisionConflict {
            /// The store's revision.
            stored: u64,
            /// The revision this instance was at.
            expected: u64,
        },
    }
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
    /// The category of a code: its hundreds digit (1xx invalid input, ..., 9xx storage).
    const fn of_code(code: u32) -> ErrorCategory {
        match code / 100 {
            1 => ErrorCategory::InvalidInput,
            2 => ErrorCategory::NotFound,
            3 => ErrorCategory::Conflict,
            4 => ErrorCategory::PermissionDenied,
            5 => ErrorCategory::Authentication,
            _ => ErrorCategory::Storage,
        }
    }

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
    /// The broad category, derived from the code.
    pub fn category(&self) -> ErrorCategory {
        ErrorCategory::of_code(self.code())
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_table_is_well_formed() {
        let mut codes = HashSet::new();
        let mut kinds = HashSet::new();
        for &(code, kind, category) in Error::CODES {
            assert!(codes.insert(code), "code {code} is used twice");
            assert!(kinds.insert(kind), "kind {kind} is used twice");
            assert!(
                matches!(code / 100, 1..=5 | 9) && code < 1000,
                "{code} is outside the categories"
            );
            assert_eq!(category, ErrorCategory::of_code(code), "{kind}");
            assert!(
                kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{kind} is not snake_case"
            );
        }
    }

    #[test]
    fn methods_follow_the_table() {
        for e in [
            Error::InvalidName {
                field: "f",
                reason: "r",
            },
            Error::UnknownTenant(crate::TenantId(1)),
            Error::Busy,
            Error::RevisionConflict {
                stored: 1,
                expected: 2,
            },
        ] {
            assert!(
                Error::CODES.contains(&(e.code(), e.kind(), e.category())),
                "{e:?}"
            );
        }
        assert_eq!(Error::Busy.code(), 905);
        assert_eq!(
            Error::UnknownTenant(crate::TenantId(1)).kind(),
            "unknown_tenant"
        );
    }
}

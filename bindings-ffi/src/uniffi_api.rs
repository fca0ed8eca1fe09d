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

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rolecall::{
    AccessLevel, Agreement, AgreementId, AuditAction, AuditEvent, AuditQuery, CredentialStatus,
    Eligibility, Explanation, Grant, Group, GroupId, NewRole, NewUser, ObjectKind, Page,
    PasswordPolicy, Permission, Preset, Product, ResetIssued, Role, RoleId, RoleNamespace,
    RolePatch, ScopeGrant, ScopeId, Secret, Session, SodRule, SodViolation, TenantCreated,
    TenantId, User, UserId, UserQuery,
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

// The API is split by concept over the files of `uniffi_api/`, included here rather than
// declared as modules: uniffi's metadata carries `module_path!()`, so one module keeps the
// generated bindings (and their checksums) as they were.

include!("uniffi_api/types.rs");

fn names(p: Permission) -> Vec<String> {
    p.names().into_iter().map(str::to_owned).collect()
}

fn perm(name: &str) -> R<Permission> {
    Ok(Permission::by_name(name)?)
}

include!("uniffi_api/remote.rs");
include!("uniffi_api/local.rs");
include!("uniffi_api/functions.rs");
include!("uniffi_api/snapshot.rs");
include!("uniffi_api/directory/object.rs");
include!("uniffi_api/directory/users.rs");
include!("uniffi_api/directory/groups.rs");
include!("uniffi_api/directory/scopes.rs");
include!("uniffi_api/directory/agreements.rs");
include!("uniffi_api/directory/checks.rs");
include!("uniffi_api/directory/credentials.rs");
include!("uniffi_api/directory/sod.rs");
include!("uniffi_api/directory/scim.rs");
include!("uniffi_api/directory/simulate.rs");
include!("uniffi_api/directory/transfer.rs");
include!("uniffi_api/directory/audit.rs");
include!("uniffi_api/timed.rs");

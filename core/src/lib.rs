#![doc = include_str!("../README.md")]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
#![warn(clippy::missing_errors_doc)]

/// Stores a type in SQLite as its text name (`Display`) and reads it back with `FromStr`; a
/// name this version does not know reads as a conversion error, which the store reports as
/// damage.
macro_rules! sql_text {
    ($t:ty) => {
        #[cfg(feature = "sqlite")]
        impl rusqlite::types::ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::from(self.to_string()))
            }
        }

        #[cfg(feature = "sqlite")]
        impl rusqlite::types::FromSql for $t {
            fn column_result(
                value: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                value
                    .as_str()?
                    .parse()
                    .map_err(|e: crate::Error| rusqlite::types::FromSqlError::Other(e.into()))
            }
        }
    };
}

// Every module is private: each public item has exactly one path, at the crate root.
mod audit;
mod audit_export;
mod clock;
mod credentials;
mod directory;
mod domain;
mod engine;
mod error;
mod impact;
mod ops;
mod store;
mod transfer;

// The SCIM 2.0 mapper (RFC 7643 / 7644): a public module of its own, as its types name SCIM's.
pub mod scim;

pub use audit::{AuditAction, AuditEvent, AuditQuery, MAX_DETAILED_CHANGES};
pub use audit_export::AUDIT_JSON_SCHEMA;
pub use clock::{Clock, ClockListener, ManualClock, SystemClock};
pub use credentials::{
    Credential, HashParams, Notification, PasswordPolicy, ResetToken, Secret, MAX_PASSWORD_CHARS,
};
pub use directory::{
    CredentialStatus, Directory, Explanation, Follower, Grant, Page, Session, UserQuery,
};
pub use domain::validate::{MAX_DESCRIPTION_CHARS, MAX_EMAIL_LEN, MAX_NAME_CHARS, MAX_PHONE_CHARS};
pub use domain::{
    AccessLevel, Agreement, AgreementId, Assignment, Change, Commit, CustomKind, Group, GroupId,
    Levels, NextIds, ObjectKind, Permission, Preset, PresetRole, Product, Role, RoleId,
    RoleNamespace, Scope, ScopeGrant, ScopeId, ScopeKind, SodRule, SodViolation, Tenant, TenantId,
    TenantSettings, TimedGrant, User, UserId, Window, CATALOGUE,
};
pub use domain::{Eligibility, MAX_ACTIVATION_MS};
pub use engine::{ScopeAccess, Snapshot, UserRef};
pub use error::{Error, ErrorCategory, Result, UserLookup};
pub use impact::{
    Impact, LevelChange, Lifecycle, PbxLink, Right, ScopeRef, Simulation, UserImpact,
};
pub use ops::{NewRole, NewUser, ResetIssued, RolePatch, TenantCreated, UserPatch};
pub use store::{ChangeSignal, Loaded, MemoryLimits, MemoryStore, Store};
#[cfg(feature = "postgres")]
pub use store::{PostgresOptions, PostgresStore};
#[cfg(feature = "sqlite")]
pub use store::{SqliteOptions, SqliteStore};
pub use transfer::{
    DocAgreement, DocAssignment, DocEligibility, DocGrant, DocGroup, DocLevels, DocPassword,
    DocPasswordPolicy, DocPbxLink, DocRole, DocScope, DocSodRule, DocTenant, DocUser, DocWindow,
    ExportOptions, ImportProblem, ImportReport, KindReport, TenantDocument, CSV_COLUMNS,
    DOCUMENT_FORMAT, DOCUMENT_VERSION,
};

/// The workspace README's Rust examples, compiled and run as doctests so they stay true.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

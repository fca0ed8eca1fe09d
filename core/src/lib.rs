#![doc = include_str!("../README.md")]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
#![warn(clippy::missing_errors_doc)]

pub mod audit;
pub mod clock;
pub mod credentials;
mod directory;
pub mod domain;
mod engine;
mod error;
mod ops;
pub mod store;

pub use audit::{AuditEvent, AuditQuery};
pub use clock::{Clock, ManualClock, SystemClock};
pub use credentials::{HashParams, Notification, PasswordPolicy, Secret};
pub use directory::{CredentialStatus, Directory, Explanation, Grant, Page, Session, UserQuery};
pub use domain::{
    AccessLevel, Agreement, AgreementId, Change, Commit, Group, GroupId, Levels, Permission,
    Preset, PresetRole, Product, Role, RoleId, RoleNamespace, Scope, ScopeId, ScopeKind, Tenant,
    TenantId, TenantSettings, User, UserId, CATALOGUE,
};
pub use engine::{ScopeAccess, Snapshot, UserRef};
pub use error::{Error, ErrorCategory, Result};
pub use ops::{NewRole, NewUser, ResetIssued, RolePatch, TenantCreated, UserPatch};
pub use store::{ChangeSignal, MemoryStore, Store};
#[cfg(feature = "postgres")]
pub use store::{PostgresOptions, PostgresStore};
#[cfg(feature = "sqlite")]
pub use store::{SqliteOptions, SqliteStore};

/// The workspace README's Rust examples, compiled and run as doctests so they stay true.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

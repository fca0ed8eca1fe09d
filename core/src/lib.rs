#![doc = include_str!("../README.md")]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod clock;
mod directory;
pub mod domain;
mod engine;
mod error;
mod ops;
pub mod store;

pub use clock::{Clock, ManualClock, SystemClock};
pub use directory::{Directory, Explanation, Grant, Page, UserQuery};
pub use domain::{
    AccessLevel, Agreement, AgreementId, Change, Commit, Group, GroupId, Levels, Permission,
    Preset, PresetRole, Product, Role, RoleId, Scope, ScopeId, ScopeKind, Tenant, TenantId, User,
    UserId, CATALOGUE,
};
pub use engine::{ScopeAccess, Snapshot, UserRef};
pub use error::{Error, ErrorCategory, Result};
pub use ops::{NewRole, NewUser, RolePatch, TenantCreated, UserPatch};
pub use store::{MemoryStore, Store};
#[cfg(feature = "sqlite")]
pub use store::{SqliteOptions, SqliteStore};

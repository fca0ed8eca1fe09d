//! The domain: pure data and rules, no I/O.

mod agreement;
mod idmap;
mod ids;
pub(crate) mod model;
mod permission;
mod preset;
mod records;
pub(crate) mod rules;
pub(crate) mod sod;
mod timed;
pub(crate) mod validate;

pub use agreement::{AccessLevel, Levels, Product};
pub use ids::{AgreementId, GroupId, NextIds, ObjectKind, RoleId, ScopeId, TenantId, UserId};
pub(crate) use permission::truncate_for_message;
pub use permission::{Permission, CATALOGUE};
pub use preset::{Preset, PresetRole, RoleNamespace};
pub use records::{
    Agreement, Change, Commit, CustomKind, Group, Role, Scope, ScopeGrant, ScopeKind, Tenant,
    TenantSettings, User,
};
pub use sod::{SodRule, SodViolation};
pub(crate) use timed::windows_serde;
pub use timed::{Assignment, Eligibility, TimedGrant, Window, MAX_ACTIVATION_MS};

//! Typed identifiers. Each kind of object has its own id space, allocated densely from 1, so
//! that the engine can index users by id without hashing.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! ids {
    ($( $(#[doc = $doc:literal])* $name:ident, $kind:literal; )*) => {$(
        $(#[doc = $doc])*
        #[derive(Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl $name {
            /// The kind of object this id names, as used in error messages.
            pub const KIND: &'static str = $kind;

            /// The raw number.
            pub const fn get(self) -> u64 {
                self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}#{}", $kind, self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}#{}", $kind, self.0)
            }
        }

        impl From<u64> for $name {
            fn from(v: u64) -> Self {
                $name(v)
            }
        }

        /// Stored in SQLite as the integer with the same 64 bits (ids never reach 2^63).
        #[cfg(feature = "sqlite")]
        impl rusqlite::types::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::from(self.0 as i64))
            }
        }

        /// Read back from SQLite as stored; the store checks the range of every id column
        /// when it opens a file, and reports an id out of range as damage.
        #[cfg(feature = "sqlite")]
        impl rusqlite::types::FromSql for $name {
            fn column_result(
                value: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                <i64 as rusqlite::types::FromSql>::column_result(value).map(|v| $name(v as u64))
            }
        }
    )*};
}

ids! {
    /// Identifies a tenant (one customer account).
    TenantId, "tenant";
    /// Identifies a user.
    UserId, "user";
    /// Identifies a role.
    RoleId, "role";
    /// Identifies a user group.
    GroupId, "group";
    /// Identifies a scope resource (call group or IVR).
    ScopeId, "scope";
    /// Identifies an agreement (contract).
    AgreementId, "agreement";
}

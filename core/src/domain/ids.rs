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

/// The kinds of object the directory holds. Each has its own id space, allocated from 1 and
/// never reused; the audit log names the object an event is about by kind and id.
///
/// Written as `tenant`, `user`, `role`, `group`, `scope`, `agreement` (in the audit log, error
/// messages and the bindings); [`FromStr`](std::str::FromStr) reads the same names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    /// [`TenantId`]
    Tenant,
    /// [`UserId`]
    User,
    /// [`RoleId`]
    Role,
    /// [`GroupId`]
    Group,
    /// [`ScopeId`]
    Scope,
    /// [`AgreementId`]
    Agreement,
}

impl ObjectKind {
    /// Every kind, in a fixed order.
    pub const ALL: [ObjectKind; 6] = [
        ObjectKind::Tenant,
        ObjectKind::User,
        ObjectKind::Role,
        ObjectKind::Group,
        ObjectKind::Scope,
        ObjectKind::Agreement,
    ];

    /// The kind's name, as in error messages and as the suffix of a store's `next_<kind>`
    /// counter: `tenant`, `user`, `role`, `group`, `scope`, `agreement`.
    pub const fn name(self) -> &'static str {
        match self {
            ObjectKind::Tenant => TenantId::KIND,
            ObjectKind::User => UserId::KIND,
            ObjectKind::Role => RoleId::KIND,
            ObjectKind::Group => GroupId::KIND,
            ObjectKind::Scope => ScopeId::KIND,
            ObjectKind::Agreement => AgreementId::KIND,
        }
    }

    /// Whether the directory indexes this kind densely by id (a slot per id: users and
    /// scopes), so that a store must bound its ids by its rows (see
    /// [`Loaded`](crate::Loaded)).
    pub const fn is_dense(self) -> bool {
        matches!(self, ObjectKind::User | ObjectKind::Scope)
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for ObjectKind {
    type Err = crate::Error;

    /// Reads a kind's [`name`](ObjectKind::name).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) naming the accepted kinds.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ObjectKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| crate::Error::InvalidArgument {
                what: "object kind",
                reason: format!(
                    "{:?} is not one of {}",
                    crate::domain::truncate_for_message(s),
                    ObjectKind::ALL.map(ObjectKind::name).join(", ")
                ),
            })
    }
}

sql_text!(ObjectKind);

/// One `u64` per [`ObjectKind`]: the next free id of each kind, or a count per kind.
///
/// Indexed by kind (`next[ObjectKind::User]`); zero for a kind means "nothing known".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NextIds([u64; 6]);

impl NextIds {
    /// Every kind with its value, in [`ObjectKind::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (ObjectKind, u64)> + '_ {
        ObjectKind::ALL.into_iter().map(|k| (k, self[k]))
    }

    /// Builds one from a function of the kind.
    pub fn from_fn(mut f: impl FnMut(ObjectKind) -> u64) -> NextIds {
        NextIds(ObjectKind::ALL.map(&mut f))
    }
}

impl std::ops::Index<ObjectKind> for NextIds {
    type Output = u64;
    fn index(&self, kind: ObjectKind) -> &u64 {
        &self.0[kind as usize]
    }
}

impl std::ops::IndexMut<ObjectKind> for NextIds {
    fn index_mut(&mut self, kind: ObjectKind) -> &mut u64 {
        &mut self.0[kind as usize]
    }
}

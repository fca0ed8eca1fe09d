//! Time-bound grants: the validity window an assignment of a user may carry.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{AccessLevel, AgreementId, GroupId, Product, RoleId, ScopeGrant, ScopeId};
use crate::Error;

/// When a grant is in force: from `from` (inclusive) until `until` (exclusive), in ms since the
/// Unix epoch; `None` leaves that side open. [`Window::ALWAYS`] is a permanent grant.
///
/// ```
/// use rolecall::Window;
/// let shift = Window::between(1_000, 2_000);
/// assert!(!shift.contains(999) && shift.contains(1_000) && !shift.contains(2_000));
/// assert!(Window::ALWAYS.contains(i64::MIN));
/// ```
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct Window {
    /// Start, ms since the Unix epoch (`None`: already started).
    #[serde(default)]
    pub from: Option<i64>,
    /// End, ms since the Unix epoch (`None`: never ends).
    #[serde(default)]
    pub until: Option<i64>,
}

impl Window {
    /// In force at every instant: a permanent grant.
    pub const ALWAYS: Window = Window {
        from: None,
        until: None,
    };

    /// In force until `until` (exclusive).
    pub const fn until(until: i64) -> Window {
        Window {
            from: None,
            until: Some(until),
        }
    }

    /// In force from `from` (inclusive) until `until` (exclusive).
    pub const fn between(from: i64, until: i64) -> Window {
        Window {
            from: Some(from),
            until: Some(until),
        }
    }

    /// Whether the grant is in force at `now`.
    #[inline]
    pub fn contains(&self, now: i64) -> bool {
        self.from.is_none_or(|f| now >= f) && self.until.is_none_or(|u| now < u)
    }

    /// Whether this is [`Window::ALWAYS`].
    pub fn is_always(&self) -> bool {
        *self == Window::ALWAYS
    }

    /// Whether the grant has ended at `now` (and never comes back).
    pub fn ended(&self, now: i64) -> bool {
        self.until.is_some_and(|u| now >= u)
    }

    /// The instants at which the grant starts or ends.
    pub(crate) fn bounds(&self) -> impl Iterator<Item = i64> {
        self.from.into_iter().chain(self.until)
    }

    /// Checks the window for a grant made at `now`.
    ///
    /// # Errors
    /// [`Error::InvalidWindow`] when it ends before it starts, or has already ended.
    pub fn validate(&self, now: i64) -> Result<(), Error> {
        if let (Some(f), Some(u)) = (self.from, self.until) {
            if u <= f {
                return Err(Error::InvalidWindow {
                    reason: "it ends before it starts",
                });
            }
        }
        if self.ended(now) {
            return Err(Error::InvalidWindow {
                reason: "it has already ended",
            });
        }
        Ok(())
    }
}

/// One of a user's assignments that can carry a [`Window`]: a role held directly, a role held
/// for a scope, a group membership, an assigned scope (003), a level on a product of an
/// agreement (002) or a PBX subscriber link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Assignment {
    /// A role held directly.
    Role(RoleId),
    /// A role held for one scope.
    ScopeRole(ScopeGrant),
    /// Membership of a user group.
    Group(GroupId),
    /// An assigned call group / IVR (or other scope) of 003.
    Scope(ScopeId),
    /// The level on one product of an agreement: when the window ends it falls to
    /// [`AccessLevel::NoAccess`].
    Level {
        /// The agreement.
        agreement: AgreementId,
        /// The product.
        product: Product,
    },
    /// The PBX subscriber link under an agreement.
    Pbx(AgreementId),
}

/// What [`Directory::grant_for`](crate::Directory::grant_for) grants for a time: an
/// [`Assignment`] with the value it gives (the level, the subscriber).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimedGrant {
    /// A role held directly.
    Role(RoleId),
    /// A role held for one scope.
    ScopeRole(ScopeGrant),
    /// Membership of a user group.
    Group(GroupId),
    /// An assigned scope (003).
    Scope(ScopeId),
    /// A level on one product of an agreement.
    Level {
        /// The agreement.
        agreement: AgreementId,
        /// The product.
        product: Product,
        /// The level (never `Owner`).
        level: AccessLevel,
    },
    /// A PBX subscriber link under an agreement.
    Pbx {
        /// The agreement.
        agreement: AgreementId,
        /// The subscriber name.
        subscriber: String,
    },
}

impl TimedGrant {
    /// The assignment this grant makes.
    pub fn assignment(&self) -> Assignment {
        match self {
            TimedGrant::Role(r) => Assignment::Role(*r),
            TimedGrant::ScopeRole(g) => Assignment::ScopeRole(*g),
            TimedGrant::Group(g) => Assignment::Group(*g),
            TimedGrant::Scope(s) => Assignment::Scope(*s),
            TimedGrant::Level {
                agreement, product, ..
            } => Assignment::Level {
                agreement: *agreement,
                product: *product,
            },
            TimedGrant::Pbx { agreement, .. } => Assignment::Pbx(*agreement),
        }
    }
}

/// A role a user may activate for itself, for at most `max_ms` at a time, with a justification
/// ([`Directory::activate`](crate::Directory::activate)): eligible → activate → expire, as
/// Azure PIM. Set by an administrator with
/// [`Directory::make_eligible`](crate::Directory::make_eligible), under the rules of granting
/// the role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Eligibility {
    /// The role.
    pub role: RoleId,
    /// The scope it is activated for (a per-scope grant), or `None` (held directly).
    pub scope: Option<ScopeId>,
    /// The longest activation, in ms.
    pub max_ms: i64,
}

/// The longest activation an eligibility may allow: 31 days, in ms.
pub const MAX_ACTIVATION_MS: i64 = 31 * 24 * 3_600_000;

/// Serialises a user's windows as a list of `[assignment, window]` pairs (JSON maps need text
/// keys).
pub(crate) mod windows_serde {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        w: &BTreeMap<Assignment, Window>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(w.iter())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<Assignment, Window>, D::Error> {
        let v: Vec<(Assignment, Window)> = Vec::deserialize(d)?;
        Ok(v.into_iter().collect())
    }
}

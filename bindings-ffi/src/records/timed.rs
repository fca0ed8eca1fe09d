//! Time-bound grants: validity windows, what is granted for a time, the windows and
//! eligibilities a user record carries.

use std::ffi::c_char;

use rolecall::{Assignment, Eligibility, Window};

use crate::types::*;

/// When a grant is in force: from `from_ms` (inclusive) until `until_ms` (exclusive), in ms
/// since the Unix epoch. A side whose `has_` flag is false is open (its value is ignored, and
/// is 0 in records from the library): a zero-initialised window (`{0}`) is in force at every
/// instant, a permanent grant. Plain value.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct rolecall_window {
    /// Start, ms since the Unix epoch (when `has_from`).
    pub from_ms: i64,
    /// End, ms since the Unix epoch (when `has_until`).
    pub until_ms: i64,
    /// Whether the window has a start (false: already started).
    pub has_from: bool,
    /// Whether the window has an end (false: never ends).
    pub has_until: bool,
}

impl From<rolecall_window> for Window {
    fn from(w: rolecall_window) -> Self {
        Window {
            from: w.has_from.then_some(w.from_ms),
            until: w.has_until.then_some(w.until_ms),
        }
    }
}

impl From<Window> for rolecall_window {
    fn from(w: Window) -> Self {
        rolecall_window {
            from_ms: w.from.unwrap_or(0),
            until_ms: w.until.unwrap_or(0),
            has_from: w.from.is_some(),
            has_until: w.until.is_some(),
        }
    }
}

/// The kind of an assignment that can carry a window: one of ROLECALL_ASSIGNMENT_*.
pub type rolecall_assignment_kind = u32;
/// No kind (refused as input) or, in a record, a kind this version of the header does not
/// know (a newer library).
pub const ROLECALL_ASSIGNMENT_OTHER: rolecall_assignment_kind = 0;
/// A role held directly: `role`.
pub const ROLECALL_ASSIGNMENT_ROLE: rolecall_assignment_kind = 1;
/// A role held for one scope (and everything below it): `role`, `scope`.
pub const ROLECALL_ASSIGNMENT_SCOPE_ROLE: rolecall_assignment_kind = 2;
/// Membership of a user group: `group`.
pub const ROLECALL_ASSIGNMENT_GROUP: rolecall_assignment_kind = 3;
/// An assigned call group / IVR (or other scope): `scope`.
pub const ROLECALL_ASSIGNMENT_SCOPE: rolecall_assignment_kind = 4;
/// The level on one product of an agreement: `agreement`, `product` (and, for a grant,
/// `level`). When its window ends the level falls to ROLECALL_LEVEL_NO_ACCESS.
pub const ROLECALL_ASSIGNMENT_LEVEL: rolecall_assignment_kind = 5;
/// The PBX subscriber link under an agreement: `agreement` (and, for a grant, `subscriber`).
pub const ROLECALL_ASSIGNMENT_PBX: rolecall_assignment_kind = 6;

/// What rolecall_grant_for() grants for a time (input). Zero-initialise it, set `kind`, then
/// the fields that kind uses (see ROLECALL_ASSIGNMENT_*); the others are ignored.
#[repr(C)]
pub struct rolecall_timed_grant {
    /// Which kind of assignment (ROLECALL_ASSIGNMENT_OTHER is refused).
    pub kind: rolecall_assignment_kind,
    /// ROLE, SCOPE_ROLE: the role.
    pub role: rolecall_role_id,
    /// SCOPE_ROLE, SCOPE: the scope.
    pub scope: rolecall_scope_id,
    /// GROUP: the group.
    pub group: rolecall_group_id,
    /// LEVEL, PBX: the agreement.
    pub agreement: rolecall_agreement_id,
    /// LEVEL: the product.
    pub product: rolecall_product,
    /// LEVEL: the level (not ROLECALL_LEVEL_OWNER; ROLECALL_LEVEL_NO_ACCESS is refused for a
    /// time-bound level).
    pub level: rolecall_access_level,
    /// PBX: the subscriber name (NUL-terminated UTF-8).
    pub subscriber: *const c_char,
}

/// One of a user's assignments that carries a window (in records). Fields not used by its
/// kind are 0. Plain value.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct rolecall_assignment {
    /// Which kind of assignment (ROLECALL_ASSIGNMENT_*).
    pub kind: rolecall_assignment_kind,
    /// ROLE, SCOPE_ROLE: the role.
    pub role: rolecall_role_id,
    /// SCOPE_ROLE, SCOPE: the scope.
    pub scope: rolecall_scope_id,
    /// GROUP: the group.
    pub group: rolecall_group_id,
    /// LEVEL, PBX: the agreement.
    pub agreement: rolecall_agreement_id,
    /// LEVEL: the product.
    pub product: rolecall_product,
}

impl From<Assignment> for rolecall_assignment {
    fn from(a: Assignment) -> Self {
        let mut out = rolecall_assignment::default();
        match a {
            Assignment::Role(r) => {
                out.kind = ROLECALL_ASSIGNMENT_ROLE;
                out.role = r.0;
            }
            Assignment::ScopeRole(g) => {
                out.kind = ROLECALL_ASSIGNMENT_SCOPE_ROLE;
                out.role = g.role.0;
                out.scope = g.scope.0;
            }
            Assignment::Group(g) => {
                out.kind = ROLECALL_ASSIGNMENT_GROUP;
                out.group = g.0;
            }
            Assignment::Scope(s) => {
                out.kind = ROLECALL_ASSIGNMENT_SCOPE;
                out.scope = s.0;
            }
            Assignment::Level { agreement, product } => {
                out.kind = ROLECALL_ASSIGNMENT_LEVEL;
                out.agreement = agreement.0;
                out.product = product as rolecall_product;
            }
            Assignment::Pbx(a) => {
                out.kind = ROLECALL_ASSIGNMENT_PBX;
                out.agreement = a.0;
            }
        }
        out
    }
}

/// A time-bound assignment of a user and its window (in rolecall_user). Plain value.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct rolecall_user_window {
    /// The assignment.
    pub assignment: rolecall_assignment,
    /// When it is in force.
    pub window: rolecall_window,
}

/// The longest activation an eligibility may allow (rolecall_make_eligible()): 31 days, in ms.
pub const ROLECALL_MAX_ACTIVATION_MS: i64 = 2_678_400_000;

/// A role a user may activate for itself (rolecall_activate()), for at most `max_ms` at a
/// time (in rolecall_user). Plain value.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct rolecall_eligibility {
    /// The role.
    pub role: rolecall_role_id,
    /// The scope it is activated for, or 0: held directly.
    pub scope: rolecall_scope_id,
    /// The longest activation, in ms.
    pub max_ms: i64,
}

impl From<&Eligibility> for rolecall_eligibility {
    fn from(e: &Eligibility) -> Self {
        rolecall_eligibility {
            role: e.role.0,
            scope: e.scope.map_or(0, |s| s.0),
            max_ms: e.max_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn max_activation_is_the_cores() {
        assert_eq!(
            super::ROLECALL_MAX_ACTIVATION_MS,
            rolecall::MAX_ACTIVATION_MS
        );
    }
}

//! Separation of duty: mutually exclusive permission sets a tenant declares.

use serde::{Deserialize, Serialize};

use super::{validate, Permission, UserId};
use crate::Error;

/// A separation-of-duty rule: no user may hold both sides. A user holds a side when it holds
/// any permission of it (its effective rights, whatever the scope). The superadministrator, who
/// holds every right by definition, is exempt.
///
/// Declared per tenant by its superadministrator
/// ([`Directory::add_sod_rule`](crate::Directory::add_sod_rule)) and kept in
/// [`TenantSettings::separation_of_duty`](crate::TenantSettings::separation_of_duty). Every
/// change that would give a user both sides is refused with
/// [`Error::SeparationOfDuty`](crate::Error::SeparationOfDuty).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SodRule {
    /// Its name, unique per tenant (case-insensitively), validated like other names.
    pub name: String,
    /// One side: the permissions that exclude `second`. Not empty.
    pub first: Permission,
    /// The other side. Not empty, and shares no permission with `first`.
    pub second: Permission,
}

impl SodRule {
    /// A rule named `name` between `first` and `second` (checked when declared).
    pub fn new(name: impl Into<String>, first: Permission, second: Permission) -> Self {
        SodRule {
            name: name.into(),
            first,
            second,
        }
    }

    /// Whether holding `perms` means holding both sides.
    pub fn violated_by(&self, perms: Permission) -> bool {
        perms.intersects(self.first) && perms.intersects(self.second)
    }
}

/// A user holding both sides of a rule (see [`Directory::sod_violations`](crate::Directory::sod_violations)).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SodViolation {
    /// The rule's name.
    pub rule: String,
    /// The user holding both of its sides.
    pub user: UserId,
}

/// The one validation of a tenant's rules: each name validated (trimmed, NFC) and unique
/// case-insensitively, each side non-empty, the sides disjoint. Returns the rules with their
/// names normalised.
///
/// # Errors
/// [`Error::InvalidName`] for a bad name; [`Error::DuplicateName`] for a name used twice;
/// [`Error::EmptyPermission`] for an empty side; [`Error::InvalidArgument`] for sides that share
/// a permission.
pub(crate) fn validated_rules(rules: &[SodRule]) -> Result<Vec<SodRule>, Error> {
    let mut out: Vec<SodRule> = Vec::with_capacity(rules.len());
    let mut seen = std::collections::HashSet::new();
    for r in rules {
        let name = validate::name("separation-of-duty rule name", &r.name)?;
        if !seen.insert(validate::fold(&name)) {
            return Err(Error::DuplicateName {
                kind: "separation-of-duty rule",
                name,
            });
        }
        if r.first.is_empty() || r.second.is_empty() {
            return Err(Error::EmptyPermission);
        }
        if r.first.intersects(r.second) {
            return Err(Error::InvalidArgument {
                what: "separation-of-duty rule",
                reason: format!("rule {name:?}: both sides hold {}", r.first & r.second),
            });
        }
        out.push(SodRule {
            name,
            first: r.first,
            second: r.second,
        });
    }
    Ok(out)
}

//! The impact of a planned change: who would gain and who would lose which rights, scopes,
//! levels and PBX links. Produced by [`Directory::simulate`](crate::Directory::simulate), which
//! runs the change on a throwaway fork with the very rules and engine that would apply it.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::domain::{AccessLevel, AgreementId, Product, ScopeId, UserId};

/// What [`Directory::simulate`](crate::Directory::simulate) returns: what the simulated
/// operation returned on the fork, and its impact.
#[derive(Clone, Debug, PartialEq)]
pub struct Simulation<T> {
    /// What the operation returned on the fork (ids it allocated are those a real run on
    /// this directory would allocate next).
    pub value: T,
    /// Who would gain and lose what.
    pub impact: Impact,
}

/// The difference in effective access a planned change makes: one entry per user whose access
/// would differ, sorted by user id. Computed over the users the fork's commits touched (as
/// the engine recompiles them), from the snapshots checks read before and after.
///
/// Serialized (JSON) as the shape documented in the README's "Dry run and impact" section:
/// `{"revision": 12, "commits": 1, "changes": 2, "changed": true, "users": [...]}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Impact {
    /// The revision of the directory the plan starts from.
    pub revision: u64,
    /// How many commits the operation made on the fork (a refused or no-op one makes none).
    pub commits: usize,
    /// How many records those commits changed (security-stamp renewals not counted).
    pub changes: usize,
    /// Whether anything at all would change (a change may alter no one's access: a rename).
    pub changed: bool,
    /// The users whose access would differ, by id.
    pub users: Vec<UserImpact>,
}

impl Impact {
    /// Whether no user's access would differ.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// The entry of `user`, if its access would differ.
    pub fn user(&self, user: UserId) -> Option<&UserImpact> {
        self.users
            .binary_search_by_key(&user, |u| u.user)
            .ok()
            .map(|i| &self.users[i])
    }
}

/// Whether a user would come or go, or be switched on or off.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    /// It exists before and after, active or not as before.
    #[default]
    Unchanged,
    /// It would be created.
    Created,
    /// It would be deleted.
    Deleted,
    /// It would be reactivated.
    Activated,
    /// It would be deactivated.
    Deactivated,
}

impl Lifecycle {
    /// The stable snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            Lifecycle::Unchanged => "unchanged",
            Lifecycle::Created => "created",
            Lifecycle::Deleted => "deleted",
            Lifecycle::Activated => "activated",
            Lifecycle::Deactivated => "deactivated",
        }
    }
}

/// A scope resource (call group, IVR, queue, team, ...), with its name for reading.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ScopeRef {
    /// Its id.
    pub id: ScopeId,
    /// Its name (before the change when the change deletes it).
    pub name: String,
}

/// One right: a permission, held for every scope of the tenant or only on a scope (and
/// everything below it).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Right {
    /// The permission's dotted name (`campaigns.control`).
    pub permission: String,
    /// The topmost scope it is held on, when held for some scopes only; `None`: everywhere.
    pub scope: Option<ScopeRef>,
}

/// A level that would change on one product of an agreement.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LevelChange {
    /// The agreement.
    pub agreement: AgreementId,
    /// Its name.
    pub agreement_name: String,
    /// The product.
    pub product: Product,
    /// The level checks answer before.
    pub before: AccessLevel,
    /// The level they would answer after.
    pub after: AccessLevel,
}

/// A virtual-PBX subscriber whose recordings a user may listen to (and click-to-call for).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PbxLink {
    /// The agreement.
    pub agreement: AgreementId,
    /// Its name.
    pub agreement_name: String,
    /// The subscriber.
    pub subscriber: String,
}

/// How one user's effective access would differ. An inactive user holds nothing, so a
/// deactivation lists everything the user held as lost.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserImpact {
    /// The user.
    pub user: UserId,
    /// Its email (before the change when the change deletes it).
    pub email: String,
    /// Whether it would be created, deleted, activated or deactivated.
    pub lifecycle: Lifecycle,
    /// Rights it would gain, by permission then scope.
    pub rights_gained: Vec<Right>,
    /// Rights it would lose.
    pub rights_lost: Vec<Right>,
    /// Scopes (call groups / IVRs, 003) it would be assigned.
    pub scopes_gained: Vec<ScopeRef>,
    /// Scopes it would no longer be assigned.
    pub scopes_lost: Vec<ScopeRef>,
    /// Teams it would join.
    pub teams_gained: Vec<ScopeRef>,
    /// Teams it would leave.
    pub teams_lost: Vec<ScopeRef>,
    /// Agreement levels that would change, by agreement then product.
    pub levels: Vec<LevelChange>,
    /// PBX subscriber links it would gain.
    pub pbx_gained: Vec<PbxLink>,
    /// PBX subscriber links it would lose.
    pub pbx_lost: Vec<PbxLink>,
}

impl UserImpact {
    /// Whether nothing would differ for this user.
    pub fn is_empty(&self) -> bool {
        self.lifecycle == Lifecycle::Unchanged
            && self.rights_gained.is_empty()
            && self.rights_lost.is_empty()
            && self.scopes_gained.is_empty()
            && self.scopes_lost.is_empty()
            && self.teams_gained.is_empty()
            && self.teams_lost.is_empty()
            && self.levels.is_empty()
            && self.pbx_gained.is_empty()
            && self.pbx_lost.is_empty()
    }
}

impl fmt::Display for Right {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.permission)?;
        if let Some(s) = &self.scope {
            write!(f, " @{}", s.name)?;
        }
        Ok(())
    }
}

impl fmt::Display for UserImpact {
    /// One line: `bob@acme.test: + campaigns.control; - users.read @Sales; level
    /// Invoicing/virtual_pbx: user -> administrator`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.email)?;
        if self.lifecycle != Lifecycle::Unchanged {
            write!(f, " ({})", self.lifecycle.name())?;
        }
        let mut parts: Vec<String> = Vec::new();
        parts.extend(self.rights_gained.iter().map(|r| format!("+ {r}")));
        parts.extend(self.rights_lost.iter().map(|r| format!("- {r}")));
        parts.extend(
            self.scopes_gained
                .iter()
                .map(|s| format!("+ scope {}", s.name)),
        );
        parts.extend(
            self.scopes_lost
                .iter()
                .map(|s| format!("- scope {}", s.name)),
        );
        parts.extend(
            self.teams_gained
                .iter()
                .map(|s| format!("+ team {}", s.name)),
        );
        parts.extend(self.teams_lost.iter().map(|s| format!("- team {}", s.name)));
        parts.extend(self.levels.iter().map(|l| {
            format!(
                "level {}/{}: {} -> {}",
                l.agreement_name, l.product, l.before, l.after
            )
        }));
        parts.extend(
            self.pbx_gained
                .iter()
                .map(|p| format!("+ pbx {} on {}", p.subscriber, p.agreement_name)),
        );
        parts.extend(
            self.pbx_lost
                .iter()
                .map(|p| format!("- pbx {} on {}", p.subscriber, p.agreement_name)),
        );
        if !parts.is_empty() {
            write!(f, ": {}", parts.join("; "))?;
        }
        Ok(())
    }
}

impl fmt::Display for Impact {
    /// A readable report: a summary line, then one line per user.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        if !self.changed {
            return write!(f, "no change (revision {})", self.revision);
        }
        write!(
            f,
            "{} in {} from revision {}: {}",
            plural(self.changes, "change", "changes"),
            plural(self.commits, "commit", "commits"),
            self.revision,
            if self.users.is_empty() {
                "no one's access changes".to_owned()
            } else {
                format!("{} affected", plural(self.users.len(), "user", "users"))
            }
        )?;
        for u in &self.users {
            write!(f, "\n{u}")?;
        }
        Ok(())
    }
}

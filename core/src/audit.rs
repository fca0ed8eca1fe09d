//! The audit log: an append-only record of every change and every login attempt: who, when,
//! what, and the records before and after (never a password, a hash or a token).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::domain::{Change, ObjectKind, TenantId, UserId};
use crate::Error;

macro_rules! audit_actions {
    ($( $(#[doc = $doc:literal])* $variant:ident => $name:literal, )*) => {
/// What an audited operation did: one variant per [`Directory`](crate::Directory) method that
/// changes something or checks credentials, written as the method's name (`create_user`,
/// `login`, ...) in the audit log and the bindings. [`FromStr`](std::str::FromStr) reads the
/// same names, so a query for an action that does not exist is refused instead of matching
/// nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuditAction {
    $( $(#[doc = $doc])* $variant, )*
}

        impl AuditAction {
            /// Every action.
            pub const ALL: &'static [AuditAction] = &[$(AuditAction::$variant),*];

            /// The action's name, as stored.
            pub const fn name(self) -> &'static str {
                match self {
                    $(AuditAction::$variant => $name,)*
                }
            }
        }
    };
}

audit_actions! {
    /// A tenant was created with its superadministrator (`Directory::create_tenant`).
    CreateTenant => "create_tenant",
    /// A preset's roles were installed.
    InstallPreset => "install_preset",
    /// The tenant settings were changed.
    SetTenantSettings => "set_tenant_settings",
    /// The tenant's password policy was changed.
    SetPasswordPolicy => "set_password_policy",
    /// A user was created.
    CreateUser => "create_user",
    /// Users were created in one commit.
    CreateUsers => "create_users",
    /// A user's names, email or phone were changed.
    UpdateUser => "update_user",
    /// A user was activated or deactivated.
    SetActive => "set_active",
    /// A user was deleted.
    DeleteUser => "delete_user",
    /// A role was created.
    CreateRole => "create_role",
    /// A role was renamed, described or given other permissions.
    UpdateRole => "update_role",
    /// A role was deleted.
    DeleteRole => "delete_role",
    /// A role was given to a user.
    AssignRole => "assign_role",
    /// A role was taken from a user.
    RevokeRole => "revoke_role",
    /// A user's direct roles were replaced.
    SetUserRoles => "set_user_roles",
    /// A user group was created.
    CreateGroup => "create_group",
    /// A user group was renamed.
    RenameGroup => "rename_group",
    /// A user group was deleted.
    DeleteGroup => "delete_group",
    /// A user joined a group.
    AddMember => "add_member",
    /// Users joined a group in one commit.
    AddMembers => "add_members",
    /// A user left a group.
    RemoveMember => "remove_member",
    /// A role was given to a group.
    AddGroupRole => "add_group_role",
    /// A role was taken from a group.
    RemoveGroupRole => "remove_group_role",
    /// A scope was created.
    CreateScope => "create_scope",
    /// A scope was deleted.
    DeleteScope => "delete_scope",
    /// A call group or IVR was assigned to a user.
    AssignScope => "assign_scope",
    /// A call group or IVR was unassigned from a user.
    UnassignScope => "unassign_scope",
    /// A user's call groups and IVRs were replaced.
    SetUserScopes => "set_user_scopes",
    /// An agreement was created.
    CreateAgreement => "create_agreement",
    /// A user's access level on a product of an agreement was set.
    SetAccessLevel => "set_access_level",
    /// An agreement's ownership was transferred.
    TransferOwnership => "transfer_ownership",
    /// A user was linked to or unlinked from a virtual-PBX subscriber.
    LinkPbxSubscriber => "link_pbx_subscriber",
    /// A password was set by an administrator.
    SetPassword => "set_password",
    /// A user changed its own password.
    ChangePassword => "change_password",
    /// A login attempt, successful or not.
    Login => "login",
    /// A locked account was unlocked.
    Unlock => "unlock",
    /// A recovery token was requested.
    RequestPasswordReset => "request_password_reset",
    /// A password was reset with a recovery token.
    ResetPassword => "reset_password",
    /// Audit events older than a time were removed (`Directory::prune_audit`).
    PruneAudit => "prune_audit",
    /// A scope was moved under another parent (or made a root).
    MoveScope => "move_scope",
    /// A separation-of-duty rule was declared.
    AddSodRule => "add_sod_rule",
    /// A separation-of-duty rule was removed.
    RemoveSodRule => "remove_sod_rule",
    /// A role was granted to a user for a scope.
    GrantRoleInScope => "grant_role_in_scope",
    /// A role granted to a user for a scope was taken back.
    RevokeRoleInScope => "revoke_role_in_scope",
    /// A user's teams were replaced.
    SetUserTeams => "set_user_teams",
    /// A user was granted an assignment for a time (or its window changed).
    GrantFor => "grant_for",
    /// Time-bound assignments whose window ended were taken away.
    Expired => "expired",
    /// A user was made eligible to activate a role (or its eligibility changed).
    MakeEligible => "make_eligible",
    /// A user's eligibility to activate a role was taken back.
    RevokeEligibility => "revoke_eligibility",
    /// A user activated a role it is eligible for, with a justification.
    Activate => "activate",
    /// An activation was ended before its end.
    EndActivation => "end_activation",
    /// A user was made a break-glass account, or stopped being one.
    SetBreakGlass => "set_break_glass",
    /// A tenant document or a CSV of users was imported in one commit
    /// (`Directory::import_tenant`, `Directory::import_users_csv`).
    ImportTenant => "import_tenant",
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for AuditAction {
    type Err = Error;

    /// Reads an action's [`name`](AuditAction::name).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a name that is no action.
    fn from_str(s: &str) -> Result<Self, Error> {
        AuditAction::ALL
            .iter()
            .copied()
            .find(|a| a.name() == s)
            .ok_or_else(|| Error::InvalidArgument {
                what: "audit action",
                reason: format!(
                    "{:?} is not an action (create_user, login, ...: see AuditAction)",
                    crate::domain::truncate_for_message(s)
                ),
            })
    }
}

sql_text!(AuditAction);

/// One audit record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// Position in the log, assigned by the store (1, 2, ...); 0 before it is stored.
    pub seq: u64,
    /// When, ms since the Unix epoch.
    pub at: i64,
    /// The tenant it concerns (0 for none).
    pub tenant: TenantId,
    /// Who acted, when known.
    pub actor: Option<UserId>,
    /// What was done: the operation (`create_user`, `login`, `set_password`, ...).
    pub action: AuditAction,
    /// `ok`, or the error kind that refused it (`permission_denied`, `authentication_failed`...).
    pub outcome: String,
    /// Kind of the main object acted on.
    pub target_kind: Option<ObjectKind>,
    /// Id of the main object acted on.
    pub target_id: Option<u64>,
    /// Free detail (an email that matched no user, the reason of a refusal).
    pub detail: Option<String>,
    /// The directory revision this event's change created, if it changed anything.
    pub revision: Option<u64>,
    /// JSON of the records as they were before the change (secrets redacted).
    pub before: Option<String>,
    /// JSON of the changes made (secrets redacted).
    pub after: Option<String>,
}

/// A query over the audit log; every filter is optional. Results come oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    /// Only this tenant's events.
    pub tenant: Option<TenantId>,
    /// Only events by this actor.
    pub actor: Option<UserId>,
    /// Only events on this target kind (with `target_id`, this object).
    pub target_kind: Option<ObjectKind>,
    /// Only events on this object id.
    pub target_id: Option<u64>,
    /// Only this action.
    pub action: Option<AuditAction>,
    /// Only this outcome (`ok`, or an error kind).
    pub outcome: Option<String>,
    /// Only events at or after this time (ms since the Unix epoch).
    pub since: Option<i64>,
    /// Only events before this time (ms since the Unix epoch).
    pub until: Option<i64>,
    /// Skip this many matches.
    pub offset: usize,
    /// At most this many (1 to 1000).
    pub limit: usize,
}

impl Default for AuditQuery {
    fn default() -> Self {
        AuditQuery {
            tenant: None,
            actor: None,
            target_kind: None,
            target_id: None,
            action: None,
            outcome: None,
            since: None,
            until: None,
            offset: 0,
            limit: 100,
        }
    }
}

impl AuditQuery {
    /// Checks the paging arguments.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a `limit` outside 1 to 1000.
    pub fn validate(&self) -> Result<(), Error> {
        if self.limit == 0 || self.limit > 1000 {
            return Err(Error::InvalidArgument {
                what: "limit",
                reason: "must be 1 to 1000".into(),
            });
        }
        Ok(())
    }

    /// Whether an event matches every filter.
    pub fn matches(&self, e: &AuditEvent) -> bool {
        self.tenant.is_none_or(|t| t == e.tenant)
            && self.actor.is_none_or(|a| Some(a) == e.actor)
            && self.target_kind.is_none_or(|k| Some(k) == e.target_kind)
            && self.target_id.is_none_or(|i| Some(i) == e.target_id)
            && self.action.is_none_or(|a| a == e.action)
            && self.outcome.as_ref().is_none_or(|o| o == &e.outcome)
            && self.since.is_none_or(|s| e.at >= s)
            && self.until.is_none_or(|u| e.at < u)
    }
}

/// Above this many changes, a commit's audit event records a count instead of the records.
pub const MAX_DETAILED_CHANGES: usize = 1000;

/// The changes of a commit as JSON, with password hashes and token hashes redacted.
pub(crate) fn redacted_json(changes: &[Change]) -> String {
    let redacted: Vec<Change> = changes
        .iter()
        .map(|c| match c {
            Change::CredentialPut(cr) => {
                let mut cr = cr.clone();
                cr.hash = "***".into();
                Change::CredentialPut(cr)
            }
            Change::ResetTokenPut(t) => {
                let mut t = t.clone();
                t.hash = "***".into();
                Change::ResetTokenPut(t)
            }
            other => other.clone(),
        })
        .collect();
    serde_json::to_string(&redacted).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_round_trips_through_its_name_and_serde() {
        let mut names: Vec<_> = AuditAction::ALL.iter().map(|a| a.name()).collect();
        for &a in AuditAction::ALL {
            assert_eq!(a.name().parse::<AuditAction>(), Ok(a));
            assert_eq!(
                serde_json::to_string(&a).unwrap(),
                format!("\"{}\"", a.name())
            );
            assert_eq!(a.to_string(), a.name());
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(
            names.len(),
            AuditAction::ALL.len(),
            "two actions share a name"
        );
    }

    #[test]
    fn an_unknown_action_or_kind_is_refused() {
        for bad in ["logins", "", "Login", "create user"] {
            assert!(matches!(
                bad.parse::<AuditAction>(),
                Err(Error::InvalidArgument {
                    what: "audit action",
                    ..
                })
            ));
            assert!(matches!(
                bad.parse::<ObjectKind>(),
                Err(Error::InvalidArgument {
                    what: "object kind",
                    ..
                })
            ));
        }
        for k in ObjectKind::ALL {
            assert_eq!(k.name().parse::<ObjectKind>(), Ok(k));
        }
    }
}

//! The audit log: an append-only record of every change and every login attempt: who, when,
//! what, and the records before and after (never a password, a hash or a token).

use serde::{Deserialize, Serialize};

use crate::domain::{Change, TenantId, UserId};
use crate::Error;

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
    /// What was done: the operation's name (`create_user`, `login`, `set_password`, ...).
    pub action: String,
    /// `ok`, or the error kind that refused it (`permission_denied`, `authentication_failed`...).
    pub outcome: String,
    /// Kind of the main object acted on (`user`, `role`, `group`, `scope`, `agreement`, `tenant`).
    pub target_kind: Option<String>,
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
    pub target_kind: Option<String>,
    /// Only events on this object id.
    pub target_id: Option<u64>,
    /// Only this action.
    pub action: Option<String>,
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
            && self
                .target_kind
                .as_ref()
                .is_none_or(|k| Some(k) == e.target_kind.as_ref())
            && self.target_id.is_none_or(|i| Some(i) == e.target_id)
            && self.action.as_ref().is_none_or(|a| a == &e.action)
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

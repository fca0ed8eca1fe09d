//! Planning of every mutation: validate the input, apply the administration rules against the
//! current model, and produce the [`Change`]s to commit. Nothing here mutates anything; a
//! refused operation returns its error before a single change is produced.
//!
//! One file per concept, each an `impl Plan` block beside the request types it takes: tenants,
//! users, roles, groups, scopes, agreements and credentials. This file holds the [`Plan`]
//! itself, id allocation and the helpers they share.

mod activation;
mod agreements;
mod credentials;
mod groups;
mod roles;
mod scopes;
mod sod;
mod tenants;
mod timed;
mod users;

use std::collections::BTreeSet;

use crate::credentials::Notification;
use crate::domain::model::{Model, NameKind};
use crate::domain::rules::Actor;
use crate::domain::{Change, NextIds, ObjectKind, Permission, TenantId, User, UserId};
use crate::Error;

pub use credentials::ResetIssued;
pub(crate) use credentials::{Hashed, LoginResult};
pub use roles::{NewRole, RolePatch};
pub use tenants::TenantCreated;
pub(crate) use timed::assignment_label;
pub use users::{NewUser, UserPatch};

/// One planned mutation.
pub(crate) struct Plan<'m> {
    pub m: &'m Model,
    pub now: i64,
    pub changes: Vec<Change>,
    allocated: NextIds,
    /// The tenant the audit event belongs to, when the actor does not say.
    pub tenant: Option<TenantId>,
    /// The audit outcome when the operation commits but reports a failure (a failed login).
    pub outcome: Option<&'static str>,
    /// Free detail for the audit event.
    pub detail: Option<String>,
    /// Audit even when nothing changes.
    pub force_audit: bool,
    /// Notifications to deliver once committed.
    pub notifications: Vec<Notification>,
    /// A password hashed before planning, for the user the operation creates.
    pub pending_hash: Option<Hashed>,
    /// Assignments whose window this plan sets (see `grant_for`).
    windowed: BTreeSet<(UserId, crate::domain::Assignment)>,
    /// Users whose security stamp the commit renews whatever their rights (expiries).
    pub renew: BTreeSet<UserId>,
    /// Phone numbers already validated in this plan (an import validates every row first).
    pub phones: Option<std::sync::Arc<PhoneMemo>>,
}

/// Phone numbers validated for one region: as typed, to E.164.
pub(crate) struct PhoneMemo {
    /// The region they were read in.
    pub region: Option<String>,
    /// As typed (trimmed), to E.164.
    pub e164: std::collections::HashMap<String, String>,
}

fn dedup<T: Ord + Copy>(v: &[T]) -> Vec<T> {
    v.iter()
        .copied()
        .collect::<BTreeSet<T>>()
        .into_iter()
        .collect()
}

impl<'m> Plan<'m> {
    pub fn new(m: &'m Model, now: i64) -> Self {
        Plan {
            m,
            now,
            changes: Vec::new(),
            allocated: NextIds::default(),
            tenant: None,
            outcome: None,
            detail: None,
            force_audit: false,
            notifications: Vec::new(),
            pending_hash: None,
            windowed: BTreeSet::new(),
            renew: BTreeSet::new(),
            phones: None,
        }
    }

    /// `validate::phone`, answered from the plan's memo when this number was validated for
    /// this region already.
    fn checked_phone(&self, raw: &str, region: Option<&str>) -> Result<String, Error> {
        if let Some(memo) = self.phones.as_deref() {
            if memo.region.as_deref() == region {
                if let Some(e164) = memo.e164.get(raw.trim()) {
                    return Ok(e164.clone());
                }
            }
        }
        crate::domain::validate::phone(raw, region)
    }

    fn alloc(&mut self, kind: ObjectKind) -> u64 {
        let id = self.m.next_id(kind, self.allocated[kind]);
        self.allocated[kind] += 1;
        id
    }

    fn unique(
        &self,
        tenant: TenantId,
        kind: NameKind,
        label: &'static str,
        name: &str,
        except: u64,
    ) -> Result<(), Error> {
        match self.m.name_taken(tenant, kind, name) {
            Some(id) if id != except => Err(Error::DuplicateName {
                kind: label,
                name: name.to_owned(),
            }),
            _ => Ok(()),
        }
    }

    fn put_user(&mut self, mut user: User) {
        user.updated_at = self.now;
        self.changes.push(Change::UserPut(user));
    }

    /// A user of the actor's tenant the actor may administer with `p`: it holds `p` over the
    /// user (unscoped, or for one of its teams) and may modify it.
    fn managed(&self, a: &Actor<'_>, user: UserId, p: Permission) -> Result<&'m User, Error> {
        let t = self.m.user_in(a.tenant(), user)?;
        a.require_over(t, p)?;
        a.ensure_may_modify(self.m, t)?;
        Ok(t)
    }

    /// Takes over what `sub`, a plan made against a scratch copy of the model to which this
    /// plan's changes were applied, planned: its changes (after this plan's), notifications,
    /// windows set and stamps to renew. The import plans step after step this way.
    pub(crate) fn absorb(&mut self, sub: Plan<'_>) {
        self.changes.extend(sub.changes);
        self.notifications.extend(sub.notifications);
        self.windowed.extend(sub.windowed);
        self.renew.extend(sub.renew);
    }
}

//! References by name. A document names roles (`namespace/name`), scopes (`kind/name`),
//! groups, agreements and users; the planning steps resolve them against the scratch model
//! ([`Find`]), through a [`Memo`] for the users, whose references repeat a million times.

use std::collections::BTreeSet;

use super::DocGrant;
use crate::domain::model::{Model, NameKind};
use crate::domain::{
    validate, AgreementId, GroupId, RoleId, ScopeGrant, ScopeId, ScopeKind, TenantId, UserId,
};
use crate::transfer::document::DocUser;
use crate::Error;

// ---------------------------------------------------------------------------------------
// References
// ---------------------------------------------------------------------------------------

/// `kind/name` of a scope; a bare name is a team when `team` (the teams of a user).
pub(super) fn parse_scope_ref(s: &str, team: bool) -> Result<(ScopeKind, String), String> {
    match s.split_once('/') {
        Some((kind, name)) => {
            let kind: ScopeKind = kind
                .trim()
                .parse()
                .map_err(|e: Error| format!("{s:?}: {e}"))?;
            if team && kind != ScopeKind::Team {
                return Err(format!("{s:?} is a {kind}, not a team"));
            }
            Ok((kind, name.trim().to_owned()))
        }
        None if team => Ok((ScopeKind::Team, s.trim().to_owned())),
        None => Err(format!(
            "{s:?} is not a scope reference (kind/name, such as call_group/Sales)"
        )),
    }
}

/// Looks records up by name in the scratch model.
pub(super) struct Find<'s> {
    pub(super) m: &'s Model,
    pub(super) tenant: TenantId,
}

impl Find<'_> {
    pub(super) fn role(&self, s: &str) -> Result<RoleId, Error> {
        self.m.role_named(self.tenant, s).map(|r| r.id)
    }
    pub(super) fn scope(&self, s: &str, team: bool) -> Result<ScopeId, Error> {
        let (kind, name) = parse_scope_ref(s, team).map_err(|reason| Error::InvalidArgument {
            what: "scope reference",
            reason,
        })?;
        self.m
            .name_taken(self.tenant, NameKind::Scope(kind), &name)
            .map(ScopeId)
            .ok_or_else(|| Error::InvalidArgument {
                what: "scope reference",
                reason: format!("unknown scope {s:?}"),
            })
    }
    pub(super) fn group(&self, s: &str) -> Result<GroupId, Error> {
        self.m
            .name_taken(self.tenant, NameKind::Group, s)
            .map(GroupId)
            .ok_or_else(|| Error::InvalidArgument {
                what: "group reference",
                reason: format!("unknown group {s:?}"),
            })
    }
    pub(super) fn agreement(&self, s: &str) -> Option<AgreementId> {
        self.m
            .name_taken(self.tenant, NameKind::Agreement, s)
            .map(AgreementId)
    }
    pub(super) fn user(&self, email: &str) -> Option<UserId> {
        self.m
            .emails
            .get(&(self.tenant, validate::email_key(email.trim())))
            .copied()
    }
    /// A document's user: by external id first, then by email.
    pub(super) fn doc_user(&self, u: &DocUser) -> Option<UserId> {
        u.external_id
            .as_ref()
            .and_then(|x| self.m.external_ids.get(&(self.tenant, x.clone())).copied())
            .or_else(|| self.user(&u.email))
    }
    pub(super) fn roles(&self, v: &[String]) -> Result<BTreeSet<RoleId>, Error> {
        v.iter().map(|r| self.role(r)).collect()
    }
    pub(super) fn scopes(&self, v: &[String], team: bool) -> Result<BTreeSet<ScopeId>, Error> {
        v.iter().map(|s| self.scope(s, team)).collect()
    }
    pub(super) fn grants(&self, v: &[DocGrant]) -> Result<BTreeSet<ScopeGrant>, Error> {
        v.iter()
            .map(|g| {
                Ok(ScopeGrant {
                    role: self.role(&g.role)?,
                    scope: self.scope(&g.scope, false)?,
                })
            })
            .collect()
    }
    pub(super) fn groups(&self, v: &[String]) -> Result<BTreeSet<GroupId>, Error> {
        v.iter().map(|g| self.group(g)).collect()
    }
}

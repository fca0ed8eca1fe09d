//! References by name. A document names roles (`namespace/name`), scopes (`kind/name`),
//! groups, agreements and users; the planning steps resolve them against the scratch model
//! ([`Find`]), through a [`Memo`] for the users, whose references repeat a million times.

use std::collections::{BTreeSet, HashMap};

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
}

/// The references of the users' step, resolved once each: a million users name the same few
/// roles, scopes, teams and groups. Valid while the steps create, rename or delete no role,
/// scope or group (the users' step changes users only).
#[derive(Default)]
pub(super) struct Memo {
    roles: HashMap<String, RoleId>,
    /// Scopes (`false`) and teams (`true`).
    scopes: [HashMap<String, ScopeId>; 2],
    groups: HashMap<String, GroupId>,
}

/// `map[s]`, or `find(s)` remembered there.
fn memoised<I: Copy>(
    map: &mut HashMap<String, I>,
    s: &str,
    find: impl FnOnce() -> Result<I, Error>,
) -> Result<I, Error> {
    if let Some(id) = map.get(s) {
        return Ok(*id);
    }
    let id = find()?;
    map.insert(s.to_owned(), id);
    Ok(id)
}

impl Memo {
    pub(super) fn roles(
        &mut self,
        find: &Find<'_>,
        v: &[String],
    ) -> Result<BTreeSet<RoleId>, Error> {
        v.iter()
            .map(|r| memoised(&mut self.roles, r, || find.role(r)))
            .collect()
    }

    pub(super) fn scopes(
        &mut self,
        find: &Find<'_>,
        v: &[String],
        team: bool,
    ) -> Result<BTreeSet<ScopeId>, Error> {
        let map = &mut self.scopes[usize::from(team)];
        v.iter()
            .map(|s| memoised(map, s, || find.scope(s, team)))
            .collect()
    }

    pub(super) fn grants(
        &mut self,
        find: &Find<'_>,
        v: &[DocGrant],
    ) -> Result<BTreeSet<ScopeGrant>, Error> {
        v.iter()
            .map(|g| {
                Ok(ScopeGrant {
                    role: memoised(&mut self.roles, &g.role, || find.role(&g.role))?,
                    scope: memoised(&mut self.scopes[0], &g.scope, || {
                        find.scope(&g.scope, false)
                    })?,
                })
            })
            .collect()
    }

    pub(super) fn groups(
        &mut self,
        find: &Find<'_>,
        v: &[String],
    ) -> Result<BTreeSet<GroupId>, Error> {
        v.iter()
            .map(|g| memoised(&mut self.groups, g, || find.group(g)))
            .collect()
    }
}

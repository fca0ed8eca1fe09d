//! `/Groups`: the mapping of a rolecall [`Group`] to the SCIM core Group resource and back.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use super::error::ScimError;
use super::filter::{parse_filter, GROUP_SCHEMA};
use super::json::{get, get_str, rfc3339};
use super::patch::{parse_patch, spread, OpKind};
use super::{list_response, no_content, Handled, Query, Scim, ScimResponse};
use crate::{Error, Group, GroupId, Permission, UserId};

/// The user ids of a `members` value: a list of `{"value": "42"}` objects (or one object).
fn member_ids(value: &Value) -> Result<Vec<UserId>, ScimError> {
    let list: Vec<&Value> = match value {
        Value::Null => Vec::new(),
        Value::Array(a) => a.iter().collect(),
        Value::Object(_) => vec![value],
        _ => {
            return Err(ScimError::value(
                "members is a list of {\"value\": user id} objects",
            ))
        }
    };
    list.into_iter()
        .map(|m| match get(m, "value") {
            Some(Value::String(s)) => member_id(s),
            Some(Value::Number(n)) => member_id(&n.to_string()),
            _ => Err(ScimError::value(
                "each member needs a \"value\": the user's id",
            )),
        })
        .collect()
}

fn member_id(text: &str) -> Result<UserId, ScimError> {
    text.trim()
        .parse::<u64>()
        .ok()
        .filter(|&id| id > 0 && id < 1 << 63)
        .map(UserId)
        .ok_or_else(|| {
            ScimError::value(format!(
                "member {:?} is not a user id",
                super::filter::cut(text)
            ))
        })
}

impl Scim<'_> {
    /// The actor may read groups (`groups.view`).
    fn may_view_groups(&self) -> Result<crate::TenantId, ScimError> {
        let tenant = self.tenant()?;
        if self.dir.check(self.actor, Permission::GROUPS_VIEW) {
            Ok(tenant)
        } else {
            Err(Error::PermissionDenied {
                required: Permission::GROUPS_VIEW,
            }
            .into())
        }
    }

    /// The group `id` of the actor's tenant.
    fn tenant_group(&self, id: GroupId) -> Result<Group, ScimError> {
        let tenant = self.tenant()?;
        match self.dir.group(id) {
            Ok(g) if g.tenant == tenant => Ok(g),
            _ => Err(Error::UnknownGroup(id.0.to_string()).into()),
        }
    }

    /// The SCIM Group resource of `g`.
    fn group_json(&self, g: &Group, query: &Query) -> Result<Value, ScimError> {
        let mut r = Map::new();
        r.insert("schemas".into(), json!([GROUP_SCHEMA]));
        r.insert("id".into(), json!(g.id.0.to_string()));
        r.insert("displayName".into(), json!(g.name));
        if !query.projection.excludes("members") {
            let mut members = Vec::new();
            for u in self.dir.group_members(g.id)? {
                let user = self.dir.user(u)?;
                members.push(json!({
                    "value": u.0.to_string(),
                    "display": user.email,
                    "$ref": self.location("Users", u.0),
                    "type": "User",
                }));
            }
            r.insert("members".into(), Value::Array(members));
        }
        r.insert(
            "meta".into(),
            json!({
                "resourceType": "Group",
                "created": rfc3339(g.created_at),
                "location": self.location("Groups", g.id.0),
            }),
        );
        Ok(query.projection.apply(Value::Object(r)))
    }

    fn group_response(&self, status: u16, id: GroupId, query: &Query) -> Handled {
        let g = self.dir.group(id)?;
        let body = self.group_json(&g, query)?;
        Ok(ScimResponse::json(
            status,
            &body,
            Some(self.location("Groups", id.0)),
        ))
    }

    pub(super) fn get_group(&self, id: GroupId, query: &Query) -> Handled {
        self.may_view_groups()?;
        self.tenant_group(id)?;
        self.group_response(200, id, query)
    }

    pub(super) fn list_groups(&self, query: &Query) -> Handled {
        let tenant = self.may_view_groups()?;
        let matched: Vec<Group> = match &query.filter {
            None => self.dir.groups(tenant)?,
            Some(filter) => {
                let filter = parse_filter(filter)?;
                let found = match filter.attr.as_str() {
                    "displayname" => self.dir.group_by_name(tenant, &filter.value),
                    "id" => filter
                        .value
                        .parse::<u64>()
                        .map_err(|_| Error::UnknownGroup(String::new()))
                        .and_then(|id| {
                            self.tenant_group(GroupId(id))
                                .map_err(|_| Error::UnknownGroup(String::new()))
                        }),
                    other => {
                        return Err(ScimError::filter(format!(
                            "Groups are filtered by displayName or id with eq, not by {other}"
                        )))
                    }
                };
                match found {
                    Ok(g) => vec![g],
                    Err(Error::UnknownGroup(_)) => Vec::new(),
                    Err(e) => return Err(e.into()),
                }
            }
        };
        let (offset, count) = query.page();
        let resources = matched
            .iter()
            .skip(offset)
            .take(count)
            .map(|g| self.group_json(g, query))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(list_response(matched.len(), query.start_index, resources))
    }

    pub(super) fn create_group(&self, body: &Value, query: &Query) -> Handled {
        self.tenant()?;
        let name = get_str(body, "displayName")?
            .ok_or_else(|| ScimError::value("displayName is required"))?;
        let members = member_ids(get(body, "members").unwrap_or(&Value::Null))?;
        let id = self
            .dir
            .create_group_with_members(self.actor, name, &members)?;
        self.group_response(201, id, query)
    }

    /// Commits the group's new name and member set as one change.
    fn update_group(
        &self,
        id: GroupId,
        name: Option<&str>,
        wanted: &BTreeSet<UserId>,
        query: &Query,
    ) -> Handled {
        let current: BTreeSet<UserId> = self.dir.group_members(id)?.into_iter().collect();
        let add: Vec<UserId> = wanted.difference(&current).copied().collect();
        let remove: Vec<UserId> = current.difference(wanted).copied().collect();
        self.dir
            .update_group_and_members(self.actor, id, name, &add, &remove)?;
        self.group_response(200, id, query)
    }

    pub(super) fn replace_group(&self, id: GroupId, body: &Value, query: &Query) -> Handled {
        self.tenant_group(id)?;
        let name = get_str(body, "displayName")?
            .ok_or_else(|| ScimError::value("displayName is required"))?;
        let members = member_ids(get(body, "members").unwrap_or(&Value::Null))?;
        self.update_group(id, Some(name), &members.into_iter().collect(), query)
    }

    pub(super) fn patch_group(&self, id: GroupId, body: &Value, query: &Query) -> Handled {
        let group = self.tenant_group(id)?;
        let ops = spread(parse_patch(body)?)?;
        let mut members: BTreeSet<UserId> = self.dir.group_members(id)?.into_iter().collect();
        let mut name: Option<String> = None;
        for op in ops {
            let Some(path) = op.path else { continue };
            if path.extension {
                continue;
            }
            let value = op.value.unwrap_or(Value::Null);
            match (
                path.attr.as_str(),
                path.filter,
                path.sub.as_deref(),
                op.kind,
            ) {
                ("displayname", None, None, OpKind::Remove) => {
                    return Err(ScimError::mutability(
                        "displayName is required and cannot be removed",
                    ))
                }
                ("displayname", None, None, _) => {
                    let n = value
                        .as_str()
                        .ok_or_else(|| ScimError::value("displayName is a string"))?;
                    name = Some(n.to_owned());
                }
                ("members", None, None, OpKind::Add) => members.extend(member_ids(&value)?),
                ("members", None, None, OpKind::Replace) => {
                    members = member_ids(&value)?.into_iter().collect();
                }
                // Without a value, every member goes; with one (Entra ID), those listed.
                ("members", None, None, OpKind::Remove) if value.is_null() => members.clear(),
                ("members", None, None, OpKind::Remove) => {
                    for u in member_ids(&value)? {
                        members.remove(&u);
                    }
                }
                ("members", Some(f), None, OpKind::Remove) if f.attr == "value" => {
                    let u = member_id(&f.value)?;
                    if !members.remove(&u) {
                        return Err(ScimError::no_target(format!(
                            "user {} is not a member of group {}",
                            super::filter::cut(&f.value),
                            group.name
                        )));
                    }
                }
                ("members", Some(f), _, _) if f.attr != "value" => {
                    return Err(ScimError::filter(format!(
                        "members are selected by value eq, not by {}",
                        f.attr
                    )))
                }
                ("members", _, _, _) => {
                    return Err(ScimError::path(
                        "members takes add / replace / remove on \"members\", or remove on \
                         members[value eq \"id\"]",
                    ))
                }
                ("id" | "meta", _, _, _) => {
                    return Err(ScimError::mutability(format!("{} is read-only", path.attr)))
                }
                // externalId and other attributes are not mapped for groups.
                _ => {}
            }
        }
        self.update_group(id, name.as_deref(), &members, query)
    }

    pub(super) fn delete_group(&self, id: GroupId) -> Handled {
        self.tenant_group(id)?;
        self.dir.delete_group(self.actor, id)?;
        Ok(no_content())
    }
}

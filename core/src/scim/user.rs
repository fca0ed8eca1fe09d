//! `/Users`: the mapping of a rolecall [`User`] to the SCIM core User resource and back.

use serde_json::{json, Map, Value};

use super::error::ScimError;
use super::filter::{parse_filter, USER_SCHEMA};
use super::json::{as_bool, get, get_str, rfc3339};
use super::patch::{parse_patch, spread, OpKind};
use super::{list_response, no_content, Handled, Query, Scim, ScimResponse};
use crate::{Error, NewUser, User, UserId, UserPatch, UserQuery};

/// The attributes of a User resource the mapper reads, as given.
#[derive(Debug, Default)]
struct UserFields {
    user_name: Option<String>,
    work_email: Option<String>,
    given: Option<String>,
    family: Option<String>,
    formatted: Option<String>,
    display: Option<String>,
    /// `Some(None)`: no phone.
    phone: Option<Option<String>>,
    /// `Some(None)`: no external id.
    external_id: Option<Option<String>>,
    active: Option<bool>,
}

impl UserFields {
    /// Reads a whole resource (POST, PUT). Read-only attributes (`id`, `meta`, `groups`),
    /// attributes the mapper does not map and extensions are ignored.
    fn of(resource: &Value) -> Result<Self, ScimError> {
        let mut f = UserFields {
            user_name: get_str(resource, "userName")?.map(str::to_owned),
            display: get_str(resource, "displayName")?.map(str::to_owned),
            external_id: Some(get_str(resource, "externalId")?.map(str::to_owned)),
            ..UserFields::default()
        };
        if let Some(name) = get(resource, "name").filter(|n| !n.is_null()) {
            if !name.is_object() {
                return Err(ScimError::value("name is an object"));
            }
            f.given = get_str(name, "givenName")?.map(str::to_owned);
            f.family = get_str(name, "familyName")?.map(str::to_owned);
            f.formatted = get_str(name, "formatted")?.map(str::to_owned);
        }
        if let Some(emails) = get(resource, "emails") {
            f.work_email = pick(emails, "emails")?;
        }
        f.phone = Some(match get(resource, "phoneNumbers") {
            Some(phones) => pick(phones, "phoneNumbers")?,
            None => None,
        });
        if let Some(active) = get(resource, "active").filter(|a| !a.is_null()) {
            f.active = Some(as_bool(active, "active")?);
        }
        Ok(f)
    }

    /// The login: `userName`, else the work email.
    fn email(&self) -> Option<&str> {
        self.user_name.as_deref().or(self.work_email.as_deref())
    }

    /// First and last name for a new user: `name`, else `displayName` or `name.formatted`
    /// split at the last space, else the email's local part for both.
    fn names(&self, email: &str) -> (String, String) {
        let split = |s: &str| {
            s.trim()
                .rsplit_once(' ')
                .map(|(a, b)| (a.trim().to_owned(), b.trim().to_owned()))
        };
        let derived = self
            .display
            .as_deref()
            .and_then(split)
            .or_else(|| self.formatted.as_deref().and_then(split));
        let local = email.split('@').next().unwrap_or(email).to_owned();
        let given = self
            .given
            .clone()
            .or_else(|| derived.as_ref().map(|d| d.0.clone()))
            .or_else(|| self.display.clone())
            .unwrap_or_else(|| local.clone());
        let family = self
            .family
            .clone()
            .or_else(|| derived.map(|d| d.1))
            .unwrap_or(local);
        (given, family)
    }
}

/// The value of a multi-valued attribute (`emails`, `phoneNumbers`) the mapper keeps: the one
/// of type `work`, else the primary one, else the first; `None` for an empty list.
fn pick(values: &Value, name: &str) -> Result<Option<String>, ScimError> {
    let bad = || {
        ScimError::value(format!(
            "{name} is a list of {{\"value\", \"type\"}} objects"
        ))
    };
    let list: Vec<&Value> = match values {
        Value::Null => return Ok(None),
        Value::Array(a) => a.iter().collect(),
        Value::Object(_) => vec![values],
        _ => return Err(bad()),
    };
    let is = |v: &&Value, attr: &str, want: &Value| {
        get(v, attr).is_some_and(|x| {
            x == want
                || x.as_str()
                    .zip(want.as_str())
                    .is_some_and(|(a, b)| a.eq_ignore_ascii_case(b))
        })
    };
    let chosen = list
        .iter()
        .find(|v| is(v, "type", &json!("work")))
        .or_else(|| list.iter().find(|v| is(v, "primary", &json!(true))))
        .or_else(|| list.first());
    match chosen {
        None => Ok(None),
        Some(v) => match get(v, "value") {
            Some(Value::String(s)) => Ok(Some(s.clone())),
            _ => Err(bad()),
        },
    }
}

/// The value of a PATCH on a multi-valued attribute: a string (`emails[type eq "work"].value`),
/// or the list or object [`pick`] reads.
fn patched_value(
    value: &Value,
    sub: Option<&str>,
    name: &str,
) -> Result<Option<String>, ScimError> {
    match (sub, value) {
        (Some("value"), Value::String(s)) => Ok(Some(s.clone())),
        (Some("value"), Value::Null) => Ok(None),
        (Some("value"), _) => Err(ScimError::value(format!("{name} value is a string"))),
        (_, v) => pick(v, name),
    }
}

/// Whether a value filter on `emails` or `phoneNumbers` selects the work value the mapper
/// keeps (`type eq "work"`, or no filter).
fn selects_work(filter: Option<&super::filter::Equals>) -> Result<bool, ScimError> {
    match filter {
        None => Ok(true),
        Some(f) if f.attr == "type" => Ok(f.value.eq_ignore_ascii_case("work")),
        Some(f) if f.attr == "primary" => Ok(true),
        Some(f) => Err(ScimError::filter(format!(
            "a filter on {} is not supported here (expected type eq \"work\")",
            f.attr
        ))),
    }
}

impl Scim<'_> {
    /// The SCIM User resource of `u`.
    fn user_json(&self, u: &User, query: &Query) -> Result<Value, ScimError> {
        let location = self.location("Users", u.id.0);
        let mut r = Map::new();
        r.insert("schemas".into(), json!([USER_SCHEMA]));
        r.insert("id".into(), json!(u.id.0.to_string()));
        if let Some(x) = &u.external_id {
            r.insert("externalId".into(), json!(x));
        }
        r.insert("userName".into(), json!(u.email));
        r.insert(
            "name".into(),
            json!({
                "givenName": u.first_name,
                "familyName": u.last_name,
                "formatted": u.full_name(),
            }),
        );
        r.insert("displayName".into(), json!(u.full_name()));
        r.insert(
            "emails".into(),
            json!([{"value": u.email, "type": "work", "primary": true}]),
        );
        if let Some(phone) = &u.phone {
            r.insert(
                "phoneNumbers".into(),
                json!([{"value": phone, "type": "work"}]),
            );
        }
        r.insert("active".into(), json!(u.active));
        if !query.projection.excludes("groups") {
            let mut groups = Vec::new();
            for g in self.dir.user_groups(u.id)? {
                let group = self.dir.group(g)?;
                groups.push(json!({
                    "value": g.0.to_string(),
                    "display": group.name,
                    "$ref": self.location("Groups", g.0),
                    "type": "direct",
                }));
            }
            r.insert("groups".into(), Value::Array(groups));
        }
        r.insert(
            "meta".into(),
            json!({
                "resourceType": "User",
                "created": rfc3339(u.created_at),
                "lastModified": rfc3339(u.updated_at),
                "location": location,
            }),
        );
        Ok(query.projection.apply(Value::Object(r)))
    }

    /// 200 (or `status`) with the user's resource and its location.
    fn user_response(&self, status: u16, id: UserId, query: &Query) -> Handled {
        let u = self.dir.user(id)?;
        let body = self.user_json(&u, query)?;
        Ok(ScimResponse::json(
            status,
            &body,
            Some(self.location("Users", id.0)),
        ))
    }

    pub(super) fn get_user(&self, id: UserId, query: &Query) -> Handled {
        self.tenant()?;
        let u = self.dir.user_as(self.actor, id)?;
        let body = self.user_json(&u, query)?;
        Ok(ScimResponse::json(
            200,
            &body,
            Some(self.location("Users", id.0)),
        ))
    }

    pub(super) fn list_users(&self, query: &Query) -> Handled {
        let tenant = self.tenant()?;
        let (offset, count) = query.page();
        let Some(filter) = &query.filter else {
            let page = self.dir.search_users_as(
                self.actor,
                &UserQuery {
                    text: None,
                    active_only: false,
                    offset,
                    limit: count.max(1),
                },
            )?;
            let items = if count == 0 { &[][..] } else { &page.items[..] };
            let resources = items
                .iter()
                .map(|u| self.user_json(u, query))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(list_response(page.total, query.start_index, resources));
        };
        let filter = parse_filter(filter)?;
        let found = match filter.attr.as_str() {
            "username" => self.dir.user_by_email(tenant, &filter.value),
            "externalid" => self.dir.user_by_external_id(tenant, &filter.value),
            "id" => filter
                .value
                .parse::<u64>()
                .map_err(|_| Error::UnknownUser(crate::UserLookup::Id(UserId(0))))
                .and_then(|id| self.dir.user(UserId(id))),
            other => {
                return Err(ScimError::filter(format!(
                    "Users are filtered by userName, externalId or id with eq, not by {other}"
                )))
            }
        };
        let visible = match found {
            Ok(u) => match self.dir.user_as(self.actor, u.id) {
                Ok(u) => Some(u),
                Err(e @ Error::PermissionDenied { .. }) => return Err(e.into()),
                Err(_) => None,
            },
            Err(Error::UnknownUser(_)) => None,
            Err(e) => return Err(e.into()),
        };
        let matched: Vec<User> = visible.into_iter().collect();
        let resources = matched
            .iter()
            .skip(offset)
            .take(count)
            .map(|u| self.user_json(u, query))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(list_response(matched.len(), query.start_index, resources))
    }

    pub(super) fn create_user(&self, body: &Value, query: &Query) -> Handled {
        self.tenant()?;
        let f = UserFields::of(body)?;
        let email = f
            .email()
            .ok_or_else(|| ScimError::value("userName is required"))?
            .to_owned();
        let (given, family) = f.names(&email);
        let mut new = NewUser::new(given, family, email);
        if let Some(Some(phone)) = &f.phone {
            new = new.phone(phone.clone());
        }
        if f.active == Some(false) {
            new = new.inactive();
        }
        if let Some(Some(x)) = &f.external_id {
            new = new.external_id(x.clone());
        }
        let id = self.dir.create_user(self.actor, &new)?;
        self.user_response(201, id, query)
    }

    pub(super) fn replace_user(&self, id: UserId, body: &Value, query: &Query) -> Handled {
        self.tenant()?;
        let f = UserFields::of(body)?;
        let email = f
            .email()
            .ok_or_else(|| ScimError::value("userName is required"))?
            .to_owned();
        // Names rolecall requires are kept when the resource leaves them out.
        let patch = UserPatch {
            first_name: f.given.clone(),
            last_name: f.family.clone(),
            email: Some(email),
            phone: f.phone.clone(),
            external_id: f.external_id.clone(),
        };
        self.dir
            .update_user_and_activity(self.actor, id, &patch, f.active)?;
        self.user_response(200, id, query)
    }

    pub(super) fn patch_user(&self, id: UserId, body: &Value, query: &Query) -> Handled {
        self.tenant()?;
        let ops = spread(parse_patch(body)?)?;
        let mut patch = UserPatch::default();
        let mut active = None;
        let mut user_name = None;
        let mut work_email = None;
        let mut external_id: Option<Option<String>> = None;
        for op in ops {
            let Some(path) = op.path else { continue };
            if path.extension {
                continue;
            }
            let remove = op.kind == OpKind::Remove;
            let value = op.value.unwrap_or(Value::Null);
            let string = |what: &str| -> Result<String, ScimError> {
                value
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| ScimError::value(format!("{what} is a string")))
            };
            let required = |what: &str| {
                ScimError::mutability(format!("{what} is required and cannot be removed"))
            };
            let work = match path.attr.as_str() {
                "emails" | "phonenumbers" => selects_work(path.filter.as_ref())?,
                _ => false,
            };
            match (path.attr.as_str(), path.sub.as_deref()) {
                ("username", None) if remove => return Err(required("userName")),
                ("username", None) => user_name = Some(string("userName")?),
                ("externalid", None) if remove => external_id = Some(None),
                ("externalid", None) => external_id = Some(Some(string("externalId")?)),
                ("active", None) if remove => return Err(required("active")),
                ("active", None) => active = Some(as_bool(&value, "active")?),
                ("name", Some("givenname")) if remove => return Err(required("name.givenName")),
                ("name", Some("givenname")) => patch.first_name = Some(string("name.givenName")?),
                ("name", Some("familyname")) if remove => return Err(required("name.familyName")),
                ("name", Some("familyname")) => patch.last_name = Some(string("name.familyName")?),
                ("name", None) if remove => return Err(required("name")),
                ("name", None) => {
                    if !value.is_object() {
                        return Err(ScimError::value("name is an object"));
                    }
                    if let Some(g) = get_str(&value, "givenName")? {
                        patch.first_name = Some(g.to_owned());
                    }
                    if let Some(f) = get_str(&value, "familyName")? {
                        patch.last_name = Some(f.to_owned());
                    }
                }
                // Sub-attributes other than the value (type, primary, display) are not kept.
                ("emails" | "phonenumbers", Some(sub)) if sub != "value" => {}
                // Only the work value is kept: other types are not mapped.
                ("emails" | "phonenumbers", _) if !work => {}
                ("emails", _) if remove => return Err(required("the work email (the login)")),
                ("emails", sub) => {
                    work_email = patched_value(&value, sub, "emails")?.or(work_email);
                }
                ("phonenumbers", _) if remove => patch.phone = Some(None),
                ("phonenumbers", sub) => {
                    patch.phone = Some(patched_value(&value, sub, "phoneNumbers")?);
                }
                ("groups", _) => {
                    return Err(ScimError::mutability(
                        "groups is read-only: change a group's members instead",
                    ))
                }
                ("id" | "meta", _) => {
                    return Err(ScimError::mutability(format!("{} is read-only", path.attr)))
                }
                // displayName and name.formatted are derived from the names; other
                // attributes are not mapped.
                _ => {}
            }
        }
        patch.email = user_name.or(work_email);
        patch.external_id = external_id;
        if patch != UserPatch::default() || active.is_some() {
            self.dir
                .update_user_and_activity(self.actor, id, &patch, active)?;
        } else {
            // Nothing to change: still a 404 for a user that is not there.
            self.dir.user_as(self.actor, id)?;
        }
        self.user_response(200, id, query)
    }

    pub(super) fn delete_user(&self, id: UserId) -> Handled {
        self.tenant()?;
        self.dir.delete_user(self.actor, id)?;
        Ok(no_content())
    }
}

//! A SCIM 2.0 mapper (RFC 7643 / RFC 7644) for provisioning Users and Groups from an identity
//! provider (Entra ID, Okta): pure functions on a [`Directory`]. The host owns HTTP and
//! authentication; it hands each request to [`Scim::handle`] and writes back the
//! [`ScimResponse`] (status, JSON body, `Location`), with content type
//! [`CONTENT_TYPE`].
//!
//! Requests act as one user of the directory, the host's provisioning user (an administrator
//! holding `users.manage` and `groups.manage`, say): every rule applies to it as to any
//! caller, in its tenant. Each request that changes something is one commit: all of it or
//! nothing.
//!
//! # Mapping
//!
//! | SCIM (User) | rolecall |
//! |---|---|
//! | `id` | the user id, in decimal |
//! | `userName` | the email (the login), compared case-insensitively |
//! | `externalId` | [`User::external_id`](crate::User::external_id) (unique per tenant, compared exactly) |
//! | `name.givenName`, `name.familyName` (`name.formatted`, `displayName` on output) | first and last name |
//! | `emails` | the email, as `[{"value", "type": "work", "primary": true}]`; `userName` wins when both are given |
//! | `phoneNumbers` | the phone, as `[{"value", "type": "work"}]` |
//! | `active` | the active flag (`false` deactivates, under the rules of [`Directory::set_active`]) |
//! | `groups` (read-only) | the user's groups |
//!
//! A user created without `name` takes its names from `displayName` (split at its last space),
//! else from `name.formatted`, else both from the email's local part. Attributes the mapper
//! does not map, and extension schemas (the enterprise user), are ignored on input.
//!
//! Groups: `id` is the group id, `displayName` its name, `members` its members
//! (`[{"value": user id, "display": email, "$ref"}]`), under the rules of
//! [`Directory::add_member`] and [`Directory::remove_member`].
//!
//! Filters: `userName eq`, `externalId eq`, `id eq` on Users; `displayName eq`, `id eq` on
//! Groups. Paging with `startIndex` and `count` (at most [`MAX_RESULTS`]);
//! `attributes` and `excludedAttributes` (`excludedAttributes=members`).
//!
//! ```
//! use rolecall::scim::{Scim, ScimRequest};
//! use rolecall::{Directory, NewUser, Preset};
//! let dir = Directory::in_memory();
//! let acme = dir.create_tenant("Acme", &NewUser::new("Ada", "Root", "ada@acme.test"), &[Preset::Managers])?;
//! let scim = Scim::new(&dir, acme.superadmin).base_url("https://acme.test/scim/v2");
//! let created = scim.handle(&ScimRequest {
//!     method: "POST",
//!     path: "/Users",
//!     body: Some(r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!                    "userName": "bjensen@acme.test",
//!                    "name": {"givenName": "Barbara", "familyName": "Jensen"}}"#),
//! });
//! assert_eq!(created.status, 201);
//! let found = scim.handle(&ScimRequest {
//!     method: "GET",
//!     path: "/Users?filter=userName%20eq%20%22BJENSEN%40acme.test%22",
//!     body: None,
//! });
//! assert!(found.body.contains(r#""totalResults":1"#));
//! # Ok::<(), rolecall::Error>(())
//! ```

mod error;
mod filter;
mod group;
mod json;
mod patch;
mod schema;
mod user;

use serde_json::{json, Value};

pub use error::{ScimError, ERROR_SCHEMA};
pub use filter::{GROUP_SCHEMA, USER_SCHEMA};
pub use patch::PATCH_SCHEMA;

use crate::{Directory, UserId};
use json::Projection;

/// The content type of SCIM responses (RFC 7644 §3.1).
pub const CONTENT_TYPE: &str = "application/scim+json";
/// The schema of a list response.
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// The most resources one list response carries (`count` above it is lowered to it).
pub const MAX_RESULTS: usize = 1000;

/// One SCIM request, as the host's HTTP stack received it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScimRequest<'a> {
    /// The HTTP method (`GET`, `POST`, `PUT`, `PATCH`, `DELETE`; any case).
    pub method: &'a str,
    /// The path below the SCIM base, with its query: `/Users/42`,
    /// `/Users?filter=userName%20eq%20%22x%22`, `/Groups?excludedAttributes=members`.
    pub path: &'a str,
    /// The body, for POST, PUT and PATCH.
    pub body: Option<&'a str>,
}

/// The answer to a [`ScimRequest`]: always a response, never an error (a refusal is a SCIM
/// error body with its status).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScimResponse {
    /// The HTTP status: 200, 201, 204, or the error's.
    pub status: u16,
    /// The JSON body; empty for 204.
    pub body: String,
    /// The `Location` header, for a created or returned resource.
    pub location: Option<String>,
}

impl ScimResponse {
    fn json(status: u16, body: &Value, location: Option<String>) -> Self {
        ScimResponse {
            status,
            body: body.to_string(),
            location,
        }
    }

    fn error(e: &ScimError) -> Self {
        Self::json(e.status, &e.body(), None)
    }
}

/// The SCIM mapper over a directory, acting as one user. Build it per request or keep it: it
/// holds no state but its settings.
#[derive(Clone)]
pub struct Scim<'d> {
    dir: &'d Directory,
    actor: UserId,
    base: String,
}

impl std::fmt::Debug for Scim<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scim")
            .field("actor", &self.actor)
            .field("base_url", &self.base)
            .finish_non_exhaustive()
    }
}

/// What a handler returns: a response, or the error it becomes.
type Handled = Result<ScimResponse, ScimError>;

impl<'d> Scim<'d> {
    /// The mapper over `dir`, acting as `actor` (the host's provisioning user) in its tenant.
    pub fn new(dir: &'d Directory, actor: UserId) -> Self {
        Scim {
            dir,
            actor,
            base: String::new(),
        }
    }

    /// The SCIM base URL the host serves (`https://host/scim/v2`), used in `meta.location`,
    /// `$ref` and the `Location` header; without it they are relative (`/Users/42`).
    #[must_use]
    pub fn base_url(mut self, base: impl Into<String>) -> Self {
        self.base = base.into().trim_end_matches('/').to_owned();
        self
    }

    /// Answers one request. Never panics and never fails: every refusal (bad JSON, a bad
    /// filter or path, a rule of the directory) is a SCIM error body with its status, and
    /// changes nothing.
    pub fn handle(&self, request: &ScimRequest<'_>) -> ScimResponse {
        let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.route(request)));
        match answer {
            Ok(Ok(response)) => response,
            Ok(Err(e)) => ScimResponse::error(&e),
            Err(_) => ScimResponse::error(&ScimError::new(500, None, "internal error")),
        }
    }

    fn route(&self, request: &ScimRequest<'_>) -> Handled {
        let (path, query) = request.path.split_once('?').unwrap_or((request.path, ""));
        let query = Query::parse(query)?;
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let method = request.method.to_ascii_uppercase();
        let body = || parse_body(request.body);
        let not_allowed = || {
            Err(ScimError::new(
                405,
                None,
                format!(
                    "{} is not supported on {}",
                    filter::cut(request.method),
                    filter::cut(path)
                ),
            ))
        };
        match (segments.as_slice(), method.as_str()) {
            (["Users"], "GET") => self.list_users(&query),
            (["Users"], "POST") => self.create_user(&body()?, &query),
            (["Users", id], "GET") => self.get_user(user_id(id)?, &query),
            (["Users", id], "PUT") => self.replace_user(user_id(id)?, &body()?, &query),
            (["Users", id], "PATCH") => self.patch_user(user_id(id)?, &body()?, &query),
            (["Users", id], "DELETE") => self.delete_user(user_id(id)?),
            (["Groups"], "GET") => self.list_groups(&query),
            (["Groups"], "POST") => self.create_group(&body()?, &query),
            (["Groups", id], "GET") => self.get_group(group_id(id)?, &query),
            (["Groups", id], "PUT") => self.replace_group(group_id(id)?, &body()?, &query),
            (["Groups", id], "PATCH") => self.patch_group(group_id(id)?, &body()?, &query),
            (["Groups", id], "DELETE") => self.delete_group(group_id(id)?),
            (["ServiceProviderConfig"], "GET") => {
                Ok(ok(&schema::service_provider_config(&self.base)))
            }
            (["ResourceTypes"], "GET") => Ok(ok(&schema::list(schema::resource_types(&self.base)))),
            (["ResourceTypes", name], "GET") => {
                schema::find(schema::resource_types(&self.base), name)
            }
            (["Schemas"], "GET") => Ok(ok(&schema::list(schema::schemas(&self.base)))),
            (["Schemas", urn], "GET") => schema::find(schema::schemas(&self.base), urn),
            (
                ["Users" | "Groups" | "ServiceProviderConfig" | "ResourceTypes" | "Schemas"]
                | ["Users" | "Groups" | "ResourceTypes" | "Schemas", _],
                _,
            ) => not_allowed(),
            (["Bulk"] | ["Me"], _) => Err(ScimError::new(
                501,
                None,
                format!("{} is not supported", filter::cut(path)),
            )),
            _ => Err(ScimError::not_found(format!(
                "no SCIM endpoint at {:?}",
                filter::cut(path)
            ))),
        }
    }

    /// The actor's tenant.
    fn tenant(&self) -> Result<crate::TenantId, ScimError> {
        self.dir
            .user(self.actor)
            .map(|u| u.tenant)
            .map_err(|_| ScimError::new(403, None, "the provisioning user is unknown"))
    }

    fn location(&self, kind: &str, id: u64) -> String {
        format!("{}/{kind}/{id}", self.base)
    }
}

/// 200 with a body.
fn ok(body: &Value) -> ScimResponse {
    ScimResponse::json(200, body, None)
}

/// 204 without a body.
fn no_content() -> ScimResponse {
    ScimResponse {
        status: 204,
        body: String::new(),
        location: None,
    }
}

fn parse_body(body: Option<&str>) -> Result<Value, ScimError> {
    let body = body.ok_or_else(|| ScimError::syntax("the request needs a JSON body"))?;
    let value: Value = serde_json::from_str(body)
        .map_err(|e| ScimError::syntax(format!("the body is not JSON: {e}")))?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(ScimError::syntax("the body is a JSON object"))
    }
}

fn parse_id(text: &str, kind: &str) -> Result<u64, ScimError> {
    text.parse::<u64>()
        .ok()
        .filter(|&id| id > 0 && id < 1 << 63)
        .ok_or_else(|| ScimError::not_found(format!("no {kind} with id {:?}", filter::cut(text))))
}

fn user_id(text: &str) -> Result<UserId, ScimError> {
    parse_id(text, "user").map(UserId)
}

fn group_id(text: &str) -> Result<crate::GroupId, ScimError> {
    parse_id(text, "group").map(crate::GroupId)
}

/// The query parameters the mapper reads.
#[derive(Debug, Default)]
struct Query {
    filter: Option<String>,
    start_index: usize,
    count: Option<usize>,
    projection: Projection,
}

impl Query {
    fn parse(query: &str) -> Result<Query, ScimError> {
        let mut q = Query {
            start_index: 1,
            ..Query::default()
        };
        let (mut attributes, mut excluded) = (None, None);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = percent_decode(key)?;
            let value = percent_decode(value)?;
            let number = |what: &str| -> Result<i64, ScimError> {
                value.trim().parse::<i64>().map_err(|_| {
                    ScimError::value(format!(
                        "{what} is an integer, not {:?}",
                        filter::cut(&value)
                    ))
                })
            };
            match key.to_ascii_lowercase().as_str() {
                "filter" => q.filter = Some(value.clone()),
                // RFC 7644 §3.4.2.4: below 1 reads as 1; a negative count as 0.
                "startindex" => {
                    q.start_index = usize::try_from(number("startIndex")?.max(1)).unwrap_or(1)
                }
                "count" => q.count = Some(usize::try_from(number("count")?.max(0)).unwrap_or(0)),
                "attributes" => attributes = Some(value.clone()),
                "excludedattributes" => excluded = Some(value.clone()),
                "sortby" | "sortorder" => {}
                _ => {}
            }
        }
        q.projection = Projection::new(attributes.as_deref(), excluded.as_deref());
        Ok(q)
    }

    /// The page asked for: the offset (0-based) and the number of items.
    fn page(&self) -> (usize, usize) {
        (
            self.start_index - 1,
            self.count.unwrap_or(MAX_RESULTS).min(MAX_RESULTS),
        )
    }
}

/// Decodes `%XX` escapes and `+` (a space in a query string).
fn percent_decode(s: &str) -> Result<String, ScimError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| ScimError::syntax("a malformed %-escape in the query"))?;
                out.push(hex);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| ScimError::syntax("the query is not UTF-8"))
}

/// A list response (RFC 7644 §3.4.2).
fn list_response(total: usize, start_index: usize, resources: Vec<Value>) -> ScimResponse {
    ok(&json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    }))
}

//! The discovery endpoints (RFC 7644 §4): `/ServiceProviderConfig`, `/ResourceTypes` and
//! `/Schemas`, static documents describing what this mapper supports.

use serde_json::{json, Value};

use super::error::ScimError;
use super::filter::{GROUP_SCHEMA, USER_SCHEMA};
use super::{ok, Handled, LIST_SCHEMA, MAX_RESULTS};

const SPC_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// `/ServiceProviderConfig`: PATCH and filtering supported; bulk, sorting, ETags and password
/// changes not. Authentication is the host's.
pub fn service_provider_config(base: &str) -> Value {
    json!({
        "schemas": [SPC_SCHEMA],
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": false},
        "authenticationSchemes": [],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{base}/ServiceProviderConfig"),
        },
    })
}

/// `/ResourceTypes`: User and Group.
pub fn resource_types(base: &str) -> Vec<Value> {
    [
        ("User", "/Users", USER_SCHEMA),
        ("Group", "/Groups", GROUP_SCHEMA),
    ]
    .into_iter()
    .map(|(name, endpoint, schema)| {
        json!({
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": name,
            "name": name,
            "endpoint": endpoint,
            "description": name,
            "schema": schema,
            "schemaExtensions": [],
            "meta": {
                "resourceType": "ResourceType",
                "location": format!("{base}/ResourceTypes/{name}"),
            },
        })
    })
    .collect()
}

/// One attribute definition (RFC 7643 §7).
fn attr(name: &str, kind: &str, multi: bool, required: bool, mutability: &str) -> Value {
    json!({
        "name": name,
        "type": kind,
        "multiValued": multi,
        "required": required,
        "caseExact": false,
        "mutability": mutability,
        "returned": "default",
        "uniqueness": if name == "userName" || name == "externalId" { "server" } else { "none" },
    })
}

/// A complex attribute with sub-attributes.
fn complex(name: &str, multi: bool, mutability: &str, subs: &[(&str, &str)]) -> Value {
    let mut a = attr(name, "complex", multi, false, mutability);
    a["subAttributes"] = subs
        .iter()
        .map(|(n, k)| attr(n, k, false, false, mutability))
        .collect();
    a
}

/// `/Schemas`: the attributes of User and Group this mapper reads and writes.
pub fn schemas(base: &str) -> Vec<Value> {
    let user = vec![
        attr("userName", "string", false, true, "readWrite"),
        attr("externalId", "string", false, false, "readWrite"),
        complex(
            "name",
            false,
            "readWrite",
            &[
                ("givenName", "string"),
                ("familyName", "string"),
                ("formatted", "string"),
            ],
        ),
        attr("displayName", "string", false, false, "readOnly"),
        complex(
            "emails",
            true,
            "readWrite",
            &[
                ("value", "string"),
                ("type", "string"),
                ("primary", "boolean"),
            ],
        ),
        complex(
            "phoneNumbers",
            true,
            "readWrite",
            &[("value", "string"), ("type", "string")],
        ),
        attr("active", "boolean", false, false, "readWrite"),
        complex(
            "groups",
            true,
            "readOnly",
            &[
                ("value", "string"),
                ("display", "string"),
                ("$ref", "reference"),
            ],
        ),
    ];
    let group = vec![
        attr("displayName", "string", false, true, "readWrite"),
        complex(
            "members",
            true,
            "readWrite",
            &[
                ("value", "string"),
                ("display", "string"),
                ("$ref", "reference"),
            ],
        ),
    ];
    [(USER_SCHEMA, "User", user), (GROUP_SCHEMA, "Group", group)]
        .into_iter()
        .map(|(id, name, attributes)| {
            json!({
                "schemas": [SCHEMA_SCHEMA],
                "id": id,
                "name": name,
                "description": format!("{name} (rolecall)"),
                "attributes": attributes,
                "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{id}")},
            })
        })
        .collect()
}

/// A list response of every document.
pub fn list(resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": resources.len(),
        "startIndex": 1,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

/// The document whose `id` is `id` (case-insensitive).
pub fn find(resources: Vec<Value>, id: &str) -> Handled {
    resources
        .into_iter()
        .find(|r| r["id"].as_str().is_some_and(|i| i.eq_ignore_ascii_case(id)))
        .map(|r| ok(&r))
        .ok_or_else(|| ScimError::not_found(format!("no {:?}", super::filter::cut(id))))
}

//! The SCIM 2.0 mapper (`rolecall::scim`), tested with the RFCs' own examples (RFC 7643 §8,
//! RFC 7644 §3.5.2) and with the requests Entra ID and Okta send: each through
//! `Scim::handle`, as a host's HTTP handler calls it.

mod common;

use common::{capture, perms, Env};
use proptest::prelude::*;
use rolecall::scim::{Scim, ScimRequest, ScimResponse};
use rolecall::{NewUser, Preset, UserId};
use serde_json::{json, Value};

const BASE: &str = "https://example.com/v2";

/// A tenant with a provisioning user holding users.* and groups.* (and nothing else).
struct Fixture {
    env: Env,
    prov: UserId,
}

fn fixture() -> Fixture {
    let env = Env::new(&[Preset::Managers]);
    let role = env.custom_role(
        "Provisioner",
        perms(&["users.view", "users.manage", "groups.view", "groups.manage"]),
    );
    let prov = env.user_with(env.root, "prov", &[role]);
    Fixture { env, prov }
}

struct Reply {
    status: u16,
    body: Value,
    location: Option<String>,
}

impl Fixture {
    fn scim(&self) -> Scim<'_> {
        Scim::new(&self.env.dir, self.prov).base_url(BASE)
    }

    fn raw(&self, method: &str, path: &str, body: Option<&str>) -> ScimResponse {
        self.scim().handle(&ScimRequest { method, path, body })
    }

    #[track_caller]
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        let text = body.map(Value::to_string);
        let r = self.raw(method, path, text.as_deref());
        let body = if r.status == 204 {
            assert!(r.body.is_empty());
            Value::Null
        } else {
            serde_json::from_str(&r.body).expect("a JSON body")
        };
        Reply {
            status: r.status,
            body,
            location: r.location,
        }
    }

    /// Calls and expects a SCIM error body with this status and scimType; nothing changes.
    #[track_caller]
    fn refused(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        status: u16,
        scim_type: Option<&str>,
    ) -> Value {
        let before = capture(&self.env.dir);
        let r = self.call(method, path, body);
        assert_eq!(r.status, status, "{}", r.body);
        assert_error_body(&r.body, status, scim_type);
        assert_eq!(
            before,
            capture(&self.env.dir),
            "a refused request changed the state"
        );
        r.body
    }

    /// Creates a user through SCIM; returns its id.
    #[track_caller]
    fn create(&self, email: &str, given: &str, family: &str) -> String {
        let r = self.call(
            "POST",
            "/Users",
            Some(&json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": email,
                "name": {"givenName": given, "familyName": family},
            })),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        r.body["id"].as_str().unwrap().to_owned()
    }

    fn user(&self, id: &str) -> rolecall::User {
        self.env.dir.user(UserId(id.parse().unwrap())).unwrap()
    }

    fn members(&self, group: &str) -> Vec<String> {
        self.env
            .dir
            .group_members(rolecall::GroupId(group.parse().unwrap()))
            .unwrap()
            .iter()
            .map(|u| u.0.to_string())
            .collect()
    }
}

#[track_caller]
fn assert_error_body(body: &Value, status: u16, scim_type: Option<&str>) {
    assert_eq!(
        body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
    );
    assert_eq!(body["status"], json!(status.to_string()));
    assert_eq!(body["scimType"].as_str(), scim_type, "{body}");
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
}

fn patch(ops: Value) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": ops,
    })
}

/// RFC 7644 §3.4.2.2 filters travel percent-encoded in the query.
fn encode(filter: &str) -> String {
    filter
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

// ================================================================ RFC 7643 §8 examples

#[test]
fn rfc7643_minimal_user() {
    let f = fixture();
    // §8.1, verbatim: the client's id and meta are read-only and ignored.
    let body = r#"{
     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
     "id": "2819c223-7f76-453a-919d-413861904646",
     "userName": "bjensen@example.com",
     "meta": {
       "resourceType": "User",
       "created": "2010-01-23T04:56:22Z",
       "lastModified": "2011-05-13T04:42:34Z",
       "version": "W\/\"3694e05e9dff590\"",
       "location":
        "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"
     }
   }"#;
    let r = f.raw("POST", "/Users", Some(body));
    assert_eq!(r.status, 201, "{}", r.body);
    let v: Value = serde_json::from_str(&r.body).unwrap();
    let id = v["id"].as_str().unwrap();
    assert_ne!(id, "2819c223-7f76-453a-919d-413861904646");
    assert_eq!(
        r.location.as_deref(),
        Some(format!("{BASE}/Users/{id}").as_str())
    );
    assert_eq!(v["meta"]["location"], json!(format!("{BASE}/Users/{id}")));
    assert_eq!(v["meta"]["resourceType"], "User");
    assert!(v["meta"]["created"].as_str().unwrap().ends_with('Z'));
    assert_eq!(v["userName"], "bjensen@example.com");
    assert_eq!(v["active"], true);
    assert_eq!(
        v["emails"],
        json!([{"value": "bjensen@example.com", "type": "work", "primary": true}])
    );
    // No name given: both names come from the email's local part (rolecall requires them).
    let u = f.user(id);
    assert_eq!(
        (u.first_name.as_str(), u.last_name.as_str()),
        ("bjensen", "bjensen")
    );
    assert_eq!(u.email, "bjensen@example.com");
}

/// RFC 7643 §8.2, the parts the mapper maps. Its phone numbers are fictional (555): the
/// verbatim body is refused for them, with nothing created.
const FULL_USER: &str = r#"{
     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
     "id": "2819c223-7f76-453a-919d-413861904646",
     "externalId": "701984",
     "userName": "bjensen@example.com",
     "name": {
       "formatted": "Ms. Barbara J Jensen, III",
       "familyName": "Jensen",
       "givenName": "Barbara",
       "middleName": "Jane",
       "honorificPrefix": "Ms.",
       "honorificSuffix": "III"
     },
     "displayName": "Babs Jensen",
     "nickName": "Babs",
     "profileUrl": "https://login.example.com/bjensen",
     "emails": [
       {"value": "bjensen@example.com", "type": "work", "primary": true},
       {"value": "babs@jensen.org", "type": "home"}
     ],
     "addresses": [
       {"type": "work", "streetAddress": "100 Universal City Plaza",
        "locality": "Hollywood", "region": "CA", "postalCode": "91608",
        "country": "USA", "primary": true}
     ],
     "phoneNumbers": [
       {"value": "555-555-5555", "type": "work"},
       {"value": "555-555-4444", "type": "mobile"}
     ],
     "ims": [{"value": "someaimhandle", "type": "aim"}],
     "userType": "Employee",
     "title": "Tour Guide",
     "preferredLanguage": "en-US",
     "locale": "en-US",
     "timezone": "America/Los_Angeles",
     "active":true,
     "groups": [
       {"value": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "$ref": "https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a",
        "display": "Tour Guides"}
     ],
     "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx"}],
     "meta": {"resourceType": "User", "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"}
   }"#;

#[test]
fn rfc7643_full_user() {
    let f = fixture();
    let before = capture(&f.env.dir);
    let r = f.raw("POST", "/Users", Some(FULL_USER));
    assert_eq!(r.status, 400, "{}", r.body);
    assert_error_body(
        &serde_json::from_str(&r.body).unwrap(),
        400,
        Some("invalidValue"),
    );
    assert!(r.body.contains("phone"), "{}", r.body);
    assert_eq!(before, capture(&f.env.dir));

    let body = FULL_USER.replace("555-555-5555", "+1 212 555 0199");
    let r = f.raw("POST", "/Users", Some(&body));
    assert_eq!(r.status, 201, "{}", r.body);
    let v: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["userName"], "bjensen@example.com");
    assert_eq!(v["externalId"], "701984");
    assert_eq!(
        f.user(v["id"].as_str().unwrap()).external_id.as_deref(),
        Some("701984")
    );
    assert_eq!(v["name"]["givenName"], "Barbara");
    assert_eq!(v["name"]["familyName"], "Jensen");
    assert_eq!(v["name"]["formatted"], "Barbara Jensen");
    assert_eq!(v["displayName"], "Barbara Jensen");
    // The work email is the login; the home one is not kept.
    assert_eq!(
        v["emails"],
        json!([{"value": "bjensen@example.com", "type": "work", "primary": true}])
    );
    assert_eq!(
        v["phoneNumbers"],
        json!([{"value": "+12125550199", "type": "work"}])
    );
    // Groups are read-only on a user: the client's are ignored.
    assert_eq!(v["groups"], json!([]));
    // Unmapped attributes are not echoed.
    assert!(v.get("title").is_none() && v.get("addresses").is_none());
    // Found by its external id (exact), as Entra ID and Okta match accounts.
    let r = f.call(
        "GET",
        &format!("/Users?filter={}", encode("externalId eq \"701984\"")),
        None,
    );
    assert_eq!(r.body["totalResults"], 1);
    assert_eq!(r.body["Resources"][0]["id"], v["id"]);
    let r = f.call(
        "GET",
        &format!("/Users?filter={}", encode("externalId eq \"701985\"")),
        None,
    );
    assert_eq!(r.body["totalResults"], 0);
    // Another user with the same external id: 409 uniqueness.
    f.refused(
        "POST",
        "/Users",
        Some(&json!({"userName": "other@example.com", "externalId": "701984"})),
        409,
        Some("uniqueness"),
    );
}

#[test]
fn rfc7643_group() {
    let f = fixture();
    let babs = f.create("bjensen@example.com", "Barbara", "Jensen");
    let mandy = f.create("mpepperidge@example.com", "Mandy", "Pepperidge");
    // §8.4, verbatim: its member values are the RFC's ids, not users of this directory.
    let group = r#"{
     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
     "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
     "displayName": "Tour Guides",
     "members": [
       {
         "value": "2819c223-7f76-453a-919d-413861904646",
         "$ref": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
         "display": "Babs Jensen"
       },
       {
         "value": "902c246b-6245-4190-8e05-00816be7344a",
         "$ref": "https://example.com/v2/Users/902c246b-6245-4190-8e05-00816be7344a",
         "display": "Mandy Pepperidge"
       }
     ],
     "meta": {"resourceType": "Group", "location": "https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a"}
   }"#;
    let before = capture(&f.env.dir);
    let r = f.raw("POST", "/Groups", Some(group));
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(before, capture(&f.env.dir));
    // The same with this directory's ids: one commit creates the group with its members.
    let group = group
        .replace("2819c223-7f76-453a-919d-413861904646", &babs)
        .replace("902c246b-6245-4190-8e05-00816be7344a", &mandy);
    let revision = f.env.dir.revision();
    let r = f.raw("POST", "/Groups", Some(&group));
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(f.env.dir.revision(), revision + 1, "one commit");
    let v: Value = serde_json::from_str(&r.body).unwrap();
    let id = v["id"].as_str().unwrap();
    assert_eq!(r.location, Some(format!("{BASE}/Groups/{id}")));
    assert_eq!(
        v["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:Group"])
    );
    assert_eq!(v["displayName"], "Tour Guides");
    assert_eq!(
        v["members"],
        json!([
            {"value": babs, "display": "bjensen@example.com", "$ref": format!("{BASE}/Users/{babs}"), "type": "User"},
            {"value": mandy, "display": "mpepperidge@example.com", "$ref": format!("{BASE}/Users/{mandy}"), "type": "User"},
        ])
    );
    assert_eq!(v["meta"]["resourceType"], "Group");
    // The user shows its group (read-only).
    let u = f.call("GET", &format!("/Users/{babs}"), None);
    assert_eq!(
        u.body["groups"],
        json!([{"value": id, "display": "Tour Guides", "$ref": format!("{BASE}/Groups/{id}"), "type": "direct"}])
    );
}

// ======================================================= RFC 7644 §3.5.2 PATCH examples

fn group_with(f: &Fixture, name: &str, members: &[&str]) -> String {
    let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
    let r = f.call(
        "POST",
        "/Groups",
        Some(&json!({"displayName": name, "members": members})),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

#[test]
fn rfc7644_patch_add_member() {
    let f = fixture();
    let babs = f.create("bjensen@example.com", "Barbara", "Jensen");
    let g = group_with(&f, "Tour Guides", &[]);
    // §3.5.2.1.
    let body = r#"{ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
     "Operations":[
       {
        "op":"add",
        "path":"members",
        "value":[
         {
           "display": "Babs Jensen",
           "$ref": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
           "value": "2819c223-7f76-453a-919d-413861904646"
         }
        ]
       }
     ]
   }"#
    .replace("2819c223-7f76-453a-919d-413861904646", &babs);
    let r = f.raw("PATCH", &format!("/Groups/{g}"), Some(&body));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(f.members(&g), std::slice::from_ref(&babs));
    // Adding again changes nothing.
    let revision = f.env.dir.revision();
    assert_eq!(
        f.raw("PATCH", &format!("/Groups/{g}"), Some(&body)).status,
        200
    );
    assert_eq!(f.env.dir.revision(), revision);
}

#[test]
fn rfc7644_patch_remove_member_by_filter_and_all() {
    let f = fixture();
    let babs = f.create("bjensen@example.com", "Barbara", "Jensen");
    let james = f.create("jsmith@example.com", "James", "Smith");
    let g = group_with(&f, "Tour Guides", &[&babs, &james]);
    // §3.5.2.2: remove a single member.
    let body = r#"{ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
     "Operations":[{
       "op":"remove",
       "path":"members[value eq \"2819c223-7f76-...413861904646\"]"
     }]
   }"#
    .replace("2819c223-7f76-...413861904646", &babs);
    let r = f.raw("PATCH", &format!("/Groups/{g}"), Some(&body));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(f.members(&g), std::slice::from_ref(&james));
    // Again: the filter matches no member now.
    f.refused(
        "PATCH",
        &format!("/Groups/{g}"),
        Some(&serde_json::from_str(&body).unwrap()),
        400,
        Some("noTarget"),
    );
    // §3.5.2.2: remove all members.
    let r = f.call(
        "PATCH",
        &format!("/Groups/{g}"),
        Some(&patch(json!([{"op": "remove", "path": "members"}]))),
    );
    assert_eq!(r.status, 200);
    assert!(f.members(&g).is_empty());
    assert_eq!(r.body["members"], json!([]));
}

#[test]
fn rfc7644_patch_replace_members() {
    let f = fixture();
    let babs = f.create("bjensen@example.com", "Barbara", "Jensen");
    let james = f.create("jsmith@example.com", "James", "Smith");
    let mandy = f.create("mpepperidge@example.com", "Mandy", "Pepperidge");
    let g = group_with(&f, "Tour Guides", &[&mandy]);
    // §3.5.2.3: replace all members of a group.
    let body = r#"{ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
     "Operations": [{
       "op":"replace",
       "path":"members",
       "value":[
        {
          "display": "Babs Jensen",
          "$ref": "https://example.com/v2/Users/2819c223...413861904646",
          "value": "2819c223...413861904646"
        },
        {
          "display": "James Smith",
          "$ref": "https://example.com/v2/Users/08e1d05d...473d93df9210",
          "value": "08e1d05d...473d93df9210"
        }
       ]
     }]
   }"#
    .replace("2819c223...413861904646", &babs)
    .replace("08e1d05d...473d93df9210", &james);
    let revision = f.env.dir.revision();
    let r = f.raw("PATCH", &format!("/Groups/{g}"), Some(&body));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(f.env.dir.revision(), revision + 1, "one commit");
    assert_eq!(f.members(&g), [babs, james]);
}

#[test]
fn rfc7644_patch_replace_attributes() {
    let f = fixture();
    let babs = f.create("babs@example.com", "Barbara", "Jensen");
    // §3.5.2.3: replace a user's emails (no path: an object of attributes; the home email
    // and nickName are not mapped).
    let body = r#"{
     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
     "Operations": [{
       "op":"replace",
       "value":{
         "emails":[
           {"value":"bjensen@example.com", "type":"work", "primary":true},
           {"value":"babs@jensen.org", "type":"home"}
         ],
         "nickName":"Babs"
       }
     }]
   }"#;
    let r = f.raw("PATCH", &format!("/Users/{babs}"), Some(body));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(f.user(&babs).email, "bjensen@example.com");
    // A sub-attribute by path, and a filtered value path.
    let r = f.call(
        "PATCH",
        &format!("/Users/{babs}"),
        Some(&patch(json!([
            {"op": "replace", "path": "name.familyName", "value": "Jensen-Smith"},
            {"op": "replace", "path": "emails[type eq \"work\"]", "value": {"type": "work", "value": "babs.js@example.com"}},
            {"op": "add", "path": "phoneNumbers[type eq \"work\"].value", "value": "+1 212 555 0199"},
        ]))),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let u = f.user(&babs);
    assert_eq!(u.last_name, "Jensen-Smith");
    assert_eq!(u.email, "babs.js@example.com");
    assert_eq!(u.phone.as_deref(), Some("+12125550199"));
    assert_eq!(r.body["name"]["familyName"], "Jensen-Smith");
    // Removing the phone.
    let r = f.call(
        "PATCH",
        &format!("/Users/{babs}"),
        Some(&patch(
            json!([{"op": "remove", "path": "phoneNumbers[type eq \"work\"]"}]),
        )),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(f.user(&babs).phone, None);
    assert!(r.body.get("phoneNumbers").is_none());
}

// ================================================================ Entra ID, Okta

#[test]
fn entra_patch_with_capitalised_ops_and_string_booleans() {
    let f = fixture();
    let id = f.create("Test_User@contoso.test", "Test", "User");
    let before = f.env.dir.revision();
    let r = f.call(
        "PATCH",
        &format!("/Users/{id}"),
        Some(&patch(json!([
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updated@contoso.test"},
            {"op": "Replace", "path": "name.givenName", "value": "Updated"},
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "Add", "path": "externalId", "value": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"},
            {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "42"},
            {"op": "Add", "path": "title", "value": "Agent"},
        ]))),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    // One commit for the whole request: profile and deactivation together.
    assert_eq!(f.env.dir.revision(), before + 1);
    let u = f.user(&id);
    assert_eq!(u.email, "updated@contoso.test");
    assert_eq!(u.first_name, "Updated");
    assert!(!u.active);
    assert_eq!(
        u.external_id.as_deref(),
        Some("0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef")
    );
    assert_eq!(r.body["active"], false);
    assert_eq!(r.body["externalId"], "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef");
    // And back.
    let r = f.call(
        "PATCH",
        &format!("/Users/{id}"),
        Some(&patch(
            json!([{"op": "Replace", "path": "active", "value": "True"}]),
        )),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(f.user(&id).active);
    // Removing the external id.
    let r = f.call(
        "PATCH",
        &format!("/Users/{id}"),
        Some(&patch(json!([{"op": "Remove", "path": "externalId"}]))),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(f.user(&id).external_id, None);
    assert!(r.body.get("externalId").is_none());
}

#[test]
fn entra_get_by_user_name_filter() {
    let f = fixture();
    let id = f.create("Test_User_dfeef4c5@contoso.test", "Test", "User");
    // As Entra sends it (+ for spaces), and compared case-insensitively.
    let path = format!(
        "/Users?filter={}",
        encode("userName eq \"test_user_DFEEF4C5@contoso.test\"")
    );
    let r = f.call("GET", &path, None);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
    );
    assert_eq!(r.body["totalResults"], 1);
    assert_eq!(r.body["startIndex"], 1);
    assert_eq!(r.body["itemsPerPage"], 1);
    assert_eq!(r.body["Resources"][0]["id"], json!(id));
    // No match: an empty list, not an error.
    let path = format!(
        "/Users?filter={}",
        encode("userName eq \"nobody@contoso.test\"")
    );
    let r = f.call("GET", &path, None);
    assert_eq!((r.status, &r.body["totalResults"]), (200, &json!(0)));
    assert_eq!(r.body["Resources"], json!([]));
    // By id.
    let r = f.call(
        "GET",
        &format!("/Users?filter={}", encode(&format!("id eq \"{id}\""))),
        None,
    );
    assert_eq!(r.body["totalResults"], 1);
    // A user of another tenant is not found.
    let (_, globex) = f.env.other_tenant(&[]);
    let r = f.call(
        "GET",
        &format!(
            "/Users?filter={}",
            encode(&format!("id eq \"{}\"", globex.0))
        ),
        None,
    );
    assert_eq!(r.body["totalResults"], 0);
    f.refused("GET", &format!("/Users/{}", globex.0), None, 404, None);
}

#[test]
fn entra_groups_without_members() {
    let f = fixture();
    let babs = f.create("bjensen@example.com", "Barbara", "Jensen");
    let g = group_with(&f, "Group1", &[&babs]);
    let path = format!(
        "/Groups?excludedAttributes=members&filter={}",
        encode("displayName eq \"Group1\"")
    );
    let r = f.call("GET", &path, None);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["totalResults"], 1);
    let group = &r.body["Resources"][0];
    assert_eq!(group["id"], json!(g));
    assert_eq!(group["displayName"], "Group1");
    assert!(group.get("members").is_none(), "{group}");
    // Without the exclusion, members are there.
    let r = f.call("GET", &format!("/Groups/{g}"), None);
    assert_eq!(r.body["members"][0]["value"], json!(babs));
    let r = f.call(
        "GET",
        &format!("/Groups/{g}?excludedAttributes=members"),
        None,
    );
    assert!(r.body.get("members").is_none());
    // Entra's member changes: Add / Remove with a value list.
    let james = f.create("jsmith@example.com", "James", "Smith");
    let r = f.call(
        "PATCH",
        &format!("/Groups/{g}"),
        Some(&patch(json!([
            {"op": "Add", "path": "members", "value": [{"value": james}]},
            {"op": "Remove", "path": "members", "value": [{"value": babs}]},
        ]))),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(f.members(&g), [james]);
}

#[test]
fn okta_deactivation_without_path() {
    let f = fixture();
    // Okta's create: extra attributes (locale, password, groups) are ignored.
    let r = f.call(
        "POST",
        "/Users",
        Some(&json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "test.user@okta.local",
            "name": {"givenName": "Test", "familyName": "User"},
            "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
            "displayName": "Test User",
            "locale": "en-US",
            "externalId": "00ujl29u0le5T6Aj10h7",
            "password": "1mz050nq",
            "groups": [],
            "active": true,
        })),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    // Okta's lookup with paging parameters.
    let path = format!(
        "/Users?filter={}&startIndex=1&count=100",
        encode("userName eq \"test.user@okta.local\"")
    );
    assert_eq!(f.call("GET", &path, None).body["totalResults"], 1);
    let path = format!(
        "/Users?filter={}",
        encode("externalId eq \"00ujl29u0le5T6Aj10h7\"")
    );
    assert_eq!(
        f.call("GET", &path, None).body["Resources"][0]["id"],
        json!(id)
    );
    let r = f.call(
        "PATCH",
        &format!("/Users/{id}"),
        Some(&patch(
            json!([{"op": "replace", "value": {"active": false}}]),
        )),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(!f.user(&id).active);
    // Okta's group rename without a path.
    let g = group_with(&f, "Okta group", &[]);
    let r = f.call(
        "PATCH",
        &format!("/Groups/{g}"),
        Some(&patch(
            json!([{"op": "replace", "value": {"id": g, "displayName": "Renamed"}}]),
        )),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["displayName"], "Renamed");
}

// ================================================================ the rest of the API

#[test]
fn replace_and_delete() {
    let f = fixture();
    let id = f.create("ann@example.com", "Ann", "Lee");
    let r = f.call(
        "PUT",
        &format!("/Users/{id}"),
        Some(&json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "ann.lee@example.com",
            "name": {"givenName": "Anne", "familyName": "Lee"},
            "phoneNumbers": [{"value": "+1 212 555 0199", "type": "work"}],
            "active": false,
        })),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.location, Some(format!("{BASE}/Users/{id}")));
    let u = f.user(&id);
    assert_eq!(
        (u.first_name.as_str(), u.email.as_str(), u.active),
        ("Anne", "ann.lee@example.com", false)
    );
    assert_eq!(u.phone.as_deref(), Some("+12125550199"));
    // A replace without phoneNumbers clears the phone; names it leaves out are kept.
    let r = f.call(
        "PUT",
        &format!("/Users/{id}"),
        Some(&json!({"userName": "ann.lee@example.com"})),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(f.user(&id).phone, None);
    assert_eq!(f.user(&id).first_name, "Anne");

    let g = group_with(&f, "Floor", &[&id]);
    let r = f.call(
        "PUT",
        &format!("/Groups/{g}"),
        Some(&json!({"displayName": "Floor 2", "members": []})),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(f.members(&g).is_empty());
    assert_eq!(f.call("DELETE", &format!("/Groups/{g}"), None).status, 204);
    f.refused("GET", &format!("/Groups/{g}"), None, 404, None);
    assert_eq!(f.call("DELETE", &format!("/Users/{id}"), None).status, 204);
    f.refused("GET", &format!("/Users/{id}"), None, 404, None);
    f.refused("DELETE", &format!("/Users/{id}"), None, 404, None);
}

#[test]
fn list_paging_and_attributes() {
    let f = fixture();
    for n in 0..5 {
        f.create(&format!("u{n}@example.com"), "U", &format!("N{n}"));
    }
    // root, prov and the five.
    let r = f.call(
        "GET",
        "/Users?startIndex=3&count=2&attributes=userName",
        None,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["totalResults"], 7);
    assert_eq!(r.body["startIndex"], 3);
    assert_eq!(r.body["itemsPerPage"], 2);
    let first = &r.body["Resources"][0];
    assert_eq!(first["userName"], "u0@example.com");
    let mut keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["id", "schemas", "userName"]);
    let r = f.call("GET", "/Users?count=0", None);
    assert_eq!(
        (r.body["totalResults"].clone(), r.body["Resources"].clone()),
        (json!(7), json!([]))
    );
    let r = f.call("GET", "/Users/1?excludedAttributes=groups,meta", None);
    assert!(
        r.body.get("groups").is_none()
            && r.body.get("meta").is_none()
            && r.body.get("userName").is_some()
    );
}

#[test]
fn discovery_documents() {
    let f = fixture();
    let r = f.call("GET", "/ServiceProviderConfig", None);
    assert_eq!(r.status, 200);
    assert_eq!(r.body["patch"]["supported"], true);
    assert_eq!(r.body["filter"]["supported"], true);
    assert_eq!(r.body["filter"]["maxResults"], 1000);
    for off in ["bulk", "sort", "etag", "changePassword"] {
        assert_eq!(r.body[off]["supported"], false, "{off}");
    }
    let r = f.call("GET", "/ResourceTypes", None);
    assert_eq!(r.body["totalResults"], 2);
    let r = f.call("GET", "/ResourceTypes/User", None);
    assert_eq!(r.body["endpoint"], "/Users");
    let r = f.call(
        "GET",
        "/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group",
        None,
    );
    assert_eq!(r.body["name"], "Group");
    f.refused("GET", "/Schemas/urn:nope", None, 404, None);
}

// ================================================================ errors as SCIM bodies

#[test]
fn errors_are_scim_bodies() {
    let f = fixture();
    let id = f.create("bjensen@example.com", "Barbara", "Jensen");
    let users = "/Users";
    let user = format!("/Users/{id}");
    // Duplicate login (case-insensitive): 409 uniqueness.
    f.refused(
        "POST",
        users,
        Some(&json!({"userName": "BJENSEN@example.com"})),
        409,
        Some("uniqueness"),
    );
    // Invalid values.
    f.refused(
        "POST",
        users,
        Some(&json!({"userName": "not an email"})),
        400,
        Some("invalidValue"),
    );
    f.refused(
        "POST",
        users,
        Some(&json!({"name": {"givenName": "No", "familyName": "Login"}})),
        400,
        Some("invalidValue"),
    );
    f.refused(
        "POST",
        users,
        Some(&json!({"userName": 42})),
        400,
        Some("invalidValue"),
    );
    f.refused(
        "POST",
        users,
        Some(&json!({"userName": "x@example.com", "active": "maybe"})),
        400,
        Some("invalidValue"),
    );
    // Bad JSON.
    let before = capture(&f.env.dir);
    let r = f.raw("POST", users, Some("{\"userName\": "));
    assert_eq!(r.status, 400);
    assert_error_body(
        &serde_json::from_str(&r.body).unwrap(),
        400,
        Some("invalidSyntax"),
    );
    f.refused(
        "POST",
        users,
        Some(&json!(["not", "an", "object"])),
        400,
        Some("invalidSyntax"),
    );
    f.refused(
        "PATCH",
        &user,
        Some(&json!({"schemas": []})),
        400,
        Some("invalidSyntax"),
    );
    assert_eq!(before, capture(&f.env.dir));
    // Bad filters.
    for filter in [
        "userName co \"b\"",
        "title eq \"x\"",
        "userName eq \"a\" or userName eq \"b\"",
        "userName eq",
    ] {
        f.refused(
            "GET",
            &format!("/Users?filter={}", encode(filter)),
            None,
            400,
            Some("invalidFilter"),
        );
    }
    f.refused(
        "GET",
        &format!("/Groups?filter={}", encode("externalId eq \"x\"")),
        None,
        400,
        Some("invalidFilter"),
    );
    // Bad PATCH paths, removals of required attributes, read-only attributes.
    let bad = |ops: Value, scim_type: &str| {
        f.refused("PATCH", &user, Some(&patch(ops)), 400, Some(scim_type));
    };
    bad(
        json!([{"op": "replace", "path": "emails[type eq \"work\"", "value": "x"}]),
        "invalidPath",
    );
    bad(
        json!([{"op": "replace", "path": "not a path", "value": "x"}]),
        "invalidPath",
    );
    bad(json!([{"op": "remove"}]), "noTarget");
    bad(json!([{"op": "remove", "path": "userName"}]), "mutability");
    bad(
        json!([{"op": "add", "path": "groups", "value": [{"value": "1"}]}]),
        "mutability",
    );
    bad(
        json!([{"op": "replace", "path": "id", "value": "7"}]),
        "mutability",
    );
    bad(
        json!([{"op": "move", "path": "userName", "value": "x"}]),
        "invalidValue",
    );
    bad(
        json!([{"op": "replace", "path": "userName"}]),
        "invalidValue",
    );
    // Unknown resources and endpoints; unsupported methods.
    f.refused("GET", "/Users/999999", None, 404, None);
    f.refused("GET", "/Users/not-a-number", None, 404, None);
    f.refused(
        "PATCH",
        "/Groups/999999",
        Some(&patch(json!([]))),
        404,
        None,
    );
    f.refused("GET", "/Widgets", None, 404, None);
    f.refused("DELETE", "/Users", None, 405, None);
    f.refused(
        "POST",
        "/ServiceProviderConfig",
        Some(&json!({})),
        405,
        None,
    );
    f.refused("POST", "/Bulk", Some(&json!({})), 501, None);
}

#[test]
fn the_actor_s_rules_apply() {
    let f = fixture();
    // The provisioning user lacks billing rights: adding a member to a group granting them
    // is an escalation, refused with 403, and nothing of the request is applied.
    let biller = f.env.custom_role("Biller", perms(&["billing.view"]));
    let billing = f
        .env
        .dir
        .create_group(f.env.root, "Billing", &[biller])
        .unwrap();
    let babs = f.create("bjensen@example.com", "Barbara", "Jensen");
    let body = f.refused(
        "PATCH",
        &format!("/Groups/{}", billing.0),
        Some(&patch(json!([
            {"op": "replace", "path": "displayName", "value": "Billing team"},
            {"op": "add", "path": "members", "value": [{"value": babs}]},
        ]))),
        403,
        None,
    );
    assert!(
        body["detail"].as_str().unwrap().contains("escalation"),
        "{body}"
    );
    assert_eq!(f.env.dir.group(billing).unwrap().name, "Billing");
    // A refused deactivation (the superadministrator) keeps the name change of the same
    // request from being applied: one request, one commit.
    f.refused(
        "PATCH",
        &format!("/Users/{}", f.env.root.0),
        Some(&patch(json!([
            {"op": "replace", "path": "name.givenName", "value": "Mallory"},
            {"op": "replace", "path": "active", "value": false},
        ]))),
        403,
        None,
    );
    // A user without users.manage gets 403 on every change.
    let viewer = f.env.user("val", &["Viewer"]);
    let scim = Scim::new(&f.env.dir, viewer);
    let before = capture(&f.env.dir);
    let r = scim.handle(&ScimRequest {
        method: "POST",
        path: "/Users",
        body: Some(r#"{"userName": "eve@example.com"}"#),
    });
    assert_eq!(r.status, 403, "{}", r.body);
    let r = scim.handle(&ScimRequest {
        method: "GET",
        path: "/Groups",
        body: None,
    });
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(before, capture(&f.env.dir));
    // Creating a group with a member in one commit: all or nothing.
    let r = f.call(
        "POST",
        "/Groups",
        Some(&json!({"displayName": "Root's group", "members": [{"value": f.env.root.0.to_string()}]})),
    );
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(f
        .env
        .dir
        .group_by_name(f.env.tenant, "Root's group")
        .is_err());
}

#[test]
fn deactivated_users_keep_their_resource() {
    let f = fixture();
    let id = f
        .env
        .dir
        .create_user(
            f.prov,
            &NewUser::new("Old", "Timer", "old@example.com").inactive(),
        )
        .unwrap();
    let r = f.call("GET", &format!("/Users/{}", id.0), None);
    assert_eq!(r.status, 200);
    assert_eq!(r.body["active"], false);
}

// ================================================================ nothing panics

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn handle_never_panics(
        method in prop_oneof![
            Just("GET".to_owned()), Just("POST".to_owned()), Just("PUT".to_owned()),
            Just("PATCH".to_owned()), Just("DELETE".to_owned()), ".{0,8}",
        ],
        prefix in prop_oneof![
            Just("/Users".to_owned()), Just("/Users/1".to_owned()), Just("/Users/3".to_owned()),
            Just("/Groups".to_owned()), Just("/Groups/1".to_owned()), Just("/Users?filter=".to_owned()),
            Just("/Groups?excludedAttributes=".to_owned()), Just("".to_owned()),
        ],
        tail in "\\PC{0,40}",
        body in prop_oneof![
            Just(None),
            "\\PC{0,80}".prop_map(Some),
            Just(Some(r#"{"Operations":[{"op":"add","path":"members[value eq \"3\"]"}]}"#.to_owned())),
            ("[a-zA-Z\\[\\]\". ]{0,30}", "\\PC{0,12}").prop_map(|(path, v)| Some(
                json!({"userName": format!("{v}@example.com"), "displayName": v.clone(), "members": [{"value": v.clone()}],
                       "Operations": [{"op": "replace", "path": path, "value": v}]}).to_string()
            )),
        ],
    ) {
        let f = fixture();
        let path = format!("{prefix}{tail}");
        let r = f.raw(&method, &path, body.as_deref());
        prop_assert!((200..600).contains(&r.status));
        if r.status == 204 {
            prop_assert!(r.body.is_empty());
        } else {
            let v: Value = serde_json::from_str(&r.body).unwrap();
            if r.status >= 400 {
                prop_assert_eq!(&v["status"], &json!(r.status.to_string()));
            }
        }
    }
}

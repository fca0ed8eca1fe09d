//! Every text parser and validator, through the public API: names, emails, phones (with and
//! without a tenant region), external ids, descriptions, permission and dotted names, the
//! names of enums, freshness and reset tokens, passwords and logins; and the import formats:
//! a `TenantDocument` (JSON: planned, then imported), the users CSV, SCIM requests. A refusal
//! is a typed error that changes nothing (the revision stays); an accepted email or name is
//! found again by what was stored.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use rolecall::scim::{Scim, ScimRequest};
use rolecall::{
    AccessLevel, Directory, HashParams, NewRole, NewUser, Permission, Preset, Product,
    RoleNamespace, ScopeKind, TenantDocument, TenantSettings,
};
use rolecall_fuzz::Bytes;

/// A fresh directory with one tenant (presets installed) and cheap password hashing.
fn directory() -> (Directory, rolecall::TenantCreated) {
    let dir = Directory::in_memory();
    dir.set_hash_params(HashParams {
        m_kib: 64,
        t: 1,
        p: 1,
    });
    let t = dir
        .create_tenant(
            "Acme",
            &NewUser::new("Ada", "Root", "root@acme.test"),
            &[Preset::Managers],
        )
        .expect("tenant");
    (dir, t)
}

/// Runs a change; when refused, the directory must not have moved.
fn unchanged_if_refused<T, E: std::fmt::Debug>(
    dir: &Directory,
    f: impl FnOnce() -> Result<T, E>,
) -> Option<T> {
    let before = dir.revision();
    match f() {
        Ok(v) => Some(v),
        Err(e) => {
            assert_eq!(
                dir.revision(),
                before,
                "a refusal changed the directory: {e:?}"
            );
            None
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes::new(data);
    let what = b.u8();
    // Pure parsers first: cheap, every input.
    let text = String::from_utf8_lossy(data).into_owned();
    let _ = Permission::by_name(&text);
    let _ = text.parse::<Permission>();
    let _ = Permission::from_names(&text.split(',').collect::<Vec<_>>());
    let _ = text.parse::<Product>();
    let _ = text.parse::<AccessLevel>();
    let _ = text.parse::<Preset>();
    let _ = text.parse::<ScopeKind>();
    let _ = text.parse::<RoleNamespace>();
    let _ = text.parse::<rolecall::ObjectKind>();
    let _ = text.parse::<rolecall::AuditAction>();
    let _ = ScopeKind::custom(&text);
    if let Some(p) = text.parse::<Permission>().ok().filter(|p| !p.is_empty()) {
        // What parses prints back to something that parses to the same set.
        assert_eq!(
            p.to_string().parse::<Permission>().ok(),
            Some(p),
            "{text:?}"
        );
    }

    let (dir, t) = directory();
    let root = t.superadmin;
    match what % 8 {
        0 => {
            // A user from fuzzed fields.
            let (first, last, email) = (b.text(120), b.text(120), b.text(300));
            let mut u = NewUser::new(first, last, email);
            if b.u8().is_multiple_of(2) {
                u = u.phone(b.text(80));
            }
            if b.u8().is_multiple_of(2) {
                u = u.external_id(b.text(300));
            }
            if let Some(id) = unchanged_if_refused(&dir, || dir.create_user(root, &u)) {
                let user = dir.user(id).expect("created");
                let found = dir
                    .user_by_email(t.tenant, &user.email)
                    .expect("found by its email");
                assert_eq!(found.id, id);
                if let Some(x) = &user.external_id {
                    assert_eq!(
                        dir.user_by_external_id(t.tenant, x)
                            .expect("by external id")
                            .id,
                        id
                    );
                }
            }
        }
        1 => {
            // Phones read in a fuzzed region.
            let region = b.text(8);
            let mut settings = TenantSettings::default();
            settings.phone_region = Some(region);
            let _ = unchanged_if_refused(&dir, || dir.set_tenant_settings(root, &settings));
            let u = NewUser::new("Pat", "Doe", "pat@acme.test").phone(b.text(80));
            let _ = unchanged_if_refused(&dir, || dir.create_user(root, &u));
            let _ = dir.search_users(t.tenant, &rolecall::UserQuery::text(b.text(80)));
        }
        2 => {
            // Role, group, scope names and descriptions; lookups by name.
            let name = b.text(120);
            let mut role = NewRole::new(
                name.clone(),
                Permission::by_name("campaigns.view").expect("catalogue"),
            );
            role.description = b.text(255);
            if let Some(id) = unchanged_if_refused(&dir, || dir.create_role(root, &role)) {
                let stored = dir.role(id).expect("created").name;
                assert_eq!(dir.role_by_name(t.tenant, &stored).expect("by name").id, id);
            }
            let _ = dir.role_by_name(t.tenant, &name);
            let _ = unchanged_if_refused(&dir, || dir.create_group(root, &b.text(120), &[]));
            let _ = dir.group_by_name(t.tenant, &name);
            let kind = ScopeKind::custom(&b.text(40)).unwrap_or(ScopeKind::Team);
            let _ = unchanged_if_refused(&dir, || dir.create_scope(root, kind, &b.text(120)));
            let _ = unchanged_if_refused(&dir, || dir.remove_sod_rule(root, &b.text(80)));
        }
        3 => {
            // Tokens and passwords.
            let _ = dir.at_least(&b.text(64), Duration::ZERO);
            let _ = unchanged_if_refused(&dir, || {
                dir.reset_password_with_token(t.tenant, &b.text(100), &b.text(100))
            });
            let _ = dir.login(t.tenant, &b.text(100), &b.text(100));
            let _ = unchanged_if_refused(&dir, || dir.set_password(root, root, &b.text(200), true));
            let _ = dir.request_password_reset(t.tenant, &b.text(100));
        }
        4 | 5 => {
            // A tenant document: read, planned, imported.
            let json = String::from_utf8_lossy(b.rest()).into_owned();
            if let Ok(doc) = TenantDocument::from_json(&json) {
                let before = dir.revision();
                let _ = dir.plan_import(root, &doc);
                assert_eq!(dir.revision(), before, "planning changed the directory");
                let _ = unchanged_if_refused(&dir, || dir.import_tenant(root, &doc));
            }
        }
        6 => {
            let csv = String::from_utf8_lossy(b.rest()).into_owned();
            let before = dir.revision();
            let _ = dir.plan_users_csv(root, &csv);
            assert_eq!(dir.revision(), before, "planning changed the directory");
            let _ = unchanged_if_refused(&dir, || dir.import_users_csv(root, &csv));
        }
        _ => {
            let method = b.pick(&["GET", "POST", "PUT", "PATCH", "DELETE", "get", "HEAD"]);
            let path = b.text(200);
            let body = String::from_utf8_lossy(b.rest()).into_owned();
            let scim = Scim::new(&dir, root).base_url("https://pbx.test/scim/v2");
            let r = scim.handle(&ScimRequest {
                method,
                path: &path,
                body: Some(&body),
            });
            assert!((200..600).contains(&r.status), "status {}", r.status);
            if r.status >= 400 {
                assert!(
                    serde_json::from_str::<serde_json::Value>(&r.body).is_ok(),
                    "error body is JSON"
                );
            }
        }
    }
});

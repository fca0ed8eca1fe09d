//! Import and export of a tenant as one JSON document ([`rolecall::TenantDocument`]), and the
//! CSV of users. Documents and reports cross the boundary as JSON text.

use std::ffi::c_char;

use rolecall::{Error, ExportOptions, ImportReport, TenantDocument, UserId};

use crate::conv::cstring;
use crate::directory::rolecall_directory;
use crate::status::{rolecall_status, FfiResult};
use crate::types::*;

/// The report of an import as JSON; for `InvalidImport`, `{"problems": [...]}` instead (each
/// `{"location", "field", "reason"}`), so C sees every problem.
fn report_json(r: &Result<ImportReport, Error>) -> Option<String> {
    match r {
        Ok(report) => serde_json::to_string(report).ok(),
        Err(Error::InvalidImport { problems }) => {
            serde_json::to_string(&serde_json::json!({ "problems": problems })).ok()
        }
        Err(_) => None,
    }
}

/// Writes the report (or the problems) to `out`, and returns the import's outcome.
fn deliver(out: crate::conv::Out<*mut c_char>, r: Result<ImportReport, Error>) -> FfiResult<()> {
    out.write(match report_json(&r) {
        Some(json) => cstring(json).cast_mut(),
        None => std::ptr::null_mut(),
    });
    r.map(|_| ()).map_err(Into::into)
}

/// The actor's tenant as one JSON document (`rolecall.tenant`, version 1; its JSON Schema is
/// `docs/schema/tenant-v1.schema.json`): settings, roles, scopes, groups, users, agreements,
/// referenced by name and email, in a deterministic order. `password_hashes` (non-zero)
/// includes the users' argon2id hashes: the superadministrator only.
///
/// On success `*out_json` receives a string owned by the caller (rolecall_string_free()).
/// Errors: ROLECALL_STATUS_PERMISSION_DENIED without `users.view`, `roles.view` and
/// `groups.view` held unscoped; _SUPERADMIN_ONLY for hashes asked by another user;
/// _UNKNOWN_USER, _ACTOR_INACTIVE, _CLOSED. Safety: `dir` is a live handle; `out_json` is
/// writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_export_tenant(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    password_hashes: bool,
    out_json: *mut *mut c_char,
) -> rolecall_status {
    ffi!({
        let out = out!(out_json);
        let options = ExportOptions { password_hashes };
        let doc = dir!(dir).export_tenant(UserId(actor), &options)?;
        out.write(cstring(doc.to_json()).cast_mut());
        Ok(())
    })
}

/// Imports a tenant document (JSON text) into the actor's tenant in one commit, through every
/// rule: missing records are created, differing ones updated, equal ones left alone (a second
/// import changes nothing); nothing absent from the document is deleted.
///
/// `*out_report_json` receives the report as JSON (`{"changed", "revision", "tenant_updated",
/// "roles", "scopes", "groups", "users", "agreements"}`, each kind `{"created": [names],
/// "updated": [names], "unchanged": n}`), owned by the caller (rolecall_string_free()). On
/// ROLECALL_STATUS_INVALID_IMPORT it receives `{"problems": [{"location", "field",
/// "reason"}, ...]}` with every problem of the input (nothing was applied); on any other error,
/// NULL. Errors: _INVALID_IMPORT (also for text that is not a document), the rules' refusals
/// (_PERMISSION_DENIED, _ESCALATION, _SUPERADMIN_ONLY, ...), _INVALID_UTF8, the store's errors.
/// Safety: `dir` is a live handle; `json` is a NUL-terminated string; `out_report_json` is
/// writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_import_tenant(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    json: *const c_char,
    out_report_json: *mut *mut c_char,
) -> rolecall_status {
    ffi!({
        let out = out!(out_report_json);
        let json = text!(json);
        let d = dir!(dir);
        let r =
            TenantDocument::from_json(json).and_then(|doc| d.import_tenant(UserId(actor), &doc));
        deliver(out, r)
    })
}

/// Imports users from CSV text into the actor's tenant, as rolecall_import_tenant() imports a
/// document of those users. The header row names the columns: `email`, `first_name`,
/// `last_name` (required), `phone`, `external_id`, `active`, `roles`, `groups`, `teams`,
/// `scopes` (lists separated by `;`). Problems are located by line (`"line 3"`).
///
/// `*out_report_json` as for rolecall_import_tenant(). Safety: `dir` is a live handle; `csv`
/// is a NUL-terminated string; `out_report_json` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_import_users_csv(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    csv: *const c_char,
    out_report_json: *mut *mut c_char,
) -> rolecall_status {
    ffi!({
        let out = out!(out_report_json);
        let csv = text!(csv);
        let r = dir!(dir).import_users_csv(UserId(actor), csv);
        deliver(out, r)
    })
}

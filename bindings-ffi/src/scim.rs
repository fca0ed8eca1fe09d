//! SCIM 2.0 provisioning: one request through the core's mapper (`rolecall::scim`).

use std::ffi::c_char;

use rolecall::scim::{Scim, ScimRequest};
use rolecall::UserId;

use crate::conv::cstring;
use crate::directory::rolecall_directory;
use crate::status::rolecall_status;
use crate::types::rolecall_user_id;

/// Answers one SCIM 2.0 request (RFC 7644) as `actor`, the host's provisioning user: `method`
/// (`"GET"`, `"POST"`, `"PUT"`, `"PATCH"`, `"DELETE"`) and `path` as received below the SCIM
/// base, with its query (`"/Users?filter=userName%20eq%20%22x%22"`); `body` the JSON text of
/// a POST, PUT or PATCH (NULL for none); `base_url` the SCIM base the host serves (NULL:
/// relative locations), used in `meta.location`, `$ref` and the Location header.
///
/// A refused request is not an error of this call: it returns ROLECALL_STATUS_OK with
/// `*status` the HTTP status (400, 403, 404, 409, ...) and `*out_body` a SCIM error body.
/// On success `*status` receives the HTTP status, `*out_body` the JSON body (empty for 204),
/// and `*out_location` (optional, may be NULL) the Location header or NULL; the strings are
/// owned by the caller (rolecall_string_free()).
/// Errors: ROLECALL_STATUS_NULL_POINTER, _INVALID_UTF8 for bad arguments (nothing is
/// written). Safety: `dir` is a live handle; `method` and `path` NUL-terminated strings;
/// `body` and `base_url` NUL-terminated strings or NULL; `status` and `out_body` writable;
/// `out_location` NULL or writable. Thread-safe.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn rolecall_scim_handle(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    method: *const c_char,
    path: *const c_char,
    body: *const c_char,
    base_url: *const c_char,
    status: *mut u16,
    out_body: *mut *mut c_char,
    out_location: *mut *mut c_char,
) -> rolecall_status {
    ffi!({
        let status = out!(status);
        let out_body = out!(out_body);
        let out_location = crate::conv::opt_out(out_location);
        let d = dir!(dir);
        let method = text!(method);
        let path = text!(path);
        let body = opt_text!(body, "body");
        let base_url = opt_text!(base_url, "base_url");
        let mut scim = Scim::new(d, UserId(actor));
        if let Some(base) = base_url {
            scim = scim.base_url(base);
        }
        let response = scim.handle(&ScimRequest { method, path, body });
        status.write(response.status);
        out_body.write(cstring(response.body).cast_mut());
        if let Some(location) = out_location {
            location.write(
                response
                    .location
                    .map_or(std::ptr::null_mut(), |l| cstring(l).cast_mut()),
            );
        }
        Ok(())
    })
}

// SCIM 2.0 provisioning: one request through the core's mapper (`rolecall::scim`).
// (Included into `uniffi_api.rs`, one module, by `include!`: the imports are there.)

/// The answer to one SCIM request: the HTTP status, the JSON body (empty for 204) and the
/// Location header.
#[derive(uniffi::Record)]
pub struct ScimResponse {
    /// The HTTP status: 200, 201, 204, or a refusal's (400, 403, 404, 409, ...).
    pub status: u16,
    /// The JSON body: the resource, a list response, or a SCIM error body.
    pub body: String,
    /// The Location header, for a created or returned resource.
    pub location: Option<String>,
}

#[uniffi::export]
impl Directory {
    /// Answers one SCIM 2.0 request (RFC 7644) as `actor`, the host's provisioning user:
    /// `method` and `path` as received below the SCIM base (with its query), `body` the JSON
    /// of a POST, PUT or PATCH, `base_url` the SCIM base the host serves. Never raises: a
    /// refusal is a SCIM error body with its status.
    pub fn scim_handle(
        &self,
        actor: UserId,
        method: String,
        path: String,
        body: Option<String>,
        base_url: Option<String>,
    ) -> ScimResponse {
        let mut scim = rolecall::scim::Scim::new(&self.inner, actor);
        if let Some(base) = base_url {
            scim = scim.base_url(base);
        }
        let r = scim.handle(&rolecall::scim::ScimRequest {
            method: &method,
            path: &path,
            body: body.as_deref(),
        });
        ScimResponse {
            status: r.status,
            body: r.body,
            location: r.location,
        }
    }
}

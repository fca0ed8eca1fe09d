//! SCIM 2.0 provisioning: one request through the core's mapper (`rolecall::scim`).

use pyo3::prelude::*;
use rolecall::scim::{Scim, ScimRequest};

use crate::convert::UserArg;

use super::PyDirectory;

#[pymethods]
impl PyDirectory {
    // ======================= SCIM =======================

    /// Answers one SCIM 2.0 request (RFC 7644) as `actor`, the host's provisioning user:
    /// `method` and `path` as received below the SCIM base (`"/Users?filter=..."`), `body` the
    /// JSON text for POST / PUT / PATCH, `base_url` the SCIM base the host serves (used in
    /// `meta.location`, `$ref` and the Location header). Returns `(status, body, location)`:
    /// the HTTP status, the JSON body (empty for 204) and the Location header or None. Never
    /// raises for a refused request: every refusal is a SCIM error body with its status.
    #[pyo3(
        signature = (actor, method, path, body = None, base_url = None),
        text_signature = "($self, actor, method, path, body=None, base_url=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn scim(
        &self,
        py: Python<'_>,
        actor: UserArg,
        method: String,
        path: String,
        body: Option<String>,
        base_url: Option<String>,
    ) -> PyResult<(u16, String, Option<String>)> {
        let dir = self.d()?;
        let response = py.detach(|| {
            let mut scim = Scim::new(dir, actor.0);
            if let Some(base) = base_url {
                scim = scim.base_url(base);
            }
            scim.handle(&ScimRequest {
                method: &method,
                path: &path,
                body: body.as_deref(),
            })
        });
        self.dispatch(py);
        Ok((response.status, response.body, response.location))
    }
}

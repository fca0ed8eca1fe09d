//! SCIM error bodies (RFC 7644 §3.12) and the mapping of every rolecall [`Error`] to one.

use serde_json::json;

use crate::{Error, ErrorCategory};

/// The schema of a SCIM error body.
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// A refused SCIM request: the HTTP status, the RFC 7644 `scimType` (when one applies) and a
/// human-readable detail. [`Scim::handle`](super::Scim::handle) returns it as an error body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScimError {
    /// The HTTP status (400, 403, 404, 409, ...).
    pub status: u16,
    /// The RFC 7644 `scimType` (`uniqueness`, `invalidValue`, `invalidFilter`, ...).
    pub scim_type: Option<&'static str>,
    /// What went wrong.
    pub detail: String,
}

impl ScimError {
    /// An error with a status, a `scimType` and a detail.
    pub fn new(status: u16, scim_type: Option<&'static str>, detail: impl Into<String>) -> Self {
        ScimError {
            status,
            scim_type,
            detail: detail.into(),
        }
    }

    /// 400 `invalidSyntax`: the body is not the JSON the request needs.
    pub fn syntax(detail: impl Into<String>) -> Self {
        Self::new(400, Some("invalidSyntax"), detail)
    }

    /// 400 `invalidValue`: a value of the wrong type, or refused.
    pub fn value(detail: impl Into<String>) -> Self {
        Self::new(400, Some("invalidValue"), detail)
    }

    /// 400 `invalidFilter`: a filter this mapper does not answer.
    pub fn filter(detail: impl Into<String>) -> Self {
        Self::new(400, Some("invalidFilter"), detail)
    }

    /// 400 `invalidPath`: a PATCH path that does not parse or names nothing writable.
    pub fn path(detail: impl Into<String>) -> Self {
        Self::new(400, Some("invalidPath"), detail)
    }

    /// 400 `noTarget`: a PATCH path whose filter matches nothing.
    pub fn no_target(detail: impl Into<String>) -> Self {
        Self::new(400, Some("noTarget"), detail)
    }

    /// 400 `mutability`: an attempt to change a read-only attribute or remove a required one.
    pub fn mutability(detail: impl Into<String>) -> Self {
        Self::new(400, Some("mutability"), detail)
    }

    /// 404 without `scimType`.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(404, None, detail)
    }

    /// The error body: `{"schemas": [...], "status": "409", "scimType": ..., "detail": ...}`
    /// (the status is a string, as RFC 7644 writes it).
    pub fn body(&self) -> serde_json::Value {
        let mut body = json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.to_string(),
            "detail": self.detail,
        });
        if let (Some(t), Some(obj)) = (self.scim_type, body.as_object_mut()) {
            obj.insert("scimType".into(), t.into());
        }
        body
    }
}

impl From<Error> for ScimError {
    /// By the error's category and kind: a duplicate email, name or external id is 409
    /// `uniqueness`; other conflicts 409; invalid input 400 `invalidValue`; an unknown object
    /// 404; a refusal by a rule (separation of duty included) 403; authentication 401; a
    /// busy or unreachable store 503, other storage failures 500.
    fn from(e: Error) -> Self {
        let detail = e.to_string();
        match e.category() {
            ErrorCategory::InvalidInput => ScimError::value(detail),
            ErrorCategory::NotFound => ScimError::not_found(detail),
            ErrorCategory::Conflict if e.kind().starts_with("duplicate_") => {
                ScimError::new(409, Some("uniqueness"), detail)
            }
            ErrorCategory::Conflict if e.kind() == "separation_of_duty" => {
                ScimError::new(403, None, detail)
            }
            ErrorCategory::Conflict => ScimError::new(409, None, detail),
            ErrorCategory::PermissionDenied => ScimError::new(403, None, detail),
            ErrorCategory::Authentication => ScimError::new(401, None, detail),
            _ => match e {
                Error::Busy
                | Error::Unavailable(_)
                | Error::RevisionConflict { .. }
                | Error::Stale { .. } => ScimError::new(503, None, detail),
                _ => ScimError::new(500, None, detail),
            },
        }
    }
}

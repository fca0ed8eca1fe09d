//! PATCH requests (RFC 7644 §3.5.2): the operations, read from the body before any is applied.

use serde_json::Value;

use super::error::ScimError;
use super::filter::{parse_path, Path};
use super::json::get;

/// The schema of a PATCH request body.
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// What one PATCH operation does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpKind {
    /// `add`.
    Add,
    /// `replace`.
    Replace,
    /// `remove`.
    Remove,
}

/// One PATCH operation.
#[derive(Clone, Debug, PartialEq)]
pub struct Op {
    /// add, replace or remove (case-insensitive on input: Entra ID sends `Add`, `Replace`).
    pub kind: OpKind,
    /// The target, when given; without one the value is an object of attributes.
    pub path: Option<Path>,
    /// The value (absent for most removes).
    pub value: Option<Value>,
}

/// Reads the operations of a PATCH body.
///
/// # Errors
/// 400 `invalidSyntax` for a body without an `Operations` array or an operation that is not
/// an object with an `op`; 400 `invalidValue` for an unknown op; the path's errors
/// ([`parse_path`]); 400 `noTarget` for a remove without a path; 400 `invalidValue` for an add
/// or replace without a value, or without a path and with a value that is not an object.
pub fn parse_patch(body: &Value) -> Result<Vec<Op>, ScimError> {
    let ops = get(body, "Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| ScimError::syntax("a PATCH body needs an \"Operations\" array"))?;
    ops.iter().map(parse_op).collect()
}

fn parse_op(op: &Value) -> Result<Op, ScimError> {
    let name = get(op, "op")
        .and_then(Value::as_str)
        .ok_or_else(|| ScimError::syntax("each PATCH operation needs an \"op\""))?;
    let kind = match name.to_ascii_lowercase().as_str() {
        "add" => OpKind::Add,
        "replace" => OpKind::Replace,
        "remove" => OpKind::Remove,
        _ => {
            return Err(ScimError::value(format!(
                "unknown PATCH op {:?} (expected add, replace or remove)",
                super::filter::cut(name)
            )))
        }
    };
    let path = match get(op, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(p)) => Some(parse_path(p)?),
        Some(_) => return Err(ScimError::path("a PATCH \"path\" is a string")),
    };
    let value = get(op, "value").filter(|v| !v.is_null()).cloned();
    match (kind, &path, &value) {
        (OpKind::Remove, None, _) => Err(ScimError::no_target("a remove operation needs a path")),
        (OpKind::Add | OpKind::Replace, _, None) => {
            Err(ScimError::value(format!("a PATCH {name} needs a value")))
        }
        (OpKind::Add | OpKind::Replace, None, Some(v)) if !v.is_object() => Err(ScimError::value(
            format!("a PATCH {name} without a path takes an object of attributes"),
        )),
        _ => Ok(Op { kind, path, value }),
    }
}

/// The operations of a PATCH without a path, spread over their attributes: each key of the
/// value object becomes an operation on that attribute (`name.givenName` and URN-prefixed keys
/// included), so that one reading serves both forms.
///
/// # Errors
/// The errors of [`parse_path`] for a key that is not an attribute path.
pub fn spread(ops: Vec<Op>) -> Result<Vec<Op>, ScimError> {
    let mut out = Vec::with_capacity(ops.len());
    for op in ops {
        match (&op.path, &op.value) {
            (None, Some(Value::Object(attrs))) => {
                for (key, value) in attrs {
                    // Read-only attributes a client echoes back (Okta sends the id) are ignored
                    // here; named by a path they are refused.
                    if ["schemas", "id", "meta"]
                        .iter()
                        .any(|k| key.eq_ignore_ascii_case(k))
                    {
                        continue;
                    }
                    let path = parse_path(key)?;
                    // An extension's attributes nest under its URN: ignored whole.
                    if path.extension
                        || key.to_ascii_lowercase().starts_with("urn:") && value.is_object()
                    {
                        continue;
                    }
                    match (path.attr.as_str(), path.sub.as_deref(), value) {
                        // `"name": {"givenName": ..}` replaces the sub-attributes given.
                        ("name", None, Value::Object(subs)) => {
                            for (sub, v) in subs {
                                let sub = parse_path(&format!("name.{sub}"))?;
                                out.push(Op {
                                    kind: op.kind,
                                    path: Some(sub),
                                    value: Some(v.clone()),
                                });
                            }
                        }
                        _ => out.push(Op {
                            kind: op.kind,
                            path: Some(path),
                            value: Some(value.clone()),
                        }),
                    }
                }
            }
            _ => out.push(op),
        }
    }
    Ok(out)
}

//! The records of the directory as frozen Python classes: each wraps the core record, compares
//! by value (`==`), hashes by identity of the object it describes, and prints like a dataclass.
//! Timestamps are milliseconds since the Unix epoch, as in the core.

mod explain;
mod impact;
mod page;
mod roles;
mod scopes;
mod settings;
mod sod;
mod tenants;
mod timed;
mod transfer;
mod users;

pub(crate) use explain::*;
pub(crate) use impact::*;
pub(crate) use page::*;
pub(crate) use roles::*;
pub(crate) use scopes::*;
pub(crate) use settings::*;
pub(crate) use sod::*;
pub(crate) use tenants::*;
pub(crate) use timed::*;
pub(crate) use transfer::*;
pub(crate) use users::*;

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use pyo3::prelude::*;
use pyo3::types::{PyFrozenSet, PyString};

/// Python's `repr()` of a str.
pub(crate) fn repr_str(py: Python<'_>, s: &str) -> PyResult<String> {
    Ok(PyString::new(py, s).repr()?.to_cow()?.into_owned())
}

fn repr_opt(py: Python<'_>, s: Option<&str>) -> PyResult<String> {
    s.map_or_else(|| Ok("None".to_owned()), |s| repr_str(py, s))
}

fn repr_any<T>(obj: &Bound<'_, T>) -> PyResult<String> {
    Ok(obj.as_any().repr()?.to_cow()?.into_owned())
}

fn opt_int(v: Option<u64>) -> String {
    v.map_or_else(|| "None".to_owned(), |v| v.to_string())
}

fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

fn hash_of(kind: &str, id: u64) -> u64 {
    let mut h = DefaultHasher::new();
    (kind, id).hash(&mut h);
    h.finish()
}

fn frozenset<'py>(
    py: Python<'py>,
    ids: impl IntoIterator<Item = u64>,
) -> PyResult<Bound<'py, PyFrozenSet>> {
    PyFrozenSet::new(py, ids)
}

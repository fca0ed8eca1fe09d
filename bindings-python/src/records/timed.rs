//! Time-bound grants (issue 16): `Window`, `TimedGrant` (what `Directory.grant_for` grants),
//! `Assignment` (what a window is on, read from `User.windows`), `Eligibility` (what a user may
//! activate), and the time-bound fields of `User` and `Snapshot`.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyList, PyTuple};
use rolecall::{Assignment, Eligibility, Notification, ScopeGrant, TimedGrant, Window};

use super::{repr_str, PyUser};
use crate::convert::{
    enum_to_py, type_name, AgreementArg, GroupArg, LevelArg, ProductArg, RoleArg, ScopeArg,
    ACCESS_LEVEL, PRODUCT,
};
use crate::credentials::PyNotification;
use crate::snapshot::PySnapshot;

/// An instant or a duration in ms: an int (not a bool); a value outside 64 bits raises
/// `OverflowError`.
pub(crate) struct Ms(pub i64);

impl<'a, 'py> FromPyObject<'a, 'py> for Ms {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if obj.is_instance_of::<PyBool>() {
            return Err(PyTypeError::new_err(
                "a time is an int (ms since the Unix epoch, or ms), not a bool",
            ));
        }
        if obj.is_instance_of::<pyo3::types::PyFloat>()
            || obj.is_instance_of::<pyo3::types::PyString>()
        {
            return Err(PyTypeError::new_err(format!(
                "a time is an int (ms since the Unix epoch, or ms), not {}",
                type_name(&obj)
            )));
        }
        Ok(Ms(obj.extract::<i64>()?))
    }
}

fn opt_ms(v: Option<i64>) -> String {
    v.map_or_else(|| "None".to_owned(), |v| v.to_string())
}

// ============================ Window ============================

/// When a time-bound grant is in force: from `from_ms` (inclusive) until `until_ms`
/// (exclusive), in ms since the Unix epoch; None leaves that side open. `Window()` (or
/// `Window.ALWAYS`) is a permanent grant.
#[pyclass(frozen, eq, ord, hash, module = "rolecall", name = "Window")]
#[derive(PartialEq, Eq, PartialOrd, Hash, Clone, Copy)]
pub struct PyWindow(pub Window);

#[pymethods]
impl PyWindow {
    #[new]
    #[pyo3(signature = (from_ms = None, until_ms = None))]
    fn new(from_ms: Option<Ms>, until_ms: Option<Ms>) -> Self {
        PyWindow(Window {
            from: from_ms.map(|m| m.0),
            until: until_ms.map(|m| m.0),
        })
    }
    /// In force at every instant: a permanent grant.
    #[classattr]
    #[pyo3(name = "ALWAYS")]
    fn always_attr() -> Self {
        PyWindow(Window::ALWAYS)
    }
    /// In force at every instant: a permanent grant (the same as `Window.ALWAYS`).
    #[staticmethod]
    fn always() -> Self {
        PyWindow(Window::ALWAYS)
    }
    /// In force from now until `until_ms` (exclusive).
    #[staticmethod]
    fn until(until_ms: Ms) -> Self {
        PyWindow(Window::until(until_ms.0))
    }
    /// In force from `from_ms` (inclusive) until `until_ms` (exclusive).
    #[staticmethod]
    fn between(from_ms: Ms, until_ms: Ms) -> Self {
        PyWindow(Window::between(from_ms.0, until_ms.0))
    }
    /// Start, ms since the Unix epoch, or None (already started).
    #[getter(from_ms)]
    fn start(&self) -> Option<i64> {
        self.0.from
    }
    /// End (exclusive), ms since the Unix epoch, or None (never ends).
    #[getter]
    fn until_ms(&self) -> Option<i64> {
        self.0.until
    }
    /// Whether this is `Window.ALWAYS` (a permanent grant).
    #[getter]
    fn is_always(&self) -> bool {
        self.0.is_always()
    }
    /// Whether the grant is in force at `now_ms`.
    fn contains(&self, now_ms: Ms) -> bool {
        self.0.contains(now_ms.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "Window(from_ms={}, until_ms={})",
            opt_ms(self.0.from),
            opt_ms(self.0.until)
        )
    }
}

/// A `Window` argument (strictly a `Window`).
pub(crate) struct WindowArg(pub Window);

impl<'a, 'py> FromPyObject<'a, 'py> for WindowArg {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        match obj.cast::<PyWindow>() {
            Ok(w) => Ok(WindowArg(w.get().0)),
            Err(_) => Err(PyTypeError::new_err(format!(
                "a window must be a rolecall.Window, not {}",
                type_name(&obj)
            ))),
        }
    }
}

// ============================ TimedGrant ============================

/// What `Directory.grant_for` grants for a time, built by one of the static constructors:
/// `TimedGrant.role(role)`, `.scope_role(role, scope)`, `.group(group)`, `.scope(scope)`,
/// `.level(agreement, product, level)` or `.pbx(agreement, subscriber)`. `kind` names it;
/// `assignment` is the assignment it makes (as `User.windows` shows it).
#[pyclass(frozen, eq, module = "rolecall", name = "TimedGrant")]
#[derive(PartialEq, Eq)]
pub struct PyTimedGrant(pub TimedGrant);

#[pymethods]
impl PyTimedGrant {
    /// A role held directly.
    #[staticmethod]
    fn role(role: RoleArg) -> Self {
        PyTimedGrant(TimedGrant::Role(role.0))
    }
    /// A role held for one scope (and everything below it).
    #[staticmethod]
    fn scope_role(role: RoleArg, scope: ScopeArg) -> Self {
        PyTimedGrant(TimedGrant::ScopeRole(ScopeGrant {
            role: role.0,
            scope: scope.0,
        }))
    }
    /// Membership of a user group.
    #[staticmethod]
    fn group(group: GroupArg) -> Self {
        PyTimedGrant(TimedGrant::Group(group.0))
    }
    /// An assigned call group / IVR (or other scope) of 003.
    #[staticmethod]
    fn scope(scope: ScopeArg) -> Self {
        PyTimedGrant(TimedGrant::Scope(scope.0))
    }
    /// A level on one product of an agreement (it falls to no access when the window ends).
    #[staticmethod]
    fn level(agreement: AgreementArg, product: ProductArg, level: LevelArg) -> Self {
        PyTimedGrant(TimedGrant::Level {
            agreement: agreement.0,
            product: product.0,
            level: level.0,
        })
    }
    /// A PBX subscriber link under an agreement.
    #[staticmethod]
    fn pbx(agreement: AgreementArg, subscriber: String) -> Self {
        PyTimedGrant(TimedGrant::Pbx {
            agreement: agreement.0,
            subscriber,
        })
    }
    /// `"role"`, `"scope_role"`, `"group"`, `"scope"`, `"level"` or `"pbx"`.
    #[getter]
    fn kind(&self) -> &'static str {
        assignment_kind(&self.0.assignment())
    }
    /// The assignment this grant makes.
    #[getter]
    fn assignment(&self) -> PyAssignment {
        PyAssignment(self.0.assignment())
    }
    /// The level granted (`kind == "level"`), else None.
    #[getter]
    fn access_level<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match &self.0 {
            TimedGrant::Level { level, .. } => {
                Ok(Some(enum_to_py(py, &ACCESS_LEVEL, level.name())?))
            }
            _ => Ok(None),
        }
    }
    /// The subscriber linked (`kind == "pbx"`), else None.
    #[getter]
    fn subscriber(&self) -> Option<&str> {
        match &self.0 {
            TimedGrant::Pbx { subscriber, .. } => Some(subscriber),
            _ => None,
        }
    }
    fn __hash__(&self) -> u64 {
        let mut h = DefaultHasher::new();
        self.0.assignment().hash(&mut h);
        match &self.0 {
            TimedGrant::Level { level, .. } => level.name().hash(&mut h),
            TimedGrant::Pbx { subscriber, .. } => subscriber.hash(&mut h),
            _ => {}
        }
        h.finish()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(match &self.0 {
            TimedGrant::Role(r) => format!("TimedGrant.role({})", r.0),
            TimedGrant::ScopeRole(g) => {
                format!("TimedGrant.scope_role({}, {})", g.role.0, g.scope.0)
            }
            TimedGrant::Group(g) => format!("TimedGrant.group({})", g.0),
            TimedGrant::Scope(s) => format!("TimedGrant.scope({})", s.0),
            TimedGrant::Level {
                agreement,
                product,
                level,
            } => format!(
                "TimedGrant.level({}, {}, {})",
                agreement.0,
                repr_str(py, product.name())?,
                repr_str(py, level.name())?
            ),
            TimedGrant::Pbx {
                agreement,
                subscriber,
            } => format!(
                "TimedGrant.pbx({}, {})",
                agreement.0,
                repr_str(py, subscriber)?
            ),
        })
    }
}

/// A `TimedGrant` argument (strictly a `TimedGrant`).
pub(crate) struct TimedGrantArg(pub TimedGrant);

impl<'a, 'py> FromPyObject<'a, 'py> for TimedGrantArg {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        match obj.cast::<PyTimedGrant>() {
            Ok(g) => Ok(TimedGrantArg(g.get().0.clone())),
            Err(_) => Err(PyTypeError::new_err(format!(
                "a grant must be a rolecall.TimedGrant (TimedGrant.role(...), ...), not {}",
                type_name(&obj)
            ))),
        }
    }
}

// ============================ Assignment ============================

fn assignment_kind(a: &Assignment) -> &'static str {
    match a {
        Assignment::Role(_) => "role",
        Assignment::ScopeRole(_) => "scope_role",
        Assignment::Group(_) => "group",
        Assignment::Scope(_) => "scope",
        Assignment::Level { .. } => "level",
        Assignment::Pbx(_) => "pbx",
    }
}

/// One of a user's assignments that can carry a `Window` (the keys of `User.windows`): `kind`
/// says which (`"role"`, `"scope_role"`, `"group"`, `"scope"`, `"level"`, `"pbx"`); the ids
/// it names are set (`role`, `scope`, `group`, `agreement`, `product`), the others are None.
#[pyclass(frozen, eq, ord, hash, module = "rolecall", name = "Assignment")]
#[derive(PartialEq, Eq, PartialOrd, Hash, Clone, Copy)]
pub struct PyAssignment(pub Assignment);

#[pymethods]
impl PyAssignment {
    /// `"role"`, `"scope_role"`, `"group"`, `"scope"`, `"level"` or `"pbx"`.
    #[getter]
    fn kind(&self) -> &'static str {
        assignment_kind(&self.0)
    }
    /// The role's id (`role`, `scope_role`), else None.
    #[getter]
    fn role(&self) -> Option<u64> {
        match self.0 {
            Assignment::Role(r) => Some(r.0),
            Assignment::ScopeRole(g) => Some(g.role.0),
            _ => None,
        }
    }
    /// The scope's id (`scope_role`, `scope`), else None.
    #[getter]
    fn scope(&self) -> Option<u64> {
        match self.0 {
            Assignment::ScopeRole(g) => Some(g.scope.0),
            Assignment::Scope(s) => Some(s.0),
            _ => None,
        }
    }
    /// The group's id (`group`), else None.
    #[getter]
    fn group(&self) -> Option<u64> {
        match self.0 {
            Assignment::Group(g) => Some(g.0),
            _ => None,
        }
    }
    /// The agreement's id (`level`, `pbx`), else None.
    #[getter]
    fn agreement(&self) -> Option<u64> {
        match self.0 {
            Assignment::Level { agreement, .. } | Assignment::Pbx(agreement) => Some(agreement.0),
            _ => None,
        }
    }
    /// The product (`level`), else None.
    #[getter]
    fn product<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match self.0 {
            Assignment::Level { product, .. } => {
                Ok(Some(enum_to_py(py, &PRODUCT, product.name())?))
            }
            _ => Ok(None),
        }
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        self.repr(py)
    }
}

impl PyAssignment {
    /// Its `repr`.
    pub(crate) fn repr(&self, py: Python<'_>) -> PyResult<String> {
        let kind = assignment_kind(&self.0);
        Ok(match self.0 {
            Assignment::Role(r) => format!("Assignment(kind='{kind}', role={})", r.0),
            Assignment::ScopeRole(g) => format!(
                "Assignment(kind='{kind}', role={}, scope={})",
                g.role.0, g.scope.0
            ),
            Assignment::Group(g) => format!("Assignment(kind='{kind}', group={})", g.0),
            Assignment::Scope(s) => format!("Assignment(kind='{kind}', scope={})", s.0),
            Assignment::Level { agreement, product } => format!(
                "Assignment(kind='{kind}', agreement={}, product={})",
                agreement.0,
                repr_str(py, product.name())?
            ),
            Assignment::Pbx(a) => format!("Assignment(kind='{kind}', agreement={})", a.0),
        })
    }
}

// ============================ Eligibility ============================

/// A role a user may activate for itself (`Directory.activate`), held directly (`scope` None)
/// or for `scope`, for at most `max_ms` at a time. Set by `Directory.make_eligible`.
#[pyclass(frozen, eq, ord, module = "rolecall", name = "Eligibility")]
#[derive(PartialEq, PartialOrd)]
pub struct PyEligibility(pub Eligibility);

#[pymethods]
impl PyEligibility {
    /// The role's id.
    #[getter]
    fn role(&self) -> u64 {
        self.0.role.0
    }
    /// The scope's id (a per-scope activation), or None (the role held directly).
    #[getter]
    fn scope(&self) -> Option<u64> {
        self.0.scope.map(|s| s.0)
    }
    /// The longest activation, in ms.
    #[getter]
    fn max_ms(&self) -> i64 {
        self.0.max_ms
    }
    fn __hash__(&self) -> u64 {
        let mut h = DefaultHasher::new();
        self.0.hash(&mut h);
        h.finish()
    }
    fn __repr__(&self) -> String {
        format!(
            "Eligibility(role={}, scope={}, max_ms={})",
            self.0.role.0,
            self.0
                .scope
                .map_or_else(|| "None".to_owned(), |s| s.0.to_string()),
            self.0.max_ms
        )
    }
}

// ============================ User, Snapshot ============================

#[pymethods]
impl PyUser {
    /// The validity windows of the user's time-bound assignments: a list of
    /// `(Assignment, Window)` pairs in the user's order (roles, roles for a scope, groups,
    /// scopes, levels, PBX links, each by id). A permanent assignment has no entry.
    #[getter]
    fn windows<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let items = self
            .0
            .windows
            .iter()
            .map(|(a, w)| {
                PyTuple::new(
                    py,
                    [
                        Bound::new(py, PyAssignment(*a))?.into_any(),
                        Bound::new(py, PyWindow(*w))?.into_any(),
                    ],
                )
            })
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, items)
    }
    /// The roles the user may activate for itself (`Eligibility` records), by role id, then
    /// no scope before scopes in id order.
    #[getter]
    fn eligible(&self) -> Vec<PyEligibility> {
        self.0.eligible.iter().copied().map(PyEligibility).collect()
    }
    /// Whether this is a break-glass account: a lock does not keep it out, and every use is
    /// told (`Notification` kind `"break_glass_used"`).
    #[getter]
    fn break_glass(&self) -> bool {
        self.0.break_glass
    }
}

#[pymethods]
impl PySnapshot {
    /// The instant (ms since the Unix epoch) this snapshot answers for: time-bound grants count
    /// when their window contains it.
    #[getter]
    fn computed_at(&self) -> i64 {
        self.0.computed_at()
    }
    /// The next instant (ms since the Unix epoch) a time-bound grant starts or ends, when this
    /// snapshot's answers stop being current, or None (never). A snapshot kept by the caller
    /// keeps answering as of `computed_at`.
    #[getter]
    fn valid_until(&self) -> Option<i64> {
        self.0.valid_until()
    }
}

/// The fields of the notifications of issue 16 (`grant_expired`, `activated`,
/// `break_glass_used`); `until` is with the others.
#[pymethods]
impl PyNotification {
    /// The `Assignment` whose window ended (`grant_expired`), else None.
    #[getter]
    fn assignment(&self) -> Option<PyAssignment> {
        match &self.0 {
            Notification::GrantExpired { assignment, .. } => Some(PyAssignment(*assignment)),
            _ => None,
        }
    }
    /// The id of the role activated (`activated`), else None.
    #[getter]
    fn role(&self) -> Option<u64> {
        match &self.0 {
            Notification::Activated { role, .. } => Some(role.0),
            _ => None,
        }
    }
    /// The id of the scope it was activated for (`activated`, per-scope), else None.
    #[getter]
    fn scope(&self) -> Option<u64> {
        match &self.0 {
            Notification::Activated { scope, .. } => scope.map(|s| s.0),
            _ => None,
        }
    }
    /// The user's justification (`activated`), else None.
    #[getter]
    fn justification(&self) -> Option<&str> {
        match &self.0 {
            Notification::Activated { justification, .. } => Some(justification),
            _ => None,
        }
    }
    /// What the break-glass account did (`break_glass_used`): an audit action name
    /// (`"login"` for a login attempt), else None.
    #[getter]
    fn action(&self) -> Option<&str> {
        match &self.0 {
            Notification::BreakGlassUsed { action, .. } => Some(action),
            _ => None,
        }
    }
}

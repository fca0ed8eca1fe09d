//! Users, scope grants and users to create.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFrozenSet, PyIterator, PyTuple};
use rolecall::{NewUser, ScopeGrant, User};

use crate::credentials::SecretArg;

use super::{frozenset, hash_of, py_bool, repr_any, repr_opt, repr_str};
use crate::convert::{extract_items, type_name, GroupList, RoleArg, RoleList, ScopeArg, ScopeList};

// ============================ User ============================

/// A person who logs in. `roles` are the roles held directly (not through groups); `scopes`
/// the call groups / IVRs assigned to the user (003); `grants` the roles held for one scope
/// and everything below it (`ScopeGrant`s); `teams` the teams (scopes of kind
/// `ScopeKind.TEAM`) the user is a member of.
#[pyclass(frozen, eq, module = "rolecall", name = "User")]
#[derive(PartialEq)]
pub struct PyUser(pub User);

#[pymethods]
impl PyUser {
    /// Its id.
    #[getter]
    fn id(&self) -> u64 {
        self.0.id.0
    }
    /// The id of its tenant.
    #[getter]
    fn tenant(&self) -> u64 {
        self.0.tenant.0
    }
    /// First name.
    #[getter]
    fn first_name(&self) -> &str {
        &self.0.first_name
    }
    /// Last name.
    #[getter]
    fn last_name(&self) -> &str {
        &self.0.last_name
    }
    /// "First Last".
    #[getter]
    fn full_name(&self) -> String {
        self.0.full_name()
    }
    /// Email, the login (case preserved; unique per tenant case-insensitively).
    #[getter]
    fn email(&self) -> &str {
        &self.0.email
    }
    /// Phone in E.164 (`+` and digits), or None.
    #[getter]
    fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// The user's id in the system it is provisioned from (unique per tenant, compared
    /// exactly), or None.
    #[getter]
    fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }
    /// Whether the user is active (an inactive user holds no permission).
    #[getter]
    fn active(&self) -> bool {
        self.0.active
    }
    /// Ids of the roles held directly.
    #[getter]
    fn roles<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyFrozenSet>> {
        frozenset(py, self.0.roles.iter().map(|r| r.0))
    }
    /// Ids of the call groups / IVRs assigned to the user.
    #[getter]
    fn scopes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyFrozenSet>> {
        frozenset(py, self.0.scopes.iter().map(|s| s.0))
    }
    /// The roles held for one scope (and everything below it): a frozenset of `ScopeGrant`
    /// (`role`, `scope`), as `Directory.grant_role_in_scope` gives them.
    #[getter]
    fn grants<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyFrozenSet>> {
        let items = self
            .0
            .grants
            .iter()
            .map(|g| Bound::new(py, PyScopeGrant(*g)))
            .collect::<PyResult<Vec<_>>>()?;
        PyFrozenSet::new(py, items)
    }
    /// Ids of the teams (scopes of kind `ScopeKind.TEAM`) the user is a member of.
    #[getter]
    fn teams<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyFrozenSet>> {
        frozenset(py, self.0.teams.iter().map(|s| s.0))
    }
    /// Creation time, ms since the Unix epoch.
    #[getter]
    fn created_at(&self) -> i64 {
        self.0.created_at
    }
    /// Last change, ms since the Unix epoch.
    #[getter]
    fn updated_at(&self) -> i64 {
        self.0.updated_at
    }
    /// Last successful login, ms since the Unix epoch, or None.
    #[getter]
    fn last_login(&self) -> Option<i64> {
        self.0.last_login
    }
    fn __hash__(&self) -> u64 {
        hash_of("user", self.0.id.0)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let u = &self.0;
        Ok(format!(
            "User(id={}, tenant={}, first_name={}, last_name={}, email={}, phone={}, active={}, roles={}, scopes={}, grants={}, teams={})",
            u.id.0,
            u.tenant.0,
            repr_str(py, &u.first_name)?,
            repr_str(py, &u.last_name)?,
            repr_str(py, &u.email)?,
            repr_opt(py, u.phone.as_deref())?,
            py_bool(u.active),
            repr_any(&self.roles(py)?)?,
            repr_any(&self.scopes(py)?)?,
            repr_any(&self.grants_sorted(py)?)?,
            repr_any(&self.teams(py)?)?,
        ))
    }
}

impl PyUser {
    /// The grants as a tuple in (role, scope) order, for a stable `repr`.
    fn grants_sorted<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.0.grants.iter().map(|g| PyScopeGrant(*g)))
    }
}

// ============================ ScopeGrant ============================

/// A role held for one scope and everything below it (`Directory.grant_role_in_scope`): its
/// permissions apply only to data of that subtree, and to the members of the teams in it.
/// `ScopeGrant(role, scope)` takes ids or the `Role` / `Scope` records. It unpacks like a pair
/// (`role, scope = grant`); where grants are taken, a `(role, scope)` tuple is accepted too.
#[pyclass(frozen, eq, ord, module = "rolecall", name = "ScopeGrant")]
#[derive(PartialEq, PartialOrd)]
pub struct PyScopeGrant(pub ScopeGrant);

#[pymethods]
impl PyScopeGrant {
    #[new]
    fn new(role: RoleArg, scope: ScopeArg) -> Self {
        PyScopeGrant(ScopeGrant {
            role: role.0,
            scope: scope.0,
        })
    }
    /// The id of the role granted.
    #[getter]
    fn role(&self) -> u64 {
        self.0.role.0
    }
    /// The id of the scope it is granted for (it applies below it too).
    #[getter]
    fn scope(&self) -> u64 {
        self.0.scope.0
    }
    fn __len__(&self) -> usize {
        2
    }
    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyIterator>> {
        PyTuple::new(py, [self.0.role.0, self.0.scope.0])?
            .as_any()
            .try_iter()
    }
    fn __hash__(&self) -> u64 {
        let mut h = DefaultHasher::new();
        (self.0.role.0, self.0.scope.0).hash(&mut h);
        h.finish()
    }
    fn __repr__(&self) -> String {
        format!(
            "ScopeGrant(role={}, scope={})",
            self.0.role.0, self.0.scope.0
        )
    }
}

/// One grant argument: a `ScopeGrant`, or a `(role, scope)` pair (ids or records).
pub(crate) struct GrantArg(pub ScopeGrant);

impl<'a, 'py> FromPyObject<'a, 'py> for GrantArg {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(g) = obj.cast::<PyScopeGrant>() {
            return Ok(GrantArg(g.get().0));
        }
        if let Ok(t) = obj.cast::<PyTuple>() {
            if t.len() == 2 {
                let role = t.get_borrowed_item(0)?.extract::<RoleArg>()?;
                let scope = t.get_borrowed_item(1)?.extract::<ScopeArg>()?;
                return Ok(GrantArg(ScopeGrant {
                    role: role.0,
                    scope: scope.0,
                }));
            }
        }
        Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "a grant must be a rolecall.ScopeGrant or a (role, scope) tuple, not {}",
            type_name(&obj)
        )))
    }
}

/// An iterable of grants (`ScopeGrant`s or `(role, scope)` tuples).
#[derive(Default)]
pub(crate) struct GrantList(pub Vec<ScopeGrant>);

impl<'a, 'py> FromPyObject<'a, 'py> for GrantList {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let items: Vec<GrantArg> = extract_items(&obj, "grants")?;
        Ok(GrantList(items.into_iter().map(|g| g.0).collect()))
    }
}

// ============================ NewUser ============================

/// A user to create: the superadministrator given to `Directory.create_tenant`.
/// (`Directory.create_user` takes the same fields as keyword arguments.)
#[pyclass(frozen, eq, module = "rolecall", name = "NewUser")]
#[derive(PartialEq)]
pub struct PyNewUser(pub NewUser);

#[pymethods]
impl PyNewUser {
    #[new]
    #[pyo3(
        signature = (first_name, last_name, email, *, phone = None, roles = RoleList::default(), scopes = ScopeList::default(), groups = GroupList::default(), active = true, password = None, temporary = true, teams = ScopeList::default(), grants = GrantList::default(), external_id = None),
        text_signature = "(first_name, last_name, email, *, phone=None, roles=(), scopes=(), groups=(), active=True, password=None, temporary=True, teams=(), grants=(), external_id=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn new(
        first_name: String,
        last_name: String,
        email: String,
        phone: Option<String>,
        roles: RoleList,
        scopes: ScopeList,
        groups: GroupList,
        active: bool,
        password: Option<SecretArg>,
        temporary: bool,
        teams: ScopeList,
        grants: GrantList,
        external_id: Option<String>,
    ) -> Self {
        let mut u = new_user(first_name, last_name, email, phone, roles, active);
        u.external_id = external_id;
        u.scopes = scopes.0;
        u.groups = groups.0;
        u.teams = teams.0;
        u.grants = grants.0;
        u.password = password.map(|p| p.0);
        u.temporary = temporary;
        PyNewUser(u)
    }
    /// First name.
    #[getter]
    fn first_name(&self) -> &str {
        &self.0.first_name
    }
    /// Last name.
    #[getter]
    fn last_name(&self) -> &str {
        &self.0.last_name
    }
    /// Email (the login).
    #[getter]
    fn email(&self) -> &str {
        &self.0.email
    }
    /// Phone, or None.
    #[getter]
    fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// External id (the user's id in the system it is provisioned from), or None.
    #[getter]
    fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }
    /// Ids of the roles to hold directly.
    #[getter]
    fn roles<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.0.roles.iter().map(|r| r.0))
    }
    /// Ids of the call groups / IVRs the user is restricted to (as `set_user_scopes`).
    #[getter]
    fn scopes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.0.scopes.iter().map(|s| s.0))
    }
    /// Ids of the groups to join (each a grant of the group's roles, as `add_member`).
    #[getter]
    fn groups<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.0.groups.iter().map(|g| g.0))
    }
    /// Ids of the teams to join (as `set_user_teams`).
    #[getter]
    fn teams<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.0.teams.iter().map(|s| s.0))
    }
    /// The roles to hold for one scope each (`ScopeGrant`s, as `grant_role_in_scope`).
    #[getter]
    fn grants<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.0.grants.iter().map(|g| PyScopeGrant(*g)))
    }
    /// Whether the user is created active.
    #[getter]
    fn active(&self) -> bool {
        self.0.active
    }
    /// Whether an initial password is given (the password itself is never readable).
    #[getter]
    fn has_password(&self) -> bool {
        self.0.password.is_some()
    }
    /// Whether the initial password is temporary, to be changed at first login (default
    /// True, as for every password set by someone else).
    #[getter]
    fn temporary(&self) -> bool {
        self.0.temporary
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let u = &self.0;
        Ok(format!(
            "NewUser(first_name={}, last_name={}, email={}, phone={}, roles={}, scopes={}, groups={}, active={}, password={}, temporary={}, teams={}, grants={})",
            repr_str(py, &u.first_name)?,
            repr_str(py, &u.last_name)?,
            repr_str(py, &u.email)?,
            repr_opt(py, u.phone.as_deref())?,
            repr_any(&self.roles(py)?)?,
            repr_any(&self.scopes(py)?)?,
            repr_any(&self.groups(py)?)?,
            py_bool(u.active),
            if u.password.is_some() { "'***'" } else { "None" },
            py_bool(u.temporary),
            repr_any(&self.teams(py)?)?,
            repr_any(&self.grants(py)?)?,
        ))
    }
}

/// A core `NewUser` (built from `NewUser::new`, so that fields the core adds later keep their
/// defaults).
pub(crate) fn new_user(
    first_name: String,
    last_name: String,
    email: String,
    phone: Option<String>,
    roles: RoleList,
    active: bool,
) -> NewUser {
    let mut u = NewUser::new(first_name, last_name, email);
    u.phone = phone;
    u.roles = roles.0;
    u.active = active;
    u
}

/// A `NewUser`, or a dict with its fields (`first_name`, `last_name`, `email`, and optionally
/// `phone`, `roles`, `scopes`, `groups`, `active`, `password`, `temporary`, `teams`, `grants`).
pub(crate) struct NewUserArg(pub NewUser);

impl<'a, 'py> FromPyObject<'a, 'py> for NewUserArg {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(u) = obj.cast::<PyNewUser>() {
            return Ok(NewUserArg(u.get().0.clone()));
        }
        let Ok(d) = obj.cast::<PyDict>() else {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "expected a rolecall.NewUser or a dict of its fields, not {}",
                type_name(&obj)
            )));
        };
        const KEYS: [&str; 13] = [
            "first_name",
            "last_name",
            "email",
            "phone",
            "roles",
            "scopes",
            "groups",
            "active",
            "password",
            "temporary",
            "teams",
            "grants",
            "external_id",
        ];
        for k in d.keys() {
            let known = k
                .extract::<String>()
                .is_ok_and(|k| KEYS.contains(&k.as_str()));
            if !known {
                return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                    "unexpected NewUser field {}",
                    repr_any(&k)?
                )));
            }
        }
        let need = |k: &str| -> PyResult<String> {
            d.get_item(k)?
                .ok_or_else(|| {
                    pyo3::exceptions::PyTypeError::new_err(format!("missing NewUser field {k:?}"))
                })?
                .extract()
        };
        let phone = match d.get_item("phone")? {
            Some(p) if !p.is_none() => Some(p.extract::<String>()?),
            _ => None,
        };
        let roles = match d.get_item("roles")? {
            Some(r) => r.extract::<RoleList>()?,
            None => RoleList::default(),
        };
        let active = match d.get_item("active")? {
            Some(a) => a.extract::<bool>()?,
            None => true,
        };
        let mut u = new_user(
            need("first_name")?,
            need("last_name")?,
            need("email")?,
            phone,
            roles,
            active,
        );
        if let Some(s) = d.get_item("scopes")? {
            u.scopes = s.extract::<ScopeList>()?.0;
        }
        if let Some(g) = d.get_item("groups")? {
            u.groups = g.extract::<GroupList>()?.0;
        }
        u.password = match d.get_item("password")? {
            Some(p) if !p.is_none() => Some(p.extract::<SecretArg>()?.0),
            _ => None,
        };
        if let Some(m) = d.get_item("temporary")? {
            u.temporary = m.extract::<bool>()?;
        }
        if let Some(t) = d.get_item("teams")? {
            u.teams = t.extract::<ScopeList>()?.0;
        }
        if let Some(g) = d.get_item("grants")? {
            u.grants = g.extract::<GrantList>()?.0;
        }
        u.external_id = match d.get_item("external_id")? {
            Some(x) if !x.is_none() => Some(x.extract::<String>()?),
            _ => None,
        };
        Ok(NewUserArg(u))
    }
}

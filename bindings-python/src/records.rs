//! The records of the directory as frozen Python classes: each wraps the core record, compares
//! by value (`==`), hashes by identity of the object it describes, and prints like a dataclass.
//! Timestamps are milliseconds since the Unix epoch, as in the core.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFrozenSet, PyIterator, PyString, PyTuple};
use rolecall::{
    Agreement, AuditEvent, Explanation, Grant, Group, NewUser, Page, PresetRole, Role, Scope,
    ScopeAccess, ScopeGrant, Tenant, TenantCreated, TenantSettings, User,
};

use crate::credentials::{PyAuditEvent, SecretArg};
use crate::errors::OrRaise;

use crate::convert::{
    enum_to_py, extract_items, kind_to_py, permission_to_py, type_name, GroupList, RoleArg,
    RoleList, ScopeArg, ScopeList, PRESET,
};

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

// ============================ Tenant ============================

/// A tenant: one customer account. Every other object belongs to exactly one tenant.
#[pyclass(frozen, eq, module = "rolecall", name = "Tenant")]
#[derive(PartialEq)]
pub struct PyTenant(pub Tenant);

#[pymethods]
impl PyTenant {
    /// Its id.
    #[getter]
    fn id(&self) -> u64 {
        self.0.id.0
    }
    /// Its display name.
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }
    /// The id of its superadministrator (the tenant's root user).
    #[getter]
    fn superadmin(&self) -> u64 {
        self.0.superadmin.0
    }
    /// Creation time, ms since the Unix epoch.
    #[getter]
    fn created_at(&self) -> i64 {
        self.0.created_at
    }
    fn __hash__(&self) -> u64 {
        hash_of("tenant", self.0.id.0)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Tenant(id={}, name={}, superadmin={}, created_at={})",
            self.0.id.0,
            repr_str(py, &self.0.name)?,
            self.0.superadmin.0,
            self.0.created_at
        ))
    }
}

/// What `Directory.create_tenant` created: the tenant, its superadministrator and the built-in
/// roles installed from the presets (in preset order).
#[pyclass(frozen, eq, module = "rolecall", name = "TenantCreated")]
#[derive(PartialEq)]
pub struct PyTenantCreated(pub TenantCreated);

#[pymethods]
impl PyTenantCreated {
    /// The new tenant's id.
    #[getter]
    fn tenant(&self) -> u64 {
        self.0.tenant.0
    }
    /// The id of its superadministrator.
    #[getter]
    fn superadmin(&self) -> u64 {
        self.0.superadmin.0
    }
    /// The ids of the built-in roles installed from the presets, in preset order.
    #[getter]
    fn roles<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.0.roles.iter().map(|r| r.0))
    }
    fn __hash__(&self) -> u64 {
        hash_of("tenant", self.0.tenant.0)
    }
    fn __repr__(&self) -> String {
        let roles: Vec<String> = self.0.roles.iter().map(|r| r.0.to_string()).collect();
        format!(
            "TenantCreated(tenant={}, superadmin={}, roles=({}{}))",
            self.0.tenant.0,
            self.0.superadmin.0,
            roles.join(", "),
            if roles.len() == 1 { "," } else { "" }
        )
    }
}

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
        signature = (first_name, last_name, email, *, phone = None, roles = RoleList::default(), scopes = ScopeList::default(), groups = GroupList::default(), active = true, password = None, temporary = true, teams = ScopeList::default(), grants = GrantList::default()),
        text_signature = "(first_name, last_name, email, *, phone=None, roles=(), scopes=(), groups=(), active=True, password=None, temporary=True, teams=(), grants=())"
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
    ) -> Self {
        let mut u = new_user(first_name, last_name, email, phone, roles, active);
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
        const KEYS: [&str; 12] = [
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
        Ok(NewUserArg(u))
    }
}

// ============================ Role ============================

/// A named permission set. Built-in roles come from a preset (`preset` is set, and `namespace`
/// is the preset's name) and cannot be edited or deleted; custom roles are in the `"custom"`
/// namespace. Names are unique per namespace (case-insensitively); `scoped` roles apply only to the holder's call groups / IVRs;
/// `admin_tier` roles are granted and changed by the superadministrator only.
#[pyclass(frozen, eq, module = "rolecall", name = "Role")]
#[derive(PartialEq)]
pub struct PyRole(pub Role);

#[pymethods]
impl PyRole {
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
    /// Its name, unique within its namespace (case-insensitively).
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }
    /// The namespace its name is unique in: `"custom"` for the tenant's own roles, else the
    /// name of the preset it was installed from (`"managers"`, `"role_model"`, `"dashboard"`).
    #[getter]
    fn namespace(&self) -> &'static str {
        self.0.namespace.name()
    }
    /// `namespace/name` (`"dashboard/Admin"`): unambiguous in the tenant, accepted by
    /// `Directory.role_by_name`.
    #[getter]
    fn qualified_name(&self) -> String {
        self.0.qualified_name()
    }
    /// What it grants.
    #[getter]
    fn permissions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        permission_to_py(py, self.0.permissions)
    }
    /// Whether its permissions apply only to the holder's assigned call groups / IVRs.
    #[getter]
    fn scoped(&self) -> bool {
        self.0.scoped
    }
    /// Whether it is administrator-tier.
    #[getter]
    fn admin_tier(&self) -> bool {
        self.0.admin_tier
    }
    /// The preset it was installed from (a built-in role), or None for a custom role.
    #[getter]
    fn preset<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.0
            .preset()
            .map(|p| enum_to_py(py, &PRESET, p.name()))
            .transpose()
    }
    /// Free text.
    #[getter]
    fn description(&self) -> &str {
        &self.0.description
    }
    /// Creation time, ms since the Unix epoch.
    #[getter]
    fn created_at(&self) -> i64 {
        self.0.created_at
    }
    fn __hash__(&self) -> u64 {
        hash_of("role", self.0.id.0)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let r = &self.0;
        Ok(format!(
            "Role(id={}, tenant={}, namespace={}, name={}, permissions={}, scoped={}, admin_tier={}, preset={})",
            r.id.0,
            r.tenant.0,
            repr_str(py, r.namespace.name())?,
            repr_str(py, &r.name)?,
            repr_any(&self.permissions(py)?)?,
            py_bool(r.scoped),
            py_bool(r.admin_tier),
            match self.preset(py)? {
                Some(p) => repr_any(&p)?,
                None => "None".to_owned(),
            },
        ))
    }
}

/// One role of a preset's catalogue, as the source spells it.
#[pyclass(frozen, eq, module = "rolecall", name = "PresetRole")]
#[derive(PartialEq)]
pub struct PyPresetRole(pub PresetRole);

#[pymethods]
impl PyPresetRole {
    /// The role's name.
    #[getter]
    fn name(&self) -> &'static str {
        self.0.name
    }
    /// Its exact permission set.
    #[getter]
    fn permissions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        permission_to_py(py, self.0.permissions)
    }
    /// Whether its permissions apply only to the holder's call groups / IVRs.
    #[getter]
    fn scoped(&self) -> bool {
        self.0.scoped
    }
    /// Whether it is administrator-tier.
    #[getter]
    fn admin_tier(&self) -> bool {
        self.0.admin_tier
    }
    /// The source's description.
    #[getter]
    fn description(&self) -> &'static str {
        self.0.description
    }
    fn __hash__(&self) -> u64 {
        let mut h = DefaultHasher::new();
        self.0.name.hash(&mut h);
        h.finish()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "PresetRole(name={}, permissions={}, scoped={}, admin_tier={})",
            repr_str(py, self.0.name)?,
            repr_any(&self.permissions(py)?)?,
            py_bool(self.0.scoped),
            py_bool(self.0.admin_tier),
        ))
    }
}

// ============================ Group ============================

/// A user group (004): a named set of roles that its members inherit.
#[pyclass(frozen, eq, module = "rolecall", name = "Group")]
#[derive(PartialEq)]
pub struct PyGroup(pub Group);

#[pymethods]
impl PyGroup {
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
    /// Its name, unique per tenant (case-insensitively).
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }
    /// Ids of the roles every member inherits.
    #[getter]
    fn roles<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyFrozenSet>> {
        frozenset(py, self.0.roles.iter().map(|r| r.0))
    }
    /// Creation time, ms since the Unix epoch.
    #[getter]
    fn created_at(&self) -> i64 {
        self.0.created_at
    }
    fn __hash__(&self) -> u64 {
        hash_of("group", self.0.id.0)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Group(id={}, tenant={}, name={}, roles={})",
            self.0.id.0,
            self.0.tenant.0,
            repr_str(py, &self.0.name)?,
            repr_any(&self.roles(py)?)?,
        ))
    }
}

// ============================ Scope ============================

/// A scope resource: a call group or an IVR (003), a queue, a campaign, a number (DID), a team
/// (a unit of users), or a kind the tenant defined. Scopes form a hierarchy per tenant
/// (`parent`): a right held for a scope applies to everything below it.
#[pyclass(frozen, eq, module = "rolecall", name = "Scope")]
#[derive(PartialEq)]
pub struct PyScope(pub Scope);

#[pymethods]
impl PyScope {
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
    /// Its kind: a `ScopeKind` member for a built-in kind, the plain str name of a
    /// tenant-defined kind (`"brand"`).
    #[getter]
    fn kind<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        kind_to_py(py, self.0.kind)
    }
    /// Its name (unique per tenant and kind).
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }
    /// The id of its parent scope, or None for a root.
    #[getter]
    fn parent(&self) -> Option<u64> {
        self.0.parent.map(|p| p.0)
    }
    fn __hash__(&self) -> u64 {
        hash_of("scope", self.0.id.0)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Scope(id={}, tenant={}, kind={}, name={}, parent={})",
            self.0.id.0,
            self.0.tenant.0,
            repr_any(&self.kind(py)?)?,
            repr_str(py, &self.0.name)?,
            opt_int(self.0.parent.map(|p| p.0)),
        ))
    }
}

/// Which scopes a user may see for a permission (003; of one kind with
/// `allowed_scopes(..., kind=...)`): all of them
/// (`ScopeAccess.ALL`, `is_all` true) or an explicit, possibly empty set
/// (`ScopeAccess.only(ids)`, `scopes` a frozenset; `is_none` true when empty). Test `is_all`
/// first, then push `scopes` into your own SQL filter: `scopes` of `ScopeAccess.ALL` raises
/// `InvalidInputError` (a None there would read as "no scopes"). The same shape as Rust's and
/// C's (`all` / `scopes`).
#[pyclass(frozen, eq, module = "rolecall", name = "ScopeAccess")]
#[derive(PartialEq)]
pub struct PyScopeAccess(pub ScopeAccess);

#[pymethods]
impl PyScopeAccess {
    /// Access to every call group and IVR of the tenant.
    #[classattr]
    #[pyo3(name = "ALL")]
    fn all() -> PyScopeAccess {
        PyScopeAccess(ScopeAccess::All)
    }
    /// Access to exactly these call groups / IVRs (ids or `Scope`s).
    #[staticmethod]
    fn only(scopes: ScopeList) -> PyScopeAccess {
        let mut v = scopes.0;
        v.sort();
        v.dedup();
        PyScopeAccess(ScopeAccess::Only(v))
    }
    /// True when every call group and IVR is visible.
    #[getter]
    fn is_all(&self) -> bool {
        self.0.is_all()
    }
    /// True when nothing is visible (an empty explicit set).
    #[getter]
    fn is_none(&self) -> bool {
        self.0.is_none()
    }
    /// The visible scope ids (a frozenset, empty when none). Raises `InvalidInputError` for
    /// `ScopeAccess.ALL`, which has no explicit set: test `is_all` first.
    #[getter]
    fn scopes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyFrozenSet>> {
        match self.0.scopes() {
            Some(v) => frozenset(py, v.iter().map(|s| s.0)),
            None => Err(rolecall::Error::InvalidArgument {
                what: "scopes",
                reason: "ScopeAccess.ALL allows every call group and IVR and has no explicit set: test is_all first".into(),
            })
            .or_raise(),
        }
    }
    /// Whether this access includes the call group / IVR `scope`.
    fn allows(&self, scope: crate::convert::ScopeArg) -> bool {
        self.0.allows(scope.0)
    }
    fn __contains__(&self, scope: crate::convert::ScopeArg) -> bool {
        self.0.allows(scope.0)
    }
    fn __hash__(&self) -> u64 {
        let mut h = DefaultHasher::new();
        match &self.0 {
            ScopeAccess::All => None::<&[rolecall::ScopeId]>.hash(&mut h),
            ScopeAccess::Only(v) => Some(v.as_slice()).hash(&mut h),
        }
        h.finish()
    }
    fn __repr__(&self) -> String {
        match &self.0 {
            ScopeAccess::All => "ScopeAccess.ALL".to_owned(),
            ScopeAccess::Only(v) => {
                let ids: Vec<String> = v.iter().map(|s| s.0.to_string()).collect();
                format!("ScopeAccess.only([{}])", ids.join(", "))
            }
        }
    }
}

// ============================ Agreement ============================

/// An agreement (contract) of a tenant (002), with its one Owner.
#[pyclass(frozen, eq, module = "rolecall", name = "Agreement")]
#[derive(PartialEq)]
pub struct PyAgreement(pub Agreement);

#[pymethods]
impl PyAgreement {
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
    /// Its name or number.
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }
    /// The id of its Owner.
    #[getter]
    fn owner(&self) -> u64 {
        self.0.owner.0
    }
    /// Creation time, ms since the Unix epoch.
    #[getter]
    fn created_at(&self) -> i64 {
        self.0.created_at
    }
    fn __hash__(&self) -> u64 {
        hash_of("agreement", self.0.id.0)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Agreement(id={}, tenant={}, name={}, owner={})",
            self.0.id.0,
            self.0.tenant.0,
            repr_str(py, &self.0.name)?,
            self.0.owner.0,
        ))
    }
}

// ============================ explain ============================

/// One reason a user holds (part of) a permission: a role, held directly or through a group.
#[pyclass(frozen, eq, module = "rolecall", name = "Grant")]
#[derive(PartialEq)]
pub struct PyGrant(pub Grant);

#[pymethods]
impl PyGrant {
    /// The id of the granting role.
    #[getter]
    fn role(&self) -> u64 {
        self.0.role.0
    }
    /// The role's name.
    #[getter]
    fn role_name(&self) -> &str {
        &self.0.role_name
    }
    /// The role's namespace (`"custom"` or its preset's name).
    #[getter]
    fn role_namespace(&self) -> &'static str {
        self.0.role_namespace.name()
    }
    /// The id of the group through which the user holds the role, or None when held directly.
    #[getter]
    fn via_group(&self) -> Option<u64> {
        self.0.via_group.map(|g| g.0)
    }
    /// Whether the role is scope-restricted.
    #[getter]
    fn scoped(&self) -> bool {
        self.0.scoped
    }
    /// The id of the scope the role is granted for (`grant_role_in_scope`; it applies below
    /// it too), or None for a role held for the whole tenant (or, when `scoped`, for the
    /// user's assigned call groups / IVRs).
    #[getter]
    fn scope(&self) -> Option<u64> {
        self.0.scope.map(|s| s.0)
    }
    /// The part of the asked permission this role grants.
    #[getter]
    fn grants<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        permission_to_py(py, self.0.grants)
    }
    fn __hash__(&self) -> u64 {
        let mut h = DefaultHasher::new();
        (
            self.0.role.0,
            self.0.via_group.map(|g| g.0),
            self.0.scope.map(|s| s.0),
        )
            .hash(&mut h);
        h.finish()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Grant(role={}, role_namespace={}, role_name={}, via_group={}, scoped={}, scope={}, grants={})",
            self.0.role.0,
            repr_str(py, self.0.role_namespace.name())?,
            repr_str(py, &self.0.role_name)?,
            opt_int(self.0.via_group.map(|g| g.0)),
            py_bool(self.0.scoped),
            opt_int(self.0.scope.map(|s| s.0)),
            repr_any(&self.grants(py)?)?,
        ))
    }
}

/// Why a check answers as it does: the decision, and every role (held directly or through a
/// group) granting part of the permission.
#[pyclass(frozen, eq, module = "rolecall", name = "Explanation")]
#[derive(PartialEq)]
pub struct PyExplanation(pub Explanation);

#[pymethods]
impl PyExplanation {
    /// The user asked about.
    #[getter]
    fn user(&self) -> u64 {
        self.0.user.0
    }
    /// The permission asked about.
    #[getter]
    fn permission<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        permission_to_py(py, self.0.permission)
    }
    /// The answer of `Directory.check`.
    #[getter]
    fn allowed(&self) -> bool {
        self.0.allowed
    }
    /// The user is the superadministrator (holds every right).
    #[getter]
    fn superadmin(&self) -> bool {
        self.0.superadmin
    }
    /// The user is inactive (holds nothing).
    #[getter]
    fn inactive(&self) -> bool {
        self.0.inactive
    }
    /// The roles granting part of the permission.
    #[getter]
    fn grants<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.0.grants.iter().cloned().map(PyGrant))
    }
    fn __bool__(&self) -> bool {
        self.0.allowed
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Explanation(user={}, permission={}, allowed={}, superadmin={}, inactive={}, grants={})",
            self.0.user.0,
            repr_any(&self.permission(py)?)?,
            py_bool(self.0.allowed),
            py_bool(self.0.superadmin),
            py_bool(self.0.inactive),
            repr_any(&self.grants(py)?)?,
        ))
    }
}

// ============================ Page ============================

/// The items of a page: users (`search_users`) or audit events (`audit_events`).
#[derive(PartialEq)]
pub enum PageOf {
    Users(Page<User>),
    Audit(Page<AuditEvent>),
}

/// One page of results: `items` (iterate the page itself, or `len(page)`), `total` matches in
/// all, and the `offset` this page starts at. `Page[User]` from `search_users`,
/// `Page[AuditEvent]` from `audit_events`.
#[pyclass(frozen, eq, module = "rolecall", name = "Page")]
#[derive(PartialEq)]
pub struct PyPage(pub PageOf);

impl From<Page<User>> for PyPage {
    fn from(p: Page<User>) -> Self {
        PyPage(PageOf::Users(p))
    }
}

impl From<Page<AuditEvent>> for PyPage {
    fn from(p: Page<AuditEvent>) -> Self {
        PyPage(PageOf::Audit(p))
    }
}

impl PyPage {
    fn total_offset(&self) -> (usize, usize) {
        match &self.0 {
            PageOf::Users(p) => (p.total, p.offset),
            PageOf::Audit(p) => (p.total, p.offset),
        }
    }
}

#[pymethods]
impl PyPage {
    /// The records of this page.
    #[getter]
    fn items<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        match &self.0 {
            PageOf::Users(p) => PyTuple::new(py, p.items.iter().cloned().map(PyUser)),
            PageOf::Audit(p) => PyTuple::new(py, p.items.iter().cloned().map(PyAuditEvent)),
        }
    }
    /// How many records match in all.
    #[getter]
    fn total(&self) -> usize {
        self.total_offset().0
    }
    /// The offset this page starts at.
    #[getter]
    fn offset(&self) -> usize {
        self.total_offset().1
    }
    /// `Page[User]`, `Page[AuditEvent]`: the page type is generic for type checkers.
    #[classmethod]
    fn __class_getitem__<'py>(
        cls: &Bound<'py, pyo3::types::PyType>,
        item: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = cls.py();
        py.import("types")?
            .getattr("GenericAlias")?
            .call1((cls, item))
    }
    fn __len__(&self) -> usize {
        match &self.0 {
            PageOf::Users(p) => p.items.len(),
            PageOf::Audit(p) => p.items.len(),
        }
    }
    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyIterator>> {
        self.items(py)?.as_any().try_iter()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let (total, offset) = self.total_offset();
        Ok(format!(
            "Page(items={}, total={}, offset={})",
            repr_any(&self.items(py)?)?,
            total,
            offset
        ))
    }
}

// ============================ TenantSettings ============================

/// A tenant's options, set by its superadministrator with `Directory.set_tenant_settings` and
/// read with `Directory.tenant_settings`. Build one with keyword arguments; the defaults are
/// the sources' rules as written.
///
/// - `strict_agreement_levels`: the stricter reading of 002, nobody sets a level on a product
///   above its own level on that product (default False: a CORE Administrator sets User or
///   Administrator, and the Owner No access, User or Administrator, on every product).
/// - `phone_region`: the region (ISO 3166-1 alpha-2, such as "US") that phone numbers typed
///   without a country code are read in; None accepts only international numbers.
#[pyclass(frozen, eq, module = "rolecall", name = "TenantSettings")]
#[derive(PartialEq)]
pub struct PyTenantSettings(pub TenantSettings);

#[pymethods]
impl PyTenantSettings {
    #[new]
    #[pyo3(signature = (*, strict_agreement_levels = false, phone_region = None))]
    fn new(strict_agreement_levels: bool, phone_region: Option<String>) -> Self {
        let mut s = TenantSettings::default();
        s.strict_agreement_levels = strict_agreement_levels;
        s.phone_region = phone_region;
        PyTenantSettings(s)
    }
    /// Whether nobody sets an agreement level above its own level on that product.
    #[getter]
    fn strict_agreement_levels(&self) -> bool {
        self.0.strict_agreement_levels
    }
    /// The default region of national phone numbers, or None.
    #[getter]
    fn phone_region(&self) -> Option<&str> {
        self.0.phone_region.as_deref()
    }
    fn __hash__(&self) -> u64 {
        let mut h = DefaultHasher::new();
        (self.0.strict_agreement_levels, &self.0.phone_region).hash(&mut h);
        h.finish()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "TenantSettings(strict_agreement_levels={}, phone_region={})",
            py_bool(self.0.strict_agreement_levels),
            repr_opt(py, self.0.phone_region.as_deref())?
        ))
    }
}

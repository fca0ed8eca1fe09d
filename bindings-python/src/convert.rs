//! Python values to core values and back. Conversions only: every rule stays in the core.
//!
//! - Ids are Python ints (0 to 2**64 - 1). Where an id is expected, the matching record is
//!   accepted too (a `User` where a user id is expected, ...); `bool` is refused.
//! - A permission is a `rolecall.Permission` (an `enum.IntFlag`), a plain int holding
//!   catalogue bits, or one exact dotted name (`"campaigns.view"`), looked up by the core.
//!   Where a permission *set* is expected, an iterable of those is accepted too.
//! - Products, access levels, scope kinds and presets are their `rolecall` enum members or their
//!   snake_case names, parsed by the core (products and levels also take their stable numbers).
//!   A scope kind may also be a tenant-defined kind's name (`"brand"`), validated by the core;
//!   kinds come back as `ScopeKind` members when built in, as plain str when tenant-defined.

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use pyo3::exceptions::{PyOverflowError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyInt, PyList, PyMemoryView, PyString, PyTuple, PyType};
use rolecall::{
    AccessLevel, AgreementId, Error, GroupId, Permission, Preset, Product, RoleId, ScopeId,
    ScopeKind, TenantId, UserId,
};

use crate::errors::OrRaise;
use crate::records::{PyAgreement, PyGroup, PyRole, PyScope, PyTenant, PyUser};

/// The Python type name of `obj`, for error messages (never its value: it may be huge).
pub(crate) fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".to_owned())
}

/// The bits of an int whose value fits a C `long` (read with `PyLong_AsLong`, which on CPython
/// decodes the int's digits directly, where `u64` goes through `_PyLong_AsByteArray` for any
/// value of 2**30 or more), else of any int up to 2**128 - 1 ([`int_bits`]). Negative or larger
/// ints raise `OverflowError`.
fn int_value(obj: &Bound<'_, PyAny>) -> PyResult<u128> {
    if let Ok(v) = obj.extract::<isize>() {
        if let Ok(v) = u64::try_from(v) {
            return Ok(u128::from(v));
        }
    }
    int_bits(obj)
}

/// A raw id from a Python int; `Ok(None)` when `obj` is not an int. Ids are read as `u64`
/// (`PyLong_AsUnsignedLongLong`), the fastest read for the small ints ids usually are.
#[inline]
fn int_id(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Option<u64>> {
    if !obj.is_instance_of::<PyInt>() {
        return Ok(None);
    }
    if obj.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be an int, not bool"
        )));
    }
    match obj.extract::<u64>() {
        Ok(v) => Ok(Some(v)),
        Err(_) => Err(PyOverflowError::new_err(format!(
            "{what} out of range: ids are 0 to 2**64 - 1"
        ))),
    }
}

/// A raw id from an integer-like object (`__index__`, e.g. a NumPy integer); `Ok(None)` when
/// `obj` has no `__index__` (floats and strings do not).
fn index_id(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Option<u64>> {
    if obj.is_instance_of::<PyString>() || !obj.hasattr(pyo3::intern!(obj.py(), "__index__"))? {
        return Ok(None);
    }
    let v = obj.call_method0(pyo3::intern!(obj.py(), "__index__"))?;
    int_id(&v, what)
}

macro_rules! id_arg {
    ($(#[$doc:meta])* $arg:ident, $id:ident, $rec:ty, $record:literal, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy)]
        pub(crate) struct $arg(pub $id);

        impl<'a, 'py> FromPyObject<'a, 'py> for $arg {
            type Error = PyErr;

            #[inline]
            fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
                // The common case first: an exact int (one pointer comparison; a bool is
                // not an exact int), read as u64.
                if let Ok(i) = obj.cast_exact::<PyInt>() {
                    if let Ok(v) = i.extract::<u64>() {
                        return Ok($arg($id(v)));
                    }
                }
                if let Some(v) = int_id(&obj, $what)? {
                    return Ok($arg($id(v)));
                }
                if let Ok(r) = obj.cast::<$rec>() {
                    return Ok($arg(r.get().0.id));
                }
                if let Some(v) = index_id(&obj, $what)? {
                    return Ok($arg($id(v)));
                }
                Err(PyTypeError::new_err(format!(
                    concat!($what, " must be an int or a rolecall.", $record, ", not {}"),
                    type_name(&obj)
                )))
            }
        }
    };
}

id_arg!(
    /// A user id, or a `User`.
    UserArg, UserId, PyUser, "User", "user id"
);
id_arg!(
    /// A role id, or a `Role`.
    RoleArg, RoleId, PyRole, "Role", "role id"
);
id_arg!(
    /// A group id, or a `Group`.
    GroupArg, GroupId, PyGroup, "Group", "group id"
);
id_arg!(
    /// A scope id, or a `Scope`.
    ScopeArg, ScopeId, PyScope, "Scope", "scope id"
);
id_arg!(
    /// An agreement id, or an `Agreement`.
    AgreementArg, AgreementId, PyAgreement, "Agreement", "agreement id"
);
id_arg!(
    /// A tenant id, or a `Tenant`.
    TenantArg, TenantId, PyTenant, "Tenant", "tenant id"
);

/// A list or tuple as a tuple (`None` for anything else). A list is copied by one C call
/// (`PyList_AsTuple`); the tuple's items are then read borrowed, without the two reference
/// count calls per item that iterating a list costs under the limited API, and a list changed
/// meanwhile (by an `__index__` a conversion calls) cannot change what is being read.
fn as_tuple<'py>(obj: &Bound<'py, PyAny>) -> Option<Bound<'py, PyTuple>> {
    if let Ok(list) = obj.cast::<PyList>() {
        return Some(list.to_tuple());
    }
    obj.cast::<PyTuple>().ok().cloned()
}

/// Every item of an iterable (not a str / bytes), converted.
pub(crate) fn extract_items<'py, T>(obj: &Bound<'py, PyAny>, what: &str) -> PyResult<Vec<T>>
where
    T: for<'a> FromPyObject<'a, 'py, Error = PyErr>,
{
    if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyBytes>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be an iterable, not {}",
            type_name(obj)
        )));
    }
    if let Some(tuple) = as_tuple(obj) {
        return tuple.iter_borrowed().map(|i| i.extract::<T>()).collect();
    }
    let iter = obj.try_iter().map_err(|_| {
        PyTypeError::new_err(format!(
            "{what} must be an iterable, not {}",
            type_name(obj)
        ))
    })?;
    iter.map(|i| i?.extract::<T>()).collect()
}

macro_rules! id_list {
    ($(#[$doc:meta])* $list:ident, $arg:ident, $id:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Default)]
        pub(crate) struct $list(pub Vec<$id>);

        impl<'a, 'py> FromPyObject<'a, 'py> for $list {
            type Error = PyErr;

            fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
                let items: Vec<$arg> = extract_items(&obj, $what)?;
                Ok($list(items.into_iter().map(|a| a.0).collect()))
            }
        }
    };
}

id_list!(
    /// An iterable of role ids (or `Role`s).
    RoleList, RoleArg, RoleId, "roles"
);
id_list!(
    /// An iterable of scope ids (or `Scope`s).
    ScopeList, ScopeArg, ScopeId, "scopes"
);
id_list!(
    /// An iterable of group ids (or `Group`s).
    GroupList, GroupArg, GroupId, "groups"
);
id_list!(
    /// An iterable of user ids (or `User`s).
    UserList, UserArg, UserId, "users"
);

// ============================ permissions ============================

/// The bits of a Python int, as the core's `u128`: the path of the ints [`int_value`] cannot
/// read with `PyLong_AsLong` (negative, or 2**63 and above).
fn int_bits(obj: &Bound<'_, PyAny>) -> PyResult<u128> {
    obj.extract::<u128>().map_err(|_| {
        PyOverflowError::new_err("permission bits out of range: must be 0 to 2**128 - 1")
    })
}

/// Bits to a core permission set; bits outside the catalogue are refused.
fn bits_to_permission(bits: u128) -> Result<Permission, Error> {
    Permission::from_bits(bits).ok_or_else(|| Error::UnknownPermission {
        name: format!("{bits:#x} (bits outside the catalogue)"),
    })
}

/// One permission argument (a `Permission`, its int bits, or one exact dotted name).
#[derive(Clone, Copy)]
pub(crate) struct Perm(pub Permission);

impl<'a, 'py> FromPyObject<'a, 'py> for Perm {
    type Error = PyErr;

    #[inline]
    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        single_permission(&obj)?.map(Perm).ok_or_else(|| {
            PyTypeError::new_err(format!(
                "permission must be a rolecall.Permission, an int or a dotted name (str), not {}",
                type_name(&obj)
            ))
        })
    }
}

/// The catalogue's `rolecall.Permission` members, recognised by identity: the common argument
/// of a check (`Permission.CAMPAIGNS_VIEW`) is then read without decoding an int at all, and
/// the members whose bits do not fit a C `long` skip the overflow of `PyLong_AsLong`.
///
/// Sound because the table holds a reference to every member it lists: while it lives (for the
/// life of the process), no other object can take one of those addresses. Any other object
/// (a plain int, a combination of members, a str) misses and takes the general path.
struct Members {
    /// Open addressing on the object's address: `(address, permission)`, address 0 for empty.
    slots: Box<[(usize, Permission)]>,
    _alive: Vec<Py<PyAny>>,
    /// Plain ints recognised by identity, as the members are (see [`exact_int_permission`]):
    /// open addressing on the object's address (0 for an empty slot, written last), at most
    /// [`INTS_KEPT`], never removed. Addresses alone, so that a miss reads one cache line.
    int_addrs: Box<[AtomicUsize]>,
    /// The permission bits of the int at the same index of `int_addrs` (low and high 64 bits,
    /// written before the address, never changed after).
    int_bits: Box<[(AtomicU64, AtomicU64)]>,
    /// The ints listed in `int_addrs`, kept alive so that no other object takes their address.
    kept: Mutex<Vec<Py<PyAny>>>,
    /// How many ints are kept (read without the lock, to skip it once full).
    kept_len: AtomicUsize,
}

/// How many distinct int objects are recognised by identity at most (constants an application
/// holds: a few per permission it checks). Past that, ints are decoded at every call.
const INTS_KEPT: usize = 256;

static MEMBERS: PyOnceLock<Members> = PyOnceLock::new();

impl Members {
    fn build(py: Python<'_>) -> Members {
        // If `rolecall._enums` cannot be imported (the native module used on its own), the
        // table stays empty: every permission then takes the general path, same answers.
        let members: Vec<(Py<PyAny>, Permission)> = rolecall::CATALOGUE
            .iter()
            .map(|(p, _)| permission_to_py(py, *p).map(|m| (m.unbind(), *p)))
            .collect::<PyResult<_>>()
            .unwrap_or_default();
        let mut slots =
            vec![(0usize, Permission::empty()); (members.len() * 2).next_power_of_two()];
        let mask = slots.len() - 1;
        for (m, p) in &members {
            let addr = m.as_ptr() as usize;
            let mut i = Self::slot(addr) & mask;
            while slots[i].0 != 0 && slots[i].0 != addr {
                i = (i + 1) & mask;
            }
            slots[i] = (addr, *p);
        }
        Members {
            slots: slots.into_boxed_slice(),
            _alive: members.into_iter().map(|(m, _)| m).collect(),
            int_addrs: (0..INTS_KEPT * 2).map(|_| AtomicUsize::new(0)).collect(),
            int_bits: (0..INTS_KEPT * 2)
                .map(|_| (AtomicU64::new(0), AtomicU64::new(0)))
                .collect(),
            kept: Mutex::new(Vec::new()),
            kept_len: AtomicUsize::new(0),
        }
    }

    /// The permission of a plain int seen before, by its address.
    #[inline]
    fn find_int(&self, addr: usize) -> Option<Permission> {
        let mask = self.int_addrs.len() - 1;
        let mut i = Self::slot(addr) & mask;
        loop {
            let a = self.int_addrs[i].load(Ordering::Acquire);
            if a == addr {
                let (lo, hi) = &self.int_bits[i];
                let bits = u128::from(lo.load(Ordering::Relaxed))
                    | (u128::from(hi.load(Ordering::Relaxed)) << 64);
                return Some(Permission::from_bits_retain(bits));
            }
            if a == 0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// Keeps `obj` (a plain int whose bits are `p`) to recognise it by identity next time,
    /// while fewer than [`INTS_KEPT`] are kept.
    fn remember_int(&self, obj: &Bound<'_, PyAny>, p: Permission) {
        if self.kept_len.load(Ordering::Relaxed) >= INTS_KEPT {
            return;
        }
        let Ok(mut kept) = self.kept.lock() else {
            return;
        };
        if kept.len() >= INTS_KEPT {
            return;
        }
        let addr = obj.as_ptr() as usize;
        let mask = self.int_addrs.len() - 1;
        let mut i = Self::slot(addr) & mask;
        loop {
            let a = self.int_addrs[i].load(Ordering::Acquire);
            if a == addr {
                return; // kept already
            }
            if a == 0 {
                break;
            }
            i = (i + 1) & mask;
        }
        kept.push(obj.clone().unbind());
        let bits = p.bits();
        let (lo, hi) = &self.int_bits[i];
        lo.store(bits as u64, Ordering::Relaxed);
        hi.store((bits >> 64) as u64, Ordering::Relaxed);
        self.int_addrs[i].store(addr, Ordering::Release);
        self.kept_len.store(kept.len(), Ordering::Relaxed);
    }

    #[inline]
    fn slot(addr: usize) -> usize {
        ((addr as u64 >> 4).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as usize
    }

    #[inline]
    fn find(&self, addr: usize) -> Option<Permission> {
        let mask = self.slots.len() - 1;
        let mut i = Self::slot(addr) & mask;
        loop {
            let (a, p) = self.slots[i];
            if a == addr {
                return Some(p);
            }
            if a == 0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }
}

/// The table of the catalogue's `Permission` members (built at the first use).
#[inline]
fn members(py: Python<'_>) -> &Members {
    MEMBERS.get_or_init(py, || Members::build(py))
}

/// The permission of `obj` when it is one of the catalogue's `Permission` members.
#[inline]
fn member_permission(obj: &Bound<'_, PyAny>) -> Option<Permission> {
    members(obj.py()).find(obj.as_ptr() as usize)
}

/// The permissions of the items of a tuple, one each.
fn each_permission(tuple: &Bound<'_, PyTuple>) -> PyResult<BatchPerms> {
    let members = members(tuple.py());
    tuple
        .iter_borrowed()
        .map(|i| match members.find(i.as_ptr() as usize) {
            Some(p) => Ok(p),
            None => i.extract::<Perm>().map(|p| p.0),
        })
        .collect::<PyResult<_>>()
        .map(BatchPerms::Each)
}

/// A plain int (exactly `int`) as a permission, as fast as a `Permission` member: the int
/// objects an application passes are usually its constants, the same objects call after call,
/// so the first ones seen (up to [`INTS_KEPT`]) are kept and recognised by their address next
/// time, as the members are. Sound for the same reason: a kept object's address cannot be
/// taken by another while it is kept (forever), and an int never changes value.
///
/// Otherwise the int is decoded ([`int_value`]): with `PyLong_AsLong` below 2**63; above, after
/// the `OverflowError` it raises (which costs more than the whole check: the reason the two
/// catalogue permissions there are best passed as constants or `Permission` members).
#[inline]
fn exact_int_permission(obj: &Bound<'_, PyAny>) -> PyResult<Permission> {
    let members = members(obj.py());
    if let Some(p) = members.find_int(obj.as_ptr() as usize) {
        return Ok(p);
    }
    let p = bits_to_permission(int_value(obj)?).or_raise()?;
    members.remember_int(obj, p);
    Ok(p)
}

/// `Ok(None)` when `obj` is neither an int nor a str.
#[inline]
fn single_permission(obj: &Bound<'_, PyAny>) -> PyResult<Option<Permission>> {
    // Plain ints first (a pointer comparison), then the catalogue's members (a probe by
    // address): both forms of the common argument take a few instructions.
    if obj.is_exact_instance_of::<PyInt>() {
        return exact_int_permission(obj).map(Some);
    }
    if let Some(p) = member_permission(obj) {
        return Ok(Some(p));
    }
    if obj.is_instance_of::<PyInt>() {
        // Int subclasses: `Permission` combinations (`Permission.A | Permission.B`), ...
        if obj.is_instance_of::<PyBool>() {
            return Err(PyTypeError::new_err(
                "permission must be a rolecall.Permission, an int or a dotted name (str), not bool",
            ));
        }
        return bits_to_permission(int_value(obj)?).or_raise().map(Some);
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Permission::by_name(&s.to_cow()?).or_raise().map(Some);
    }
    Ok(None)
}

/// A permission set argument: one permission (as [`Perm`]) or an iterable of them.
#[derive(Clone, Copy, Default)]
pub(crate) struct PermSet(pub Permission);

impl<'a, 'py> FromPyObject<'a, 'py> for PermSet {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Some(p) = single_permission(&obj)? {
            return Ok(PermSet(p));
        }
        let iter = obj.try_iter().map_err(|_| {
            PyTypeError::new_err(format!(
                "permissions must be a rolecall.Permission, an int, a dotted name (str) or an iterable of them, not {}",
                type_name(&obj)
            ))
        })?;
        let mut set = Permission::empty();
        for item in iter {
            set |= item?.extract::<Perm>()?.0;
        }
        Ok(PermSet(set))
    }
}

// ============================ enums ============================

/// The `rolecall` enum classes, imported once from the package's `_enums` module.
pub(crate) struct EnumClass {
    cell: PyOnceLock<Py<PyType>>,
    name: &'static str,
}

impl EnumClass {
    const fn new(name: &'static str) -> Self {
        EnumClass {
            cell: PyOnceLock::new(),
            name,
        }
    }

    pub(crate) fn get<'py>(&self, py: Python<'py>) -> PyResult<&Bound<'py, PyType>> {
        self.cell.import(py, "rolecall._enums", self.name)
    }
}

pub(crate) static PERMISSION: EnumClass = EnumClass::new("Permission");
pub(crate) static PRODUCT: EnumClass = EnumClass::new("Product");
pub(crate) static ACCESS_LEVEL: EnumClass = EnumClass::new("AccessLevel");
pub(crate) static SCOPE_KIND: EnumClass = EnumClass::new("ScopeKind");
pub(crate) static PRESET: EnumClass = EnumClass::new("Preset");

/// A core permission set as a `rolecall.Permission`.
pub(crate) fn permission_to_py(py: Python<'_>, p: Permission) -> PyResult<Bound<'_, PyAny>> {
    let bits = p.bits();
    let cls = PERMISSION.get(py)?;
    match u64::try_from(bits) {
        Ok(small) => cls.call1((small,)),
        Err(_) => cls.call1((bits,)),
    }
}

/// The name of an enum argument: a member of `class` (its value), or a str.
fn enum_name(obj: &Bound<'_, PyAny>, class: &EnumClass) -> PyResult<Option<String>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Some(s.to_cow()?.into_owned()));
    }
    if obj.is_instance(class.get(obj.py())?)? {
        return Ok(Some(obj.getattr("value")?.extract::<String>()?));
    }
    Ok(None)
}

fn enum_type_error(obj: &Bound<'_, PyAny>, class: &EnumClass, numbers: bool) -> PyErr {
    PyTypeError::new_err(format!(
        "expected a rolecall.{} or its name (str){}, not {}",
        class.name,
        if numbers { " or number" } else { "" },
        type_name(obj)
    ))
}

macro_rules! enum_arg {
    ($(#[$doc:meta])* $arg:ident, $ty:ident, $class:ident, $from_index:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy)]
        pub(crate) struct $arg(pub $ty);

        impl<'a, 'py> FromPyObject<'a, 'py> for $arg {
            type Error = PyErr;

            fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
                if let Some(name) = enum_name(&obj, &$class)? {
                    return $ty::from_str(&name).or_raise().map($arg);
                }
                let from_index: Option<fn(u32) -> Result<$ty, Error>> = $from_index;
                if let Some(from_index) = from_index {
                    if obj.is_instance_of::<PyInt>() && !obj.is_instance_of::<PyBool>() {
                        let i = obj.extract::<u32>().unwrap_or(u32::MAX);
                        return from_index(i).or_raise().map($arg);
                    }
                }
                Err(enum_type_error(&obj, &$class, from_index.is_some()))
            }
        }
    };
}

enum_arg!(
    /// A product: `Product`, its name or its stable number.
    ProductArg, Product, PRODUCT, Some(Product::from_index)
);
enum_arg!(
    /// An access level: `AccessLevel`, its name or its stable number.
    LevelArg, AccessLevel, ACCESS_LEVEL, Some(AccessLevel::from_index)
);
enum_arg!(
    /// A scope kind: `ScopeKind`, a built-in kind's name, or a tenant-defined kind's name
    /// (`"brand"`), parsed by the core (`ScopeKind::from_str`).
    KindArg, ScopeKind, SCOPE_KIND, None
);
enum_arg!(
    /// A preset: `Preset` or its name.
    PresetArg, Preset, PRESET, None
);

/// An enum member from its core name.
pub(crate) fn enum_to_py<'py>(
    py: Python<'py>,
    class: &EnumClass,
    name: &str,
) -> PyResult<Bound<'py, PyAny>> {
    class.get(py)?.call1((name,))
}

/// A scope kind as Python sees it: the `ScopeKind` member of a built-in kind, the plain str
/// name of a tenant-defined one.
pub(crate) fn kind_to_py(py: Python<'_>, kind: ScopeKind) -> PyResult<Bound<'_, PyAny>> {
    match kind {
        ScopeKind::Custom(c) => Ok(PyString::new(py, c.as_str()).into_any()),
        built_in => enum_to_py(py, &SCOPE_KIND, built_in.name()),
    }
}

/// Every built-in scope kind. The match is exhaustive, so a kind added to the core fails to
/// compile here instead of silently missing from Python.
pub(crate) fn all_scope_kinds() -> [ScopeKind; 6] {
    let all = ScopeKind::BUILT_IN;
    for k in all {
        match k {
            ScopeKind::CallGroup
            | ScopeKind::Ivr
            | ScopeKind::Queue
            | ScopeKind::Campaign
            | ScopeKind::Number
            | ScopeKind::Team
            | ScopeKind::Custom(_) => {}
        }
    }
    all
}

// ============================ batches ============================

/// The user ids of a batch: a list / tuple / iterable of ids, or any object exposing the buffer
/// protocol with an integer format (`array.array("Q")`, a NumPy integer array, `bytes`, ...).
pub(crate) fn batch_users(obj: &Bound<'_, PyAny>) -> PyResult<Vec<UserId>> {
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let items: Vec<UserArg> = extract_items(obj, "users")?;
        return Ok(items.into_iter().map(|u| u.0).collect());
    }
    if obj.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(
            "users must be a sequence or buffer of user ids, not str",
        ));
    }
    if let Some(raw) = buffer_ints(obj, "users")? {
        return Ok(raw.into_iter().map(UserId).collect());
    }
    let items: Vec<UserArg> = extract_items(obj, "users")?;
    Ok(items.into_iter().map(|u| u.0).collect())
}

/// The permissions of a batch: one permission for every user, or one per user.
pub(crate) enum BatchPerms {
    One(Permission),
    Each(Vec<Permission>),
}

pub(crate) fn batch_permissions(obj: &Bound<'_, PyAny>) -> PyResult<BatchPerms> {
    if let Some(p) = single_permission(obj)? {
        return Ok(BatchPerms::One(p));
    }
    if !(obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>()) {
        if let Some(raw) = buffer_ints(obj, "permissions")? {
            return raw
                .into_iter()
                .map(|b| bits_to_permission(u128::from(b)))
                .collect::<Result<Vec<_>, _>>()
                .or_raise()
                .map(BatchPerms::Each);
        }
    }
    if let Some(tuple) = as_tuple(obj) {
        return each_permission(&tuple);
    }
    let iter = obj.try_iter().map_err(|_| {
        PyTypeError::new_err(format!(
            "permissions must be one permission or a sequence of them, not {}",
            type_name(obj)
        ))
    })?;
    let mut out = Vec::new();
    for item in iter {
        out.push(item?.extract::<Perm>()?.0);
    }
    Ok(BatchPerms::Each(out))
}

/// The integers of a buffer-protocol object, or `None` when it has no buffer. Works on the
/// limited API (abi3) through `memoryview`: one copy of the raw bytes, then native decoding.
fn buffer_ints(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Option<Vec<u64>>> {
    let Ok(view) = PyMemoryView::from(obj) else {
        return Ok(None);
    };
    let ndim: usize = view.getattr("ndim")?.extract()?;
    if ndim > 1 {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a one-dimensional buffer, not {ndim}-dimensional"
        )));
    }
    let format: String = view.getattr("format")?.extract()?;
    let size: usize = view.getattr("itemsize")?.extract()?;
    let code = if cfg!(target_endian = "little") {
        format.trim_start_matches(['@', '=', '<'])
    } else {
        format.trim_start_matches(['@', '='])
    };
    let signed = match code {
        "b" | "h" | "i" | "l" | "q" | "n" => true,
        "B" | "H" | "I" | "L" | "Q" | "N" => false,
        _ => {
            return Err(PyTypeError::new_err(format!(
                "{what} buffer must hold integers (native or little-endian), not format {format:?}"
            )))
        }
    };
    if !matches!(size, 1 | 2 | 4 | 8) {
        return Err(PyTypeError::new_err(format!(
            "{what} buffer items of {size} bytes are not supported"
        )));
    }
    let bytes = view.call_method0("tobytes")?;
    let bytes = bytes.cast::<PyBytes>()?.as_bytes();
    // Native byte order (`tobytes` keeps it); one tight loop per item type.
    macro_rules! items {
        ($t:ty) => {
            bytes
                .chunks_exact(std::mem::size_of::<$t>())
                .map(|c| <$t>::from_ne_bytes(c.try_into().unwrap_or_default()))
        };
    }
    let out: Option<Vec<u64>> = match (size, signed) {
        (1, false) => Some(items!(u8).map(u64::from).collect()),
        (2, false) => Some(items!(u16).map(u64::from).collect()),
        (4, false) => Some(items!(u32).map(u64::from).collect()),
        (8, false) => Some(items!(u64).collect()),
        (1, true) => items!(i8).map(|v| u64::try_from(v).ok()).collect(),
        (2, true) => items!(i16).map(|v| u64::try_from(v).ok()).collect(),
        (4, true) => items!(i32).map(|v| u64::try_from(v).ok()).collect(),
        _ => items!(i64).map(|v| u64::try_from(v).ok()).collect(),
    };
    match out {
        Some(out) => Ok(Some(out)),
        None => Err(PyOverflowError::new_err(format!(
            "{what} buffer holds a negative value"
        ))),
    }
}

//! Permissions, ids and enumerations, with their conversions to and from names. Names and
//! numbers all come from the core (`CATALOGUE`, `Product::ALL`, `from_index`, `FromStr`).

use std::ffi::{c_char, CStr};

use rolecall::{AccessLevel, Error, Permission, Preset, Product, ScopeKind};

use crate::generated::PERMISSIONS;
use crate::status::{boundary_or, rolecall_status, FfiError, FfiResult};

/// Identifies a tenant (one customer account). Ids of every kind start at 1.
pub type rolecall_tenant_id = u64;
/// Identifies a user.
pub type rolecall_user_id = u64;
/// Identifies a role.
pub type rolecall_role_id = u64;
/// Identifies a user group.
pub type rolecall_group_id = u64;
/// Identifies a scope resource (a call group, IVR, queue, campaign, number, team, or a kind of
/// the tenant's own). Ids start at 1: 0 never names a scope (it means "none" / "a root" where
/// documented).
pub type rolecall_scope_id = u64;
/// Identifies an agreement (contract).
pub type rolecall_agreement_id = u64;

/// A set of permissions (a single permission is a set with one bit): bits 0 to 63 in `lo`,
/// 64 to 127 in `hi`. Bit numbers are stable (`ROLECALL_PERM_<NAME>_BIT`). Build one from the
/// `ROLECALL_PERM_<NAME>` constants, rolecall_permission_from_name() or
/// rolecall_permission_union(). Plain value: copy it freely.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct rolecall_permission {
    /// Bits 0 to 63.
    pub lo: u64,
    /// Bits 64 to 127.
    pub hi: u64,
}

impl rolecall_permission {
    /// The core's set (unknown bits kept: no user holds them, so checks on them are false).
    #[inline(always)]
    pub(crate) fn core(self) -> Permission {
        Permission::from_bits_retain(u128::from(self.lo) | (u128::from(self.hi) << 64))
    }
}

impl rolecall_permission {
    /// The core's set, refusing bits outside the catalogue: for sets that are stored (a
    /// role's permissions), where an unknown bit would be kept but never named.
    pub(crate) fn checked(self) -> FfiResult<Permission> {
        Ok(Permission::from_bits_checked(self.core().bits())?)
    }
}

impl From<Permission> for rolecall_permission {
    fn from(p: Permission) -> Self {
        let bits = p.bits();
        rolecall_permission {
            lo: bits as u64,
            hi: (bits >> 64) as u64,
        }
    }
}

/// A product of an agreement (002): one of the ROLECALL_PRODUCT_* constants.
pub type rolecall_product = u32;
/// System (CORE): managing roles and access on the agreement.
pub const ROLECALL_PRODUCT_CORE: rolecall_product = 0;
/// Telephony.
pub const ROLECALL_PRODUCT_TELEPHONY: rolecall_product = 1;
/// Virtual PBX.
pub const ROLECALL_PRODUCT_VIRTUAL_PBX: rolecall_product = 2;
/// Automated calls.
pub const ROLECALL_PRODUCT_AUTOMATED_CALLS: rolecall_product = 3;
/// Chatbots.
pub const ROLECALL_PRODUCT_CHATBOTS: rolecall_product = 4;
/// Integrations and API.
pub const ROLECALL_PRODUCT_INTEGRATIONS_API: rolecall_product = 5;
/// Contact Center AI.
pub const ROLECALL_PRODUCT_CONTACT_CENTER_AI: rolecall_product = 6;

/// An access level on a product of an agreement (002), ordered: one of ROLECALL_LEVEL_*.
pub type rolecall_access_level = u32;
/// No access.
pub const ROLECALL_LEVEL_NO_ACCESS: rolecall_access_level = 0;
/// User.
pub const ROLECALL_LEVEL_USER: rolecall_access_level = 1;
/// Administrator.
pub const ROLECALL_LEVEL_ADMINISTRATOR: rolecall_access_level = 2;
/// Owner (exactly one per agreement, appointed at creation).
pub const ROLECALL_LEVEL_OWNER: rolecall_access_level = 3;

/// A role preset (the role catalogue of one product family): one of ROLECALL_PRESET_*.
pub type rolecall_preset = u32;
/// 000 "Managers": Admin, Manager, Operator, Viewer, Service.
pub const ROLECALL_PRESET_MANAGERS: rolecall_preset = 0;
/// 001 "Role model": eleven roles.
pub const ROLECALL_PRESET_ROLE_MODEL: rolecall_preset = 1;
/// 003 "Dashboard access": Admin, Supervisor, Accountant, Technical.
pub const ROLECALL_PRESET_DASHBOARD: rolecall_preset = 2;

/// The kind of a scope resource: one of ROLECALL_SCOPE_KIND_* (the core's stable codes), or
/// ROLECALL_SCOPE_KIND_CUSTOM for a kind the tenant defined, which has a name but no code: the
/// scope record's `kind_name` names it, and functions taking a kind by name
/// (rolecall_scope_create_of_kind(), rolecall_allowed_scopes_of_kind()) accept it.
pub type rolecall_scope_kind = u32;
/// A call group (routing group).
pub const ROLECALL_SCOPE_KIND_CALL_GROUP: rolecall_scope_kind = 0;
/// An IVR.
pub const ROLECALL_SCOPE_KIND_IVR: rolecall_scope_kind = 1;
/// A contact-center queue.
pub const ROLECALL_SCOPE_KIND_QUEUE: rolecall_scope_kind = 2;
/// An outbound campaign.
pub const ROLECALL_SCOPE_KIND_CAMPAIGN: rolecall_scope_kind = 3;
/// A phone number (DID).
pub const ROLECALL_SCOPE_KIND_NUMBER: rolecall_scope_kind = 4;
/// A unit of users (team, site, department): the only kind users are members of.
pub const ROLECALL_SCOPE_KIND_TEAM: rolecall_scope_kind = 5;
/// A kind the tenant defined (`[a-z][a-z0-9_]{0,23}`, not a built-in name): never a code of
/// its own; read the scope record's `kind_name`. Refused where a built-in code is required
/// (rolecall_scope_create(), rolecall_scope_create_under()).
pub const ROLECALL_SCOPE_KIND_CUSTOM: rolecall_scope_kind = 0xFFFF_FFFF;

pub(crate) fn product(p: rolecall_product) -> FfiResult<Product> {
    Ok(Product::from_index(p)?)
}

pub(crate) fn level(l: rolecall_access_level) -> FfiResult<AccessLevel> {
    Ok(AccessLevel::from_index(l)?)
}

pub(crate) fn preset(p: rolecall_preset) -> FfiResult<Preset> {
    Preset::ALL.get(p as usize).copied().ok_or_else(|| {
        FfiError::Core(Error::UnknownPreset {
            name: p.to_string(),
        })
    })
}

pub(crate) fn preset_code(p: Preset) -> rolecall_preset {
    Preset::ALL.iter().position(|q| *q == p).unwrap_or(0) as rolecall_preset
}

/// The built-in kind of a code (ROLECALL_SCOPE_KIND_CUSTOM is refused: it has no name).
pub(crate) fn scope_kind(k: rolecall_scope_kind) -> FfiResult<ScopeKind> {
    ScopeKind::from_code(k).ok_or_else(|| {
        FfiError::Core(Error::InvalidArgument {
            what: "scope kind",
            reason: if k == ROLECALL_SCOPE_KIND_CUSTOM {
                "a custom kind is given by its name (rolecall_scope_create_of_kind)".to_owned()
            } else {
                format!("{k} is not the code of a built-in scope kind")
            },
        })
    })
}

/// The code of a kind: its built-in code, or ROLECALL_SCOPE_KIND_CUSTOM.
pub(crate) fn scope_kind_code(k: ScopeKind) -> rolecall_scope_kind {
    k.code().unwrap_or(ROLECALL_SCOPE_KIND_CUSTOM)
}

/// A static NUL-terminated copy of one of the core's static names. The set of such names is
/// small and fixed (enumeration and permission names), so each is copied once and kept.
fn static_name(s: &'static str) -> *const c_char {
    use std::sync::{Mutex, PoisonError};
    static NAMES: Mutex<Vec<(&'static str, &'static CStr)>> = Mutex::new(Vec::new());
    let mut names = NAMES.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, c)) = names.iter().find(|(n, _)| *n == s) {
        return c.as_ptr();
    }
    let c: &'static CStr = Box::leak(
        std::ffi::CString::new(s)
            .unwrap_or_default()
            .into_boxed_c_str(),
    );
    names.push((s, c));
    c.as_ptr()
}

// ---------------------------------------------------------------- permissions

/// Looks one permission up by its dotted name (`"campaigns.view"`; exact and lowercase).
///
/// Errors: ROLECALL_STATUS_UNKNOWN_PERMISSION for a name not in the catalogue.
/// Safety: `name` is a NUL-terminated string; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_permission_from_name(
    name: *const c_char,
    out: *mut rolecall_permission,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        out.write(Permission::by_name(text!(name))?.into());
        Ok(())
    })
}

/// Parses a set: one dotted name, or several joined by `|` or `,` (`"a.view|b.edit"`).
///
/// Errors: ROLECALL_STATUS_UNKNOWN_PERMISSION when a name is not in the catalogue.
/// Safety: `text` is a NUL-terminated string; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_permission_parse(
    text: *const c_char,
    out: *mut rolecall_permission,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        out.write(text!(text).parse::<Permission>()?.into());
        Ok(())
    })
}

/// The dotted name of a single permission, or NULL for an empty set, a set of several, or a
/// bit outside the catalogue.
///
/// Returns a static string (never free it). Thread-safe; never fails.
#[no_mangle]
pub extern "C" fn rolecall_permission_name(perm: rolecall_permission) -> *const c_char {
    boundary_or(std::ptr::null(), || {
        let p = perm.core();
        Ok(PERMISSIONS
            .iter()
            .find(|(bit, _, _)| p.bits() == 1u128 << bit)
            .map_or(std::ptr::null(), |(_, _, name)| name.as_ptr()))
    })
}

/// The union of two sets (`a | b`).
///
/// Thread-safe; never fails.
#[no_mangle]
pub extern "C" fn rolecall_permission_union(
    a: rolecall_permission,
    b: rolecall_permission,
) -> rolecall_permission {
    rolecall_permission {
        lo: a.lo | b.lo,
        hi: a.hi | b.hi,
    }
}

/// Whether `set` holds every permission of `perm` (false for an empty `perm`).
///
/// Thread-safe; never fails.
#[no_mangle]
pub extern "C" fn rolecall_permission_contains(
    set: rolecall_permission,
    perm: rolecall_permission,
) -> bool {
    boundary_or(false, || {
        let p = perm.core();
        Ok(!p.is_empty() && set.core().contains(p))
    })
}

/// Writes the dotted names of the permissions of `perm`, in catalogue order, joined by `|`,
/// into `buf` (NUL-terminated; `"(none)"` for the empty set).
///
/// `*needed` (optional, may be NULL) receives the size needed including the NUL, whatever the
/// outcome. Errors: ROLECALL_STATUS_BUFFER_TOO_SMALL (nothing written to `buf`) when `buf_len` is
/// smaller; ROLECALL_STATUS_NULL_POINTER when `buf` is NULL and `buf_len` is not 0.
/// Safety: `buf` points to `buf_len` writable bytes. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_permission_to_string(
    perm: rolecall_permission,
    buf: *mut c_char,
    buf_len: usize,
    needed: *mut usize,
) -> rolecall_status {
    ffi!({
        let text = perm.core().to_string();
        let len = text.len() + 1;
        if let Some(n) = crate::conv::opt_out(needed) {
            n.write(len);
        }
        if buf.is_null() && buf_len != 0 {
            return Err(FfiError::Null("buf"));
        }
        if buf_len < len {
            return Err(FfiError::BufferTooSmall {
                what: "the permission text",
                needed: len,
            });
        }
        let dst = crate::conv::out_array(buf.cast::<u8>(), len, "buf")?;
        for (i, b) in text.bytes().chain(std::iter::once(0)).enumerate() {
            dst.write(i, b);
        }
        Ok(())
    })
}

/// How many permissions the catalogue holds (ROLECALL_PERM_COUNT).
///
/// Thread-safe; never fails.
#[no_mangle]
pub extern "C" fn rolecall_catalogue_len() -> usize {
    boundary_or(0, || Ok(rolecall::CATALOGUE.len()))
}

/// Entry `index` (0-based, catalogue order: not bit order) of the permission catalogue: the permission and its
/// dotted name (static: never free it). Either out-parameter may be NULL.
///
/// Errors: ROLECALL_STATUS_INVALID_ARGUMENT when `index` is not below rolecall_catalogue_len().
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_catalogue_get(
    index: usize,
    perm: *mut rolecall_permission,
    name: *mut *const c_char,
) -> rolecall_status {
    ffi!({
        let Some((p, n)) = rolecall::CATALOGUE.get(index) else {
            return Err(Error::InvalidArgument {
                what: "catalogue index",
                reason: format!("{index} is not below {}", rolecall::CATALOGUE.len()),
            }
            .into());
        };
        if let Some(o) = crate::conv::opt_out(perm) {
            o.write((*p).into());
        }
        if let Some(o) = crate::conv::opt_out(name) {
            o.write(static_name(n));
        }
        Ok(())
    })
}

// ---------------------------------------------------------------- enumerations

/// Looks up a product by its stable snake_case name (`"virtual_pbx"`).
///
/// Errors: ROLECALL_STATUS_UNKNOWN_PRODUCT.
///
/// Safety: `name` is a NUL-terminated string; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_product_from_name(
    name: *const c_char,
    out: *mut rolecall_product,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let parse: fn(&str) -> FfiResult<rolecall_product> =
            |s| Ok(s.parse::<Product>()? as rolecall_product);
        out.write(parse(text!(name))?);
        Ok(())
    })
}

/// The stable snake_case name of a product, or NULL for an unknown value.
///
/// Returns a static string (never free it). Thread-safe; never fails.
#[no_mangle]
pub extern "C" fn rolecall_product_name(value: rolecall_product) -> *const c_char {
    let to_core: fn(rolecall_product) -> FfiResult<&'static str> =
        |v| product(v).map(Product::name);
    to_core(value).map_or(std::ptr::null(), static_name)
}

/// Looks up an access level by its stable snake_case name (`"administrator"`).
///
/// Errors: ROLECALL_STATUS_UNKNOWN_ACCESS_LEVEL.
///
/// Safety: `name` is a NUL-terminated string; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_access_level_from_name(
    name: *const c_char,
    out: *mut rolecall_access_level,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let parse: fn(&str) -> FfiResult<rolecall_access_level> =
            |s| Ok(s.parse::<AccessLevel>()? as rolecall_access_level);
        out.write(parse(text!(name))?);
        Ok(())
    })
}

/// The stable snake_case name of an access level, or NULL for an unknown value.
///
/// Returns a static string (never free it). Thread-safe; never fails.
#[no_mangle]
pub extern "C" fn rolecall_access_level_name(value: rolecall_access_level) -> *const c_char {
    let to_core: fn(rolecall_access_level) -> FfiResult<&'static str> =
        |v| level(v).map(AccessLevel::name);
    to_core(value).map_or(std::ptr::null(), static_name)
}

/// Looks up a preset by its stable name (`"managers"`, `"role_model"`, `"dashboard"`).
///
/// Errors: ROLECALL_STATUS_UNKNOWN_PRESET.
///
/// Safety: `name` is a NUL-terminated string; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_preset_from_name(
    name: *const c_char,
    out: *mut rolecall_preset,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let parse: fn(&str) -> FfiResult<rolecall_preset> =
            |s| Ok(preset_code(s.parse::<Preset>()?));
        out.write(parse(text!(name))?);
        Ok(())
    })
}

/// The stable snake_case name of a preset, or NULL for an unknown value.
///
/// Returns a static string (never free it). Thread-safe; never fails.
#[no_mangle]
pub extern "C" fn rolecall_preset_name(value: rolecall_preset) -> *const c_char {
    let to_core: fn(rolecall_preset) -> FfiResult<&'static str> = |v| preset(v).map(Preset::name);
    boundary_or(std::ptr::null(), || {
        Ok(to_core(value).map_or(std::ptr::null(), static_name))
    })
}

/// Looks up a scope kind by its stable name (`"call_group"`, `"ivr"`, `"queue"`, `"campaign"`,
/// `"number"`, `"team"`); any other valid kind name (a custom kind: `[a-z][a-z0-9_]{0,23}`)
/// gives ROLECALL_SCOPE_KIND_CUSTOM.
///
/// Errors: ROLECALL_STATUS_INVALID_ARGUMENT for a name that is not a valid kind name.
///
/// Safety: `name` is a NUL-terminated string; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_scope_kind_from_name(
    name: *const c_char,
    out: *mut rolecall_scope_kind,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let parse: fn(&str) -> FfiResult<rolecall_scope_kind> =
            |s| Ok(scope_kind_code(s.parse::<ScopeKind>()?));
        out.write(parse(text!(name))?);
        Ok(())
    })
}

/// The stable snake_case name of a built-in scope kind, or NULL for an unknown value and for
/// ROLECALL_SCOPE_KIND_CUSTOM (a custom kind's name is in its scope record's `kind_name`).
///
/// Returns a static string (never free it). Thread-safe; never fails.
#[no_mangle]
pub extern "C" fn rolecall_scope_kind_name(value: rolecall_scope_kind) -> *const c_char {
    static BUILT_IN: [ScopeKind; 6] = ScopeKind::BUILT_IN;
    let name = BUILT_IN
        .iter()
        .find(|k| k.code() == Some(value))
        .map(ScopeKind::name);
    boundary_or(std::ptr::null(), || {
        Ok(name.map_or(std::ptr::null(), static_name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_catalogue_matches_the_core() {
        assert_eq!(PERMISSIONS.len(), rolecall::CATALOGUE.len());
        let names: Vec<(&str, Permission)> = Permission::all().iter_names().collect();
        for ((bit, konst, name), (p, n)) in PERMISSIONS.iter().zip(rolecall::CATALOGUE) {
            assert_eq!(name.to_str().unwrap(), *n, "same order as the catalogue");
            assert_eq!(p.bits(), 1u128 << bit, "{n}");
            assert!(names.contains(&(*konst, *p)), "{konst}");
        }
    }

    #[test]
    fn enumerations_follow_the_core() {
        for (i, p) in Product::ALL.iter().enumerate() {
            assert_eq!(product(i as u32).unwrap(), *p);
        }
        for (i, l) in AccessLevel::ALL.iter().enumerate() {
            assert_eq!(level(i as u32).unwrap(), *l);
        }
        for (i, p) in Preset::ALL.iter().enumerate() {
            assert_eq!(preset(i as u32).unwrap(), *p);
            assert_eq!(preset_code(*p), i as u32);
        }
        assert_eq!(scope_kind(0).unwrap(), ScopeKind::CallGroup);
        assert_eq!(scope_kind(1).unwrap(), ScopeKind::Ivr);
        let consts = [
            ROLECALL_PRODUCT_CORE,
            ROLECALL_PRODUCT_TELEPHONY,
            ROLECALL_PRODUCT_VIRTUAL_PBX,
            ROLECALL_PRODUCT_AUTOMATED_CALLS,
            ROLECALL_PRODUCT_CHATBOTS,
            ROLECALL_PRODUCT_INTEGRATIONS_API,
            ROLECALL_PRODUCT_CONTACT_CENTER_AI,
        ];
        for (c, p) in consts.iter().zip(Product::ALL) {
            assert_eq!(*c, p as u32);
        }
        let consts = [
            ROLECALL_LEVEL_NO_ACCESS,
            ROLECALL_LEVEL_USER,
            ROLECALL_LEVEL_ADMINISTRATOR,
            ROLECALL_LEVEL_OWNER,
        ];
        for (c, l) in consts.iter().zip(AccessLevel::ALL) {
            assert_eq!(*c, l as u32);
        }
        let consts = [
            ROLECALL_PRESET_MANAGERS,
            ROLECALL_PRESET_ROLE_MODEL,
            ROLECALL_PRESET_DASHBOARD,
        ];
        for (c, p) in consts.iter().zip(Preset::ALL) {
            assert_eq!(preset(*c).unwrap(), p);
        }
        let consts = [
            ROLECALL_SCOPE_KIND_CALL_GROUP,
            ROLECALL_SCOPE_KIND_IVR,
            ROLECALL_SCOPE_KIND_QUEUE,
            ROLECALL_SCOPE_KIND_CAMPAIGN,
            ROLECALL_SCOPE_KIND_NUMBER,
            ROLECALL_SCOPE_KIND_TEAM,
        ];
        assert_eq!(consts.len(), ScopeKind::BUILT_IN.len());
        for (c, k) in consts.iter().zip(ScopeKind::BUILT_IN) {
            assert_eq!(scope_kind(*c).unwrap(), k);
            assert_eq!(scope_kind_code(k), *c);
            let name = unsafe { CStr::from_ptr(rolecall_scope_kind_name(*c)) };
            assert_eq!(name.to_str().unwrap(), k.name());
        }
        let brand = ScopeKind::custom("brand").unwrap();
        assert_eq!(scope_kind_code(brand), ROLECALL_SCOPE_KIND_CUSTOM);
        assert!(scope_kind(ROLECALL_SCOPE_KIND_CUSTOM).is_err());
        assert!(rolecall_scope_kind_name(ROLECALL_SCOPE_KIND_CUSTOM).is_null());
        assert!(scope_kind(6).is_err() && preset(3).is_err() && product(7).is_err());
    }
}

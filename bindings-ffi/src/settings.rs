//! Tenant settings: the options a tenant's superadministrator sets (see
//! [`rolecall::TenantSettings`]), as a plain C struct with get / set / default functions like
//! the password policy's.

use std::ffi::c_char;

use rolecall::{Error, TenantId, TenantSettings, UserId};

use crate::directory::rolecall_directory;
use crate::status::{rolecall_status, FfiError, FfiResult};
use crate::types::*;

/// A tenant's options (plain value, no pointers). The defaults (rolecall_tenant_settings_default())
/// are the sources' rules as written.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct rolecall_tenant_settings {
    /// The stricter reading of 002: nobody sets an agreement level on a product above its own
    /// level on that product. Off by default: a CORE Administrator sets User or Administrator,
    /// and the Owner No access, User or Administrator, on every product of the agreement.
    pub strict_agreement_levels: bool,
    /// The region phone numbers typed without a country code are read in: an ISO 3166-1
    /// alpha-2 code in capitals, NUL-terminated (`"US"`), or the empty string for none (only
    /// international numbers, `+…`, are accepted then).
    pub phone_region: [c_char; 3],
}

/// The C form of the core's settings.
fn to_c(s: &TenantSettings) -> FfiResult<rolecall_tenant_settings> {
    let mut region = [0 as c_char; 3];
    let bytes = s.phone_region.as_deref().unwrap_or("").as_bytes();
    if bytes.len() >= region.len() {
        return Err(FfiError::BufferTooSmall {
            what: "rolecall_tenant_settings.phone_region",
            needed: bytes.len() + 1,
        });
    }
    for (d, b) in region.iter_mut().zip(bytes) {
        *d = *b as c_char;
    }
    Ok(rolecall_tenant_settings {
        strict_agreement_levels: s.strict_agreement_levels,
        phone_region: region,
    })
}

/// The core's settings from the C form.
fn from_c(s: &rolecall_tenant_settings) -> FfiResult<TenantSettings> {
    let raw: Vec<u8> = s.phone_region.iter().map(|c| *c as u8).collect();
    let Some(end) = raw.iter().position(|b| *b == 0) else {
        return Err(Error::InvalidArgument {
            what: "phone_region",
            reason: "must be NUL-terminated (at most 2 characters)".into(),
        }
        .into());
    };
    let region = std::str::from_utf8(&raw[..end])
        .map_err(|_| FfiError::Utf8("rolecall_tenant_settings.phone_region"))?;
    let mut out = TenantSettings::default();
    out.strict_agreement_levels = s.strict_agreement_levels;
    out.phone_region = (!region.is_empty()).then(|| region.to_owned());
    Ok(out)
}

/// A tenant's options, written into `*out`.
///
/// Errors: ROLECALL_STATUS_UNKNOWN_TENANT. Safety: `dir` is a live handle; `out` is writable.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_tenant_settings_get(
    dir: *const rolecall_directory,
    tenant: rolecall_tenant_id,
    out: *mut rolecall_tenant_settings,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let s = dir!(dir).tenant_settings(TenantId(tenant))?;
        out.write(to_c(&s)?);
        Ok(())
    })
}

/// The default tenant options, written into `*out` (a starting point for
/// rolecall_tenant_settings_set()).
///
/// Safety: `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_tenant_settings_default(
    out: *mut rolecall_tenant_settings,
) -> rolecall_status {
    ffi!({
        out!(out).write(to_c(&TenantSettings::default())?);
        Ok(())
    })
}

/// The superadministrator sets its tenant's options.
///
/// Errors: ROLECALL_STATUS_SUPERADMIN_ONLY, _INVALID_ARGUMENT (a malformed region, or one not
/// NUL-terminated), _ACTOR_INACTIVE, _UNKNOWN_USER. Safety: `dir` is a live handle;
/// `settings` a valid struct. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_tenant_settings_set(
    dir: *const rolecall_directory,
    actor: rolecall_user_id,
    settings: *const rolecall_tenant_settings,
) -> rolecall_status {
    ffi!({
        let d = dir!(dir);
        let s = from_c(input!(settings))?;
        // The C struct carries no separation-of-duty rules: the tenant's own are kept, in the
        // same change (they change with rolecall_sod_rule_add / rolecall_sod_rule_remove).
        d.set_tenant_options(UserId(actor), &s)?;
        Ok(())
    })
}

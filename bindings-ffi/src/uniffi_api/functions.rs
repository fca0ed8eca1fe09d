// Free functions: permission names, version, presets, scope kinds, the default policy.
// (Included into `uniffi_api.rs`, one module, by `include!`: the imports are there.)

// ---------------------------------------------------------------- functions

/// The dotted names of every permission of the catalogue, in catalogue order (not bit order).
#[uniffi::export]
pub fn permission_names() -> Vec<String> {
    rolecall::CATALOGUE
        .iter()
        .map(|(_, n)| (*n).to_owned())
        .collect()
}

/// The version of the library.
#[uniffi::export]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// The roles a preset installs, in the source's order.
#[uniffi::export]
pub fn preset_roles(preset: Preset) -> Vec<PresetRole> {
    preset.roles().iter().map(Into::into).collect()
}

/// The kind named `name`: a built-in kind's name (`"queue"`), or any other valid kind name as
/// `Custom` (`"brand"`).
///
/// # Errors
/// `invalid_argument` for a name that is not a valid kind name.
#[uniffi::export]
pub fn scope_kind_from_name(name: &str) -> R<ScopeKind> {
    Ok(name.parse::<rolecall::ScopeKind>()?.into())
}

/// The stable name of a kind (`"call_group"`, `"queue"`, a custom kind's own name).
///
/// # Errors
/// `invalid_argument` for a `Custom` name that is not a valid custom kind name.
#[uniffi::export]
pub fn scope_kind_name(kind: &ScopeKind) -> R<String> {
    Ok(kind.core()?.name().to_owned())
}

/// The password policy of a new tenant (the core's defaults).
#[uniffi::export]
pub fn default_password_policy() -> PasswordPolicy {
    PasswordPolicy::default()
}

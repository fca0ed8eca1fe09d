// The custom types: ids over `u64`, namespaces, actions and kinds by name, secrets.
// (Included into `uniffi_api.rs`, one module, by `include!`: the imports are there.)

// ---------------------------------------------------------------- custom types

// The ids: `u64` in the bindings, the core's newtypes here.
macro_rules! id_types {
    ($($(#[doc = $doc:literal])* $id:ident;)*) => {$(
        uniffi::custom_type!($(#[doc = $doc])* $id, u64, {
            remote,
            lower: |id| id.0,
            try_lift: |n| Ok($id(n)),
        });
    )*};
}

id_types! {
    /// Identifies a tenant.
    TenantId;
    /// Identifies a user.
    UserId;
    /// Identifies a role.
    RoleId;
    /// Identifies a user group.
    GroupId;
    /// Identifies a scope (call group, IVR, queue, campaign, number, team, custom kind).
    ScopeId;
    /// Identifies an agreement.
    AgreementId;
}

/// A set of permissions: the core's bit set here, its dotted names in catalogue order in the
/// bindings. An unknown name is refused with `unknown_permission`.
type Permissions = Permission;
uniffi::custom_type!(Permissions, Vec<String>, {
    remote,
    lower: |p| names(p),
    try_lift: |names| Ok(Permission::from_names(&names).map_err(RolecallError::from)?),
});

/// Role ids held by a user or a group: the core's ordered set, a list in id order in the
/// bindings.
type RoleSet = BTreeSet<RoleId>;
uniffi::custom_type!(RoleSet, Vec<RoleId>, {
    remote,
    lower: |set| set.into_iter().collect(),
    try_lift: |ids| Ok(ids.into_iter().collect()),
});

/// Scopes assigned to a user, or teams it is a member of: a list in id order in the bindings.
type ScopeSet = BTreeSet<ScopeId>;
uniffi::custom_type!(ScopeSet, Vec<ScopeId>, {
    remote,
    lower: |set| set.into_iter().collect(),
    try_lift: |ids| Ok(ids.into_iter().collect()),
});

/// Roles granted to a user per scope: a list in (role, scope) order in the bindings.
type ScopeGrantSet = BTreeSet<ScopeGrant>;
uniffi::custom_type!(ScopeGrantSet, Vec<ScopeGrant>, {
    remote,
    lower: |set| set.into_iter().collect(),
    try_lift: |grants| Ok(grants.into_iter().collect()),
});

/// A count, offset or size (`usize` in the core), `u64` in the bindings; a value beyond the
/// platform's `usize` reads as `usize::MAX` (a limit the core then refuses).
type Count = usize;
uniffi::custom_type!(Count, u64, {
    remote,
    lower: |n| n as u64,
    try_lift: |n| Ok(usize::try_from(n).unwrap_or(usize::MAX)),
});

// The namespace a role's name is unique in, by its name (`custom`, `managers`, `role_model`,
// `dashboard`); an unknown name is refused with `unknown_namespace`.
uniffi::custom_type!(RoleNamespace, String, {
    remote,
    lower: |ns| ns.name().to_owned(),
    try_lift: |name| Ok(name.parse::<RoleNamespace>().map_err(RolecallError::from)?),
});

// What an audited operation did, by its name (`create_user`, `login`, ...); an unknown name is
// refused with `invalid_argument`.
uniffi::custom_type!(AuditAction, String, {
    remote,
    lower: |a| a.name().to_owned(),
    try_lift: |name| Ok(name.parse::<AuditAction>().map_err(RolecallError::from)?),
});

// The kind of an object, by its name (`user`, `role`, ...); an unknown name is refused with
// `invalid_argument`.
uniffi::custom_type!(ObjectKind, String, {
    remote,
    lower: |k| k.name().to_owned(),
    try_lift: |name| Ok(name.parse::<ObjectKind>().map_err(RolecallError::from)?),
});

// A secret (password, recovery token): plain text in the bindings.
uniffi::custom_type!(Secret, String, {
    remote,
    lower: |s| s.expose().to_owned(),
    try_lift: |s| Ok(Secret::new(s)),
});

// Local stand-ins for the core types uniffi cannot carry, and the notification listener.
// (Included into `uniffi_api.rs`, one module, by `include!`: the imports are there.)

// ---------------------------------------------------------------- local stand-ins

/// A tenant's options, set by its superadministrator (the core's are `#[non_exhaustive]`).
#[derive(uniffi::Record)]
pub struct TenantSettings {
    /// The stricter reading of 002: nobody sets an agreement level on a product above its own
    /// level on that product (off by default).
    pub strict_agreement_levels: bool,
    /// The ISO 3166-1 alpha-2 region of phone numbers typed without a country code, or none.
    pub phone_region: Option<String>,
}

impl From<rolecall::TenantSettings> for TenantSettings {
    fn from(s: rolecall::TenantSettings) -> Self {
        TenantSettings {
            strict_agreement_levels: s.strict_agreement_levels,
            phone_region: s.phone_region,
        }
    }
}

impl From<TenantSettings> for rolecall::TenantSettings {
    fn from(s: TenantSettings) -> Self {
        let mut out = rolecall::TenantSettings::default();
        out.strict_agreement_levels = s.strict_agreement_levels;
        out.phone_region = s.phone_region;
        out
    }
}

/// A tenant (local because it holds the settings).
#[derive(uniffi::Record)]
pub struct Tenant {
    /// Its id.
    pub id: TenantId,
    /// Its name.
    pub name: String,
    /// Its superadministrator.
    pub superadmin: UserId,
    /// Creation time, ms since the Unix epoch.
    pub created_at: i64,
    /// Its password policy.
    pub policy: PasswordPolicy,
    /// Its options.
    pub settings: TenantSettings,
}

impl From<rolecall::Tenant> for Tenant {
    fn from(t: rolecall::Tenant) -> Self {
        Tenant {
            id: t.id,
            name: t.name,
            superadmin: t.superadmin,
            created_at: t.created_at,
            policy: t.policy,
            settings: t.settings.into(),
        }
    }
}

/// Changes to a user's profile; `None` leaves a field as it is, `remove_phone` removes the
/// phone (the core's `phone: Some(None)`).
#[derive(uniffi::Record)]
pub struct UserPatch {
    /// New first name.
    pub first_name: Option<String>,
    /// New last name.
    pub last_name: Option<String>,
    /// New email.
    pub email: Option<String>,
    /// New phone.
    pub phone: Option<String>,
    /// Remove the phone.
    pub remove_phone: bool,
    /// New external id (needs `users.manage`).
    #[uniffi(default)]
    pub external_id: Option<String>,
    /// Remove the external id.
    #[uniffi(default)]
    pub remove_external_id: bool,
}

impl From<UserPatch> for rolecall::UserPatch {
    fn from(p: UserPatch) -> Self {
        rolecall::UserPatch {
            first_name: p.first_name,
            last_name: p.last_name,
            email: p.email,
            phone: if p.remove_phone {
                Some(None)
            } else {
                p.phone.map(Some)
            },
            external_id: if p.remove_external_id {
                Some(None)
            } else {
                p.external_id.map(Some)
            },
        }
    }
}

/// One role of a preset's catalogue.
#[derive(uniffi::Record)]
pub struct PresetRole {
    /// Name.
    pub name: String,
    /// What it grants.
    pub permissions: Permissions,
    /// Scope-restricted.
    pub scoped: bool,
    /// Administrator tier.
    pub admin_tier: bool,
    /// The source's description.
    pub description: String,
}

impl From<&rolecall::PresetRole> for PresetRole {
    fn from(r: &rolecall::PresetRole) -> Self {
        PresetRole {
            name: r.name.to_owned(),
            permissions: r.permissions,
            scoped: r.scoped,
            admin_tier: r.admin_tier,
            description: r.description.to_owned(),
        }
    }
}

/// The kind of a scope: a built-in kind, or `Custom { name }` for a kind the tenant defined
/// (local: the core's `Custom` holds a validated name; see the module documentation).
#[derive(Clone, Debug, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum ScopeKind {
    /// A call group (routing group).
    CallGroup,
    /// An IVR.
    Ivr,
    /// A contact-center queue.
    Queue,
    /// An outbound campaign.
    Campaign,
    /// A phone number (DID).
    Number,
    /// A unit of users (team, site, department): the only kind users are members of.
    Team,
    /// A kind the tenant defined (`brand`, `skill`, ...).
    Custom {
        /// Its name: `[a-z][a-z0-9_]{0,23}`, not a built-in kind's name.
        name: String,
    },
}

impl From<rolecall::ScopeKind> for ScopeKind {
    fn from(k: rolecall::ScopeKind) -> Self {
        match k {
            rolecall::ScopeKind::CallGroup => ScopeKind::CallGroup,
            rolecall::ScopeKind::Ivr => ScopeKind::Ivr,
            rolecall::ScopeKind::Queue => ScopeKind::Queue,
            rolecall::ScopeKind::Campaign => ScopeKind::Campaign,
            rolecall::ScopeKind::Number => ScopeKind::Number,
            rolecall::ScopeKind::Team => ScopeKind::Team,
            rolecall::ScopeKind::Custom(c) => ScopeKind::Custom {
                name: c.as_str().to_owned(),
            },
        }
    }
}

impl ScopeKind {
    /// The core's kind (a custom name is checked).
    fn core(&self) -> R<rolecall::ScopeKind> {
        Ok(match self {
            ScopeKind::CallGroup => rolecall::ScopeKind::CallGroup,
            ScopeKind::Ivr => rolecall::ScopeKind::Ivr,
            ScopeKind::Queue => rolecall::ScopeKind::Queue,
            ScopeKind::Campaign => rolecall::ScopeKind::Campaign,
            ScopeKind::Number => rolecall::ScopeKind::Number,
            ScopeKind::Team => rolecall::ScopeKind::Team,
            ScopeKind::Custom { name } => rolecall::ScopeKind::custom(name)?,
        })
    }
}

/// A scope: a call group, IVR, queue, campaign, number, team or a kind of the tenant's own,
/// below `parent` (`None`: a root) in the tenant's hierarchy.
#[derive(uniffi::Record)]
pub struct Scope {
    /// Its id.
    pub id: ScopeId,
    /// Its tenant.
    pub tenant: TenantId,
    /// Its kind.
    pub kind: ScopeKind,
    /// Its name, unique per tenant and kind.
    pub name: String,
    /// Its parent, or `None` for a root.
    pub parent: Option<ScopeId>,
}

impl From<rolecall::Scope> for Scope {
    fn from(s: rolecall::Scope) -> Self {
        Scope {
            id: s.id,
            tenant: s.tenant,
            kind: s.kind.into(),
            name: s.name,
            parent: s.parent,
        }
    }
}

/// Which scopes a user may see for a permission (local: the core's `Only` is a tuple variant,
/// whose field the bindings would leave unnamed).
#[derive(uniffi::Enum)]
pub enum ScopeAccess {
    /// Every call group and IVR of the tenant.
    All,
    /// Only these (possibly none).
    Only {
        /// The scopes, in id order.
        scopes: Vec<ScopeId>,
    },
}

impl From<rolecall::ScopeAccess> for ScopeAccess {
    fn from(a: rolecall::ScopeAccess) -> Self {
        match a {
            rolecall::ScopeAccess::All => ScopeAccess::All,
            rolecall::ScopeAccess::Only(scopes) => ScopeAccess::Only { scopes },
        }
    }
}

/// Something the host delivers to a user: `email` is where to write (the address now).
#[derive(uniffi::Enum)]
pub enum Notification {
    /// A user's email changed: tell both addresses.
    EmailChanged {
        /// The user.
        user: UserId,
        /// The address before.
        old_email: String,
        /// The address now.
        email: String,
    },
    /// A recovery was requested: send `token` to `email`.
    PasswordResetRequested {
        /// The user.
        user: UserId,
        /// Where to send it.
        email: String,
        /// The token (secret).
        token: Secret,
        /// Expiry, ms since the Unix epoch.
        expires_at: i64,
    },
    /// The account was locked after too many failed logins.
    AccountLocked {
        /// The user.
        user: UserId,
        /// Its email.
        email: String,
        /// End of the lock, ms since the Unix epoch.
        until: i64,
    },
    /// A time-bound grant's window ended: the assignment was taken away and the user's
    /// sessions ended.
    GrantExpired {
        /// The user.
        user: UserId,
        /// Its email.
        email: String,
        /// What ended.
        assignment: Assignment,
    },
    /// A user activated a role it is eligible for.
    Activated {
        /// The user.
        user: UserId,
        /// Its email.
        email: String,
        /// The role.
        role: RoleId,
        /// The scope, for a per-scope activation.
        scope: Option<ScopeId>,
        /// End of the activation, ms since the Unix epoch.
        until: i64,
        /// The user's justification.
        justification: String,
    },
    /// A break-glass account was used: `action` is the audit action (`login` for a login).
    BreakGlassUsed {
        /// The account.
        user: UserId,
        /// Its email.
        email: String,
        /// What it did (an audit action name).
        action: String,
    },
    /// A kind this version does not know.
    Other,
}

impl From<rolecall::Notification> for Notification {
    fn from(n: rolecall::Notification) -> Self {
        use rolecall::Notification as N;
        match n {
            N::EmailChanged {
                user,
                old_email,
                email,
            } => Notification::EmailChanged {
                user,
                old_email,
                email,
            },
            N::PasswordResetRequested {
                user,
                email,
                token,
                expires_at,
            } => Notification::PasswordResetRequested {
                user,
                email,
                token,
                expires_at,
            },
            N::AccountLocked { user, email, until } => {
                Notification::AccountLocked { user, email, until }
            }
            N::GrantExpired {
                user,
                email,
                assignment,
            } => Notification::GrantExpired {
                user,
                email,
                assignment: assignment.into(),
            },
            N::Activated {
                user,
                email,
                role,
                scope,
                until,
                justification,
            } => Notification::Activated {
                user,
                email,
                role,
                scope,
                until,
                justification,
            },
            N::BreakGlassUsed {
                user,
                email,
                action,
            } => Notification::BreakGlassUsed {
                user,
                email,
                action,
            },
            _ => Notification::Other,
        }
    }
}

/// Receives each notification as it is produced ([`Directory::on_notification`]), implemented
/// in the foreign language.
#[uniffi::export(callback_interface)]
pub trait NotificationListener: Send + Sync {
    /// One notification (it also stays queued for `drain_notifications`). Runs under the
    /// directory's write lock: keep it short and never call back into the directory.
    ///
    /// # Errors
    /// Whatever the implementation raises: the directory ignores it.
    fn deliver(&self, notification: Notification) -> R<()>;
}

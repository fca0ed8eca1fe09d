//! Tenants: creation, presets, settings.

use crate::audit::AuditAction;
use crate::credentials::PasswordPolicy;
use crate::domain::{Preset, RoleId, Tenant, TenantId, TenantSettings, UserId};
use crate::ops::{NewUser, TenantCreated};
use crate::Error;

use super::Directory;

impl Directory {
    /// Creates a tenant with its superadministrator and the built-in roles of `presets`.
    /// This is the host's own operation: no acting user.
    ///
    /// A password given for the superadministrator follows [`NewUser::temporary`] like any
    /// other: temporary by default, since the host, not the person, sets it. A sign-up flow
    /// where the person chose its own password passes `temporary(false)`.
    ///
    /// # Errors
    /// [`Error::InvalidName`], [`Error::InvalidEmail`] or [`Error::InvalidPhone`] for a bad tenant
    /// name or superadministrator; [`Error::InvalidArgument`] when the superadministrator is given
    /// roles; [`Error::WeakPassword`] for an initial password the default policy refuses; the
    /// store's errors ([`Error::Storage`], [`Error::Busy`], [`Error::ReadOnly`],
    /// [`Error::Closed`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use rolecall::{Directory, NewUser, Permission, Preset};
    /// let dir = Directory::in_memory();
    /// let acme = dir.create_tenant("Acme", &NewUser::new("Ada", "Root", "ada@acme.test"), &[Preset::Managers])?;
    /// assert_eq!(dir.tenant(acme.tenant)?.superadmin, acme.superadmin);
    /// assert_eq!(acme.roles.len(), dir.roles(acme.tenant)?.len()); // the preset's built-in roles
    /// assert!(dir.check(acme.superadmin, Permission::BILLING_VIEW)); // holds every right
    /// # Ok::<(), rolecall::Error>(())
    /// ```
    pub fn create_tenant(
        &self,
        name: &str,
        superadmin: &NewUser,
        presets: &[Preset],
    ) -> Result<TenantCreated, Error> {
        let hashed = match &superadmin.password {
            None => None,
            Some(pw) => Some(self.hash_checked(
                &PasswordPolicy::default(),
                pw,
                &superadmin.email,
                &[&superadmin.first_name, &superadmin.last_name],
            )?),
        };
        self.write(None, AuditAction::CreateTenant, |p| {
            p.pending_hash = hashed.clone();
            p.create_tenant(name, superadmin, presets)
        })
    }

    /// Installs a preset's roles into the actor's tenant (superadministrator only).
    ///
    /// # Errors
    /// [`Error::SuperadminOnly`] for anyone but the superadministrator; [`Error::DuplicateName`]
    /// when the preset is already installed; and the errors of [every
    /// change](Directory#errors-of-every-change).
    pub fn install_preset(&self, actor: UserId, preset: Preset) -> Result<Vec<RoleId>, Error> {
        self.write(Some(actor), AuditAction::InstallPreset, |p| {
            p.install_preset(actor, preset)
        })
    }

    /// A tenant.
    ///
    /// # Errors
    /// [`Error::UnknownTenant`].
    pub fn tenant(&self, id: TenantId) -> Result<Tenant, Error> {
        self.read()
            .tenants
            .get(&id)
            .cloned()
            .ok_or(Error::UnknownTenant(id))
    }

    /// Every tenant, in id order.
    pub fn tenants(&self) -> Vec<Tenant> {
        self.read().tenants.values().cloned().collect()
    }

    /// Sets the tenant's options (superadministrator only); see [`TenantSettings`]. Replaces
    /// them all, separation-of-duty rules included: start from
    /// [`tenant_settings`](Self::tenant_settings) to keep those (or manage them with
    /// [`add_sod_rule`](Self::add_sod_rule) / [`remove_sod_rule`](Self::remove_sod_rule)).
    ///
    /// # Errors
    /// [`Error::SuperadminOnly`] for anyone else; [`Error::InvalidArgument`] for a bad value;
    /// for the rules, those of [`add_sod_rule`](Self::add_sod_rule); and the errors of [every
    /// change](Directory#errors-of-every-change).
    pub fn set_tenant_settings(
        &self,
        actor: UserId,
        settings: &TenantSettings,
    ) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::SetTenantSettings, |p| {
            p.set_tenant_settings(actor, settings)
        })
    }

    /// Sets the tenant's options as [`set_tenant_settings`](Self::set_tenant_settings) does,
    /// but keeps its separation-of-duty rules (those in `settings` are ignored), in the same
    /// atomic change: for hosts, and bindings, whose settings carry no rules. A rule added
    /// meanwhile by [`add_sod_rule`](Self::add_sod_rule) is never lost.
    ///
    /// # Errors
    /// As [`set_tenant_settings`](Self::set_tenant_settings).
    pub fn set_tenant_options(
        &self,
        actor: UserId,
        settings: &TenantSettings,
    ) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::SetTenantSettings, |p| {
            p.set_tenant_options(actor, settings)
        })
    }

    /// A tenant's options.
    ///
    /// # Errors
    /// [`Error::UnknownTenant`].
    pub fn tenant_settings(&self, tenant: TenantId) -> Result<TenantSettings, Error> {
        self.tenant(tenant).map(|t| t.settings)
    }
}

//! Separation of duty: declaring, removing and listing a tenant's rules, and who violates them.

use crate::audit::AuditAction;
use crate::domain::{SodRule, SodViolation, TenantId, UserId};
use crate::Error;

use super::Directory;

impl Directory {
    /// Declares a separation-of-duty rule in the actor's tenant (superadministrator only):
    /// from now on, every change that would leave a user holding both sides is refused with
    /// [`Error::SeparationOfDuty`]. Returns the users that already hold both sides, in id
    /// order: they keep their access (they may lose rights, never gain one while in violation).
    ///
    /// # Errors
    /// [`Error::SuperadminOnly`] for anyone else; [`Error::InvalidName`] for a bad name;
    /// [`Error::DuplicateName`] when the tenant has a rule of that name (case-insensitively);
    /// [`Error::EmptyPermission`] for an empty side; [`Error::InvalidArgument`] for sides that
    /// share a permission; and the errors of [every change](Directory#errors-of-every-change).
    ///
    /// # Examples
    ///
    /// ```
    /// use rolecall::{Directory, Error, NewUser, Permission, Preset, SodRule};
    /// let dir = Directory::in_memory();
    /// let t = dir.create_tenant("Acme", &NewUser::new("Ada", "Root", "ada@acme.test"), &[Preset::Managers])?;
    /// let rule = SodRule::new("billing vs audit", Permission::BILLING_MANAGE, Permission::LOGS_VIEW);
    /// assert!(dir.add_sod_rule(t.superadmin, &rule)?.is_empty());
    /// # Ok::<(), rolecall::Error>(())
    /// ```
    pub fn add_sod_rule(&self, actor: UserId, rule: &SodRule) -> Result<Vec<UserId>, Error> {
        self.write(Some(actor), AuditAction::AddSodRule, |p| {
            p.add_sod_rule(actor, rule)
        })
    }

    /// Removes the actor's tenant's rule named `name` (case-insensitively; superadministrator
    /// only).
    ///
    /// # Errors
    /// [`Error::SuperadminOnly`] for anyone else; [`Error::UnknownSodRule`] when the tenant has
    /// no such rule; and the errors of [every change](Directory#errors-of-every-change).
    pub fn remove_sod_rule(&self, actor: UserId, name: &str) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::RemoveSodRule, |p| {
            p.remove_sod_rule(actor, name)
        })
    }

    /// The tenant's separation-of-duty rules, in declaration order.
    ///
    /// # Errors
    /// [`Error::UnknownTenant`].
    pub fn sod_rules(&self, tenant: TenantId) -> Result<Vec<SodRule>, Error> {
        self.with_tenant(tenant, |m| m.sod_rules(tenant).to_vec())
    }

    /// Every active user of the tenant holding both sides of one of its rules (possible only
    /// for users that did when the rule was declared), by rule in declaration order, then by
    /// user id.
    ///
    /// # Errors
    /// [`Error::UnknownTenant`].
    pub fn sod_violations(&self, tenant: TenantId) -> Result<Vec<SodViolation>, Error> {
        self.with_tenant(tenant, |m| {
            m.sod_rules(tenant)
                .iter()
                .flat_map(|r| {
                    m.sod_violators(tenant, r)
                        .into_iter()
                        .map(|user| SodViolation {
                            rule: r.name.clone(),
                            user,
                        })
                })
                .collect()
        })
    }
}

//! Planning for tenants: creation with the superadministrator and presets, preset
//! installation, and the tenant's settings.

use super::{dedup, NewUser, Plan};
use crate::credentials::PasswordPolicy;
use crate::domain::model::NameKind;
use crate::domain::rules::Actor;
use crate::domain::ObjectKind;
use crate::domain::{
    validate, Change, Preset, Role, RoleId, RoleNamespace, Tenant, TenantId, TenantSettings, UserId,
};
use crate::Error;

/// What [`Directory::create_tenant`](crate::Directory::create_tenant) created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantCreated {
    /// The tenant.
    pub tenant: TenantId,
    /// Its superadministrator.
    pub superadmin: UserId,
    /// The built-in roles installed from the presets, in preset order.
    pub roles: Vec<RoleId>,
}

impl<'m> Plan<'m> {
    pub fn create_tenant(
        &mut self,
        name: &str,
        superadmin: &NewUser,
        presets: &[Preset],
    ) -> Result<TenantCreated, Error> {
        let name = validate::name("tenant name", name)?;
        if !superadmin.roles.is_empty() {
            return Err(Error::InvalidArgument {
                what: "superadmin roles",
                reason: "the superadministrator holds every right; give it no roles".into(),
            });
        }
        if !superadmin.groups.is_empty() || !superadmin.scopes.is_empty() {
            return Err(Error::InvalidArgument {
                what: "superadmin groups",
                reason: "a new tenant has no groups or call groups yet; add the \
                         superadministrator to them later"
                    .into(),
            });
        }
        let tenant = TenantId(self.alloc(ObjectKind::Tenant));
        let mut user = self.validated_user(tenant, superadmin)?;
        user.active = true;
        user.id = UserId(self.alloc(ObjectKind::User));
        self.changes.push(Change::TenantPut(Tenant {
            id: tenant,
            name,
            superadmin: user.id,
            created_at: self.now,
            policy: PasswordPolicy::default(),
            settings: TenantSettings::default(),
        }));
        let sa = user.id;
        self.put_user(user);
        self.tenant = Some(tenant);
        self.initial_credential(sa, superadmin)?;
        let mut roles = Vec::new();
        for p in dedup(presets) {
            self.preset_roles(tenant, p, &mut roles)?;
        }
        Ok(TenantCreated {
            tenant,
            superadmin: sa,
            roles,
        })
    }

    pub fn install_preset(&mut self, actor: UserId, preset: Preset) -> Result<Vec<RoleId>, Error> {
        let a = Actor::load(self.m, actor)?;
        a.require_superadmin("install a preset")?;
        let mut roles = Vec::new();
        self.preset_roles(a.tenant(), preset, &mut roles)?;
        Ok(roles)
    }

    fn preset_roles(
        &mut self,
        tenant: TenantId,
        preset: Preset,
        out: &mut Vec<RoleId>,
    ) -> Result<(), Error> {
        for pr in preset.roles() {
            let ns = RoleNamespace::Preset(preset);
            let planned = self.changes.iter().any(|c| matches!(c, Change::RolePut(r) if r.tenant == tenant && r.namespace == ns && validate::fold(&r.name) == validate::fold(pr.name)));
            if planned
                || self
                    .m
                    .name_taken(tenant, NameKind::Role(ns), pr.name)
                    .is_some()
            {
                // The preset is already installed: names are unique per namespace.
                return Err(Error::DuplicateName {
                    kind: "role",
                    name: format!("{ns}/{}", pr.name),
                });
            }
            let id = RoleId(self.alloc(ObjectKind::Role));
            self.changes.push(Change::RolePut(Role {
                id,
                tenant,
                name: pr.name.to_owned(),
                permissions: pr.permissions,
                denied: crate::domain::Permission::empty(),
                scoped: pr.scoped,
                admin_tier: pr.admin_tier,
                namespace: RoleNamespace::Preset(preset),
                description: pr.description.to_owned(),
                created_at: self.now,
            }));
            out.push(id);
        }
        Ok(())
    }

    /// The superadministrator changes the tenant's options.
    /// As [`set_tenant_settings`](Self::set_tenant_settings), keeping the tenant's
    /// separation-of-duty rules whatever `settings` holds.
    pub fn set_tenant_options(
        &mut self,
        actor: UserId,
        settings: &TenantSettings,
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        let mut settings = settings.clone();
        settings.separation_of_duty = self.m.tenants[&a.tenant()]
            .settings
            .separation_of_duty
            .clone();
        self.set_tenant_settings(actor, &settings)
    }

    pub fn set_tenant_settings(
        &mut self,
        actor: UserId,
        settings: &TenantSettings,
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        a.require_superadmin("change the tenant settings")?;
        settings.validate()?;
        let mut settings = settings.clone();
        settings.separation_of_duty =
            crate::domain::sod::validated_rules(&settings.separation_of_duty)?;
        let mut t = self.m.tenants[&a.tenant()].clone();
        if t.settings != settings {
            t.settings = settings;
            self.changes.push(Change::TenantPut(t));
        }
        Ok(())
    }
}

//! Planning for custom roles: creation, edits and deletion.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::Plan;
use crate::domain::model::{Hyp, NameKind};
use crate::domain::rules::Actor;
use crate::domain::ObjectKind;
use crate::domain::{validate, Change, Permission, Role, RoleId, RoleNamespace, TenantId, UserId};
use crate::Error;

/// A custom role to create.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewRole {
    /// Name, unique per tenant across every namespace (custom roles live in `custom`).
    pub name: String,
    /// What it grants.
    pub permissions: Permission,
    /// What it denies to every holder, tenant-wide (explicit deny: denials win over every
    /// allow). Must not overlap `permissions`. Giving a deny needs no right.
    pub denied: Permission,
    /// Whether its permissions apply only to the holder's call groups / IVRs.
    pub scoped: bool,
    /// Whether it is administrator-tier (only the superadministrator may create it).
    pub admin_tier: bool,
    /// Free text.
    pub description: String,
}

impl NewRole {
    /// An unscoped, ordinary role.
    pub fn new(name: impl Into<String>, permissions: Permission) -> Self {
        NewRole {
            name: name.into(),
            permissions,
            ..NewRole::default()
        }
    }

    /// Makes the role scope-restricted.
    pub fn scoped(mut self) -> Self {
        self.scoped = true;
        self
    }

    /// Makes the role administrator-tier.
    pub fn admin_tier(mut self) -> Self {
        self.admin_tier = true;
        self
    }

    /// Makes the role deny `p` (added to what it already denies): whoever holds it loses `p`
    /// tenant-wide, whatever else grants it.
    ///
    /// ```
    /// use rolecall::{NewRole, Permission};
    /// let r = NewRole::new("No billing", Permission::empty()).deny(Permission::BILLING_VIEW);
    /// assert_eq!(r.denied, Permission::BILLING_VIEW);
    /// ```
    pub fn deny(mut self, p: Permission) -> Self {
        self.denied |= p;
        self
    }
}

/// Changes to a custom role; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RolePatch {
    /// New name.
    pub name: Option<String>,
    /// New permission set (added rights are a grant to every holder).
    pub permissions: Option<Permission>,
    /// New set of denied permissions (denials removed are a grant to every holder; denials
    /// added need no right).
    pub denied: Option<Permission>,
    /// New description.
    pub description: Option<String>,
}

impl<'m> Plan<'m> {
    /// A custom role's name is unique in its namespace, and also distinct from every built-in
    /// role of the tenant: a custom "Admin" beside the built-in ones would be mistaken for
    /// them. (Built-in roles of different presets may share names: see `RoleNamespace`.)
    fn custom_role_name_free(
        &self,
        tenant: TenantId,
        name: &str,
        except: u64,
    ) -> Result<(), Error> {
        for ns in RoleNamespace::ALL {
            self.unique(tenant, NameKind::Role(ns), "role", name, except)?;
        }
        Ok(())
    }

    pub fn create_role(&mut self, actor: UserId, new: &NewRole) -> Result<RoleId, Error> {
        let a = Actor::load(self.m, actor)?;
        a.require(Permission::ROLES_MANAGE)?;
        let name = validate::name("role name", &new.name)?;
        self.custom_role_name_free(a.tenant(), &name, 0)?;
        if new.admin_tier {
            a.require_superadmin("create an administrator-tier role")?;
        }
        disjoint(new.permissions, new.denied)?;
        a.ensure_grant(new.permissions, new.scoped, &BTreeSet::new())?;
        let id = RoleId(self.alloc(ObjectKind::Role));
        self.changes.push(Change::RolePut(Role {
            id,
            tenant: a.tenant(),
            name,
            permissions: new.permissions,
            denied: new.denied,
            scoped: new.scoped,
            admin_tier: new.admin_tier,
            namespace: RoleNamespace::Custom,
            description: validate::description(&new.description)?,
            created_at: self.now,
        }));
        Ok(id)
    }

    fn editable_role(
        &self,
        a: &Actor<'_>,
        role: RoleId,
        action: &'static str,
    ) -> Result<&'m Role, Error> {
        a.require(Permission::ROLES_MANAGE)?;
        let r = self.m.role_in(a.tenant(), role)?;
        if r.namespace != RoleNamespace::Custom {
            return Err(Error::BuiltinRole {
                role,
                name: r.qualified_name(),
                action,
            });
        }
        if r.admin_tier {
            a.require_superadmin("change an administrator-tier role")?;
        }
        Ok(r)
    }

    pub fn update_role(
        &mut self,
        actor: UserId,
        role: RoleId,
        patch: &RolePatch,
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        let r = self.editable_role(&a, role, "edited")?;
        let mut new = r.clone();
        if let Some(n) = &patch.name {
            new.name = validate::name("role name", n)?;
            self.custom_role_name_free(a.tenant(), &new.name, role.0)?;
        }
        if let Some(d) = &patch.description {
            new.description = validate::description(d)?;
        }
        if let Some(p) = patch.permissions {
            new.permissions = p;
        }
        if let Some(d) = patch.denied {
            new.denied = d;
        }
        disjoint(new.permissions, new.denied)?;
        // Rights added, and denials removed, are a grant to every holder; denials added are
        // never an escalation.
        let lifted = r.denied - new.denied;
        if new.permissions != r.permissions || new.denied != r.denied {
            let added = new.permissions - r.permissions;
            let holders = self.m.role_holders(role);
            if holders.is_empty() {
                a.ensure_grant(added, r.scoped, &BTreeSet::new())?;
                a.ensure_grant(lifted, false, &BTreeSet::new())?;
            }
            let grants = new.permissions != r.permissions || !lifted.is_empty();
            for u in holders.iter().filter_map(|h| self.m.users.get(h)) {
                a.ensure_may_affect(self.m, u)?;
                if grants {
                    a.ensure_gain(u, Hyp::Role(role, Some(&new)))?;
                }
            }
        }
        if new != *r {
            self.changes.push(Change::RolePut(new));
        }
        Ok(())
    }

    pub fn delete_role(&mut self, actor: UserId, role: RoleId) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        let r = self.editable_role(&a, role, "deleted")?;
        for h in self.m.role_holders(role) {
            if let Some(u) = self.m.users.get(&h) {
                a.ensure_may_affect(self.m, u)?;
                if !r.denied.is_empty() {
                    // Its denials end with it: a grant to each holder.
                    a.ensure_gain(u, Hyp::Role(role, None))?;
                }
            }
        }
        self.changes.push(Change::RoleDeleted { id: role });
        Ok(())
    }
}

/// A role may not both allow and deny one permission.
fn disjoint(permissions: Permission, denied: Permission) -> Result<(), Error> {
    let both = permissions & denied;
    if both.is_empty() {
        Ok(())
    } else {
        Err(Error::InvalidArgument {
            what: "denied",
            reason: format!("allowed and denied by the same role: {both}"),
        })
    }
}

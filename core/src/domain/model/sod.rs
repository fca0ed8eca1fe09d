//! Separation of duty over the model: who holds both sides of a rule now, and the rule every
//! commit obeys (no change leaves a user holding both sides, unless it already did and gains
//! nothing).

use super::overlay::Overlay;
use super::*;
use crate::domain::SodRule;

impl Model {
    /// The rules of `tenant` (none for an unknown tenant).
    pub fn sod_rules(&self, tenant: TenantId) -> &[SodRule] {
        self.tenants
            .get(&tenant)
            .map_or(&[], |t| &t.settings.separation_of_duty)
    }

    /// The users of `tenant` holding both sides of `rule` now (active, not the
    /// superadministrator), in id order.
    pub fn sod_violators(&self, tenant: TenantId, rule: &SodRule) -> Vec<UserId> {
        self.tenant_users
            .get(&tenant)
            .into_iter()
            .flatten()
            .filter_map(|u| self.users.get(u))
            .filter(|u| u.active && !self.is_superadmin(u))
            .filter(|u| rule.violated_by(self.effective(u).perms))
            .map(|u| u.id)
            .collect()
    }

    /// Refuses `changes` when, once applied, they would leave a user holding both sides of one
    /// of its tenant's rules, unless that user held both before and gains nothing. Computed
    /// over an [`Overlay`] of the changes, for the users they may give rights to, in tenants
    /// with rules only.
    pub fn check_sod(&self, changes: &[Change]) -> Result<(), Error> {
        // No tenant with rules, before or after: nothing to judge (and no overlay of a bulk
        // import's million records to build).
        let ruled = |t: &Tenant| !t.settings.separation_of_duty.is_empty();
        if !self.tenants.values().any(ruled)
            && !changes
                .iter()
                .any(|c| matches!(c, Change::TenantPut(t) if ruled(t)))
        {
            return Ok(());
        }
        let o = Overlay::of(changes);
        let rules_of = |t: TenantId| -> &[SodRule] {
            o.tenant(self, t)
                .map_or(&[], |t| &t.settings.separation_of_duty)
        };
        for id in o.may_gain(self, |t| !rules_of(t).is_empty()) {
            let Some(after_rec) = o.user(self, id) else {
                continue;
            };
            let superadmin = o
                .tenant(self, after_rec.tenant)
                .is_some_and(|t| t.superadmin == id);
            if !after_rec.active || superadmin {
                continue;
            }
            let after = self.access_under(after_rec, Hyp::Overlay(&o));
            let before = self
                .users
                .get(&id)
                .map(|u| self.effective(u))
                .unwrap_or_default();
            for rule in rules_of(after_rec.tenant) {
                if rule.violated_by(after.perms)
                    && (!rule.violated_by(before.perms) || before.shrinks_from(self, &after))
                {
                    return Err(Error::SeparationOfDuty {
                        rule: rule.name.clone(),
                        user: after_rec.email.clone(),
                    });
                }
            }
        }
        Ok(())
    }
}

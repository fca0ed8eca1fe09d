//! Planning of separation-of-duty rules: declaring and removing them (superadministrator only).

use super::Plan;
use crate::domain::rules::Actor;
use crate::domain::sod::validated_rules;
use crate::domain::{validate, Change, SodRule, UserId};
use crate::Error;

impl<'m> Plan<'m> {
    /// Declares a rule in the actor's tenant; returns the users already holding both sides.
    pub fn add_sod_rule(&mut self, actor: UserId, rule: &SodRule) -> Result<Vec<UserId>, Error> {
        let a = Actor::load(self.m, actor)?;
        a.require_superadmin("declare a separation-of-duty rule")?;
        let mut t = self.m.tenants[&a.tenant()].clone();
        let mut rules = t.settings.separation_of_duty.clone();
        rules.push(rule.clone());
        t.settings.separation_of_duty = validated_rules(&rules)?;
        let violators = match t.settings.separation_of_duty.last() {
            Some(added) => self.m.sod_violators(t.id, added),
            None => Vec::new(),
        };
        if !violators.is_empty() {
            self.detail = Some(format!(
                "{} user(s) already hold both sides: {}",
                violators.len(),
                violators
                    .iter()
                    .take(20)
                    .map(|u| self.m.email_of(*u))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        self.changes.push(Change::TenantPut(t));
        Ok(violators)
    }

    /// Removes the rule named `name` (case-insensitively) from the actor's tenant.
    pub fn remove_sod_rule(&mut self, actor: UserId, name: &str) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        a.require_superadmin("remove a separation-of-duty rule")?;
        let mut t = self.m.tenants[&a.tenant()].clone();
        let key = validate::fold(name.trim());
        let before = t.settings.separation_of_duty.len();
        t.settings
            .separation_of_duty
            .retain(|r| validate::fold(&r.name) != key);
        if t.settings.separation_of_duty.len() == before {
            return Err(Error::UnknownSodRule(crate::domain::truncate_for_message(
                name,
            )));
        }
        self.changes.push(Change::TenantPut(t));
        Ok(())
    }
}

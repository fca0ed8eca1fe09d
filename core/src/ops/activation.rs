//! Eligible grants and their activation (break-glass, just-in-time access), and break-glass
//! accounts.

use super::Plan;
use crate::credentials::Notification;
use crate::domain::rules::Actor;
use crate::domain::{
    validate, Assignment, Eligibility, Permission, RoleId, ScopeGrant, ScopeId, UserId, Window,
    MAX_ACTIVATION_MS,
};
use crate::Error;

impl Plan<'_> {
    /// Makes `user` eligible to activate `role` (for `scope`, or directly) for up to `max_ms`
    /// at a time, under the rules of granting the role (it is a grant the user may take).
    pub fn make_eligible(
        &mut self,
        actor: UserId,
        user: UserId,
        role: RoleId,
        scope: Option<ScopeId>,
        max_ms: i64,
    ) -> Result<(), Error> {
        if !(1..=MAX_ACTIVATION_MS).contains(&max_ms) {
            return Err(Error::InvalidArgument {
                what: "max_ms",
                reason: format!("must be between 1 and {MAX_ACTIVATION_MS} (31 days)"),
            });
        }
        let a = Actor::load(self.m, actor)?;
        let t = self.managed(&a, user, Permission::USERS_MANAGE)?;
        let r = self.m.role_in(a.tenant(), role)?;
        match scope {
            Some(s) => {
                self.m.scope_in(a.tenant(), s)?;
                a.ensure_grant_at(r, s)?;
            }
            None => a.ensure_grant_role(r, &t.scopes)?,
        }
        let mut u = t.clone();
        u.eligible.retain(|e| (e.role, e.scope) != (role, scope));
        u.eligible.insert(Eligibility {
            role,
            scope,
            max_ms,
        });
        if u.eligible != t.eligible {
            self.put_user(u);
        }
        Ok(())
    }

    /// Takes back `user`'s eligibility for `role` (for `scope`). A running activation runs to
    /// its end ([`end_activation`](Self::end_activation) ends it).
    pub fn revoke_eligibility(
        &mut self,
        actor: UserId,
        user: UserId,
        role: RoleId,
        scope: Option<ScopeId>,
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        let t = self.managed(&a, user, Permission::USERS_MANAGE)?;
        let r = self.m.role_in(a.tenant(), role)?;
        if r.admin_tier {
            a.require_superadmin("revoke an administrator-tier role")?;
        }
        let mut u = t.clone();
        u.eligible.retain(|e| (e.role, e.scope) != (role, scope));
        if u.eligible != t.eligible {
            self.put_user(u);
        }
        Ok(())
    }

    /// `user` activates `role` (for `scope`) for itself for `duration_ms`, with a
    /// justification: a time-bound grant ending at now + `duration_ms`. Activating again while
    /// active sets the end anew.
    pub fn activate(
        &mut self,
        user: UserId,
        role: RoleId,
        scope: Option<ScopeId>,
        duration_ms: i64,
        justification: &str,
    ) -> Result<Window, Error> {
        let a = Actor::load(self.m, user)?;
        let t = a.user;
        self.tenant = Some(t.tenant);
        let justification = validate::justification(justification)?;
        let e = t
            .eligible
            .iter()
            .find(|e| (e.role, e.scope) == (role, scope))
            .copied()
            .ok_or(Error::NotEligible { user, role, scope })?;
        if !(1..=e.max_ms).contains(&duration_ms) {
            return Err(Error::InvalidArgument {
                what: "duration_ms",
                reason: format!(
                    "must be between 1 and {} (the eligibility's maximum)",
                    e.max_ms
                ),
            });
        }
        let assignment = match scope {
            Some(scope) => Assignment::ScopeRole(ScopeGrant { role, scope }),
            None => Assignment::Role(role),
        };
        let mut u = t.clone();
        let held = match assignment {
            Assignment::ScopeRole(g) => !u.grants.insert(g),
            _ => !u.roles.insert(role),
        };
        if held && !u.windows.contains_key(&assignment) {
            return Err(Error::InvalidArgument {
                what: "role",
                reason: "already held permanently: there is nothing to activate".into(),
            });
        }
        let until = self.now.saturating_add(duration_ms);
        let window = Window::until(until);
        u.windows.insert(assignment, window);
        self.put_user(u);
        self.detail = Some(format!(
            "{} until {until}: {justification}",
            super::assignment_label(assignment)
        ));
        self.notifications.push(Notification::Activated {
            user,
            email: t.email.clone(),
            role,
            scope,
            until,
            justification,
        });
        Ok(window)
    }

    /// Ends `user`'s activation of `role` (for `scope`) now: by the user itself, or by whoever
    /// may revoke the role from it.
    pub fn end_activation(
        &mut self,
        actor: UserId,
        user: UserId,
        role: RoleId,
        scope: Option<ScopeId>,
    ) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        let t = if actor == user {
            a.user
        } else {
            let t = self.managed(&a, user, Permission::USERS_MANAGE)?;
            if self.m.role_in(a.tenant(), role)?.admin_tier {
                a.require_superadmin("revoke an administrator-tier role")?;
            }
            t
        };
        let assignment = match scope {
            Some(scope) => Assignment::ScopeRole(ScopeGrant { role, scope }),
            None => Assignment::Role(role),
        };
        if !t.windows.contains_key(&assignment) {
            return Err(Error::InvalidArgument {
                what: "role",
                reason: "no time-bound grant of it to end".into(),
            });
        }
        let mut u = t.clone();
        u.windows.remove(&assignment);
        match assignment {
            Assignment::ScopeRole(g) => u.grants.remove(&g),
            _ => u.roles.remove(&role),
        };
        self.put_user(u);
        Ok(())
    }

    /// Makes `user` a break-glass account (or not): the superadministrator only.
    pub fn set_break_glass(&mut self, actor: UserId, user: UserId, on: bool) -> Result<(), Error> {
        let a = Actor::load(self.m, actor)?;
        a.require_superadmin("designate a break-glass account")?;
        let t = self.m.user_in(a.tenant(), user)?;
        if t.break_glass != on {
            let mut u = t.clone();
            u.break_glass = on;
            self.put_user(u);
        }
        Ok(())
    }
}

//! A tenant in a directory on a manual clock, for the tests of time-bound grants.

use std::sync::Arc;

use rolecall::{
    AuditAction, AuditEvent, AuditQuery, Directory, Error, ManualClock, MemoryStore, NewUser,
    Preset, RoleId, TenantId, TimedGrant, UserId, Window,
};

/// Where the clock starts, ms since the Unix epoch.
pub const T0: i64 = 1_800_000_000_000;
/// An hour in ms.
pub const HOUR: i64 = 3_600_000;

/// One tenant "Acme" (presets managers and dashboard) in a directory on `clock`.
pub struct Env {
    pub dir: Directory,
    pub clock: Arc<ManualClock>,
    pub tenant: TenantId,
    pub root: UserId,
}

impl Env {
    /// In memory, the clock at [`T0`].
    pub fn new() -> Env {
        let clock = Arc::new(ManualClock::new(T0));
        let dir = Directory::open_with_clock(MemoryStore::new(), clock.clone()).unwrap();
        Env::on(dir, clock)
    }

    /// On `dir` (empty), whose clock is `clock`.
    pub fn on(dir: Directory, clock: Arc<ManualClock>) -> Env {
        let t = dir
            .create_tenant(
                "Acme",
                &NewUser::new("Ada", "Root", "root@acme.test"),
                &[Preset::Managers, Preset::Dashboard],
            )
            .unwrap();
        Env {
            dir,
            clock,
            tenant: t.tenant,
            root: t.superadmin,
        }
    }

    /// A role by name (`namespace/name` where ambiguous).
    pub fn role(&self, name: &str) -> RoleId {
        self.dir.role_by_name(self.tenant, name).unwrap().id
    }

    /// Creates `login@acme.test` holding the named roles, as the superadministrator.
    pub fn user(&self, login: &str, roles: &[&str]) -> UserId {
        let ids: Vec<_> = roles.iter().map(|r| self.role(r)).collect();
        self.dir
            .create_user(
                self.root,
                &NewUser::new(login, "Tester", format!("{login}@acme.test")).roles(ids),
            )
            .unwrap()
    }

    /// `actor` grants `role` to `user` until `until`.
    pub fn role_until(
        &self,
        actor: UserId,
        user: UserId,
        role: RoleId,
        until: i64,
    ) -> Result<(), Error> {
        self.dir
            .grant_for(actor, user, &TimedGrant::Role(role), Window::until(until))
    }

    /// `actor` grants `grant` to `user` until `until`.
    pub fn until(
        &self,
        actor: UserId,
        user: UserId,
        grant: &TimedGrant,
        until: i64,
    ) -> Result<(), Error> {
        self.dir.grant_for(actor, user, grant, Window::until(until))
    }

    /// The audit events of `action`.
    pub fn events(&self, action: AuditAction) -> Vec<AuditEvent> {
        self.dir
            .audit_events(&AuditQuery {
                action: Some(action),
                limit: 1000,
                ..AuditQuery::default()
            })
            .unwrap()
            .items
    }
}

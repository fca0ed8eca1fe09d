//! Time-bound grants at the directory: granting for a window, and moving the directory's
//! notion of now forward so that grants start and end on time, with no writer running.
//!
//! Checks never read the clock: each snapshot knows the next instant a grant starts or ends
//! ([`Snapshot::valid_until`]), and at that instant a recomputed snapshot is swapped in. With a
//! clock that moves by itself a timer thread of the directory does it; with a
//! [`ManualClock`](crate::ManualClock) the clock tells the directory when it moves. The end of
//! a grant is then recorded once in the store (audited `expired`, a
//! [`Notification::GrantExpired`], the user's security stamp renewed) by whichever instance
//! gets there first: the others find nothing left to record.

use std::sync::{Condvar, Weak};
use std::time::Duration;

use super::*;
use crate::domain::{TimedGrant, Window};

/// The timer of a directory whose clock moves by itself.
#[derive(Default)]
pub(super) struct Timer {
    state: Mutex<TimerState>,
    wake: Condvar,
}

#[derive(Default)]
struct TimerState {
    /// The instant to wake at (`i64::MAX`: none).
    deadline: i64,
    /// A thread is waiting.
    running: bool,
    /// The directory is gone or closed.
    stop: bool,
}

impl Timer {
    /// Stops the thread, if any.
    pub(super) fn stop(&self) {
        lock(&self.state).stop = true;
        self.wake.notify_all();
    }
}

/// Longest sleep of the timer thread: it re-reads the clock at least this often, so that a
/// clock set forward by the system is noticed.
const MAX_SLEEP_MS: i64 = 60_000;

impl Directory {
    /// Grants `grant` to `user` until (and from) the instants of `window`, under the rules of
    /// the permanent grant; on an assignment already held it sets a new window, under the
    /// same rules (extending is a grant). [`Window::ALWAYS`] makes it permanent. The grant
    /// stops counting at its end, on every instance, with no writer running: see
    /// [`User::windows`](crate::User::windows) and [`Snapshot::valid_until`].
    ///
    /// A plain grant of the same assignment later (`assign_role`, `add_member`, ...) of
    /// something not held makes it permanent; a level falls to no access at its window's end.
    ///
    /// # Errors
    /// [`Error::InvalidWindow`] for a window that ends before it starts or has ended;
    /// [`Error::InvalidArgument`] for a time-bound `NoAccess` level; otherwise the errors of
    /// the permanent grant (`assign_role`, `grant_role_in_scope`, `add_member`, `assign_scope`,
    /// `set_access_level`, `link_pbx_subscriber`).
    ///
    /// # Examples
    /// ```
    /// use std::sync::Arc;
    /// use rolecall::{Directory, ManualClock, MemoryStore, NewUser, Permission, Preset, TimedGrant, Window};
    /// let clock = Arc::new(ManualClock::new(1_000_000));
    /// let dir = Directory::open_with_clock(MemoryStore::new(), clock.clone())?;
    /// let t = dir.create_tenant("Acme", &NewUser::new("Ada", "Root", "root@acme.test"), &[Preset::Managers])?;
    /// let admin = dir.role_by_name(t.tenant, "Admin")?.id;
    /// let tech = dir.create_user(t.superadmin, &NewUser::new("Tom", "Tech", "tom@acme.test"))?;
    /// // Admin rights for the outage: one hour.
    /// dir.grant_for(t.superadmin, tech, &TimedGrant::Role(admin), Window::until(1_000_000 + 3_600_000))?;
    /// assert!(dir.check(tech, Permission::USERS_MANAGE));
    /// clock.advance(3_600_000);
    /// assert!(!dir.check(tech, Permission::USERS_MANAGE));
    /// # Ok::<(), rolecall::Error>(())
    /// ```
    pub fn grant_for(
        &self,
        actor: UserId,
        user: UserId,
        grant: &TimedGrant,
        window: Window,
    ) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::GrantFor, |p| {
            p.detail = Some(format!(
                "{} from {} until {}",
                crate::ops::assignment_label(grant.assignment()),
                window
                    .from
                    .map_or_else(|| "now".to_owned(), |t| t.to_string()),
                window
                    .until
                    .map_or_else(|| "ever".to_owned(), |t| t.to_string()),
            ));
            p.grant_for(actor, user, grant, window)
        })
    }

    /// Moves the directory's time to the clock's now: grants whose window started or ended
    /// meanwhile start or end in the snapshot, and ended ones are recorded in the store. Runs
    /// by itself (timer thread, or the manual clock's notice); a host never needs to call it,
    /// but may (it is cheap when nothing is due).
    pub fn tick(&self) {
        if self.is_closed() {
            return;
        }
        let now = self.shared.clock.now_ms();
        self.advance_time(now);
        // A store that cannot be written (read-only) still answers on time; the instance
        // that can write records the end.
        let _ = self.record_expiries();
    }

    /// Moves the model's time forward to `now`, swapping in a recomputed snapshot when a grant
    /// started or ended in between (in proportion to the users concerned).
    pub(super) fn advance_time(&self, now: i64) {
        let mut m = self.write_model();
        if now <= m.now {
            return;
        }
        let due = self
            .shared
            .snapshot
            .load()
            .valid_until()
            .is_some_and(|t| now >= t);
        let mut aff = Affected::default();
        m.advance_to(now, &mut aff);
        if due {
            let cur = self.shared.snapshot.load();
            let next = cur.updated(&m, &aff, cur.revision());
            drop(m);
            self.publish(next);
        }
    }

    /// Commits the end of every ended grant, one commit per tenant.
    fn record_expiries(&self) -> Result<(), Error> {
        let tenants = {
            let m = self.read();
            m.tenants_with_expiries()
        };
        for t in tenants {
            self.write(None, AuditAction::Expired, |p| {
                p.expire(t);
                Ok(())
            })?;
        }
        Ok(())
    }

    /// Swaps in `snap` and arms the timer for its end.
    pub(super) fn publish(&self, snap: Snapshot) {
        let until = snap.valid_until();
        self.shared.snapshot.store(Arc::new(snap));
        if let Some(t) = until {
            self.arm(t);
        }
    }

    /// Makes sure something wakes the directory at `deadline`.
    fn arm(&self, deadline: i64) {
        if self
            .shared
            .clock_tells
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            return;
        }
        let timer = &self.shared.timer;
        let mut st = lock(&timer.state);
        if st.stop {
            return;
        }
        if st.deadline == 0 || deadline < st.deadline {
            st.deadline = deadline;
        }
        if st.running {
            timer.wake.notify_all();
            return;
        }
        let weak = Arc::downgrade(&self.shared);
        let spawned = std::thread::Builder::new()
            .name("rolecall-expiry".into())
            .spawn(move || timer_thread(weak));
        st.running = spawned.is_ok();
    }

    /// Subscribes to the clock when it tells of its moves (a manual clock).
    pub(super) fn listen_to_clock(&self) {
        let weak = Arc::downgrade(&self.shared);
        let listener: Arc<crate::clock::ClockListener> = Arc::new(move || {
            if let Some(shared) = weak.upgrade() {
                Directory { shared }.tick();
            }
        });
        let tells = self.shared.clock.subscribe(Arc::downgrade(&listener));
        self.shared
            .clock_tells
            .store(tells, std::sync::atomic::Ordering::Relaxed);
        *lock(&self.shared.clock_listener) = Some(listener);
        if let Some(t) = self.shared.snapshot.load().valid_until() {
            self.arm(t);
        }
    }
}

/// The timer thread: sleeps until the deadline (re-reading the clock at least every minute),
/// then ticks the directory. Holds the directory only weakly, and only while ticking.
fn timer_thread(weak: Weak<Shared>) {
    loop {
        let Some(shared) = weak.upgrade() else {
            return;
        };
        let now = shared.clock.now_ms();
        let timer_state = {
            let st = lock(&shared.timer.state);
            if st.stop {
                return;
            }
            st.deadline
        };
        if timer_state != 0 && now >= timer_state {
            lock(&shared.timer.state).deadline = 0;
            let dir = Directory { shared };
            dir.tick();
            let next = dir.shared.snapshot.load().valid_until();
            let mut st = lock(&dir.shared.timer.state);
            if let Some(t) = next {
                if st.deadline == 0 || t < st.deadline {
                    st.deadline = t;
                }
            }
            continue;
        }
        let wait = if timer_state == 0 {
            MAX_SLEEP_MS
        } else {
            (timer_state - now).clamp(1, MAX_SLEEP_MS)
        };
        // Wait on a timer the thread owns a handle to, without holding the directory.
        let timer = Arc::clone(&shared.timer);
        drop(shared);
        let st = lock(&timer.state);
        if st.stop {
            return;
        }
        let _ = timer
            .wake
            .wait_timeout(st, Duration::from_millis(wait as u64))
            .map_err(PoisonError::into_inner);
    }
}

/// Eligible grants and activation (break-glass, just-in-time access): an administrator makes a
/// user eligible for a role, for a maximum duration; the user activates it for up to that
/// duration with a justification; the activation is audited, notified and ends like any
/// time-bound grant. And break-glass accounts, which a lock does not keep out.
impl Directory {
    /// Makes `user` eligible to activate `role` for itself, held directly (`scope` `None`) or
    /// for `scope`, for at most `max_ms` at a time (1 ms to [`MAX_ACTIVATION_MS`], 31 days).
    /// Making eligible is a grant the user may take: it obeys the rules of granting the role
    /// (no escalation, administrator tier, teams). Setting it again replaces the maximum.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for `max_ms` out of range; otherwise those of
    /// [`assign_role`](Self::assign_role) (or [`grant_role_in_scope`](Self::grant_role_in_scope)).
    ///
    /// [`MAX_ACTIVATION_MS`]: crate::MAX_ACTIVATION_MS
    pub fn make_eligible(
        &self,
        actor: UserId,
        user: UserId,
        role: crate::RoleId,
        scope: Option<crate::ScopeId>,
        max_ms: i64,
    ) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::MakeEligible, |p| {
            p.make_eligible(actor, user, role, scope, max_ms)
        })
    }

    /// Takes back `user`'s eligibility for `role` (for `scope`). An activation under way runs
    /// to its end; [`end_activation`](Self::end_activation) ends it.
    ///
    /// # Errors
    /// Those of [`revoke_role`](Self::revoke_role).
    pub fn revoke_eligibility(
        &self,
        actor: UserId,
        user: UserId,
        role: crate::RoleId,
        scope: Option<crate::ScopeId>,
    ) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::RevokeEligibility, |p| {
            p.revoke_eligibility(actor, user, role, scope)
        })
    }

    /// `user` activates, for itself, `role` (for `scope`) for `duration_ms`, saying why: a
    /// time-bound grant ending at now + `duration_ms`, audited (`activate`, with the
    /// justification) and notified ([`Notification::Activated`]). Activating again while
    /// active sets a new end. Every other rule still holds (separation of duty).
    ///
    /// # Errors
    /// [`Error::NotEligible`] without an eligibility for it; [`Error::InvalidArgument`] for a
    /// duration out of 1 ms to the eligibility's maximum, or a role held permanently;
    /// [`Error::InvalidName`] for an empty or malformed justification (one line, at most
    /// [`MAX_DESCRIPTION_CHARS`](crate::MAX_DESCRIPTION_CHARS) characters);
    /// [`Error::ActorInactive`] for an inactive user.
    ///
    /// # Examples
    /// ```
    /// use std::sync::Arc;
    /// use rolecall::{Directory, ManualClock, MemoryStore, NewUser, Permission, Preset};
    /// let clock = Arc::new(ManualClock::new(1_000_000));
    /// let dir = Directory::open_with_clock(MemoryStore::new(), clock.clone())?;
    /// let t = dir.create_tenant("Acme", &NewUser::new("Ada", "Root", "root@acme.test"), &[Preset::Managers])?;
    /// let manager = dir.role_by_name(t.tenant, "Manager")?.id;
    /// let tom = dir.create_user(t.superadmin, &NewUser::new("Tom", "Tech", "tom@acme.test"))?;
    /// dir.make_eligible(t.superadmin, tom, manager, None, 4 * 3_600_000)?; // up to 4 hours
    /// assert!(!dir.check(tom, Permission::CAMPAIGNS_MANAGE));
    /// dir.activate(tom, manager, None, 3_600_000, "INC-4711: queue outage")?;
    /// assert!(dir.check(tom, Permission::CAMPAIGNS_MANAGE));
    /// clock.advance(3_600_000);
    /// assert!(!dir.check(tom, Permission::CAMPAIGNS_MANAGE));
    /// # Ok::<(), rolecall::Error>(())
    /// ```
    pub fn activate(
        &self,
        user: UserId,
        role: crate::RoleId,
        scope: Option<crate::ScopeId>,
        duration_ms: i64,
        justification: &str,
    ) -> Result<Window, Error> {
        self.write(Some(user), AuditAction::Activate, |p| {
            p.activate(user, role, scope, duration_ms, justification)
        })
    }

    /// Ends `user`'s activation of `role` (for `scope`) now, by the user itself or by whoever
    /// may revoke the role from it. Ends any time-bound grant of the role the same way.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the user holds no time-bound grant of it; otherwise
    /// those of [`revoke_role`](Self::revoke_role).
    pub fn end_activation(
        &self,
        actor: UserId,
        user: UserId,
        role: crate::RoleId,
        scope: Option<crate::ScopeId>,
    ) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::EndActivation, |p| {
            p.end_activation(actor, user, role, scope)
        })
    }

    /// Makes `user` a break-glass (emergency) account, or an ordinary one again. A lock after
    /// failed logins does not keep a break-glass account out, and every use of it (each login
    /// attempt, each change it makes) is audited and notified
    /// ([`Notification::BreakGlassUsed`]). The superadministrator only.
    ///
    /// # Errors
    /// [`Error::SuperadminOnly`] for anyone else.
    pub fn set_break_glass(&self, actor: UserId, user: UserId, on: bool) -> Result<(), Error> {
        self.write(Some(actor), AuditAction::SetBreakGlass, |p| {
            p.set_break_glass(actor, user, on)
        })
    }
}

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
    /// let admin = dir.role_by_name(t.tenant, "Administrator")?.id;
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
            crate::ops::Plan::new(&m, m.now).tenants_with_expiries()
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

// Time-bound grants, eligible grants and their activation, break-glass accounts (issue 16), and
// the manual clock that moves a directory's time in tests.
// (Included into `uniffi_api.rs`, one module, by `include!`: the imports are there.)

// ---------------------------------------------------------------- records

/// When a time-bound grant is in force: from `from_ms` (inclusive) until `until_ms`
/// (exclusive), ms since the Unix epoch; `None` leaves that side open (both `None`: a permanent
/// grant). Local: the core's fields are named `from` and `until`, and `from` is a keyword of
/// Python.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Window {
    /// Start, ms since the Unix epoch (`None`: already started).
    pub from_ms: Option<i64>,
    /// End (exclusive), ms since the Unix epoch (`None`: never ends).
    pub until_ms: Option<i64>,
}

impl From<rolecall::Window> for Window {
    fn from(w: rolecall::Window) -> Self {
        Window {
            from_ms: w.from,
            until_ms: w.until,
        }
    }
}

impl From<Window> for rolecall::Window {
    fn from(w: Window) -> Self {
        rolecall::Window {
            from: w.from_ms,
            until: w.until_ms,
        }
    }
}

/// One of a user's assignments that can carry a [`Window`] (local: the core's variants are
/// tuple variants, whose fields the bindings would leave unnamed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum Assignment {
    /// A role held directly.
    Role {
        /// The role.
        role: RoleId,
    },
    /// A role held for one scope.
    ScopeRole {
        /// The role.
        role: RoleId,
        /// The scope.
        scope: ScopeId,
    },
    /// Membership of a user group.
    Group {
        /// The group.
        group: GroupId,
    },
    /// An assigned scope (003).
    Scope {
        /// The scope.
        scope: ScopeId,
    },
    /// The level on one product of an agreement.
    Level {
        /// The agreement.
        agreement: AgreementId,
        /// The product.
        product: Product,
    },
    /// The PBX subscriber link under an agreement.
    Pbx {
        /// The agreement.
        agreement: AgreementId,
    },
}

impl From<rolecall::Assignment> for Assignment {
    fn from(a: rolecall::Assignment) -> Self {
        use rolecall::Assignment as A;
        match a {
            A::Role(role) => Assignment::Role { role },
            A::ScopeRole(g) => Assignment::ScopeRole {
                role: g.role,
                scope: g.scope,
            },
            A::Group(group) => Assignment::Group { group },
            A::Scope(scope) => Assignment::Scope { scope },
            A::Level { agreement, product } => Assignment::Level { agreement, product },
            A::Pbx(agreement) => Assignment::Pbx { agreement },
        }
    }
}

impl From<Assignment> for rolecall::Assignment {
    fn from(a: Assignment) -> Self {
        use rolecall::Assignment as A;
        match a {
            Assignment::Role { role } => A::Role(role),
            Assignment::ScopeRole { role, scope } => A::ScopeRole(ScopeGrant { role, scope }),
            Assignment::Group { group } => A::Group(group),
            Assignment::Scope { scope } => A::Scope(scope),
            Assignment::Level { agreement, product } => A::Level { agreement, product },
            Assignment::Pbx { agreement } => A::Pbx(agreement),
        }
    }
}

/// What [`Directory::grant_for`] grants for a time: an [`Assignment`] with the value it gives
/// (the level, the subscriber). Local, as [`Assignment`].
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum TimedGrant {
    /// A role held directly.
    Role {
        /// The role.
        role: RoleId,
    },
    /// A role held for one scope (and everything below it).
    ScopeRole {
        /// The role.
        role: RoleId,
        /// The scope.
        scope: ScopeId,
    },
    /// Membership of a user group.
    Group {
        /// The group.
        group: GroupId,
    },
    /// An assigned scope (003).
    Scope {
        /// The scope.
        scope: ScopeId,
    },
    /// A level on one product of an agreement (it falls to no access at the window's end).
    Level {
        /// The agreement.
        agreement: AgreementId,
        /// The product.
        product: Product,
        /// The level (never `Owner`; `NoAccess` is refused).
        level: AccessLevel,
    },
    /// A PBX subscriber link under an agreement.
    Pbx {
        /// The agreement.
        agreement: AgreementId,
        /// The subscriber name.
        subscriber: String,
    },
}

impl From<TimedGrant> for rolecall::TimedGrant {
    fn from(g: TimedGrant) -> Self {
        use rolecall::TimedGrant as G;
        match g {
            TimedGrant::Role { role } => G::Role(role),
            TimedGrant::ScopeRole { role, scope } => G::ScopeRole(ScopeGrant { role, scope }),
            TimedGrant::Group { group } => G::Group(group),
            TimedGrant::Scope { scope } => G::Scope(scope),
            TimedGrant::Level {
                agreement,
                product,
                level,
            } => G::Level {
                agreement,
                product,
                level,
            },
            TimedGrant::Pbx {
                agreement,
                subscriber,
            } => G::Pbx {
                agreement,
                subscriber,
            },
        }
    }
}

/// One time-bound assignment of a user and its window (`User.windows`).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct AssignmentWindow {
    /// The assignment.
    pub assignment: Assignment,
    /// When it is in force.
    pub window: Window,
}

/// A user's windows: the core's map, a list in the user's order in the bindings (roles, roles
/// for a scope, groups, scopes, levels, PBX links, each by id).
type WindowMap = BTreeMap<rolecall::Assignment, rolecall::Window>;
uniffi::custom_type!(WindowMap, Vec<AssignmentWindow>, {
    remote,
    lower: |map| map
        .into_iter()
        .map(|(a, w)| AssignmentWindow { assignment: a.into(), window: w.into() })
        .collect(),
    try_lift: |list| Ok(list
        .into_iter()
        .map(|aw: AssignmentWindow| (aw.assignment.into(), aw.window.into()))
        .collect()),
});

/// A role a user may activate for itself ([`Directory::activate`]), held directly (`scope`
/// `None`) or for `scope`, for at most `max_ms` at a time.
#[uniffi::remote(Record)]
pub struct Eligibility {
    pub role: RoleId,
    pub scope: Option<ScopeId>,
    pub max_ms: i64,
}

/// A user's eligibilities: a list in the user's order in the bindings (role id, then no scope
/// before scopes in id order).
type EligibleSet = BTreeSet<Eligibility>;
uniffi::custom_type!(EligibleSet, Vec<Eligibility>, {
    remote,
    lower: |set| set.into_iter().collect(),
    try_lift: |list| Ok(list.into_iter().collect()),
});

// ---------------------------------------------------------------- the manual clock

/// A clock that moves only when told to, for tests and simulations: open a directory on it
/// ([`Directory::in_memory_with_clock`]), then `advance` it; time-bound grants start and end
/// as it moves. Times are ms since the Unix epoch.
#[derive(uniffi::Object)]
pub struct ManualClock {
    inner: Arc<rolecall::ManualClock>,
}

#[uniffi::export]
impl ManualClock {
    /// A clock reading `now_ms`.
    #[uniffi::constructor]
    pub fn new(now_ms: i64) -> Arc<Self> {
        Arc::new(ManualClock {
            inner: Arc::new(rolecall::ManualClock::new(now_ms)),
        })
    }

    /// The time it reads.
    pub fn now(&self) -> i64 {
        self.inner.now()
    }

    /// Sets the time; the directories opened on this clock see it at once.
    pub fn set(&self, now_ms: i64) {
        self.inner.set(now_ms);
    }

    /// Moves the time forward by `ms`, as `set`.
    pub fn advance(&self, ms: i64) {
        self.inner.advance(ms);
    }
}

// ---------------------------------------------------------------- the directory

#[uniffi::export]
impl Directory {
    /// An empty directory in memory whose time is `clock`'s (tests).
    #[uniffi::constructor]
    pub fn in_memory_with_clock(clock: Arc<ManualClock>) -> R<Arc<Self>> {
        Ok(Arc::new(Directory {
            inner: rolecall::Directory::open_with_clock(
                rolecall::MemoryStore::new(),
                clock.inner.clone(),
            )?,
        }))
    }

    /// The directory stored in a SQLite file (created if needed) whose time is `clock`'s.
    #[uniffi::constructor]
    pub fn open_sqlite_with_clock(path: String, clock: Arc<ManualClock>) -> R<Arc<Self>> {
        Ok(Arc::new(Directory {
            inner: rolecall::Directory::open_with_clock(
                rolecall::SqliteStore::open(path)?,
                clock.inner.clone(),
            )?,
        }))
    }

    // ---- time-bound grants

    /// Grants `grant` to `user` for the instants of `window`, under the rules of the permanent
    /// grant; on an assignment already held it sets a new window (extending is a grant). Both
    /// sides `None` make it permanent. It ends on time with no call needed: audited
    /// (`expired`), notified ([`Notification::GrantExpired`]), the user's sessions ended.
    /// Fails with `invalid_window` for a window that ends before it starts or has ended.
    pub fn grant_for(
        &self,
        actor: UserId,
        user: UserId,
        grant: TimedGrant,
        window: Window,
    ) -> R<()> {
        Ok(self
            .inner
            .grant_for(actor, user, &grant.into(), window.into())?)
    }

    /// Moves the directory's time to its clock's now (it runs by itself; never needed).
    pub fn tick(&self) {
        self.inner.tick();
    }

    // ---- eligibility and activation

    /// Makes `user` eligible to activate `role` for itself, held directly (`scope` `None`) or
    /// for `scope`, for at most `max_ms` at a time (1 ms to 31 days), under the rules of
    /// granting the role.
    pub fn make_eligible(
        &self,
        actor: UserId,
        user: UserId,
        role: RoleId,
        scope: Option<ScopeId>,
        max_ms: i64,
    ) -> R<()> {
        Ok(self.inner.make_eligible(actor, user, role, scope, max_ms)?)
    }

    /// Takes back `user`'s eligibility for `role` (for `scope`).
    pub fn revoke_eligibility(
        &self,
        actor: UserId,
        user: UserId,
        role: RoleId,
        scope: Option<ScopeId>,
    ) -> R<()> {
        Ok(self.inner.revoke_eligibility(actor, user, role, scope)?)
    }

    /// `user` activates, for itself, `role` (for `scope`) for `duration_ms`, saying why:
    /// audited and notified ([`Notification::Activated`]); returns the activation's window.
    /// Fails with `not_eligible` without an eligibility for it.
    pub fn activate(
        &self,
        user: UserId,
        role: RoleId,
        scope: Option<ScopeId>,
        duration_ms: i64,
        justification: &str,
    ) -> R<Window> {
        Ok(self
            .inner
            .activate(user, role, scope, duration_ms, justification)?
            .into())
    }

    /// Ends `user`'s activation of `role` (for `scope`) now.
    pub fn end_activation(
        &self,
        actor: UserId,
        user: UserId,
        role: RoleId,
        scope: Option<ScopeId>,
    ) -> R<()> {
        Ok(self.inner.end_activation(actor, user, role, scope)?)
    }

    // ---- break-glass

    /// Makes `user` a break-glass account (`on`) or an ordinary one (superadministrator only):
    /// a lock does not keep it out, and every use is notified
    /// ([`Notification::BreakGlassUsed`]).
    pub fn set_break_glass(&self, actor: UserId, user: UserId, on: bool) -> R<()> {
        Ok(self.inner.set_break_glass(actor, user, on)?)
    }
}

#[uniffi::export]
impl Snapshot {
    /// The instant (ms since the Unix epoch) it answers for.
    pub fn computed_at(&self) -> i64 {
        self.inner.computed_at()
    }

    /// The next instant a time-bound grant starts or ends, when its answers stop being current
    /// (`None`: never).
    pub fn valid_until(&self) -> Option<i64> {
        self.inner.valid_until()
    }
}

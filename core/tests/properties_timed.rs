//! Property tests of time-bound grants (issue 16): random sequences of grants with random
//! windows (roles, group memberships, per-scope roles, levels), plain grants and revocations,
//! eligibility and activations, refused attempts by ordinary users, and the clock moving
//! forward, on a directory whose manual clock only the test moves.
//!
//! After every step:
//! 1. no user holds an ended grant: no record keeps an assignment whose window ended (the end
//!    was recorded the moment the clock passed it), and nothing ended counts;
//! 2. the snapshot equals the rights recomputed from the public records at the clock's now
//!    (roles held directly and through groups, each counted only while its window contains
//!    now; per-scope roles the same for their scope; levels likewise), for every user;
//! 3. the snapshot knows its next change: `valid_until` is the earliest start or end after now
//!    among the windows of the records;
//! 4. a refused step changes nothing (revision and records unchanged);
//! 5. every window belongs to an assignment the user holds (for roles and per-scope roles);
//! 6. each end is recorded once: the `expired` audit events never outnumber the windows that
//!    ended, and a directory reopened on the same store answers the same.
//!
//! 256 cases by default (`PROPTEST_CASES` overrides it).

use std::sync::Arc;

use proptest::prelude::*;
use rolecall::{
    AccessLevel, AgreementId, Assignment, AuditAction, AuditQuery, Directory, GroupId, ManualClock,
    MemoryStore, NewRole, NewUser, Permission, Preset, Product, RoleId, ScopeGrant, ScopeId,
    ScopeKind, TimedGrant, UserId, Window,
};

const T0: i64 = 1_800_000_000_000;
const MIN: i64 = 60_000;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(256)
}

/// The universe of one case.
struct World {
    dir: Directory,
    store: MemoryStore,
    clock: Arc<ManualClock>,
    root: UserId,
    users: Vec<UserId>,
    roles: Vec<RoleId>,
    groups: Vec<GroupId>,
    scopes: Vec<ScopeId>,
    agreement: AgreementId,
}

const PERMS: [Permission; 6] = [
    Permission::CAMPAIGNS_VIEW,
    Permission::CAMPAIGNS_MANAGE,
    Permission::REPORTS_VIEW,
    Permission::NUMBERS_VIEW,
    Permission::SCRIPTS_VIEW,
    Permission::BILLING_VIEW,
];

impl World {
    fn new() -> World {
        let clock = Arc::new(ManualClock::new(T0));
        let store = MemoryStore::new();
        let dir = Directory::open_with_clock(store.clone(), clock.clone()).unwrap();
        let t = dir
            .create_tenant(
                "Acme",
                &NewUser::new("Ada", "Root", "root@acme.test"),
                &[Preset::Managers],
            )
            .unwrap();
        let root = t.superadmin;
        let mut roles = Vec::new();
        for (i, p) in PERMS.iter().enumerate() {
            let extra = PERMS[(i + 1) % PERMS.len()];
            roles.push(
                dir.create_role(root, &NewRole::new(format!("R{i}"), *p | extra))
                    .unwrap(),
            );
        }
        // A delegate: may manage users and groups, holds two of the custom rights only.
        let hr = dir
            .create_role(
                root,
                &NewRole::new(
                    "HR",
                    Permission::USERS_MANAGE
                        | Permission::USERS_VIEW
                        | Permission::GROUPS_MANAGE
                        | PERMS[0]
                        | PERMS[1],
                ),
            )
            .unwrap();
        let groups = vec![
            dir.create_group(root, "G0", &[roles[0]]).unwrap(),
            dir.create_group(root, "G1", &[roles[2], roles[3]]).unwrap(),
        ];
        let scopes = vec![
            dir.create_scope(root, ScopeKind::Queue, "Q0").unwrap(),
            dir.create_scope(root, ScopeKind::Queue, "Q1").unwrap(),
        ];
        let mut users = Vec::new();
        for i in 0..4 {
            let roles = if i == 3 { vec![hr] } else { vec![] };
            users.push(
                dir.create_user(
                    root,
                    &NewUser::new(format!("U{i}"), "T", format!("u{i}@acme.test")).roles(roles),
                )
                .unwrap(),
            );
        }
        let agreement = dir.create_agreement(root, "Main", root).unwrap();
        World {
            dir,
            store,
            clock,
            root,
            users,
            roles,
            groups,
            scopes,
            agreement,
        }
    }

    fn now(&self) -> i64 {
        self.clock.now()
    }

    /// The rights of `u` recomputed from the public records at now: unscoped, plus those
    /// granted for `scope` when one is given.
    fn reference(&self, u: UserId, scope: Option<ScopeId>) -> Permission {
        let rec = self.dir.user(u).unwrap();
        if !rec.active {
            return Permission::empty();
        }
        let now = self.now();
        let live = |a: Assignment| rec.windows.get(&a).is_none_or(|w| w.contains(now));
        let mut p = Permission::empty();
        for r in &rec.roles {
            if live(Assignment::Role(*r)) {
                p |= self.dir.role(*r).unwrap().permissions;
            }
        }
        for g in self.dir.user_groups(u).unwrap() {
            if live(Assignment::Group(g)) {
                p |= self.dir.group_permissions(g).unwrap();
            }
        }
        for g in &rec.grants {
            // Unscoped: everything held anywhere; for a scope: only its own grants.
            if scope.is_none_or(|s| s == g.scope) && live(Assignment::ScopeRole(*g)) {
                p |= self.dir.role(g.role).unwrap().permissions;
            }
        }
        p
    }

    fn dump(&self) -> String {
        let mut out = String::new();
        for u in self.users.iter().chain([&self.root]) {
            out += &format!(
                "{:?} {:?}\n",
                self.dir.user(*u).unwrap(),
                self.dir.user_groups(*u).unwrap()
            );
        }
        out
    }

    fn check(&self) -> Result<(), TestCaseError> {
        let now = self.now();
        let mut next: Option<i64> = None;
        for &u in &self.users {
            let rec = self.dir.user(u).unwrap();
            for (a, w) in &rec.windows {
                // 1. nothing ended is kept
                prop_assert!(!w.ended(now), "{u}: {a:?} {w:?} ended at {now} but is kept");
                // 5. windows belong to what is held
                match a {
                    Assignment::Role(r) => prop_assert!(rec.roles.contains(r), "{a:?}"),
                    Assignment::ScopeRole(g) => prop_assert!(rec.grants.contains(g), "{a:?}"),
                    _ => {}
                }
                for t in w.from.into_iter().chain(w.until) {
                    if t > now {
                        next = Some(next.map_or(t, |n: i64| n.min(t)));
                    }
                }
            }
            // 2. the snapshot equals the recomputation
            let want = self.reference(u, None);
            let got = self.dir.effective_permissions(u).unwrap();
            prop_assert_eq!(got, want, "{} at {}", u, now);
            for p in PERMS {
                prop_assert_eq!(self.dir.check(u, p), want.contains(p));
                for s in &self.scopes {
                    let scoped = self.reference(u, Some(*s));
                    prop_assert_eq!(
                        self.dir.check_scoped(u, p, *s),
                        scoped.contains(p),
                        "{} {:?} on {}",
                        u,
                        p,
                        s
                    );
                }
            }
            let level = self.dir.access_level(self.agreement, u, Product::Core);
            let stored = rec
                .windows
                .get(&Assignment::Level {
                    agreement: self.agreement,
                    product: Product::Core,
                })
                .is_none_or(|w| w.contains(now));
            if !stored {
                prop_assert_eq!(level, AccessLevel::NoAccess);
            }
        }
        // 3. the snapshot's next change
        prop_assert_eq!(self.dir.snapshot().valid_until(), next);
        Ok(())
    }
}

#[derive(Clone, Debug)]
enum Kind {
    Role(usize),
    Group(usize),
    ScopeRole(usize, usize),
    Level,
}

#[derive(Clone, Debug)]
enum Op {
    /// A time-bound grant by the superadministrator (`by_root`) or the delegate.
    GrantFor {
        by_root: bool,
        user: usize,
        kind: Kind,
        from: Option<u8>,
        until: Option<u8>,
    },
    Assign(usize, usize),
    Revoke(usize, usize),
    Join(usize, usize),
    Leave(usize, usize),
    MakeEligible(usize, usize, u8),
    Activate(usize, usize, u8),
    EndActivation(usize, usize),
    Advance(u8),
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        (0..PERMS.len()).prop_map(Kind::Role),
        (0..2usize).prop_map(Kind::Group),
        (0..PERMS.len(), 0..2usize).prop_map(|(r, s)| Kind::ScopeRole(r, s)),
        Just(Kind::Level),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let user = 0..3usize;
    let role = 0..PERMS.len();
    prop_oneof![
        4 => (any::<bool>(), user.clone(), kind(), proptest::option::of(0..40u8), proptest::option::of(0..60u8))
            .prop_map(|(by_root, user, kind, from, until)| Op::GrantFor { by_root, user, kind, from, until }),
        1 => (user.clone(), role.clone()).prop_map(|(u, r)| Op::Assign(u, r)),
        1 => (user.clone(), role.clone()).prop_map(|(u, r)| Op::Revoke(u, r)),
        1 => (user.clone(), 0..2usize).prop_map(|(u, g)| Op::Join(u, g)),
        1 => (user.clone(), 0..2usize).prop_map(|(u, g)| Op::Leave(u, g)),
        1 => (user.clone(), role.clone(), 1..60u8).prop_map(|(u, r, m)| Op::MakeEligible(u, r, m)),
        2 => (user.clone(), role.clone(), 1..60u8).prop_map(|(u, r, m)| Op::Activate(u, r, m)),
        1 => (user.clone(), role.clone()).prop_map(|(u, r)| Op::EndActivation(u, r)),
        4 => (0..30u8).prop_map(Op::Advance),
    ]
}

fn run(w: &World, op: &Op) -> Result<(), rolecall::Error> {
    let d = &w.dir;
    let now = w.now();
    match op {
        Op::GrantFor {
            by_root,
            user,
            kind,
            from,
            until,
        } => {
            let actor = if *by_root { w.root } else { w.users[3] };
            let grant = match kind {
                Kind::Role(r) => TimedGrant::Role(w.roles[*r]),
                Kind::Group(g) => TimedGrant::Group(w.groups[*g]),
                Kind::ScopeRole(r, s) => TimedGrant::ScopeRole(ScopeGrant {
                    role: w.roles[*r],
                    scope: w.scopes[*s],
                }),
                Kind::Level => TimedGrant::Level {
                    agreement: w.agreement,
                    product: Product::Core,
                    level: AccessLevel::User,
                },
            };
            // Offsets from now, in minutes; an end before the start is refused.
            let window = Window {
                from: from.map(|m| now + i64::from(m) * MIN - 10 * MIN),
                until: until.map(|m| now + i64::from(m) * MIN),
            };
            d.grant_for(actor, w.users[*user], &grant, window)
        }
        Op::Assign(u, r) => d.assign_role(w.root, w.users[*u], w.roles[*r]),
        Op::Revoke(u, r) => d.revoke_role(w.root, w.users[*u], w.roles[*r]),
        Op::Join(u, g) => d.add_member(w.root, w.groups[*g], w.users[*u]),
        Op::Leave(u, g) => d.remove_member(w.root, w.groups[*g], w.users[*u]),
        Op::MakeEligible(u, r, m) => {
            d.make_eligible(w.root, w.users[*u], w.roles[*r], None, i64::from(*m) * MIN)
        }
        Op::Activate(u, r, m) => d
            .activate(
                w.users[*u],
                w.roles[*r],
                None,
                i64::from(*m) * MIN,
                "on call",
            )
            .map(|_| ()),
        Op::EndActivation(u, r) => d.end_activation(w.users[*u], w.users[*u], w.roles[*r], None),
        Op::Advance(m) => {
            w.clock.advance(i64::from(*m) * MIN);
            Ok(())
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn no_ended_grant_is_held_and_the_snapshot_follows_the_clock(ops in proptest::collection::vec(op(), 1..40)) {
        let w = World::new();
        let mut ended_windows = 0usize;
        for op in &ops {
            let before = (w.dir.revision(), w.dump());
            let windows_before: Vec<(UserId, Window)> = w.users.iter()
                .flat_map(|u| w.dir.user(*u).unwrap().windows.into_values().map(move |x| (*u, x)))
                .collect();
            match run(&w, op) {
                Ok(()) => {}
                Err(e) => {
                    // 4. a refusal changes nothing
                    prop_assert_eq!(w.dir.revision(), before.0, "{:?} refused ({}) yet committed", op, e);
                    prop_assert_eq!(w.dump(), before.1.clone(), "{:?}", op);
                }
            }
            let now = w.now();
            ended_windows += windows_before.iter().filter(|(_, x)| x.ended(now)).count();
            w.check()?;
        }
        // 6. each end recorded at most once
        let expired = w.dir.audit_events(&AuditQuery {
            action: Some(AuditAction::Expired),
            limit: 1000,
            ..AuditQuery::default()
        }).unwrap().total;
        prop_assert!(expired <= ended_windows, "{expired} expiry events for {ended_windows} ended windows");
        // A directory reopened on the same store at the same instant answers the same.
        let again = Directory::open_with_clock(w.store.clone(), Arc::new(ManualClock::new(w.now()))).unwrap();
        for u in &w.users {
            prop_assert_eq!(again.effective_permissions(*u).unwrap(), w.dir.effective_permissions(*u).unwrap());
            prop_assert_eq!(again.user(*u).unwrap(), w.dir.user(*u).unwrap());
        }
    }
}

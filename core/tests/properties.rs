//! Property-based tests of the whole directory.
//!
//! Each case builds a small universe (two tenants created with presets; users with random
//! roles, some inactive; custom roles with random permission subsets, some scope-restricted,
//! some administrator-tier; groups; call groups and IVRs; a hierarchy of teams with a queue
//! below them (issue 15), users members of some teams, delegates holding their management role
//! only as a grant for a team; an agreement per tenant with random levels and PBX links), then
//! runs a random sequence of operations (scopes created under others, moved, cycles attempted,
//! deleted with or without their contents; roles granted and revoked per scope; team
//! membership set). Actors are drawn from the
//! users of *both* tenants (inactive ones, deleted ones, the superadministrators and unknown
//! ids included), and so are targets, so cross-tenant and unknown-id attempts are frequent.
//!
//! After every step the invariants below are checked against what the directory answers
//! through its public API (see `check_step` and `check_state`):
//!
//! 1. no escalation: whatever a successful step gives any user (a permission, unscoped or for a
//!    scope, inherited from a scope above included; an agreement level) the acting user held
//!    before the step (there, for a scope; a scope created by the step carries its parent's);
//! 2. a step by anyone but the superadministrator never changes who holds an
//!    administrator-tier role, such a role, which groups carry one, nor the access of another
//!    administrator;
//! 3. no step but an explicit removal leaves a member without a group (group deletion);
//! 4. every agreement has exactly one Owner, always active, changed only by a transfer (by the
//!    Owner, or by the superadministrator, who acts with Owner powers); only the Owner or the
//!    superadministrator changes an agreement Administrator's access (deactivating or deleting
//!    it included) or sets No access; nobody is granted Owner by an ordinary change; the levels a
//!    reactivation restores are ones the actor could grant;
//! 5. tenant isolation: a step never changes the other tenant (dump compared, and every change
//!    of its commit is of the actor's tenant); naming another tenant's object fails, with
//!    `WrongTenant` unless a check that comes first (input, the actor's own rights) refused it;
//! 6. an inactive user fails every check, and an inactive actor can do nothing;
//! 7. the snapshot equals the effective access recomputed from the public records
//!    (`effective_permissions`, `check` of every catalogue right, `allowed_scopes`,
//!    `check_scoped` for every call group / IVR, levels, PBX links), for every user;
//! 8. a refused step changes nothing (revision, store and full dump unchanged);
//! 9. `check_user`, `user_as`, `search_users_as` and `allowed_scopes_of_kind` equal the rights
//!    recomputed from the records (the unscoped rights, or what is held on a target's team or a
//!    scope above it), for every pair of users;
//! 10. delegated administration: a successful user-administration step (groups.manage for
//!     memberships) by an actor holding the right only within teams names only users inside
//!     its teams before and after the step, and changes no other user record.
//!
//! Properties (1,000 cases each by default, 256 in `scripts/test-all.sh`; `PROPTEST_CASES`
//! overrides it, and `PROPTEST_MAX_SHRINK_ITERS` / `PROPTEST_MAX_SHRINK_TIME` the shrinking
//! budget):
//! - `invariants_hold_after_every_step`: random actors, random targets;
//! - `delegates_grant_only_what_they_hold`: the same invariants on sequences by "delegates"
//!   (users given management rights, some only for their own call groups / IVRs) on their own
//!   tenant, where delegation succeeds and an escalation would show;
//! - `incremental_refresh_equals_the_original`: two directories on clones of one `MemoryStore`
//!   each run some of the steps (catching up before writing), and a third opened on the empty
//!   store refreshes after every step; all answer every check identically, and as a directory
//!   loaded from scratch.
//!
//! `generated_steps_reach_every_rule` keeps the generators honest: every operation succeeds
//! sometimes, by non-superadministrators too, and every rule refuses something.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{TestCaseError, TestRunner};
use rolecall::{
    AccessLevel, AgreementId, Change, Commit, Directory, Error, GroupId, ManualClock, MemoryStore,
    NewRole, NewUser, Permission, Preset, Product, RoleId, RolePatch, ScopeAccess, ScopeId,
    ScopeKind, Snapshot, Store, TenantId, User, UserId, UserPatch, UserQuery, CATALOGUE,
};
use serde::Serialize;

type TestResult = Result<(), TestCaseError>;

// ============================================================================================
// configuration
// ============================================================================================

/// 1,000 cases unless `PROPTEST_CASES` says otherwise. (An explicit `cases` in a
/// `ProptestConfig` overrides proptest's own reading of the variable, so read it here.)
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(1000)
}

fn config() -> ProptestConfig {
    let env = |k: &str, default: u32| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(default)
    };
    ProptestConfig {
        cases: cases(),
        max_shrink_iters: env("PROPTEST_MAX_SHRINK_ITERS", 20_000),
        max_shrink_time: env("PROPTEST_MAX_SHRINK_TIME", 120_000),
        // Saved seeds replay other inputs as soon as a generator changes; a failure prints
        // its shrunk input, to be kept as a plain regression test instead.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// The permissions custom roles are drawn from: the administration rights (so that
/// non-superadministrators can act) and a few rights of each preset (so that custom and
/// preset roles overlap).
const POOL: [Permission; 16] = [
    Permission::USERS_MANAGE,
    Permission::USERS_VIEW,
    Permission::ROLES_MANAGE,
    Permission::GROUPS_MANAGE,
    Permission::SCOPES_MANAGE,
    Permission::AGREEMENTS_MANAGE,
    Permission::PROFILE_EDIT,
    Permission::CAMPAIGNS_VIEW,
    Permission::CAMPAIGNS_CONTROL,
    Permission::REPORTS_VIEW,
    Permission::DASHBOARD_ANALYTICS,
    Permission::DASHBOARD_LOGS,
    Permission::DASHBOARD_BILLING,
    Permission::DASHBOARD_USERS,
    Permission::BROADCASTS_CONTROL,
    Permission::PROJECTS_VIEW,
];

/// Rights every delegate role holds (bits of [`POOL`]): users.manage, groups.manage.
const DELEGATE_BITS: u16 = 0b1001;

fn perms_of(mask: u16) -> Permission {
    POOL.iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .fold(Permission::empty(), |acc, (_, p)| acc | *p)
}

/// Preset combinations whose role names do not collide.
const PRESET_COMBOS: [&[Preset]; 5] = [
    &[Preset::Managers],
    &[Preset::Dashboard],
    &[Preset::RoleModel],
    &[Preset::Dashboard, Preset::RoleModel],
    &[Preset::Managers, Preset::Dashboard, Preset::RoleModel],
];

const UNKNOWN_USER: UserId = UserId(1_000_003);
const UNKNOWN_ROLE: RoleId = RoleId(1_000_003);
const UNKNOWN_GROUP: GroupId = GroupId(1_000_003);
const UNKNOWN_SCOPE: ScopeId = ScopeId(1_000_003);
const UNKNOWN_AGREEMENT: AgreementId = AgreementId(1_000_003);

fn bits() -> impl Iterator<Item = Permission> {
    CATALOGUE.iter().map(|(p, _)| *p)
}

// ============================================================================================
// generated input
// ============================================================================================

#[derive(Clone, Debug)]
struct RoleSpec {
    tenant: usize,
    mask: u16,
    /// Keep only rights of the tenant's delegate role (so that delegates may grant it).
    within_delegate: bool,
    scoped: bool,
    admin_tier: bool,
    /// What it denies (explicit deny, issue 16), besides what it allows; mostly nothing.
    deny: u16,
}

/// A delegate: a user holding the tenant's "delegate" role (management rights, not
/// administrator-tier), so that non-superadministrators succeed often enough to matter.
#[derive(Clone, Debug)]
struct DelegateSpec {
    tenant: usize,
    /// Holds the scope-restricted copy of the delegate role instead: every right it has
    /// applies only to its own call groups / IVRs, which is what scoped grants check.
    scoped: bool,
    /// Holds the delegate role only as a grant for this team (of the tenant's teams), and is
    /// a member of it: a team-scoped administrator (issue 15).
    team: Option<u16>,
    roles: Vec<u16>,
    scopes: Vec<u16>,
    teams: Vec<u16>,
}

#[derive(Clone, Debug)]
struct UserSpec {
    tenant: usize,
    roles: Vec<u16>,
    active: bool,
    scopes: Vec<u16>,
    teams: Vec<u16>,
}

#[derive(Clone, Debug)]
struct GroupSpec {
    tenant: usize,
    roles: Vec<u16>,
    /// Also carries an administrator-tier role of the tenant, when it has one.
    admin: bool,
    members: Vec<u16>,
}

#[derive(Clone, Debug)]
struct Setup {
    presets: [usize; 2],
    delegate_masks: [u16; 2],
    delegates: Vec<DelegateSpec>,
    roles: Vec<RoleSpec>,
    users: Vec<UserSpec>,
    groups: Vec<GroupSpec>,
    owners: [u16; 2],
    /// (tenant, user, product, level), set by the agreement's owner.
    levels: Vec<(usize, u16, usize, usize)>,
    /// (tenant, user, subscriber), linked by the agreement's owner.
    links: Vec<(usize, u16, u8)>,
}

fn mask() -> impl Strategy<Value = u16> {
    prop_oneof![
        any::<u16>(),
        (any::<u16>(), any::<u16>()).prop_map(|(a, b)| a & b),
        (any::<u16>(), any::<u16>(), any::<u16>()).prop_map(|(a, b, c)| a & b & c),
    ]
}

/// A set of denials: empty most of the time, else a few rights.
fn deny_mask() -> impl Strategy<Value = u16> {
    prop_oneof![
        1 => Just(0u16),
        1 => (any::<u16>(), any::<u16>(), any::<u16>()).prop_map(|(a, b, c)| a & b & c),
    ]
}

fn setup_strategy() -> impl Strategy<Value = Setup> {
    let role = (
        0..2usize,
        mask(),
        prop::bool::weighted(0.7),
        prop::bool::weighted(0.3),
        prop::bool::weighted(0.2),
        deny_mask(),
    )
        .prop_map(
            |(tenant, mask, within_delegate, scoped, admin_tier, deny)| RoleSpec {
                tenant,
                mask,
                within_delegate,
                scoped,
                admin_tier,
                deny,
            },
        );
    let delegate = (
        0..2usize,
        any::<bool>(),
        prop::option::weighted(0.4, any::<u16>()),
        vec(any::<u16>(), 0..3),
        vec(any::<u16>(), 0..3),
        vec(any::<u16>(), 0..2),
    )
        .prop_map(
            |(tenant, scoped, team, roles, scopes, teams)| DelegateSpec {
                tenant,
                scoped,
                team,
                roles,
                scopes,
                teams,
            },
        );
    let user = (
        0..2usize,
        vec(any::<u16>(), 0..3),
        prop::bool::weighted(0.8),
        vec(any::<u16>(), 0..3),
        vec(any::<u16>(), 0..3),
    )
        .prop_map(|(tenant, roles, active, scopes, teams)| UserSpec {
            tenant,
            roles,
            active,
            scopes,
            teams,
        });
    let group = (
        0..2usize,
        vec(any::<u16>(), 0..3),
        prop::bool::weighted(0.3),
        vec(any::<u16>(), 0..4),
    )
        .prop_map(|(tenant, roles, admin, members)| GroupSpec {
            tenant,
            roles,
            admin,
            members,
        });
    (
        (0..5usize, 0..5usize),
        (any::<u16>(), any::<u16>(), any::<u16>(), any::<u16>())
            .prop_map(|(a, b, c, d)| (a | b, c | d)),
        vec(delegate, 1..5),
        vec(role, 2..8),
        vec(user, 4..11),
        vec(group, 1..5),
        (any::<u16>(), any::<u16>()),
        vec(
            (
                0..2usize,
                any::<u16>(),
                prop_oneof![Just(0usize), 0..7usize],
                prop_oneof![Just(2usize), 0..3usize],
            ),
            2..14,
        ),
        vec((0..2usize, any::<u16>(), any::<u8>()), 0..3),
    )
        .prop_map(
            |(p, dm, delegates, roles, users, groups, o, levels, links)| Setup {
                presets: [p.0, p.1],
                delegate_masks: [dm.0, dm.1],
                delegates,
                roles,
                users,
                groups,
                owners: [o.0, o.1],
                levels,
                links,
            },
        )
}

/// An operation with its actor and targets as selectors, resolved when it runs (see
/// [`World::pick`]): a selector names an object of the actor's tenant most of the time, of the
/// other tenant sometimes, and an unknown id rarely. Deleted objects stay selectable.
#[derive(Clone, Debug)]
enum Op {
    CreateUser {
        actor: u16,
        email: u8,
        roles: Vec<u16>,
        active: bool,
        teams: Vec<u16>,
        /// (role, scope)
        grants: Vec<(u16, u16)>,
    },
    UpdateUser {
        actor: u16,
        user: u16,
        email: Option<u8>,
        name: Option<u8>,
    },
    DeleteUser {
        actor: u16,
        user: u16,
    },
    SetActive {
        actor: u16,
        user: u16,
        active: bool,
    },
    AssignRole {
        actor: u16,
        user: u16,
        role: u16,
    },
    RevokeRole {
        actor: u16,
        user: u16,
        role: u16,
    },
    SetRoles {
        actor: u16,
        user: u16,
        roles: Vec<u16>,
    },
    CreateRole {
        actor: u16,
        name: u8,
        mask: u16,
        scoped: bool,
        admin_tier: bool,
        /// Denied rights (minus those allowed).
        deny: u16,
    },
    UpdateRole {
        actor: u16,
        role: u16,
        name: Option<u8>,
        mask: Option<u16>,
        /// New denials (minus the rights the role allows after the update).
        deny: Option<u16>,
    },
    DeleteRole {
        actor: u16,
        role: u16,
    },
    CreateGroup {
        actor: u16,
        name: u8,
        roles: Vec<u16>,
    },
    RenameGroup {
        actor: u16,
        group: u16,
        name: u8,
    },
    DeleteGroup {
        actor: u16,
        group: u16,
    },
    AddGroupRole {
        actor: u16,
        group: u16,
        role: u16,
    },
    RemoveGroupRole {
        actor: u16,
        group: u16,
        role: u16,
    },
    AddMember {
        actor: u16,
        group: u16,
        user: u16,
    },
    RemoveMember {
        actor: u16,
        group: u16,
        user: u16,
    },
    CreateScope {
        actor: u16,
        ivr: bool,
        name: u8,
    },
    DeleteScope {
        actor: u16,
        scope: u16,
        /// `delete_scope_moving`.
        moving: bool,
    },
    CreateScopeUnder {
        actor: u16,
        parent: u16,
        kind: u8,
        name: u8,
    },
    MoveScope {
        actor: u16,
        scope: u16,
        /// `None`: to the root.
        parent: Option<u16>,
        /// Pick the parent below the scope (or the scope itself): a cycle.
        cycle: bool,
    },
    GrantRoleInScope {
        actor: u16,
        user: u16,
        role: u16,
        scope: u16,
    },
    RevokeRoleInScope {
        actor: u16,
        user: u16,
        /// A grant the user holds (half of the time), else (role, scope).
        grant: (u16, u16),
    },
    SetTeams {
        actor: u16,
        user: u16,
        teams: Vec<u16>,
    },
    AssignScope {
        actor: u16,
        user: u16,
        scope: u16,
    },
    UnassignScope {
        actor: u16,
        user: u16,
        scope: u16,
    },
    SetScopes {
        actor: u16,
        user: u16,
        scopes: Vec<u16>,
    },
    CreateAgreement {
        actor: u16,
        name: u8,
        owner: u16,
    },
    SetLevel {
        actor: u16,
        agreement: u16,
        user: u16,
        product: usize,
        level: usize,
    },
    TransferOwnership {
        actor: u16,
        agreement: u16,
        user: u16,
    },
    LinkPbx {
        actor: u16,
        agreement: u16,
        user: u16,
        subscriber: Option<u8>,
    },
}

fn op_strategy() -> impl Strategy<Value = Op> {
    let a = any::<u16>;
    let ids = || vec(any::<u16>(), 0..4);
    prop_oneof![
        3 => (a(), any::<u8>(), ids(), prop::bool::weighted(0.8), vec(a(), 0..2), vec((a(), a()), 0..2))
            .prop_map(|(actor, email, roles, active, teams, grants)| Op::CreateUser { actor, email, roles, active, teams, grants }),
        2 => (a(), a(), prop::option::of(any::<u8>()), prop::option::of(any::<u8>()))
            .prop_map(|(actor, user, email, name)| Op::UpdateUser { actor, user, email, name }),
        2 => (a(), a()).prop_map(|(actor, user)| Op::DeleteUser { actor, user }),
        4 => (a(), a(), any::<bool>()).prop_map(|(actor, user, active)| Op::SetActive { actor, user, active }),
        6 => (a(), a(), a()).prop_map(|(actor, user, role)| Op::AssignRole { actor, user, role }),
        3 => (a(), a(), a()).prop_map(|(actor, user, role)| Op::RevokeRole { actor, user, role }),
        3 => (a(), a(), ids()).prop_map(|(actor, user, roles)| Op::SetRoles { actor, user, roles }),
        3 => (a(), any::<u8>(), mask(), prop::bool::weighted(0.3), prop::bool::weighted(0.2), deny_mask())
            .prop_map(|(actor, name, mask, scoped, admin_tier, deny)| Op::CreateRole { actor, name, mask, scoped, admin_tier, deny }),
        4 => (a(), a(), prop::option::of(any::<u8>()), prop::option::of(mask()), prop::option::weighted(0.5, deny_mask()))
            .prop_map(|(actor, role, name, mask, deny)| Op::UpdateRole { actor, role, name, mask, deny }),
        2 => (a(), a()).prop_map(|(actor, role)| Op::DeleteRole { actor, role }),
        2 => (a(), any::<u8>(), ids()).prop_map(|(actor, name, roles)| Op::CreateGroup { actor, name, roles }),
        1 => (a(), a(), any::<u8>()).prop_map(|(actor, group, name)| Op::RenameGroup { actor, group, name }),
        3 => (a(), a()).prop_map(|(actor, group)| Op::DeleteGroup { actor, group }),
        4 => (a(), a(), a()).prop_map(|(actor, group, role)| Op::AddGroupRole { actor, group, role }),
        2 => (a(), a(), a()).prop_map(|(actor, group, role)| Op::RemoveGroupRole { actor, group, role }),
        5 => (a(), a(), a()).prop_map(|(actor, group, user)| Op::AddMember { actor, group, user }),
        3 => (a(), a(), a()).prop_map(|(actor, group, user)| Op::RemoveMember { actor, group, user }),
        2 => (a(), any::<bool>(), any::<u8>()).prop_map(|(actor, ivr, name)| Op::CreateScope { actor, ivr, name }),
        2 => (a(), a(), any::<bool>()).prop_map(|(actor, scope, moving)| Op::DeleteScope { actor, scope, moving }),
        3 => (a(), a(), 0..8u8, any::<u8>())
            .prop_map(|(actor, parent, kind, name)| Op::CreateScopeUnder { actor, parent, kind, name }),
        3 => (a(), a(), prop::option::weighted(0.8, a()), prop::bool::weighted(0.2))
            .prop_map(|(actor, scope, parent, cycle)| Op::MoveScope { actor, scope, parent, cycle }),
        5 => (a(), a(), a(), a())
            .prop_map(|(actor, user, role, scope)| Op::GrantRoleInScope { actor, user, role, scope }),
        2 => (a(), a(), (a(), a()))
            .prop_map(|(actor, user, grant)| Op::RevokeRoleInScope { actor, user, grant }),
        3 => (a(), a(), vec(a(), 0..3)).prop_map(|(actor, user, teams)| Op::SetTeams { actor, user, teams }),
        4 => (a(), a(), a()).prop_map(|(actor, user, scope)| Op::AssignScope { actor, user, scope }),
        2 => (a(), a(), a()).prop_map(|(actor, user, scope)| Op::UnassignScope { actor, user, scope }),
        1 => (a(), a(), ids()).prop_map(|(actor, user, scopes)| Op::SetScopes { actor, user, scopes }),
        1 => (a(), any::<u8>(), a()).prop_map(|(actor, name, owner)| Op::CreateAgreement { actor, name, owner }),
        5 => (a(), a(), a(), 0..7usize, 0..4usize)
            .prop_map(|(actor, agreement, user, product, level)| Op::SetLevel { actor, agreement, user, product, level }),
        2 => (a(), a(), a()).prop_map(|(actor, agreement, user)| Op::TransferOwnership { actor, agreement, user }),
        2 => (a(), a(), a(), prop::option::of(any::<u8>()))
            .prop_map(|(actor, agreement, user, subscriber)| Op::LinkPbx { actor, agreement, user, subscriber }),
    ]
}

/// Sequence lengths: long enough to build on earlier steps (a role created, granted, then
/// edited), short enough for 1,000 cases per property in well under a minute in debug mode.
const STEPS: std::ops::Range<usize> = 1..32;

fn ops_strategy() -> impl Strategy<Value = Vec<Op>> {
    vec(op_strategy(), STEPS)
}

/// An actor selector that picks a delegate (see [`World::pick_actor`]).
fn as_delegate(sel: u16) -> u16 {
    (sel / 20) * 20 + 4 + sel % 7
}

/// A target selector that picks an object of the actor's tenant (see [`World::pick`]).
fn local(sel: u16) -> u16 {
    (sel / 20) * 20 + sel % 16
}

/// A role selector that picks a custom role of the actor's tenant.
fn custom(sel: u16) -> u16 {
    local(sel & 0x7fff) | 0x8000
}

/// The same operation by a delegate, on objects of its own tenant, with custom roles: the
/// steps where delegation succeeds, so where escalation would show.
fn delegated(op: Op) -> Op {
    let d = as_delegate;
    let roles = |v: Vec<u16>| v.into_iter().map(custom).collect();
    match op {
        Op::CreateUser {
            actor,
            email,
            roles: r,
            active,
            teams,
            grants,
        } => Op::CreateUser {
            actor: d(actor),
            email,
            roles: roles(r),
            active,
            teams: teams.into_iter().map(local).collect(),
            grants: grants
                .into_iter()
                .map(|(r, s)| (custom(r), local(s)))
                .collect(),
        },
        Op::UpdateUser {
            actor,
            user,
            email,
            name,
        } => Op::UpdateUser {
            actor: d(actor),
            user: local(user),
            email,
            name,
        },
        Op::DeleteUser { actor, user } => Op::DeleteUser {
            actor: d(actor),
            user: local(user),
        },
        Op::SetActive {
            actor,
            user,
            active,
        } => Op::SetActive {
            actor: d(actor),
            user: local(user),
            active,
        },
        Op::AssignRole { actor, user, role } => Op::AssignRole {
            actor: d(actor),
            user: local(user),
            role: custom(role),
        },
        Op::RevokeRole { actor, user, role } => Op::RevokeRole {
            actor: d(actor),
            user: local(user),
            role: custom(role),
        },
        Op::SetRoles {
            actor,
            user,
            roles: r,
        } => Op::SetRoles {
            actor: d(actor),
            user: local(user),
            roles: roles(r),
        },
        Op::CreateRole {
            actor,
            name,
            mask,
            scoped,
            admin_tier,
            deny,
        } => Op::CreateRole {
            actor: d(actor),
            name,
            mask,
            scoped,
            admin_tier,
            deny,
        },
        Op::UpdateRole {
            actor,
            role,
            name,
            mask,
            deny,
        } => Op::UpdateRole {
            actor: d(actor),
            role: custom(role),
            name,
            mask,
            deny,
        },
        Op::DeleteRole { actor, role } => Op::DeleteRole {
            actor: d(actor),
            role: custom(role),
        },
        Op::CreateGroup {
            actor,
            name,
            roles: r,
        } => Op::CreateGroup {
            actor: d(actor),
            name,
            roles: roles(r),
        },
        Op::RenameGroup { actor, group, name } => Op::RenameGroup {
            actor: d(actor),
            group: local(group),
            name,
        },
        Op::DeleteGroup { actor, group } => Op::DeleteGroup {
            actor: d(actor),
            group: local(group),
        },
        Op::AddGroupRole { actor, group, role } => Op::AddGroupRole {
            actor: d(actor),
            group: local(group),
            role: custom(role),
        },
        Op::RemoveGroupRole { actor, group, role } => Op::RemoveGroupRole {
            actor: d(actor),
            group: local(group),
            role: custom(role),
        },
        Op::AddMember { actor, group, user } => Op::AddMember {
            actor: d(actor),
            group: local(group),
            user: local(user),
        },
        Op::RemoveMember { actor, group, user } => Op::RemoveMember {
            actor: d(actor),
            group: local(group),
            user: local(user),
        },
        Op::CreateScope { actor, ivr, name } => Op::CreateScope {
            actor: d(actor),
            ivr,
            name,
        },
        Op::DeleteScope {
            actor,
            scope,
            moving,
        } => Op::DeleteScope {
            actor: d(actor),
            scope: local(scope),
            moving,
        },
        Op::CreateScopeUnder {
            actor,
            parent,
            kind,
            name,
        } => Op::CreateScopeUnder {
            actor: d(actor),
            parent: local(parent),
            kind,
            name,
        },
        Op::MoveScope {
            actor,
            scope,
            parent,
            cycle,
        } => Op::MoveScope {
            actor: d(actor),
            scope: local(scope),
            parent: parent.map(local),
            cycle,
        },
        Op::GrantRoleInScope {
            actor,
            user,
            role,
            scope,
        } => Op::GrantRoleInScope {
            actor: d(actor),
            user: local(user),
            role: custom(role),
            scope: local(scope),
        },
        Op::RevokeRoleInScope {
            actor,
            user,
            grant: (r, s),
        } => Op::RevokeRoleInScope {
            actor: d(actor),
            user: local(user),
            grant: (custom(r), local(s)),
        },
        Op::SetTeams { actor, user, teams } => Op::SetTeams {
            actor: d(actor),
            user: local(user),
            teams: teams.into_iter().map(local).collect(),
        },
        Op::AssignScope { actor, user, scope } => Op::AssignScope {
            actor: d(actor),
            user: local(user),
            scope: local(scope),
        },
        Op::UnassignScope { actor, user, scope } => Op::UnassignScope {
            actor: d(actor),
            user: local(user),
            scope: local(scope),
        },
        Op::SetScopes {
            actor,
            user,
            scopes,
        } => Op::SetScopes {
            actor: d(actor),
            user: local(user),
            scopes: scopes.into_iter().map(local).collect(),
        },
        Op::CreateAgreement { actor, name, owner } => Op::CreateAgreement {
            actor: d(actor),
            name,
            owner: local(owner),
        },
        Op::SetLevel {
            actor,
            agreement,
            user,
            product,
            level,
        } => Op::SetLevel {
            actor: d(actor),
            agreement: local(agreement),
            user: local(user),
            product,
            level,
        },
        Op::TransferOwnership {
            actor,
            agreement,
            user,
        } => Op::TransferOwnership {
            actor: d(actor),
            agreement: local(agreement),
            user: local(user),
        },
        Op::LinkPbx {
            actor,
            agreement,
            user,
            subscriber,
        } => Op::LinkPbx {
            actor: d(actor),
            agreement: local(agreement),
            user: local(user),
            subscriber,
        },
    }
}

fn delegated_ops_strategy() -> impl Strategy<Value = Vec<Op>> {
    vec(op_strategy().prop_map(delegated), STEPS)
}

// ============================================================================================
// resolved steps
// ============================================================================================

/// An object named by a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Ref {
    User(UserId),
    Role(RoleId),
    Group(GroupId),
    Scope(ScopeId),
    Agreement(AgreementId),
}

/// An operation with concrete ids.
#[derive(Clone, Debug)]
enum Act {
    CreateUser(NewUser),
    UpdateUser(UserId, UserPatch),
    DeleteUser(UserId),
    SetActive(UserId, bool),
    AssignRole(UserId, RoleId),
    RevokeRole(UserId, RoleId),
    SetRoles(UserId, Vec<RoleId>),
    CreateRole(NewRole),
    UpdateRole(RoleId, RolePatch),
    DeleteRole(RoleId),
    CreateGroup(String, Vec<RoleId>),
    RenameGroup(GroupId, String),
    DeleteGroup(GroupId),
    AddGroupRole(GroupId, RoleId),
    RemoveGroupRole(GroupId, RoleId),
    AddMember(GroupId, UserId),
    RemoveMember(GroupId, UserId),
    CreateScope(ScopeKind, String),
    DeleteScope(ScopeId),
    DeleteScopeMoving(ScopeId),
    CreateScopeUnder(ScopeId, ScopeKind, String),
    MoveScope(ScopeId, Option<ScopeId>),
    GrantRoleInScope(UserId, RoleId, ScopeId),
    RevokeRoleInScope(UserId, RoleId, ScopeId),
    SetTeams(UserId, Vec<ScopeId>),
    AssignScope(UserId, ScopeId),
    UnassignScope(UserId, ScopeId),
    SetScopes(UserId, Vec<ScopeId>),
    CreateAgreement(String, UserId),
    SetLevel(AgreementId, UserId, Product, AccessLevel),
    TransferOwnership(AgreementId, UserId),
    LinkPbx(AgreementId, UserId, Option<String>),
}

impl Act {
    /// Every object the step names.
    fn refs(&self) -> Vec<Ref> {
        use Act::*;
        match self {
            CreateUser(n) => n
                .roles
                .iter()
                .map(|r| Ref::Role(*r))
                .chain(n.teams.iter().map(|s| Ref::Scope(*s)))
                .chain(
                    n.grants
                        .iter()
                        .flat_map(|g| [Ref::Role(g.role), Ref::Scope(g.scope)]),
                )
                .collect(),
            UpdateUser(u, _) | DeleteUser(u) | SetActive(u, _) => vec![Ref::User(*u)],
            AssignRole(u, r) | RevokeRole(u, r) => vec![Ref::User(*u), Ref::Role(*r)],
            SetRoles(u, rs) => std::iter::once(Ref::User(*u))
                .chain(rs.iter().map(|r| Ref::Role(*r)))
                .collect(),
            CreateRole(_) | CreateScope(..) => vec![],
            UpdateRole(r, _) | DeleteRole(r) => vec![Ref::Role(*r)],
            CreateGroup(_, rs) => rs.iter().map(|r| Ref::Role(*r)).collect(),
            RenameGroup(g, _) | DeleteGroup(g) => vec![Ref::Group(*g)],
            AddGroupRole(g, r) | RemoveGroupRole(g, r) => vec![Ref::Group(*g), Ref::Role(*r)],
            AddMember(g, u) | RemoveMember(g, u) => vec![Ref::Group(*g), Ref::User(*u)],
            DeleteScope(s) | DeleteScopeMoving(s) => vec![Ref::Scope(*s)],
            CreateScopeUnder(p, ..) => vec![Ref::Scope(*p)],
            MoveScope(s, p) => std::iter::once(Ref::Scope(*s))
                .chain(p.map(Ref::Scope))
                .collect(),
            GrantRoleInScope(u, r, s) | RevokeRoleInScope(u, r, s) => {
                vec![Ref::User(*u), Ref::Role(*r), Ref::Scope(*s)]
            }
            SetTeams(u, ss) => std::iter::once(Ref::User(*u))
                .chain(ss.iter().map(|s| Ref::Scope(*s)))
                .collect(),
            AssignScope(u, s) | UnassignScope(u, s) => vec![Ref::User(*u), Ref::Scope(*s)],
            SetScopes(u, ss) => std::iter::once(Ref::User(*u))
                .chain(ss.iter().map(|s| Ref::Scope(*s)))
                .collect(),
            CreateAgreement(_, u) => vec![Ref::User(*u)],
            SetLevel(a, u, ..) | TransferOwnership(a, u) | LinkPbx(a, u, _) => {
                vec![Ref::Agreement(*a), Ref::User(*u)]
            }
        }
    }

    fn kind(&self) -> &'static str {
        use Act::*;
        match self {
            CreateUser(_) => "create_user",
            UpdateUser(..) => "update_user",
            DeleteUser(_) => "delete_user",
            SetActive(_, true) => "set_active(true)",
            SetActive(_, false) => "set_active(false)",
            AssignRole(..) => "assign_role",
            RevokeRole(..) => "revoke_role",
            SetRoles(..) => "set_user_roles",
            CreateRole(_) => "create_role",
            UpdateRole(..) => "update_role",
            DeleteRole(_) => "delete_role",
            CreateGroup(..) => "create_group",
            RenameGroup(..) => "rename_group",
            DeleteGroup(_) => "delete_group",
            AddGroupRole(..) => "add_group_role",
            RemoveGroupRole(..) => "remove_group_role",
            AddMember(..) => "add_member",
            RemoveMember(..) => "remove_member",
            CreateScope(..) => "create_scope",
            DeleteScope(_) => "delete_scope",
            DeleteScopeMoving(_) => "delete_scope_moving",
            CreateScopeUnder(..) => "create_scope_under",
            MoveScope(_, None) => "move_scope(root)",
            MoveScope(_, Some(_)) => "move_scope",
            GrantRoleInScope(..) => "grant_role_in_scope",
            RevokeRoleInScope(..) => "revoke_role_in_scope",
            SetTeams(..) => "set_user_teams",
            AssignScope(..) => "assign_scope",
            UnassignScope(..) => "unassign_scope",
            SetScopes(..) => "set_user_scopes",
            CreateAgreement(..) => "create_agreement",
            SetLevel(..) => "set_access_level",
            TransferOwnership(..) => "transfer_ownership",
            LinkPbx(..) => "link_pbx_subscriber",
        }
    }
}

#[derive(Clone, Debug)]
struct Step {
    actor: UserId,
    act: Act,
}

fn run_act(dir: &Directory, actor: UserId, act: &Act) -> Result<(), Error> {
    use Act::*;
    match act {
        CreateUser(n) => dir.create_user(actor, n).map(drop),
        UpdateUser(u, p) => dir.update_user(actor, *u, p),
        DeleteUser(u) => dir.delete_user(actor, *u),
        SetActive(u, a) => dir.set_active(actor, *u, *a),
        AssignRole(u, r) => dir.assign_role(actor, *u, *r),
        RevokeRole(u, r) => dir.revoke_role(actor, *u, *r),
        SetRoles(u, rs) => dir.set_user_roles(actor, *u, rs),
        CreateRole(n) => dir.create_role(actor, n).map(drop),
        UpdateRole(r, p) => dir.update_role(actor, *r, p),
        DeleteRole(r) => dir.delete_role(actor, *r),
        CreateGroup(n, rs) => dir.create_group(actor, n, rs).map(drop),
        RenameGroup(g, n) => dir.rename_group(actor, *g, n),
        DeleteGroup(g) => dir.delete_group(actor, *g),
        AddGroupRole(g, r) => dir.add_group_role(actor, *g, *r),
        RemoveGroupRole(g, r) => dir.remove_group_role(actor, *g, *r),
        AddMember(g, u) => dir.add_member(actor, *g, *u),
        RemoveMember(g, u) => dir.remove_member(actor, *g, *u),
        CreateScope(k, n) => dir.create_scope(actor, *k, n).map(drop),
        DeleteScope(s) => dir.delete_scope(actor, *s),
        DeleteScopeMoving(s) => dir.delete_scope_moving(actor, *s),
        CreateScopeUnder(p, k, n) => dir.create_scope_under(actor, *p, *k, n).map(drop),
        MoveScope(s, p) => dir.move_scope(actor, *s, *p),
        GrantRoleInScope(u, r, s) => dir.grant_role_in_scope(actor, *u, *r, *s),
        RevokeRoleInScope(u, r, s) => dir.revoke_role_in_scope(actor, *u, *r, *s),
        SetTeams(u, ss) => dir.set_user_teams(actor, *u, ss),
        AssignScope(u, s) => dir.assign_scope(actor, *u, *s),
        UnassignScope(u, s) => dir.unassign_scope(actor, *u, *s),
        SetScopes(u, ss) => dir.set_user_scopes(actor, *u, ss),
        CreateAgreement(n, o) => dir.create_agreement(actor, n, *o).map(drop),
        SetLevel(a, u, p, l) => dir.set_access_level(actor, *a, *u, *p, *l),
        TransferOwnership(a, u) => dir.transfer_ownership(actor, *a, *u),
        LinkPbx(a, u, s) => dir.link_pbx_subscriber(actor, *a, *u, s.as_deref()),
    }
}

/// For removals: half of the selectors pick something the target holds (else a removal is
/// mostly a no-op), the others resolve as usual.
fn held_or<T: Copy>(held: &BTreeSet<T>, sel: u16, pick: impl Fn(u16) -> T) -> T {
    if sel & 0x4000 != 0 && !held.is_empty() {
        *held.iter().nth(sel as usize % held.len()).unwrap()
    } else {
        pick(sel)
    }
}

/// Names drawn from a small pool so that duplicates (also differing only in case) and the
/// occasional blank name occur.
fn name(prefix: &str, sel: u8) -> String {
    match sel % 16 {
        15 => "   ".to_owned(),
        n if n >= 8 => format!("{}-{}", prefix.to_uppercase(), n % 8),
        n => format!("{prefix}-{n}"),
    }
}

fn email(sel: u8) -> String {
    match sel % 32 {
        31 => "not-an-email".to_owned(),
        n if n >= 16 => format!("E{}@X.test", n % 16),
        n => format!("e{n}@x.test"),
    }
}

// ============================================================================================
// observations
// ============================================================================================

/// What a user may do with each permission: anywhere in scope checks (`all`), only for some
/// call groups / IVRs (`at`), and at all (`any`, what `check` answers).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
struct Rights {
    any: Permission,
    all: Permission,
    at: BTreeMap<ScopeId, Permission>,
}

impl Rights {
    /// From one snapshot (what `Directory::allowed_scopes` reads; `check_state` compares the
    /// two on the rights of [`POOL`]).
    fn of(snap: &Snapshot, u: UserId) -> Rights {
        let mut r = Rights {
            any: snap.effective_permissions(u).unwrap_or_default(),
            ..Rights::default()
        };
        for p in bits() {
            match snap.allowed_scopes(u, p) {
                Some(ScopeAccess::All) => r.all |= p,
                Some(ScopeAccess::Only(v)) => {
                    for s in v {
                        *r.at.entry(s).or_default() |= p;
                    }
                }
                None => {}
            }
        }
        r
    }

    fn at(&self, s: ScopeId) -> Permission {
        self.all | self.at.get(&s).copied().unwrap_or_default()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
struct UserDump {
    user: User,
    groups: Vec<GroupId>,
    effective: Permission,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
struct GroupDump {
    group: rolecall::Group,
    members: Vec<UserId>,
    permissions: Permission,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
struct LevelDump {
    user: UserId,
    levels: Vec<AccessLevel>,
    pbx: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
struct AgreementDump {
    agreement: rolecall::Agreement,
    levels: Vec<LevelDump>,
}

/// Everything the public API shows of one tenant.
#[derive(Clone, Debug, PartialEq, Serialize)]
struct TenantDump {
    tenant: rolecall::Tenant,
    users: Vec<UserDump>,
    roles: Vec<rolecall::Role>,
    groups: Vec<GroupDump>,
    scopes: Vec<rolecall::Scope>,
    agreements: Vec<AgreementDump>,
}

fn dump(dir: &Directory, t: TenantId) -> TenantDump {
    let users = dir
        .search_users(
            t,
            &UserQuery {
                limit: UserQuery::MAX_LIMIT,
                ..UserQuery::default()
            },
        )
        .unwrap()
        .items;
    assert!(users.len() < UserQuery::MAX_LIMIT);
    let agreements = dir
        .agreements(t)
        .unwrap()
        .into_iter()
        .map(|a| AgreementDump {
            levels: users
                .iter()
                .map(|u| LevelDump {
                    user: u.id,
                    levels: Product::ALL
                        .iter()
                        .map(|p| dir.access_level(a.id, u.id, *p))
                        .collect(),
                    pbx: dir.pbx_subscriber(a.id, u.id).unwrap(),
                })
                .collect(),
            agreement: a,
        })
        .collect();
    TenantDump {
        tenant: dir.tenant(t).unwrap(),
        users: users
            .into_iter()
            .map(|u| UserDump {
                groups: dir.user_groups(u.id).unwrap(),
                effective: dir.effective_permissions(u.id).unwrap(),
                user: u,
            })
            .collect(),
        roles: dir.roles(t).unwrap(),
        groups: dir
            .groups(t)
            .unwrap()
            .into_iter()
            .map(|g| GroupDump {
                members: dir.group_members(g.id).unwrap(),
                permissions: dir.group_permissions(g.id).unwrap(),
                group: g,
            })
            .collect(),
        scopes: dir.scopes(t).unwrap(),
        agreements,
    }
}

/// Paths at which two serialisable values differ (for readable failures).
fn diff<T: Serialize>(a: &T, b: &T) -> String {
    fn walk(path: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<String>) {
        use serde_json::Value as V;
        match (a, b) {
            (V::Object(x), V::Object(y)) => {
                let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
                for k in keys {
                    match (x.get(k), y.get(k)) {
                        (Some(p), Some(q)) => walk(&format!("{path}.{k}"), p, q, out),
                        (p, q) => out.push(format!("{path}.{k}: {p:?} -> {q:?}")),
                    }
                }
            }
            (V::Array(x), V::Array(y)) if x.len() == y.len() => {
                for (i, (p, q)) in x.iter().zip(y).enumerate() {
                    walk(&format!("{path}[{i}]"), p, q, out);
                }
            }
            _ if a != b => out.push(format!("{path}: {a} -> {b}")),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(
        "",
        &serde_json::to_value(a).unwrap(),
        &serde_json::to_value(b).unwrap(),
        &mut out,
    );
    out.truncate(20);
    out.join("\n")
}

/// One user as observed.
#[derive(Clone, Debug)]
struct UserObs {
    rec: User,
    groups: BTreeSet<GroupId>,
    rights: Rights,
    /// Administrator-tier roles held, directly or through a group.
    admin_roles: BTreeSet<RoleId>,
    superadmin: bool,
}

/// The directory as observed between two steps.
#[derive(Clone, Debug)]
struct Obs {
    revision: u64,
    log_len: usize,
    dumps: Vec<TenantDump>,
    users: BTreeMap<UserId, UserObs>,
    /// Visible levels: (agreement, user, product) -> level.
    levels: BTreeMap<(AgreementId, UserId, Product), AccessLevel>,
    owners: BTreeMap<AgreementId, UserId>,
    /// PBX links: (agreement, user) -> subscriber.
    pbx: BTreeMap<(AgreementId, UserId), String>,
    admin_tier_roles: BTreeMap<RoleId, rolecall::Role>,
    /// Groups carrying administrator-tier roles, with those roles.
    admin_groups: BTreeMap<GroupId, BTreeSet<RoleId>>,
    scopes: BTreeSet<ScopeId>,
    /// Each scope's parent.
    parents: BTreeMap<ScopeId, Option<ScopeId>>,
}

impl Obs {
    fn level(&self, a: AgreementId, u: UserId, p: Product) -> AccessLevel {
        self.levels.get(&(a, u, p)).copied().unwrap_or_default()
    }

    /// Holders of an administrator-tier role, and the superadministrators.
    fn administrators(&self) -> impl Iterator<Item = UserId> + '_ {
        self.users
            .iter()
            .filter(|(_, u)| u.superadmin || !u.admin_roles.is_empty())
            .map(|(id, _)| *id)
    }
}

// ============================================================================================
// the world
// ============================================================================================

#[derive(Default, Debug, Clone)]
struct Stats {
    outcomes: BTreeMap<(&'static str, &'static str), u64>,
    /// Successful steps by non-superadministrators that gave someone a permission.
    delegated_grants: u64,
    /// Successful steps by non-superadministrators that raised someone's agreement level.
    delegated_levels: u64,
    /// Successful steps by non-superadministrators, per operation.
    delegated_ok: BTreeMap<&'static str, u64>,
    /// Successful user administration by actors holding the right only within teams.
    team_scoped_ok: u64,
}

struct World {
    clock: Arc<ManualClock>,
    store: MemoryStore,
    dir: Directory,
    tenants: [TenantId; 2],
    supers: [UserId; 2],
    /// Every object ever created, with its tenant (from the commit log).
    known: BTreeMap<Ref, TenantId>,
    users: [Vec<UserId>; 2],
    roles: [Vec<RoleId>; 2],
    groups: [Vec<GroupId>; 2],
    scopes: [Vec<ScopeId>; 2],
    /// Scopes created as teams (also once deleted).
    teams: [Vec<ScopeId>; 2],
    agreements: [Vec<AgreementId>; 2],
    /// Users created with the delegate role in the setup.
    delegates: [Vec<UserId>; 2],
    /// Roles that are not built-in (a delegate can grant some of them).
    custom_roles: [Vec<RoleId>; 2],
    log_len: usize,
}

impl World {
    fn new() -> World {
        let store = MemoryStore::new();
        let clock = Arc::new(ManualClock::new(1_700_000_000_000));
        let dir = Directory::open_with_clock(store.clone(), clock.clone()).unwrap();
        World {
            clock,
            store,
            dir,
            tenants: [TenantId(0); 2],
            supers: [UserId(0); 2],
            known: BTreeMap::new(),
            users: Default::default(),
            roles: Default::default(),
            groups: Default::default(),
            scopes: Default::default(),
            teams: Default::default(),
            agreements: Default::default(),
            delegates: Default::default(),
            custom_roles: Default::default(),
            log_len: 0,
        }
    }

    /// Builds the universe, acting as the superadministrators (and the agreement owners).
    fn build(setup: &Setup) -> World {
        World::build_on(World::new(), setup)
    }

    /// Builds the universe in an empty world (on whose store other directories may be open).
    fn build_on(mut w: World, setup: &Setup) -> World {
        for t in 0..2 {
            let created = w
                .dir
                .create_tenant(
                    &format!("Tenant {t}"),
                    &NewUser::new("Root", format!("T{t}"), format!("root@t{t}.test")),
                    PRESET_COMBOS[setup.presets[t]],
                )
                .unwrap();
            w.tenants[t] = created.tenant;
            w.supers[t] = created.superadmin;
        }
        w.absorb_log();
        let d = &w.dir;
        let delegate_masks = setup.delegate_masks.map(|m| m | DELEGATE_BITS);
        let mut delegate_roles = [[RoleId(0); 2]; 2];
        for t in 0..2 {
            let role = NewRole::new("delegate", perms_of(delegate_masks[t]));
            delegate_roles[t][0] = d.create_role(w.supers[t], &role).unwrap();
            let role = NewRole::new("scoped delegate", perms_of(delegate_masks[t])).scoped();
            delegate_roles[t][1] = d.create_role(w.supers[t], &role).unwrap();
        }
        for (i, r) in setup.roles.iter().enumerate() {
            let sa = w.supers[r.tenant];
            let mask = if r.within_delegate {
                r.mask & delegate_masks[r.tenant]
            } else {
                r.mask
            };
            d.create_role(
                sa,
                &NewRole {
                    name: format!("role-{i}"),
                    permissions: perms_of(mask),
                    denied: perms_of(r.deny & !mask),
                    scoped: r.scoped,
                    admin_tier: r.admin_tier,
                    description: String::new(),
                },
            )
            .unwrap();
        }
        for (t, sa) in w.supers.iter().enumerate() {
            d.create_scope(*sa, ScopeKind::CallGroup, &format!("scope-{t}"))
                .unwrap();
            d.create_scope(*sa, ScopeKind::CallGroup, "scope-7")
                .unwrap();
            d.create_scope(*sa, ScopeKind::Ivr, "scope-1").unwrap();
            // Teams (issue 15): a site with a team and a queue below it, another root team.
            let site = d.create_scope(*sa, ScopeKind::Team, "site").unwrap();
            let team = d
                .create_scope_under(*sa, site, ScopeKind::Team, "team")
                .unwrap();
            d.create_scope_under(*sa, team, ScopeKind::Queue, "queue")
                .unwrap();
            d.create_scope(*sa, ScopeKind::Team, "other team").unwrap();
        }
        w.absorb_log();
        let d = &w.dir;
        for (i, u) in setup.users.iter().enumerate() {
            let t = u.tenant;
            let roles: BTreeSet<RoleId> = u
                .roles
                .iter()
                .map(|s| w.roles[t][*s as usize % w.roles[t].len()])
                .collect();
            let teams: BTreeSet<ScopeId> = u
                .teams
                .iter()
                .map(|s| w.teams[t][*s as usize % w.teams[t].len()])
                .collect();
            let mut new = NewUser::new("User", format!("No{i}"), format!("e{i}@x.test"))
                .roles(roles.iter().copied())
                .teams(teams);
            new.active = u.active;
            let id = d.create_user(w.supers[t], &new).unwrap();
            let scopes: Vec<ScopeId> = u
                .scopes
                .iter()
                .map(|s| w.scopes[t][*s as usize % w.scopes[t].len()])
                .collect();
            d.set_user_scopes(w.supers[t], id, &scopes).unwrap();
        }
        for (i, u) in setup.delegates.iter().enumerate() {
            let t = u.tenant;
            let roles: BTreeSet<RoleId> = u
                .roles
                .iter()
                .map(|s| w.roles[t][*s as usize % w.roles[t].len()])
                .chain(
                    u.team
                        .is_none()
                        .then_some(delegate_roles[t][usize::from(u.scoped)]),
                )
                .collect();
            let team = u.team.map(|s| w.teams[t][s as usize % w.teams[t].len()]);
            let teams: BTreeSet<ScopeId> = u
                .teams
                .iter()
                .map(|s| w.teams[t][*s as usize % w.teams[t].len()])
                .chain(team)
                .collect();
            let mut new = NewUser::new("Delegate", format!("No{i}"), format!("d{i}@x.test"))
                .roles(roles.iter().copied())
                .teams(teams);
            if let Some(team) = team {
                new = new.grant(delegate_roles[t][0], team);
            }
            let id = d.create_user(w.supers[t], &new).unwrap();
            let scopes: Vec<ScopeId> = u
                .scopes
                .iter()
                .map(|s| w.scopes[t][*s as usize % w.scopes[t].len()])
                .collect();
            d.set_user_scopes(w.supers[t], id, &scopes).unwrap();
            w.delegates[t].push(id);
        }
        w.absorb_log();
        let d = &w.dir;
        for (i, g) in setup.groups.iter().enumerate() {
            let t = g.tenant;
            let mut roles: Vec<RoleId> = g
                .roles
                .iter()
                .map(|s| w.roles[t][*s as usize % w.roles[t].len()])
                .collect();
            if g.admin {
                let tenant = w.tenants[t];
                roles.extend(
                    d.roles(tenant)
                        .unwrap()
                        .iter()
                        .find(|r| r.admin_tier)
                        .map(|r| r.id),
                );
            }
            let id = d
                .create_group(w.supers[t], &format!("group-{i}"), &roles)
                .unwrap();
            for m in &g.members {
                let u = w.users[t][*m as usize % w.users[t].len()];
                d.add_member(w.supers[t], id, u).unwrap();
            }
        }
        let mut agreements = [AgreementId(0); 2];
        let mut owners = [UserId(0); 2];
        for t in 0..2 {
            // An agreement's Owner is active (settled rule 2): the first active user from the
            // drawn one on.
            let n = w.users[t].len();
            let start = setup.owners[t] as usize % n;
            owners[t] = (0..n)
                .map(|k| w.users[t][(start + k) % n])
                .find(|u| d.user(*u).unwrap().active)
                .unwrap_or(w.supers[t]);
            agreements[t] = d
                .create_agreement(w.supers[t], &format!("agreement-{t}"), owners[t])
                .unwrap();
        }
        // Every other delegate becomes an Administrator of the agreement (refused for an
        // inactive one, which is fine).
        for t in 0..2 {
            for (i, u) in w.delegates[t]
                .iter()
                .enumerate()
                .filter(|(i, _)| i % 2 == 0)
            {
                for p in [Product::Core, Product::ALL[i % 7]] {
                    let _ = d.set_access_level(
                        owners[t],
                        agreements[t],
                        *u,
                        p,
                        AccessLevel::Administrator,
                    );
                }
            }
        }
        for (t, u, p, l) in &setup.levels {
            let user = w.users[*t][*u as usize % w.users[*t].len()];
            let _ = d.set_access_level(
                owners[*t],
                agreements[*t],
                user,
                Product::ALL[*p],
                AccessLevel::ALL[*l],
            );
        }
        for (t, u, s) in &setup.links {
            let user = w.users[*t][*u as usize % w.users[*t].len()];
            let _ = d.link_pbx_subscriber(
                owners[*t],
                agreements[*t],
                user,
                Some(&format!("sub-{}", s % 4)),
            );
        }
        w.absorb_log();
        w
    }

    fn tenant_index(&self, t: TenantId) -> usize {
        usize::from(t != self.tenants[0])
    }

    fn commits_since(&self, revision: u64) -> Vec<Commit> {
        self.store.clone().commits_since(revision).unwrap().unwrap()
    }

    /// Reads new commits: records every object created, in its tenant's pool.
    fn absorb_log(&mut self) -> Vec<Commit> {
        let commits = self.commits_since(self.log_len as u64);
        for c in &commits {
            for ch in &c.changes {
                let (r, t) = match ch {
                    Change::UserPut(u) => (Ref::User(u.id), u.tenant),
                    Change::RolePut(r) => (Ref::Role(r.id), r.tenant),
                    Change::GroupPut(g) => (Ref::Group(g.id), g.tenant),
                    Change::ScopePut(s) => (Ref::Scope(s.id), s.tenant),
                    Change::AgreementPut(a) => (Ref::Agreement(a.id), a.tenant),
                    _ => continue,
                };
                if self.known.insert(r, t).is_none() {
                    let i = self.tenant_index(t);
                    if let Change::RolePut(role) = ch {
                        if role.preset().is_none() {
                            self.custom_roles[i].push(role.id);
                        }
                    }
                    if let Change::ScopePut(scope) = ch {
                        if scope.kind == ScopeKind::Team {
                            self.teams[i].push(scope.id);
                        }
                    }
                    match r {
                        Ref::User(id) => self.users[i].push(id),
                        Ref::Role(id) => self.roles[i].push(id),
                        Ref::Group(id) => self.groups[i].push(id),
                        Ref::Scope(id) => self.scopes[i].push(id),
                        Ref::Agreement(id) => self.agreements[i].push(id),
                    }
                }
            }
        }
        self.log_len += commits.len();
        commits
    }

    fn all_users(&self) -> impl Iterator<Item = UserId> + '_ {
        self.users.iter().flatten().copied()
    }

    fn all_scopes(&self) -> impl Iterator<Item = ScopeId> + '_ {
        self.scopes.iter().flatten().copied().chain([UNKNOWN_SCOPE])
    }

    fn all_agreements(&self) -> impl Iterator<Item = AgreementId> + '_ {
        self.agreements.iter().flatten().copied()
    }

    /// The tenant an actor selector falls in, and the actor: rarely an unknown id, sometimes
    /// the superadministrator, often a delegate, otherwise any user ever created.
    fn pick_actor(&self, sel: u16) -> (usize, UserId) {
        let t = usize::from((sel / 20) % 2 == 1);
        let idx = sel as usize / 40;
        match sel % 20 {
            0 => (t, UNKNOWN_USER),
            1..=3 => (t, self.supers[t]),
            4..=10 if !self.delegates[t].is_empty() => {
                (t, self.delegates[t][idx % self.delegates[t].len()])
            }
            _ => (t, self.users[t][idx % self.users[t].len()]),
        }
    }

    /// Resolves a target selector: 16 in 20 an object of the actor's tenant, 3 in 20 one of
    /// the other tenant, 1 in 20 an unknown id.
    fn pick<T: Copy>(pools: &[Vec<T>; 2], local: usize, sel: u16, unknown: T) -> T {
        let pool = match sel % 20 {
            0..=15 => &pools[local],
            16..=18 => &pools[1 - local],
            _ => return unknown,
        };
        if pool.is_empty() {
            unknown
        } else {
            pool[(sel as usize / 20) % pool.len()]
        }
    }

    fn resolve(&self, op: &Op) -> Step {
        let (actor, t) = {
            let a = match op {
                Op::CreateUser { actor, .. }
                | Op::UpdateUser { actor, .. }
                | Op::DeleteUser { actor, .. }
                | Op::SetActive { actor, .. }
                | Op::AssignRole { actor, .. }
                | Op::RevokeRole { actor, .. }
                | Op::SetRoles { actor, .. }
                | Op::CreateRole { actor, .. }
                | Op::UpdateRole { actor, .. }
                | Op::DeleteRole { actor, .. }
                | Op::CreateGroup { actor, .. }
                | Op::RenameGroup { actor, .. }
                | Op::DeleteGroup { actor, .. }
                | Op::AddGroupRole { actor, .. }
                | Op::RemoveGroupRole { actor, .. }
                | Op::AddMember { actor, .. }
                | Op::RemoveMember { actor, .. }
                | Op::CreateScope { actor, .. }
                | Op::DeleteScope { actor, .. }
                | Op::CreateScopeUnder { actor, .. }
                | Op::MoveScope { actor, .. }
                | Op::GrantRoleInScope { actor, .. }
                | Op::RevokeRoleInScope { actor, .. }
                | Op::SetTeams { actor, .. }
                | Op::AssignScope { actor, .. }
                | Op::UnassignScope { actor, .. }
                | Op::SetScopes { actor, .. }
                | Op::CreateAgreement { actor, .. }
                | Op::SetLevel { actor, .. }
                | Op::TransferOwnership { actor, .. }
                | Op::LinkPbx { actor, .. } => *actor,
            };
            let (t, id) = self.pick_actor(a);
            (id, t)
        };
        let user = |s: u16| Self::pick(&self.users, t, s, UNKNOWN_USER);
        // Half of the role selectors pick among custom roles, which delegates may hold.
        let role = |s: u16| {
            if s & 0x8000 != 0 {
                Self::pick(&self.custom_roles, t, s & 0x7fff, UNKNOWN_ROLE)
            } else {
                Self::pick(&self.roles, t, s, UNKNOWN_ROLE)
            }
        };
        let group = |s: u16| Self::pick(&self.groups, t, s, UNKNOWN_GROUP);
        // An eighth of the user and scope selectors pick among the users and scopes the actor
        // administers (issue 15), so that team-scoped administrators succeed.
        let managed: Vec<UserId> = self.users[t]
            .iter()
            .copied()
            .filter(|u| self.dir.check_user(actor, Permission::USERS_MANAGE, *u))
            .collect();
        let covered: Vec<ScopeId> = [Permission::USERS_MANAGE, Permission::SCOPES_MANAGE]
            .into_iter()
            .flat_map(|p| match self.dir.allowed_scopes(actor, p) {
                Ok(ScopeAccess::Only(v)) => v,
                _ => vec![],
            })
            .collect();
        let covered_teams: Vec<ScopeId> = covered
            .iter()
            .copied()
            .filter(|s| self.teams[t].contains(s))
            .collect();
        let among = |v: &[ScopeId], s: u16| v[(s as usize / 20) % v.len()];
        let user = |s: u16| {
            if s & 0x2000 != 0 && !managed.is_empty() {
                managed[(s as usize / 20) % managed.len()]
            } else {
                user(s)
            }
        };
        let scope = |s: u16| {
            if s & 0x2000 != 0 && !covered.is_empty() {
                among(&covered, s)
            } else {
                Self::pick(&self.scopes, t, s, UNKNOWN_SCOPE)
            }
        };
        // Mostly teams; an eighth of the time any scope (not a team, often).
        let team = |s: u16| {
            if s & 0x2000 != 0 && !covered_teams.is_empty() {
                among(&covered_teams, s)
            } else if s & 0x1c00 == 0 {
                scope(s)
            } else {
                Self::pick(&self.teams, t, s, UNKNOWN_SCOPE)
            }
        };
        let agreement = |s: u16| Self::pick(&self.agreements, t, s, UNKNOWN_AGREEMENT);
        let act = match op {
            Op::CreateUser {
                email: e,
                roles,
                active,
                teams,
                grants,
                ..
            } => {
                let mut n = NewUser::new("New", "User", email(*e))
                    .roles(roles.iter().map(|r| role(*r)))
                    .teams(teams.iter().map(|s| team(*s)));
                for (r, s) in grants {
                    n = n.grant(role(*r), scope(*s));
                }
                n.active = *active;
                Act::CreateUser(n)
            }
            Op::UpdateUser {
                user: u,
                email: e,
                name: nm,
                ..
            } => Act::UpdateUser(
                user(*u),
                UserPatch {
                    email: e.map(email),
                    first_name: nm.map(|n| name("first", n)),
                    ..UserPatch::default()
                },
            ),
            Op::DeleteUser { user: u, .. } => Act::DeleteUser(user(*u)),
            Op::SetActive {
                user: u, active, ..
            } => Act::SetActive(user(*u), *active),
            Op::AssignRole {
                user: u, role: r, ..
            } => Act::AssignRole(user(*u), role(*r)),
            Op::RevokeRole {
                user: u, role: r, ..
            } => {
                let u = user(*u);
                let held = self.dir.user(u).map(|x| x.roles).unwrap_or_default();
                Act::RevokeRole(u, held_or(&held, *r, role))
            }
            Op::SetRoles { user: u, roles, .. } => {
                Act::SetRoles(user(*u), roles.iter().map(|r| role(*r)).collect())
            }
            Op::CreateRole {
                name: n,
                mask,
                scoped,
                admin_tier,
                deny,
                ..
            } => Act::CreateRole(NewRole {
                name: name("role", *n),
                permissions: perms_of(*mask),
                denied: perms_of(*deny & !*mask),
                scoped: *scoped,
                admin_tier: *admin_tier,
                description: String::new(),
            }),
            Op::UpdateRole {
                role: r,
                name: n,
                mask,
                deny,
                ..
            } => {
                let r = role(*r);
                // Denials never overlap what the role allows after the update (the overlap
                // is refused as bad input, tested apart).
                let allows = mask
                    .map(perms_of)
                    .or_else(|| self.dir.role(r).ok().map(|x| x.permissions))
                    .unwrap_or_default();
                let denied = deny.map(|d| perms_of(d) - allows);
                let keeps = self.dir.role(r).map(|x| x.denied).unwrap_or_default();
                Act::UpdateRole(
                    r,
                    RolePatch {
                        name: n.map(|n| name("role", n)),
                        permissions: mask.map(|m| perms_of(m) - denied.unwrap_or(keeps)),
                        denied,
                        description: None,
                    },
                )
            }
            Op::DeleteRole { role: r, .. } => Act::DeleteRole(role(*r)),
            Op::CreateGroup { name: n, roles, .. } => {
                Act::CreateGroup(name("group", *n), roles.iter().map(|r| role(*r)).collect())
            }
            Op::RenameGroup {
                group: g, name: n, ..
            } => Act::RenameGroup(group(*g), name("group", *n)),
            Op::DeleteGroup { group: g, .. } => Act::DeleteGroup(group(*g)),
            Op::AddGroupRole {
                group: g, role: r, ..
            } => Act::AddGroupRole(group(*g), role(*r)),
            Op::RemoveGroupRole {
                group: g, role: r, ..
            } => {
                let g = group(*g);
                let held = self.dir.group(g).map(|x| x.roles).unwrap_or_default();
                Act::RemoveGroupRole(g, held_or(&held, *r, role))
            }
            Op::AddMember {
                group: g, user: u, ..
            } => Act::AddMember(group(*g), user(*u)),
            Op::RemoveMember {
                group: g, user: u, ..
            } => {
                let g = group(*g);
                let held: BTreeSet<UserId> = self
                    .dir
                    .group_members(g)
                    .unwrap_or_default()
                    .into_iter()
                    .collect();
                Act::RemoveMember(g, held_or(&held, *u, user))
            }
            Op::CreateScope { ivr, name: n, .. } => Act::CreateScope(
                if *ivr {
                    ScopeKind::Ivr
                } else {
                    ScopeKind::CallGroup
                },
                name("scope", *n),
            ),
            Op::DeleteScope {
                scope: s, moving, ..
            } => {
                if *moving {
                    Act::DeleteScopeMoving(scope(*s))
                } else {
                    Act::DeleteScope(scope(*s))
                }
            }
            Op::CreateScopeUnder {
                parent,
                kind,
                name: n,
                ..
            } => {
                let kind = match *kind as usize {
                    k if k < ScopeKind::BUILT_IN.len() => ScopeKind::BUILT_IN[k],
                    6 => ScopeKind::custom("brand").unwrap(),
                    _ => ScopeKind::Team,
                };
                Act::CreateScopeUnder(scope(*parent), kind, name("scope", *n))
            }
            Op::MoveScope {
                scope: s,
                parent,
                cycle,
                ..
            } => {
                let s = scope(*s);
                let parent = match parent {
                    Some(p) if *cycle => {
                        // The scope or a scope below it.
                        let mut below = vec![s];
                        let mut i = 0;
                        while i < below.len() && below.len() < 64 {
                            below.extend(self.dir.child_scopes(below[i]).unwrap_or_default());
                            i += 1;
                        }
                        Some(below[*p as usize % below.len()])
                    }
                    Some(p) => Some(scope(*p)),
                    None => None,
                };
                Act::MoveScope(s, parent)
            }
            Op::GrantRoleInScope {
                user: u,
                role: r,
                scope: s,
                ..
            } => Act::GrantRoleInScope(user(*u), role(*r), scope(*s)),
            Op::RevokeRoleInScope {
                user: u,
                grant: (r, s),
                ..
            } => {
                let u = user(*u);
                let held = self.dir.user(u).map(|x| x.grants).unwrap_or_default();
                let g = held_or(&held, *r, |_| rolecall::ScopeGrant {
                    role: role(*r),
                    scope: scope(*s),
                });
                Act::RevokeRoleInScope(u, g.role, g.scope)
            }
            Op::SetTeams { user: u, teams, .. } => {
                Act::SetTeams(user(*u), teams.iter().map(|s| team(*s)).collect())
            }
            Op::AssignScope {
                user: u, scope: s, ..
            } => Act::AssignScope(user(*u), scope(*s)),
            Op::UnassignScope {
                user: u, scope: s, ..
            } => {
                let u = user(*u);
                let held = self.dir.user(u).map(|x| x.scopes).unwrap_or_default();
                Act::UnassignScope(u, held_or(&held, *s, scope))
            }
            Op::SetScopes {
                user: u, scopes, ..
            } => Act::SetScopes(user(*u), scopes.iter().map(|s| scope(*s)).collect()),
            Op::CreateAgreement { name: n, owner, .. } => {
                Act::CreateAgreement(name("agreement", *n), user(*owner))
            }
            Op::SetLevel {
                agreement: a,
                user: u,
                product,
                level,
                ..
            } => Act::SetLevel(
                agreement(*a),
                user(*u),
                Product::ALL[*product],
                AccessLevel::ALL[*level],
            ),
            Op::TransferOwnership {
                agreement: a,
                user: u,
                ..
            } => Act::TransferOwnership(agreement(*a), user(*u)),
            Op::LinkPbx {
                agreement: a,
                user: u,
                subscriber,
                ..
            } => Act::LinkPbx(
                agreement(*a),
                user(*u),
                subscriber.map(|s| {
                    if s % 16 == 15 {
                        " ".to_owned()
                    } else {
                        format!("sub-{}", s % 4)
                    }
                }),
            ),
        };
        Step { actor, act }
    }

    /// The tenant of an object that exists now.
    fn tenant_now(&self, r: Ref) -> Option<TenantId> {
        let d = &self.dir;
        match r {
            Ref::User(id) => d.user(id).ok().map(|u| u.tenant),
            Ref::Role(id) => d.role(id).ok().map(|r| r.tenant),
            Ref::Group(id) => d.group(id).ok().map(|g| g.tenant),
            Ref::Scope(id) => d.scope(id).ok().map(|s| s.tenant),
            Ref::Agreement(id) => d.agreement(id).ok().map(|a| a.tenant),
        }
    }

    fn observe(&self) -> Obs {
        let d = &self.dir;
        let snap = d.snapshot();
        let dumps: Vec<TenantDump> = self.tenants.iter().map(|t| dump(d, *t)).collect();
        let mut users = BTreeMap::new();
        let mut levels = BTreeMap::new();
        let mut owners = BTreeMap::new();
        let mut pbx = BTreeMap::new();
        let mut admin_tier_roles = BTreeMap::new();
        let mut admin_groups = BTreeMap::new();
        let mut scopes = BTreeSet::new();
        let mut parents = BTreeMap::new();
        for (ti, td) in dumps.iter().enumerate() {
            let roles: BTreeMap<RoleId, &rolecall::Role> =
                td.roles.iter().map(|r| (r.id, r)).collect();
            for r in &td.roles {
                if r.admin_tier {
                    admin_tier_roles.insert(r.id, r.clone());
                }
            }
            for g in &td.groups {
                let admin: BTreeSet<RoleId> = g
                    .group
                    .roles
                    .iter()
                    .copied()
                    .filter(|r| roles.get(r).is_some_and(|r| r.admin_tier))
                    .collect();
                if !admin.is_empty() {
                    admin_groups.insert(g.group.id, admin);
                }
            }
            let groups: BTreeMap<GroupId, &rolecall::Group> =
                td.groups.iter().map(|g| (g.group.id, &g.group)).collect();
            for u in &td.users {
                let held: BTreeSet<RoleId> = u
                    .user
                    .roles
                    .iter()
                    .copied()
                    .chain(
                        u.groups
                            .iter()
                            .flat_map(|g| groups[g].roles.iter().copied()),
                    )
                    .collect();
                users.insert(
                    u.user.id,
                    UserObs {
                        rec: u.user.clone(),
                        groups: u.groups.iter().copied().collect(),
                        rights: Rights::of(&snap, u.user.id),
                        admin_roles: held
                            .into_iter()
                            .filter(|r| roles.get(r).is_some_and(|r| r.admin_tier))
                            .collect(),
                        superadmin: u.user.id == self.supers[ti],
                    },
                );
            }
            for a in &td.agreements {
                owners.insert(a.agreement.id, a.agreement.owner);
                for l in &a.levels {
                    if let Some(sub) = &l.pbx {
                        pbx.insert((a.agreement.id, l.user), sub.clone());
                    }
                    for (p, lvl) in Product::ALL.iter().zip(&l.levels) {
                        if *lvl != AccessLevel::NoAccess {
                            levels.insert((a.agreement.id, l.user, *p), *lvl);
                        }
                    }
                }
            }
            scopes.extend(td.scopes.iter().map(|s| s.id));
            parents.extend(td.scopes.iter().map(|s| (s.id, s.parent)));
        }
        Obs {
            revision: d.revision(),
            log_len: self.log_len,
            dumps,
            users,
            levels,
            owners,
            pbx,
            admin_tier_roles,
            admin_groups,
            scopes,
            parents,
        }
    }

    // ----------------------------------------------------------------------------------------
    // running
    // ----------------------------------------------------------------------------------------

    /// Runs `ops`, checking every invariant after every step.
    fn run(&mut self, ops: &[Op], stats: &mut Stats) -> TestResult {
        self.check_state(None).map_err(|e| ctx(e, "after setup"))?;
        let mut before = self.observe();
        for (i, op) in ops.iter().enumerate() {
            let step = self.resolve(op);
            let pre = self.pre_step(&step);
            self.clock.advance(1_000);
            let res = run_act(&self.dir, step.actor, &step.act);
            let commits = self.absorb_log();
            let after = self.observe();
            let what = || format!("step {i}: {step:?}\n  -> {res:?}");
            self.check_step(&step, &pre, &res, &before, &after, &commits, stats)
                .map_err(|e| ctx(e, &what()))?;
            self.check_state(Some(&after))
                .map_err(|e| ctx(e, &what()))?;
            *stats
                .outcomes
                .entry((
                    step.act.kind(),
                    res.as_ref().err().map_or("ok", Error::kind),
                ))
                .or_default() += 1;
            before = after;
        }
        self.check_final()
    }

    /// What is known of a step before it runs.
    fn pre_step(&self, step: &Step) -> Pre {
        let actor = self.dir.user(step.actor).ok();
        let mut foreign = false;
        let mut unknown = false;
        for r in step.act.refs() {
            match self.tenant_now(r) {
                None => unknown = true,
                Some(t) => foreign |= actor.as_ref().is_some_and(|a| a.tenant != t),
            }
        }
        let superadmin = actor.as_ref().is_some_and(|a| self.supers.contains(&a.id));
        Pre {
            actor,
            superadmin,
            foreign,
            unknown,
        }
    }

    // ----------------------------------------------------------------------------------------
    // invariants of one step (before -> after)
    // ----------------------------------------------------------------------------------------

    #[allow(clippy::too_many_arguments)]
    fn check_step(
        &self,
        step: &Step,
        pre: &Pre,
        res: &Result<(), Error>,
        before: &Obs,
        after: &Obs,
        commits: &[Commit],
        stats: &mut Stats,
    ) -> TestResult {
        // 6. an inactive (or unknown) user can do nothing.
        match &pre.actor {
            None => prop_assert_eq!(
                res.as_ref().err().map(Error::kind),
                Some("unknown_user"),
                "an unknown actor must be refused as unknown"
            ),
            Some(a) if !a.active => prop_assert_eq!(
                res,
                &Err(Error::ActorInactive {
                    user: a.id,
                    email: a.email.clone()
                }),
                "an inactive actor must be refused"
            ),
            Some(_) => {}
        }

        // 5. naming another tenant's object fails, with WrongTenant unless an earlier check
        // (the actor's own rights, the input, an unknown object) refused the step first.
        if pre.foreign && pre.actor.as_ref().is_some_and(|a| a.active) {
            prop_assert!(
                res.is_err(),
                "a step naming another tenant's object succeeded"
            );
            let e = res.as_ref().unwrap_err();
            // Refusals that may come before the foreign object is resolved: bad input, the
            // actor's own rights, an earlier object of the step (a role granted before the
            // foreign one, a protected target named first), an unknown object. Never one that
            // shows the foreign object was looked into (its members, levels, preset, ...).
            let input = matches!(
                e,
                Error::DuplicateEmail { .. }
                    | Error::DuplicateName { .. }
                    | Error::InvalidName { .. }
                    | Error::InvalidEmail { .. }
                    | Error::NotOwner { .. }
            ) || (pre.unknown && e.code() / 100 == 2)
                // A scope of the actor's own tenant given as a team (teams are checked before
                // grants); never a foreign one, whose kind it would show.
                || matches!(e, Error::NotATeam { scope, .. }
                    if pre.actor.as_ref().map(|a| a.tenant) == self.known.get(&Ref::Scope(*scope)).copied());
            let own_rights = matches!(
                e,
                Error::PermissionDenied { .. }
                    | Error::OutsideTeams { .. }
                    | Error::Escalation { .. }
                    | Error::SuperadminOnly { .. }
                    | Error::SuperadminProtected { .. }
                    | Error::AdministratorProtected { .. }
            );
            let ok = matches!(e, Error::WrongTenant { .. })
                || input
                // The superadministrator holds every right: only input comes first.
                || (own_rights && !pre.superadmin);
            prop_assert!(
                ok,
                "naming another tenant's object: expected WrongTenant, got {e:?}"
            );
        }

        // 8. a refused step changes nothing.
        if res.is_err() {
            prop_assert!(commits.is_empty(), "a refused step committed {commits:?}");
            prop_assert_eq!(after.revision, before.revision);
            prop_assert_eq!(after.log_len, before.log_len);
            for (b, a) in before.dumps.iter().zip(&after.dumps) {
                prop_assert!(b == a, "a refused step changed:\n{}", diff(b, a));
            }
            return Ok(());
        }
        let actor = pre.actor.as_ref().unwrap();
        let ti = self.tenant_index(actor.tenant);

        // The store and the directory agree: one commit per changing step, by the actor.
        prop_assert!(commits.len() <= 1);
        prop_assert_eq!(after.revision, before.revision + commits.len() as u64);
        for c in commits {
            prop_assert_eq!(c.actor, Some(actor.id));
            prop_assert_eq!(c.revision, after.revision);
        }
        if commits.is_empty() {
            for (b, a) in before.dumps.iter().zip(&after.dumps) {
                prop_assert!(b == a, "a step without commit changed:\n{}", diff(b, a));
            }
        }

        // 5. tenant isolation: every change is of the actor's tenant; the other is unchanged.
        for c in commits {
            for ch in &c.changes {
                for r in change_refs(ch) {
                    let t = self.known.get(&r).copied();
                    prop_assert_eq!(
                        t,
                        Some(actor.tenant),
                        "change {:?} touches {:?} of another tenant",
                        ch,
                        r
                    );
                }
            }
        }
        let other = 1 - ti;
        prop_assert!(
            before.dumps[other] == after.dumps[other],
            "a step by a user of tenant {} changed tenant {}:\n{}",
            actor.tenant,
            self.tenants[other],
            diff(&before.dumps[other], &after.dumps[other])
        );

        // 1. no escalation: what anyone gained, the actor held before the step.
        let held = &before.users[&actor.id].rights;
        let mut gave = false;
        for (u, now) in &after.users {
            let was = before
                .users
                .get(u)
                .map(|o| o.rights.clone())
                .unwrap_or_default();
            let gained = now.rights.any - was.any;
            prop_assert!(
                held.any.contains(gained),
                "escalation: {} gained {} the actor {} does not hold",
                u,
                gained,
                actor.id
            );
            let gained_all = now.rights.all - was.all;
            prop_assert!(
                held.all.contains(gained_all),
                "escalation: {} gained {} in every scope; the actor {} holds only {} so",
                u,
                gained_all,
                actor.id,
                held.all
            );
            for (s, ps) in &now.rights.at {
                // A scope created by the step carries what was held on its parent (what holders
                // of rights on the parent gain on it is not a grant).
                let base = if before.scopes.contains(s) {
                    was.at(*s)
                } else {
                    match after.parents.get(s).copied().flatten() {
                        Some(parent) => was.at(parent),
                        None => was.all,
                    }
                };
                let gained_at = *ps - base;
                prop_assert!(
                    held.at(*s).contains(gained_at),
                    "escalation: {} gained {} for {}; the actor {} holds {} there",
                    u,
                    gained_at,
                    s,
                    actor.id,
                    held.at(*s)
                );
            }
            gave |= !gained.is_empty() || !gained_all.is_empty();
        }
        if !pre.superadmin {
            *stats.delegated_ok.entry(step.act.kind()).or_default() += 1;
        }

        // 10. delegated administration (issue 15): an actor holding users.manage (groups.manage
        // for memberships) only within teams administers only users of those teams: the user
        // it names was in them before the step and is still in them after it, and no other
        // user record changes (but for security stamps).
        let right = match &step.act {
            Act::AddMember(..) | Act::RemoveMember(..) => Some(Permission::GROUPS_MANAGE),
            Act::CreateUser(_)
            | Act::UpdateUser(..)
            | Act::DeleteUser(_)
            | Act::SetActive(..)
            | Act::AssignRole(..)
            | Act::RevokeRole(..)
            | Act::SetRoles(..)
            | Act::AssignScope(..)
            | Act::UnassignScope(..)
            | Act::SetScopes(..)
            | Act::GrantRoleInScope(..)
            | Act::RevokeRoleInScope(..)
            | Act::SetTeams(..) => Some(Permission::USERS_MANAGE),
            _ => None,
        };
        // (Without the right at all, only a user editing its own profile succeeds.)
        let self_service = !held.any.contains(Permission::USERS_MANAGE)
            && matches!(step.act, Act::UpdateUser(x, _) if x == actor.id);
        if let Some(right) = right.filter(|r| !held.all.contains(*r) && !self_service) {
            let within = |o: &Obs, x: UserId| {
                o.users
                    .get(&x)
                    .is_some_and(|u| u.rec.teams.iter().any(|m| held.at(*m).contains(right)))
            };
            let named: Vec<UserId> = match &step.act {
                Act::CreateUser(_) => after
                    .users
                    .keys()
                    .filter(|x| !before.users.contains_key(x))
                    .copied()
                    .collect(),
                act => act
                    .refs()
                    .into_iter()
                    .filter_map(|r| match r {
                        Ref::User(x) => Some(x),
                        _ => None,
                    })
                    .collect(),
            };
            for x in &named {
                if before.users.contains_key(x) {
                    prop_assert!(
                        within(before, *x),
                        "{} administered {}, outside its teams, holding {} only within teams",
                        actor.id,
                        x,
                        right
                    );
                }
                if after.users.contains_key(x) {
                    prop_assert!(
                        within(after, *x),
                        "{} left {} outside its teams, holding {} only within teams",
                        actor.id,
                        x,
                        right
                    );
                }
            }
            // Every team it put a user in or took it out of is one it administers.
            for x in &named {
                let teams = |o: &Obs| {
                    o.users
                        .get(x)
                        .map(|u| u.rec.teams.clone())
                        .unwrap_or_default()
                };
                let (was, now) = (teams(before), teams(after));
                if after.users.contains_key(x) {
                    for m in was.symmetric_difference(&now) {
                        prop_assert!(
                            !after.scopes.contains(m) || held.at(*m).contains(right),
                            "{} moved {} in or out of {}, a team it does not administer",
                            actor.id,
                            x,
                            m
                        );
                    }
                }
            }
            let rec = |o: &Obs, x: &UserId| {
                o.users.get(x).map(|u| {
                    let mut v = serde_json::to_value(&u.rec).unwrap();
                    let obj = v.as_object_mut().unwrap();
                    obj.remove("stamp");
                    obj.remove("updated_at");
                    (v, u.groups.clone())
                })
            };
            for x in before.users.keys().chain(after.users.keys()) {
                if !named.contains(x) {
                    prop_assert!(
                        rec(before, x) == rec(after, x),
                        "{} changed {}, which the step does not name",
                        actor.id,
                        x
                    );
                }
            }
            stats.team_scoped_ok += 1;
        }
        if gave && !pre.superadmin {
            stats.delegated_grants += 1;
        }

        // 1 (agreements). A raised level is one the actor could grant, or an appointment.
        for (&(ag, u, p), &lvl) in &after.levels {
            let was = before.level(ag, u, p);
            if lvl <= was {
                continue;
            }
            let allowed = match &step.act {
                Act::CreateAgreement(..) => {
                    !before.owners.contains_key(&ag)
                        && after.owners[&ag] == u
                        && lvl == AccessLevel::Owner
                }
                Act::TransferOwnership(a, new) => {
                    *a == ag
                        && *new == u
                        && (before.owners.get(&ag) == Some(&actor.id) || pre.superadmin)
                        && lvl == AccessLevel::Owner
                }
                // Reactivation restores the levels the user held: a grant of each (settled
                // rule 1), by the superadministrator (Owner powers) or a CORE Administrator.
                // 002 as written: whatever the actor's own level on the product (the strict
                // reading is a tenant option, off here).
                Act::SetActive(t, true) if *t == u => {
                    pre.superadmin
                        || (lvl <= AccessLevel::Administrator
                            && before.level(ag, actor.id, Product::Core)
                                >= AccessLevel::Administrator)
                }
                _ => {
                    lvl != AccessLevel::Owner
                        && (pre.superadmin
                            || before.level(ag, actor.id, Product::Core)
                                >= AccessLevel::Administrator)
                }
            };
            prop_assert!(
                allowed,
                "{} was raised from {} to {} on {} of {} by {}",
                u,
                was,
                lvl,
                p,
                ag,
                actor.id
            );
            if !pre.superadmin && matches!(step.act, Act::SetLevel(..)) {
                stats.delegated_levels += 1;
            }
        }

        // 4. ownership changes only by a transfer by the Owner (or, to recover an agreement, by
        // the tenant's superadministrator); agreements never vanish.
        for (ag, owner) in &before.owners {
            let now = after.owners.get(ag);
            prop_assert!(now.is_some(), "{ag} vanished");
            if now != Some(owner) {
                prop_assert!(
                    matches!(step.act, Act::TransferOwnership(a, n) if a == *ag && Some(&n) == now)
                        && (actor.id == *owner || pre.superadmin),
                    "owner of {} changed from {} to {:?} by {}",
                    ag,
                    owner,
                    now,
                    actor.id
                );
            }
        }

        // 4 (002). Only the Owner changes the access of an agreement Administrator (on CORE or
        // on the product changed); an Administrator sets only User or Administrator; the
        // level asked for is the level obtained. (Deactivating a user hides its levels
        // without changing them: see the report.)
        for (ag, owner) in &before.owners {
            // A transfer changes the former and the new Owner's access; who may transfer is
            // checked above.
            let by_owner = *owner == actor.id
                || pre.superadmin
                || matches!(step.act, Act::TransferOwnership(a, _) if a == *ag);
            // Deactivating or deleting an agreement Administrator changes its access (settled
            // rule 2): only by the Owner, the superadministrator, or itself; the Owner is
            // neither deactivated nor deleted.
            if let Act::SetActive(x, false) | Act::DeleteUser(x) = step.act {
                let was_admin = before.users.get(&x).is_some_and(|u| u.rec.active)
                    && Product::ALL
                        .into_iter()
                        .any(|p| before.level(*ag, x, p) >= AccessLevel::Administrator);
                let gone = after.users.get(&x).is_none_or(|u| !u.rec.active);
                if was_admin && gone {
                    // An Administrator may lower its own access, as with its levels.
                    prop_assert!(
                        (by_owner || x == actor.id) && x != *owner,
                        "{} deactivated or deleted {}, an Administrator (or the Owner) of {}",
                        actor.id,
                        x,
                        ag
                    );
                }
            }
            for (x, _) in after.users.iter().filter(|(x, _)| **x != actor.id) {
                if !before.users.contains_key(x)
                    || matches!(step.act, Act::SetActive(t, _) if t == *x)
                {
                    continue;
                }
                let changed: Vec<Product> = Product::ALL
                    .into_iter()
                    .filter(|p| before.level(*ag, *x, *p) != after.level(*ag, *x, *p))
                    .chain(
                        (before.pbx.get(&(*ag, *x)) != after.pbx.get(&(*ag, *x)))
                            .then_some(Product::VirtualPbx),
                    )
                    .collect();
                if changed.is_empty() {
                    continue;
                }
                let was_admin = before.level(*ag, *x, Product::Core) >= AccessLevel::Administrator
                    || changed
                        .iter()
                        .any(|p| before.level(*ag, *x, *p) >= AccessLevel::Administrator);
                prop_assert!(
                    by_owner || !was_admin,
                    "{} changed the access of {}, an Administrator of {}, on {:?}",
                    actor.id,
                    x,
                    ag,
                    changed
                );
            }
        }
        if let Act::SetLevel(ag, x, p, l) = &step.act {
            prop_assert!(
                *l != AccessLevel::Owner,
                "Owner granted by an ordinary change"
            );
            if after.users.get(x).is_some_and(|u| u.rec.active) {
                prop_assert_eq!(after.level(*ag, *x, *p), *l);
            }
            if *l == AccessLevel::NoAccess && before.level(*ag, *x, *p) != after.level(*ag, *x, *p)
            {
                prop_assert!(
                    before.owners.get(ag) == Some(&actor.id) || pre.superadmin,
                    "only the Owner (or the superadministrator) may set No access"
                );
            }
        }

        // 3. only an explicit removal leaves a member without a group.
        if !matches!(step.act, Act::RemoveMember(..)) {
            for (u, now) in &after.users {
                if let Some(was) = before.users.get(u) {
                    prop_assert!(
                        was.groups.is_empty() || !now.groups.is_empty(),
                        "{} lost its last group {:?}",
                        u,
                        was.groups
                    );
                }
            }
        }

        // 2. only the superadministrator grants, revokes or changes administrator-tier roles,
        // and only it changes the access of an administrator (other than the actor itself).
        if !pre.superadmin {
            let holders = |o: &Obs| -> BTreeMap<UserId, BTreeSet<RoleId>> {
                o.users
                    .iter()
                    .filter(|(_, u)| !u.admin_roles.is_empty())
                    .map(|(id, u)| (*id, u.admin_roles.clone()))
                    .collect()
            };
            prop_assert_eq!(
                holders(before),
                holders(after),
                "a non-superadministrator changed who holds administrator-tier roles"
            );
            prop_assert_eq!(
                &before.admin_tier_roles,
                &after.admin_tier_roles,
                "a non-superadministrator changed an administrator-tier role"
            );
            prop_assert_eq!(
                &before.admin_groups,
                &after.admin_groups,
                "a non-superadministrator changed which groups carry administrator-tier roles"
            );
            for x in before.administrators() {
                if x == actor.id {
                    continue;
                }
                // Steps that touch an administrator only indirectly (its call group deleted;
                // its agreement access, which follows the rules of 002) may renew its
                // security stamp; nothing else of it may change.
                // A step that does not name the administrator reaches it only through a role,
                // a group, a deleted call group, or its agreement access (which follows the
                // rules of 002): its security stamp may be renewed, and the
                // superadministrator's roles and groups do not protect them (it holds
                // everything anyway); nothing else of it may change.
                let named = step.act.refs().contains(&Ref::User(x))
                    && !matches!(
                        step.act,
                        Act::CreateAgreement(..)
                            | Act::SetLevel(..)
                            | Act::LinkPbx(..)
                            | Act::TransferOwnership(..)
                    );
                let is_superadmin = before.users[&x].superadmin;
                let access = |o: &Obs| {
                    o.users.get(&x).map(|u| {
                        let mut rec = u.rec.clone();
                        rec.scopes.retain(|s| after.scopes.contains(s));
                        rec.teams.retain(|s| after.scopes.contains(s));
                        let mut rec = serde_json::to_value(&rec).unwrap();
                        if !named {
                            let obj = rec.as_object_mut().unwrap();
                            obj.remove("stamp");
                            obj.remove("updated_at");
                            // A team deleted with `delete_scope_moving` moves its members
                            // to the team above it, whose administrators covered them
                            // already: nobody gains a hold on the administrator.
                            obj.remove("teams");
                            if is_superadmin {
                                // Its roles in every form: direct, per scope, time-bound.
                                for key in ["roles", "grants", "windows", "eligible"] {
                                    obj.remove(key);
                                }
                            }
                        }
                        let mut rights = u.rights.clone();
                        rights
                            .at
                            .retain(|s, _| after.scopes.contains(s) && before.scopes.contains(s));
                        let groups = if is_superadmin && !named {
                            BTreeSet::new()
                        } else {
                            u.groups.clone()
                        };
                        (rec, groups, rights)
                    })
                };
                prop_assert_eq!(
                    access(before),
                    access(after),
                    "{} changed the access of administrator {}",
                    actor.id,
                    x
                );
            }
        }
        Ok(())
    }

    // ----------------------------------------------------------------------------------------
    // invariants of a state
    // ----------------------------------------------------------------------------------------

    /// `obs`: the observation of this very state, when already made.
    fn check_state(&self, obs: Option<&Obs>) -> TestResult {
        let owned;
        let obs = match obs {
            Some(o) => o,
            None => {
                owned = self.observe();
                &owned
            }
        };
        let d = &self.dir;
        prop_assert_eq!(d.revision(), self.store.clone().revision().unwrap());
        let tenants: BTreeMap<TenantId, rolecall::Tenant> =
            d.tenants().into_iter().map(|t| (t.id, t)).collect();
        prop_assert_eq!(tenants.len(), 2);
        let scopes: BTreeMap<ScopeId, TenantId> = self
            .all_scopes()
            .filter_map(|s| d.scope(s).ok().map(|x| (s, x.tenant)))
            .collect();
        let snap = d.snapshot();
        prop_assert_eq!(snap.revision(), d.revision());
        let pool = perms_of(u16::MAX);
        // The hierarchy: each scope with its chain of ancestors, itself first.
        let parents: BTreeMap<ScopeId, Option<ScopeId>> = scopes
            .keys()
            .map(|s| (*s, d.scope(*s).unwrap().parent))
            .collect();
        let kinds: BTreeMap<ScopeId, ScopeKind> = scopes
            .keys()
            .map(|s| (*s, d.scope(*s).unwrap().kind))
            .collect();
        let mut chains: BTreeMap<ScopeId, Vec<ScopeId>> = BTreeMap::new();
        for s in scopes.keys() {
            let mut chain = vec![*s];
            while let Some(Some(p)) = parents.get(chain.last().unwrap()) {
                prop_assert!(!chain.contains(p), "a cycle through {}", p);
                prop_assert_eq!(
                    scopes.get(p),
                    scopes.get(s),
                    "{} has a parent of another tenant",
                    s
                );
                chain.push(*p);
            }
            chains.insert(*s, chain);
        }
        // Each user's rights recomputed from the records, for `check_user` below.
        let mut reference: BTreeMap<
            UserId,
            (
                TenantId,
                Permission,
                Permission,
                BTreeMap<ScopeId, Permission>,
            ),
        > = BTreeMap::new();
        let mut teams_of: BTreeMap<UserId, BTreeSet<ScopeId>> = BTreeMap::new();

        // The superadministrators always exist, are active and hold everything.
        for (t, sa) in self.tenants.iter().zip(&self.supers) {
            prop_assert_eq!(tenants[t].superadmin, *sa);
            let u = d.user(*sa);
            prop_assert!(u.as_ref().is_ok_and(|u| u.active && u.tenant == *t));
            prop_assert!(d.check(*sa, Permission::all()));
        }

        for u in self.all_users().chain([UNKNOWN_USER]) {
            let Ok(rec) = d.user(u) else {
                // 7 (unknown). A deleted or unknown user holds nothing.
                prop_assert!(matches!(
                    d.effective_permissions(u),
                    Err(Error::UnknownUser(_))
                ));
                prop_assert!(d.allowed_scopes(u, Permission::USERS_VIEW).is_err());
                for p in bits() {
                    prop_assert!(!d.check(u, p));
                }
                for s in self.all_scopes() {
                    prop_assert!(!d.check_scoped(u, Permission::DASHBOARD_ANALYTICS, s));
                }
                for a in self.all_agreements() {
                    prop_assert_eq!(d.access_level(a, u, Product::Core), AccessLevel::NoAccess);
                }
                continue;
            };

            // 7. recompute from the public records.
            let groups = d.user_groups(u).unwrap();
            let mut roles = rec.roles.clone();
            for g in &groups {
                let g = d.group(*g).unwrap();
                prop_assert_eq!(g.tenant, rec.tenant);
                prop_assert!(d.group_members(g.id).unwrap().contains(&u));
                roles.extend(g.roles);
            }
            for s in &rec.scopes {
                prop_assert_eq!(scopes.get(s), Some(&rec.tenant), "{} holds scope {}", u, s);
            }
            let superadmin = tenants[&rec.tenant].superadmin == u;
            let (mut perms, mut unscoped) = (Permission::empty(), Permission::empty());
            let mut scoped_roles = Permission::empty();
            // Explicit deny: what any role held (by any path) denies, taken away everywhere.
            let mut denied = Permission::empty();
            for r in &roles {
                let role = d.role(*r).unwrap();
                prop_assert_eq!(role.tenant, rec.tenant);
                prop_assert!(!role.permissions.intersects(role.denied));
                denied |= role.denied;
                perms |= role.permissions;
                if role.scoped {
                    scoped_roles |= role.permissions;
                } else {
                    unscoped |= role.permissions;
                }
            }
            // What is held on each node: the scoped roles on each assigned scope (003), each
            // per-scope grant's role on its scope (issue 15).
            let mut node: BTreeMap<ScopeId, Permission> = BTreeMap::new();
            for s in &rec.scopes {
                *node.entry(*s).or_default() |= scoped_roles;
            }
            for g in &rec.grants {
                prop_assert_eq!(
                    scopes.get(&g.scope),
                    Some(&rec.tenant),
                    "{} granted for {}",
                    u,
                    g.scope
                );
                let role = d.role(g.role).unwrap();
                prop_assert_eq!(role.tenant, rec.tenant);
                denied |= role.denied;
                perms |= role.permissions;
                *node.entry(g.scope).or_default() |= role.permissions;
            }
            perms -= denied;
            unscoped -= denied;
            for p in node.values_mut() {
                *p -= denied;
            }
            for s in &rec.teams {
                prop_assert_eq!(scopes.get(s), Some(&rec.tenant), "{} in team {}", u, s);
                prop_assert_eq!(d.scope(*s).unwrap().kind, ScopeKind::Team);
                prop_assert!(d.team_members(*s).unwrap().contains(&u));
            }
            if superadmin {
                (perms, unscoped) = (Permission::all(), Permission::all());
                node.clear();
            }
            if !rec.active {
                (perms, unscoped) = (Permission::empty(), Permission::empty());
                node.clear();
            }
            // What applies within each scope of the tenant: the unscoped rights, and what is
            // held on the scope or any scope above it.
            let covered: BTreeMap<ScopeId, Permission> = chains
                .iter()
                .filter(|(s, _)| scopes[*s] == rec.tenant)
                .map(|(s, chain)| {
                    let p = chain
                        .iter()
                        .filter_map(|a| node.get(a))
                        .fold(unscoped, |acc, p| acc | *p);
                    (*s, p)
                })
                .collect();
            // A deny always wins: no user but the superadministrator holds, anywhere, a
            // right any of its roles denies.
            if !superadmin {
                let held = d.effective_permissions(u).unwrap();
                prop_assert!(
                    !held.intersects(denied),
                    "{} holds {} which its roles deny",
                    u,
                    held & denied
                );
                for p in denied.singles() {
                    prop_assert!(
                        !d.check(u, p),
                        "{} passes check({}) which it is denied",
                        u,
                        p
                    );
                    for s in &rec.grants {
                        prop_assert!(!d.check_scoped(u, p, s.scope));
                    }
                }
            }
            reference.insert(u, (rec.tenant, perms, unscoped, covered.clone()));
            teams_of.insert(u, rec.teams.clone());
            let fail = |what: &str| format!("{what} of {u:?} (active {})", rec.active);
            prop_assert_eq!(
                d.effective_permissions(u).unwrap(),
                perms,
                "{}",
                fail("effective permissions")
            );
            prop_assert!(!d.check(u, Permission::empty()));
            prop_assert_eq!(d.check(u, Permission::all()), perms == Permission::all());
            let mine: Vec<ScopeId> = rec.scopes.iter().copied().collect();
            // `allowed_scopes` for every bit, as observed: all of them, or every scope where
            // it applies (the nodes held, with their subtrees).
            let expected = Rights {
                any: perms,
                all: unscoped,
                at: covered
                    .iter()
                    .map(|(s, p)| (*s, *p - unscoped))
                    .filter(|(_, p)| !p.is_empty())
                    .collect(),
            };
            prop_assert_eq!(
                &obs.users[&u].rights,
                &expected,
                "{}",
                fail("allowed scopes")
            );
            // The bulk of the scoped checks goes through one snapshot and the resolved user
            // (what `Directory::check_scoped` calls), the rights of the pool through both.
            let uref = snap.resolve(u);
            prop_assert!(uref.is_some());
            let uref = uref.unwrap();
            prop_assert_eq!(uref.permissions(), perms);
            // Each scope with whether it is of the user's tenant and assigned to the user.
            let scope_list: Vec<(ScopeId, bool, bool)> = scopes
                .iter()
                .map(|(s, st)| (*s, *st == rec.tenant, rec.scopes.contains(s)))
                .collect();
            let mut prev = Permission::USERS_VIEW;
            for p in bits() {
                prop_assert_eq!(d.check(u, p), perms.contains(p), "{}", fail(&p.to_string()));
                prop_assert_eq!(uref.check(p), perms.contains(p));
                let in_pool = pool.contains(p);
                if in_pool {
                    // (Every bit is compared through `Rights` below.)
                    let expected = if unscoped.contains(p) {
                        ScopeAccess::All
                    } else {
                        ScopeAccess::Only(
                            covered
                                .iter()
                                .filter(|(_, c)| c.contains(p))
                                .map(|(s, _)| *s)
                                .collect(),
                        )
                    };
                    prop_assert_eq!(
                        d.allowed_scopes(u, p).unwrap(),
                        expected,
                        "{}",
                        fail(&format!("allowed scopes for {p}"))
                    );
                }
                // A pair of rights (of the pool): held together, and in a scope only when both
                // apply there.
                let pair = p | prev;
                if in_pool {
                    prop_assert_eq!(uref.check(pair), perms.contains(p) && perms.contains(prev));
                }
                for (s, same_tenant, _) in &scope_list {
                    let applies = |q: Permission| {
                        *same_tenant && covered.get(s).is_some_and(|c| c.contains(q))
                    };
                    prop_assert_eq!(
                        uref.check_scoped(p, *s),
                        applies(p),
                        "{}",
                        fail(&format!("{p} in {s}"))
                    );
                    if in_pool {
                        prop_assert_eq!(d.check_scoped(u, p, *s), applies(p));
                        prop_assert_eq!(uref.check_scoped(pair, *s), applies(p) && applies(prev));
                    }
                }
                prop_assert!(!uref.check_scoped(p, UNKNOWN_SCOPE));
                if in_pool {
                    prev = p;
                }
            }
            prop_assert_eq!(
                d.check_scoped(
                    u,
                    Permission::empty(),
                    mine.first().copied().unwrap_or(UNKNOWN_SCOPE)
                ),
                false
            );

            // 6. an inactive user fails every check.
            if !rec.active {
                prop_assert!(perms.is_empty());
                prop_assert!(!d.explain(u, Permission::USERS_VIEW).unwrap().allowed);
                for s in scopes.keys() {
                    prop_assert!(!d.check_scoped(u, Permission::all(), *s));
                }
                for a in self.all_agreements() {
                    for p in Product::ALL {
                        prop_assert_eq!(d.access_level(a, u, p), AccessLevel::NoAccess);
                    }
                    if let Ok(Some(sub)) = d.pbx_subscriber(a, u) {
                        prop_assert!(!d.may_listen_recordings(a, u, &sub));
                        prop_assert!(!d.may_click_to_call(a, u, &sub));
                    }
                }
            }

            // PBX: listening and click-to-call need the link and User level on Virtual PBX.
            for a in self.all_agreements() {
                let sub = d.pbx_subscriber(a, u).unwrap();
                let lvl = d.access_level(a, u, Product::VirtualPbx);
                for s in ["sub-0", sub.as_deref().unwrap_or("sub-1")] {
                    let expected = lvl >= AccessLevel::User && sub.as_deref() == Some(s);
                    prop_assert_eq!(d.may_listen_recordings(a, u, s), expected);
                    prop_assert_eq!(d.may_click_to_call(a, u, s), expected);
                }
            }
        }

        // 9. `check_user` (issue 15): the actor holds the right unscoped, or within a team the
        // target is a member of (on it or a scope above it); never across tenants.
        for a in self.all_users().chain([UNKNOWN_USER]) {
            for p in [
                Permission::USERS_MANAGE,
                Permission::USERS_VIEW,
                Permission::DASHBOARD_ANALYTICS,
            ] {
                for t in self.all_users().chain([UNKNOWN_USER]) {
                    let expected = match (reference.get(&a), reference.get(&t)) {
                        (Some((ta, perms, unscoped, covered)), Some((tt, ..))) => {
                            ta == tt
                                && perms.contains(p)
                                && (unscoped.contains(p)
                                    || teams_of[&t]
                                        .iter()
                                        .any(|m| covered.get(m).is_some_and(|c| c.contains(p))))
                        }
                        _ => false,
                    };
                    prop_assert_eq!(
                        d.check_user(a, p, t),
                        expected,
                        "check_user({}, {}, {})",
                        a,
                        p,
                        t
                    );
                    // The checked reads show exactly the users `check_user` lets it view.
                    if p == Permission::USERS_VIEW && reference.contains_key(&a) {
                        prop_assert_eq!(d.user_as(a, t).is_ok(), expected, "user_as({}, {})", a, t);
                    }
                }
            }
            let Some((tenant, perms, unscoped, covered)) = reference.get(&a) else {
                continue;
            };
            let visible: Vec<UserId> = d
                .search_users_as(
                    a,
                    &UserQuery {
                        limit: UserQuery::MAX_LIMIT,
                        ..UserQuery::default()
                    },
                )
                .unwrap()
                .items
                .into_iter()
                .map(|u| u.id)
                .collect();
            let expected: Vec<UserId> = reference
                .iter()
                .filter(|(t, (tt, ..))| {
                    tt == tenant && d.check_user(a, Permission::USERS_VIEW, **t)
                })
                .map(|(t, _)| *t)
                .collect();
            prop_assert_eq!(visible, expected, "search_users_as({})", a);
            // `allowed_scopes_of_kind`: the scopes of that kind where the right applies.
            for p in [
                Permission::USERS_MANAGE,
                Permission::SCOPES_MANAGE,
                Permission::USERS_VIEW | Permission::DASHBOARD_ANALYTICS,
            ] {
                for kind in [ScopeKind::Team, ScopeKind::Queue, ScopeKind::CallGroup] {
                    let expected = if unscoped.contains(p) {
                        ScopeAccess::All
                    } else {
                        ScopeAccess::Only(
                            covered
                                .iter()
                                .filter(|(s, c)| {
                                    perms.contains(p) && c.contains(p) && kinds[*s] == kind
                                })
                                .map(|(s, _)| *s)
                                .collect(),
                        )
                    };
                    prop_assert_eq!(
                        d.allowed_scopes_of_kind(a, p, kind).unwrap(),
                        expected,
                        "allowed_scopes_of_kind({}, {}, {:?})",
                        a,
                        p,
                        kind
                    );
                }
            }
        }

        // 4. every agreement has exactly one Owner, of its tenant; nobody else is Owner. (The
        // levels of the tenant's users as observed; others checked here.)
        let mut owners_seen: BTreeMap<(AgreementId, Product), Vec<UserId>> = BTreeMap::new();
        for ((a, u, p), l) in &obs.levels {
            if *l == AccessLevel::Owner {
                owners_seen.entry((*a, *p)).or_default().push(*u);
            }
        }
        for a in self.all_agreements() {
            let meta = d.agreement(a).unwrap();
            let owner = d.user(meta.owner);
            prop_assert!(
                owner.as_ref().is_ok_and(|o| o.tenant == meta.tenant),
                "{} has no owner in its tenant",
                a
            );
            // One active Owner per agreement, always (settled rule 2).
            prop_assert!(owner.unwrap().active, "the Owner of {} is inactive", a);
            for p in Product::ALL {
                let owners = owners_seen.remove(&(a, p)).unwrap_or_default();
                prop_assert_eq!(owners, vec![meta.owner], "Owners of {} on {}", a, p);
            }
            for u in self.all_users().chain([UNKNOWN_USER]) {
                if d.user(u).map(|x| x.tenant) != Ok(meta.tenant) {
                    for p in [Product::Core, Product::VirtualPbx] {
                        prop_assert_eq!(snap.access_level(a, u, p), AccessLevel::NoAccess);
                    }
                }
            }
        }
        Ok(())
    }

    /// At the end of a sequence: reverse queries, and a directory loaded from scratch.
    fn check_final(&self) -> TestResult {
        let d = &self.dir;
        let snap = d.snapshot();
        let users: Vec<(UserId, TenantId)> = self
            .all_users()
            .filter_map(|u| d.user(u).ok().map(|x| (u, x.tenant)))
            .collect();
        for t in self.tenants {
            let of_t = || users.iter().filter(|(_, x)| *x == t).map(|(u, _)| *u);
            for p in POOL {
                let expected: Vec<UserId> = of_t().filter(|u| snap.check(*u, p)).collect();
                prop_assert_eq!(d.users_with_permission(t, p, None).unwrap(), expected);
            }
            // Scoped: the rights of scope-restricted preset and custom roles.
            for p in [
                Permission::DASHBOARD_ANALYTICS,
                Permission::DASHBOARD_LOGS,
                Permission::CAMPAIGNS_VIEW,
                Permission::USERS_MANAGE,
            ] {
                for s in self.all_scopes() {
                    let expected: Vec<UserId> =
                        of_t().filter(|u| snap.check_scoped(*u, p, s)).collect();
                    prop_assert_eq!(d.users_with_permission(t, p, Some(s)).unwrap(), expected);
                }
            }
        }
        let fresh = Directory::open(self.store.clone()).unwrap();
        prop_assert!(
            answers(self, d) == answers(self, &fresh),
            "a directory loaded from the store answers differently"
        );
        Ok(())
    }
}

/// What is known of a step before it runs.
#[derive(Debug)]
struct Pre {
    actor: Option<User>,
    superadmin: bool,
    /// It names an existing object of another tenant than the actor's.
    foreign: bool,
    /// It names an object that does not exist.
    unknown: bool,
}

fn ctx(e: TestCaseError, what: &str) -> TestCaseError {
    match e {
        TestCaseError::Fail(m) => TestCaseError::fail(format!("{m}\n  at {what}")),
        other => other,
    }
}

/// Objects a change touches (whose tenant must be the actor's).
fn change_refs(ch: &Change) -> Vec<Ref> {
    match ch {
        Change::UserPut(u) => vec![Ref::User(u.id)],
        Change::UserDeleted { id } => vec![Ref::User(*id)],
        Change::RolePut(r) => vec![Ref::Role(r.id)],
        Change::RoleDeleted { id } => vec![Ref::Role(*id)],
        Change::GroupPut(g) => std::iter::once(Ref::Group(g.id))
            .chain(g.roles.iter().map(|r| Ref::Role(*r)))
            .collect(),
        Change::GroupDeleted { id } => vec![Ref::Group(*id)],
        Change::MemberAdded { group, user } | Change::MemberRemoved { group, user } => {
            vec![Ref::Group(*group), Ref::User(*user)]
        }
        Change::ScopePut(s) => std::iter::once(Ref::Scope(s.id))
            .chain(s.parent.map(Ref::Scope))
            .collect(),
        Change::ScopeDeleted { id } => vec![Ref::Scope(*id)],
        Change::AgreementPut(a) => vec![Ref::Agreement(a.id), Ref::User(a.owner)],
        Change::LevelSet {
            agreement, user, ..
        }
        | Change::PbxLinkSet {
            agreement, user, ..
        } => vec![Ref::Agreement(*agreement), Ref::User(*user)],
        // Kinds added later (credentials, stamps, ...): every user they name, in a `user`,
        // `user_id` or `users` field.
        other => {
            let v = serde_json::to_value(other).unwrap();
            let mut out = Vec::new();
            for obj in v.as_object().into_iter().chain(
                v.as_object()
                    .into_iter()
                    .flat_map(|o| o.values())
                    .filter_map(|x| x.as_object()),
            ) {
                for (k, x) in obj {
                    let ids: Vec<u64> = match k.as_str() {
                        "user" | "user_id" => x.as_u64().into_iter().collect(),
                        "users" => x
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|i| i.as_u64())
                            .collect(),
                        _ => vec![],
                    };
                    out.extend(ids.into_iter().map(|i| Ref::User(UserId(i))));
                }
            }
            out
        }
    }
}

// ============================================================================================
// answers of a directory (for comparing instances)
// ============================================================================================

/// Every answer a directory gives about the world's objects.
#[derive(Debug, PartialEq)]
struct Answers {
    revision: u64,
    dumps: Vec<TenantDump>,
    effective: Vec<Result<Permission, Error>>,
    checks: Vec<bool>,
    allowed: Vec<Result<ScopeAccess, Error>>,
    scoped: Vec<bool>,
    levels: Vec<AccessLevel>,
    listen: Vec<bool>,
    reverse: Vec<Vec<UserId>>,
}

fn answers(w: &World, d: &Directory) -> Answers {
    let mut a = Answers {
        revision: d.revision(),
        dumps: w.tenants.iter().map(|t| dump(d, *t)).collect(),
        effective: vec![],
        checks: vec![],
        allowed: vec![],
        scoped: vec![],
        levels: vec![],
        listen: vec![],
        reverse: vec![],
    };
    // One snapshot, each user resolved once: what `Directory::check` and friends read.
    let scopes: Vec<ScopeId> = w.all_scopes().collect();
    let snap = d.snapshot();
    for u in w.all_users().chain([UNKNOWN_USER]) {
        a.effective.push(d.effective_permissions(u));
        let uref = snap.resolve(u);
        for p in bits() {
            a.checks.push(uref.is_some_and(|r| r.check(p)));
            a.allowed.push(
                snap.allowed_scopes(u, p)
                    .ok_or(Error::UnknownUser(u.into())),
            );
            for s in &scopes {
                a.scoped.push(uref.is_some_and(|r| r.check_scoped(p, *s)));
            }
        }
        for ag in w.all_agreements() {
            for p in Product::ALL {
                a.levels.push(snap.access_level(ag, u, p));
            }
            for s in ["sub-0", "sub-1", "sub-2", "sub-3"] {
                a.listen.push(snap.may_use_subscriber(ag, u, s));
            }
        }
    }
    for t in w.tenants {
        a.reverse.push(
            d.users_with_permission(t, Permission::USERS_MANAGE, None)
                .unwrap(),
        );
        let first = w.scopes[w.tenant_index(t)].first().copied();
        a.reverse.push(
            d.users_with_permission(t, Permission::DASHBOARD_ANALYTICS, first)
                .unwrap(),
        );
    }
    a
}

/// Runs `ops` alternately on two directories sharing one store (the world's and `other`):
/// each step runs on either, which catches up first when behind; the other refreshes after
/// the step when `sync` says so (else it stays behind until its next write or sync). A third,
/// read-only directory `watcher`, opened on the store before the universe was built, refreshes
/// after every step. After every step the watcher answers every check exactly as the
/// directory that ran the step, and so does the other one when it refreshed.
fn run_replicated(
    w: &mut World,
    other: &Directory,
    watcher: &Directory,
    ops: &[(Op, bool, bool)],
) -> TestResult {
    prop_assert_eq!(watcher.revision(), 0);
    for (i, (op, on_other, sync)) in ops.iter().enumerate() {
        let step = w.resolve(op);
        w.clock.advance(1_000);
        let (exec, idle) = if *on_other {
            (other, &w.dir)
        } else {
            (&w.dir, other)
        };
        let before = exec.revision();
        let res = run_act(exec, step.actor, &step.act);
        let what = || {
            let on = if *on_other { "other" } else { "original" };
            format!("step {i} on {on}: {step:?}\n  -> {res:?}")
        };
        // The executor caught up before planning, so it is at the store's revision.
        let store_rev = w.store.clone().revision().unwrap();
        prop_assert_eq!(exec.revision(), store_rev, "{}", what());
        prop_assert!(exec.revision() >= before);
        prop_assert_eq!(watcher.refresh().unwrap(), store_rev, "{}", what());
        let reference = answers(w, exec);
        let same = |d: &Directory, who: &str| -> TestResult {
            let got = answers(w, d);
            if got != reference {
                return Err(TestCaseError::fail(format!(
                    "the {who} answers differently from the directory that ran the step\n{}\n  at {}",
                    diff(&reference.dumps, &got.dumps),
                    what()
                )));
            }
            Ok(())
        };
        same(watcher, "watcher (refreshed incrementally)")?;
        if *sync || i + 1 == ops.len() {
            prop_assert_eq!(idle.refresh().unwrap(), store_rev, "{}", what());
            same(idle, "other writer (refreshed incrementally)")?;
        }
        w.absorb_log();
        if w.dir.revision() == store_rev && i % 4 == 0 {
            // And they all equal the records they hold (checked after every step by the
            // other properties; here now and then, and at the end).
            w.check_state(None).map_err(|e| ctx(e, &what()))?;
        }
    }
    prop_assert_eq!(w.dir.revision(), w.store.clone().revision().unwrap());
    w.check_state(None).map_err(|e| ctx(e, "at the end"))?;
    // A directory loaded from the store at the end.
    let fresh = Directory::open(w.store.clone()).unwrap();
    prop_assert!(answers(w, &w.dir) == answers(w, &fresh));
    Ok(())
}

// ============================================================================================
// the properties
// ============================================================================================

proptest! {
    #![proptest_config(config())]

    /// Random sequences by random actors: every invariant holds after every step.
    #[test]
    fn invariants_hold_after_every_step(setup in setup_strategy(), ops in ops_strategy()) {
        let mut w = World::build(&setup);
        w.run(&ops, &mut Stats::default())?;
    }

    /// The same invariants on sequences by delegates (users given management rights, some
    /// only for their own call groups / IVRs) on their own tenant's users, groups and custom
    /// roles: the steps where delegation succeeds, so where an escalation would show.
    #[test]
    fn delegates_grant_only_what_they_hold(
        setup in setup_strategy(),
        ops in delegated_ops_strategy(),
    ) {
        let mut w = World::build(&setup);
        w.run(&ops, &mut Stats::default())?;
    }

    /// Directories on one store (`MemoryStore` clones): two writers each running some of the
    /// steps, and a watcher opened before anything existed that only refreshes. Refreshed
    /// incrementally, each answers every check exactly as the directory that ran the step,
    /// after every step, and as a directory loaded from scratch at the end.
    #[test]
    fn incremental_refresh_equals_the_original(
        setup in setup_strategy(),
        ops in vec((op_strategy(), any::<bool>(), prop::bool::weighted(0.7)), 1..30),
    ) {
        let empty = World::new();
        let watcher = Directory::open(empty.store.clone()).unwrap();
        let mut w = World::build_on(empty, &setup);
        let other = Directory::open(w.store.clone()).unwrap();
        run_replicated(&mut w, &other, &watcher, &ops)?;
    }
}

/// Found by `invariants_hold_after_every_step` at 1,000 cases in release: its oracle held the
/// superadministrator's per-scope grants as protected, while the superadministrator's roles,
/// in any form, never protect it (it holds everything anyway). A user with `roles.manage`
/// deletes a custom role the superadministrator holds in one call group: allowed, and the grant
/// goes with the role.
#[test]
fn a_role_the_superadministrator_holds_in_a_scope_may_be_deleted() {
    let dir = Directory::in_memory();
    let t = dir
        .create_tenant("Acme", &NewUser::new("Ada", "Root", "root@acme.test"), &[])
        .unwrap();
    let root = t.superadmin;
    let sales = dir
        .create_scope(root, ScopeKind::CallGroup, "Sales")
        .unwrap();
    let night = dir
        .create_role(root, &NewRole::new("Night", Permission::CAMPAIGNS_VIEW))
        .unwrap();
    dir.grant_role_in_scope(root, root, night, sales).unwrap();
    let keeper = dir
        .create_role(
            root,
            &NewRole::new(
                "Role keeper",
                Permission::ROLES_VIEW | Permission::ROLES_MANAGE | Permission::CAMPAIGNS_VIEW,
            ),
        )
        .unwrap();
    let kim = dir
        .create_user(
            root,
            &NewUser::new("Kim", "Keeper", "kim@acme.test").roles([keeper]),
        )
        .unwrap();
    assert_eq!(dir.user(root).unwrap().grants.len(), 1);
    dir.delete_role(kim, night).unwrap();
    assert!(dir.user(root).unwrap().grants.is_empty());
}

/// Found by `invariants_hold_after_every_step` (invariant 2): an administrator could delete
/// its own account, revoking an administrator-tier role without the superadministrator,
/// although it may not revoke that role from itself. Kept as a plain regression test because
/// saved proptest seeds do not survive changes to the generators.
#[test]
fn an_administrator_cannot_delete_itself() {
    let dir = Directory::in_memory();
    let t = dir
        .create_tenant(
            "Acme",
            &NewUser::new("Ada", "Root", "root@acme.test"),
            &[Preset::Dashboard],
        )
        .unwrap();
    let admin = dir.role_by_name(t.tenant, "Admin").unwrap().id;
    let al = dir
        .create_user(
            t.superadmin,
            &NewUser::new("Al", "Min", "al@acme.test").roles([admin]),
        )
        .unwrap();
    let revision = dir.revision();
    assert!(matches!(
        dir.set_user_roles(al, al, &[]),
        Err(Error::SuperadminOnly { .. })
    ));
    assert!(matches!(
        dir.delete_user(al, al),
        Err(Error::SuperadminOnly { .. })
    ));
    assert_eq!(dir.revision(), revision);
    assert!(dir.check(al, Permission::USERS_MANAGE));
    dir.delete_user(t.superadmin, al).unwrap();
}

/// A replica opened on an empty store before anything exists catches up through `refresh`
/// from revision 0 to a whole universe, and then answers like the original.
#[test]
fn replica_catches_up_from_an_empty_store() {
    let mut runner = TestRunner::deterministic();
    for _ in 0..20 {
        let setup = setup_strategy().new_tree(&mut runner).unwrap().current();
        // Build on a store a replica already watches.
        let mut w = World::new();
        let replica = Directory::open(w.store.clone()).unwrap();
        assert_eq!(replica.revision(), 0);
        let built = World::build(&setup);
        // Replay the built universe's commits into this store through the store itself.
        for c in built.commits_since(0) {
            w.store.commit(&c).unwrap();
        }
        w.dir.refresh().unwrap();
        replica.refresh().unwrap();
        w.tenants = built.tenants;
        w.supers = built.supers;
        w.absorb_log();
        assert!(answers(&w, &w.dir) == answers(&w, &replica));
        assert!(answers(&w, &built.dir) == answers(&w, &replica));
        w.check_state(None).unwrap();
    }
}

/// The generator is not vacuous: over a fixed sample, every kind of operation succeeds, by
/// non-superadministrators too, and every rule refuses something. Run with `--nocapture` to
/// see the table.
#[test]
fn generated_steps_reach_every_rule() {
    let mut runner = TestRunner::deterministic();
    let mut stats = Stats::default();
    for i in 0..150 {
        let setup = setup_strategy().new_tree(&mut runner).unwrap().current();
        let ops = if i % 3 == 0 {
            delegated_ops_strategy()
                .new_tree(&mut runner)
                .unwrap()
                .current()
        } else {
            ops_strategy().new_tree(&mut runner).unwrap().current()
        };
        let mut w = World::build(&setup);
        w.run(&ops, &mut stats).unwrap();
    }
    let mut ok: BTreeMap<&str, u64> = BTreeMap::new();
    let mut errors: BTreeMap<&str, u64> = BTreeMap::new();
    for ((op, outcome), n) in &stats.outcomes {
        eprintln!("{op:24} {outcome:34} {n}");
        if *outcome == "ok" {
            *ok.entry(op).or_default() += n;
        } else {
            *errors.entry(outcome).or_default() += n;
        }
    }
    eprintln!(
        "delegated grants: {}, delegated levels: {}\nsuccesses by non-superadministrators: {:?}",
        stats.delegated_grants, stats.delegated_levels, stats.delegated_ok
    );
    let kinds = [
        "create_user",
        "update_user",
        "delete_user",
        "set_active(true)",
        "set_active(false)",
        "assign_role",
        "revoke_role",
        "set_user_roles",
        "create_role",
        "update_role",
        "delete_role",
        "create_group",
        "rename_group",
        "delete_group",
        "add_group_role",
        "remove_group_role",
        "add_member",
        "remove_member",
        "create_scope",
        "delete_scope",
        "delete_scope_moving",
        "create_scope_under",
        "move_scope",
        "move_scope(root)",
        "grant_role_in_scope",
        "revoke_role_in_scope",
        "set_user_teams",
        "assign_scope",
        "unassign_scope",
        "set_user_scopes",
        "create_agreement",
        "set_access_level",
        "transfer_ownership",
        "link_pbx_subscriber",
    ];
    for k in kinds {
        assert!(ok.get(k).copied().unwrap_or(0) > 0, "{k} never succeeded");
    }
    for e in [
        "unknown_user",
        "unknown_role",
        "unknown_group",
        "wrong_tenant",
        "actor_inactive",
        "permission_denied",
        "escalation",
        "superadmin_only",
        "superadmin_protected",
        "administrator_protected",
        "builtin_role",
        "group_is_only_group",
        "user_owns_agreement",
        "duplicate_email",
        "duplicate_name",
        "agreement_admin_required",
        "level_not_grantable",
        "owner_protected",
        "not_owner",
        "outside_teams",
        "scope_cycle",
        "scope_not_empty",
        "not_a_team",
    ] {
        assert!(
            errors.get(e).copied().unwrap_or(0) > 0,
            "no step was refused with {e}"
        );
    }
    assert!(stats.delegated_grants >= 15, "{stats:?}");
    // Delegated (non-superadministrator) successes of the operations of issue 15, and user
    // administration by team-scoped administrators.
    for k in [
        "create_scope_under",
        "move_scope",
        "delete_scope_moving",
        "grant_role_in_scope",
        "revoke_role_in_scope",
        "set_user_teams",
    ] {
        assert!(
            stats.delegated_ok.get(k).copied().unwrap_or(0) > 0,
            "{k} never succeeded by a non-superadministrator"
        );
    }
    eprintln!("team-scoped user administration: {}", stats.team_scoped_ok);
    assert!(stats.team_scoped_ok >= 5, "{stats:?}");
    assert!(stats.delegated_levels >= 3, "{stats:?}");
}

/// A move gives the holders of rights above the new place those rights on the moved scope:
/// the actor (holding scopes.manage everywhere, but not what they hold) must be refused,
/// whether the rights come from a per-scope grant or from a scoped role on an assigned scope
/// (003), and nothing changes.
#[test]
fn a_move_never_hands_out_rights_the_actor_lacks() {
    let dir = Directory::in_memory();
    let t = dir
        .create_tenant(
            "Acme",
            &NewUser::new("Ada", "Root", "root@acme.test"),
            &[Preset::Managers],
        )
        .unwrap();
    let root = t.superadmin;
    let mover_role = dir
        .create_role(root, &NewRole::new("mover", Permission::SCOPES_MANAGE))
        .unwrap();
    let mover = dir
        .create_user(
            root,
            &NewUser::new("Mo", "Ver", "mo@acme.test").roles([mover_role]),
        )
        .unwrap();
    let reports = dir
        .create_role(root, &NewRole::new("reports", Permission::REPORTS_VIEW))
        .unwrap();
    let scoped_reports = dir
        .create_role(
            root,
            &NewRole::new("scoped reports", Permission::REPORTS_VIEW).scoped(),
        )
        .unwrap();
    let site = dir.create_scope(root, ScopeKind::Team, "site").unwrap();
    let queue = dir.create_scope(root, ScopeKind::Queue, "queue").unwrap();
    let granted = dir
        .create_user(
            root,
            &NewUser::new("Gra", "Nted", "g@acme.test").grant(reports, site),
        )
        .unwrap();
    let assigned = dir
        .create_user(
            root,
            &NewUser::new("As", "Signed", "a@acme.test").roles([scoped_reports]),
        )
        .unwrap();
    dir.assign_scope(root, assigned, site).unwrap();
    let revision = dir.revision();
    let res = dir.move_scope(mover, queue, Some(site));
    assert!(matches!(res, Err(Error::Escalation { .. })), "{res:?}");
    assert_eq!(dir.revision(), revision);
    for u in [granted, assigned] {
        assert!(!dir.check_scoped(u, Permission::REPORTS_VIEW, queue));
        assert!(dir.check_scoped(u, Permission::REPORTS_VIEW, site));
    }
    // The superadministrator may.
    dir.move_scope(root, queue, Some(site)).unwrap();
    assert!(dir.check_scoped(granted, Permission::REPORTS_VIEW, queue));
    assert!(dir.check_scoped(assigned, Permission::REPORTS_VIEW, queue));
}

// ---- separation of duty ----

/// The permissions the separation-of-duty property plays with.
const SOD_PERMS: [Permission; 4] = [
    Permission::BILLING_MANAGE,
    Permission::LOGS_VIEW,
    Permission::REPORTS_VIEW,
    Permission::USERS_VIEW,
];

/// The rules the property may declare: (first, second) as masks over [`SOD_PERMS`].
const SOD_RULES: [(u8, u8); 3] = [(0b0001, 0b0010), (0b0100, 0b1001), (0b1000, 0b0010)];

fn sod_perms(mask: u8) -> Permission {
    SOD_PERMS
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .fold(Permission::empty(), |acc, (_, p)| acc | *p)
}

fn sod_rule(i: u8) -> rolecall::SodRule {
    let (a, b) = SOD_RULES[i as usize % SOD_RULES.len()];
    rolecall::SodRule::new(
        format!("rule {}", i as usize % SOD_RULES.len()),
        sod_perms(a),
        sod_perms(b),
    )
}

/// One step of the separation-of-duty property; selectors pick among what exists.
#[derive(Clone, Debug)]
enum SodOp {
    CreateUser { roles: Vec<u8>, active: bool },
    CreateRole { mask: u8, scoped: bool },
    UpdateRole { role: u8, mask: u8 },
    DeleteRole { role: u8 },
    Assign { user: u8, role: u8 },
    Revoke { user: u8, role: u8 },
    CreateGroup { roles: Vec<u8> },
    AddGroupRole { group: u8, role: u8 },
    RemoveGroupRole { group: u8, role: u8 },
    AddMember { group: u8, user: u8 },
    RemoveMember { group: u8, user: u8 },
    DeleteGroup { group: u8 },
    Grant { user: u8, role: u8, scope: bool },
    SetActive { user: u8, active: bool },
    AddRule { rule: u8 },
    RemoveRule { rule: u8 },
}

fn sod_op() -> impl Strategy<Value = SodOp> {
    let s = || any::<u8>();
    prop_oneof![
        3 => (vec(s(), 0..3), any::<bool>()).prop_map(|(roles, active)| SodOp::CreateUser { roles, active }),
        2 => (0u8..16, any::<bool>()).prop_map(|(mask, scoped)| SodOp::CreateRole { mask, scoped }),
        2 => (s(), 0u8..16).prop_map(|(role, mask)| SodOp::UpdateRole { role, mask }),
        1 => s().prop_map(|role| SodOp::DeleteRole { role }),
        5 => (s(), s()).prop_map(|(user, role)| SodOp::Assign { user, role }),
        2 => (s(), s()).prop_map(|(user, role)| SodOp::Revoke { user, role }),
        1 => vec(s(), 0..3).prop_map(|roles| SodOp::CreateGroup { roles }),
        3 => (s(), s()).prop_map(|(group, role)| SodOp::AddGroupRole { group, role }),
        1 => (s(), s()).prop_map(|(group, role)| SodOp::RemoveGroupRole { group, role }),
        4 => (s(), s()).prop_map(|(group, user)| SodOp::AddMember { group, user }),
        1 => (s(), s()).prop_map(|(group, user)| SodOp::RemoveMember { group, user }),
        1 => s().prop_map(|group| SodOp::DeleteGroup { group }),
        3 => (s(), s(), any::<bool>()).prop_map(|(user, role, scope)| SodOp::Grant { user, role, scope }),
        2 => (s(), any::<bool>()).prop_map(|(user, active)| SodOp::SetActive { user, active }),
        3 => s().prop_map(|rule| SodOp::AddRule { rule }),
        1 => s().prop_map(|rule| SodOp::RemoveRule { rule }),
    ]
}

/// Picks the `sel`-th of `pool` (wrapping), or an id nobody holds when the pool is empty.
fn sod_pick<T: Copy>(pool: &[T], sel: u8, none: T) -> T {
    if pool.is_empty() {
        none
    } else {
        pool[sel as usize % pool.len()]
    }
}

/// Runs `ops` as the superadministrator and checks, after every step, that a user holding both
/// sides of a declared rule was reported when it was declared and has gained nothing since.
fn sod_run(ops: &[SodOp]) -> Result<(), TestCaseError> {
    let dir = Directory::in_memory();
    let t = dir
        .create_tenant("Acme", &NewUser::new("Ada", "Root", "root@acme.test"), &[])
        .unwrap();
    let root = t.superadmin;
    let scopes = [
        dir.create_scope(root, ScopeKind::CallGroup, "Sales")
            .unwrap(),
        dir.create_scope(root, ScopeKind::CallGroup, "Support")
            .unwrap(),
    ];
    let (mut users, mut groups) = (Vec::new(), Vec::new());
    // One role per permission to start with, so that steps combine them often.
    let mut roles: Vec<RoleId> = SOD_PERMS
        .iter()
        .enumerate()
        .map(|(i, p)| {
            dir.create_role(root, &NewRole::new(format!("p{i}"), *p))
                .unwrap()
        })
        .collect();
    // For each declared rule (by index): its violators and the rights each held last.
    let mut allowed: BTreeMap<usize, BTreeMap<UserId, Permission>> = BTreeMap::new();
    let rights = |u: UserId| -> Permission {
        match dir.user(u) {
            Ok(r) if r.active => dir.effective_permissions(u).unwrap(),
            _ => Permission::empty(),
        }
    };
    let nobody = UserId(u64::MAX);
    for (n, op) in ops.iter().enumerate() {
        let user = |sel| sod_pick(&users, sel, nobody);
        let role = |sel| sod_pick(&roles, sel, RoleId(u64::MAX));
        let group = |sel| sod_pick(&groups, sel, GroupId(u64::MAX));
        let before = dir.revision();
        let result: Result<(), Error> = match op {
            SodOp::CreateUser { roles: rs, active } => {
                let mut nu = NewUser::new("U", "Ser", format!("u{n}@acme.test"))
                    .roles(rs.iter().map(|r| role(*r)));
                nu.active = *active;
                dir.create_user(root, &nu).map(|id| users.push(id))
            }
            SodOp::CreateRole { mask, scoped } => {
                let mut nr = NewRole::new(format!("r{n}"), sod_perms(*mask));
                nr.scoped = *scoped;
                dir.create_role(root, &nr).map(|id| roles.push(id))
            }
            SodOp::UpdateRole { role: r, mask } => {
                let patch = RolePatch {
                    permissions: Some(sod_perms(*mask)),
                    ..RolePatch::default()
                };
                dir.update_role(root, role(*r), &patch)
            }
            SodOp::DeleteRole { role: r } => dir.delete_role(root, role(*r)),
            SodOp::Assign { user: u, role: r } => dir.assign_role(root, user(*u), role(*r)),
            SodOp::Revoke { user: u, role: r } => dir.revoke_role(root, user(*u), role(*r)),
            SodOp::CreateGroup { roles: rs } => {
                let rs: Vec<RoleId> = rs.iter().map(|r| role(*r)).collect();
                dir.create_group(root, &format!("g{n}"), &rs)
                    .map(|id| groups.push(id))
            }
            SodOp::AddGroupRole { group: g, role: r } => {
                dir.add_group_role(root, group(*g), role(*r))
            }
            SodOp::RemoveGroupRole { group: g, role: r } => {
                dir.remove_group_role(root, group(*g), role(*r))
            }
            SodOp::AddMember { group: g, user: u } => dir.add_member(root, group(*g), user(*u)),
            SodOp::RemoveMember { group: g, user: u } => {
                dir.remove_member(root, group(*g), user(*u))
            }
            SodOp::DeleteGroup { group: g } => dir.delete_group(root, group(*g)),
            SodOp::Grant {
                user: u,
                role: r,
                scope,
            } => dir.grant_role_in_scope(root, user(*u), role(*r), scopes[usize::from(*scope)]),
            SodOp::SetActive { user: u, active } => dir.set_active(root, user(*u), *active),
            SodOp::AddRule { rule } => {
                let idx = *rule as usize % SOD_RULES.len();
                let r = sod_rule(*rule);
                dir.add_sod_rule(root, &r).map(|reported| {
                    let holding: Vec<UserId> = users
                        .iter()
                        .copied()
                        .filter(|u| r.violated_by(rights(*u)))
                        .collect();
                    assert_eq!(reported, holding, "step {n}: the violators reported");
                    allowed.insert(idx, reported.iter().map(|u| (*u, rights(*u))).collect());
                })
            }
            SodOp::RemoveRule { rule } => {
                let idx = *rule as usize % SOD_RULES.len();
                dir.remove_sod_rule(root, &sod_rule(*rule).name)
                    .map(|()| drop(allowed.remove(&idx)))
            }
        };
        if let Err(e) = &result {
            prop_assert_eq!(
                dir.revision(),
                before,
                "step {}: a refusal changed something",
                n
            );
            if let Error::SeparationOfDuty { rule, .. } = e {
                prop_assert!(
                    dir.sod_rules(t.tenant)
                        .unwrap()
                        .iter()
                        .any(|r| &r.name == rule),
                    "step {}: refused by an undeclared rule {}",
                    n,
                    rule
                );
            }
        }
        for (idx, violators) in &mut allowed {
            let r = sod_rule(*idx as u8);
            for u in &users {
                let now = rights(*u);
                if !r.violated_by(now) {
                    violators.remove(u);
                    continue;
                }
                let Some(held) = violators.get_mut(u) else {
                    return Err(TestCaseError::fail(format!(
                        "step {n} {op:?}: {u} holds both sides of {} without being reported",
                        r.name
                    )));
                };
                prop_assert!(
                    held.contains(now),
                    "step {} {:?}: violator {} of {} gained {}",
                    n,
                    op,
                    u,
                    r.name,
                    now - *held
                );
                *held = now;
            }
        }
        let reported: BTreeSet<(String, UserId)> = dir
            .sod_violations(t.tenant)
            .unwrap()
            .into_iter()
            .map(|v| (v.rule, v.user))
            .collect();
        let tracked: BTreeSet<(String, UserId)> = allowed
            .iter()
            .flat_map(|(i, vs)| vs.keys().map(move |u| (sod_rule(*i as u8).name, *u)))
            .collect();
        prop_assert_eq!(reported, tracked, "step {}: sod_violations", n);
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    /// No user ever holds both sides of a separation-of-duty rule, except the users reported
    /// when it was declared, and those never gain a right while they do.
    #[test]
    fn no_user_holds_both_sides_of_a_rule_unless_reported(ops in vec(sod_op(), 1..60)) {
        sod_run(&ops)?;
    }
}

/// The entry of the `ops` fuzz target (fuzz/fuzz_targets/ops.rs includes this file): a
/// universe and a sequence of steps decoded from the fuzzer's bytes, run with every invariant
/// above checked after every step.
///
/// The input is cut into fields, so that a mutation of a few bytes edits one step instead of
/// drawing a different case, and a crossover splices sequences:
/// - byte 0 picks random actors or delegates (`invariants_hold_after_every_step` /
///   `delegates_grant_only_what_they_hold`);
/// - the next [`FUZZ_SETUP_BYTES`] bytes draw the universe;
/// - every further [`FUZZ_STEP_BYTES`] bytes draw one step, up to [`FUZZ_MAX_STEPS`] steps, so
///   a short input is a short sequence (libFuzzer grows inputs from short ones).
///
/// Each field keys the generators' RNG (ChaCha) for its own draw. Proptest's pass-through RNG
/// cannot read the bytes in place: every `prop_oneof!` forks child RNGs that take half the
/// bytes left each, and on the zeros past the end rand's uniform sampling rejects forever.
#[allow(dead_code)]
pub fn run_from_bytes(data: &[u8]) -> Result<(), String> {
    let (setup, ops) = decode(data)?;
    let mut w = World::build(&setup);
    w.run(&ops, &mut Stats::default())
        .map_err(|e| format!("{e}\nsetup: {setup:?}\nops: {ops:?}"))
}

/// The universe and the steps a fuzz input stands for (see [`run_from_bytes`]).
fn decode(data: &[u8]) -> Result<(Setup, Vec<Op>), String> {
    let (first, rest) = data.split_first().unwrap_or((&0, &[]));
    let (setup_bytes, steps) = rest.split_at(rest.len().min(FUZZ_SETUP_BYTES));
    let setup = draw(setup_strategy(), setup_bytes)?;
    let ops = steps
        .chunks_exact(FUZZ_STEP_BYTES)
        .take(FUZZ_MAX_STEPS)
        .map(|chunk| {
            let op = draw(op_strategy(), chunk)?;
            Ok(if first % 2 == 0 { op } else { delegated(op) })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok((setup, ops))
}

/// Bytes of a fuzz input that draw the universe (see [`run_from_bytes`]).
const FUZZ_SETUP_BYTES: usize = 32;
/// Bytes of a fuzz input that draw one step (see [`run_from_bytes`]).
const FUZZ_STEP_BYTES: usize = 8;
/// The most steps one fuzz input runs.
const FUZZ_MAX_STEPS: usize = 64;

/// One value of `strategy` drawn with an RNG keyed by `bytes` (at most 32; zeros after).
fn draw<S: Strategy>(strategy: S, bytes: &[u8]) -> Result<S::Value, String> {
    use proptest::test_runner::{RngAlgorithm, TestRng};
    let mut key = [0u8; 32];
    key[..bytes.len()].copy_from_slice(bytes);
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &key);
    let mut runner = TestRunner::new_with_rng(config(), rng);
    Ok(strategy
        .new_tree(&mut runner)
        .map_err(|e| e.to_string())?
        .current())
}

/// The fuzz entry reads its steps in place: one step per [`FUZZ_STEP_BYTES`], a mutation
/// inside one step's bytes changes that step alone, and decoded inputs run clean.
#[test]
fn fuzz_input_decodes_one_step_per_chunk() {
    let bytes = |n: usize, salt: u8| -> Vec<u8> {
        (0..n)
            .map(|i| (i as u8).wrapping_mul(37).wrapping_add(salt))
            .collect()
    };
    let data = bytes(1 + FUZZ_SETUP_BYTES + 5 * FUZZ_STEP_BYTES + 7, 11);
    let (setup, ops) = decode(&data).unwrap();
    assert_eq!(ops.len(), 5, "a partial chunk draws no step");
    let mut edited = data.clone();
    for b in &mut edited[1 + FUZZ_SETUP_BYTES + 2 * FUZZ_STEP_BYTES..][..2] {
        *b ^= 0x5a;
    }
    let (setup2, ops2) = decode(&edited).unwrap();
    assert_eq!(format!("{setup:?}"), format!("{setup2:?}"));
    let changed: Vec<usize> = (0..5)
        .filter(|&i| format!("{:?}", ops[i]) != format!("{:?}", ops2[i]))
        .collect();
    assert_eq!(changed, [2], "only the edited step changes");
    let long = bytes(1 + FUZZ_SETUP_BYTES + 100 * FUZZ_STEP_BYTES, 3);
    assert_eq!(decode(&long).unwrap().1.len(), FUZZ_MAX_STEPS);
    for (n, salt) in [
        (0, 0),
        (1, 1),
        (40, 2),
        (1 + FUZZ_SETUP_BYTES + 8 * FUZZ_STEP_BYTES, 4),
    ] {
        run_from_bytes(&bytes(n, salt)).unwrap();
    }
}

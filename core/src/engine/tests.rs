//! Unit tests of the compiled snapshot: memory accounting, profile reuse, wide indices,
//! inline permissions and the parallel build, each against compiling users one by one.

use super::*;
use crate::domain::{Change, Role, RoleId, Scope, ScopeKind, Tenant, User};

#[test]
fn memory_counts_slots_profiles_and_scope_lists() {
    let empty = Snapshot::default();
    assert_eq!(empty.memory_bytes(), 0);
    let (m, _) = model(3_000, |i| (i % 5) as usize);
    let snap = Snapshot::build(&m, 1);
    let slots = snap.chunks.len() * std::mem::size_of::<Chunk>();
    assert!(snap.memory_bytes() >= slots + snap.profiles.memory_bytes());
}

#[test]
fn a_user_slot_fits_the_memory_budget() {
    // Issue 14: at most 24 bytes a user at a million users, profiles included.
    assert!(
        Snapshot::bytes_per_user() <= 12,
        "{}",
        Snapshot::bytes_per_user()
    );
}

/// A model of `n` users over 8 roles, user `i` assigned, and a member of, the scope
/// `scopes(i)` picks (0: none, k: scope k alone), active unless `i % 7 == 0`.
fn model(n: u64, scopes: impl Fn(u64) -> usize) -> (Model, Vec<UserId>) {
    let mut m = Model::default();
    let mut aff = Affected::default();
    let t = TenantId(1);
    m.apply(
        &Change::TenantPut(Tenant {
            id: t,
            name: "T".into(),
            superadmin: UserId(1),
            created_at: 0,
            policy: Default::default(),
            settings: Default::default(),
        }),
        &mut aff,
    );
    let catalogue: Vec<Permission> = crate::CATALOGUE.iter().map(|(p, _)| *p).collect();
    for r in 1..=8u64 {
        m.apply(
            &Change::RolePut(Role {
                id: RoleId(r),
                tenant: t,
                name: format!("R{r}"),
                permissions: catalogue[r as usize * 7 % catalogue.len()]
                    | catalogue[r as usize * 3 % catalogue.len()],
                denied: Permission::empty(),
                scoped: r % 3 == 0,
                admin_tier: false,
                namespace: crate::RoleNamespace::Custom,
                description: String::new(),
                created_at: 0,
            }),
            &mut aff,
        );
    }
    let most = (0..n).map(&scopes).max().unwrap_or(0) as u64;
    for s in 1..=most {
        m.apply(
            &Change::ScopePut(Scope {
                id: ScopeId(s),
                tenant: t,
                kind: ScopeKind::CallGroup,
                name: format!("S{s}"),
                parent: None,
            }),
            &mut aff,
        );
    }
    // Sparse ids, so that chunks have gaps.
    let ids: Vec<UserId> = (0..n).map(|i| UserId(1 + i * 3)).collect();
    for (i, id) in ids.iter().enumerate() {
        let i = i as u64;
        let k = scopes(i) as u64;
        m.apply_owned(
            Change::UserPut(User {
                id: *id,
                tenant: t,
                first_name: "F".into(),
                last_name: "L".into(),
                email: format!("u{}@x.test", id.0),
                phone: None,
                external_id: None,
                active: i % 7 != 0,
                roles: [RoleId(1 + i % 8), RoleId(1 + i % 5)].into(),
                scopes: (k > 0).then_some(ScopeId(k)).into_iter().collect(),
                grants: Default::default(),
                // Teams too, so that scopes make profiles distinct whatever the roles.
                teams: (k > 0).then_some(ScopeId(k)).into_iter().collect(),
                windows: Default::default(),
                eligible: Default::default(),
                break_glass: false,
                created_at: 0,
                updated_at: 0,
                last_login: None,
                stamp: i,
            }),
            &mut aff,
        );
    }
    (m, ids)
}

/// Every slot of `snap` answers as compiling the user alone from `m` does.
fn assert_matches_model(snap: &Snapshot, m: &Model) {
    let last = m.users.keys().next_back().map_or(0, |u| u.0) + 2 * CHUNK as u64;
    for id in 0..last {
        let (alone, stamp) = Snapshot::compile(m, UserId(id));
        let exists = alone.flags & EXISTS != 0;
        let built = snap.slot(UserId(id));
        assert_eq!(built.is_some(), exists, "{id}");
        assert_eq!(
            snap.check(UserId(id), Permission::all()),
            exists && alone.perms == Permission::all().bits()
        );
        if let Some((p, s)) = built {
            assert_eq!((p, s), (&alone, stamp), "{id}");
        }
    }
}

/// Incremental updates keep the table exact: a profile no user holds any more is
/// reclaimed and its index reused, and the result equals a build from scratch.
#[test]
fn updates_reclaim_profiles_and_equal_a_fresh_build() {
    let (mut m, ids) = model(2_000, |i| (i % 4) as usize);
    let mut snap = Snapshot::build(&m, 1);
    let (before, _) = snap.profile_stats();
    assert!(before > 4 && before < 200, "{before}");
    // Every user moves to role 1 only and no scopes: one profile (and the inactive one).
    let mut rev = 1;
    for chunk in ids.chunks(300) {
        let mut aff = Affected::default();
        for id in chunk {
            let mut u = m.users.get(id).cloned().unwrap();
            u.roles = [RoleId(1)].into();
            u.scopes.clear();
            u.teams.clear();
            m.apply_owned(Change::UserPut(u), &mut aff);
        }
        rev += 1;
        snap = snap.updated(&m, &aff, rev);
        assert_matches_model(&snap, &m);
    }
    let (after, _) = snap.profile_stats();
    // Active with role 1; inactive; the (inactive) superadministrator, user 1.
    assert_eq!(after, 3);
    // Reclaimed indices are reused, lowest first: the table does not grow.
    let span = snap.profiles.len();
    let mut aff = Affected::default();
    for id in &ids[..50] {
        let mut u = m.users.get(id).cloned().unwrap();
        u.roles = [RoleId(2), RoleId(3)].into();
        m.apply_owned(Change::UserPut(u), &mut aff);
    }
    snap = snap.updated(&m, &aff, rev + 1);
    assert_eq!(snap.profiles.len(), span);
    assert_matches_model(&snap, &m);
    // An update from a snapshot that is not the latest rebuilds instead of corrupting the
    // shared bookkeeping.
    let stale = Snapshot::build(&m, 100);
    let _newer = stale.updated(&m, &Affected::default(), 101);
    let again = stale.updated(&m, &aff, 102);
    assert_matches_model(&again, &m);
}

/// Past 65,535 distinct profiles, chunks take 4-byte indices and still answer right.
#[test]
fn many_distinct_profiles_widen_the_indices() {
    // Inactive users (one in 7) have no scopes in their profile.
    let (m, _) = model(80_000, |i| 1 + i as usize);
    let snap = Snapshot::build(&m, 1);
    let (distinct, wide) = snap.profile_stats();
    assert!(distinct > 65_536, "{distinct}");
    assert!(wide > 0);
    assert_matches_model(&snap, &m);
}

/// When users hardly share profiles, chunks keep permissions inline; when they share
/// again, rewritten chunks stop. Answers are the same either way.
#[test]
fn permissions_go_inline_when_profiles_are_not_shared() {
    let (mut m, ids) = model(12_000, |i| 1 + i as usize);
    let mut snap = Snapshot::build(&m, 1);
    assert!(snap.profiles.held() > INLINE_ABOVE);
    assert!(snap.chunks.iter().all(|c| c.is_inline()));
    assert_matches_model(&snap, &m);
    let mut aff = Affected::default();
    for id in &ids {
        let mut u = m.users.get(id).cloned().unwrap();
        u.scopes.clear();
        u.teams.clear();
        m.apply_owned(Change::UserPut(u), &mut aff);
    }
    snap = snap.updated(&m, &aff, 2);
    assert!(snap.profiles.held() < INLINE_ABOVE / 2);
    assert!(snap.chunks.iter().all(|c| !c.is_inline()));
    assert_matches_model(&snap, &m);
}

/// The parallel build of a large directory equals compiling each user on its own.
#[test]
fn parallel_build_equals_one_by_one() {
    // Ids over 150 chunks, so that every thread gets a share.
    let (m, _) = model(51_000, |i| (i % 3) as usize);
    let snap = Snapshot::build(&m, 1);
    assert!(snap.chunks.len() >= 150);
    assert_matches_model(&snap, &m);
}

//! Issue 15 in the stores: scope hierarchies (parents), any scope kind (built-in or
//! tenant-defined), roles granted per scope and team membership survive a close and reopen
//! of every store, older schemas migrate without losing a 003 scope assignment, and damage
//! (a parent cycle, a dangling parent, a grant of another tenant's role) is refused as
//! [`Error::Corrupt`] at load.
//!
//! The records are committed at the store level (as the directory would), so these tests do
//! not depend on the rules that create them.

mod common;
mod pg;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use common::TempDir;
use rolecall::{
    AgreementId, Assignment, Change, Commit, Eligibility, Error, MemoryLimits, MemoryStore,
    PasswordPolicy, Permission, Product, Role, RoleId, RoleNamespace, Scope, ScopeGrant, ScopeId,
    ScopeKind, SqliteStore, Store, Tenant, TenantId, TenantSettings, User, UserId, Window,
};

fn tenant(id: u64, superadmin: u64) -> Tenant {
    Tenant {
        id: TenantId(id),
        name: format!("T{id}"),
        superadmin: UserId(superadmin),
        created_at: 1,
        policy: PasswordPolicy::default(),
        settings: TenantSettings::default(),
    }
}

fn user(id: u64, tenant: u64) -> User {
    User {
        id: UserId(id),
        tenant: TenantId(tenant),
        first_name: "U".into(),
        last_name: format!("{id}"),
        email: format!("u{id}@t{tenant}.test"),
        phone: None,
        external_id: None,
        active: true,
        roles: BTreeSet::new(),
        scopes: BTreeSet::new(),
        grants: BTreeSet::new(),
        teams: BTreeSet::new(),
        windows: Default::default(),
        eligible: BTreeSet::new(),
        break_glass: false,
        created_at: 1,
        updated_at: 1,
        last_login: None,
        stamp: 0,
    }
}

fn role(id: u64, tenant: u64) -> Role {
    Role {
        id: RoleId(id),
        tenant: TenantId(tenant),
        name: format!("R{id}"),
        namespace: RoleNamespace::Custom,
        permissions: Permission::REPORTS_VIEW,
        denied: Permission::empty(),
        scoped: true,
        admin_tier: false,
        description: String::new(),
        created_at: 1,
    }
}

fn scope(id: u64, tenant: u64, kind: &str, parent: Option<u64>) -> Scope {
    Scope {
        id: ScopeId(id),
        tenant: TenantId(tenant),
        kind: kind.parse().unwrap(),
        name: format!("S{id}"),
        parent: parent.map(ScopeId),
    }
}

fn grant(role: u64, scope: u64) -> ScopeGrant {
    ScopeGrant {
        role: RoleId(role),
        scope: ScopeId(scope),
    }
}

fn commit(revision: u64, changes: Vec<Change>) -> Commit {
    Commit {
        revision,
        at: revision as i64,
        actor: None,
        changes,
        audit: Vec::new(),
    }
}

/// Two tenants. Tenant 1: a hierarchy of every built-in kind and two tenant-defined ones,
/// where some parents have larger ids than their children (moved under later nodes); users
/// with 003 scopes, grants and teams. Tenant 2: a role and a scope of its own.
fn directory() -> Vec<Commit> {
    let mut boss = user(2, 1);
    boss.roles = [RoleId(1)].into();
    boss.scopes = [ScopeId(3)].into();
    boss.grants = [grant(1, 2), grant(2, 2), grant(2, 8)].into();
    boss.teams = [ScopeId(1), ScopeId(2)].into();
    // Time-bound assignments (issue 16) are stored with the record.
    boss.windows = [
        (Assignment::Role(RoleId(1)), Window::until(5_000)),
        (
            Assignment::ScopeRole(grant(2, 8)),
            Window::between(1_000, 9_000),
        ),
        (
            Assignment::Level {
                agreement: AgreementId(4),
                product: Product::Core,
            },
            Window {
                from: Some(7),
                until: None,
            },
        ),
    ]
    .into();
    boss.eligible = [
        Eligibility {
            role: RoleId(2),
            scope: Some(ScopeId(8)),
            max_ms: 3_600_000,
        },
        Eligibility {
            role: RoleId(1),
            scope: None,
            max_ms: 60_000,
        },
    ]
    .into();
    boss.break_glass = true;
    let mut agent = user(3, 1);
    agent.teams = [ScopeId(2)].into();
    agent.grants = [grant(2, 9)].into();
    vec![
        commit(
            1,
            vec![
                Change::TenantPut(tenant(1, 1)),
                Change::UserPut(user(1, 1)),
                Change::RolePut(role(1, 1)),
                Change::RolePut(role(2, 1)),
                Change::ScopePut(scope(1, 1, "team", None)),
                Change::ScopePut(scope(2, 1, "team", Some(1))),
                Change::ScopePut(scope(3, 1, "queue", Some(2))),
                Change::ScopePut(scope(4, 1, "campaign", Some(2))),
                Change::ScopePut(scope(5, 1, "number", Some(4))),
                Change::ScopePut(scope(6, 1, "call_group", None)),
                Change::ScopePut(scope(7, 1, "ivr", Some(6))),
                Change::ScopePut(scope(8, 1, "brand", None)),
                Change::ScopePut(scope(9, 1, "skill_level_2", Some(8))),
                Change::UserPut(boss),
                Change::UserPut(agent),
            ],
        ),
        commit(
            2,
            vec![
                Change::TenantPut(tenant(2, 4)),
                Change::UserPut(user(4, 2)),
                Change::RolePut(role(3, 2)),
                Change::ScopePut(scope(10, 2, "team", None)),
                Change::ScopePut(scope(11, 2, "brand", Some(10))),
            ],
        ),
        // Moves: the root team under a new node (its parent now has a larger id than it), the
        // call group under the brand; the queue (children re-parented first) is deleted.
        commit(
            3,
            vec![
                Change::ScopePut(scope(12, 1, "site", None)),
                Change::ScopePut(scope(1, 1, "team", Some(12))),
                Change::ScopePut(scope(6, 1, "call_group", Some(9))),
                Change::ScopePut(scope(5, 1, "number", Some(3))),
                Change::ScopePut(scope(5, 1, "number", Some(2))),
                Change::ScopeDeleted { id: ScopeId(3) },
            ],
        ),
    ]
}

/// The scopes and users a store holds after `commits`, computed from the records alone.
fn expected(commits: &[Commit]) -> (BTreeMap<ScopeId, Scope>, BTreeMap<UserId, User>) {
    let (mut scopes, mut users) = (BTreeMap::new(), BTreeMap::new());
    for c in commits.iter().flat_map(|c| &c.changes) {
        match c {
            Change::ScopePut(s) => {
                scopes.insert(s.id, s.clone());
            }
            Change::ScopeDeleted { id } => {
                scopes.remove(id);
                // Cascades: 003 assignments, grants and memberships of the scope go.
                for u in users.values_mut() {
                    let u: &mut User = u;
                    u.scopes.remove(id);
                    u.teams.remove(id);
                    u.grants.retain(|g| g.scope != *id);
                }
            }
            Change::UserPut(u) => {
                users.insert(u.id, u.clone());
            }
            _ => {}
        }
    }
    (scopes, users)
}

/// The scopes and users of a load (replayed as the records say, for a store that keeps
/// history), checking that every scope comes after its parent.
fn loaded(store: &mut dyn Store) -> (BTreeMap<ScopeId, Scope>, BTreeMap<UserId, User>) {
    let changes = store.load().expect("load").changes;
    let mut seen = BTreeSet::new();
    for c in &changes {
        if let Change::ScopePut(s) = c {
            if let Some(p) = s.parent {
                assert!(seen.contains(&p), "{:?} loaded before its parent", s.id);
            }
            seen.insert(s.id);
        }
    }
    expected(&[commit(0, changes)])
}

fn commit_all(store: &mut dyn Store, commits: &[Commit]) {
    for c in commits {
        store.commit(c).expect("commit");
    }
}

/// A sanity check of the fixture: it holds what the tests are about.
fn assert_rich(scopes: &BTreeMap<ScopeId, Scope>, users: &BTreeMap<UserId, User>) {
    assert!(scopes
        .values()
        .any(|s| matches!(s.kind, ScopeKind::Custom(_)) && s.parent.is_some()));
    assert!(scopes.values().any(|s| s.parent.is_some_and(|p| p > s.id)));
    assert!(users
        .values()
        .any(|u| u.grants.len() > 1 && u.teams.len() > 1));
}

#[test]
fn sqlite_file_keeps_hierarchies_custom_kinds_grants_and_teams() {
    let tmp = TempDir::new("scope-rt");
    let path = tmp.file("dir.db");
    let commits = directory();
    {
        let mut s = SqliteStore::open(&path).unwrap();
        commit_all(&mut s, &commits);
    }
    let mut s = SqliteStore::open(&path).unwrap();
    let (scopes, users) = loaded(&mut s);
    assert_rich(&scopes, &users);
    assert_eq!((scopes, users), expected(&commits));
    // A user's grants and teams are replaced, not merged, by the next version of the user.
    let mut boss = expected(&commits).1[&UserId(2)].clone();
    boss.grants = [grant(1, 9)].into();
    boss.teams = BTreeSet::new();
    s.commit(&commit(4, vec![Change::UserPut(boss.clone())]))
        .unwrap();
    drop(s);
    let mut s = SqliteStore::open(&path).unwrap();
    assert_eq!(loaded(&mut s).1[&UserId(2)], boss);
    // Deleting a role takes its grants with it.
    s.commit(&commit(5, vec![Change::RoleDeleted { id: RoleId(2) }]))
        .unwrap();
    let users = loaded(&mut s).1;
    assert!(users[&UserId(3)].grants.is_empty());
    // A scope that still has children cannot be deleted.
    assert!(s
        .commit(&commit(6, vec![Change::ScopeDeleted { id: ScopeId(12) }]))
        .is_err());
    // Once its child is moved away it can; its grants go with it.
    s.commit(&commit(
        6,
        vec![
            Change::ScopePut(scope(6, 1, "call_group", None)),
            Change::ScopeDeleted { id: ScopeId(9) },
        ],
    ))
    .unwrap();
    drop(s);
    let mut s = SqliteStore::open(&path).unwrap();
    let (scopes, users) = loaded(&mut s);
    assert_eq!(scopes[&ScopeId(6)].parent, None);
    assert!(!scopes.contains_key(&ScopeId(9)));
    assert!(users[&UserId(2)].grants.is_empty());
    assert_eq!(users[&UserId(3)].teams, [ScopeId(2)].into());
}

#[test]
fn the_memory_store_keeps_them_and_never_replays_a_parent_cycle() {
    let commits = directory();
    let mut s = MemoryStore::with_limits(MemoryLimits {
        commits: 1,
        ..MemoryLimits::default()
    });
    commit_all(&mut s, &commits);
    assert_eq!(loaded(&mut s), expected(&commits));
    // P created, C created under P, C moved to the root, P moved under C, C renamed: the
    // compacted base keeps C's creation (under P) and latest version, and P's latest (under
    // C) between them.
    let p = || scope(21, 1, "team", None);
    let c = |parent: Option<u64>, name: &str| Scope {
        name: name.into(),
        ..scope(22, 1, "team", parent)
    };
    let more = vec![
        commit(4, vec![Change::ScopePut(p())]),
        commit(5, vec![Change::ScopePut(c(Some(21), "C"))]),
        commit(6, vec![Change::ScopePut(c(None, "C"))]),
        commit(
            7,
            vec![Change::ScopePut(Scope {
                parent: Some(ScopeId(22)),
                ..p()
            })],
        ),
        commit(8, vec![Change::ScopePut(c(None, "C2"))]),
        commit(9, vec![Change::UserPut(user(5, 1))]),
    ];
    commit_all(&mut s, &more);
    // Replayed in order, no prefix of the load holds a cycle.
    let mut parent: HashMap<ScopeId, Option<ScopeId>> = HashMap::new();
    for ch in s.load().unwrap().changes {
        if let Change::ScopePut(sc) = ch {
            parent.insert(sc.id, sc.parent);
            let mut at = sc.parent;
            let mut steps = 0;
            while let Some(x) = at {
                assert_ne!(
                    x, sc.id,
                    "replaying the base makes a cycle through {:?}",
                    sc.id
                );
                steps += 1;
                assert!(steps <= parent.len());
                at = parent.get(&x).copied().flatten();
            }
        }
    }
    let all: Vec<Commit> = commits.into_iter().chain(more).collect();
    assert_eq!(loaded(&mut s), expected(&all));
}

/// Commits the fixture to a fresh file, lets `damage` change it behind the store's back
/// (foreign keys off) and opens it again: the load must fail as `Corrupt`, mentioning `what`.
fn sqlite_damaged(tag: &str, damage: &str, what: &str) {
    let tmp = TempDir::new(tag);
    let path = tmp.file("dir.db");
    SqliteStore::open(&path)
        .map(|mut s| commit_all(&mut s, &directory()))
        .unwrap();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(&format!("PRAGMA foreign_keys = OFF; {damage}"))
        .unwrap();
    let mut s = SqliteStore::open(&path).unwrap();
    match s.load() {
        Err(Error::Corrupt(m)) => assert!(m.contains(what), "{tag}: {m}"),
        other => panic!("{tag}: {other:?}"),
    }
    // And through a directory: the same typed error, no panic.
    match rolecall::Directory::open_sqlite(&path) {
        Err(Error::Corrupt(_)) => {}
        Err(e) => panic!("{tag}: {e:?}"),
        Ok(_) => panic!("{tag}: opened"),
    }
}

#[test]
fn sqlite_refuses_damaged_hierarchies_and_grants() {
    sqlite_damaged(
        "cycle",
        "UPDATE scopes SET parent = 9 WHERE id = 8",
        "cycle",
    );
    sqlite_damaged("self", "UPDATE scopes SET parent = 7 WHERE id = 7", "cycle");
    sqlite_damaged(
        "dangling",
        "UPDATE scopes SET parent = 99 WHERE id = 7",
        "does not exist",
    );
    sqlite_damaged(
        "foreign-parent",
        "UPDATE scopes SET parent = 10 WHERE id = 7",
        "another tenant",
    );
    sqlite_damaged(
        "foreign-role",
        "INSERT INTO user_grants (tenant, user, role, scope) VALUES (1, 3, 3, 8)",
        "grant of role #3",
    );
    sqlite_damaged(
        "foreign-scope",
        "INSERT INTO user_grants (tenant, user, role, scope) VALUES (1, 3, 1, 11)",
        "grant for scope #11",
    );
    sqlite_damaged(
        "foreign-team",
        "INSERT INTO user_teams (tenant, user, scope) VALUES (2, 3, 10)",
        "team #10",
    );
    sqlite_damaged(
        "huge-parent",
        "UPDATE scopes SET parent = 4294967295 WHERE id = 7",
        "scopes.parent",
    );
    sqlite_damaged(
        "bad-kind",
        "UPDATE scopes SET kind = 'Team!' WHERE id = 7",
        "kind",
    );
    sqlite_damaged(
        "bad-window",
        "UPDATE user_windows SET assignment = '{\"role\": \"x\"}' WHERE user = 2 AND valid_until = 5000",
        "not an assignment",
    );
}

#[test]
fn sqlite_schema_refuses_kinds_it_cannot_hold_and_cross_tenant_rows() {
    let tmp = TempDir::new("scope-fk");
    let path = tmp.file("dir.db");
    SqliteStore::open(&path)
        .map(|mut s| commit_all(&mut s, &directory()))
        .unwrap();
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    for bad in [
        "UPDATE scopes SET parent = 10 WHERE id = 7",
        "UPDATE scopes SET parent = 99 WHERE id = 7",
        "DELETE FROM scopes WHERE id = 8",
        "INSERT INTO user_grants (tenant, user, role, scope) VALUES (1, 3, 3, 8)",
        "INSERT INTO user_teams (tenant, user, scope) VALUES (1, 3, 10)",
    ] {
        assert!(c.execute_batch(bad).is_err(), "{bad}");
    }
    // Any kind name: the old CHECK (kind IN ('call_group', 'ivr')) is gone.
    c.execute_batch(
        "INSERT INTO scopes (id, tenant, kind, name, name_key, parent)
         VALUES (50, 1, 'queue', 'x', 'x', 2)",
    )
    .unwrap();
    // Deleting a user or a scope cascades to its grants and memberships.
    c.execute_batch("DELETE FROM users WHERE id = 3").unwrap();
    let n: i64 = c
        .query_row(
            "SELECT (SELECT count(*) FROM user_grants WHERE user = 3)
                  + (SELECT count(*) FROM user_teams WHERE user = 3)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 0);
}

/// What a schema before issue 15 could hold: call groups and IVRs, no parents, grants or
/// teams; user 2 assigned to both scopes (003).
fn directory_003() -> Vec<Commit> {
    let mut old = directory();
    old.truncate(1);
    old[0].changes.retain_mut(|c| match c {
        Change::ScopePut(s) => {
            s.parent = None;
            matches!(s.kind, ScopeKind::CallGroup | ScopeKind::Ivr)
        }
        Change::UserPut(u) => {
            u.grants.clear();
            u.teams.clear();
            u.scopes = match u.id {
                UserId(2) => [ScopeId(6), ScopeId(7)].into(),
                _ => BTreeSet::new(),
            };
            true
        }
        _ => true,
    });
    old
}

/// The new kinds, parents, grants and teams, committed after `directory_003` on a migrated
/// store: every commit, renumbered.
fn after_003() -> Vec<Commit> {
    let mut fresh = directory();
    let rest = fresh.split_off(1);
    let news: Vec<Change> = fresh
        .remove(0)
        .changes
        .into_iter()
        .filter(|c| match c {
            Change::ScopePut(s) => !matches!(s.kind, ScopeKind::CallGroup | ScopeKind::Ivr),
            Change::UserPut(u) => !u.grants.is_empty(),
            _ => false,
        })
        .collect();
    let mut all = directory_003();
    all.push(commit(2, news));
    all.extend(rest);
    for (i, c) in all.iter_mut().enumerate() {
        c.revision = 1 + i as u64;
    }
    all
}

#[test]
fn a_schema_5_sqlite_file_migrates_keeping_every_scope_assignment() {
    let tmp = TempDir::new("scope-v5");
    let path = tmp.file("dir.db");
    let old = directory_003();
    SqliteStore::open(&path)
        .map(|mut s| commit_all(&mut s, &old))
        .unwrap();
    // Back to schema 5: scopes with the kind check and no parent, no grant or team tables.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(
            "PRAGMA foreign_keys = OFF;
             BEGIN;
             CREATE TABLE scopes_v5 (
                 id INTEGER PRIMARY KEY,
                 tenant INTEGER NOT NULL REFERENCES tenants (id),
                 kind TEXT NOT NULL CHECK (kind IN ('call_group', 'ivr')),
                 name TEXT NOT NULL,
                 name_key TEXT NOT NULL,
                 UNIQUE (tenant, kind, name_key),
                 UNIQUE (tenant, id)
             );
             INSERT INTO scopes_v5 SELECT id, tenant, kind, name, name_key FROM scopes;
             DROP TABLE scopes;
             ALTER TABLE scopes_v5 RENAME TO scopes;
             DROP TABLE user_grants;
             DROP TABLE user_teams;
             COMMIT;
             PRAGMA user_version = 5;",
        )
        .unwrap();
    // Read-only, it still needs a read-write open first.
    let ro = rolecall::SqliteOptions {
        read_only: true,
        ..rolecall::SqliteOptions::default()
    };
    assert!(matches!(
        SqliteStore::open_with(&path, &ro),
        Err(Error::ReadOnly(_))
    ));
    let mut s = SqliteStore::open(&path).unwrap();
    let (scopes, users) = loaded(&mut s);
    assert_eq!((scopes, users.clone()), expected(&old));
    assert_eq!(users[&UserId(2)].scopes, [ScopeId(6), ScopeId(7)].into());
    // The new kinds, parents, grants and teams now fit.
    let all = after_003();
    commit_all(&mut s, &all[old.len()..]);
    drop(s);
    let mut s = SqliteStore::open_with(&path, &ro).unwrap();
    assert_eq!(loaded(&mut s), expected(&all));
    let v = common::sqlite_schema_version(&path);
    assert_eq!(v, SqliteStore::SCHEMA_VERSION);
    assert!(v >= 7);
}

// PostgreSQL.

#[test]
fn postgres_keeps_hierarchies_custom_kinds_grants_and_teams() {
    let schema = pg::Schema::new("scope_rt");
    let commits = directory();
    commit_all(&mut schema.store(), &commits);
    let mut s = schema.store();
    let (scopes, users) = loaded(&mut s);
    assert_rich(&scopes, &users);
    assert_eq!((scopes, users), expected(&commits));
    let mut boss = expected(&commits).1[&UserId(2)].clone();
    boss.grants = [grant(1, 9)].into();
    boss.teams = BTreeSet::new();
    // As the directory does before deleting a role: its eligibilities go first.
    boss.eligible.retain(|e| e.role != RoleId(2));
    s.commit(&commit(4, vec![Change::UserPut(boss.clone())]))
        .unwrap();
    s.commit(&commit(5, vec![Change::RoleDeleted { id: RoleId(2) }]))
        .unwrap();
    assert!(s
        .commit(&commit(6, vec![Change::ScopeDeleted { id: ScopeId(12) }]))
        .is_err());
    drop(s);
    let mut s = schema.store();
    let users = loaded(&mut s).1;
    assert_eq!(users[&UserId(2)], boss);
    assert!(users[&UserId(3)].grants.is_empty());
    // Another instance catching up through the log sees the same records.
    let log = s.commits_since(0).unwrap().expect("the log holds them");
    let replayed: Vec<Commit> = log;
    let (scopes, _) = expected(&replayed);
    assert_eq!(scopes, loaded(&mut s).0);
}

#[test]
fn a_version_2_postgres_schema_migrates_keeping_every_scope_assignment() {
    let schema = pg::Schema::new("scope_v2");
    let old = directory_003();
    commit_all(&mut schema.store(), &old);
    schema
        .sql(
            "DROP TABLE user_grants; DROP TABLE user_teams;
             ALTER TABLE scopes DROP COLUMN parent;
             ALTER TABLE scopes ADD CHECK (kind IN ('call_group', 'ivr'));
             UPDATE meta SET value = 2 WHERE key = 'schema_version';",
        )
        .unwrap();
    assert!(schema.sql("SELECT parent FROM scopes").is_err());
    let mut s = schema.store();
    assert_eq!(loaded(&mut s), expected(&old));
    let (_, users) = loaded(&mut s);
    assert_eq!(users[&UserId(2)].scopes, [ScopeId(6), ScopeId(7)].into());
    // The new kinds, parents, grants and teams now fit.
    let all = after_003();
    commit_all(&mut s, &all[1..]);
    drop(s);
    let mut s = schema.store();
    assert_eq!(loaded(&mut s), expected(&all));
    let v = schema.schema_version();
    assert_eq!(v, rolecall::PostgresStore::SCHEMA_VERSION);
    assert!(v >= 4);
}

fn postgres_damaged(tag: &str, damage: &str, what: &str) {
    let schema = pg::Schema::new(tag);
    commit_all(&mut schema.store(), &directory());
    schema
        .sql(&format!(
            "DO $$ DECLARE c record; BEGIN
               FOR c IN SELECT conrelid::regclass AS t, conname FROM pg_constraint
                        WHERE contype = 'f' AND connamespace = '\"{}\"'::regnamespace
                          AND conrelid::regclass::text IN ('scopes', 'user_grants', 'user_teams')
               LOOP EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.t, c.conname); END LOOP;
             END $$; {damage}",
            schema.name
        ))
        .unwrap();
    let mut s = schema.store();
    match s.load() {
        Err(Error::Corrupt(m)) => assert!(m.contains(what), "{tag}: {m}"),
        other => panic!("{tag}: {other:?}"),
    }
    match rolecall::Directory::open(schema.store()) {
        Err(Error::Corrupt(_)) => {}
        Err(e) => panic!("{tag}: {e:?}"),
        Ok(_) => panic!("{tag}: opened"),
    }
}

#[test]
fn postgres_refuses_damaged_hierarchies_and_grants() {
    postgres_damaged(
        "pcycle",
        "UPDATE scopes SET parent = 9 WHERE id = 8",
        "cycle",
    );
    postgres_damaged(
        "pdangling",
        "UPDATE scopes SET parent = 99 WHERE id = 7",
        "does not exist",
    );
    postgres_damaged(
        "pforeign",
        "UPDATE scopes SET parent = 10 WHERE id = 7",
        "another tenant",
    );
    postgres_damaged(
        "prole",
        "INSERT INTO user_grants (tenant, user_id, role_id, scope_id) VALUES (1, 3, 3, 8)",
        "grant of role #3",
    );
    postgres_damaged(
        "pteam",
        "INSERT INTO user_teams (tenant, user_id, scope_id) VALUES (2, 3, 10)",
        "team #10",
    );
}

#[test]
fn a_migration_run_again_keeps_parents_grants_and_teams() {
    let commits = directory();
    let tmp = TempDir::new("scope-rerun");
    let path = tmp.file("dir.db");
    SqliteStore::open(&path)
        .map(|mut s| commit_all(&mut s, &commits))
        .unwrap();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA user_version = 5")
        .unwrap();
    assert_eq!(
        loaded(&mut SqliteStore::open(&path).unwrap()),
        expected(&commits)
    );
    let schema = pg::Schema::new("scope_rerun");
    commit_all(&mut schema.store(), &commits);
    schema
        .sql("UPDATE meta SET value = 2 WHERE key = 'schema_version'")
        .unwrap();
    assert_eq!(loaded(&mut schema.store()), expected(&commits));
}

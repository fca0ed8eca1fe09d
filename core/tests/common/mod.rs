//! Helpers shared by the rule tests: a tenant fixture, explicit permission sets, and a capture
//! of the whole observable state so that every refusal can be shown to change nothing.
#![allow(dead_code)]

pub mod clocked;

use std::fmt::Debug;

use rolecall::{
    AccessLevel, Agreement, Directory, Error, Group, NewRole, NewUser, Permission, Preset, Product,
    Role, RoleId, Scope, ScopeAccess, Tenant, TenantId, User, UserId, UserQuery,
};

/// A permission set written out by dotted names (panics on a name outside the catalogue).
pub fn perms(names: &[&str]) -> Permission {
    let set = Permission::from_names(names).expect("every name is in the catalogue");
    assert_eq!(
        set.bits().count_ones() as usize,
        names.len(),
        "duplicate name in {names:?}"
    );
    set
}

/// One tenant in a fresh in-memory directory.
pub struct Env {
    pub dir: Directory,
    pub tenant: TenantId,
    pub root: UserId,
}

impl Env {
    /// A directory with one tenant "Acme" (superadministrator root@acme.test) and `presets`.
    pub fn new(presets: &[Preset]) -> Env {
        let dir = Directory::in_memory();
        let t = dir
            .create_tenant(
                "Acme",
                &NewUser::new("Ada", "Root", "root@acme.test"),
                presets,
            )
            .unwrap();
        Env {
            dir,
            tenant: t.tenant,
            root: t.superadmin,
        }
    }

    /// A role of the tenant by name.
    pub fn role(&self, name: &str) -> RoleId {
        self.dir.role_by_name(self.tenant, name).unwrap().id
    }

    /// Creates `login@acme.test` (first name `login`, last name "Tester") holding the named
    /// roles, acting as `actor`.
    pub fn user_by(&self, actor: UserId, login: &str, roles: &[&str]) -> UserId {
        let ids: Vec<RoleId> = roles.iter().map(|r| self.role(r)).collect();
        self.user_with(actor, login, &ids)
    }

    /// Creates `login@acme.test` holding the named roles, as the superadministrator.
    pub fn user(&self, login: &str, roles: &[&str]) -> UserId {
        self.user_by(self.root, login, roles)
    }

    /// Creates `login@acme.test` holding `roles`, acting as `actor`.
    pub fn user_with(&self, actor: UserId, login: &str, roles: &[RoleId]) -> UserId {
        self.dir
            .create_user(
                actor,
                &NewUser::new(login, "Tester", format!("{login}@acme.test"))
                    .roles(roles.iter().copied()),
            )
            .unwrap()
    }

    /// Creates a custom, unscoped, ordinary role as the superadministrator.
    pub fn custom_role(&self, name: &str, permissions: Permission) -> RoleId {
        self.dir
            .create_role(self.root, &NewRole::new(name, permissions))
            .unwrap()
    }

    /// A second tenant "Globex" in the same directory, with its superadministrator.
    pub fn other_tenant(&self, presets: &[Preset]) -> (TenantId, UserId) {
        let t = self
            .dir
            .create_tenant(
                "Globex",
                &NewUser::new("Gus", "Root", "root@globex.test"),
                presets,
            )
            .unwrap();
        (t.tenant, t.superadmin)
    }
}

/// One user's row on an agreement: levels per product and PBX link.
pub type LevelRow = (UserId, Vec<AccessLevel>, Option<String>);

/// Everything a caller can observe about a directory.
#[derive(Debug, PartialEq)]
pub struct State {
    pub revision: u64,
    pub tenants: Vec<Tenant>,
    pub users: Vec<User>,
    pub roles: Vec<Role>,
    pub groups: Vec<(Group, Vec<UserId>, Permission)>,
    pub user_groups: Vec<(UserId, Vec<rolecall::GroupId>)>,
    pub scopes: Vec<Scope>,
    pub agreements: Vec<(Agreement, Vec<LevelRow>)>,
    pub effective: Vec<(UserId, Permission, Vec<ScopeAccess>)>,
    pub credentials: Vec<(UserId, rolecall::CredentialStatus)>,
}

/// Captures the whole observable state of `dir`.
pub fn capture(dir: &Directory) -> State {
    let tenants = dir.tenants();
    let mut s = State {
        revision: dir.revision(),
        tenants: tenants.clone(),
        users: Vec::new(),
        roles: Vec::new(),
        groups: Vec::new(),
        user_groups: Vec::new(),
        scopes: Vec::new(),
        agreements: Vec::new(),
        effective: Vec::new(),
        credentials: Vec::new(),
    };
    for t in &tenants {
        let q = UserQuery {
            limit: UserQuery::MAX_LIMIT,
            ..UserQuery::default()
        };
        let page = dir.search_users(t.id, &q).unwrap();
        assert!(page.total <= UserQuery::MAX_LIMIT);
        let users = page.items;
        for u in &users {
            s.user_groups.push((u.id, dir.user_groups(u.id).unwrap()));
            s.credentials
                .push((u.id, dir.credential_status(u.id).unwrap()));
            let scoped = ["dashboard.analytics", "campaigns.view", "users.manage"]
                .iter()
                .map(|n| {
                    dir.allowed_scopes(u.id, Permission::by_name(n).unwrap())
                        .unwrap()
                })
                .collect();
            s.effective
                .push((u.id, dir.effective_permissions(u.id).unwrap(), scoped));
        }
        s.roles.extend(dir.roles(t.id).unwrap());
        for g in dir.groups(t.id).unwrap() {
            let members = dir.group_members(g.id).unwrap();
            let p = dir.group_permissions(g.id).unwrap();
            s.groups.push((g, members, p));
        }
        s.scopes.extend(dir.scopes(t.id).unwrap());
        for a in dir.agreements(t.id).unwrap() {
            let mut rows = Vec::new();
            for u in &users {
                let levels = Product::ALL
                    .iter()
                    .map(|p| dir.access_level(a.id, u.id, *p))
                    .collect();
                rows.push((u.id, levels, dir.pbx_subscriber(a.id, u.id).unwrap()));
            }
            s.agreements.push((a, rows));
        }
        s.users.extend(users);
    }
    s
}

/// Runs `f`, which must fail; asserts that nothing observable changed (revision included)
/// and returns the error.
#[track_caller]
pub fn refused<T: Debug>(dir: &Directory, f: impl FnOnce(&Directory) -> Result<T, Error>) -> Error {
    let before = capture(dir);
    let err = match f(dir) {
        Ok(v) => panic!("expected a refusal, got Ok({v:?})"),
        Err(e) => e,
    };
    let after = capture(dir);
    assert_eq!(
        before, after,
        "a refused operation ({err}) changed the state"
    );
    err
}

/// Asserts that the user holds exactly `expected` (checked for every catalogue permission).
#[track_caller]
pub fn assert_exact(dir: &Directory, user: UserId, expected: Permission) {
    for (p, name) in rolecall::CATALOGUE {
        assert_eq!(
            dir.check(user, *p),
            expected.contains(*p),
            "check({user}, {name})"
        );
    }
    assert_eq!(dir.effective_permissions(user).unwrap(), expected);
}

/// A scratch directory, removed when dropped; unique per process, thread and `tag`.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    /// Creates an empty directory under the system's temporary directory.
    pub fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!(
            "rolecall-{tag}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    /// A path inside the directory.
    pub fn file(&self, name: &str) -> std::path::PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The schema version of the SQLite file at `path` (its `user_version`), read on a raw
/// connection.
pub fn sqlite_schema_version(path: &std::path::Path) -> i64 {
    rusqlite::Connection::open(path)
        .expect("open the SQLite file")
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("read the schema version")
}

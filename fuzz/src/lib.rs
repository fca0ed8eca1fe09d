//! What the fuzz targets share: reading values out of the fuzzer's bytes, a small valid
//! SQLite directory to damage, scratch files, and the checks a directory that opened must pass.
//!
//! The outcome contract of every target: a typed error or a consistent directory, never a
//! panic or an abort (libFuzzer's panic hook aborts, so a panic caught inside the library is
//! a finding too), never an allocation beyond a bound proportional to the input (libFuzzer
//! runs with `-rss_limit_mb` and `-malloc_limit_mb`: scripts/fuzz.sh).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rolecall::{
    AccessLevel, Directory, NewRole, NewUser, Permission, Preset, Product, ScopeKind, TenantId,
    UserId, UserQuery,
};

/// A cursor over the fuzzer's bytes: every read succeeds (zeros once the bytes run out).
pub struct Bytes<'a> {
    data: &'a [u8],
}

impl<'a> Bytes<'a> {
    /// Reads `data` from the start.
    pub fn new(data: &'a [u8]) -> Self {
        Bytes { data }
    }

    /// Whether every byte was read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// One byte (0 past the end).
    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((b, rest)) => {
                self.data = rest;
                *b
            }
            None => 0,
        }
    }

    /// A little-endian u16.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    /// A little-endian u64.
    pub fn u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        for x in &mut b {
            *x = self.u8();
        }
        u64::from_le_bytes(b)
    }

    /// Up to `max` bytes: a length byte, then that many bytes.
    pub fn bytes(&mut self, max: usize) -> &'a [u8] {
        let n = (self.u8() as usize).min(max).min(self.data.len());
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        head
    }

    /// A string of up to `max` bytes (invalid UTF-8 replaced).
    pub fn text(&mut self, max: usize) -> String {
        String::from_utf8_lossy(self.bytes(max)).into_owned()
    }

    /// Everything not read yet.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.data)
    }

    /// One of `items` (the first when none is left).
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.u8() as usize % items.len()]
    }

    /// An integer, often one of the values that break things.
    pub fn int(&mut self) -> i64 {
        const EDGES: [i64; 16] = [
            0,
            1,
            -1,
            2,
            i64::MAX,
            i64::MIN,
            1 << 20,
            (1 << 20) + 1,
            1 << 31,
            1 << 32,
            1 << 53,
            (1 << 53) + 1,
            u32::MAX as i64,
            -(1 << 53),
            4_000_000_000_000,
            100,
        ];
        match self.u8() % 4 {
            0 => EDGES[self.u8() as usize % EDGES.len()],
            1 => self.u8() as i64,
            2 => self.u16() as i64,
            _ => self.u64() as i64,
        }
    }
}

/// A scratch folder of this process (in /dev/shm when there is one), emptied between inputs.
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = if Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("rolecall-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch folder");
        dir
    })
}

/// Writes `bytes` as the file `db` in the scratch folder (removing its `-wal` and `-shm`),
/// runs `f` on its path, then removes the three.
pub fn with_file<R>(bytes: &[u8], f: impl FnOnce(&Path) -> R) -> R {
    let path = scratch().join("db");
    let clean = || {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    };
    clean();
    std::fs::write(&path, bytes).expect("scratch file");
    let r = f(&path);
    clean();
    r
}

/// A small valid directory file holding something of every kind (two tenants, users with
/// roles, phones, external ids and a password, groups, a scope tree with grants, an
/// agreement with levels and a PBX link, a separation-of-duty rule, an audit trail), vacuumed
/// into 512-byte pages and rollback-journal mode so that it is small.
pub fn template() -> &'static [u8] {
    static FILE: OnceLock<Vec<u8>> = OnceLock::new();
    FILE.get_or_init(|| {
        let path = scratch().join("template.db");
        let _ = std::fs::remove_file(&path);
        {
            let dir = Directory::open_sqlite(&path).expect("template: open");
            dir.set_hash_params(rolecall::HashParams {
                m_kib: 64,
                t: 1,
                p: 1,
            });
            populate(&dir);
            dir.close();
        }
        {
            let conn = rusqlite::Connection::open(&path).expect("template: reopen");
            conn.execute_batch("PRAGMA journal_mode = DELETE; PRAGMA page_size = 512; VACUUM;")
                .expect("template: vacuum");
        }
        let bytes = std::fs::read(&path).expect("template: read");
        let _ = std::fs::remove_file(&path);
        bytes
    })
}

/// Fills an empty directory with the template's contents.
pub fn populate(dir: &Directory) {
    let t = dir
        .create_tenant(
            "Acme",
            &NewUser::new("Ada", "Root", "root@acme.test"),
            &[Preset::Managers, Preset::Dashboard],
        )
        .expect("tenant");
    let root = t.superadmin;
    let role = |name: &str| dir.role_by_name(t.tenant, name).expect("preset role").id;
    let sales = dir
        .create_scope(root, ScopeKind::CallGroup, "Sales")
        .expect("scope");
    let line = dir
        .create_scope_under(root, sales, ScopeKind::Ivr, "Line")
        .expect("scope");
    let team = dir
        .create_scope(root, ScopeKind::Team, "Floor")
        .expect("scope");
    let night = dir
        .create_role(
            root,
            &NewRole::new(
                "Night",
                Permission::by_name("campaigns.view").expect("catalogue"),
            ),
        )
        .expect("role");
    let ann = dir
        .create_user(
            root,
            &NewUser::new("Ann", "Lee", "ann@acme.test")
                .phone("+12125550199")
                .roles([role("Operator"), night])
                .scopes([sales]),
        )
        .expect("user");
    let bob = dir
        .create_user(
            root,
            &NewUser::new("Bob", "Ray", "bob@acme.test").password("correct horse battery 9"),
        )
        .expect("user");
    let _ = dir.set_user_teams(root, bob, &[team]);
    let _ = dir.grant_role_in_scope(root, bob, role("Operator"), line);
    let g = dir
        .create_group(root, "Floor A", &[role("Viewer")])
        .expect("group");
    let _ = dir.add_member(root, g, ann);
    let a = dir.create_agreement(root, "Main", ann).expect("agreement");
    let _ = dir.set_access_level(ann, a, bob, Product::VirtualPbx, AccessLevel::Administrator);
    let _ = dir.link_pbx_subscriber(ann, a, bob, Some("1001"));
    let other = dir
        .create_tenant(
            "Other",
            &NewUser::new("Oz", "Root", "root@other.test"),
            &[Preset::Managers],
        )
        .expect("tenant");
    let _ = dir.create_user(
        other.superadmin,
        &NewUser::new("Olga", "Ng", "olga@other.test").external_id("E-7"),
    );
    let _ = dir.delete_user(root, bob);
}

/// What a directory answers about every user of every tenant: a fingerprint to compare two
/// directories (or one directory before and after reopening its file).
pub fn answers(dir: &Directory) -> BTreeMap<u64, String> {
    let mut out = BTreeMap::new();
    for t in dir.tenants() {
        let Ok(page) = dir.search_users(
            t.id,
            &UserQuery {
                limit: UserQuery::MAX_LIMIT,
                ..UserQuery::default()
            },
        ) else {
            continue;
        };
        for u in page.items {
            let eff = dir.effective_permissions(u.id).ok();
            let scopes = dir
                .allowed_scopes(
                    u.id,
                    Permission::by_name("campaigns.view").expect("catalogue"),
                )
                .ok();
            out.insert(
                u.id.0,
                format!(
                    "{:?} {} {:?} {:?} {:?}",
                    u.tenant, u.active, u.email, eff, scopes
                ),
            );
        }
    }
    out
}

/// Uses a directory that opened: reads everything, checks every user, writes (a user
/// created in each tenant by its superadministrator: success or a typed error), and checks
/// that the file then reopens with the same answers for everyone who was there before.
pub fn exercise_file(dir: Directory, path: &Path) {
    let before = answers(&dir);
    let snap = dir.snapshot();
    for t in dir.tenants() {
        let _ = dir.roles(t.id);
        let _ = dir.scopes(t.id);
        let _ = dir.groups(t.id);
        let _ = dir.agreements(t.id);
        let _ = dir.tenant_settings(t.id);
        for (p, _) in rolecall::CATALOGUE.iter().take(8) {
            let _ = dir.check(t.superadmin, *p);
            let _ = snap.check(t.superadmin, *p);
        }
    }
    let mut wrote = false;
    for t in dir.tenants() {
        let _ = dir.export_tenant(t.superadmin, &rolecall::ExportOptions::default());
        let _ = dir.create_scope(t.superadmin, ScopeKind::Team, "Fuzz team");
        wrote |= dir
            .create_user(
                t.superadmin,
                &NewUser::new("Fuzz", "Er", format!("fuzz{}@fuzz.test", t.id.0)),
            )
            .is_ok();
    }
    dir.close();
    drop(dir);
    match Directory::open_sqlite(path) {
        Ok(again) => {
            let after = answers(&again);
            for (id, was) in &before {
                let now = after.get(id);
                assert_eq!(
                    now,
                    Some(was),
                    "user {id} answers differently after reopening (wrote: {wrote})"
                );
            }
            again.close();
        }
        Err(e) => panic!("a file the library opened and wrote to no longer opens: {e}"),
    }
}

/// Ids worth naming in a fuzzed call: small ones (which exist), and absurd ones.
pub fn user_id(b: &mut Bytes<'_>) -> UserId {
    UserId(b.int() as u64)
}

/// A tenant id, likewise.
pub fn tenant_id(b: &mut Bytes<'_>) -> TenantId {
    TenantId(b.int() as u64)
}

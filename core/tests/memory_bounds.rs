//! Memory bounds (README, "Fuzzing and long runs"): opening a file, a batch call and an import
//! each hold memory bounded by their input, and an input crafted past the bound gets a typed
//! error, changing nothing.
//!
//! - Opening a file: the model indexes users and scopes densely by id, so memory follows the
//!   largest id; ids (and next ids) may run at most `2 × rows + 2^20` past nothing
//!   (`sqlite_damage.rs` checks many damaged ids in a child under an address-space limit);
//!   here: a file at exactly the limit opens within a fixed budget, one past it is `corrupt`.
//! - A batch call: pages of users and audit events, and users created with passwords, have
//!   per-call maxima (`UserQuery::MAX_LIMIT`, `Directory::MAX_AUDIT_PAGE`,
//!   `Directory::MAX_PASSWORDS_PER_CALL`).
//! - An import: the text read is at most `TenantDocument::MAX_TEXT_BYTES`.

use std::path::PathBuf;

use rolecall::{Directory, Error, HashParams, NewUser, TenantDocument, UserQuery};

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!(
            "rolecall-memory-bounds-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn is_invalid_import_too_large(e: &Error) -> bool {
    matches!(e, Error::InvalidImport { problems }
        if problems.len() == 1 && problems[0].reason.contains("more than the"))
}

#[test]
fn an_import_text_past_the_limit_is_refused_before_it_is_read() {
    let dir = Directory::in_memory();
    let t = dir
        .create_tenant("Acme", &NewUser::new("Ada", "Root", "root@acme.test"), &[])
        .unwrap();
    // A valid document padded with whitespace to one byte past the limit: the old code read
    // (and accepted) it whatever its size.
    let doc = TenantDocument::new().to_json();
    let pad = TenantDocument::MAX_TEXT_BYTES + 1 - doc.len();
    let big = format!("{doc}{}", " ".repeat(pad));
    assert_eq!(big.len(), TenantDocument::MAX_TEXT_BYTES + 1);
    let e = TenantDocument::from_json(&big).unwrap_err();
    assert!(is_invalid_import_too_large(&e), "{e:?}");
    // At the limit it is read.
    assert!(TenantDocument::from_json(&big[..big.len() - 1]).is_ok());

    // A users CSV likewise, through the import and its plan; nothing changes.
    let before = dir.revision();
    let mut csv = String::from("first_name,last_name,email\nBo,Li,bo@acme.test\n");
    csv.push_str(&"\n".repeat(TenantDocument::MAX_TEXT_BYTES + 1 - csv.len()));
    let e = dir.import_users_csv(t.superadmin, &csv).unwrap_err();
    assert!(is_invalid_import_too_large(&e), "{e:?}");
    let e = dir.plan_users_csv(t.superadmin, &csv).unwrap_err();
    assert!(is_invalid_import_too_large(&e), "{e:?}");
    assert_eq!(dir.revision(), before);
    assert!(dir.user_by_email(t.tenant, "bo@acme.test").is_err());
}

#[test]
fn batch_calls_past_their_maximum_are_refused() {
    let dir = Directory::in_memory();
    dir.set_hash_params(HashParams {
        m_kib: 64,
        t: 1,
        p: 1,
    });
    let t = dir
        .create_tenant("Acme", &NewUser::new("Ada", "Root", "root@acme.test"), &[])
        .unwrap();
    let before = dir.revision();
    let users: Vec<NewUser> = (0..=Directory::MAX_PASSWORDS_PER_CALL)
        .map(|i| {
            NewUser::new("Bo", "Li", format!("u{i}@acme.test")).password("a long passphrase 42")
        })
        .collect();
    let e = dir.create_users(t.superadmin, &users).unwrap_err();
    assert!(
        matches!(e, Error::InvalidArgument { what: "users", .. }),
        "{e:?}"
    );
    assert_eq!(dir.revision(), before);

    let query = UserQuery {
        limit: UserQuery::MAX_LIMIT + 1,
        ..UserQuery::default()
    };
    assert!(matches!(
        dir.search_users(t.tenant, &query),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        dir.audit_after(0, Directory::MAX_AUDIT_PAGE + 1),
        Err(Error::InvalidArgument { what: "limit", .. })
    ));
}

/// The bound on opening a file, measured: a file whose next user and scope ids sit exactly at
/// the limit (`2 × rows + 2^20 + 1`: 2 users, no scope) opens, and its snapshot holds at most
/// 64 MiB; one more and the open is `corrupt` (nothing allocated for it).
#[test]
fn a_file_at_the_id_limit_opens_within_the_budget_and_one_past_is_corrupt() {
    let tmp = TempDir::new("limit");
    let path = tmp.0.join("dir.db");
    let rows = {
        let dir = Directory::open_sqlite(&path).unwrap();
        let t = dir
            .create_tenant("Acme", &NewUser::new("Ada", "Root", "root@acme.test"), &[])
            .unwrap();
        dir.create_user(t.superadmin, &NewUser::new("Bo", "Li", "bo@acme.test"))
            .unwrap();
        dir.close();
        2u64
    };
    let at = 2 * rows + (1 << 20) + 1;
    let set = |user: u64, scope: u64| {
        let c = rusqlite::Connection::open(&path).unwrap();
        for (key, next) in [("next_user", user), ("next_scope", scope)] {
            c.execute(
                "UPDATE meta SET value = ?2 WHERE key = ?1",
                rusqlite::params![key, next as i64],
            )
            .unwrap();
        }
    };
    set(at, (1 << 20) + 1);
    let dir = Directory::open_sqlite(&path).unwrap();
    let bytes = dir.snapshot().memory_bytes();
    assert!(bytes <= 64 << 20, "snapshot holds {bytes} bytes");
    dir.close();
    drop(dir);
    for (user, scope) in [(at + 1, (1 << 20) + 1), (at, (1 << 20) + 2)] {
        set(user, scope);
        let e = Directory::open_sqlite(&path).unwrap_err();
        assert!(matches!(e, Error::Corrupt(_)), "{e:?}");
    }
}

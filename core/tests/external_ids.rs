//! External ids (issue 17): a user's id in the system it is provisioned from. Unique per
//! tenant, compared exactly, validated, changed only with `users.manage` (and as a takeover,
//! like the email), kept by every store and migrated into older files and schemas.

mod common;
mod pg;

use common::{refused, Env, TempDir};
use rolecall::{Directory, Error, NewUser, Permission, Preset, SqliteStore, UserLookup, UserPatch};

fn patch_external(x: Option<&str>) -> UserPatch {
    UserPatch {
        external_id: Some(x.map(str::to_owned)),
        ..UserPatch::default()
    }
}

#[test]
fn a_user_is_found_by_its_external_id_exactly() {
    let env = Env::new(&[Preset::Managers]);
    let bob = env
        .dir
        .create_user(
            env.root,
            &NewUser::new("Bob", "Lee", "bob@acme.test").external_id("00u1Bob"),
        )
        .unwrap();
    let u = env.dir.user_by_external_id(env.tenant, "00u1Bob").unwrap();
    assert_eq!(u.id, bob);
    assert_eq!(u.external_id.as_deref(), Some("00u1Bob"));
    // Exact: neither case-folded nor trimmed.
    for other in ["00U1BOB", "00u1bob", " 00u1Bob"] {
        let err = env.dir.user_by_external_id(env.tenant, other).unwrap_err();
        assert!(
            matches!(&err, Error::UnknownUser(UserLookup::ExternalId(x)) if x == other),
            "{err:?}"
        );
    }
    // Per tenant: another tenant does not see it.
    let (other, _) = env.other_tenant(&[]);
    assert!(env.dir.user_by_external_id(other, "00u1Bob").is_err());
}

#[test]
fn external_ids_are_unique_per_tenant() {
    let env = Env::new(&[Preset::Managers]);
    env.dir
        .create_user(
            env.root,
            &NewUser::new("Bob", "Lee", "bob@acme.test").external_id("E-1"),
        )
        .unwrap();
    let dup = NewUser::new("Eve", "Doe", "eve@acme.test").external_id("E-1");
    let err = refused(&env.dir, |d| d.create_user(env.root, &dup));
    assert!(
        matches!(&err, Error::DuplicateName { name, .. } if name == "E-1"),
        "{err:?}"
    );
    // Within one batch too.
    let batch = [
        NewUser::new("Ann", "Doe", "ann@acme.test").external_id("E-2"),
        NewUser::new("Cid", "Doe", "cid@acme.test").external_id("E-2"),
    ];
    let err = refused(&env.dir, |d| d.create_users(env.root, &batch));
    assert!(matches!(err, Error::DuplicateName { .. }), "{err:?}");
    // By an update.
    let eve = env
        .dir
        .create_user(env.root, &NewUser::new("Eve", "Doe", "eve@acme.test"))
        .unwrap();
    let err = refused(&env.dir, |d| {
        d.update_user(env.root, eve, &patch_external(Some("E-1")))
    });
    assert!(matches!(err, Error::DuplicateName { .. }), "{err:?}");
    // Another tenant may use the same one.
    let (_, other_root) = env.other_tenant(&[]);
    env.dir
        .create_user(
            other_root,
            &NewUser::new("Bob", "Lee", "bob@other.test").external_id("E-1"),
        )
        .unwrap();
}

#[test]
fn bad_external_ids_are_refused() {
    let env = Env::new(&[Preset::Managers]);
    let long = "x".repeat(256);
    for bad in ["", " lead", "trail ", "a\nb", "a\u{202e}b", long.as_str()] {
        let new = NewUser::new("Bob", "Lee", "bob@acme.test").external_id(bad);
        let err = refused(&env.dir, |d| d.create_user(env.root, &new));
        assert!(
            matches!(
                err,
                Error::InvalidName {
                    field: "external id",
                    ..
                }
            ),
            "{bad:?}: {err:?}"
        );
    }
    // 255 characters (multi-byte) is fine.
    let ok = "é".repeat(255);
    env.dir
        .create_user(
            env.root,
            &NewUser::new("Bob", "Lee", "bob@acme.test").external_id(ok.as_str()),
        )
        .unwrap();
}

#[test]
fn changing_an_external_id_needs_users_manage_and_may_be_cleared() {
    let env = Env::new(&[Preset::Managers]);
    // A user may edit its own profile (profile.edit) but not its external id.
    let own = env.custom_role("Own profile", Permission::PROFILE_EDIT);
    let vic = env.user_with(env.root, "vic", &[own]);
    env.dir
        .update_user(
            vic,
            vic,
            &UserPatch {
                first_name: Some("Victor".into()),
                ..UserPatch::default()
            },
        )
        .unwrap();
    let err = refused(&env.dir, |d| {
        d.update_user(vic, vic, &patch_external(Some("mine")))
    });
    assert!(matches!(err, Error::PermissionDenied { .. }), "{err:?}");
    // The superadministrator sets it, then clears it.
    env.dir
        .update_user(env.root, vic, &patch_external(Some("A-7")))
        .unwrap();
    assert_eq!(
        env.dir.user(vic).unwrap().external_id.as_deref(),
        Some("A-7")
    );
    env.dir
        .update_user(env.root, vic, &patch_external(None))
        .unwrap();
    assert_eq!(env.dir.user(vic).unwrap().external_id, None);
    assert!(env.dir.user_by_external_id(env.tenant, "A-7").is_err());
    // Freed: another user may take it.
    let bob = env.user("bob", &[]);
    env.dir
        .update_user(env.root, bob, &patch_external(Some("A-7")))
        .unwrap();
    assert_eq!(
        env.dir.user_by_external_id(env.tenant, "A-7").unwrap().id,
        bob
    );
}

#[test]
fn re_pointing_an_external_id_is_a_takeover() {
    // A help desk (users.manage, nothing else) may not move the external id of a user holding
    // rights it lacks: the provisioning system would then drive that account. It may set the
    // external id of someone holding no more than itself.
    let env = Env::new(&[Preset::Managers]);
    let desk = env.custom_role(
        "Help desk",
        Permission::USERS_MANAGE | Permission::USERS_VIEW,
    );
    let helper = env.user_with(env.root, "hal", &[desk]);
    let viewer = env.user("vic", &["Viewer"]);
    let err = refused(&env.dir, |d| {
        d.update_user(helper, viewer, &patch_external(Some("idp-9")))
    });
    assert!(matches!(err, Error::Escalation { .. }), "{err:?}");
    let plain = env.user("pat", &[]);
    env.dir
        .update_user(helper, plain, &patch_external(Some("idp-9")))
        .unwrap();
}

fn stored(dir: &Directory) -> rolecall::UserId {
    let t = dir
        .create_tenant("Acme", &NewUser::new("Ada", "Root", "root@acme.test"), &[])
        .unwrap();
    dir.create_user(
        t.superadmin,
        &NewUser::new("Bob", "Lee", "bob@acme.test").external_id("okta|00u1"),
    )
    .unwrap()
}

#[test]
fn sqlite_keeps_external_ids_and_a_version_7_file_migrates() {
    let tmp = TempDir::new("external-ids");
    let path = tmp.file("dir.db");
    let bob = stored(&Directory::open_sqlite(&path).unwrap());
    let dir = Directory::open_sqlite(&path).unwrap();
    let u = dir.user(bob).unwrap();
    assert_eq!(u.external_id.as_deref(), Some("okta|00u1"));
    assert_eq!(
        dir.user_by_external_id(u.tenant, "okta|00u1").unwrap().id,
        bob
    );
    drop(dir);
    // The unique index holds in the file itself.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let dup = conn.execute(
        "UPDATE users SET external_id = 'okta|00u1' WHERE id <> ?1",
        [bob.0 as i64],
    );
    assert!(dup.is_err(), "{dup:?}");
    // A version 7 file: no column. It migrates, with no external ids.
    conn.execute_batch(
        "DROP INDEX users_external_id;
         ALTER TABLE users DROP COLUMN external_id;
         PRAGMA user_version = 7;",
    )
    .unwrap();
    drop(conn);
    let dir = Directory::open_sqlite(&path).unwrap();
    assert_eq!(dir.user(bob).unwrap().external_id, None);
    drop(dir);
    let v = common::sqlite_schema_version(&path);
    assert_eq!(v, SqliteStore::SCHEMA_VERSION);
    assert!(v >= 8);
}

#[test]
fn postgres_keeps_external_ids_and_a_version_4_schema_migrates() {
    let schema = pg::Schema::new("external_ids");
    let bob = stored(&schema.directory());
    let dir = schema.directory();
    assert_eq!(
        dir.user(bob).unwrap().external_id.as_deref(),
        Some("okta|00u1")
    );
    drop(dir);
    schema
        .sql(
            "DROP INDEX users_external_id;
             ALTER TABLE users DROP COLUMN external_id;
             UPDATE meta SET value = 4 WHERE key = 'schema_version';",
        )
        .unwrap();
    let dir = schema.directory();
    assert_eq!(dir.user(bob).unwrap().external_id, None);
    let v = schema.schema_version();
    assert_eq!(v, rolecall::PostgresStore::SCHEMA_VERSION);
    assert!(v >= 5);
}

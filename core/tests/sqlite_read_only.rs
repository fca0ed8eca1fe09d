//! `read_only` opens a file the process may read but not write, in a directory it may not
//! write (so SQLite cannot create the `-shm` index WAL mode reads through).
//!
//! "May not write" is made real even when the tests run as root (who bypasses permission
//! bits): the open runs in a child process (this test binary, started with
//! `--ignored --exact child_read_only`) whose capabilities are dropped with `setpriv`, so that
//! root is held to the bits like anyone else; an unprivileged run needs no `setpriv`.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use rolecall::{Directory, Error, NewUser, Permission, Preset, SqliteOptions, SqliteStore};

const ENV_FILE: &str = "ROLECALL_READ_ONLY_FILE";

fn read_only() -> SqliteOptions {
    SqliteOptions {
        read_only: true,
        ..SqliteOptions::default()
    }
}

/// Opens the file read-only, checks what it holds, tries a change and a refresh, and prints
/// one `OUTCOME` line.
#[test]
#[ignore = "run by the tests below as a child process"]
fn child_read_only() {
    let Ok(path) = std::env::var(ENV_FILE) else {
        return;
    };
    let outcome = (|| -> Result<String, Error> {
        // The child really may not write here.
        if fs::write(Path::new(&path).with_extension("probe"), b"x").is_ok() {
            return Ok("the directory is writable: the test is not testing anything".into());
        }
        let dir = Directory::open(SqliteStore::open_with(&path, &read_only())?)?;
        let t = dir.tenants()[0].clone();
        let bob = dir.user_by_email(t.id, "bob@acme.test")?;
        assert!(dir.check(bob.id, Permission::CAMPAIGNS_CONTROL));
        let rev = dir.revision();
        assert_eq!(dir.refresh()?, rev);
        match dir.create_user(t.superadmin, &NewUser::new("C", "D", "c@acme.test")) {
            Err(Error::ReadOnly(_)) => {}
            other => return Ok(format!("a change gave {other:?}")),
        }
        Ok(format!("ok {rev}"))
    })();
    match outcome {
        Ok(o) => println!("OUTCOME {o}"),
        Err(e) => println!("OUTCOME {} {e}", e.kind()),
    }
}

struct Locked(PathBuf);

impl Locked {
    /// A directory holding a file with a tenant and Bob (an Operator), written in WAL mode and
    /// closed (so no `-wal` or `-shm` is left).
    fn new(tag: &str) -> Locked {
        let d = std::env::temp_dir().join(format!("rolecall-ro-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        let dir = Directory::open_sqlite(d.join("dir.db")).unwrap();
        let t = dir
            .create_tenant(
                "Acme",
                &NewUser::new("Ada", "Root", "ada@acme.test"),
                &[Preset::Managers],
            )
            .unwrap();
        let operator = dir.role_by_name(t.tenant, "Operator").unwrap().id;
        dir.create_user(
            t.superadmin,
            &NewUser::new("Bob", "Lee", "bob@acme.test").roles([operator]),
        )
        .unwrap();
        drop(dir);
        Locked(d)
    }

    fn file(&self) -> PathBuf {
        self.0.join("dir.db")
    }

    /// Makes the directory and its files read-only.
    fn lock(&self) {
        for e in fs::read_dir(&self.0).unwrap() {
            fs::set_permissions(e.unwrap().path(), fs::Permissions::from_mode(0o444)).unwrap();
        }
        fs::set_permissions(&self.0, fs::Permissions::from_mode(0o555)).unwrap();
    }
}

impl Drop for Locked {
    fn drop(&mut self) {
        let _ = fs::set_permissions(&self.0, fs::Permissions::from_mode(0o755));
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn running_as_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        == Some("0")
}

/// Runs `child_read_only` on `path` without the power to write what the bits forbid.
fn open_in_child(path: &Path) -> String {
    let exe = std::env::current_exe().unwrap();
    let args = [
        "--ignored",
        "--exact",
        "child_read_only",
        "--nocapture",
        "--test-threads=1",
    ];
    let mut cmd = if running_as_root() {
        let mut c = Command::new("setpriv");
        c.args(["--bounding-set=-all", "--inh-caps=-all", "--"])
            .arg(&exe);
        c
    } else {
        Command::new(&exe)
    };
    let out = cmd.args(args).env(ENV_FILE, path).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the child failed ({}): {stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .find_map(|l| l.split_once("OUTCOME ").map(|(_, o)| o.to_owned()))
        .unwrap_or_else(|| panic!("no outcome: {stdout}"))
}

#[test]
fn read_only_opens_a_file_in_a_directory_the_process_may_not_write() {
    let d = Locked::new("dir");
    let rev = Directory::open_sqlite(d.file()).unwrap().revision();
    let before = fs::read(d.file()).unwrap();
    d.lock();
    assert_eq!(open_in_child(&d.file()), format!("ok {rev}"));
    // Nothing was written: no -wal or -shm, and the file is unchanged.
    let names: Vec<_> = fs::read_dir(&d.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["dir.db"]);
    assert_eq!(fs::read(d.file()).unwrap(), before);
}

#[test]
fn read_only_refuses_precisely_when_unread_changes_wait_in_the_wal() {
    // A file whose last changes are still in its -wal (its writer crashed or is running) and
    // no -shm: without writing, SQLite cannot read the -wal, and reading the main file alone
    // would silently miss those changes.
    let d = Locked::new("wal");
    let copy = Locked::new("walcopy");
    {
        let writer = rusqlite::Connection::open(d.file()).unwrap();
        writer
            .execute_batch(
                "PRAGMA wal_autocheckpoint = 0;
                 UPDATE users SET first_name = 'Robert' WHERE email = 'bob@acme.test';",
            )
            .unwrap();
        let _ = fs::remove_file(copy.file());
        fs::copy(d.file(), copy.file()).unwrap();
        let wal = PathBuf::from(format!("{}-wal", d.file().display()));
        assert!(fs::metadata(&wal).unwrap().len() > 0);
        fs::copy(&wal, format!("{}-wal", copy.file().display())).unwrap();
    }
    copy.lock();
    let outcome = open_in_child(&copy.file());
    assert!(
        outcome.starts_with("read_only ")
            && outcome.contains("-wal")
            && outcome.contains("not checkpointed"),
        "{outcome}"
    );
}

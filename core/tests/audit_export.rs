//! Audit export from a cursor (`Directory::audit_after`) on every store: pages in seq order,
//! nothing skipped or repeated, commits going on between pages, bad limits refused.

mod common;
mod pg;

use common::TempDir;
use rolecall::{AuditQuery, Directory, Error, NewUser, UserId};

fn setup(dir: &Directory) -> UserId {
    let (_, root) = dir
        .create_tenant(
            "Acme",
            &NewUser::new("Ada", "Root", "ada@acme.test"),
            &[rolecall::Preset::Managers],
        )
        .map(|c| (c.tenant, c.superadmin))
        .unwrap();
    for i in 0..7 {
        dir.create_user(root, &NewUser::new("U", "Ser", format!("u{i}@acme.test")))
            .unwrap();
    }
    root
}

/// Reads the whole log with pages of `page`, making a new commit after the first page.
fn export_with_interleaved_commit(dir: &Directory, root: UserId, page: usize) -> Vec<u64> {
    let mut seqs = Vec::new();
    let mut cursor = 0;
    let mut first = true;
    loop {
        let items = dir.audit_after(cursor, page).unwrap();
        assert!(items.len() <= page);
        let Some(last) = items.last() else { break };
        cursor = last.seq;
        seqs.extend(items.iter().map(|e| e.seq));
        if first {
            // A writer between two pages is not blocked, and its event is exported too.
            dir.create_user(root, &NewUser::new("Late", "Comer", "late@acme.test"))
                .unwrap();
            first = false;
        }
    }
    seqs
}

fn check_store(dir: &Directory) {
    let root = setup(dir);
    let seqs = export_with_interleaved_commit(dir, root, 3);
    let all = dir
        .audit_events(&AuditQuery {
            limit: 1000,
            ..AuditQuery::default()
        })
        .unwrap();
    let expected: Vec<u64> = all.items.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, expected, "the cursor skipped or repeated events");
    assert!(
        all.items.iter().any(|e| e
            .after
            .as_deref()
            .is_some_and(|a| a.contains("late@acme.test"))),
        "the commit made between pages was not exported"
    );
    // From the middle, and past the end.
    let mid = expected[expected.len() / 2];
    let rest = dir.audit_after(mid, 1000).unwrap();
    assert_eq!(
        rest.first().map(|e| e.seq),
        expected.iter().copied().find(|&s| s > mid)
    );
    assert!(dir
        .audit_after(*expected.last().unwrap(), 10)
        .unwrap()
        .is_empty());
    // Every event makes a parseable JSON line with its seq.
    for e in &rest {
        let v: serde_json::Value = serde_json::from_str(&e.to_json_line()).unwrap();
        assert_eq!(v["seq"], e.seq);
        assert!(e.to_cef().starts_with("CEF:0|rolecall|rolecall|"));
    }
    // Bad limits are refused.
    for bad in [0, Directory::MAX_AUDIT_PAGE + 1] {
        assert!(matches!(
            dir.audit_after(0, bad),
            Err(Error::InvalidArgument { what: "limit", .. })
        ));
    }
}

#[test]
fn audit_after_pages_the_memory_log() {
    check_store(&Directory::in_memory());
}

#[test]
fn audit_after_pages_a_sqlite_log() {
    let tmp = TempDir::new("audit-after");
    let path = tmp.file("dir.db");
    check_store(&Directory::open_sqlite(&path).unwrap());
}

#[test]
fn audit_after_pages_a_postgres_log() {
    let schema = pg::Schema::new("audit_after");
    check_store(&schema.directory());
}

/// PostgreSQL hands seqs out at insert, not at commit: an append still in flight when a later
/// one has committed must not be skipped by a cursor that reads past it.
#[test]
fn audit_after_on_postgres_never_skips_an_append_still_in_flight() {
    let schema = pg::Schema::new("audit_inflight");
    let dir = schema.directory();
    setup(&dir);
    let cursor = dir.audit_after(0, 1000).unwrap().last().unwrap().seq;
    let insert = "INSERT INTO audit (at, tenant, action, outcome) VALUES (1, 1, 'login', 'ok')";
    // A: takes the next seq, commits only later.
    let search_path = format!("SET search_path TO \"{}\"", schema.name);
    let (inserted, wait_insert) = std::sync::mpsc::channel();
    let committer = std::thread::spawn(move || {
        let mut a = pg::client();
        a.batch_execute(&search_path).unwrap();
        let mut tx = a.transaction().unwrap();
        tx.batch_execute(insert).unwrap();
        inserted.send(()).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
        tx.commit().unwrap();
    });
    wait_insert.recv().unwrap();
    // B: takes the seq after it and commits at once.
    schema.sql(insert).unwrap();
    let page = dir.audit_after(cursor, 1000).unwrap();
    committer.join().unwrap();
    let seqs: Vec<u64> = page.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        [cursor + 1, cursor + 2],
        "an in-flight append was skipped"
    );
}

#[test]
fn audit_after_on_a_closed_directory_is_refused() {
    let dir = Directory::in_memory();
    dir.close();
    assert_eq!(dir.audit_after(0, 10), Err(Error::Closed));
}

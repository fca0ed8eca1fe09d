//! The check engine seen from several directories and threads.

use std::sync::Arc;

use rolecall::{Directory, NewUser, Permission, Preset};

fn tenant(dir: &Directory, role: &str) -> (rolecall::UserId, rolecall::RoleId) {
    let t = dir
        .create_tenant(
            "T",
            &NewUser::new("Root", "User", "root@t.test"),
            &[Preset::Managers],
        )
        .unwrap();
    (t.superadmin, dir.role_by_name(t.tenant, role).unwrap().id)
}

#[test]
fn one_thread_alternating_between_directories_gets_each_ones_answer() {
    let a = Directory::in_memory();
    let b = Directory::in_memory();
    let (ra, op) = tenant(&a, "Operator");
    let (rb, viewer) = tenant(&b, "Viewer");
    // The same user id exists in both directories with different roles.
    let ua = a
        .create_user(ra, &NewUser::new("U", "A", "u@t.test").roles([op]))
        .unwrap();
    let ub = b
        .create_user(rb, &NewUser::new("U", "B", "u@t.test").roles([viewer]))
        .unwrap();
    assert_eq!(ua, ub);
    for _ in 0..3 {
        assert!(a.check(ua, Permission::CAMPAIGNS_CONTROL));
        assert!(!b.check(ub, Permission::CAMPAIGNS_CONTROL));
    }
    drop(a);
    assert!(b.check(ub, Permission::REPORTS_VIEW));
    let c = Directory::in_memory();
    assert!(!c.check(ub, Permission::REPORTS_VIEW));
}

#[test]
fn a_change_made_on_another_thread_is_seen_by_the_next_check_here() {
    let dir = Arc::new(Directory::in_memory());
    let (root, op) = tenant(&dir, "Operator");
    let u = dir
        .create_user(root, &NewUser::new("U", "A", "u@t.test"))
        .unwrap();
    assert!(!dir.check(u, Permission::CAMPAIGNS_CONTROL)); // caches the snapshot on this thread
    let d = Arc::clone(&dir);
    std::thread::spawn(move || d.assign_role(root, u, op).unwrap())
        .join()
        .unwrap();
    assert!(dir.check(u, Permission::CAMPAIGNS_CONTROL));
    let d = Arc::clone(&dir);
    std::thread::spawn(move || d.set_active(root, u, false).unwrap())
        .join()
        .unwrap();
    assert!(!dir.check(u, Permission::CAMPAIGNS_CONTROL));
}

//! Catching up across hosts on PostgreSQL: notifications (a following instance sees another's
//! commit within milliseconds), the poll when a notification is lost (the listener's
//! connection terminated), and host-driven waiting (`wait_for_change`, with and without the
//! listener).

mod pg;

use std::os::fd::{AsRawFd, BorrowedFd};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pg::Schema;
use rolecall::{Directory, NewUser, PostgresOptions, PostgresStore, Preset, UserId};
use rustix::event::{poll, PollFd, PollFlags, Timespec};

fn open(conninfo: &str, opts: &PostgresOptions) -> Directory {
    Directory::open(PostgresStore::open_with(conninfo, opts).unwrap()).unwrap()
}

/// How long until `d` holds `user`, polling its snapshot (never the store).
fn until_visible(d: &Directory, user: UserId, limit: Duration) -> Duration {
    let started = Instant::now();
    while d.user(user).is_err() {
        assert!(
            started.elapsed() < limit,
            "{user} not visible after {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    started.elapsed()
}

#[test]
fn a_following_instance_sees_another_hosts_commits_through_notifications() {
    let schema = Schema::new("follow");
    let a = schema.directory();
    let t = a
        .create_tenant(
            "Acme",
            &NewUser::new("Ada", "Root", "root@acme.test"),
            &[Preset::Managers],
        )
        .unwrap();
    // A poll far beyond the limits below: only a notification can be that fast.
    let slow_poll = PostgresOptions {
        poll_interval: Duration::from_secs(30),
        ..schema.options()
    };
    let b = Arc::new(open(&pg::conninfo(), &slow_poll));
    b.follow().unwrap();
    // Let the listener connect and LISTEN before the writes.
    std::thread::sleep(Duration::from_millis(300));
    let mut latencies = Vec::new();
    for i in 0..20 {
        let u = a
            .create_user(
                t.superadmin,
                &NewUser::new("U", "V", format!("u{i}@acme.test")),
            )
            .unwrap();
        latencies.push(until_visible(&b, u, Duration::from_secs(5)));
    }
    latencies.sort();
    let p50 = latencies[latencies.len() / 2];
    assert!(
        p50 < Duration::from_millis(500),
        "median commit-to-visible {p50:?}: {latencies:?}"
    );
    assert_eq!(b.revision(), a.revision());
}

#[test]
fn a_lost_notification_is_made_up_for_by_the_poll() {
    let schema = Schema::new("lost_note");
    let name = format!("listener_{}", std::process::id());
    let conninfo = format!("{} application_name={name}", pg::conninfo());
    let a = schema.directory();
    let t = a
        .create_tenant("Acme", &NewUser::new("Ada", "Root", "root@acme.test"), &[])
        .unwrap();
    let opts = PostgresOptions {
        poll_interval: Duration::from_millis(200),
        ..schema.options()
    };
    let b = Arc::new(open(&conninfo, &opts));
    b.follow().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    // The listener's connection is killed (b's own connection too: both carry the name), and
    // a commit lands while no one listens: its notification is lost.
    let killed = pg::terminate(&mut pg::client(), &name);
    assert!(killed >= 1);
    let u = a
        .create_user(t.superadmin, &NewUser::new("U", "V", "u@acme.test"))
        .unwrap();
    // Reconnection (a poll interval) and its first poll bring it in.
    until_visible(&b, u, Duration::from_secs(5));
}

#[test]
fn a_host_driven_instance_waits_for_changes_with_and_without_the_listener() {
    let schema = Schema::new("wait");
    let a = Arc::new(schema.directory());
    let t = a
        .create_tenant("Acme", &NewUser::new("Ada", "Root", "root@acme.test"), &[])
        .unwrap();
    for listen in [true, false] {
        let b = open(
            &pg::conninfo(),
            &PostgresOptions {
                listen,
                poll_interval: Duration::from_millis(100),
                ..schema.options()
            },
        );
        std::thread::sleep(Duration::from_millis(200));
        assert!(
            !b.wait_for_change(Duration::from_millis(150)).unwrap(),
            "nothing changed"
        );
        let writer = {
            let a = Arc::clone(&a);
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(100));
                a.create_user(
                    t.superadmin,
                    &NewUser::new("U", "V", format!("u{listen}@acme.test")),
                )
                .unwrap()
            })
        };
        assert!(
            b.wait_for_change(Duration::from_secs(5)).unwrap(),
            "listen: {listen}"
        );
        let u = writer.join().unwrap();
        b.refresh().unwrap();
        assert!(b.user(u).is_ok());
    }
}

/// Whether the descriptor is readable now: poll(2), not waiting.
fn readable(fd: BorrowedFd<'_>) -> bool {
    let mut fds = [PollFd::new(&fd, PollFlags::IN)];
    poll(&mut fds, Some(&Timespec::default())).unwrap() == 1
}

/// Waits (poll(2), as an event loop would) until the descriptor is readable.
fn until_readable(fd: BorrowedFd<'_>, limit: Duration) {
    let mut fds = [PollFd::new(&fd, PollFlags::IN)];
    let limit = Timespec::try_from(limit).unwrap();
    assert_eq!(
        poll(&mut fds, Some(&limit)).unwrap(),
        1,
        "not readable in time"
    );
}

#[test]
fn the_change_descriptor_becomes_readable_at_another_hosts_commit_and_refresh_clears_it() {
    let schema = Schema::new("change_fd");
    let a = schema.directory();
    let t = a
        .create_tenant("Acme", &NewUser::new("Ada", "Root", "root@acme.test"), &[])
        .unwrap();
    for poll_only in [false, true] {
        // `poll_only`: notifications never come in time (the listener's connection is
        // terminated right before the commit), the poll sets the descriptor.
        let name = format!("fd_{}_{poll_only}", std::process::id());
        let b = open(
            &format!("{} application_name={name}", pg::conninfo()),
            &PostgresOptions {
                poll_interval: Duration::from_millis(100),
                ..schema.options()
            },
        );
        let fd = b.change_fd().unwrap();
        assert_eq!(
            b.change_fd().unwrap().as_raw_fd(),
            fd.as_raw_fd(),
            "the same descriptor every time"
        );
        // The listener's first poll may announce the revision b opened at: one refresh clears.
        std::thread::sleep(Duration::from_millis(300));
        b.refresh().unwrap();
        assert!(!readable(fd), "nothing new");
        if poll_only {
            pg::client()
                .execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE application_name = $1",
                    &[&name],
                )
                .unwrap();
        }
        let u = a
            .create_user(
                t.superadmin,
                &NewUser::new("U", "V", format!("u{poll_only}@acme.test")),
            )
            .unwrap();
        until_readable(fd, Duration::from_secs(5));
        assert!(b.user(u).is_err(), "nothing is applied before refresh");
        assert!(readable(fd), "level-triggered: readable until refresh");
        b.refresh().unwrap();
        assert!(b.user(u).is_ok());
        assert!(!readable(fd), "refresh cleared it");
    }
}

#[test]
fn a_store_that_announces_nothing_has_no_change_descriptor() {
    let schema = Schema::new("no_fd");
    let quiet = open(
        &pg::conninfo(),
        &PostgresOptions {
            listen: false,
            ..schema.options()
        },
    );
    assert!(matches!(
        quiet.change_fd(),
        Err(rolecall::Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        Directory::in_memory().change_fd(),
        Err(rolecall::Error::InvalidArgument { .. })
    ));
    quiet.close();
    assert!(matches!(quiet.change_fd(), Err(rolecall::Error::Closed)));
}

#[test]
fn a_stopped_follower_applies_nothing_more() {
    let schema = Schema::new("unfollow");
    let a = schema.directory();
    let t = a
        .create_tenant("Acme", &NewUser::new("Ada", "Root", "root@acme.test"), &[])
        .unwrap();
    let b = Arc::new(open(
        &pg::conninfo(),
        &PostgresOptions {
            poll_interval: Duration::from_millis(50),
            ..schema.options()
        },
    ));
    let follower = b.follow().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let u = a
        .create_user(t.superadmin, &NewUser::new("U", "V", "u@acme.test"))
        .unwrap();
    until_visible(&b, u, Duration::from_secs(5));
    follower.stop();
    let v = a
        .create_user(t.superadmin, &NewUser::new("V", "W", "v@acme.test"))
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert!(b.user(v).is_err(), "stopped: nothing applied");
    // Following again picks it up.
    let _detached = b.follow().unwrap();
    until_visible(&b, v, Duration::from_secs(5));
}

#[test]
fn open_postgres_follows_from_the_start_and_the_follower_ends_with_the_directory() {
    let schema = Schema::new("follow_default");
    let a = schema.directory();
    let t = a
        .create_tenant("Acme", &NewUser::new("Ada", "Root", "root@acme.test"), &[])
        .unwrap();
    // No Arc, no follow(), no refresh(): the directory catches up by itself.
    let b = Directory::open_postgres_with(&pg::conninfo(), &schema.options()).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let u = a
        .create_user(t.superadmin, &NewUser::new("U", "V", "u@acme.test"))
        .unwrap();
    until_visible(&b, u, Duration::from_secs(5));
    assert_eq!(b.revision(), a.revision());
    // The follower holds the directory weakly: closing it ends the thread, and a closed
    // directory refuses to follow.
    b.close();
    assert!(matches!(b.follow(), Err(rolecall::Error::Closed)));
}

#[test]
fn a_lost_listener_connection_is_replaced_at_once_not_after_a_poll_interval() {
    let schema = Schema::new("relisten");
    let name = format!("relisten_{}", std::process::id());
    let conninfo = format!("{} application_name={name}", pg::conninfo());
    let a = schema.directory();
    let t = a
        .create_tenant("Acme", &NewUser::new("Ada", "Root", "root@acme.test"), &[])
        .unwrap();
    // A poll interval far beyond the bound below: only an immediate reconnection meets it.
    let opts = PostgresOptions {
        poll_interval: Duration::from_secs(4),
        ..schema.options()
    };
    let b = open(&conninfo, &opts);
    b.follow().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let killed = pg::terminate(&mut pg::client(), &name);
    assert!(killed >= 1);
    let u = a
        .create_user(t.superadmin, &NewUser::new("U", "V", "u@acme.test"))
        .unwrap();
    let took = until_visible(&b, u, Duration::from_secs(10));
    assert!(
        took < Duration::from_secs(2),
        "visible after {took:?}: the listener waited a poll interval before reconnecting"
    );
}

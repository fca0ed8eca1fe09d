//! The directory handle: open, free, revision, snapshots, hash cost, notifications.

use std::ffi::{c_char, c_void};
use std::sync::Arc;

use rolecall::Notification;
use rolecall::{Directory, HashParams, Snapshot};

use crate::conv::{boxed, free_boxed, handle, Tagged, DIRECTORY_TAG, SNAPSHOT_TAG};
use crate::records::{list_of, rolecall_notification, rolecall_notification_list};
use crate::status::{rolecall_status, FfiResult};

/// The authorization directory: users, roles, groups, scopes and agreements of every tenant,
/// and the lock-free check engine compiled from them. Opaque.
///
/// Thread safety: fully thread-safe. Share one handle between any number of threads and call
/// any function on it concurrently; free it once, after every thread is done with it.
pub struct rolecall_directory {
    _private: [u8; 0],
}

/// An immutable view of the directory at one revision, for many checks that must agree with
/// each other (one request, one batch). Opaque, thread-safe, independent of the directory's
/// lifetime; free it with rolecall_snapshot_free().
pub struct rolecall_snapshot {
    _private: [u8; 0],
}

type DirHandle = Tagged<Directory>;
type SnapHandle = Tagged<Arc<Snapshot>>;

/// The directory behind a handle.
///
/// # Safety
/// `p` is NULL or a handle from this library (or at least 8 readable bytes).
#[inline(always)]
pub(crate) unsafe fn dir<'a>(p: *const rolecall_directory) -> FfiResult<&'a Directory> {
    // SAFETY: forwarded contract.
    unsafe { handle::<_, Directory>(p, DIRECTORY_TAG, "directory") }.map(|t| &t.value)
}

/// The snapshot behind a handle.
///
/// # Safety
/// As [`dir`].
#[inline(always)]
pub(crate) unsafe fn snap<'a>(p: *const rolecall_snapshot) -> FfiResult<&'a Snapshot> {
    // SAFETY: forwarded contract.
    unsafe { handle::<_, Arc<Snapshot>>(p, SNAPSHOT_TAG, "snapshot") }.map(|t| &*t.value)
}

pub(crate) fn new_dir(d: Directory) -> *mut rolecall_directory {
    Arc::into_raw(Arc::new(DirHandle::new(DIRECTORY_TAG, d))) as *mut rolecall_directory
}

/// Opens an empty directory kept in memory only (lost when freed).
///
/// On success `*out` receives a new handle owned by the caller: free it with
/// rolecall_directory_free(). Safety: `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_directory_open_in_memory(
    out: *mut *mut rolecall_directory,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        out.write(new_dir(Directory::in_memory()));
        Ok(())
    })
}

/// Opens (creating if needed) the directory stored in the SQLite file at `path`, loading its
/// whole state. Several processes may open the same file; see rolecall_directory_refresh().
///
/// On success `*out` receives a new handle owned by the caller (rolecall_directory_free()).
/// Errors: ROLECALL_STATUS_NOT_A_DATABASE, _SCHEMA_TOO_NEW, _READ_ONLY, _BUSY, _STORAGE, ...
/// Safety: `path` is a NUL-terminated string; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_directory_open_sqlite(
    path: *const c_char,
    out: *mut *mut rolecall_directory,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let path = text!(path);
        out.write(new_dir(Directory::open_sqlite(path)?));
        Ok(())
    })
}

/// Frees a directory handle (closing its store). NULL is fine.
///
/// Safety: `dir` came from rolecall_directory_open_*, is freed once, and no other thread uses
/// it any more (snapshots taken from it stay valid).
#[no_mangle]
pub unsafe extern "C" fn rolecall_directory_free(dir: *mut rolecall_directory) {
    if dir.is_null() {
        return;
    }
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: per the contract, a live handle made by `new_dir`.
        if let Ok(t) = unsafe { handle::<_, Directory>(dir, DIRECTORY_TAG, "directory") } {
            t.kill();
            // SAFETY: made by `Arc::into_raw` in `new_dir`, released once.
            drop(unsafe { Arc::from_raw(dir as *const DirHandle) });
        }
    });
}

/// The revision of the last change the directory has applied (0 when empty).
///
/// Safety: `dir` is a live handle; `out` is writable. Thread-safe, lock-free.
#[no_mangle]
pub unsafe extern "C" fn rolecall_directory_revision(
    dir: *const rolecall_directory,
    out: *mut u64,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        out.write(dir!(dir).revision());
        Ok(())
    })
}

/// Applies the changes other processes committed to the same SQLite file; `*out` (optional,
/// may be NULL) receives the revision now reflected. Changes made through this handle never
/// need it.
///
/// Safety: `dir` is a live handle. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_directory_refresh(
    dir: *const rolecall_directory,
    out: *mut u64,
) -> rolecall_status {
    ffi!({
        let rev = dir!(dir).refresh()?;
        if let Some(o) = crate::conv::opt_out(out) {
            o.write(rev);
        }
        Ok(())
    })
}

/// Sets the argon2id cost of new password hashes: memory in KiB, iterations, parallelism. The
/// default is the OWASP minimum (19456 KiB, 2, 1); weaker stored hashes are upgraded at the
/// next successful login. Lower it only in tests. Invalid values make later password
/// operations fail with ROLECALL_STATUS_INVALID_ARGUMENT.
///
/// Safety: `dir` is a live handle. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_directory_set_hash_params(
    dir: *const rolecall_directory,
    m_kib: u32,
    t: u32,
    p: u32,
) -> rolecall_status {
    ffi!({
        dir!(dir).set_hash_params(HashParams { m_kib, t, p });
        Ok(())
    })
}

/// Takes every notification queued since the last call, oldest first (emails on change,
/// recovery tokens, lock warnings): the host delivers them.
///
/// On success `*out` receives a list owned by the caller (rolecall_notification_list_free()),
/// possibly empty. Safety: `dir` is a live handle; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_directory_drain_notifications(
    dir: *const rolecall_directory,
    out: *mut *mut rolecall_notification_list,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let items: Vec<rolecall_notification> = dir!(dir)
            .drain_notifications()
            .iter()
            .map(Into::into)
            .collect();
        out.write(list_of(items, |items, len| rolecall_notification_list {
            items,
            len,
        }));
        Ok(())
    })
}

/// A function the library calls for each notification as it is produced: `userdata` is the
/// pointer given to rolecall_directory_on_notification(); `notification` is valid only during
/// the call (do not free it). It runs on the thread that made the change, under the directory's
/// write lock: keep it short, never call back into the directory, never throw or longjmp.
pub type rolecall_notification_callback =
    Option<unsafe extern "C" fn(userdata: *mut c_void, notification: *const rolecall_notification)>;

struct Userdata(*mut c_void);
// SAFETY: the caller of rolecall_directory_on_notification promises the callback and its
// userdata may be used from any thread.
unsafe impl Send for Userdata {}
// SAFETY: as above.
unsafe impl Sync for Userdata {}

/// Calls `callback(userdata, n)` for each notification as it is produced (they are still
/// queued for rolecall_directory_drain_notifications()). A NULL callback stops the calls.
/// Replaces any previous callback.
///
/// Safety: `dir` is a live handle; `callback` and `userdata` must stay valid, and be callable
/// from any thread, until replaced or until the directory is freed. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_directory_on_notification(
    dir: *const rolecall_directory,
    callback: rolecall_notification_callback,
    userdata: *mut c_void,
) -> rolecall_status {
    ffi!({
        let d = dir!(dir);
        let data = Userdata(userdata);
        d.on_notification(move |n: &Notification| {
            let data = &data;
            if let Some(cb) = callback {
                if let Ok(c) = std::panic::catch_unwind(|| rolecall_notification::from(n)) {
                    // SAFETY: the caller's callback contract; `c` lives for the call.
                    unsafe { cb(data.0, &c) };
                }
            }
        });
        Ok(())
    })
}

// ---------------------------------------------------------------- snapshots

/// Takes the current snapshot: an immutable view for many checks at one revision.
///
/// On success `*out` receives a handle owned by the caller (rolecall_snapshot_free()), valid
/// even after the directory is freed. Safety: `dir` is a live handle; `out` is writable.
/// Thread-safe, lock-free.
#[no_mangle]
pub unsafe extern "C" fn rolecall_directory_snapshot(
    dir: *const rolecall_directory,
    out: *mut *mut rolecall_snapshot,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let s = dir!(dir).snapshot();
        out.write(boxed(SnapHandle::new(SNAPSHOT_TAG, s)).cast());
        Ok(())
    })
}

/// Frees a snapshot. NULL is fine.
///
/// Safety: `snapshot` came from rolecall_directory_snapshot(), is freed once and no longer used
/// by any thread.
#[no_mangle]
pub unsafe extern "C" fn rolecall_snapshot_free(snapshot: *mut rolecall_snapshot) {
    if snapshot.is_null() {
        return;
    }
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: per the contract.
        if let Ok(t) = unsafe { handle::<_, Arc<Snapshot>>(snapshot, SNAPSHOT_TAG, "snapshot") } {
            t.kill();
            // SAFETY: made by `boxed` in rolecall_directory_snapshot.
            unsafe { free_boxed(snapshot.cast::<SnapHandle>()) };
        }
    });
}

/// Heap bytes a snapshot holds: user slots, call-group lists, agreements' levels.
///
/// Safety: `snapshot` is a live handle; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_snapshot_memory_bytes(
    snapshot: *const rolecall_snapshot,
    out: *mut u64,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        out.write(snap!(snapshot).memory_bytes() as u64);
        Ok(())
    })
}

/// The directory revision a snapshot reflects.
///
/// Safety: `snapshot` is a live handle; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_snapshot_revision(
    snapshot: *const rolecall_snapshot,
    out: *mut u64,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        out.write(snap!(snapshot).revision());
        Ok(())
    })
}

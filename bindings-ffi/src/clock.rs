//! The manual clock: a time that moves only when the host says, for tests and simulations,
//! and directories opened on it.

use std::ffi::c_char;
use std::sync::Arc;

use rolecall::{Directory, Error, ManualClock, MemoryStore};

use crate::conv::{boxed, free_boxed, handle, Tagged, CLOCK_TAG};
use crate::directory::{new_dir, rolecall_directory};
use crate::status::{rolecall_status, FfiResult};

/// A clock that moves only when told to (rolecall_manual_clock_set(),
/// rolecall_manual_clock_advance()), for tests and simulations. Directories opened on it
/// (rolecall_directory_open_in_memory_with_clock(), _sqlite_with_clock()) are told when it
/// moves: a time-bound grant ends the moment the time passes its end, with no sleep. Opaque.
///
/// Thread safety: fully thread-safe. A directory keeps its own reference to the clock: the
/// handle may be freed before or after the directories opened on it (they then keep its last
/// time).
pub struct rolecall_manual_clock {
    _private: [u8; 0],
}

type ClockHandle = Tagged<Arc<ManualClock>>;

/// The clock behind a handle.
///
/// # Safety
/// `p` is NULL or a handle from this library (or at least 8 readable bytes).
unsafe fn clock<'a>(p: *const rolecall_manual_clock) -> FfiResult<&'a Arc<ManualClock>> {
    // SAFETY: forwarded contract.
    unsafe { handle::<_, Arc<ManualClock>>(p, CLOCK_TAG, "clock") }.map(|t| &t.value)
}

/// Makes a manual clock reading `now_ms` (ms since the Unix epoch).
///
/// On success `*out` receives a handle owned by the caller (rolecall_manual_clock_free()).
/// Safety: `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_manual_clock_new(
    now_ms: i64,
    out: *mut *mut rolecall_manual_clock,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let c = Arc::new(ManualClock::new(now_ms));
        out.write(boxed(ClockHandle::new(CLOCK_TAG, c)).cast());
        Ok(())
    })
}

/// Sets the clock to `now_ms` (ms since the Unix epoch). The directories on it move to that
/// time at once (a time set backwards is ignored by them: their time never goes back).
///
/// Safety: `clock` is a live handle. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_manual_clock_set(
    clock: *const rolecall_manual_clock,
    now_ms: i64,
) -> rolecall_status {
    ffi!({
        // SAFETY: the export's contract.
        unsafe { self::clock(clock) }?.set(now_ms);
        Ok(())
    })
}

/// Moves the clock forward by `ms` (0 or more): grants of the directories on it that start or
/// end meanwhile start or end at once.
///
/// Errors: ROLECALL_STATUS_INVALID_ARGUMENT for a negative `ms` or a time past INT64_MAX.
/// Safety: `clock` is a live handle. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_manual_clock_advance(
    clock: *const rolecall_manual_clock,
    ms: i64,
) -> rolecall_status {
    ffi!({
        // SAFETY: the export's contract.
        let c = unsafe { self::clock(clock) }?;
        if ms < 0 {
            return Err(Error::InvalidArgument {
                what: "ms",
                reason: format!("{ms} is negative: a clock moves forward"),
            }
            .into());
        }
        if c.now().checked_add(ms).is_none() {
            return Err(Error::InvalidArgument {
                what: "ms",
                reason: format!("{ms} ms from now is past the largest time"),
            }
            .into());
        }
        c.advance(ms);
        Ok(())
    })
}

/// The time the clock reads, ms since the Unix epoch.
///
/// Safety: `clock` is a live handle; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_manual_clock_now(
    clock: *const rolecall_manual_clock,
    out: *mut i64,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        // SAFETY: the export's contract.
        out.write(unsafe { self::clock(clock) }?.now());
        Ok(())
    })
}

/// Frees a clock handle. NULL is fine. Directories opened on the clock keep working (they hold
/// their own reference; their time then stays where the clock was).
///
/// Safety: `clock` came from rolecall_manual_clock_new(), is freed once and no longer used by
/// any thread.
#[no_mangle]
pub unsafe extern "C" fn rolecall_manual_clock_free(clock: *mut rolecall_manual_clock) {
    if clock.is_null() {
        return;
    }
    crate::status::contain(|| {
        // SAFETY: per the contract.
        if let Ok(t) = unsafe { handle::<_, Arc<ManualClock>>(clock, CLOCK_TAG, "clock") } {
            t.kill();
            // SAFETY: made by `boxed` in rolecall_manual_clock_new.
            unsafe { free_boxed(clock.cast::<ClockHandle>()) };
        }
    });
}

/// Opens an empty directory kept in memory only, on `clock` instead of the system's clock.
///
/// On success `*out` receives a new handle owned by the caller (rolecall_directory_free()).
/// Safety: `clock` is a live handle; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_directory_open_in_memory_with_clock(
    clock: *const rolecall_manual_clock,
    out: *mut *mut rolecall_directory,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        // SAFETY: the export's contract.
        let c = Arc::clone(unsafe { self::clock(clock) }?);
        out.write(new_dir(Directory::open_with_clock(MemoryStore::new(), c)?));
        Ok(())
    })
}

/// Opens (creating if needed) the directory stored in the SQLite file at `path`, as
/// rolecall_directory_open_sqlite() does, on `clock` instead of the system's clock.
///
/// On success `*out` receives a new handle owned by the caller (rolecall_directory_free()).
/// Errors: those of rolecall_directory_open_sqlite(). Safety: `path` is a NUL-terminated
/// string; `clock` is a live handle; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_directory_open_sqlite_with_clock(
    path: *const c_char,
    clock: *const rolecall_manual_clock,
    out: *mut *mut rolecall_directory,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let path = text!(path);
        // SAFETY: the export's contract.
        let c = Arc::clone(unsafe { self::clock(clock) }?);
        let store = rolecall::SqliteStore::open(path)?;
        out.write(new_dir(Directory::open_with_clock(store, c)?));
        Ok(())
    })
}

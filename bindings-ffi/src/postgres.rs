//! The PostgreSQL store (several hosts share one directory), revision tokens and freshness, and
//! the log callback for the library's messages.

use std::ffi::{c_char, c_int, c_void, CString};
use std::sync::{OnceLock, PoisonError, RwLock};
use std::time::Duration;

use rolecall::{Directory, Error, Follower, PostgresOptions, PostgresStore};

use crate::conv::{boxed, cstring, handle, take_boxed, Tagged, FOLLOWER_TAG, SNAPSHOT_TAG};
use crate::directory::{new_dir, rolecall_directory, rolecall_snapshot};
use crate::status::{rolecall_status, FfiResult};

/// How to open a PostgreSQL store (rolecall_directory_open_postgres()). Start from
/// rolecall_postgres_options_default() and change what you need; durations are milliseconds.
#[repr(C)]
pub struct rolecall_postgres_options {
    /// The schema holding the store's tables (created when missing); every instance of one
    /// directory uses the same. NULL: `"rolecall"`.
    pub schema: *const c_char,
    /// How long a change waits for another host's write before failing with
    /// ROLECALL_STATUS_BUSY. Default 5000.
    pub lock_timeout_ms: u64,
    /// How long connecting may take, when the connection string does not say. Default 5000.
    pub connect_timeout_ms: u64,
    /// How many recent commits the log keeps for incremental catch-up; an instance further
    /// behind reloads everything. Default 10000.
    pub log_keep: u64,
    /// How long the log keeps a commit, whatever `log_keep` allows. Default 7 days.
    pub log_max_age_ms: u64,
    /// How often the listener reads the store's revision when no notification came (the bound
    /// on how long a missed notification delays catching up). Default 1000.
    pub poll_interval_ms: u64,
    /// Start the listener thread (a connection of its own) that feeds
    /// rolecall_directory_wait_for_change(); false: that function polls the store itself.
    /// Default true.
    pub listen: bool,
    /// Extra trusted root certificates (PEM) for TLS connections, beside the webpki roots.
    /// NULL: none.
    pub tls_ca_pem: *const c_char,
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Fills `*out` with the default options (schema NULL, i.e. `"rolecall"`; no extra TLS root).
///
/// Safety: `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_postgres_options_default(
    out: *mut rolecall_postgres_options,
) -> rolecall_status {
    ffi!({
        let d = PostgresOptions::default();
        out!(out).write(rolecall_postgres_options {
            schema: std::ptr::null(),
            lock_timeout_ms: ms(d.lock_timeout),
            connect_timeout_ms: ms(d.connect_timeout),
            log_keep: d.log_keep,
            log_max_age_ms: ms(d.log_max_age),
            poll_interval_ms: ms(d.poll_interval),
            listen: d.listen,
            tls_ca_pem: std::ptr::null(),
        });
        Ok(())
    })
}

/// The core's options from C's (strings checked). `..d`: a field the core adds later keeps
/// its default.
///
/// # Safety
/// `o`'s strings are NULL or NUL-terminated.
#[allow(clippy::needless_update)]
unsafe fn options(o: &rolecall_postgres_options) -> FfiResult<PostgresOptions> {
    let d = PostgresOptions::default();
    let schema = opt_text!(o.schema, "opts.schema");
    let tls = opt_text!(o.tls_ca_pem, "opts.tls_ca_pem");
    Ok(PostgresOptions {
        schema: schema.map_or(d.schema, str::to_owned),
        lock_timeout: Duration::from_millis(o.lock_timeout_ms),
        connect_timeout: Duration::from_millis(o.connect_timeout_ms),
        log_keep: o.log_keep,
        log_max_age: Duration::from_millis(o.log_max_age_ms),
        poll_interval: Duration::from_millis(o.poll_interval_ms),
        listen: o.listen,
        tls_ca_pem: tls.map(str::to_owned),
        ..d
    })
}

/// Opens the directory stored in a PostgreSQL database, shared by every host that opens the
/// same database and schema. `conninfo` is a libpq-style connection string
/// (`"host=... user=... dbname=..."`) or a `postgresql://` URL (`sslmode=require` for TLS);
/// `opts` NULL means the defaults. Creates or migrates the store's tables.
///
/// The directory does not apply other hosts' commits by itself: the host catches up with
/// rolecall_directory_wait_for_change() and rolecall_directory_refresh().
///
/// On success `*out` receives a new handle owned by the caller (rolecall_directory_free()).
/// Errors: ROLECALL_STATUS_INVALID_ARGUMENT (a connection string or schema name that cannot be
/// used), _UNAVAILABLE (the server cannot be reached), _STORAGE (it refuses), _SCHEMA_TOO_NEW,
/// _BUSY, ...
/// Safety: `conninfo` is a NUL-terminated string; `opts` is NULL or valid; `out` is writable.
/// Thread-safe; blocks while connecting.
#[no_mangle]
pub unsafe extern "C" fn rolecall_directory_open_postgres(
    conninfo: *const c_char,
    opts: *const rolecall_postgres_options,
    out: *mut *mut rolecall_directory,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let conninfo = text!(conninfo);
        // SAFETY: the export's contract: NULL or a valid struct.
        let opts = match unsafe { opts.as_ref() } {
            // SAFETY: the struct's strings are NULL or NUL-terminated per the contract.
            Some(o) => unsafe { options(o) }?,
            None => PostgresOptions::default(),
        };
        // Host-driven: C event loops may forbid foreign threads applying changes; the host
        // catches up with wait_for_change + refresh.
        let store = PostgresStore::open_with(conninfo, &opts)?;
        out.write(new_dir(Directory::open(store)?));
        Ok(())
    })
}

/// A revision token for the directory's current state (`"rc1.<store>.<revision>"`, opaque):
/// take it right after a write, pass it along (an HTTP header, a message), and
/// rolecall_directory_at_least() on any other instance of the same store sees that write.
///
/// On success `*out` receives a string owned by the caller (rolecall_string_free()).
/// Safety: `dir` is a live handle; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_directory_revision_token(
    dir: *const rolecall_directory,
    out: *mut *mut c_char,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let token = dir!(dir).revision_token()?;
        out.write(cstring(token).cast_mut());
        Ok(())
    })
}

/// Returns once the directory includes everything the state `token` was taken from included:
/// at once when it is fresh enough, else after catching up from the store, retried for up to
/// `timeout_ms` while the store is unreachable. `*out` (optional, may be NULL) receives a
/// snapshot at that revision or later, owned by the caller (rolecall_snapshot_free()).
///
/// Errors: ROLECALL_STATUS_STALE (the timeout passed first; retryable),
/// ROLECALL_STATUS_FOREIGN_TOKEN (a token of another store, malformed, or newer than everything
/// the store holds), _CLOSED, ... Safety: `dir` is a live handle; `token` is a NUL-terminated
/// string; `out` is NULL or writable. Thread-safe; blocks up to about `timeout_ms`.
#[no_mangle]
pub unsafe extern "C" fn rolecall_directory_at_least(
    dir: *const rolecall_directory,
    token: *const c_char,
    timeout_ms: u64,
    out: *mut *mut rolecall_snapshot,
) -> rolecall_status {
    ffi!({
        let d = dir!(dir);
        let token = text!(token);
        let snapshot = d.at_least(token, Duration::from_millis(timeout_ms))?;
        if let Some(o) = crate::conv::opt_out(out) {
            o.write(boxed(Tagged::new(SNAPSHOT_TAG, snapshot)).cast());
        }
        Ok(())
    })
}

/// Waits until the store holds commits of other instances this directory has not applied, at
/// most `timeout_ms`; `*changed` tells whether it does (rolecall_directory_refresh() then
/// applies them). For hosts that keep the directory caught up on a thread of their own.
///
/// Safety: `dir` is a live handle; `changed` is writable. Thread-safe; blocks.
#[no_mangle]
pub unsafe extern "C" fn rolecall_directory_wait_for_change(
    dir: *const rolecall_directory,
    timeout_ms: u64,
    changed: *mut bool,
) -> rolecall_status {
    ffi!({
        let changed = out!(changed);
        changed.write(dir!(dir).wait_for_change(Duration::from_millis(timeout_ms))?);
        Ok(())
    })
}

/// A file descriptor that becomes readable when another instance has committed, for an event
/// loop (poll(2), epoll, select) that waits on it: no thread of the host's and no callback is
/// involved. When it is readable, call rolecall_directory_refresh(), which applies the commits
/// and clears the readiness. On success `*fd` receives it.
///
/// - Level-triggered: it stays readable until a refresh succeeds with nothing newer heard
///   meanwhile. A refresh that fails (ROLECALL_STATUS_UNAVAILABLE: the server unreachable)
///   leaves it readable: back off before trying again.
/// - It may be readable with nothing to apply (this instance's own commit is announced too);
///   the refresh is then one cheap round trip.
/// - Fed by the library's PostgreSQL listener thread (it never runs host code): a
///   notification, or the listener's poll within `poll_interval_ms` when one was lost.
/// - The directory owns it: never read, write or close it. It stays valid until
///   rolecall_directory_free(); every call returns the same one.
/// - Only stores that announce commits have one: PostgreSQL with its listener (`listen`).
///   A SQLite file shared by processes has none (SQLite has no notifications): call
///   rolecall_directory_refresh() on a timer, or rolecall_directory_wait_for_change().
///
/// Errors: ROLECALL_STATUS_INVALID_ARGUMENT for a store that does not announce commits
/// (SQLite, memory, PostgreSQL opened with `listen` false), _STORAGE when the system refuses a
/// descriptor, _CLOSED. Safety: `dir` is a live handle; `fd` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_directory_change_fd(
    dir: *const rolecall_directory,
    fd: *mut c_int,
) -> rolecall_status {
    ffi!({
        let fd = out!(fd);
        let d = dir!(dir);
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            fd.write(d.change_fd()?.as_raw_fd());
            Ok(())
        }
        #[cfg(not(unix))]
        {
            let _ = (fd, d);
            Err(Error::InvalidArgument {
                what: "change_fd",
                reason: "file descriptors are a Unix thing".into(),
            }
            .into())
        }
    })
}

/// A thread that keeps a directory caught up with its store (rolecall_directory_follow()).
/// Opaque; end it with rolecall_follower_stop().
pub struct rolecall_follower {
    _private: [u8; 0],
}

/// Starts a thread, owned by the library, that keeps `dir` caught up with its store: it waits
/// for other instances' commits and applies them, so that checks see them without the host
/// calling rolecall_directory_refresh(). On PostgreSQL a commit is applied within milliseconds
/// of its notification, within `poll_interval_ms` when the notification was lost; while the
/// store is unreachable it keeps trying (checks answer from the last snapshot meanwhile). It
/// runs no host code (but for the log callback, which may be called on it).
///
/// On success `*out` receives the follower, owned by the caller: end it with
/// rolecall_follower_stop(), exactly once, before or after rolecall_directory_free() (the thread
/// holds the directory only weakly and ends by itself once the directory is freed, but the
/// follower handle still has to be stopped to be freed).
///
/// Forking hosts: a thread does not survive fork(), nor does the PostgreSQL listener's thread or
/// connection: open the directory in the child, after the fork, and start following there.
///
/// Errors: ROLECALL_STATUS_CLOSED, _STORAGE when the thread cannot be started. Safety: `dir` is a live
/// handle; `out` is writable. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_directory_follow(
    dir: *const rolecall_directory,
    out: *mut *mut rolecall_follower,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let follower = dir!(dir).follow()?;
        out.write(boxed(Tagged::new(FOLLOWER_TAG, follower)).cast());
        Ok(())
    })
}

/// Ends the thread rolecall_directory_follow() started, waits for it (about 100 ms at most,
/// plus a catch-up under way) and frees the follower. NULL is fine. Called from the log
/// callback on the follower's own thread, it only asks the thread to end.
///
/// Safety: `follower` came from rolecall_directory_follow() and is stopped once.
#[no_mangle]
pub unsafe extern "C" fn rolecall_follower_stop(follower: *mut rolecall_follower) {
    if follower.is_null() {
        return;
    }
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: per the contract.
        if let Ok(t) = unsafe { handle::<_, Follower>(follower, FOLLOWER_TAG, "follower") } {
            t.kill();
            // SAFETY: made by `boxed` in rolecall_directory_follow, taken back once.
            let t = unsafe { take_boxed(follower.cast::<Tagged<Follower>>()) };
            t.value.stop();
        }
    });
}

/// When the directory last confirmed it was up to date with its store, in ms since the Unix
/// epoch (system clock): at open, at each change and each successful refresh.
///
/// Safety: `dir` is a live handle; `out` is writable. Thread-safe, lock-free.
#[no_mangle]
pub unsafe extern "C" fn rolecall_directory_caught_up_at(
    dir: *const rolecall_directory,
    out: *mut i64,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let d = dir!(dir);
        if d.is_closed() {
            return Err(Error::Closed.into());
        }
        out.write(d.caught_up_at());
        Ok(())
    })
}

/// How many times the directory caught up by reloading everything (the store's commit log no
/// longer held all it had missed) instead of applying the missed commits one by one.
///
/// Safety: `dir` is a live handle; `out` is writable. Thread-safe, lock-free.
#[no_mangle]
pub unsafe extern "C" fn rolecall_directory_full_reloads(
    dir: *const rolecall_directory,
    out: *mut u64,
) -> rolecall_status {
    ffi!({
        let out = out!(out);
        let d = dir!(dir);
        if d.is_closed() {
            return Err(Error::Closed.into());
        }
        out.write(d.full_reloads());
        Ok(())
    })
}

// ---------------------------------------------------------------- log messages

/// Severity of a log message: the same numbers as Rust's `log` levels.
pub type rolecall_log_level = u32;
/// Something failed and was not retried.
pub const ROLECALL_LOG_ERROR: rolecall_log_level = 1;
/// Something failed and is being retried (a lost PostgreSQL connection).
pub const ROLECALL_LOG_WARN: rolecall_log_level = 2;
/// A notable event (a connection restored).
pub const ROLECALL_LOG_INFO: rolecall_log_level = 3;

/// A function the library calls with each of its log messages: `user_data` is the pointer given
/// to rolecall_set_log_callback(); `message` (UTF-8, NUL-terminated) is valid only during the
/// call. It may run on any thread, the library's own included (the PostgreSQL listener): keep
/// it short and thread-safe, never call back into the library, never throw or longjmp.
pub type rolecall_log_callback = Option<
    unsafe extern "C" fn(user_data: *mut c_void, level: rolecall_log_level, message: *const c_char),
>;

struct Sink {
    callback: unsafe extern "C" fn(*mut c_void, rolecall_log_level, *const c_char),
    user_data: *mut c_void,
}
// SAFETY: the caller of rolecall_set_log_callback promises the callback and its user data may
// be used from any thread.
unsafe impl Send for Sink {}
// SAFETY: as above.
unsafe impl Sync for Sink {}

static SINK: RwLock<Option<Sink>> = RwLock::new(None);

/// Forwards the core's messages (the `log` facade, target `rolecall`) to the C callback.
struct CLogger;

impl log::Log for CLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.target().starts_with("rolecall") && metadata.level() <= log::Level::Info
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let _ = std::panic::catch_unwind(|| {
            let sink = SINK.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(sink) = sink.as_ref() {
                let text = record.args().to_string().replace('\0', "\u{fffd}");
                let message = CString::new(text).unwrap_or_default();
                // SAFETY: the caller's callback contract; `message` lives for the call.
                unsafe { (sink.callback)(sink.user_data, record.level() as u32, message.as_ptr()) };
            }
        });
    }

    fn flush(&self) {}
}

static LOGGER: CLogger = CLogger;

/// Sends the library's log messages (warnings and notable events: a PostgreSQL connection lost
/// and restored, ...) to `callback(user_data, level, message)`; the library never writes to
/// stderr. A NULL callback stops the calls. Replaces any previous callback; process-wide.
///
/// Safety: `callback` and `user_data` must stay valid, and be callable from any thread, until
/// replaced. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn rolecall_set_log_callback(
    callback: rolecall_log_callback,
    user_data: *mut c_void,
) -> rolecall_status {
    ffi!({
        // Installed once. When this process already has a logger (a Rust host linking the
        // static library with its own), that logger keeps the messages and its level.
        static INSTALLED: OnceLock<bool> = OnceLock::new();
        let ours = *INSTALLED.get_or_init(|| log::set_logger(&LOGGER).is_ok());
        let mut sink = SINK.write().unwrap_or_else(PoisonError::into_inner);
        *sink = callback.map(|callback| Sink {
            callback,
            user_data,
        });
        if ours {
            log::set_max_level(if sink.is_some() {
                log::LevelFilter::Info
            } else {
                log::LevelFilter::Off
            });
        }
        Ok(())
    })
}

//! Status codes, the last error of the calling thread, and the panic boundary every export
//! runs in.

use std::any::Any;
use std::cell::RefCell;
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use rolecall::Error;

/// The result of every fallible function: `ROLECALL_STATUS_OK` (0), a core error code
/// (`ROLECALL_STATUS_<KIND>`, 100 to 999, generated from the core), or an FFI code (1000 to
/// 1099). Codes are stable and never reused; new ones may appear, so treat unknown codes as
/// errors.
pub type rolecall_status = u32;

/// Success.
pub const ROLECALL_STATUS_OK: rolecall_status = 0;
/// FFI: a required pointer argument was NULL (the message names it).
pub const ROLECALL_STATUS_NULL_POINTER: rolecall_status = 1000;
/// FFI: a string argument was not valid UTF-8 (the message names it).
pub const ROLECALL_STATUS_INVALID_UTF8: rolecall_status = 1001;
/// FFI: a caller-provided buffer is too small; the function reports the size it needs.
pub const ROLECALL_STATUS_BUFFER_TOO_SMALL: rolecall_status = 1002;
/// FFI: array lengths that disagree, or a length too large for any array in memory.
pub const ROLECALL_STATUS_INVALID_LENGTH: rolecall_status = 1003;
/// FFI: a handle argument is not a live handle of the expected type (for example a snapshot
/// passed as a directory). Detected on a best-effort basis: a freed handle is undefined
/// behaviour.
pub const ROLECALL_STATUS_INVALID_HANDLE: rolecall_status = 1004;
/// FFI: the library panicked (a bug); the panic was caught at the boundary and the operation
/// did not complete.
pub const ROLECALL_STATUS_PANIC: rolecall_status = 1099;

/// The FFI-only codes and their kinds.
const FFI_STATUSES: [(rolecall_status, &CStr); 7] = [
    (ROLECALL_STATUS_OK, c"ok"),
    (ROLECALL_STATUS_NULL_POINTER, c"null_pointer"),
    (ROLECALL_STATUS_INVALID_UTF8, c"invalid_utf8"),
    (ROLECALL_STATUS_BUFFER_TOO_SMALL, c"buffer_too_small"),
    (ROLECALL_STATUS_INVALID_LENGTH, c"invalid_length"),
    (ROLECALL_STATUS_INVALID_HANDLE, c"invalid_handle"),
    (ROLECALL_STATUS_PANIC, c"panic"),
];

/// Why an export failed: an error of the core, or a problem with the call itself.
#[derive(Debug)]
pub(crate) enum FfiError {
    Core(Error),
    Null(&'static str),
    Utf8(&'static str),
    BufferTooSmall { what: &'static str, needed: usize },
    Length(String),
    Handle(&'static str),
    Panic(String),
}

impl From<Error> for FfiError {
    fn from(e: Error) -> Self {
        FfiError::Core(e)
    }
}

impl FfiError {
    fn code(&self) -> rolecall_status {
        match self {
            FfiError::Core(e) => e.code(),
            FfiError::Null(_) => ROLECALL_STATUS_NULL_POINTER,
            FfiError::Utf8(_) => ROLECALL_STATUS_INVALID_UTF8,
            FfiError::BufferTooSmall { .. } => ROLECALL_STATUS_BUFFER_TOO_SMALL,
            FfiError::Length(_) => ROLECALL_STATUS_INVALID_LENGTH,
            FfiError::Handle(_) => ROLECALL_STATUS_INVALID_HANDLE,
            FfiError::Panic(_) => ROLECALL_STATUS_PANIC,
        }
    }

    fn message(&self) -> String {
        match self {
            FfiError::Core(e) => e.to_string(),
            FfiError::Null(what) => format!("null pointer: {what} must not be NULL"),
            FfiError::Utf8(what) => format!("invalid UTF-8 in {what}"),
            FfiError::BufferTooSmall { what, needed } => {
                format!("buffer too small: {what} needs {needed} bytes")
            }
            FfiError::Length(msg) => format!("invalid length: {msg}"),
            FfiError::Handle(what) => format!("invalid handle: {what} is not a live {what} handle"),
            FfiError::Panic(msg) => format!("internal error (panic): {msg}"),
        }
    }

    fn kind(&self) -> &'static CStr {
        status_kind(self.code()).unwrap_or(c"unknown")
    }

    /// Records this error as the calling thread's last error and returns its code.
    pub(crate) fn record(self) -> rolecall_status {
        let code = self.code();
        let message = CString::new(self.message().replace('\0', "\u{fffd}")).unwrap_or_default();
        let kind = self.kind();
        LAST_ERROR.with(|l| {
            *l.borrow_mut() = Some(LastError {
                code,
                message,
                kind,
            })
        });
        code
    }
}

pub(crate) type FfiResult<T> = Result<T, FfiError>;

struct LastError {
    code: rolecall_status,
    message: CString,
    kind: &'static CStr,
}

thread_local! {
    static LAST_ERROR: RefCell<Option<LastError>> = const { RefCell::new(None) };
}

fn panic_message(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(p) => match p.downcast::<&'static str>() {
            Ok(s) => (*s).to_owned(),
            Err(_) => "unknown panic payload".to_owned(),
        },
    }
}

/// Runs the body of an export: catches panics and turns errors into a status code, recording
/// the last error of the thread.
pub(crate) fn boundary(f: impl FnOnce() -> FfiResult<()>) -> rolecall_status {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => ROLECALL_STATUS_OK,
        Ok(Err(e)) => e.record(),
        Err(payload) => FfiError::Panic(panic_message(payload)).record(),
    }
}

/// Runs the body of an infallible export returning a value: a panic or an error gives
/// `fallback` (and records the last error).
///
/// `#[inline]`: the checks (rolecall_check, rolecall_snapshot_check, ...) are this plus a few
/// nanoseconds of work; without it the instantiation may stay an out-of-line call, its
/// arguments spilled through the stack: 0.5 to 1.5 ns more per rolecall_check, measured with
/// benches/c/bench_check.c.
#[inline]
pub(crate) fn boundary_or<T>(fallback: T, f: impl FnOnce() -> FfiResult<T>) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            e.record();
            fallback
        }
        Err(payload) => {
            FfiError::Panic(panic_message(payload)).record();
            fallback
        }
    }
}

/// Runs the body of an export that returns nothing and cannot fail (a `_free`), containing any
/// panic.
pub(crate) fn contain(f: impl FnOnce()) {
    let _ = catch_unwind(AssertUnwindSafe(f));
}

/// The body of a status-returning export: `ffi!({ ...; Ok(()) })`.
macro_rules! ffi {
    ($body:block) => {
        $crate::status::boundary(move || -> $crate::status::FfiResult<()> { $body })
    };
}

/// The kind of a status code, if known.
fn status_kind(code: rolecall_status) -> Option<&'static CStr> {
    FFI_STATUSES
        .iter()
        .chain(crate::generated::CORE_STATUSES.iter())
        .find(|(c, _)| *c == code)
        .map(|(_, k)| *k)
}

/// The stable snake_case kind of a status code (`"ok"`, `"permission_denied"`,
/// `"null_pointer"`, ...), the same names as the core's `Error::kind()` and the conformance
/// vectors use; `"unknown"` for a code this library does not know.
///
/// Returns a static string (never free it). Thread-safe; never fails.
#[no_mangle]
pub extern "C" fn rolecall_status_kind(code: rolecall_status) -> *const c_char {
    let unknown = c"unknown".as_ptr();
    boundary_or(unknown, || {
        Ok(status_kind(code).map_or(unknown, CStr::as_ptr))
    })
}

/// The code of the last failed call on the calling thread, or `ROLECALL_STATUS_OK` when none
/// failed (or after rolecall_last_error_clear()).
///
/// Thread-safe: each thread has its own last error. Never fails.
#[no_mangle]
pub extern "C" fn rolecall_last_error_code() -> rolecall_status {
    catch_unwind(|| {
        LAST_ERROR
            .try_with(|l| l.borrow().as_ref().map_or(ROLECALL_STATUS_OK, |e| e.code))
            .unwrap_or(ROLECALL_STATUS_OK)
    })
    .unwrap_or(ROLECALL_STATUS_PANIC)
}

/// The message of the last failed call on the calling thread (lowercase, no trailing period),
/// or an empty string when none failed. Never contains a password or a token.
///
/// The string is owned by the library and stays valid until the next failing call on this
/// thread or rolecall_last_error_clear(); do not free it. Thread-safe (per thread); never fails.
#[no_mangle]
pub extern "C" fn rolecall_last_error_message() -> *const c_char {
    catch_unwind(|| {
        LAST_ERROR
            .try_with(|l| {
                l.borrow()
                    .as_ref()
                    .map_or(c"".as_ptr(), |e| e.message.as_ptr())
            })
            .unwrap_or(c"".as_ptr())
    })
    .unwrap_or(c"".as_ptr())
}

/// The kind of the last failed call on the calling thread (`"permission_denied"`, ...; see
/// rolecall_status_kind()), or `"ok"` when none failed.
///
/// Returns a static string (never free it). Thread-safe (per thread); never fails.
#[no_mangle]
pub extern "C" fn rolecall_last_error_kind() -> *const c_char {
    LAST_ERROR
        .try_with(|l| {
            l.borrow()
                .as_ref()
                .map_or(c"ok".as_ptr(), |e| e.kind.as_ptr())
        })
        .unwrap_or(c"ok".as_ptr())
}

/// Forgets the last error of the calling thread (frees its message).
///
/// Thread-safe (per thread); never fails.
#[no_mangle]
pub extern "C" fn rolecall_last_error_clear() {
    contain(|| {
        let _ = LAST_ERROR.try_with(|l| l.borrow_mut().take());
    });
}

/// Copies the message of the last failed call on this thread into `buf` (NUL-terminated).
///
/// `*needed` (optional, may be NULL) receives the size the message needs including its NUL,
/// whatever the outcome. Returns ROLECALL_STATUS_BUFFER_TOO_SMALL, writing nothing to `buf`,
/// when `buf_len` is smaller than that; ROLECALL_STATUS_NULL_POINTER when `buf` is NULL and
/// `buf_len` is not 0. Unlike every other function, a failure here does NOT replace the last
/// error, so the message can be retried with a larger buffer.
///
/// Safety: `buf` must point to `buf_len` writable bytes. Thread-safe (per thread).
#[no_mangle]
pub unsafe extern "C" fn rolecall_last_error_message_copy(
    buf: *mut c_char,
    buf_len: usize,
    needed: *mut usize,
) -> rolecall_status {
    let result = catch_unwind(AssertUnwindSafe(|| {
        let msg = LAST_ERROR
            .try_with(|l| {
                l.borrow()
                    .as_ref()
                    .map(|e| e.message.as_bytes_with_nul().to_vec())
            })
            .ok()
            .flatten()
            .unwrap_or_else(|| vec![0]);
        if !needed.is_null() {
            // SAFETY: the caller passes a writable `size_t` or NULL.
            unsafe { needed.write(msg.len()) };
        }
        if buf.is_null() && buf_len != 0 {
            return ROLECALL_STATUS_NULL_POINTER;
        }
        if buf_len < msg.len() {
            return ROLECALL_STATUS_BUFFER_TOO_SMALL;
        }
        // SAFETY: `buf` holds at least `msg.len()` writable bytes (checked above).
        unsafe { std::ptr::copy_nonoverlapping(msg.as_ptr().cast(), buf, msg.len()) };
        ROLECALL_STATUS_OK
    }));
    result.unwrap_or(ROLECALL_STATUS_PANIC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_statuses_match_the_core() {
        assert_eq!(crate::generated::CORE_STATUSES.len(), Error::CODES.len());
        for &(code, kind, _) in Error::CODES {
            let found = status_kind(code).map(|k| k.to_str().unwrap());
            assert_eq!(found, Some(kind), "code {code}");
        }
        for (code, _) in &crate::generated::CORE_STATUSES {
            assert!((100..1000).contains(code));
            assert!(FFI_STATUSES.iter().all(|(c, _)| c != code));
        }
        assert_eq!(FfiError::from(Error::Busy).kind().to_str().unwrap(), "busy");
    }

    #[test]
    fn panics_become_a_status_and_a_message() {
        let code = boundary(|| panic!("boom"));
        assert_eq!(code, ROLECALL_STATUS_PANIC);
        assert_eq!(rolecall_last_error_code(), ROLECALL_STATUS_PANIC);
        let msg = unsafe { CStr::from_ptr(rolecall_last_error_message()) };
        assert!(msg.to_str().unwrap().contains("boom"));
        rolecall_last_error_clear();
        assert_eq!(rolecall_last_error_code(), ROLECALL_STATUS_OK);
    }
}

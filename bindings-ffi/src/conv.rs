//! Checked access to what C passes in (pointers, strings, arrays, handles) and helpers to hand
//! owned memory back to C. Every raw-pointer access of the crate goes through here.

use std::ffi::{c_char, CStr, CString};
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::status::{FfiError, FfiResult};

// ---------------------------------------------------------------- handles

/// The first word of every handle: identifies its type, and is cleared when the handle is
/// freed, so that a handle of another type (or, with luck, a freed one) is refused.
#[repr(C)]
pub(crate) struct Tagged<T> {
    tag: AtomicU64,
    pub(crate) value: T,
}

/// "rcDIRECT"
pub(crate) const DIRECTORY_TAG: u64 = 0x7263_4449_5245_4354;
/// "rcSNAPSH"
pub(crate) const SNAPSHOT_TAG: u64 = 0x7263_534e_4150_5348;
/// "rcFOLLOW"
pub(crate) const FOLLOWER_TAG: u64 = 0x7263_464f_4c4c_4f57;
/// "rcMCLOCK"
pub(crate) const CLOCK_TAG: u64 = 0x7263_4d43_4c4f_434b;

impl<T> Tagged<T> {
    pub(crate) fn new(tag: u64, value: T) -> Self {
        Tagged {
            tag: AtomicU64::new(tag),
            value,
        }
    }

    /// Marks the handle dead just before it is released.
    pub(crate) fn kill(&self) {
        self.tag.store(0, Ordering::Relaxed);
    }
}

/// Borrows the value behind a handle after checking it is non-NULL and carries `tag`.
///
/// # Safety
/// `p` is NULL or points to at least 8 readable bytes; when it carries `tag`, it is a live
/// `Tagged<T>` created by this crate.
#[inline(always)]
pub(crate) unsafe fn handle<'a, H, T>(
    p: *const H,
    tag: u64,
    what: &'static str,
) -> FfiResult<&'a Tagged<T>> {
    let Some(p) = NonNull::new(p as *mut Tagged<T>) else {
        return Err(FfiError::Null(what));
    };
    // SAFETY: the caller guarantees 8 readable bytes; `tag` is the first field of `Tagged`.
    let t = unsafe { p.as_ref() };
    if t.tag.load(Ordering::Relaxed) != tag {
        return Err(FfiError::Handle(what));
    }
    Ok(t)
}

// ---------------------------------------------------------------- inputs

/// A required, NUL-terminated UTF-8 string argument.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string valid for the call.
pub(crate) unsafe fn text<'a>(p: *const c_char, what: &'static str) -> FfiResult<&'a str> {
    if p.is_null() {
        return Err(FfiError::Null(what));
    }
    // SAFETY: non-NULL and NUL-terminated per the contract.
    unsafe { CStr::from_ptr(p) }
        .to_str()
        .map_err(|_| FfiError::Utf8(what))
}

/// An optional string argument: NULL gives `None`.
///
/// # Safety
/// As [`text`].
pub(crate) unsafe fn opt_text<'a>(
    p: *const c_char,
    what: &'static str,
) -> FfiResult<Option<&'a str>> {
    if p.is_null() {
        Ok(None)
    } else {
        // SAFETY: forwarded contract.
        unsafe { text(p, what) }.map(Some)
    }
}

fn check_len<T>(len: usize, what: &'static str) -> FfiResult<()> {
    let size = std::mem::size_of::<T>().max(1);
    if len > isize::MAX as usize / size {
        return Err(FfiError::Length(format!(
            "{what} length {len} is larger than any array in memory"
        )));
    }
    Ok(())
}

/// An input array: `len` elements at `p`; `p` may be NULL only when `len` is 0.
///
/// # Safety
/// `p` points to `len` readable, initialised elements (or `len` is 0).
pub(crate) unsafe fn slice<'a, T>(
    p: *const T,
    len: usize,
    what: &'static str,
) -> FfiResult<&'a [T]> {
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(FfiError::Null(what));
    }
    check_len::<T>(len, what)?;
    if !p.is_aligned() {
        return Err(FfiError::Length(format!("{what} is not aligned")));
    }
    // SAFETY: non-NULL, aligned, `len` elements per the contract, size checked.
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// A checked output array: written element by element through raw pointers, so that whatever
/// the caller's memory holds before is never read.
pub(crate) struct OutArray<T> {
    p: *mut T,
    len: usize,
}

impl<T> OutArray<T> {
    /// Writes element `i` (ignored when out of range).
    #[inline(always)]
    pub(crate) fn write(&self, i: usize, v: T) {
        if i < self.len {
            // SAFETY: `p` holds `len` writable elements (checked by `out_array` and the export's
            // contract), and `i < len`.
            unsafe { self.p.add(i).write(v) }
        }
    }
}

/// Checks an output array of `len` elements: `p` may be NULL only when `len` is 0.
pub(crate) fn out_array<T>(p: *mut T, len: usize, what: &'static str) -> FfiResult<OutArray<T>> {
    if len == 0 {
        return Ok(OutArray {
            p: ptr::null_mut(),
            len: 0,
        });
    }
    if p.is_null() {
        return Err(FfiError::Null(what));
    }
    check_len::<T>(len, what)?;
    if !p.is_aligned() {
        return Err(FfiError::Length(format!("{what} is not aligned")));
    }
    Ok(OutArray { p, len })
}

/// A required input struct.
///
/// # Safety
/// `p` is NULL or points to a valid `T`.
pub(crate) unsafe fn input<'a, T>(p: *const T, what: &'static str) -> FfiResult<&'a T> {
    // SAFETY: forwarded contract.
    unsafe { p.as_ref() }.ok_or(FfiError::Null(what))
}

/// A required out-parameter, checked before the operation runs and written only on success.
pub(crate) struct Out<T>(NonNull<T>);

impl<T> Out<T> {
    /// Writes the result (without reading or dropping what was there).
    pub(crate) fn write(self, v: T) {
        // SAFETY: the pointer was checked non-NULL by `out`, and the caller's contract makes it
        // writable for a `T`.
        unsafe { self.0.as_ptr().write(v) }
    }
}

/// Checks an out-parameter.
pub(crate) fn out<T>(p: *mut T, what: &'static str) -> FfiResult<Out<T>> {
    NonNull::new(p).map(Out).ok_or(FfiError::Null(what))
}

/// An optional out-parameter (NULL: the caller does not want it).
pub(crate) fn opt_out<T>(p: *mut T) -> Option<Out<T>> {
    NonNull::new(p).map(Out)
}

/// `text` with the parameter's name taken from the variable.
macro_rules! text {
    ($p:ident) => {{
        let p = $p;
        // SAFETY: the export's contract: a NUL-terminated string or NULL.
        unsafe { $crate::conv::text(p, stringify!($p)) }?
    }};
}

/// `opt_text` with the parameter's name taken from the variable.
macro_rules! opt_text {
    ($p:expr, $what:expr) => {{
        let p = $p;
        // SAFETY: the export's contract: a NUL-terminated string or NULL.
        unsafe { $crate::conv::opt_text(p, $what) }?
    }};
}

/// `slice` with the parameter's name taken from the variable.
macro_rules! slice {
    ($p:ident, $len:expr) => {{
        let (p, len) = ($p, $len);
        // SAFETY: the export's contract: `len` readable elements at `p`.
        unsafe { $crate::conv::slice(p, len, stringify!($p)) }?
    }};
    ($p:expr, $len:expr, $what:expr) => {{
        let (p, len) = ($p, $len);
        // SAFETY: the export's contract: `len` readable elements at `p`.
        unsafe { $crate::conv::slice(p, len, $what) }?
    }};
}

/// `input` with the parameter's name taken from the variable.
macro_rules! input {
    ($p:ident) => {{
        let p = $p;
        // SAFETY: the export's contract: a valid struct or NULL.
        unsafe { $crate::conv::input(p, stringify!($p)) }?
    }};
}

/// `out` with the parameter's name taken from the variable.
macro_rules! out {
    ($p:ident) => {
        $crate::conv::out($p, stringify!($p))?
    };
}

// ---------------------------------------------------------------- outputs

/// An owned C string for C (NUL bytes, which no stored text contains, become U+FFFD).
pub(crate) fn cstring(s: impl Into<String>) -> *const c_char {
    let s: String = s.into();
    let c = CString::new(s).unwrap_or_else(|e| {
        let fixed = String::from_utf8_lossy(&e.into_vec()).replace('\0', "\u{fffd}");
        CString::new(fixed).unwrap_or_default()
    });
    c.into_raw()
}

/// An optional owned C string (NULL for `None`).
pub(crate) fn opt_cstring(s: Option<impl Into<String>>) -> *const c_char {
    s.map_or(ptr::null(), cstring)
}

/// Frees a string made by [`cstring`] (NULL is fine).
///
/// # Safety
/// `p` is NULL or came from [`cstring`] and was not freed.
pub(crate) unsafe fn free_cstring(p: *const c_char) {
    if !p.is_null() {
        // SAFETY: made by `CString::into_raw` in `cstring`.
        drop(unsafe { CString::from_raw(p as *mut c_char) });
    }
}

/// An owned array for C: its pointer (NULL when empty) and length.
pub(crate) fn array<T>(v: Vec<T>) -> (*mut T, usize) {
    if v.is_empty() {
        return (ptr::null_mut(), 0);
    }
    let len = v.len();
    (Box::into_raw(v.into_boxed_slice()).cast(), len)
}

/// Frees (and drops the elements of) an array made by [`array`].
///
/// # Safety
/// `(p, len)` came from [`array`] and was not freed.
pub(crate) unsafe fn free_array<T>(p: *mut T, len: usize) {
    if !p.is_null() {
        // SAFETY: made by `Box::into_raw` of a boxed slice of `len` elements in `array`.
        drop(unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(p, len)) });
    }
}

/// A record for C.
pub(crate) fn boxed<T>(v: T) -> *mut T {
    Box::into_raw(Box::new(v))
}

/// Frees a record made by [`boxed`] (NULL is fine).
///
/// # Safety
/// `p` is NULL or came from [`boxed`] and was not freed.
pub(crate) unsafe fn free_boxed<T>(p: *mut T) {
    if !p.is_null() {
        // SAFETY: made by `Box::into_raw` in `boxed`.
        drop(unsafe { Box::from_raw(p) });
    }
}

/// Takes back the value of a record made by [`boxed`], freeing the record.
///
/// # Safety
/// `p` came from [`boxed`] and was not freed.
pub(crate) unsafe fn take_boxed<T>(p: *mut T) -> T {
    // SAFETY: made by `Box::into_raw` in `boxed`.
    *unsafe { Box::from_raw(p) }
}

/// The directory behind a `*const rolecall_directory` argument, or an early error return.
macro_rules! dir {
    ($p:ident) => {{
        let p = $p;
        // SAFETY: the export's contract: a live directory handle or NULL.
        unsafe { $crate::directory::dir(p) }?
    }};
}

/// The snapshot behind a `*const rolecall_snapshot` argument, or an early error return.
macro_rules! snap {
    ($p:ident) => {{
        let p = $p;
        // SAFETY: the export's contract: a live snapshot handle or NULL.
        unsafe { $crate::directory::snap(p) }?
    }};
}

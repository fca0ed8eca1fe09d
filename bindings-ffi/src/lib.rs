//! The C ABI of rolecall (`librolecall`). Every function is prefixed `rolecall_`; the header
//! lives in `include/rolecall.h`. This crate converts and delegates: no rule lives here.

use std::ffi::c_char;

/// The version of the library, as a static NUL-terminated string (never free it).
#[no_mangle]
pub extern "C" fn rolecall_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

//! A second Rust static library, standing for one a product already links (its own Rust
//! component): it allocates and unwinds, so it carries the standard library, the allocator shim
//! and the panic machinery that librolecall.a carries too. Built with plain `rustc` by check.sh.

use std::panic;

/// The sum of `0..n`, computed on the heap; `n == 7` panics inside and answers 0.
#[no_mangle]
pub extern "C" fn other_answer(n: u32) -> u32 {
    let v: Vec<u32> = (0..n).collect();
    panic::catch_unwind(|| {
        if n == 7 {
            panic::resume_unwind(Box::new("seven"));
        }
        v.iter().sum()
    })
    .unwrap_or(0)
}

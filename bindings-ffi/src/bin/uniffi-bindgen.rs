//! uniffi's binding generator, pinned to the uniffi version of this crate:
//! `cargo run -p rolecall-ffi --features uniffi-cli --bin uniffi-bindgen -- generate \
//!  --library target/debug/librolecall.so --language python --out-dir out`.

fn main() {
    uniffi::uniffi_bindgen_main()
}

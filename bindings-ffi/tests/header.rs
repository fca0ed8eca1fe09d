//! The committed header `include/rolecall.h` must be exactly what build.rs generates (cbindgen,
//! pinned, plus the constant tables read from the core). Fails when it is stale; regenerate with
//! `ROLECALL_BLESS=1 cargo test -p rolecall-ffi --test header`.

use std::path::Path;

#[test]
fn committed_header_is_current() {
    let generated = include_str!(concat!(env!("OUT_DIR"), "/rolecall.h"));
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/rolecall.h");
    if std::env::var_os("ROLECALL_BLESS").is_some() {
        std::fs::write(&path, generated).expect("write include/rolecall.h");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map_or(
                committed.lines().count().min(generated.lines().count()),
                |i| i,
            )
            + 1;
        panic!(
            "{} is stale (first difference at line {line}); regenerate it with \
             `ROLECALL_BLESS=1 cargo test -p rolecall-ffi --test header` and commit it",
            path.display()
        );
    }
}

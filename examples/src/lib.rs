//! Runnable examples live in this crate: `cargo run -p rolecall-examples --example quickstart`.

//! Quickstart: a call-center tenant with the three product families' rules, end to end.
fn main() {}

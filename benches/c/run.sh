#!/usr/bin/env bash
# C benchmark of rolecall: builds librolecall in release (cargo build --release -p rolecall-ffi),
# compiles benches/c/bench_check.c against the static library with gcc -O2, and runs it.
#
#   benches/c/run.sh               # 1,000 and 100,000 users (ROLECALL_BENCH_FULL=1 adds 1M)
#   benches/c/run.sh --quick       # or ROLECALL_BENCH_QUICK=1: 200 users, in seconds (asserts that
#                                  # every user is queried: CI runs it)
#   benches/c/run.sh 10000         # any sizes
#
# CC (default gcc) and CARGO_TARGET_DIR (default as scripts/test-all.sh) are honoured.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rolecall/target}"
cc="${CC:-gcc}"
cargo build --release --locked -p rolecall-ffi
lib="$CARGO_TARGET_DIR/release"
out="$CARGO_TARGET_DIR/bench-c"
mkdir -p "$out"
# Static: a direct call into the library, as a Rust caller makes (the shared library adds a
# PLT jump per call). The system libraries are those of bindings-ffi/rolecall-static.pc.in.
"$cc" -std=c11 -O2 -Wall -Wextra -Werror -pthread -Ibindings-ffi/include \
    -DROLECALL_BENCH_LINK="\"static librolecall.a, $("$cc" --version | head -1), -O2\"" \
    benches/c/bench_check.c "$lib/librolecall.a" -lpthread -ldl -lm -lrt -lutil -lgcc_s \
    -o "$out/bench_check"
exec "$out/bench_check" "$@"

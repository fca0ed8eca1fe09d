#!/usr/bin/env bash
# Runs every test of rolecall: Rust (unit, integration, properties, conformance vectors, doc
# tests), Python (builds the wheel into a local venv, runs pytest) and C (builds and runs the C
# programs against the library). Installs what it needs; safe to run on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rolecall/target}"
export PROPTEST_CASES="${PROPTEST_CASES:-1000}"

echo "== rust: format, lints, tests"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked

echo "== python: venv, wheel, pytest"
venv="$root/.venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
export PATH="$venv/bin:$PATH"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "maturin>=1.7,<2" pytest
"$venv/bin/python" -m pip install --quiet --no-build-isolation --force-reinstall ./bindings-python
"$venv/bin/python" -m pytest -q bindings-python/tests

echo "== c: build and run against librolecall"
cargo build -p rolecall-ffi --locked
lib="$CARGO_TARGET_DIR/debug"
out="$CARGO_TARGET_DIR/c-tests"
mkdir -p "$out"
for src in tests/c/*.c; do
    exe="$out/$(basename "$src" .c)"
    gcc -std=c11 -Wall -Wextra -Werror -Ibindings-ffi/include "$src" -L"$lib" -lrolecall -o "$exe"
    LD_LIBRARY_PATH="$lib" "$exe"
done
echo "== all tests passed"

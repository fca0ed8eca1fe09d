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

echo "== python: venv, wheel, pytest, stubtest, example"
# pip builds the wheel through maturin (PEP 517) exactly as users install it. The profile is
# `dev` here because an optimised build takes minutes longer and the tests do not need it;
# ROLECALL_PY_PROFILE=release tests the optimised wheel (what `pip install` gives users).
venv="$root/.venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
export PATH="$venv/bin:$PATH"
py="$venv/bin/python"
export MYPY_CACHE_DIR="$CARGO_TARGET_DIR/mypy-cache"
"$py" -m pip install --quiet --upgrade pip
"$py" -m pip install --quiet "maturin>=1.7,<2" pytest hypothesis mypy numpy
MATURIN_PEP517_ARGS="--profile ${ROLECALL_PY_PROFILE:-dev}" \
    "$py" -m pip install --quiet --no-build-isolation --force-reinstall ./bindings-python
"$py" -m pytest -q bindings-python/tests
"$py" -m mypy.stubtest rolecall
"$py" -m mypy --strict examples/python/quickstart.py
"$py" examples/python/quickstart.py "$(mktemp -d)/quickstart.db"

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

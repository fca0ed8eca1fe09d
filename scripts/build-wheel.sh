#!/usr/bin/env bash
# Builds the Python package into dist/ (or the directory given): the abi3 wheel for CPython
# 3.10+, tagged manylinux as auditwheel accepts (maturin checks the library's glibc symbols and
# picks the tag), and the sdist. Installing the wheel needs no Rust toolchain.
#
#   bash scripts/build-wheel.sh [out-dir]        # release profile (what users get)
#   ROLECALL_PY_PROFILE=dev bash ...             # unoptimised, faster to build (CI)
#
# Uses maturin from PATH, else installs it into .venv-build.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-dist}"
profile="${ROLECALL_PY_PROFILE:-release}"
if ! command -v maturin >/dev/null; then
    [ -x .venv-build/bin/python ] || python3 -m venv .venv-build
    .venv-build/bin/python -m pip install --quiet "maturin>=1.7,<2"
    PATH="$PWD/.venv-build/bin:$PATH"
fi
mkdir -p "$out"
rm -f "$out"/rolecall-*.whl "$out"/rolecall-*.tar.gz
# The sdist: the crate, the core it builds on and the workspace's Cargo.lock (building it
# prunes the lock to the crates it holds, hence no --locked here).
maturin sdist --manifest-path bindings-python/Cargo.toml --out "$out" >&2
# The wheel. --strip: the shipped library carries no debug information; --compatibility pypi
# and --auditwheel check: a tag PyPI accepts, or the build fails.
maturin build --locked --manifest-path bindings-python/Cargo.toml --profile "$profile" --strip \
    --compatibility pypi --auditwheel check --out "$out" >&2
ls "$out"/rolecall-*.whl "$out"/rolecall-*.tar.gz

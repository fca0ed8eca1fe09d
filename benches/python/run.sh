#!/usr/bin/env bash
# Python benchmark of rolecall (rolecall vs pycasbin vs an empty pyo3 call, in one run):
# creates or reuses a venv, installs maturin and casbin (pycasbin) from PyPI, builds and installs
# the extension in release (as `pip install` gives it to users), and runs
# benches/python/bench_checks.py with the arguments given.
#
#   benches/python/run.sh              # 1,000 and 100,000 users (ROLECALL_BENCH_FULL=1 adds 1M)
#   benches/python/run.sh --quick      # or ROLECALL_BENCH_QUICK=1: a small model, in seconds
#   benches/python/run.sh --sizes 10000 --no-casbin
#
# The venv is $ROLECALL_BENCH_VENV, by default .venv-bench at the repository root (not the
# .venv of scripts/test-all.sh, which holds a dev build). CARGO_TARGET_DIR is honoured.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
venv="${ROLECALL_BENCH_VENV:-$root/.venv-bench}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
py="$venv/bin/python"
export PATH="$venv/bin:$PATH"  # the PEP 517 hooks run the maturin binary
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rolecall/target}"
if ! "$py" -c "import maturin, casbin" 2>/dev/null; then
    "$py" -m pip install --quiet --upgrade pip
    "$py" -m pip install --quiet "maturin>=1.7,<2" casbin
fi
echo "building the rolecall extension (release) into $venv" >&2
MATURIN_PEP517_ARGS="--profile release" \
    "$py" -m pip install --quiet --no-build-isolation --force-reinstall ./bindings-python
exec "$py" benches/python/bench_checks.py "$@"

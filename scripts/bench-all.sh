#!/usr/bin/env bash
# Runs every rolecall benchmark on the smaller setting (1,000 to 100,000 users), in a few
# minutes once built: Rust checks, SQLite open and change costs, PostgreSQL beside SQLite across
# processes (a throwaway PostgreSQL cluster unless ROLECALL_TEST_PG names a server), rolecall vs
# casbin and Cedar, Python (vs pycasbin and an empty pyo3 call) and C through the C ABI. Each prints its figures
# next to a baseline measured in the same run. Installs what it needs.
#
#   bash scripts/bench-all.sh                        # the smaller setting
#   ROLECALL_BENCH_FULL=1 bash scripts/bench-all.sh  # adds 1,000,000 users (tens of minutes)
#   ROLECALL_BENCH_QUICK=1 bash scripts/bench-all.sh # tiny sizes: checks that everything runs
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rolecall/target}"

echo "== machine"
echo "$(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "memory: $(free -g | awk '/^Mem:/ {print $2 " GiB"}'); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
rustc --version

echo "== rust: checks"
cargo bench -p rolecall-benches --locked --bench checks
echo "== rust: SQLite open and change costs"
cargo bench -p rolecall-benches --locked --bench open
echo "== rust: PostgreSQL beside SQLite, several processes"
cargo bench -p rolecall-benches --locked --bench postgres
echo "== rust: rolecall vs casbin and Cedar"
cargo bench -p rolecall-benches --locked --features compare --bench compare
echo "== python"
bash benches/python/run.sh
echo "== c"
bash benches/c/run.sh

#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo-fuzz, libFuzzer, AddressSanitizer) and the long runs.
#
#   scripts/fuzz.sh quick             every target builds, replays its committed corpus and
#                                     runs ~10 s more (new inputs go to a throwaway folder);
#                                     what scripts/test-all.sh runs
#   scripts/fuzz.sh long SECONDS      every target SECONDS, then the property tests at
#                                     100,000 cases per property (release) and the SIGKILL
#                                     crash test 1,000 times
#   scripts/fuzz.sh run TARGET SECONDS [libFuzzer flags...]
#                                     one target
#   scripts/fuzz.sh seeds             regenerates the generated seeds (fuzz/make_seeds.py, and
#                                     the SQLite file and exported document from the template)
#
# Targets: parsers sqlite_bytes sqlite_rows ops c_abi (Rust, fuzz/fuzz_targets) and
# python_conv (atheris over the installed wheel, fuzz/python). Every run has libFuzzer's
# memory limits: an allocation beyond ROLECALL_FUZZ_MALLOC_MB (256) or a process beyond
# ROLECALL_FUZZ_RSS_MB (1024; ASan's own overhead included) is a finding, as is a panic, an
# abort, a timeout (30 s per input) or an ASan report. Findings are written to
# $CARGO_TARGET_DIR/fuzz/artifacts/TARGET/; a summary table (executions, coverage) to
# $CARGO_TARGET_DIR/fuzz/summary.md. New corpus entries go to $CARGO_TARGET_DIR/fuzz/corpus/
# (the committed seeds in fuzz/corpus/ are only read), except in quick mode, whose runs start
# from the committed seeds alone, so that CI replays what is committed.
#
# Toolchain: cargo-fuzz passes -Z flags; on stable they are allowed with RUSTC_BOOTSTRAP=1
# (the ASan runtime ships with rust-std on x86_64-unknown-linux-gnu). When stable cannot,
# an installed nightly is used. cargo-fuzz is installed when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rolecall/target}"
# The fuzz build (instrumented, ASan) lives apart from the ordinary one.
work="$CARGO_TARGET_DIR/fuzz"
corpus_root="$work/corpus"
fuzz_target_dir="$work"
rust_targets=(parsers sqlite_bytes sqlite_rows ops c_abi)
all_targets=("${rust_targets[@]}" python_conv)
rss_mb="${ROLECALL_FUZZ_RSS_MB:-1024}"
malloc_mb="${ROLECALL_FUZZ_MALLOC_MB:-256}"
# LeakSanitizer is on (libFuzzer's -detect_leaks); ASan's quarantine is kept small so that
# the RSS limit measures the library, not the sanitizer.
export ASAN_OPTIONS="${ASAN_OPTIONS:-quarantine_size_mb=32:malloc_context_size=10}"
mkdir -p "$work"

usage() { sed -n '2,14p' "$0" >&2; exit 2; }

# --- toolchain ----------------------------------------------------------------------------
toolchain=()
pick_toolchain() {
    command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
    local probe="$work/probe"
    mkdir -p "$probe"
    echo 'fn main() {}' >"$probe/p.rs"
    if RUSTC_BOOTSTRAP=1 rustc -Zsanitizer=address --crate-type bin -o "$probe/p" "$probe/p.rs" \
        >/dev/null 2>&1; then
        export RUSTC_BOOTSTRAP=1
    elif rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
        toolchain=(+nightly)
    else
        echo "fuzz.sh: neither stable with RUSTC_BOOTSTRAP=1 nor a nightly toolchain can build with ASan" >&2
        exit 1
    fi
}

build() {
    # Release with debug assertions and overflow checks (cargo-fuzz's default flags), ASan.
    CARGO_TARGET_DIR="$fuzz_target_dir" cargo "${toolchain[@]}" fuzz build \
        --debug-assertions "$@"
}

# --- one target -----------------------------------------------------------------------------
# run_target TARGET SECONDS [libFuzzer flags]: fuzzes, prints and records the final stats.
run_target() {
    local target=$1 secs=$2
    shift 2
    local corpus="$corpus_root/$target" seeds="$root/fuzz/corpus/$target"
    local artifacts="$work/artifacts/$target/" log="$work/$target.log"
    mkdir -p "$corpus" "$seeds" "$artifacts"
    local flags=(-max_total_time="$secs" -rss_limit_mb="$rss_mb" -malloc_limit_mb="$malloc_mb"
                 -timeout=30 -print_final_stats=1
                 -artifact_prefix="$artifacts" "$@")
    [ -f "$root/fuzz/dict/$target.dict" ] && flags+=(-dict="$root/fuzz/dict/$target.dict")
    local status=0
    echo "== fuzz $target: ${secs}s"
    if [ "$target" = python_conv ]; then
        python_ready
        "$venv/bin/python" "$root/fuzz/python/python_conv.py" "$corpus" "$seeds" "${flags[@]}" \
            >"$log" 2>&1 || status=$?
    else
        local bin="$fuzz_target_dir/x86_64-unknown-linux-gnu/release/$target"
        [ -x "$bin" ] || build "$target"
        # The scratch files of the SQLite targets go to /dev/shm (or TMPDIR) per process.
        "$bin" "$corpus" "$seeds" "${flags[@]}" >"$log" 2>&1 || status=$?
    fi
    local execs cov ft
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
    cov=$(grep -oE '(DONE|pulse|NEW|REDUCE|INITED) +cov: [0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1 || true)
    ft=$(grep -oE 'ft: [0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1 || true)
    printf '| %s | %s s | %s | %s | %s | %s |\n' "$target" "$secs" "${execs:-?}" "${cov:-?}" \
        "${ft:-?}" "$([ $status = 0 ] && echo 0 || echo "FAILED (exit $status)")" >>"$work/summary.md"
    if [ $status != 0 ]; then
        grep -E 'ERROR|panicked|SUMMARY|Test unit written|==[0-9]+==' "$log" | head -20 >&2 || true
        echo "fuzz $target: FAILED (exit $status); log $log, inputs in $artifacts" >&2
        return 1
    fi
    tail -n 1 "$work/summary.md"
}

# --- python_conv: atheris over the installed wheel --------------------------------------------
venv="$root/.venv"
python_ready() {
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/python" -c 'import atheris' 2>/dev/null ||
        "$venv/bin/python" -m pip install --quiet --only-binary=:all: atheris
    # The wheel scripts/test-all.sh built, when there is one (no second build); else from source.
    local wheel
    wheel=$(ls "$CARGO_TARGET_DIR"/python-wheel/dist/rolecall-*.whl 2>/dev/null | head -n 1)
    if [ -n "$wheel" ]; then
        "$venv/bin/python" -m pip install --quiet --force-reinstall --no-deps "$wheel"
    elif ! "$venv/bin/python" -c 'import rolecall' 2>/dev/null; then
        "$venv/bin/python" -m pip install --quiet "maturin>=1.7,<2"
        PATH="$venv/bin:$PATH" MATURIN_PEP517_ARGS="--profile dev" "$venv/bin/python" -m pip install --quiet \
            --no-build-isolation --force-reinstall ./bindings-python
    fi
}

summary_header() {
    {
        echo "| target | time | executions | coverage (edges) | features | crashes |"
        echo "|---|---|---|---|---|---|"
    } >"$work/summary.md"
}

fuzz_all() {
    local secs=$1 failed=0
    pick_toolchain
    build
    summary_header
    for t in "${all_targets[@]}"; do
        run_target "$t" "$secs" || failed=1
    done
    echo "== summary ($work/summary.md)"
    cat "$work/summary.md"
    return $failed
}

mode="${1:-}"
case "$mode" in
quick)
    corpus_root=$(mktemp -d "${TMPDIR:-/tmp}/rolecall-fuzz-quick.XXXXXX")
    trap 'rm -rf "$corpus_root"' EXIT
    fuzz_all "${ROLECALL_FUZZ_QUICK_SECONDS:-10}"
    ;;
long)
    secs="${2:-}"
    [[ "$secs" =~ ^[0-9]+$ ]] || usage
    failed=0
    fuzz_all "$secs" || failed=1
    cases="${ROLECALL_LONG_CASES:-100000}"
    kills="${ROLECALL_LONG_KILLS:-1000}"
    echo "== property tests: $cases cases per property (release)"
    PROPTEST_CASES="$cases" cargo test -p rolecall --release --locked \
        --test properties --test properties_timed --test simulate || failed=1
    echo "== SIGKILL crash test: $kills kills (release)"
    ROLECALL_CRASH_ITERATIONS="$kills" cargo test -p rolecall --release --locked \
        --test sqlite_crash crash_safety_under_sigkill -- --exact || failed=1
    [ $failed = 0 ] && echo "== long run passed" || { echo "== long run FAILED" >&2; exit 1; }
    ;;
run)
    target="${2:-}" secs="${3:-}"
    [ -n "$target" ] && [[ "$secs" =~ ^[0-9]+$ ]] || usage
    shift 3
    [ "$target" = python_conv ] || { pick_toolchain; build "$target"; }
    [ -f "$work/summary.md" ] || summary_header
    run_target "$target" "$secs" "$@"
    ;;
seeds)
    pick_toolchain
    build sqlite_bytes
    python3 fuzz/make_seeds.py
    ROLECALL_FUZZ_WRITE_SEEDS="$root/fuzz/corpus" \
        "$fuzz_target_dir/x86_64-unknown-linux-gnu/release/sqlite_bytes" -runs=0
    ls -l fuzz/corpus/sqlite_bytes fuzz/corpus/parsers/export-json
    ;;
*)
    usage
    ;;
esac

#!/usr/bin/env bash
# Runs every test of rolecall: Rust (unit, integration, properties, conformance vectors, doc
# tests), Python (builds the wheel into a local venv, runs pytest), C (builds and runs the C
# programs against the library) and uniffi (generated Python bindings replay the conformance
# vectors; generated Kotlin bindings compile and run). Installs what it needs; safe to run on a
# fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rolecall/target}"
# 256 cases per property keeps the whole run well under 30 minutes on 2 cores; a deeper run:
# PROPTEST_CASES=10000 cargo test -p rolecall --test properties --release.
export PROPTEST_CASES="${PROPTEST_CASES:-256}"

# One throwaway PostgreSQL cluster for the whole run (the PostgreSQL store's tests; each test
# works in a schema of its own): started here, stopped on exit whatever happens. Without
# ROLECALL_TEST_PG, each test binary would start a cluster of its own.
if [ -z "${ROLECALL_TEST_PG:-}" ]; then
    pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/rolecall-pg.XXXXXX")
    trap 'bash "$root/scripts/pg-cluster.sh" stop "$pg_dir"' EXIT
    ROLECALL_TEST_PG=$(bash scripts/pg-cluster.sh start "$pg_dir" $$)
    export ROLECALL_TEST_PG
fi

echo "== rust: format, lints, tests"
cargo fmt --all --check
# The benchmarks' comparison feature (casbin, Cedar) is linted too.
cargo clippy --workspace --all-targets --features rolecall-benches/compare --locked -- -D warnings
cargo test --workspace --locked
# The API docs build without a warning (the two libraries named `rolecall` one at a time).
RUSTDOCFLAGS="-D warnings" cargo doc -p rolecall -p rolecall-python -p rolecall-benches --no-deps --locked
RUSTDOCFLAGS="-D warnings" cargo doc -p rolecall-ffi --no-deps --locked

echo "== rust: benchmarks, quick mode (they build and run; casbin, Cedar and rolecall must agree)"
cargo test -p rolecall-benches --features compare --benches --locked

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
"$py" -m pip install --quiet "maturin>=1.7,<2" pytest hypothesis mypy numpy casbin
MATURIN_PEP517_ARGS="--profile ${ROLECALL_PY_PROFILE:-dev}" \
    "$py" -m pip install --quiet --no-build-isolation --force-reinstall ./bindings-python
"$py" -m pytest -q bindings-python/tests
"$py" -m mypy.stubtest rolecall
"$py" -m mypy --strict examples/python/quickstart.py
"$py" examples/python/quickstart.py "$(mktemp -d)/quickstart.db"
# The Python benchmark, quick mode: it runs, and pycasbin agrees with rolecall.
"$py" benches/python/bench_checks.py --quick >/dev/null

echo "== c: build and run against librolecall"
# The C ABI (bindings-ffi): header freshness, C and C++ programs linked shared and static, all
# under valgrind, and the conformance vectors replayed through the C ABI.
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind; }
command -v g++ >/dev/null || { apt-get update -qq && apt-get install -y -qq g++; }
command -v pkg-config >/dev/null || { apt-get update -qq && apt-get install -y -qq pkg-config; }
cargo build -p rolecall-ffi --locked
# Fails when bindings-ffi/include/rolecall.h differs from what build.rs generates (cbindgen,
# pinned); regenerate with ROLECALL_BLESS=1 cargo test -p rolecall-ffi --test header.
cargo test -p rolecall-ffi --locked
lib="$CARGO_TARGET_DIR/debug"
out="$CARGO_TARGET_DIR/c-tests"
rm -rf "$out" && mkdir -p "$out"
# Every function the header declares is called by a C test.
missing=0
for fn in $(grep -E '^[A-Za-z].*[ *]rolecall_[a-z0-9_]+\(' bindings-ffi/include/rolecall.h |
            sed -E 's/^[^(]*[ *](rolecall_[a-z0-9_]+)\(.*/\1/' | sort -u); do
    grep -qE "\\b$fn\\(" tests/c/*.c tests/c/vectors/*.c || { echo "no C test calls $fn"; missing=1; }
done
[ "$missing" = 0 ]
# Install into a scratch prefix, as a user would, and build through pkg-config.
bindings-ffi/install.sh "$out/prefix" "$lib" >/dev/null
# The installed librolecall.a exports only rolecall_* and links beside another Rust static
# library (the unhidden archive must clash the same way).
tests/c/static-symbols/check.sh "$out/prefix" "$lib/librolecall.a" "$out/static-symbols"
export PKG_CONFIG_PATH="$out/prefix/lib/pkgconfig"
shared=$(pkg-config --cflags --libs rolecall)
static=$(pkg-config --cflags --libs rolecall-static)
cflags=(-std=c11 -Wall -Wextra -Werror -pthread -Itests/c)
vg=(valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect
    --show-leak-kinds=definite,indirect)
run() { LD_LIBRARY_PATH="$out/prefix/lib" "${vg[@]}" "$@"; }
for src in tests/c/*.c examples/c/*.c; do
    name=$(basename "$src" .c)
    gcc "${cflags[@]}" "$src" $shared -o "$out/$name"
    gcc "${cflags[@]}" "$src" $static -o "$out/$name-static"
    run "$out/$name" >"$out/$name.log" || { cat "$out/$name.log"; exit 1; }
    run "$out/$name-static" >"$out/$name-static.log" || { cat "$out/$name-static.log"; exit 1; }
    tail -n 1 "$out/$name.log"
done
for src in tests/c/*.cpp; do
    name=$(basename "$src" .cpp)
    g++ -std=c++17 -Wall -Wextra -Werror -pthread "$src" $shared -o "$out/$name"
    g++ -std=c++17 -Wall -Wextra -Werror -pthread "$src" $static -o "$out/$name-static"
    run "$out/$name"
    run "$out/$name-static" >/dev/null
done
# Conformance: every tests/vectors/*.json replayed through the C ABI.
gcc "${cflags[@]}" tests/c/vectors/run_vectors.c tests/c/vectors/json.c $shared -o "$out/run_vectors"
gcc "${cflags[@]}" tests/c/vectors/run_vectors.c tests/c/vectors/json.c $static -o "$out/run_vectors-static"
LD_LIBRARY_PATH="$out/prefix/lib" tests/c/vectors/selftest.sh "$out/run_vectors-static"
run "$out/run_vectors-static" >/dev/null
run "$out/run_vectors" tests/vectors | grep -v ': [0-9]* steps$'
# The C benchmark, quick mode: it builds warning-free and its check paths agree.
gcc "${cflags[@]}" -O2 benches/c/bench_check.c $static -o "$out/bench_check"
"$out/bench_check" --quick >/dev/null

echo "== uniffi: Python and Kotlin bindings generated from librolecall"
# The same API exported through uniffi's proc-macros (feature `uniffi`); generate the bindings
# from the library with the crate's pinned uniffi-bindgen and drive them.
cargo clippy -p rolecall-ffi --all-targets --features uniffi-cli --locked -- -D warnings
cargo build -p rolecall-ffi --features uniffi-cli --locked
bindgen=("$lib/uniffi-bindgen" generate --library "$lib/librolecall.so" --no-format
         --config bindings-ffi/uniffi-bindgen.toml)
rm -rf "$out/uniffi" && mkdir -p "$out/uniffi"
"${bindgen[@]}" --language python --out-dir "$out/uniffi" >/dev/null
cp "$lib/librolecall.so" "$out/uniffi/"
python3 bindings-ffi/tests/uniffi_smoke.py "$out/uniffi"
# The conformance vectors replayed through the generated Python bindings (the surface Kotlin
# and Swift see too); the runner must itself catch wrong answers (the C runner's self-test
# cases). Steps the typed API cannot express are counted and listed, never silently skipped.
SELFTEST_NAME=uniffi-vectors SELFTEST_NUL_WANT="expected success, got error invalid_name" \
    tests/c/vectors/selftest.sh python3 bindings-ffi/tests/uniffi_vectors.py "$out/uniffi"
python3 bindings-ffi/tests/uniffi_vectors.py "$out/uniffi" | grep -v ': [0-9]* steps (0 not carried)$'
# Kotlin: compile the generated bindings with a smoke test, and run it on the JVM (JNA) against
# librolecall. kotlinc is pinned: the npm registry's kotlin-compiler package is JetBrains'
# compiler distribution (kotlinc-jvm and the stdlib); JNA comes from Debian.
command -v java >/dev/null || { apt-get update -qq && apt-get install -y -qq default-jre-headless; }
[ -f /usr/share/java/jna.jar ] || { apt-get update -qq && apt-get install -y -qq libjna-java; }
kotlin_version=2.4.20
kotlinc="$HOME/.cache/rolecall/kotlinc-$kotlin_version"
if [ ! -f "$kotlinc/lib/kotlin-compiler.jar" ]; then
    command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq npm; }
    rm -rf "$kotlinc.tmp" && mkdir -p "$kotlinc.tmp"
    (cd "$kotlinc.tmp" && npm pack --silent "kotlin-compiler@$kotlin_version" >/dev/null &&
        tar xzf "kotlin-compiler-$kotlin_version.tgz")
    rm -rf "$kotlinc" && mv "$kotlinc.tmp/package" "$kotlinc" && rm -rf "$kotlinc.tmp"
fi
"${bindgen[@]}" --language kotlin --out-dir "$out/uniffi-kotlin" >/dev/null
kt_classpath="/usr/share/java/jna.jar:$kotlinc/lib/kotlin-stdlib.jar"
java -cp "$kotlinc/lib/kotlin-compiler.jar:$kotlinc/lib/kotlin-stdlib.jar" \
    org.jetbrains.kotlin.cli.jvm.K2JVMCompiler -no-stdlib -no-reflect -Werror \
    -classpath "$kt_classpath" -d "$out/uniffi-kotlin/classes" \
    "$out/uniffi-kotlin/uniffi/rolecall_uniffi/rolecall_uniffi.kt" bindings-ffi/tests/uniffi_smoke.kt
java -Djna.library.path="$lib" -cp "$out/uniffi-kotlin/classes:$kt_classpath" Uniffi_smokeKt

echo "== fuzz: every target builds (ASan) and runs ~20 s, its corpus replayed first"
# scripts/fuzz.sh: cargo-fuzz targets in fuzz/ (own CARGO_TARGET_DIR subfolder, fuzz/) and
# atheris over the wheel installed above; `scripts/fuzz.sh long SECONDS` is the long mode.
bash scripts/fuzz.sh quick

echo "== all tests passed"

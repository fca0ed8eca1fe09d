#!/usr/bin/env bash
# Runs every test of rolecall: Rust (unit, integration, properties, conformance vectors, doc
# tests), Python (builds the wheel, installs it into a fresh venv without Rust, runs pytest), C (builds and runs the C
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
# Each section's heading says how long the run has taken so far (CI aims at under 30 minutes).
section() { printf '== [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }

# One throwaway PostgreSQL cluster for the whole run (the PostgreSQL store's tests; each test
# works in a schema of its own): started here, stopped on exit whatever happens. Without
# ROLECALL_TEST_PG, each test binary would start a cluster of its own.
if [ -z "${ROLECALL_TEST_PG:-}" ]; then
    pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/rolecall-pg.XXXXXX")
    trap 'bash "$root/scripts/pg-cluster.sh" stop "$pg_dir"' EXIT
    ROLECALL_TEST_PG=$(bash scripts/pg-cluster.sh start "$pg_dir" $$)
    export ROLECALL_TEST_PG
fi

section "rust: format, lints, tests"
cargo fmt --all --check
# The benchmarks' comparison feature (casbin, Cedar) and the uniffi export are linted too, in
# one pass (a second pass over one package would check its dependencies again, with other
# features).
cargo clippy --workspace --all-targets --features rolecall-benches/compare,rolecall-ffi/uniffi-cli \
    --locked -- -D warnings
cargo test --workspace --locked
# The API docs build without a warning (the two libraries named `rolecall` one at a time).
RUSTDOCFLAGS="-D warnings" cargo doc -p rolecall -p rolecall-python -p rolecall-benches --no-deps --locked
RUSTDOCFLAGS="-D warnings" cargo doc -p rolecall-ffi --no-deps --locked

section "rust: benchmarks, quick mode (they build and run; casbin, Cedar and rolecall must agree)"
cargo test -p rolecall-benches --features compare --benches --locked

section "python: the wheel, installed without Rust; pytest, integrations, stubtest, examples"
# The wheel is built ONCE, by the README's command (scripts/build-wheel.sh: maturin, abi3,
# manylinux tag checked by maturin's auditwheel), then installed into a FRESH venv by a pip
# that has no cargo or rustc on its PATH, with the pinned test requirements (binary wheels
# only: nothing is compiled there). Every Python check below runs against that installed
# wheel, as a user gets it. The profile is `dev` here because an optimised build takes minutes
# longer and the tests do not need it; ROLECALL_PY_PROFILE=release tests the optimised wheel.
build_venv="$root/.venv"
[ -x "$build_venv/bin/python" ] || python3 -m venv "$build_venv"
"$build_venv/bin/python" -m pip install --quiet --upgrade pip
"$build_venv/bin/python" -m pip install --quiet "maturin>=1.7,<2" auditwheel==6.8.2
py_out="$CARGO_TARGET_DIR/python-wheel"
rm -rf "$py_out" && mkdir -p "$py_out"
PATH="$build_venv/bin:$PATH" ROLECALL_PY_PROFILE="${ROLECALL_PY_PROFILE:-dev}" \
    bash scripts/build-wheel.sh "$py_out/dist" >/dev/null
version=$(sed -nE '/^\[workspace.package\]/,/^\[/ s/^version = "(.*)"/\1/p' Cargo.toml)
wheel=$(ls "$py_out/dist"/rolecall-*.whl)
# One abi3 wheel for CPython 3.10+, a manylinux tag of the workspace's version, and auditwheel
# agrees with the tag; the sdist carries the core it builds.
[[ $(basename "$wheel") =~ ^rolecall-$version-cp310-abi3-manylinux_2_[0-9]+_x86_64\.whl$ ]] ||
    { echo "unexpected wheel name: $wheel"; exit 1; }
tag=$(basename "$wheel" .whl | sed 's/.*-//')
audit=$("$build_venv/bin/auditwheel" show "$wheel")
[[ $(echo $audit) == *"consistent with the following platform tag: \"$tag\""* ]] ||
    { echo "$audit"; exit 1; }
tar tzf "$py_out/dist/rolecall-$version.tar.gz" "rolecall-$version/core/src/lib.rs" >/dev/null
# A fresh venv and a PATH without cargo or rustc (they live in ~/.cargo/bin). --no-compile:
# modules are byte-compiled when imported, not all of Django's at install.
pybase=$(python3 -c 'import sys; print(sys.base_prefix)')/bin/python3
venv="$py_out/venv"
no_rust=(env PATH="$venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
"${no_rust[@]}" bash -c '! command -v cargo && ! command -v rustc' >/dev/null ||
    { echo "cargo or rustc is still on the test PATH"; exit 1; }
"${no_rust[@]}" "$pybase" -m venv "$venv"
"${no_rust[@]}" "$venv/bin/python" -m pip install --quiet --upgrade pip
"${no_rust[@]}" "$venv/bin/python" -m pip install --quiet --no-compile --only-binary=:all: \
    -r bindings-python/tests/requirements.txt "$wheel"
py=("${no_rust[@]}" "$venv/bin/python")
export MYPY_CACHE_DIR="$CARGO_TARGET_DIR/mypy-cache"
# The rolecall imported is the installed wheel's, never the source tree's.
(cd "$py_out" && "${py[@]}" -c 'import rolecall, sys; assert rolecall.__file__.startswith(sys.prefix), rolecall.__file__')
# The whole suite, the framework integrations (tests/integrations: Django, FastAPI, Flask in
# real apps, and the example apps booted) among it.
ROLECALL_INTEGRATIONS_REQUIRED=1 "${py[@]}" -m pytest -q bindings-python/tests
"${py[@]}" -m mypy.stubtest rolecall --allowlist bindings-python/tests/stubtest-allowlist.txt
# The integrations as installed, and the examples: typed strictly.
"${py[@]}" -m mypy --strict -m rolecall._web -m rolecall.fastapi -m rolecall.flask -p rolecall.django
for example in examples/python/quickstart.py examples/python/{django,fastapi,flask}_app/app.py; do
    MYPYPATH=examples/python "${py[@]}" -m mypy --strict "$example" >/dev/null ||
        { MYPYPATH=examples/python "${py[@]}" -m mypy --strict "$example"; exit 1; }
done
"${py[@]}" examples/python/quickstart.py "$(mktemp -d)/quickstart.db"
# The Python benchmark, quick mode: it runs, and pycasbin agrees with rolecall.
"${py[@]}" benches/python/bench_checks.py --quick >/dev/null

section "c: build and run against librolecall"
# The C ABI (bindings-ffi): header freshness, C and C++ programs linked shared and static (the
# shared ones under valgrind), and the conformance vectors replayed through the C ABI.
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
# Each program twice: linked to the shared library under valgrind (memory errors, leaks), and
# to the static archive natively (the same code; valgrind would only make it ten times slower).
for src in tests/c/*.c examples/c/*.c; do
    name=$(basename "$src" .c)
    gcc "${cflags[@]}" "$src" $shared -o "$out/$name"
    gcc "${cflags[@]}" "$src" $static -o "$out/$name-static"
    run "$out/$name" >"$out/$name.log" || { cat "$out/$name.log"; exit 1; }
    "$out/$name-static" >"$out/$name-static.log" || { cat "$out/$name-static.log"; exit 1; }
    tail -n 1 "$out/$name.log"
done
for src in tests/c/*.cpp; do
    name=$(basename "$src" .cpp)
    g++ -std=c++17 -Wall -Wextra -Werror -pthread "$src" $shared -o "$out/$name"
    g++ -std=c++17 -Wall -Wextra -Werror -pthread "$src" $static -o "$out/$name-static"
    run "$out/$name"
    "$out/$name-static" >/dev/null
done
# Conformance: every tests/vectors/*.json replayed through the C ABI.
gcc "${cflags[@]}" tests/c/vectors/run_vectors.c tests/c/vectors/json.c $shared -o "$out/run_vectors"
gcc "${cflags[@]}" tests/c/vectors/run_vectors.c tests/c/vectors/json.c $static -o "$out/run_vectors-static"
LD_LIBRARY_PATH="$out/prefix/lib" tests/c/vectors/selftest.sh "$out/run_vectors-static"
"$out/run_vectors-static" >/dev/null
run "$out/run_vectors" tests/vectors | grep -v ': [0-9]* steps$'
# The C benchmark, quick mode: it builds warning-free and its check paths agree.
gcc "${cflags[@]}" -O2 benches/c/bench_check.c $static -o "$out/bench_check"
"$out/bench_check" --quick >/dev/null

section "uniffi: Python and Kotlin bindings generated from librolecall"
# The same API exported through uniffi's proc-macros (feature `uniffi`); generate the bindings
# from the library with the crate's pinned uniffi-bindgen and drive them.
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

section "fuzz: every target builds (ASan), replays its committed corpus and runs ~10 s"
# scripts/fuzz.sh: cargo-fuzz targets in fuzz/ (own CARGO_TARGET_DIR subfolder, fuzz/) and
# atheris over the wheel installed above; `scripts/fuzz.sh long SECONDS` is the long mode.
bash scripts/fuzz.sh quick

section "all tests passed"

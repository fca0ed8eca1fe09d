#!/usr/bin/env bash
# The installed librolecall.a exports only the C API (`rolecall_*`), and links beside another
# Rust static library built by the same compiler, however they are linked:
#
#   tests/c/static-symbols/check.sh PREFIX RAW_ARCHIVE OUT_DIR
#
# PREFIX is an install.sh prefix; RAW_ARCHIVE is cargo's librolecall.a before install.sh hid its
# symbols: linking it the same way must fail (the check can tell a clash).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
prefix=$1 raw=$2 out=$3
mkdir -p "$out"
hidden="$prefix/lib/librolecall.a"
extra=$(nm -g --defined-only "$hidden" | awk 'NF == 3 && $3 !~ /^rolecall_/' | head -5)
[ -z "$extra" ] || { echo "librolecall.a exports more than rolecall_*: $extra"; exit 1; }
rustc --edition 2021 --crate-type staticlib -C panic=unwind "$here/other.rs" -o "$out/libother.a"
libs=(-lpthread -ldl -lm -lrt -lutil -lgcc_s)
link() { gcc -std=c11 -Wall -Werror -I"$prefix/include" "$here/two_rust.c" "$@" "${libs[@]}" -o "$out/two_rust"; }
# Whole-archive both: every object of both, so every symbol both define meets its twin.
link -Wl,--whole-archive "$out/libother.a" "$hidden" -Wl,--no-whole-archive
"$out/two_rust"
link "$hidden" "$out/libother.a"
"$out/two_rust"
link "$out/libother.a" "$hidden"
"$out/two_rust"
if link -Wl,--whole-archive "$out/libother.a" "$raw" -Wl,--no-whole-archive 2>"$out/raw.log"; then
    echo "the unhidden archive linked beside libother.a: this check cannot tell a clash"; exit 1
fi
grep -q "multiple definition" "$out/raw.log"
echo "static-symbols: librolecall.a exports only rolecall_* and links beside another Rust library"

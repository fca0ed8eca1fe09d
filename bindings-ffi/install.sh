#!/usr/bin/env bash
# Installs librolecall (shared and static), its headers (rolecall.h, rolecall.hpp) and the
# pkg-config files rolecall.pc (shared) and rolecall-static.pc (static) under PREFIX.
#
#   bindings-ffi/install.sh /usr/local            # builds in release mode, then installs
#   bindings-ffi/install.sh PREFIX BUILD_DIR      # installs an existing build (e.g. target/debug)
#
# Then:  cc app.c $(pkg-config --cflags --libs rolecall)          (shared)
#        cc app.c $(pkg-config --cflags --libs rolecall-static)   (static)
# with PKG_CONFIG_PATH=PREFIX/lib/pkgconfig when PREFIX is not a system prefix.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
prefix="${1:?usage: install.sh PREFIX [BUILD_DIR]}"
build="${2:-}"
if [ -z "$build" ]; then
    cargo build --release --locked -p rolecall-ffi --manifest-path "$here/../Cargo.toml"
    build="${CARGO_TARGET_DIR:-$here/../target}/release"
fi
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$here/../Cargo.toml" | head -1)
mkdir -p "$prefix/lib/pkgconfig" "$prefix/include"
# The static library is made one relocatable object whose only global symbols are the C API's
# (`rolecall_*`): the Rust standard library, the allocator shim, the bundled SQLite and every
# dependency inside become local, so that librolecall.a links beside another Rust static library
# (or the product's own SQLite) without a duplicate symbol, whatever their compiler versions and
# however they are linked (--whole-archive included). Steps: a partial link of every member;
# the embedded LLVM bitcode and address-significance tables dropped (meaningless after it);
# the personality's COMDAT group renamed, so that the linker never merges it with another
# library's; every other symbol localized. Needs GNU binutils (ELF); elsewhere the archive is
# installed as built. tests/c/static-symbols/check.sh tests it.
hide_symbols() {
    local tmp
    tmp=$(mktemp -d)
    ld -r --whole-archive "$1" -o "$tmp/rolecall.o"
    objcopy -R .llvmbc -R .llvmcmd -R .llvm_addrsig \
        --redefine-sym DW.ref.rust_eh_personality=DW.ref.rolecall_rust_eh_personality \
        --wildcard --keep-global-symbol='rolecall_*' "$tmp/rolecall.o"
    rm -f "$2"
    ar rcs "$2" "$tmp/rolecall.o"
    rm -rf "$tmp"
}
if [ "$(uname -s)" = Linux ] && command -v objcopy >/dev/null && command -v ld >/dev/null; then
    hide_symbols "$build/librolecall.a" "$prefix/lib/librolecall.a"
    chmod 0644 "$prefix/lib/librolecall.a"
else
    echo "install.sh: no GNU binutils; librolecall.a keeps its Rust symbols global" >&2
    install -m 0644 "$build/librolecall.a" "$prefix/lib/"
fi
install -m 0755 "$build/librolecall.so" "$prefix/lib/"
install -m 0644 "$here/include/rolecall.h" "$here/include/rolecall.hpp" "$prefix/include/"
for pc in rolecall rolecall-static; do
    sed -e "s|@PREFIX@|$prefix|" -e "s|@LIBDIR@|$prefix/lib|" -e "s|@VERSION@|$version|" \
        "$here/$pc.pc.in" > "$prefix/lib/pkgconfig/$pc.pc"
done
echo "installed librolecall $version under $prefix"

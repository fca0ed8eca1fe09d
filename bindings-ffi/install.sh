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
install -m 0644 "$build/librolecall.a" "$prefix/lib/"
install -m 0755 "$build/librolecall.so" "$prefix/lib/"
install -m 0644 "$here/include/rolecall.h" "$here/include/rolecall.hpp" "$prefix/include/"
for pc in rolecall rolecall-static; do
    sed -e "s|@PREFIX@|$prefix|" -e "s|@LIBDIR@|$prefix/lib|" -e "s|@VERSION@|$version|" \
        "$here/$pc.pc.in" > "$prefix/lib/pkgconfig/$pc.pc"
done
echo "installed librolecall $version under $prefix"

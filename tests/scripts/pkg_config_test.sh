#!/usr/bin/env bash
# Build and run a consumer of an installed chatlink with nothing but
# `pkg-config --cflags --libs chatlink`.
#   pkg_config_test.sh PREFIX MAIN_CPP WORKDIR CXX
set -euo pipefail
prefix=$1 main=$2 work=$3 cxx=$4
pc=$(find "$prefix" -name chatlink.pc -path '*/pkgconfig/*' | head -n 1)
[ -n "$pc" ] || { echo "no chatlink.pc under $prefix" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work"
export PKG_CONFIG_PATH=$(dirname "$pc")
pkg-config --exists --print-errors chatlink
flags=$(pkg-config --cflags --libs chatlink)
echo "pkg-config --cflags --libs chatlink: $flags"
case "$flags" in *"-I$(dirname "$pc")/../../"*) ;; *) echo "the include path does not follow the .pc file's place" >&2; exit 1 ;; esac
# shellcheck disable=SC2086 # the flags are words
"$cxx" -std=c++17 "$main" $flags -o "$work/consumer"
"$work/consumer"

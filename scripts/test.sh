#!/usr/bin/env bash
# Build chatlink and run its whole test suite with ctest.
#   scripts/test.sh          RelWithDebInfo build in build/release
#   scripts/test.sh --asan   the same suite under AddressSanitizer + UBSan, in build/asan
# Installs the Debian packages it needs when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
chatlink_install_deps

preset=release
[ "${1:-}" = "--asan" ] && preset=asan

cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "build/$preset" --output-on-failure -j2 --timeout 300

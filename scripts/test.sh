#!/usr/bin/env bash
# Build chatlink and run its whole test suite with ctest.
#   scripts/test.sh          Release build (-O2, no debug info) in build/release
#   scripts/test.sh --asan   the same suite under AddressSanitizer + UBSan (clang), in
#                            build/asan, with each libFuzzer target run for 10 s
#   scripts/test.sh --tsan   the library's tests under ThreadSanitizer, in build/tsan
#                            (not the examples and the CLI: see the tsan preset)
# Every sanitizer report is fatal: the test that triggers it fails.
# Installs the Debian packages it needs when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh

preset=release
case "${1:-}" in
  "") chatlink_install_deps ;;
  --asan) preset=asan; chatlink_install_deps clang libclang-rt-14-dev ;;
  --tsan) preset=tsan; chatlink_install_deps ;;
  *) echo "usage: scripts/test.sh [--asan|--tsan]" >&2; exit 2 ;;
esac

cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
ctest --test-dir "build/$preset" --output-on-failure -j2 --timeout 300

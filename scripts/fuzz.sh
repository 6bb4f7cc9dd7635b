#!/usr/bin/env bash
# Build only the libFuzzer targets (fuzz/, clang; the library instrumented
# for coverage, with ASan + every UBSan check; preset `fuzz`) and run each
# from its committed seed corpus. CI runs them 10 s each in the asan stage
# (scripts/test.sh --asan), where only the targets' own files have coverage.
#   scripts/fuzz.sh          30 s per target, 2 at a time
#   scripts/fuzz.sh 600      a long run: 10 minutes per target
# New corpus entries go to build/fuzz/fuzz/corpus/<target>; a crash leaves
# its input as build/fuzz/crash-* and fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
chatlink_install_deps clang libclang-rt-14-dev

seconds=${1:-30}
cmake --preset fuzz -DCHATLINK_FUZZ_SECONDS="$seconds" >/dev/null
cmake --build --preset fuzz
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir build/fuzz --output-on-failure -j2 --timeout $((seconds + 300))

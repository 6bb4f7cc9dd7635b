#!/usr/bin/env bash
# Build chatlink (release) and run every benchmark of bench/, with its
# baselines in the same run: prints the table of docs/benchmarks.md and writes
# build/bench/results.md, build/bench/throughput.dat and build/bench/benchmarks.png.
#   scripts/bench.sh [chatlink-bench options...]     e.g. --runs 3, --idle 1000
# Takes about 11 minutes on 2 cores once built (most of it idle windows and compiles).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
chatlink_packages+=(gnuplot-nox)
chatlink_install_deps

cmake --preset release >/dev/null
cmake --build --preset release --target chatlink-bench
mkdir -p build/bench
build/release/bench/chatlink-bench --out build/bench "$@" || status=$?
gnuplot -e "datafile='build/bench/throughput.dat'; outfile='build/bench/benchmarks.png'" bench/plot.gp
echo "plot: build/bench/benchmarks.png"
exit "${status:-0}"

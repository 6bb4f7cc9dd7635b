#!/usr/bin/env bash
# Build the API reference from the public headers with Doxygen (Debian's
# package, installed when missing) into build/docs/html; open
# build/docs/html/index.html. Every Doxygen warning is an error: an
# undocumented public class, function, field, enumerator or parameter fails
# this script (and CI).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
chatlink_install_deps doxygen
out=build/docs
rm -rf "$out"
mkdir -p "$out"
CHATLINK_VERSION=$(sed -n 's/^project(chatlink VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt) \
CHATLINK_DOCS_OUT=$out doxygen docs/Doxyfile 2>"$out/warnings.log" || true
if [ -s "$out/warnings.log" ] || [ ! -f "$out/html/index.html" ]; then
  cat "$out/warnings.log" >&2
  echo "docs: $(grep -c . "$out/warnings.log") warnings; the reference must build without any" >&2
  exit 1
fi
echo "docs: $out/html/index.html ($(find "$out/html" -name '*.html' | wc -l) pages), no warnings"

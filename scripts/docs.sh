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
# Doxygen does not warn about an undocumented enumerator: find them in its
# XML output and count each as a warning.
python3 - "$out/xml" >>"$out/warnings.log" <<'EOF'
import glob, sys, xml.etree.ElementTree as ET
for f in sorted(glob.glob(sys.argv[1] + "/*.xml")):
    for e in ET.parse(f).iter("memberdef"):
        if e.get("kind") != "enum":
            continue
        for v in e.iter("enumvalue"):
            text = "".join(t for d in ("briefdescription", "detaileddescription")
                           for t in v.find(d).itertext()).strip()
            if not text:
                loc = e.find("location")
                print(f"{loc.get('file')}: error: enumerator {e.findtext('name')}::{v.findtext('name')} is not documented.")
EOF
if [ -s "$out/warnings.log" ] || [ ! -f "$out/html/index.html" ]; then
  cat "$out/warnings.log" >&2
  echo "docs: $(grep -c . "$out/warnings.log") warnings; the reference must build without any" >&2
  exit 1
fi
echo "docs: $out/html/index.html ($(find "$out/html" -name '*.html' | wc -l) pages), no warnings"

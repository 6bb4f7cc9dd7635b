#!/usr/bin/env bash
# Make the Debian package with CPack, check its control fields and files,
# unpack it into a temporary root (no system install) and build the
# find_package consumer, and a pkg-config one, against that root only.
#   deb_test.sh BUILD_DIR CONSUMER_DIR WORKDIR CXX CPACK
set -euo pipefail
build=$1 consumer=$2 work=$3 cxx=$4 cpack=$5
rm -rf "$work"
mkdir -p "$work"
"$cpack" -G DEB --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1 \
  || { cat "$work/cpack.log" >&2; exit 1; }
debs=("$work"/out/*.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || { echo "expected one .deb, got: ${debs[*]}" >&2; exit 1; }
deb=${debs[0]}
echo "package: $(basename "$deb")"
dpkg-deb -f "$deb" Package Version Architecture Depends
[ "$(dpkg-deb -f "$deb" Package)" = libchatlink-dev ] || { echo "wrong package name" >&2; exit 1; }
depends=$(dpkg-deb -f "$deb" Depends)
for p in libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libssl-dev; do
  case ", $depends," in *", $p,"*) ;; *) echo "Depends lacks $p: $depends" >&2; exit 1 ;; esac
done
dpkg-deb -c "$deb" | awk '{print $6}' >"$work/files"
for f in include/chatlink/chatlink.hpp include/chatlink/client.hpp libchatlink.a \
         cmake/chatlink/chatlinkConfig.cmake pkgconfig/chatlink.pc; do
  grep -q "^\./usr/.*$f\$" "$work/files" || { echo "the package lacks $f" >&2; cat "$work/files" >&2; exit 1; }
done
if grep -q 'bin/' "$work/files"; then
  echo "the -dev package carries programs:" >&2; grep 'bin/' "$work/files" >&2; exit 1
fi
dpkg-deb -x "$deb" "$work/root"
cmake -S "$consumer" -B "$work/build" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_PREFIX_PATH="$work/root/usr" -DCMAKE_FIND_PACKAGE_NO_SYSTEM_PACKAGE_REGISTRY=ON >/dev/null
grep -q "chatlink_DIR:PATH=$work/root/usr/" "$work/build/CMakeCache.txt" \
  || { echo "find_package found a chatlink outside the unpacked root" >&2; grep chatlink_DIR "$work/build/CMakeCache.txt" >&2; exit 1; }
cmake --build "$work/build"
"$work/build/consumer"
bash "$(dirname "$0")/pkg_config_test.sh" "$work/root/usr" "$consumer/main.cpp" "$work/pkg-config" "$cxx"

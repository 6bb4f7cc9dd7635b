#!/usr/bin/env bash
# Installs the Debian 12 packages chatlink builds with, when any is missing.
# Sourced by test.sh and demo.sh; run it directly to install only.
set -euo pipefail

chatlink_packages=(g++ cmake ninja-build libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev catch2 libssl-dev openssl libwebsocketpp-dev python3 python3-websockets pkg-config tinyproxy-bin)

# Extra packages may be named: chatlink_install_deps clang libclang-rt-14-dev
chatlink_install_deps() {
  local missing=()
  for p in "${chatlink_packages[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}" >&2
  local sudo=
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  chatlink_install_deps
fi

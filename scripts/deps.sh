#!/usr/bin/env bash
# Installs the Debian packages tsize needs, only those missing. As root it runs apt-get;
# otherwise it prints the exact command and fails.
set -euo pipefail
pkgs=(cmake g++ make nlohmann-json3-dev libcli11-dev libfmt-dev googletest libgtest-dev libgmock-dev
      libbenchmark-dev python3-dev pybind11-dev python3-pytest
      python3-pandas python3-matplotlib jupyter-nbconvert python3-ipykernel python3-pip
      python3-venv python3-setuptools python3-wheel)
# `deps.sh fuzz`: also clang and its sanitizer/libFuzzer runtime.
[ "${1:-}" = fuzz ] && pkgs+=(clang-14 libclang-rt-14-dev)
# `deps.sh web`: Emscripten (its JS optimizer needs node-acorn); `deps.sh test-web`: also the
# browser the page's test drives, and npm for that test's driver (playwright-core).
[ "${1:-}" = web ] && pkgs=(nlohmann-json3-dev libcli11-dev libfmt-dev cmake make emscripten node-acorn)
[ "${1:-}" = test-web ] && pkgs=(nlohmann-json3-dev libcli11-dev libfmt-dev cmake make g++
                                 emscripten node-acorn chromium)
# npm from Debian only where no npm is installed (a Node.js from elsewhere brings its own).
[ "${1:-}" = test-web ] && ! command -v npm >/dev/null && pkgs+=(npm)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "tsize: missing Debian packages: ${missing[*]}" >&2
  echo "run as root: $cmd" >&2
  exit 1
fi
echo "tsize: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

#!/usr/bin/env bash
# `pip install .` from the clone, offline (--no-index, the system's setuptools): into a fresh
# virtual environment, then the installed module, imported away from the clone, counts GPT-2.
# Usage: pip_install.sh SOURCE_DIR VENV_DIR (TSIZE_BUILD_DIR: the configured CMake build).
set -euo pipefail
src=$1 venv=$2
rm -rf "$venv"
/usr/bin/python3 -m venv --system-site-packages "$venv"
(cd "$src" && "$venv/bin/pip" install --quiet --no-build-isolation --no-index --no-deps .)
cd /
"$venv/bin/python" - "$venv" <<'PY'
import sys
import tsize
assert tsize.__file__.startswith(sys.argv[1]), tsize.__file__  # the installed copy
assert tsize.params("gpt2")["total"] == 124_439_808  # PyTorch's count of GPT-2 small
print("installed:", tsize.__file__)
PY

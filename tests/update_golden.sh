#!/usr/bin/env bash
# Regenerates tests/data/golden/ from build/tsize. Review the diff before committing it.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/tsize
out=tests/data/golden
mkdir -p "$out"
"$bin" params gpt2-xl >"$out/params_gpt2-xl.txt"
"$bin" models >"$out/models.txt"
python3 scripts/update_readme.py
git diff --stat -- "$out" README.md || true

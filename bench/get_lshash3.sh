#!/usr/bin/env bash
# Fetch lshash3's sdist (it does not build on Python >= 3.10) and unpack its package and its own tests into
# bench/.lshash3: bench/lsh.py puts the package on PYTHONPATH, .ci/lshash3.sh runs the tests against our LSHash.
# Needs a venv with setuptools<58 to download.
set -euo pipefail
dest=$(cd "$(dirname "$0")" && pwd)/.lshash3
[ -f "$dest/lshash/lshash.py" ] && [ -f "$dest/tests/test_spheres.py" ] && exit 0
tmp=$(mktemp -d)
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install -q 'setuptools<58' 'wheel<0.41' 2>&1 | grep -v '^WARNING: Location' || true
"$tmp/venv/bin/pip" download -q --no-deps --no-build-isolation lshash3 -d "$tmp/dl" 2>&1 | grep -v '^WARNING: Location' || true
mkdir -p "$tmp/src" && tar -xzf "$tmp"/dl/lshash3-*.tar.gz -C "$tmp/src"
mkdir -p "$dest" && rm -rf "$dest/lshash" "$dest/tests" && cp -r "$tmp"/src/lshash3-*/lshash "$tmp"/src/lshash3-*/tests "$dest/"
rm -rf "$tmp"
echo "lshash3 unpacked into $dest"

#!/usr/bin/env bash
# lshash3's own test suite (tests/ of its sdist, fetched by bench/get_lshash3.sh), run unchanged against our
# LSHash: the tests import `lshash.lshash.LSHash`, and a two-line package on PYTHONPATH answers that import
# with image_similarity.lshash_compat.LSHash. The tests draw their data and (through lshash3's unseeded
# hyperplanes, which LSHash draws the same way) their tables from NumPy's global generator; it is seeded
# first (LSHASH3_SEED, default 0) so that the run is repeatable. LSHASH3_IMPL=real runs the same tests against
# lshash3 itself (bench/.lshash3), which then draws the same data and hyperplanes. Exit status: pytest's.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
bash "$ROOT/bench/get_lshash3.sh" >/dev/null
shim=$(mktemp -d); trap 'rm -rf "$shim"' EXIT
mkdir -p "$shim/ours/lshash"
touch "$shim/ours/lshash/__init__.py"
echo 'from image_similarity.lshash_compat import LSHash  # lshash3 tests run against ours' >"$shim/ours/lshash/lshash.py"
cp -r "$ROOT/bench/.lshash3/tests" "$shim/tests"
cd "$shim"
impl=${LSHASH3_IMPL:-ours}
[ "$impl" = real ] && path="$ROOT/bench/.lshash3" || path="$shim/ours"
PYTHONPATH="$path" python - "${LSHASH3_SEED:-0}" "$impl" <<'PY'
import sys, numpy as np, pytest
import lshash.lshash as m, image_similarity.lshash_compat as c
assert (m.LSHash is c.LSHash) == (sys.argv[2] != 'real'), f'the wrong LSHash answers the import: {m.LSHash}'
np.random.seed(int(sys.argv[1]))
sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', 'tests']))
PY

# Sourced by .ci/run and .ci/demo: a virtual environment outside the clone, keyed on the hash of
# settings.ini + setup.py (reused while they do not change), and a FASTAI_HOME that finds Caltech-101.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PY=${PYTHON:-python3}
KEY=$(cat settings.ini setup.py | sha256sum | cut -c1-12)
VENV=${IMSIM_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/image_similarity/venv-$KEY}
if [ ! -f "$VENV/.complete" ]; then
  echo "== creating $VENV"
  rm -rf "$VENV"; mkdir -p "$(dirname "$VENV")"
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip 'setuptools<81' wheel
  # torch/torchvision first: these versions lie on this machine's disk (a CUDA build; runs on the CPU)
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check torch==2.14.1 torchvision==0.29.1
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check ".[dev]"
  touch "$VENV/.complete"
fi
# the kernel's display name as nbdev_clean writes it into the notebooks ("python3"), so that JupyterLab, which copies the
# running kernel's spec (and language_info) into a notebook it opens, finds nothing to change and opens it unmodified
grep -q '"display_name": "python3"' "$VENV/share/jupyter/kernels/python3/kernel.json" 2>/dev/null || \
  "$VENV/bin/python" -m ipykernel install --sys-prefix --name python3 --display-name python3 >/dev/null 2>&1 || true
# the package itself always comes from this clone (cheap; the venv may have served another clone)
# (its output, setuptools' deprecation notices included, is shown only if the install fails)
log=$(mktemp); "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e . >"$log" 2>&1 \
  || { cat "$log"; rm -f "$log"; echo "pip install -e . failed"; exit 1; }; rm -f "$log"
export PATH="$VENV/bin:$PATH" VIRTUAL_ENV="$VENV"
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-$(nproc)} PYTHONWARNINGS=${PYTHONWARNINGS:-ignore::FutureWarning}
# Caltech-101: link the shared copy where untar_data(URLs.CALTECH_101) looks, when it is beside the clone
SHARED_DATA="$ROOT/../shared/data/caltech101"
if [ -z "${FASTAI_HOME:-}" ] && [ -d "$SHARED_DATA" ]; then
  export FASTAI_HOME=$(mktemp -d -t fastai_home.XXXXXX)
  mkdir -p "$FASTAI_HOME/data"
  ln -s "$(cd "$SHARED_DATA" && pwd)" "$FASTAI_HOME/data/caltech_101"
fi

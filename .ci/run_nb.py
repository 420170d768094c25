"""Run a notebook in a real Jupyter kernel, as JupyterLab's "Run All" does, and fail on any error output.

    python .ci/run_nb.py nbs/05_lsh.ipynb [--flags "slow browser"] [--save]

Cells flagged with a test flag of settings.ini's `tst_flags` (slow, gpu, browser) that is not asked for are
skipped, as `nbdev_test` skips them; so are `#| eval: false` cells. The kernel is ipykernel with its asyncio loop
running, as in JupyterLab (nbdev_test's execnb has none). With --save the fresh outputs are written back, so that the docs show
them; skipped cells keep the outputs they had; stderr streams and progress bars are dropped from all."""
import argparse, configparser, os, re, sys
from pathlib import Path
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent

def noise(o) -> bool:
    "An output the docs should not show: stderr (warnings), progress bars."
    if o.get('output_type') == 'stream': return o.get('name') == 'stderr' or '\r' in o.get('text', '')
    html = ''.join(o.get('data', {}).get('text/html', ''))
    return any('<progress' in str(v) for v in o.get('data', {}).values()) or ('text/html' in o.get('data', {}) and (
        not html.replace('<div></div>', '').strip() or 'progress {' in html))   # fastprogress' empty and CSS-only outputs

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebook'); ap.add_argument('--flags', default='', help='test flags to run, e.g. "slow browser"')
    ap.add_argument('--save', action='store_true', help='write the outputs back into the notebook')
    ap.add_argument('--timeout', type=int, default=900, help='seconds per cell')
    a = ap.parse_args()
    path = Path(a.notebook).resolve()
    cfg = configparser.ConfigParser(); cfg.read(ROOT/'settings.ini')
    skip = set(cfg['DEFAULT'].get('tst_flags', '').split()) - set(a.flags.split())
    nb = nbformat.read(path, as_version=4)
    run, where = nbformat.v4.new_notebook(metadata=nb.metadata), []
    for i, c in enumerate(nb.cells):
        if c.cell_type != 'code': continue
        flags = set(re.findall(r'^#\|\s*(\w+)\s*$', c.source, re.M))
        if flags & skip or re.search(r'^#\|\s*eval:\s*false', c.source, re.M): continue
        run.cells.append(nbformat.v4.new_code_cell(c.source)); where.append(i)
    os.environ['IN_TEST'] = '1'   # as nbdev_test sets it: the kernel inherits it (10_app runs its tests only then)
    client = NotebookClient(run, timeout=a.timeout, kernel_name='python3', resources={'metadata': {'path': str(path.parent)}})
    try: client.execute()
    except CellExecutionError as e:
        print(f'{path.name}: error in a cell\n{str(e)[-4000:]}'); return 1
    if a.save:
        for i, c in zip(where, run.cells): nb.cells[i].outputs = c.outputs
        for c in nb.cells:
            if c.cell_type == 'code': c.outputs = [o for o in c.outputs if not noise(o)]; c.execution_count = None
        nb.metadata.pop('widgets', None)   # the widgets' saved state: large, and the docs do not use it
        nbformat.write(nb, path)
    print(f'{path.name}: {len(run.cells)} cells ran in a kernel, no error'); return 0

if __name__ == '__main__': sys.exit(main())

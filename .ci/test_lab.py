"""JupyterLab opens the notebooks unmodified: no notebook shows as "unsaved" the moment it is opened.

    python .ci/test_lab.py [NOTEBOOK ...]      # default: three of nbs/

JupyterLab copies the running kernel's spec and `language_info` into a notebook it opens; when they differ from the
file's, the notebook is modified before anyone typed. nbdev_clean writes the kernel's display name as "python3" and
keeps `language_info` (settings.ini: allowed_metadata_keys); .ci/env.sh names the venv's kernel "python3". This checks
every notebook's metadata against the kernel this venv runs, then opens some in a real JupyterLab (headless Chromium)
and looks for the dirty mark on their tabs."""
import json, socket, subprocess, sys, time
from pathlib import Path
from ipykernel.ipkernel import IPythonKernel
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent

def main():
    problems = []
    want = dict(IPythonKernel.language_info)
    spec = json.loads((Path(sys.prefix)/'share/jupyter/kernels/python3/kernel.json').read_text())
    if spec['display_name'] != 'python3': problems.append(f"the venv's kernel is called {spec['display_name']!r}, not 'python3' (.ci/env.sh names it)")
    nbs = sorted((ROOT/'nbs').glob('*.ipynb')) + [ROOT/'apps'/'search.ipynb']
    for f in nbs:
        md = json.loads(f.read_text()).get('metadata', {})
        if md.get('kernelspec', {}).get('display_name') != 'python3': problems.append(f"{f.relative_to(ROOT)}: kernelspec display_name is not 'python3'")
        if md.get('language_info') != want: problems.append(f"{f.relative_to(ROOT)}: language_info {md.get('language_info')} is not this kernel's {want}")
    opened = sys.argv[1:] or ['00_core.ipynb', '08_search.ipynb', '10_app.ipynb']
    s = socket.socket(); s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]; s.close()
    lab = subprocess.Popen([str(Path(sys.executable).parent/'jupyter'), 'lab', '--allow-root', '--no-browser', f'--port={port}', '--ServerApp.ip=127.0.0.1',
                            "--ServerApp.token=", "--ServerApp.password=", f'--notebook-dir={ROOT/"nbs"}'],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path='/usr/bin/chromium', args=['--no-sandbox', '--disable-gpu'])
            for nb in opened:
                page = b.new_page(viewport={'width': 1280, 'height': 900})
                for tries in range(60):                      # until JupyterLab listens
                    try: page.goto(f'http://127.0.0.1:{port}/lab/workspaces/check-{nb.replace(".", "-")}/tree/{nb}?reset', timeout=60_000); break
                    except Exception: time.sleep(1)
                page.wait_for_selector(f'.lm-TabBar-tab:has-text("{nb}")', timeout=60_000)
                page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=120_000)   # kernel up, info copied
                time.sleep(2)
                dirty = page.eval_on_selector_all('.lm-TabBar-tab.jp-mod-dirty', 'els => els.map(e => e.innerText.trim())')
                if dirty: problems.append(f'{nb}: opens modified ("unsaved") in JupyterLab')
                page.close()
            b.close()
    finally:
        lab.terminate(); lab.wait(20)
    print(f'{len(nbs)} notebooks checked, {len(opened)} opened in JupyterLab; {len(problems)} problem(s)')
    for pr in problems: print('  ' + pr)
    return 1 if problems else 0

if __name__ == '__main__': sys.exit(main())

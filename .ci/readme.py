"""Write README.md from nbs/index.ipynb (nbdev's readme_nb) without Quarto: markdown cells as they are,
visible code cells fenced, their text and image outputs kept; `#| hide` cells and cell directives dropped."""
import re, sys, base64
from pathlib import Path
from execnb.nbio import read_nb

def nb2md(nb_path, img_dir=None):
    out = []
    for c in read_nb(nb_path).cells:
        src = c.source
        if c.cell_type == 'markdown': out.append(re.sub(r'\]\((images/|\w+\.ipynb)', r'](nbs/\1', src.strip())); continue   # links relative to nbs/
        if re.search(r'^#\|\s*(hide|include:\s*false)', src, re.M): continue
        code = '\n'.join(l for l in src.splitlines() if not l.startswith('#|')).strip()
        echo = not re.search(r'^#\|\s*echo:\s*false', src, re.M)
        if code and echo: out.append(f'```python\n{code}\n```')
        for o in c.get('outputs', []):
            txt = o.get('text') or o.get('data', {}).get('text/markdown') or o.get('data', {}).get('text/plain')
            if 'image/png' in o.get('data', {}) and img_dir is not None:
                img_dir.mkdir(exist_ok=True)
                fn = img_dir/f'readme_{len(out)}.png'; fn.write_bytes(base64.b64decode(o['data']['image/png']))
                out.append(f'![]({fn.as_posix()})'); continue
            if txt: out.append('    ' + ''.join(txt).rstrip().replace('\n', '\n    '))
    return '\n\n'.join(o for o in out if o) + '\n'

if __name__ == '__main__':
    root = Path(__file__).resolve().parent.parent
    md = '<!-- WARNING: generated from nbs/index.ipynb by .ci/readme.py; edit the notebook, not this file -->\n\n' + nb2md(root/'nbs'/'index.ipynb')
    dest = root/'README.md'
    if '--check' in sys.argv:
        if dest.read_text() != md: sys.exit('README.md is stale: run python .ci/readme.py')
    else: dest.write_text(md)

"""Regenerate docs/ from the notebooks, offline: nbdev's own processing (what `nbdev_proc_nbs` does: hidden
cells dropped, `show_doc` cells added and executed), a little translation of Quarto-only syntax, then MkDocs
with the Material theme and mkdocs-jupyter (nothing from a CDN: web fonts off, CDN script blocks removed).

    python .ci/docs.py                    # -> docs/
    python -m http.server -d docs 8000    # browse http://127.0.0.1:8000 (search needs http; pages also open from file://)

Where Quarto is installed, `nbdev_docs` still builds nbdev's own site (settings.ini: doc_path = docs)."""
import html, json, re, shutil, subprocess, sys, importlib, inspect
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC, OUT = ROOT/'_docs_src', ROOT/'docs'
DOC_HOST = 'https://image-similarity.invalid/'

def sh(*cmd): subprocess.run(cmd, cwd=ROOT, check=True)

def _resolve(name:str, module:str):
    "The object `name` (`f`, `Cls`, `Cls.meth`) of `module`; `None` if it cannot be found."
    try:
        obj = getattr(importlib.import_module(module), name.split('.')[0])
        for part in name.split('.')[1:]: obj = getattr(obj, part)
        return obj
    except Exception: return None

def docments_table(name:str, module:str) -> str:
    "HTML table of an exported object's parameters (type, default, docment) and return type."
    from fastcore.docments import docments
    obj = _resolve(name, module)
    if obj is None: return ''
    if _is_namedtuple(obj): d = _namedtuple_docments(obj)
    else:
        f = obj.__init__ if inspect.isclass(obj) else obj
        try: d = docments(f, full=True)
        except Exception: return ''
    code = lambda t: f'<code>{html.escape(t)}</code>' if t else ''                     # no empty grey boxes
    md = lambda t: re.sub(r'`([^`]+)`', r'<code>\1</code>', html.escape(t or ''))      # docments' backticks as code
    rows = []
    for k, v in d.items():
        if k in ('self', 'cls') or k.startswith('_'): continue                         # private parameters are not API
        anno = '' if v['anno'] is inspect._empty else getattr(v['anno'], '__name__', str(v['anno']))
        if anno == 'NoneType': anno = ''                                                 # docments' guess from a None default: no type
        dflt = v['default']
        default = '' if dflt is inspect._empty else (dflt.__name__ if inspect.isclass(dflt) or callable(dflt) else repr(dflt))
        if k == 'return':
            if anno or v['docment']: rows.append(f"<tr><td><b>Returns</b></td><td>{code(anno)}</td><td></td><td>{md(v['docment'])}</td></tr>")
            continue
        rows.append(f"<tr><td>{code(k)}</td><td>{code(anno)}</td><td>{code(default)}</td><td>{md(v['docment'])}</td></tr>")
    if not rows: return ''
    return ('<table class="docments"><thead><tr><th></th><th>Type</th><th>Default</th><th>Details</th></tr></thead><tbody>'
            + ''.join(rows) + '</tbody></table>')

def _is_namedtuple(obj) -> bool: return inspect.isclass(obj) and issubclass(obj, tuple) and hasattr(obj, '_fields')

def _namedtuple_docments(obj) -> dict:
    "docments of a NamedTuple's fields (`name:type # docment` lines of its class body), as `docments(full=True)` gives them."
    src = inspect.getsource(obj); anns = getattr(obj, '__annotations__', {})
    out = {}
    for f in obj._fields:
        m = re.search(rf'^\s*{f}\s*:[^#\n]*#\s*(.*)$', src, re.M)
        a = anns.get(f, inspect._empty)
        out[f] = dict(anno=a, default=obj._field_defaults.get(f, inspect._empty), docment=m[1].strip() if m else None)
    return out

def bare_signature(md:str, obj=None) -> str:
    "The signature block without the docments comments (the table below has them, raw markdown links and all): short lines."
    def fix(m):
        body = m[2]
        if obj is not None and _is_namedtuple(obj):      # tuple's own (*args, **kwargs) is not what it takes
            body = f"class {obj.__name__}(" + ', '.join(str(p) for p in inspect.signature(obj).parameters.values()) + ")"
        elif inspect.isclass(obj) and '*args, **kwargs' in body:   # an exception, a dict: what it is, not tuple/dict's arguments
            body = f"class {obj.__name__}({', '.join(b.__name__ for b in obj.__bases__)})"
        lines = [re.sub(r':\s*NoneType(?=\s*=)', '', re.sub(r'\s+#.*$', '', l)) for l in body.split('\n')]   # no guessed NoneType
        return m[1] + '\n'.join(lines) + m[3]
    return re.sub(r'(```python\n)(.*?)(\n```)', fix, md, count=1, flags=re.S)

def local_links(s:str) -> str:
    s = s.replace(DOC_HOST, '')
    # "source" links: the module's code is copied into the site (source/), so they work offline and from a clone
    s = re.sub(r'https://github\.com/[^/]+/[^/]+/blob/[^/]+/image_similarity/(\w+\.py)(#L\d+)?', r'source/\1', s)
    s = re.sub(r'(\.html#)([\w.-]+)', lambda m: m[1] + m[2].replace('.', ''), s)   # nbdev's `#cls.meth` is MkDocs' `#clsmeth`
    return re.sub(r'\]\((?:nbs/)?(\d+[a-z]?_)?(\w+)\.ipynb\)', lambda m: f']({m[2]}.html)', s)

def convert(nb_path:Path, module_of:dict) -> tuple:
    nb = json.loads(nb_path.read_text())
    cells, title = [], nb_path.stem
    for c in nb['cells']:
        src = ''.join(c['source'])
        if c['cell_type'] == 'raw' and src.startswith('---'):
            import yaml
            fm = yaml.safe_load(src.strip().strip('-')) or {}
            title = str(fm.get('title', title)).strip()
            desc = ' '.join(str(fm.get('description', '')).split())
            cells.append(dict(cell_type='markdown', metadata={}, source=f"# {title}\n\n> {desc}" if desc else f"# {title}"))
            continue
        if c['cell_type'] == 'markdown':
            if 'AUTOGENERATED! DO NOT EDIT' in src: continue
            c['source'] = local_links(src); cells.append(c); continue
        if c['cell_type'] != 'code': continue
        directives = dict(re.findall(r'^#\|\s*([\w-]+):?\s*(.*)$', src, re.M))
        code = '\n'.join(l for l in src.splitlines() if not l.startswith('#|')).strip()
        m = re.fullmatch(r'show_doc\((.+?)\)', code)
        if m:   # an API entry: the rendered markdown, the source link as HTML, plus the docments table
            md = ''.join(''.join(o['data']['text/markdown']) for o in c.get('outputs', []) if 'text/markdown' in o.get('data', {}))
            md = re.sub(r'\[source\]\((.*?)\)\{[^}]*\}', lambda m: f'<a class="source-link" href="{m[1]}">source</a>', md)
            md = bare_signature(local_links(md), _resolve(m[1], module_of.get(nb_path.stem, '')))
            tbl = docments_table(m[1], module_of.get(nb_path.stem, ''))
            cells.append(dict(cell_type='markdown', metadata={}, source=md + ('\n\n' + tbl if tbl else '')))
            continue
        if directives.get('echo', '').strip() == 'false' and not c.get('outputs'): continue
        c['source'] = code; c['execution_count'] = None
        if code or c.get('outputs'): cells.append(c)
    nb['cells'] = cells
    nb.get('metadata', {}).pop('widgets', None)
    return nb, title

def _text(s): return ' '.join(html.unescape(re.sub(r'<[^>]+>', '', s)).replace('¶', '').split())

def fix_toc(h:str) -> str:
    "Point table-of-contents links whose slug differs from the heading's id (code or quotes in headings) at the heading."
    ids = set(re.findall(r'\sid="([^"]+)"', h))
    by_text = {_text(t): i for _, i, t in re.findall(r'<h([1-6])[^>]*\sid="([^"]+)"[^>]*>(.*?)</h\1>', h, flags=re.S)}
    def repl(m):
        if m[1] in ids: return m[0]
        new = by_text.get(_text(m[3]))
        return m[0].replace(f'href="#{m[1]}"', f'href="#{new}"') if new else m[0]
    return re.sub(r'<a href="#([^"]*)"([^>]*)>(.*?)</a>', repl, h, flags=re.S)

def main():
    # nbdev's processing without `nbdev_proc_nbs`'s first step, which tries to download and install Quarto
    import os; os.chdir(ROOT)
    from nbdev.serve import proc_nbs
    from nbdev.quarto import refresh_quarto_yml
    import nbdev.doclinks
    refresh_quarto_yml(); nbdev.doclinks._build_modidx()
    # a relative path: nbdev skips every file whose absolute path has a hidden part (a clone under ~/.cache)
    proc = Path(proc_nbs('nbs', n_workers=0))
    shutil.rmtree(SRC, ignore_errors=True); SRC.mkdir()
    cfg = {}
    for l in (ROOT/'settings.ini').read_text().splitlines():
        if '=' in l: k, v = l.split('=', 1); cfg[k.strip()] = v.strip()
    nav, module_of = [], {}
    for nb in sorted((ROOT/'nbs').glob('*.ipynb'), key=lambda p: (p.stem != 'index', p.stem)):
        text = nb.read_text()
        m = re.search(r'#\|\s*default_exp\s+([\w.]+)', text)
        name = 'index' if nb.stem == 'index' else (m[1].split('.')[-1] if m else nb.stem)
        module_of[nb.stem] = f"{cfg['lib_name']}.{m[1]}" if m else ''
        out, title = convert(proc/nb.name, module_of)
        (SRC/f'{name}.ipynb').write_text(json.dumps(out))
        nav.append({('Home' if name == 'index' else title): f'{name}.ipynb'})
    if (ROOT/'nbs'/'images').is_dir(): shutil.copytree(ROOT/'nbs'/'images', SRC/'images')
    shutil.copytree(ROOT/'image_similarity', SRC/'source', ignore=shutil.ignore_patterns('__pycache__', '_modidx.py'))
    (SRC/'assets').mkdir(exist_ok=True)
    d = '.jp-RenderedHTMLCommon table.docments'   # beats jupyterlab's own table rules, which the page loads after ours
    (SRC/'assets'/'extra.css').write_text(
        'a.source-link{float:right;font-size:.8em}\n'
        f'{d}{{font-size:.8em;table-layout:fixed;width:100%}}\n'          # as wide as the page's text, never wider
        f'{d} td,{d} td code{{white-space:normal;overflow-wrap:anywhere}}\n'
        + ''.join(f'{d} th:nth-child({i + 1}){{width:{w}%}}' for i, w in enumerate((18, 17, 15, 50))) + '\n'
        '.jp-InputPrompt,.jp-OutputPrompt,.jp-InputArea-prompt,.jp-OutputArea-prompt{display:none !important}\n'
        '.jp-OutputArea-output img{max-width:100%;height:auto}\n.jp-OutputArea-output{overflow-x:auto}\n')
    mk = dict(site_name=cfg['title'], site_description=cfg['description'], docs_dir=str(SRC), site_dir=str(OUT),
              use_directory_urls=False, nav=nav, extra_css=['assets/extra.css'],
              theme=dict(name='material', font=False, features=['navigation.footer', 'search.highlight']),
              plugins=['search', dict(**{'mkdocs-jupyter': dict(include=['*.ipynb'], include_source=False, ignore_h1_titles=True,
                                                                          include_requirejs=False, execute=False)})],
              markdown_extensions=['tables', 'admonition'])
    yml = ROOT/'_mkdocs.yml'
    yml.write_text(json.dumps(mk, indent=1))     # YAML is a superset of JSON
    sh(str(Path(sys.executable).parent/'mkdocs'), 'build', '--clean', '-q', '-f', str(yml))
    # mkdocs-jupyter's pages carry an inline module that would import mermaid from a CDN if a page had a
    # diagram (none has): drop it, so that nothing in the site refers to the network for code or styles
    for page in OUT.glob('*.html'):
        h = page.read_text()
        h2 = re.sub(r'<script[^>]*>(?:(?!</script>).)*?https://cdn(?:(?!</script>).)*</script>', '', h, flags=re.S)
        h2 = fix_toc(h2)
        if h2 != h: page.write_text(h2)
    (OUT/'README.md').write_text('# docs/\n\nThe documentation site, generated from the notebooks by `python .ci/docs.py` '
                                 '(not committed: CI builds and checks it). Open `docs/index.html`.\n')
    print(f'docs written to {OUT}: {len(nav)} pages')

if __name__ == '__main__': main()

"""Browser test of the documentation site in docs/: a local server, headless Chromium driven by Playwright.
Every page of the navigation is opened; it must raise no console error or page error, request nothing
outside this machine, have no broken internal link and no image that fails to load; a sample of exported
names must each have an API entry; no page may show In/Out prompts, warnings or progress bars in its outputs. Screenshots of the home page and one module page go to $DOCS_SHOTS
(default /tmp). Exit status 0 when all holds."""
import functools, http.server, os, re, sys, threading
from pathlib import Path
from urllib.parse import urljoin, urlparse
from playwright.sync_api import sync_playwright

DOCS = Path(__file__).resolve().parent.parent/'docs'
API_SAMPLE = {'data': ['load_image', 'list_images', 'collection_path', 'scan_images', 'fetch_image', 'ImageSpec'], 'dls': ['get_dls'],
              'backbones': ['get_backbone', 'lukemelas_to_timm'], 'store': ['ModelDir', 'ModelDir.save', 'ModelDir.load'],
              'lsh': ['LSHIndex', 'index_for'], 'lsh_vectors': ['as_vectors'], 'lsh_kernels': ['Stored'], 'lsh_adaptive': ['Plan', 'score_bound'],
              'lsh_cells': ['Cells'], 'lsh_format': ['write_index'], 'lshash_compat': ['LSHash'], 'embed': ['Embedder'], 'export': ['split_head'],
              'settings': ['BuildSettings'],
              'train': ['fast_train', 'build_learner'], 'pipeline': ['build'], 'search': ['ImageSearch', 'ImageSearch.embed', 'plot_grid'],
              'cli': ['find_similar_images'], 'core': ['atomic_write', 'VectorError']}

def main():
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a): pass
    handler = functools.partial(Quiet, directory=str(DOCS))
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f'http://127.0.0.1:{srv.server_address[1]}/'
    problems, checked_links, anchors, ids = [], set(), set(), {}
    shots = Path(os.environ.get('DOCS_SHOTS', '/tmp'))
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path='/usr/bin/chromium', args=['--no-sandbox', '--disable-gpu', '--disable-background-networking',
                                                                         '--disable-component-update', '--disable-sync', '--no-first-run'])
        page = b.new_page(viewport={'width': 1280, 'height': 900})
        events = []
        page.on('console', lambda m: m.type == 'error' and events.append(f'console error: {m.text}'))
        page.on('pageerror', lambda e: events.append(f'page error: {e}'))
        page.on('request', lambda r: not r.url.startswith(base) and not r.url.startswith('data:') and events.append(f'external request: {r.url}'))
        page.goto(base + 'index.html'); page.wait_for_load_state('networkidle')
        pages = ['index.html'] + [h for h in page.eval_on_selector_all('nav.md-nav--primary a.md-nav__link[href]', 'els => els.map(e => e.getAttribute("href"))')
                                  if h.endswith('.html') and h != 'index.html']
        pages = list(dict.fromkeys(pages))
        for pg in pages:
            events.clear()
            r = page.goto(base + pg); page.wait_for_load_state('networkidle')
            if not r or r.status != 200: problems.append(f'{pg}: HTTP {r.status if r else "?"}'); continue
            problems += [f'{pg}: {e}' for e in events]
            broken = page.eval_on_selector_all('img', 'els => els.filter(e => !(e.complete && e.naturalWidth > 0)).map(e => e.src.slice(0, 80))')
            problems += [f'{pg}: image does not load: {s}' for s in broken]
            ids[pg] = set(page.eval_on_selector_all('[id]', 'els => els.map(e => e.id)'))
            for href in page.eval_on_selector_all('a[href]', 'els => els.map(e => e.getAttribute("href"))'):
                u = urljoin(base + pg, href)
                if u.startswith(base) and '#' in u and u.split('#')[1]: anchors.add((pg, href, u[len(base):].split('#')[0], u.split('#')[1]))
                if not u.startswith(base) or u.split('#')[0] in checked_links: continue
                checked_links.add(u.split('#')[0])
                st = page.request.get(u.split('#')[0]).status
                if st != 200: problems.append(f'{pg}: broken link {href} (HTTP {st})')
            prompts = page.eval_on_selector_all('.jp-InputPrompt, .jp-OutputPrompt, .jp-InputArea-prompt, .jp-OutputArea-prompt',
                                                'els => els.filter(e => e.offsetParent !== null && e.innerText.trim()).length')
            if prompts: problems.append(f'{pg}: {prompts} visible In/Out prompt(s)')
            noise = page.eval_on_selector_all('.jp-OutputArea-output', """els => els.filter(e =>
                e.getAttribute('data-mime-type') === 'application/vnd.jupyter.stderr' || /Warning[:(]|\\r|\u2588/.test(e.innerText)).length""")
            if noise: problems.append(f'{pg}: {noise} output block(s) with warnings or progress bars')
            # what the screenshots taught: a parameter table wider than the text is cut off at the right edge; a signature
            # carries no docments comments (raw markdown links), no guessed NoneType and no tuple's (*args, **kwargs)
            wide = page.eval_on_selector_all('table.docments', """els => els.filter(t =>
                t.getBoundingClientRect().width > t.parentElement.getBoundingClientRect().width + 1).length""")
            if wide: problems.append(f'{pg}: {wide} parameter table(s) wider than the page text (cut off)')
            sigs = page.eval_on_selector_all('h3 + div.highlight pre, h4 + div.highlight pre', 'els => els.map(e => e.innerText)')
            for sig in sigs:
                if '# ' in sig or 'NoneType' in sig or '*args, **kwargs' in sig:
                    problems.append(f'{pg}: signature with comments, NoneType or (*args, **kwargs): {sig.splitlines()[0][:60]}')
            stem = pg[:-5]
            for name in API_SAMPLE.get(stem, []):
                if not page.query_selector(f'h3:has-text("{name}"), h4:has-text("{name}")'):
                    problems.append(f'{pg}: no API entry for {name}')
                elif not page.query_selector('table.docments') and name[0].islower():
                    problems.append(f'{pg}: no docments table')
            if stem in ('index', 'lsh'): page.screenshot(path=str(shots/f'docs_{stem}.png'))
        b.close()
    srv.shutdown()
    for pg, href, target, frag in sorted(anchors):   # links into a page must land on an existing anchor
        if target in ids and frag not in ids[target]: problems.append(f'{pg}: link {href} points to a missing anchor')
    n_api = sum(len(v) for v in API_SAMPLE.values())
    print(f'{len(pages)} pages, {len(checked_links)} internal link targets, {len(anchors)} anchors, {n_api} API entries checked; {len(problems)} problem(s)')
    for pr in problems: print('  ' + pr)
    return 0 if not problems and len(pages) >= 9 else 1

if __name__ == '__main__': sys.exit(main())

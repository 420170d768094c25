"""Copy detection on DISC21-style edits (AugLy) of Caltech-101 photos: imagededup's PHash, Meta's PDQ, the
old `find_duplicates` (one cut on the embedding distance) and the verified one (`find_copies`), side by side.

    python bench/copies.py [--work /tmp/imsim_copies] [--originals 1200] [--per-edit 15] [--model models/caltech101]
    python bench/copies.py --report                   (the tables of the saved JSON)

1. Folder: `--originals` seeded Caltech-101 photos (links; `Faces_easy` left out, it holds the `Faces` photos
   cropped) and, for each of the 14 edits in `EDITS` (AugLy, the library DISC21's queries were made with),
   `--per-edit` copies of as many distinct originals (saved as JPEG q95; the JPEG edit at q20). Truth: each copy
   and its original. A found pair that holds a copy is right when it is (copy, its original), wrong otherwise;
   pairs of two originals are counted apart (Caltech-101's own copies, e.g. the Leopards photographed twice, or
   false alarms: the truth cannot tell) and listed in the JSON.
2. Methods, each in a child process of its own (its peak resident memory is its own):
   - imagededup PHash at its default `max_distance_threshold=10`;
   - PDQ (`pdqhash`, the 8 dihedral variants of one side) at PDQ's own match threshold, 31 bits;
   - `find_duplicates(verify=False)` and `find_duplicates()` on an unlabelled model directory of the folder
     (built here; its embedding time is reported apart), pairs = every pair inside a group;
   - the same two decisions with the fine-tuned `--model` (default preset `quality`; the folder embedded with its
     embedder): `near_pairs` at its `dup_threshold`, and `find_copies` (given the model's embedder, as
     `find_duplicates` gives it, for the photo inside a screenshot).
   For each: precision, recall, F1, recall per edit, seconds per 1,000 images (without the embedding), peak memory
   (the child's maximum resident set size; a child that only imports what they import gives the floor).
Writes bench/results/copies.json and copies.txt.
"""
import argparse, json, os, resource, shutil, subprocess, sys, time, warnings
from pathlib import Path
import numpy as np
warnings.filterwarnings('ignore')
ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT/'bench'/'results'

def edits():
    "The 14 edits. Every argument that AugLy would draw at random is fixed (its default overlay text is drawn on import)."
    np.float = float                      # augly still uses np.float (removed in NumPy 2)
    import augly.image as A
    return {'crop 70%': lambda i: A.crop(i, x1=.15, y1=.15, x2=.85, y2=.85), 'resize 40%': lambda i: A.scale(i, factor=0.4),
            'rotate 15': lambda i: A.rotate(i, degrees=15), 'JPEG q20': lambda i: A.encoding_quality(i, quality=20),
            'text': lambda i: A.overlay_text(i, text=[17, 250, 444, 612, 903]), 'emoji': lambda i: A.overlay_emoji(i),
            'border 20%': lambda i: A.pad(i, w_factor=.2, h_factor=.2, color=(255, 255, 255)), 'mirror': A.hflip,
            'grayscale': A.grayscale, 'brightness x1.6': lambda i: A.brightness(i, factor=1.6), 'blur r3': lambda i: A.blur(i, radius=3),
            'stripes': lambda i: A.overlay_stripes(i), 'perspective': lambda i: A.perspective_transform(i, sigma=50, seed=1),
            'screenshot': lambda i: A.overlay_onto_screenshot(i)}

def make_folder(work:Path, n:int, per:int, seed:int=0) -> dict:
    from PIL import Image
    from image_similarity.data import caltech101, list_images
    src = caltech101(); files = [f for f in list_images(src) if f.parent.name != 'Faces_easy']
    pick = np.random.default_rng(seed).choice(len(files), n, replace=False)
    out = work/'images'; shutil.rmtree(out, ignore_errors=True); out.mkdir(parents=True)
    names = []
    for i in pick: f = files[i]; nm = f"{f.parent.name}__{f.name}"; os.symlink(f, out/nm); names.append(nm)
    truth = []
    for e, (k, fn) in enumerate(edits().items()):
        for j in range(per):
            o = names[e * per + j]; c = fn(Image.open(out/o).convert('RGB')).convert('RGB')
            cn = f"copy{len(truth):03d}.jpg"; c.save(out/cn, quality=20 if k == 'JPEG q20' else 95)
            truth.append(dict(copy=cn, original=o, edit=k))
    t = dict(truth=truth, originals=names); (work/'truth.json').write_text(json.dumps(t, indent=1)); return t

def group_pairs(d) -> list:
    from pathlib import Path as P
    return [tuple(sorted((P(a).name, P(b).name))) for _, g in d.groupby('group') for i, a in enumerate(g.path) for b in list(g.path)[i+1:]]

def one(method:str, work:Path, model:str) -> dict:
    "Run one method in this (child) process: its pairs of file names, seconds, peak memory."
    folder = work/'images'; names = sorted(p.name for p in folder.iterdir()); files = [folder/n for n in names]
    t = time.time()
    if method == 'imports only':                            # what every child holds before it works: the peak-memory floor
        import types
        stub = types.ModuleType('imagededup.methods.cnn'); stub.CNN = None; sys.modules['imagededup.methods.cnn'] = stub
        from imagededup.methods import PHash
        import image_similarity.dedup, image_similarity.copies, image_similarity.lsh_pairs
        pairs = []
    elif method == 'imagededup PHash':
        import types
        stub = types.ModuleType('imagededup.methods.cnn'); stub.CNN = None; sys.modules['imagededup.methods.cnn'] = stub   # its CNN downloads weights
        from imagededup.methods import PHash
        ph = PHash(verbose=False); dd = ph.find_duplicates(image_dir=str(folder), max_distance_threshold=10)
        pairs = sorted({tuple(sorted((k, v))) for k, vs in dd.items() for v in vs})
    elif method == 'PDQ (dihedral), 31 bits':
        from image_similarity.copies import pdq_hashes, pdq_pairs
        H, Q = pdq_hashes(files); a, b, _ = pdq_pairs(H, Q, 31)
        pairs = [(names[i], names[j]) for i, j in zip(a.tolist(), b.tolist())]
    elif method.startswith('find_duplicates'):
        from image_similarity.dedup import find_duplicates
        pairs = group_pairs(find_duplicates(work/'model', verify='verified' in method, progress=False))
    else:                                                   # fine-tuned embeddings
        z = np.load(work/'finetuned.npz'); e = z['emb']; assert list(z['names']) == names
        if 'near_pairs' not in method:                      # its embedder, for the photo inside a screenshot (as find_duplicates has)
            from image_similarity.search import ImageSearch
            s = ImageSearch(ROOT/model if not Path(model).is_absolute() else model); embed = lambda ims: s.embedder(ims).embeddings
        t = time.time()
        if 'near_pairs' in method:
            from image_similarity.lsh_pairs import near_pairs
            a, b, _ = near_pairs(e, float(z['threshold']))
        else:
            from image_similarity.copies import find_copies
            c = find_copies(files, e, embed=embed); c = c[c.is_copy]; a, b = c.a.to_numpy(), c.b.to_numpy()
        pairs = [tuple(sorted((names[i], names[j]))) for i, j in zip(a.tolist(), b.tolist())]
    return dict(pairs=pairs, seconds=round(time.time() - t, 2), n_images=len(names),
                peak_rss_gb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2))

def score(pairs, truth:list) -> dict:
    copy_of = {r['copy']: r['original'] for r in truth}; edit = {r['copy']: r['edit'] for r in truth}
    want = {tuple(sorted((c, o))) for c, o in copy_of.items()}
    found = set(map(tuple, pairs)); held = {p for p in found if p[0] in copy_of or p[1] in copy_of}
    tp = len(found & want); fp = len(held) - tp; p = tp / max(tp + fp, 1); r = tp / len(want)
    per = {}
    for c, o in copy_of.items(): per.setdefault(edit[c], []).append(tuple(sorted((c, o))) in found)
    return dict(precision=round(p, 4), recall=round(r, 4), f1=round(2 * p * r / max(p + r, 1e-12), 4), tp=tp, fp=fp,
                wrong=sorted(held - want)[:50], pairs_of_originals=sorted(found - held),
                per_edit={k: round(float(np.mean(v)), 3) for k, v in per.items()})

METHODS = ['imagededup PHash', 'PDQ (dihedral), 31 bits', 'find_duplicates, cut (unlabelled)', 'find_duplicates, verified (unlabelled)',
           'fine-tuned, cut (near_pairs)', 'fine-tuned, verified (find_copies)']

def report(res:dict) -> str:
    edits_ = list(next(iter(m for m in res['methods'].values() if 'per_edit' in m))['per_edit'])
    n = res['n_images']
    L = [f"## Copy detection: {res['n_copies']} AugLy copies among {n:,} images ({res['n_originals']:,} Caltech-101 originals)", '',
         f"Command: `{res['command']}`. Unlabelled model directory built in {res['build_seconds']} s; fine-tuned model `{res['model']}` "
         f"(its embedding of the folder: {res['embed_seconds']} s).", '',
         '| method | precision | recall | F1 | wrong pairs | pairs of two originals | s / 1,000 images | peak memory (GB) |', '|---|---|---|---|---|---|---|---|']
    for k, m in res['methods'].items():
        L.append(f"| {k} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['fp']} | {len(m['pairs_of_originals'])} | "
                 f"{m['seconds'] / n * 1000:.1f} | {m['peak_rss_gb']} |")
    if 'imports_only_gb' in res: L += ['', f"Peak memory of a child that only imports the packages these methods use: {res['imports_only_gb']} GB."]
    L += ['', 'Recall per edit:', '', '| method | ' + ' | '.join(edits_) + ' |', '|---|' + '---|' * len(edits_)]
    for k, m in res['methods'].items(): L.append(f"| {k} | " + ' | '.join(f"{m['per_edit'][e]:.2f}" for e in edits_) + ' |')
    v = res['methods'].get('find_duplicates, verified (unlabelled)')
    if v: L += ['', 'Pairs of two originals the verified method (unlabelled) reports: ' + '; '.join(' / '.join(p) for p in v['pairs_of_originals'][:30])]
    return '\n'.join(L)

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--work', default='/tmp/imsim_copies'); ap.add_argument('--originals', type=int, default=1200)
    ap.add_argument('--per-edit', type=int, default=15); ap.add_argument('--model', default='models/caltech101')
    ap.add_argument('--one'); ap.add_argument('--report', action='store_true')
    a = ap.parse_args(); work = Path(a.work)
    if a.one: print(json.dumps(one(a.one, work, a.model))); raise SystemExit
    if a.report: print(report(json.loads((RESULTS/'copies.json').read_text()))); raise SystemExit
    sys.path.insert(0, str(ROOT))
    from image_similarity.pipeline import build
    from image_similarity.search import ImageSearch
    t = make_folder(work, a.originals, a.per_edit)
    shutil.rmtree(work/'model', ignore_errors=True); t0 = time.time()
    build(work/'images', work/'model', labels='none', progress=False); build_s = round(time.time() - t0, 1)
    s = ImageSearch(ROOT/a.model if not Path(a.model).is_absolute() else a.model)
    names = sorted(p.name for p in (work/'images').iterdir()); t0 = time.time()
    e = s.embedder([work/'images'/n for n in names]); embed_s = round(time.time() - t0, 1)
    np.savez(work/'finetuned.npz', emb=e.embeddings, names=np.array(names), threshold=s.dup_threshold)
    res = dict(command='python bench/copies.py ' + ' '.join(sys.argv[1:]), n_images=len(names), n_copies=len(t['truth']),
               n_originals=len(t['originals']), build_seconds=build_s, embed_seconds=embed_s, model=a.model, methods={})
    r = subprocess.run([sys.executable, __file__, '--one', 'imports only', '--work', str(work)], capture_output=True, text=True)
    if r.returncode: raise SystemExit(f"imports only: failed\n{r.stderr[-3000:]}")
    res['imports_only_gb'] = json.loads(r.stdout.strip().splitlines()[-1])['peak_rss_gb']
    for m in METHODS:
        r = subprocess.run([sys.executable, __file__, '--one', m, '--work', str(work), '--model', a.model], capture_output=True, text=True)
        if r.returncode: raise SystemExit(f"{m}: failed\n{r.stderr[-3000:]}")
        o = json.loads(r.stdout.strip().splitlines()[-1])
        res['methods'][m] = score(o.pop('pairs'), t['truth']) | o
        print(m, {k: v for k, v in res['methods'][m].items() if k not in ('wrong', 'pairs_of_originals')}, flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS/'copies.json').write_text(json.dumps(res, indent=1)); txt = report(res); (RESULTS/'copies.txt').write_text(txt + '\n'); print(txt)

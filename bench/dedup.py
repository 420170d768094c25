"""Duplicates: ours against imagededup and faiss on a generated benchmark, leakage in the Caltech-101 split,
calibrated thresholds, and the all-pairs search at a million vectors. Side by side in one run.

    python bench/dedup.py [--work /tmp/imsim_dedup] [--copies 1000] [--scale 1000000]   (about 15 minutes)
    python bench/dedup.py --report                                                     (the tables of the saved JSON)

1. Benchmark folder: all 8,635 Caltech-101 images (links) plus `--copies` edited copies of a seeded sample
   of them (one of `dedup.EDITS` each, in turn, saved as JPEG q90). The sample leaves out `Faces` and
   `Faces_easy`, which hold the same photographs cropped differently: a copy of one would rightly match
   the other. Truth: each copy and its original. A pair is scored when it holds a copy: right when it is
   (copy, its original), wrong otherwise; pairs of two originals are counted apart (real duplicates of
   Caltech-101 or false alarms; the truth cannot tell). A wrong pair is also rescored as right when its other
   image is a copy of the copy's original already in Caltech-101 by pHash (`DupAware`), reported beside.
   - ours, unlabelled: `find_duplicates(folder)` end to end (pretrained features + PCA, the default
     threshold of an unlabelled model), and its pairs (`near_pairs` at that threshold);
   - ours, fine-tuned: the Caltech-101 model directory (`models/caltech101`, built if missing), copies
     embedded with it, `near_pairs` at the fine-tuned default;
   - faiss `range_search` (exact, IndexFlatIP) on the same embeddings at the same thresholds;
   - imagededup PHash (its default `max_distance_threshold=10`, and the best of a sweep), and its CNN
     method, which downloads weights at run time (reported when it cannot).
   For every method: precision, recall, F1 at its default, and the best F1 over a threshold sweep.
2. Leakage: `find_leaks` on the fine-tuned model's seeded split; `leak_effect`: validation accuracy with
   and without the leaked images. `calibrate_threshold` (200 images x 6 edits) on both models.
3. Scale: `near_pairs` on `--scale` random unit 512-d vectors with 10,000 planted pairs (cosine distance
   uniform in (0.002, 0.05]) in a child process: wall time, peak memory (ru_maxrss), recall of the planted
   pairs; and what an N x N matrix would need, from a timed 20,000 x 20,000 block.
Writes bench/results/dedup.json and dedup.txt.
"""
import argparse, json, os, resource, shutil, sys, time, warnings, multiprocessing as mp
from pathlib import Path
import numpy as np
warnings.filterwarnings('ignore')
RESULTS = Path(__file__).parent/'results'
IMAGES = Path(__file__).parent.parent/'nbs'/'images'

def prf(found:set, truth:set, copies:set) -> dict:
    "Precision/recall/F1 of the pairs holding a copy; pairs of two originals counted apart."
    scored = {p for p in found if p[0] in copies or p[1] in copies}
    tp = len(scored & truth); fp = len(scored) - tp
    p = tp / max(tp + fp, 1); r = tp / len(truth)
    return dict(precision=round(p, 4), recall=round(r, 4), f1=round(2 * p * r / max(p + r, 1e-12), 4), tp=tp, fp=fp,
                pairs_of_originals=len(found) - len(scored))

class DupAware:
    """Rescore a method's wrong pairs: (copy, x) is right after all when x is a copy of the copy's original already in
    Caltech-101, judged by pHash (of x or its mirror within 10 bits of the original)."""
    def __init__(self, folder, truth, copies):
        self.folder, self.ph = folder, {}
        self.orig = {c: o for p in truth for c, o in [p if p[0] in copies else p[::-1]]}
    def hash(self, n):
        from image_similarity.calibrate import _phash
        if n not in self.ph: self.ph[n] = _phash(self.folder/n)
        return self.ph[n]
    def same(self, x, y):
        from image_similarity.calibrate import _same_picture
        return x == y or _same_picture(self.hash(x), self.hash(y))
    def __call__(self, r:dict, found:set, truth:set, copies:set) -> dict:
        wrong = [p for p in found if (p[0] in copies or p[1] in copies) and p not in truth]
        ok = 0
        for p in wrong:
            c, x = p if p[0] in copies else p[::-1]
            ok += self.same(self.orig[c], self.orig.get(x, x))
        tp = r['tp'] + ok; return dict(r, precision_dup_aware=round(tp / max(r['tp'] + r['fp'], 1), 4), wrong_but_copy_of_original=ok)

def pairs_set(names, a, b) -> set:
    return {tuple(sorted((names[i], names[j]))) for i, j in zip(a.tolist(), b.tolist())}

def make_folder(work:Path, n_copies:int, seed:int=0):
    from PIL import Image
    from image_similarity.data import caltech101, list_images, load_image
    from image_similarity.calibrate import EDITS
    src = caltech101(); files = list(list_images(src))
    folder = work/'images'; shutil.rmtree(folder, ignore_errors=True); folder.mkdir(parents=True)
    names = {}
    for f in files:
        n = f"{f.parent.name}__{f.name}"; os.symlink(f, folder/n); names[str(f.relative_to(src))] = n
    pool = [i for i, f in enumerate(files) if f.parent.name not in ('Faces', 'Faces_easy')]
    pick = np.random.default_rng(seed).choice(pool, n_copies, replace=False)
    edits = list(EDITS.items()); truth = set(); kind = {}
    for j, i in enumerate(pick):
        name, f = edits[j % len(edits)]
        c = f"copy_{j:05d}.jpg"; f(load_image(files[i])).save(folder/c, quality=90)
        truth.add(tuple(sorted((c, names[str(files[i].relative_to(src))])))); kind[c] = name
    return folder, truth, {c for p in truth for c in p if c.startswith('copy_')}, kind, names

def faiss_pairs(e, t):
    import faiss
    e = np.ascontiguousarray(e / np.linalg.norm(e, axis=1, keepdims=True), np.float32)
    ix = faiss.IndexFlatIP(e.shape[1]); ix.add(e)
    lims, D, I = ix.range_search(e, 1 - t)
    q = np.repeat(np.arange(len(e)), np.diff(lims).astype(np.int64)); keep = q < I
    return q[keep], I[keep], 1 - D[keep]

def sweep(names, a, b, d, truth, copies, grid):
    best = None
    for t in grid:
        m = d <= t; r = prf(pairs_set(names, a[m], b[m]), truth, copies) | dict(threshold=float(t))
        if best is None or r['f1'] > best['f1']: best = r
    return best

def section_benchmark(a, out):
    from image_similarity.dedup import find_duplicates; from image_similarity.lsh_pairs import near_pairs; from image_similarity.calibrate import EDITS
    from image_similarity.search import ImageSearch
    from image_similarity.data import list_images
    work = Path(a.work); t0 = time.time()
    folder, truth, copies, kind, names = make_folder(work, a.copies)
    print(f"benchmark folder: {len(list(folder.iterdir())):,} files, {len(truth):,} planted pairs ({time.time() - t0:.0f} s)")
    res = out['benchmark'] = dict(n_files=len(list(folder.iterdir())), n_copies=len(truth), methods={})
    # ours, unlabelled, end to end
    t0 = time.time(); g = find_duplicates(folder, model_dir=work/'model_unlabelled'); t_e2e = time.time() - t0
    s = ImageSearch(work/'model_unlabelled'); nm = [Path(p).name for p in s.items.path]; t = s.dup_threshold
    grp = {}
    for gid, p in zip(g.group, g.path): grp.setdefault(gid, []).append(Path(p).name)
    found_groups = {tuple(sorted((x, y))) for m in grp.values() for i, x in enumerate(m) for y in m[i + 1:]}
    t1 = time.time(); A, B, D = near_pairs(s.model.embeddings, t); t_pairs = time.time() - t1
    res['methods']['ours, unlabelled (find_duplicates groups)'] = prf(found_groups, truth, copies) | dict(threshold=t, seconds=round(t_e2e, 1))
    da = DupAware(folder, truth, copies); fs_u = pairs_set(nm, A, B)
    res['methods']['ours, unlabelled (near_pairs)'] = da(prf(fs_u, truth, copies), fs_u, truth, copies) | dict(threshold=t, seconds=round(t_pairs, 2))
    fa, fb, fd = faiss_pairs(s.model.embeddings, 0.3); t1 = time.time(); faiss_pairs(s.model.embeddings, t); t_faiss = time.time() - t1
    m = fd <= t
    res['methods']['faiss range_search, unlabelled embeddings'] = prf(pairs_set(nm, fa[m], fb[m]), truth, copies) | dict(threshold=t, seconds=round(t_faiss, 2))
    res['methods']['ours, unlabelled (near_pairs)']['best'] = sweep(nm, fa, fb, fd, truth, copies, np.arange(0.01, 0.301, 0.005))
    res['lsh_recall_vs_exact_unlabelled'] = round(len(pairs_set(nm, A, B) & pairs_set(nm, fa[m], fb[m])) / max(m.sum(), 1), 4)
    by_edit = {}
    for k in EDITS:
        tk = {p for p in truth if kind[p[0] if p[0].startswith('copy_') else p[1]] == k}
        by_edit[k] = round(len(tk & pairs_set(nm, A, B)) / len(tk), 3)
    res['recall_by_edit_unlabelled'] = by_edit
    # ours, fine-tuned
    md = Path(a.model)
    if not (md/'meta.json').exists():
        from image_similarity.pipeline import build
        print(f"building {md} (fine-tuned, a few minutes)"); build(None, md, progress=False)
    f = ImageSearch(md); cp = sorted(copies); e = f.embedder([folder/c for c in cp])
    emb = np.concatenate([f.model.embeddings, e.embeddings]); nm2 = [n.replace('/', '__') for n in f.items.path] + [cp[i] for i in e.positions]
    t2 = f.dup_threshold; t1 = time.time(); A, B, D = near_pairs(emb, t2); t_pairs = time.time() - t1
    fs_f = pairs_set(nm2, A, B)
    res['methods']['ours, fine-tuned (near_pairs)'] = da(prf(fs_f, truth, copies), fs_f, truth, copies) | dict(threshold=t2, seconds=round(t_pairs, 2))
    fa, fb, fd = faiss_pairs(emb, 0.2); m = fd <= t2
    res['methods']['faiss range_search, fine-tuned embeddings'] = prf(pairs_set(nm2, fa[m], fb[m]), truth, copies) | dict(threshold=t2)
    res['methods']['ours, fine-tuned (near_pairs)']['best'] = sweep(nm2, fa, fb, fd, truth, copies, np.arange(0.005, 0.201, 0.005))
    res['lsh_recall_vs_exact_finetuned'] = round(len(pairs_set(nm2, A, B) & pairs_set(nm2, fa[m], fb[m])) / max(m.sum(), 1), 4)
    # imagededup: importing imagededup.methods builds its CNN's MobileNetV3, which downloads weights (no network here);
    # PHash alone needs no weights, so its module is reached with the CNN module stubbed out
    cnn_error = None
    try: import imagededup.methods
    except Exception as ex:
        import types
        cnn_error = f"importing imagededup.methods downloads MobileNetV3 weights: {type(ex).__name__}: {ex}"[:300]
        for k in [k for k in sys.modules if k.startswith('imagededup')]: del sys.modules[k]
        stub = types.ModuleType('imagededup.methods.cnn'); stub.CNN = None; sys.modules['imagededup.methods.cnn'] = stub
    try:
        from imagededup.methods import PHash
        ph = PHash(verbose=False); t1 = time.time(); enc = ph.encode_images(image_dir=str(folder))
        dd = ph.find_duplicates(encoding_map=enc, max_distance_threshold=10); t_ph = time.time() - t1
        fs = lambda dd: {tuple(sorted((k, v))) for k, vs in dd.items() for v in vs}
        res['methods']['imagededup PHash'] = da(prf(fs(dd), truth, copies), fs(dd), truth, copies) | dict(threshold=10, seconds=round(t_ph, 1))
        best = None
        for th in range(0, 21, 2):
            r = prf(fs(ph.find_duplicates(encoding_map=enc, max_distance_threshold=th)), truth, copies) | dict(threshold=th)
            if best is None or r['f1'] > best['f1']: best = r
        res['methods']['imagededup PHash']['best'] = best
    except Exception as ex: res['methods']['imagededup PHash'] = dict(error=f"{type(ex).__name__}: {ex}"[:300])
    try:
        if cnn_error: raise RuntimeError(cnn_error)
        from imagededup.methods import CNN
        cnn = CNN(verbose=False); dd = cnn.find_duplicates(image_dir=str(folder), min_similarity_threshold=0.9)
        res['methods']['imagededup CNN'] = prf({tuple(sorted((k, v))) for k, vs in dd.items() for v in vs}, truth, copies) | dict(threshold=0.9)
    except Exception as ex: res['methods']['imagededup CNN'] = dict(error=f"did not run offline: {ex}"[:300])

def section_leaks(a, out):
    from image_similarity.dedup import find_leaks, leak_effect; from image_similarity.calibrate import calibrate_threshold
    from image_similarity.search import ImageSearch
    from image_similarity.pipeline import build
    mds = {'unlabelled': Path(a.work)/'model_unlabelled_caltech', 'fine-tuned': Path(a.model)}
    for name, md in mds.items():
        if not (md/'meta.json').exists(): print(f"building {md}"); build(None, md, labels='none' if name == 'unlabelled' else 'auto', progress=False)
    cal = out['calibration'] = {}
    for name, md in mds.items():
        c = calibrate_threshold(md, n=200, plot=False); cal[name] = {k: v for k, v in c.items() if k != 'curve'}
    out['leaks'] = {}
    for name, md in mds.items():                   # the same seeded split in both (same files, seed 42)
        s = ImageSearch(md); t0 = time.time(); lk = find_leaks(s, threshold=cal[name]['threshold']); t_leaks = time.time() - t0
        eff = leak_effect(mds['fine-tuned'], lk)
        out['leaks'][name] = dict(threshold=lk.attrs['threshold'], n_train=lk.attrs['n_train'], n_leaks_found=len(lk),
                                  same_file=int((lk.match == 'same file').sum()), seconds=round(t_leaks, 2),
                                  by_class=lk.test_label.value_counts().head(8).to_dict() if name == 'fine-tuned' else
                                           lk.test_path.map(lambda p: Path(p).parent.name).value_counts().head(8).to_dict(), **eff)
        lk.to_csv(RESULTS/f'dedup_leaks_{name}.csv', index=False)
        if name == 'unlabelled': leak_montage(lk, IMAGES/'dedup_leaks.png')
    # Faces and Faces_easy: the same photographs (same file names), Faces_easy cropped tight around the face
    u = ImageSearch(mds['unlabelled']); e = u.model.embeddings / np.linalg.norm(u.model.embeddings, axis=1, keepdims=True)
    row = {p: i for i, p in enumerate(u.items.path)}
    fd = np.array([1 - e[i] @ e[row[p.replace('Faces/', 'Faces_easy/')]] for p, i in row.items()
                   if p.startswith('Faces/') and p.replace('Faces/', 'Faces_easy/') in row])
    out['faces_pairs'] = dict(n=len(fd), median_distance=round(float(np.median(fd)), 3), within_threshold=int((fd <= cal['unlabelled']['threshold']).sum()))
    from image_similarity.dedup import find_duplicates, plot_groups
    t0 = time.time(); g = find_duplicates(mds['unlabelled']); t_g = time.time() - t0
    out['caltech_groups'] = dict(threshold=g.attrs['threshold'], groups=int(g.group.nunique()), images_in_groups=len(g), extra_copies=int((~g.keep).sum()),
                                 same_file=int((g.match == 'same file').sum()), same_pixels=int((g.match == 'same pixels').sum()),
                                 largest=int(g.group.value_counts().max()), seconds=round(t_g, 1),
                                 by_class=g.path.map(lambda p: Path(p).parent.name).value_counts().head(8).to_dict())
    g.to_csv(RESULTS/'dedup_caltech_groups.csv', index=False)
    plot_groups(g, n=6, per_row=6, save=IMAGES/'dedup_caltech.png'); _shrink(IMAGES/'dedup_caltech.png')

def _shrink(path):
    "A docs figure as a 256-colour PNG (a quarter of the bytes; thumbnails lose nothing visible)."
    from PIL import Image
    Image.open(path).convert('RGB').quantize(256).save(path, optimize=True)

def leak_montage(lk, path, n=16, seed=1):
    "A random sample of leaks: validation image and its training copy side by side, with the distance."
    from PIL import Image, ImageDraw
    sel = lk.sample(min(n, len(lk)), random_state=seed).sort_values('distance')
    W = Image.new('RGB', (4 * 260, -(-len(sel) // 4) * 112), 'white'); d = ImageDraw.Draw(W)
    for k, (_, r) in enumerate(sel.iterrows()):
        x0, y0 = (k % 4) * 260, (k // 4) * 112
        for c, p in enumerate((r.test_path, r.train_path)):
            im = Image.open(p).convert('RGB'); im.thumbnail((125, 94)); W.paste(im, (x0 + c * 128, y0))
        d.text((x0 + 2, y0 + 97), f"{r.distance:.3f}  {Path(r.test_path).parent.name[:14]}", fill=(180, 0, 0))
    W.save(path); _shrink(path)

def _peak_gb() -> float:
    "Peak resident memory of this process (VmHWM; unlike ru_maxrss it starts afresh at exec, which spawn does)."
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'): return round(int(line.split()[1]) / 2**20, 2)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2)

def _scale_child(n, q):
    from image_similarity.lsh_pairs import near_pairs
    d, n_dup, thr = 512, 10_000, 0.05
    imported = _peak_gb()
    rng = np.random.default_rng(0)
    x = np.empty((n, d), np.float32)
    for i in range(0, n, 100_000):                  # in blocks: no N x d temporaries beside the vectors themselves
        b = rng.standard_normal((min(100_000, n - i), d), dtype=np.float32); x[i:i+len(b)] = b / np.linalg.norm(b, axis=1, keepdims=True)
    src = rng.choice(n, n_dup, replace=False); dst = rng.choice(np.setdiff1d(np.arange(n), src), n_dup, replace=False)
    noise = rng.standard_normal((n_dup, d)).astype(np.float32)
    noise -= (noise * x[src]).sum(1, keepdims=True) * x[src]; noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    c = 1 - rng.uniform(0.002, thr, n_dup); x[dst] = (c[:, None] * x[src] + np.sqrt(1 - c**2)[:, None] * noise).astype(np.float32)
    base = _peak_gb()
    t = time.time(); A, B, D = near_pairs(x, thr); el = time.time() - t
    found = set(zip(A.tolist(), B.tolist()))
    rec = float(np.mean([(min(i, j), max(i, j)) in found for i, j in zip(src.tolist(), dst.tolist())]))
    q.put(dict(n=n, threshold=thr, planted=n_dup, pairs_found=len(A), recall_planted=round(rec, 4), seconds=round(el, 1),
               peak_rss_gb=_peak_gb(), rss_before_search_gb=base, rss_after_imports_gb=imported))

def section_scale(a, out):
    ctx = mp.get_context('spawn'); q = ctx.Queue(); p = ctx.Process(target=_scale_child, args=(a.scale, q)); p.start()
    r = q.get(); p.join()
    blk = 20_000; x = np.random.default_rng(1).standard_normal((blk, 512)).astype(np.float32)
    t = time.time(); s = x @ x.T; _ = np.nonzero(s > 0.95); tb = time.time() - t
    n = a.scale
    r['n_x_n'] = dict(matrix_tb_float32=round(n * n * 4 / 1e12, 1), seconds_estimated=round(tb * (n / blk) ** 2 / 2),
                      block_seconds=round(tb, 2), note='half of the N x N dot products, at the speed of one 20,000 x 20,000 block here')
    out['scale'] = r

def report(out):
    lines = []
    if 'benchmark' in out:
        b = out['benchmark']
        lines += [f"## Pairs of {b['n_copies']:,} edited copies among {b['n_files']:,} files", '',
                  '| method | threshold | precision | recall | F1 | best F1 (threshold) | pairs of two originals | seconds | precision, a copy of the original counted right |', '|---|---|---|---|---|---|---|---|---|']
        for k, r in b['methods'].items():
            if 'error' in r: lines.append(f"| {k} | | | | | {r['error']} | | |"); continue
            bst = r.get('best'); bs = f"{bst['f1']:.3f} ({bst['threshold']:g}: P {bst['precision']:.3f}, R {bst['recall']:.3f})" if bst else ''
            da = f"{r['precision_dup_aware']:.3f} ({r['wrong_but_copy_of_original']} pairs)" if 'precision_dup_aware' in r else ''
            lines.append(f"| {k} | {r['threshold']:g} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | {bs} | {r['pairs_of_originals']:,} | {r.get('seconds', '')} | {da} |")
        lines += ['', f"LSH pairs / exact pairs at the same threshold: unlabelled {b['lsh_recall_vs_exact_unlabelled']}, fine-tuned {b['lsh_recall_vs_exact_finetuned']}",
                  f"recall by edit (ours, unlabelled): {b['recall_by_edit_unlabelled']}", '']
    if 'leaks' in out:
        lines += ['## Leakage in the seeded Caltech-101 split (validation images with a copy among the training images)', '',
                  '| embeddings used to find them | threshold | leaked | same file | validation accuracy: all | without the leaked | on the leaked | most by class |', '|---|---|---|---|---|---|---|---|']
        for k, l in out['leaks'].items():
            lines.append(f"| {k} | {l['threshold']:g} | {l['n_leaked']} of {l['n_valid']:,} | {l['same_file']} | {l['accuracy']:.4f} | {l['accuracy_without_leaked']:.4f} | "
                         f"{l['accuracy_on_leaked']:.4f} | {', '.join(f'{c} {n}' for c, n in l['by_class'].items())} |")
        lines.append('')
    if 'caltech_groups' in out:
        c = out['caltech_groups']
        lines += [f"## Caltech-101's own duplicates (unlabelled model, threshold {c['threshold']:g})", '',
                  f"{c['groups']} groups holding {c['images_in_groups']} images ({c['extra_copies']} extra copies; {c['same_file']} the same file, "
                  f"{c['same_pixels']} the same pixels), the largest of {c['largest']}; {c['seconds']} s. Most by class: {c['by_class']}", '']
    if 'faces_pairs' in out:
        f = out['faces_pairs']
        lines += [f"Faces/x.jpg and Faces_easy/x.jpg (the same photograph, the second cropped to the face): {f['n']} pairs, median distance {f['median_distance']} "
                  f"(unlabelled model); {f['within_threshold']} within its threshold", '']
    if 'calibration' in out:
        lines += ['## calibrate_threshold (200 images x 6 edits)', '', '| model | threshold | precision | recall | distinct within | per edit |', '|---|---|---|---|---|---|']
        for k, c in out['calibration'].items():
            lines.append(f"| {k} | {c['threshold']:g} | {c['precision']:.3f} | {c['recall']:.3f} | {c['distinct_within']:.3f} | " +
                         ', '.join(f"{e} {v:.2f}" for e, v in c['per_edit'].items()) + ' |')
        lines.append('')
    if 'scale' in out:
        s = out['scale']
        lines += [f"## All pairs of {s['n']:,} vectors (512-d, {s['planted']:,} planted within {s['threshold']})", '',
                  f"near_pairs: {s['seconds']} s, peak memory {s['peak_rss_gb']} GB (after importing the package {s['rss_after_imports_gb']} GB; with the 2 GB of vectors, before the search: {s['rss_before_search_gb']} GB), "
                  f"recall of the planted pairs {s['recall_planted']}, {s['pairs_found']:,} pairs found", '',
                  f"N x N: {s['n_x_n']['matrix_tb_float32']} TB as float32; about {s['n_x_n']['seconds_estimated']:,} s of dot products ({s['n_x_n']['note']})"]
    return '\n'.join(lines)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--work', default='/tmp/imsim_dedup'); ap.add_argument('--model', default='models/caltech101')
    ap.add_argument('--copies', type=int, default=1000); ap.add_argument('--scale', type=int, default=1_000_000)
    ap.add_argument('--only', nargs='*', default=['scale', 'benchmark', 'leaks']); ap.add_argument('--report', action='store_true')
    a = ap.parse_args(); RESULTS.mkdir(exist_ok=True); path = RESULTS/'dedup.json'
    out = json.loads(path.read_text()) if path.exists() else {}
    if not a.report:
        for k in a.only:
            t0 = time.time(); dict(benchmark=section_benchmark, leaks=section_leaks, scale=section_scale)[k](a, out)
            print(f"{k}: {time.time() - t0:.0f} s"); path.write_text(json.dumps(out, indent=1, default=str))
    txt = report(out); print(txt); (RESULTS/'dedup.txt').write_text(txt + '\n')

if __name__ == '__main__': main()

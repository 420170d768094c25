"""Presets on Caltech-101: retrieval quality of each head and post-processing step, and what a build and a query cost.

    python bench/presets.py                      # both parts, both presets, 3 seeds (about 45 minutes on 2 cores)
    python bench/presets.py --part quality       # only the quality table (features cached in $FEATURE_CACHE)
    python bench/presets.py --part cost          # only the builds and the query timings
    python bench/presets.py --part latency       # query p50 and img/s of each post-processing step (after --part cost)
    python bench/presets.py --part report        # the tables of the saved JSON

Quality: for each preset, the pooled features of every image and its mirror are computed once (cached);
for each of 3 head seeds (the 80/20 split stays seed 42) the preset's head is trained and the embeddings
are measured after each post-processing step: none, flip TTA, TTA + whitening, TTA + whitening + query
expansion. Retrieval is `retrieval_metrics`: validation images query the training split, exact cosine,
macro-averaged P@1/P@5/P@10/mAP@10 with micro beside. Decisions use the validation split only.

Cost, side by side in one run: `build(preset=...)` of the whole of Caltech-101 from nothing (wall time),
embedding throughput of the built model (decode -> post-processed vector, the preset's TTA included),
and `ImageSearch.query` latency p50/p90 over 60 validation images (file -> table, TTA and expansion
included). `calibrate_threshold` (200 images x 6 edits) on each built model gives the duplicate threshold of its
kind (`search.DUP_THRESHOLD`). Latency: on the built models, each post-processing step switched on in
turn (timing only: the gallery keeps the full preset's embeddings), embedding img/s and query p50, side
by side in one run. Writes bench/results/presets.json and presets.txt."""
import argparse, json, os, time, warnings, shutil
from pathlib import Path
import numpy as np
warnings.filterwarnings('ignore')
import torch
from image_similarity.data import caltech101, list_images, folder_label
from image_similarity.train import extract_features, train_head, _valid_mask, retrieval_metrics
from image_similarity.export import split_head
from image_similarity.postprocess import PostProcess, fit_whitening
from image_similarity.pipeline import PRESETS, build
from image_similarity.settings import BuildSettings
from image_similarity.search import ImageSearch
from image_similarity.store import ModelDir
from image_similarity.embed import Embedder
from image_similarity.calibrate import calibrate_threshold

def features(files, backbone, cache):
    fn = cache/f'{backbone}.npy'
    if not fn.exists():
        t = time.time(); f, pos, errs = extract_features(files, backbone, progress=False)
        assert not errs and len(pos) == len(files)
        np.save(fn, f.astype(np.float32)); print(f'{backbone}: features in {time.time() - t:.0f} s', flush=True)
    return np.load(fn)

def step_plan(p):
    "`[(name, tta, whiten, expand)]`: the preset's post-processing switched on one step at a time, then the other TTA choice."
    plan, name, tta, w = [('none', False, False, 0)], [], False, False
    if p['tta']: tta = True; name.append('flip TTA'); plan.append((' + '.join(name), True, False, 0))
    if p['whiten']: w = True; name.append(f"whitening {p['whiten']:g}"); plan.append((' + '.join(name), tta, True, 0))
    if p['expand']: name.append(f"QE{p['expand']}"); plan.append((' + '.join(name), tta, w, p['expand']))
    other = ' + '.join(name[1:]) + ', no TTA' if p['tta'] else 'flip TTA + ' + ' + '.join(name)
    return plan + [(other + ' [not the preset]', not p['tta'], w, p['expand'])]

def steps_of(p, raw, valid):
    "`{step: (embeddings, expand)}` for `step_plan(p)`; whitening fitted on the training split only."
    out = {}
    for name, tta, w, x in step_plan(p):
        e = PostProcess(tta)(raw)
        out[name] = (fit_whitening(e[~valid], p['whiten'])(e) if w else e, x)
    return out

def feature_cache() -> Path:
    "The folder of the cached float features ($FEATURE_CACHE, else /tmp/image_similarity_features), made when missing."
    cache = Path(os.environ.get('FEATURE_CACHE', '/tmp/image_similarity_features')); cache.mkdir(parents=True, exist_ok=True); return cache

def protocol():
    "The validation protocol's data, for this script and the benches that share it: `(files, labels, y, classes, valid)` of all of Caltech-101, its seeded 80/20 split (seed 42)."
    root = caltech101(); files = list_images(root)
    labels = np.array([folder_label(f, root) for f in files]); classes = sorted(set(labels)); y = np.searchsorted(classes, labels)
    return files, labels, y, classes, _valid_mask(files, 0.2, 42)

def quality(presets, seeds, cache):
    files, labels, y, classes, valid = protocol()
    out = {}
    for name in presets:
        p = PRESETS[name]; r = BuildSettings(preset=name).resolve(); f = features(files, p['backbone'], cache)
        runs = []
        for seed in seeds:
            t = time.time()
            head, _ = train_head(f, y, valid, len(classes), r.epochs, r.lr, seed=seed, label_smoothing=r.label_smoothing, quiet=True, loss=r.loss,
                                 views=None if r.flip else 1)   # the head as the preset trains it
            to_emb, _ = split_head(head, pooled=True)
            with torch.no_grad(): raw = np.stack([to_emb(torch.from_numpy(np.ascontiguousarray(f[:, v]))).numpy() for v in (0, 1)], 1)
            steps = steps_of(p, raw, valid)
            runs.append({k: retrieval_metrics(e, labels, valid, expand=x) for k, (e, x) in steps.items()})
            print(name, seed, {k: round(v['macro']['P@5'], 4) for k, v in runs[-1].items()}, f'{time.time() - t:.0f} s', flush=True)
        res = {}
        for step in runs[0]:
            r = [run[step] for run in runs]
            res[step] = dict(macro={m: [x['macro'][m] for x in r] for m in r[0]['macro']},
                             micro={m: [x['micro'][m] for x in r] for m in r[0]['micro']}, worst_P5=r[0]['worst_P5'])
        out[name] = res
    return out

def cost(presets, work):
    root = caltech101(); out = {}
    for name in presets:
        md_dir = work/name; shutil.rmtree(md_dir, ignore_errors=True)
        t = time.time(); md = build(model_dir=md_dir, preset=name, progress=False); t_build = time.time() - t
        items = md.items; lab = items.label.to_numpy(); valid = items.split.to_numpy() == 'valid'
        built = retrieval_metrics(md.embeddings, lab, valid, expand=md.config['post']['expand'])
        emb = Embedder(md); files = [root/p for p in items.path[:192]]
        emb(files[:32]); t = time.perf_counter(); emb(files); tp = len(files) / (time.perf_counter() - t)
        s = ImageSearch(md); qs = [root/p for p in items.path[valid][:60]]
        for f in qs: s.query(f)   # warm-up: one pass (the files read once, as a user's own query image is)
        lat = []
        for f in qs: t = time.perf_counter(); s.query(f, 6); lat.append(time.perf_counter() - t)
        out[name] = dict(build_s=round(t_build, 1), stages=md.info['seconds'], valid_accuracy=md.info['valid_accuracy'],
                         built_macro=built['macro'], built_micro=built['micro'], images_per_s=round(tp, 1),
                         query_p50_ms=round(1000 * float(np.median(lat)), 1), query_p90_ms=round(1000 * float(np.percentile(lat, 90)), 1))
        cal = calibrate_threshold(s, plot=False)    # the duplicate threshold of this kind of model (search.DUP_THRESHOLD)
        out[name]['dup_threshold'] = {k: v for k, v in cal.items() if k != 'curve'}
        print(name, out[name], flush=True)
    return out

def latency(presets, work):
    "Per post-processing step, on the models `cost` built: embedding img/s and query p50, side by side in one run."
    import dataclasses
    root = caltech101(); out = {}
    for name in presets:
        md = ModelDir.load(work/name); s = ImageSearch(md); full = s.embedder.post
        items = md.items; valid = items.split.to_numpy() == 'valid'
        files = [root/p for p in items.path[:192]]; qs = [root/p for p in items.path[valid][:60]]
        res = {}
        for step, tta, w, x in step_plan(PRESETS[name]):
            s.embedder.post = dataclasses.replace(full, tta=tta, whitening=full.whitening if w else None, expand=x)
            s.embedder(files[:16]); t = time.perf_counter(); s.embedder(files); tp = len(files) / (time.perf_counter() - t)
            for f in qs: s.query(f)   # warm-up: one pass (the files read once, as a user's own query image is)
            lat = []
            for f in qs: t = time.perf_counter(); s.query(f, 6); lat.append(time.perf_counter() - t)
            res[step] = dict(images_per_s=round(tp, 1), query_p50_ms=round(1000 * float(np.median(lat)), 1))
        s.embedder.post = full
        out[name] = res; print(name, res, flush=True)
    return out

def main():
    a = argparse.ArgumentParser(); a.add_argument('--part', choices=('quality', 'cost', 'latency', 'both', 'report'), default='both')
    a.add_argument('--presets', nargs='+', default=list(PRESETS)); a.add_argument('--seeds', nargs='+', type=int, default=[42, 43, 44])
    a.add_argument('--work', default='/tmp/bench_presets'); a = a.parse_args()
    cache = feature_cache()
    fn = Path('bench/results/presets.json'); res = json.loads(fn.read_text()) if fn.exists() else {}
    if a.part in ('quality', 'both'): res['quality'] = res.get('quality', {}) | quality(a.presets, a.seeds, cache) | {'seeds': a.seeds}
    if a.part in ('cost', 'both'): res['cost'] = res.get('cost', {}) | cost(a.presets, Path(a.work))
    if a.part in ('latency', 'both'): res['latency'] = res.get('latency', {}) | latency(a.presets, Path(a.work))
    if a.part != 'report': res['cpu_threads'] = os.cpu_count(); res['presets'] = PRESETS
    fn.parent.mkdir(parents=True, exist_ok=True); fn.write_text(json.dumps(res, indent=1))
    lines = []
    if 'quality' in res:
        q = res['quality']
        lines += [f"Retrieval on Caltech-101 (validation queries, training-split gallery, exact cosine), mean ± half-range over seeds {q['seeds']}:", '',
                  '| preset | head | post-processing | macro P@5 | macro P@1 | macro mAP@10 | micro P@5 | img/s | query p50 ms |', '|---|---|---|---|---|---|---|---|---|']
        for name in (p for p in q if p != 'seeds'):
            for step, r in q[name].items():
                ms = lambda v: f"{np.mean(v):.3f} ± {(max(v) - min(v)) / 2:.3f}"
                lt = res.get('latency', {}).get(name, {}).get(step, {})
                head = f"{res['presets'][name]['backbone'].replace('efficientnet_lite', 'Lite')}, {res['presets'][name]['loss'].replace('_', '-')}"
                lines.append(f"| {name} | {head} | {step} | "
                             + ' | '.join(ms(r['macro'][m]) for m in ('P@5', 'P@1', 'mAP@10')) + f" | {ms(r['micro']['P@5'])} | "
                             f"{lt.get('images_per_s', '')} | {lt.get('query_p50_ms', '')} |")
        for name in (p for p in q if p != 'seeds'):
            last = [k for k in q[name] if 'not the preset' not in k][-1]   # the preset's whole pipeline
            lines.append(f"\n{name}, worst classes by P@5 (seed {q['seeds'][0]}, {last}): " + ', '.join(f'{c} {v:.2f}' for c, v in q[name][last]['worst_P5'].items()))
    if 'cost' in res:
        lines += ['', 'Build and query, side by side in one run:', '',
                  '| preset | build (s) | features / head (s) | validation accuracy | built model macro P@5 | embedding img/s | query p50 (ms) | query p90 (ms) |',
                  '|---|---|---|---|---|---|---|---|']
        for name, c in res['cost'].items():
            lines.append(f"| {name} | {c['build_s']:.0f} | {c['stages']['features']:.0f} / {c['stages']['head']:.0f} | {c['valid_accuracy']:.2%} | "
                         f"{c['built_macro']['P@5']:.3f} | {c['images_per_s']} | {c['query_p50_ms']} | {c['query_p90_ms']} |")
    txt = '\n'.join(lines); print(txt); Path('bench/results/presets.txt').write_text(txt + '\n')

if __name__ == '__main__': main()

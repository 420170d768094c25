"""Retrieval quality on images no setting was chosen on: a held-out split, beside the validation figure.

    python bench/heldout.py [--preset quality] [--quantize none] [--seeds 42,1,2] [--per-class 5] [--epochs N] [--lr LR] [--loss ce]
    python bench/heldout.py --report                      (the table of the saved JSON)

Before anything is fitted, `--per-class` images of every Caltech-101 class (a seeded draw, the same in every run)
are taken out of the collection. The build then runs on the rest exactly as `fast_train` does (its own seeded
80/20 split, head, whitening, query expansion; with `--quantize int8` the int8 body is calibrated on the rest's
training images), once per seed. The held-out images are embedded by what that build produced (the trained head
on their features, then the build's whitening) and query its gallery with the build's query expansion:

- validation: the build's validation images against its training split (the README's figure, `retrieval_metrics`);
- held-out: the held-out images against the same training split (same rule, images the build never saw);
- held-out, whole build: against every image the build indexed (training and validation), as a user queries it.

Macro P@k (per class, then over classes; micro beside it). The features of all of Caltech-101 come from the cache
`bench/flip.py` keeps (float; extracted once), or for int8 from a cache of their own (the calibration must not see
the held-out images). Writes bench/results/heldout_<preset>[_int8][_e<epochs>][_lr<lr>][_<loss>].json and a table in the .txt beside it."""
import argparse, json, sys, time
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT/'bench'))
CACHE = Path.home()/'.cache'/'image_similarity'/'bench_heldout'
PAIR = 'efficientnet_lite0+efficientnet_lite2'   # the `quality` preset's backbone until it took stage 6: what bench/pooling.py, resolution.py, layers.py and tail.py study

def held_out(files, root, per_class:int, seed:int=0) -> np.ndarray:
    "True for `per_class` images of every class folder (a seeded draw; classes with fewer than `per_class + 2` keep all)."
    lab = np.array([f.relative_to(root).parts[0] for f in files]); out = np.zeros(len(files), bool); rng = np.random.default_rng(seed)
    for c in sorted(set(lab)):
        i = np.flatnonzero(lab == c)
        if len(i) >= per_class + 2: out[rng.choice(i, per_class, replace=False)] = True
    return out

def against(gallery:np.ndarray, glabels, queries:np.ndarray, qlabels, expand:int=0) -> dict:
    "`retrieval_metrics` of `queries` (embeddings, labels) searching `gallery` alone: the queries are never in the gallery."
    from image_similarity.train import retrieval_metrics
    return retrieval_metrics(np.concatenate([gallery, queries]), np.r_[glabels, qlabels],
                             np.r_[np.zeros(len(gallery), bool), np.ones(len(queries), bool)], expand=expand)

def features(preset:str, quantize:str, kept, backbone:str|None=None):
    "Features `[n, views, d]` of all of Caltech-101 in the listing's order: float from bench/flip.py's cache; int8 calibrated on `kept` only. `backbone`: another than the preset's (int8; at the preset's input size)."
    import flip
    if quantize == 'none' and backbone is None:
        files, x, pos, errs = flip.features(preset, 'none'); assert not errs and len(pos) == len(files); return files, x
    from image_similarity.data import caltech101, list_images
    from image_similarity.settings import BuildSettings
    from image_similarity.backbones import get_backbone
    from image_similarity import train
    if backbone is not None and quantize != 'int8': raise SystemExit("another backbone: with --quantize int8 only")
    r = BuildSettings(preset=preset, quantize=quantize).resolve(); root = caltech101(); files = sorted(list_images(root))
    names = [f.relative_to(root).as_posix() for f in files]; f = CACHE/f'{preset}_{quantize}_{backbone or r.backbone}.npz'   # (the backbone in the name: see bench/flip.py)
    if f.exists():
        z = np.load(f, allow_pickle=False)
        if list(z['files']) == names and list(z['kept']) == list(kept): return files, z['x']
    spec = r.spec_of(get_backbone(r.backbone)); name = backbone or r.backbone; get_backbone(name); t = time.time()
    graph = train._int8_body([files[i] for i in np.flatnonzero(kept)], name, spec, r.valid_pct, r.seed, None, print, t)
    x, pos, errs = train.extract_features(files, name, spec, flip=r.flip, progress=False, graph=graph, log=print)
    x = np.asarray(x); assert not errs and len(pos) == len(files); print(f"features {x.shape} in {time.time() - t:.0f} s", flush=True)
    CACHE.mkdir(parents=True, exist_ok=True); tmp = f.with_suffix('.tmp.npz')
    np.savez(tmp, x=x, files=np.asarray(names), kept=np.asarray(kept)); tmp.rename(f)
    return files, x

def run(preset:str, quantize:str, seeds, per_class:int, epochs=None, lr=None, loss=None):
    from image_similarity import train
    from image_similarity.data import caltech101, list_images
    from image_similarity.settings import BuildSettings
    from image_similarity.export import split_head
    root = caltech101(); files = sorted(list_images(root))
    out_mask = held_out(files, root, per_class); kept = ~out_mask
    files_, x = features(preset, quantize, kept); assert files_ == files
    ki, hi = np.flatnonzero(kept), np.flatnonzero(out_mask)
    xk, xh = x[ki], x[hi]; kfiles = [files[i] for i in ki]
    hl = np.array([files[i].relative_to(root).parts[0] for i in hi])
    print(f"{len(hi)} held-out images ({per_class} of each of {len(set(hl))} classes), {len(ki)} in the build", flush=True)
    cached = lambda *a, **k: (xk, np.arange(len(ki)), [])
    orig = train.extract_features; train.extract_features = cached; out = {}
    try:
        for seed in seeds:
            s = BuildSettings(preset=preset, seed=seed, quantize='none', epochs=epochs, lr=lr, loss=loss)   # None: the preset's
            r = s.resolve(); t = time.time()
            tr = train.fast_train(settings=s, files=kfiles, progress=False)
            val = train.retrieval_metrics(tr.embeddings, tr.labels, tr.valid, expand=r.expand)
            to_emb = split_head(tr.model[1], pooled=True)[0]
            raw = np.stack([train._apply(to_emb, xh, v) for v in range(2 if r.tta else 1)], 1)
            eh = tr.post(raw)
            g = ~tr.valid   # the training split, then every image the build indexed
            ho = against(tr.embeddings[g], tr.labels[g], eh, hl, r.expand)
            hw = against(tr.embeddings, tr.labels, eh, hl, r.expand)
            out[str(seed)] = dict(seed=seed, validation=val, heldout=ho, heldout_whole=hw, valid_accuracy=tr.valid_accuracy,
                                  seconds=time.time() - t)
            print(f"seed {seed}: macro P@5 validation {val['macro']['P@5']:.4f}, held-out {ho['macro']['P@5']:.4f} "
                  f"(whole build {hw['macro']['P@5']:.4f}), {time.time() - t:.0f} s", flush=True)
    finally: train.extract_features = orig
    return out

def table(res):
    runs = res['runs']; f = lambda m, k='P@5', kind='macro': m[kind][k]
    rows = ["| seed | validation macro P@5 | P@1 | held-out macro P@5 | P@1 | micro P@5 | held-out, whole build, macro P@5 | P@1 | validation accuracy |",
            "|---|---|---|---|---|---|---|---|---|"]
    for r in runs.values():
        rows.append(f"| {r['seed']} | {f(r['validation']):.4f} | {f(r['validation'], 'P@1'):.4f} | {f(r['heldout']):.4f} | "
                    f"{f(r['heldout'], 'P@1'):.4f} | {f(r['heldout'], kind='micro'):.4f} | {f(r['heldout_whole']):.4f} | {f(r['heldout_whole'], 'P@1'):.4f} | {r['valid_accuracy']:.2%} |")
    m = lambda key, k='P@5': np.mean([f(r[key], k) for r in runs.values()])
    rows.append(f"| mean | {m('validation'):.4f} | {m('validation', 'P@1'):.4f} | {m('heldout'):.4f} | {m('heldout', 'P@1'):.4f} | "
                f"{np.mean([f(r['heldout'], kind='micro') for r in runs.values()]):.4f} | {m('heldout_whole'):.4f} | {m('heldout_whole', 'P@1'):.4f} | {np.mean([r['valid_accuracy'] for r in runs.values()]):.2%} |")
    r0 = next(iter(runs.values()))
    rows.append(f"\n{r0['heldout']['n_queries']} held-out queries in {r0['heldout']['n_classes']} classes; "
                f"worst held-out classes by P@5 (seed {r0['seed']}): " + ', '.join(f"{c} {v:.2f}" for c, v in r0['heldout']['worst_P5'].items()))
    return '\n'.join(rows)

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--preset', default='quality'); ap.add_argument('--seeds', default='42,1,2')
    ap.add_argument('--quantize', default='none', help="the body the features come from: 'none' (float) or 'int8'")
    ap.add_argument('--per-class', type=int, default=5); ap.add_argument('--epochs', type=int, help="head epochs; not given: the preset's")
    ap.add_argument('--lr', type=float, help="head learning rate; not given: the preset's")
    ap.add_argument('--loss', help="head loss, 'ce' or 'proxy_anchor'; not given: the preset's")
    ap.add_argument('--report', action='store_true'); ap.add_argument('--out')
    a = ap.parse_args()
    out = Path(a.out or ROOT/'bench'/'results'/f'heldout_{a.preset}{"" if a.quantize == "none" else "_" + a.quantize}{"" if a.epochs is None else f"_e{a.epochs}"}{"" if a.lr is None else f"_lr{a.lr:g}"}{"" if a.loss is None else f"_{a.loss}"}.json')
    if not a.report:
        res = dict(command=' '.join(['python bench/heldout.py'] + sys.argv[1:]), preset=a.preset, quantize=a.quantize, per_class=a.per_class, epochs=a.epochs, lr=a.lr, loss=a.loss,
                   runs=run(a.preset, a.quantize, [int(s) for s in a.seeds.split(',')], a.per_class, a.epochs, a.lr, a.loss))
        out.parent.mkdir(parents=True, exist_ok=True); out.write_text(json.dumps(res, indent=1))
    res = json.loads(out.read_text()); t = table(res); print(t)
    out.with_suffix('.txt').write_text(res['command'] + '\n\n' + t + '\n')

if __name__ == '__main__': main()

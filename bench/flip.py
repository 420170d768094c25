"""Does the head need the mirrored training views? The same features, the same splits, the head trained with and
without them (`flip=True` / `flip=False`), several seeds, side by side.

    python bench/flip.py [--preset quality] [--seeds 42,1,2] [--quantize none]
    python bench/flip.py --report                        (the table of the saved JSON)

Mirrored views double the feature extraction, the build's longest stage (the `quality` preset's two backbones see
every image twice). Whether they earn it is a question of retrieval quality alone, so this bench extracts the
features of all of Caltech-101 once, with mirrors (cached in ~/.cache/image_similarity/bench_flip; view 0 of each
image is exactly what a build without mirrors extracts), and then runs `fast_train` as a build does with
`extract_features` answering from that cache: per seed (the seed sets the 80/20 split and the training), the head
is trained on the training images and their mirrors, and on the training images alone. Quality: macro P@1/P@5/P@10
and mAP@10, validation images querying the training split with the preset's whitening and query expansion (micro
beside it). Extraction time is not measured here (it halves: `python bench/build.py --variants none,none-noflip`).
Writes bench/results/flip_<preset>.json and a table in bench/results/flip_<preset>.txt."""
import argparse, json, sys, time, random
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CACHE = Path.home()/'.cache'/'image_similarity'/'bench_flip'

def features(preset:str, quantize:str):
    "Features with mirrors `[n, 2, d]` of all of Caltech-101, positions and errors: extracted once, then from the cache."
    from image_similarity.data import caltech101, list_images
    from image_similarity.settings import BuildSettings
    from image_similarity.backbones import get_backbone
    from image_similarity import train
    r = BuildSettings(preset=preset, quantize=quantize).resolve(); root = caltech101(); files = sorted(list_images(root))
    names = [f.relative_to(root).as_posix() for f in files]   # the data's own names: its folder may move (a CI FASTAI_HOME)
    f = CACHE/f'{preset}_{quantize}_{r.backbone}.npz'   # the backbone in the name: a preset that changes its backbone never reads the old features
    if f.exists():
        z = np.load(f, allow_pickle=False)
        if list(z['files']) == names: return files, z['x'], z['pos'], list(zip(z['err_at'].tolist(), z['err_why'].tolist()))
    bb = get_backbone(r.backbone); spec = r.spec_of(bb); t = time.time()
    graph = train._int8_body(files, r.backbone, spec, r.valid_pct, r.seed, None, None, t) if quantize == 'int8' else None
    x, pos, errs = train.extract_features(files, r.backbone, spec, flip=True, progress=False, graph=graph, log=print)
    x = np.asarray(x); print(f"features {x.shape} in {time.time() - t:.0f} s", flush=True)
    CACHE.mkdir(parents=True, exist_ok=True); tmp = f.with_suffix('.tmp.npz')
    np.savez(tmp, x=x, pos=np.asarray(pos), err_at=np.asarray([i for i, _ in errs], int), err_why=np.asarray([str(e) for _, e in errs], str),
             files=np.asarray(names))
    tmp.rename(f)
    return files, x, np.asarray(pos), errs

def run(preset:str, seeds, quantize:str, flips=(True, False)):
    from image_similarity import train
    from image_similarity.settings import BuildSettings
    files, x, pos, errs = features(preset, quantize)
    cached = lambda *a, **k: (x, pos, errs)
    out = {}
    orig = train.extract_features; train.extract_features = cached
    try:
        for seed in seeds:
            for flip in flips:
                s = BuildSettings(preset=preset, seed=seed, flip=flip, quantize='none'); t = time.time()
                tr = train.fast_train(settings=s, files=files, progress=False)
                m = train.retrieval_metrics(tr.embeddings, tr.labels, tr.valid, expand=s.resolve().expand)
                out[f'{seed} {flip}'] = dict(seed=seed, flip=flip, macro=m['macro'], micro=m['micro'], valid_accuracy=tr.valid_accuracy,
                                             head_s=tr.seconds['head'], seconds=time.time() - t)
                print(f"seed {seed} flip {flip}: macro P@5 {m['macro']['P@5']:.4f}, accuracy {tr.valid_accuracy:.4f}, "
                      f"head {tr.seconds['head']:.0f} s", flush=True)
    finally: train.extract_features = orig
    return out

def table(res):
    runs = res['runs']; seeds = sorted({r['seed'] for r in runs.values()}, key=[r['seed'] for r in runs.values()].index)
    rows = ["| seed | mirrors | macro P@5 | P@1 | P@10 | mAP@10 | micro P@5 | validation accuracy | head (s) |", "|---|---|---|---|---|---|---|---|---|"]
    for k, r in runs.items():
        rows.append(f"| {r['seed']} | {'yes' if r['flip'] else 'no'} | {r['macro']['P@5']:.4f} | {r['macro']['P@1']:.4f} | {r['macro']['P@10']:.4f} "
                    f"| {r['macro']['mAP@10']:.4f} | {r['micro']['P@5']:.4f} | {r['valid_accuracy']:.4f} | {r['head_s']:.0f} |")
    mean = lambda f: np.mean([runs[f'{s} {f}']['macro']['P@5'] for s in seeds])
    if not all(f'{s} {f}' in runs for s in seeds for f in (True, False)):     # one kind only (--flips)
        f = next(iter(runs.values()))['flip']
        rows.append(f"\nmacro P@5 over {len(seeds)} seeds, {'with' if f else 'without'} mirrors: {mean(f):.4f}"); return '\n'.join(rows)
    d = [runs[f'{s} False']['macro']['P@5'] - runs[f'{s} True']['macro']['P@5'] for s in seeds]
    rows.append(f"\nmacro P@5 over {len(seeds)} seeds: with mirrors {mean(True):.4f}, without {mean(False):.4f}; "
                f"without minus with, per seed: {', '.join(f'{v:+.4f}' for v in d)} (mean {np.mean(d):+.4f}, "
                f"spread {np.std(d, ddof=1) if len(d) > 1 else 0:.4f})")
    return '\n'.join(rows)

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--preset', default='quality'); ap.add_argument('--seeds', default='42,1,2')
    ap.add_argument('--quantize', default='none', help="the body the features come from: 'none' (float) or 'int8'")
    ap.add_argument('--flips', default='True,False', help="the heads to train: with mirrors (True), without (False), or both")
    ap.add_argument('--report', action='store_true'); ap.add_argument('--out')
    a = ap.parse_args()
    out = Path(a.out or ROOT/'bench'/'results'/f'flip_{a.preset}{"" if a.quantize == "none" else "_" + a.quantize}.json')
    if not a.report:
        res = dict(command=' '.join(['python bench/flip.py'] + sys.argv[1:]), preset=a.preset, quantize=a.quantize,
                   runs=run(a.preset, [int(s) for s in a.seeds.split(',')], a.quantize, [f == 'True' for f in a.flips.split(',')]))
        out.parent.mkdir(parents=True, exist_ok=True); out.write_text(json.dumps(res, indent=1))
    res = json.loads(out.read_text()); t = table(res); print(t)
    out.with_suffix('.txt').write_text(res['command'] + '\n\n' + t + '\n')

if __name__ == '__main__': main()

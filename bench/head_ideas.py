"""Ideas for the `quality` preset that did or did not raise retrieval quality (issue 33), side by side on one split.

    python bench/head_ideas.py [--ideas preset,heads3,alpha16,alpha64,delta0.2,delta0,lite012,lite12] [--seeds 42,1,2]
    python bench/head_ideas.py --report                      (the table of the saved JSON)
    python bench/head_ideas.py --ideas pair,stage6 --seeds 42,1,2,3,4,5 --out bench/results/head_ideas_stage6.json

Every idea is measured as `bench/heldout.py` measures the preset (int8 features, the same 5 held-out images per
class, the seed's 80/20 split of the rest, whitening with the preset's shrink fitted on the training split, the
preset's query expansion; macro P@5 of the validation images and of the held-out images against the training
split). `preset` is the preset as it is (its rows equal `heldout.py --quantize int8`'s). The ideas:

- `heads3`: three heads trained from three initialisations on the same split, their embeddings (each made unit
  length) side by side, whitened back to 512 dimensions: an ensemble that costs nothing at query time but two
  more head trainings;
- `alphaA`, `deltaD`: the proxy-anchor loss's scale (32) or margin (0.1) changed;
- `stage6`: Lite0 + Lite2 with each one's stage 6 output pooled beside its last map (`efficientnet_liteN_stage6`,
  see the backbones page; bench/layers.py measured it in float): the `quality` preset's backbone since it won here;
- `pair`: Lite0 + Lite2 without it, the `quality` preset's backbone before;
- `lite012s6`: Lite0 + Lite1 + Lite2, each with its stage 6 (the preset's backbone with Lite1's beside it);
- `lite012`, `lite12`: another combination of the EfficientNet-Lite backbones at the preset's input (260 px),
  the head trained as the preset's. Their features are extracted once (int8, calibrated without the held-out
  images; cached in ~/.cache/image_similarity/bench_heldout). The run also times each backbone's int8 body on one
  image, side by side with the preset's (median of 30 runs, 3 rounds interleaved): the query's largest cost.

Writes bench/results/head_ideas.json and a table in bench/results/head_ideas.txt."""
import argparse, json, sys, time
from functools import partial
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT/'bench'))
import heldout
BACKBONES = {'lite012': 'efficientnet_lite0+efficientnet_lite1+efficientnet_lite2', 'lite12': 'efficientnet_lite1+efficientnet_lite2',
             'stage6': 'efficientnet_lite0_stage6+efficientnet_lite2_stage6', 'pair': heldout.PAIR,
             'lite012s6': 'efficientnet_lite0_stage6+efficientnet_lite1_stage6+efficientnet_lite2_stage6'}

def head_embeddings(xk, xh, y, valid, n_classes, r, seed, loss_kw=None):
    "Raw embeddings of the build's images and of the held-out ones from a head trained as the preset trains it."
    from image_similarity import train
    from image_similarity.export import split_head
    orig = train.ProxyAnchorLoss
    if loss_kw: train.ProxyAnchorLoss = partial(orig, **loss_kw)
    try: h, _ = train.train_head(xk, y, valid, n_classes, r.epochs, r.lr, seed=seed, quiet=True, loss=r.loss, views=1)
    finally: train.ProxyAnchorLoss = orig
    f = split_head(h, pooled=True)[0]
    return train._apply(f, xk, 0), train._apply(f, xh, 0)

def score(ek, eh, lk, lh, valid, r):
    "Macro P@5: validation against the training split, held out against the same split (whitening fitted on it)."
    from image_similarity import train
    from image_similarity.postprocess import fit_whitening, l2n
    w = fit_whitening(ek[~valid], r.whiten); ek, eh = l2n(w(ek)), l2n(w(eh)); g = ~valid
    val = train.retrieval_metrics(ek, lk, valid, expand=r.expand)['macro']['P@5']
    ho = heldout.against(ek[g], lk[g], eh, lh, r.expand)['macro']['P@5']
    return val, ho

def body_ms(names, spec, cal, rounds:int=3, n:int=30) -> dict:
    "Median milliseconds of each backbone's int8 body on one image, the backbones interleaved in `rounds`."
    import onnxruntime as ort
    from image_similarity import train
    sess = {b: ort.InferenceSession(train.body_graph(b, spec, 'int8', cal, None), providers=['CPUExecutionProvider']) for b in names}
    x = np.random.default_rng(0).random((1, 3, spec.size, spec.size), np.float32); out = {b: [] for b in names}
    for _ in range(rounds):
        for b, s in sess.items():
            feed = {s.get_inputs()[0].name: x}
            for _ in range(3): s.run(None, feed)
            for _ in range(n): t = time.perf_counter(); s.run(None, feed); out[b].append(time.perf_counter() - t)
    return {b: float(np.median(v) * 1e3) for b, v in out.items()}

def run(ideas, seeds):
    from image_similarity import train
    from image_similarity.data import caltech101, list_images
    from image_similarity.settings import BuildSettings
    from image_similarity.backbones import get_backbone
    from image_similarity.postprocess import l2n
    r = BuildSettings(preset='quality', quantize='int8').resolve(); root = caltech101(); files = sorted(list_images(root))
    om = heldout.held_out(files, root, 5); kept = ~om; ki, hi = np.flatnonzero(kept), np.flatnonzero(om)
    lab = np.array([f.relative_to(root).parts[0] for f in files]); lk, lh = lab[ki], lab[hi]
    kfiles = [files[i] for i in ki]; classes = sorted(set(lk)); y = np.searchsorted(classes, lk)
    feats = {}
    def x_of(b=None):
        b = b or r.backbone                     # (the preset's and an idea naming the same backbone share one load)
        if b not in feats: feats[b] = heldout.features('quality', 'int8', kept, b)[1]
        return feats[b][ki], feats[b][hi]
    out = {}
    for idea in ideas:
        rows = {}
        for seed in seeds:
            t = time.time(); valid = train._valid_mask(kfiles, r.valid_pct, seed); args = (y, valid, len(classes), r)
            if idea in ('preset', 'heads3') or idea.startswith(('alpha', 'delta')):
                xk, xh = x_of()
                if idea == 'heads3':
                    hs = [head_embeddings(xk, xh, *args, seed + 1000 * j) for j in range(3)]
                    ek, eh = (np.concatenate([l2n(e[i]) for e in hs], 1) for i in (0, 1))
                else:
                    kw = {'alpha': float(idea[5:])} if idea.startswith('alpha') else {'delta': float(idea[5:])} if idea.startswith('delta') else None
                    ek, eh = head_embeddings(xk, xh, *args, seed, kw)
            elif idea in BACKBONES: xk, xh = x_of(BACKBONES[idea]); ek, eh = head_embeddings(xk, xh, *args, seed)
            else: raise SystemExit(f"unknown idea {idea!r}")
            val, ho = score(ek, eh, lk, lh, valid, r)
            rows[str(seed)] = dict(validation=val, heldout=ho, seconds=time.time() - t)
            print(f"{idea} seed {seed}: validation {val:.4f}, held out {ho:.4f}, {time.time() - t:.0f} s", flush=True)
        out[idea] = rows
    bbs = [r.backbone] + [BACKBONES[i] for i in ideas if i in BACKBONES]
    ms = body_ms(bbs, r.spec_of(get_backbone(r.backbone)), train._calibration(kfiles, r.valid_pct, r.seed)) if len(bbs) > 1 else {}
    return out, ms

def table(res):
    ms = res['body_ms']; base = ms.get(res['preset_backbone'])
    rows = ["| idea | validation macro P@5 (per seed) | mean | held out macro P@5 (per seed) | mean | int8 body, one image (ms) |", "|---|---|---|---|---|---|"]
    for idea, runs in res['ideas'].items():
        v = [x['validation'] for x in runs.values()]; h = [x['heldout'] for x in runs.values()]
        b = ms.get(BACKBONES.get(idea, res['preset_backbone']))
        rows.append(f"| {idea} | {' / '.join(f'{a:.4f}' for a in v)} | {np.mean(v):.4f} | {' / '.join(f'{a:.4f}' for a in h)} | {np.mean(h):.4f} | "
                    + (f"{b:.1f} ({b / base:.2f}x the preset's)" if b is not None and base else '') + " |")
    return '\n'.join(rows) + f"\n\nseeds {', '.join(next(iter(res['ideas'].values())))}; the preset's backbone {res['preset_backbone']}"

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--ideas', default='preset,heads3,alpha16,alpha64,delta0.2,delta0,lite012,lite12')
    ap.add_argument('--seeds', default='42,1,2'); ap.add_argument('--report', action='store_true')
    ap.add_argument('--out', default=str(ROOT/'bench'/'results'/'head_ideas.json'), help='the JSON written (and its .txt beside it)')
    a = ap.parse_args(); out = Path(a.out)
    if not a.report:
        from image_similarity.settings import BuildSettings
        ideas, ms = run(a.ideas.split(','), [int(s) for s in a.seeds.split(',')])
        res = dict(command=' '.join(['python bench/head_ideas.py'] + sys.argv[1:]), preset_backbone=BuildSettings(preset='quality').resolve().backbone,
                   ideas=ideas, body_ms=ms)
        tmp = out.with_suffix('.tmp'); tmp.write_text(json.dumps(res, indent=1)); tmp.rename(out)
    res = json.loads(out.read_text()); t = table(res); print(t)
    out.with_suffix('.txt').write_text(res['command'] + '\n\n' + t + '\n')

if __name__ == '__main__': main()

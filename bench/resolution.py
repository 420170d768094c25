"""Does a larger input help? Networks trained on random crops see objects larger than a test image's centre shows
them, so testing at a somewhat larger side than the training one often scores better (Touvron et al. 2019, "FixRes").
The `quality` preset feeds its backbones (Lite0 + Lite2) 260 px, Lite2's native side. Tried on bench/heldout.py's
protocol (5 images per class held out before anything is fitted, the build's own 80/20 split), float features, 3 seeds.

    python bench/resolution.py [--sizes 260 300] [--merge 260+300]

Each size runs the pair's float body (`heldout.PAIR`, the preset's before stage 6) (no mirrors, as the preset) once over all of Caltech-101 (bench/pooling.py's
extraction and cache, about 5 minutes at 260 px and more with the pixels), trains the preset's head on its max + average
pooling and is measured on validation and on the 510 held-out images. `--merge A+B` pools the two sizes' maps together
(the maximum of the maxima, the mean of the averages): one body run per size at query time. 260 is the preset and must
reproduce `bench/results/heldout_quality_e15_lr0.02.json` (the pair's float figures). Writes bench/results/resolution.{json,txt}.
"""
import argparse, json, sys
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT/'bench'))
PRESET_SIZE = 260

def max_avg(x):
    "The max + average slices of bench/pooling.py's `[n, 1, 3C]` features (the preset's pooling)."
    C = x.shape[-1] // 3; return np.ascontiguousarray(x[..., :2 * C])

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--sizes', nargs='+', type=int, default=[260, 300])
    ap.add_argument('--merge', nargs='*', default=['260+300']); ap.add_argument('--seeds', default='42,1,2'); a = ap.parse_args()
    import heldout, pooling
    from image_similarity.data import caltech101, list_images
    files = sorted(list_images(caltech101())); seeds = [int(s) for s in a.seeds.split(',')]
    feats = {s: max_avg(pooling.pooled_features(files, None if s == PRESET_SIZE else s)) for s in sorted(set(a.sizes) | {int(v) for m in a.merge for v in m.split('+')})}
    variants = {str(s): feats[s] for s in a.sizes}
    for m in a.merge:
        xs = [feats[int(v)] for v in m.split('+')]; C = xs[0].shape[-1] // 2
        variants[m] = np.concatenate([np.max([x[..., :C] for x in xs], 0), np.mean([x[..., C:] for x in xs], 0)], -1).astype(np.float32)
    res = dict(command=' '.join(['python bench/resolution.py'] + sys.argv[1:]), variants={})
    for v, xv in variants.items():
        heldout.features = lambda *_, **__: (files, xv)
        out = heldout.run('quality', 'none', seeds, 5)
        pixels = sum(int(s) ** 2 for s in v.split('+')) / PRESET_SIZE ** 2
        res['variants'][v] = dict(pixels=pixels, seeds={s: dict(validation=o['validation']['macro']['P@5'], heldout=o['heldout']['macro']['P@5'])
                                                           for s, o in out.items()})
    L = ["## The input side, `quality` preset (Lite0 + Lite2), float features, macro P@5 (validation / held out)", '',
         f"Command: `{res['command']}`", '', '| input side | body pixels (x the preset) | ' + ' | '.join(f'seed {s}' for s in seeds) + ' | mean |',
         '|---|---|' + '---|' * (len(seeds) + 1)]
    for v, r in res['variants'].items():
        m = lambda k: np.mean([o[k] for o in r['seeds'].values()])
        L.append(f"| {v} px{' (the preset)' if v == str(PRESET_SIZE) else ''} | {r['pixels']:.2f} | "
                 + ' | '.join(f"{o['validation']:.4f} / {o['heldout']:.4f}" for o in r['seeds'].values()) + f" | **{m('validation'):.4f} / {m('heldout'):.4f}** |")
    txt = '\n'.join(L); (ROOT/'bench'/'results'/'resolution.json').write_text(json.dumps(res, indent=1))
    (ROOT/'bench'/'results'/'resolution.txt').write_text(txt + '\n'); print(txt)

"""Does the body's pooling matter? The `quality` preset pools the stacked feature maps of its backbones by
max and average (fastai's `AdaptiveConcatPool2d`); generalised-mean pooling (GeM, p = 3; Radenovic et al. 2018)
is the retrieval literature's usual choice. Tried on bench/heldout.py's protocol, float features, 3 seeds.

    python bench/pooling.py [--variants "max+avg" gem+avg max+gem max+avg+gem]

The float body of the `quality` preset (no mirrors, as the preset) is run once over all of Caltech-101 with
three poolings side by side (max, average, GeM); each variant trains the preset's head on its slice of those
features (`max+avg` is the pair's own: it must reproduce `python bench/heldout.py`'s float figures for the pair,
`bench/results/heldout_quality_e15_lr0.02.json`) and is measured
on validation (the build's own split) and on the 510 held-out images. Writes bench/results/pooling.{json,txt}.
The features are cached in ~/.cache/image_similarity/bench_pooling/ (about 5 minutes to extract).
"""
import argparse, json, sys, time
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT/'bench'))
CACHE = Path.home()/'.cache'/'image_similarity'/'bench_pooling'

def body_features(files, head, f, size=None):
    "`[n, 1, d]`: `head(body)` on the float body of `heldout.PAIR` (at `size`, or its own 260 px) over `files`, extracted once and cached in file `f`."
    import heldout
    from image_similarity import train
    from image_similarity.backbones import get_backbone
    from image_similarity.settings import BuildSettings
    r = BuildSettings(preset='quality', backbone=heldout.PAIR, size=size).resolve(); root = files[0].parents[1]
    names = [p.relative_to(root).as_posix() for p in files]
    if f.exists():
        z = np.load(f, allow_pickle=False)
        if list(z['files']) == names: return z['x']
    orig = train.pooled_body
    train.pooled_body = lambda backbone, pretrained=True: head(get_backbone(backbone).body(pretrained))
    try:
        t = time.time(); spec = r.spec_of(get_backbone(r.backbone))
        x, pos, errs = train.extract_features(files, r.backbone, spec, flip=False, progress=False, log=print)
        x = np.asarray(x); assert not errs and len(pos) == len(files); print(f"features {x.shape} in {time.time() - t:.0f} s", flush=True)
    finally: train.pooled_body = orig
    f.parent.mkdir(parents=True, exist_ok=True); tmp = f.with_suffix('.tmp.npz')
    np.savez(tmp, x=x, files=np.asarray(names)); tmp.rename(f)
    return x

def pooled_features(files, size=None):
    "`[n, 1, 3C]`: max, average and GeM (p = 3) of the pair's float body, in `files`' order (`size`: another input side than its 260 px)."
    import torch, torch.nn as nn, heldout
    class Pool3(nn.Module):
        def forward(self, x):
            return torch.cat([x.amax((2, 3)), x.mean((2, 3)), x.clamp(min=1e-6).pow(3).mean((2, 3)).pow(1 / 3)], 1)
    return body_features(files, lambda body: nn.Sequential(body, Pool3()), CACHE/f'{heldout.PAIR}_float{"" if size is None else f"_{size}"}.npz', size)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--variants', nargs='+', default=['max+avg', 'gem+avg', 'max+gem', 'max+avg+gem'])
    ap.add_argument('--seeds', default='42,1,2'); a = ap.parse_args()
    import heldout
    from image_similarity.data import caltech101, list_images
    files = sorted(list_images(caltech101())); x = pooled_features(files); C = x.shape[-1] // 3
    part = dict(max=np.r_[0:C], avg=np.r_[C:2 * C], gem=np.r_[2 * C:3 * C])
    res = dict(command=' '.join(['python bench/pooling.py'] + sys.argv[1:]), variants={})
    for v in a.variants:
        xv = np.ascontiguousarray(x[..., np.concatenate([part[p] for p in v.split('+')])])
        heldout.features = lambda *_, **__: (files, xv)
        out = heldout.run('quality', 'none', [int(s) for s in a.seeds.split(',')], 5)
        res['variants'][v] = {s: dict(validation=o['validation']['macro']['P@5'], heldout=o['heldout']['macro']['P@5']) for s, o in out.items()}
    L = ["## The body's pooling, `quality` preset, float features, macro P@5 (validation / held out)", '', f"Command: `{res['command']}`", '',
         '| pooling | ' + ' | '.join(f'seed {s}' for s in a.seeds.split(',')) + ' | mean |', '|---|' + '---|' * (len(a.seeds.split(',')) + 1)]
    for v, r in res['variants'].items():
        m = lambda k: np.mean([o[k] for o in r.values()])
        L.append(f"| {v}{' (the preset)' if v == 'max+avg' else ''} | " + ' | '.join(f"{o['validation']:.4f} / {o['heldout']:.4f}" for o in r.values()) +
                 f" | **{m('validation'):.4f} / {m('heldout'):.4f}** |")
    txt = '\n'.join(L); (ROOT/'bench'/'results'/'pooling.json').write_text(json.dumps(res, indent=1))
    (ROOT/'bench'/'results'/'pooling.txt').write_text(txt + '\n'); print(txt)

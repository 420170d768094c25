"""Do earlier layers help? The `quality` preset pools only the last feature map of each backbone (Lite0 + Lite2, after
the 1x1 `conv_head`). The remaining errors are look-alike classes (ketch / schooner, water lily / lotus), where mid-level
texture and part features could tell more than the ImageNet-class-shaped last layer. Tried on bench/heldout.py's protocol
(5 images per class held out before anything is fitted, the build's own 80/20 split), float features, 3 seeds.

    python bench/layers.py [--variants last last+pre last+pre+stage6 last+stage5]

One run of the preset's float body (260 px, no mirrors) over all of Caltech-101 pools, for each backbone, by max and
average: its last map (`last`, the preset), the map before `conv_head` (`pre`: the last block's output, 320 / 352
channels), the output of the stage before it (`stage6`, 192 / 208 channels, 1/32 of the input) and of the one before that
(`stage5`, 112 / 120 channels, 1/16). Each variant trains the preset's head on
its pooled slices side by side (the head's input is wider; the body's cost is the same). `last` must reproduce
the float figures of `python bench/heldout.py` for the pair (`bench/results/heldout_quality_e15_lr0.02.json`, run
while the pair was the preset; `heldout.PAIR` names it). Features cached in ~/.cache/image_similarity/bench_layers/ (about 5 minutes).
A run adds its seeds to bench/results/layers.json (delete it to start afresh) and writes the table of every seed recorded
to bench/results/layers.txt.
"""
import argparse, json, sys
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT/'bench'))
CACHE = Path.home()/'.cache'/'image_similarity'/'bench_layers'
PARTS = ('last', 'pre', 'stage6', 'stage5')

def layer_features(files):
    "`([n, 1, d], {part: columns})`: max + average of each backbone's maps at `PARTS`, in `files`' order."
    import torch, torch.nn as nn, heldout, pooling
    from image_similarity.backbones import get_backbone
    bodies = get_backbone(heldout.PAIR).body(False).bodies
    widths = {'last': [b.conv_head.out_channels for b in bodies], 'pre': [b.blocks[-1][-1].conv_pwl.out_channels for b in bodies],
              'stage6': [b.blocks[-2][-1].conv_pwl.out_channels for b in bodies], 'stage5': [b.blocks[-3][-1].conv_pwl.out_channels for b in bodies]}
    cols, at = {}, 0
    for p in PARTS:
        w = 2 * sum(widths[p]); cols[p] = np.r_[at:at + w]; at += w
    class Layers(nn.Module):
        "The preset's bodies, pooled at three depths: [max, avg] of each part, the parts in `PARTS` order."
        def __init__(self, bodies): super().__init__(); self.bodies = bodies
        def forward(self, x):
            out = {p: [] for p in PARTS}
            for b in self.bodies:   # Lite0 and Lite2 share their normalisation (mean = std = 0.5): no renormalising
                h = b.bn1(b.conv_stem(x))
                for blk in b.blocks[:-3]: h = blk(h)
                s5 = b.blocks[-3](h); s6 = b.blocks[-2](s5); pre = b.blocks[-1](s6); last = b.bn2(b.conv_head(pre))
                for p, m in zip(PARTS, (last, pre, s6, s5)): out[p].append(m)
            pool = lambda ms: torch.cat([m.amax((2, 3)) for m in ms] + [m.mean((2, 3)) for m in ms], 1)
            return torch.cat([pool(out[p]) for p in PARTS], 1)
    x = pooling.body_features(files, lambda body: Layers(body.bodies), CACHE/f'{heldout.PAIR}_float.npz')
    assert x.shape[-1] == at, x.shape
    return x, cols

def table(res):
    "The markdown table of every variant and seed in `res`, with each variant's mean over its seeds."
    all_seeds = list(dict.fromkeys(s for r in res['variants'].values() for s in r['seeds']))
    L = ["## Pooled layers, `quality` preset (Lite0 + Lite2, 260 px), float features, macro P@5 (validation / held out)", '',
         'Commands: ' + ', '.join(f'`{c}`' for c in res['commands']), '',
         '| layers pooled | head input | ' + ' | '.join(f'seed {s}' for s in all_seeds) + ' | mean (seeds) |', '|---|---|' + '---|' * (len(all_seeds) + 1)]
    for v, r in res['variants'].items():
        m = lambda k: np.mean([o[k] for o in r['seeds'].values()]); o = r['seeds']
        L.append(f"| {v}{' (the preset)' if v == 'last' else ''} | {r['width']:,} | "
                 + ' | '.join(f"{o[s]['validation']:.4f} / {o[s]['heldout']:.4f}" if s in o else '' for s in all_seeds)
                 + f" | **{m('validation'):.4f} / {m('heldout'):.4f}** ({len(o)}) |")
    return '\n'.join(L)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--variants', nargs='+', default=['last', 'last+pre', 'last+pre+stage6', 'last+stage5'])
    ap.add_argument('--seeds', default='42,1,2'); ap.add_argument('--report', action='store_true', help='the table of the saved JSON, nothing run')
    a = ap.parse_args(); out_f = ROOT/'bench'/'results'/'layers.json'
    if a.report: print(table(json.loads(out_f.read_text()))); sys.exit()
    import heldout
    from image_similarity.data import caltech101, list_images
    files = sorted(list_images(caltech101())); x, cols = layer_features(files); seeds = [int(s) for s in a.seeds.split(',')]
    # runs add to the JSON: a variant's seeds from several runs in one table
    res = json.loads(out_f.read_text()) if out_f.exists() else dict(commands=[], variants={})
    res['commands'].append(' '.join(['python bench/layers.py'] + sys.argv[1:]))
    for v in a.variants:
        xv = np.ascontiguousarray(x[..., np.concatenate([cols[p] for p in v.split('+')])])
        heldout.features = lambda *_, **__: (files, xv)
        out = heldout.run('quality', 'none', seeds, 5)
        r = res['variants'].setdefault(v, dict(width=int(xv.shape[-1]), seeds={}))
        r['seeds'].update({s: dict(validation=o['validation']['macro']['P@5'], heldout=o['heldout']['macro']['P@5']) for s, o in out.items()})
    txt = table(res); tmp = out_f.with_suffix('.tmp'); tmp.write_text(json.dumps(res, indent=1)); tmp.rename(out_f)
    out_f.with_suffix('.txt').write_text(txt + '\n'); print(txt)

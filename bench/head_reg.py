"""The `quality` head's regularisation on the validation protocol of bench/presets.py: fastai's head dropout (`ps`,
0.5 by default) and AdamW's weight decay (`wd`, 0.01 by default), one changed at a time. Tried, none taken.

    python bench/head_reg.py [--settings ps=0.25 ps=0.75 wd=0.1] [--seeds 42 43 44]

The seeded 80/20 split of all of Caltech-101 (seed 42), validation images query the training split, macro P@5 after
the preset's whitening (shrink 1, fitted on the training split) and query expansion over 5 and 10 results; float
features of the preset's body (bench/presets.py's cache, $FEATURE_CACHE; extracted when missing), the preset's head
(proxy-anchor, its epochs and learning rate, no mirrors) with the one setting changed; `default` is the head as it is.
Writes bench/results/head_reg.{json,txt} (about 12 minutes with the features cached).
"""
import argparse, functools, json, sys, time, warnings
from pathlib import Path
import numpy as np
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT/'bench'))
warnings.filterwarnings('ignore')

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--settings', nargs='+', default=['default', 'ps=0.25', 'ps=0.75', 'wd=0.1'])
    ap.add_argument('--seeds', nargs='+', type=int, default=[42, 43, 44]); a = ap.parse_args()
    import torch, fastai.vision.all as fa
    from presets import features, feature_cache, protocol
    from image_similarity import train
    from image_similarity.export import split_head
    from image_similarity.postprocess import fit_whitening
    from image_similarity.settings import BuildSettings
    files, labels, y, classes, valid = protocol(); r = BuildSettings(preset='quality').resolve()
    x = np.ascontiguousarray(features(files, r.backbone, feature_cache())[:, :1])
    res = dict(command=' '.join(['python bench/head_reg.py'] + sys.argv[1:]), backbone=r.backbone, seeds=a.seeds, P5={})
    ch, fit = fa.create_head, fa.Learner.fit_one_cycle
    try:
        for s in a.settings:
            k, v = s.split('=') if '=' in s else (s, None)
            fa.create_head = functools.partial(ch, ps=float(v)) if k == 'ps' else ch   # (train_head imports both from fastai.vision.all when called)
            fa.Learner.fit_one_cycle = functools.partialmethod(fit, wd=float(v)) if k == 'wd' else fit
            out = res['P5'][s] = {}
            for seed in a.seeds:
                t = time.time()
                head, _ = train.train_head(x, y, valid, len(classes), r.epochs, r.lr, seed=seed, label_smoothing=r.label_smoothing, quiet=True, loss=r.loss, views=1)
                with torch.no_grad(): e = split_head(head, pooled=True)[0](torch.from_numpy(x[:, 0])).numpy()
                e = fit_whitening(e[~valid], r.whiten)(e)
                for ex in (5, 10): out.setdefault(f'QE{ex}', []).append(train.retrieval_metrics(e, labels, valid, expand=ex)['macro']['P@5'])
                print(s, seed, {q: round(v[-1], 4) for q, v in out.items()}, f'{time.time() - t:.0f} s', flush=True)
    finally: fa.create_head, fa.Learner.fit_one_cycle = ch, fit
    L = [f"## `quality`'s head regularisation, validation macro P@5 (seeds {', '.join(map(str, a.seeds))}; whitening {r.whiten:g}), float features", '',
         f"Command: `{res['command']}`", '', '| setting | QE5 (per seed) | QE5 | QE10 (per seed) | QE10 |', '|---|---|---|---|---|']
    for s, out in res['P5'].items():
        L.append(f'| {s} | ' + ' | '.join(f"{' / '.join(f'{v:.4f}' for v in out[q])} | {np.mean(out[q]):.4f}" for q in ('QE5', 'QE10')) + ' |')
    txt = '\n'.join(L); fn = ROOT/'bench'/'results'/'head_reg.json'
    fn.write_text(json.dumps(res, indent=1)); fn.with_suffix('.txt').write_text(txt + '\n'); print(txt)

if __name__ == '__main__': main()

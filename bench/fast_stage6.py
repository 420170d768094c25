"""The `fast` preset's body: Lite0 alone (the preset until 2026-12-07) against Lite0 with stage 6 beside its last map
(as `quality` has it), on the validation protocol of bench/presets.py, with the whitening shrinkage and expansion depth.

    python bench/fast_stage6.py [--seeds 42 43 44]
    python bench/fast_stage6.py --preset quality --bodies efficientnet_lite0_stage6+efficientnet_lite2_stage6 \
        efficientnet_lite0_stage6+efficientnet_lite1_stage6+efficientnet_lite2_stage6 --shrinks 0.5 1 2 4 --expands 0 5 10 \
        --out bench/results/quality_lite1.json

The second command asks the same of `quality` (whether Lite1 with its stage 6 beside the preset's two members helps):
its head, no mirrors, whitening 1 + QE10 the preset's; --bodies, --shrinks and --expands name what is compared.

The seeded 80/20 split of all of Caltech-101 (seed 42), validation images query the training split, macro P@5 after
whitening (fitted on the training split) and query expansion, float features of every image and its mirror (bench/
presets.py's cache, $FEATURE_CACHE), `fast`'s head as the preset trains it (proxy-anchor, 25 epochs at 0.01, mirrored
training views), head seeds 42, 43, 44. The shrinkage and depth are chosen here, on validation; bench/heldout.py
(`--preset fast --quantize int8`) then checks the choice on images no setting was chosen on.
Writes bench/results/fast_stage6.{json,txt} (about 15 minutes, 6 of them features when not cached), or --out and its .txt.
"""
import argparse, json, sys, time, warnings
from pathlib import Path
import numpy as np
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT/'bench'))
warnings.filterwarnings('ignore')
BODIES = ('efficientnet_lite0', 'efficientnet_lite0_stage6'); SHRINKS = (1, 2, 3, 4, 6); EXPANDS = (5, 10, 15)

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--seeds', nargs='+', type=int, default=[42, 43, 44]); ap.add_argument('--preset', default='fast')
    ap.add_argument('--bodies', nargs='+', default=list(BODIES)); ap.add_argument('--shrinks', nargs='+', type=float, default=list(SHRINKS))
    ap.add_argument('--expands', nargs='+', type=int, default=list(EXPANDS)); ap.add_argument('--out', default=str(ROOT/'bench'/'results'/'fast_stage6.json'))
    a = ap.parse_args()
    import torch
    from presets import features, feature_cache, protocol
    from image_similarity.train import train_head, retrieval_metrics
    from image_similarity.export import split_head
    from image_similarity.postprocess import fit_whitening
    from image_similarity.settings import BuildSettings
    files, labels, y, classes, valid = protocol(); cache = feature_cache(); r = BuildSettings(preset=a.preset).resolve()
    res = dict(command=' '.join(['python bench/fast_stage6.py'] + sys.argv[1:]), preset=a.preset, seeds=a.seeds, head=dict(loss=r.loss, epochs=r.epochs, lr=r.lr, flip=r.flip), P5={})
    for bb in a.bodies:
        f = features(files, bb, cache); out = res['P5'][bb] = {}
        for seed in a.seeds:
            t = time.time()
            head, _ = train_head(f, y, valid, len(classes), r.epochs, r.lr, seed=seed, label_smoothing=r.label_smoothing, quiet=True, loss=r.loss, views=None if r.flip else 1)
            to_emb, _ = split_head(head, pooled=True)
            with torch.no_grad(): e0 = to_emb(torch.from_numpy(np.ascontiguousarray(f[:, 0]))).numpy()
            for sh in a.shrinks:
                e = fit_whitening(e0[~valid], sh)(e0)
                for ex in a.expands: out.setdefault(f'{sh:g}/{ex}', []).append(retrieval_metrics(e, labels, valid, expand=ex)['macro']['P@5'])
            print(bb, seed, {k: round(v[-1], 4) for k, v in out.items()}, f'{time.time() - t:.0f} s', flush=True)
    L = [f"## `{a.preset}`: its head on each body, validation macro P@5 (mean of seeds {', '.join(map(str, a.seeds))}), float features", '',
         f"Command: `{res['command']}`", '', '| body | whitening shrinkage | ' + ' | '.join(f'QE{e}' if e else 'no expansion' for e in a.expands) + ' |', '|---|---|' + '---|' * len(a.expands)]
    for bb in a.bodies:
        for sh in a.shrinks: L.append(f'| {bb} | {sh:g} | ' + ' | '.join(f"{np.mean(res['P5'][bb][f'{sh:g}/{ex}']):.4f}" for ex in a.expands) + ' |')
    txt = '\n'.join(L); fn = Path(a.out)
    fn.write_text(json.dumps(res, indent=1)); fn.with_suffix('.txt').write_text(txt + '\n'); print(txt)

if __name__ == '__main__': main()

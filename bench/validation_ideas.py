"""Ideas for the `quality` preset on the validation protocol of bench/presets.py (the seeded 80/20 split of all of
Caltech-101, validation images query the training split, macro P@5, head seeds 42, 43, 44): earlier layers beside
the last map, whitening's shrinkage with query expansion's depth, database-side augmentation, learned (supervised)
whitening, and the head's class probabilities added to the similarity. Tried, none taken.

    python bench/validation_ideas.py [--variants last+stage6 last+stage6+stage5 ...] [--seeds 42,43,44] [--out FILE.json]

Features: bench/layers.py's cache (the preset's float body at 260 px, no mirrors, each part pooled by max and
average: `last`, `pre`, `stage6`, `stage5`). `last+stage6` is the preset's input (its stage 6 is handed on as is
here, not x 0.05 + 3 as `Stage6Body` does for int8: the head sees an affine copy). For each variant and seed the
preset's head is trained (its epochs, learning rate, loss; no mirrors) and measured after whitening 1 + QE10; on
`last+stage6` also every whitening shrinkage in `--shrinks` with every expansion in `--expands`, and DBA (every
training image's embedding replaced by the normalised sum of its k nearest training embeddings, itself included,
weighted by similarity^3; computed once at build time, so a query costs nothing more) with k in `--dba`, before QE10;
learned whitening in place of PCA-whitening (Radenovic et al.'s Lw: the training split's within-class scatter, blended
with the total scatter by `mix` and regularised by `reg` x its mean variance, whitened, then rotated onto the total
scatter's axes in that space) with each `--lw` reg/mix, then QE10; and the gallery image's class probability under
the query's logits (softmax at temperature T) added x beta to each similarity after the preset's whitening and QE10
(a labelled gallery knows its classes), with each `--label-boost` T/beta.
Writes bench/results/validation_ideas.{json,txt} (about 12 minutes with the features cached; `--out` elsewhere).
"""
import argparse, json, sys
from pathlib import Path
import numpy as np
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT/'bench'))

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--variants', nargs='+', default=['last+stage6', 'last+stage6+stage5', 'last+pre+stage6', 'last+pre+stage6+stage5'])
    ap.add_argument('--seeds', default='42,43,44'); ap.add_argument('--shrinks', nargs='+', type=float, default=[0.25, 0.5, 1, 2, 4])
    ap.add_argument('--expands', nargs='+', type=int, default=[0, 5, 10, 20]); ap.add_argument('--dba', nargs='*', type=int, default=[3, 5])
    ap.add_argument('--lw', nargs='*', default=['0.3/0', '1/0', '0.3/0.5', '1/0.5', '3/0.5'], help='reg/mix of learned whitening')
    ap.add_argument('--label-boost', nargs='*', default=['10/0.2', '30/0.1', '30/0.2', '100/0.1'], help='T/beta')
    ap.add_argument('--out', default=str(ROOT/'bench'/'results'/'validation_ideas.json'))
    a = ap.parse_args()
    import torch, layers
    from rerank import dba
    from image_similarity.data import caltech101, list_images, folder_label
    from image_similarity.train import train_head, _valid_mask, retrieval_metrics
    from image_similarity.export import split_head
    from image_similarity.postprocess import fit_whitening, l2n, expand_query, Whitening
    from image_similarity.pipeline import PRESETS
    from image_similarity.settings import BuildSettings
    root = caltech101(); files = sorted(list_images(root)); x, cols = layers.layer_features(files)
    labels = np.array([folder_label(f, root) for f in files]); classes = sorted(set(labels)); y = np.searchsorted(classes, labels)
    valid = _valid_mask(files, 0.2, 42); p = PRESETS['quality']; r = BuildSettings(preset='quality').resolve()
    seeds = [int(s) for s in a.seeds.split(',')]
    res = dict(command=' '.join(['python bench/validation_ideas.py'] + sys.argv[1:]), seeds=seeds, variants={}, post={}, dba={}, lw={}, labels={})
    g, q = np.flatnonzero(~valid), np.flatnonzero(valid)
    def lw(e, reg, mix):
        "Learned whitening fitted on the training rows of `e`: within-class scatter (blended with the total by `mix`, plus `reg` x its mean variance) whitened, then the total scatter's axes."
        x = l2n(e[~valid].astype(np.float64)); yy = y[~valid]; mu = x.mean(0)
        cm = np.zeros((len(classes), x.shape[1])); np.add.at(cm, yy, x); cm /= np.maximum(np.bincount(yy, minlength=len(classes)), 1)[:, None]
        W = x - cm[yy]; T = x - mu; Ct = T.T @ T / len(x); Cs = (1 - mix) * (W.T @ W / len(x)) + mix * Ct
        Cs += reg * np.trace(Cs) / len(Cs) * np.eye(len(Cs)); v, U = np.linalg.eigh(Cs); isq = (U / np.sqrt(v)) @ U.T
        _, U2 = np.linalg.eigh(isq @ Ct @ isq)
        return Whitening(mu.astype(np.float32), (U2[:, ::-1].T @ isq).astype(np.float32), float(reg))(e)
    def boosted_P5(e, logits, T, beta, ex):
        "Macro P@5 when the gallery image's class probability (the query's logits x T, softmax) x `beta` is added to each similarity after QE `ex`."
        x = l2n(e); G, Q = x[g], x[q]; S = Q @ G.T; nb = np.argsort(-S, 1, kind='stable')[:, :ex]
        Q = np.stack([expand_query(Q[i], G[nb[i]], S[i, nb[i]]) for i in range(len(q))]); z = logits[q] * T; z -= z.max(1, keepdims=True)
        P = np.exp(z); P /= P.sum(1, keepdims=True); S = Q @ G.T + beta * P[:, y[g]]
        top = np.argsort(-S, 1, kind='stable')[:, :5]; rel = (y[g][top] == y[q][:, None]).mean(1)
        return float(np.mean([rel[y[q] == c].mean() for c in np.unique(y[q])]))
    def with_dba(e, k):
        "`e` (unit rows) with its training rows replaced by DBA over the training rows (weights similarity^3)."
        out = e.copy(); out[~valid] = dba(e[~valid], k, 3); return out
    for v in a.variants:
        f = np.ascontiguousarray(x[..., np.concatenate([cols[q] for q in v.split('+')])]); out = []
        for seed in seeds:
            head, _ = train_head(f, y, valid, len(classes), r.epochs, r.lr, seed=seed, label_smoothing=r.label_smoothing, quiet=True, loss=r.loss, views=1)
            to_emb, to_logits = split_head(head, pooled=True)
            with torch.no_grad(): t0 = to_emb(torch.from_numpy(f[:, 0])); e0 = t0.numpy(); logits = to_logits(t0).numpy()
            P5 = lambda e, ex: retrieval_metrics(e, labels, valid, expand=ex)['macro']['P@5']
            ew = fit_whitening(e0[~valid], p['whiten'])(e0)   # the preset's post-processing
            out.append(P5(ew, p['expand'])); print(v, seed, round(out[-1], 4), flush=True)
            if v == 'last+stage6':
                for sh in a.shrinks:
                    es = fit_whitening(e0[~valid], sh)(e0)
                    for ex in a.expands: res['post'].setdefault(f'{sh:g}/{ex}', []).append(P5(es, ex))
                for k in a.dba: res['dba'].setdefault(str(k), []).append(P5(with_dba(l2n(ew), k), p['expand']))
                for rm in a.lw: res['lw'].setdefault(rm, []).append(P5(lw(e0, *map(float, rm.split('/'))), p['expand']))
                for tb in a.label_boost: res['labels'].setdefault(tb, []).append(boosted_P5(ew, logits, *map(float, tb.split('/')), p['expand']))
        res['variants'][v] = dict(width=int(f.shape[-1]), P5=out)
    L = ['## `quality` ideas on the validation protocol (bench/presets.py), macro P@5, float features', '', f"Command: `{res['command']}`", '',
         '| layers pooled | head input | ' + ' | '.join(f'seed {s}' for s in seeds) + ' | mean |', '|---|---|' + '---|' * (len(seeds) + 1)]
    for v, o in res['variants'].items():
        L.append(f"| {v}{' (the preset)' if v == 'last+stage6' else ''} | {o['width']:,} | " + ' | '.join(f'{s:.4f}' for s in o['P5']) + f" | **{np.mean(o['P5']):.4f}** |")
    if res['post']:
        L += ['', f"Post-processing on `last+stage6` (the preset: whitening {p['whiten']:g} + QE{p['expand']}), mean over the seeds:", '',
              '| whitening shrinkage | ' + ' | '.join(f'QE{e}' if e else 'no expansion' for e in a.expands) + ' |', '|---|' + '---|' * len(a.expands)]
        for sh in a.shrinks: L.append(f'| {sh:g} | ' + ' | '.join(f"{np.mean(res['post'][f'{sh:g}/{ex}']):.4f}" for ex in a.expands) + ' |')
    if res['dba']:
        L += ['', f"DBA on `last+stage6`'s embeddings after the preset's whitening {p['whiten']:g}, then QE{p['expand']} ({np.mean(res['variants']['last+stage6']['P5']):.4f} without), per seed and mean: "
              + '; '.join(f"k {k}: " + ', '.join(f'{x:.4f}' for x in v) + f" (**{np.mean(v):.4f}**)" for k, v in res['dba'].items())]
    base = np.mean(res['variants']['last+stage6']['P5']) if 'last+stage6' in res['variants'] else float('nan')
    if res['lw']:
        L += ['', f"Learned whitening (reg / mix) in place of the preset's PCA-whitening, then QE{p['expand']} ({base:.4f} with the preset's), mean over the seeds: "
              + '; '.join(f"{k}: **{np.mean(v):.4f}**" for k, v in res['lw'].items())]
    if res['labels']:
        L += ['', f"The gallery image's class probability (T / beta) added to the similarity after the preset's whitening and QE{p['expand']} ({base:.4f} without), mean over the seeds: "
              + '; '.join(f"{k}: **{np.mean(v):.4f}**" for k, v in res['labels'].items())]
    txt = '\n'.join(L); out_f = Path(a.out)
    out_f.write_text(json.dumps(res, indent=1)); out_f.with_suffix('.txt').write_text(txt + '\n'); print(txt)

if __name__ == '__main__': main()

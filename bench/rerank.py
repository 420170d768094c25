"""Re-ranking over the gallery graph against query expansion (issue 33), on a built model directory's stored
embeddings: validation images query the training split, exact cosine, macro P@k (per class, then over classes).

    python bench/rerank.py [--model models/caltech101] [--model models/caltech101_fast]

Each method ranks the same gallery for the same queries:
- `QE` (the preset's query expansion, alpha-QE over the top `expand`, as `retrieval_metrics(expand=)` measures it);
- `DBA k, p`: database-side augmentation, computed at build time: every gallery vector replaced by the
  normalised sum of its k nearest gallery vectors (itself included) weighted by similarity^p; a query costs nothing more;
- `k-reciprocal k, lambda`: the query's top 100 re-ranked by (1 - lambda) x the Jaccard distance between soft
  k-neighbour sets (weights exp(similarity), the gallery's sets computed at build time) + lambda x the cosine distance
  (Zhong et al., CVPR 2017, without its local query expansion); a query reads 100 stored neighbour sets;
- `diffusion k, alpha`: diffusion over the gallery graph (Iscen et al., CVPR 2017): the mutual k-nearest-neighbour
  graph of the gallery with weights similarity^3, symmetrically normalised, built once; a query's top 10
  similarities^3 are the start `y`, and the ranking is `f` solving `(I - alpha W) f = y` (conjugate gradient, 20 steps).
The `ms/query` column is the extra time per query of that step alone, on one thread (NumPy), beside the base search.
Writes bench/results/rerank.{json,txt}."""
import argparse, json, time
from pathlib import Path
import numpy as np
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parent.parent
KS = (1, 5, 10)

def macro(top, lg, lq):
    "Macro P@k of rankings `top` [q, >=10] of gallery labels `lg` for queries labelled `lq` (as `retrieval_metrics` counts)."
    classes = np.unique(lq); rel = lg[top[:, :max(KS)]] == lq[:, None]
    return {f'P@{k}': float(np.mean([rel[lq == c, :k].mean() for c in classes])) for k in KS}

def soft_sets(S, k):
    "Rows of `S` [a, b] reduced to each row's top k, weighted exp(similarity), summing to 1 (dense [a, b])."
    nn = np.argpartition(-S, k - 1, 1)[:, :k]; V = np.zeros(S.shape, np.float32)
    np.put_along_axis(V, nn, np.exp(np.take_along_axis(S, nn, 1)), 1); return V / V.sum(1, keepdims=True)

def krecip(SQ, VG, k, lam, cand=100):
    "Rankings of the top `cand` of each query by (1 - lam) Jaccard(soft sets) + lam cosine distance; and ms per query."
    VQ = soft_sets(SQ, k); top = np.argsort(-SQ, 1, kind='stable')[:, :cand]; out = np.empty_like(top)
    t = time.perf_counter()
    for i in range(len(SQ)):
        c = top[i]; a = VQ[i]; n = np.nonzero(a)[0]            # only the query's own neighbours can add to the minimum
        mn = np.minimum(a[n][None], VG[c][:, n]).sum(1); jd = 1 - mn / (2 - mn)   # sum of maxima = 1 + 1 - sum of minima
        out[i] = c[np.argsort((1 - lam) * jd + lam * (1 - SQ[i, c]), kind='stable')]
    return out, (time.perf_counter() - t) / len(SQ) * 1e3

def diffusion(SQ, SG, k, alpha, gamma=3, start=10, steps=20):
    "Rankings by diffusion over the gallery's mutual kNN graph (built here, once), and ms per query."
    import scipy.sparse as sp
    from scipy.sparse.linalg import cg
    n = len(SG); nn = np.argpartition(-SG, k, 1)[:, :k + 1]; r = np.repeat(np.arange(n), k + 1); c = nn.ravel()
    W = sp.csr_matrix((np.maximum(SG[r, c], 0) ** gamma, (r, c)), shape=(n, n)); W = W.minimum(W.T); W.setdiag(0); W.eliminate_zeros()
    d = np.asarray(W.sum(1)).ravel(); d[d == 0] = 1; D = sp.diags(1 / np.sqrt(d)); A = (sp.eye(n) - alpha * (D @ W @ D)).tocsr()
    out = np.empty((len(SQ), 10), int); t = time.perf_counter()
    for i, s in enumerate(SQ):
        top = np.argpartition(-s, start)[:start]; y = np.zeros(n); y[top] = np.maximum(s[top], 0) ** gamma
        f, _ = cg(A, y, maxiter=steps); out[i] = np.argsort(-f, kind='stable')[:10]
    return out, (time.perf_counter() - t) / len(SQ) * 1e3

def dba(G, k:int, p:float, S=None):
    "Database-side augmentation of unit rows `G`: each replaced by the normalised sum of its `k` nearest rows (itself included), weighted by similarity^`p` (`S`: `G @ G.T`, if at hand)."
    from image_similarity.postprocess import l2n
    S = G @ G.T if S is None else S
    nn = np.argsort(-S, 1, kind='stable')[:, :k]; w = np.maximum(np.take_along_axis(S, nn, 1), 0) ** p
    return l2n((w[:, :, None] * G[nn]).sum(1))

def run(model):
    from image_similarity.store import ModelDir
    from image_similarity.train import retrieval_metrics
    from image_similarity.postprocess import l2n, expand_query
    md = ModelDir.load(model); it = md.items; x = l2n(md.embeddings)
    lab, valid = it.label.to_numpy(), it.split.to_numpy() == 'valid'; expand = (md.config.get('post') or {}).get('expand', 0)
    g, q = np.flatnonzero(~valid), np.flatnonzero(valid); G, Q, lg, lq = x[g], x[q], lab[g], lab[q]
    SQ, SG = Q @ G.T, G @ G.T; rows = []
    def add(name, top, ms=0.0): rows.append(dict(method=name, ms_per_query=ms, **macro(top, lg, lq))); print(rows[-1], flush=True)
    base = np.argsort(-SQ, 1, kind='stable')[:, :10]; add('none', base)
    ref = retrieval_metrics(md.embeddings, lab, valid)['macro']   # the package's own count agrees
    assert all(abs(ref[k] - rows[0][k]) < 1e-9 for k in ('P@1', 'P@5', 'P@10')), (ref, rows[0])
    def qe(Qs, Gs):
        S = Qs @ Gs.T; nb = np.argsort(-S, 1, kind='stable')[:, :expand]; t = time.perf_counter()
        Qe = np.stack([expand_query(Qs[i], Gs[nb[i]], S[i, nb[i]]) for i in range(len(Qs))]); ms = (time.perf_counter() - t) / len(Qs) * 1e3
        return np.argsort(-(Qe @ Gs.T), 1, kind='stable')[:, :10], ms
    if expand: add(f'QE{expand} (the preset)', *qe(Q, G))
    for k, p in ((2, 3), (3, 3), (5, 3), (5, 1)):
        Gd = dba(G, k, p, SG)
        add(f'DBA k {k}, p {p}', np.argsort(-(Q @ Gd.T), 1, kind='stable')[:, :10])
        if expand and k == 3: add(f'DBA k {k}, p {p} + QE{expand}', *qe(Q, Gd))
    for k in (10, 20):
        VG = soft_sets(SG, k)
        for lam in (0.3, 0.6): add(f'k-reciprocal k {k}, lambda {lam}', *krecip(SQ, VG, k, lam))
    for k, alpha in ((15, 0.8), (15, 0.9), (30, 0.9)): add(f'diffusion k {k}, alpha {alpha}', *diffusion(SQ, SG, k, alpha))
    return dict(model=str(model), n_queries=len(q), n_gallery=len(g), expand=expand, rows=rows)

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--model', action='append', help='model directory (repeatable)')
    a = ap.parse_args(); models = a.model or [str(ROOT/'models/caltech101'), str(ROOT/'models/caltech101_fast')]
    with threadpool_limits(1): res = [run(m) for m in models]   # one thread: the ms / query column
    out = ROOT/'bench/results/rerank.json'; out.write_text(json.dumps(res, indent=1))
    lines = ['python bench/rerank.py ' + ' '.join(f'--model {Path(m).resolve().relative_to(ROOT) if Path(m).resolve().is_relative_to(ROOT) else m}' for m in models), '']
    for r in res:
        lines += [f"{r['model']}: {r['n_queries']} validation queries, {r['n_gallery']} gallery images", '',
                  '| method | macro P@1 | macro P@5 | macro P@10 | extra ms / query |', '|---|---|---|---|---|']
        lines += [f"| {x['method']} | {x['P@1']:.4f} | {x['P@5']:.4f} | {x['P@10']:.4f} | {x['ms_per_query']:.2f} |" for x in r['rows']] + ['']
    out.with_suffix('.txt').write_text('\n'.join(lines)); print('\n'.join(lines))

if __name__ == '__main__': main()

"""Two ideas for #31's cells, measured without changing the index: spilled cells and per-cell thresholds. Neither taken.

    python bench/lsh_cell_ideas.py [--gens skewed fitted:models/caltech101] [--n 500000] [--queries 200]

For each generator of bench/lsh_generators.py (same data, same seeds) the index is built at its defaults (`add`,
`partition`), and for the first `--queries` in-distribution and novel queries, with their exact top 10:

- **Spilled cells** (each vector stored in a second cell too, as in ScaNN's SOAR): how many codes a query reads,
  going through the cells in order of centre distance as the search does, before it has reached the cells of 9 and of
  all 10 of its true neighbours, when each vector sits in its nearest cell only (as now), also in its second-nearest,
  or also in the cell SOAR picks (lambda 1: the least |x - c'|^2 + <r, x - c'>^2 / |r|^2, r the residual to the
  nearest). A spilled vector counts in the sizes of both its cells.
- **Per-cell thresholds**: each bit's threshold the median of the cell's projections instead of the index's (the
  whole index's median), the query's projection scored against the threshold of the cell it reads. Measured as the
  depth of the asymmetric-score ranking a query needs to re-rank (among the codes of its 10 nearest cells and its
  neighbours' cells) to hold 9 of its 10 true neighbours; per-cell scores raw and divided by the norm of the
  query's margins in that cell.

Prints a table, writes bench/results/lsh_cell_ideas.{json,txt} (about 4 minutes a generator at 500,000 vectors).
"""
import argparse, json, sys
from pathlib import Path
import numpy as np
HERE = Path(__file__).resolve().parent; sys.path.insert(0, str(HERE)); sys.path.insert(0, str(HERE.parent))
from lsh_generators import make
from lsh_data import exact

def second_cells(X, C):
    "Each row's nearest centre, second-nearest, and SOAR's spill (lambda 1), a block at a time."
    c2 = (C ** 2).sum(1); out = np.empty((3, len(X)), np.int32)
    for i in range(0, len(X), 32768):
        x = X[i:i + 32768]; D = c2[None] - 2 * x @ C.T
        o = np.argpartition(D, 2, 1)[:, :3]; o = np.take_along_axis(o, np.argsort(np.take_along_axis(D, o, 1), 1), 1)
        r = x - C[o[:, 0]]; rn = r / (np.linalg.norm(r, axis=1, keepdims=True) + 1e-12)
        tot = (x ** 2).sum(1)[:, None] + D + ((x * rn).sum(1)[:, None] - rn @ C.T) ** 2
        tot[np.arange(len(x)), o[:, 0]] = np.inf
        out[:, i:i + 32768] = o[:, 0], o[:, 1], tot.argmin(1)
    return out

def run(gen, n, nq):
    from image_similarity.lsh import LSHIndex
    X, Qi, Qn = make(gen, n, 2000); Qi, Qn = Qi[:nq], Qn[:nq]
    ix = LSHIndex(X.shape[1]).reserve(len(X)); ix.add(X); ix.partition(); del X
    Xn = ix.vectors()                                   # unit rows in storage order (grouped by cell)
    C = ix.centroids.astype(np.float32); nc = len(C); P = ix.planes.astype(np.float32); mean = ix.mean.astype(np.float32); thr = ix.thresholds.astype(np.float32)
    near, sec, soar = second_cells(Xn, C); prim = ix._cell[:len(Xn)].astype(np.int32)   # the stored cells (the rows are grouped by them)
    sec = np.where(sec == prim, near, sec); soar = np.where(soar == prim, near, soar)   # (a float tie may put the nearest elsewhere)
    size = {'nearest only': np.bincount(prim, minlength=nc)}
    size['+ second nearest'] = size['nearest only'] + np.bincount(sec, minlength=nc); size['+ SOAR'] = size['nearest only'] + np.bincount(soar, minlength=nc)
    cells = {'nearest only': [prim], '+ second nearest': [prim, sec], '+ SOAR': [prim, soar]}
    proj = np.concatenate([(Xn[i:i + 65536] - mean) @ P.T for i in range(0, len(Xn), 65536)])
    off = np.r_[0, np.cumsum(size['nearest only'])]; tc = np.stack([np.median(proj[off[c]:off[c + 1]], 0) if off[c + 1] > off[c] else thr for c in range(nc)])
    bg, bc = proj > thr, proj > tc[prim]
    out = {}
    for kind, Q in (('in', Qi), ('novel', Qn)):
        Q = (Q / np.linalg.norm(Q, axis=1, keepdims=True)).astype(np.float32); G = exact(Xn, Q, 10)
        spill = {k: [] for k in cells}; depth = {'index thresholds': [], 'cell thresholds': [], 'cell thresholds, normalised': []}
        for q, g in zip(Q, G):
            d2 = ((C - q) ** 2).sum(1); order = np.argsort(d2, kind='stable'); rank = np.empty(nc, int); rank[order] = np.arange(nc)
            for k, cs in cells.items():
                rk = np.sort(np.min([rank[c[g]] for c in cs], 0)); cum = np.cumsum(size[k][order])
                spill[k].append((int(cum[rk[8]]), int(cum[rk[9]])))
            rows = np.concatenate([np.arange(off[c], off[c + 1]) for c in sorted(set(order[:10]) | set(prim[g]))])
            a = (q - mean) @ P.T; ac = a[None] - tc[prim[rows]]; hit = np.isin(rows, g)
            sg = ((2 * bg[rows] - 1) * (a - thr)).sum(1); sc = ((2 * bc[rows] - 1) * ac).sum(1)
            for k, s in (('index thresholds', sg), ('cell thresholds', sc), ('cell thresholds, normalised', sc / np.sqrt((ac ** 2).sum(1)))):
                depth[k].append(int((s >= np.sort(s[hit])[1]).sum()))   # down to the 9th best-scored of the 10
        out[kind] = dict(spill={k: dict(codes_9=float(np.mean([a for a, b in v])), codes_10=float(np.mean([b for a, b in v]))) for k, v in spill.items()},
                         depth={k: dict(mean=float(np.mean(v)), median=float(np.median(v))) for k, v in depth.items()})
        print(gen, kind, json.dumps(out[kind]), flush=True)
    return out

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--gens', nargs='+', default=['skewed', 'fitted:models/caltech101'])
    ap.add_argument('--n', type=int, default=500_000); ap.add_argument('--queries', type=int, default=200); a = ap.parse_args()
    res = dict(command=' '.join(['python bench/lsh_cell_ideas.py'] + sys.argv[1:]), n=a.n, queries=a.queries, results={g: run(g, a.n, a.queries) for g in a.gens})
    L = [f"Command: `{res['command']}`", '', '| generator | queries | codes read to reach 9 / 10 of the true 10: nearest cell only (now) | + second-nearest | + SOAR | re-rank depth for 9 of 10, mean (median): index thresholds (now) | per-cell thresholds | per-cell, normalised |', '|---|---|---|---|---|---|---|---|']
    for g, r in res['results'].items():
        for kind, x in r.items():
            L.append(f"| {g} | {kind} | " + ' | '.join(f"{v['codes_9']:,.0f} / {v['codes_10']:,.0f}" for v in x['spill'].values()) + ' | '
                     + ' | '.join(f"{v['mean']:,.0f} ({v['median']:,.0f})" for v in x['depth'].values()) + ' |')
    txt = '\n'.join(L); fn = HERE/'results'/'lsh_cell_ideas.json'; fn.write_text(json.dumps(res, indent=1)); fn.with_suffix('.txt').write_text(txt + '\n'); print(txt)

if __name__ == '__main__': main()

"""How deep the re-rank goes, one query at a time, along `miss`: the one knob of the score bound that decides which
pooled codes are re-ranked, and of the cells' reach.

    python bench/lsh_rounds.py [--n 1000000] [--queries 500] [--reps 3]

One thread, one query at a time. The synthetic hard set of `bench/lsh.py` at `--n` (1,000 cells at 1e6) and its
`--queries` in-distribution and novel queries (the same as `bench/lsh.py`), exact ground truth. For each `miss`:
recall@10 (which should be about 1 - miss or more), codes read and vectors re-ranked per query and queries/s (the
median of `--reps` runs, the configurations interleaved), for both query sets. The default is `miss` = `lsh._MISS`.
Prints a table, writes bench/results/lsh_rounds.json and .txt. About 5 minutes at 1e6."""
import argparse, time
import numpy as np
from threadpoolctl import threadpool_limits
from lsh import synth_index, save_table, HERE, K

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--embeddings', default='models/caltech101/embeddings.npy')
    ap.add_argument('--n', type=int, default=1_000_000); ap.add_argument('--queries', type=int, default=500)
    ap.add_argument('--misses', type=float, nargs='*', default=[0.1, 0.05, 0.02, 0.01, 0.005])
    ap.add_argument('--reps', type=int, default=3); ap.add_argument('--out', default=str(HERE/'results'/'lsh_rounds.json'))
    a = ap.parse_args()
    import numba
    import image_similarity.lsh as L
    numba.set_num_threads(1)
    n, m = a.n, a.queries
    ix, q_in, q_nov, G = synth_index(np.load(a.embeddings).astype(np.float32), n, m)
    with threadpool_limits(1):
        sets = {'in': (ix._prep(q_in), G[:m]), 'novel': (ix._prep(q_nov), G[m:])}
        ix._adaptive(sets['in'][0][:3], K, threads=1, blocked=False)          # compiled before timing
        got = {}
        for rep in range(a.reps):
            for miss in a.misses:
                for name, (q, Gs) in sets.items():
                    t = time.perf_counter()
                    out = [ix._adaptive(q[i:i + 1], K, miss=miss, threads=1, blocked=False) for i in range(len(q))]
                    dt = time.perf_counter() - t
                    r = got.setdefault((miss, name), dict(miss=miss, queries=name, qps_runs=[]))
                    r['qps_runs'].append(len(q) / dt)
                    if rep == 0:
                        rows = np.concatenate([o[1] for o in out]); st = np.concatenate([o[2] for o in out])
                        r |= dict(recall=float(np.mean([len(set(ix.ids[i]) & set(g)) / K for i, g in zip(rows, Gs)])),
                                  reranked=float(st[:, 0].mean()), pooled=float(st[:, 1].mean()))
        rows = [r | dict(qps=float(np.median(r['qps_runs'])), default=bool(r['miss'] == L._MISS)) for r in got.values()]
    res = dict(n=n, cells=0 if ix.centroids is None else len(ix.centroids), k=K, threads=1, queries=m, reps=a.reps, rows=rows)
    save_table(res, a.out, table, 'python bench/lsh_rounds.py')

def table(res):
    "The saved results as a text table: one line per `miss`, both query sets side by side."
    out = [f"{res['n']:,} vectors, {res['cells']} cells, {res['queries']} queries of each kind, one at a time, one thread; q/s the median of {res['reps']} runs",
           f"{'miss':>6s}   {'R@10 in':>7s} {'novel':>6s} {'gap':>6s}   {'read in':>8s} {'novel':>7s}   {'re-ranked in':>12s} {'novel':>6s}   {'q/s in':>6s} {'novel':>6s}"]
    by = {(r['miss'], r['queries']): r for r in res['rows']}
    for miss in dict.fromkeys(r['miss'] for r in res['rows']):
        i, v = by[miss, 'in'], by[miss, 'novel']
        out.append(f"{miss:6.3f}   {i['recall']:7.3f} {v['recall']:6.3f} {i['recall'] - v['recall']:6.3f}   {i['pooled']:8.0f} {v['pooled']:7.0f}   "
                   f"{i['reranked']:12.0f} {v['reranked']:6.0f}   {i['qps']:6.0f} {v['qps']:6.0f}" + ('   (default)' if i['default'] else ''))
    return '\n'.join(out)

if __name__ == '__main__': main()

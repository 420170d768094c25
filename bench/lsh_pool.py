"""The bound on what one query reads through cells, at ten million vectors: the default pool against the earlier 32√n.

    python bench/lsh_pool.py [--n 10000000] [--store float16] [--queries 200]

One thread, one query at a time. The synthetic hard set of `bench/lsh.py` at `--n` (built chunk by chunk, then
partitioned: 1,024 cells at 1e7) and its first `--queries` in-distribution and novel queries (the same as
`bench/lsh.py --only-big`), exact ground truth. For each pool (the default, `default_pool(n, n_cells)`, and
`default_pool(n)` = 32√n): recall@10, queries/s, p50 and mean latency, and the queries that read up to the bound
(within one cell of `2 x pool`): their share of the queries and of the time, and their recall@10.
Prints a table, writes bench/results/lsh_pool.json and .txt. About 10 minutes and 12 GB at 1e7."""
import argparse, time
import numpy as np
from threadpoolctl import threadpool_limits
from lsh import synth_index, save_table, HERE, K

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--embeddings', default='models/caltech101/embeddings.npy')
    ap.add_argument('--n', type=int, default=10_000_000); ap.add_argument('--store', default='float16')
    ap.add_argument('--queries', type=int, default=200); ap.add_argument('--out', default=str(HERE/'results'/'lsh_pool.json'))
    a = ap.parse_args()
    import numba
    import image_similarity.lsh as L
    numba.set_num_threads(1)
    n, m = a.n, a.queries
    ix, q_in, q_nov, G = synth_index(np.load(a.embeddings).astype(np.float32), n, m, a.store)
    with threadpool_limits(1):
        cells = len(ix.centroids); biggest = int(np.diff(L._cells(ix)[0]).max())
        rows = []
        for label, pool in (('default_pool(n, n_cells)', L.default_pool(n, cells)), ('32√n (default_pool(n))', L.default_pool(n))):
            for name, Q, Gs in (('in', q_in, G[:m]), ('novel', q_nov, G[m:])):
                q = ix._prep(Q); ix._adaptive(q[:3], K, pool=pool, threads=1, blocked=False)
                lat, reads, rec = [], [], []
                for i in range(len(q)):
                    t = time.perf_counter(); _, r, st = ix._adaptive(q[i:i + 1], K, pool=pool, threads=1, blocked=False); lat.append(time.perf_counter() - t)
                    reads.append(int(st[0, 1])); rec.append(len(set(ix.ids[r[0]]) & set(Gs[i])) / K)
                lat, reads, rec = np.array(lat) * 1e3, np.array(reads), np.array(rec)
                bound = reads > 2 * pool - biggest
                rows.append(dict(pool=label, codes=pool, queries=name, recall=rec.mean(), qps=len(q) / lat.sum() * 1e3, p50_ms=float(np.median(lat)),
                                 mean_ms=lat.mean(), read=reads.mean(), at_bound=bound.mean(), at_bound_time=lat[bound].sum() / lat.sum(),
                                 at_bound_recall=rec[bound].mean() if bound.any() else None))
    res = dict(n=n, store=a.store, cells=cells, k=K, threads=1, queries=m, rows=rows)
    save_table(res, a.out, table, 'python bench/lsh_pool.py')

def table(res):
    "The saved results as a text table."
    out = [f"{res['n']:,} vectors ({res['store']}), {res['cells']} cells, {res['queries']} queries of each kind, one at a time, one thread",
           f"{'pool':26s} {'codes':>7s} {'queries':7s} {'R@10':>6s} {'q/s':>6s} {'p50 ms':>7s} {'mean ms':>7s} {'read':>7s} {'at bound':>8s} {'its time':>8s} {'its R@10':>8s}"]
    for r in res['rows']:
        ab = '' if r['at_bound_recall'] is None else f"{r['at_bound_recall']:8.3f}"
        out.append(f"{r['pool']:26s} {r['codes']:7d} {r['queries']:7s} {r['recall']:6.3f} {r['qps']:6.0f} {r['p50_ms']:7.1f} {r['mean_ms']:7.1f} "
                   f"{r['read']:7.0f} {r['at_bound']:8.1%} {r['at_bound_time']:8.0%} {ab:>8s}")
    return '\n'.join(out)

if __name__ == '__main__': main()

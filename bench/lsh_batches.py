"""Batch size against throughput: the per-query path and the path a cell at a time, side by side in one run.

    python bench/lsh_batches.py [--n 1000000] [--sizes 500 1000 2000 5000] [--reach 0.3]

One thread. The synthetic hard set of `bench/lsh.py` (1e6 vectors, 1,000 cells); its 500 in-distribution and
500 novel queries with exact ground truth, made into batches of each size with more queries of the same kind
(another draw); recall@10 on the queries with ground truth. Single-query q/s beside, on the same index.
The crossing point sets `lsh.BLOCKED_MIN` (queries per cell from which a batch goes a cell at a time).
Prints a table, writes bench/results/lsh_batches.json and .txt (`--report`: the table of the saved JSON). About 5 minutes on this machine."""
import argparse, json, time
from pathlib import Path
import numpy as np
from threadpoolctl import threadpool_limits
from lsh import synth_index, synth_queries, recall, save_table, HERE, K

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--embeddings', default='models/caltech101/embeddings.npy')
    ap.add_argument('--n', type=int, default=1_000_000); ap.add_argument('--sizes', type=int, nargs='*', default=[500, 1000, 2000, 5000])
    ap.add_argument('--reach', type=float, default=0.3); ap.add_argument('--out', default=str(HERE/'results'/'lsh_batches.json'))
    ap.add_argument('--report', action='store_true', help='print the table of the saved results')
    a = ap.parse_args()
    if a.report: return print(table(json.loads(Path(a.out).read_text())))
    import numba
    numba.set_num_threads(1)
    real = np.load(a.embeddings).astype(np.float32); n, m = a.n, 500
    ix, q_in, q_nov, G = synth_index(real, n, m); x_in, x_nov = synth_queries(real, n, max(a.sizes) - m, draw=1)
    with threadpool_limits(1):
        ix.search(q_in[:3], K, blocked=True, threads=1); ix.search(q_in[:3], K, blocked=False, threads=1); ix.search(q_in[0], K)
        rows = []
        for name, Q, X, Gs in (('in', q_in, x_in, G[:m]), ('novel', q_nov, x_nov, G[m:])):
            t = time.perf_counter(); I1 = np.stack([ix.search(q, K, reach=a.reach)[1] for q in Q]); single = len(Q) / (time.perf_counter() - t)
            rows.append(dict(queries=name, batch=1, per_cell=1 / len(ix.centroids), path='one query', qps=single, recall=recall(I1, Gs, K)))
            for b in a.sizes:
                Qb = np.concatenate([Q, X])[:b]
                for blocked in (False, True):
                    t = time.perf_counter(); I = ix.search(Qb, K, reach=a.reach, threads=1, blocked=blocked)[1]; dt = time.perf_counter() - t
                    rows.append(dict(queries=name, batch=b, per_cell=b / len(ix.centroids), path='a cell at a time' if blocked else 'per query',
                                     qps=b / dt, recall=recall(I[:m], Gs, K)))
        for r in rows: r['x_single'] = r['qps'] / next(s['qps'] for s in rows if s['queries'] == r['queries'] and s['batch'] == 1)
    res = dict(n=n, cells=len(ix.centroids), reach=a.reach, k=K, threads=1, rows=rows)
    save_table(res, a.out, table, 'python bench/lsh_batches.py')

def table(res):
    "The saved results as a text table."
    out = [f"{res['n']:,} vectors, {res['cells']} cells, reach {res['reach']}, one thread",
           f"{'queries':8s} {'batch':>6s} {'per cell':>8s} {'path':17s} {'q/s':>8s} {'x single':>8s} {'R@10':>6s}"]
    for r in res['rows']:
        out.append(f"{r['queries']:8s} {r['batch']:6d} {r['per_cell']:8.2f} {r['path']:17s} {r['qps']:8.0f} {r['x_single']:8.2f} {r['recall']:6.3f}")
    return '\n'.join(out)

if __name__ == '__main__': main()

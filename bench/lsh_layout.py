"""Rows stored cell by cell against rows in the order they were added: the same index, the same cells, the same queries.

    python bench/lsh_layout.py [--n 500000] [--gens anisotropic skewed fitted:models/caltech101 fitted:models/caltech101_fast]

`partition()` stores the rows cell by cell (`_group_rows`), so that what a query reads from a cell, codes and then the
vectors it re-ranks, is contiguous. To measure what that gives, each generator's index (bench/lsh_data.py, as in
bench/lsh_generators.py) is built once with the grouping turned off (rows in the order added), searched, then grouped in
place (the cells, the reach table and the queries unchanged) and searched again. Default `miss`; single queries: the first
200 of each kind, one at a time, one thread (median of 5 passes); batches: all 2,000 in one call, one thread (median of 5).
Recall@10 against exact search. Prints a table, writes bench/results/lsh_layout.json (and .txt; a run of some generators
replaces their rows and keeps the others'). About 15 minutes.
"""
import argparse, json, sys, time, gc
from pathlib import Path
import numpy as np
from threadpoolctl import threadpool_limits

HERE = Path(__file__).resolve().parent; sys.path.insert(0, str(HERE)); sys.path.insert(0, str(HERE.parent))
from lsh_data import exact
from lsh import recall
from lsh_generators import make, timed, K


def measure(ix, sets, n_single, reps=5):
    "Single and batch queries/s (medians of `reps`) and recall@10 of `ix` at its defaults, for each query kind."
    out = {}
    for kind, (Q, G) in sets.items():
        s, I1, b, I = timed(lambda q: ix.search(q, K)[1], lambda Q: ix.search(Q, K, threads=1)[1], Q, n_single, reps, reps)
        out[kind] = dict(qps=s, recall_single=recall(I1, G[:n_single], K), batch_qps=b, recall_batch=recall(I, G, K))
    return out

def table(res):
    lines = [f"{'generator':30s} {'kind':6s} {'single q/s added / grouped':>28s} {'ratio':>6s} {'batch q/s added / grouped':>27s} {'ratio':>6s}  recall single, batch (added; grouped)"]
    for r in res:
        for kind in r['added']:
            a, g = r['added'][kind], r['grouped'][kind]
            lines.append(f"{r['generator']:30s} {kind:6s} {a['qps']:13.0f} / {g['qps']:<12.0f} {g['qps'] / a['qps']:6.2f} {a['batch_qps']:12.0f} / {g['batch_qps']:<12.0f} {g['batch_qps'] / a['batch_qps']:6.2f}"
                         f"  {a['recall_single']:.3f}, {a['recall_batch']:.3f}; {g['recall_single']:.3f}, {g['recall_batch']:.3f}")
        lines.append(f"{'':30s} grouping the rows in place took {r['group_s']:.2f} s (the build before it {r['build_s']:.1f} s, two threads)")
    return '\n'.join(lines)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--n', type=int, default=500_000); ap.add_argument('--queries', type=int, default=2000); ap.add_argument('--single', type=int, default=200)
    ap.add_argument('--gens', nargs='*', default=['anisotropic', 'skewed', 'fitted:models/caltech101', 'fitted:models/caltech101_fast'])
    ap.add_argument('--out', default=str(HERE/'results'/'lsh_layout.json'))
    a = ap.parse_args()
    import numba
    import image_similarity.lsh as lsh
    w = lsh.LSHIndex(8); w.add(np.random.rand(50, 8)); w.search(np.random.rand(8), 3); w.search(np.random.rand(2, 8), 3, threads=1)   # compiled first
    group = lsh._group_rows; res = []
    for g in a.gens:
        X, q_in, q_nov = make(g, a.n, a.queries)
        with threadpool_limits(2): G = exact(X, np.concatenate([q_in, q_nov]), K)
        sets = {'in': (q_in, G[:len(q_in)]), 'novel': (q_nov, G[len(q_in):])}
        numba.set_num_threads(2); lsh._group_rows = lambda self: None         # the rows stay in the order they were added
        with threadpool_limits(2):
            t = time.perf_counter(); ix = lsh.LSHIndex(X.shape[1]).reserve(len(X)); ix.add(X); ix.partition(); build = time.perf_counter() - t
        lsh._group_rows = group; del X; gc.collect()
        numba.set_num_threads(1)
        with threadpool_limits(1): added = measure(ix, sets, a.single)
        numba.set_num_threads(2); t = time.perf_counter(); group(ix); gs = time.perf_counter() - t; numba.set_num_threads(1)
        assert (np.diff(ix._cell[:len(ix)]) >= 0).all()
        with threadpool_limits(1): grouped = measure(ix, sets, a.single)
        res.append(dict(generator=g, n=a.n, build_s=build, group_s=gs, added=added, grouped=grouped))
        print(table(res[-1:]), flush=True); del ix; gc.collect()
    cmd = 'python bench/lsh_layout.py ' + ' '.join(sys.argv[1:])
    if Path(a.out).exists():                                                 # keep the other generators' rows
        old = json.loads(Path(a.out).read_text()); mine = {r['generator'] for r in res}
        res = [r for r in old['results'] if r['generator'] not in mine] + res
        order = ['anisotropic', 'skewed']; res.sort(key=lambda r: (order.index(r['generator']) if r['generator'] in order else 2, r['generator']))
        if old['command'] != cmd: cmd = old['command'] + '; ' + cmd
    out = dict(k=K, n=a.n, queries=a.queries, single=a.single, results=res, command=cmd)
    Path(a.out).write_text(json.dumps(out, indent=1)); txt = table(res); print('\n' + txt)
    Path(a.out).with_suffix('.txt').write_text(out['command'] + '\n' + txt + '\n'); print('wrote', a.out)

if __name__ == '__main__': main()

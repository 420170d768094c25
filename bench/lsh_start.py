"""Single queries against the search this index started from, at equal recall: the full scan that re-ranks a fixed
number of candidates `c` (`search(q, k, n_candidates=c)`, the search issue 15 measured) and the adaptive search.

    python bench/lsh_start.py [--n 1000000] [--queries 500] [--reps 3]

One thread, one query at a time. The synthetic hard set of `bench/lsh.py` at `--n` (1,000 cells at 1e6) and its
`--queries` in-distribution and novel queries (the same as `bench/lsh.py`), exact ground truth. Recall@10 and
queries/s (the median of `--reps` runs, the configurations interleaved) of the fixed scan at each `--fixed` c
and of the adaptive search at each `--configs` (miss, reach). Then, for each adaptive configuration and query
set, the fixed scans on either side of its recall: the fastest c that reaches it (the ratio of rates against it is
an upper bound of the ratio at exactly equal recall) and the slowest c that falls short (a lower bound); where no
c reaches it, only the lower bound. Prints a table, writes bench/results/lsh_start.json
and .txt. About 5 minutes at 1e6."""
import argparse, time
import numpy as np
from threadpoolctl import threadpool_limits
from lsh import synth_index, save_table, HERE, K

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--embeddings', default='models/caltech101/embeddings.npy')
    ap.add_argument('--n', type=int, default=1_000_000); ap.add_argument('--queries', type=int, default=500)
    ap.add_argument('--fixed', type=int, nargs='*', default=[1000, 2000, 4000, 8000, 12000, 16000, 24000, 32000])
    ap.add_argument('--configs', type=float, nargs='*', default=[0.02, 0.3, 0.05, 0.1], help='miss, reach pairs')
    ap.add_argument('--reps', type=int, default=3); ap.add_argument('--out', default=str(HERE/'results'/'lsh_start.json'))
    a = ap.parse_args()
    import numba
    numba.set_num_threads(1)
    n, m = a.n, a.queries
    ix, q_in, q_nov, G = synth_index(np.load(a.embeddings).astype(np.float32), n, m)
    cfgs = [('fixed', c, None, None) for c in a.fixed] + [('adaptive', None, a.configs[i], a.configs[i + 1]) for i in range(0, len(a.configs), 2)]
    search_kw = lambda kind, c, miss, reach: dict(n_candidates=c) if kind == 'fixed' else dict(miss=miss, reach=reach)
    with threadpool_limits(1):
        sets = {'in': (q_in, G[:m]), 'novel': (q_nov, G[m:])}
        for cfg in cfgs: ix.search(q_in[:3], K, threads=1, **search_kw(*cfg))             # compiled before timing
        got = {}
        for rep in range(a.reps):
            for kind, c, miss, reach in cfgs:
                kw = search_kw(kind, c, miss, reach)
                for name, (q, Gs) in sets.items():
                    t = time.perf_counter(); I = [ix.search(q[i], K, **kw)[1] for i in range(len(q))]; dt = time.perf_counter() - t
                    r = got.setdefault((kind, c, miss, reach, name), dict(kind=kind, c=c, miss=miss, reach=reach, queries=name, qps_runs=[]))
                    r['qps_runs'].append(len(q) / dt)
                    if rep == 0: r['recall'] = float(np.mean([len(set(i) & set(g)) / K for i, g in zip(I, Gs)]))
    rows = [r | dict(qps=float(np.median(r['qps_runs']))) for r in got.values()]
    res = dict(n=n, cells=0 if ix.centroids is None else len(ix.centroids), k=K, threads=1, queries=m, reps=a.reps, rows=rows,
               equal=equal_recall(rows))
    save_table(res, a.out, table, 'python bench/lsh_start.py')

def equal_recall(rows):
    "For each adaptive row: the fixed-c rows of its query set on either side of its recall (`hi`: the fastest reaching it, `lo`: the slowest short of it), and the rate ratios."
    out = []
    for r in (r for r in rows if r['kind'] == 'adaptive'):
        fx = [f for f in rows if f['kind'] == 'fixed' and f['queries'] == r['queries']]
        hi = max((f for f in fx if f['recall'] >= r['recall']), key=lambda f: f['qps'], default=None)
        lo = min((f for f in fx if f['recall'] < r['recall']), key=lambda f: f['qps'], default=None)
        e = dict(queries=r['queries'], miss=r['miss'], reach=r['reach'], recall=r['recall'], qps=r['qps'])
        for side, f in (('lo', lo), ('hi', hi)):
            e |= {f'{side}_c': f['c'], f'{side}_recall': f['recall'], f'{side}_qps': f['qps'], f'{side}_ratio': r['qps'] / f['qps']} if f else {f'{side}_c': None}
        out.append(e)
    return out

def table(res):
    "The saved results as text: every configuration, then the adaptive ones against the fixed scan at equal recall."
    out = [f"{res['n']:,} vectors, {res['cells']} cells, {res['queries']} queries of each kind, one at a time, one thread; q/s the median of {res['reps']} runs",
           f"{'search':34s} {'R@10 in':>7s} {'q/s':>6s}   {'R@10 novel':>10s} {'q/s':>6s}"]
    by = {(r['kind'], r['c'], r['miss'], r['reach'], r['queries']): r for r in res['rows']}
    for key in dict.fromkeys(k[:4] for k in by):
        i, v = by[key + ('in',)], by[key + ('novel',)]
        name = f"full scan, fixed c={key[1]}" if key[0] == 'fixed' else f"adaptive, miss={key[2]}, reach={key[3]}"
        out.append(f"{name:34s} {i['recall']:7.3f} {i['qps']:6.0f}   {v['recall']:10.3f} {v['qps']:6.0f}")
    out += ['', 'at equal recall: the adaptive search against the fixed scans on either side of its recall (short of it: a lower bound of the ratio; reaching it: an upper bound)']
    side = lambda e, k: f"c={e[k + '_c']:,} {e[k + '_recall']:.3f} at {e[k + '_qps']:.0f} q/s ({e[k + '_ratio']:.1f}x)" if e[k + '_c'] else 'none'
    for e in res['equal']:
        out.append(f"{e['queries']:6s} miss={e['miss']}, reach={e['reach']}: {e['recall']:.3f} at {e['qps']:.0f} q/s; short: {side(e, 'lo')}; reaching: {side(e, 'hi')}")
    return '\n'.join(out)

if __name__ == '__main__': main()

"""A batch through cells merges each cell's k best into each query's k best: before 2026-12-07 with one `np.lexsort`
of every (query, cell) pair's candidates (`_merge_np`, which the NumPy backend keeps), now with a compiled insertion
(`_merge_topk`, ties by row as before).
Both side by side in one run, on the index and queries of bench/lsh_generators.py.

    python bench/lsh_merge.py [--gens anisotropic skewed fitted:models/caltech101 fitted:models/caltech101_fast] [--n 500000]

For each generator: 500,000 vectors, its 2,000 in-distribution and 2,000 novel queries as one batch each, one thread,
the index at its defaults (`blocked` is what a batch of 2,000 takes). Each merge is timed in 2 rounds interleaved, 3
calls a round (best call); the answers must be identical. Writes bench/results/lsh_merge.{json,txt} (about 8 minutes).
"""
import argparse, json, sys, time
from pathlib import Path
import numpy as np
from threadpoolctl import threadpool_limits
HERE = Path(__file__).resolve().parent; sys.path.insert(0, str(HERE.parent)); sys.path.insert(0, str(HERE))
from lsh_generators import make

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--n', type=int, default=500_000)
    ap.add_argument('--gens', nargs='*', default=['anisotropic', 'skewed', 'fitted:models/caltech101', 'fitted:models/caltech101_fast'])
    a = ap.parse_args()
    import image_similarity.lsh_cells as lc
    from image_similarity.lsh import LSHIndex
    merges = {'lexsort (before)': lc._merge_np, 'compiled (now)': lc._merge_topk}   # _merge_np: the NumPy backend's merge, what every batch ran before
    res = dict(command=' '.join(['python bench/lsh_merge.py'] + sys.argv[1:]), n=a.n, rows=[])
    for g in a.gens:
        X, q_in, q_nov = make(g, a.n, 2000); ix = LSHIndex(X.shape[1]); ix.add(X); ix.partition(); del X
        for kind, Q in (('in', q_in), ('novel', q_nov)):
            qps, out = {m: [] for m in merges}, {}
            with threadpool_limits(1):
                ix.search(Q[:50], 10, threads=1)
                for _ in range(2):
                    for m, f in merges.items():
                        lc._merge_topk = f
                        for _ in range(3): t = time.perf_counter(); out[m] = ix.search(Q, 10, threads=1); qps[m].append(len(Q) / (time.perf_counter() - t))
            lc._merge_topk = merges['compiled (now)']
            (d0, i0), (d1, i1) = out.values(); same = bool(np.array_equal(i0, i1) and np.array_equal(d0, d1))
            row = dict(generator=g, queries=kind, same_answers=same, **{f'{m} q/s': max(v) for m, v in qps.items()})
            row['ratio'] = row['compiled (now) q/s'] / row['lexsort (before) q/s']; res['rows'].append(row); print(row, flush=True)
            assert same, f'{g} {kind}: the two merges answer differently'
    L = [f"Command: `{res['command']}`", '', '| generator | queries | lexsort merge (before), q/s | compiled merge (now), q/s | now / before | same answers |', '|---|---|---|---|---|---|']
    L += [f"| {r['generator']} | {r['queries']} | {r['lexsort (before) q/s']:.0f} | {r['compiled (now) q/s']:.0f} | {r['ratio']:.2f}x | {r['same_answers']} |" for r in res['rows']]
    fn = HERE/'results'/'lsh_merge.json'; fn.write_text(json.dumps(res, indent=1)); fn.with_suffix('.txt').write_text('\n'.join(L) + '\n'); print('\n'.join(L))

if __name__ == '__main__': main()

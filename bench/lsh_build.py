"""Build time of LSHIndex (hashing, k-means cells, the reach measurement) against hnswlib's, side by side in one run.

    python bench/lsh_build.py [--n 500000] [--gens anisotropic skewed fitted:models/caltech101 fitted:models/caltech101_fast]
    PYTHONPATH=<a checkout of an older commit> python bench/lsh_build.py --methods ours --out bench/results/lsh_build_before.json

The generators of bench/lsh_generators.py (bench/lsh_data.py, fixed seeds), the same build settings: two threads for
both; ours `reserve` + `add` + `partition()` at its defaults (best of 2 builds after a small one that compiles the
kernels), hnswlib M 16, efConstruction 100 (one build). Only the builds: the recall-vs-speed curves are
bench/lsh_generators.py's. Prints a table, writes bench/results/lsh_build.json (and .txt). About 10 minutes.
"""
import argparse, json, sys, time, gc
from pathlib import Path
import numpy as np
from threadpoolctl import threadpool_limits

HERE = Path(__file__).resolve().parent; sys.path.insert(0, str(HERE))
from lsh_generators import make
from lsh import normed

def ours(X, reps=2):
    import numba
    from image_similarity.lsh import LSHIndex
    w = LSHIndex(X.shape[1]).reserve(2000); w.add(X[:2000]); w.partition(8)   # the kernels compiled first
    numba.set_num_threads(2); out = []
    with threadpool_limits(2):
        for _ in range(reps):
            t = time.perf_counter(); ix = LSHIndex(X.shape[1]).reserve(len(X)); ix.add(X); t_add = time.perf_counter() - t
            ix.partition(); out.append((time.perf_counter() - t, t_add)); del ix; gc.collect()
    return min(out)

def hnswlib_(X, M=16, efc=100):
    import hnswlib
    Xn = normed(X); t = time.perf_counter()
    p = hnswlib.Index(space='ip', dim=X.shape[1]); p.init_index(max_elements=len(X), ef_construction=efc, M=M); p.set_num_threads(2)
    p.add_items(Xn, np.arange(len(X))); return time.perf_counter() - t

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--n', type=int, default=500_000)
    ap.add_argument('--gens', nargs='*', default=['anisotropic', 'skewed', 'fitted:models/caltech101', 'fitted:models/caltech101_fast'])
    ap.add_argument('--methods', nargs='+', choices=['ours', 'hnswlib'], default=['ours', 'hnswlib'])
    ap.add_argument('--out', default=str(HERE/'results'/'lsh_build.json')); a = ap.parse_args(); rows = []
    for g in a.gens:
        X, _, _ = make(g, a.n, 10)
        (b, t_add), h = ours(X) if 'ours' in a.methods else (None, None), hnswlib_(X) if 'hnswlib' in a.methods else None
        r = lambda x, d: None if x is None else round(x, d)
        rows.append(dict(generator=g, n=a.n, ours_s=r(b, 2), ours_add_s=r(t_add, 2), ours_partition_s=r(b and b - t_add, 2), hnswlib_s=r(h, 1),
                         x_hnswlib=r(h and b and h / b, 1)))
        print(rows[-1], flush=True); del X; gc.collect()
    import image_similarity
    f = lambda x, d: '-' if x is None else f'{x:.{d}f}'             # (a method not run)
    cmd = 'python bench/lsh_build.py ' + ' '.join(sys.argv[1:]); where = str(Path(image_similarity.__file__).parent.parent)
    txt = '\n'.join([cmd, f'(image_similarity from {where})', '', f'Build of {a.n:,} x 512, two threads each:', '', '| generator | ours (s): add + partition | hnswlib (s) | ours x hnswlib |', '|---|---|---|---|']
                    + [f"| {r['generator']} | {f(r['ours_s'], 1)}: {f(r['ours_add_s'], 1)} + {f(r['ours_partition_s'], 1)} | {f(r['hnswlib_s'], 0)} | {f(r['x_hnswlib'], 1)} |" for r in rows])
    Path(a.out).write_text(json.dumps(dict(command=cmd, package=where, rows=rows), indent=1)); Path(a.out).with_suffix('.txt').write_text(txt + '\n'); print('\n' + txt)

if __name__ == '__main__': main()

"""LSHIndex at its defaults and along `miss`, against hnswlib and faiss HNSW along efSearch, on generators of different statistics.

    python bench/lsh_generators.py [--n 500000] [--gens anisotropic skewed fitted:models/caltech101 fitted:models/caltech101_fast]

Data (bench/lsh_data.py, fixed seeds): `anisotropic` (a mixture of anisotropic clusters, median pair cosine about 0),
`skewed` (power-law cluster sizes, heavy tails, positive orthant), and `fitted:DIR`, bench/lsh.py's hard set fitted to
the embeddings of the model directory DIR (one per preset). Each has two query kinds: in-distribution (fresh draws
from stored clusters) and novel (draws from clusters the gallery lacks), 2,000 of each; recall@10 against exact search.
Single queries: the first 200 of each kind, one at a time, one thread (median of 3 runs), their recall from their own
answers (until 2026-12-07 the batch's answers to those 200 stood in for them, and ours differ); batches: all 2,000 in one
call, one thread. Builds: two threads for every method (ours: hashing, k-means cells and the reach measurement;
HNSW: insertion). Curves: ours along `miss`, hnswlib (M 16, efConstruction 100) and faiss HNSW (M 32,
efConstruction 40) along efSearch. At equal recall: each of our points against hnswlib's curve, interpolated
(log q/s linear in recall between the two efSearch points around it; none when our recall is beyond its curve).
Prints a table, writes bench/results/lsh_generators.json (and .txt). About 30 minutes at 500,000 vectors on 2 cores.
"""
import argparse, json, sys, time, gc
from pathlib import Path
import numpy as np
from threadpoolctl import threadpool_limits

HERE = Path(__file__).resolve().parent; sys.path.insert(0, str(HERE))
from lsh_data import anisotropic, skewed, fitted, exact
from lsh import recall, normed
LABEL = ''; K = 10; MISSES = (0.2, 0.1, 0.05, 0.02, 0.01, 0.005); EFS = (10, 16, 24, 32, 48, 64, 96, 128, 192, 256)


def ids(a):
    "A single search's ids as one row (hnswlib and faiss answer `[1, k]`, ours `[k]`)."
    return np.asarray(a).reshape(-1)

def timed(single, batch, Q, n_single, reps=3, batch_reps=1):
    "(single q/s: median of `reps` passes over the first `n_single` queries, their answers, batch q/s: median of `batch_reps` calls, batch answers)."
    single(Q[0]); qs, bq = [], []
    for _ in range(reps):
        t = time.perf_counter(); I1 = [single(q) for q in Q[:n_single]]
        qs.append(n_single / (time.perf_counter() - t))
    for _ in range(batch_reps):
        t = time.perf_counter(); I = batch(Q); bq.append(len(Q) / (time.perf_counter() - t))
    return float(np.median(qs)), np.stack([ids(a) for a in I1]), float(np.median(bq)), I

def measure(row, single, batch, sets, n_single, prep=lambda Q: Q):
    "`row` with, for each query set, the single-query and batch rates and recalls of `single(q)` and `batch(Q)` (answers as rows); printed."
    for name, (Q, G) in sets.items():
        s, I1, b, I = timed(single, batch, prep(Q), n_single)   # (single recall from the single answers: a batch may take another path)
        row |= {f'qps {name}': s, f'batch_qps {name}': b, f'recall {name}': recall(I, G, K), f'single_recall {name}': recall(I1, G[:n_single], K)}
    show(row); return row

def ours(X, sets, n_single, cells=None):
    import numba
    from image_similarity.lsh import LSHIndex
    try: from image_similarity.lsh import reach_for
    except ImportError: reach_for = None        # a version before the measured reach (--label, PYTHONPATH at an older checkout)
    w = LSHIndex(8); w.add(np.random.rand(50, 8)); w.search(np.random.rand(8), 3); w.search(np.random.rand(2, 8), 3, threads=1)  # compiled first
    numba.set_num_threads(2)
    with threadpool_limits(2):
        t = time.perf_counter(); ix = LSHIndex(X.shape[1]).reserve(len(X)); ix.add(X); ix.partition(cells); build = time.perf_counter() - t
    numba.set_num_threads(1); rows = []
    with threadpool_limits(1):
        for m in MISSES:
            row = dict(method=f'LSHIndex (ours{LABEL})', config=f'miss={m}', miss=m, default=m == 0.02, build_s=build,
                       cells=0 if ix.centroids is None else len(ix.centroids), reach=None if ix.centroids is None or reach_for is None else reach_for(ix.reach_table, m))
            rows.append(measure(row, lambda q: ix.search(q, K, miss=m)[1], lambda Q: ix.search(Q, K, miss=m, threads=1)[1], sets, n_single))
    return rows

def hnswlib_(X, sets, n_single, M=16, efc=100):
    import hnswlib
    Xn = normed(X); t = time.perf_counter()
    p = hnswlib.Index(space='ip', dim=X.shape[1]); p.init_index(max_elements=len(X), ef_construction=efc, M=M); p.set_num_threads(2)
    p.add_items(Xn, np.arange(len(X))); build = time.perf_counter() - t; p.set_num_threads(1); rows = []
    for ef in EFS:
        p.set_ef(max(ef, K)); row = dict(method='hnswlib', config=f'M={M} efC={efc} ef={ef}', ef=ef, build_s=build)
        rows.append(measure(row, lambda q: p.knn_query(q, K)[0], lambda Q: p.knn_query(Q, K)[0], sets, n_single, normed))
    return rows

def faiss_hnsw(X, sets, n_single, M=32, efc=40):
    import faiss
    faiss.omp_set_num_threads(2); t = time.perf_counter()
    ix = faiss.IndexHNSWFlat(X.shape[1], M, faiss.METRIC_INNER_PRODUCT); ix.hnsw.efConstruction = efc; ix.add(normed(X))
    build = time.perf_counter() - t; faiss.omp_set_num_threads(1); rows = []
    for ef in EFS:
        ix.hnsw.efSearch = ef; row = dict(method='faiss HNSW', config=f'M={M} efC={efc} ef={ef}', ef=ef, build_s=build)
        rows.append(measure(row, lambda q: ix.search(q[None], K)[1], lambda Q: ix.search(Q, K)[1], sets, n_single, normed))
    return rows

def show(r):
    print(f"  {r['method']:16s} {r['config']:24s} " + '  '.join(f"{q}: R@10 {r[f'single_recall {q}']:.3f} {r[f'qps {q}']:7.0f} q/s, batch R@10 {r[f'recall {q}']:.3f} {r[f'batch_qps {q}']:7.0f}"
                                                     for q in ('in', 'novel')) + f"  build {r['build_s']:.0f} s", flush=True)

def at_recall(curve, rec, key):
    "q/s of a curve (rows with 'single_recall'/'recall' and the rate `key`) at recall `rec`: log-linear between the points around it; None beyond it."
    rkey = 'single_recall' if key.startswith('qps') else 'recall'; q = key.split()[-1]
    pts = sorted((r[f'{rkey} {q}'], r[key]) for r in curve)
    best = {}
    for x, y in pts: best[x] = max(best.get(x, 0), y)
    xs = sorted(best); ys = [best[x] for x in xs]
    for i in range(len(xs) - 1, -1, -1):          # the fastest rate reaching at least `rec`, its upper envelope
        ys[i] = max(ys[i], ys[i + 1]) if i + 1 < len(ys) else ys[i]
    if not xs or rec > xs[-1]: return None
    if rec <= xs[0]: return ys[0]
    j = int(np.searchsorted(xs, rec)); x0, x1, y0, y1 = xs[j - 1], xs[j], ys[j - 1], ys[j]
    return float(np.exp(np.log(y0) + (np.log(y1) - np.log(y0)) * (rec - x0) / (x1 - x0))) if x1 > x0 else y1

def summary(res):
    out = []
    for g in dict.fromkeys(r['generator'] for r in res):
        rs = [r for r in res if r['generator'] == g]; mine = [r for r in rs if r['method'].startswith('LSHIndex')]
        hl = [r for r in rs if r['method'] == 'hnswlib']; fh = [r for r in rs if r['method'] == 'faiss HNSW']
        d = next(r for r in mine if r['default'])
        row = dict(generator=g, n=d['n'], cells=d['cells'], reach=d['reach'])
        for q in ('in', 'novel'):
            row[f'default R@10 {q}'] = d[f'single_recall {q}']; row[f'default batch R@10 {q}'] = d[f'recall {q}']
            for mode, key in (('single', f'qps {q}'), ('batch', f'batch_qps {q}')):
                rk = 'single_recall' if mode == 'single' else 'recall'
                for hn, curve in (('hnswlib', hl), ('faiss HNSW', fh)):
                    top = max((r[f'{rk} {q}'] for r in curve), default=None)
                    if top is None: row[f'{mode} x {hn} {q}'] = None; continue
                    at = min(d[f'{rk} {q}'], top)            # our default's recall, or theirs at most: both curves read there
                    o, h = at_recall(mine, at, key), at_recall(curve, at, key)
                    row[f'{mode} x {hn} {q}'] = o / h if o and h else None; row[f'{mode} recall {hn} {q}'] = at
        row['build x hnswlib'] = hl[0]['build_s'] / d['build_s'] if hl else None
        row['build x faiss HNSW'] = fh[0]['build_s'] / d['build_s'] if fh else None
        row['build s ours / hnswlib / faiss'] = f"{d['build_s']:.0f} / {hl[0]['build_s']:.0f} / {fh[0]['build_s']:.0f}" if hl and fh else ''
        out.append(row)
    return out

def table(res):
    f = lambda v: '-' if v is None else f'{v:.2f}' if isinstance(v, float) else str(v)
    lines = ["defaults (miss 0.02, measured reach); speed at equal recall (our default's, or the HNSW curve's highest if ours is beyond it), ratio ours / HNSW (>1: ours faster); single = one query at a time, batch = 2,000 at once; one thread"]
    for r in summary(res):
        lines.append(f"{r['generator']:32s} n={r['n']:,} cells={r['cells']} reach={r['reach'] or 0:.3f}  R@10 one at a time in {r['default R@10 in']:.3f} novel {r['default R@10 novel']:.3f}, batch {r['default batch R@10 in']:.3f} / {r['default batch R@10 novel']:.3f}  "
                     + '  '.join(f"{m} x hnswlib {q} {f(r[f'{m} x hnswlib {q}'])}" for m in ('single', 'batch') for q in ('in', 'novel'))
                     + f"  build x hnswlib {f(r['build x hnswlib'])} (s: {r['build s ours / hnswlib / faiss']})")
    return '\n'.join(lines)

def make(gen, n, nq, seed=0):
    if gen == 'anisotropic': return anisotropic(n, nq, seed=seed)
    if gen == 'skewed': return skewed(n, nq, seed=seed)
    if gen.startswith('fitted:'):
        real = np.load(Path(gen[7:])/'embeddings.npy').astype(np.float32); return fitted(real, n, nq)
    raise SystemExit(f'unknown generator {gen!r}')

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--n', type=int, default=500_000); ap.add_argument('--queries', type=int, default=2000); ap.add_argument('--single', type=int, default=200)
    ap.add_argument('--gens', nargs='*', default=['anisotropic', 'skewed', 'fitted:models/caltech101', 'fitted:models/caltech101_fast'])
    ap.add_argument('--methods', nargs='*', default=['ours', 'hnswlib', 'faiss'])
    ap.add_argument('--label', default='', help="appended to our method's name (e.g. ', before': a run at an older checkout through PYTHONPATH)")
    ap.add_argument('--cells', type=int, default=None, help="our index's cells (default: its own choice, none below 500,000)")
    ap.add_argument('--summary-only', action='store_true', help='recompute the summary and table of --out from its rows')
    ap.add_argument('--out', default=str(HERE/'results'/'lsh_generators.json'))
    a = ap.parse_args(); res = []
    if a.summary_only:
        out = json.loads(Path(a.out).read_text()); out['summary'] = summary(out['results']); Path(a.out).write_text(json.dumps(out, indent=1))
        txt = table(out['results']); print(txt); Path(a.out).with_suffix('.txt').write_text(out['command'] + '\n' + txt + '\n'); return
    global LABEL; LABEL = a.label
    for g in a.gens:
        t = time.perf_counter(); X, q_in, q_nov = make(g, a.n, a.queries)
        with threadpool_limits(2): G = exact(X, np.concatenate([q_in, q_nov]), K)
        sets = {'in': (q_in, G[:len(q_in)]), 'novel': (q_nov, G[len(q_in):])}
        print(f"\n== {g}: {a.n:,} x {X.shape[1]}, {a.queries} + {a.queries} queries (data and ground truth {time.perf_counter() - t:.0f} s)", flush=True)
        for m in a.methods:
            rows = ours(X, sets, a.single, a.cells) if m == 'ours' else dict(hnswlib=hnswlib_, faiss=faiss_hnsw)[m](X, sets, a.single)
            res += [r | dict(generator=g, n=a.n) for r in rows]; gc.collect()
        del X; gc.collect()
    out = dict(k=K, n=a.n, queries=a.queries, single=a.single, results=res, summary=summary(res),
               command='python bench/lsh_generators.py ' + ' '.join(sys.argv[1:]))
    Path(a.out).write_text(json.dumps(out, indent=1)); txt = table(res); print('\n' + txt)
    Path(a.out).with_suffix('.txt').write_text(out['command'] + '\n' + txt + '\n'); print('wrote', a.out)

if __name__ == '__main__': main()

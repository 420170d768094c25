"""Benchmark LSHIndex against exact search, faiss (HNSW, IndexLSH + re-rank, IVF-PQ) and lshash3, one thread, in one run.

    bash bench/get_lshash3.sh        # once: lshash3's sdist for the comparison (it does not build)
    python bench/lsh.py [--embeddings models/caltech101/embeddings.npy] [--sizes 100000 1000000] [--big 10000000]
    python bench/lsh.py --only-big [--children ours_f16]   # the 1e7 part again (or some of its methods), their rows replaced in bench/results/lsh.json
    python bench/lsh.py --only-sizes --sizes 100000 1000000   # the 1e5 and 1e6 parts again, their rows replaced

About 45 minutes on a 2-core machine (faiss HNSW's build of 1e6 vectors: 4 minutes; the 1e7 part: 20 minutes).

Data: real Caltech-101 embeddings (the model directory's), and synthetic clustered sets fitted to them
(per-class means and within-class spread of the real vectors; the hard variant, whose clusters overlap),
fixed seeds. Two query sets at each synthetic size:
- in-distribution: stored vectors plus a little noise (the gallery holds their cluster);
- novel: vectors drawn from clusters held out of the gallery (a photo of a kind of object the collection lacks).
Metrics: recall@10 against exact float32 search, single-query queries/s (p50 latency) and batch queries/s
(a batch of the first 100 or 200 queries; at the synthetic sizes also a large batch, 5,000 queries of each kind
timed once, its recall on the queries with ground truth),
build time, bytes per vector, memory held by the index; medians of repeated runs. The 1e7 set is built chunk
by chunk in a fresh process per method, so that its peak memory (VmHWM) is the method's. Prints a table,
writes bench/results/lsh.json."""
import argparse, json, sys, time, os, gc, subprocess
from pathlib import Path
import numpy as np
from threadpoolctl import threadpool_limits

HERE = Path(__file__).resolve().parent
BUILT = {}
K = 10
CHUNK = 100_000

def _centres(real, n, seed, held=0.1):
    "Cluster centres around real points: the gallery's, then the held-out ones."
    r = np.random.default_rng(seed)
    n_clusters = max(100, n // 100); n_held = max(10, int(n_clusters * held))
    base = real[r.integers(0, len(real), n_clusters + n_held)]
    return np.maximum(base + r.standard_normal(base.shape).astype(np.float32) * real.std(0) * 0.5, 0), n_clusters

def _draw(real, centres, lo, hi, m, r, noise):
    c = centres[r.integers(lo, hi, m)]
    return np.maximum(c + r.standard_normal((m, real.shape[1])).astype(np.float32) * real.std(0) * noise, 0)

def synth_chunks(real, n, hard=True, seed=1):
    "The gallery of `n` vectors, chunk by chunk (each chunk from its own seeded generator: the same at any chunking of the run)."
    centres, nc = _centres(real, n, seed)
    for i in range(0, n, CHUNK):
        yield _draw(real, centres, 0, nc, min(CHUNK, n - i), np.random.default_rng([seed, i]), 0.9 if hard else 0.3)

def synth_queries(real, n, nq, hard=True, seed=1, draw=0):
    "`(in-distribution, novel)` queries for the gallery `synth_chunks(real, n, hard, seed)`; another `draw` gives other queries."
    centres, nc = _centres(real, n, seed); r = np.random.default_rng([seed, 2**31 + draw])
    rows = np.sort(r.choice(n, nq, replace=False)); src = np.empty((nq, real.shape[1]), np.float32)
    for i, X in zip(range(0, n, CHUNK), synth_chunks(real, n, hard, seed)):
        sel = rows[(rows >= i) & (rows < i + len(X))]; src[np.searchsorted(rows, sel)] = X[sel - i]
    q_in = np.maximum(src + r.standard_normal(src.shape).astype(np.float32) * real.std(0) * 0.1, 0)
    q_novel = _draw(real, centres, nc, len(centres), nq, r, 0.9 if hard else 0.3)
    return q_in, q_novel

def normed(x): return x / np.linalg.norm(x, axis=1, keepdims=True)

def exact_chunked(chunks, Q, k):
    "Exact cosine top-k of `Q` over a gallery given in chunks (merged chunk by chunk)."
    Qn = normed(Q); bestD = np.full((len(Q), k), -np.inf, np.float32); bestI = np.zeros((len(Q), k), np.int64); off = 0
    for X in chunks:
        s = Qn @ normed(X).T
        p = np.argpartition(-s, min(k, s.shape[1] - 1), axis=1)[:, :k]
        D = np.concatenate([bestD, np.take_along_axis(s, p, 1)], 1); I = np.concatenate([bestI, p + off], 1)
        o = np.argsort(-D, axis=1, kind='stable')[:, :k]
        bestD, bestI = np.take_along_axis(D, o, 1), np.take_along_axis(I, o, 1); off += X.shape[0]
    return bestI

def recall(I, G, k): return float(np.mean([len(set(a[:k]) & set(b[:k])) / k for a, b in zip(I, G)]))

def save_table(res, out, table, command):
    "Write `res` as JSON to `out` and its `table(res)`, headed by `command`, beside it as .txt; print the table."
    Path(out).write_text(json.dumps(res, indent=1)); txt = table(res)
    print(txt); Path(out).with_suffix('.txt').write_text(f"{command}\n{txt}\n"); print('wrote', out)

def synth_index(real, n, m, store='float32'):
    "The synthetic hard set fitted to `real` of `n` vectors and `m` queries of each kind: `(index, q_in, q_nov, G)`; the index built chunk by chunk on one thread (partitioned from `CELLS_MIN`), G the exact top-k of both sets."
    from image_similarity.lsh import LSHIndex, CELLS_MIN
    q_in, q_nov = synth_queries(real, n, m)
    with threadpool_limits(2): G = exact_chunked(synth_chunks(real, n), np.concatenate([q_in, q_nov]), K)
    with threadpool_limits(1):
        ix = LSHIndex(512, store=store).reserve(n)
        for X in synth_chunks(real, n): ix.add(X)
        if n >= CELLS_MIN: ix.partition()
    return ix, q_in, q_nov, G

def rss_mb():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS'): return int(line.split()[1]) / 1024
def hwm_mb():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM'): return int(line.split()[1]) / 1024

def timeit(single, batch, Q, reps=3):
    "Median single-query q/s and p50 latency, and batch q/s, over `reps` runs."
    qps, lat, bq = [], [], []
    for _ in range(reps):
        ts = []; t0 = time.perf_counter()
        for q in Q:
            t = time.perf_counter(); single(q); ts.append(time.perf_counter() - t)
        qps.append(len(Q) / (time.perf_counter() - t0)); lat.append(np.median(ts) * 1e3)
        if batch is not None:
            t = time.perf_counter(); batch(Q); bq.append(len(Q) / (time.perf_counter() - t))
    return dict(qps=float(np.median(qps)), p50_ms=float(np.median(lat)), batch_qps=float(np.median(bq)) if bq else None)

# ---- methods: (name, build(chunks, n) -> (obj, bytes), configs(obj) -> [(config, single, batch)])
def m_exact():
    def build(chunks, n): Xn = normed(np.concatenate(list(chunks))); return Xn, Xn.nbytes
    def cfgs(Xn):
        def single(q):
            s = Xn @ (q / np.linalg.norm(q)); p = np.argpartition(-s, K)[:K]; return p[np.argsort(-s[p])]
        yield ('exact', single, lambda Q: exact_chunked([Xn], Q, K))
    return ('exact NumPy', build, cfgs)

def m_ours(store, misses=(0.05, 0.02), fixed=(), reaches=(0.3,), cells=True):
    "Our index; with `cells`, partitioned in its build (k-means cells timed as part of the build), else every query scans all codes."
    from image_similarity.lsh import LSHIndex, CELLS_MIN
    def build(chunks, n):
        ix = LSHIndex(512, store=store, n_cells=None if cells else 0).reserve(n)
        for X in chunks: ix.add(X)
        if cells: ix.partition(None if n >= CELLS_MIN else min(1024, max(16, round(n ** 0.5))))   # below CELLS_MIN: forced, to compare
        return ix, ix._codes[:len(ix)].nbytes + ix._vecs[:len(ix)].nbytes + ix._scale[:len(ix)].nbytes + (ix._cell[:len(ix)].nbytes + 8 * len(ix) + ix._codes[:len(ix)].nbytes if ix.centroids is not None else 0)
    def cfgs(ix):
        for m in misses:
            for rc in (reaches if ix.centroids is not None else (None,)):
                kw = dict(miss=m) | (dict(reach=rc) if rc else {})
                yield (f'adaptive miss={m}' + (f' reach={rc}' if rc else ''), lambda q, kw=kw: ix.search(q, K, **kw)[1], lambda Q, kw=kw: ix.search(Q, K, threads=1, **kw)[1])
        for c in fixed:
            yield (f'fixed c={c}', lambda q, c=c: ix.search(q, K, n_candidates=c)[1], lambda Q, c=c: ix.search(Q, K, n_candidates=c, threads=1)[1])
    return (f'LSHIndex (ours, {store}{"" if cells else ", full scan"})', build, cfgs)

def m_faiss_lsh(cands):
    import faiss
    def build(chunks, n):
        Xn = normed(np.concatenate(list(chunks))); ix = faiss.IndexLSH(Xn.shape[1], 256, True, True); ix.train(Xn); ix.add(Xn)
        return (ix, Xn), faiss.serialize_index(ix).nbytes + Xn.nbytes
    def cfgs(obj):
        ix, Xn = obj
        for c in cands:
            def batch(Q, c=c):
                Qn = normed(Q); _, C = ix.search(Qn, c); out = []
                for i in range(0, len(Q), 100):   # the re-rank 100 queries at a time (their candidates' vectors: 100 x c x 2 KB)
                    s = np.einsum('qcd,qd->qc', Xn[C[i:i + 100]], Qn[i:i + 100]); out.append(np.take_along_axis(C[i:i + 100], np.argsort(-s, 1)[:, :K], 1))
                return np.concatenate(out)
            yield (f'256b c={c}', lambda q, b=batch: b(q[None])[0], batch)
    return ('faiss IndexLSH + re-rank', build, cfgs)

def m_hnsw(efs):
    import faiss
    def build(chunks, n):
        ix = faiss.IndexHNSWFlat(512, 32, faiss.METRIC_INNER_PRODUCT); ix.hnsw.efConstruction = 40
        for X in chunks: ix.add(normed(X))
        return ix, faiss.serialize_index(ix).nbytes
    def cfgs(ix):
        for ef in efs:
            def batch(Q, ef=ef): ix.hnsw.efSearch = ef; return ix.search(normed(Q), K)[1]
            yield (f'M=32 ef={ef}', lambda q, b=batch: b(q[None])[0], batch)
    return ('faiss IndexHNSWFlat', build, cfgs)

def m_ivfpq(nprobes, nlist=1024):
    import faiss
    def build(chunks, n):
        it = iter(chunks); first = normed(next(it))
        q = faiss.IndexFlatIP(512); ix = faiss.IndexIVFPQ(q, 512, nlist, 64, 8, faiss.METRIC_INNER_PRODUCT)
        ix.train(first[:max(39 * nlist, 50_000)]); ix.add(first)
        for X in it: ix.add(normed(X))
        return ix, ix.ntotal * (64 + 8)
    def cfgs(ix):
        for p in nprobes:
            def batch(Q, p=p): ix.nprobe = p; return ix.search(normed(Q), K)[1]
            yield (f'nlist={nlist} PQ64 nprobe={p}', lambda q, b=batch: b(q[None])[0], batch)
    return ('faiss IVF-PQ', build, cfgs)

class Timed:
    "An iterator that counts the time spent making its items (the synthetic data), to leave it out of build times."
    def __init__(self, it): self.it, self.spent = iter(it), 0.0
    def __iter__(self): return self
    def __next__(self):
        t = time.perf_counter()
        try: return next(self.it)
        finally: self.spent += time.perf_counter() - t

def run_method(method, chunks_fn, n, sets, reps, name):
    "Build one method on the chunks, answer every query set; rows of results."
    mname, build, cfgs = method
    gc.collect(); m0 = rss_mb(); chunks = Timed(chunks_fn())
    t = time.perf_counter(); obj, nbytes = build(chunks, n); t_build = time.perf_counter() - t - chunks.spent
    held = rss_mb() - m0; out = []
    for cname, single, batch in cfgs(obj):
        row = dict(dataset=name, n=n, method=mname, config=cname, build_s=round(t_build, 2), bytes_per_vector=round(nbytes / n, 1),
                   index_mb=round(nbytes / 2**20, 1), held_mb=round(held, 1))
        for qname, (Q, G, *more) in sets.items():
            I = batch(Q); single(Q[0])        # both compiled / warm before timing
            tm = timeit(single, batch, Q[:min(len(Q), 200 if n < 500_000 else 100)], reps)
            row |= {f'recall@10 {qname}': recall(I, G, K), f'qps {qname}': tm['qps'], f'p50_ms {qname}': tm['p50_ms'], f'batch_qps {qname}': tm['batch_qps']}
            if more and mname != 'exact NumPy':    # the large batch: these queries and more of the same kind, timed once; recall on these
                Qb = np.concatenate([Q, more[0]]); t = time.perf_counter(); Ib = batch(Qb)
                row |= {f'large_batch_qps {qname}': len(Qb) / (time.perf_counter() - t), f'large_batch_recall@10 {qname}': recall(Ib[:len(Q)], G, K), 'large_batch': len(Qb)}
        out.append(row)
        print(f"{mname:26s} {cname:24s} " + '  '.join(f"{q}: R@10={row[f'recall@10 {q}']:.3f} {row[f'qps {q}']:7.1f} q/s batch {row[f'batch_qps {q}']:7.1f}"
                                                      + (f" large {row[f'large_batch_qps {q}']:7.1f} (R@10={row[f'large_batch_recall@10 {q}']:.3f})" if f'large_batch_qps {q}' in row else '') for q in sets)
              + f"  build={t_build:.1f}s {nbytes / n:.0f} B/vec held={held:.0f} MB", flush=True)
    del obj; gc.collect()
    return out

BIG = dict(ours_f16=lambda: m_ours('float16', misses=(0.05, 0.02)), ours_i8=lambda: m_ours('int8', misses=(0.05, 0.02)),
           ivfpq=lambda: m_ivfpq([16, 64]))   # the 1e7 methods: child name -> method (its name is the first item)

def big_child(args):
    "One 1e7 method in this (fresh) process: build chunk by chunk, answer the saved query sets, report VmHWM."
    import numba, faiss
    numba.set_num_threads(1); faiss.omp_set_num_threads(1)
    real = np.load(args.embeddings).astype(np.float32); n = args.child_n
    qs = np.load(args.child_queries); sets = {k: (qs[f'Q_{k}'], qs[f'G_{k}']) + ((qs[f'X_{k}'],) if f'X_{k}' in qs else ()) for k in ('in', 'novel')}
    meth = BIG[args.child]()
    with threadpool_limits(1):
        rows = run_method(meth, lambda: synth_chunks(real, n), n, sets, 1, 'synthetic-hard')
    for r in rows: r['peak_mb'] = round(hwm_mb(), 1)
    print('ROWS ' + json.dumps(rows), flush=True)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--embeddings', default='models/caltech101/embeddings.npy')
    ap.add_argument('--sizes', type=int, nargs='*', default=[100_000, 1_000_000])
    ap.add_argument('--big', type=int, default=10_000_000, help='the chunked size run in fresh processes (0: skip)')
    ap.add_argument('--queries', type=int, default=500); ap.add_argument('--reps', type=int, default=3)
    ap.add_argument('--large-batch', type=int, default=5000, help='queries of each kind in the large batch at the synthetic sizes (0: none)')
    ap.add_argument('--no-lshash3', action='store_true'); ap.add_argument('--out', default=str(HERE/'results'/'lsh.json'))
    ap.add_argument('--only-big', action='store_true', help='run only the --big size, replacing its rows in --out')
    ap.add_argument('--children', nargs='*', default=list(BIG), help='the methods of the --big part (default: all)')
    ap.add_argument('--only-sizes', action='store_true', help='run only --sizes (no Caltech-101 part, no --big), replacing their rows in --out')
    ap.add_argument('--child'); ap.add_argument('--child-n', type=int); ap.add_argument('--child-queries')
    a = ap.parse_args()
    if a.child: return big_child(a)
    import numba, faiss
    from image_similarity.lsh import LSHIndex
    from image_similarity.lshash_compat import LSHash
    numba.set_num_threads(1); faiss.omp_set_num_threads(1)
    real = np.load(a.embeddings).astype(np.float32)
    r = np.random.default_rng(0)
    w = LSHIndex(8); w.add(np.random.rand(50, 8)); w.search(np.random.rand(8), 3); w.search(np.random.rand(2, 8), 3, threads=1)  # JIT-compile before timing

    results = []
    if a.only_big:
        results = [r for r in json.loads(Path(a.out).read_text())['results'] if r.get('n') != a.big or r.get('method') not in {BIG[c]()[0] for c in a.children}]
        a.sizes = []
    if a.only_sizes:
        results = [r for r in json.loads(Path(a.out).read_text())['results'] if r.get('n') not in a.sizes or r['dataset'] != 'synthetic-hard']; a.big = 0
    with threadpool_limits(1):
        if not (a.only_big or a.only_sizes):   # Caltech-101: the real embeddings; queries are perturbed copies of real ones
            Q = real[r.choice(len(real), min(a.queries, len(real)), replace=False)]
            Qp = np.maximum(Q + r.standard_normal(Q.shape).astype(np.float32) * real.std(0) * 0.1, 0)
            sets = {'in': (Qp, exact_chunked([real], Qp, K))}
            for meth in (m_exact(), m_ours('float32', fixed=(100, 200, 400), cells=False), m_ours('float16', misses=(0.02,), cells=False), m_faiss_lsh([100, 200, 400]), m_hnsw([16, 32, 64])):
                results += run_method(meth, lambda: [real], len(real), sets, a.reps, 'caltech101')
            lshash_section(real, Qp, a, results)
        for n in a.sizes:
            print(f"\n== synthetic-hard: {n:,} x 512; {a.queries} in-distribution and {a.queries} novel queries"
                  + (f"; large batch: {a.large_batch} of each kind (recall on the first {a.queries})" if a.large_batch > a.queries else ''), flush=True)
            q_in, q_nov = synth_queries(real, n, a.queries)
            t = time.perf_counter(); G = exact_chunked(synth_chunks(real, n), np.concatenate([q_in, q_nov]), K)
            print(f"exact ground truth: {time.perf_counter() - t:.0f} s", flush=True)
            sets = {'in': (q_in, G[:len(q_in)]), 'novel': (q_nov, G[len(q_in):])}
            if a.large_batch > a.queries:
                x_in, x_nov = synth_queries(real, n, a.large_batch - a.queries, draw=1)
                sets = {'in': sets['in'] + (x_in,), 'novel': sets['novel'] + (x_nov,)}
            X = np.concatenate(list(synth_chunks(real, n)))
            ms = [m_exact(), m_ours('float32', misses=(0.05, 0.02, 0.01), reaches=(0.1, 0.3, 0.5)), m_ours('float32', fixed=(1000, 2000, 4000), cells=False),
                  m_ours('float16'), m_ours('int8', misses=(0.02,)),
                  m_faiss_lsh([1000, 2000]), m_hnsw([32, 64, 128, 256])]
            for meth in ms: results += run_method(meth, lambda: [X], n, sets, a.reps, 'synthetic-hard')
            del X; gc.collect()
    if a.big:
        n = a.big; print(f"\n== synthetic-hard: {n:,} x 512, built chunk by chunk, one fresh process per method", flush=True)
        q_in, q_nov = synth_queries(real, n, 200)
        t = time.perf_counter()
        with threadpool_limits(2): G = exact_chunked(synth_chunks(real, n), np.concatenate([q_in, q_nov]), K)
        print(f"exact ground truth: {time.perf_counter() - t:.0f} s", flush=True)
        qf = HERE/'results'/'.lsh_big_queries.npz'
        more = {}
        if a.large_batch > 200:
            x_in, x_nov = synth_queries(real, n, a.large_batch - 200, draw=1); more = dict(X_in=x_in, X_novel=x_nov)
        np.savez(qf, Q_in=q_in, G_in=G[:200], Q_novel=q_nov, G_novel=G[200:], **more)
        for child in a.children:
            p = subprocess.run([sys.executable, __file__, '--embeddings', a.embeddings, '--child', child, '--child-n', str(n),
                                '--child-queries', str(qf)], capture_output=True, text=True)
            rows = [json.loads(l[5:]) for l in p.stdout.splitlines() if l.startswith('ROWS ')]
            print('\n'.join(l for l in p.stdout.splitlines() if not l.startswith('ROWS ')), flush=True)
            if not rows: print(f"{child}: failed\n{p.stderr[-2000:]}", flush=True); results.append(dict(dataset='synthetic-hard', n=n, method=child, error=p.stderr[-500:]))
            for row in (rows[0] if rows else []): print(f"   peak memory {row['peak_mb']:.0f} MB"); results.append(row)
        qf.unlink()
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(dict(k=K, threads=1, results=results), indent=1))
    print('\nwrote', a.out)

def lshash_section(real, Qp, a, results):
    "lshash3 at the reference settings, and our LSHash with the same hyperplanes (center=False) and centred."
    import tempfile
    from image_similarity.lshash_compat import LSHash
    mf = tempfile.mktemp(suffix='.npz'); G = exact_chunked([real], Qp[:100], K)
    def query_all(l):
        t = time.perf_counter(); I = np.stack([np.array([e - 1 for (_, e), _ in l.query(q, K, 'hamming')] + [-1] * K)[:K] for q in Qp[:100]])
        return I, 100 / (time.perf_counter() - t)
    built = {}
    if not a.no_lshash3:
        sys.path.insert(0, str(HERE/'.lshash3'))
        from lshash.lshash import LSHash as LSHash3
        l = LSHash3(10, real.shape[1], 5, matrices_filename=mf)
        for i, x in enumerate(real): l.index(x, extra_data=i + 1)   # 1-based: lshash3 drops falsy extra data
        built['lshash3 (reference)'] = l
    for center in (False, True):
        l = LSHash(10, real.shape[1], 5, matrices_filename=mf if os.path.exists(mf) else None, seed=0, center=center)
        for i, x in enumerate(real): l.index(x, extra_data=i + 1)
        built[f'LSHash (ours{", centred" if center else ", same planes"})'] = l
    for name, l in built.items():
        I, qps = query_all(l)
        results.append(dict(dataset='caltech101 (lshash API)', n=len(real), method=name, config='10b x5 hamming', **{'recall@10 in': recall(I, G, K), 'qps in': qps}))
        print(f"{name:28s} 10b x5 hamming  R@10={recall(I, G, K):.3f} {qps:8.1f} q/s", flush=True)
    if 'lshash3 (reference)' in built:   # same hyperplanes, no centring: the very same answers, in the same format
        l3, lo = built['lshash3 (reference)'], built['LSHash (ours, same planes)']
        same = 0
        for q in Qp[:50]:
            a3, ao = l3.query(q, K, 'hamming'), lo.query(q, K, 'hamming')
            same += [e for (_, e), _ in a3] == [e for (_, e), _ in ao] and np.allclose([d for _, d in a3], [d for _, d in ao], rtol=1e-9)
        print(f"lshash3 vs LSHash(center=False), same planes: identical results for {same}/50 queries")
        results.append(dict(dataset='caltech101 (lshash API)', check='identical results, same planes', identical=same, of=50))

if __name__ == '__main__': main()

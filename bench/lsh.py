"""Benchmark LSHIndex and LSHash against exact search, faiss and lshash3, one thread, in one run.

    bash bench/get_lshash3.sh        # once: lshash3's sdist for the comparison (it does not build)
    python bench/lsh.py [--embeddings models/caltech101/embeddings.npy] [--sizes 100000 1000000] [--quick]

Data: real Caltech-101 embeddings (the model directory's), and synthetic clustered sets fitted to them
(per-class means and within-class spread of the real vectors), an easy and a hard variant, fixed seeds.
Metrics: recall@1/10/100 against exact float32 search, single-query queries/s with p50/p95 latency, batch
queries/s, build time, index bytes; medians of repeated runs. Prints a table, writes bench/results/lsh.json."""
import argparse, json, sys, time, os, gc
from pathlib import Path
import numpy as np
from threadpoolctl import threadpool_limits

HERE = Path(__file__).resolve().parent
BUILT = {}
K = 10

def synth(real, n, hard, seed=0):
    "Clustered vectors fitted to `real`: cluster centres around real points, within-cluster noise from the real spread."
    r = np.random.default_rng(seed)
    n_clusters = max(100, n // 100)
    base = real[r.integers(0, len(real), n_clusters)]
    spread = real.std(0)
    centres = np.maximum(base + r.standard_normal(base.shape).astype(np.float32) * spread * 0.5, 0)
    out = np.empty((n, real.shape[1]), np.float32)
    for i in range(0, n, 100_000):
        m = min(100_000, n - i)
        c = centres[r.integers(0, n_clusters, m)]
        out[i:i+m] = np.maximum(c + r.standard_normal((m, real.shape[1])).astype(np.float32) * spread * (0.9 if hard else 0.3), 0)
    return out

def normed(x): return x / np.linalg.norm(x, axis=1, keepdims=True)

def exact_search(X, Q, k):
    "Exact cosine top-k (float32, one matrix product per block)."
    Xn, Qn = normed(X), normed(Q)
    I = np.empty((len(Q), k), np.int64)
    for i in range(0, len(Q), 64):
        s = Qn[i:i+64] @ Xn.T
        p = np.argpartition(-s, k, axis=1)[:, :k]
        o = np.argsort(-np.take_along_axis(s, p, 1), axis=1)
        I[i:i+64] = np.take_along_axis(p, o, 1)
    return I

def recall(I, G, k): return float(np.mean([len(set(a[:k]) & set(b[:k])) / k for a, b in zip(I, G)]))

def timeit(single, batch, Q, reps=3):
    "Median single-query latencies (p50, p95, q/s) and batch q/s over `reps` runs."
    lat = []; qps = []; bq = []
    for _ in range(reps):
        ts = []
        t0 = time.perf_counter()
        for q in Q:
            t = time.perf_counter(); single(q); ts.append(time.perf_counter() - t)
        qps.append(len(Q) / (time.perf_counter() - t0)); lat.append(ts)
        if batch is not None:
            t = time.perf_counter(); batch(Q); bq.append(len(Q) / (time.perf_counter() - t))
    lat = np.array(lat[int(np.argsort(qps)[len(qps) // 2])]) * 1e3
    return dict(qps=float(np.median(qps)), p50_ms=float(np.percentile(lat, 50)), p95_ms=float(np.percentile(lat, 95)),
                batch_qps=float(np.median(bq)) if bq else None)

def run_dataset(name, X, Q, methods, reps, results):
    print(f"\n== {name}: {len(X):,} x {X.shape[1]}, {len(Q)} queries", flush=True)
    t = time.perf_counter(); G = exact_search(X, Q, 100); t_exact = time.perf_counter() - t
    for mname, build, cfgs in methods:
        gc.collect()
        t = time.perf_counter(); obj, nbytes = build(X); t_build = time.perf_counter() - t
        for cname, single, batch, batch100 in cfgs(obj):
            I = batch(Q) if batch else np.stack([single(q) for q in Q])
            rec = {f'recall@{k}': recall(I, G, k) for k in (1, 10)}
            if batch100 is not None: rec['recall@100'] = recall(batch100(Q), G, 100)
            tm = timeit(single, batch, Q[:min(len(Q), 200 if len(X) < 500_000 else 100)], reps)
            row = dict(dataset=name, n=len(X), method=mname, config=cname, build_s=round(t_build, 2), index_bytes=int(nbytes), **rec, **tm)
            results.append(row)
            print(f"{mname:28s} {cname:18s} R@10={rec.get('recall@10', float('nan')):.3f} R@100={rec.get('recall@100', float('nan')):.3f} "
                  f"{tm['qps']:9.1f} q/s  p50={tm['p50_ms']:.3f} ms p95={tm['p95_ms']:.3f} ms  batch={tm['batch_qps'] or 0:9.1f} q/s  build={t_build:.2f}s", flush=True)
        del obj; gc.collect()

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--embeddings', default='models/caltech101/embeddings.npy')
    ap.add_argument('--sizes', type=int, nargs='*', default=[100_000, 1_000_000])
    ap.add_argument('--queries', type=int, default=500); ap.add_argument('--reps', type=int, default=3)
    ap.add_argument('--no-lshash3', action='store_true'); ap.add_argument('--out', default=str(HERE/'results'/'lsh.json'))
    a = ap.parse_args()
    import numba, faiss
    from image_similarity.lsh import LSHIndex
    from image_similarity.lshash_compat import LSHash
    numba.set_num_threads(1); faiss.omp_set_num_threads(1)
    real = np.load(a.embeddings).astype(np.float32)
    r = np.random.default_rng(0)
    w = LSHIndex(8); w.add(np.random.rand(50, 8)); w.search(np.random.rand(8), 3); w.search(np.random.rand(2, 8), 3, threads=1)  # JIT-compile before timing

    def ours(n_bits, cands):
        def build(X):
            ix = LSHIndex(X.shape[1], n_bits=n_bits); ix.add(X); ix.search(X[0], K)   # compile/warm
            return ix, ix._codes[:len(ix)].nbytes + ix._vecs[:len(ix)].nbytes
        def cfgs(ix):
            for c in cands:
                yield (f'{n_bits}b c={c}', lambda q, c=c: ix.search(q, K, n_candidates=c)[1],
                       lambda Q, c=c: ix.search(Q, K, n_candidates=c, threads=1)[1],
                       lambda Q, c=c: ix.search(Q, 100, n_candidates=max(c, 100), threads=1)[1])
        return (f'LSHIndex (ours)', build, cfgs)
    def numpy_exact():
        def build(X): Xn = normed(X); return Xn, Xn.nbytes
        def cfgs(Xn):
            def single(q):
                s = Xn @ (q / np.linalg.norm(q)); p = np.argpartition(-s, K)[:K]; return p[np.argsort(-s[p])]
            yield ('exact', single, lambda Q: exact_search(Xn, Q, K), lambda Q: exact_search(Xn, Q, 100))
        return ('exact NumPy', build, cfgs)
    def faiss_flat():
        def build(X): ix = faiss.IndexFlatIP(X.shape[1]); ix.add(normed(X)); return ix, X.nbytes
        def cfgs(ix): yield ('flat', lambda q: ix.search(normed(q[None]), K)[1][0], lambda Q: ix.search(normed(Q), K)[1], lambda Q: ix.search(normed(Q), 100)[1])
        return ('faiss IndexFlatIP', build, cfgs)
    def faiss_lsh(nbits, cands):
        def build(X):
            Xn = normed(X); ix = faiss.IndexLSH(X.shape[1], nbits, True, True); ix.train(Xn); ix.add(Xn)
            return (ix, Xn), faiss.serialize_index(ix).nbytes + Xn.nbytes
        def cfgs(obj):
            ix, Xn = obj
            for c in cands:
                def batch(Q, c=c, k=K):
                    Qn = normed(Q); _, C = ix.search(Qn, c)
                    s = np.einsum('qcd,qd->qc', Xn[C], Qn); o = np.argsort(-s, 1)[:, :k]
                    return np.take_along_axis(C, o, 1)
                yield (f'{nbits}b c={c}', lambda q, b=batch: b(q[None])[0], batch, lambda Q, b=batch, c=c: b(Q, max(c, 100), 100))
        return ('faiss IndexLSH + re-rank', build, cfgs)
    def faiss_hnsw(efs):
        def build(X):
            ix = faiss.IndexHNSWFlat(X.shape[1], 32, faiss.METRIC_INNER_PRODUCT); ix.hnsw.efConstruction = 40; ix.add(normed(X))
            return ix, faiss.serialize_index(ix).nbytes
        def cfgs(ix):
            for ef in efs:
                def batch(Q, ef=ef, k=K): ix.hnsw.efSearch = max(ef, k); return ix.search(normed(Q), k)[1]
                yield (f'M=32 ef={ef}', lambda q, b=batch: b(q[None])[0], batch, lambda Q, b=batch: b(Q, k=100))
        return ('faiss IndexHNSWFlat', build, cfgs)
    def lshash_methods(X):
        "lshash3 at the reference settings, and our LSHash with the same hyperplanes (center=False) and centred."
        import tempfile
        out = []
        mf = tempfile.mktemp(suffix='.npz')
        if not a.no_lshash3:
            sys.path.insert(0, str(HERE/'.lshash3'))
            from lshash.lshash import LSHash as LSHash3
            def b3(X):
                l = LSHash3(10, X.shape[1], 5, matrices_filename=mf)
                for i, x in enumerate(X): l.index(x, extra_data=i + 1)   # 1-based: lshash3 drops falsy extra data
                BUILT['lshash3'] = l
                return l, 0
            def c3(l): yield ('10b x5 hamming', lambda q: np.array([e - 1 for (_, e), _ in l.query(q, K, 'hamming')] + [-1] * K)[:K], None, None)
            out.append(('lshash3 (reference)', b3, c3))
        for center in (False, True):
            def bo(X, center=center):
                l = LSHash(10, X.shape[1], 5, matrices_filename=mf if os.path.exists(mf) else None, seed=0, center=center)
                for i, x in enumerate(X): l.index(x, extra_data=i + 1)   # 1-based: lshash3 drops falsy extra data
                l.query(X[0], K, 'hamming'); BUILT[f'ours-{center}'] = l
                return l, l._vecs.nbytes
            def co(l): yield ('10b x5 hamming', lambda q: np.array([e - 1 for (_, e), _ in l.query(q, K, 'hamming')] + [-1] * K)[:K], None, None)
            out.append((f'LSHash (ours{", centred" if center else ", same planes"})', bo, co))
        return out

    results = []
    with threadpool_limits(1):
        Q = real[r.choice(len(real), min(a.queries, len(real)), replace=False)] + 0  # real queries (in the gallery)
        Qn = Q + r.standard_normal(Q.shape).astype(np.float32) * real.std(0) * 0.1     # perturbed: not in the gallery
        Qn = np.maximum(Qn, 0)
        methods = [numpy_exact(), faiss_flat(), ours(256, [50, 100, 200, 400]), faiss_lsh(256, [100, 200, 400]), faiss_hnsw([16, 32, 64])]
        run_dataset('caltech101', real, Qn, methods, a.reps, results)
        run_dataset('caltech101 (lshash API)', real, Qn[:100], lshash_methods(real), 1, results)
        if 'lshash3' in BUILT:   # same hyperplanes, no centring: the very same answers, in the same format
            l3, lo = BUILT.pop('lshash3'), BUILT['ours-False']
            same = 0
            for q in Qn[:50]:
                a3, ao = l3.query(q, K, 'hamming'), lo.query(q, K, 'hamming')
                same += [e for (_, e), _ in a3] == [e for (_, e), _ in ao] and np.allclose([d for _, d in a3], [d for _, d in ao], rtol=1e-9)
            print(f"lshash3 vs LSHash(center=False), same planes: identical results for {same}/50 queries")
            results.append(dict(dataset='caltech101 (lshash API)', check='identical results, same planes', identical=same, of=50))
        BUILT.clear()
        for n in a.sizes:
            for hard in (False, True):
                X = synth(real, n, hard, seed=1)
                Qs = synth(real, a.queries, hard, seed=2) if False else np.maximum(X[r.choice(n, a.queries, replace=False)] + r.standard_normal((a.queries, X.shape[1])).astype(np.float32) * real.std(0) * 0.1, 0)
                ms = [numpy_exact(), faiss_flat(), ours(256, [500, 1000, 2000, 4000]), faiss_lsh(256, [1000, 2000, 4000])]
                if n <= 200_000: ms.append(faiss_hnsw([32, 64]))
                run_dataset(f"synthetic-{'hard' if hard else 'easy'}", X, Qs, ms, a.reps, results)
                del X; gc.collect()
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(dict(k=K, threads=1, results=results), indent=1))
    print('\nwrote', a.out)

if __name__ == '__main__': main()

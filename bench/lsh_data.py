"""Synthetic embedding sets of different statistics for the LSH benchmarks (bench/lsh_generators.py), fixed seeds.

Each generator returns `(gallery, in-distribution queries, novel queries)` as float32 arrays:
- `anisotropic`: a mixture of a few thousand anisotropic Gaussian clusters (each spread along 16 directions of its own,
  scales decaying, a cluster-wide scale drawn log-normally, a little isotropic noise), their centres grouped in forties
  around 0 (median pair cosine about 0, as whitened embeddings; a novel cluster has relatives in the gallery);
- `fitted`: the project's own generator (bench/lsh.py's hard set) fitted to a model directory's embeddings: clusters
  around real points, with the per-dimension spread of the real vectors;
- `skewed`: a shape unlike both: cluster sizes following a power law (a few clusters hold most vectors), heavy-tailed
  (Student-t, 3 degrees of freedom) isotropic within-cluster spread, all vectors in the positive orthant (as unwhitened
  ReLU features: median pair cosine about 0.6), centres grouped in forties as in `anisotropic`.
In-distribution queries are fresh draws from clusters the gallery holds; novel ones come from clusters it lacks.
"""
import numpy as np

def _split(n_clusters, held=0.1):
    return n_clusters, max(10, int(n_clusters * held))

# (each generator's stream is its own: a plain default_rng(0) would draw exactly the index's default hyperplanes,
#  random_hyperplanes(256, 512, seed=0), as the first centres, and align the data with them)
def anisotropic(n, nq, d=512, clusters=None, rank=16, seed=0):
    r = np.random.default_rng([31, seed]); nc, nh = _split(clusters or max(100, n // 300))
    tot = nc + nh
    sup = r.standard_normal((max(8, tot // 40), d)).astype(np.float32)                 # kinds of object: clusters group in 40s
    mu = (sup[r.integers(0, len(sup), tot)] + 0.7 * r.standard_normal((tot, d)).astype(np.float32)).astype(np.float32)
    scale = np.exp(r.normal(0, 0.35, tot)).astype(np.float32) * 4
    decay = (0.85 ** np.arange(rank)).astype(np.float32)
    def draw(cs, rr):
        out = np.empty((len(cs), d), np.float32)
        for c in np.unique(cs):
            sel = np.flatnonzero(cs == c)
            B = np.random.default_rng([seed, 7, int(c)]).standard_normal((rank, d)).astype(np.float32) / np.sqrt(d)
            z = rr.standard_normal((len(sel), rank)).astype(np.float32) * (decay * scale[c])
            out[sel] = mu[c] + z @ B + 0.25 * rr.standard_normal((len(sel), d)).astype(np.float32)
        return out
    X = draw(r.integers(0, nc, n), r)
    return X, draw(r.integers(0, nc, nq), r), draw(r.integers(nc, tot, nq), r)

def skewed(n, nq, d=512, clusters=None, seed=0):
    r = np.random.default_rng([37, seed]); nc, nh = _split(clusters or max(100, n // 300))
    tot = nc + nh
    base = np.abs(r.standard_normal(d)).astype(np.float32)
    sup = r.standard_normal((max(8, tot // 40), d)).astype(np.float32)                 # clusters group in 40s, as in `anisotropic`
    mu = np.maximum(base + sup[r.integers(0, len(sup), tot)] + 0.7 * r.standard_normal((tot, d)).astype(np.float32), 0)
    w = 1.0 / np.arange(1, nc + 1) ** 1.1; w /= w.sum()
    spread = np.exp(r.normal(-1.4, 0.3, tot)).astype(np.float32)
    def draw(cs, rr):
        t = rr.standard_t(3, (len(cs), d)).astype(np.float32)
        return np.maximum(mu[cs] + t * spread[cs, None], 0) + 1e-3
    return draw(r.choice(nc, n, p=w), r), draw(r.choice(nc, nq, p=w), r), draw(r.integers(nc, tot, nq), r)

def fitted(real, n, nq, seed=1):
    "bench/lsh.py's hard synthetic set fitted to `real` (a model directory's embeddings)."
    import sys; from pathlib import Path
    sys.path.insert(0, str(Path(__file__).parent))
    from lsh import synth_chunks, synth_queries
    X = np.concatenate(list(synth_chunks(real, n, True, seed)))
    q_in, q_nov = synth_queries(real, n, nq, True, seed)
    return X, q_in, q_nov

def exact(X, Q, k, block=128):
    "Exact cosine top-k rows of `X` for each query (float32)."
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True); Qn = Q / np.linalg.norm(Q, axis=1, keepdims=True)
    out = []
    for i in range(0, len(Q), block):
        s = Qn[i:i + block] @ Xn.T; p = np.argpartition(-s, k, axis=1)[:, :k]
        out.append(np.take_along_axis(p, np.argsort(-np.take_along_axis(s, p, 1), 1), 1))
    return np.concatenate(out)

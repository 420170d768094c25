"""Query latency of a built model directory: one local image, decode -> embedding -> LSH index -> results.

    python bench/query.py [--model models/caltech101] [--n 100] [--warmup 10]

Prints p50/p95 over `n` validation images after a warm-up (the whole `ImageSearch.query`, and its two
parts: embedding with ONNX Runtime, index search), and writes bench/results/query.json."""
import argparse, json, time, os, warnings
from pathlib import Path
import numpy as np
warnings.filterwarnings('ignore')
from image_similarity.search import ImageSearch
from image_similarity.data import fetch_image

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--model', default='models/caltech101')
    ap.add_argument('--n', type=int, default=100); ap.add_argument('--warmup', type=int, default=10)
    a = ap.parse_args()
    t = time.perf_counter(); s = ImageSearch(a.model); t_open = time.perf_counter() - t
    it = s.items[s.items.split == 'valid']
    files = [s.root/p for p in it.path.sample(a.n + a.warmup, random_state=0)]
    for f in files[:a.warmup]: s.query(f, 6)
    total, emb, idx = [], [], []
    for f in files[a.warmup:]:
        t0 = time.perf_counter(); s.query(f, 6); total.append(time.perf_counter() - t0)
        t0 = time.perf_counter(); e = s.embedder([fetch_image(f)]).embeddings; t1 = time.perf_counter()
        s.index.search(e[0], 6); t2 = time.perf_counter()
        emb.append(t1 - t0); idx.append(t2 - t1)
    pct = lambda v, p: round(float(np.percentile(np.array(v) * 1e3, p)), 2)
    res = dict(model=a.model, n=a.n, open_s=round(t_open, 2), cpu_threads=os.cpu_count(),
               query_ms=dict(p50=pct(total, 50), p95=pct(total, 95)), embed_ms=dict(p50=pct(emb, 50), p95=pct(emb, 95)),
               index_ms=dict(p50=pct(idx, 50), p95=pct(idx, 95)))
    Path('bench/results').mkdir(parents=True, exist_ok=True)
    Path('bench/results/query.json').write_text(json.dumps(res, indent=1))
    print(f"| step ({a.n} queries after {a.warmup} warm-up) | p50 ms | p95 ms |\n|---|---|---|")
    for k, lab in [('query_ms', 'whole query: decode, embed, search, table'), ('embed_ms', 'decode + embedding (ONNX Runtime)'), ('index_ms', 'LSH search')]:
        print(f"| {lab} | {res[k]['p50']} | {res[k]['p95']} |")
    print(f"opening the model directory: {t_open:.2f} s")

if __name__ == '__main__': main()

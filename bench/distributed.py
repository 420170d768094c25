"""Distributed embedding and indexing, side by side in one run (2-core machine: 2 workers at most).

    python bench/distributed.py [--n 1920] [--shard-size 160] [--vectors 100000]      (about 6 minutes)

1. Embedding throughput (decode -> vector, ONNX Runtime, the model of models/caltech101) of the same
   `--n` Caltech-101 images: one process with 1 and 2 ONNX Runtime threads; Dask LocalCluster with 1 and 2
   single-threaded worker processes (`embed_files`, shards of `--shard-size`, models loaded before timing); plain
   multiprocessing (2 processes, 1 thread each). Images/s, speedup over 1 worker, CPU ms per image, cluster
   start-up time and worker memory.
2. Index from shards: `--vectors` synthetic 512-d vectors (clustered) written as 8 Parquet shards;
   `build_index` on 2 workers vs the same in one process; sharded vs merged search (200 queries, k=10):
   queries/s and recall@10 against exact search.
3. On paper, from the measured rate of one worker: wall time for 10 million images on 50 workers, and the
   size of the outputs.
Prints a table; writes bench/results/distributed.json."""
import argparse, json, os, sys, time, shutil, tempfile, warnings
from pathlib import Path
# this file is named like the `distributed` package: keep its folder off the import path
sys.path = [p for p in sys.path if Path(p or '.').resolve() != Path(__file__).resolve().parent]
from multiprocessing import get_context
import numpy as np
warnings.filterwarnings('ignore')
import psutil

def _mp_part(args):
    model_dir, files = args
    from image_similarity.embed import Embedder
    e = Embedder(model_dir, threads=1); e(files[:8])
    c0, t0 = time.process_time(), time.perf_counter(); e(files); return time.process_time() - c0, time.perf_counter() - t0

def _cpu(): return time.process_time()
def _rss(): return psutil.Process().memory_info().rss

def _write_shards(out, X, n_shards):
    import pyarrow as pa, pyarrow.parquet as pq
    (out/'shards').mkdir(parents=True)
    for k, part in enumerate(np.array_split(np.arange(len(X)), n_shards)):
        t = pa.table({'id': pa.array(part, pa.int64()), 'path': pa.array([f'v{i}' for i in part]),
                      'embedding': pa.FixedSizeListArray.from_arrays(pa.array(X[part].reshape(-1)), X.shape[1])})
        pq.write_table(t, out/'shards'/f'part-{k:05d}.parquet')

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--n', type=int, default=1920); ap.add_argument('--vectors', type=int, default=100_000)
    ap.add_argument('--shard-size', type=int, default=160)
    ap.add_argument('--model-dir', default='models/caltech101'); a = ap.parse_args()
    from image_similarity.data import caltech101, list_images
    from image_similarity.store import ModelDir, is_model_dir
    from image_similarity.embed import Embedder
    from image_similarity.lsh import LSHIndex
    from image_similarity import distributed as D
    if not is_model_dir(a.model_dir):
        from image_similarity.pipeline import build; build(model_dir=a.model_dir, progress=False)
    allf = list_images(caltech101()); files = [str(f) for f in allf[::max(1, len(allf) // a.n)][:a.n]]; n = len(files)
    res = {'n_images': n, 'cpu_threads': os.cpu_count()}; emb_rows = {}
    for th in (1, 2):
        e = Embedder(a.model_dir, threads=th); e(files[:16])
        c0, t0 = time.process_time(), time.perf_counter(); ref = e(files).embeddings; dt = time.perf_counter() - t0
        emb_rows[f'one process, {th} thread(s)'] = dict(images_per_s=n / dt, cpu_ms_per_image=1000 * (time.process_time() - c0) / n)
    from distributed import LocalCluster, Client
    md = ModelDir.load(a.model_dir); sha = md.sha256['model.onnx']
    for w in (1, 2):
        t0 = time.perf_counter(); cluster = LocalCluster(n_workers=w, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster); startup = time.perf_counter() - t0
        client.run(lambda: D._embedder(a.model_dir, sha, 1) and None)     # every worker loads the model before timing
        cpu0 = sum(client.run(_cpu).values()); out = Path(tempfile.mkdtemp())/'emb'
        t0 = time.perf_counter(); D.embed_files(files, a.model_dir, out, shard_size=a.shard_size); dt = time.perf_counter() - t0
        cpu = sum(client.run(_cpu).values()) - cpu0
        got = D.read_shards(out)[2]; assert np.abs(got - ref).max() < 1e-4
        emb_rows[f'Dask, {w} worker(s)'] = dict(images_per_s=n / dt, cpu_ms_per_image=1000 * cpu / n, startup_s=startup,
                                                worker_rss_mb=float(np.mean(list(client.run(_rss).values()))) / 2**20)
        client.close(); cluster.close(); shutil.rmtree(out.parent, ignore_errors=True)
    half = [files[:n // 2], files[n // 2:]]
    with get_context('spawn').Pool(2) as pool:
        t0 = time.perf_counter(); parts = pool.map(_mp_part, [(a.model_dir, h) for h in half]); dt = max(p[1] for p in parts)
    emb_rows['multiprocessing, 2 processes'] = dict(images_per_s=n / dt, cpu_ms_per_image=1000 * sum(p[0] for p in parts) / n)
    base = emb_rows['Dask, 1 worker(s)']['images_per_s']
    for r in emb_rows.values(): r['speedup_vs_1_worker'] = r['images_per_s'] / base
    res['embedding'] = emb_rows

    rng = np.random.default_rng(0); centres = rng.standard_normal((1000, 512)).astype(np.float32)
    X = (centres[rng.integers(0, 1000, a.vectors)] + 0.5 * rng.standard_normal((a.vectors, 512)).astype(np.float32))
    Q = (centres[rng.integers(0, 1000, 200)] + 0.5 * rng.standard_normal((200, 512)).astype(np.float32))
    out = Path(tempfile.mkdtemp())/'vec'; _write_shards(out, X, 8)
    Xn, Qn = X / np.linalg.norm(X, axis=1, keepdims=True), Q / np.linalg.norm(Q, axis=1, keepdims=True)
    truth = np.argsort(-(Qn @ Xn.T), axis=1)[:, :10]
    recall = lambda I: float(np.mean([len(set(i) & set(t)) / 10 for i, t in zip(I, truth)]))
    ix_rows = {}
    t0 = time.perf_counter(); single = LSHIndex(512); single.fit(X); single.add(X, ids=np.arange(len(X))); ix_rows['build, one process'] = dict(seconds=time.perf_counter() - t0)
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None); client = Client(cluster)
    t0 = time.perf_counter(); merged = D.build_index(out); ix_rows['build_index, 2 Dask workers (sample, hash shards, merge)'] = dict(seconds=time.perf_counter() - t0)
    single.search(Q[:2], 10); merged.search(Q[:2], 10)
    for name, f in (('search, merged index (one process, batch)', lambda: merged.search(Q, 10)),
                    ('search, ShardedIndex on 2 workers (8 shards)', lambda: sh.search(Q, 10))):
        if 'Sharded' in name: sh = D.ShardedIndex(out); sh.search(Q[:2], 10)
        t0 = time.perf_counter(); _, I = f(); dt = time.perf_counter() - t0
        ix_rows[name] = dict(queries_per_s=len(Q) / dt, recall_at_10=recall(I))
    client.close(); cluster.close(); shutil.rmtree(out.parent, ignore_errors=True)
    res['index'] = dict(n_vectors=a.vectors, rows=ix_rows)

    r1 = emb_rows['Dask, 1 worker(s)']['images_per_s']
    res['on_paper_10M_50_workers'] = dict(hours=1e7 / (50 * r1) / 3600, per_worker_images_per_s=r1,
                                          shards_gb=1e7 * (512 * 4 + 8 + 80) / 1e9, index_gb=1e7 * (512 * 4 + 32 + 4 + 8) / 1e9)
    Path('bench/results').mkdir(parents=True, exist_ok=True)
    Path('bench/results/distributed.json').write_text(json.dumps(res, indent=1))
    print(f"{n} Caltech-101 images, {res['cpu_threads']} CPU threads\n")
    print("| embedding | images/s | speedup vs 1 worker | CPU ms/image | start-up s | worker RSS MB |\n|---|---|---|---|---|---|")
    for k, r in emb_rows.items():
        print(f"| {k} | {r['images_per_s']:.1f} | {r['speedup_vs_1_worker']:.2f} | {r['cpu_ms_per_image']:.1f} | "
              f"{r['startup_s']:.1f} | {r['worker_rss_mb']:.0f} |" if 'startup_s' in r else
              f"| {k} | {r['images_per_s']:.1f} | {r['speedup_vs_1_worker']:.2f} | {r['cpu_ms_per_image']:.1f} | - | - |")
    print(f"\n{a.vectors:,} synthetic 512-d vectors in 8 shards\n| index | seconds | queries/s | recall@10 |\n|---|---|---|---|")
    for k, r in ix_rows.items():
        f = lambda key, fmt: format(r[key], fmt) if key in r else '-'
        print(f"| {k} | {f('seconds', '.2f')} | {f('queries_per_s', '.0f')} | {f('recall_at_10', '.3f')} |")
    p = res['on_paper_10M_50_workers']
    print(f"\non paper: 10,000,000 images on 50 single-thread workers at {r1:.0f} images/s each: {p['hours']:.1f} h; "
          f"shards {p['shards_gb']:.0f} GB, index {p['index_gb']:.0f} GB")

if __name__ == '__main__': main()

"""Train the default model on the whole of Caltech-101 with the fast path and measure it.

    python bench/train.py [--model-dir models/caltech101] [--preset quality] [--epochs 25] [--skip-train]

Prints a table and writes bench/results/train.json: validation accuracy; retrieval quality of the
embeddings with the validation images as queries and the training split as the gallery (so no query can
find itself or another validation image), same label = relevant, exact cosine search: P@1, P@5, P@10 and
mAP@10 macro-averaged (per class, then over classes) with the micro averages beside them, and the ten
worst classes (`train.retrieval_metrics`, with the query expansion the model directory was built with); embedding throughput decode -> vector with ONNX Runtime and PyTorch eager in the same
run; and the wall time of the fast path."""
import argparse, json, time, os, warnings
from pathlib import Path
import numpy as np
warnings.filterwarnings('ignore')
from image_similarity.pipeline import build
from image_similarity.store import ModelDir
from image_similarity.embed import Embedder
from image_similarity.train import retrieval_metrics

def main():
    p = argparse.ArgumentParser(); p.add_argument('--model-dir', default='models/caltech101')
    p.add_argument('--epochs', type=int, default=25); p.add_argument('--skip-train', action='store_true'); p.add_argument('--preset', default='quality')
    p.add_argument('--no-label-smoothing', action='store_true'); p.add_argument('--n-throughput', type=int, default=192)
    a = p.parse_args()
    res = {}
    if not a.skip_train:
        m = build(model_dir=a.model_dir, epochs=a.epochs, label_smoothing=not a.no_label_smoothing, force=True, progress=False, preset=a.preset)
        res.update(n_images=len(m.items), skipped=len(m.info['skipped']), seconds=m.info['seconds'])
    m = ModelDir.load(a.model_dir)
    items = m.items; labels = items.label.to_numpy()
    res['valid_accuracy'] = m.info['valid_accuracy']
    res['post'] = m.config.get('post'); res['backbone'] = m.config['backbone']
    res['retrieval'] = retrieval_metrics(m.embeddings, labels, items.split.to_numpy() == 'valid', expand=(m.config.get('post') or {}).get('expand', 0))
    files = [m.root/f for f in items.path[:a.n_throughput]]
    tp = {}
    for eng in ('onnx', 'torch'):
        emb = Embedder(m, engine=eng, trust=True)        # our own directory: the torch engine may unpickle it
        emb(files[:32])                                  # warm-up
        t = time.perf_counter(); e = emb(files).embeddings; dt = time.perf_counter() - t
        tp[eng] = dict(images_per_s=round(len(files) / dt, 1), seconds=round(dt, 2))
        if eng == 'onnx': e_onnx = e
        else: tp['max_abs_diff_onnx_torch'] = float(np.abs(e - e_onnx).max())
    tp['speedup_onnx_vs_torch'] = round(tp['onnx']['images_per_s'] / tp['torch']['images_per_s'], 2)
    res['throughput'] = tp
    res['cpu_threads'] = os.cpu_count()
    Path('bench/results').mkdir(parents=True, exist_ok=True)
    Path('bench/results/train.json').write_text(json.dumps(res, indent=1))
    print(f"| metric | value |\n|---|---|")
    print(f"| validation accuracy | {res['valid_accuracy']:.2%} |")
    r = res['retrieval']
    for k in r['macro']: print(f"| {k}, macro (micro), validation queries vs training gallery, exact cosine | {r['macro'][k]:.3f} ({r['micro'][k]:.3f}) |")
    print(f"| model | {res['backbone']}, post-processing {res['post']} |")
    print(f"| ten worst classes, P@5 | {', '.join(f'{c} {v:.2f}' for c, v in r['worst_P5'].items())} |")
    for eng in ('onnx', 'torch'): print(f"| embedding throughput, {eng} (decode -> vector) | {tp[eng]['images_per_s']} img/s |")
    print(f"| ONNX Runtime / PyTorch eager | {tp['speedup_onnx_vs_torch']}x (max abs diff {tp['max_abs_diff_onnx_torch']:.1e}) |")
    if 'seconds' in res: print(f"| fast path wall time (features, head, total) | {res['seconds']} s |")

if __name__ == '__main__': main()

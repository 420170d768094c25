"""Any collection: what fine-tuning buys over an unlabelled build, what a sync costs against a rebuild,
side by side in one run.

    python bench/collection.py [--work /tmp/imsim_collection] [--sync-pct 1]      (about 10 minutes)
    python bench/collection.py --report                                         (the tables of the saved JSON)

1. Caltech-101 is copied (all but a seeded `--sync-pct` % of its images) into a work folder and built
   with the default settings (fine-tuned); the held-back images are copied in and the directory synced
   (`build(..., update_files=True)`: only they are embedded); then the same folder is rebuilt from
   scratch (`force=True`). Wall times, and their ratio.
2. The full folder is built without labels (`labels='none'`: pretrained features + PCA); the labels are
   used only to score. Retrieval quality of both: macro P@1/P@5/P@10/mAP@10 (validation images query the
   training split, exact cosine search), micro beside it. Both builds use the same seeded split.
3. Embedding throughput (decode -> vector, ONNX Runtime) of both networks on the same 384 images.
(Which distance `contains` and `find_duplicates` call "the same picture": `bench/dedup.py`, with
   `calibrate_threshold`.)
Prints a table; writes bench/results/collection.json.
"""
import argparse, json, os, random, shutil, time, warnings
from pathlib import Path
import numpy as np
warnings.filterwarnings('ignore')
from image_similarity.data import caltech101, list_images
from image_similarity.pipeline import build
from image_similarity.embed import Embedder
from image_similarity.search import ImageSearch
from image_similarity.train import retrieval_metrics
import sys

def retrieval(md, labels):
    "`retrieval_metrics` of a model directory's embeddings (with the query expansion it was built with)."
    return retrieval_metrics(md.embeddings, labels, md.items.split.to_numpy() == 'valid', expand=(md.config.get('post') or {}).get('expand', 0))

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--work', default='/tmp/imsim_collection'); ap.add_argument('--sync-pct', type=float, default=1)
    ap.add_argument('--preset', default='quality', help='preset of the fine-tuned builds')
    a = ap.parse_args()
    work = Path(a.work); shutil.rmtree(work, ignore_errors=True); data = work/'caltech101'
    src = caltech101(); files = list_images(src)
    rnd = random.Random(0); held = set(rnd.sample(range(len(files)), round(len(files) * a.sync_pct / 100)))
    for i, f in enumerate(files):
        if i not in held: (data/f.relative_to(src)).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(f, data/f.relative_to(src))
    res = {'n_images': len(files), 'n_synced': len(held), 'cpu_threads': os.cpu_count(), 'preset': a.preset}
    t = time.time(); build(data, work/'ft', progress=False, preset=a.preset); res['build_99pct_s'] = round(time.time() - t, 1)
    for i in held: f = files[i]; shutil.copy2(f, data/f.relative_to(src))
    t = time.time(); md = build(data, work/'ft', update_files=True, progress=False, preset=a.preset); res['sync_s'] = round(time.time() - t, 2)
    res['sync_n_added'] = md.info['n_added_since']
    t = time.time(); ft = build(data, work/'ft_rebuilt', progress=False, preset=a.preset); res['rebuild_s'] = round(time.time() - t, 1)
    res['sync_over_rebuild'] = round(res['sync_s'] / res['rebuild_s'], 4)
    t = time.time(); un = build(data, work/'unlabelled', labels='none', progress=False); res['unlabelled_build_s'] = round(time.time() - t, 1)
    res['unlabelled_features_s'] = un.info['seconds']['features']
    assert (un.items.path.values == ft.items.path.values).all() and (un.items.split.values == ft.items.split.values).all()
    labels = ft.items.label.to_numpy()   # the unlabelled build never saw them: used only to score
    res['retrieval'] = {f'fine-tuned ({a.preset} preset)': retrieval(ft, labels), 'unlabelled (pretrained Lite0 + PCA 512)': retrieval(un, labels)}
    sample = [ft.root/p for p in ft.items.path[:384]]; tp = {}
    for name, m in (('fine-tuned', ft), ('unlabelled', un)):
        e = Embedder(m); e(sample[:32])
        t = time.perf_counter(); e(sample); tp[name] = round(len(sample) / (time.perf_counter() - t), 1)
    res['embedding_images_per_s'] = tp
    Path('bench/results').mkdir(parents=True, exist_ok=True)
    Path('bench/results/collection.json').write_text(json.dumps(res, indent=1))
    report(res)

def report(res):
    "Print the tables of a result (also: python bench/collection.py --report, from the saved JSON)."
    tp = res['embedding_images_per_s']
    print(f"Caltech-101, {res['n_images']:,} images, {res['cpu_threads']} CPU threads\n")
    print("| build | macro P@1 | macro P@5 | macro P@10 | macro mAP@10 | micro P@5 | build s |\n|---|---|---|---|---|---|---|")
    for (name, r), s in zip(res['retrieval'].items(), (res['rebuild_s'], res['unlabelled_build_s'])):
        M = r['macro']; print(f"| {name} | {M['P@1']:.3f} | {M['P@5']:.3f} | {M['P@10']:.3f} | {M['mAP@10']:.3f} | {r['micro']['P@5']:.3f} | {s:.0f} |")
    print(f"\nsync of {res['n_synced']} new images: {res['sync_s']:.1f} s; full rebuild {res['rebuild_s']:.0f} s; "
          f"ratio {res['sync_over_rebuild']:.3f} (goal: <= 0.05 + 5 s / rebuild)")
    print(f"embedding img/s (same 384 images): fine-tuned {tp['fine-tuned']}, unlabelled {tp['unlabelled']} "
          f"(ratio {tp['unlabelled'] / tp['fine-tuned']:.2f})\n")

if __name__ == '__main__':
    if '--report' in sys.argv: report(json.loads(Path('bench/results/collection.json').read_text()))
    else: main()

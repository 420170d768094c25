"""What an int8 body changes besides build speed, side by side with float on the same 1,000 Caltech-101 images
(`quality` preset): the duplicate threshold (`calibrate_threshold` on 200 gallery images x 6 edits, and
precision/recall at the preset's `DUP_THRESHOLD`) and query-side embedding (`ImageSearch.embed`, decode to
vector, 160 images, the two models alternating, median of 3 rounds).

    python bench/build_int8.py            # -> bench/results/build_int8.json and a table in build_int8.txt"""
import json, random, tempfile, time, shutil, warnings
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parent.parent

def main(n=1000, n_cal=200):
    warnings.filterwarnings('ignore')
    from image_similarity.data import caltech101, list_images
    from image_similarity.pipeline import build
    from image_similarity.calibrate import calibrate_threshold
    from image_similarity.store import DUP_THRESHOLD
    from image_similarity.search import ImageSearch
    root = caltech101(); files = sorted(list_images(root)); random.Random(0).shuffle(files); files = files[:n]
    tmp = Path(tempfile.mkdtemp(prefix='imsim_bench_int8_')); out = dict(n=n, n_calibration=n_cal)
    try:
        for q in ('int8', 'none'):
            build(root, tmp/q, files=files, progress=False, quantize=q)
            r = calibrate_threshold(tmp/q, n=n_cal, plot=False)
            c = r.pop('curve'); at = c[(c.threshold - DUP_THRESHOLD['quality']).abs() < 1e-9].iloc[0]
            out[q] = dict(r, at_default=dict(threshold=DUP_THRESHOLD['quality'], precision=float(at.precision), recall=float(at.recall)))
            print(q, json.dumps(out[q]), flush=True)
        qs = files[:160]; ss = {q: ImageSearch(tmp/q) for q in ('int8', 'none')}
        for s in ss.values(): s.embed(qs[:16])                 # sessions warm
        rates = {q: [] for q in ss}
        for _ in range(3):
            for q, s in ss.items(): t = time.time(); s.embed(qs); rates[q].append(len(qs) / (time.time() - t))
        out['embed_images_per_s'] = {q: float(np.median(v)) for q, v in rates.items()}
    finally: shutil.rmtree(tmp, ignore_errors=True)
    f = ROOT/'bench/results/build_int8.json'; f.write_text(json.dumps(out, indent=1))
    e = out['embed_images_per_s']
    rows = ['| body | recommended threshold (precision 0.99) | its recall | at DUP_THRESHOLD (%g): precision | recall | distinct within | query embedding |' % DUP_THRESHOLD['quality'],
            '|---|---|---|---|---|---|---|']
    rows += [f"| {q} | {out[q]['threshold']:g} | {out[q]['recall']:.3f} | {out[q]['at_default']['precision']:.4f} | {out[q]['at_default']['recall']:.3f} "
             f"| {out[q]['distinct_within']:.4f} | {e[q]:.1f} images/s ({e[q] / e['none']:.2f}x) |" for q in ('int8', 'none')]
    f.with_suffix('.txt').write_text('python bench/build_int8.py\n\n' + '\n'.join(rows) + '\n'); print('\n'.join(rows))

if __name__ == '__main__': main()

"""Query latency in the process that has just built the model directory (as in a notebook: build, then query), with
glibc's allocation thresholds as a build now leaves them and as it left them before (fixed low for the head's training),
side by side in one run.

    python bench/after_build.py [--every 6] [--n 60]

Builds the `quality` preset (2 head epochs, int8) on every `every`-th Caltech-101 image into a temporary folder,
then times `ImageSearch.query` (file -> table) over `n` validation images twice in turn (each state twice, ABAB),
counting minor page faults. Writes bench/results/after_build.json."""
import argparse, json, resource, tempfile, time, warnings
from pathlib import Path
import numpy as np
warnings.filterwarnings('ignore')
from image_similarity.pipeline import build
from image_similarity.search import ImageSearch
from image_similarity.data import caltech101, list_images
from image_similarity.train import steady_memory

def timed(s, qs):
    l = []; f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for f in qs: t = time.perf_counter(); s.query(f, 6); l.append(1000 * (time.perf_counter() - t))
    return l, (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / len(qs)

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--every', type=int, default=6); ap.add_argument('--n', type=int, default=60); a = ap.parse_args()
    root = caltech101(); files = list_images(root)[::a.every]
    with tempfile.TemporaryDirectory() as d:
        md = build(root, Path(d)/'m', files=files, preset='quality', epochs=2, progress=False, quantize='int8')
        it = md.items; qs = [root/p for p in it.path[it.split.to_numpy() == 'valid'][:a.n]]
        s = ImageSearch(md); s.query(qs[0]); res = {'as a build leaves them': ([], []), 'fixed low (before)': ([], [])}
        for _ in range(2):
            for state, on in (('as a build leaves them', False), ('fixed low (before)', True)):
                if on: steady_memory(True)
                l, f = timed(s, qs); res[state][0].extend(l); res[state][1].append(f)
                if on: steady_memory(False)
    out = {k: dict(p50_ms=round(float(np.median(l)), 1), p90_ms=round(float(np.percentile(l, 90)), 1), faults_per_query=round(float(np.mean(f)), 0)) for k, (l, f) in res.items()}
    out['command'] = 'python bench/after_build.py'; print(json.dumps(out, indent=1))
    Path(__file__).resolve().parent.joinpath('results', 'after_build.json').write_text(json.dumps(out, indent=1))

if __name__ == '__main__': main()

"""Could a cheap first look spare most images the SIFT that verification runs on every one? A screen tried and
not taken: SIFT on the picture at half size (`FEATURE_SIDE` / 2; OpenCV's SIFT doubles its input first, so this
skips the costliest octave), one USAC/RANSAC fit per candidate pair with enough ratio-test matches (and its
mirror); only pairs with at least `--inliers` inliers there, or with an image of fewer than `--few` keypoints
there (a plain picture), would go on to the full verification, so only their images would need SIFT at full size.

    python bench/copy_screen.py [--work /tmp/imsim_copies] [--model models/caltech101 --model models/caltech101_fast]
                                [--inliers 4 6 8 12] [--few 0 60 100]

For the copy benchmark's folder (made by `python bench/copies.py`, the `quality` model's embeddings as
candidates, as its "fine-tuned, verified" row): the copies `find_copies` finds that the screen would have
dropped, by edit. For each Caltech-101 model directory: the candidate pairs `find_copies` verifies (3 nearest
neighbours and PDQ within 90 bits), how many pass the screen, and how many images they hold (those would
still need SIFT at full size). Seconds side by side: SIFT at half and at full size on the same images.
Writes bench/results/copy_screen.{json,txt}.
"""
import argparse, json, sys, time, warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
import numpy as np
warnings.filterwarnings('ignore')
ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT/'bench'/'results'
sys.path.insert(0, str(ROOT))
from image_similarity import copies as C
from image_similarity.data import ImageLoadError
from image_similarity.lsh_pairs import unit_rows

class HalfFeatures(C.LocalFeatures):
    "`LocalFeatures` of the gray pixels at half size; keypoints given in the full-size pixels (so `match` reads them as usual)."
    def _compute(self, i):
        import cv2
        try: g = C.gray_pixels(self.images[i])
        except ImageLoadError: return C._EMPTY, 0
        p, d = self._detect(cv2.resize(g, (max(1, round(g.shape[1] / 2)), max(1, round(g.shape[0] / 2))), interpolation=cv2.INTER_AREA))
        return ((p + 0.5) * 2 - 0.5 if len(p) else p, d), g.shape[1]

def candidates(files, emb, k=3):
    "The pairs `find_copies` verifies (without the template views): `(a, b)` with a < b."
    v = unit_rows(emb); a, b, _ = C._neighbours(v, k); H, Q = C.pdq_hashes(files); pa, pb, _ = C.pdq_pairs(H, Q)
    p = np.unique(np.c_[np.r_[np.minimum(a, b), pa], np.r_[np.maximum(a, b), pb]], axis=0)
    return p[:, 0], p[:, 1]

def screen(files, a, b, need:int):
    "Inliers of each pair at half size (the better of straight and mirrored; 0 below `need`), and the seconds of half-size SIFT."
    f = HalfFeatures(files); t = time.time(); f.prefetch(np.r_[a, b]); ts = time.time() - t
    one = lambda p: max(len(C._match(f.get(p[0]), f.get(p[1]), need)[0]), len(C._match(f.get(p[0]), f.get(p[1], True), need)[0]))
    with C._blas_threads(1), ThreadPoolExecutor(2) as ex: r = np.array(list(ex.map(one, zip(a.tolist(), b.tolist()))))
    kp = np.array([len(f.get(i)[0]) if i in f._cache else 0 for i in range(len(files))])
    return r, np.minimum(kp[a], kp[b]), ts

def full_seconds(files, idx):
    f = C.LocalFeatures(files); t = time.time(); f.prefetch(idx); return time.time() - t

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--work', default='/tmp/imsim_copies')
    ap.add_argument('--model', action='append'); ap.add_argument('--inliers', type=int, nargs='+', default=[4, 6, 8, 12])
    ap.add_argument('--few', type=int, nargs='+', default=[0, 60, 100], help='a pair passes too when one image has fewer keypoints than this at half size')
    a = ap.parse_args(); models = a.model or ['models/caltech101', 'models/caltech101_fast']
    rules = [(th, fw) for fw in a.few for th in a.inliers]
    from image_similarity.search import ImageSearch
    res = dict(command=' '.join(['python bench/copy_screen.py'] + sys.argv[1:]), inliers=a.inliers, bench={}, caltech={})
    # the copy benchmark: which found copies would the screen drop?
    work = Path(a.work); folder = work/'images'; names = sorted(p.name for p in folder.iterdir()); files = [folder/n for n in names]
    truth = json.loads((work/'truth.json').read_text())['truth']; z = np.load(work/'finetuned.npz'); assert list(z['names']) == names
    s = ImageSearch(ROOT/models[0]); c = C.find_copies(files, z['emb'], embed=lambda ims: s.embedder(ims).embeddings)
    edit = {tuple(sorted((r['copy'], r['original']))): r['edit'] for r in truth}
    c = c[c.is_copy & ~c.region]                                  # (template views are found another way)
    found = {(int(x), int(y)): edit.get(tuple(sorted((names[x], names[y]))), '') for x, y in zip(c.a, c.b)}
    ca, cb = candidates(files, z['emb']); r, few, ts = screen(files, ca, cb, min(a.inliers))
    for th, fw in rules:
        ok = dict(zip(zip(ca.tolist(), cb.tolist()), ((r >= th) | (few < fw)).tolist()))
        lost = [e or 'pair of two originals' for p, e in found.items() if not ok.get(p, False)]
        res['bench'][f'{th}/{fw}'] = dict(copies_found=len(found), dropped=len(lost), dropped_by_edit={e: lost.count(e) for e in sorted(set(lost))})
    # Caltech-101: how many images would still need SIFT at full size?
    for m in models:
        s = ImageSearch(ROOT/m); files = [s.root/p for p in s.items.path.to_numpy()]
        ca, cb = candidates(files, s.model.embeddings); r, few, ts = screen(files, ca, cb, min(a.inliers))
        sample = np.arange(0, len(files), 8); tf = full_seconds(files, sample)
        f = HalfFeatures(files); t = time.time(); f.prefetch(sample); tsh = time.time() - t
        out = dict(images=len(files), pairs=int(len(ca)), half_sift_s=round(ts, 1),
                   sift_full_over_half=round(tf / tsh, 2), by_inliers={})
        for th, fw in rules:
            keep = (r >= th) | (few < fw); out['by_inliers'][f'{th}/{fw}'] = dict(pairs=int(keep.sum()), images=int(len(np.unique(np.r_[ca[keep], cb[keep]]))))
        res['caltech'][m] = out
    RESULTS.mkdir(exist_ok=True); (RESULTS/'copy_screen.json').write_text(json.dumps(res, indent=1))
    L = [f"## A half-size SIFT screen before verification (tried, not taken)", '', f"Command: `{res['command']}`", '',
         '| a pair passes with inliers at half size / or an image with fewer keypoints there | copies found on the copy benchmark | dropped by the screen | ' +
         ' | '.join(f"{Path(m).name}: pairs passing / images needing full-size SIFT" for m in models) + ' |',
         '|---|---|---|' + '---|' * len(models)]
    for th, fw in rules:
        th = f'{th}/{fw}'; b = res['bench'][th]
        L.append(f"| {th} | {b['copies_found']} | {b['dropped']} ({', '.join(f'{k} {v}' for k, v in b['dropped_by_edit'].items()) or '-'}) | " +
                 ' | '.join(f"{res['caltech'][m]['by_inliers'][th]['pairs']:,} of {res['caltech'][m]['pairs']:,} / "
                            f"{res['caltech'][m]['by_inliers'][th]['images']:,} of {res['caltech'][m]['images']:,}" for m in models) + ' |')
    L += ['', 'SIFT at full size took ' + ', '.join(f"{res['caltech'][m]['sift_full_over_half']}x" for m in models) +
          ' as long as at half size on every 8th Caltech-101 image (same run).']
    txt = '\n'.join(L); (RESULTS/'copy_screen.txt').write_text(txt + '\n'); print(txt)

"""Could the embedding spare verification most candidate pairs? A prune tried and not taken: before SIFT,
keep only the PDQ candidates within `bits` and the nearest-neighbour candidates whose distance is small against
their neighbourhood (`rel` = the pair's cosine distance over the smaller of the two images' distances to their
10th nearest neighbour: SSCD-style normalisation, as a copy lies nearer than the image's usual neighbours).
Only the kept pairs' images would need SIFT, so the images they hold are what verification would still cost.

    python bench/copy_prune.py [--work /tmp/imsim_copies] [--model models/caltech101]

For the copy benchmark's folder (made by `python bench/copies.py`, the `quality` model's embeddings as
candidates, as its "fine-tuned, verified" row): the true copies `find_copies` finds that a prune would drop,
by edit. For Caltech-101 (the model directory's collection): the candidate pairs a prune keeps, the images
they hold, and the verified copies it drops. Template views (the photo inside a screenshot) are found another
way and left out. Also the cost of each part of verification per image / pair on 600 Caltech-101 images.
Writes bench/results/copy_prune.{json,txt}.
"""
import argparse, json, random, sys, time, warnings
from pathlib import Path
import numpy as np
warnings.filterwarnings('ignore')
ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT/'bench'/'results'
sys.path.insert(0, str(ROOT))
from image_similarity import copies as C
from image_similarity.lsh_pairs import unit_rows
BITS = (31, 45, 60, 90); RELS = (0.7, 1.0, 1.5, None)   # None: every nearest-neighbour candidate (no prune)

def candidates(files, emb, embed, k=3):
    "`find_copies`' pairs (template views left out), `nn` (a nearest-neighbour candidate) and `rel`: distance over the smaller 10th-neighbour distance."
    c = C.find_copies(files, emb, embed=embed, k=k); c = c[~c.region].reset_index(drop=True)
    v = unit_rows(emb)
    a10, b10, r10 = C._neighbours(v, 10); a10, b10 = a10[r10 == 9], b10[r10 == 9]   # each image's 10th nearest (`find_copies`' own search)
    d10 = np.empty(len(v), np.float32); d10[a10] = 1 - (v[a10] * v[b10]).sum(1)
    a, b, _ = C._neighbours(v, k); nn = set(zip(np.minimum(a, b).tolist(), np.maximum(a, b).tolist()))
    c['nn'] = [p in nn for p in zip(c.a.tolist(), c.b.tolist())]
    c['rel'] = c.distance / np.maximum(np.minimum(d10[c.a], d10[c.b]), 1e-6)
    return c

def kept(c, bits, rel):
    "Pairs a prune keeps: PDQ candidates within `bits`, and nearest-neighbour candidates with `rel` at most `rel` (`None`: all)."
    return ((c.pdq_bits >= 0) & (c.pdq_bits <= bits)) | (c.nn & (True if rel is None else c.rel <= rel))

def costs(root, n=600, seed=0):
    "Milliseconds per image (PDQ; SIFT with its decode) and per pair (matching and RANSAC, mirror tried; pairs of the sample, not copies), one thread."
    fs = sorted(p for p in Path(root).rglob('*.jpg')); random.seed(seed); fs = random.sample(fs, n)
    t = time.perf_counter(); C.pdq_hashes(fs, 1); pdq = (time.perf_counter() - t) / n
    F = C.LocalFeatures(fs, 1); t = time.perf_counter(); [F.get(i) for i in range(n)]; sift = (time.perf_counter() - t) / n
    a = np.arange(0, n, 2); b = a + 1
    t = time.perf_counter(); C._verify(F, a, b, mirror=True, n_workers=1); pair = (time.perf_counter() - t) / len(a)
    return dict(pdq_ms=round(pdq * 1e3, 2), sift_ms=round(sift * 1e3, 2), pair_ms=round(pair * 1e3, 2), images=n)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--work', default='/tmp/imsim_copies'); ap.add_argument('--model', default='models/caltech101')
    a = ap.parse_args()
    from image_similarity.search import ImageSearch
    from image_similarity.dedup import _embed
    res = dict(command=' '.join(['python bench/copy_prune.py'] + sys.argv[1:]), bench={}, caltech={})
    s = ImageSearch(ROOT/a.model if not Path(a.model).is_absolute() else a.model)
    work = Path(a.work); folder = work/'images'; names = sorted(p.name for p in folder.iterdir()); files = [folder/n for n in names]
    truth = json.loads((work/'truth.json').read_text())['truth']; z = np.load(work/'finetuned.npz'); assert list(z['names']) == names
    edit = {tuple(sorted((r['copy'], r['original']))): r['edit'] for r in truth}
    c = candidates(files, z['emb'], lambda ims: s.embedder(ims).embeddings)
    c['edit'] = [edit.get(tuple(sorted((names[x], names[y]))), '') for x, y in zip(c.a, c.b)]
    true = c.is_copy & (c.edit != '')
    cal = candidates([s.root/p for p in s.items.path.to_numpy()], s.model.embeddings, _embed(s))
    for bits in BITS:
        for rel in RELS:
            k = kept(c, bits, rel); kc = kept(cal, bits, rel); key = f"{bits}/{'-' if rel is None else rel}"
            lost = c.edit[true & ~k].tolist()
            res['bench'][key] = dict(true_copies=int(true.sum()), dropped=len(lost), dropped_by_edit={e: lost.count(e) for e in sorted(set(lost))})
            res['caltech'][key] = dict(pairs=int(kc.sum()), of_pairs=len(cal), images=len(set(cal.a[kc]) | set(cal.b[kc])), of_images=len(s.items),
                                       copies_dropped=int((cal.is_copy & ~kc).sum()), copies=int(cal.is_copy.sum()))
    res['caltech_pdq_pairs'] = int((cal.pdq_bits >= 0).sum())
    res['costs'] = costs(s.root)
    RESULTS.mkdir(exist_ok=True); (RESULTS/'copy_prune.json').write_text(json.dumps(res, indent=1))
    m = res['costs']; cal_name = Path(a.model).name
    L = ['## Pruning the candidates before verification (tried, not taken)', '', f"Command: `{res['command']}`", '',
         f'| kept: PDQ within bits / nearest neighbours with rel at most | true copies dropped on the copy benchmark | {cal_name}: pairs kept | images they hold | verified copies dropped |',
         '|---|---|---|---|---|']
    for key in res['bench']:
        b, k = res['bench'][key], res['caltech'][key]
        L.append(f"| {key} | {b['dropped']} of {b['true_copies']} ({', '.join(f'{e} {n}' for e, n in b['dropped_by_edit'].items()) or '-'}) | "
                 f"{k['pairs']:,} of {k['of_pairs']:,} | {k['images']:,} of {k['of_images']:,} | {k['copies_dropped']} of {k['copies']} |")
    L += ['', f"PDQ candidates (within {C.PDQ_CANDIDATE_BITS} bits) among {cal_name}'s pairs: {res['caltech_pdq_pairs']:,}. "
          f"Cost on {m['images']} Caltech-101 images, one thread: PDQ {m['pdq_ms']} ms and SIFT (its decode included) {m['sift_ms']} ms an image, "
          f"matching and RANSAC {m['pair_ms']} ms a pair (pairs of those images drawn at random: no copies; mirror tried)."]
    txt = '\n'.join(L); (RESULTS/'copy_prune.txt').write_text(txt + '\n'); print(txt)

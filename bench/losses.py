"""Head losses compared on cached features: macro P@5 (validation queries, training gallery) of one seed per
BACKBONE:LOSS, after nothing (`none`), flip TTA (`tta`), TTA + whitening with shrink 1 and 3 (`w1.0`, `w3.0`)
and the same + query expansion over 10 (`+qe`).

    FEATURE_CACHE=/tmp/image_similarity_features python bench/losses.py \
        efficientnet_lite0:ce efficientnet_lite0:proxy_anchor \
        efficientnet_lite0+efficientnet_lite2:ce efficientnet_lite0+efficientnet_lite2:proxy_anchor

Features come from bench/presets.py's cache (`BACKBONE.npy`), extracted here when missing. The run of
2026-11-26 is in bench/results/losses.txt."""
import numpy as np, time, warnings, sys, os, torch
from pathlib import Path
warnings.filterwarnings('ignore')
from image_similarity.data import caltech101, list_images, folder_label
from image_similarity.train import train_head, _valid_mask, retrieval_metrics, extract_features
from image_similarity.export import split_head
from image_similarity.postprocess import PostProcess, fit_whitening
root = caltech101(); files = list_images(root)
labels = np.array([folder_label(f, root) for f in files]); classes = sorted(set(labels)); y = np.searchsorted(classes, labels)
valid = _valid_mask(files, 0.2, 42)
for bb, loss in [a.split(':') for a in sys.argv[1:]]:
    cache = Path(os.environ.get('FEATURE_CACHE', '/tmp/image_similarity_features')); cache.mkdir(parents=True, exist_ok=True)
    if not (cache/f'{bb}.npy').exists(): np.save(cache/f'{bb}.npy', extract_features(files, bb, progress=False)[0])
    f = np.load(cache/f'{bb}.npy'); t = time.time()
    head, _ = train_head(f, y, valid, len(classes), 25, 1e-2, seed=42, label_smoothing=True, quiet=True, loss=loss)
    to_emb, _ = split_head(head, pooled=True)
    with torch.no_grad(): raw = np.stack([to_emb(torch.from_numpy(np.ascontiguousarray(f[:, v]))).numpy() for v in (0, 1)], 1)
    tta = PostProcess(True)(raw)
    r = {'none': retrieval_metrics(raw[:, 0], labels, valid)['macro']['P@5'], 'tta': retrieval_metrics(tta, labels, valid)['macro']['P@5']}
    for sh in (1.0, 3.0):
        w = fit_whitening(tta[~valid], sh)(tta)
        r[f'w{sh}'] = retrieval_metrics(w, labels, valid)['macro']['P@5']; r[f'w{sh}+qe'] = retrieval_metrics(w, labels, valid, expand=10)['macro']['P@5']
    print(bb, loss, {k: round(v, 4) for k, v in r.items()}, f'{time.time()-t:.0f}s', flush=True)

"""Compare feature/head settings of the fast path on Caltech-101 (validation accuracy and P@5).

    python bench/train_variants.py 224-crop 224-squish 288-squish

Each argument is SIZE-METHOD; features are cached in $FEATURE_CACHE. Output: one line per head setting
(epochs, lr, label smoothing). The run of 2026-11-24 is in bench/results/train_variants.txt."""
import sys, time, numpy as np, warnings, os, dataclasses
warnings.filterwarnings('ignore')
from pathlib import Path
from image_similarity.data import caltech101, list_images
from image_similarity.train import extract_features, train_head
from image_similarity.backbones import get_backbone
from image_similarity.export import split_head
from fastai.vision.all import RandomSplitter, parent_label
root = caltech101(); files = list_images(root)
cache = Path(os.environ.get("FEATURE_CACHE", "/tmp/image_similarity_features")); cache.mkdir(exist_ok=True)
def retr(emb, labels, q):
    x = emb/np.linalg.norm(emb,axis=1,keepdims=True); s = x[q]@x.T; s[np.arange(len(q)), q] = -np.inf
    top = np.argsort(-s,1)[:,:5]; return (labels[top]==labels[q][:,None]).mean()
import torch
for cfg in sys.argv[1:]:
    size, method = cfg.split('-'); size = int(size)
    fn = cache/f'{cfg}.npy'
    if not fn.exists():
        spec = dataclasses.replace(get_backbone().spec, size=size, resize=method)
        t=time.time(); f, pos, errs = extract_features(files, spec=spec, progress=False); np.save(fn, f); print(cfg, 'features', time.time()-t, flush=True)
    f = np.load(fn)
    labels = np.array([parent_label(x) for x in files]); classes = sorted(set(labels)); y = np.searchsorted(classes, labels)
    _, v = RandomSplitter(0.2, seed=42)(files); valid = np.zeros(len(files), bool); valid[list(v)] = True
    for ep, lr, ls in [(12, 1e-2, False), (12, 1e-2, True), (20, 3e-3, False), (25, 1e-2, True)]:
        head, hl = train_head(f, y, valid, len(classes), ep, lr, label_smoothing=ls, quiet=True)
        with torch.no_grad():
            to_emb, to_logits = split_head(head, pooled=True)
            emb = to_emb(torch.from_numpy(np.ascontiguousarray(f[:,0]))).numpy(); pred = to_logits(torch.from_numpy(emb.copy())).argmax(1).numpy()
        print(cfg, ep, lr, ls, 'acc %.4f'%(pred[valid]==y[valid]).mean(), 'P@5 %.4f'%retr(emb, y, np.flatnonzero(valid)), flush=True)

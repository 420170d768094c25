"""Fine-tuning more than the head (issue 33): the backbones' last layer trained with the head, on cached feature maps.

    python bench/tail.py [--seeds 42,1,2] [--epochs 15] [--lr 0.01] [--tail-lr 0,1e-3]
    python bench/tail.py --report                      (the table of the saved JSON)

The `quality` pair (EfficientNet-Lite0 + Lite2 at 260 px) is cut before each member's last layer, its 1x1
`conv_head` (320 or 352 -> 1280 channels) with its batch norm and ReLU6. The maps before it, `[672, 9, 9]`
per image, are extracted once for all of Caltech-101 (float ONNX, cached as float16 in
`~/.cache/image_similarity/bench_tail`). A build then trains, on those maps, the two `conv_head`s (their batch
norms' statistics frozen, their scales and shifts trained) together with the preset's head (proxy-anchor,
the same `create_head` layout, pooling and schedule as `train_head`), the head at `--lr` (0.01, the preset's
when this ran; it is 0.02 now) and the tail at `--tail-lr`. `--tail-lr 0` trains the head alone on the same maps: the preset as it is,
the baseline of this run.

The split is `bench/heldout.py`'s: 5 images of every class held out before anything is fitted, the rest
split 80/20 by the seed. Whitening (the preset's shrink) is fitted on the training split; query expansion as
the preset. Macro P@5 of the validation images against the training split, and of the held-out images
against the same split. Writes bench/results/tail.json and a table in bench/results/tail.txt."""
import argparse, json, sys, time
from pathlib import Path
import numpy as np, torch
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT/'bench'))
CACHE = Path.home()/'.cache'/'image_similarity'/'bench_tail'

class Trunk(nn.Module):
    "Each member of the pair up to (not including) its `conv_head`, on one input: maps stacked along channels."
    def __init__(self, mb):
        super().__init__(); self.mb = mb
        self.trunks = nn.ModuleList(nn.Sequential(b.conv_stem, b.bn1, b.blocks) for b in mb.bodies)
    def forward(self, x):
        maps = []
        for i, t in enumerate(self.trunks):
            xi = x * getattr(self.mb, f'scale{i}') + getattr(self.mb, f'shift{i}') if self.mb.renorm[i] else x
            maps.append(t(xi))
        return torch.cat(maps, 1)

class Tail(nn.Module):
    "Each member's `conv_head` + batch norm (with its activation) on its share of the channels; batch-norm statistics frozen."
    def __init__(self, mb):
        super().__init__()
        self.parts = nn.ModuleList(nn.Sequential(b.conv_head, b.bn2) for b in mb.bodies)
        self.splits = [b.conv_head.in_channels for b in mb.bodies]
    def train(self, mode=True):
        super().train(mode)
        for m in self.modules():
            if isinstance(m, nn.BatchNorm2d): m.eval()
        return self
    def forward(self, x): return torch.cat([p(xi) for p, xi in zip(self.parts, torch.split(x, self.splits, 1))], 1)

def pair():
    from image_similarity.settings import BuildSettings
    from image_similarity.backbones import get_backbone
    import heldout
    r = BuildSettings(backbone=heldout.PAIR).resolve(); bb = get_backbone(r.backbone); return r, bb, bb.body(pretrained=True).eval()

def maps(files, names):
    "`[n, 672, 9, 9]` float16 maps before the last layer, of every file (cached)."
    f = CACHE/'pair_maps.npy'; fn = CACHE/'pair_maps_files.json'   # (heldout.PAIR's maps)
    if f.exists() and fn.exists() and json.loads(fn.read_text()) == names: return np.load(f, mmap_mode='r')
    from image_similarity.export import export_onnx
    from image_similarity.embed import OnnxEngine, run_engine
    r, bb, mb = pair(); t = time.time(); CACHE.mkdir(parents=True, exist_ok=True)
    g = export_onnx(Trunk(mb).eval(), CACHE/'trunk.onnx', bb.spec.size, output_names=('maps',))
    (x,), pos, errs = run_engine(OnnxEngine(g), files, bb.spec, progress=False, log=print)
    assert not errs and len(pos) == len(files), errs[:3]
    x = np.asarray(x, np.float16); print(f"maps {x.shape} in {time.time() - t:.0f} s", flush=True)
    tmp = f.with_suffix('.tmp.npy'); np.save(tmp, x); tmp.rename(f); fn.write_text(json.dumps(names))
    return np.load(f, mmap_mode='r')

class Maps:
    "Batches `(maps as float32, label)` of `rows` of the cached maps, for `train.py`'s batch loader."
    vocab = None
    def __init__(self, x, rows, y): self.x, self.rows, self.y = x, np.asarray(rows), y
    def __len__(self): return len(self.rows)
    def __getitem__(self, i): j = self.rows[i]; return torch.from_numpy(np.asarray(self.x[j], np.float32)), torch.tensor(int(self.y[j]))
    def batch(self, idx):
        j = self.rows[np.asarray(idx, np.int64)]; o = np.argsort(j, kind='stable'); x = np.empty((len(j), *self.x.shape[1:]), np.float32)
        x[o] = self.x[j[o]]; return torch.from_numpy(x), torch.from_numpy(np.asarray(self.y)[j].astype(np.int64))

def train_tail(x, y, valid_rows, train_rows, n_classes, epochs, lr, tail_lr, seed):
    "The tail and the preset's proxy-anchor head trained together; returns `net` (maps -> logits) and `to_emb` (maps -> embedding)."
    from fastai.vision.all import create_head, apply_init, Learner, DataLoaders, accuracy, set_seed, CategoryMap
    from image_similarity import train
    from image_similarity.export import EMB_LAYER
    set_seed(seed, reproducible=True)
    _, _, mb = pair(); tail = Tail(mb)
    head = create_head(sum(p[0].out_channels for p in tail.parts), n_classes); apply_init(head, nn.init.kaiming_normal_)
    head = nn.Sequential(*head[:EMB_LAYER], nn.Identity(), train.ProxyHead(head[EMB_LAYER - 1].out_features, n_classes))
    tr, va = Maps(x, train_rows, y), Maps(x, valid_rows, y); tr.vocab = va.vocab = CategoryMap(list(range(n_classes)), sort=False)
    dls = DataLoaders(train._loader(tr, 256, shuffle=True), train._loader(va, 512))
    net = nn.Sequential(tail, head); proxies = head[-1].proxies
    for p in tail.parameters(): p.requires_grad_(tail_lr > 0)
    groups = lambda m: [list(tail.parameters()), [p for p in head.parameters() if p is not proxies], [proxies]]
    learn = Learner(dls, net, loss_func=train.ProxyAnchorLoss(), metrics=accuracy, splitter=groups)
    with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(epochs, np.array([tail_lr or lr, lr, 10 * lr]))
    net.eval(); return net, nn.Sequential(tail, *head[:EMB_LAYER + 1])

def embed(f, x, bs=512):
    with torch.no_grad(): return np.concatenate([f(torch.from_numpy(np.asarray(x[i:i + bs], np.float32))).numpy() for i in range(0, len(x), bs)])

def run(seeds, epochs, lr, tail_lr):
    from heldout import held_out, against
    from image_similarity import train
    from image_similarity.data import caltech101, list_images
    from image_similarity.postprocess import PostProcess, fit_whitening
    r, _, _ = pair(); root = caltech101(); files = sorted(list_images(root)); names = [f.relative_to(root).as_posix() for f in files]
    x = maps(files, names); out_mask = held_out(files, root, 5); ki, hi = np.flatnonzero(~out_mask), np.flatnonzero(out_mask)
    lab = np.array([n.split('/')[0] for n in names]); classes = sorted(set(lab)); y = np.searchsorted(classes, lab); out = {}
    for seed in seeds:
        t = time.time()
        valid = train._valid_mask([files[i] for i in ki], r.valid_pct, seed)
        net, to_emb = train_tail(x, y, ki[valid], ki[~valid], len(classes), epochs, lr, tail_lr, seed)
        t_train = time.time() - t
        ek = embed(to_emb, x[ki])
        eh = embed(to_emb, x[hi])
        post = PostProcess(False, None, r.expand); post.whitening = fit_whitening(ek[~valid], r.whiten)
        ek, eh = post(ek), post(eh)
        val = train.retrieval_metrics(ek, lab[ki], valid, expand=r.expand)
        g = ~valid
        ho = against(ek[g], lab[ki][g], eh, lab[hi], r.expand)
        out[str(seed)] = dict(seed=seed, validation=val, heldout=ho, train_seconds=t_train)
        print(f"seed {seed}: macro P@5 validation {val['macro']['P@5']:.4f}, held-out {ho['macro']['P@5']:.4f}; training {t_train:.0f} s", flush=True)
    return out

def table(res):
    rows = ["| tail lr | seed | validation macro P@5 | held-out macro P@5 | training (s) |", "|---|---|---|---|---|"]
    for key, rr in res['runs'].items():
        for r in rr.values():
            rows.append(f"| {key} | {r['seed']} | {r['validation']['macro']['P@5']:.4f} | {r['heldout']['macro']['P@5']:.4f} | {r['train_seconds']:.0f} |")
        m = lambda k: np.mean([r[k]['macro']['P@5'] for r in rr.values()])
        rows.append(f"| {key} | mean | {m('validation'):.4f} | {m('heldout'):.4f} | {np.mean([r['train_seconds'] for r in rr.values()]):.0f} |")
    return '\n'.join(rows)

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--seeds', default='42,1,2'); ap.add_argument('--epochs', type=int, default=15)
    ap.add_argument('--lr', type=float, default=0.01, help='learning rate of the head')
    ap.add_argument('--tail-lr', default='0,1e-3', help="learning rates of the tail, compared side by side (0: head alone)")
    ap.add_argument('--report', action='store_true'); ap.add_argument('--out', default=str(ROOT/'bench'/'results'/'tail.json'))
    a = ap.parse_args(); out = Path(a.out)
    if not a.report:
        runs = {lr: run([int(s) for s in a.seeds.split(',')], a.epochs, a.lr, float(lr)) for lr in a.tail_lr.split(',')}
        res = dict(command=' '.join(['python bench/tail.py'] + sys.argv[1:]), epochs=a.epochs, lr=a.lr, runs=runs)
        out.parent.mkdir(parents=True, exist_ok=True); out.write_text(json.dumps(res, indent=1))
    res = json.loads(out.read_text()); t = table(res); print(t)
    out.with_suffix('.txt').write_text(res['command'] + '\n\n' + t + '\n')

if __name__ == '__main__': main()

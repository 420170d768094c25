"""A build as a user runs it, side by side in one run: wall time, images per second, peak memory, the longest
silence in its log, and the retrieval quality of what it built.

    python bench/build.py [--n 1000] [--baseline REF] [--variants int8,none] [--preset quality]
    python bench/build.py --report                       (the table of the saved JSON)
    python bench/build.py --part batches                 (the body alone: batch size vs speed and memory, float and int8)
    python bench/build.py --n 0 --repeat 6 --variants none --out bench/results/build_50k.json   (a 51,810-image collection)

Every variant builds the same `n` Caltech-101 images (a seeded sample; `--n 0`: all 8,635) into a new model
directory, in a fresh process, the way a non-interactive run does (`log=print`, no progress bars), under
`/usr/bin/time -v`. Peak memory is the build's maximum resident set size when `build` returns (the process's,
which also holds the quality measure below, is `rss_mb`: at 50,000 images its 10,000 x 40,000 score matrix dominates). `--variants` are values of the
`quantize` setting run on this checkout (`int8`: the body as a statically quantised graph, `none`: float);
`--baseline REF` also runs the package as it was at git REF (a temporary worktree) with its own defaults.
Quality: macro P@1/P@5/P@10 and mAP@10 (validation images query the training split, with the query
expansion the build stores; micro beside it), from the model directory each build wrote.
Writes bench/results/build.json and a table in bench/results/build.txt.
`--part batches`: the preset's body graph (float, and int8 calibrated on 32 training images) on one batch of
real images repeated for 12 s, in a fresh process per batch size (network inputs per call): inputs/s and
peak memory; bench/results/build_batches.json.
`--labels none`: every build unlabelled (pretrained features and PCA; no quality columns: there are no labels to score).
`--repeat K`: a collection K times the size, each image under K names (links `r0_x.jpg` ... in a folder of
class folders), to see memory against the number of images. Its quality columns mean nothing: copies of
every validation image sit in the training split."""
import argparse, json, os, re, subprocess, sys, tempfile, shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = """import sys, time, json, random; sys.path.insert(0, {src!r})
import warnings; warnings.filterwarnings('ignore')
import image_similarity; assert image_similarity.__file__.startswith({src!r}), image_similarity.__file__
from image_similarity.data import caltech101, list_images
from image_similarity.pipeline import build
from pathlib import Path
root = Path({root!r}) if {root!r} else caltech101(); files = sorted(list_images(root)); random.Random(0).shuffle(files)
files = files[:{n}] if {n} else files
t0 = time.time(); times = [0.0]
def log(msg): times.append(time.time() - t0); print(f"{{times[-1]:7.1f}} s  {{msg}}", flush=True)
md = build(root, {out!r}, files=files, force=True, progress=False, log=log, **{kw!r})
times.append(time.time() - t0)
import resource; build_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # the build's peak, before the measuring below
from image_similarity.train import retrieval_metrics
it = md.items
m = retrieval_metrics(md.embeddings, it.label.to_numpy(), it.split.to_numpy() == 'valid', expand=(md.config.get('post') or {{}}).get('expand', 0)) if (it.label != '').all() else dict(macro=None, micro=None)
print('RESULT', json.dumps(dict(seconds=times[-1], n=len(it), silence=max(b - a for a, b in zip(times, times[1:])),
      build_rss_mb=build_rss_mb, macro=m['macro'], micro=m['micro'], stages=md.info.get('seconds'), quantize=md.config.get('quantize', 'none'),
      valid_accuracy=md.info.get('valid_accuracy'), model_mb=len(md.read('model.onnx')) / 1e6)))
"""

def repeated(dest:Path, k:int) -> Path:
    "Caltech-101 with each image under `k` names (symbolic links) in `dest`: a collection k times the size."
    from image_similarity.data import caltech101, list_images
    root = caltech101()
    for f in list_images(root):
        d = dest/f.parent.relative_to(root); d.mkdir(parents=True, exist_ok=True)
        for i in range(k): (d/f'r{i}_{f.name}').symlink_to(f)
    return dest

def one(src, n, out, kw, root=None):
    "Result of one build in a fresh process: its RESULT line, wall seconds and peak RSS (MB)."
    p = subprocess.run(['/usr/bin/time', '-v', sys.executable, '-c', CHILD.format(src=str(src), n=n, out=str(out), kw=kw, root=root and str(root))],
                       capture_output=True, text=True, env=dict(os.environ, PYTHONWARNINGS='ignore'))
    res = re.search(r'^RESULT (.*)$', p.stdout, re.M)
    if p.returncode or not res: raise SystemExit(f"build failed ({src}, {kw}):\n{p.stdout[-2000:]}\n{p.stderr[-3000:]}")
    r = json.loads(res[1])
    r['rss_mb'] = int(re.search(r'Maximum resident set size \(kbytes\): (\d+)', p.stderr)[1]) / 1024
    r['images_per_s'] = r['n'] / r['seconds']; r['log'] = [l for l in p.stdout.splitlines() if not l.startswith('RESULT')]
    return r

def table(res):
    base = res['runs'].get('baseline')
    rows = ["| run | images | seconds | images/s | x baseline | peak memory | longest log silence | macro P@5 | P@1 | micro P@5 | model.onnx |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for k, r in res['runs'].items():
        x = f"{r['images_per_s'] / base['images_per_s']:.2f}x" if base else ''
        rows.append(f"| {k} | {r['n']:,} | {r['seconds']:.0f} | {r['images_per_s']:.1f} | {x} | {r.get('build_rss_mb', r['rss_mb']) / 1024:.2f} GB | {r['silence']:.0f} s "
                    + (f"| {r['macro']['P@5']:.4f} | {r['macro']['P@1']:.4f} | {r['micro']['P@5']:.4f} " if r['macro'] else "| (no labels) | | ")
                    + f"| {r['model_mb']:.1f} MB |")
    return '\n'.join(rows)

BATCH = """import sys, time, resource, json, numpy as np; sys.path.insert(0, {src!r})
from image_similarity.embed import OnnxEngine
x = np.load({x!r})[:{bs}]; eng = OnnxEngine({g!r}); eng(x)
t = time.time(); n = 0
while time.time() - t < 12: eng(x); n += len(x)
print('RESULT', json.dumps(dict(per_s=n / (time.time() - t), rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))
"""

def batches(preset, sizes=(8, 16, 32, 64, 128)):
    "Inputs/s and peak memory of the preset's body graph per batch size, float and int8, each in a fresh process."
    import numpy as np, random
    from image_similarity.data import caltech101, list_images
    from image_similarity.settings import BuildSettings
    from image_similarity.backbones import get_backbone
    from image_similarity.embed import preprocess
    from image_similarity.train import body_graph, _calibration
    r = BuildSettings(preset=preset).resolve(); spec = r.spec_of(get_backbone(r.backbone))
    files = sorted(list_images(caltech101())); random.Random(0).shuffle(files)
    tmp = Path(tempfile.mkdtemp(prefix='imsim_bench_batches_')); out = {}
    try:
        np.save(tmp/'x.npy', np.stack([preprocess(f, spec) for f in files[:max(sizes)]]))
        for q in ('none', 'int8'):
            g = tmp/f'{q}.onnx'; g.write_bytes(body_graph(r.backbone, spec, q, _calibration(files, r.valid_pct, r.seed)))
            for bs in sizes:
                p = subprocess.run([sys.executable, '-c', BATCH.format(src=str(ROOT), x=str(tmp/'x.npy'), bs=bs, g=str(g))], capture_output=True, text=True)
                out[f'{q} {bs}'] = json.loads(re.search(r'^RESULT (.*)$', p.stdout, re.M)[1]); print(q, bs, out[f'{q} {bs}'], flush=True)
    finally: shutil.rmtree(tmp, ignore_errors=True)
    return out

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--n', type=int, default=1000, help='images (0: all)')
    ap.add_argument('--baseline', help='git ref to compare with, side by side (e.g. 51e60f6)')
    ap.add_argument('--variants', default='int8,none', help="values of the quantize setting to run on this checkout ('int8-noflip': also flip=False, 'none-flip': flip=True)")
    ap.add_argument('--labels', help="the labels setting of every build ('none': unlabelled, PCA of pretrained features; no quality columns)")
    ap.add_argument('--preset', default='quality'); ap.add_argument('--report', action='store_true')
    ap.add_argument('--part', default='builds', choices=('builds', 'batches'))
    ap.add_argument('--out', default=str(ROOT/'bench/results/build.json'))
    ap.add_argument('--repeat', type=int, default=1, help='each image under this many names (a bigger collection)')
    a = ap.parse_args()
    if a.report: print(table(json.load(open(a.out)))); return
    if a.part == 'batches':
        res = batches(a.preset); f = ROOT/'bench/results/build_batches.json'; f.write_text(json.dumps(res, indent=1))
        rows = ['| graph | inputs per call | inputs/s | peak memory |', '|---|---|---|---|']
        rows += [f"| {k.split()[0]} | {k.split()[1]} | {v['per_s']:.1f} | {v['rss_mb']:.0f} MB |" for k, v in res.items()]
        f.with_suffix('.txt').write_text('python bench/build.py --part batches\n\n' + '\n'.join(rows) + '\n'); print('\n'.join(rows)); return
    tmp = Path(tempfile.mkdtemp(prefix='imsim_bench_build_')); runs = {}; lab = dict(labels=a.labels) if a.labels else {}
    root = repeated(tmp/'collection', a.repeat) if a.repeat > 1 else None
    try:
        if a.baseline:
            wt = tmp/'baseline'
            subprocess.run(['git', '-C', str(ROOT), 'worktree', 'add', '--detach', str(wt), a.baseline], check=True, capture_output=True)
            print('baseline', a.baseline, flush=True)
            runs['baseline'] = one(wt, a.n, tmp/'m_baseline', dict(preset=a.preset) | lab, root)
        for v in [v for v in a.variants.split(',') if v]:
            q, _, flip = v.partition('-')                     # 'int8-noflip': without the mirrored training views; 'none-flip': with
            print('quantize', v, flush=True)
            fl = {'noflip': dict(flip=False), 'flip': dict(flip=True), '': {}}[flip]
            runs[f'quantize={q}' + {'noflip': ', no flip', 'flip': ', flip', '': ''}[flip]] = one(ROOT, a.n, tmp/f'm_{v}', dict(preset=a.preset, quantize=q) | fl | lab, root)
    finally:
        if a.baseline: subprocess.run(['git', '-C', str(ROOT), 'worktree', 'remove', '--force', str(tmp/'baseline')], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
    import platform
    from image_similarity.quantize import int8_kernels
    res = dict(n=a.n, repeat=a.repeat, preset=a.preset, labels=a.labels, baseline=a.baseline, cpu=platform.processor() or platform.machine(), int8_kernels=int8_kernels(),
               cores=os.cpu_count(), runs=runs)
    out = Path(a.out); out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1)); t = table(res)
    cmd = (f"python bench/build.py --n {a.n}" + (f" --repeat {a.repeat}" if a.repeat > 1 else '') + (f" --baseline {a.baseline}" if a.baseline else '')
           + f" --variants {a.variants}" + (f" --labels {a.labels}" if a.labels else ''))
    if out.resolve() != (ROOT/'bench/results/build.json').resolve(): cmd += f" --out {out.resolve().relative_to(ROOT) if out.resolve().is_relative_to(ROOT) else out}"
    out.with_suffix('.txt').write_text(f"{cmd}\n\n{t}\n")
    print(t)

if __name__ == '__main__': main()

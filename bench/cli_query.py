"""A one-shot query from the shell, as a user runs it: `find_similar_images IMAGE --model-dir M` in a fresh
process, start to finish (interpreter start, imports, opening the model directory, ONNX Runtime session,
decode, embedding, search, table), and the same command on a file that does not exist (the error path).

    python bench/cli_query.py [--model models/caltech101] [--n 5] [--baseline REF]

Each command runs `n` times, interleaved with the baseline's: wall time (median) and peak memory (maximum
resident set size, /usr/bin/time -v). `--baseline REF` runs the same commands on the package as it was at
git REF (a temporary worktree), side by side in this run, and reports the ratios. Also lists which heavy
packages the query imported (torch and fastai must not be among them). Writes bench/results/cli_query.json
and a table in bench/results/cli_query.txt."""
import argparse, json, os, re, subprocess, sys, tempfile, statistics
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ('torch', 'fastai', 'sklearn', 'matplotlib.pyplot', 'timm', 'pandas', 'onnxruntime', 'numba')
CHILD = """import sys, time; sys.path.insert(0, {src!r}); sys.argv = ['find_similar_images'] + {args!r}
import image_similarity; assert image_similarity.__file__.startswith({src!r}), image_similarity.__file__
from image_similarity.cli import find_similar_images
try: find_similar_images()
except SystemExit as e: code = e.code
else: code = 0
print('MODULES', ','.join(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)
sys.exit(code or 0)"""

def one(src, args):
    "Wall seconds, peak RSS (MB), exit status and the heavy modules imported, of one fresh process."
    code = CHILD.format(src=str(src), args=args, heavy=HEAVY)
    p = subprocess.run(['/usr/bin/time', '-v', sys.executable, '-c', code], capture_output=True, text=True,
                       env=dict(os.environ, PYTHONWARNINGS='ignore'))
    err = p.stderr
    wall = re.search(r'Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)', err)
    secs = int(wall[1] or 0) * 3600 + int(wall[2]) * 60 + float(wall[3])
    rss = int(re.search(r'Maximum resident set size \(kbytes\): (\d+)', err)[1]) / 1024
    mods = re.search(r'MODULES (.*)', err)
    return dict(seconds=secs, rss_mb=rss, rc=p.returncode, modules=(mods[1].split(',') if mods and mods[1] else []),
                out=p.stdout[-400:], err=err.split('\tCommand being timed')[0][-400:])

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--model', default='models/caltech101'); ap.add_argument('--n', type=int, default=5)
    ap.add_argument('--baseline', help='git ref to compare with, side by side (e.g. HEAD~3)'); a = ap.parse_args()
    model = str(Path(a.model).resolve())
    sys.path.insert(0, str(ROOT))
    from image_similarity.store import ModelDir
    md = ModelDir.load(model)
    img = str(md.root/md.items.path[md.items.split == 'valid'].iloc[0])
    cases = {'query': [img, '--model-dir', model], 'no such file': ['/no/such/image.jpg', '--model-dir', model]}
    srcs = {'now': ROOT}
    tmp = None
    if a.baseline:
        tmp = tempfile.mkdtemp(); wt = Path(tmp)/'baseline'
        subprocess.run(['git', '-C', str(ROOT), 'worktree', 'add', '--detach', str(wt), a.baseline], check=True, capture_output=True)
        srcs['baseline'] = wt
    try:
        runs = {(s, c): [] for s in srcs for c in cases}
        for _ in range(a.n):                                  # interleaved: the machine's drift hits both alike
            for c, args in cases.items():
                for s, src in srcs.items(): runs[s, c].append(one(src, args))
    finally:
        if tmp: subprocess.run(['git', '-C', str(ROOT), 'worktree', 'remove', '--force', str(Path(tmp)/'baseline')], capture_output=True)
    rows = []
    for (s, c), rs in runs.items():
        ok = rs[0]['rc'] == (0 if c == 'query' else 2)
        rows.append(dict(code=s, case=c, n=len(rs), wall_s_median=round(statistics.median(r['seconds'] for r in rs), 2),
                         wall_s_min=round(min(r['seconds'] for r in rs), 2), rss_mb_max=round(max(r['rss_mb'] for r in rs)),
                         exit_status=rs[0]['rc'], expected_exit=ok, heavy_modules=rs[0]['modules'], sample_output=rs[0]['out'] or rs[0]['err']))
    head = f"python bench/cli_query.py --model {a.model} --n {a.n}" + (f" --baseline {a.baseline}" if a.baseline else '')
    lines = [f"# {head}", f"# {md.path}: {len(md.items):,} images, backbone {md.config['backbone']}", '',
             '| code | case | wall s (median of n) | min | peak RSS MB | exit | heavy modules imported |', '|---|---|---|---|---|---|---|']
    for r in rows:
        lines.append(f"| {r['code']} | {r['case']} | {r['wall_s_median']} | {r['wall_s_min']} | {r['rss_mb_max']} | {r['exit_status']} | {', '.join(r['heavy_modules']) or '-'} |")
    if a.baseline:
        lines.append('')
        for c in cases:
            now, base = (next(r for r in rows if r['code'] == s and r['case'] == c) for s in ('now', 'baseline'))
            lines.append(f"{c}: {base['wall_s_median'] / now['wall_s_median']:.1f}x faster, {base['rss_mb_max'] / now['rss_mb_max']:.1f}x less memory than {a.baseline}")
    txt = '\n'.join(lines); print(txt)
    out = ROOT/'bench'/'results'; out.mkdir(parents=True, exist_ok=True)
    (out/'cli_query.json').write_text(json.dumps(dict(command=head, model=model, rows=rows), indent=1))
    (out/'cli_query.txt').write_text(txt + '\n')
    bad = [r for r in rows if not r['expected_exit']]
    if bad: sys.exit(f"unexpected exit status: {bad}")

if __name__ == '__main__': main()

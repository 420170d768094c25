"""The reliability cases of issues 11 and 34, reproduced against the installed package and its CLI; prints `| case | result |`.

    bash -c 'source .ci/env.sh; python bench/reliability.py'     # needs Caltech-101 where fastai finds it (FASTAI_HOME)

Builds throwaway model directories from 18 Caltech-101 images in a temporary folder, crafts damaged ones,
serves a trickling URL on 127.0.0.1, and removes everything at the end (about three minutes). Each case also
has a test in the notebook of the module that meets it (07_pipeline, 08_search, 08b_dedup, 11_distributed, ...)."""
import os, sys, io, json, time, shutil, signal, socket, struct, hashlib, subprocess, tempfile, threading, http.server
from pathlib import Path
import numpy as np
from PIL import Image
os.environ.setdefault('PYTHONWARNINGS', 'ignore')
BIN = Path(sys.executable).parent
T = Path(tempfile.mkdtemp()); rows = []
def row(case, result): rows.append((case, result)); print(f"| {case} | {result} |", flush=True)
def cli(*a, timeout=300):
    t = time.time(); r = subprocess.run([str(BIN/a[0]), *a[1:]], capture_output=True, text=True, timeout=timeout)
    last = (r.stderr.strip().splitlines() or r.stdout.strip().splitlines() or [''])[-1]
    return r.returncode, last[:150], time.time() - t
# a tiny dataset: 3 classes x 6 images
root = Path(os.environ['FASTAI_HOME'])/'data'/'caltech_101'
ds = T/'ds'
for c in ('pizza', 'sunflower', 'watch'):
    (ds/c).mkdir(parents=True)
    for f in sorted((root/c).iterdir())[:6]: shutil.copy(f, ds/c/f.name)
md = T/'model'
rc, msg, dt = cli('image_similarity_build', '--data-path', str(ds), '--model-dir', str(md), '--epochs', '2'); row('build tiny model', f'rc={rc} {msg} ({dt:.0f} s)')
# 1 data loss
d = T/'d'; d.mkdir(); (d/'notes.txt').write_text('x')
rc, msg, _ = cli('image_similarity_build', '--data-path', str(ds), '--model-dir', str(d)); row('out_dir with notes.txt', f'rc={rc} "{msg}"; notes.txt still there: {(d/"notes.txt").exists()}')
rc, msg, _ = cli('image_similarity_build', '--data-path', str(ds), '--model-dir', str(ds)); row('out_dir = data_path', f'rc={rc} "{msg}"; images left: {sum(1 for _ in ds.rglob("*.jpg"))}')
(T/'afile').write_text('x'); rc, msg, _ = cli('image_similarity_build', '--data-path', str(ds), '--model-dir', str(T/'afile')); row('out_dir is a file', f'rc={rc} "{msg}"; file intact: {(T/"afile").read_text() == "x"}')
# 2 code execution
from image_similarity.search import ImageSearch
from image_similarity.core import ImageSimilarityError, IndexFormatError
try: ImageSearch(md, engine='torch'); row("ImageSearch(d, engine='torch')", 'unpickled!')
except ImageSimilarityError as e: row("ImageSearch(d, engine='torch') without trust", f'refused: "{str(e)[:110]}..."')
# 3 memory safety
from image_similarity.lsh import LSHIndex
raw = (md/'index.lsh').read_bytes()
def forge(raw, edit):
    hlen = struct.unpack('<I', raw[12:16])[0]; meta = json.loads(raw[48:48 + hlen]); edit(meta)
    hdr = json.dumps(meta).encode(); pad = lambda n: -(-n // 64) * 64
    return raw[:8] + struct.pack('<II', 2, len(hdr)) + hashlib.sha256(hdr).digest() + hdr + bytes(pad(48 + len(hdr)) - 48 - len(hdr)) + raw[pad(48 + hlen):]
def crafted(edit, name):
    m2 = T/name; shutil.copytree(md, m2); b = forge(raw, edit); (m2/'index.lsh').write_bytes(b)
    meta = json.loads((m2/'meta.json').read_text()); meta['files']['index.lsh'] = hashlib.sha256(b).hexdigest(); (m2/'meta.json').write_text(json.dumps(meta))
    return m2
m2 = crafted(lambda m: m.update(n=m['n'] * 4), 'more_rows')
q = str(sorted((ds/'pizza').iterdir())[0])
rc, msg, _ = cli('find_similar_images', q, '--input-path', str(m2), '--n-items', '20'); row('index.lsh header claims 4x the rows, --n_items 20', f'rc={rc} "{msg}"')
m3 = crafted(lambda m: m.update(n_bits=10**8), 'huge_bits')
rc, msg, _ = cli('find_similar_images', q, '--input-path', str(m3)); row('index.lsh header n_bits=1e8', f'rc={rc} "{msg}"')
p = T/'mapped.lsh'; p.write_bytes(raw); j = LSHIndex.load(p, mmap=True)
with open(p, 'r+b') as f: f.truncate(len(raw) // 2)
try: j.search(np.ones(512), 3); row('mmap=True then file truncated', 'searched')
except IndexFormatError as e: row('mmap=True then file truncated', f'IndexFormatError "{str(e)[-60:]}"')
# 4 hangs
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header('Content-Type', 'image/jpeg'); self.end_headers()
        for _ in range(100): self.wfile.write(b'x'); self.wfile.flush(); time.sleep(0.5)
    def log_message(self, *a): pass
srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H); srv.daemon_threads = True; threading.Thread(target=srv.serve_forever, daemon=True).start()
rc, msg, dt = cli('find_similar_images', f'http://127.0.0.1:{srv.server_address[1]}/x.jpg', '--input-path', str(md)); row('URL trickling 1 byte / 0.5 s', f'rc={rc} after {dt:.1f} s "{msg}"')
loop = T/'loop'; shutil.copytree(ds, loop); (loop/'pizza'/'self').symlink_to('.'); (loop/'pizza'/'self2').symlink_to('.')
from image_similarity.data import list_images
t = time.time(); n = len(list_images(loop)); row('two self -> . links in a class folder', f'{n} images listed (18 real) in {time.time() - t:.2f} s')
fifo = T/'fifo_model'; shutil.copytree(md, fifo); (fifo/'items.csv').unlink(); os.mkfifo(fifo/'items.csv')
rc, msg, dt = cli('find_similar_images', q, '--input-path', str(fifo), timeout=60); row('FIFO as items.csv', f'rc={rc} in {dt:.1f} s "{msg}"')
# 5 path traversal
import pandas as pd
trav = T/'trav'; shutil.copytree(md, trav); it = pd.read_csv(trav/'items.csv'); it.loc[0, 'path'] = '../../etc/passwd'; it.to_csv(trav/'items.csv', index=False)
meta = json.loads((trav/'meta.json').read_text()); meta['files']['items.csv'] = hashlib.sha256((trav/'items.csv').read_bytes()).hexdigest(); (trav/'meta.json').write_text(json.dumps(meta))
rc, msg, _ = cli('find_similar_images', q, '--input-path', str(trav)); row("items.csv row '../../etc/passwd'", f'rc={rc} "{msg}"')
zero = T/'zero'; shutil.copytree(md, zero); meta = json.loads((zero/'meta.json').read_text()); meta['files']['/dev/zero'] = 'x'; (zero/'meta.json').write_text(json.dumps(meta))
rc, msg, dt = cli('find_similar_images', q, '--input-path', str(zero)); row('meta.json listing /dev/zero', f'rc={rc} in {dt:.1f} s "{msg}"')
# 6 memory
Image.new('L', (80_000_000, 1), 128).save(T/'long.png')
r = subprocess.run(['/usr/bin/time', '-f', '%M', str(BIN/'find_similar_images'), str(T/'long.png'), '--input-path', str(md)], capture_output=True, text=True)
row('1 x 80,000,000 PNG (310 KB) as query', f'rc={r.returncode}, peak {int(r.stderr.strip().splitlines()[-1]) / 1024**2:.2f} GB')
Image.new('RGB', (9000, 9000), (200, 10, 10)).save(T/'big.jpg', quality=50)
r = subprocess.run(['/usr/bin/time', '-f', '%M', str(BIN/'find_similar_images'), str(T/'big.jpg'), '--input-path', str(md), '--output-path', str(T/'g.png')], capture_output=True, text=True)
row('9000 x 9000 query with --output_path', f'rc={r.returncode}, peak {int(r.stderr.strip().splitlines()[-1]) / 1024**2:.2f} GB')
big = T/'size20000'; shutil.copytree(md, big); meta = json.loads((big/'meta.json').read_text()); meta['config']['spec']['size'] = 20000; (big/'meta.json').write_text(json.dumps(meta))
rc, msg, _ = cli('find_similar_images', q, '--input-path', str(big)); row('meta.json size: 20000', f'rc={rc} "{msg}"')
# 7 swap window
sw = T/'swap'; shutil.copytree(md, sw); os.replace(sw, T/'.swap.old-abc')
rc, msg, _ = cli('find_similar_images', q, '--input-path', str(sw), '--json'); row('kill between the two renames of a swap (simulated)', f'rc={rc}; directory restored: {sw.exists()}')
# 8 raw tracebacks
rc, msg, _ = cli('find_similar_images', 'http://127.0.0.1:9/a b.jpg', '--input-path', str(md)); row('a space in the URL', f'rc={rc} "{msg}"')
dirm = T/'dirmodel'; shutil.copytree(md, dirm); (dirm/'model.onnx').unlink(); (dirm/'model.onnx').mkdir()
rc, msg, _ = cli('find_similar_images', q, '--input-path', str(dirm)); row('model.onnx replaced by a directory', f'rc={rc} "{msg}"')
for out in ('g.xyz', '/proc/nope/g.png', str(T/'afile') + '/g.png'):
    rc, msg, _ = cli('find_similar_images', q, '--input-path', str(md), '--output-path', out); row(f'--output_path {out}', f'rc={rc} "{msg}"')
rc, msg, _ = cli('image_similarity_build', '--data-path', str(ds), '--model-dir', str(md), '--size', '0'); row('--size 0', f'rc={rc} "{msg}"')
ro = T/'ro'; ro.mkdir(); os.chmod(ro, 0o555)
rc, msg, dt = cli('image_similarity_build', '--data-path', str(ds), '--model-dir', str(ro/'m')); row('read-only parent folder (as non-root this is refused; root may write anyway)', f'rc={rc} in {dt:.0f} s "{msg}"')
from image_similarity.data import fetch_image
try: fetch_image(np.array([['a']], dtype=object)); row('object array as query', 'accepted')
except ImageSimilarityError as e: row('object array as query', f'ImageLoadError "{e}"')
jpg = io.BytesIO(); Image.effect_noise((256, 256), 60).convert('RGB').save(jpg, 'JPEG'); lazy = Image.open(io.BytesIO(jpg.getvalue()[:int(len(jpg.getvalue()) * .9)]))
try: fetch_image(lazy); row('lazily opened truncated PIL image', 'accepted')
except ImageSimilarityError as e: row('lazily opened truncated PIL image', f'ImageLoadError "{str(e)[:80]}"')
e = LSHIndex(4); e.save(T/'empty.lsh'); row('saved empty LSHIndex, loaded', f'len {len(LSHIndex.load(T/"empty.lsh"))}')
ix = LSHIndex(4); ix.add(np.random.rand(3, 4))
try: ix.remove([1.7]); row('remove([1.7])', f'removed; len {len(ix)}')
except ImageSimilarityError as e: row('remove([1.7])', f'VectorError "{e}"')
ix = LSHIndex(8); ix.add(np.random.rand(1, 8))
from concurrent.futures import ThreadPoolExecutor
with ThreadPoolExecutor(8) as ex: list(ex.map(lambda i: ix.add(np.random.rand(100, 8) + 0.1), range(8)))
row('8 threads adding 100 vectors each', f'len {len(ix)} (expected 801)')
# 9 small lies
rc, msg, _ = cli('find_similar_images', q, '--input-path', str(md), '--output-path', str(T/'grid')); row('--output_path grid (no extension)', f'"{msg}"; exists: {(T/"grid.png").exists()}')
flat = T/'flat'; flat.mkdir()
for f in sorted((ds/'pizza').iterdir()): shutil.copy(f, flat/f.name)
rc, msg, dt = cli('image_similarity_build', '--data-path', str(flat), '--model-dir', str(T/'fm')); row('flat folder', f'rc={rc} in {dt:.0f} s "{msg}"')
from image_similarity.data import folder_label
row('nested a/x and b/x', f"labels {folder_label('/d/a/x/1.jpg', '/d')!r}, {folder_label('/d/b/x/1.jpg', '/d')!r}")
p1 = subprocess.Popen([str(BIN/'image_similarity_build'), '--data-path', str(ds), '--model-dir', str(T/'conc'), '--epochs', '2'], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
time.sleep(3); rc, msg, _ = cli('image_similarity_build', '--data-path', str(ds), '--model-dir', str(T/'conc'), '--epochs', '2', '--seed', '7'); o1 = p1.communicate()[0].strip().splitlines()[-1]
row('two concurrent builds into one directory', f'second: rc={rc} "{msg}"; first: "{o1[:60]}..."')
# issue 34: an edited quarantine report moves nothing the quarantine does not hold; plot_grid's bad file name
dd = T/'dd'; shutil.copytree(ds/'pizza', dd); shutil.copy(dd/sorted(os.listdir(dd))[0], dd/'copy.jpg'); q34 = T/'q34'
rc, msg, _ = cli('image_similarity_dedup', '--input-path', str(dd), '--move-to', str(q34), '--apply')
secret = T/'secret.txt'; secret.write_text('mine'); rep = q34/'dedup_report.csv'
import pandas as pd; r = pd.read_csv(rep); pd.concat([r, r.iloc[:1].assign(path=str(T/'stolen.txt'), moved_to=str(secret))]).to_csv(rep, index=False)
rc, msg, _ = cli('image_similarity_dedup', '--undo', str(rep)); row('--undo of a report edited to name a file outside the quarantine', f'rc={rc} "{msg}"; secret.txt still there: {secret.exists()}')
from image_similarity.search import plot_grid
try: plot_grid(Image.new('RGB', (8, 8)), ImageSearch(md).query(q, 3), save=T/'grid.xyz'); row("plot_grid(save='grid.xyz')", 'no error')
except ImageSimilarityError as e: row("plot_grid(save='grid.xyz')", f'"{str(e)[:90]}..."')
# issue 34: two sessions adding to one model directory; damaged and foreign shards of a distributed job
lu = T/'lu'; shutil.copytree(md, lu); extra = sorted((root/'pizza').iterdir())[6:8]
for f in extra: shutil.copy(f, ds/'pizza'/f.name)
add = ("import sys, time; from image_similarity.search import ImageSearch; s = ImageSearch(sys.argv[1]); "
       "time.sleep(float(sys.argv[3])); print(s.add([sys.argv[2]])['added'])")
ps = [subprocess.Popen([sys.executable, '-c', add, str(lu), str(ds/'pizza'/f.name), str(w)], stdout=subprocess.PIPE, text=True) for f, w in zip(extra, (4, 9))]
said = [p.communicate()[0].strip() for p in ps]; held = set(ImageSearch(lu).items.path)
row('two sessions open one directory, each adds an image', f'both said added {said}; directory holds {sum(f"pizza/{f.name}" in held for f in extra)} of the 2')
from image_similarity.distributed import embed_files, read_shards, build_index
imgs = sorted(str(f) for f in ds.rglob('*.jpg')); sh = T/'sh'; embed_files(imgs, md, sh, shard_size=6)
(sh/'shards'/'part-00001.parquet').write_bytes((sh/'shards'/'part-00001.parquet').read_bytes()[:300])
try: build_index(sh); row('truncated shard, then build_index', 'built')
except ImageSimilarityError as e: row('truncated shard, then build_index', f'"...{str(e)[len(str(T)):][:110]}..."')
r = embed_files(imgs, md, sh, shard_size=6); row('... then embed_files again', f"recomputed {r['recomputed']} of {r['n_shards']} shards; build_index: {len(build_index(sh))} vectors")
if (T/'fm').exists():
    embed_files(imgs, T/'fm', T/'sh2', shard_size=6)
    for x in ('parquet', 'json'): shutil.copy(T/'sh2'/'shards'/f'part-00000.{x}', sh/'shards'/f'part-00000.{x}')
    try: read_shards(sh); row("a shard of another model directory's job copied in", 'merged')
    except ImageSimilarityError as e: row("a shard of another model directory's job copied in", f'"...{str(e)[len(str(T)):][:110]}..."')
srv.shutdown(); os.chmod(ro, 0o755); shutil.rmtree(T, ignore_errors=True)

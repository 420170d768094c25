"""Caltech-101's own duplicates as the app's duplicates view finds them: `find_duplicates` on a model directory,
verified (the default) and with the old cut on the embedding distance, side by side in one run.

    python bench/dedup_caltech.py [--model models/caltech101] [--sheet]

For each decision: seconds, groups, images in groups, the largest groups (classes and sizes), the groups that
mix classes. Writes bench/results/dedup_caltech_<model name>.{json,txt} and the verified groups as CSV; with
`--sheet`, a contact sheet of the 12 largest verified groups and of every group that mixes classes
(out/dedup_caltech_<model name>.png, not committed: it shows dataset images), to look at.
"""
import argparse, json, sys, time, warnings
from pathlib import Path
warnings.filterwarnings('ignore')
ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT/'bench'/'results'

def summary(d, seconds) -> dict:
    g = d.groupby('group')
    mixed = [int(k) for k, x in g if x.label.nunique() > 1]
    return dict(seconds=round(seconds, 1), groups=int(d.group.nunique()) if len(d) else 0, images=len(d),
                largest=[dict(size=len(x), labels=sorted(set(x.label))) for _, x in list(g)[:12]],
                mixed_groups=[dict(group=k, paths=list(d[d.group == k].path)) for k in mixed])

def sheet(d, groups, out:Path):
    from PIL import Image, ImageDraw
    rows = [d[d.group == k] for k in groups]; S = 96; W = max(len(r) for r in rows) if rows else 1
    im = Image.new('RGB', (min(W, 12) * S, len(rows) * (S + 14)), 'white'); dr = ImageDraw.Draw(im)
    for y, r in enumerate(rows):
        for x, (p, lab) in enumerate(zip(r.path[:12], r.label[:12])):
            t = Image.open(p).convert('RGB'); t.thumbnail((S - 4, S - 4)); im.paste(t, (x * S + 2, y * (S + 14) + 14))
            dr.text((x * S + 2, y * (S + 14)), f"{r.group.iloc[0]}: {lab}"[:16], fill='black')
    im.save(out)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--model', default='models/caltech101'); ap.add_argument('--sheet', action='store_true')
    a = ap.parse_args(); sys.path.insert(0, str(ROOT))
    from image_similarity.dedup import find_duplicates
    from image_similarity.search import ImageSearch
    s = ImageSearch(ROOT/a.model if not Path(a.model).is_absolute() else a.model); name = Path(a.model).name
    res = dict(command='python bench/dedup_caltech.py ' + ' '.join(sys.argv[1:]), model=a.model, n_images=len(s.items))
    t = time.time(); cut = find_duplicates(s, verify=False, progress=False); res['cut'] = summary(cut, time.time() - t) | dict(threshold=cut.attrs['threshold'])
    t = time.time(); ver = find_duplicates(s, progress=False); res['verified'] = summary(ver, time.time() - t)
    RESULTS.mkdir(exist_ok=True); ver.to_csv(RESULTS/f'dedup_caltech_{name}.csv', index=False)
    (RESULTS/f'dedup_caltech_{name}.json').write_text(json.dumps(res, indent=1))
    L = [f"## Caltech-101's duplicates, model `{a.model}` ({res['n_images']:,} images)", '', f"Command: `{res['command']}`", '',
         '| decision | groups | images in groups | groups mixing classes | seconds |', '|---|---|---|---|---|']
    for k in ('cut', 'verified'):
        r = res[k]; L.append(f"| {k}{' ' + str(r['threshold']) if k == 'cut' else ''} | {r['groups']} | {r['images']} | {len(r['mixed_groups'])} | {r['seconds']} |")
    L += ['', 'Largest verified groups: ' + '; '.join(f"{x['size']} ({', '.join(x['labels'])})" for x in res['verified']['largest'])]
    txt = '\n'.join(L); (RESULTS/f'dedup_caltech_{name}.txt').write_text(txt + '\n'); print(txt)
    if a.sheet: (ROOT/'out').mkdir(exist_ok=True); sheet(ver, list(range(min(12, ver.group.nunique()))) + [m['group'] for m in res['verified']['mixed_groups'] if m['group'] >= 12], ROOT/'out'/f'dedup_caltech_{name}.png')

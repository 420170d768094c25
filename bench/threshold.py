"""The duplicate threshold of a built model directory: `calibrate_threshold` (200 gallery images x 6 edits, target
precision 0.99) against the `DUP_THRESHOLD` its kind gets, after a change to how the models are built.

    python bench/threshold.py [--model models/caltech101] [--n 200]

Writes bench/results/threshold_<model folder>.json and a table in the .txt beside it."""
import argparse, json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--model', default='models/caltech101'); ap.add_argument('--n', type=int, default=200)
    a = ap.parse_args()
    import warnings; warnings.filterwarnings('ignore')
    from image_similarity.calibrate import calibrate_threshold
    from image_similarity.store import ModelDir, DUP_THRESHOLD, model_kind
    md = ModelDir.load(a.model); kind = model_kind(md); have = DUP_THRESHOLD[kind]
    r = calibrate_threshold(a.model, n=a.n, plot=False); c = r.pop('curve')
    at = c[(c.threshold - have).abs() < 1e-9].iloc[0]
    res = dict(command=' '.join(['python bench/threshold.py'] + sys.argv[1:]), model=a.model, kind=kind, config=md.config,
               calibrated=r, dup_threshold=have, at_dup_threshold=dict(precision=float(at.precision), recall=float(at.recall)))
    out = ROOT/'bench'/'results'/f'threshold_{Path(a.model).name}.json'; out.write_text(json.dumps(res, indent=1))
    t = '\n'.join([res['command'], '', f"{a.model} ({kind}; head {md.config.get('train')}, body {md.config.get('quantize', 'none')})", '',
                   '| threshold | precision | recall | per edit |', '|---|---|---|---|',
                   f"| calibrated {r['threshold']:g} | {r['precision']:.3f} | {r['recall']:.3f} | " + ', '.join(f'{k} {v:.2f}' for k, v in r['per_edit'].items()) + ' |',
                   f"| DUP_THRESHOLD['{kind}'] when this ran, {have:g} | {at.precision:.3f} | {at.recall:.3f} | |"])
    print(t); out.with_suffix('.txt').write_text(t + '\n')

if __name__ == '__main__': main()

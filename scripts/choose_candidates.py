"""Choose between candidate bundles on the development sets only, safety first.

usage: .venv/bin/python scripts/choose_candidates.py --objective model DIR [DIR ...]

For each candidate bundle, the probabilities on every hand-written development set come from the
app's runtime (ONNX when the bundle has it, else torch); the temperature and decision rule are
re-fitted as ``triage-app export --tune-data dev`` would; candidates are ranked by out-of-fold
under-triage (1 % resolution), then out-of-fold accuracy. No test set is read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from triage_app.ml.runtime import load_classifier  # noqa: E402
from triage_app.training.data_io import HANDWRITTEN_DEV_SETS, existing  # noqa: E402
from triage_app.training.evaluate import read_cases  # noqa: E402
from triage_app.training.recalibrate import (  # noqa: E402
    candidate_safety,
    refit_probabilities,
    rule_floor_levels,
    safety_first_key,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("candidates", nargs="+", type=Path)
    parser.add_argument("--objective", choices=("model", "system"), default="model")
    parser.add_argument("--out", type=Path, help="Write the comparison as JSON here.")
    args = parser.parse_args()
    dev = existing(HANDWRITTEN_DEV_SETS)
    cases = [c for path in dev for c in read_cases(path).cases]
    gold = np.asarray([c.level for c in cases])
    floor = rule_floor_levels([c.intake for c in cases]) if args.objective == "system" else None
    rows = []
    for bundle in args.candidates:
        clf = load_classifier(bundle, device="cpu")
        raw = np.asarray(clf.predict_proba([c.intake.text for c in cases]), dtype=np.float64)
        probs, temperature = refit_probabilities(raw, float(clf.temperature), gold)
        safety = candidate_safety(probs, gold, floor)
        rows.append({"candidate": str(bundle), "backend": clf.device_status, "temperature": round(temperature, 4), **safety})
        print(json.dumps(rows[-1]), flush=True)
    best = max(rows, key=lambda r: safety_first_key(r))
    summary = {"dev_sets": [p.name for p in dev], "cases": len(cases), "objective": args.objective,
               "rows": rows, "chosen": best["candidate"]}
    print(f"chosen (safety first, then accuracy; ties keep the first listed): {best['candidate']}")
    if args.out:
        args.out.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env bash
# Rebuild the default bundle 1.3.0 (what models/default holds) from the repository alone.
#
# 1.3.0 = bundle 1.1.0 (GPU-trained on the generated corpus v2, session 2) fine-tuned further on
# the full training mix: 2,400 generated cases + every hand-written training case (4,400 written
# by domain and voice + 1,600 minimal pairs) x 2, validated (early stopping) on the first hand-written
# dev set. This is session 3's candidate D; session 4 chose it over 1.2.0 on both dev sets pooled
# (700 cases, safety first: docs/agents/model-decisions.md). Then the decision rule is fitted for
# the MODEL ALONE on the pooled dev sets, once on the torch probabilities (the bundle has no ONNX
# yet) and once more on the int8 ONNX probabilities the app computes (what shipped).
# About 25 min on a 2-core CPU. The shipped run was cut by the 24-minute budget to 651 of 900
# planned steps (best step 560); a faster or slower machine plans a different schedule, so expect
# close, not identical, weights. The hand-written TEST sets are only scored, never fitted on.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
BASE_REV=${BASE_REV:-13b4885}   # last commit whose models/default is bundle 1.1.0
WORK=${WORK:-runs/repro_1_3}
mkdir -p "$WORK"
git archive "$BASE_REV" models/default | tar -x -C "$WORK"   # -> $WORK/models/default (1.1.0)
[ -f runs/corpus.jsonl ] || "$PY" -m triage_app corpus build --out runs/corpus.jsonl
"$PY" -m triage_app corpus mix --corpus runs/corpus.jsonl --out "$WORK/mix.jsonl" --repeat 2 --corpus-cases 2400
"$PY" -m triage_app train --data "$WORK/mix.jsonl" --base "$WORK/models/default" --out "$WORK/bundle" \
    --name default --version 1.3.0 --no-onnx --epochs 2 --learning-rate 5e-5 --freeze-layers -1 "$@"
"$PY" -m triage_app export --model "$WORK/bundle" --tune-data dev --objective model   # torch probabilities
"$PY" -m triage_app export --model "$WORK/bundle" --tune-data dev --objective model   # int8 ONNX probabilities
echo "bundle: $WORK/bundle (compare its manifest with models/default/manifest.json)"

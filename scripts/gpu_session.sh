#!/usr/bin/env bash
# One GPU session, prepared to run unattended within ~8 minutes on a CUDA machine:
#   1. train candidate models on the GPU (mixed precision) in parallel, torch-only bundles (--no-onnx);
#   2. scripts/gpu_checks.py: torch CUDA inference vs CPU, ORT CUDA EP (when the image has it),
#      integrated gradients on the GPU, and the choice of one candidate (dev sets, safety first);
#   3. back on the CPU workstation: `triage-app export --model DIR --tune-data dev --objective model`
#      (the rule shipped since 1.3.0: model alone, 95 % confidence margin), then score a NEW fresh
#      hand-written test set once (the three in the repo have all informed a choice by then).
# Usage: scripts/gpu_session.sh CARRY_DIR OUT_DIR [quick]
#   CARRY_DIR holds base/ (a HF BERT folder, fp16 allowed) and optionally whl/ (wheels to add).
#   "quick" trains tiny subsets (a dry run of the whole script on any machine).
set -u
CARRY=$(cd "$1" && pwd); OUT=$2; MODE=${3:-full}
mkdir -p "$OUT"
LOG="$OUT/session.log"
exec > >(tee -a "$LOG") 2>&1
export PYTHONUNBUFFERED=1 TRIAGE_APP_DATA_DIR=/tmp/triage-appdata HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
PY=${PYTHON:-python3}
if ls "$CARRY"/whl/*.whl >/dev/null 2>&1; then
  $PY -m pip install -q --no-index --no-deps --no-compile --upgrade --target /tmp/site "$CARRY"/whl/*.whl && export PYTHONPATH=/tmp/site
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
date -u; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null || echo "no nvidia-smi"
$PY -c "import torch, transformers, onnxruntime; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), '| transformers', transformers.__version__, '| ort', onnxruntime.__version__, onnxruntime.get_available_providers())"

# Base encoder: weights may travel as fp16 to fit the transfer limit; train from fp32.
$PY - "$CARRY/base" /tmp/gpu-base <<'EOF'
import shutil, sys
from pathlib import Path
from safetensors.torch import load_file, save_file
src, dst = Path(sys.argv[1]), Path(sys.argv[2])
shutil.rmtree(dst, ignore_errors=True); shutil.copytree(src, dst)
w = load_file(str(src / "model.safetensors"))
save_file({k: v.float().contiguous() for k, v in w.items()}, str(dst / "model.safetensors"), metadata={"format": "pt"})
print("base ready:", len(w), "tensors, fp32")
EOF
$PY -m triage_app corpus build --out runs/corpus.jsonl || exit 1

SWEEP=/tmp/gpu-sweep; rm -rf "$SWEEP" /tmp/gpu-logs; mkdir -p "$SWEEP" /tmp/gpu-logs
EXTRA=(--max-minutes "${MAX_MINUTES:-0}")
[ "$MODE" = quick ] && EXTRA=(--max-minutes 1 --max-train-cases 300 --eval-every 5)
# Data: the current generator (built above), the same with the hand-written DEV set as the
# validation split (early stopping and calibration on real-style writing), and, when carried,
# the corpus the committed default v1 was trained on. The test set is never used here to choose.
$PY - <<'EOF2'
import json
from pathlib import Path
rows = [json.loads(l) for l in Path("runs/corpus.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
dev = [json.loads(l) for l in Path("triage_app/training/data/handwritten_dev.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
out = [r for r in rows if r.get("split") == "train"] + [{**d, "split": "validation"} for d in dev]
Path("/tmp/corpus_v2_devval.jsonl").write_text("".join(json.dumps(r) + "\n" for r in out), encoding="utf-8")
print("devval data:", len(out), "rows,", len(dev), "dev rows as validation")
EOF2
V1=""
if [ -f "$CARRY/corpus_v1.jsonl.gz" ]; then gunzip -c "$CARRY/corpus_v1.jsonl.gz" > /tmp/corpus_v1.jsonl && V1=/tmp/corpus_v1.jsonl; fi
DV=/tmp/corpus_v2_devval.jsonl
# name | data | arguments (the committed default v1 used: corpus v1, lr 1.5e-4, freeze 2, 2 epochs, max_length 256)
# Second session (the first showed corpus v2 > v1 and frozen-embedding recipes > full fine-tuning
# at low learning rates, all cut to ~300 steps by a time-budget estimate that CUDA warm-up skewed):
# full schedules, no time budget, a per-process timeout as the guard.
# Training mixes (session 3): every generated training case + the hand-written training cases x2,
# validated on the dev set; one with and one without the minimal pairs.
$PY -m triage_app corpus mix --corpus runs/corpus.jsonl --out /tmp/mix_full.jsonl --repeat 2 || exit 1
$PY -m triage_app corpus mix --corpus runs/corpus.jsonl --out /tmp/mix_nopairs.jsonl --repeat 2 --exclude 'pairs_*' || exit 1
MF=/tmp/mix_full.jsonl; MN=/tmp/mix_nopairs.jsonl
# Third plan (for the next GPU session): train from the base encoder on the full mixes; the
# session-2 recipe of 1.1.0 on the generated corpus alone stays as the baseline.
CONFIGS=(
  "c2_emb1e4e3|builtin|--learning-rate 1e-4 --freeze-layers -1 --epochs 3"
  "m3_emb1e4e3|$MF|--learning-rate 1e-4 --freeze-layers -1 --epochs 3"
  "m3_emb1e4e3np|$MN|--learning-rate 1e-4 --freeze-layers -1 --epochs 3"
  "m3_emb1e4e3s7|$MF|--learning-rate 1e-4 --freeze-layers -1 --epochs 3 --seed 7"
  "m3_emb5e5e4|$MF|--learning-rate 5e-5 --freeze-layers -1 --epochs 4"
  "m3_full5e5e3|$MF|--learning-rate 5e-5 --freeze-layers 0 --epochs 3"
  "m3_r15f2e3|$MF|--learning-rate 1.5e-4 --freeze-layers 2 --epochs 3"
  "m3_emb1e4e3dv|$DV|--learning-rate 1e-4 --freeze-layers -1 --epochs 3"
)
[ "$MODE" = quick ] && CONFIGS=("${CONFIGS[@]:0:2}")
PIDS=()
for c in "${CONFIGS[@]}"; do
  name=${c%%|*}; rest=${c#*|}; data=${rest%%|*}; args=${rest#*|}
  # shellcheck disable=SC2086
  OMP_NUM_THREADS=2 timeout "${TRAIN_TIMEOUT:-420}" $PY -m triage_app train --data "$data" --base /tmp/gpu-base --out "$SWEEP/$name" \
    --name default --version 1.4.0 --device auto --no-onnx --no-progress --patience 4 $args "${EXTRA[@]}" > "/tmp/gpu-logs/$name.log" 2>&1 &
  PIDS+=($!)
done
wait "${PIDS[@]}"  # not a bare wait: bash would also wait for the tee process substitution
for f in /tmp/gpu-logs/*.log; do echo "=== $f"; grep -v "^skipped" "$f" | tail -25; done > "$OUT/sweep_logs.txt"
grep -h "validation (fitted\|training stopped\|ERROR\|Error" /tmp/gpu-logs/*.log | head -40
OMP_NUM_THREADS=8 $PY scripts/gpu_checks.py "$SWEEP" "$OUT"
date -u

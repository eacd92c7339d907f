#!/usr/bin/env bash
# One GPU session, prepared to run unattended within ~8 minutes on a CUDA machine:
#   1. train candidate models on the GPU (mixed precision) in parallel, torch-only bundles (--no-onnx);
#   2. scripts/gpu_checks.py: torch CUDA inference vs CPU, ORT CUDA EP (when the image has it),
#      integrated gradients on the GPU, and the choice of one candidate (dev set, then validation).
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
  $PY -m pip install -q --no-index --no-deps --no-compile --target /tmp/site "$CARRY"/whl/*.whl && export PYTHONPATH=/tmp/site
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

SWEEP=/tmp/gpu-sweep; rm -rf "$SWEEP"; mkdir -p "$SWEEP" /tmp/gpu-logs
EXTRA=(--max-minutes 5)
[ "$MODE" = quick ] && EXTRA=(--max-minutes 1 --max-train-cases 300 --eval-every 5)
# name | arguments (the committed default v1 used: lr 1.5e-4, freeze 2, 2 epochs, max_length 256)
CONFIGS=(
  "v1recipe|--learning-rate 1.5e-4 --freeze-layers 2 --epochs 2"
  "full5e5|--learning-rate 5e-5 --freeze-layers 0 --epochs 4"
  "full3e5|--learning-rate 3e-5 --freeze-layers 0 --epochs 5"
  "full2e5|--learning-rate 2e-5 --freeze-layers 0 --epochs 6"
  "emb1e4|--learning-rate 1e-4 --freeze-layers -1 --epochs 3"
  "full5e5len128|--learning-rate 5e-5 --freeze-layers 0 --epochs 4 --max-length 128"
  "full5e5s7|--learning-rate 5e-5 --freeze-layers 0 --epochs 4 --seed 7"
  "full3e5b16|--learning-rate 3e-5 --freeze-layers 0 --epochs 4 --batch-size 16"
)
[ "$MODE" = quick ] && CONFIGS=("${CONFIGS[@]:0:2}")
PIDS=()
for c in "${CONFIGS[@]}"; do
  name=${c%%|*}; args=${c#*|}
  # shellcheck disable=SC2086
  OMP_NUM_THREADS=2 $PY -m triage_app train --data builtin --base /tmp/gpu-base --out "$SWEEP/$name" \
    --device auto --no-onnx --no-progress --patience 4 $args "${EXTRA[@]}" > "/tmp/gpu-logs/$name.log" 2>&1 &
  PIDS+=($!)
done
wait "${PIDS[@]}"  # not a bare wait: bash would also wait for the tee process substitution
for f in /tmp/gpu-logs/*.log; do echo "=== $f"; grep -v "^skipped" "$f" | tail -25; done > "$OUT/sweep_logs.txt"
grep -h "validation (fitted\|training stopped\|ERROR\|Error" /tmp/gpu-logs/*.log | head -40
OMP_NUM_THREADS=8 $PY scripts/gpu_checks.py "$SWEEP" "$OUT"
date -u

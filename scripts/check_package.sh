#!/usr/bin/env bash
# Prove the PyInstaller build works: run the built CLI's --self-test headless and a
# `classify` of a sample file, offline, in a throwaway data folder. Exit 0 only if both pass.
# Usage: scripts/check_package.sh [DIST_DIR]   (default: dist/TriageAssistant)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIST="${1:-$ROOT/dist/TriageAssistant}"
CLI="$DIST/triage-app"
[ -x "$CLI" ] || CLI="$DIST/triage-app.exe"
if [ ! -x "$CLI" ]; then
  echo "check_package: no built CLI at $DIST (run 'make package' first)" >&2
  exit 2
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export TRIAGE_APP_DATA_DIR="$WORK/data" QT_QPA_PLATFORM=offscreen
echo "== size: $(du -sh "$DIST" | cut -f1) in $DIST"
echo "== self-test"
"$CLI" --self-test
echo "== classify a sample file"
cat > "$WORK/sample.jsonl" <<'JSONL'
{"id": "a", "text": "crushing central chest pain radiating to jaw, sweaty, 58 yo", "age": 58, "vitals": {"hr": 104}}
{"id": "b", "text": "needs repeat prescription for blood pressure tablets, no complaints", "age": 45}
{"id": "c", "text": ""}
JSONL
"$CLI" classify --input "$WORK/sample.jsonl" > "$WORK/out.jsonl"
cat "$WORK/out.jsonl"
python3 - "$WORK/out.jsonl" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
assert len(rows) == 3, rows
assert rows[0]["level"] <= 2, rows[0]
assert rows[1]["level"] >= 4, rows[1]
assert "error" in rows[2], rows[2]
print("classify: OK (3 records, 1 clear error for the empty one)")
PY
echo "check_package: PASS"

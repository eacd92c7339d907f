"""Compare two safety-rule tables on every hand-written case before a rule edit lands.

    .venv/bin/python scripts/rules_diff.py --old OLD.json [--new resources/safety_rules.json]
    .venv/bin/python scripts/rules_diff.py --git HEAD      # the committed table vs the working copy

Prints every case whose most urgent rule level changes (with its label and the rules removed and
added), and counts the cases whose set of fired rules changes. A change that *lowers* the rules'
level on a case labelled 1-2 below its label is an under-triage risk and makes the exit code 1; a
lowered level on a less urgent case is listed as "less urgent" (usually a removed over-triage) for
a person to read. Session 5 caught a regression this way: narrowing
"not breathing" dropped the level-1 escalation of "not breathing right, like snoring gasps".
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
NO_RULE = 6  # "no rule fired": less urgent than any level


def _all_handwritten() -> list[Path]:
    from triage_app.training.data_io import HANDWRITTEN_DEV_SETS, HANDWRITTEN_TEST_SETS, existing
    from triage_app.training.mix import handwritten_training_files

    return existing([*HANDWRITTEN_DEV_SETS, *HANDWRITTEN_TEST_SETS]) + handwritten_training_files()


def _cases(files: list[Path] | None = None) -> list[tuple[str, dict]]:
    out = []
    for path in files or _all_handwritten():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append((path.name, json.loads(line)))
    return out


def _shown(level: int) -> str:
    return "none" if level == NO_RULE else str(level)


def main(argv: list[str] | None = None) -> int:
    from triage_app.core.intake import Intake
    from triage_app.core.paths import resources_dir
    from triage_app.core.rules import RULES_FILE_NAME, SafetyRules

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, help="The rule table before the edit.")
    parser.add_argument("--git", metavar="REV", help="Take the old table from git (e.g. HEAD).")
    parser.add_argument("--new", type=Path, default=resources_dir() / RULES_FILE_NAME)
    parser.add_argument("--data", type=Path, nargs="+", help="JSONL files of cases (default: every hand-written file).")
    args = parser.parse_args(argv)
    if (args.old is None) == (args.git is None):
        parser.error("give exactly one of --old FILE or --git REV")
    with tempfile.TemporaryDirectory() as tmp:
        old_path = args.old
        if args.git:
            old_path = Path(tmp) / "old.json"
            old_path.write_bytes(subprocess.run(["git", "show", f"{args.git}:resources/{RULES_FILE_NAME}"], cwd=ROOT, check=True, capture_output=True).stdout)
        old, new = SafetyRules.from_file(old_path), SafetyRules.from_file(args.new)
    changed_sets = lowered_urgent = 0
    cases = _cases(args.data)
    for name, case in cases:
        intake = Intake(text=case["text"], age_years=case.get("age"))
        before, after = old.evaluate(intake), new.evaluate(intake)
        ids_before, ids_after = {e.rule for e in before}, {e.rule for e in after}
        changed_sets += ids_before != ids_after
        level_before = min((e.min_level for e in before), default=NO_RULE)
        level_after = min((e.min_level for e in after), default=NO_RULE)
        if level_before != level_after:
            label = int(case.get("level", 0))
            lowered = level_after > level_before
            risk = lowered and 0 < label <= 2 and level_after > label  # an urgent case loses its escalation
            lowered_urgent += risk
            tag = "UNDER-TRIAGE RISK " if risk else ("less urgent " if lowered else "")
            print(f"{tag}{name} label {label}: rules {_shown(level_before)} -> {_shown(level_after)} "
                  f"{sorted(ids_before - ids_after)} removed, {sorted(ids_after - ids_before)} added")
    print(f"{len(cases)} cases; {changed_sets} with a different set of rules; {lowered_urgent} lowered below their label")
    return 1 if lowered_urgent else 0


if __name__ == "__main__":
    raise SystemExit(main())

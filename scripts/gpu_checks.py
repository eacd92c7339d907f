"""GPU session, part 2: exercise the CUDA paths on trained candidates and pick one.

Run by scripts/gpu_session.sh on a CUDA machine after the candidate trainings. Writes into OUT:
``summary.json`` (every candidate's validation/dev numbers, the CUDA-path checks) and, for the
chosen candidate, ``bundle_meta.tar`` (every file but the weights) and its fp16 weights in
``weights.part*`` chunks (the session can only bring back files under 16 MiB).

Selection uses the generated validation split and the hand-written DEVELOPMENT set only; the
hand-written test set is scored for the record but never used to choose.

Usage: python3 scripts/gpu_checks.py SWEEP_DIR OUT_DIR
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from triage_app.training.data_io import HANDWRITTEN_DEV_SETS, existing  # noqa: E402
from triage_app.training.pipeline import HANDWRITTEN_TEST as TEST_SET  # noqa: E402

NOTE_60 = (
    "67 yo male BIBA c/o central chest tightness since 0600 radiating to L arm and jaw, sweaty and "
    "nauseated, vomited x1. h/o HTN, T2DM, smoker 30 pack years. Took 2 sprays GTN with partial "
    "relief. Denies SOB at rest, no LOC. HR 104, BP 158/92, RR 22, SpO2 95% RA, pain 8/10. Wife "
    "[NAME] says he looked grey when it started."
)


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _qwk(gold: np.ndarray, pred: np.ndarray) -> float:
    from triage_app.training.calibration import quadratic_kappa

    return float(quadratic_kappa(gold, pred))


def _scores(probs: np.ndarray, gold: np.ndarray) -> dict[str, float]:
    pred = probs.argmax(axis=1) + 1
    return {
        "argmax_accuracy": float(np.mean(pred == gold)),
        "argmax_qwk": _qwk(gold, pred),
        "argmax_under_triage": float(np.mean(pred > gold)),
        "nll": float(-np.mean(np.log(probs[np.arange(len(gold)), gold - 1] + 1e-9))),
    }


def score_candidates(sweep: Path, report: dict[str, Any]) -> list[dict[str, Any]]:
    from triage_app.ml.runtime import load_classifier

    dev = [r for path in existing(HANDWRITTEN_DEV_SETS) for r in _read(path)]
    test = _read(TEST_SET)
    rows = []
    for bundle in sorted(p for p in sweep.iterdir() if (p / "manifest.json").is_file()):
        manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
        row: dict[str, Any] = {"name": bundle.name, "config": manifest["training"].get("config"),
                               "train": {k: manifest["training"].get(k) for k in (
                                   "device", "steps", "epochs_done", "train_seconds", "examples_per_second",
                                   "best_step", "stopped_because", "end_to_end_seconds")},
                               "temperature": manifest["temperature"], "decision": manifest["decision"],
                               "validation": {k: v for k, v in manifest["metrics"]["validation"].items()
                                              if not isinstance(v, dict | list) or k == "argmax"}}
        clf = load_classifier(bundle, device="cuda")
        row["device_status"] = clf.device_status
        if dev:
            probs = np.asarray(clf.predict_proba([r["text"] for r in dev]))
            row["dev"] = _scores(probs, np.asarray([r["level"] for r in dev]))
            row["dev_probs"] = np.round(probs, 5).tolist()
        tprobs = np.asarray(clf.predict_proba([r["text"] for r in test]))
        row["test_record_only"] = _scores(tprobs, np.asarray([r["level"] for r in test]))
        row["test_probs"] = np.round(tprobs, 5).tolist()
        rows.append(row)
        print(f"{bundle.name}: val argmax qwk {row['validation'].get('argmax', {}).get('kappa_quadratic')}, "
              f"dev {row.get('dev')}", flush=True)
    report["dev_set_cases"] = len(dev)
    return rows


def choose(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Safety first, then accuracy, on the dev sets; validation argmax QWK without them; test never.

    Each candidate gets the temperature and decision rule ``export --tune-data dev --objective
    model`` would fit (cross-validated margin: out-of-fold under-triage of the model alone <= 5 %).
    Candidates are ranked by that out-of-fold under-triage rounded to 1 % (lower first), then by
    out-of-fold accuracy (``recalibrate.safety_first_key``). Session 2 chose by dev argmax QWK, and
    session 3 pre-registered accuracy alone; both picked a model that under-triaged more on new
    cases (docs/agents/model-decisions.md). Session 4 grew the dev sets to 700 cases.
    """
    from triage_app.training.recalibrate import candidate_safety, refit_probabilities, safety_first_key

    gold = np.asarray([r["level"] for path in existing(HANDWRITTEN_DEV_SETS) for r in _read(path)])

    def key(row: dict[str, Any]) -> tuple[float, float]:
        val = float(row["validation"].get("argmax", {}).get("kappa_quadratic", 0.0))
        if not len(gold) or "dev_probs" not in row:
            return (0.0, val)
        probs, _ = refit_probabilities(np.asarray(row["dev_probs"]), float(row["temperature"]), gold)
        row["dev_deployment"] = candidate_safety(probs, gold, None)
        return safety_first_key(row["dev_deployment"])

    return max(rows, key=key)


def cuda_runtime_checks(bundle: Path, report: dict[str, Any]) -> None:
    """torch CUDA inference vs torch CPU on the same bundle, and the device status strings."""
    import onnxruntime as ort
    import torch

    from triage_app.ml.bundle import load_bundle
    from triage_app.ml.runtime import load_classifier, plan_device

    report["torch"] = {"version": torch.__version__, "cuda": torch.version.cuda,
                       "device": torch.cuda.get_device_name(0)}
    report["ort"] = {"version": ort.__version__, "providers": ort.get_available_providers()}
    b = load_bundle(bundle)
    report["plan_device"] = {d: plan_device(d, b).status for d in ("auto", "cuda", "cpu")}
    test = [r["text"] for r in _read(TEST_SET)]
    gpu = load_classifier(bundle, device="cuda")
    cpu = load_classifier(bundle, device="cpu")
    pg, pc = np.asarray(gpu.predict_proba(test)), np.asarray(cpu.predict_proba(test))
    lg, lc = gpu.predict_levels(test), cpu.predict_levels(test)
    single_gpu, single_cpu = [], []
    for text in test[:40]:
        t = time.perf_counter()
        gpu.predict([text])
        single_gpu.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        cpu.predict([text])
        single_cpu.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    gpu.predict(test)
    batch_gpu = (time.perf_counter() - t) * 1000
    report["cuda_inference"] = {
        "gpu_status": gpu.device_status, "cpu_status": cpu.device_status, "backend_gpu": type(gpu).__name__,
        "level_agreement_gpu_vs_cpu": float(np.mean(np.asarray(lg) == np.asarray(lc))),
        "max_prob_diff": float(np.abs(pg - pc).max()),
        "p50_single_case_ms_gpu": statistics.median(single_gpu[5:]),
        "p50_single_case_ms_cpu_torch_16_threads": statistics.median(single_cpu[5:]),
        "batch_330_cases_ms_gpu": batch_gpu,
    }


def ort_cuda_check(bundle: Path, report: dict[str, Any]) -> None:
    """The ORT CUDA execution provider, when the image's onnxruntime has it."""
    import shutil
    import subprocess

    import onnxruntime as ort

    if "CUDAExecutionProvider" not in ort.get_available_providers():
        report["ort_cuda"] = "not available: this image's onnxruntime is the CPU build (onnxruntime-gpu not installed)"
        return
    work = Path("/tmp/ort_cuda_bundle")
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(bundle, work)
    proc = subprocess.run([sys.executable, "-m", "triage_app", "export", "--model", str(work)],
                          capture_output=True, text=True, timeout=400)
    report["ort_cuda_export_tail"] = proc.stdout[-1500:] + proc.stderr[-800:]
    from triage_app.ml.runtime import load_classifier

    clf = load_classifier(work, device="cuda")
    test = [r["text"] for r in _read(TEST_SET)]
    report["ort_cuda"] = {"status": clf.device_status, "backend": type(clf).__name__,
                          "levels": len(clf.predict_levels(test))}


def ig_gpu_check(bundle: Path, report: dict[str, Any]) -> None:
    """Integrated gradients on the GPU vs CPU for the same 60-word note."""
    from triage_app.ml.explain_ig import IntegratedGradientsExplainer

    out: dict[str, Any] = {"words": len(NOTE_60.split())}
    results = {}
    for device in ("cuda", "cpu"):
        ig = IntegratedGradientsExplainer.from_bundle(bundle, device=device)
        times = []
        for _ in range(3 if device == "cuda" else 1):
            t = time.perf_counter()
            exp = ig.explain_full(NOTE_60, 2)
            times.append((time.perf_counter() - t) * 1000)
        results[device] = exp
        out[device] = {"status": ig.device_status, "ms": times, "delta": exp.delta, "n_steps": exp.n_steps,
                       "converged": exp.converged,
                       "top_words": [a.word for a in sorted(exp.attributions, key=lambda a: -a.score)[:6]]}
    a = np.asarray([x.score for x in results["cuda"].attributions])
    b = np.asarray([x.score for x in results["cpu"].attributions])
    out["cosine_gpu_vs_cpu"] = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))
    report["ig_gpu"] = out


def split_weights(bundle: Path, out: Path, chunk: int = 16_000_000) -> list[str]:
    data = (bundle / "model.safetensors").read_bytes()
    names = []
    for i in range(0, len(data), chunk):
        name = f"weights.part{i // chunk}"
        (out / name).write_bytes(data[i:i + chunk])
        names.append(name)
    return names


def main(sweep: Path, out: Path) -> int:
    report: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []
    try:
        rows = score_candidates(sweep, report)
    except Exception:
        report["score_error"] = traceback.format_exc()
    best = choose(rows) if rows else None
    report["chosen"] = best["name"] if best else None
    if best:
        bundle = sweep / best["name"]
        for name, check in (("cuda_runtime", cuda_runtime_checks), ("ort_cuda", ort_cuda_check), ("ig_gpu", ig_gpu_check)):
            try:
                check(bundle, report)
            except Exception:
                report[f"{name}_error"] = traceback.format_exc()
        report["weights"] = split_weights(bundle, out)
        import tarfile

        with tarfile.open(out / "bundle_meta.tar", "w") as tar:  # every file but the weights
            for path in sorted(bundle.iterdir()):
                if path.is_file() and path.name != "model.safetensors":
                    tar.add(path, arcname=path.name)
    report["candidates"] = rows
    (out / "summary.json").write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "candidates"}, indent=1, default=str)[:6000])
    return 0 if best else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))

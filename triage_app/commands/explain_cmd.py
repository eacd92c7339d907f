"""``triage-app explain``: which words drove the suggestion, word by word, offline.

Input: one or more TEXT arguments, or ``--input FILE.jsonl`` with one object per line:
``{"text": ..., "id": optional, "target_level": optional 1-5}`` (``-`` reads standard input).
Each text is redacted first (as in the app, the model reads the redacted text) unless
``--no-redact`` says it already is. The target level defaults to the model's suggested level.

Output (``--format jsonl``, the default): one JSON object per input, in order::

    {"id", "text" (the redacted text the offsets point into), "target_level", "method",
     "words": [{"start", "end", "word", "score"}], "delta", "n_steps", "converged"}

``score`` is in [-1, 1]: positive supports the target level. ``delta``/``n_steps`` are the
integrated-gradients convergence figures (null for ``--method fast``). ``--format html``
writes one page with coloured highlights; ``--format ansi`` colours the terminal (blue =
supports, orange = against). Never asks for the data key; nothing is written to disk unless
``--output`` names a file.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from triage_app.commands.command_io import check_output_path, iter_text_objects, open_output, refuse_file_paths
from triage_app.core.errors import InputError
from triage_app.core.paths import default_models_dir

log = logging.getLogger(__name__)

FORMATS = ("jsonl", "html", "ansi")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "explain",
        help="Word attributions for the suggested (or a given) level; JSONL, HTML or coloured terminal out.",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("texts", nargs="*", metavar="TEXT", help="Complaint text (ids are 1, 2, ... in order).")
    parser.add_argument(
        "--input", "-i", metavar="FILE.jsonl", help='JSON lines with "text", optional "id" and "target_level"; "-" for stdin.'
    )
    parser.add_argument(
        "--method", choices=("fast", "ig"), help="fast = word ablation on the ONNX model (default from settings); "
        "ig = integrated gradients on the torch weights (slower, reports a convergence delta)."
    )
    parser.add_argument("--target-level", type=int, choices=range(1, 6), metavar="1-5", help="Explain this level for every text.")
    parser.add_argument("--format", "-f", choices=FORMATS, default="jsonl", help="Output format (default jsonl).")
    parser.add_argument("--output", "-o", metavar="FILE", help="Write here instead of standard output.")
    parser.add_argument("--no-redact", action="store_true", help="The text is already redacted (e.g. from a saved case).")
    parser.set_defaults(func=run)


def _records_from_jsonl(stream: TextIO, source: str) -> Iterator[tuple[Any, str, int | None]]:
    for lineno, obj in iter_text_objects(stream, source):
        target = obj.get("target_level")
        if target is not None:
            if isinstance(target, bool) or not isinstance(target, int | str) or str(target) not in {"1", "2", "3", "4", "5"}:
                raise InputError("target_level", f"{source} line {lineno}: target_level must be 1 to 5.")
            target = int(target)
        yield obj.get("id", lineno), obj["text"], target


def _records(args: argparse.Namespace) -> Iterator[tuple[Any, str, int | None]]:
    if args.input and args.texts:
        raise InputError("text", "Give either TEXT arguments or --input, not both.")
    if args.input == "-":
        yield from _records_from_jsonl(sys.stdin, "standard input")
    elif args.input:
        path = Path(args.input)
        if not path.exists() or path.is_dir():  # exists(), not is_file(): pipes like <(...) are fine
            raise InputError("text", f"Input file not found: {path}", "Check the path to the JSONL file.")
        with path.open(encoding="utf-8") as handle:
            yield from _records_from_jsonl(handle, path.name)
    elif args.texts:
        refuse_file_paths(args.texts)
        for i, text in enumerate(args.texts, start=1):
            yield i, text, None
    else:
        raise InputError("text", "Nothing to explain.", 'Pass TEXT arguments or --input FILE.jsonl (lines of {"id", "text"}).')


def _model_dir(ctx: Any) -> Path:
    configured = getattr(ctx.settings, "model_dir", "")
    return Path(configured) if configured else default_models_dir() / "default"








def run(args: argparse.Namespace, ctx: Any) -> int:
    from triage_app.ml.attribution_render import html_document, legend_ansi, render_ansi, render_html
    from triage_app.ml.runtime import load_classifier

    method = args.method or getattr(ctx.settings, "explanation_method", "fast") or "fast"
    records = list(_records(args))  # validate all input before loading the model
    if args.output:
        check_output_path(Path(args.output))
    device = getattr(ctx.settings, "device", "auto")
    classifier = load_classifier(_model_dir(ctx), device)
    print(f"model: {classifier.info.name} {classifier.info.version} on {classifier.device_status}", file=sys.stderr)
    explainer: Any
    if method == "ig":
        from triage_app.ml.explain_ig import IntegratedGradientsExplainer

        explainer = IntegratedGradientsExplainer.from_bundle(classifier.bundle.path, device=device)
        print(f"detailed explanations on {explainer.device_status}", file=sys.stderr)
    else:
        from triage_app.ml.explain_fast import FastExplainer

        explainer = FastExplainer.from_classifier(classifier)
    redactor = None
    if not args.no_redact:
        from triage_app.privacy.redactor import default_redactor

        redactor = default_redactor()

    rows: list[dict[str, Any]] = []
    for record_id, text, target in records:
        shown = redactor.redact(text).text if redactor is not None else text
        level = args.target_level or target or classifier.predict_levels([shown])[0]
        explanation = explainer.explain_full(shown, int(level))
        rows.append(
            {
                "id": record_id,
                "text": shown,
                "target_level": int(level),
                "method": explanation.method,
                "words": [dict(a.to_dict(), score=round(a.score, 4)) for a in explanation.attributions],
                "delta": explanation.delta,
                "n_steps": explanation.n_steps,
                "converged": explanation.converged,
            }
        )
    log.info("explained %d texts with method %s", len(rows), method)

    out: TextIO = open_output(Path(args.output)) if args.output else sys.stdout
    try:
        if args.format == "jsonl":
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        elif args.format == "html":
            from triage_app.core.results import WordAttribution

            sections = []
            for row in rows:
                attributions = [WordAttribution.from_dict(w) for w in row["words"]]
                heading = f"{row['id']}: words for level {row['target_level']} ({row['method']})"
                if row["delta"] is not None:
                    heading += f", IG delta {row['delta']:+.4f}"
                sections.append((heading, render_html(row["text"], attributions)))
            out.write(html_document(sections))
        else:
            from triage_app.core.results import WordAttribution

            colour = None  # asked for ansi explicitly: colour even when piped, unless NO_COLOR is set
            out.write(legend_ansi(colour) + "\n")
            for row in rows:
                attributions = [WordAttribution.from_dict(w) for w in row["words"]]
                extra = f", delta {row['delta']:+.4f}" if row["delta"] is not None else ""
                out.write(f"\n# {row['id']}: level {row['target_level']} ({row['method']}{extra})\n")
                out.write(render_ansi(row["text"], attributions, colour=colour) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


__all__ = ["FORMATS", "register", "run"]

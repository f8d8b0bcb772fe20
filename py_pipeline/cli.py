"""``python -m py_pipeline recognize [--model DIR] [--json] FILE...``

The command-line face of the same ``recognize`` the browser runs, with the committed Keras model as the
classifier. It is meant for batches: files are read and segmented in chunks and each chunk's crops go to the
classifier in one call, because per-call overhead, not arithmetic, dominates a small CNN on a CPU. A missing
model, a missing TensorFlow or an unreadable file is one clear line, never a traceback.
"""

import argparse
import json
import sys

from py_pipeline.errors import InkcalcError, ModelError

CHUNK = 64
"""Files per classifier call: large enough to amortise Keras' call overhead, small enough to bound memory."""


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m py_pipeline", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    recognize_cmd = commands.add_parser("recognize", help="recognize handwritten expressions in image files")
    recognize_cmd.add_argument("files", nargs="+", metavar="FILE", help="PNG, JPEG, … images of a drawing")
    recognize_cmd.add_argument("--model", metavar="DIR",
                               help="model directory holding model.keras (default: the one models/current names)")
    recognize_cmd.add_argument("--json", action="store_true", help="print one JSON object per input line")
    args = parser.parse_args(argv)

    try:
        classify = _load_classifier(args.model)
    except ModelError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    failures = 0
    for start in range(0, len(args.files), CHUNK):
        for line in _recognize_files(args.files[start:start + CHUNK], classify):
            failures += line["error"] is not None
            print(json.dumps(line, ensure_ascii=False) if args.json else _human_line(line), flush=True)
    return 1 if failures else 0


def _load_classifier(model_dir):
    """The Keras classifier; TensorFlow is imported only here, never by the pipeline itself."""
    from training.model_store import load_classifier

    return load_classifier(model_dir)


def _recognize_files(paths, classify):
    """One output record per path, in order; unreadable files become records with an error."""
    from py_pipeline.image_input import load_image
    from py_pipeline.recognize import recognize_batch

    records = [None] * len(paths)
    images, positions = [], []
    for i, path in enumerate(paths):
        try:
            images.append(load_image(path))
            positions.append(i)
        except InkcalcError as error:
            records[i] = {"file": path, "expression": "", "value": None, "decimal": None, "display": None,
                          "error": error.message, "symbols": [], "results": []}
    for i, result in zip(positions, recognize_batch(images, classify)):
        records[i] = _record(paths[i], result.to_dict())
    return records


def _record(path, result):
    error = result["error"]
    return {
        "file": path,
        "expression": result["expression"],
        "value": result["value"],
        "decimal": result.get("decimal"),
        "display": result.get("display"),
        "error": error["message"] if error else None,
        "symbols": [
            {key: symbol[key] for key in ("char", "confidence", "box", "alternatives")}
            for symbol in result["symbols"]
        ],
        # Lines calculated one by one (py_pipeline.line_by_line): each line's own; empty otherwise.
        "results": [
            {**{key: line[key] for key in ("expression", "value", "decimal", "display")},
             "error": line["error"]["message"] if line["error"] else None}
            for line in result.get("results", [])
        ],
    }


def _human_line(line):
    if line["results"]:
        return f"{line['file']}: " + "; ".join(
            f"{result['expression']} → {result['display']}" if result["error"] is None
            else f"{result['expression']}  error: {result['error']}" for result in line["results"])
    if line["error"]:
        shown = f"{line['expression']}  " if line["expression"] else ""
        return f"{line['file']}: {shown}error: {line['error']}"
    return f"{line['file']}: {line['expression']} → {line['display']}"

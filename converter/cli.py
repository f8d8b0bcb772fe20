"""``python -m converter <version> [--quantize float16|uint8|none] [--models-dir DIR]``.

Prints what was written (file sizes), the parity figures and the wasm inference time; any failure is one line
on stderr and exit status 1.
"""

import argparse
import sys

from py_pipeline.errors import InkcalcError
from training.model_store import MODELS_ROOT

from .convert import convert
from .export import QUANTIZATIONS


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m converter",
        description="Convert models/<version>/model.keras to a TF.js graph model in models/<version>/tfjs/, "
                    "refused unless TF.js in Node agrees with Keras on every parity crop.")
    parser.add_argument("version", help="model version folder under the models dir, or 'current'")
    parser.add_argument("--quantize", choices=QUANTIZATIONS, default="float16",
                        help="weight storage (default float16; no automatic fallback if it fails parity)")
    parser.add_argument("--models-dir", default=str(MODELS_ROOT),
                        help=f"folder holding the versions (default {MODELS_ROOT})")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        conversion = convert(args.version, quantization=args.quantize, models_dir=args.models_dir)
    except InkcalcError as error:  # ModelError (no such model, classes differ) or ConversionError
        print(f"error: {error}", file=sys.stderr)
        return 1
    _print_summary(conversion)
    return 0


def _print_summary(conversion):
    parity = conversion["parity"]
    timing = conversion["node_wasm_ms"]
    weights = "float32" if conversion["quantization"] == "none" else conversion["quantization"]
    print(f"converted to {weights} weights in {conversion['seconds']} s:")
    for name, size in conversion["file_sizes"].items():
        print(f"  {name:<28} {size / 1024:9.1f} KiB")
    print(f"  {'total':<28} {conversion['total_bytes'] / 1024:9.1f} KiB")
    print(f"parity on {parity['inputs']} crops ({parity['sources']['mnist_test']} MNIST test, "
          f"{parity['sources']['operators']} operators), {parity['runtime']}: top-1 agreement "
          f"{parity['top1_agreement']:.2%}, max softmax difference {parity['max_abs_softmax_diff']:.2e}")
    print(f"wasm inference, batch of 10: median {timing['batch10_median']} ms, min {timing['batch10_min']} ms; "
          f"model load {timing['load']} ms")

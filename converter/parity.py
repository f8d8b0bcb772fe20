"""Does the converted model answer like the Keras model? Same crops through both, compared.

TF.js runs in Node on the wasm backend (``parity.mjs``), the runtime the page uses. A conversion is accepted
only when every crop gets the same top-1 class: a softmax that drifts by 1e-5 is harmless, one flipped
answer is a wrong digit on someone's screen.
"""

import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import ConversionError

PARITY_SCRIPT = Path(__file__).with_name("parity.mjs")
NODE_TIMEOUT_S = 300
REQUIRED_TOP1_AGREEMENT = 1.0


@dataclass(frozen=True)
class ParityReport:
    """How far TF.js is from Keras on the parity crops."""

    inputs: int
    max_abs_softmax_diff: float
    top1_agreement: float
    disagreeing_indices: tuple

    @property
    def passed(self):
        return self.top1_agreement >= REQUIRED_TOP1_AGREEMENT

    def to_dict(self):
        return {"inputs": self.inputs, "max_abs_softmax_diff": self.max_abs_softmax_diff,
                "top1_agreement": self.top1_agreement, "top1_disagreements": len(self.disagreeing_indices)}


def compare(keras_probs, tfjs_probs):
    """Compare two ``(N, C)`` probability arrays row by row.

    Returns
    -------
    ParityReport
        Largest absolute difference over all entries, fraction of rows with the same argmax, and the rows
        that differ (to name them when a conversion is refused).
    """
    keras_probs = np.asarray(keras_probs, dtype=np.float32)
    tfjs_probs = np.asarray(tfjs_probs, dtype=np.float32)
    if keras_probs.shape != tfjs_probs.shape:
        raise ConversionError(f"Keras gave {keras_probs.shape} probabilities but TF.js gave {tfjs_probs.shape}")
    same = keras_probs.argmax(axis=1) == tfjs_probs.argmax(axis=1)
    return ParityReport(
        inputs=len(keras_probs),
        max_abs_softmax_diff=float(np.abs(keras_probs - tfjs_probs).max()),
        top1_agreement=float(same.mean()),
        disagreeing_indices=tuple(int(i) for i in np.flatnonzero(~same)),
    )


def run_tfjs(node, model_dir, crops):
    """Classify ``crops`` ((N, 28, 28) float32) with the TF.js graph model in ``model_dir``, in Node.

    Returns
    -------
    probs : (N, C) ndarray of float32
    runtime : dict
        What ``parity.mjs`` reports: TF.js version, backend, load and inference times in ms.
    """
    crops = np.ascontiguousarray(crops, dtype="<f4")
    with tempfile.TemporaryDirectory(prefix="inkcalc-parity-") as exchange:
        inputs_file, outputs_file = Path(exchange) / "inputs.f32", Path(exchange) / "outputs.f32"
        inputs_file.write_bytes(crops.tobytes())
        try:
            done = subprocess.run([node, str(PARITY_SCRIPT), str(model_dir), str(inputs_file), str(outputs_file)],
                                  capture_output=True, text=True, timeout=NODE_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise ConversionError(
                f"TF.js parity run in Node took over {NODE_TIMEOUT_S} s; nothing was written") from None
        if done.returncode != 0:
            last_line = (done.stderr.strip().splitlines() or ["no error output"])[-1]
            raise ConversionError(f"TF.js could not run the converted model in Node: {last_line}")
        runtime = json.loads(done.stdout.strip().splitlines()[-1])
        probs = np.fromfile(outputs_file, dtype="<f4").reshape(len(crops), runtime["classes"])
    return probs, runtime

"""Read IDX files, the format MNIST is distributed in (http://yann.lecun.com/exdb/mnist/).

An IDX file is a 4-byte magic number — two zero bytes, a type code, the number of dimensions — followed by one
big-endian uint32 per dimension and then the data in C order. Only the unsigned-byte type (0x08) is accepted:
that is what every MNIST file uses, and refusing anything else turns a mix-up (a gzip file, an HTML error page
saved under the file's name) into a clear error instead of a wrong array.
"""

from pathlib import Path

import numpy as np

from training.errors import TrainingDataError

UNSIGNED_BYTE = 0x08


def read_idx(path, expected_ndim=None):
    """Parse one uncompressed IDX file of unsigned bytes.

    Parameters
    ----------
    path : str or Path
        The file to read.
    expected_ndim : int, optional
        Number of dimensions the caller needs (3 for images, 1 for labels); checked against the header.

    Returns
    -------
    array : ndarray of uint8
        Shape taken from the header, e.g. ``(60000, 28, 28)`` for images or ``(60000,)`` for labels.

    Raises
    ------
    TrainingDataError
        The file is missing, is not an IDX file (bad magic number; gzip files are named as such), holds a type
        other than unsigned bytes, has the wrong number of dimensions, or is truncated or over-long.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TrainingDataError(f"cannot read IDX file {path}: {exc.strerror or exc}") from exc
    return parse_idx(raw, name=str(path), expected_ndim=expected_ndim)


def parse_idx(raw, name="<bytes>", expected_ndim=None):
    """Parse IDX ``raw`` bytes; ``name`` only appears in error messages. See :func:`read_idx`."""
    if len(raw) < 4:
        raise TrainingDataError(f"{name} is not an IDX file: only {len(raw)} bytes long")
    if raw[:2] == b"\x1f\x8b":
        raise TrainingDataError(f"{name} is gzip-compressed; decompress it first (gunzip)")
    if raw[0] != 0 or raw[1] != 0:
        raise TrainingDataError(
            f"{name} is not an IDX file: bad magic number 0x{raw[:4].hex()} (expected 0x0000 then type and ndim)")
    dtype_code, ndim = raw[2], raw[3]
    if dtype_code != UNSIGNED_BYTE:
        raise TrainingDataError(
            f"{name} holds IDX type 0x{dtype_code:02x}; only unsigned bytes (0x08), as in MNIST, are supported")
    if ndim == 0:
        raise TrainingDataError(f"{name} declares 0 dimensions")
    if expected_ndim is not None and ndim != expected_ndim:
        raise TrainingDataError(f"{name} has {ndim} dimensions, expected {expected_ndim}")
    header_len = 4 + 4 * ndim
    if len(raw) < header_len:
        raise TrainingDataError(f"{name} is truncated inside its header ({len(raw)} of {header_len} bytes)")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected_len = header_len + int(np.prod(shape, dtype=np.int64))
    if len(raw) != expected_len:
        problem = "truncated" if len(raw) < expected_len else "longer than its header says"
        raise TrainingDataError(
            f"{name} is {problem}: header shape {shape} needs {expected_len} bytes, file has {len(raw)}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header_len).reshape(shape).copy()


def write_idx(path, array):
    """Write a uint8 array as an IDX file (used by the tests, and handy for exporting a subset)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, UNSIGNED_BYTE, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    Path(path).write_bytes(header + array.tobytes())

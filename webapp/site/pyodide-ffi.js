// Moving arrays between Pyodide and JavaScript for the worker, with as few copies as the FFI allows.
//
// Kept apart from worker.js so the browser tests can run these exact functions against a bare Pyodide
// (the FFI contract the Python bridge relies on), without the numpy wheels.

/**
 * The classifier as Python calls it: `classify(crops, n)`, where `crops` is a PyProxy of any C-contiguous
 * float32 buffer (a numpy array in the bridge) holding n·side·side pixels. The pixels are read in place from
 * wasm memory and copied once, because a TF.js backend may keep the array while Python may move its memory.
 * Returns the Float32Array of probabilities (Python reads it with `to_bytes()`).
 */
export function classifierForPython(classify, side = 28) {
  return function classifyFromPython(cropsProxy, n) {
    const buffer = cropsProxy.getBuffer('f32');
    try {
      if (!buffer.c_contiguous) throw new Error('crops must be a C-contiguous float32 array');
      const count = n * side * side;
      return classify(buffer.data.slice(buffer.offset, buffer.offset + count), n);
    } finally {
      buffer.release();
    }
  };
}

/** Copy a PyProxy'd C-contiguous buffer into a fresh, transferable typed array; frees the proxy. */
export function takeBuffer(proxy, type) {
  const buffer = proxy.getBuffer(type);
  try {
    if (!buffer.c_contiguous) throw new Error('expected a C-contiguous array from Python');
    return {shape: buffer.shape, data: buffer.data.slice()};
  } finally {
    buffer.release();
    proxy.destroy();
  }
}

/**
 * The bridge's recognize result `(json, crops, mask)` as the protocol's reply: the parsed JSON plus
 * `crops: Float32Array (N·784)` and `mask: {width, height, data: Uint8Array}`, and the buffers to transfer.
 */
export function unpackRecognition(resultProxy) {
  try {
    const [json, cropsProxy, maskProxy] = resultProxy.toJs({depth: 1});
    const result = JSON.parse(json);
    const crops = takeBuffer(cropsProxy, 'f32');
    const mask = takeBuffer(maskProxy, 'u8');
    result.crops = crops.data;
    result.mask = {width: mask.shape[1] ?? 0, height: mask.shape[0] ?? 0, data: mask.data};
    return {result, transfer: [result.crops.buffer, result.mask.data.buffer]};
  } finally {
    resultProxy.destroy();
  }
}

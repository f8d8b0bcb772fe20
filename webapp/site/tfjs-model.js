// Load the TF.js graph model only after every file matches its sha256 in model/manifest.json.
//
// Why check in the browser too: a stale HTTP cache or a half-finished deploy can serve model.json from one
// version and a weight shard from another; TF.js would load the mix without complaint and misread every
// drawing. The build checked the files once; this checks what actually arrived.
//
// Shared by the worker (the runtime) and the browser tests (TF.js parity with Keras in the page), so both
// load the model the same way. Works in a window or a worker: needs only fetch and crypto.subtle.

export const CROP_SIDE = 28;

export class ModelLoadError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ModelLoadError';
  }
}

/**
 * Import TF.js and its wasm backend from `tfjsDir` (vendor/tfjs/) and switch to the first backend of
 * `backends` that starts. Returns the `tf` namespace.
 *
 * UMD builds, imported for their side effect (globalThis.tf): the ES-module build of the wasm backend imports
 * Node's fs/path, which a browser cannot resolve without a bundler.
 */
export async function loadTfjs(tfjsDir, backends = ['wasm', 'cpu']) {
  // TF.js bundles regenerator-runtime, which sets a global with `regeneratorRuntime = r` and, when that throws
  // (it does in strict module code, where the name is undeclared), falls back to `Function(...)`: forbidden
  // by the CSP, and fatal. Declaring the global first makes the plain assignment succeed.
  if (!('regeneratorRuntime' in globalThis)) globalThis.regeneratorRuntime = undefined;
  const base = new URL(tfjsDir, globalThis.location?.href);
  await import(new URL('tf.min.js', base).href);
  await import(new URL('tf-backend-wasm.min.js', base).href);
  const tf = globalThis.tf;
  // The threaded build needs cross-origin isolation (SharedArrayBuffer), which a static host cannot promise.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  const simd = new URL('tfjs-backend-wasm-simd.wasm', base).href;
  tf.wasm.setWasmPaths({
    'tfjs-backend-wasm.wasm': new URL('tfjs-backend-wasm.wasm', base).href,
    'tfjs-backend-wasm-simd.wasm': simd,
    'tfjs-backend-wasm-threaded-simd.wasm': simd, // never used (multithreading is off); must still be set
  });
  const failures = [];
  for (const backend of backends) {
    try {
      if (await tf.setBackend(backend)) {
        await tf.ready();
        return tf;
      }
      failures.push(`${backend}: did not initialise`);
    } catch (err) {
      failures.push(`${backend}: ${err?.message ?? err}`);
    }
  }
  throw new Error(`no TF.js backend could start (${failures.join('; ')})`);
}

/** Hex sha256 of an ArrayBuffer (crypto.subtle exists only in secure contexts: https or localhost). */
export async function sha256Hex(buffer) {
  if (!globalThis.crypto?.subtle) {
    throw new ModelLoadError('cannot check the model files: crypto.subtle is unavailable because the page is ' +
      'not a secure context; open it over https or from localhost');
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', buffer));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function fetchBytes(url) {
  let response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new ModelLoadError(`cannot download ${url}: ${err.message}`);
  }
  if (!response.ok) {
    throw new ModelLoadError(`model file ${url} is missing (HTTP ${response.status}); rebuild the site with ` +
      '`python -m webapp build`');
  }
  return response.arrayBuffer();
}

/**
 * Fetch model/manifest.json and every file it lists, verify size and sha256, and return TF.js model artifacts.
 * @param {URL|string} modelBase folder URL ending in '/', holding manifest.json, model.json and the shards.
 * @param {string[]} [expectedClasses] the pipeline's class order; a different order is refused.
 * @returns {Promise<{manifest: object, artifacts: object}>}
 */
export async function fetchVerifiedArtifacts(modelBase, expectedClasses) {
  const base = new URL(modelBase, globalThis.location?.href);
  const manifestBytes = await fetchBytes(new URL('manifest.json', base));
  let manifest;
  try {
    manifest = JSON.parse(new TextDecoder().decode(manifestBytes));
  } catch (err) {
    throw new ModelLoadError(`model/manifest.json is not valid JSON (${err.message}); rebuild the site`);
  }
  if (!Array.isArray(manifest.files) || manifest.files.length === 0) {
    throw new ModelLoadError('model/manifest.json lists no files; re-run the converter and rebuild the site');
  }
  if (expectedClasses && JSON.stringify(manifest.classes) !== JSON.stringify(expectedClasses)) {
    throw new ModelLoadError(`the model's classes ${JSON.stringify(manifest.classes)} differ from the pipeline's ` +
      `${JSON.stringify(expectedClasses)}: convert a model trained with the current class list`);
  }

  const contents = new Map();
  await Promise.all(manifest.files.map(async ({path, sha256, size}) => {
    const bytes = await fetchBytes(new URL(path, base));
    if (bytes.byteLength !== size || (await sha256Hex(bytes)) !== sha256) {
      throw new ModelLoadError(`model file ${path} does not match model/manifest.json (sha256/size): the ` +
        'deploy is incomplete or a cache served an old file; reload, or rebuild and redeploy the site');
    }
    contents.set(path, bytes);
  }));

  const modelJson = JSON.parse(new TextDecoder().decode(contents.get('model.json')));
  const weightSpecs = [];
  const shards = [];
  for (const group of modelJson.weightsManifest ?? []) {
    weightSpecs.push(...group.weights);
    for (const path of group.paths) {
      if (!contents.has(path)) {
        throw new ModelLoadError(`model.json needs ${path}, which model/manifest.json does not list; re-run the converter`);
      }
      shards.push(new Uint8Array(contents.get(path)));
    }
  }
  const weightData = new Uint8Array(shards.reduce((sum, s) => sum + s.byteLength, 0));
  let offset = 0;
  for (const shard of shards) {
    weightData.set(shard, offset);
    offset += shard.byteLength;
  }
  const artifacts = {
    modelTopology: modelJson.modelTopology,
    format: modelJson.format,
    generatedBy: modelJson.generatedBy,
    convertedBy: modelJson.convertedBy,
    signature: modelJson.signature,
    userDefinedMetadata: modelJson.userDefinedMetadata,
    modelInitializer: modelJson.modelInitializer,
    weightSpecs,
    weightData: weightData.buffer,
  };
  return {manifest, artifacts};
}

/**
 * Verify and load the graph model. `tf` is the TF.js namespace (already on its backend).
 * @returns {Promise<{model: object, manifest: object}>}
 */
export async function loadVerifiedModel(tf, modelBase, expectedClasses) {
  const {manifest, artifacts} = await fetchVerifiedArtifacts(modelBase, expectedClasses);
  let model;
  try {
    // An IOHandler from the verified bytes: TF.js does not fetch anything again.
    model = await tf.loadGraphModel({load: async () => artifacts});
  } catch (err) {
    throw new ModelLoadError(`TF.js cannot load the model (${err.message}); is it a graph model from the converter?`);
  }
  return {model, manifest};
}

/**
 * A synchronous classifier: Float32Array of n·28·28 pixels (ink bright, [0, 1]) → Float32Array of n·C
 * probabilities. Synchronous so Python can call it in the middle of `recognize` (model.predict + dataSync).
 */
export function makeClassifier(tf, model) {
  // The graph's input may be (N, 28, 28) or (N, 28, 28, 1); reshape to whatever it declares.
  const declared = model.inputs?.[0]?.shape ?? [-1, CROP_SIDE, CROP_SIDE];
  const inner = declared.slice(1).map((d) => (d == null || d < 0 ? CROP_SIDE : d));
  return function classify(pixels, n) {
    if (pixels.length !== n * CROP_SIDE * CROP_SIDE) {
      throw new Error(`classify got ${pixels.length} values for ${n} crops of ${CROP_SIDE}×${CROP_SIDE}`);
    }
    return tf.tidy(() => {
      const output = model.predict(tf.tensor(pixels, [n, ...inner], 'float32'));
      return Float32Array.from(output.dataSync());
    });
  };
}

// The runtime: a module worker that owns Pyodide (py_pipeline) and TF.js (the classifier).
//
// Protocol (docs/architecture.md; the page side is runtime-client.js):
//   requests  {id, op, args}               op ∈ init | recognize | evaluate
//   replies   {id, ok: true, result}  or   {id, ok: false, error: {message, stage}}
//   progress  {type: 'progress', stage, message, fraction}   while booting; fraction is overall, 0..1
//
// Boot runs Pyodide and TF.js side by side (both are mostly download + wasm compile). Every stage has a
// timeout and every failure becomes a message a person can act on: loadPyodide hangs forever on a wrong
// MIME type, and loadPackage does not throw when a wheel is missing, so neither is trusted to fail loudly.
//
// Python calls the TF.js classifier synchronously (a JS function handed to Python), so the browser runs the
// same `recognize(image, classify)` as CPython.

import {classifierForPython, unpackRecognition} from './pyodide-ffi.js';
import {CROP_SIDE, loadTfjs, loadVerifiedModel, makeClassifier} from './tfjs-model.js';

const SITE = new URL('./', import.meta.url);
const PYODIDE_DIR = new URL('vendor/pyodide/', SITE);
const TFJS_DIR = new URL('vendor/tfjs/', SITE);
const MODEL_DIR = new URL('model/', SITE);
const BRIDGE_URL = new URL('py/inkcalc_bridge.py', SITE);
const BRIDGE_PATH = '/home/pyodide/inkcalc_bridge.py';

// Generous: a cold first visit on a slow connection downloads ~15 MB (30+ MB with the scientific wheels).
// They exist so a stuck stage ends in a message instead of a spinner that never stops.
const TIMEOUT_MS = {config: 20_000, pyodide: 240_000, packages: 300_000, python: 60_000, tfjs: 60_000, model: 60_000};

// Share of the boot each stage stands for, for the overall progress fraction.
const WEIGHT = {config: 0.02, pyodide: 0.45, packages: 0.25, python: 0.05, tfjs: 0.1, model: 0.08, warmup: 0.05};

class StageError extends Error {
  constructor(stage, message) {
    super(message);
    this.stage = stage;
  }
}

let done = 0;
let bootSettled = false; // once init has answered, progress from a still-running side branch would mislead
function progress(stage, message, finished = false) {
  if (bootSettled) return;
  if (finished) done = Math.min(1, done + (WEIGHT[stage] ?? 0));
  self.postMessage({type: 'progress', stage, message, fraction: Math.round(done * 1000) / 1000});
}

/** Run `work` (a promise) as boot stage `stage`, turning a timeout or any error into a StageError. */
async function stage(name, work, what) {
  let timer;
  const limit = TIMEOUT_MS[name] ?? 60_000;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new StageError(name,
      `${what} did not finish within ${limit / 1000} s. Check the connection and reload; if it persists, ` +
      'check that the server sends .wasm files as application/wasm (`python -m webapp serve` does)')), limit);
  });
  try {
    return await Promise.race([work, timeout]);
  } catch (err) {
    if (err instanceof StageError) throw err;
    throw new StageError(name, `${what} failed: ${err?.message ?? err}`);
  } finally {
    clearTimeout(timer);
  }
}

async function fetchJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}`);
  return response.json();
}

// ---- Pyodide --------------------------------------------------------------------------------------------

async function bootPyodide(info) {
  progress('pyodide', 'Loading Python (Pyodide)…');
  const pyodide = await stage('pyodide', (async () => {
    const {loadPyodide} = await import(new URL('pyodide.mjs', PYODIDE_DIR).href);
    return loadPyodide({
      indexURL: PYODIDE_DIR.href,
      // Must be absolute: Pyodide resolves wheel URLs against it (a relative one fails with "Invalid base URL").
      lockFileURL: new URL('pyodide-lock.json', PYODIDE_DIR).href,
      stdout: () => {},
      stderr: (line) => console.warn('[pyodide]', line),
    });
  })(), 'Loading Python (Pyodide)');
  progress('pyodide', 'Python is ready', true);

  // py_pipeline first, alone: without it nothing works, so its failure ends the boot.
  progress('packages', 'Installing the recognition pipeline…');
  const stale = 'the build\'s vendor/pyodide folder is incomplete or was served from a stale cache; rebuild with ' +
    '`python -m webapp build` and reload';
  await stage('packages', loadPackages(pyodide, [info.pipelinePackage], stale), 'Installing py_pipeline');
  let canRecognize = info.scientificPackages.length > 0;
  let reason = canRecognize ? null : info.noRecognitionReason;
  if (canRecognize) {
    progress('packages', `Installing ${info.scientificPackages.join(', ')}…`);
    try {
      const hint = info.packageSource === 'runtime-cdn'
        ? 'this build loads them from the Pyodide CDN at run time (--runtime-cdn-packages), which could not be ' +
          'reached: connect to the internet and reload, or rebuild with the wheels vendored (--download-packages)'
        : stale;
      await stage('packages', loadPackages(pyodide, info.scientificPackages, hint), 'Installing numpy and scikit-image');
    } catch (err) {
      // Parsing and evaluation still work without numpy: say why recognition is off instead of failing.
      canRecognize = false;
      reason = err.message;
    }
  }
  progress('packages', 'Packages installed', true);

  progress('python', 'Starting the pipeline…');
  const bridge = await stage('python', (async () => {
    const response = await fetch(BRIDGE_URL);
    if (!response.ok) throw new Error(`${BRIDGE_URL} answered HTTP ${response.status}`);
    pyodide.FS.writeFile(BRIDGE_PATH, await response.text());
    // pyimport, not runPython: nothing here builds code from strings.
    return pyodide.pyimport('inkcalc_bridge');
  })(), 'Starting the Python side of the runtime');
  if (canRecognize) {
    const status = JSON.parse(bridge.status());
    if (!status.can_recognize) {
      canRecognize = false;
      reason = status.reason;
    }
  }
  progress('python', 'Pipeline ready', true);
  return {pyodide, bridge, canRecognize, reason};
}

/**
 * loadPackage, with its silent failures (a missing or corrupt wheel only reaches errorCallback) made loud.
 * `hint` says what to do about them.
 */
async function loadPackages(pyodide, names, hint) {
  const errors = [];
  await pyodide.loadPackage(names, {
    messageCallback: () => {},
    errorCallback: (message) => errors.push(message),
    checkIntegrity: true,
  });
  const missing = names.filter((name) => !(name in pyodide.loadedPackages));
  if (errors.length || missing.length) {
    // Pyodide reports each package in two calls ("…while loading numpy:", then the cause): one line each.
    const perPackage = errors.join(' ')
      .replace(/The following error occurred while loading ([^:]+):\s*/g, '\n$1: ')
      .split('\n').map((line) => line.trim()).filter(Boolean);
    const shown = perPackage.slice(0, 3).join('; ') + (perPackage.length > 3 ? `; and ${perPackage.length - 3} more` : '');
    throw new Error(`${shown || `not installed: ${missing.join(', ')}`}. Probably ${hint}`);
  }
}

// ---- TF.js ----------------------------------------------------------------------------------------------

async function bootTfjs(info) {
  progress('tfjs', 'Loading TensorFlow.js…');
  const tf = await stage('tfjs', loadTfjs(TFJS_DIR, info.tfjsBackends), 'Loading TensorFlow.js');
  progress('tfjs', `TensorFlow.js ready (${tf.getBackend()} backend)`, true);

  progress('model', `Loading model ${info.modelVersion}…`);
  const {model} = await stage('model', loadVerifiedModel(tf, MODEL_DIR, info.classes),
    `Loading model ${info.modelVersion}`);
  progress('model', 'Model verified and loaded', true);

  progress('warmup', 'Warming up the classifier…');
  const classify = makeClassifier(tf, model);
  classify(new Float32Array(CROP_SIDE * CROP_SIDE), 1); // compiles the kernels now, not on the first drawing
  progress('warmup', 'Classifier ready', true);
  return {tf, classify};
}

// ---- ops ------------------------------------------------------------------------------------------------

let runtime = null; // set once init succeeded
let booting = null; // the init promise, shared by every caller

async function boot() {
  progress('config', 'Reading the build description…');
  const info = await stage('config', fetchJson(new URL('build-info.json', SITE)), 'Reading build-info.json');
  const runtimeInfo = info.runtime;
  progress('config', 'Build description read', true);

  // Side by side; if TF.js fails, parsing and evaluation still work, so that is a reason, not a crash.
  const tfjs = bootTfjs(runtimeInfo).then((value) => ({value}), (error) => ({error}));
  const python = await bootPyodide(runtimeInfo);
  const tfResult = await tfjs;

  let {canRecognize, reason} = python;
  if (tfResult.error) {
    canRecognize = false;
    reason = tfResult.error.message;
  }
  runtime = {
    info,
    bridge: python.bridge,
    tf: tfResult.value?.tf ?? null,
    canRecognize,
    reason,
    recognizeRgba: null,
  };
  if (canRecognize) {
    // Python calls TF.js synchronously from inside `recognize`, with the crops it cut out.
    runtime.recognizeRgba = python.bridge.make_recognizer(classifierForPython(tfResult.value.classify, CROP_SIDE));
  }
  return {
    appVersion: info.appVersion,
    modelVersion: info.modelVersion,
    uncertainBelow: info.runtime.uncertainBelow ?? null,
    backend: runtime.tf ? runtime.tf.getBackend() : null,
    canRecognize,
    reason,
  };
}

function requireRuntime(stageName) {
  if (!runtime) throw new StageError(stageName, 'the runtime is not initialised: send "init" first and wait for it');
  return runtime;
}

const OPS = {
  async init() {
    booting ??= boot().finally(() => {
      bootSettled = true;
    });
    return {result: await booting};
  },

  async recognize({width, height, rgba} = {}) {
    if (booting) await booting;
    const rt = requireRuntime('recognize');
    if (!rt.canRecognize) throw new StageError('recognize', `recognition is unavailable: ${rt.reason}`);
    if (!(rgba instanceof ArrayBuffer) || !Number.isInteger(width) || !Number.isInteger(height)) {
      throw new StageError('recognize', 'recognize expects {width, height, rgba: ArrayBuffer} (ImageData fields)');
    }
    if (rgba.byteLength !== width * height * 4) {
      throw new StageError('recognize', `rgba has ${rgba.byteLength} bytes; a ${width}×${height} RGBA image has ${width * height * 4}`);
    }
    // The Uint8Array is copied once, into Python memory, by the bridge (JsBuffer.assign_to).
    return unpackRecognition(rt.recognizeRgba(new Uint8Array(rgba), width, height));
  },

  async evaluate({symbols, eachLine = false} = {}) {
    if (booting) await booting;
    const rt = requireRuntime('evaluate');
    if (!Array.isArray(symbols)) throw new StageError('evaluate', 'evaluate expects {symbols: [{char, gap_before}]}');
    return {result: JSON.parse(rt.bridge.evaluate_symbols_json(JSON.stringify(symbols), Boolean(eachLine)))};
  },
};

self.addEventListener('message', async (event) => {
  const {id, op, args} = event.data ?? {};
  if (id === undefined) return; // not a request (nothing else is sent to the worker)
  try {
    const handler = Object.hasOwn(OPS, op) ? OPS[op] : null;
    if (!handler) throw new StageError('protocol', `unknown op ${JSON.stringify(op)}; expected init, recognize or evaluate`);
    const {result, transfer = []} = await handler(args ?? {});
    self.postMessage({id, ok: true, result}, transfer);
  } catch (err) {
    const stageName = err instanceof StageError ? err.stage : op ?? 'protocol';
    const message = err instanceof StageError ? err.message : `${op} failed: ${err?.message ?? err}`;
    self.postMessage({id, ok: false, error: {message, stage: stageName}});
  }
});

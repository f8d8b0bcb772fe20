// Classify crops with a converted TF.js graph model in Node, on the wasm backend the page uses.
//
//   node converter/parity.mjs MODEL_DIR INPUTS.f32 OUTPUTS.f32
//
// INPUTS.f32 is N×28×28 little-endian float32 (raw, no header: 1000 crops are 3 MB of floats, far too
// many for JSON); OUTPUTS.f32 receives N×C float32 softmax rows in the same order. The last stdout line is
// one JSON object with the runtime versions and timings, for the model card.
//
// Why fromMemory: in Node, tf.loadGraphModel('file://...') fails with "fetch failed", so model.json and its
// shards are read with fs and handed over as artifacts.

import fs from 'node:fs';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {fileURLToPath} from 'node:url';

import * as tf from '@tensorflow/tfjs';
import {setWasmPaths} from '@tensorflow/tfjs-backend-wasm';

const CROP_PIXELS = 28 * 28;
const TIMED_BATCH = 10;
const TIMED_RUNS = 30;

async function useWasmBackend() {
  // A directory prefix ending in a separator: the Emscripten loader in Node reads the .wasm file from disk.
  const here = path.dirname(fileURLToPath(import.meta.url));
  setWasmPaths(path.join(here, '..', 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + path.sep);
  if (!(await tf.setBackend('wasm'))) throw new Error('the TF.js wasm backend failed to initialise');
  await tf.ready();
}

function readFloat32(file) {
  const bytes = fs.readFileSync(file);
  if (bytes.byteLength % 4 !== 0) throw new Error(`${file} is not raw float32 (size ${bytes.byteLength})`);
  // Copy into a fresh, 4-byte-aligned buffer: a Buffer may be a view into a shared pool at any offset.
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

async function loadGraphModelFromDir(dir) {
  const modelJson = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const {weightsManifest, ...artifacts} = modelJson;
  const shards = weightsManifest.flatMap((group) => group.paths.map((p) => fs.readFileSync(path.join(dir, p))));
  const weights = Buffer.concat(shards);
  return tf.loadGraphModel(tf.io.fromMemory({
    ...artifacts,
    weightSpecs: weightsManifest.flatMap((group) => group.weights),
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  }));
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timeBatchOf10(model, crops) {
  const batch = tf.tensor3d(crops.subarray(0, TIMED_BATCH * CROP_PIXELS), [TIMED_BATCH, 28, 28]);
  const times = [];
  for (let run = 0; run < TIMED_RUNS + 3; run++) {
    const start = performance.now();
    const probs = model.predict(batch);
    await probs.data();
    probs.dispose();
    if (run >= 3) times.push(performance.now() - start); // the first runs compile and allocate
  }
  batch.dispose();
  return {median: median(times), min: Math.min(...times)};
}

async function main() {
  const [modelDir, inputsFile, outputsFile] = process.argv.slice(2);
  if (!outputsFile) throw new Error('usage: node converter/parity.mjs MODEL_DIR INPUTS.f32 OUTPUTS.f32');
  await useWasmBackend();

  const loadStart = performance.now();
  const model = await loadGraphModelFromDir(modelDir);
  const loadMs = performance.now() - loadStart;

  const crops = readFloat32(inputsFile);
  const count = crops.length / CROP_PIXELS;
  if (!Number.isInteger(count) || count < TIMED_BATCH) {
    throw new Error(`${inputsFile} must hold at least ${TIMED_BATCH} crops of 28×28 float32`);
  }
  const predictStart = performance.now();
  const input = tf.tensor3d(crops, [count, 28, 28]);
  const probs = model.predict(input);
  const rows = await probs.data();
  const predictMs = performance.now() - predictStart;
  fs.writeFileSync(outputsFile, Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength));
  const classes = probs.shape[1];
  tf.dispose([input, probs]);

  const batch10 = await timeBatchOf10(model, crops);
  console.log(JSON.stringify({
    tfjs: tf.version.tfjs, backend: tf.getBackend(), count, classes,
    load_ms: loadMs, predict_all_ms: predictMs, batch10_ms: batch10,
  }));
}

main().catch((error) => {
  console.error(`parity.mjs: ${error.message}`);
  process.exit(1);
});

// The page side of the page ↔ worker protocol (docs/architecture.md); worker.js is the other side.
//
//   import {createRuntime, detectFileProtocol} from './runtime-client.js';
//   const problem = detectFileProtocol();            // a message to show, or null
//   const runtime = createRuntime((p) => showProgress(p.stage, p.message, p.fraction));
//   const info = await runtime.init();               // {appVersion, modelVersion, backend, canRecognize, reason}
//   const result = await runtime.recognize(imageData);   // ImageData or {width, height, rgba: ArrayBuffer}
//   const value = await runtime.evaluate({symbols: [{char: '7', gap_before: false}, ...]});  // or the bare array
//   const lines = await runtime.evaluate({symbols, eachLine: true});  // lines calculated one by one
//
// Every promise rejects with an Error whose `stage` says where it failed (pyodide, packages, model, …) and
// whose message says what to do. init() also registers the service worker (after booting, so the first
// visit does not download everything twice).

const WORKER_URL = new URL('./worker.js', import.meta.url);
const SERVICE_WORKER_URL = new URL('./sw.js', import.meta.url);
const SITE_SCOPE = new URL('./', import.meta.url);

// After init, one recognition takes well under a second; a minute means the worker died (e.g. out of memory).
const REQUEST_TIMEOUT_MS = 60_000;
// Longer than the sum of worker.js's stage timeouts would be pointless; its stages time out first.
const INIT_TIMEOUT_MS = 15 * 60_000;

export const SERVE_COMMAND = 'python -m webapp serve';

/**
 * The message to show when the page was opened from the file system, where Chromium blocks module workers,
 * fetch and service workers; null when served over http(s).
 */
export function detectFileProtocol(location = globalThis.location) {
  if (location?.protocol === 'file:') {
    return `Inkcalc was opened from file://, where browsers block what it needs (workers, WebAssembly ` +
      `downloads, offline storage): serve it instead: ${SERVE_COMMAND} (then open http://localhost:8000/)`;
  }
  return null;
}

export class RuntimeError extends Error {
  constructor(message, stage) {
    super(message);
    this.name = 'RuntimeError';
    this.stage = stage;
  }
}

/**
 * Start the runtime worker. `onProgress({stage, message, fraction})` receives boot progress.
 * @returns {{init: () => Promise<object>, recognize: (image: object) => Promise<object>,
 *            evaluate: (symbols: object[]) => Promise<object>, terminate: () => void}}
 */
export function createRuntime(onProgress = () => {}, {registerOffline = true} = {}) {
  const fileProblem = detectFileProtocol();
  const pending = new Map();
  let nextId = 1;
  let worker = null;
  let dead = null; // a RuntimeError once the worker can no longer answer
  let initSettled = false;

  function failAll(error) {
    dead = error;
    for (const {reject, timer} of pending.values()) {
      clearTimeout(timer);
      reject(error);
    }
    pending.clear();
  }

  function start() {
    if (worker || dead) return;
    worker = new Worker(WORKER_URL, {type: 'module'});
    worker.addEventListener('message', (event) => {
      const data = event.data;
      if (data?.type === 'progress') {
        if (initSettled) return; // the boot has answered; late progress would contradict it
        try {
          onProgress({stage: data.stage, message: data.message, fraction: data.fraction});
        } catch (err) {
          console.error('onProgress failed:', err);
        }
        return;
      }
      const request = pending.get(data?.id);
      if (!request) return;
      pending.delete(data.id);
      clearTimeout(request.timer);
      if (data.ok) request.resolve(data.result);
      else request.reject(new RuntimeError(data.error?.message ?? 'unknown error', data.error?.stage ?? 'unknown'));
    });
    // Fires when worker.js itself cannot load or run (404, syntax error, a blocked import): no reply will come.
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      failAll(new RuntimeError(`the runtime worker could not start (${event.message || 'worker.js failed to load'}); ` +
        `reload the page; if it persists, rebuild the site and serve it with ${SERVE_COMMAND}`, 'worker'));
    });
    worker.addEventListener('messageerror', () => {
      failAll(new RuntimeError('a message from the runtime worker could not be read; reload the page', 'worker'));
    });
  }

  function call(op, args, transfer = [], timeoutMs = REQUEST_TIMEOUT_MS) {
    if (fileProblem) return Promise.reject(new RuntimeError(fileProblem, 'file-protocol'));
    start();
    if (dead) return Promise.reject(dead);
    return new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new RuntimeError(`${op} got no answer within ${timeoutMs / 1000} s; the runtime worker may have ` +
          'run out of memory: reload the page', op));
      }, timeoutMs);
      pending.set(id, {resolve, reject, timer});
      worker.postMessage({id, op, args}, transfer);
    });
  }

  return {
    async init() {
      let result;
      try {
        result = await call('init', {}, [], INIT_TIMEOUT_MS);
      } finally {
        initSettled = true;
      }
      if (registerOffline) registerServiceWorker().catch((err) => console.warn('offline support unavailable:', err));
      return result;
    },

    /** `image`: an ImageData, or {width, height, rgba: ArrayBuffer}. The pixel buffer is transferred (detached). */
    recognize(image) {
      const width = image?.width;
      const height = image?.height;
      const rgba = image?.rgba ?? image?.data?.buffer;
      if (!(rgba instanceof ArrayBuffer)) {
        return Promise.reject(new RuntimeError('recognize needs an ImageData or {width, height, rgba: ArrayBuffer}',
          'recognize'));
      }
      return call('recognize', {width, height, rgba}, [rgba]);
    },

    /**
     * `symbols`: [{char, gap_before}] in reading order, as the user confirmed them, or {symbols, eachLine}:
     * `eachLine` when the recognition calculated its lines one by one (`results`), each symbol with its `line`.
     */
    evaluate(symbols) {
      if (Array.isArray(symbols)) return call('evaluate', {symbols});
      return call('evaluate', {symbols: symbols?.symbols, eachLine: Boolean(symbols?.eachLine)});
    },

    terminate() {
      worker?.terminate();
      failAll(new RuntimeError('the runtime was stopped', 'terminated'));
    },
  };
}

/**
 * Register sw.js so the site works offline. When a new deploy has installed and is waiting, `onUpdateReady`
 * gets a function that switches to it (and reloads the page, so old and new files never mix in one page).
 * Without a callback the update takes over once every Inkcalc tab is closed.
 */
export async function registerServiceWorker({onUpdateReady} = {}) {
  if (!('serviceWorker' in navigator)) return null;
  const registration = await navigator.serviceWorker.register(SERVICE_WORKER_URL, {scope: SITE_SCOPE.href});
  if (onUpdateReady) {
    const offer = () => {
      if (registration.waiting && navigator.serviceWorker.controller) {
        onUpdateReady(() => {
          navigator.serviceWorker.addEventListener('controllerchange', () => location.reload(), {once: true});
          registration.waiting.postMessage({type: 'skip-waiting'});
        });
      }
    };
    offer();
    registration.addEventListener('updatefound', () => {
      registration.installing?.addEventListener('statechange', offer);
    });
  }
  return registration;
}

// Service worker: the whole site from one versioned cache, so Inkcalc boots offline and never mixes deploys.
//
// `python -m webapp build` replaces the PRECACHE line below with every built file, its sha256 (as a
// subresource-integrity string) and a cache name derived from all of them. So:
//   * install downloads each file with `integrity`: a file from another deploy (a CDN or HTTP cache serving
//     an old copy mid-deploy) fails the check and the install is retried later, instead of caching a mix;
//   * a file whose hash did not change is copied from the previous version's cache, not downloaded again;
//   * activate deletes the caches of older builds; a new version waits until no tab runs the old one
//     (or until the page asks with {type: 'skip-waiting'} and reloads), so one page never mixes versions;
//   * fetch answers from the cache first: the site boots with the server stopped or the network off.

const PRECACHE = {"cache": "inkcalc-unbuilt", "files": []}; // replaced by the build

const CACHE_PREFIX = 'inkcalc-';
const HASH_HEADER = 'x-inkcalc-sha256';
const DOWNLOADS_AT_ONCE = 6;

const scope = new URL(self.registration.scope);
const byPath = new Map(PRECACHE.files.map((file) => [new URL(file.path, scope).pathname, file]));

self.addEventListener('install', (event) => {
  event.waitUntil(precache());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(CACHE_PREFIX) && name !== PRECACHE.cache) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'skip-waiting') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== scope.origin) return;
  let path = url.pathname;
  if (path.endsWith('/')) path += 'index.html';
  const file = byPath.get(path);
  if (!file) return; // not part of the build: let the network answer
  event.respondWith((async () => {
    const cache = await caches.open(PRECACHE.cache);
    const cached = await cache.match(new URL(file.path, scope).href);
    return cached ?? fetch(request);
  })());
});

async function precache() {
  const cache = await caches.open(PRECACHE.cache);
  const previous = (await caches.keys()).filter((name) => name.startsWith(CACHE_PREFIX) && name !== PRECACHE.cache);
  const queue = [...PRECACHE.files];
  const worker = async () => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const url = new URL(file.path, scope).href;
      if (await cache.match(url)) continue; // an earlier, interrupted install already stored it
      const reused = await fromPreviousCache(previous, url, file.sha256);
      await cache.put(url, reused ?? await download(url, file));
    }
  };
  await Promise.all(Array.from({length: DOWNLOADS_AT_ONCE}, worker));
}

async function fromPreviousCache(names, url, sha256) {
  for (const name of names) {
    const response = await (await caches.open(name)).match(url);
    if (response?.headers.get(HASH_HEADER) === sha256) return response;
  }
  return null;
}

async function download(url, file) {
  // no-cache: revalidate with the server (a cheap 304 when unchanged) rather than trust a stale HTTP cache.
  const response = await fetch(url, {cache: 'no-cache', integrity: file.integrity});
  if (!response.ok) throw new Error(`precaching ${url} failed: HTTP ${response.status}`);
  const headers = new Headers(response.headers);
  headers.set(HASH_HEADER, file.sha256);
  return new Response(await response.blob(), {status: 200, statusText: 'OK', headers});
}

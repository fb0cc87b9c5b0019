// The wall's service worker (served as /wall-sw.js). It lets a screen that is reloaded while the
// server is unreachable come back with its page, scripts, styles, QR code and photos; the posts
// themselves come from the page's own snapshot (snapshot.js). Everything else passes through.
//
// Pages, scripts, styles and the QR code: network first (so a new release reaches the screen on
// its next reload; ES module imports carry no version), the cached copy when the network fails.
// Media (content-addressed names, never change): cache first. Caches are bounded.

const PAGES = "wall-pages-v1";
const ASSETS = "wall-assets-v1";
const MEDIA = "wall-media-v1";
const MAX_MEDIA = 300;
const MAX_ASSETS = 120;
const NETWORK_WAIT_MS = 4000;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

// "keep": the page's first load happened before this worker ran, so the page lists what it
// fetched. "forget": a withdrawn post's files, deleted on the server, leave the cache too.
// "sweep": the page cannot name the files of posts withdrawn while the screen was off, or of
// posts it no longer holds; each cached file is asked for again and goes if the server has
// deleted it.
self.addEventListener("message", (event) => {
  const data = event.data || {};
  const urls = Array.isArray(data.urls) ? data.urls : [];
  if (data.type === "keep") event.waitUntil(keep(data.page, urls));
  if (data.type === "forget") event.waitUntil(forget(urls));
  if (data.type === "sweep") event.waitUntil(sweep());
});

function own(u) {
  try {
    return new URL(u).origin === self.location.origin;
  } catch {
    return false;
  }
}

async function forget(urls) {
  const cache = await caches.open(MEDIA);
  for (const url of urls.filter(own)) {
    if (new URL(url).pathname.startsWith("/media/")) await cache.delete(url);
  }
}

// One HEAD at a time (at most MAX_MEDIA of them): a 404 or 410 removes the copy; no answer (the
// venue's network is down) keeps it, as the screen may need it to come back offline.
let sweeping = null;
function sweep() {
  sweeping ??= (async () => {
    const cache = await caches.open(MEDIA);
    for (const request of await cache.keys()) {
      const response = await withTimeout(fetch(request.url, { method: "HEAD", cache: "no-store" }), NETWORK_WAIT_MS).catch(() => null);
      if (response && (response.status === 404 || response.status === 410)) await cache.delete(request);
    }
  })().finally(() => {
    sweeping = null;
  });
  return sweeping;
}

async function keep(page, urls) {
  if (own(page) && /^\/(wall|live)\/[^/]+$/.test(new URL(page).pathname)) {
    const response = await fetch(page).catch(() => null);
    if (response && response.ok) await (await caches.open(PAGES)).put(page, response);
  }
  for (const url of urls.filter(own)) {
    const path = new URL(url).pathname;
    const name = path.startsWith("/media/") ? MEDIA : path.startsWith("/static/") || path.endsWith("/qr.svg") ? ASSETS : null;
    if (!name) continue;
    const cache = await caches.open(name);
    if (await cache.match(url)) continue;
    const response = await fetch(url).catch(() => null);
    if (response && response.ok) await cache.put(url, response);
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const path = url.pathname;
  if (request.mode === "navigate" && /^\/(wall|live)\/[^/]+$/.test(path)) {
    event.respondWith(networkFirst(request, PAGES));
  } else if (path.startsWith("/static/") || /^\/api\/events\/[^/]+\/qr\.svg$/.test(path)) {
    event.respondWith(networkFirst(request, ASSETS, MAX_ASSETS));
  } else if (path.startsWith("/media/")) {
    event.respondWith(cacheFirst(request, MEDIA, MAX_MEDIA));
  }
});

async function networkFirst(request, name, limit = 0) {
  const cache = await caches.open(name);
  try {
    const response = await withTimeout(fetch(request), NETWORK_WAIT_MS);
    if (response.ok && response.type === "basic") {
      await cache.put(request, response.clone());
      if (limit) trim(cache, limit);
    }
    return response;
  } catch (err) {
    const cached = await cache.match(request);
    if (cached) return cached;
    throw err;
  }
}

async function cacheFirst(request, name, limit) {
  const cache = await caches.open(name);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && response.type === "basic") {
    await cache.put(request, response.clone());
    trim(cache, limit);
  }
  return response;
}

async function trim(cache, limit) {
  const keys = await cache.keys();
  for (const key of keys.slice(0, Math.max(0, keys.length - limit))) await cache.delete(key);
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("network timeout")), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

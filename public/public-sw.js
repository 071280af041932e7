// The public pages' own small service worker: it keeps the self-check (/cek-berkas) and
// its app on an applicant's phone after one visit, so the page opens with no signal.
// It knows nothing of the office's app and caches no API answer (the page keeps the
// office's catalogue itself). `cargo xtask` fills in the two placeholders from dist/public/.
const VERSION = "__LOKET_VERSION__";
const PRECACHE = ["__LOKET_PRECACHE__"];
const CACHE = `loket-public-${VERSION}`;
const SHELL = "/public/index.html";

self.addEventListener("install", (event) => {
  // Nothing on these pages is mid-edit: a new version may take over at once.
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith("loket-public-") && key !== CACHE) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/")) {
    return;
  }
  if (request.mode === "navigate") {
    // Fresh when the network answers, the kept page when it does not.
    event.respondWith(fetch(request).catch(() => caches.match(SHELL, { cacheName: CACHE })));
    return;
  }
  event.respondWith(caches.match(request, { cacheName: CACHE }).then((hit) => hit || fetch(request)));
});

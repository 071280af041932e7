// Loket's service worker: precaches the app shell so the counter opens with no network,
// and replaces the cache on each deploy. `cargo xtask` fills in the two placeholders
// from the built dist/ (a hash of its files, and their list).
const VERSION = "__LOKET_VERSION__";
const PRECACHE = ["__LOKET_PRECACHE__"];
const CACHE = `loket-${VERSION}`;

self.addEventListener("install", (event) => {
  // No skipWaiting here: a new version waits until staff choose "reload", so the page is
  // never swapped under their hands. The first install activates at once anyway.
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith("loket-") && key !== CACHE) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "SKIP_WAITING") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  // The API is never cached: sync must see the server or fail visibly.
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/")) {
    return;
  }
  if (request.mode === "navigate") {
    // Every client route is the same shell; the cached one matches the cached assets.
    event.respondWith(
      caches.match("/index.html", { cacheName: CACHE }).then((hit) => hit || fetch(request)),
    );
    return;
  }
  event.respondWith(caches.match(request, { cacheName: CACHE }).then((hit) => hit || fetch(request)));
});

// Rolo's service worker (scope `/`). Precaches every file of web/dist, listed at build time,
// so after the first load the app starts and works with no network at all. The API (`/v1/…`)
// is never cached: contacts live in IndexedDB and travel over the sync socket.
// The build (scripts/postbuild.mjs) replaces the two placeholders below.
const VERSION = '3d37aa5fba498538';
const SHELL = [
  "/",
  "/assets/automerge-LjMxZKTS.wasm",
  "/assets/index-BfIl82DK.css",
  "/assets/index-Cj7xOzAM.js",
  "/assets/project.worker-CP3-Nu6y.js",
  "/icon-192.png",
  "/icon-512.png",
  "/icon-maskable-512.png",
  "/icon.svg",
  "/index.html",
  "/manifest.webmanifest"
];
const CACHE = `rolo-shell-${VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith('rolo-shell-') && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || url.pathname.startsWith('/v1/')) return;
  if (request.mode === 'navigate') {
    // Every page of the app is index.html (hash routing); the cached shell answers at once.
    event.respondWith(caches.match('/index.html', { cacheName: CACHE }).then((hit) => hit ?? fetch(request)));
    return;
  }
  event.respondWith(caches.match(request, { cacheName: CACHE }).then((hit) => hit ?? fetch(request)));
});

// The scanner page's service worker (docs/checkin.md), served as /checkin/sw.js so that it looks after
// /checkin/ alone. It keeps the scanner page of each event opened, with the scripts, the style and the
// icons, so that the page opens with no network once it has been opened once; its texts are in the
// page, and its sounds are made by the script. The network comes first: what it answers within three
// seconds is shown (and kept); else the copy kept. The API is never kept here: the door list lives in
// IndexedDB (static/checkin_door.js). Signing out deletes what is kept.
"use strict";
const KEPT = "checkin-v1";
const SHELL = [
  "/static/site.css", "/static/error_summary.js", "/static/checkin.js", "/static/checkin_door.js",
  "/static/checkin.webmanifest", "/static/icons/checkin-192.png", "/static/icons/checkin-512.png",
];
const NETWORK_MS = 3000;

self.addEventListener("install", (installing) => {
  installing.waitUntil(caches.open(KEPT).then((kept) => kept.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (activating) => {
  activating.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((key) => key !== KEPT).map((key) => caches.delete(key))))
    .then(keepOpenPages)
    .then(() => self.clients.claim()));
});

// The page that installed this worker was loaded before it: kept now, so that it opens offline at once.
async function keepOpenPages() {
  const kept = await caches.open(KEPT);
  const pages = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  await Promise.all(pages.map((page) => new URL(page.url)).filter(keepable)
    .map((url) => kept.add(url.pathname).catch(() => null)));
}

function keepable(url) { // an event's scanner page (not the list of events, nor the API), or a static file
  return url.origin === self.location.origin
    && (/^\/checkin\/[^/]+$/.test(url.pathname) && url.pathname !== "/checkin/sw.js" || SHELL.indexOf(url.pathname) >= 0);
}

self.addEventListener("fetch", (fetching) => {
  const request = fetching.request;
  if (request.method !== "GET" || !keepable(new URL(request.url))) return;
  fetching.respondWith(networkFirst(request));
});

async function networkFirst(request) {
  const kept = await caches.open(KEPT);
  const fresh = fetch(request).then((response) => {
    // A redirect is the sign-in page (signed out): shown, never kept in place of the scanner.
    if (response.ok && !response.redirected && response.type === "basic") kept.put(request, response.clone());
    return response;
  });
  const waited = new Promise((resolve) => setTimeout(() => resolve(null), NETWORK_MS));
  const answer = await Promise.race([fresh.catch(() => null), waited]);
  if (answer) return answer;
  return (await kept.match(request, { ignoreSearch: true })) || fresh;
}

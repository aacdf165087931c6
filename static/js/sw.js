// The portal's service worker (README, "Install and offline"), served from /sw.js so that its
// scope is the whole site. The server fills in LDN_CONFIG: the cache version, the shell files
// (static files and the offline page in each language) and where offline-store.js is.
//
// What it keeps: the application shell and static files, nothing else. Pages are always
// fetched from the network and never stored: they carry health data. With no connection, a
// page is answered with the offline page. Entries the pages kept offline are sent by
// Background Sync (the "ldn-offline-entries" tag) where the browser has it.
self.LDN_CONFIG = {};
var CONFIG = self.LDN_CONFIG;
var CACHE = "ldn-shell-" + CONFIG.version;
var PREFS = "ldn-prefs";
if (CONFIG.store) { importScripts(CONFIG.store); }

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) { return cache.addAll(CONFIG.shell || []); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("ldn-shell-") === 0 && name !== CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function isStatic(url) {
  return url.origin === self.location.origin && url.pathname.indexOf("/static/") === 0;
}

function preferredLanguage() {
  return caches.open(PREFS).then(function (cache) { return cache.match("/__language"); })
    .then(function (response) { return response ? response.text() : CONFIG.defaultLanguage; })
    .catch(function () { return CONFIG.defaultLanguage; });
}

function offlinePage() {
  return preferredLanguage().then(function (language) {
    var offline = CONFIG.offline || {};
    var url = offline[language] || offline[CONFIG.defaultLanguage];
    return caches.match(url);
  }).then(function (response) {
    return response || new Response("", { status: 503, statusText: "Offline" });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (request.mode === "navigate") {
    // A page: from the network only; never stored. No connection: the offline page.
    event.respondWith(fetch(request).catch(offlinePage));
    return;
  }
  if (isStatic(url)) {
    event.respondWith(
      caches.match(request).then(function (cached) {
        if (cached) { return cached; }
        return fetch(request).then(function (response) {
          if (response.ok && response.type === "basic") {
            var copy = response.clone();
            caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
          }
          return response;
        });
      })
    );
  }
  // Anything else (the manifest, sends, downloads) goes to the network untouched.
});

self.addEventListener("message", function (event) {
  var message = event.data || {};
  if (message.type === "language" && (CONFIG.offline || {})[message.language]) {
    event.waitUntil(caches.open(PREFS).then(function (cache) {
      return cache.put("/__language", new Response(message.language));
    }));
  }
});

function sendKept() {
  if (!self.LDNStore) { return Promise.resolve(); }
  var store = self.LDNStore;
  var sent = 0;
  return store.all().then(function (entries) {
    return entries.reduce(function (chain, entry) {
      return chain.then(function (goOn) {
        if (!goOn || entry.state !== "waiting") { return goOn; }
        return store.send(entry, entry.csrf).then(function (answer) {
          if (answer === null) { throw new Error("not sent"); }  // retried by the browser
          if (["saved", "duplicate", "kept_server", "not_yours"].indexOf(answer.result) >= 0) {
            sent += 1;
            return store.remove(entry.key).then(function () { return true; });
          }
          entry.state = answer.result === "conflict" ? "conflict" : "invalid";
          entry.server = answer.server || {};
          entry.errors = answer.errors || {};
          return store.put(entry).then(function () { return true; });
        });
      });
    }, Promise.resolve(true));
  }).then(function () {
    if (!sent) { return; }
    return self.clients.matchAll({ type: "window" }).then(function (clients) {
      clients.forEach(function (client) { client.postMessage({ type: "offline-sent" }); });
    });
  });
}

self.addEventListener("sync", function (event) {
  if (event.tag === "ldn-offline-entries") { event.waitUntil(sendKept()); }
});

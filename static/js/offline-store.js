// The phone's store of entries saved without a connection (IndexedDB), shared by the pages
// (offline.js) and the service worker (sw.js). One database, "ldn-offline": "entries" holds
// each kept entry by its key; "meta" holds who the entries belong to. Nothing else is kept.
(function (scope) {
  "use strict";
  var NAME = "ldn-offline";
  var VERSION = 1;

  function request(req) {
    return new Promise(function (resolve, reject) {
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function open() {
    var req = scope.indexedDB.open(NAME, VERSION);
    req.onupgradeneeded = function () {
      var db = req.result;
      if (!db.objectStoreNames.contains("entries")) {
        db.createObjectStore("entries", { keyPath: "key" });
      }
      if (!db.objectStoreNames.contains("meta")) {
        db.createObjectStore("meta", { keyPath: "name" });
      }
    };
    return request(req);
  }

  function withStore(storeName, mode, action) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(storeName, mode);
        var result = action(tx.objectStore(storeName));
        tx.oncomplete = function () {
          db.close();
          Promise.resolve(result).then(resolve, reject);
        };
        tx.onerror = function () { db.close(); reject(tx.error); };
        tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  scope.LDNStore = {
    put: function (entry) {
      return withStore("entries", "readwrite", function (store) { store.put(entry); });
    },
    all: function () {
      return withStore("entries", "readonly", function (store) { return request(store.getAll()); });
    },
    remove: function (key) {
      return withStore("entries", "readwrite", function (store) { store.delete(key); });
    },
    setMeta: function (name, value) {
      return withStore("meta", "readwrite", function (store) { store.put({ name: name, value: value }); });
    },
    getMeta: function (name) {
      return withStore("meta", "readonly", function (store) { return request(store.get(name)); })
        .then(function (row) { return row ? row.value : null; });
    },
    // Everything this phone kept: after logout nothing of the patient's is left behind.
    clear: function () {
      return open().then(function (db) {
        return new Promise(function (resolve, reject) {
          var tx = db.transaction(["entries", "meta"], "readwrite");
          tx.objectStore("entries").clear();
          tx.objectStore("meta").clear();
          tx.oncomplete = function () { db.close(); resolve(); };
          tx.onerror = function () { db.close(); reject(tx.error); };
          tx.onabort = function () { db.close(); reject(tx.error); };
        });
      });
    },
    // Send one entry to the portal. Returns the portal's answer, or null when there is no
    // connection or no session (the entry then waits).
    send: function (entry, csrfToken) {
      var body = {
        key: entry.key,
        owner: entry.owner,
        day: entry.day,
        saved_at: entry.savedAt,
        choice: entry.choice || ""
      };
      if (entry.kind === "dose") { body.status = entry.fields.status; } else { body.fields = entry.fields; }
      return scope.fetch(entry.url, {
        method: "POST",
        credentials: "same-origin",
        redirect: "manual",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken || entry.csrf },
        body: JSON.stringify(body)
      }).then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") !== 0) { return null; }
        return response.json();
      }, function () { return null; });
    }
  };
})(self);

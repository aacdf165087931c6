// Installable app and offline entries (README, "Install and offline"). Kept in a file: the
// Content-Security-Policy allows no inline script.
//
// - Registers the service worker (sw.js, served from the site's root).
// - Tonight's dose buttons, the diary form and the morning check-in's taps keep the entry on
//   this phone (offline-store.js) with a key of its own before it is posted. With no connection, or
//   when the post gets no answer (a weak signal, a timeout), it stays there and the page
//   says so; it is sent when the connection returns (Background Sync where the browser has
//   it, else this script on the next page load or the "online" event), with the same key,
//   so an entry whose post did arrive is not saved twice. An entry the portal has a newer
//   answer for is shown to the patient to choose. A sent entry is removed from the phone.
// - Logging out, or any page for someone logged out, removes every kept entry; logging out
//   also empties the service worker's caches.
(function () {
  "use strict";
  var body = document.body;
  var store = self.LDNStore;
  if (!body || !store || !self.indexedDB) { return; }
  var data = body.dataset;
  var owner = data.offlineOwner || null;
  // The offline page is the same for everyone: whose phone it is comes from the store.
  var offlinePage = data.session === "offline-page";
  var keeper = owner;
  var status = document.getElementById("offline-status");
  var flushing = false;
  var LOGOUT_WAIT_MS = 2000;
  var POST_WAIT_MS = 20000;  // a form post with no answer after this is kept on the phone
  var notice = "";

  function say(name) {
    if (!status) { return ""; }
    return status.dataset["msg" + name.charAt(0).toUpperCase() + name.slice(1)] || "";
  }

  function pathOf(url) {
    try { return new URL(url, window.location.href).pathname; } catch (e) { return ""; }
  }

  function newKey() {
    if (self.crypto && self.crypto.randomUUID) { return self.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    self.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function pageToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function clearCaches() {
    if (!self.caches) { return Promise.resolve(); }
    return caches.keys().then(function (names) {
      return Promise.all(names.map(function (name) { return caches.delete(name); }));
    });
  }

  // --- The service worker -------------------------------------------------------------
  if ("serviceWorker" in navigator && data.swUrl) {
    navigator.serviceWorker.register(data.swUrl, { scope: "/" }).catch(function () {});
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.active) {
        registration.active.postMessage({ type: "language", language: document.documentElement.lang });
      }
    });
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "offline-sent") { render(); }
    });
  }

  // --- Logged out: nothing of the patient's stays on the phone -------------------------
  if (data.session === "none") {
    store.clear().catch(function () {});
  } else if (owner) {
    store.setMeta("owner", owner).catch(function () {});
    if (data.offlineZone) { store.setMeta("zone", data.offlineZone).catch(function () {}); }
  }

  // The offline page offers tonight's dose and today's scores only on a phone a patient
  // is logged in on (the store knows who); what is saved there waits in the store.
  var zone = data.offlineZone || null;
  if (offlinePage) {
    Promise.all([store.getMeta("owner"), store.getMeta("zone")]).then(function (meta) {
      keeper = meta[0] || null;
      zone = meta[1] || null;
      var actions = document.querySelector("[data-offline-actions]");
      if (keeper && actions) { actions.hidden = false; }
    }).catch(function () {});
  }

  // Today where the patient lives (the page says so; the offline page has the store's zone).
  function today() {
    if (data.offlineToday) { return data.offlineToday; }
    var now = new Date();
    try {
      var parts = new Intl.DateTimeFormat("en-CA", {
        timeZone: zone || undefined, year: "numeric", month: "2-digit", day: "2-digit"
      }).formatToParts(now);
      var part = function (type) { return parts.filter(function (p) { return p.type === type; })[0].value; };
      return part("year") + "-" + part("month") + "-" + part("day");
    } catch (e) {
      var pad = function (n) { return (n < 10 ? "0" : "") + n; };
      return now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!data.logoutUrl || pathOf(form.action) !== data.logoutUrl || form.dataset.cleared) { return; }
    event.preventDefault();
    // Logging out never waits on the phone's storage: if clearing has not finished within
    // LOGOUT_WAIT_MS the form goes anyway, and the logged-out page clears the store again.
    var submitted = false;
    function submit() {
      if (submitted) { return; }
      submitted = true;
      form.dataset.cleared = "1";
      form.submit();
    }
    setTimeout(submit, LOGOUT_WAIT_MS);
    Promise.all([store.clear(), clearCaches()]).catch(function () {}).then(submit);
  }, true);

  // --- Keeping an entry while offline --------------------------------------------------
  function kindOf(form) {
    if (!keeper || (form.method || "").toLowerCase() !== "post") { return null; }
    var path = pathOf(form.action);
    if (path === data.offlineDoseForm) { return "dose"; }
    if (path === data.offlineDiaryForm || /^\/diary\/\d{4}-\d{2}-\d{2}\/$/.test(path)) { return "diary"; }
    if (data.offlineMorningForm && path === data.offlineMorningForm) { return "morning"; }
    return null;
  }

  function labelFor(form, element) {
    if (element.type === "radio" || element.type === "checkbox") {
      var group = element.closest("fieldset");
      var legend = group && group.querySelector("legend");
      if (legend) { return legend.textContent.trim(); }
    }
    var label = element.id && form.querySelector("label[for='" + element.id + "']");
    return label ? label.textContent.replace(/\*/g, "").trim() : element.name;
  }

  function valueText(element) {
    if (element.tagName === "SELECT") {
      var option = element.options[element.selectedIndex];
      return option ? option.textContent.trim() : element.value;
    }
    if (element.type === "radio" || element.type === "checkbox") {
      var label = element.id && document.querySelector("label[for='" + element.id + "']");
      return label ? label.textContent.trim() : element.value;
    }
    return element.value;
  }

  function build(form, kind, submitter) {
    var fields = {};
    var summary = [];
    var csrf = "";
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!element.name || element.disabled || element.type === "submit" || element.type === "button") { return; }
      if ((element.type === "radio" || element.type === "checkbox") && !element.checked) { return; }
      if (element.name === "csrfmiddlewaretoken") { csrf = element.value; return; }
      var value = element.value;
      if (fields[element.name] === undefined) { fields[element.name] = value; }
      else { fields[element.name] = [].concat(fields[element.name], value); }
      if (value !== "" && element.type !== "hidden") { summary.push([labelFor(form, element), valueText(element)]); }
    });
    if (submitter && submitter.name) {
      fields[submitter.name] = submitter.value;
      if (kind === "morning") {
        // The tap's question (the button group's label) and the tapped answer.
        var group = submitter.closest("[aria-labelledby]");
        var question = group && document.getElementById(group.getAttribute("aria-labelledby"));
        summary.push([question ? question.textContent.trim() : submitter.name, submitter.textContent.trim()]);
      }
    }
    var day = today();
    var fromAddress = pathOf(form.action).match(/^\/diary\/(\d{4}-\d{2}-\d{2})\/$/);
    if (kind === "diary" && fromAddress) { day = fromAddress[1]; }
    else if (kind === "diary" && fields.day) { day = fields.day; }
    return {
      key: newKey(),
      kind: kind,
      owner: keeper,
      day: day,
      fields: fields,
      summary: summary,
      csrf: csrf,
      url: { dose: data.offlineDoseUrl, diary: data.offlineDiaryUrl, morning: data.offlineMorningUrl }[kind],
      savedAt: new Date().toISOString(),
      state: "waiting"
    };
  }

  function askForSync() {
    if (!("serviceWorker" in navigator)) { return; }
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) { return registration.sync.register("ldn-offline-entries"); }
    }).catch(function () {});
  }

  function kept() {
    notice = say("saved");
    return render().then(function () {
      if (status) { status.scrollIntoView({ block: "nearest" }); }
      askForSync();
    });
  }

  // The form as the browser would send it, from the page, with the entry's key; the portal
  // answers a redirect as JSON so that this page follows it (portal/core/middleware.py).
  function post(form, entry, submitter) {
    var body = new FormData(form);
    if (submitter && submitter.name) { body.append(submitter.name, submitter.value); }
    body.append("offline_key", entry.key);
    var controller = self.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, POST_WAIT_MS) : null;
    return fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      redirect: "manual",
      headers: { "X-LDN-Submit": "fetch" },
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      clearTimeout(timer);
      return response;
    }, function (error) {
      clearTimeout(timer);
      throw error;
    });
  }

  // The portal answered with a page (the form with its errors, say): send the form the
  // browser's own way, with the same key, so that the browser shows that page. A key the
  // portal has already saved saves nothing more.
  function sendNatively(form, entry, submitter) {
    function hidden(name, value) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      form.appendChild(input);
    }
    hidden("offline_key", entry.key);
    if (submitter && submitter.name) { hidden(submitter.name, submitter.value); }
    form.submit();
  }

  // The morning check-in's form is also htmx's: its submit is taken here, in the capture
  // phase, before htmx sees it, so that a tap is kept on the phone like the diary form.
  document.addEventListener("submit", function (event) {
    if (kindOf(event.target) !== "morning" || event.defaultPrevented) { return; }
    event.stopPropagation();
    keep(event, "morning");
  }, true);

  document.addEventListener("submit", function (event) {
    var kind = kindOf(event.target);
    if (!kind || kind === "morning" || event.defaultPrevented) { return; }
    keep(event, kind);
  });

  // The page after a morning tap: its check-in card swapped in place (as htmx does), or the
  // whole page when that cannot be fetched.
  function morningNext(location) {
    var card = document.getElementById("morning-checkin");
    if (!self.htmx || !card) { window.location.assign(location); return; }
    return self.htmx.ajax("GET", location, { target: "#morning-checkin", select: "#morning-checkin", swap: "outerHTML" })
      .then(function () {
        if (document.getElementById("morning-checkin") === card) { window.location.assign(location); }
      }, function () { window.location.assign(location); });
  }

  function replaced(entry) {
    return store.all().then(function (entries) {
      return Promise.all(entries.filter(function (other) {
        return other.kind === "morning" && other.owner === entry.owner && other.day === entry.day &&
          other.state === "waiting" && Object.keys(other.fields).some(function (name) {
            return name !== "next" && entry.fields[name] !== undefined;
          });
      }).map(function (other) { return store.remove(other.key); }));
    });
  }

  function keep(event, kind) {
    var form = event.target;
    event.preventDefault();
    // The offline page was shown because nothing got through: it always keeps.
    var offline = offlinePage || navigator.onLine === false;
    if (!offline && form.dataset.sending) { return; }  // already on its way
    var submitter = event.submitter;
    var entry = build(form, kind, submitter);
    // Kept on the phone first: if the connection drops on the way, nothing is lost. A morning
    // tap replaces one to the same question, for the same day, still waiting on the phone.
    var saving = (kind === "morning" ? replaced(entry) : Promise.resolve()).then(function () {
      return store.put(entry);
    });
    if (offline) { saving.then(kept); return; }
    form.dataset.sending = "1";
    saving.then(function () {
      return post(form, entry, submitter).then(answered, function () {
        delete form.dataset.sending;
        return kept();
      });
    }, function () {
      sendNatively(form, entry, submitter);  // this phone cannot keep it: posted as before
    });

    function answered(response) {
      var type = response.headers.get("Content-Type") || "";
      if (response.status >= 500 && type.indexOf("text/html") !== 0) {
        delete form.dataset.sending;  // a gateway's error, not the portal's: sent again later
        return kept();
      }
      return store.remove(entry.key).then(function () {
        if (type.indexOf("application/json") === 0) {
          return response.json().then(function (answer) {
            var location = answer.location || window.location.href;
            if (kind === "morning") { return morningNext(location); }
            window.location.assign(location);
          });
        }
        sendNatively(form, entry, submitter);
      });
    }
  }

  // --- Sending ---------------------------------------------------------------------------
  function mine(entries) {
    return entries.filter(function (entry) { return !owner || entry.owner === owner; });
  }

  function flush() {
    if (!owner || flushing || navigator.onLine === false) { return Promise.resolve(); }
    flushing = true;
    var sent = 0;
    return store.all().then(function (entries) {
      var chain = Promise.resolve(true);
      entries.forEach(function (entry) {
        chain = chain.then(function (goOn) {
          if (!goOn) { return false; }
          if (entry.owner !== owner) { return store.remove(entry.key).then(function () { return true; }); }
          if (entry.state !== "waiting") { return true; }
          return store.send(entry, pageToken()).then(function (answer) {
            if (answer === null) { return false; }  // no connection or no session: keep it
            var result = answer.result;
            if (result === "saved" || result === "duplicate" || result === "kept_server" || result === "not_yours") {
              sent += result === "not_yours" ? 0 : 1;
              return store.remove(entry.key).then(function () { return true; });
            }
            entry.state = result === "conflict" ? "conflict" : "invalid";
            entry.server = answer.server || {};
            entry.errors = answer.errors || {};
            return store.put(entry).then(function () { return true; });
          });
        });
      });
      return chain;
    }).catch(function () {}).then(function () {
      flushing = false;
      if (sent) { notice = say("sent"); }
      return render();
    });
  }

  // --- Showing what waits ------------------------------------------------------------------
  function dayText(day) {
    var date = new Date(day + "T12:00:00");
    if (isNaN(date.getTime())) { return day; }
    return date.toLocaleDateString(document.documentElement.lang || undefined, { day: "numeric", month: "short", year: "numeric" });
  }

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text) { node.textContent = text; }
    if (className) { node.className = className; }
    return node;
  }

  function describe(entry) {
    if (entry.kind === "dose") {
      return say("dose") + " " + dayText(entry.day) + ": " + (say(entry.fields.status) || entry.fields.status);
    }
    if (entry.kind === "morning") { return say("morning") + " " + dayText(entry.day); }
    return say("diary") + " " + dayText(entry.day);
  }

  function answers(rows) {
    var list = element("ul", "", "small mb-1");
    (rows || []).forEach(function (row) { list.appendChild(element("li", row[0] + ": " + row[1])); });
    return list;
  }

  function choose(entry, choice) {
    entry.choice = choice;
    entry.state = "waiting";
    return store.put(entry).then(flush);
  }

  function item(entry) {
    var li = element("li", "", "mt-2");
    li.dataset.offlineEntry = entry.kind;
    li.dataset.offlineState = entry.state;
    li.appendChild(element("div", describe(entry), "fw-semibold"));
    if (entry.state === "conflict") {
      li.appendChild(element("p", say("conflict"), "mb-1"));
      li.appendChild(element("div", say("phone"), "small fw-semibold"));
      li.appendChild(entry.kind === "dose" ? element("p", say(entry.fields.status), "small mb-1") : answers(entry.summary));
      li.appendChild(element("div", say("portal"), "small fw-semibold"));
      if (entry.kind === "dose") {
        li.appendChild(element("p", entry.server.status + " (" + say("recorded") + " " + entry.server.recorded_at + ")", "small mb-1"));
      } else {
        li.appendChild(answers(entry.server.answers));
      }
      var phone = element("button", say("keepPhone"), "btn btn-sm btn-primary me-2");
      phone.type = "button";
      phone.addEventListener("click", function () { choose(entry, "phone"); });
      var portal = element("button", say("keepPortal"), "btn btn-sm btn-outline-secondary");
      portal.type = "button";
      portal.addEventListener("click", function () { choose(entry, "portal"); });
      li.appendChild(phone);
      li.appendChild(portal);
    } else if (entry.state === "invalid") {
      var problems = [];
      Object.keys(entry.errors || {}).forEach(function (name) { problems = problems.concat(entry.errors[name]); });
      li.appendChild(element("p", say("invalid") + " " + problems.join(" "), "mb-1"));
      var remove = element("button", say("remove"), "btn btn-sm btn-outline-danger");
      remove.type = "button";
      remove.addEventListener("click", function () { store.remove(entry.key).then(render); });
      li.appendChild(remove);
    }
    return li;
  }

  function render() {
    if (!status) { return Promise.resolve(); }
    return store.all().then(function (entries) {
      entries = mine(entries);
      var text = status.querySelector("[data-offline-text]");
      var list = status.querySelector("[data-offline-list]");
      list.textContent = "";
      var lines = [];
      if (notice) { lines.push(notice); }
      if (navigator.onLine === false && !notice) { lines.push(say("offline")); }
      if (entries.length) { lines.push(say("waiting")); }
      text.textContent = lines.join(" ");
      entries.forEach(function (entry) { list.appendChild(item(entry)); });
      status.hidden = lines.length === 0;
      status.dataset.waiting = String(entries.length);
    }).catch(function () {});
  }

  window.addEventListener("online", function () { notice = ""; flush(); });
  window.addEventListener("offline", function () { notice = ""; render(); });
  if (data.session !== "none") { render().then(flush); }
})();

// The scanner page at the door (templates/staff/checkin.html, docs/checkin.md). No build step, no library.
// 1. Pairing: the first time on a device, "Name this device" makes the device's own API token
//    (POST /checkin/device), kept in localStorage; scans go to POST /api/v1/checkins with it. When the
//    API answers 401 (the token was revoked) the page forgets it and asks for a name again.
// 2. Three ways in: the camera (the browser's BarcodeDetector, else a frame about twice a second to
//    POST /checkin/decode, where zxing-cpp reads it); the code field (a handheld scanner types the code
//    and Enter, or staff type the short code); search by name or organisation, one tap to check in.
//    Plus walk-ins. The same code again from this device within two seconds is ignored (bounce).
// 3. Every answer fills the aria-live region as a full-screen panel (colour, icon and words), with a
//    beep and a vibration where the browser allows; it goes with the next scan, a tap or ~3 s. Another
//    day than today answers "needs_confirmation" (nothing written): the panel says which day and
//    stays until its button sends the same check-in again, confirmed, or it is closed.
// 4. The day scanned for stays at the top, with the counter "N of M checked in" for it, asked for
//    after each answer and every few seconds (other devices check people in too).
// 5. With no network the page goes on: a service worker (/checkin/sw.js) keeps it, and scans, the
//    search and walk-ins are decided with the door list kept on the device (static/checkin_door.js),
//    marked "offline" and sent when the network is back. The line at the top says which it is.
(function () {
  "use strict";
  var root = document.getElementById("checkin");
  if (!root) return;
  var BOUNCE_MS = 2000, FRAME_MS = 500, DETECT_MS = 200, FRAME_SIDE = 1280, COUNT_MS = 10000, SYNC_MS = 30000;
  var NETWORK_MS = 6000;
  var TOKEN = "checkin.token", DEVICE = "checkin.device", STAFF = "checkin.staff";
  var ICONS = { ok: "\u2713", warn: "!", bad: "\u2715", info: "i", confirm: "?" };
  var event = root.dataset.event;
  var language = document.documentElement.lang || "sv";
  var csrf = document.querySelector("input[name=_csrf_token]").value;
  var byId = function (id) { return document.getElementById(id); };
  var code = byId("code"), door = byId("door"), answerBox = byId("checkin-answer");
  var last = { code: "", at: 0 }, hideTimer = null, audio = null;
  var results = JSON.parse(byId("checkin-results").textContent);
  var list = null, network = byId("checkin-network"); // the door list on this device (static/checkin_door.js)

  function text(name) { return root.dataset["text" + name] || ""; }

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content) node.textContent = content;
    return node;
  }

  // --- talking to the server ---------------------------------------------------------------------

  function send(url, options) {
    // A network that hangs (Wi-Fi connected, nothing beyond it) is no network: after a few seconds
    // the scan is decided with the door list instead (answers "no answer from the server" without it).
    var waited = window.AbortController ? new AbortController() : null, timedOut = false;
    if (waited) window.setTimeout(function () { timedOut = true; waited.abort(); }, NETWORK_MS);
    return fetch(url, Object.assign({ signal: waited && waited.signal }, options)).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.ok && !response.redirected) return body;
        // A refused field (an organiser's missing reason) says more than the general message.
        var first = Array.isArray(body.errors) && body.errors[0];
        throw { status: response.status, message: (first && first.message) || body.message || text("Offline"),
                errors: body.errors };
      });
    }, function () { throw { status: 0, message: text("Offline"), timedOut: timedOut }; });
  }

  function api(path, body) { // the JSON API, with the device's bearer token
    return send("/api/v1/checkins" + path, { method: "POST", body: JSON.stringify(body || {}), headers: {
      Authorization: "Bearer " + localStorage.getItem(TOKEN), "Content-Type": "application/json",
      Accept: "application/json", "Accept-Language": language } }).catch(function (problem) {
      problem.api = true;
      throw problem;
    });
  }

  function sessionPost(url, body, contentType) { // the page's own endpoints: the session and its CSRF token
    var headers = { Accept: "application/json", "X-CSRFToken": csrf };
    if (contentType) headers["Content-Type"] = contentType;
    return send(url, { method: "POST", body: body, headers: headers, credentials: "same-origin" });
  }

  function failed(problem) {
    if (problem.api && problem.status === 401) return showPairing(text("Unpaired"));
    show({ result: "error", message: problem.status === 401 ? text("SignedOut") : problem.message });
  }

  // --- pairing -----------------------------------------------------------------------------------

  function device() { return localStorage.getItem(DEVICE) || ""; }

  function showPairing(reason) {
    localStorage.removeItem(TOKEN);
    stopCamera();
    byId("checkin-scanner").hidden = true;
    byId("checkin-pair").hidden = false;
    byId("pair-reason").hidden = !reason;
    byId("pair-reason").textContent = reason || "";
    byId("field-device").value = device();
    byId("field-device").focus();
  }

  function showScanner() {
    byId("checkin-pair").hidden = true;
    byId("checkin-scanner").hidden = false;
    // What needs the script (the API's token, the camera) is shown only now; search works without it.
    document.querySelectorAll("[data-needs-script]").forEach(function (part) { part.hidden = false; });
    byId("device-name").textContent = device();
    code.focus();
    startList();
  }

  byId("pair-form").addEventListener("submit", function (submitted) {
    submitted.preventDefault();
    sessionPost("/checkin/device", new URLSearchParams(new FormData(submitted.target))).then(function (body) {
      localStorage.setItem(TOKEN, body.token);
      localStorage.setItem(DEVICE, body.device);
      localStorage.setItem(STAFF, root.dataset.staff);
      byId("pair-error").textContent = "";
      showScanner();
    }, function (problem) {
      byId("pair-error").textContent = problem.status === 401 ? text("SignedOut") : problem.message;
    });
  });
  byId("forget-device").addEventListener("click", function () { showPairing(""); });

  // --- the answer ----------------------------------------------------------------------------------

  function clock(iso) {
    var time = new Intl.DateTimeFormat(language === "sv" ? "sv-SE" : "en-GB",
      { hour: "2-digit", minute: "2-digit", timeZone: "Europe/Stockholm" }).format(new Date(iso));
    return language === "sv" ? time.replace(":", ".") : time;
  }

  function firstCheckIn(answer) {
    return text(answer.device ? "AlreadyDevice" : "Already").replace("{time}", clock(answer.checked_in_at))
      .replace("{by}", answer.checked_in_by || "\u2013").replace("{device}", answer.device || "");
  }

  function show(answer, again) {
    var kind = { ok: "ok", already_checked_in: "warn", undone: "info", needs_confirmation: "confirm" }[answer.result] || "bad";
    var panel = element("div", "checkin-answer answer-" + (kind === "confirm" ? "warn" : kind));
    var icon = element("p", "answer-icon", ICONS[kind]);
    icon.setAttribute("aria-hidden", "true");
    panel.append(icon, element("p", "answer-title", answer.message));
    if (answer.confirm) panel.append(element("p", "answer-detail answer-confirm", answer.confirm));
    if (answer.offline) panel.append(element("p", "answer-detail answer-offline", text("OfflineAnswer")));
    if (answer.provisional) panel.append(element("p", "answer-detail", text("Provisional").replace("{code}", answer.provisional)));
    if (answer.name) panel.append(element("p", "answer-name", answer.name));
    if (answer.organisation) panel.append(element("p", "answer-organisation", answer.organisation));
    if (kind === "warn" && answer.checked_in_at) panel.append(element("p", "answer-detail", firstCheckIn(answer)));
    var actions = element("p", "answer-actions");
    if (kind === "confirm" && again) {
      var confirm = element("button", "button answer-confirm-button", text("Confirm").replace("{number}", answer.day_number));
      confirm.type = "button";
      confirm.addEventListener("click", function (clicked) {
        clicked.stopPropagation();
        showLatest(again(), null);
      });
      actions.append(confirm);
    }
    if (kind === "ok" && answer.checkin) {
      var undo = element("button", "button answer-undo", text("Undo"));
      undo.type = "button";
      undo.addEventListener("click", function (clicked) {
        clicked.stopPropagation();
        api("/" + answer.checkin + "/undo").then(function () {
          show({ result: "undone", message: text("Undone"), name: answer.name });
        }, failed);
      });
      actions.append(undo);
    }
    if (answer.badge) { // a walk-in's name badge, for the badge printer at the door
      var badge = element("a", "button secondary", text("Badge"));
      badge.href = answer.badge;
      badge.addEventListener("click", function (clicked) { clicked.stopPropagation(); });
      actions.append(badge);
    }
    var close = element("button", "button secondary", text("Close"));
    close.type = "button";
    actions.append(close);
    panel.append(actions);
    panel.addEventListener("click", clear); // a tap anywhere on it
    answerBox.replaceChildren(panel);
    // Back to the code field for the next ticket, unless someone is typing in search or walk-in:
    // a handheld scanner's Enter must not land on the button that was tapped last.
    // A confirmation never takes the focus: a handheld scanner's next Enter must not confirm it.
    var active = document.activeElement;
    var typing = active && active !== code && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName);
    if (!typing) code.focus({ preventScroll: true });
    feedback(kind === "confirm" ? "warn" : kind);
    window.clearTimeout(hideTimer);
    // A confirmation, or a walk-in's badge to print, stays until it is used or closed.
    if (kind !== "confirm" && !answer.badge) hideTimer = window.setTimeout(clear, Number(root.dataset.answerMs) || 3000);
    refreshCount();
    // Search results on the screen show the one just checked in as "Checked in 09.12".
    if (kind === "ok" && found.childElementCount && query.value.trim().length >= 2) search();
  }

  var asked = 0; // answers may arrive out of order: only the answer to the latest question is shown
  function showLatest(question, again, offline) { // again(): the same check-in, confirmed (for another day)
    var mine = ++asked;           // offline(): the same check-in decided on the device, when the network fails
    return question.then(function (answer) {
      if (mine !== asked) return;
      show(answer, again);
      if (list) list.remember(answer, doorFields()).catch(function () {});
    }, function (problem) {
      if (mine !== asked) return;
      if (problem.status === 0 && offline) return showOffline(offline());
      failed(problem);
    });
  }

  function clear() {
    window.clearTimeout(hideTimer);
    var hadFocus = answerBox.contains(document.activeElement);
    answerBox.replaceChildren();
    if (hadFocus) code.focus();
  }

  document.addEventListener("keydown", function (pressed) { if (pressed.key === "Escape") clear(); });

  function feedback(kind) {
    if (kind === "info") return;
    beep(kind === "ok" ? 1320 : kind === "warn" ? 660 : 220, kind === "ok" ? 0.12 : 0.4);
    if (navigator.vibrate) navigator.vibrate(kind === "ok" ? 80 : [200, 100, 200]);
  }

  function beep(frequency, seconds) {
    try {
      if (!audio) return;
      var tone = audio.createOscillator(), gain = audio.createGain();
      tone.frequency.value = frequency;
      gain.gain.value = 0.25;
      tone.connect(gain).connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + seconds);
    } catch (ignored) { /* no sound, then */ }
  }

  function unlockSound() { // browsers allow sound only after a tap or a key
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!audio && Context) audio = new Context();
    if (audio && audio.state === "suspended") audio.resume();
  }
  document.addEventListener("pointerdown", unlockSound);
  document.addEventListener("keydown", unlockSound);

  // --- scanning ----------------------------------------------------------------------------------

  // --- the day at the top, and the counter ----------------------------------------------------------

  var counter = byId("checkin-counter"), counting = null;

  function showDoor() { // the chosen door's day at the top, marked when it is not today
    var chosen = door.options[door.selectedIndex];
    if (!chosen || !byId("door-shown")) return;
    byId("door-label").textContent = chosen.dataset.label;
    byId("door-not-today").hidden = chosen.dataset.today === "1";
    byId("door-shown").classList.toggle("checkin-door-other", chosen.dataset.today !== "1");
    if (counter.dataset.day !== chosen.dataset.day) {
      counter.dataset.day = chosen.dataset.day;
      refreshCount();
    }
  }

  function refreshCount() {
    if (!counter || document.hidden) return;
    var day = counter.dataset.day, mine = counting = {};
    fetch("/checkin/" + event + "/count?" + new URLSearchParams({ day: day }),
      { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (response) {
      return response.ok && !response.redirected ? response.json() : null;
    }).then(function (body) { // only the latest answer, and only for the day still chosen
      if (body && mine === counting && day === counter.dataset.day && counter.textContent !== body.text) {
        counter.textContent = body.text;
      }
    }, function () { /* the next round, then */ });
  }

  if (door) door.addEventListener("change", showDoor);
  window.setInterval(refreshCount, COUNT_MS);
  document.addEventListener("visibilitychange", refreshCount);

  function doorFields() { // the door, and an organiser's reason for checking in for another day
    var value = door.value, colon = value.indexOf(":"), reason = byId("another-day-reason");
    var fields = value.slice(0, colon) === "session" ? { session: value.slice(colon + 1) } : { day: value.slice(colon + 1) };
    if (reason && reason.value.trim()) fields.reason = reason.value.trim();
    return fields;
  }

  function scan(value, method) {
    value = value.trim();
    if (!value) return;
    var now = Date.now(), bounce = value === last.code && now - last.at < BOUNCE_MS;
    last = { code: value, at: now }; // a code held in front of the camera keeps being ignored
    if (bounce) return;
    var body = Object.assign({ code: value, event: event, device: device(), method: method }, doorFields());
    var offline = function () { return list ? list.check(value, doorFields(), method) : Promise.resolve(null); };
    if (navigator.onLine === false) return showOffline(offline()); // no time lost waiting for the network
    showLatest(api("", body), function () { return api("", Object.assign({ confirmed: true }, body)); }, offline);
  }

  // --- with no network: the door list on this device ------------------------------------------------

  function startList() {
    if (!window.CheckinDoor || !window.indexedDB || !window.crypto || !crypto.subtle) return; // online only, then
    if (list) { // named again: the new key
      list.token = localStorage.getItem(TOKEN);
      list.device = device();
      return sync(true);
    }
    list = new window.CheckinDoor.Door(event, localStorage.getItem(TOKEN), device());
    if (navigator.serviceWorker) navigator.serviceWorker.register("/checkin/sw.js", { scope: "/checkin/" }).catch(function () {});
    sync(true);
    window.setInterval(function () { if (!document.hidden) sync(false); }, SYNC_MS);
    window.addEventListener("online", function () { sync(false); });
    window.addEventListener("offline", showNetwork);
  }

  var syncing = null;
  function sync(whole) { // send what waits and bring the list up to date; the line at the top says how it went
    if (!list || syncing) return syncing;
    syncing = list.sync(whole).then(function () { return true; }, function (problem) {
      if (problem && problem.status === 401) showPairing(text("Unpaired"));
      return !(problem && problem.status === 0); // a refusal is no lack of network

    }).then(function (online) {
      syncing = null;
      return showNetwork(online);
    });
    return syncing;
  }

  function showNetwork(online) {
    if (!list) return;
    online = online !== false && navigator.onLine !== false;
    return Promise.all([list.event(), list.waiting()]).then(function (found) {
      var kept = found[0], waiting = found[1], parts = [];
      if (online && kept) parts.push(text("NetworkOnline").replace("{num}", kept.count).replace("{time}", clock(new Date(kept.synced_at).toISOString())));
      if (!online) parts.push(text("NetworkOffline"));
      if (waiting) parts.push(text("Waiting").replace("{num}", waiting));
      network.textContent = parts.join(" ");
      network.hidden = !parts.length;
      network.classList.toggle("checkin-network-offline", !online);
    }).catch(function () {});
  }

  function showOffline(decided) { // an answer the device decided with its list, shown as such
    var mine = ++asked;
    return decided.then(function (answer) {
      if (mine !== asked) return;
      if (!answer) return failed({ status: 0, message: text("NoList") });
      answer.message = results[answer.result] || answer.result;
      answer.offline = true;
      show(answer);
      showNetwork(false);
    }, function () { if (mine === asked) failed({ status: 0, message: text("NoList") }); });
  }

  byId("code-form").addEventListener("submit", function (submitted) {
    submitted.preventDefault();
    var value = code.value;
    code.value = "";
    scan(value, "scanner");
  });

  // --- the camera --------------------------------------------------------------------------------

  var video = byId("camera-video"), toggle = byId("camera-toggle"), status = byId("camera-status");
  var canvas = document.createElement("canvas");
  var stream = null, detector = null, timer = null;

  toggle.addEventListener("click", function () { if (stream) stopCamera(); else startCamera(); });

  function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      status.textContent = text("CameraFailed");
      return;
    }
    navigator.mediaDevices.getUserMedia({ audio: false, video: {
      facingMode: "environment", width: { ideal: 1280 }, height: { ideal: 720 } } }).then(function (found) {
      stream = found;
      video.srcObject = found;
      video.hidden = false;
      toggle.textContent = text("CameraStop");
      status.textContent = text("CameraOn");
      return Promise.all([video.play(), barcodeDetector()]);
    }).then(function (ready) {
      detector = ready[1];
      look();
    }).catch(function () {
      stopCamera();
      status.textContent = text("CameraFailed");
    });
  }

  function barcodeDetector() {
    if (!("BarcodeDetector" in window)) return Promise.resolve(null);
    return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      return formats.indexOf("qr_code") >= 0 ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
    }).catch(function () { return null; });
  }

  function stopCamera() {
    window.clearTimeout(timer);
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.srcObject = null;
    video.hidden = true;
    toggle.textContent = text("CameraStart");
    status.textContent = "";
  }

  function look() { // one frame, then the next once it is done: never two on their way at once
    if (!stream) return;
    var frame = video.readyState < 2 || document.hidden ? Promise.resolve("") : detector ? detect() : upload();
    frame.then(function (found) { if (found) scan(found, "camera"); }, function (problem) {
      if (problem && problem.status === 401) { stopCamera(); failed(problem); }
    }).then(function () { if (stream) timer = window.setTimeout(look, detector ? DETECT_MS : FRAME_MS); });
  }

  function detect() {
    return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : ""; });
  }

  function upload() { // no BarcodeDetector here: the server reads the frame (zxing-cpp)
    var scale = Math.min(1, FRAME_SIDE / Math.max(video.videoWidth, video.videoHeight));
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.85); }).then(function (blob) {
      return blob ? sessionPost("/checkin/decode", blob, "image/jpeg") : {};
    }).then(function (body) { return body.code || ""; });
  }

  // --- search and walk-ins -----------------------------------------------------------------------

  var searchForm = byId("search-form"), query = byId("search-q"), found = byId("search-results");
  var searchTimer = null;

  function scanForm(fields, confirmed) { // what the page's own check-ins send: the door and the device
    var form = new URLSearchParams(fields), at = doorFields();
    form.set("day", at.day || "");
    form.set("session", at.session || "");
    form.set("reason", at.reason || "");
    form.set("device", device());
    if (confirmed) form.set("confirmed", "1");
    return form;
  }

  function search() {
    var at = doorFields();
    fetch(searchForm.action + "?" + new URLSearchParams({ q: query.value, day: at.day || "", session: at.session || "", part: "1" }),
      { credentials: "same-origin", headers: { Accept: "text/html" } }).then(function (response) {
      if (!response.ok || response.redirected) throw { status: response.redirected ? 401 : response.status };
      return response.text();
    }).then(function (html) {
      var fresh = document.createElement("template");
      fresh.innerHTML = html;
      found.replaceChildren(fresh.content);
    }).catch(function (problem) {
      if (!problem.status && list) return searchOffline();
      failed({ status: problem.status || 0, message: text("Offline") });
    });
  }

  function searchOffline() { // the same list as the server's (staff/_checkin_search.html), from the device's
    var at = doorFields();
    if (query.value.trim().length < 2) return found.replaceChildren(element("p", "", text("TooShort")));
    list.search(query.value, at).then(function (people) {
      var status = element("p", "", text("Found").replace("{num}", people.length));
      status.setAttribute("role", "status");
      var rows = element("ul", "plain checkin-found");
      people.forEach(function (person) {
        var row = element("li"), who = element("span", "checkin-found-who");
        who.append(element("strong", "", person.name));
        if (person.organisation) who.append(element("br"), person.organisation);
        if (person.status === "waitlisted") who.append(element("br"), element("span", "label", text("WaitingList")));
        row.append(who);
        if (person.checked_in_at) {
          row.append(element("span", "checkin-found-done", text("CheckedIn").replace("{time}", clock(person.checked_in_at))));
        } else {
          var button = element("button", "button secondary", text("CheckIn"));
          button.type = "button";
          button.append(element("span", "visually-hidden", ": " + person.name));
          button.addEventListener("click", function () { showOffline(list.checkRegistration(person.registration, doorFields())); });
          row.append(button);
        }
        rows.append(row);
      });
      found.replaceChildren(status, rows);
    });
  }

  query.addEventListener("input", function () {
    window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(search, 300);
  });
  searchForm.addEventListener("submit", function (submitted) {
    submitted.preventDefault();
    window.clearTimeout(searchTimer);
    search();
  });
  found.addEventListener("submit", function (submitted) { // a found one's "Check in" (a form of its own)
    submitted.preventDefault();
    var url = submitted.target.action, registration = submitted.target.querySelector("[data-registration]");
    var offline = function () { return list.checkRegistration(registration.dataset.registration, doorFields()); };
    showLatest(sessionPost(url, scanForm()), function () { return sessionPost(url, scanForm(null, true)); },
               list && registration ? offline : null);
  });

  var walkIn = byId("walk-in-form"), walkInErrors = byId("walk-in-errors");
  function registerWalkIn() {
    return sessionPost(walkIn.action, scanForm(new FormData(walkIn))).then(function (answer) {
      walkInErrors.replaceChildren();
      if (answer.result === "needs_confirmation") {
        return show(answer, function () {
          return sessionPost(walkIn.action, scanForm(new FormData(walkIn), true)).then(function (confirmed) {
            walkIn.reset();
            return withBadge(confirmed);
          });
        });
      }
      walkIn.reset();
      show(withBadge(answer));
    }, function (problem) {
      // Not after a timeout: the server may have registered them, and a second registration would follow.
      if (problem.status === 0 && !problem.timedOut && list) return walkInOffline();
      if (!problem.errors) return failed(problem);
      var messages = element("ul");
      Object.keys(problem.errors).forEach(function (field) { messages.append(element("li", "", problem.errors[field])); });
      walkInErrors.replaceChildren(messages);
    });
  }
  function withBadge(answer) { // a walk-in checked in: one tap to their name badge
    if (answer.result === "ok" && answer.registration) {
      answer.badge = "/checkin/" + encodeURIComponent(event) + "/walk-ins/" + answer.registration + "/badge.pdf";
    }
    return answer;
  }

  function walkInOffline() { // registered when the batch reaches the server; the name is needed here too
    var fields = new FormData(walkIn), name = String(fields.get("name") || "").trim();
    if (!name) return byId("field-name").focus();
    var organisation = String(fields.get("organisation") || "").trim() || String(fields.get("organisation_other") || "").trim();
    var chosen = walkIn.querySelector("#field-organisation");
    var shown = chosen && chosen.value ? chosen.options[chosen.selectedIndex].text : organisation;
    showOffline(list.walkIn({ name: name, organisation: organisation, email: String(fields.get("email") || "").trim() },
                            doorFields()).then(function (answer) {
      if (answer.result === "ok") { walkIn.reset(); answer.organisation = shown; }
      return answer;
    }));
  }

  walkIn.addEventListener("submit", function (submitted) {
    submitted.preventDefault();
    registerWalkIn();
  });

  if (localStorage.getItem(TOKEN) && localStorage.getItem(STAFF) === root.dataset.staff) showScanner();
  else showPairing("");
})();

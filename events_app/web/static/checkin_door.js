// The door's list on this device, so that the scanner page (static/checkin.js) goes on checking people
// in when the network does not (docs/checkin.md). No build step, no library.
// - The list: GET /api/v1/events/{slug}/door with the device's token: whole when the page opens and
//   every ten minutes, else only what changed since its cursor, every 30 s while online. It is kept in
//   IndexedDB ("door": "events", "people", "queue") and holds what the door needs and no more: the
//   server sends no address, answer or need.
// - Offline, a scan is decided here by the server's rules: the code's Ed25519 signature (the ticket
//   key is kept with the list), the event, the registration's status, day and sessions, and the
//   check-ins this device knows of. An admitted ticket (or a walk-in) waits in "queue" and is marked
//   checked in on the device at once.
// - Waiting scans go to POST /api/v1/checkins/batch as soon as the network answers, at most 500 at a
//   time; each leaves the queue once the server has answered it, and sending a batch again changes
//   nothing, so closing the page or restarting the phone loses nothing.
// - The list (not the waiting scans) is deleted when the device is disconnected (the API answers
//   401), on signing out (below: this script is on every staff page) and a day after the event's
//   last day.
(function (global) {
  "use strict";
  const DB = "door", FULL_EVERY_MS = 10 * 60 * 1000, BATCH = 500, SEARCH_LIMIT = 20, KEPT_DAYS = 1;
  const GRACE_HOURS = 3; // until 03.00 the door may still check in for the day just ended (checkins.py)
  const SHORT_CODE = /^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{8}$/;

  // --- IndexedDB ------------------------------------------------------------------------------------

  function asked(request) {
    return new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  function finished(transaction) {
    return new Promise((resolve, reject) => {
      transaction.oncomplete = () => resolve();
      transaction.onerror = transaction.onabort = () => reject(transaction.error);
    });
  }

  let database = null;
  function open() {
    if (!database) {
      const request = indexedDB.open(DB, 1);
      request.onupgradeneeded = () => {
        const db = request.result;
        db.createObjectStore("events", { keyPath: "slug" });
        const people = db.createObjectStore("people", { keyPath: "registration" });
        people.createIndex("ticket", "ticket");
        people.createIndex("code", "code");
        people.createIndex("event", "event");
        db.createObjectStore("queue", { keyPath: "id" }).createIndex("event", "event");
      };
      database = asked(request);
    }
    return database;
  }

  async function store(name, mode) {
    return (await open()).transaction(name, mode || "readonly").objectStore(name);
  }

  async function peopleOf(slug) {
    return asked((await store("people")).index("event").getAll(slug));
  }

  async function queued(slug) {
    const queue = await store("queue");
    return asked(slug ? queue.index("event").getAll(slug) : queue.getAll());
  }

  /** Delete the door lists kept on this device (all events, or one), not the scans still to be sent. */
  async function forgetLists(slug) {
    const transaction = (await open()).transaction(["events", "people"], "readwrite");
    if (slug) {
      transaction.objectStore("events").delete(slug);
      const cursor = transaction.objectStore("people").index("event").openKeyCursor(IDBKeyRange.only(slug));
      cursor.onsuccess = () => {
        if (!cursor.result) return;
        transaction.objectStore("people").delete(cursor.result.primaryKey);
        cursor.result.continue();
      };
    } else {
      transaction.objectStore("events").clear();
      transaction.objectStore("people").clear();
    }
    return finished(transaction);
  }

  /** Lists of events whose last day ended more than a day ago go (their waiting scans stay until sent). */
  async function forgetPastEvents() {
    const events = await asked((await store("events")).getAll());
    const cutoff = stockholmDay(new Date(Date.now() - KEPT_DAYS * 86400000));
    for (const event of events) {
      if (event.last_day && event.last_day < cutoff) await forgetLists(event.slug);
    }
  }

  // --- days and codes ----------------------------------------------------------------------------

  function stockholmDay(moment) { // "2027-01-08"
    return new Intl.DateTimeFormat("sv-SE", { timeZone: "Europe/Stockholm" }).format(moment);
  }

  function openDays() { // today, and until 03.00 yesterday too (checkins.days_open_to_door_staff)
    const now = new Date(), days = [stockholmDay(now)];
    const hour = Number(new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Stockholm", hour: "2-digit", hourCycle: "h23" }).format(now));
    if (hour < GRACE_HOURS) days.push(stockholmDay(new Date(now.getTime() - 86400000)));
    return days;
  }

  function fromBase64url(text) {
    const plain = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
    return Uint8Array.from(plain, (char) => char.charCodeAt(0));
  }

  function toBase64url(bytes) {
    return btoa(String.fromCharCode.apply(null, Array.from(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function importKey(pem) {
    const der = Uint8Array.from(atob(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "")), (char) => char.charCodeAt(0));
    return crypto.subtle.importKey("spki", der, { name: "Ed25519" }, false, ["verify"]);
  }

  /** The ticket's hash as the door list holds it, for a genuine code of this event; else the refusal. */
  async function ticketOf(code, event) {
    const parts = code.split(".");
    if (parts.length !== 4) return { result: "unknown" };
    let genuine = false;
    try {
      const signed = new TextEncoder().encode(parts.slice(0, 3).join("."));
      genuine = await crypto.subtle.verify({ name: "Ed25519" }, await importKey(event.key), fromBase64url(parts[3]), signed);
    } catch (problem) { genuine = false; }
    if (!genuine) return { result: "unknown" };
    if (parts[2] !== event.tag) return { result: "wrong_event" };
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", fromBase64url(parts[1])));
    return { ticket: toBase64url(digest.slice(0, 16)) };
  }

  function fold(text) { // as text_folding.search_words: case and diacritics ignored, æ as ae, ø as o
    return (text || "").toLowerCase().normalize("NFKD").replace(/\p{M}/gu, "")
      .replace(/æ/g, "ae").replace(/ø/g, "o").replace(/[đð]/g, "d").replace(/ł/g, "l").replace(/þ/g, "th")
      .replace(/[^\p{L}\p{N}]+/gu, " ").trim();
  }

  function newId() {
    return crypto.randomUUID ? crypto.randomUUID() : toBase64url(crypto.getRandomValues(new Uint8Array(16)));
  }

  // --- the door of one event -----------------------------------------------------------------------

  /** The door list of event `slug`, fetched and sent with the device's `token`, as device `device`. */
  function Door(slug, token, device) {
    this.slug = slug;
    this.token = token;
    this.device = device;
  }

  Door.prototype.headers = function () {
    return { Authorization: "Bearer " + this.token, Accept: "application/json", "Content-Type": "application/json" };
  };

  Door.prototype.event = async function () {
    return asked((await store("events")).get(this.slug));
  };

  /** Send what waits, then bring the list up to date (whole when asked, or ten minutes after the last
   * whole one). Throws {status} when the server cannot be reached (0) or refuses (401: disconnected). */
  Door.prototype.sync = async function (whole) {
    let sent = [];
    try {
      sent = await this.flush();
    } catch (problem) { // no network, or disconnected: no list either. Any other refusal must not stop the list.
      if (problem.status === 0 || problem.status === 401) throw problem;
    }
    const event = await this.event();
    whole = whole || !event || !event.cursor || Date.now() - event.full_at > FULL_EVERY_MS;
    const url = "/api/v1/events/" + encodeURIComponent(this.slug) + "/door" + (whole ? "" : "?since=" + encodeURIComponent(event.cursor));
    const list = await this.fetch(url);
    // The ticket key again with each whole list: a new key (a new SECRET_KEY) reaches the device too.
    const key = whole || !event.key ? (await this.fetch("/api/v1/ticket-key")).public_key : event.key;
    await this.keep(list, key, event);
    return sent;
  };

  Door.prototype.fetch = async function (url, options) {
    let response;
    try {
      response = await fetch(url, Object.assign({ headers: this.headers(), cache: "no-store" }, options || {}));
    } catch (offline) {
      throw { status: 0 };
    }
    if (response.status === 401) {
      await forgetLists(); // disconnected: the device keeps no names it is no longer allowed
      throw { status: 401 };
    }
    if (!response.ok) throw { status: response.status };
    return response.json();
  };

  /** Keep a list the server sent: a whole one in place of what the device held, a delta merged; in
   * one transaction, so that a scan decided meanwhile sees the old list or the new, never none. */
  Door.prototype.keep = async function (list, key, before) {
    const transaction = (await open()).transaction(["events", "people", "queue"], "readwrite");
    const people = transaction.objectStore("people");
    const waiting = await asked(transaction.objectStore("queue").index("event").getAll(this.slug));
    if (list.full) {
      for (const old of await asked(people.index("event").getAllKeys(this.slug))) people.delete(old);
    }
    for (const row of list.registrations) {
      if (row.removed) { // erased since: nothing of it stays on the device
        people.delete(row.registration);
        continue;
      }
      // Scans still waiting to be sent stay marked on the device until the server has them.
      waiting.filter((scan) => scan.registration === row.registration).forEach((scan) => mark(row, scan));
      people.put(Object.assign(row, { event: this.slug }));
    }
    const now = Date.now();
    transaction.objectStore("events").put(Object.assign({}, list.event, {
      cursor: list.cursor,
      key: key,
      full_at: list.full ? now : (before && before.full_at) || now,
      synced_at: now,
      count: list.full ? list.registrations.length : (before && before.count) || 0,
      last_day: list.event.days.slice(-1)[0] || "",
    }));
    return finished(transaction);
  };

  /** Send the scans waiting for this event; returns the server's answers ({id, answer, conflict, problem}). */
  Door.prototype.flush = async function () {
    const waiting = (await queued(this.slug)).sort((a, b) => (a.scanned_at < b.scanned_at ? -1 : 1));
    const answered = [];
    for (let start = 0; start < waiting.length; start += BATCH) {
      const chunk = waiting.slice(start, start + BATCH);
      const body = await this.fetch("/api/v1/checkins/batch", {
        method: "POST",
        body: JSON.stringify({ event: this.slug, device: this.device, scans: chunk.map(wire) }),
      });
      const queue = await store("queue", "readwrite");
      // Answered, each leaves the queue; one the server asks for again (another device's write of the
      // same ticket in between) stays for the next round.
      body.scans.filter((scan) => !scan.retry).forEach((scan) => queue.delete(scan.id));
      await finished(queue.transaction);
      answered.push.apply(answered, body.scans);
    }
    return answered;
  };

  function wire(scan) { // a waiting scan as the batch takes it
    const sent = { id: scan.id, scanned_at: scan.scanned_at };
    if (scan.walk_in) sent.walk_in = scan.walk_in;
    else {
      sent.code = scan.code;
      sent.method = scan.method;
    }
    if (scan.session) sent.session = scan.session;
    else sent.day = scan.day;
    return sent;
  }

  function mark(person, scan) { // checked in on this device, as far as it knows
    const door = scan.session ? "s:" + scan.session : scan.day;
    if (!person.checked_in.some((visit) => visit.door === door)) {
      person.checked_in.push({ door: door, at: scan.scanned_at, by: "", device: scan.device, waiting: true });
    }
  }

  Door.prototype.waiting = async function () {
    return (await queued(this.slug)).length;
  };

  /** Decide a scanned or typed code with the list, as the server would; an admitted ticket is queued.
   * `at` is the door: {day} or {session}. Returns an answer in the API's shape (without its message),
   * or null when this device holds no list for the event. */
  Door.prototype.check = async function (code, at, method) {
    const event = await this.event();
    if (!event) return null;
    code = code.trim();
    let person;
    if (code.startsWith("HR1.")) {
      const found = await ticketOf(code, event);
      if (!found.ticket) return found;
      person = await asked((await store("people")).index("ticket").get(found.ticket));
    } else {
      const short = code.toUpperCase().replace(/[^A-Z0-9]/g, "");
      if (!SHORT_CODE.test(short)) return { result: "unknown" };
      person = await asked((await store("people")).index("code").get(short));
    }
    if (!person || person.event !== this.slug) return { result: "unknown" };
    return this.admit(person, event, at, code, method);
  };

  /** Check in one found by searching the list (its registration id). */
  Door.prototype.checkRegistration = async function (registration, at) {
    const event = await this.event();
    const person = event && (await asked((await store("people")).get(registration)));
    if (!person || person.event !== this.slug) return { result: "unknown" };
    return this.admit(person, event, at, person.code, "search");
  };

  Door.prototype.admit = async function (person, event, at, code, method) {
    const session = at.session ? event.sessions.find((one) => one.uid === at.session) : null;
    const day = session ? session.day : at.day;
    const known = { registration: person.registration, name: person.name, organisation: person.organisation };
    if (openDays().indexOf(day) < 0) return { result: "offline_today" }; // the server would refuse it (checkins.py)
    if (person.status === "cancelled") return Object.assign({ result: "cancelled" }, known);
    if (person.status !== "confirmed") return Object.assign({ result: "waitlisted" }, known);
    if (person.days.indexOf(day) < 0) return Object.assign({ result: "wrong_day" }, known);
    if (session && session.requires_signup && person.sessions.indexOf(session.uid) < 0) {
      return Object.assign({ result: "not_in_session" }, known);
    }
    const door = session ? "s:" + session.uid : day;
    const first = person.checked_in.find((visit) => visit.door === door);
    if (first) {
      return Object.assign({ result: "already_checked_in", checked_in_at: first.at, checked_in_by: first.by, device: first.device }, known);
    }
    const scan = { id: newId(), event: this.slug, registration: person.registration, code: code, method: method,
                   scanned_at: new Date().toISOString(), device: this.device, day: session ? "" : day, session: session ? session.uid : "" };
    mark(person, scan);
    const transaction = (await open()).transaction(["queue", "people"], "readwrite");
    transaction.objectStore("queue").put(scan); // both, or neither: a scan queued is a scan marked
    transaction.objectStore("people").put(person);
    await finished(transaction);
    return Object.assign({ result: "ok", checked_in_at: scan.scanned_at, device: this.device }, known);
  };

  /** Register a walk-in with no network: queued with a provisional id, registered when it is sent. */
  Door.prototype.walkIn = async function (fields, at) {
    const event = await this.event();
    const session = at.session && event ? event.sessions.find((one) => one.uid === at.session) : null;
    const day = session ? session.day : at.day;
    if (openDays().indexOf(day) < 0) return { result: "offline_today" };
    const scan = { id: newId(), event: this.slug, walk_in: fields, scanned_at: new Date().toISOString(),
                   device: this.device, day: session ? "" : day, session: session ? session.uid : "" };
    const queue = await store("queue", "readwrite");
    queue.put(scan);
    await finished(queue.transaction);
    return { result: "ok", name: fields.name, organisation: fields.organisation, provisional: scan.id.slice(0, 8).toUpperCase() };
  };

  /** Those whose name or organisation has a word beginning with each word typed (as the server's search). */
  Door.prototype.search = async function (query, at) {
    const words = fold(query).split(" ").filter(Boolean);
    if (words.join("").length < 2) return [];
    const event = await this.event();
    const session = at.session && event ? event.sessions.find((one) => one.uid === at.session) : null;
    const door = session ? "s:" + session.uid : at.day;
    return (await peopleOf(this.slug))
      .filter((person) => person.status !== "cancelled")
      .map((person) => ({ person: person, folded: " " + fold(person.name + " " + person.organisation) }))
      .filter((row) => words.every((word) => row.folded.indexOf(" " + word) >= 0))
      .sort((a, b) => (fold(a.person.name) < fold(b.person.name) ? -1 : 1))
      .slice(0, SEARCH_LIMIT)
      .map((row) => {
        const visit = row.person.checked_in.find((one) => one.door === door);
        return Object.assign({}, row.person, { checked_in_at: visit ? visit.at : "" });
      });
  };

  /** Mark a check-in the server answered online, so that the device knows of it if the network goes. */
  Door.prototype.remember = async function (answer, at) {
    if (!answer.registration || !answer.checked_in_at || !(await this.event())) return;
    const people = await store("people", "readwrite");
    const person = await asked(people.get(answer.registration));
    if (!person) return;
    const door = at.session ? "s:" + at.session : at.day;
    if (!person.checked_in.some((visit) => visit.door === door)) {
      person.checked_in.push({ door: door, at: answer.checked_in_at, by: answer.checked_in_by || "", device: answer.device || "" });
      people.put(person);
    }
    await finished(people.transaction);
  };

  // Signing out (this script is on every staff page): the door lists and the scanner page kept for
  // offline use are deleted first, so that no names stay on a device handed on. Scans not yet sent
  // stay, to be sent by the next one to sign in and open the scanner.
  document.addEventListener("submit", (submitted) => {
    const form = submitted.target;
    if (form.getAttribute("action") !== "/logout" || form.dataset.forgotten) return;
    submitted.preventDefault();
    form.dataset.forgotten = "1";
    const pages = global.caches ? caches.keys().then((keys) => Promise.all(keys.map((key) => caches.delete(key)))) : null;
    Promise.all([forgetLists(), pages]).catch(() => null).then(() => form.submit());
  });

  // On any staff page, not only the scanner's: a device kept offline still drops a past event's list.
  forgetPastEvents().catch(() => null);

  global.CheckinDoor = { Door: Door };
})(window);

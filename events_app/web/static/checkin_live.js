// The organisers' live check-in view, progressively enhanced (without this file the page shows the
// figures as they were when it was loaded). Every few seconds the live part is fetched again and
// each [data-live-part] whose text changed is replaced, so the figure's aria-live region speaks
// only of news. A part in use (focus inside it, an undo opened) waits for a later round.
(function () {
  "use strict";
  var POLL_MS = 4000;
  var box = document.querySelector("[data-live-url]");
  if (!box) return;

  function text(node) { return node.textContent.replace(/\s+/g, " ").trim(); }

  function update(html) {
    var fresh = document.createElement("template");
    fresh.innerHTML = html;
    box.querySelectorAll("[data-live-part]").forEach(function (part) {
      var next = fresh.content.querySelector("[data-live-part='" + part.getAttribute("data-live-part") + "']");
      if (!next || text(next) === text(part)) return;
      if (part.contains(document.activeElement) || part.querySelector("details[open]")) return;
      part.replaceChildren.apply(part, Array.prototype.slice.call(next.childNodes));
    });
  }

  function later() { window.setTimeout(poll, POLL_MS); }

  function poll() {
    if (document.hidden) return later();
    fetch(box.getAttribute("data-live-url"), { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        // Signed out meanwhile (redirected to the sign-in page), or no longer allowed: stop quietly.
        if (response.redirected || response.status === 403 || response.status === 404) return;
        if (!response.ok) return later();
        return response.text().then(update).then(later);
      })
      .catch(later); // the network at a venue comes and goes: try again
  }

  later();
})();

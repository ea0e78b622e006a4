// The organisers' invitation pages, progressively enhanced (everything works without this file).
// 1. While invitations are being sent, the sending progress (an aria-live region) is fetched again
//    every few seconds, and replaced only when its text changes, so screen readers hear news only.
// 2. On the members page, a "select all" box ticks every member not yet invited.
(function () {
  "use strict";
  var POLL_MS = 3000;
  var box = document.querySelector("[data-progress-url]");

  function poll() {
    if (!box.querySelector("[data-sending]")) return; // nothing on its way: nothing to follow
    fetch(box.getAttribute("data-progress-url"), { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        // Signed out meanwhile (redirected to the sign-in page) or an error: stop quietly.
        if (!response.ok || response.redirected) throw new Error("progress unavailable");
        return response.text();
      })
      .then(function (html) {
        var fresh = document.createElement("template");
        fresh.innerHTML = html;
        if (fresh.content.textContent.trim() !== box.textContent.trim()) box.replaceChildren(fresh.content);
        window.setTimeout(poll, POLL_MS);
      })
      .catch(function () {});
  }

  if (box) window.setTimeout(poll, POLL_MS);

  document.querySelectorAll("[data-select-all]").forEach(function (all) {
    var name = all.getAttribute("data-select-all");
    var boxes = Array.prototype.slice.call(all.form.querySelectorAll("input[name='" + name + "']:not(:disabled)"));
    if (!boxes.length) return;
    all.closest("[hidden]").hidden = false;
    all.addEventListener("change", function () {
      boxes.forEach(function (each) { each.checked = all.checked; });
    });
    all.form.addEventListener("change", function (event) {
      if (event.target !== all) all.checked = boxes.every(function (each) { return each.checked; });
    });
  });
})();

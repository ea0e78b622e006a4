// The error summary of a form that came back with errors (the GOV.UK pattern):
// 1. the focus moves to the summary on load, so keyboard and screen reader users start from the list
//    of problems (autofocus does not work on a div); without this file the summary still comes first;
// 2. a link in it focuses its field and scrolls the field's label or legend into view too, where
//    following the link alone would only scroll, leaving the label above the top of the screen.
(function () {
  "use strict";
  function start() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) return;
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var field = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!field || typeof field.focus !== "function") return;
      event.preventDefault();
      var group = field.closest("fieldset");
      var label = (group && group.querySelector("legend")) || document.querySelector("label[for='" + field.id + "']") || field;
      label.scrollIntoView();
      field.focus({ preventScroll: true });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

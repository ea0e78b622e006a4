// Rows a form holds any number of (the speakers of a session), progressively enhanced. Without this
// file the add and remove buttons send the form, which comes back with the row added or removed and
// nothing saved; with it they add and remove the rows in the page:
// - a new row is a copy of the group's <template>, its "__row__" (in names and ids) replaced by a
//   number no row has used, so the server reads every row whatever the gaps; the focus goes to its
//   first field;
// - removing a row puts the focus on the add button; the rows' legends and remove buttons are
//   numbered again from 1 (the template gives their wording, with "__num__" for the number).
(function () {
  "use strict";
  var MAX_ROWS = 50; // as the server reads (MAX_SPEAKER_ROWS)

  document.querySelectorAll("[data-rows]").forEach(function (group) {
    var list = group.querySelector("[data-row-list]");
    var template = group.querySelector("template[data-row-template]");
    var add = group.querySelector("[data-row-add]");
    if (!list || !template || !add) return;
    var wording = {
      legend: template.content.querySelector("legend").textContent,
      remove: template.content.querySelector("[data-row-remove]").textContent
    };
    var next = list.querySelectorAll("[data-row]").length;

    function renumber() {
      list.querySelectorAll("[data-row]").forEach(function (row, index) {
        row.querySelector("legend").textContent = wording.legend.replace("__num__", index + 1);
        row.querySelector("[data-row-remove]").textContent = wording.remove.replace("__num__", index + 1);
      });
    }

    add.addEventListener("click", function (event) {
      event.preventDefault();
      if (list.querySelectorAll("[data-row]").length >= MAX_ROWS) return;
      var row = template.content.firstElementChild.cloneNode(true);
      row.querySelectorAll("[id], [name], [for]").forEach(function (element) {
        ["id", "name", "for"].forEach(function (attribute) {
          var value = element.getAttribute(attribute);
          if (value) element.setAttribute(attribute, value.replace("__row__", String(next)));
        });
      });
      next += 1;
      list.appendChild(row);
      renumber();
      row.querySelector("input").focus();
    });

    list.addEventListener("click", function (event) {
      var remove = event.target.closest("[data-row-remove]");
      if (!remove) return;
      event.preventDefault();
      remove.closest("[data-row]").remove();
      renumber();
      add.focus();
    });
  });
})();

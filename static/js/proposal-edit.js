/* Edit page helpers: a warning before leaving unsaved changes for an upload (the location
   button and the work-type fields are in proposal-fields.js). */
(function () {
  "use strict";

  var form = document.getElementById("proposal-form");
  if (!form) return;

  form.addEventListener("input", function () {
    form.dataset.dirty = "1";
  });
  form.addEventListener("submit", function () {
    form.dataset.dirty = "0";
  });
  document.querySelectorAll("form[data-upload], form[data-confirm]").forEach(function (other) {
    other.addEventListener("submit", function (event) {
      var question = other.getAttribute("data-confirm");
      if (form.dataset.dirty === "1") {
        question =
          "Isian usulan yang belum disimpan akan hilang. Lanjutkan?" + (question ? "\n" + question : "");
      }
      if (question && !window.confirm(question)) event.preventDefault();
    });
  });
})();

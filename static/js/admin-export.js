/* Admin export page (django-import-export): the "select all fields" box, wired here instead
   of an onchange attribute, which the Content-Security-Policy refuses. */
(function () {
  "use strict";

  function wire() {
    document.querySelectorAll("input.select-toggle").forEach(function (toggle) {
      toggle.addEventListener("change", function (event) {
        if (typeof window.onSelectToggleChange === "function") {
          window.onSelectToggleChange(event);
          return;
        }
        document
          .querySelectorAll('.selectable-field-export-row input[type="checkbox"]')
          .forEach(function (box) { box.checked = toggle.checked; });
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", wire);
  else wire();
})();

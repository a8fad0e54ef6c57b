/* Decision panel: say what is missing before the round trip (the server checks it anyway). */
(function () {
  "use strict";

  var NEEDS_REASON = ["return_for_revision", "reject", "defer"];
  var CONFIRM = {
    reject: "Tolak usulan ini? Usulan yang ditolak tidak dapat diajukan lagi.",
    defer: "Tunda usulan ini ke tahun berikutnya?",
  };

  document.querySelectorAll("form[data-decision]").forEach(function (form) {
    var error = form.querySelector("[data-decision-error]");
    var note = form.querySelector('[name="note"]');
    var sent = false;
    form.addEventListener("submit", function (event) {
      var action = event.submitter ? event.submitter.value : "";
      var problem = "";
      if (action.indexOf("verify_") === 0) {
        var unchecked = form.querySelectorAll("[data-check]:not(:checked)");
        if (unchecked.length) problem = "Centang semua butir daftar periksa sebelum meneruskan (" + unchecked.length + " belum).";
      } else if (NEEDS_REASON.indexOf(action) >= 0 && note && note.value.trim().length < 10) {
        problem = "Tuliskan alasan yang jelas pada catatan (paling sedikit 10 huruf).";
        note.focus();
      }
      if (!problem && CONFIRM[action] && !window.confirm(CONFIRM[action])) {
        event.preventDefault();
        return;
      }
      if (problem) {
        event.preventDefault();
        error.textContent = problem;
        error.hidden = false;
        return;
      }
      if (sent) event.preventDefault();
      sent = true;
    });
  });
})();

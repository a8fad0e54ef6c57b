/* Edit page helpers: "pakai lokasi saya", width only for work types that need it, the unit
   next to the volume, and a warning before leaving unsaved changes for an upload. */
(function () {
  "use strict";

  var form = document.getElementById("proposal-form");
  if (!form) return;

  // Kota Jambi with a margin, as the server checks it.
  var LAT = [-1.72, -1.5];
  var LON = [103.5, 103.72];

  var geoButton = form.querySelector("[data-geo]");
  var geoStatus = form.querySelector("[data-geo-status]");
  var lat = form.querySelector('[name="latitude"]');
  var lon = form.querySelector('[name="longitude"]');
  if (geoButton && lat && lon && "geolocation" in navigator) {
    geoButton.hidden = false;
    geoButton.addEventListener("click", function () {
      geoStatus.textContent = "Mencari lokasi… izinkan akses lokasi bila diminta.";
      geoButton.disabled = true;
      navigator.geolocation.getCurrentPosition(
        function (pos) {
          geoButton.disabled = false;
          var la = pos.coords.latitude;
          var lo = pos.coords.longitude;
          lat.value = la.toFixed(6);
          lon.value = lo.toFixed(6);
          form.dataset.dirty = "1";
          var acc = Math.round(pos.coords.accuracy || 0);
          var inside = la >= LAT[0] && la <= LAT[1] && lo >= LON[0] && lo <= LON[1];
          geoStatus.textContent = inside
            ? "Lokasi terisi (ketelitian ± " + acc + " m). Jangan lupa Simpan."
            : "Lokasi Anda berada di luar Kota Jambi. Isi titik lokasi kegiatan saat berada di lokasi.";
        },
        function (err) {
          geoButton.disabled = false;
          geoStatus.textContent =
            err.code === 1
              ? "Akses lokasi ditolak. Izinkan lokasi di pengaturan peramban, atau isi manual."
              : "Lokasi tidak dapat ditemukan. Coba lagi di tempat terbuka, atau isi manual.";
        },
        { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 }
      );
    });
  }

  var workType = form.querySelector('[name="work_type"]');
  var widthField = form.querySelector("[data-width-field]");
  var unit = document.getElementById("volume-unit");
  function syncWorkType() {
    if (!workType) return;
    var option = workType.options[workType.selectedIndex];
    if (!option) return;
    if (widthField) {
      var widthInput = widthField.querySelector("input");
      var needs = option.getAttribute("data-has-width") !== "0";
      widthField.hidden = !needs && !(widthInput && widthInput.value) && !widthField.classList.contains("has-error");
    }
    if (unit && option.getAttribute("data-unit")) unit.textContent = option.getAttribute("data-unit");
  }
  if (workType) {
    workType.addEventListener("change", syncWorkType);
    syncWorkType();
  }

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

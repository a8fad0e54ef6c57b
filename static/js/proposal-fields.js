/* Proposal fields wherever they are asked (the full edit form, the guided flow): "pakai lokasi
   saya" fills latitude and longitude from the phone, the width shows only for work types that
   need it, and the volume's unit follows the work type. Without script the fields are typed. */
(function () {
  "use strict";

  // Kota Jambi with a margin, as the server checks it.
  var LAT = [-1.72, -1.5];
  var LON = [103.5, 103.72];

  function changed(input) {
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.querySelectorAll("[data-geo]").forEach(function (geoButton) {
    var form = geoButton.form || geoButton.closest("form");
    if (!form || !("geolocation" in navigator)) return;
    var geoStatus = form.querySelector("[data-geo-status]");
    var lat = form.querySelector('[name="latitude"]');
    var lon = form.querySelector('[name="longitude"]');
    if (!lat || !lon) return;
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
          changed(lat);
          changed(lon);
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
  });

  document.querySelectorAll('select[name="work_type"]').forEach(function (workType) {
    var form = workType.form;
    var widthField = form && form.querySelector("[data-width-field]");
    var unit = document.getElementById("volume-unit");
    function syncWorkType() {
      var option = workType.options[workType.selectedIndex];
      if (!option) return;
      if (widthField) {
        var widthInput = widthField.querySelector("input");
        var needs = option.getAttribute("data-has-width") !== "0";
        widthField.hidden = !needs && !(widthInput && widthInput.value) && !widthField.classList.contains("has-error");
      }
      if (unit && option.getAttribute("data-unit")) unit.textContent = option.getAttribute("data-unit");
    }
    workType.addEventListener("change", syncWorkType);
    syncWorkType();
  });
})();

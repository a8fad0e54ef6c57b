// Order lines: show the reference price and flag a price over the margin while typing.
(function () {
  var form = document.querySelector("[data-reference-prices]");
  if (!form) return;
  var prices = JSON.parse(form.getAttribute("data-reference-prices"));
  var margin = parseInt(form.getAttribute("data-margin"), 10) || 0;
  function rupiah(n) { return "Rp " + String(n).replace(/\B(?=(\d{3})+(?!\d))/g, "."); }
  function money(text) { var d = String(text || "").replace(/,\d{1,2}$/, "").replace(/[^0-9]/g, ""); return d ? parseInt(d, 10) : 0; }
  function update(card) {
    var material = card.querySelector("select[name$='-material']");
    var price = card.querySelector("input[name$='-unit_price']");
    var note = card.querySelector(".ref");
    if (!material || !price || !note) return;
    var ref = prices[material.value];
    if (!material.value && !price.value) { note.textContent = ""; note.className = "ref"; return; }
    if (!material.value) { note.textContent = "Di luar katalog: wajib diberi alasan."; note.className = "ref over"; return; }
    if (!ref) { note.textContent = "Belum ada harga acuan: wajib diberi alasan."; note.className = "ref over"; return; }
    var limit = Math.floor(ref * (100 + margin) / 100);
    var over = money(price.value) > limit;
    note.textContent = "Harga acuan " + rupiah(ref) + " (batas " + rupiah(limit) + ")" + (over ? " — di atas batas: wajib diberi alasan." : "");
    note.className = over ? "ref over" : "ref";
  }
  form.querySelectorAll(".line-card").forEach(function (card) {
    card.addEventListener("input", function () { update(card); });
    card.addEventListener("change", function () { update(card); });
    update(card);
  });
})();

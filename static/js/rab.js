/* RAB formset: add lines from the empty-form template, live line and grand totals, ceiling
   warning. The server recomputes everything; without this script the extra blank rows work. */
(function () {
  "use strict";

  var section = document.getElementById("rab");
  if (!section) return;
  var lines = section.querySelector("[data-rab-lines]");
  var template = document.getElementById("rab-empty");
  var addButton = section.querySelector("[data-rab-add]");
  var totalForms = section.querySelector('input[name$="-TOTAL_FORMS"]');
  var maxForms = section.querySelector('input[name$="-MAX_NUM_FORMS"]');
  var overNote = section.querySelector("[data-rab-over]");
  var ceiling = parseInt(section.getAttribute("data-ceiling"), 10);

  // "25.000.000", "Rp 25.000.000,-", "25000000" -> 25000000; NaN when not money.
  function parseMoney(text) {
    var raw = String(text || "").replace(/\s+/g, "").replace(/^rp\.?/i, "").replace(/(,-|,0+|\.-)$/, "");
    if (/^\d+$/.test(raw) || /^\d{1,3}(\.\d{3})+$/.test(raw)) return parseInt(raw.replace(/\./g, ""), 10);
    return NaN;
  }

  // "12,5", "12.5", "1.234,5" -> 12.5 / 1234.5; NaN when not a number.
  function parseQuantity(text) {
    var raw = String(text || "").replace(/\s+/g, "");
    if (raw.indexOf(",") >= 0 && raw.indexOf(".") >= 0) {
      if (!/^\d{1,3}(\.\d{3})+,\d+$/.test(raw)) return NaN;
      raw = raw.replace(/\./g, "").replace(",", ".");
    } else {
      raw = raw.replace(",", ".");
    }
    return /^\d+(\.\d+)?$|^\.\d+$/.test(raw) ? parseFloat(raw) : NaN;
  }

  function group(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  }

  function rupiah(n) {
    return "Rp " + group(n);
  }

  // Same rounding as the server: whole rupiah, half up, on a quantity of two decimals.
  function lineTotal(qty, price) {
    var cents = Math.round(qty * 100);
    return Math.round((cents * price) / 100);
  }

  function isDeleted(line) {
    var box = line.querySelector('input[type=checkbox][name$="-DELETE"]');
    return !!(box && box.checked);
  }

  function recompute() {
    var grand = 0;
    lines.querySelectorAll("[data-rab-line]").forEach(function (line) {
      var qty = parseQuantity(line.querySelector(".rab-qty").value);
      var price = parseMoney(line.querySelector(".rab-price").value);
      var out = line.querySelector("[data-line-total]");
      line.classList.toggle("is-deleted", isDeleted(line));
      if (isNaN(qty) || isNaN(price)) {
        out.textContent = "–";
        return;
      }
      var total = lineTotal(qty, price);
      out.textContent = rupiah(total);
      if (!isDeleted(line)) grand += total;
    });
    document.querySelectorAll("[data-rab-total]").forEach(function (out) {
      out.textContent = rupiah(grand);
    });
    var over = !isNaN(ceiling) && grand > ceiling;
    if (overNote) overNote.hidden = !over;
    document.querySelectorAll("[data-rab-sum]").forEach(function (el) {
      el.classList.toggle("over", over);
    });
  }

  function addLine() {
    var index = parseInt(totalForms.value, 10);
    if (maxForms && index >= parseInt(maxForms.value, 10)) return;
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var line = holder.firstElementChild;
    lines.appendChild(line);
    totalForms.value = String(index + 1);
    var first = line.querySelector("input[type=text]");
    if (first) first.focus();
  }

  lines.addEventListener("input", recompute);
  lines.addEventListener("change", recompute);
  // Tidy money as people leave the field: 2500000 -> 2.500.000 (the server accepts both).
  document.addEventListener(
    "blur",
    function (event) {
      var el = event.target;
      if (!el.classList || !el.classList.contains("money")) return;
      var value = parseMoney(el.value);
      if (!isNaN(value)) el.value = group(value);
    },
    true
  );
  function isBlank(line) {
    var inputs = line.querySelectorAll("input[type=text]");
    for (var i = 0; i < inputs.length; i++) if (inputs[i].value.trim()) return false;
    return !line.querySelector(".errorlist");
  }

  if (addButton && template && totalForms) {
    addButton.hidden = false;
    addButton.addEventListener("click", addLine);
    // The spare blank rows are for browsers without this script; keep one, "Tambah baris" adds
    // more. A missing row number is simply a blank line to the server.
    var blanks = Array.prototype.filter.call(lines.querySelectorAll("[data-rab-line]"), isBlank);
    blanks.slice(1).forEach(function (line) {
      line.parentNode.removeChild(line);
    });
  }
  recompute();
})();

/* The RAB lines of the guided flow pick materials from the year's catalogue (a <datalist>):
   a name from it fills the unit and, when the price is blank, the reference price, and marks
   the line "Katalog"; any other name is marked a free line. rab.js keeps the totals; the
   server decides again on saving (a blank price there is the reference price too). */
(function () {
  "use strict";

  var list = document.getElementById("rab-catalogue");
  var lines = document.querySelector("[data-rab-lines]");
  if (!list || !lines) return;

  // The server's matching key: case, spaces and punctuation ignored.
  function key(text) {
    return String(text || "")
      .toLowerCase()
      .replace(/²/g, "2")
      .replace(/³/g, "3")
      .replace(/"/g, "inch")
      .replace(/[^a-z0-9]+/g, "");
  }

  var byKey = {};
  Array.prototype.forEach.call(list.options, function (option) {
    byKey[key(option.value)] = {
      name: option.value,
      unit: option.getAttribute("data-unit"),
      price: parseInt(option.getAttribute("data-price"), 10)
    };
  });

  // Set while this script changes a price itself, so that change is not taken as typed.
  var syncing = false;

  function announce(input) {
    syncing = true;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    syncing = false;
  }

  function group(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  }

  function sync(line) {
    var material = line.querySelector(".rab-material");
    var unit = line.querySelector(".rab-unit");
    var price = line.querySelector(".rab-price");
    var mark = line.querySelector("[data-rab-mark]");
    if (!material || !unit || !price) return;
    var item = byKey[key(material.value)];
    if (item) {
      unit.value = item.unit;
      unit.readOnly = true;
      // Fill the reference price unless the Ketua RT typed another one.
      if (!price.value.trim() || price.dataset.auto === "1") {
        price.value = group(item.price);
        price.dataset.auto = "1";
        announce(price);
      }
      if (mark) {
        mark.textContent = "Katalog · harga acuan Rp " + group(item.price);
        mark.classList.remove("free");
      }
    } else {
      if (unit.readOnly) {
        unit.readOnly = false;
        unit.value = "";
      }
      if (price.dataset.auto === "1") {
        price.value = "";
        price.dataset.auto = "";
        announce(price);
      }
      if (mark) {
        mark.textContent = material.value.trim() ? "Baris bebas (di luar katalog)" : "";
        mark.classList.toggle("free", !!material.value.trim());
      }
    }
  }

  lines.addEventListener("input", function (event) {
    var line = event.target.closest("[data-rab-line]");
    if (!line || syncing) return;
    if (event.target.classList.contains("rab-price")) {
      event.target.dataset.auto = "";
      return;
    }
    if (event.target.classList.contains("rab-material")) sync(line);
  });
  lines.addEventListener("change", function (event) {
    var line = event.target.closest("[data-rab-line]");
    if (line && event.target.classList.contains("rab-material")) sync(line);
  });
  // Lines shown from the server: catalogue units are not for typing.
  lines.querySelectorAll("[data-rab-line]").forEach(function (line) {
    var material = line.querySelector(".rab-material");
    var unit = line.querySelector(".rab-unit");
    if (material && unit && byKey[key(material.value)]) unit.readOnly = true;
  });
})();

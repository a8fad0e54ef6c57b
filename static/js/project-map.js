// The public map of /proyek/: kelurahan boundaries and site markers drawn by Leaflet from the
// app's own GeoJSON, with no tile server (tiles only when the page names a tiles URL). Without
// script the page shows the map drawn on the server instead (in <noscript>).
(function () {
  "use strict";

  var COLOURS = { ditetapkan: "#7a4cc2", pengadaan: "#2b6cb0", dikerjakan: "#d98200", selesai: "#1b7f3b" };

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } }).then(
      function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      }
    );
  }

  function text(tag, value, className) {
    var node = document.createElement(tag);
    node.textContent = value;
    if (className) { node.className = className; }
    return node;
  }

  function sitePopup(properties) {
    var box = document.createElement("div");
    box.className = "map-popup";
    var link = text("a", properties.title);
    link.href = properties.url;
    box.appendChild(link);
    box.appendChild(document.createElement("br"));
    box.appendChild(text("span", properties.place + " · " + properties.stage_label + " · " + properties.year, "small"));
    return box;
  }

  function start(element) {
    var map = L.map(element, { zoomSnap: 0.25, preferCanvas: false });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(element.dataset.attribution || "");
    if (element.dataset.tilesUrl) {
      L.tileLayer(element.dataset.tilesUrl, {
        maxZoom: 19,
        attribution: element.dataset.tilesAttribution || ""
      }).addTo(map);
    }
    map.setView([-1.61, 103.61], 12);

    var boundaries = getJSON(element.dataset.boundariesUrl).then(function (data) {
      var layer = L.geoJSON(data, {
        style: function () {
          return { className: "bb-kelurahan", color: "#5a6b7b", weight: 1, fillColor: "#ffffff", fillOpacity: 0.6 };
        },
        onEachFeature: function (feature, shape) {
          var label = feature.properties.name + " (" + feature.properties.kecamatan + ")";
          shape.bindTooltip(text("span", label), { sticky: true });
        }
      }).addTo(map);
      var bounds = layer.getBounds();
      var chosen = element.dataset.kelurahan;
      layer.eachLayer(function (shape) {
        if (chosen && shape.feature.properties.slug === chosen) {
          shape.setStyle({ fillColor: "#cfe6d8", weight: 2 });
          bounds = shape.getBounds();
        }
      });
      if (bounds.isValid()) { map.fitBounds(bounds, { padding: [4, 4] }); }
      return layer;
    });

    boundaries.then(function () { return getJSON(element.dataset.sitesUrl); }).then(function (data) {
      L.geoJSON(data, {
        pointToLayer: function (feature, latlng) {
          var colour = COLOURS[feature.properties.stage] || "#333333";
          return L.circleMarker(latlng, {
            className: "bb-site bb-site-" + feature.properties.stage,
            radius: 7, color: "#ffffff", weight: 2, fillColor: colour, fillOpacity: 0.95
          });
        },
        onEachFeature: function (feature, marker) { marker.bindPopup(sitePopup(feature.properties)); }
      }).addTo(map);
      element.dataset.loaded = "true";
    }).catch(function () {
      element.appendChild(text("p", "Peta tidak dapat dimuat. Daftar lokasi di bawah tetap lengkap.", "msg msg-error"));
    });
  }

  function ready() {
    var element = document.getElementById("peta-proyek");
    if (element && window.L) { start(element); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();

// The resident's usulan form (/usul/): the RT list narrowed to the chosen kelurahan, and a map
// of the kelurahan boundaries (Leaflet, the app's own GeoJSON) where a tap marks the place and
// picks the kelurahan it falls in. Without script both selects still list every choice.
(function () {
  "use strict";

  var kelurahan = document.getElementById("id_kelurahan");
  var rt = document.getElementById("id_rt");
  if (!kelurahan || !rt) return;
  var all = Array.prototype.slice.call(rt.querySelectorAll("option[data-kelurahan]"));

  function narrow() {
    var chosen = kelurahan.value;
    all.forEach(function (option) {
      var fits = !chosen || option.getAttribute("data-kelurahan") === chosen;
      option.hidden = !fits;
      option.disabled = !fits;
      if (!fits && option.selected) { rt.value = ""; }
    });
  }
  kelurahan.addEventListener("change", narrow);
  narrow();

  var element = document.getElementById("peta-usul");
  if (!element || !window.L || !window.fetch) return;
  element.hidden = false;
  var lat = document.getElementById("id_latitude");
  var lon = document.getElementById("id_longitude");
  var map = L.map(element, { zoomSnap: 0.25 });
  map.attributionControl.setPrefix(false);
  if (element.dataset.tilesUrl) {
    L.tileLayer(element.dataset.tilesUrl, { maxZoom: 19 }).addTo(map);
  }
  map.setView([-1.61, 103.61], 12);
  var marker = null;
  var shapes = [];

  function inside(point, ring) {
    var x = point[0], y = point[1], hit = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
    }
    return hit;
  }

  function contains(geometry, point) {
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    return polygons.some(function (rings) { return inside(point, rings[0]); });
  }

  function highlight() {
    shapes.forEach(function (shape) {
      var on = shape.feature.properties.slug === kelurahan.value;
      shape.setStyle({ fillColor: on ? "#cfe6d8" : "#ffffff", weight: on ? 2 : 1 });
      if (on && !marker) map.fitBounds(shape.getBounds(), { padding: [4, 4] });
    });
  }

  fetch(element.dataset.boundariesUrl, { credentials: "same-origin" })
    .then(function (response) { if (!response.ok) throw new Error(); return response.json(); })
    .then(function (data) {
      var layer = L.geoJSON(data, {
        style: function () { return { color: "#5a6b7b", weight: 1, fillColor: "#ffffff", fillOpacity: 0.5 }; },
        onEachFeature: function (feature, shape) { shapes.push(shape); }
      }).addTo(map);
      if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds());
      if (lat.value && lon.value) {
        marker = L.circleMarker([Number(lat.value), Number(lon.value)], { radius: 8 }).addTo(map);
      }
      highlight();
      map.on("click", function (event) {
        var point = [event.latlng.lng, event.latlng.lat];
        lat.value = event.latlng.lat.toFixed(6);
        lon.value = event.latlng.lng.toFixed(6);
        if (marker) { marker.setLatLng(event.latlng); } else { marker = L.circleMarker(event.latlng, { radius: 8 }).addTo(map); }
        data.features.forEach(function (feature) {
          if (feature.geometry && contains(feature.geometry, point) && kelurahan.value !== feature.properties.slug) {
            kelurahan.value = feature.properties.slug;
            narrow();
          }
        });
        highlight();
      });
      kelurahan.addEventListener("change", highlight);
      element.dataset.loaded = "true";
    })
    .catch(function () { element.hidden = true; });
})();

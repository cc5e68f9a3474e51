/* The report and edit forms: fill the coordinates from the device's position, and a small
 * map under them to place the point by clicking (tapping) it. The typed inputs stay the way
 * to give the point: the map only fills them, and the form works without this script.
 * The base map is the country boundaries peaceops serves itself (no tiles, works offline). */
(function () {
  "use strict";

  var configNode = document.getElementById("report-map-config");
  var latInput = document.getElementById("id_latitude");
  var lonInput = document.getElementById("id_longitude");
  if (!configNode || !latInput || !lonInput) return;
  var config = JSON.parse(configNode.textContent);
  var T = config.strings;
  var missionSelect = document.getElementById("id_mission");
  var onPointTyped = function () {};

  // "5,7631" as typed on a French keyboard counts, as it does on the server.
  function number(input) {
    var text = input.value.trim().replace(",", ".");
    if (!/^[-+]?(\d+\.?\d*|\.\d+)$/.test(text)) return null;
    return Number(text);
  }

  function typedPoint() {
    var lat = number(latInput);
    var lon = number(lonInput);
    if (lat === null || lon === null || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
    return [lat, lon];
  }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_match, name) {
      return values[name];
    });
  }

  function escapeHtml(text) {
    var node = document.createElement("span");
    node.textContent = text;
    return node.innerHTML;
  }

  // Phones: fill the coordinates from the device's position (nothing leaves the page).
  var locate = document.getElementById("use-location");
  var locateStatus = document.getElementById("location-status");
  if (locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      locateStatus.textContent = T.finding;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          latInput.value = position.coords.latitude.toFixed(5);
          lonInput.value = position.coords.longitude.toFixed(5);
          locateStatus.textContent = T.found;
          onPointTyped();
        },
        function () {
          locateStatus.textContent = T.noPosition;
        },
        { enableHighAccuracy: true, timeout: 15000 }
      );
    });
  }

  var box = document.getElementById("report-map");
  var canvas = document.getElementById("report-map-canvas");
  var mapStatus = document.getElementById("report-map-status");
  if (!box || !canvas || !window.L) return;
  box.hidden = false;

  var map = L.map(canvas, {
    zoomSnap: 0.25,
    worldCopyJump: true,
    scrollWheelZoom: false, // scrolling the page must not zoom the map under the pointer
    dragging: !L.Browser.mobile, // one finger scrolls the page on a phone; two pan and zoom
    attributionControl: true,
  }).setView([0, 20], 2);
  map.attributionControl.setPrefix(false);
  var marker = null;
  var countries = null; // the boundaries layer, once loaded

  function showPoint(point, move) {
    if (!marker) {
      marker = L.circleMarker(point, {
        radius: 8,
        color: "#ffffff",
        weight: 2,
        fillColor: "#d62728",
        fillOpacity: 1,
        interactive: false,
      }).addTo(map);
    } else {
      marker.setLatLng(point);
    }
    if (move && !map.getBounds().contains(point)) map.panTo(point);
  }

  function missionCountries() {
    var missions = config.missions;
    if (missionSelect) return missions[missionSelect.value] || [];
    var keys = Object.keys(missions);
    return keys.length === 1 ? missions[keys[0]] : [];
  }

  // Centre on the typed point, else on the chosen mission's host countries.
  function centre() {
    var point = typedPoint();
    if (point) {
      showPoint(point, false);
      map.setView(point, Math.max(map.getZoom(), 7), { animate: false });
      return;
    }
    var codes = missionCountries();
    if (!countries || !codes.length) return;
    var bounds = L.latLngBounds([]);
    countries.eachLayer(function (layer) {
      if (codes.indexOf(layer.feature.properties.code) !== -1) bounds.extend(layer.getBounds());
    });
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [8, 8], animate: false });
  }

  onPointTyped = function () {
    var point = typedPoint();
    if (point) showPoint(point, true);
  };
  latInput.addEventListener("input", onPointTyped);
  lonInput.addEventListener("input", onPointTyped);
  if (missionSelect) {
    missionSelect.addEventListener("change", function () {
      if (!typedPoint()) centre();
    });
  }

  map.on("click", function (event) {
    var point = event.latlng.wrap();
    latInput.value = point.lat.toFixed(6);
    lonInput.value = point.lng.toFixed(6);
    showPoint([point.lat, point.lng], false);
    mapStatus.textContent = fill(T.placed, { latitude: latInput.value, longitude: lonInput.value });
  });

  centre();

  // The boundaries (about 1.3 MB) load once the map scrolls into view: the top of the form
  // stays quick on a slow connection, and drawing them does not hold up what the user
  // is choosing there (the subtype list reloads when the type changes).
  function loadBoundaries() {
    fetch(config.boundariesUrl, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (collection) {
        var style = { color: "#8d99a6", weight: 0.7, fillColor: "#f4f1ea", fillOpacity: 1, interactive: false };
        countries = L.geoJSON(collection, style).addTo(map);
        if (collection.unassigned_land) L.geoJSON(collection.unassigned_land, style).addTo(map);
        if (marker) marker.bringToFront();
        map.attributionControl.addAttribution(escapeHtml(T.attribution));
        centre();
        box.dataset.ready = "true";
      })
      .catch(function () {
        mapStatus.textContent = T.baseMapError;
        mapStatus.className = "error"; // visible: the user should type the point
        box.dataset.ready = "error";
      });
  }
  if ("IntersectionObserver" in window) {
    var observer = new IntersectionObserver(
      function (entries) {
        if (!entries.some(function (entry) { return entry.isIntersecting; })) return;
        observer.disconnect();
        loadBoundaries();
      },
      { rootMargin: "100px" }
    );
    observer.observe(canvas);
  } else {
    loadBoundaries();
  }
})();

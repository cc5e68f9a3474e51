/* The report and edit forms. Everything here improves a form that works without it:
 * - the subtype list follows the chosen type at once (the lists come with the page);
 * - "Add a casualty row" / "Add a source" copy the empty row the page carries (a Django
 *   formset: the row count goes up by one), and ticking "Remove this row" greys a row out;
 * - the coordinates can be filled from the device's position, or by clicking (tapping) a
 *   small map under them. The typed inputs stay the way to give the point: the map only
 *   fills them. Its base map is the country boundaries peaceops serves itself (no tiles,
 *   works offline). */
(function () {
  "use strict";

  var configNode = document.getElementById("subtype-options");
  var typeSelect = document.getElementById("id_incident_type");
  var subtypeSelect = document.getElementById("id_subtype");
  if (!configNode || !typeSelect || !subtypeSelect) return;
  var config = JSON.parse(configNode.textContent);

  function option(value, label, selected) {
    return new Option(label, value, false, selected);
  }

  // The chosen type's subtypes; every subtype grouped by type while no type is chosen.
  // A subtype already chosen stays chosen when the new list has it.
  function showSubtypes() {
    var current = subtypeSelect.value;
    var chosen = config.types.filter(function (type) {
      return type.code === typeSelect.value;
    });
    var nodes = [option("", chosen.length ? config.choose : config.chooseType, false)];
    (chosen.length ? chosen : config.types).forEach(function (type) {
      var parent = chosen.length ? null : document.createElement("optgroup");
      type.subtypes.forEach(function (pair) {
        var node = option(pair[0], pair[1], pair[0] === current);
        if (parent) parent.appendChild(node);
        else nodes.push(node);
      });
      if (parent) {
        parent.label = type.label;
        nodes.push(parent);
      }
    });
    subtypeSelect.replaceChildren.apply(subtypeSelect, nodes);
  }
  typeSelect.addEventListener("change", showSubtypes);
  // A type the browser restored (back button, reload) gets its own list too.
  if (typeSelect.value && subtypeSelect.querySelector("optgroup")) showSubtypes();
})();

(function () {
  "use strict";

  document.querySelectorAll("[data-formset]").forEach(function (box) {
    var prefix = box.dataset.formset;
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var most = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
    var rows = box.querySelector("[data-rows]");
    var template = box.querySelector("template");
    var add = box.querySelector("[data-add-row]");
    if (!total || !rows || !template || !add) return;
    add.hidden = false;
    add.addEventListener("click", function () {
      var index = Number(total.value);
      if (most && index >= Number(most.value)) return;
      var html = template.innerHTML
        .replace(/__prefix__/g, String(index))
        .replace(/__number__/g, String(index + 1));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var added = rows.lastElementChild;
      var first = added && added.querySelector("input:not([type=checkbox]), select, textarea");
      if (first) first.focus();
      if (most && index + 1 >= Number(most.value)) add.hidden = true;
    });
    // A row marked for removal is greyed out; it goes when the form is sent.
    box.addEventListener("change", function (event) {
      var target = event.target;
      if (!target.name || !/-DELETE$/.test(target.name)) return;
      var row = target.closest(".formset-row");
      if (row) row.classList.toggle("removed", target.checked);
    });
  });
})();

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
  // is choosing there.
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

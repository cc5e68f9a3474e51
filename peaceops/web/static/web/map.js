/* The incident map. Everything it draws comes from the platform itself (no tile server):
 * country boundaries, incident points (clustered), PRIO-GRID heat cells, admin-1 ranking,
 * mission areas. Filters live in the URL (history.replaceState) so a view can be shared.
 * Requests are same-origin GETs with the session cookie: no CSRF token is needed. */
(function () {
  "use strict";

  function data(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  var config = data("map-config");
  var TYPES = data("map-types");
  var STATUSES = data("map-statuses");
  var KINDS = data("map-area-kinds");
  var T = data("map-strings");

  var FILTERS = ["mission", "type", "verification", "source", "date_from", "date_to", "q"];
  var HEAT_BREAKS = [1, 2, 6, 21, 101, 501];
  var HEAT_COLOURS = ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"];
  var CELL = 0.5; // PRIO-GRID cell size in degrees; 720 columns from 180W, rows from 90S

  var lang = document.documentElement.lang || "en";
  var numbers = new Intl.NumberFormat(lang);
  var percent = new Intl.NumberFormat(lang, { style: "percent" });
  var dates = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeZone: "UTC" });
  var months = new Intl.DateTimeFormat(lang, { year: "numeric", month: "short", timeZone: "UTC" });

  var form = document.getElementById("map-filters");
  var statusEl = document.getElementById("map-status");
  var retryButton = document.getElementById("map-retry");
  var card = document.getElementById("map-card");
  var admin1Rows = document.getElementById("map-admin1-rows");
  var listLink = document.getElementById("map-list-link");
  var typeLegend = document.getElementById("map-legend-types");
  var heatLegend = document.getElementById("map-legend-heat");
  var monthFrom = document.getElementById("m-month-from");
  var monthTo = document.getElementById("m-month-to");
  var monthText = document.getElementById("m-month-text");
  var histogram = document.getElementById("m-histogram");

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (whole, name) {
      return name in values ? values[name] : whole;
    });
  }

  function escapeHtml(text) {
    var node = document.createElement("span");
    node.textContent = text;
    return node.innerHTML;
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // --- requests ------------------------------------------------------------------------

  function getJSON(url, signal) {
    return fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal: signal,
    }).then(function (response) {
      if (response.ok) return response.json();
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (body) {
          var error = new Error("HTTP " + response.status);
          error.status = response.status;
          error.body = body;
          throw error;
        });
    });
  }

  function explain(error) {
    if (error.status === 401) return T.signedOut;
    if (error.status === 422 && error.body && error.body.error) {
      var fields = error.body.error.fields || {};
      var detail = Object.keys(fields)
        .map(function (name) {
          return name + ": " + fields[name].join(" ");
        })
        .join("; ");
      return fill(T.badFilter, { detail: detail || error.body.error.message });
    }
    return T.error;
  }

  function setStatus(text, state) {
    statusEl.textContent = text;
    statusEl.dataset.state = state;
    retryButton.hidden = state !== "error";
  }

  // --- filters and the URL -------------------------------------------------------------

  function viewMode() {
    return form.elements.view.value === "heat" ? "heat" : "points";
  }

  function filterParams() {
    var params = new URLSearchParams();
    FILTERS.forEach(function (name) {
      var value = form.elements[name].value.trim();
      if (value) params.set(name, value);
    });
    return params;
  }

  function withQuery(url, params) {
    var query = params.toString();
    if (!query) return url;
    return url + (url.indexOf("?") === -1 ? "?" : "&") + query;
  }

  function writeUrl() {
    var params = filterParams();
    if (viewMode() === "heat") params.set("view", "heat");
    var centre = map.getCenter();
    // Written by hand: URLSearchParams would escape the slashes, which a query may contain.
    var at = "at=" + [map.getZoom(), centre.lat.toFixed(4), centre.lng.toFixed(4)].join("/");
    var query = params.toString();
    history.replaceState(null, "", location.pathname + "?" + (query ? query + "&" : "") + at);
    listLink.href = withQuery(listLink.pathname, filterParams());
  }

  function readUrl() {
    var params = new URLSearchParams(location.search);
    FILTERS.forEach(function (name) {
      var control = form.elements[name];
      control.value = params.get(name) || "";
      if (control.tagName === "SELECT" && control.selectedIndex < 0) control.selectedIndex = 0;
    });
    form.elements.view.value = params.get("view") === "heat" ? "heat" : "points";
    var at = (params.get("at") || "").split("/").map(Number);
    if (at.length === 3 && at.every(isFinite)) return { zoom: at[0], centre: [at[1], at[2]] };
    return null;
  }

  // --- the map ---------------------------------------------------------------------------

  var start = readUrl();
  var fitPending = !start; // fit the map to the first data unless the URL says where to look
  // Zoom 14 (about 10 m a pixel) is as close as the data goes; fewer levels to cluster.
  var map = L.map("map", { minZoom: 2, maxZoom: 14, worldCopyJump: true });
  if (start) map.setView(start.centre, start.zoom);
  else map.setView([5, 20], 3);
  map.attributionControl.addAttribution(escapeHtml(T.attribution));
  [
    ["base", 200],
    ["areas", 380],
    ["heat", 390],
    ["points", 450],
    ["alerts", 620], // above the clusters (markerPane, 600): alerts are few and matter most
  ].forEach(function (pane) {
    map.createPane(pane[0]).style.zIndex = pane[1];
  });
  var renderers = {
    base: L.canvas({ pane: "base" }),
    areas: L.canvas({ pane: "areas" }),
    heat: L.canvas({ pane: "heat" }),
    points: L.canvas({ pane: "points", padding: 0.2 }),
  };

  // Base map: country boundaries, and the land no country claims (so Abyei is no hole).
  getJSON(config.boundariesUrl)
    .then(function (collection) {
      var style = {
        pane: "base",
        renderer: renderers.base,
        interactive: false,
        color: "#8d99a6",
        weight: 0.7,
        fillColor: "#f4f1ea",
        fillOpacity: 1,
      };
      L.geoJSON(collection, style).addTo(map);
      if (collection.unassigned_land) L.geoJSON(collection.unassigned_land, style).addTo(map);
    })
    .catch(function () {
      map.attributionControl.addAttribution(escapeHtml(T.baseMapError));
    });

  // Mission areas: one layer per mission, styled per kind, toggled in the side panel.
  var areaLayers = {};
  function areaStyle(feature) {
    var kind = KINDS[feature.properties.kind] || {};
    return {
      color: kind.color || "#1b1f24",
      dashArray: kind.dashArray || null,
      weight: 2,
      fillColor: kind.color || "#1b1f24",
      fillOpacity: 0.06,
    };
  }
  function toggleAreas(checkbox) {
    var acronym = checkbox.dataset.mission;
    var layer = areaLayers[acronym];
    if (!checkbox.checked) {
      if (layer) map.removeLayer(layer);
      return;
    }
    if (layer) {
      layer.addTo(map);
      return;
    }
    areaLayers[acronym] = L.geoJSON(null, {
      pane: "areas",
      renderer: renderers.areas,
      interactive: false,
      style: areaStyle,
    }).addTo(map);
    getJSON(config.areasUrls[acronym])
      .then(function (features) {
        areaLayers[acronym].addData({ type: "FeatureCollection", features: features });
      })
      .catch(function () {
        delete areaLayers[acronym];
        checkbox.checked = false;
        setStatus(fill(T.areasError, { mission: acronym }), "error");
      });
  }
  document.querySelectorAll(".map-area-toggle").forEach(function (checkbox) {
    checkbox.addEventListener("change", function () {
      toggleAreas(checkbox);
    });
  });
  // Areas ticked on load are fetched after the points request has started: a browser opens
  // only a few connections to one host, and the points are what people wait for.
  function showCheckedAreas() {
    document.querySelectorAll(".map-area-toggle:checked").forEach(toggleAreas);
  }

  // Early-warning alerts: open alerts with a point, ringed by severity, off until ticked.
  var alertLayer = null;
  var SEVERITY_COLOURS = { low: "#3f6b3e", medium: "#7a6214", high: "#9a5416", critical: "#b3261e" };
  function alertPopup(properties) {
    return (
      '<p class="map-card-title"><a href="' +
      config.alertPageUrl + properties.id + '/">' + escapeHtml(properties.title) + "</a></p>" +
      "<p>" + escapeHtml(properties.severity_label) + " · " + escapeHtml(properties.status_label) +
      "</p>"
    );
  }
  function toggleAlerts(checkbox) {
    if (!checkbox.checked) {
      if (alertLayer) map.removeLayer(alertLayer);
      return;
    }
    if (alertLayer) {
      alertLayer.addTo(map);
      return;
    }
    alertLayer = L.featureGroup().addTo(map);
    getJSON(config.alertsUrl)
      .then(function (collection) {
        collection.features.forEach(function (feature) {
          var properties = feature.properties;
          var marker = L.circleMarker(
            [feature.geometry.coordinates[1], feature.geometry.coordinates[0]],
            {
              pane: "alerts",
              radius: 9,
              weight: 4,
              color: SEVERITY_COLOURS[properties.severity] || "#1b1f24",
              fillColor: "#ffffff",
              fillOpacity: 0.9,
            }
          );
          marker.bindPopup(alertPopup(properties));
          alertLayer.addLayer(marker);
        });
        setStatus(fill(T.alertsShown, { count: collection.features.length }), "done");
      })
      .catch(function () {
        alertLayer = null;
        checkbox.checked = false;
        setStatus(T.alertsError, "error");
      });
  }
  var alertToggle = document.getElementById("map-alerts-toggle");
  if (alertToggle) {
    alertToggle.addEventListener("change", function () {
      toggleAlerts(alertToggle);
    });
  }

  // Points: circle markers coloured by type, clustered, added in chunks.
  var pointStyles = {};
  Object.keys(TYPES).forEach(function (code) {
    pointStyles[code] = {
      pane: "points",
      renderer: renderers.points,
      radius: 6,
      color: "#ffffff",
      weight: 1,
      fillColor: TYPES[code].colour,
      fillOpacity: 0.9,
    };
  });
  var fallbackStyle = Object.assign({}, pointStyles.other, { fillColor: "#303030" });

  var adding = null; // the batch being added (chunked) and what to do when it is done
  var waiting = null; // a newer batch that arrived while one was being added
  var cluster = L.markerClusterGroup({
    chunkedLoading: true,
    chunkDelay: 10, // ms between chunks of 200 ms: the page stays responsive, and 50,000
    // points are not held up by the default 50 ms pauses
    chunkProgress: onChunk,
    showCoverageOnHover: false,
    maxClusterRadius: 60,
  }).addTo(map);
  cluster.on("click", function (event) {
    if (event.layer && event.layer.incidentId) showCard(event.layer.incidentId);
  });

  function addMarkers(batch) {
    if (adding) {
      waiting = batch;
      return;
    }
    adding = batch;
    cluster.clearLayers();
    cluster.addLayers(batch.markers); // calls onChunk, at least once
  }

  function onChunk(processed, total) {
    if (processed < total) {
      if (adding && !waiting) {
        setStatus(fill(T.loadingProgress, { percent: percent.format(processed / total) }), "loading");
      }
      return;
    }
    var done = adding;
    adding = null;
    if (waiting) {
      var next = waiting;
      waiting = null;
      addMarkers(next);
      return;
    }
    if (done) done.finished();
  }

  // --- loading ---------------------------------------------------------------------------

  var loaded = { points: null, heat: null, admin1: null }; // query strings drawn
  var controller = null;
  var heatLayer = L.featureGroup().addTo(map);
  heatLayer.on("click", function (event) {
    var row = event.layer.cell;
    L.popup()
      .setLatLng(event.latlng)
      .setContent(
        fill(T.cellSummary, {
          incidents: numbers.format(row.incidents),
          fatalities: numbers.format(row.fatalities),
        })
      )
      .openOn(map);
  });

  function load() {
    writeUrl();
    var params = filterParams();
    var query = params.toString();
    var mode = viewMode();
    showMode(mode);
    if (controller) controller.abort();
    controller = new AbortController();
    var signal = controller.signal;
    var jobs = [];
    if (loaded.admin1 !== query) jobs.push(loadAdmin1(params, query, signal));
    if (mode === "heat" && loaded.heat !== query) jobs.push(loadHeat(params, query, signal));
    if (mode === "points" && loaded.points !== query) jobs.push(loadPoints(params, query, signal));
    if (!jobs.length) return;
    setStatus(T.loading, "loading");
    Promise.all(jobs)
      .then(function () {
        if (!signal.aborted && !adding) showMode(viewMode());
      })
      .catch(function (error) {
        if (error.name === "AbortError") return;
        setStatus(explain(error), "error");
      });
  }

  var pointsMessage = "";
  var pointsState = "done";

  function showMode(mode) {
    var heat = mode === "heat";
    if (heat) cluster.unspiderfy();
    map.getPane("points").style.display = heat ? "none" : "";
    map.getPane("markerPane").style.display = heat ? "none" : "";
    map.getPane("heat").style.display = heat ? "" : "none";
    typeLegend.hidden = heat;
    heatLegend.hidden = !heat;
    if (heat && loaded.heat !== null) {
      setStatus(heatMessage(), heatLayer.getLayers().length ? "done" : "empty");
    }
    if (!heat && loaded.points !== null && !adding) setStatus(pointsMessage, pointsState);
  }

  function heatMessage() {
    var count = heatLayer.getLayers().length;
    return count ? fill(T.cells, { count: numbers.format(count) }) : T.empty;
  }

  function loadPoints(params, query, signal) {
    return getJSON(withQuery(config.pointsUrl, params), signal).then(function (payload) {
      if (signal.aborted) return;
      var f = {};
      payload.fields.forEach(function (name, index) {
        f[name] = index;
      });
      var rows = payload.points;
      var markers = new Array(rows.length);
      var south = 90, west = 180, north = -90, east = -180;
      for (var i = 0; i < rows.length; i++) {
        var row = rows[i];
        var lat = row[f.lat], lon = row[f.lon];
        var marker = L.circleMarker([lat, lon], pointStyles[row[f.type]] || fallbackStyle);
        marker.incidentId = row[f.id];
        markers[i] = marker;
        if (lat < south) south = lat;
        if (lat > north) north = lat;
        if (lon < west) west = lon;
        if (lon > east) east = lon;
      }
      // Move the map first, without animation: the clusters are then built once, at the
      // zoom the user will see, rather than built and then animated to a new zoom.
      if (rows.length) {
        var bounds = L.latLngBounds([south, west], [north, east]);
        if (fitPending || !map.getBounds().intersects(bounds)) {
          map.fitBounds(bounds, { padding: [24, 24], maxZoom: 9, animate: false });
        }
        fitPending = false;
      }
      addMarkers({
        markers: markers,
        finished: function () {
          loaded.points = query;
          if (!rows.length) {
            pointsMessage = T.empty;
          } else if (payload.truncated) {
            pointsMessage = fill(T.truncated, { count: numbers.format(rows.length) });
          } else {
            pointsMessage = fill(T.shown, { count: numbers.format(rows.length) });
          }
          pointsState = rows.length ? "done" : "empty";
          if (viewMode() === "points") setStatus(pointsMessage, pointsState);
        },
      });
    });
  }

  function heatColour(count) {
    var index = 0;
    while (index + 1 < HEAT_BREAKS.length && count >= HEAT_BREAKS[index + 1]) index++;
    return HEAT_COLOURS[index];
  }

  function loadHeat(params, query, signal) {
    var url = withQuery(config.aggregatesUrl + "?group_by=priogrid", params);
    return getJSON(url, signal).then(function (payload) {
      if (signal.aborted) return;
      heatLayer.clearLayers();
      payload.rows.forEach(function (row) {
        if (!row.key) return; // incidents without a point have no cell
        var row_ = Math.floor((row.key - 1) / 720);
        var col = (row.key - 1) % 720;
        var south = row_ * CELL - 90, west = col * CELL - 180;
        var rectangle = L.rectangle(
          [
            [south, west],
            [south + CELL, west + CELL],
          ],
          {
            pane: "heat",
            renderer: renderers.heat,
            weight: 0.3,
            color: "#7a4b00",
            fillColor: heatColour(row.incidents),
            fillOpacity: 0.75,
          }
        );
        rectangle.cell = row;
        heatLayer.addLayer(rectangle);
      });
      loaded.heat = query;
      if (heatLayer.getLayers().length && fitPending) {
        map.fitBounds(heatLayer.getBounds(), { padding: [24, 24], maxZoom: 9 });
        fitPending = false;
      }
    });
  }

  function loadAdmin1(params, query, signal) {
    var url = withQuery(config.aggregatesUrl + "?group_by=admin1", params);
    return getJSON(url, signal).then(function (payload) {
      if (signal.aborted) return;
      var rows = payload.rows
        .filter(function (row) {
          return row.key && row.key.split("/")[1];
        })
        .sort(function (a, b) {
          return b.incidents - a.incidents || b.fatalities - a.fatalities;
        })
        .slice(0, 10);
      admin1Rows.replaceChildren();
      if (!rows.length) {
        var tr = element("tr");
        tr.appendChild(element("td", { colspan: "3", class: "empty" }, T.noAreas));
        admin1Rows.appendChild(tr);
      }
      rows.forEach(function (row) {
        var parts = row.key.split("/");
        var tr = element("tr");
        tr.appendChild(element("td", {}, parts.slice(1).join("/") + " (" + parts[0] + ")"));
        tr.appendChild(element("td", { class: "num" }, numbers.format(row.incidents)));
        tr.appendChild(element("td", { class: "num" }, numbers.format(row.fatalities)));
        admin1Rows.appendChild(tr);
      });
      loaded.admin1 = query;
    });
  }

  HEAT_BREAKS.forEach(function (low, index) {
    var high = HEAT_BREAKS[index + 1];
    var label;
    if (high === undefined) label = fill(T.orMore, { count: numbers.format(low) });
    else if (high - 1 === low) label = numbers.format(low);
    else label = numbers.format(low) + "–" + numbers.format(high - 1);
    var item = element("li");
    var swatch = element("span", { class: "map-swatch", "aria-hidden": "true" });
    swatch.style.backgroundColor = HEAT_COLOURS[index];
    item.appendChild(swatch);
    item.appendChild(document.createTextNode(label));
    document.getElementById("map-heat-scale").appendChild(item);
  });

  // --- the summary card ------------------------------------------------------------------

  var cardRequest = null;
  function showCard(id) {
    if (cardRequest) cardRequest.abort();
    cardRequest = new AbortController();
    card.hidden = false;
    card.replaceChildren(element("p", {}, T.cardLoading));
    card.scrollIntoView({ block: "nearest" }); // the side panel may have scrolled it away
    getJSON(config.incidentUrl + id, cardRequest.signal)
      .then(function (incident) {
        var heading = element("h2", {}, incident.title);
        var facts = element("dl", { class: "facts" });
        var place = [incident.location_name, incident.admin1, incident.country_code]
          .filter(Boolean)
          .join(", ");
        [
          [T.mission, incident.mission],
          [T.type, (TYPES[incident.incident_type] || {}).label || incident.incident_type],
          [T.date, dates.format(new Date(incident.started_at))],
          [T.place, place || "–"],
          [T.fatalities, numbers.format(incident.fatalities)],
          [T.status, STATUSES[incident.verification_status] || incident.verification_status],
        ].forEach(function (fact) {
          facts.appendChild(element("dt", {}, fact[0]));
          facts.appendChild(element("dd", {}, fact[1]));
        });
        var link = element("a", { href: config.incidentPageUrl + incident.id + "/" }, T.open);
        var close = element("button", { type: "button" }, T.close);
        close.addEventListener("click", function () {
          card.hidden = true;
          card.replaceChildren();
          document.getElementById("map").focus();
        });
        var actions = element("p", { class: "map-card-actions" });
        actions.appendChild(link);
        actions.appendChild(close);
        card.replaceChildren(heading, facts, actions);
      })
      .catch(function (error) {
        if (error.name === "AbortError") return;
        card.replaceChildren(element("p", { class: "error" }, error.status === 401 ? T.signedOut : T.cardError));
      });
  }

  // --- the month slider --------------------------------------------------------------------

  var monthKeys = []; // "YYYY-MM-01", first to last month with visible incidents

  function monthIndex(date, fallback) {
    if (!date || !monthKeys.length) return fallback;
    var key = date.slice(0, 7) + "-01";
    if (key <= monthKeys[0]) return 0;
    if (key >= monthKeys[monthKeys.length - 1]) return monthKeys.length - 1;
    return monthKeys.indexOf(key);
  }

  function lastDay(monthKey) {
    var d = new Date(monthKey + "T00:00:00Z");
    d.setUTCMonth(d.getUTCMonth() + 1);
    d.setUTCDate(0);
    return d.toISOString().slice(0, 10);
  }

  function monthLabel(index) {
    return months.format(new Date(monthKeys[index] + "T00:00:00Z"));
  }

  function syncSlider() {
    if (!monthKeys.length) return;
    monthFrom.value = monthIndex(form.elements.date_from.value, 0);
    monthTo.value = monthIndex(form.elements.date_to.value, monthKeys.length - 1);
    describeSlider();
  }

  function describeSlider() {
    var from = Number(monthFrom.value), to = Number(monthTo.value);
    monthFrom.setAttribute("aria-valuetext", monthLabel(from));
    monthTo.setAttribute("aria-valuetext", monthLabel(to));
    var all = !form.elements.date_from.value && !form.elements.date_to.value;
    monthText.textContent = all ? T.allTime : monthLabel(from) + " – " + monthLabel(to);
    Array.prototype.forEach.call(histogram.children, function (bar, index) {
      bar.classList.toggle("in-range", index >= from && index <= to);
    });
  }

  function sliderMoved(event) {
    var from = Number(monthFrom.value), to = Number(monthTo.value);
    if (from > to) {
      if (event.target === monthFrom) monthTo.value = to = from;
      else monthFrom.value = from = to;
    }
    form.elements.date_from.value = from > 0 ? monthKeys[from] : "";
    form.elements.date_to.value = to < monthKeys.length - 1 ? lastDay(monthKeys[to]) : "";
    describeSlider();
  }

  function loadMonths() {
    return getJSON(config.aggregatesUrl + "?group_by=month").then(function (payload) {
      var counts = {};
      payload.rows.forEach(function (row) {
        counts[row.key] = row.incidents;
      });
      var keys = Object.keys(counts).sort();
      if (!keys.length) return;
      var cursor = new Date(keys[0] + "T00:00:00Z");
      var last = keys[keys.length - 1];
      while (cursor.toISOString().slice(0, 10) <= last) {
        monthKeys.push(cursor.toISOString().slice(0, 10));
        cursor.setUTCMonth(cursor.getUTCMonth() + 1);
      }
      var most = Math.max.apply(null, keys.map(function (key) {
        return counts[key];
      }));
      monthKeys.forEach(function (key) {
        var bar = element("span");
        bar.style.height = Math.max(2, Math.round((100 * Math.sqrt(counts[key] || 0)) / Math.sqrt(most))) + "%";
        histogram.appendChild(bar);
      });
      [monthFrom, monthTo].forEach(function (slider) {
        slider.max = monthKeys.length - 1;
        slider.disabled = false;
        slider.addEventListener("input", sliderMoved);
      });
      syncSlider();
    });
  }

  // --- wiring ----------------------------------------------------------------------------

  var pending = null;
  function applySoon() {
    clearTimeout(pending);
    pending = setTimeout(load, 300);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(pending);
    load();
  });
  form.addEventListener("change", function (event) {
    if (event.target === form.elements.date_from || event.target === form.elements.date_to) syncSlider();
    if (event.target.name === "q") return; // text applies on Enter or the button
    applySoon();
  });
  document.getElementById("m-clear").addEventListener("click", function () {
    FILTERS.forEach(function (name) {
      form.elements[name].value = "";
    });
    syncSlider();
    load();
  });
  retryButton.addEventListener("click", function () {
    loaded.points = loaded.heat = loaded.admin1 = null;
    load();
  });
  map.on("moveend", writeUrl);

  load();
  showCheckedAreas();
  if (alertToggle && alertToggle.checked) toggleAlerts(alertToggle);
  // The slider's months come second: the points are what the user waits for.
  setTimeout(function () {
    loadMonths().catch(function () {
      monthText.textContent = T.allTime;
    });
  }, 1500);
})();

/* The forecast risk map: countries (or PRIO-GRID cells) coloured by the probability of the
 * threshold being reached in the chosen month. Everything comes from the platform itself:
 * the country boundaries and the forecasts API (same-origin GETs with the session). */
(function () {
  "use strict";

  function data(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  var config = data("forecast-config");
  var T = data("forecast-strings");
  var statusEl = document.getElementById("forecast-status");
  var lang = document.documentElement.lang || "en";
  var percent = new Intl.NumberFormat(lang, { style: "percent" });
  var numbers = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
  var CELL = 0.5;

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (whole, name) {
      return name in values ? values[name] : whole;
    });
  }

  function colour(probability) {
    for (var i = 0; i < config.classes.length; i++) {
      if (probability <= config.classes[i].upTo) return config.classes[i].colour;
    }
    return config.classes[config.classes.length - 1].colour;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      });
  }

  function card(name, row, link) {
    var node = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = name;
    node.appendChild(title);
    [
      [T.probability, percent.format(row.probability)],
      [T.median, numbers.format(row.median)],
      [T.interval, numbers.format(row.q05) + "–" + numbers.format(row.q95)],
    ].forEach(function (pair) {
      var line = document.createElement("div");
      line.textContent = pair[0] + ": " + pair[1];
      node.appendChild(line);
    });
    if (link) {
      var a = document.createElement("a");
      a.href = link;
      a.textContent = T.open;
      node.appendChild(a);
    }
    return node;
  }

  var canvas = document.getElementById("forecast-map");
  // cells can be many thousands: drawn on a canvas; countries as SVG paths
  var map = L.map(canvas, { worldCopyJump: true, preferCanvas: config.level === "pgm" })
    .setView([10, 20], 3);
  map.attributionControl.addAttribution(T.attribution);

  var boundaries = getJSON(config.boundariesUrl);
  var forecasts = getJSON(config.dataUrl);

  boundaries
    .catch(function () {
      statusEl.textContent = T.baseMapError;
      return null;
    })
    .then(function (geojson) {
      return forecasts.then(function (body) {
        var byUnit = {};
        body.forecasts.forEach(function (row) {
          byUnit[row.unit] = row;
        });
        if (geojson) {
          L.geoJSON(geojson, {
            style: function (feature) {
              var row = config.level === "cm" ? byUnit[feature.properties.code] : null;
              return {
                color: "#6b6b6b",
                weight: 0.6,
                fillColor: row ? colour(row.probability) : "#f2f2f2",
                fillOpacity: row ? 0.85 : 0.4,
              };
            },
            onEachFeature: function (feature, layer) {
              var row = config.level === "cm" ? byUnit[feature.properties.code] : null;
              if (row) {
                layer.bindPopup(card(feature.properties.name, row,
                  config.countryUrl + feature.properties.code + "/"));
              }
            },
          }).addTo(map);
        }
        if (config.level === "pgm") {
          var cells = L.featureGroup();
          body.forecasts.forEach(function (row) {
            if (row.probability <= 0) return;
            var gid = parseInt(row.unit, 10) - 1;
            var south = Math.floor(gid / 720) * CELL - 90;
            var west = (gid % 720) * CELL - 180;
            L.rectangle([[south, west], [south + CELL, west + CELL]], {
              stroke: false,
              fillColor: colour(row.probability),
              fillOpacity: 0.85,
            }).bindPopup(card(row.unit, row, null)).addTo(cells);
          });
          cells.addTo(map);
          if (cells.getLayers().length) map.fitBounds(cells.getBounds());
        }
        statusEl.textContent = fill(T.shown, { count: numbers.format(body.forecasts.length) });
        canvas.setAttribute("data-ready", "true");
      });
    })
    .catch(function () {
      statusEl.textContent = T.error;
    });
})();

/* OpenPCN map: PCN areas and practice points from GeoJSON, drawn by Leaflet with no tile layer.
 * Reads div#map[data-geojson-url] (or .app-map[data-geojson]: the GeoJSON itself, drawn by the
 * page); an optional data-focus (a PCN or practice code) zooms to it. Practices with
 * `moved` get a thick outline; a collection with `links: false` (a proposal) links nowhere.
 * No inline script or style (CSP): colours come from the features' properties. */
(function () {
  "use strict";

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function number(value) {
    return value == null ? "not known" : Math.round(value).toLocaleString("en-GB");
  }

  function status(el, text) {
    var box = el.parentNode && el.parentNode.querySelector("[data-map-status]");
    if (box) box.textContent = text;
  }

  function popupFor(props, links) {
    if (!links) {
      return (
        "<strong>" + escapeHtml(props.name) + "</strong> (" + escapeHtml(props.code) + ")<br>" +
        (props.kind === "pcn"
          ? number(props.registered_patients) + " registered patients, " +
            escapeHtml(props.practices) + " practices"
          : "Network: " + escapeHtml(props.pcn_name) + (props.moved ? " (moves)" : "") + "<br>" +
            number(props.registered_patients) + " registered patients")
      );
    }
    if (props.kind === "pcn") {
      return (
        "<strong>" + escapeHtml(props.name) + "</strong> (" + escapeHtml(props.code) + ")<br>" +
        number(props.registered_patients) + " registered patients, " +
        escapeHtml(props.practices) + " practices<br>" +
        '<a href="/pcns/' + encodeURIComponent(props.code) + '">Open the PCN</a>'
      );
    }
    return (
      "<strong>" + escapeHtml(props.name) + "</strong> (" + escapeHtml(props.code) + ")<br>" +
      "PCN: " + escapeHtml(props.pcn_name) + "<br>" +
      number(props.registered_patients) + " registered patients<br>" +
      '<a href="/practices/' + encodeURIComponent(props.code) + '">Open the practice</a>'
    );
  }

  /* Each focusable area or dot gets an accessible name (a screen reader would otherwise hear
   * 81 unnamed stops), set once Leaflet has drawn its SVG element. */
  function nameFor(props) {
    if (props.kind === "pcn") return props.name + " (" + props.code + "), PCN area";
    return props.name + " (" + props.code + "), practice in " + (props.pcn_name || "no PCN");
  }

  function labelled(f, layer) {
    layer.on("add", function () {
      var element = layer.getElement && layer.getElement();
      if (element) {
        element.setAttribute("aria-label", nameFor(f.properties));
        element.setAttribute("role", "button");
      }
    });
  }

  function draw(el, collection) {
    var focus = el.getAttribute("data-focus");
    var map = L.map(el, { scrollWheelZoom: false, attributionControl: false, zoomSnap: 0.25 });
    var areas = { type: "FeatureCollection", features: [] };
    var points = { type: "FeatureCollection", features: [] };
    collection.features.forEach(function (f) {
      (f.properties.kind === "pcn" ? areas : points).features.push(f);
    });
    var focused = [];
    var links = !(collection.properties && collection.properties.links === false);
    var areaLayer = L.geoJSON(areas, {
      style: function (f) {
        var on = !focus || f.properties.code === focus;
        return {
          color: "#425563",
          weight: on && focus ? 3 : 1,
          fillColor: f.properties.colour,
          fillOpacity: on ? 0.35 : 0.12
        };
      },
      onEachFeature: function (f, layer) {
        layer.bindPopup(popupFor(f.properties, links));
        labelled(f, layer);
        if (focus && f.properties.code === focus) focused.push(layer);
      }
    }).addTo(map);
    var pointLayer = L.geoJSON(points, {
      pointToLayer: function (f, latlng) {
        var on = !focus || f.properties.code === focus || f.properties.pcn_code === focus;
        return L.circleMarker(latlng, {
          radius: f.properties.code === focus ? 9 : 6,
          color: f.properties.moved ? "#000000" : "#212b32",
          weight: f.properties.moved ? 3 : 1,
          fillColor: f.properties.colour,
          fillOpacity: on ? 0.95 : 0.5
        });
      },
      onEachFeature: function (f, layer) {
        layer.bindPopup(popupFor(f.properties, links));
        layer.bindTooltip(f.properties.name);
        labelled(f, layer);
        if (focus && (f.properties.code === focus || f.properties.pcn_code === focus)) {
          focused.push(layer);
        }
      }
    }).addTo(map);
    var bounds = focused.length ? L.featureGroup(focused).getBounds() : areaLayer.getBounds();
    if (!bounds.isValid()) bounds = pointLayer.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [16, 16], maxZoom: 11 });
    } else {
      map.setView([52.5, -1.5], 6);
    }
    var p = collection.properties || {};
    var text = areas.features.length + " PCN areas and " + points.features.length + " practices shown.";
    if (p.unplaced_practices) {
      text += " " + p.unplaced_practices + " practices have no known location and are not shown.";
    }
    status(el, text);
  }

  function load(common, el) {
    var inline = el.getAttribute("data-geojson");
    if (inline && typeof L !== "undefined") {
      try {
        draw(el, JSON.parse(inline));
      } catch (e) {
        status(el, "The map could not be drawn; the tables on this page hold the same information.");
      }
      return;
    }
    var url = el.getAttribute("data-geojson-url");
    if (!url || typeof L === "undefined") {
      status(el, "The map cannot be shown; the tables on this page hold the same information.");
      return;
    }
    common.fetchJson(url, "application/geo+json, application/json")
      .then(function (collection) { draw(el, collection); })
      .catch(function () {
        status(el, "The map could not be loaded; the tables on this page hold the same information.");
      });
  }

  import("/static/js/common.js").then(function (common) {
    common.whenReady(function () {
      document.querySelectorAll(
        "#map[data-geojson-url], .app-map[data-geojson-url], .app-map[data-geojson]"
      )
        .forEach(function (el) { load(common, el); });
    });
  });
})();

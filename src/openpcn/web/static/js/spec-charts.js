/* OpenPCN charts drawn from a spec URL (quality, funding, workforce pages): every .app-spec-chart[data-spec-url] gets its Vega-Lite spec from
 * the API and is drawn by vega-embed. The page's own tables hold the same numbers (the charts'
 * text alternative), so no table is built here. CSP-safe: Vega runs with its expression
 * interpreter (no eval) and vega-embed injects no <style>. */
(function () {
  "use strict";

  function say(el, text) {
    el.textContent = "";
    var p = document.createElement("p");
    p.className = "nhsuk-body-s";
    p.textContent = text;
    el.appendChild(p);
  }

  function draw(el) {
    el.setAttribute("data-chart-started", "");
    fetch(el.getAttribute("data-spec-url"), {
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (spec) {
        el.textContent = "";
        var target = document.createElement("div");
        target.className = "app-chart-canvas";
        el.appendChild(target);
        if (typeof vegaEmbed === "undefined") {
          say(target, "The chart cannot be drawn here; the numbers are in the table below.");
          return;
        }
        var options = {
          actions: false,
          renderer: "svg",
          defaultStyle: false,
          tooltip: { disableDefaultStyle: true },
          ast: true
        };
        if (typeof vega !== "undefined" && vega.expressionInterpreter) {
          options.expr = vega.expressionInterpreter;
        }
        return vegaEmbed(target, spec, options)
          .then(function () { el.setAttribute("data-chart-drawn", ""); })
          .catch(function () {
            say(target, "The chart could not be drawn; the numbers are in the table below.");
          });
      })
      .catch(function () {
        say(el, "The chart could not be loaded; the numbers are in the table below.");
      });
  }

  function start() {
    document.querySelectorAll(".app-spec-chart[data-spec-url]:not([data-chart-started])").forEach(draw);
  }

  // htmx swaps in sections with charts (the PCN dashboard's trend): draw those too.
  document.addEventListener("htmx:load", start);

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

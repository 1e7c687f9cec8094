/* What the page scripts (charts.js, spec-charts.js, map.js, tables.js) share: starting once the
 * page is parsed (and again on what htmx swaps in), fetching JSON from the API, a message in
 * place of a chart, and drawing a Vega-Lite spec the way the CSP allows.
 * An ES module: the pages load those scripts as classic deferred scripts, and each imports this
 * with import(), so no page needs another script tag. */

/* Run start() once the document is parsed, and, with onSwap, on every htmx swap. */
export function whenReady(start, onSwap) {
  if (onSwap) document.addEventListener("htmx:load", start);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}

/* The JSON answer of a same-origin GET; rejects on an HTTP error. */
export function fetchJson(url, accept) {
  return fetch(url, { credentials: "same-origin", headers: { Accept: accept || "application/json" } })
    .then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    });
}

/* Replace el's content with one short paragraph. */
export function say(el, text) {
  el.textContent = "";
  var p = document.createElement("p");
  p.className = "nhsuk-body-s";
  p.textContent = text;
  el.appendChild(p);
}

/* Draw spec into a new canvas div in el with vega-embed. The CSP forbids evaluating code from
 * strings, so Vega interprets its expressions from the parsed AST (vega-embed 6 brings the
 * interpreter) and injects no <style>. Resolves true when drawn, false when it could not be. */
export function drawSpec(el, spec) {
  el.textContent = "";
  var target = document.createElement("div");
  target.className = "app-chart-canvas";
  el.appendChild(target);
  if (typeof vegaEmbed === "undefined") {
    say(target, "The chart cannot be drawn here; the numbers are in the table below.");
    return Promise.resolve(false);
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
    .then(function () { return true; })
    .catch(function () {
      say(target, "The chart could not be drawn; the numbers are in the table below.");
      return false;
    });
}

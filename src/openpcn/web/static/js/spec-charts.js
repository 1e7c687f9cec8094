/* OpenPCN charts drawn from a spec URL (quality, funding, workforce, case-finding pages): every
 * .app-spec-chart[data-spec-url] gets its Vega-Lite spec from the API and is drawn by vega-embed
 * (common.js), fitted to the width of its slot first (chart-fit.js). The page's own tables hold
 * the same numbers (the charts' text alternative), so no table is built here. */
(function () {
  "use strict";

  function draw(common, fit, el) {
    el.setAttribute("data-chart-started", "");
    common.fetchJson(el.getAttribute("data-spec-url"))
      .then(function (spec) { return common.drawSpec(el, fit.fitSpec(spec, el.clientWidth)); })
      .then(function (drawn) {
        if (drawn) el.setAttribute("data-chart-drawn", "");
      })
      .catch(function () {
        common.say(el, "The chart could not be loaded; the numbers are in the table below.");
      });
  }

  // htmx swaps in sections with charts (the PCN dashboard's trend): draw those too.
  Promise.all([import("/static/js/common.js"), import("/static/js/chart-fit.js")]).then(function (m) {
    var common = m[0];
    common.whenReady(function () {
      document.querySelectorAll(".app-spec-chart[data-spec-url]:not([data-chart-started])")
        .forEach(function (el) { draw(common, m[1], el); });
    }, true);
  });
})();

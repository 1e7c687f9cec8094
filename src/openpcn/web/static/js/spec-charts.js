/* OpenPCN charts drawn from a spec URL (quality, funding, workforce, case-finding pages): every
 * .app-spec-chart[data-spec-url] gets its Vega-Lite spec from the API and is drawn by vega-embed
 * (common.js). The page's own tables hold the same numbers (the charts' text alternative), so no
 * table is built here. */
(function () {
  "use strict";

  function draw(common, el) {
    el.setAttribute("data-chart-started", "");
    common.fetchJson(el.getAttribute("data-spec-url"))
      .then(function (spec) { return common.drawSpec(el, spec); })
      .then(function (drawn) {
        if (drawn) el.setAttribute("data-chart-drawn", "");
      })
      .catch(function () {
        common.say(el, "The chart could not be loaded; the numbers are in the table below.");
      });
  }

  // htmx swaps in sections with charts (the PCN dashboard's trend): draw those too.
  import("/static/js/common.js").then(function (common) {
    common.whenReady(function () {
      document.querySelectorAll(".app-spec-chart[data-spec-url]:not([data-chart-started])")
        .forEach(function (el) { draw(common, el); });
    }, true);
  });
})();

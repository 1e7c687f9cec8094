/* OpenPCN charts: every .chart[data-spec-url] gets the Vega-Lite spec fetched from the API and
 * drawn by vega-embed (common.js), fitted to the width of its slot (chart-fit.js), plus a table
 * of the same numbers (the chart's text alternative). */
(function () {
  "use strict";

  function cell(tag, text, attrs) {
    var el = document.createElement(tag);
    el.textContent = text;
    Object.keys(attrs || {}).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    return el;
  }

  function tableOf(spec) {
    var values = (spec.data && spec.data.values) || [];
    var bands = [];
    var byBand = {};
    values.forEach(function (v) {
      if (!byBand[v.age_band]) { byBand[v.age_band] = {}; bands.push(v.age_band); }
      byBand[v.age_band][v.sex] = v.shown;
    });
    var details = cell("details", "", { class: "nhsuk-details app-chart-table" });
    var summary = cell("summary", "", { class: "nhsuk-details__summary" });
    summary.appendChild(cell("span", "Show the numbers as a table", { class: "nhsuk-details__summary-text" }));
    details.appendChild(summary);
    var body = cell("div", "", { class: "nhsuk-details__text" });
    var table = cell("table", "", { class: "nhsuk-table" });
    table.appendChild(cell("caption", spec.title || "Chart data", { class: "nhsuk-table__caption" }));
    var head = cell("thead", "", { class: "nhsuk-table__head" });
    var row = cell("tr", "", { class: "nhsuk-table__row" });
    ["Age band", "Female", "Male"].forEach(function (h, i) {
      row.appendChild(cell("th", h, { scope: "col", class: "nhsuk-table__header" + (i ? " nhsuk-table__header--numeric" : "") }));
    });
    head.appendChild(row);
    table.appendChild(head);
    var tbody = cell("tbody", "", { class: "nhsuk-table__body" });
    bands.forEach(function (band) {
      var tr = cell("tr", "", { class: "nhsuk-table__row" });
      tr.appendChild(cell("th", band, { scope: "row", class: "nhsuk-table__header" }));
      ["Female", "Male"].forEach(function (sex) {
        tr.appendChild(cell("td", byBand[band][sex] || "0", { class: "nhsuk-table__cell nhsuk-table__cell--numeric" }));
      });
      tbody.appendChild(tr);
    });
    table.appendChild(tbody);
    body.appendChild(table);
    details.appendChild(body);
    return details;
  }

  function draw(common, fit, el) {
    common.fetchJson(el.getAttribute("data-spec-url"))
      .then(function (answer) {
        var spec = answer.spec || answer;
        el.parentNode.insertBefore(tableOf(spec), el.nextSibling);
        return common.drawSpec(el, fit.fitSpec(spec, el.clientWidth));
      })
      .catch(function () {
        common.say(el, "The chart could not be loaded.");
      });
  }

  Promise.all([import("/static/js/common.js"), import("/static/js/chart-fit.js")]).then(function (m) {
    m[0].whenReady(function () {
      document.querySelectorAll(".chart[data-spec-url]").forEach(function (el) { draw(m[0], m[1], el); });
    });
  });
})();

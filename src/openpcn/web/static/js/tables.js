/* OpenPCN sortable tables: table[data-sortable] with <button>s in its column headers.
 * Buttons are keyboard operable by nature; aria-sort on the <th> says the current order. */
(function () {
  "use strict";

  function valueOf(row, index, kind) {
    var c = row.children[index];
    var raw = c ? (c.hasAttribute("data-sort-value") ? c.getAttribute("data-sort-value") : c.textContent) : "";
    if (kind === "number") {
      var n = parseFloat(raw);
      return isNaN(n) ? null : n;
    }
    return raw.trim().toLowerCase();
  }

  function sortBy(table, th, index) {
    var kind = th.getAttribute("data-sort-type") || "text";
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    var tbody = table.tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows);
    rows.forEach(function (r, i) { r._order = i; });
    rows.sort(function (a, b) {
      var x = valueOf(a, index, kind);
      var y = valueOf(b, index, kind);
      if (x === y) return a._order - b._order;
      if (x === null) return 1; // blanks last either way
      if (y === null) return -1;
      var cmp = kind === "number" ? x - y : x.localeCompare(y, "en-GB");
      return ascending ? cmp : -cmp;
    });
    rows.forEach(function (r) { tbody.appendChild(r); });
    table.querySelectorAll("thead th").forEach(function (other) {
      if (other.hasAttribute("aria-sort")) other.setAttribute("aria-sort", "none");
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var live = table.parentNode.querySelector("[data-sort-status]");
    if (live) {
      live.textContent = "Sorted by " + th.textContent.trim() + ", " + (ascending ? "ascending" : "descending") + ".";
    }
  }

  function enhance(table) {
    table.setAttribute("data-sort-ready", "");
    var live = document.createElement("p");
    live.className = "nhsuk-u-visually-hidden";
    live.setAttribute("data-sort-status", "");
    live.setAttribute("aria-live", "polite");
    table.parentNode.insertBefore(live, table.nextSibling);
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(headers, function (th, index) {
      var button = th.querySelector("button");
      if (!button) return;
      button.addEventListener("click", function () { sortBy(table, th, index); });
    });
  }

  // htmx swaps in new tables (the ICS overview's date selector): make those sortable too.
  import("/static/js/common.js").then(function (common) {
    common.whenReady(function () {
      document.querySelectorAll("table[data-sortable]:not([data-sort-ready])").forEach(enhance);
    }, true);
  });
})();
